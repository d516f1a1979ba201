"""The guards alone: the rate limit's arithmetic, tokens, loopback, a streamed body's cap."""

from __future__ import annotations

import pytest

from newsbot.bot.serve.guards import MAX_CLIENTS, RateLimiter, bearer, is_loopback, token_matches


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_a_burst_then_the_per_minute_rate_per_client():
    clock = Clock()
    limiter = RateLimiter(per_minute=60, burst=3, clock=clock)
    assert [limiter.wait_for("a") for _ in range(3)] == [0, 0, 0]
    assert limiter.wait_for("a") == pytest.approx(1.0)
    assert limiter.wait_for("b") == 0  # another client has its own bucket
    clock.now = 1.0
    assert limiter.wait_for("a") == 0
    assert limiter.wait_for("a") > 0


def test_the_clients_remembered_are_bounded():
    limiter = RateLimiter(per_minute=60, clock=Clock())
    for client in range(MAX_CLIENTS + 50):
        limiter.wait_for(str(client))
    assert len(limiter._buckets) == MAX_CLIENTS


def test_tokens_and_addresses():
    assert bearer("Bearer abc ") == "abc" and bearer("bearer abc") == "abc"
    assert bearer("Basic abc") is None and bearer(None) is None
    assert token_matches("abc", "abc") and not token_matches("abd", "abc")
    assert not token_matches("", "") and not token_matches(None, "abc")
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.168.1.5") and not is_loopback("example.org")


def test_a_streamed_body_over_the_cap_is_refused(served):
    def chunks():
        for _ in range(100):
            yield b"x" * 1024

    response = served.client.post("/v1/ask", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "bytes" in response.json()["error"]
