"""Questions limited in time: "what happened this week?", "the latest on X", `ask --since`.

A question's time words are read relative to today: "today", "yesterday", "this week" (since
Monday), "last week" (the calendar week before), "past week" / "past N days", "this month",
"last month", "this year"; and "the latest", "latest news", "most recent", "newest", which
limit nothing but put the newest answering passages first. Asked with no topic ("latest
news", "what's the latest?"), they list the newest articles instead, each by its lead
passage: searching the words "latest news" would rank by what mentions news (a 2013 "news
release") and show the newest first only among those. Window words are taken out of what
is searched ("what happened this week" searches "what happened"), so "week" does not count as
a keyword. A window keeps only passages of articles dated inside it (`newsbot.corpus.dates.article_day`);
an article without a date is outside every window. A question without time words takes the
old path exactly, and so does every question over a corpus with no dated article (SQuAD's,
CoQA's): there, "the latest version" or "the Today programme" are words, not times.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from newsbot.corpus.dates import article_day

WINDOW_CANDIDATES = 300  # candidates per signal when a window will drop many of them


@dataclass(frozen=True)
class TimeWindow:
    since: dt.date | None = None
    until: dt.date | None = None
    newest_first: bool = False

    @property
    def limits(self) -> bool:
        return self.since is not None or self.until is not None

    def describe(self) -> str:
        if self.since and self.until:
            return f"only articles dated {self.since.isoformat()} to {self.until.isoformat()}"
        if self.since:
            return f"only articles dated {self.since.isoformat()} or later"
        if self.until:
            return f"only articles dated {self.until.isoformat()} or earlier"
        return "newest articles first"

    def holds(self, day: dt.date | None) -> bool:
        if day is None:
            return not self.limits
        return (self.since is None or day >= self.since) and (self.until is None or day <= self.until)


def _week_start(today: dt.date) -> dt.date:
    return today - dt.timedelta(days=today.weekday())


def _last_month(today: dt.date) -> tuple[dt.date, dt.date]:
    end = today.replace(day=1) - dt.timedelta(days=1)
    return end.replace(day=1), end


# each phrase's (since, until) from today and the pattern's groups
_PHRASES: list[tuple[re.Pattern, Callable[..., tuple[dt.date, dt.date]]]] = [
    (re.compile(r"\b(?:in the |over the )?(?:past|last) (\d{1,3}) days\b"), lambda t, n: (t - dt.timedelta(days=int(n)), t)),
    (re.compile(r"\b(?:in the |over the )?past week\b"), lambda t: (t - dt.timedelta(days=7), t)),
    (re.compile(r"\blast week\b"), lambda t: (_week_start(t) - dt.timedelta(days=7), _week_start(t) - dt.timedelta(days=1))),
    (re.compile(r"\bthis week\b"), lambda t: (_week_start(t), t)),
    (re.compile(r"\blast month\b"), _last_month),
    (re.compile(r"\bthis month\b"), lambda t: (t.replace(day=1), t)),
    (re.compile(r"\bthis year\b"), lambda t: (t.replace(month=1, day=1), t)),
    (re.compile(r"\byesterday\b"), lambda t: (t - dt.timedelta(days=1), t - dt.timedelta(days=1))),
    (re.compile(r"\btoday\b(?!['’]s)"), lambda t: (t, t)),  # "today's world" is no time limit
]
# "the latest on X", "latest news", "most recent": asking for the newest; "their recent meeting" is not
_NEWEST = re.compile(r"\b(?:the latest|latest news|most recent|the newest|newest)\b")


# what is left of "what's the latest news?" or "show me the newest articles" once the time
# words are out: no topic, so the newest articles are what is asked for
_NO_TOPIC = frozenset(
    "what what's whats is are was were there any anything the a an news new articles article stories story "
    "headlines headline reports updates me us show give tell list please in on from of s".split()
)


def asks_only_for_the_newest(window: TimeWindow, rest: str) -> bool:
    """True for "latest news" and the like: newest first was asked, and no topic beside it."""
    if not window.newest_first:
        return False
    words = re.findall(r"[\w'’]+", _NEWEST.sub(" ", rest.lower()))
    return all(word.replace("’", "'") in _NO_TOPIC for word in words)


def read_time_words(question: str, today: dt.date) -> tuple[TimeWindow | None, str]:
    """(the window the question's time words ask for, or None; the question without them)."""
    lowered = question.lower()
    for pattern, days in _PHRASES:
        match = pattern.search(lowered)
        if match:
            since, until = days(today, *match.groups())
            return TimeWindow(since, until, bool(_NEWEST.search(lowered))), _without(question, match)
    if _NEWEST.search(lowered):  # limits nothing: searched as asked, the newest answers shown first
        return TimeWindow(newest_first=True), question
    return None, question


def since_window(value: str, today: dt.date | None = None) -> TimeWindow:
    """`--since VALUE` (and the API's `since`): a date (2026-11-01) or time words ("yesterday",
    "last week", read against `today`, by default the real one); raises ValueError with a
    message saying what is understood."""
    day = article_day(value)
    if day is not None:
        return TimeWindow(since=day)
    window, _ = read_time_words(value, today or dt.date.today())
    if window is None or window.since is None:
        raise ValueError(f"'{value}' is not a date: give one as 2026-11-01, or say yesterday, this week, past 7 days")
    return TimeWindow(since=window.since)


def combined(asked: TimeWindow | None, given: TimeWindow | None) -> TimeWindow | None:
    """The question's window narrowed by `--since` (both must hold)."""
    if asked is None or given is None:
        return asked or given
    since = max((d for d in (asked.since, given.since) if d), default=None)
    until = min((d for d in (asked.until, given.until) if d), default=None)
    return TimeWindow(since, until, asked.newest_first or given.newest_first)


_DAYS: list[tuple[object, np.ndarray]] = []  # (index, its row days): the index in use, read once


def row_days(index) -> np.ndarray:
    """Each passage row's article day as a proleptic ordinal (0: no date known); worked out
    once per loaded index."""
    for held, days in _DAYS:
        if held is index:
            return days
    days = _row_days(index)
    _DAYS[:] = [(index, days), *_DAYS[:1]]
    return days


def _row_days(index) -> np.ndarray:
    days = np.zeros(len(index.passages), dtype=np.int64)
    for entry, day, first in _dated_articles(index):
        days[first : first + entry.paragraphs] = day.toordinal()
    return days


def _dated_articles(index):
    """(manifest entry, its day, its first passage's row in the whole index) of each dated article."""
    starts, at = {}, 0
    for segment in index.segments:
        starts[segment.entry.name] = at
        at += len(segment.data.passages)
    for entry in index.manifest.articles.values():
        day = article_day(entry.date)
        start = starts.get(entry.segment, 0 if len(index.segments) == 1 else None)
        if day is not None and start is not None:
            yield entry, day, start + entry.first_row


def newest_leads(index, window: TimeWindow, count: int) -> list[int]:
    """The lead passage's row of each of the `count` newest articles dated in `window`, newest
    first (the same day: by title, so the order is the same every time)."""
    dated = [(-day.toordinal(), entry.title, row) for entry, day, row in _dated_articles(index) if window.holds(day)]
    return [row for *_, row in sorted(dated)[:count]]


def allowed_rows(days: np.ndarray, window: TimeWindow) -> np.ndarray:
    allowed = days > 0
    if window.since is not None:
        allowed &= days >= window.since.toordinal()
    if window.until is not None:
        allowed &= days <= window.until.toordinal()
    return allowed


def _without(question: str, match: re.Match) -> str:
    rest = " ".join((question[: match.start()] + " " + question[match.end() :]).split())
    rest = re.sub(r"\s+([?!.,])", r"\1", rest)
    return rest if re.search(r"\w", rest) else question


def newest_first(hits: tuple) -> tuple:
    """The hits with dated ones newest first (undated after them, in rank order)."""
    ordinals = [day.toordinal() if day else None for day in (article_day(hit.date) for hit in hits)]
    order = sorted(range(len(hits)), key=lambda i: (ordinals[i] is None, -(ordinals[i] or 0), i))
    return tuple(hits[i] for i in order)
