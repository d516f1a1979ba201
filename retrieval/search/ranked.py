"""A question's ranking together with what it was ranked from: the one value every later
stage (relevance, the reader's verdict) reads, instead of a long list of its pieces."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenVectors
from newsbot.retrieval.search.ranking import Ranking


@dataclass(frozen=True)
class Ranked:
    """The texts searched and, for a follow-up, each candidate's conversation features
    (`newsbot.retrieval.search.followup`)."""

    question: str
    texts: tuple[str, ...]  # the question alone, or its three follow-up forms
    ranking: Ranking
    followup: dict[str, np.ndarray] | None = None
    reading: tuple[TokenVectors, ...] = ()  # what the reader reads: the question, and for a follow-up also with the previous one

    @property
    def searched(self) -> str | None:
        """What a follow-up was searched as (with the previous question); None for a question alone."""
        return self.texts[1] if self.followup is not None else None

    @property
    def conversation_text(self) -> str:
        """The earlier questions, for a follow-up: they count as the question's own words."""
        return self.texts[2] if self.followup is not None else ""

    def by_row(self, name: str) -> dict[int, float]:
        """A follow-up feature, by ranked row."""
        values: np.ndarray | list[float] = self.followup[name] if self.followup is not None else []
        return {row: float(v) for row, v in zip(self.ranking.rows, values)}
