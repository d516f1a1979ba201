"""A polite, bounded HTTP client: the only place newsbot talks to the web.

Built on urllib3 (already installed with trafilatura) because it streams a body, takes
separate connect and read timeouts, and lets redirects be followed by hand, so each hop is
checked like the first address: http or https only, allowed by that host's robots.txt, at
most `max_redirects` of them and never the same address twice. robots.txt is parsed by
Protego (Scrapy's parser: wildcards, longest match, Crawl-delay, as RFC 9309 reads them) and
fetched once per host per `Fetcher`, that is per run. Requests to one host are spaced by
`min_interval` (or the host's Crawl-delay, up to `max_crawl_delay`). A body is read in chunks
and dropped past `max_bytes`, so a 20 MB page costs at most `max_bytes` of memory.

Every failure is a `FetchError` whose message is one line naming the address and what to do.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urljoin, urlsplit, urlunsplit

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.web.addresses import LocalAddressRefused, guarded_pool_manager, private_address
from newsbot.corpus.web.fetch_reasons import network_reason, status_reason

if TYPE_CHECKING:  # imported where it is used: only a fetch of robots.txt needs it
    from protego import Protego

ROBOTS_AGENT = "newsbot"  # the token robots.txt rules are matched against
HTML_TYPES = ("text/html", "application/xhtml+xml")
_ROBOTS_MAX_BYTES = 500 * 1024  # RFC 9309: parse at least the first 500 KiB
_CHUNK = 64 * 1024


class FetchError(CorpusError):
    """One address could not be fetched; `str()` is the one-line message, naming it.

    `transient` says the same fetch may work later (no answer, a server error, the run's time
    limit), as opposed to failing for good (gone, forbidden, not a page), so a feed update
    knows which entries to try again; `gone` that the site has no page there (404, 410).
    """

    def __init__(self, url: str, reason: str, transient: bool = False, gone: bool = False) -> None:
        super().__init__(f"{url}: {reason}")
        self.url = url
        self.reason = reason
        self.transient = transient
        self.gone = gone


class AddressRefused(FetchError):
    """The connection reached a private or local address (`newsbot.corpus.web.addresses`)."""


class Unreachable(FetchError):
    """No connection was made (name not found, refused, timed out), so nothing was asked of
    the site: a robots.txt fetch that fails so reports this reason alone, not "unreadable"."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=True)


class OutOfTime(FetchError):
    """The run's time limit came before this fetch; nothing was asked of the site."""

    def __init__(self, url: str, reason: str) -> None:
        super().__init__(url, reason, transient=True)


@dataclass(frozen=True)
class FetchPolicy:
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # the longest silence between two reads
    total_timeout: float = 60.0  # a whole fetch, so a server dripping bytes cannot hold us
    max_bytes: int = 5_000_000  # the corpus's own limit on an article file
    max_redirects: int = 5
    min_interval: float = 1.0  # seconds between two requests to one host
    max_crawl_delay: float = 30.0  # a larger robots.txt Crawl-delay is cut to this
    # A feed is written by someone else: its links must not make newsbot read the machine's
    # own or its network's services (and then quote them to anyone who asks). Off only for
    # a site served on this machine or the local network on purpose, and for tests.
    allow_private_addresses: bool = False


@dataclass(frozen=True)
class Fetched:
    url: str  # as asked for
    final_url: str  # after redirects: the address relative links resolve against
    status: int
    media_type: str  # "text/html", lower case, no parameters; "" when the server gave none
    charset: str | None
    body: bytes

    def text(self) -> str:
        try:
            return self.body.decode(self.charset or "utf-8", errors="replace")
        except LookupError:  # a charset Python does not know
            return self.body.decode("utf-8", errors="replace")


def user_agent() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        release = version("newsbot")
    except PackageNotFoundError:
        release = "dev"
    return f"newsbot/{release} (news question-answering bot; honours robots.txt)"


def checked_url(url: str) -> str:
    """`url` with surrounding blanks dropped, if it is an absolute http(s) address."""
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"'{parts.scheme}:'" if parts.scheme else "no scheme"
        raise FetchError(url, f"only http:// and https:// addresses are fetched ({shown}); give the full address")
    if not parts.hostname:
        raise FetchError(url, "no host name in this address")
    return url


