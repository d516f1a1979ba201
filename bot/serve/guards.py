"""What stands between a request and the library: tokens, a per-client rate limit, a size cap.

The rate limit is a token bucket per client address, kept here rather than taken from
slowapi/limits: those bring a storage layer (memory, Redis) and decorators for what is, for
one process, a dict of two floats per client; ours is bounded in memory (the least recently
seen clients are forgotten first) and says how long to wait, which 429's Retry-After needs.
Behind a reverse proxy the client address is the forwarded one: uvicorn reads
X-Forwarded-For from the proxies it trusts (127.0.0.1 by default).
"""

from __future__ import annotations

import hmac
import ipaddress
import time
from collections import OrderedDict
from collections.abc import Callable

from newsbot.bot.serve.errors import json_line

MAX_CLIENTS = 10_000  # clients remembered by the rate limit; the least recent are forgotten
BURST = 10  # questions a client may ask at once before the per-minute rate applies


class RateLimiter:
    """A token bucket per client: `BURST` at once, then `per_minute` a minute."""

    def __init__(self, per_minute: int, burst: int = BURST, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = per_minute / 60.0
        self.burst = float(max(1, min(burst, per_minute)))
        self.clock = clock
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()  # client -> (tokens, when)

    def wait_for(self, client: str) -> float:
        """0 when `client` may go on now (and a token is spent), else the seconds to wait."""
        now = self.clock()
        tokens, then = self._buckets.pop(client, (self.burst, now))
        tokens = min(self.burst, tokens + (now - then) * self.rate)
        wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
        self._buckets[client] = (tokens - 1 if wait == 0 else tokens, now)
        while len(self._buckets) > MAX_CLIENTS:
            self._buckets.popitem(last=False)
        return wait


def token_matches(given: str | None, expected: str) -> bool:
    """A constant-time comparison, so the time taken says nothing about how much was right."""
    return bool(expected) and given is not None and hmac.compare_digest(given.encode(), expected.encode())


def bearer(authorization: str | None) -> str | None:
    """The token of an `Authorization: Bearer <token>` header."""
    if not authorization:
        return None
    scheme, _, token = authorization.partition(" ")
    return token.strip() if scheme.lower() == "bearer" else None


def is_loopback(host: str) -> bool:
    """Whether `host` (what serve binds to) is reachable from this machine only."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


class BodyLimit:
    """ASGI middleware: a request body over `max_bytes` is refused with 413 before it is read
    whole, whether it says its length (Content-Length) or streams in chunks."""

    def __init__(self, app, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and (not length.isdigit() or int(length) > self.max_bytes):
            return await _too_large(send, self.max_bytes)
        received = 0
        refused = False

        async def counted():
            # over the cap: answer 413 now, and tell the app the client went away, so it
            # stops reading (an exception here would be taken for a malformed body)
            nonlocal received, refused
            message = await receive()
            if message["type"] == "http.request" and not refused:
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    refused = True
                    await _too_large(send, self.max_bytes)
                    return {"type": "http.disconnect"}
            return message

        async def unless_refused(message):
            if not refused:
                await send(message)

        await self.app(scope, counted, unless_refused)


class JsonByDefault:
    """ASGI middleware: a POST body sent as a form or with no type is read as JSON, so
    `curl URL -d '{"question": ...}'` works as people type it (curl's -d says it is a form)."""

    READ_AS_JSON = (None, b"application/x-www-form-urlencoded")

    def __init__(self, app) -> None:
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST":
            if dict(scope["headers"]).get(b"content-type") in self.READ_AS_JSON:
                headers = [(k, v) for k, v in scope["headers"] if k != b"content-type"]
                scope = {**scope, "headers": [*headers, (b"content-type", b"application/json")]}
        return await self.app(scope, receive, send)


async def _too_large(send, max_bytes: int) -> None:
    body = json_line(f"the request is over {max_bytes} bytes: send a shorter question")
    await send({
        "type": "http.response.start", "status": 413,
        "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
    })
    await send({"type": "http.response.body", "body": body})
