"""The reader's stage of search: the best ranked passages read together with the question.

The ranking (`ranking`, or `followup` for a follow-up) finds the story; the reader
(`retrieval.reader.reading`) tells which of its best `read_depth` passages answers. Each read
passage's order comes from the reader's logit plus the ranking's own score among them
(z-scored, times `PRIOR_WEIGHTS`), so a passage the ranking put far ahead needs the reader
to disagree clearly to lose its place. A follow-up is read twice, as asked and with the
previous question before it, and each passage keeps the better reading: a follow-up that
makes sense alone is read as well as if it were asked alone.

The weights are fitted by `python -m benchmarks.fit_reader` on the visible sets (our own,
SQuAD's half dev, CoQA's conversations) and pasted here; nothing is fitted at run time.
The reader reads the bundled model's token vectors only: an index built with another model,
or without token vectors, is searched as before.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from retrieval.embedding.embedder import TokenVectors
from retrieval.index.store import StoredIndex
from retrieval.reader.reading import Reader, shipped_reader
from retrieval.search.ranking import z_scores

# weight of the ranking's own z-scored score beside the reader's logit (benchmarks/fit_reader.py)
PRIOR_WEIGHTS = {"single": 1.0, "followup": 1.0}


@dataclass(frozen=True)
class Read:
    """The ranking after reading: rows best first, and for each read row its reading."""

    rows: list[int]
    read: int  # how many of the first rows were read
    logit: dict[int, float]  # the reader's log-odds that the row answers
    prior: dict[int, float]  # the ranking's score, z-scored among the read rows
    spans: dict[int, tuple[int, int] | None]  # characters of the row's text that answer


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
    texts = [index.passages[r].text for r in head]
    readings = [reader.read(question, passages, texts) for question in questions]
    best = [max((form[i] for form in readings), key=lambda reading: reading.logit) for i in range(len(head))]
    logit = np.array([reading.logit for reading in best], dtype=np.float32)
    prior_z = z_scores(np.asarray(prior[: len(head)], dtype=np.float32))
    order = np.argsort(-(logit + PRIOR_WEIGHTS[kind] * prior_z), kind="stable")
    ordered = [head[i] for i in order]
    return Read(
        ordered + list(rows[depth:]), len(head),
        {head[i]: float(logit[i]) for i in range(len(head))},
        {head[i]: float(prior_z[i]) for i in range(len(head))},
        {head[i]: best[i].span for i in range(len(head))},
    )
