"""From the passages search decided to show to `Hit`s: duplicates merged, answers highlighted.

Two articles often report one statement (the same quote, the same agency line) inside text
of their own; a person should see it once, citing both. A passage is merged into an earlier
shown one from another article when their vectors are nearly identical or when
`newsbot.retrieval.search.duplicates.same_statement` finds the same sentence in both.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from newsbot.corpus.dates import article_day
from newsbot.retrieval.index.lexical import idf, terms
from newsbot.retrieval.index.store import StoredIndex
from newsbot.retrieval.search.answer import Hit
from newsbot.retrieval.search.duplicates import same_statement
from newsbot.retrieval.search.highlight import best_sentence
from newsbot.retrieval.search.relevance import Verdict
from newsbot.retrieval.search.settings import SearchSettings

TWIN_DEPTH = 10  # ranked passages beyond those shown that are checked for being a shown one's twin


def hits_for(index: StoredIndex, verdict: Verdict, settings: SearchSettings) -> tuple[Hit, ...]:
    question_terms = terms([verdict.question])[0]
    weights = term_weights(index, question_terms)
    # each passage parsed once: the twin checks compare every pair
    passages = {row: index.passages[row] for row in verdict.rows[: len(verdict.shown) + TWIN_DEPTH]}
    kept: list[tuple[int, list[int]]] = []
    shown = set(verdict.shown)
    for row in passages:
        twin = next((k for k in kept if _twins(index, passages, k[0], row, settings)), None)
        if twin is not None:
            twin[1].append(row)
        elif row in shown:
            kept.append((row, []))
    hits = []
    for row, twins in kept:
        lead = _newest(index, passages, [row, *twins])
        hits.append(
            Hit(
                passage=passages[lead],
                score=verdict.similarity[lead],
                highlight=best_sentence(passages[lead].text, question_terms, weights),
                answer=verdict.spans.get(lead),
                also=_other_articles(passages, lead, [row, *twins]),
                relevance=verdict.relevance.get(row),
                date=_article_date(index, passages[lead].article),
            )
        )
    return tuple(hits)


def _other_articles(passages: dict, lead: int, rows: list[int]) -> tuple:
    """The twins to cite beside the lead, one per other article, best ranked first: an article
    repeating the quote in two paragraphs is one more source, and the lead's own is none."""
    seen = {passages[lead].article}
    also = []
    for row in rows:
        if passages[row].article not in seen:
            seen.add(passages[row].article)
            also.append(passages[row])
    return tuple(also)


def _newest(index: StoredIndex, passages: dict, rows: list[int]) -> int:
    """Of passages saying the same thing, the one to cite first: the newest article's, so a
    story's latest report wins the tie; the best ranked when none is newer (or none dated)."""
    days = [article_day(_article_date(index, passages[r].article)) for r in rows]
    if days[0] is None:
        return rows[0]
    return rows[max(range(len(rows)), key=lambda i: (days[i] or dt.date.min, -i))]


def _article_date(index: StoredIndex, article: str) -> str | None:
    entry = index.manifest.articles.get(article)
    return entry.date if entry is not None else None


def _twins(index: StoredIndex, passages: dict, first: int, later: int, settings: SearchSettings) -> bool:
    a, b = passages[first], passages[later]
    if a.article == b.article:
        return False
    start = index.data.unit_start
    cosine = float(np.asarray(index.data.vectors[start[first]], dtype=np.float32) @ np.asarray(index.data.vectors[start[later]], dtype=np.float32))
    return cosine >= settings.duplicate_similarity or same_statement(a.text, b.text)


def term_weights(index: StoredIndex, question_terms: list[str]) -> dict[str, float]:
    """Each question word's rarity among the passages (BM25's own idf), for the highlight."""
    documents = max(len(index.passages), 1)
    return {term: idf(index.lexical_passages.document_frequency(term), documents) for term in set(question_terms)}
