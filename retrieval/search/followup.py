"""Ranking a follow-up question in the light of its conversation.

"why?" or "and what did Mexico do?" names neither the article nor the passage it is about.
Asked alone, CoQA's follow-ups on CNN stories find the right article 45% of the time; sent
with every earlier question they find it 88% of the time, but then the story's opening
wins (top-1 0.24). So a follow-up is searched three ways at once: as asked, joined with the
previous question, and joined with every remembered question (`newsbot.retrieval.search.query_memory`
builds the joined queries from each question's own encoding, so this costs one pass
through the model). Each
way gives its fused dense + BM25 score and its late-interaction score per candidate; the
conversation adds where it stands: the article under discussion, how well that article
as a whole matches the whole conversation, and how far a passage lies from the one shown
last (people read a story in order: on CoQA's visible half the next answer is in the same
passage 59% of the time and in the next one 14%).

The weights below were fitted by `python -m benchmarks.fit_search --part followup` (listwise
logistic regression over CoQA's visible conversations; it prints 5-fold figures,
cross-validated by conversation: top-1 0.619, top-3 0.821 over the turns whose right
passage is a candidate). A question on a new subject still wins on its own words: the
asked form's late-interaction score carries the largest weight of the question's signals.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsbot.retrieval.index.store import StoredIndex
from newsbot.retrieval.search.conversation import Conversation
from newsbot.retrieval.search.ranking import Keywords, Query, Ranking, Signals, candidates_for, signals_for, z_scores
from newsbot.retrieval.search.settings import SearchSettings

MAX_FOCUS_ROWS = 64  # passages of the article under discussion added to the candidates
FORMS = ("asked", "previous", "all")  # the question alone, with the previous one, with all

# name -> weight; see the module docstring for where they come from
WEIGHTS: dict[str, float] = {
    "fused_asked": 0.02, "late_asked": 0.52,
    "fused_previous": -0.06, "late_previous": 0.7,
    "fused_all": -0.09, "late_all": 0.07,
    "article_previous": -0.07, "article_all": 0.31,
    "focus": 0.69, "same": 0.31, "next": 0.48, "before": 0.11, "after_next": 0.18, "near": 0.62,
}


@dataclass(frozen=True)
class Focus:
    """Where the conversation stands: the passage shown first last time, by index row."""

    article: str
    number: int
    rows: np.ndarray  # live rows of that article, nearest the shown passage first


def focus_of(index: StoredIndex, conversation: Conversation) -> Focus | None:
    """The passage shown first in the latest turn that showed any (an answer or, after a
    refusal, the nearest passage); None when there is none or its article left the index."""
    for turn in reversed(conversation.turns):
        if turn.shown:
            article, number = turn.shown[0]
            rows = article_rows(index, article)
            if not len(rows):
                return None  # the article left the index since
            numbers = np.array([index.passages[int(r)].number for r in rows])
            nearest = rows[np.argsort(np.abs(numbers - number), kind="stable")][:MAX_FOCUS_ROWS]
            return Focus(article, number, nearest)
    return None


def article_rows(index: StoredIndex, article: str) -> np.ndarray:
    """The live passage rows of one article: its passages are contiguous in their segment."""
    entry = index.manifest.articles.get(article)
    if entry is None:
        return np.zeros(0, dtype=np.int64)
    base = 0
    for segment in index.segments:
        if segment.entry.name == entry.segment:
            rows = np.arange(base + entry.first_row, base + entry.first_row + entry.paragraphs, dtype=np.int64)
            return rows[index.live[rows]]
        base += segment.entry.passages
    return np.zeros(0, dtype=np.int64)


def rank_followup(
    index: StoredIndex, queries: tuple[Query, Query, Query], focus: Focus | None, settings: SearchSettings, wanted: int,
    allowed: np.ndarray | None = None,
) -> tuple[Ranking, dict[str, np.ndarray]]:
    """The conversation's ranking of candidates and each one's features, best first;
    `allowed` keeps only those candidate rows, as `ranking.rank` does."""
    keywords = [Keywords.of(index, query) for query in queries]
    pool = [candidates_for(index, query, words, settings, wanted) for query, words in zip(queries[:2], keywords)]
    if focus is not None:
        pool.append(focus.rows)
    rows = np.unique(np.concatenate(pool)).astype(np.int64)
    if allowed is not None:
        rows = rows[allowed[rows]]
    if not len(rows):
        return Ranking([], {}), {}
    features: dict[str, np.ndarray] = {}
    per_form = {
        form: signals_for(index, query, words, rows, settings) for form, query, words in zip(FORMS, queries, keywords)
    }
    for form, signals in per_form.items():
        features[f"fused_{form}"] = signals.fused
        features[f"late_{form}"] = z_scores(_late(signals))
    articles = np.array([index.passages[int(r)].article for r in rows])
    for form in ("previous", "all"):
        strength = per_form[form].fused + 3.0 * z_scores(_late(per_form[form]))
        features[f"article_{form}"] = _article_best(articles, strength)
    features.update(_position(index, rows, articles, focus))
    total = sum(WEIGHTS[name] * values for name, values in features.items())
    assert isinstance(total, np.ndarray)  # features always holds each form's signals: never the empty sum 0
    order = np.argsort(-total, kind="stable")
    asked = per_form["asked"]
    similarity = {int(rows[i]): float(asked.similarity[i]) for i in order}
    ranking = Ranking(rows[order].tolist(), similarity)
    ordered = {name: values[order] for name, values in features.items()}
    ordered["total"] = total[order]
    for form, signals in per_form.items():
        ordered[f"similarity_{form}"] = signals.similarity[order]
        ordered[f"token_{form}"] = _late(signals)[order]
    return ranking, ordered


def _late(signals: Signals) -> np.ndarray:
    """Late-interaction scores; for an embedder without token vectors, the cosine stands in."""
    return signals.late if signals.late is not None else signals.similarity


def _article_best(articles: np.ndarray, strength: np.ndarray) -> np.ndarray:
    """Each candidate's article's best strength among the candidates."""
    names, owner = np.unique(articles, return_inverse=True)
    best = np.full(len(names), -np.inf, dtype=np.float32)
    np.maximum.at(best, owner, strength)
    return best[owner]


def _position(index: StoredIndex, rows: np.ndarray, articles: np.ndarray, focus: Focus | None) -> dict[str, np.ndarray]:
    """Where each candidate lies against the passage shown last: same, next, before, ..."""
    if focus is None:
        zero = np.zeros(len(rows), dtype=np.float32)
        return {name: zero for name in ("focus", "same", "next", "before", "after_next", "near")}
    infocus = (articles == focus.article).astype(np.float32)
    numbers = np.array([index.passages[int(r)].number for r in rows])
    step = np.where(infocus > 0, numbers - focus.number, 10**6)
    return {
        "focus": infocus,
        "same": (step == 0).astype(np.float32),
        "next": (step == 1).astype(np.float32),
        "before": (step == -1).astype(np.float32),
        "after_next": (step == 2).astype(np.float32),
        "near": infocus * np.exp(-np.abs(step).clip(max=50) / 2.0).astype(np.float32),
    }
