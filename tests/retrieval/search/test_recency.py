"""Questions limited in time: article dates read, time words understood relative to today,
windows applied in search, the newest article first among passages saying the same thing."""

from __future__ import annotations

import datetime as dt

import pytest

from newsbot.corpus.dates import article_day
from newsbot.retrieval.search.answering import Request, search
from newsbot.retrieval.search.recency import TimeWindow, combined, read_time_words, since_window

TODAY = dt.date(2026, 11, 26)  # a Thursday
DAY = dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("text", "day"),
    [
        ("2026-11-20", dt.date(2026, 11, 20)),
        ("2026-11-20T09:00:00+00:00", dt.date(2026, 11, 20)),
        ("Oct. 23, 2013", dt.date(2013, 10, 23)),
        ("October 23rd, 2013", dt.date(2013, 10, 23)),
        ("By CNN | 23 October 2013", dt.date(2013, 10, 23)),
        ("Sept. 3, 2013", dt.date(2013, 9, 3)),
        ("03/04/2013", None),  # March or April: not guessed
        ("2013-02-30", None),
        ("yesterday", None),
        ("", None),
        (None, None),
    ],
)
def test_article_dates_are_read_as_days_without_guessing(text, day):
    assert article_day(text) == day


@pytest.mark.parametrize(
    ("question", "since", "until", "rest"),
    [
        ("what happened today?", TODAY, TODAY, "what happened?"),
        ("who resigned yesterday?", TODAY - DAY, TODAY - DAY, "who resigned?"),
        ("what did the council decide this week?", dt.date(2026, 11, 23), TODAY, "what did the council decide?"),
        ("floods last week", dt.date(2026, 11, 16), dt.date(2026, 11, 22), "floods"),
        ("storms in the past 10 days", TODAY - 10 * DAY, TODAY, "storms"),
        ("strikes in the past week", TODAY - 7 * DAY, TODAY, "strikes"),
        ("budget news this month", dt.date(2026, 11, 1), TODAY, "budget news"),
        ("budget news last month", dt.date(2026, 10, 1), dt.date(2026, 10, 31), "budget news"),
        ("elections this year", dt.date(2026, 1, 1), TODAY, "elections"),
    ],
)
def test_time_words_become_a_window_and_leave_the_search(question, since, until, rest):
    window, searched = read_time_words(question, TODAY)
    assert (window.since, window.until, searched) == (since, until, rest)


def test_latest_limits_nothing_and_is_searched_as_asked():
    window, searched = read_time_words("what is the latest on the harbour?", TODAY)
    assert window == TimeWindow(newest_first=True) and searched == "what is the latest on the harbour?"


@pytest.mark.parametrize(
    "question",
    [
        "who summoned the ambassador?",
        "what did the weekly paper say?",
        "todays news",
        "How did Kerry describe the job of protecting citizens in today's world?",
        "In which city did Obama and Pena Nieto hold their recent meeting?",
    ],
)
def test_a_question_without_time_words_has_no_window(question):
    assert read_time_words(question, TODAY) == (None, question)


def test_a_question_that_is_only_time_words_is_searched_as_asked():
    assert read_time_words("today?", TODAY) == (TimeWindow(TODAY, TODAY), "today?")


@pytest.mark.parametrize(("value", "since"), [("2026-11-01", dt.date(2026, 11, 1)), ("yesterday", TODAY - DAY), ("this week", dt.date(2026, 11, 23))])
def test_since_takes_a_date_or_time_words(value, since):
    assert since_window(value, TODAY) == TimeWindow(since=since)


def test_since_refuses_what_it_cannot_read():
    with pytest.raises(ValueError, match="'soonish' is not a date: give one as 2026-11-01"):
        since_window("soonish", TODAY)


def test_since_narrows_the_questions_own_window():
    asked = TimeWindow(dt.date(2026, 11, 1), TODAY)
    assert combined(asked, TimeWindow(since=dt.date(2026, 11, 20))) == TimeWindow(dt.date(2026, 11, 20), TODAY)
    assert combined(None, None) is None


HARBOUR_OLD = "The harbour council banned parking on the quay, the council said in a statement on Monday morning."
HARBOUR_NEW = "The harbour council lifted the ban on parking on the quay after fishermen protested for a week."


def _dated(project, name: str, date: str | None, text: str) -> None:
    front = f"---\ntitle: {name}\ndate: '{date}'\n---\n\n" if date else f"---\ntitle: {name}\n---\n\n"
    (project.articles / f"{name}.md").write_text(front + text + "\n", encoding="utf-8")


