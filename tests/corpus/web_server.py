"""A real HTTP server on 127.0.0.1 (an ephemeral port) that serves what a test puts in it.

Tests set `server.routes[path]` to a `Route` and read `server.requests` to see what newsbot
asked for and when; routes may change between two calls, as a live feed does. Nothing here
listens on, or points at, any address but loopback.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


def free_port() -> int:
    """A loopback port nothing listened on a moment ago: one to start a server on, or one
    that refuses a connection."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Route:
    body: bytes | Callable[[], Iterable[bytes]] = b""  # a callable's chunks are streamed, without a length
    status: int = 200
    content_type: str = "text/html; charset=utf-8"
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0  # seconds of silence before answering


@dataclass(frozen=True)
class Request:
    path: str
    at: float  # time.monotonic() when it arrived
    user_agent: str


class LoopbackServer:
    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[Request] = []
        self._stop = threading.Event()
        self._server = _QuietServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._server.block_on_close = False
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def paths(self) -> list[str]:
        return [request.path for request in self.requests]

    def start(self) -> LoopbackServer:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()  # wakes handlers still "slow" so none outlives the test
        self._server.shutdown()
        self._server.server_close()

    def wait(self, seconds: float) -> None:
        self._stop.wait(seconds)


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request, client_address) -> None:
        if not issubclass(sys.exc_info()[0] or type(None), (ConnectionResetError, BrokenPipeError)):
            super().handle_error(request, client_address)  # a client hanging up is no error


def _handler_for(server: LoopbackServer):
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            server.requests.append(Request(self.path, time.monotonic(), self.headers.get("User-Agent", "")))
            route = server.routes.get(self.path) or Route(b"not found", status=404, content_type="text/plain")
            if route.delay:
                server.wait(route.delay)
            try:
                self._answer(route)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client stopped reading, as it should past its size limit

        def _answer(self, route: Route) -> None:
            self.send_response(route.status)
            self.send_header("Content-Type", route.content_type)
            for name, value in route.headers.items():
                self.send_header(name, value)
            if isinstance(route.body, bytes):
                self.send_header("Content-Length", str(len(route.body)))
                self.end_headers()
                self.wfile.write(route.body)
                return
            self.send_header("Connection", "close")
            self.end_headers()
            for chunk in route.body():
                if server._stop.is_set():
                    return
                self.wfile.write(chunk)
            self.close_connection = True

        def log_message(self, *args) -> None:
            pass

    return Handler
