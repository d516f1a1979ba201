"""Citations carry the article's date, when it has one, in the terminal, in JSON and on Discord."""

from __future__ import annotations

import json

from newsbot.bot.cli.text import render_answer
from newsbot.bot.discord.text.answers import passage_value
from newsbot.bot.records import answer_record
from newsbot.corpus.model import Paragraph
from newsbot.retrieval.search.answer import Answer, Hit

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


def _dated(project, name: str, date: str, text: str) -> None:
    (project.articles / f"{name}.md").write_text(f"---\ntitle: {name}\ndate: '{date}'\n---\n\n{text}\n", encoding="utf-8")


def test_ask_since_keeps_only_newer_articles_and_says_so(run, project):
    import datetime as dt

    today = dt.date.today()
    _dated(project, "quay-new", today.isoformat(), "The harbour council lifted the ban on parking on the quay after protests.")
    _dated(project, "quay-old", "2020-05-01", "The harbour council banned parking on the quay to protect the old stones.")
    result = run("ask", "--since", "yesterday", "what did the harbour council decide about parking on the quay?")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"(only articles dated {(today - dt.timedelta(days=1)).isoformat()} or later)"
    assert "quay-new.md" in result.output and "quay-old.md" not in result.output
    record = json.loads(run("ask", "--json", "--since", "yesterday", "parking on the quay").stdout)
    assert record["period"].startswith("only articles dated ")


def test_ask_since_refuses_what_it_cannot_read(run):
    result = run("ask", "--since", "soonish", "parking on the quay")
    assert result.exit_code == 2 and "'soonish' is not a date" in result.output


def test_discord_says_in_the_footer_which_time_the_answer_covers():
    from newsbot.bot.discord.text.answers import answer_pages

    answer = Answer("parking on the quay", True, (Hit(PASSAGE, 0.4, relevance=0.8),), period="only articles dated 2026-11-23 to 2026-11-26")
    assert answer_pages(answer, 3)[0].footer.text == "only articles dated 2026-11-23 to 2026-11-26"
