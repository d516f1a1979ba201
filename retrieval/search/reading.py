"""The reader's stage of search: the best ranked passages read together with the question.

The ranking (`ranking`, or `followup` for a follow-up) finds the story; the reader
(`newsbot.retrieval.reader.reading`) tells which of its best `read_depth` passages answers. Each read
passage's order comes from the reader's logit plus, z-scored among them and weighted by
`ORDER_WEIGHTS`, the ranking's own score and `story_match` (how well it matches what the
question asks beyond its story's names), so a passage the ranking put far ahead needs the
reader to disagree clearly to lose its place. A follow-up is read twice, as asked and with the
previous question before it, and each passage keeps the better reading: a follow-up that
makes sense alone is read as well as if it were asked alone.

The weights are fitted by `python -m benchmarks.fit_reader` on the visible sets (our own,
SQuAD's half dev, CoQA's conversations) and pasted here; nothing is fitted at run time.
The reader reads the bundled model's token vectors only: an index built with another model,
or without token vectors, is searched as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from newsbot.corpus.model import Paragraph
from newsbot.retrieval.embedding.embedder import TokenVectors
from newsbot.retrieval.index.store import StoredIndex
from newsbot.retrieval.reader.reading import Reader, shipped_reader
from newsbot.retrieval.search.ranking import z_scores

# weights, beside the reader's logit, of the ranking's own score and of the story-less match,
# each z-scored among the read passages (benchmarks/fit_reader.py)
ORDER_WEIGHTS = {"single": {"prior": 2.0, "story": 3.0}, "followup": {"prior": 3.0, "story": 0.5}}


@dataclass(frozen=True)
class Read:
    """The ranking after reading: rows best first, and for each read row its reading."""

    rows: list[int]
    read: int  # how many of the first rows were read
    logit: dict[int, float]  # the reader's log-odds that the row answers
    prior: dict[int, float]  # the ranking's score, z-scored among the read rows
    spans: dict[int, tuple[int, int] | None]  # characters of the row's text that answer
    story: dict[int, float] = field(default_factory=dict)  # `story_match` of each read row


def reader_for(index: StoredIndex, model: str) -> Reader | None:
    """The shipped reader when it can read this index's token vectors, else None."""
    if index.token_store is None:
        return None
    reader = shipped_reader()
    return reader if reader is not None and reader.model == model else None


def read_ranking(
    index: StoredIndex, reader: Reader, questions: Sequence[TokenVectors], rows: list[int], prior: np.ndarray,
    depth: int, kind: str,
) -> Read:
    """`rows` (best first) with the first `depth` read against each of `questions` and
    reordered; `prior` holds the ranking's score of each of those first rows."""
    head = rows[:depth]
    if not head or not questions:
        return Read(list(rows), 0, {}, {}, {})
    passages = [index.token_store.passage(r) for r in head]
    paragraphs = [index.passages[r] for r in head]
    readings = [reader.read(question, passages, [p.text for p in paragraphs]) for question in questions]
    best = [max((form[i] for form in readings), key=lambda reading: reading.logit) for i in range(len(head))]
    logit = np.array([reading.logit for reading in best], dtype=np.float32)
    prior_z = z_scores(np.asarray(prior[: len(head)], dtype=np.float32))
    story = story_match(index, questions[0], paragraphs, passages, reader)
    order = np.argsort(-order_score(logit, prior_z, story, kind), kind="stable")
    ordered = [head[i] for i in order]
    return Read(
        ordered + list(rows[depth:]), len(head),
        {head[i]: float(logit[i]) for i in range(len(head))},
        {head[i]: float(prior_z[i]) for i in range(len(head))},
        {head[i]: best[i].span for i in range(len(head))},
        {head[i]: float(story[i]) for i in range(len(head))},
    )


def order_score(logit: np.ndarray, prior_z: np.ndarray, story: np.ndarray, kind: str, weights: dict | None = None) -> np.ndarray:
    """What the read passages are ordered by; `weights` replaces `ORDER_WEIGHTS[kind]` (fitting)."""
    weights = weights or ORDER_WEIGHTS[kind]
    return logit + weights["prior"] * prior_z + weights["story"] * z_scores(story)


def story_match(
    index: StoredIndex, question: TokenVectors, paragraphs: Sequence[Paragraph], passages: Sequence[TokenVectors], reader: Reader,
) -> np.ndarray:
    """How well each passage matches the words of the question that its story's title and lead
    do not hold (idf-weighted MaxSim over those words only).

    People name a story's people and places when they ask about it ("how much will the
    Millbrook Bridge repairs cost?"); the lead holds those names, so every whole-question
    signal favours it, while the paragraph that answers holds the asking words ("cost").
    Leaving out the words of the title and lead compares what the question asks beyond its
    story. A passage that is its article's only one has no lead to discount: it is scored
    with every word.
    """
    from newsbot.retrieval.index.token_store import token_weights
    from newsbot.retrieval.search.exact_top import exact_maxsim
    from newsbot.retrieval.search.followup import article_rows

    ids = np.asarray(question.ids)
    weights = token_weights(index.token_store.idf, ids)
    scores = np.zeros(len(paragraphs), dtype=np.float32)
    leads: dict[str, np.ndarray] = {}
    for i, (paragraph, passage) in enumerate(zip(paragraphs, passages)):
        if paragraph.article not in leads:
            article = article_rows(index, paragraph.article)
            named = reader.token_ids(paragraph.title or "")
            if len(article) > 1:
                named = np.concatenate([named, index.token_store.passage(int(article[0])).ids])
            leads[paragraph.article] = named
        keep = ~np.isin(ids, leads[paragraph.article])
        if keep.any():
            scores[i] = exact_maxsim(np.asarray(question.vectors)[keep], weights[keep] / weights[keep].sum(), passage.vectors)
    return scores
