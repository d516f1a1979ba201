"""How relevant each ranked passage is, and so which ones answer and whether any does.

The ranking orders passages but its scores mean nothing outside one question: z-scores over
the candidates. Relevance is a calibrated chance that a passage answers: a logistic model
over signals that mean the same from one question and one library to the next (the
passage's cosine to the question, its late-interaction score, how far it falls behind the
first passage), fitted on more than our own questions: CoQA's visible news conversations,
SQuAD 2.0's half dev set and our set (`python -m benchmarks.fit_search` prints the weights
and how well they are calibrated). A follow-up has its own model, over its own signals
(`newsbot.retrieval.search.followup`).

From it, three decisions every face shares:
- the articles answer only when the first passage's relevance reaches `min_relevance`
  (config.toml; and its cosine and token score the optional floors `min_score` and
  `min_token_score`);
- a later passage is shown only when it answers in its own right (relevance at least
  `show_relevance`): fewer passages rather than padding;
- a passage that shares no content word with the question or its conversation is never
  shown as an answer, whatever the model says.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from functools import lru_cache

import numpy as np

from newsbot.retrieval.index.lexical import terms
from newsbot.retrieval.index.store import StoredIndex
from newsbot.retrieval.search.answer import Answer
from newsbot.retrieval.search.ranked import Ranked
from newsbot.retrieval.search.ranking import Ranking
from newsbot.retrieval.search.settings import SearchSettings

JUDGED = 10  # ranked passages whose relevance is computed: more are never shown

# feature -> weight, and the intercept, fitted by benchmarks/fit_search.py
SINGLE_WEIGHTS: dict[str, float] = {"similarity": -1.659, "late": 7.685, "behind": 0.26, "first": 1.135}
SINGLE_BIAS = -4.924
FOLLOWUP_WEIGHTS: dict[str, float] = {
    "similarity_asked": -1.269, "similarity_previous": -0.3, "token_asked": 3.597, "token_previous": 3.906,
    "behind": 0.62, "first": 1.025, "focus": 1.096, "same": 0.391,
}
FOLLOWUP_BIAS = -4.725


@dataclass(frozen=True)
class Verdict:
    """What search makes of a ranking: the order to show, each passage's relevance, whether
    the articles answer and which passages to show (rows of the index, best first)."""

    question: str
    searched: str | None
    rows: list[int]  # ranked passage rows, best first
    similarity: dict[int, float]
    answered: bool
    shown: list[int]  # the rows to show, best first
    relevance: dict[int, float] = field(default_factory=dict)
    spans: dict[int, tuple[int, int] | None] = field(default_factory=dict)  # words that answer, where read


def judge(index: StoredIndex, found: Ranked, settings: SearchSettings, wanted: int) -> Verdict:
    """Relevance of the first `JUDGED` passages, and what to show. A follow-up's earlier
    questions count as the question's own words for the content-word rule."""
    ranking, followup = found.ranking, found.followup
    judged = ranking.rows[:JUDGED]
    if not judged:
        return Verdict(found.question, found.searched, [], {}, False, [])
    features = relevance_features(ranking, followup, len(judged))
    chance = probabilities(features, followup is not None)
    worded = shares_a_word(index, judged, f"{found.conversation_text} {found.question}")
    # a passage sharing no content word with the question (or its conversation) is never an
    # answer: it goes after those that do, at relevance 0
    order = np.argsort(~worded, kind="stable")
    chance = falling(np.where(worded, chance, 0.0)[order])
    rows = [judged[i] for i in order] + ranking.rows[JUDGED:]
    relevance = {row: float(p) for row, p in zip(rows, chance)}
    answered = relevance[rows[0]] >= settings.min_relevance and _above_floors(features, int(order[0]), settings)
    shown = shown_rows(rows, relevance, answered, settings, wanted)
    return Verdict(found.question, found.searched, rows, ranking.similarity, answered, shown, relevance)


