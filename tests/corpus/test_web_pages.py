"""A fetched page as a stored article: its name, its file, and the corpus reading it back."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from newsbot.corpus.loader import ArticleFile, read_article, scan
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.corpus.web.fetching import Fetcher, FetchError
from newsbot.corpus.web.pages import article_from_text, content_key, fetch_article, normalised_url, stored_name
from tests.corpus.pages_html import story, story_page
from tests.corpus.web_server import Route


def test_the_same_address_always_gets_the_same_name():
    url = "https://www.Example.com/world/2026/11/storm-hits-coast.html"
    assert stored_name(url) == stored_name(url) == stored_name("https://www.example.com:443/world/2026/11/storm-hits-coast.html")
    assert stored_name(url).startswith("example.com-storm-hits-coast-") and stored_name(url).endswith(".md")


@pytest.mark.parametrize(
    "variant", ["https://example.com/a?utm_source=rss&utm_medium=feed", "https://example.com/a#comments", "HTTPS://EXAMPLE.COM/a"]
)
def test_tracking_parameters_fragments_and_case_do_not_change_the_page(variant):
    assert normalised_url(variant) == "https://example.com/a"
    assert stored_name(variant) == stored_name("https://example.com/a")


@pytest.mark.parametrize("other", ["https://example.com/b", "https://example.com/a?id=2", "http://example.com/a"])
def test_different_addresses_get_different_names(other):
    assert stored_name(other) != stored_name("https://example.com/a")


def test_a_name_keeps_only_safe_characters():
    name = stored_name("http://127.0.0.1:8080/nyheter/Øst/../../etc/pass wd?x=<y>")
    assert all(c.isascii() and (c.isalnum() or c in "-.") for c in name)
    assert "/" not in name and not name.startswith(".")


def test_the_content_key_ignores_case_and_spacing_only():
    assert content_key("The storm\n\nhit.") == content_key("the  storm hit.")
    assert content_key("The storm hit.") != content_key("The storm missed.")


def test_a_stored_page_reads_back_with_its_title_and_date(tmp_path: Path):
    article = article_from_text("http://example.com/storm", "\n\n".join(story("storm")), "Storm: the day after", "2026-11-20")
    path = tmp_path / article.name
    path.write_bytes(article.data)
    files = scan([tmp_path]).files
    read = read_article(files[0], ParagraphRules())
    assert (read.article, read.title, read.date) == (article.name, "Storm: the day after", "2026-11-20")
    assert "source_url" not in " ".join(p.text for p in read.paragraphs)  # the front matter is no passage


def test_the_file_carries_the_source_address_in_its_front_matter():
    article = article_from_text("http://example.com/storm?utm_source=x", "Some text about the storm here.", None, None)
    assert article.data.decode().startswith("---\nsource_url: http://example.com/storm\n---\n\n")


def test_a_page_is_fetched_extracted_and_named_after_its_address(web, policy):
    web.routes["/world/storm.html"] = Route(story_page("Storm hits coast", story("storm")))
    url = web.url("/world/storm.html")
    article = fetch_article(Fetcher(policy), url, ParagraphRules())
    assert (article.name, article.title, article.date, article.source_url) == (stored_name(url), "Storm hits coast", "2026-11-20", url)
    assert "emergency services" in article.body and "Home" not in article.body


def test_fetching_the_same_page_twice_gives_the_same_bytes(web, policy):
    web.routes["/s"] = Route(story_page("Storm hits coast", story("storm")))
    fetcher = Fetcher(policy)
    first, second = (fetch_article(fetcher, web.url("/s")) for _ in range(2))
    assert hashlib.sha256(first.data).digest() == hashlib.sha256(second.data).digest()


def test_a_feed_date_fills_in_for_a_page_without_one(web, policy):
    web.routes["/s"] = Route(story_page("Storm hits coast", story("storm"), date=None))
    article = fetch_article(Fetcher(policy), web.url("/s"), date="2026-11-18")
    assert article.date == "2026-11-18"


def test_a_page_with_no_article_text_is_refused(web, policy):
    web.routes["/empty"] = Route(b"<html><head><title>x</title></head><body><script>app()</script></body></html>")
    with pytest.raises(FetchError, match="no article text found"):
        fetch_article(Fetcher(policy), web.url("/empty"))


def test_a_page_that_cleans_to_nothing_is_refused_as_add_refuses_a_file():
    with pytest.raises(FetchError, match="no article text left after cleaning; not stored"):
        article_from_text("http://example.com/x", "Menu", None, None, ParagraphRules())


def test_the_stored_file_is_read_by_the_loader_as_markdown(tmp_path: Path):
    article = article_from_text("http://example.com/s", "# Heading\n\n" + "\n\n".join(story("flood")), "Flood", None)
    read = read_article(ArticleFile(article.name, tmp_path / article.name, "", article.data), ParagraphRules())
    assert read.date is None and read.title == "Flood"
    assert any("emergency services" in p.text for p in read.paragraphs)
