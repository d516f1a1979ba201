"""The polite HTTP client against a real loopback server: limits, robots.txt, redirects, pacing."""

from __future__ import annotations

import itertools
import re
import time
from dataclasses import replace

import pytest

from newsbot.corpus.web.fetching import Fetcher, FetchError, OutOfTime, user_agent
from tests.corpus.web_server import LoopbackServer, Route, free_port

PAGE = Route(b"<html><body><p>hello</p></body></html>")
ALLOW = re.escape("to allow it, set allow_private_addresses = true under [feeds] in config.toml")


def test_user_agent_names_newsbot_and_its_version(web, policy):
    web.routes["/a"] = PAGE
    Fetcher(policy).get(web.url("/a"))
    assert web.requests[-1].user_agent == user_agent()
    assert user_agent().startswith("newsbot/")


def test_a_page_comes_back_with_its_type_and_charset(web, policy):
    web.routes["/a"] = Route("café".encode("latin-1"), content_type="text/html; charset=ISO-8859-1")
    fetched = Fetcher(policy).get(web.url("/a"), html_only=True)
    assert (fetched.status, fetched.media_type, fetched.text()) == (200, "text/html", "café")


def test_a_404_is_one_line_naming_the_address(web, policy):
    url = web.url("/gone")
    with pytest.raises(FetchError) as failure:
        Fetcher(policy).get(url)
    message = str(failure.value)
    assert message.startswith(f"{url}: HTTP 404") and "\n" not in message


@pytest.mark.parametrize(("status", "transient"), [(404, False), (410, False), (403, False), (429, True), (503, True)])
def test_an_error_status_says_whether_trying_later_may_help(web, policy, status, transient):
    web.routes["/a"] = Route(b"no", status=status, content_type="text/plain")
    with pytest.raises(FetchError) as failure:
        Fetcher(policy).get(web.url("/a"))
    assert failure.value.transient is transient


def test_a_closed_port_says_the_connection_was_refused(policy):
    """Nothing listens there: the refusal comes at once, so it is not called a timeout."""
    port = free_port()  # nothing listens there
    url = f"http://127.0.0.1:{port}/story"
    with pytest.raises(FetchError) as caught:
        Fetcher(policy).get(url)
    message = str(caught.value)
    assert "connection refused" in message and "no server" in message and f"port {port}" in message
    assert "within" not in message and "\n" not in message


def test_a_silent_server_times_out_quickly(web, policy):
    web.routes["/slow"] = Route(b"late", delay=5)
    started = time.monotonic()
    with pytest.raises(FetchError, match="stopped answering for 0.4 s") as failure:
        Fetcher(policy).get(web.url("/slow"))
    assert time.monotonic() - started < 2 and failure.value.transient


def test_a_20_mb_page_is_cut_off_at_the_size_limit(web, policy):
    web.routes["/huge"] = Route(lambda: itertools.repeat(b"x" * 65536, 320))  # 20 MiB, no length given
    with pytest.raises(FetchError, match="over the 1,000,000-byte limit; stopped reading"):
        Fetcher(policy).get(web.url("/huge"))


def test_a_declared_size_over_the_limit_is_refused_before_reading(web, policy):
    web.routes["/big"] = Route(b"x" * 2_000_000)
    with pytest.raises(FetchError, match="2,000,000 bytes, over the 1,000,000-byte limit; not fetched"):
        Fetcher(policy).get(web.url("/big"))


@pytest.mark.parametrize("media_type", ["image/png", "application/pdf"])
def test_a_non_html_body_is_not_taken_for_a_page(web, policy, media_type):
    web.routes["/file"] = Route(b"\x89PNG\r\n\x1a\n\x00\x00", content_type=media_type)
    with pytest.raises(FetchError, match=f"{media_type}, not a web page"):
        Fetcher(policy).get(web.url("/file"), html_only=True)


def test_a_redirect_is_followed(web, policy):
    web.routes["/old"] = Route(status=301, headers={"Location": "/new"})
    web.routes["/new"] = PAGE
    fetched = Fetcher(policy).get(web.url("/old"))
    assert (fetched.url, fetched.final_url) == (web.url("/old"), web.url("/new"))


def test_a_redirect_loop_is_named(web, policy):
    web.routes["/a"] = Route(status=302, headers={"Location": "/b"})
    web.routes["/b"] = Route(status=302, headers={"Location": "/a"})
    with pytest.raises(FetchError, match="redirect loop"):
        Fetcher(policy).get(web.url("/a"))
    assert web.paths().count("/a") == 1


def test_redirects_are_bounded(web, policy):
    for hop in range(10):
        web.routes[f"/{hop}"] = Route(status=302, headers={"Location": f"/{hop + 1}"})
    with pytest.raises(FetchError, match="more than 5 redirects"):
        Fetcher(policy).get(web.url("/0"))
    assert "/6" not in web.paths()


@pytest.mark.parametrize("target", ["file:///etc/passwd", "ftp://127.0.0.1/x", "gopher://127.0.0.1/"])
def test_a_redirect_off_http_is_not_followed(web, policy, target):
    web.routes["/a"] = Route(status=302, headers={"Location": target})
    with pytest.raises(FetchError, match="which is not fetched: only http:// and https://"):
        Fetcher(policy).get(web.url("/a"))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/feed", "javascript:alert(1)", "example.org/news"])
def test_only_http_addresses_are_fetched(policy, url):
    with pytest.raises(FetchError, match="only http:// and https:// addresses"):
        Fetcher(policy).get(url)


