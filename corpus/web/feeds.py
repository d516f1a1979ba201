"""The followed feeds, kept in a small JSON file, and reading one RSS/Atom feed.

The registry file (its path is the caller's choice; the CLI keeps it beside config.toml, as
`feeds.json`) holds each feed's address, its title when last read, and the entry addresses
already dealt with (stored, or skipped as a duplicate). Remembering them means an entry is
fetched once, not on every update, and an article a person removed from the corpus does not
come back while the feed still lists it. The caller records them (`mark_seen`) only after
the index took the new articles in, so an update that fails leaves nothing marked.
Every change is made through `FeedRegistry.editing`, under an OS file lock (filelock, as the
build lock), so the bot's scheduled update and a `newsbot feeds add` in a shell never write
over each other's change.

Feeds are parsed by feedparser, the long-kept parser that reads RSS 0.9x/1.0/2.0 and Atom
and recovers what it can from broken XML; a feed it could read only in part is still used,
and named in the report as malformed.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field, replace
from pathlib import Path

from filelock import FileLock, Timeout

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.web.fetching import Fetched, Fetcher, FetchError, checked_url
from newsbot.corpus.web.pages import normalised_url

FEED_ACCEPT = "application/rss+xml, application/atom+xml, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.1"
REGISTRY_VERSION = 1
MAX_FEEDS = 200
MAX_SEEN_PER_FEED = 1000  # more than any feed lists at once; the oldest are forgotten first
MAX_CHECKED_ENTRIES = 1000  # entries counted when a feed is first read, to tell the user
LOCK_WAIT_SECONDS = 120  # longer than checking a few feeds takes; a whole update holds it only to mark entries


@dataclass(frozen=True)
class FollowedFeed:
    url: str
    title: str | None = None
    added: str | None = None  # ISO date
    seen: tuple[str, ...] = ()  # normalised entry addresses, oldest first


@dataclass(frozen=True)
class FeedEntry:
    url: str
    title: str | None
    date: str | None  # ISO date (YYYY-MM-DD), from the entry's published or updated time
    content: str | None  # the entry's full HTML content, when the feed carries it (not its summary)


@dataclass(frozen=True)
class ParsedFeed:
    title: str | None
    entries: tuple[FeedEntry, ...]
    problem: str | None = None  # a one-line note when the feed was read only in part


@dataclass
class FeedRegistry:
    path: Path
    feeds: list[FollowedFeed] = field(default_factory=list)

    @classmethod
    def load(cls, path: Path) -> FeedRegistry:
        """The registry at `path`; an empty one if there is no file yet."""
        try:
            raw = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            return cls(path)
        except OSError as exc:
            raise CorpusError(f"cannot read the feeds file {path}: {exc.strerror or exc}") from None
        try:
            record = json.loads(raw)
            feeds = [_feed_from_record(item) for item in record["feeds"]]
        except (ValueError, KeyError, TypeError) as exc:
            raise CorpusError(
                f"the feeds file {path} is damaged ({exc}); fix it, or delete it and add the feeds again"
            ) from None
        return cls(path, feeds)

    @classmethod
    @contextmanager
    def editing(cls, path: Path) -> Iterator[FeedRegistry]:
        """The registry at `path`, saved when the block ends without an error; read, changed and
        written under the file's lock, so no other process changes it in between."""
        path.parent.mkdir(parents=True, exist_ok=True)
        lock = FileLock(str(path.parent / f".{path.name}.lock"))
        try:
            lock.acquire(timeout=LOCK_WAIT_SECONDS)
        except Timeout:
            raise CorpusError(f"the feeds file {path} is being changed by another newsbot; try again in a minute") from None
        try:
            registry = cls.load(path)
            yield registry
            registry.save()
        finally:
            lock.release()

    def find(self, url: str) -> FollowedFeed | None:
        key = normalised_url(url)
        return next((feed for feed in self.feeds if normalised_url(feed.url) == key), None)

    def add(self, url: str) -> FollowedFeed:
        """Follow `url` (an http(s) address); raises if it is already followed."""
        try:
            url = checked_url(url)
        except FetchError as exc:
            raise CorpusError(str(exc)) from None
        if self.find(url):
            raise CorpusError(f"{url}: already followed (newsbot feeds list)")
        if len(self.feeds) >= MAX_FEEDS:
            raise CorpusError(f"{url}: already following {MAX_FEEDS} feeds, the most one update visits; remove one first")
        feed = FollowedFeed(url=url, added=time.strftime("%Y-%m-%d"))
        self.feeds.append(feed)
        return feed

    def remove(self, url: str) -> FollowedFeed:
        feed = self.find(url)
        if feed is None:
            raise CorpusError(f"{url.strip()}: not a followed feed (newsbot feeds list shows them)")
        self.feeds.remove(feed)
        return feed

    def mark_seen(self, seen: dict[str, tuple[str, ...]], titles: dict[str, str] | None = None) -> None:
        """Remember entry addresses dealt with (and feed titles read), by feed address."""
        for index, feed in enumerate(self.feeds):
            new = [url for url in seen.get(feed.url, ()) if url not in feed.seen]
            title = (titles or {}).get(feed.url) or feed.title
            self.feeds[index] = replace(feed, title=title, seen=(*feed.seen, *new)[-MAX_SEEN_PER_FEED:])

    def save(self) -> None:
        """Write the registry atomically: a reader sees the old file or the new one."""
        record = {"version": REGISTRY_VERSION, "feeds": [_feed_record(feed) for feed in self.feeds]}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        temp = self.path.parent / f".{self.path.name}.{uuid.uuid4().hex}.tmp"
        try:
            with open(temp, "w", encoding="utf-8") as out:
                json.dump(record, out, indent=2, ensure_ascii=False)
                out.write("\n")
                out.flush()
                os.fsync(out.fileno())
            os.replace(temp, self.path)
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise CorpusError(f"cannot write the feeds file {self.path}: {exc.strerror or exc}") from None


