"""A deterministic stand-in for the model: hashed bag of words, exact and instant.

It is a real `Embedder` (same one method), so tests exercise the real build and search
code; it also counts what it embedded, so incremental rebuilds can be checked exactly.
"""

from __future__ import annotations

import hashlib
import re
from typing import Sequence

import numpy as np

from retrieval.embedder import normalise_rows

FAKE_MODEL = "fake-hashing-embedder"
_WORD = re.compile(r"[a-z0-9]+")


class HashingEmbedder:
    name = FAKE_MODEL

    def __init__(self, dimension: int = 64) -> None:
        self.dimension = dimension
        self.embedded: list[str] = []

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self.embedded.extend(texts)
        rows = np.zeros((len(texts), self.dimension), dtype=np.float32)
        for i, text in enumerate(texts):
            for word in _WORD.findall(text.lower()):
                digest = hashlib.blake2b(word.encode(), digest_size=4).digest()
                rows[i, int.from_bytes(digest, "little") % self.dimension] += 1.0
        return normalise_rows(rows)