def test_a_page_robots_txt_forbids_is_never_requested(web, policy):
    web.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    web.routes["/private/story"] = PAGE
    with pytest.raises(FetchError, match="robots.txt forbids newsbot"):
        Fetcher(policy).get(web.url("/private/story"))
    assert web.paths() == ["/robots.txt"]


def test_robots_txt_rules_for_newsbot_apply_to_it(web, policy):
    web.routes["/robots.txt"] = Route(b"User-agent: newsbot\nDisallow: /\n\nUser-agent: *\nAllow: /\n", content_type="text/plain")
    web.routes["/a"] = PAGE
    with pytest.raises(FetchError, match="robots.txt forbids"):
        Fetcher(policy).get(web.url("/a"))


def test_robots_txt_is_read_once_per_host_per_run(web, policy):
    web.routes["/robots.txt"] = Route(b"User-agent: *\nAllow: /\n", content_type="text/plain")
    web.routes["/a"] = web.routes["/b"] = PAGE
    fetcher = Fetcher(policy)
    fetcher.get(web.url("/a"))
    fetcher.get(web.url("/b"))
    assert web.paths() == ["/robots.txt", "/a", "/b"]


def test_a_redirect_into_a_forbidden_path_is_refused(web, policy):
    web.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    web.routes["/open"] = Route(status=302, headers={"Location": "/private/x"})
    with pytest.raises(FetchError, match="forbids newsbot to fetch .*/private/x"):
        Fetcher(policy).get(web.url("/open"))
    assert "/private/x" not in web.paths()


def test_a_failing_robots_txt_means_nothing_is_fetched_from_that_host(web, policy):
    web.routes["/robots.txt"] = Route(b"oops", status=503, content_type="text/plain")
    web.routes["/a"] = PAGE
    with pytest.raises(FetchError, match="robots.txt unreadable .*HTTP 503"):
        Fetcher(policy).get(web.url("/a"))
    assert "/a" not in web.paths()


def test_a_missing_robots_txt_allows_everything(web, policy):
    web.routes["/a"] = PAGE  # /robots.txt answers 404
    assert Fetcher(policy).get(web.url("/a")).status == 200


def test_requests_to_one_host_are_spaced(web, policy):
    web.routes["/a"] = web.routes["/b"] = web.routes["/c"] = PAGE
    fetcher = Fetcher(replace(policy, min_interval=0.3))
    for path in ("/a", "/b", "/c"):
        fetcher.get(web.url(path))
    arrivals = [request.at for request in web.requests]  # robots.txt, then the three pages
    assert all(later - earlier >= 0.29 for earlier, later in itertools.pairwise(arrivals))


def test_pacing_is_per_host(web, policy):
    other = LoopbackServer().start()
    try:
        web.routes["/a"] = other.routes["/a"] = PAGE
        waits: list[float] = []
        fetcher = Fetcher(replace(policy, min_interval=30), sleep=waits.append)
        fetcher.get(web.url("/a"))  # robots.txt then /a: one wait between them
        fetcher.get(other.url("/a"))  # a new host: robots.txt at once, then one wait
    finally:
        other.stop()
    assert len(waits) == 2 and all(29 < wait <= 30 for wait in waits)


def test_a_crawl_delay_longer_than_the_interval_is_honoured(web, policy):
    web.routes["/robots.txt"] = Route(b"User-agent: *\nCrawl-delay: 7\n", content_type="text/plain")
    web.routes["/a"] = PAGE
    waits: list[float] = []
    Fetcher(replace(policy, min_interval=1), sleep=waits.append).get(web.url("/a"))
    assert len(waits) == 1 and 6.5 < waits[0] <= 7


def test_nothing_is_fetched_after_the_deadline(web, policy):
    web.routes["/a"] = PAGE
    with pytest.raises(OutOfTime, match="time limit"):
        Fetcher(policy, deadline=time.monotonic() - 1).get(web.url("/a"))
    assert web.requests == []


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost"])
def test_local_addresses_are_refused_unless_allowed(web, policy, host):
    web.routes["/a"] = PAGE
    url = web.url("/a").replace("127.0.0.1", host)
    with pytest.raises(FetchError, match=f"^{url}: {host} is a private or local address .*; not fetched: {ALLOW}$"):
        Fetcher(replace(policy, allow_private_addresses=False)).get(url)
    assert web.requests == []


def test_a_name_that_resolves_elsewhere_when_connecting_is_still_refused(web, policy, monkeypatch):
    """DNS rebinding: the name checks as public, then the connection lands on a local address.
    The address actually connected to is checked before a byte is sent."""
    import newsbot.corpus.web.fetching as fetching

    monkeypatch.setattr(fetching, "private_address", lambda host: None)  # the first answer: public
    web.routes["/a"] = PAGE
    url = web.url("/a")
    with pytest.raises(FetchError, match=f"^{url}: connected to 127.0.0.1, a private or local address; not fetched: {ALLOW}$"):
        Fetcher(replace(policy, allow_private_addresses=False)).get(url)
    assert web.requests == []


def test_a_connection_to_a_public_address_is_fetched_as_before(web, policy, monkeypatch):
    """The connection check lets a public peer through untouched (here loopback counts as public)."""
    import newsbot.corpus.web.addresses as addresses

    monkeypatch.setattr(addresses, "is_public", lambda address: True)
    web.routes["/a"] = PAGE
    fetched = Fetcher(replace(policy, allow_private_addresses=False)).get(web.url("/a"))
    assert fetched.status == 200 and "/a" in web.paths()