@pytest.fixture
def dated(project):
    _dated(project, "harbour-old", "2025-06-02", HARBOUR_OLD)
    _dated(project, "harbour-new", "2026-11-24", HARBOUR_NEW)
    library = project.library()
    library.rebuild()
    return library


def _ask(library, question, since=None, today=TODAY, top_k=None):
    request = Request(question, top_k=top_k, since=since, today=today)
    return search(library.index(), library.embedder, library.search_settings, request)


def test_a_window_keeps_only_articles_dated_inside_it(dated):
    answer = _ask(dated, "what did the harbour council do about parking this week?")
    assert {hit.passage.article for hit in answer.hits} == {"harbour-new.md"}
    assert answer.period == "only articles dated 2026-11-23 to 2026-11-26"
    assert answer.searched == "what did the harbour council do about parking?"


def test_since_drops_older_articles_and_undated_ones(dated):
    answer = _ask(dated, "parking on the quay", since=TimeWindow(since=dt.date(2026, 1, 1)))
    assert {hit.passage.article for hit in answer.hits} <= {"harbour-new.md"}


def test_a_window_with_no_article_in_it_answers_nothing(dated):
    answer = _ask(dated, "parking on the quay yesterday")
    assert (answer.answered, answer.hits) == (False, ())


def test_without_time_words_the_answer_is_the_same_as_before(dated):
    plain = dated.ask("what did the harbour council do about parking?")
    windowless = _ask(dated, "what did the harbour council do about parking?")
    assert windowless == plain and plain.period is None


def test_the_newest_article_is_cited_first_among_passages_saying_the_same_thing(project):
    statement = "The harbour council said the quay will stay closed to cars until the old stones are repaired."
    _dated(project, "first-report", "2026-11-02", statement + " Fishermen were not consulted.")
    _dated(project, "later-report", "2026-11-25", statement + " Repairs begin in spring.")
    library = project.library()
    library.rebuild()
    hit = next(h for h in library.ask("how long will the quay stay closed to cars?").hits if h.also)
    assert hit.passage.article == "later-report.md" and [p.article for p in hit.also] == ["first-report.md"]


def test_over_a_corpus_without_dates_time_words_are_just_words(project):
    (project.articles / "004_ff9fbbdbf3039c2b.txt").unlink()  # the one shipped article with a date
    library = project.library()
    library.rebuild()
    plain = library.ask("what is the latest on the ambassador?")
    assert plain.period is None
    assert _ask(library, "what is the latest on the ambassador?") == plain


def test_the_latest_puts_the_newest_answering_passages_first(dated):
    answer = _ask(dated, "what is the latest on the harbour council and parking on the quay?")
    days = [article_day(hit.date) for hit in answer.hits if hit.date]
    assert answer.period == "newest articles first" and days == sorted(days, reverse=True)


DECEMBER = {
    "school": ("2026-12-02", "A new primary school opened in the valley, the first built in the district for thirty years."),
    "harbour": ("2026-12-04", "The harbour council banned parking on the quay, citing damage to the old stones."),
    "storm": ("2026-12-06", "A winter storm closed the coastal road after waves threw stones across the carriageway."),
}


@pytest.fixture
def december(project):
    """The shipped articles (one dated Oct. 23, 2013, one undated) and three December ones."""
    for name, (date, text) in DECEMBER.items():
        _dated(project, name, date, text + " Officials said more would be known by the end of the week.")
    library = project.library()
    library.rebuild()
    return library


@pytest.mark.parametrize("question", ["latest news", "What's the latest?", "show me the newest articles", "most recent news"])
def test_latest_news_lists_the_newest_articles_newest_first(december, question):
    answer = _ask(december, question, today=dt.date(2026, 12, 7))
    assert answer.answered and answer.period == "newest articles first"
    assert [(hit.passage.article, hit.date) for hit in answer.hits] == [
        ("storm.md", "2026-12-06"), ("harbour.md", "2026-12-04"), ("school.md", "2026-12-02")
    ]
    assert all(hit.passage.number == 1 for hit in answer.hits)  # each article's lead


def test_latest_news_in_a_window_lists_the_newest_articles_inside_it(december):
    answer = _ask(december, "latest news this month", today=dt.date(2026, 12, 5))
    assert [hit.passage.article for hit in answer.hits] == ["harbour.md", "school.md"]


def test_latest_news_shows_no_older_article_before_a_newer_one(december):
    answer = _ask(december, "latest news", today=dt.date(2026, 12, 7), top_k=5)
    days = [article_day(hit.date) for hit in answer.hits]
    assert None not in days and days == sorted(days, reverse=True)
    assert [hit.passage.article for hit in answer.hits][-1] == "004_ff9fbbdbf3039c2b.txt"
