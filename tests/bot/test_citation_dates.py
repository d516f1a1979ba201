"""Citations carry the article's date, when it has one, in the terminal, in JSON and on Discord."""

from __future__ import annotations

import json

from bot.discord_render import passage_value
from bot.render_text import answer_record, render_answer
from corpus.model import Paragraph
from retrieval.search.answer import Answer, Hit

PASSAGE = Paragraph("a.txt", "Title", 2, "The ambassador was summoned.", 0, 28)


def _answer(date: str | None) -> Answer:
    return Answer("who was summoned?", True, (Hit(PASSAGE, 0.4449, relevance=0.8333, date=date),))


def test_the_terminal_gives_the_date_after_the_title():
    assert render_answer(_answer("2026-11-20")).splitlines()[0] == "1. [0.83] Title · 2026-11-20 (a.txt, paragraph 2)"


def test_an_article_without_a_date_is_cited_as_before():
    assert render_answer(_answer(None)).splitlines()[0] == "1. [0.83] Title (a.txt, paragraph 2)"


def test_json_gives_each_passage_its_date_or_null():
    assert answer_record(_answer("Oct. 23, 2013"))["passages"][0]["date"] == "Oct. 23, 2013"
    assert json.loads(json.dumps(answer_record(_answer(None))))["passages"][0]["date"] is None


def test_discord_cites_the_date_between_file_and_relevance():
    assert passage_value(_answer("2026-11-20").hits[0], "who was summoned?").endswith("\n`a.txt` · 2026-11-20 · relevance 0.83")
    assert passage_value(_answer(None).hits[0], "who was summoned?").endswith("\n`a.txt` · relevance 0.83")


def test_a_hit_carries_its_articles_date_from_the_index(library):
    answer = library.ask("did the U.S. spy chief deny logging French phone calls?")
    dated = {hit.passage.article: hit.date for hit in answer.hits}
    assert dated.get("004_ff9fbbdbf3039c2b.txt") == "Oct. 23, 2013"
    assert dated.get("000_bfb5fe1d5446f174.txt", None) is None
