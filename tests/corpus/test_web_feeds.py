"""The followed-feeds registry (a JSON file) and reading RSS and Atom feeds."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path

import pytest

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.web.feeds import FeedRegistry, parse_feed
from newsbot.corpus.web.fetching import Fetched, FetchError
from tests.corpus.pages_html import rss


def _fetched(body: bytes, media_type: str = "application/rss+xml") -> Fetched:
    return Fetched("http://127.0.0.1:9/feed", "http://127.0.0.1:9/feed", 200, media_type, None, body)


def test_feeds_added_are_listed_after_reloading(tmp_path: Path):
    registry = FeedRegistry.load(tmp_path / "feeds.json")
    registry.add("https://example.com/rss")
    registry.add("  https://example.org/atom.xml ")
    registry.save()
    assert [feed.url for feed in FeedRegistry.load(tmp_path / "feeds.json").feeds] == [
        "https://example.com/rss",
        "https://example.org/atom.xml",
    ]


def test_no_file_yet_is_an_empty_registry(tmp_path: Path):
    assert FeedRegistry.load(tmp_path / "missing" / "feeds.json").feeds == []


def test_a_removed_feed_is_gone_after_reloading(tmp_path: Path):
    registry = FeedRegistry.load(tmp_path / "feeds.json")
    registry.add("https://example.com/rss")
    registry.save()
    registry.remove("https://EXAMPLE.com/rss#x")
    registry.save()
    assert FeedRegistry.load(tmp_path / "feeds.json").feeds == []


def test_a_feed_is_followed_once(tmp_path: Path):
    registry = FeedRegistry.load(tmp_path / "feeds.json")
    registry.add("https://example.com/rss")
    with pytest.raises(CorpusError, match="already followed"):
        registry.add("https://example.com/rss?utm_source=x")


@pytest.mark.parametrize("url", ["file:///etc/passwd", "example.com/rss", "ftp://example.com/rss"])
def test_only_http_feeds_can_be_followed(tmp_path: Path, url):
    with pytest.raises(CorpusError, match="only http:// and https://"):
        FeedRegistry.load(tmp_path / "feeds.json").add(url)


def test_removing_an_unknown_feed_says_how_to_list_them(tmp_path: Path):
    with pytest.raises(CorpusError, match="not a followed feed .*newsbot feeds list"):
        FeedRegistry.load(tmp_path / "feeds.json").remove("https://example.com/rss")


def test_a_damaged_registry_is_named_with_what_to_do(tmp_path: Path):
    (tmp_path / "feeds.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"feeds file .*feeds.json is damaged .*delete it and add the feeds again"):
        FeedRegistry.load(tmp_path / "feeds.json")


def test_saving_leaves_only_the_registry_file(tmp_path: Path):
    registry = FeedRegistry.load(tmp_path / "feeds.json")
    registry.add("https://example.com/rss")
    registry.save()
    registry.save()
    assert [path.name for path in tmp_path.iterdir()] == ["feeds.json"]
    assert json.loads((tmp_path / "feeds.json").read_text())["version"] == 1


def test_two_editors_at_once_keep_both_changes(tmp_path: Path):
    """The scheduled update and a shell's `feeds add` each load, change and save the file: the
    second waits for the first's lock, so it reads the first's change instead of writing over it."""
    path = tmp_path / "feeds.json"
    first_holds, second_started = threading.Event(), threading.Event()

    def first() -> None:
        with FeedRegistry.editing(path) as registry:
            registry.add("https://one.example/feed")
            first_holds.set()
            second_started.wait(timeout=10)
            time.sleep(0.3)  # the second is now waiting on the lock, not reading the old file

    def second() -> None:
        first_holds.wait(timeout=10)
        second_started.set()
        with FeedRegistry.editing(path) as registry:
            registry.add("https://two.example/feed")

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert [feed.url for feed in FeedRegistry.load(path).feeds] == ["https://one.example/feed", "https://two.example/feed"]


def test_an_edit_that_fails_saves_nothing(tmp_path: Path):
    path = tmp_path / "feeds.json"
    with pytest.raises(CorpusError):
        with FeedRegistry.editing(path) as registry:
            registry.add("https://one.example/feed")
            registry.remove("https://unknown.example/feed")
    assert FeedRegistry.load(path).feeds == []


def test_seen_entries_and_titles_are_remembered(tmp_path: Path):
    registry = FeedRegistry.load(tmp_path / "feeds.json")
    registry.add("https://example.com/rss")
    registry.mark_seen({"https://example.com/rss": ("https://example.com/a",)}, {"https://example.com/rss": "Example"})
    registry.mark_seen({"https://example.com/rss": ("https://example.com/a", "https://example.com/b")})
    registry.save()
    feed = FeedRegistry.load(tmp_path / "feeds.json").feeds[0]
    assert (feed.title, feed.seen) == ("Example", ("https://example.com/a", "https://example.com/b"))


def test_an_rss_feed_gives_its_entries_newest_first():
    parsed = parse_feed(_fetched(rss("Daily", [("Newer", "http://127.0.0.1:9/b"), ("Older", "http://127.0.0.1:9/a")])), 10)
    assert parsed.title == "Daily" and parsed.problem is None
    assert [(e.title, e.url, e.date) for e in parsed.entries] == [
        ("Newer", "http://127.0.0.1:9/b", "2026-11-20"),
        ("Older", "http://127.0.0.1:9/a", "2026-11-19"),
    ]


def test_an_atom_feed_is_read_with_relative_links_resolved():
    atom = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Wire</title>'
        b'<entry><title>Flood</title><link href="/news/flood"/><updated>2026-11-18T10:00:00Z</updated>'
        b'<content type="html">&lt;p&gt;Full text&lt;/p&gt;</content></entry></feed>'
    )
    entry = parse_feed(_fetched(atom, "application/atom+xml"), 10).entries[0]
    assert (entry.url, entry.date, entry.content) == ("http://127.0.0.1:9/news/flood", "2026-11-18", "<p>Full text</p>")


def test_entries_are_capped_at_the_newest():
    items = [(f"Story {n}", f"http://127.0.0.1:9/{n}") for n in range(8)]
    assert [e.title for e in parse_feed(_fetched(rss("Daily", items)), 3).entries] == ["Story 0", "Story 1", "Story 2"]


def test_entries_without_an_http_link_are_left_out():
    items = [("Mail", "mailto:desk@example.com"), ("Story", "http://127.0.0.1:9/s")]
    assert [e.title for e in parse_feed(_fetched(rss("Daily", items)), 10).entries] == ["Story"]


def test_malformed_xml_with_nothing_readable_is_an_error_naming_the_feed():
    with pytest.raises(FetchError, match=r"^http://127.0.0.1:9/feed: malformed XML \(.* at line 1\)"):
        parse_feed(_fetched(b"<?xml version='1.0'?><rss><channel><title>Oops</ti"), 10)


def test_a_feed_broken_part_way_is_used_and_named_as_malformed():
    body = rss("Daily", [("Kept", "http://127.0.0.1:9/kept")])[:-30] + b"<item><title>cut"
    parsed = parse_feed(_fetched(body), 10)
    assert [e.title for e in parsed.entries] == ["Kept"]
    assert parsed.problem.startswith("http://127.0.0.1:9/feed: malformed XML (")


def test_a_web_page_is_not_taken_for_a_feed():
    with pytest.raises(FetchError, match="a web page, not an RSS or Atom feed; give the address of the site's feed"):
        parse_feed(_fetched(b"<!DOCTYPE html><html><body><p>Welcome</p></body></html>", "text/html"), 10)


def test_a_document_that_is_no_feed_is_named_so():
    with pytest.raises(FetchError, match="not an RSS or Atom feed; check the address"):
        parse_feed(_fetched(b"<?xml version='1.0'?><note><to>x</to></note>", "application/xml"), 10)
