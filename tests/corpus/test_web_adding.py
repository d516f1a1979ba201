"""Planning `newsbot add URL`: all pages fetched and checked first, one failure refuses all."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.corpus.web.adding import plan_web_import
from newsbot.corpus.web.fetching import Fetcher
from newsbot.corpus.web.pages import stored_name
from tests.corpus.pages_html import story, story_page
from tests.corpus.web_server import Route

RULES = ParagraphRules()


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    (tmp_path / "articles").mkdir()
    return tmp_path / "articles"


def _plan(web, policy, corpus, *paths, replace=False):
    return plan_web_import([web.url(p) for p in paths], [corpus], Fetcher(policy), RULES, replace)


def _store(placements) -> None:
    for placement in placements:
        placement.target.write_bytes(placement.data)


def test_a_new_page_is_added_under_its_stable_name(web, policy, corpus):
    web.routes["/storm"] = Route(story_page("Storm", story("storm")))
    [placement] = _plan(web, policy, corpus, "/storm")
    assert (placement.action, placement.target) == ("added", corpus / stored_name(web.url("/storm")))
    assert placement.describe() == f"added {placement.target.name} (from {web.url('/storm')})"


def test_one_failing_address_refuses_the_whole_add(web, policy, corpus):
    web.routes["/storm"] = Route(story_page("Storm", story("storm")))
    with pytest.raises(CorpusError, match=r"/gone: HTTP 404.*; nothing was added$"):
        _plan(web, policy, corpus, "/storm", "/gone")


def test_adding_an_unchanged_page_again_changes_nothing(web, policy, corpus):
    web.routes["/storm"] = Route(story_page("Storm", story("storm")))
    _store(_plan(web, policy, corpus, "/storm"))
    assert [p.action for p in _plan(web, policy, corpus, "/storm")] == ["unchanged"]


def test_a_page_that_changed_needs_replace(web, policy, corpus):
    web.routes["/storm"] = Route(story_page("Storm", story("storm")))
    _store(_plan(web, policy, corpus, "/storm"))
    web.routes["/storm"] = Route(story_page("Storm", story("storm and its aftermath")))
    with pytest.raises(CorpusError, match="the page changed since it was stored as .*pass --replace"):
        _plan(web, policy, corpus, "/storm")
    assert [p.action for p in _plan(web, policy, corpus, "/storm", replace=True)] == ["replaced"]


def test_the_same_story_under_another_address_is_not_added_twice(web, policy, corpus):
    web.routes["/a"] = web.routes["/b"] = Route(story_page("Storm", story("storm")))
    placements = _plan(web, policy, corpus, "/a", "/b")
    assert [(p.action, p.changes_corpus) for p in placements] == [("added", True), ("duplicate", False)]
    assert placements[1].describe() == f"{web.url('/b')}: already stored as {stored_name(web.url('/a'))} (same text); not added"


def _store_through_a_feed(web, policy, corpus, tmp_path) -> Path:
    """`newsbot update` storing /storm, whose page gives no date: the feed's date is kept."""
    from newsbot.corpus.web.feeds import FeedRegistry
    from newsbot.corpus.web.updating import collect_updates, store_updates
    from tests.corpus.pages_html import rss

    web.routes["/storm"] = Route(story_page("Storm", story("storm"), date=None))
    web.routes["/feed"] = Route(rss("Daily", [("Storm", web.url("/storm"))]), content_type="application/rss+xml")
    registry = FeedRegistry.load(tmp_path / "feeds.json")
    registry.add(web.url("/feed"))
    store_updates(collect_updates(registry, [corpus], policy, rules=RULES), registry, corpus, lambda: None)
    stored = corpus / stored_name(web.url("/storm"))
    assert "date: '2026-11-20'" in stored.read_text(encoding="utf-8")
    return stored


def test_adding_a_page_an_update_stored_says_it_is_already_stored(web, policy, corpus, tmp_path):
    stored = _store_through_a_feed(web, policy, corpus, tmp_path)
    [placement] = _plan(web, policy, corpus, "/storm")
    assert (placement.action, placement.changes_corpus) == ("unchanged", False)
    assert placement.describe() == f"{web.url('/storm')}: already stored as {stored.name} (unchanged)"


def test_replacing_a_page_keeps_the_date_it_was_stored_with_when_the_page_gives_none(web, policy, corpus, tmp_path):
    stored = _store_through_a_feed(web, policy, corpus, tmp_path)
    web.routes["/storm"] = Route(story_page("Storm", story("storm and its aftermath"), date=None))
    [placement] = _plan(web, policy, corpus, "/storm", replace=True)
    assert placement.action == "replaced"
    assert "date: '2026-11-20'" in placement.data.decode()
    assert "aftermath" in placement.data.decode() and placement.target == stored
