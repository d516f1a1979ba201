"""Relevance and the answer-or-refuse decision for passages the reader has read.

As in `relevance`, a passage's relevance is the calibrated chance that it answers, from a
logistic model, here over the reader's logit, the ranking's score and the story-less match
among the read passages, the late-interaction score, rank, and whether the passage shares a
content word with the question (a signal, no longer a hard rule: "evacuees" and "evacuation
shelter" share no stem). Fitted by `python -m benchmarks.fit_reader` on the visible sets: as
trained so far the late-interaction score weighs most and the reader's logit little (docs/search.md,
"The reader"). Passages ranked below those read are never shown as answers (relevance 0).
"""

from __future__ import annotations

import numpy as np

from newsbot.retrieval.index.store import StoredIndex
from newsbot.retrieval.search.ranked import Ranked
from newsbot.retrieval.search.reading import Read
from newsbot.retrieval.search.relevance import JUDGED, Verdict, falling, shares_a_word, shown_rows
from newsbot.retrieval.search.settings import SearchSettings

# feature -> weight, and the intercept (benchmarks/fit_reader.py)
READ_WEIGHTS = {
    "single": ({"reader": 0.108, "prior": 1.31, "story": -3.524, "late": 5.819, "first": 0.387, "worded": 1.385}, -5.778),
    "followup": ({"reader": 0.153, "prior": 1.055, "story": 0.47, "late": 0.522, "first": 1.159, "worded": 0.787}, -3.373),
}


def read_features(
    index: StoredIndex, read: Read, late: dict[int, float], asked: str,
) -> dict[str, np.ndarray]:
    """The signals of the read rows, in their read order."""
    rows = read.rows[: read.read]
    return {
        "reader": np.array([read.logit[r] for r in rows], dtype=np.float32),
        "prior": np.array([read.prior[r] for r in rows], dtype=np.float32),
        "story": np.array([read.story.get(r, 0.0) for r in rows], dtype=np.float32),
        "late": np.array([late.get(r, 0.0) for r in rows], dtype=np.float32),
        "first": (np.arange(len(rows)) == 0).astype(np.float32),
        "worded": shares_a_word(index, rows, asked).astype(np.float32),
    }


def read_probabilities(features: dict[str, np.ndarray], kind: str, model=None) -> np.ndarray:
    weights, bias = model or READ_WEIGHTS[kind]
    logit = bias + sum(weight * features[name] for name, weight in weights.items())
    return 1.0 / (1.0 + np.exp(-np.asarray(logit, dtype=np.float64)))


def judge_read(index: StoredIndex, found: Ranked, read: Read, settings: SearchSettings, wanted: int) -> Verdict:
    """As `relevance.judge`, over the reader's order."""
    if not read.read:
        return Verdict(found.question, found.searched, [], {}, False, [])
    kind, late = ("single", found.ranking.late) if found.followup is None else ("followup", found.by_row("token_asked"))
    features = read_features(index, read, late, f"{found.conversation_text} {found.question}")
    chance = falling(read_probabilities(features, kind))
    rows = read.rows[: max(JUDGED, read.read)]
    relevance = {row: float(p) for row, p in zip(read.rows, chance)}
    relevance.update({row: 0.0 for row in rows[read.read :]})
    answered = relevance[rows[0]] >= settings.min_relevance
    shown = shown_rows(rows, relevance, answered, settings, wanted)
    return Verdict(
        found.question, found.searched, list(read.rows), found.ranking.similarity, answered, shown, relevance,
        dict(read.spans),
    )