def shown_rows(rows: list[int], relevance: dict[int, float], answered: bool, settings: SearchSettings, wanted: int) -> list[int]:
    """The best passage, then each later one that answers in its own right (no padding to
    `wanted`); a refusal lists the `wanted` nearest passages, which faces mark as not an answer."""
    if not answered:
        return rows[:wanted]
    return [rows[0], *[r for r in rows[1:wanted] if relevance.get(r, 0.0) >= settings.show_relevance]]


def every_ranked(verdict: Verdict, wanted: int) -> Verdict:
    """Evaluation's view (`ask(..., ranked=True)`): the first `wanted` passages shown whatever
    they say; whether the articles answer, and each relevance, unchanged."""
    return replace(verdict, shown=verdict.rows[:wanted])


def _above_floors(features: dict[str, np.ndarray], at: int, settings: SearchSettings) -> bool:
    similarity = features.get("similarity", features.get("similarity_asked"))
    late = features.get("late", features.get("token_asked"))
    assert similarity is not None and late is not None  # a question's features, or a follow-up's ("_asked")
    return float(similarity[at]) >= settings.min_score and float(late[at]) >= settings.min_token_score


def relevance_features(ranking: Ranking, followup: dict[str, np.ndarray] | None, count: int) -> dict[str, np.ndarray]:
    """The signals relevance is computed from, for the first `count` ranked passages."""
    first = (np.arange(count) == 0).astype(np.float32)
    if followup is not None:
        names = [name for name in FOLLOWUP_WEIGHTS if name not in ("behind", "first")]
        found = {name: np.asarray(followup[name][:count], dtype=np.float32) for name in names}
        found["behind"] = (followup["total"][:count] - followup["total"][0]).astype(np.float32)
        found["first"] = first
        return found
    rows = ranking.rows[:count]
    top = ranking.strength.get(rows[0], 0.0)
    similarity = np.array([ranking.similarity[r] for r in rows], dtype=np.float32)
    late = np.array([ranking.late.get(r, np.nan) for r in rows], dtype=np.float32)
    if not np.isfinite(late).any():  # an embedder without token vectors: the cosine stands in
        late = similarity
    return {
        "similarity": similarity,
        "late": np.where(np.isfinite(late), late, np.nanmin(late)).astype(np.float32),
        "behind": np.array([ranking.strength.get(r, top - 10.0) - top for r in rows], dtype=np.float32),
        "first": first,
    }


def probabilities(
    features: dict[str, np.ndarray], followup: bool, model: tuple[dict[str, float], float] | None = None
) -> np.ndarray:
    """The logistic model's chance per passage; `model` (weights, bias) replaces the shipped
    one (for fitting)."""
    weights, bias = model or ((FOLLOWUP_WEIGHTS, FOLLOWUP_BIAS) if followup else (SINGLE_WEIGHTS, SINGLE_BIAS))
    logit = bias + sum(weight * features[name] for name, weight in weights.items())
    return 1.0 / (1.0 + np.exp(-np.asarray(logit, dtype=np.float64)))


def falling(chance: np.ndarray) -> np.ndarray:
    """Relevance never rises down the ranking: a passage ranked lower is shown as no more
    relevant than the one above it (the ranking uses more than relevance's signals)."""
    return np.minimum.accumulate(chance)


def shares_a_word(index: StoredIndex, rows: list[int], asked: str) -> np.ndarray:
    """Whether each passage holds a content word of `asked`, compared by stem, so "reviewing"
    meets "review" and "spying" meets "spied"."""
    wanted = set(_stems(terms([asked])[0]))
    texts = terms([index.passages[r].text for r in rows])
    return np.array([bool(wanted.intersection(_stems(words))) for words in texts], dtype=bool)


def _stems(words: list[str]) -> list[str]:
    return _stemmer().stemWords(words)


@lru_cache(maxsize=1)
def _stemmer():
    """Snowball's English stemmer (PyStemmer, the one bm25s uses; C, with its own cache)."""
    import Stemmer

    return Stemmer.Stemmer("english")


def shown_count(answer: Answer, show_relevance: float) -> int:
    """How many of an answer's hits a face shows, for an answer searched with `ranked`."""
    if not answer.answered:
        return len(answer.hits)
    later = [hit for hit in answer.hits[1:] if (hit.relevance or 0.0) >= show_relevance]
    return 1 + len(later)