@dataclass
class Fetcher:
    """One run's client: its pacing and robots.txt memory last as long as it does.

    `deadline` (a `clock()` reading) bounds the whole run: a fetch that would start, or wait
    for its turn, past it fails with a message saying so instead of going on.
    """

    policy: FetchPolicy = field(default_factory=FetchPolicy)
    deadline: float | None = None
    clock: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep

    def __post_init__(self) -> None:
        import urllib3

        self._user_agent = user_agent()
        self._pool = (
            urllib3.PoolManager(num_pools=20, maxsize=1)
            if self.policy.allow_private_addresses
            else guarded_pool_manager(num_pools=20, maxsize=1)
        )
        self._addresses: dict[str, str | None] = {}  # host -> why it is refused, or None
        self._robots: dict[str, Protego | FetchError] = {}  # origin -> Protego rules, or a FetchError to repeat
        self._last_request: dict[str, float] = {}  # origin -> clock() when it last answered (or failed to)

    def get(self, url: str, html_only: bool = False, accept: str = "*/*") -> Fetched:
        """GET `url`, following up to `max_redirects` redirects, each hop checked afresh;
        raises `FetchError` for anything but a 2xx answer within the limits."""
        url = checked_url(url)
        current, seen = url, [url]
        while True:
            self._check_address(current, asked=url)
            self._check_robots(current, asked=url)
            status, headers, response = self._request(current, accept, asked=url)
            location = headers.get("Location")
            if status in (301, 302, 303, 307, 308) and location:
                response.close()
                target = urljoin(current, location.strip())
                seen.append(target)
                if target in seen[:-1]:
                    raise FetchError(url, f"redirect loop ({' -> '.join(seen)}); the site is misconfigured")
                if len(seen) - 1 > self.policy.max_redirects:
                    raise FetchError(url, f"more than {self.policy.max_redirects} redirects (last to {target})")
                try:
                    current = checked_url(target)
                except FetchError as exc:
                    raise FetchError(url, f"redirected to {target}, which is not fetched: {exc.reason}") from None
                continue
            return self._finish(url, current, status, headers, response, html_only)

    def _finish(self, url, current, status, headers, response, html_only) -> Fetched:
        media_type, charset = _content_type(headers.get("Content-Type", ""))
        try:
            if not 200 <= status < 300:
                raise FetchError(url, status_reason(status, response.reason), _busy(status), status in (404, 410))
            if html_only and media_type and media_type not in HTML_TYPES:
                raise FetchError(url, f"{media_type}, not a web page (text/html); not stored")
            body = self._read_capped(response, url, self.policy.max_bytes, headers)
        except BaseException:
            response.close()
            raise
        response.release_conn()
        return Fetched(url, current, status, media_type, charset, body)

    def _request(self, url: str, accept: str, asked: str):
        import urllib3

        origin = _origin(url)
        self._wait_turn(origin, asked)
        timeout = urllib3.Timeout(connect=self.policy.connect_timeout, read=self.policy.read_timeout)
        try:
            response = self._pool.request(
                "GET",
                url,
                headers={"User-Agent": self._user_agent, "Accept": accept},
                preload_content=False,  # streamed, so the size cap holds
                redirect=False,  # followed by `get`, each hop checked
                retries=False,
                timeout=timeout,
            )
        except (urllib3.exceptions.NewConnectionError, urllib3.exceptions.ConnectTimeoutError) as exc:
            raise Unreachable(asked, network_reason(exc, self.policy)) from None
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(asked, network_reason(exc, self.policy), transient=True) from None
        except LocalAddressRefused as exc:
            raise AddressRefused(asked, str(exc)) from None
        finally:
            self._last_request[origin] = self.clock()
        return response.status, response.headers, response

    def _read_capped(self, response, url: str, limit: int, headers, truncate: bool = False) -> bytes:
        import urllib3

        declared = headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit and not truncate:
            raise FetchError(url, f"{int(declared):,} bytes, over the {limit:,}-byte limit; not fetched")
        started, chunks, size = self.clock(), [], 0
        try:
            for chunk in response.stream(_CHUNK, decode_content=True):
                chunks.append(chunk)
                size += len(chunk)
                if size > limit:
                    if truncate:
                        return b"".join(chunks)[:limit]
                    raise FetchError(url, f"over the {limit:,}-byte limit; stopped reading")
                if self.clock() - started > self.policy.total_timeout:
                    raise FetchError(url, f"took over {self.policy.total_timeout:g} s to download; stopped", transient=True)
        except urllib3.exceptions.HTTPError as exc:
            raise FetchError(url, network_reason(exc, self.policy), transient=True) from None
        return b"".join(chunks)

    def _wait_turn(self, origin: str, asked: str) -> None:
        now = self.clock()
        last = self._last_request.get(origin)
        turn = now if last is None else max(now, last + self._interval(origin))
        if self.deadline is not None and turn > self.deadline:
            raise OutOfTime(asked, "not fetched: the time limit of this run was reached")
        if turn > now:
            self.sleep(turn - now)

    def _interval(self, origin: str) -> float:
        rules = self._robots.get(origin)
        delay = rules.crawl_delay(ROBOTS_AGENT) if rules is not None and not isinstance(rules, FetchError) else None
        return max(self.policy.min_interval, min(float(delay or 0), self.policy.max_crawl_delay))

    def _check_address(self, url: str, asked: str) -> None:
        if self.policy.allow_private_addresses:
            return
        host = urlsplit(url).hostname or ""
        if host not in self._addresses:
            self._addresses[host] = private_address(host)
        if refused := self._addresses[host]:
            raise FetchError(asked, refused)

    def _check_robots(self, url: str, asked: str) -> None:
        origin = _origin(url)
        if origin not in self._robots:
            self._robots[origin] = self._load_robots(origin)
        rules = self._robots[origin]
        if isinstance(rules, FetchError):
            raise FetchError(asked, rules.reason, transient=not isinstance(rules, AddressRefused))
        if not rules.can_fetch(url, ROBOTS_AGENT):
            where = "it" if url == asked else url
            raise FetchError(asked, f"{origin}/robots.txt forbids newsbot to fetch {where}; not fetched")

    def _load_robots(self, origin: str) -> Protego | FetchError:
        """The host's rules. As RFC 9309 says: a 4xx answer means no rules (fetch anything);
        a 5xx or no answer means fetch nothing from that host this run."""
        from protego import Protego
        robots_url = f"{origin}/robots.txt"
        self._robots[origin] = Protego.parse("")  # its own fetch (and redirects) is not checked
        try:
            for _hop in range(self.policy.max_redirects + 1):
                status, headers, response = self._request(robots_url, "text/plain", asked=robots_url)
                location = headers.get("Location")
                if status in (301, 302, 303, 307, 308) and location:
                    response.close()
                    robots_url = checked_url(urljoin(robots_url, location.strip()))
                    self._check_address(robots_url, asked=robots_url)
                    continue
                break
            if 400 <= status < 500:
                response.close()
                return Protego.parse("")
            if not 200 <= status < 300:
                response.close()
                raise FetchError(robots_url, status_reason(status, response.reason))
            body = self._read_capped(response, robots_url, _ROBOTS_MAX_BYTES, headers, truncate=True)
            response.release_conn()
        except OutOfTime:
            del self._robots[origin]  # not tried: no verdict to remember
            raise
        except (AddressRefused, Unreachable) as exc:
            return exc
        except FetchError as exc:
            return FetchError(robots_url, f"robots.txt unreadable ({exc.reason}), so nothing is fetched from {origin} this run")
        return Protego.parse(body.decode("utf-8", errors="replace"))


def _busy(status: int) -> bool:
    return status in (408, 429) or status >= 500


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme.lower(), parts.netloc.lower(), "", "", ""))


def _content_type(value: str) -> tuple[str, str | None]:
    media_type, _, params = value.partition(";")
    charset = None
    for param in params.split(";"):
        name, _, setting = param.partition("=")
        if name.strip().lower() == "charset" and setting.strip():
            charset = setting.strip().strip("\"'")
    return media_type.strip().lower(), charset
