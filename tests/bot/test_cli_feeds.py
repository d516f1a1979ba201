"""`newsbot add URL`, `newsbot feeds` and `newsbot update` against a real loopback site.

The project's config allows private addresses (the site is on 127.0.0.1) and keeps the feeds
file beside config.toml, as the default does.
"""

from __future__ import annotations

import json

import pytest

from newsbot.corpus.web.pages import stored_name
from tests.corpus.pages_html import rss, story, story_page
from tests.corpus.web_server import LoopbackServer, Route

HARBOUR = [
    "The harbour council banned parking on the quay from Monday, citing damage to the old stones.",
    "Fishermen said the ban would make it harder to unload their catch before the morning market.",
]


@pytest.fixture
def site(project):
    with open(project.config_path, "a", encoding="utf-8") as config:
        config.write("[feeds]\nallow_private_addresses = true\n")
    server = LoopbackServer().start()
    yield server
    server.stop()


def _feed(site, path: str, items: list[tuple[str, str]]) -> str:
    site.routes[path] = Route(rss("Loopback Daily", items), content_type="application/rss+xml")
    return site.url(path)


def _story(site, path: str, title: str, paragraphs: list[str]) -> str:
    site.routes[path] = Route(story_page(title, paragraphs))
    return site.url(path)


def test_add_url_stores_the_page_and_indexes_it(run, project, site):
    url = _story(site, "/harbour", "Quay parking banned", HARBOUR)
    result = run("add", url)
    assert result.exit_code == 0, result.output
    assert f"added {stored_name(url)} (from {url})" in result.output
    sources = run("sources").output
    assert f"{stored_name(url)}: Quay parking banned (" in sources and ", 2026-11-20)" in sources
    assert "harbour council" in run("ask", "who banned parking on the quay?").output


def test_add_files_and_urls_together(run, project, site, tmp_path):
    url = _story(site, "/harbour", "Quay parking banned", HARBOUR)
    (tmp_path / "flood.txt").write_text(" ".join(story("flood")) + "\n", encoding="utf-8")
    result = run("add", str(tmp_path / "flood.txt"), url)
    assert result.exit_code == 0, result.output
    assert {stored_name(url), "flood.txt"} <= {p.name for p in project.articles.iterdir()}


def test_add_url_that_fails_changes_nothing(run, project, site):
    before = sorted(p.name for p in project.articles.iterdir())
    good = _story(site, "/harbour", "Quay parking banned", HARBOUR)
    result = run("add", good, site.url("/gone"))
    assert result.exit_code == 1
    assert result.output.startswith(f"Error: {site.url('/gone')}: HTTP 404")
    assert result.output.rstrip().endswith("nothing was added")
    assert sorted(p.name for p in project.articles.iterdir()) == before


def test_add_url_on_a_private_address_is_refused_by_default(run, project):
    result = run("add", "http://127.0.0.1:9/story")
    assert result.exit_code == 1
    assert "127.0.0.1 is a private or local address" in result.output


@pytest.mark.parametrize("command", [["add"], ["feeds", "add"]], ids=["add", "feeds add"])
def test_a_private_address_refused_says_how_to_allow_it_in_one_line(run, project, command):
    """The refusal is right by default, but a site served on this machine or the local network
    on purpose is a normal wish: the one line names the setting that allows it."""
    result = run(*command, "http://127.0.0.1:9/story")
    assert result.exit_code == 1
    assert result.output.count("\n") == 1
    assert "set allow_private_addresses = true under [feeds] in config.toml" in result.output


def test_feeds_add_list_remove(run, project, site):
    url = _feed(site, "/feed", [("Harbour", site.url("/harbour"))])
    added = run("feeds", "add", url)
    assert added.exit_code == 0, added.output
    assert added.output == f"following {url} (Loopback Daily): 1 entries; `newsbot update` fetches them\n"
    listed = run("feeds", "list")
    assert listed.output.startswith(f"{url} (Loopback Daily): added ")
    assert run("feeds", "remove", url).output == f"no longer following {url}\n"
    assert json.loads((project.root / "feeds.json").read_text())["feeds"] == []


def test_feeds_add_refuses_a_page_that_is_not_a_feed(run, project, site):
    url = _story(site, "/harbour", "Quay parking banned", HARBOUR)
    result = run("feeds", "add", url)
    assert result.exit_code == 1 and "not an RSS or Atom feed" in result.output
    assert not (project.root / "feeds.json").exists()


def test_feeds_add_of_a_missing_address_says_what_failed_and_to_check_it(run, project, site):
    url = site.url("/no-such-feed")
    result = run("feeds", "add", url)
    assert result.exit_code == 1
    assert result.output == f"Error: {url}: HTTP 404 Not Found: no page at this address; check it; no feed was followed\n"
    assert not (project.root / "feeds.json").exists()


def test_feeds_remove_of_an_unknown_feed_is_one_line(run, project):
    result = run("feeds", "remove", "https://example.com/rss")
    assert result.exit_code == 1
    assert result.output == "Error: https://example.com/rss: not a followed feed (newsbot feeds list shows them)\n"


def test_update_without_feeds_says_how_to_follow_one(run, project):
    result = run("update")
    assert result.exit_code == 1 and "newsbot feeds add URL" in result.output


def test_update_stores_new_entries_and_a_second_update_only_the_newer(run, project, site):
    harbour = _story(site, "/harbour", "Quay parking banned", HARBOUR)
    feed = _feed(site, "/feed", [("Harbour", harbour)])
    run("feeds", "add", feed)
    run("index")
    first = run("update")
    assert first.exit_code == 0, first.output
    assert "Feeds read: 1 new, 0 already stored, 0 failed." in first.output
    assert "Index updated in " in first.output and "1 added" in first.output
    flood = _story(site, "/flood", "Flood", story("flood"))
    _feed(site, "/feed", [("Flood", flood), ("Harbour", harbour)])
    second = run("update")
    assert f"added {stored_name(flood)} (from {flood})" in second.output
    assert f"added {stored_name(harbour)}" not in second.output
    assert run("update").output.endswith("No new articles; the index is unchanged.\n")


def test_update_names_a_failing_feed_stores_the_rest_and_exits_1(run, project, site):
    harbour = _story(site, "/harbour", "Quay parking banned", HARBOUR)
    run("feeds", "add", _feed(site, "/feed", [("Harbour", harbour)]))
    _feed(site, "/other", [])
    run("feeds", "add", site.url("/other"))
    site.routes["/other"] = Route(b"<rss><channel><title>x</ti", content_type="application/rss+xml")
    result = run("update")
    assert result.exit_code == 1
    assert f"warning: {site.url('/other')}: malformed XML" in result.output
    assert stored_name(harbour) in {p.name for p in project.articles.iterdir()}


def test_adding_a_page_update_stored_says_already_stored_and_keeps_the_feeds_date(run, project, site):
    site.routes["/harbour"] = Route(story_page("Quay parking banned", HARBOUR, date=None))
    url = site.url("/harbour")
    run("feeds", "add", _feed(site, "/feed", [("Quay parking banned", url)]))
    assert run("update").exit_code == 0
    again = run("add", url)
    assert again.exit_code == 0, again.output
    assert f"{url}: already stored as {stored_name(url)} (unchanged)" in again.stderr
    site.routes["/harbour"] = Route(story_page("Quay parking banned", [*HARBOUR, *story("quay ban")], date=None))
    replaced = run("add", "--replace", url)
    assert replaced.exit_code == 0, replaced.output
    assert f"{stored_name(url)}: Quay parking banned (" in (sources := run("sources").output)
    assert ", 2026-11-20)" in sources
