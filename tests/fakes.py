"""A deterministic stand-in for the model: hashed bag of words, exact and instant.

It is a real `Embedder` (same one method), so tests exercise the real build and search
code; it also counts what it embedded, so incremental rebuilds can be checked exactly.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence

import numpy as np

from newsbot.retrieval.embedding.embedder import normalise_rows

FAKE_MODEL = "fake-hashing-embedder"
VOCABULARY = 30_522  # MiniLM's word pieces
_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    name = FAKE_MODEL

    def __init__(self, dimension: int = 1024) -> None:
        self.dimension = dimension
        self.embedded: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        return self._hashed(texts)

    def _hashed(self, texts: Sequence[str]) -> np.ndarray:
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                rows[i, int.from_bytes(digest, "little") % self.dimension] += 1.0
        return normalise_rows(rows)


class HashingTokenEmbedder(HashingEmbedder):
    """The fake with per-token vectors too, so the reranking path runs in fast tests."""

    def embed_with_tokens(self, texts: Sequence[str]):
        from newsbot.retrieval.embedding.embedder import TokenVectors

        vectors = self.embed_batch(texts)
        tokens = []
        for text in texts:
            words = _WORD.findall(text.lower()) or ["empty"]
            # ids within a real vocabulary's size: saved per-id tables (document frequencies)
            # are as long as the largest id, 133 MB a segment with 24-bit hashes
            ids = np.array([int.from_bytes(hashlib.blake2b(w.encode(), digest_size=4).digest(), "little") % VOCABULARY for w in words], dtype=np.int32)
            tokens.append(TokenVectors(ids, self._hashed(words)))
        return vectors, tokens
