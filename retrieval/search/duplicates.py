"""Whether two passages state the same thing: a shared sentence or quote, nearly word for word.

Two articles that report one statement quote it inside different text of their own, so their
passage vectors differ (the Obama-Hollande statement in two articles on the shipped corpus)
and a cosine cut-off never merged them. What they do share is the statement itself, word for
word up to case, punctuation ("-" for "--") and a word or two. So: fold both passages to
lower-case word sequences, find the runs of three or more words they share, and call them the same
statement when those runs cover nearly all of one sentence or quotation (of at least
`MIN_WORDS` words) of either passage, or nearly all of one whole passage.

Covering a whole sentence is what tells a shared statement from a shared stock phrase: "the
statement said", or "documents leaked by former NSA contractor Edward Snowden" inside two
different sentences, covers too little of either to count.

A word counts as shared when it lies in a run of `RUN` consecutive words that the other
passage also has (word shingles): a set lookup per word, so linear in the passages' length.
We keep this instead of a library: rapidfuzz's ratios score scattered common characters and
one alignment of the whole text, and `difflib.SequenceMatcher` found the same runs here but
took 0.3-0.6 ms a pair of 1,200-character passages where this takes 0.2-0.3 ms
(0.03 ms on average over the pairs of passages in the shipped articles).
"""

from __future__ import annotations

import bisect
import re

from newsbot.corpus import segmenter

MIN_WORDS = 8  # a unit shorter than this is a phrase, not a statement
RUN = 3  # words shared in a shorter run are common words ("of the"), not shared text
COVERED = 0.8  # share of a unit's words that must lie in shared runs

_WORD = re.compile(r"\w+")
_QUOTE = re.compile(r'"[^"]+"|“[^”]+”')


def same_statement(a: str, b: str) -> bool:
    """True when `a` and `b` share a sentence or quotation nearly verbatim, or one is nearly all of the other."""
    words_a, starts_a = _words(a)
    words_b, starts_b = _words(b)
    runs_a, runs_b = _runs(words_a), _runs(words_b)
    common = set(runs_a) & set(runs_b)
    if not common:
        return False
    return _covers_a_unit(a, starts_a, _shared(runs_a, common)) or _covers_a_unit(b, starts_b, _shared(runs_b, common))


def _runs(words: list[str]) -> list[tuple[str, ...]]:
    """Every run of `RUN` consecutive words, in order."""
    return list(zip(*(words[k:] for k in range(RUN))))


def _shared(runs: list[tuple[str, ...]], common: set[tuple[str, ...]]) -> list[bool]:
    """For each word, whether it lies in a run of words the other passage has too."""
    shared = [False] * (len(runs) + RUN - 1 if runs else 0)
    for i, run in enumerate(runs):
        if run in common:
            shared[i : i + RUN] = [True] * RUN
    return shared


def _words(text: str) -> tuple[list[str], list[int]]:
    """The text's words, case folded, and where each starts in it."""
    matches = list(_WORD.finditer(text.casefold()))
    return [m.group() for m in matches], [m.start() for m in matches]


def _covers_a_unit(text: str, starts: list[int], shared: list[bool]) -> bool:
    for start, end in _units(text):
        first, last = bisect.bisect_left(starts, start), bisect.bisect_left(starts, end)
        size = last - first
        if size >= MIN_WORDS and sum(shared[first:last]) >= COVERED * size:
            return True
    return False


def _units(text: str) -> list[tuple[int, int]]:
    """Character spans that can each be a statement: the passage, its sentences, its quotations."""
    quotes = [m.span() for m in _QUOTE.finditer(text)]
    return [(0, len(text)), *segmenter.spans(text), *quotes]
