"""The update step against a loopback site: new entries stored, duplicates and failures reported.

`_commit` does what the CLI does after `collect_updates` (`store_updates`), with no index to
take the articles in; the CLI's tests build one.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.corpus.loader import read_article, scan
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.corpus.web.feeds import FeedRegistry
from newsbot.corpus.web.pages import stored_name
from newsbot.corpus.web.updating import UpdateLimits, UpdateReport, collect_updates, store_updates
from tests.corpus.pages_html import rss, story, story_page
from tests.corpus.web_server import Route

RULES = ParagraphRules()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    folder = tmp_path / "articles"
    folder.mkdir()
    return folder


@pytest.fixture
def registry(tmp_path: Path) -> FeedRegistry:
    return FeedRegistry.load(tmp_path / "index" / "feeds.json")


def _serve_story(web, path: str, title: str, topic: str) -> str:
    web.routes[path] = Route(story_page(title, story(topic)))
    return web.url(path)


def _follow(web, registry: FeedRegistry, path: str, items: list[tuple[str, str]], **kwargs) -> str:
    web.routes[path] = Route(rss("Loopback Daily", items, **kwargs), content_type="application/rss+xml")
    registry.add(web.url(path))
    registry.save()  # as `newsbot feeds add` does
    return web.url(path)


def _update(registry, corpus, policy, **limits) -> UpdateReport:
    return collect_updates(registry, [corpus], policy, UpdateLimits(**limits), RULES)


def _commit(report: UpdateReport, registry: FeedRegistry, corpus: Path) -> None:
    store_updates(report, registry, corpus, lambda: None)


def test_new_entries_become_articles_with_title_date_and_source(web, policy, registry, corpus):
    storm = _serve_story(web, "/storm", "Storm hits coast", "storm")
    _follow(web, registry, "/feed", [("Storm hits coast", storm)])
    report = _update(registry, corpus, policy)
    assert ([a.name for a in report.articles], report.skipped, report.errors) == ([stored_name(storm)], (), ())
    _commit(report, registry, corpus)
    article = read_article(scan([corpus]).files[0], RULES)
    assert (article.title, article.date) == ("Storm hits coast", "2026-11-20")
    assert f"source_url: {storm}" in (corpus / stored_name(storm)).read_text()


def test_nothing_is_written_by_the_update_itself(web, policy, registry, corpus):
    _follow(web, registry, "/feed", [("Storm", _serve_story(web, "/storm", "Storm", "storm"))])
    saved = registry.path.read_bytes()
    _update(registry, corpus, policy)
    assert list(corpus.iterdir()) == [] and registry.path.read_bytes() == saved


def test_the_same_story_under_two_addresses_is_stored_once(web, policy, registry, corpus):
    first = _serve_story(web, "/world/storm", "Storm hits coast", "storm")
    second = _serve_story(web, "/syndicated/storm-copy", "Storm hits coast", "storm")
    _follow(web, registry, "/feed", [("Storm", first), ("Storm (copy)", second)])
    report = _update(registry, corpus, policy)
    assert [a.source_url for a in report.articles] == [first]
    assert report.skipped == (f"{second}: already stored as {stored_name(first)}",)


def test_a_story_already_in_the_corpus_under_another_address_is_skipped(web, policy, registry, corpus):
    first = _serve_story(web, "/a", "Storm", "storm")
    _follow(web, registry, "/feed-1", [("Storm", first)])
    _commit(_update(registry, corpus, policy), registry, corpus)
    copy = _serve_story(web, "/b", "Storm", "storm")
    _follow(web, registry, "/feed-2", [("Storm again", copy)])
    report = _update(registry, corpus, policy)
    assert report.articles == () and report.skipped == (f"{copy}: already stored as {stored_name(first)}",)


def test_a_feed_whose_entries_change_gives_only_the_new_ones(web, policy, registry, corpus):
    storm = _serve_story(web, "/storm", "Storm", "storm")
    flood = _serve_story(web, "/flood", "Flood", "flood")
    _follow(web, registry, "/feed", [("Storm", storm), ("Flood", flood)])
    _commit(_update(registry, corpus, policy), registry, corpus)
    fire = _serve_story(web, "/fire", "Fire", "fire")
    web.routes["/feed"] = Route(rss("Loopback Daily", [("Fire", fire), ("Storm", storm)]), content_type="application/rss+xml")
    web.requests.clear()
    report = _update(registry, corpus, policy)
    assert [a.source_url for a in report.articles] == [fire] and report.already_seen == 1
    assert "/storm" not in web.paths()  # dealt with last time: not fetched again
    _commit(report, registry, corpus)
    assert sorted(p.name for p in corpus.iterdir()) == sorted(stored_name(u) for u in (storm, flood, fire))


def test_a_removed_article_does_not_come_back_while_its_feed_lists_it(web, policy, registry, corpus):
    storm = _serve_story(web, "/storm", "Storm", "storm")
    _follow(web, registry, "/feed", [("Storm", storm)])
    _commit(_update(registry, corpus, policy), registry, corpus)
    (corpus / stored_name(storm)).unlink()
    assert _update(registry, corpus, policy).articles == ()


def test_failing_feeds_are_named_and_the_others_still_update(web, policy, registry, corpus):
    registry.add(web.url("/missing-feed"))  # 404, saved by _follow below
    web.routes["/broken-feed"] = Route(b"<?xml version='1.0'?><rss><channel><title>x</ti", content_type="application/rss+xml")
    registry.add(web.url("/broken-feed"))
    web.routes["/slow-feed"] = Route(b"", delay=5)
    registry.add(web.url("/slow-feed"))
    good = _follow(web, registry, "/feed", [("Storm", _serve_story(web, "/storm", "Storm", "storm"))])
    report = _update(registry, corpus, policy)
    assert len(report.articles) == 1 and set(report.seen) == {good}
    assert [line.split(": ")[0] for line in report.errors] == [web.url(p) for p in ("/missing-feed", "/broken-feed", "/slow-feed")]
    assert "HTTP 404" in report.errors[0] and "malformed XML" in report.errors[1] and "stopped answering" in report.errors[2]
    assert report.errors[0].endswith("; stop following it (feeds remove) if the site dropped the feed")


def test_pages_failing_for_good_are_named_once_and_not_fetched_again(web, policy, registry, corpus):
    web.routes["/robots.txt"] = Route(b"User-agent: *\nDisallow: /private/\n", content_type="text/plain")
    web.routes["/image"] = Route(b"\x89PNG\r\n", content_type="image/png")
    web.routes["/huge"] = Route(lambda: iter([b"x" * 65536] * 320))
    storm = _serve_story(web, "/storm", "Storm", "storm")
    broken = [web.url(p) for p in ("/gone", "/private/story", "/image", "/huge")]
    _follow(web, registry, "/feed", [(url, url) for url in broken] + [("Storm", storm)])
    report = _update(registry, corpus, policy)
    assert [a.source_url for a in report.articles] == [storm]
    assert [line.split(": ")[0] for line in report.errors] == broken
    assert "/private/story" not in web.paths()
    _commit(report, registry, corpus)
    web.requests.clear()
    again = _update(registry, corpus, policy)
    assert (again.errors, again.already_seen) == ((), 5)
    assert web.paths() == ["/robots.txt", "/feed"]


def test_pages_failing_for_now_are_tried_again_next_time(web, policy, registry, corpus):
    web.routes["/slow"] = Route(story_page("Slow", story("slow news")), delay=5)
    web.routes["/busy"] = Route(b"try later", status=503, content_type="text/plain")
    _follow(web, registry, "/feed", [("Slow", web.url("/slow")), ("Busy", web.url("/busy"))])
    report = _update(registry, corpus, policy)
    assert "stopped answering" in report.errors[0] and "HTTP 503" in report.errors[1]
    _commit(report, registry, corpus)
    web.routes["/slow"] = Route(story_page("Slow", story("slow news")))
    web.routes["/busy"] = Route(story_page("Busy", story("busy news")))
    assert len(_update(registry, corpus, policy).articles) == 2


def test_a_page_that_fails_falls_back_to_the_feeds_full_content(web, policy, registry, corpus):
    gone = web.url("/gone")
    full = "".join(f"<p>{p}</p>" for p in story("harbour fire"))
    _follow(web, registry, "/feed", [("Harbour fire", gone)], content={gone: full})
    report = _update(registry, corpus, policy)
    assert [(a.source_url, a.title) for a in report.articles] == [(gone, "Harbour fire")]
    assert report.errors == () and report.notes[0].startswith(f"{gone}: HTTP 404")
    assert "stored the feed's own copy" in report.notes[0]


def test_new_articles_per_update_are_capped(web, policy, registry, corpus):
    items = [(f"S{n}", _serve_story(web, f"/s{n}", f"Story {n}", f"event number {n}")) for n in range(3)]
    _follow(web, registry, "/feed", items)
    report = _update(registry, corpus, policy, max_new_articles=2)
    assert len(report.articles) == 2 and "stopped at 2 new articles" in report.notes[0]


def test_feeds_past_the_time_limit_are_named_not_visited(web, policy, registry, corpus):
    _follow(web, registry, "/feed", [("Storm", _serve_story(web, "/storm", "Storm", "storm"))])
    report = _update(registry, corpus, policy, time_limit=0)
    assert report.errors == (f"{web.url('/feed')}: not visited: the update's time limit (0 s) was reached",)
    assert web.requests == []


def test_a_failed_index_update_takes_the_articles_out_and_marks_nothing_seen(web, policy, registry, corpus):
    _follow(web, registry, "/feed", [("Storm", _serve_story(web, "/storm", "Storm", "storm"))])
    report = _update(registry, corpus, policy)

    def failing_rebuild():
        assert len(list(corpus.iterdir())) == 1  # the article is there while the index takes it in
        raise OSError("disk full")

    with pytest.raises(OSError):
        store_updates(report, registry, corpus, failing_rebuild)
    assert list(corpus.iterdir()) == [] and registry.feeds[0].seen == ()
    assert len(_update(registry, corpus, policy).articles) == 1  # tried again next time


def test_a_feed_followed_while_an_update_ran_is_kept(web, policy, registry, corpus):
    _follow(web, registry, "/feed", [("Storm", _serve_story(web, "/storm", "Storm", "storm"))])
    report = _update(registry, corpus, policy)
    meanwhile = FeedRegistry.load(registry.path)
    meanwhile.add("https://example.com/rss")
    meanwhile.save()
    _commit(report, registry, corpus)
    assert [feed.url for feed in FeedRegistry.load(registry.path).feeds] == [web.url("/feed"), "https://example.com/rss"]
