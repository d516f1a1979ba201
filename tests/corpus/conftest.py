"""Fixtures for the web tests: a loopback server per test, and a fetch policy with short limits."""

from __future__ import annotations

import pytest

from newsbot.corpus.web.fetching import FetchPolicy
from tests.corpus.web_server import LoopbackServer


@pytest.fixture
def web():
    server = LoopbackServer().start()
    yield server
    server.stop()


@pytest.fixture
def policy() -> FetchPolicy:
    """Limits small enough to keep every test well under a second or two."""
    return FetchPolicy(
        connect_timeout=2, read_timeout=0.4, total_timeout=5, max_bytes=1_000_000, min_interval=0, allow_private_addresses=True
    )
