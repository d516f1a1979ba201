"""The values that leave `retrieval`: ranked, scored, cited passages and the verdict."""

from __future__ import annotations

from dataclasses import dataclass

from corpus.model import Paragraph


@dataclass(frozen=True)
class Hit:
    """A paragraph that matched, with its cosine similarity to the question (higher is closer)."""

    passage: Paragraph
    score: float


@dataclass(frozen=True)
class Answer:
    """What the articles say about a question.

    `answered` is False when even the best hit is too weak to count as an answer; the
    hits are then the nearest passages, which faces must label as such.
    """

    question: str
    answered: bool
    hits: tuple[Hit, ...]
