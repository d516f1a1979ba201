"""From a question (and the conversation it belongs to) to an `Answer`.

1. rank: a question alone by `newsbot.retrieval.search.ranking` (candidates, fusion, late-interaction
   rerank); a follow-up by `newsbot.retrieval.search.followup`, which asks it three ways and weighs in
   where the conversation stands;
2. relevance: each ranked passage's calibrated chance of answering (`newsbot.retrieval.search.relevance`);
3. decide: the articles "answer" only when the best passage is relevant enough, and a later
   passage is shown only when it answers in its own right (no padding to `top_k`);
4. present: the same statement in two articles becomes one hit citing both, and the
   sentence that answers is highlighted (`newsbot.retrieval.search.presenting`).
Refusing is part of search, not of the faces, so every face agrees on when the articles
"don't say".
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import numpy as np

from newsbot.retrieval.embedding.embedder import Embedder
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index.store import StoredIndex
from newsbot.retrieval.search.answer import Answer, Hit
from newsbot.retrieval.search.conversation import Conversation
from newsbot.retrieval.search.exact_top import passage_tokens
from newsbot.retrieval.search.followup import focus_of, rank_followup
from newsbot.retrieval.search.presenting import hits_for
from newsbot.retrieval.search.query_memory import QueryMemory, joined
from newsbot.retrieval.search.ranked import Ranked
from newsbot.retrieval.search.ranking import Query, encode_queries, rank
from newsbot.retrieval.search.read_verdict import judge_read
from newsbot.retrieval.search.reading import Read, read_ranking, reader_for
from newsbot.retrieval.search.recency import (
    WINDOW_CANDIDATES,
    TimeWindow,
    allowed_rows,
    asks_only_for_the_newest,
    combined,
    newest_first,
    newest_leads,
    read_time_words,
    row_days,
)
from newsbot.retrieval.search.relevance import Verdict, every_ranked, judge
from newsbot.retrieval.search.settings import SearchSettings

__all__ = ["QuestionError", "QuestionTooLong", "Request", "SearchSettings", "clean_question", "search"]


class QuestionError(RetrievalError):
    """The question itself cannot be searched (empty, too long)."""


class QuestionTooLong(QuestionError):
    """Over `max_question_chars`: a face may answer it apart (HTTP's 413)."""


def clean_question(question: str, settings: SearchSettings) -> str:
    text = " ".join(question.split())
    if not text:
        raise QuestionError('the question is empty: ask something, e.g. "who summoned the ambassador?"')
    if len(text) > settings.max_question_chars:
        raise QuestionTooLong(
            f"the question is {len(text):,} characters long; the limit is "
            f"{settings.max_question_chars:,}: shorten it to what you want to know"
        )
    return text


@dataclass(frozen=True)
class Request:
    """One question as a face asks it. `since` (`ask --since`) keeps only articles dated in it,
    as time words in the question do; `ranked` (evaluation) shows the first `top_k` passages
    even where later ones do not answer in their own right (`answered` and relevance unchanged);
    `today` is what time words are read against (tests fix it)."""

    question: str
    top_k: int | None = None
    conversation: Conversation | None = None
    since: TimeWindow | None = None
    ranked: bool = False
    today: dt.date | None = None


def search(
    index: StoredIndex, embedder: Embedder, settings: SearchSettings, request: Request, memory: QueryMemory | None = None
) -> Answer:
    """Answer `request` from `index`; `memory` keeps earlier questions' encodings (a face's)."""
    question = clean_question(request.question, settings)
    asked, rest = read_time_words(question, request.today or dt.date.today())
    window = combined(asked, request.since)
    if window is not None and not row_days(index).any():  # no article is dated: time words are just words
        window, rest = None, question
    wanted = request.top_k or settings.top_k
    if window is not None and asks_only_for_the_newest(window, rest):
        return _newest_articles(index, embedder, question, window, wanted)
    if window is None:
        verdict = verdict_for(index, embedder, question, settings, wanted, request.conversation, memory)
    else:
        allowed = allowed_rows(row_days(index), window) if window.limits else None
        wide = replace(settings, candidates=max(settings.candidates, WINDOW_CANDIDATES))  # the window drops most
        verdict = verdict_for(index, embedder, rest, wide, wanted, request.conversation, memory, allowed)
    if request.ranked:
        verdict = every_ranked(verdict, wanted)
    hits = hits_for(index, verdict, settings)
    if window is None:
        return Answer(question=verdict.question, answered=verdict.answered, hits=hits, searched=verdict.searched)
    if window.newest_first:
        hits = newest_first(hits)
    searched = verdict.searched or (rest if rest != question else None)
    return Answer(question=question, answered=verdict.answered, hits=hits, searched=searched, period=window.describe())


def _newest_articles(index: StoredIndex, embedder: Embedder, question: str, window: TimeWindow, count: int) -> Answer:
    """"latest news": the newest articles' leads, newest first. Nothing was ranked, so no
    relevance is claimed; `score` is still the question's cosine with the passage."""
    rows = newest_leads(index, window, count)
    (query,) = encode_queries([question], embedder)
    start = index.data.unit_start
    hits = tuple(
        Hit(
            passage=index.passages[row],
            score=float(np.asarray(index.data.vectors[start[row]], dtype=np.float32) @ query.vector),
            date=index.manifest.articles[index.passages[row].article].date,
        )
        for row in rows
    )
    return Answer(question=question, answered=bool(hits), hits=hits, period=window.describe())


def verdict_for(
    index: StoredIndex, embedder: Embedder, question: str, settings: SearchSettings, wanted: int,
    conversation: Conversation | None, memory: QueryMemory | None = None, allowed: np.ndarray | None = None,
) -> Verdict:
    """The question ranked and judged; a follow-up also as if asked alone, which stands where
    the conversation would refuse it.

    A follow-up is searched with the question before it, which a bare "why?" needs; but one
    that names its own subject ("what did Mexico do?" after "why?") was searched as "why? what
    did Mexico do?" and refused, though asked alone it is answered. So a follow-up is never
    refused where asked alone it is answered: then the answer alone stands (and nothing reads
    "searched"). Only a refusal is overruled: keeping the answer alone wherever its first
    passage was more relevant ranked CoQA's follow-ups worse (docs/search.md, "Follow-ups").
    The question is encoded once; ranking it alone costs a few milliseconds more.
    """
    memory = memory or QueryMemory()
    found = ranked_for(index, embedder, question, settings, wanted, conversation, memory, allowed)
    together = judge_ranked(index, found, settings, wanted)
    if found.followup is None:
        return together
    (query,) = memory.encode([question], embedder)  # remembered by `ranked_for`: not encoded again
    alone = judge_ranked(index, _ranked_alone(index, embedder, query, settings, wanted, allowed), settings, wanted)
    return alone if alone.answered and not together.answered else together


def ranked_for(
    index: StoredIndex, embedder: Embedder, question: str, settings: SearchSettings, wanted: int,
    conversation: Conversation | None, memory: QueryMemory | None = None, allowed: np.ndarray | None = None,
) -> Ranked:
    memory = memory or QueryMemory()
    (query,) = encode_queries([question], embedder)
    memory.remember(query)
    focus = focus_of(index, conversation) if conversation else None
    if focus is None:
        return _ranked_alone(index, embedder, query, settings, wanted, allowed)
    assert conversation is not None  # a focus comes only from a conversation
    reading = (query.tokens,) if query.tokens is not None else ()
    parts = [*memory.encode(list(conversation.questions), embedder), query]
    queries = (query, joined(parts[-2:]), joined(parts))
    ranking, features = rank_followup(index, queries, focus, settings, wanted, allowed)
    if queries[1].tokens is not None:
        reading = (*reading, queries[1].tokens)
    return Ranked(question, tuple(q.text for q in queries), ranking, features, reading)


def _ranked_alone(
    index: StoredIndex, embedder: Embedder, query: Query, settings: SearchSettings, wanted: int, allowed: np.ndarray | None,
) -> Ranked:
    reading = (query.tokens,) if query.tokens is not None else ()
    exact = passage_tokens(embedder) if settings.read_depth == 0 else None  # the reader supersedes it
    return Ranked(query.text, (query.text,), rank(index, query, settings, wanted, allowed, exact), None, reading)


def judge_ranked(index: StoredIndex, found: Ranked, settings: SearchSettings, wanted: int) -> Verdict:
    """The ranking and what to make of it: which passages answer, how relevant each is; by
    the reader where it reads (`read_depth`), else by the relevance model."""
    read = read_found(index, found, settings)
    if read is not None:
        return judge_read(index, found, read, settings, wanted)
    return judge(index, found, settings, wanted)


def read_found(index: StoredIndex, found: Ranked, settings: SearchSettings) -> Read | None:
    """The ranking read by the reader, or None where it cannot read (no reader for the
    index's model, no token vectors, `read_depth` 0, nothing ranked)."""
    if settings.read_depth <= 0 or not found.reading or not found.ranking.rows:
        return None
    reader = reader_for(index, index.manifest.model)
    if reader is None:
        return None
    rows = found.ranking.rows
    if found.followup is None:
        top = max(found.ranking.strength.values(), default=0.0)
        prior = np.array([found.ranking.strength.get(r, top - 10.0) for r in rows[: settings.read_depth]])
        kind = "single"
    else:
        prior, kind = np.asarray(found.followup["total"][: settings.read_depth]), "followup"
    return read_ranking(index, reader, found.reading, rows, prior, settings.read_depth, kind)
