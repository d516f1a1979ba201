"""The values that leave `retrieval`: ranked, scored, cited passages and the verdict."""

from __future__ import annotations

from dataclasses import dataclass

from newsbot.corpus.model import Paragraph


@dataclass(frozen=True)
class Hit:
    """A passage that matched.

    `score` is the cosine similarity between the question and the passage's best-matching
    part (the whole passage or a two-sentence window): 1 is identical meaning, below about
    0.3 unrelated. Hits are ordered by the reranker, which weighs more than this score.
    `highlight` is the (start, end) span in `passage.text` of the sentence that best answers;
    `also` holds near-identical passages from other articles (the same quote, reported twice).
    `relevance` (0..1) is the calibrated chance that this passage answers the question: it
    falls with rank and is what every face shows (docs/search.md, "Relevance").
    `date` is the passage's article's date as the article gives it (front matter, page
    metadata or a date line), None when it gives none; faces show it beside the citation.
    `answer` is the span of the words the reader (`newsbot.retrieval.reader`) read as the answer;
    None where the passage was not read. (The highlight stays the sentence sharing the most
    rare question words: on SQuAD it holds the answer 0.845 of the time, the sentence around
    the reader's words only 0.449.)
    """

    passage: Paragraph
    score: float
    highlight: tuple[int, int] | None = None
    also: tuple[Paragraph, ...] = ()
    relevance: float | None = None
    date: str | None = None
    answer: tuple[int, int] | None = None  # (start, end) in `passage.text` of the words that answer, where the reader found them


@dataclass(frozen=True)
class Answer:
    """What the articles say about a question.

    `answered` is False when even the best hit is too weak to count as an answer; the
    hits are then the nearest passages, which faces must label as such. `searched` is what
    was actually searched when the question was read in the light of a conversation
    (None when it was searched as asked).
    """

    question: str
    answered: bool
    hits: tuple[Hit, ...]
    searched: str | None = None
    period: str | None = None  # the time the question was limited to ("articles dated ... to ..."), if any