def follow(path: Path, urls: list[str], fetcher: Fetcher) -> list[tuple[str, ParsedFeed]]:
    """Follow `urls`, each read once now to check it is a feed: (its address, the parsed feed)
    for each. Saved only if every one could be read, so a bad address follows nothing."""
    checked = []
    with FeedRegistry.editing(path) as registry:
        for url in urls:
            feed = registry.add(url)
            try:
                checked.append((feed.url, parse_feed(fetcher.get(feed.url, accept=FEED_ACCEPT), MAX_CHECKED_ENTRIES)))
            except FetchError as exc:  # the feed is not followed yet: nothing to remove, only to check
                raise FetchError(exc.url, f"{exc.reason}; no feed was followed", exc.transient, exc.gone) from None
        registry.mark_seen({}, {url: parsed.title for url, parsed in checked if parsed.title})
    return checked


def parse_feed(fetched: Fetched, max_entries: int) -> ParsedFeed:
    """The feed's newest `max_entries` entries that have an http(s) link; raises `FetchError`
    naming the feed when nothing in it reads as RSS or Atom."""
    import feedparser  # lazy: only feed updates pay for it

    parsed = feedparser.parse(
        fetched.body,
        response_headers={"content-type": _header_type(fetched), "content-location": fetched.final_url},
    )
    problem = _xml_problem(parsed)
    if not parsed.entries and _is_web_page(fetched):
        raise FetchError(fetched.url, "a web page, not an RSS or Atom feed; give the address of the site's feed")
    if not parsed.entries and (problem or not parsed.version):
        why = f"malformed XML ({problem})" if problem else "not an RSS or Atom feed"
        raise FetchError(fetched.url, f"{why}; check the address, or tell the site")
    entries = []
    for item in parsed.entries:
        entry = _entry(item)
        if entry is not None:
            entries.append(entry)
    entries.sort(key=lambda entry: entry.date or "", reverse=True)  # stable: undated keep feed order
    note = f"{fetched.url}: malformed XML ({problem}); used the {len(entries)} entries that could be read" if problem else None
    title = parsed.feed.get("title") or None
    return ParsedFeed(title=title, entries=tuple(entries[:max_entries]), problem=note)


def _entry(item) -> FeedEntry | None:
    link = (item.get("link") or "").strip()
    if not link:
        return None
    try:
        checked_url(link)
    except FetchError:
        return None
    stamp = item.get("published_parsed") or item.get("updated_parsed")
    date = time.strftime("%Y-%m-%d", stamp) if stamp else None
    contents = [c.get("value", "") for c in item.get("content", []) if "html" in c.get("type", "html")]
    content = max(contents, key=len) if contents else None
    return FeedEntry(url=link, title=item.get("title") or None, date=date, content=content or None)


def _xml_problem(parsed) -> str | None:
    """What was wrong with the XML itself, not a content-type or encoding mix-up, which
    feedparser also flags but reads past."""
    from xml.sax import SAXParseException

    error = parsed.get("bozo_exception")
    if not parsed.get("bozo") or not isinstance(error, SAXParseException):
        return None
    return f"{error.getMessage()} at line {error.getLineNumber()}"


def _is_web_page(fetched: Fetched) -> bool:
    start = fetched.body[:512].lstrip().lower()
    return fetched.media_type in ("text/html", "application/xhtml+xml") or start.startswith((b"<!doctype html", b"<html"))


def _header_type(fetched: Fetched) -> str:
    if not fetched.media_type:
        return "application/xml"
    return fetched.media_type + (f"; charset={fetched.charset}" if fetched.charset else "")


def _feed_record(feed: FollowedFeed) -> dict:
    return {"url": feed.url, "title": feed.title, "added": feed.added, "seen": list(feed.seen)}


def _feed_from_record(item: dict) -> FollowedFeed:
    if not isinstance(item.get("url"), str):
        raise TypeError("a feed without a url")
    seen = item.get("seen") or []
    return FollowedFeed(url=item["url"], title=item.get("title"), added=item.get("added"), seen=tuple(str(s) for s in seen))
