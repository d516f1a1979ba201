"""A real `newsbot serve` app on a real socket (uvicorn on 127.0.0.1, a free port), run on a
thread of the test process over the project's library, so tests speak HTTP to it as any
client would and can still reach into the library (to publish a generation elsewhere, say)."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

import httpx
import pytest
import uvicorn

from newsbot.bot.config import ServeSettings
from newsbot.bot.serve.api import make_app
from newsbot.retrieval.library import Library

START_SECONDS = 30


@dataclass
class Served:
    url: str
    library: Library
    client: httpx.Client

    def ask(self, question: str, **fields) -> httpx.Response:
        return self.client.post("/v1/ask", json={"question": question, **fields})


@contextmanager
def serving(library: Library, settings: ServeSettings, feeds) -> Iterator[Served]:
    app = make_app(library, settings, feeds)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + START_SECONDS
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.02)
    port = server.servers[0].sockets[0].getsockname()[1]
    url = f"http://127.0.0.1:{port}"
    try:
        with httpx.Client(base_url=url, timeout=30) as client:
            yield Served(url, library, client)
    finally:
        server.should_exit = True
        thread.join(timeout=15)


def settings_for(project, **overrides) -> ServeSettings:
    """The project's [serve] settings, generous unless a test says otherwise."""
    base = replace(project.config().serve, requests_per_minute=100_000, admin_token="admin-secret")
    return replace(base, **overrides)


def wait_until(check, seconds: float = 15.0, step: float = 0.1):
    """Poll `check` until it returns something true, at most `seconds`."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(step)
    raise AssertionError(f"not true within {seconds} s")


@pytest.fixture
def served(project, library) -> Iterator[Served]:
    """The shipped articles, indexed, served."""
    with serving(library, settings_for(project), project.config().feeds) as running:
        yield running
