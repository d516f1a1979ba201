"""From a question to an `Answer`: embed, search, rank, and decide whether to refuse.

Refusing is part of search, not of the faces: every face must agree on when the
articles "don't say", and the cut-off lives in config.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.answer import Answer, Hit
from retrieval.embedder import Embedder
from retrieval.errors import RetrievalError
from retrieval.store import StoredIndex


@dataclass(frozen=True)
class SearchSettings:
    top_k: int = 3
    min_score: float = 0.45
    max_question_chars: int = 2000


class QuestionError(RetrievalError):
    """The question itself cannot be searched (empty, too long)."""


def clean_question(question: str, settings: SearchSettings) -> str:
    text = " ".join(question.split())
    if not text:
        raise QuestionError('the question is empty: ask something, e.g. "who summoned the ambassador?"')
    if len(text) > settings.max_question_chars:
        raise QuestionError(
            f"the question is {len(text):,} characters long; the limit is "
            f"{settings.max_question_chars:,}: shorten it to what you want to know"
        )
    return text


def search(
    index: StoredIndex, embedder: Embedder, question: str, settings: SearchSettings, top_k: int | None = None
) -> Answer:
    text = clean_question(question, settings)
    wanted = min(top_k or settings.top_k, len(index.passages))
    query = np.ascontiguousarray(embedder.embed_batch([text]), dtype=np.float32)
    scores, rows = index.faiss_index.search(query, wanted)
    hits = tuple(
        Hit(passage=index.passages[row], score=float(score))
        for score, row in zip(scores[0], rows[0])
        if row >= 0
    )
    answered = bool(hits) and hits[0].score >= settings.min_score
    return Answer(question=text, answered=answered, hits=hits)
