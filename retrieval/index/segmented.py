"""Several index segments searched as one, with the passages of replaced articles hidden.

Adding one article to a 100,000-paragraph index must cost about that article's embedding,
not a rewrite of gigabytes (see `store`). So an update writes the new articles as a small
segment beside the old ones, and marks the passages of changed or deleted articles dead
instead of rewriting their segment. These classes give search the one-index view it
expects: rows numbered segment after segment, dead rows never returned, and the
corpus-wide statistics (BM25's idf and average length, the token reranker's idf) taken
over the live passages of all segments, so a passage scores as it would in one merged index.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from functools import cached_property
from typing import Any, Protocol

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenVectors
from newsbot.retrieval.index.lexical import Lexical, idf
from newsbot.retrieval.index.passages_file import locate
from newsbot.retrieval.index.token_store import TokenStore, idf_table, token_weights


def _starts(sizes: Sequence[int]) -> np.ndarray:
    return np.concatenate([[0], np.cumsum(sizes, dtype=np.int64)]).astype(np.int64)


def _by_part(rows: np.ndarray, starts: np.ndarray):
    """(part, positions in `rows`, rows local to that part) for each part `rows` touches."""
    parts = np.searchsorted(starts, rows, side="right") - 1
    for part in np.unique(parts):
        where = np.flatnonzero(parts == part)
        yield int(part), where, rows[where] - starts[part]


class Rows(Protocol):
    """What is read of a table of rows: a (memory-mapped) array, or a `RowStack` of them."""

    @property
    def shape(self) -> tuple[int, ...]: ...

    @property
    def dtype(self) -> np.dtype: ...

    def __len__(self) -> int: ...

    def __getitem__(self, rows: Any, /) -> Any: ...


class RowStack:
    """Arrays of rows (memory-mapped, one per segment) indexed as one, without copying them."""

    def __init__(self, arrays: Sequence[Rows]) -> None:
        self.arrays = list(arrays)
        self.starts = _starts([len(a) for a in self.arrays])
        self.shape = (int(self.starts[-1]), *self.arrays[0].shape[1:])
        self.dtype = np.result_type(*(a.dtype for a in self.arrays))  # float32 beside halved (float16) vectors

    def __len__(self) -> int:
        return self.shape[0]

    def __getitem__(self, rows):
        if np.isscalar(rows):
            part, local = locate(self.starts, rows)
            return self.arrays[part][local]
        rows = np.asarray(rows, dtype=np.int64)
        out = np.empty((len(rows), *self.shape[1:]), dtype=self.dtype)
        for part, where, local in _by_part(rows, self.starts):
            out[where] = self.arrays[part][local]
        return out

    def __array__(self, dtype=None, copy=None):
        whole = np.concatenate([np.asarray(a) for a in self.arrays])
        return whole if dtype is None else whole.astype(dtype)


class VectorStack:
    """The segments' FAISS indexes searched together (one query at a time, as search asks);
    units of dead passages dropped."""

    def __init__(self, indexes: Sequence, dead_units: np.ndarray) -> None:
        self.indexes = list(indexes)
        self.starts = _starts([index.ntotal for index in self.indexes])
        self.ntotal = int(self.starts[-1])
        self.dead = dead_units
        self.dead_per_part = [int(dead_units[a:b].sum()) for a, b in zip(self.starts[:-1], self.starts[1:])]

    def search(self, queries: np.ndarray, k: int):
        scores, rows = [], []
        for part, index in enumerate(self.indexes):
            wanted = min(k + self.dead_per_part[part], index.ntotal)
            if wanted <= 0:
                continue
            part_scores, part_rows = index.search(queries, wanted)
            found = part_rows[0] >= 0
            scores.append(part_scores[0][found])
            rows.append(part_rows[0][found] + self.starts[part])
        all_scores = np.concatenate(scores) if scores else np.zeros(0, np.float32)
        all_rows = np.concatenate(rows) if rows else np.zeros(0, np.int64)
        live = ~self.dead[all_rows]
        all_scores, all_rows = all_scores[live], all_rows[live]
        best = np.argsort(-all_scores, kind="stable")[:k]
        out_scores = np.full((1, k), -np.inf, dtype=np.float32)
        out_rows = np.full((1, k), -1, dtype=np.int64)
        out_scores[0, : len(best)] = all_scores[best]
        out_rows[0, : len(best)] = all_rows[best]
        return out_scores, out_rows


class LexicalStack:
    """BM25 over the segments' keyword indexes, on the scale of one index of the live documents.

    bm25s stores each term's score in each document, idf * tf / (tf + k1 (1 - b + b dl/avgdl)),
    with its own index's idf and average length. From the stored score and the document's
    length the term frequency comes back exactly, so each segment's scores are recomputed
    with the idf and average length of the live documents of all segments: the scores a
    merged index would give.
    """

    def __init__(self, parts: Sequence[Lexical], dead_documents: np.ndarray) -> None:
        self.parts = list(parts)
        self.starts = _starts([part.size for part in self.parts])
        self.size = int(self.starts[-1])
        self.dead = dead_documents
        self.live_parts = [~dead_documents[a:b] for a, b in zip(self.starts[:-1], self.starts[1:])]
        self.live_documents = int((~dead_documents).sum())
        self.lengths_known = all(part.lengths is not None for part in self.parts if part.size)
        if self.lengths_known:
            live_length = sum(int(_lengths(part)[live].sum()) for part, live in zip(self.parts, self.live_parts) if part.size)
            self.average_length = live_length / max(self.live_documents, 1)
            self.own_average = [float(_lengths(part).mean()) if part.size else 1.0 for part in self.parts]

    def scores(self, question_terms: list[str]) -> np.ndarray:
        if len(self.parts) == 1 and not self.dead.any():
            return self.parts[0].scores(question_terms)
        scores = np.zeros(self.size, dtype=np.float64)
        for term, count in Counter(question_terms).items():
            found = []  # (part, its document frequency, documents holding the term, their stored scores)
            for i, part in enumerate(self.parts):
                held, raw = part.postings(term)
                if len(held):
                    found.append((i, len(held), held, raw))
            live_frequency = sum(int(self.live_parts[i][held].sum()) for i, _, held, _ in found)
            if not live_frequency:
                continue
            corpus_idf = idf(live_frequency, self.live_documents)
            for i, frequency, held, raw in found:
                share = self._tf_share(i, frequency, held, raw)
                scores[self.starts[i] + held] += count * corpus_idf * share
        scores[self.dead] = 0.0
        return scores.astype(np.float32)

    def matching(self, question_terms: list[str]) -> np.ndarray:
        """`Lexical.matching` over all segments, in this view's rows (dead ones included:
        they score 0)."""
        return np.concatenate(
            [np.zeros(0, dtype=np.int64)]
            + [part.matching(question_terms).astype(np.int64) + start for part, start in zip(self.parts, self.starts)]
        )

    def document_frequency(self, term: str) -> int:
        """`Lexical.document_frequency` over all segments (dead documents included, as in `matching`)."""
        return sum(part.document_frequency(term) for part in self.parts)

    def _tf_share(self, i: int, frequency: int, held: np.ndarray, raw: np.ndarray) -> np.ndarray:
        """tf / (tf + k1 (1 - b + b dl/avgdl)) in the documents holding the term, with the
        average length of the live documents instead of the segment's own."""
        part = self.parts[i]
        share = raw.astype(np.float64) / idf(frequency, part.size)
        if not self.lengths_known:
            return share
        k1, b = part.k1_b
        lengths = _lengths(part)[held].astype(np.float64)  # the part holds the term, so it has documents
        own = k1 * (1 - b + b * lengths / self.own_average[i])
        corpus = k1 * (1 - b + b * lengths / self.average_length)
        tf = share * own / (1 - share)
        return tf / (tf + corpus)


def _lengths(part: Lexical) -> np.ndarray:
    """A part's document lengths, asked only when `lengths_known`: every part with documents has them."""
    assert part.lengths is not None
    return part.lengths


class TokenStack:
    """The segments' token stores, weighted by word-piece idf over their live passages."""

    def __init__(self, stores: Sequence[TokenStore], dead_passages: np.ndarray) -> None:
        self.stores = list(stores)
        self.starts = _starts([store.passages for store in self.stores])
        self.dead = dead_passages

    @cached_property
    def idf(self) -> np.ndarray:
        tables = [store.document_frequencies for store in self.stores]
        df = np.zeros(max((len(t) for t in tables), default=0), dtype=np.int64)
        for table in tables:
            df[: len(table)] += table
        for part, _, local in _by_part(np.flatnonzero(self.dead), self.starts):
            dead_df = self.stores[part].document_frequencies_of(local)
            df[: len(dead_df)] -= dead_df
        return idf_table(df, int(len(self.dead) - self.dead.sum()))

    def passage(self, row: int) -> TokenVectors:
        part, local = locate(self.starts, row)
        return self.stores[part].passage(local)

    def coded(self, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        found = np.zeros(len(rows), dtype=bool)
        for part, where, local in _by_part(rows, self.starts):
            found[where] = self.stores[part].coded(local)
        return found

    def maxsim(self, query: TokenVectors, rows: Sequence[int] | np.ndarray) -> np.ndarray:
        rows = np.asarray(rows, dtype=np.int64)
        scores = np.zeros(len(rows), dtype=np.float32)
        if len(query.ids) == 0:
            return scores
        weights = token_weights(self.idf, query.ids)
        for part, where, local in _by_part(rows, self.starts):
            scores[where] = self.stores[part].weighted_maxsim(query, local, weights)
        return scores
