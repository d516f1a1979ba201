"""The one-method model interface every part of newsbot embeds through.

Index building, search and tests all depend on `Embedder`, never on a concrete model,
so a deterministic fake can stand in for the real one in fast tests.
"""

from __future__ import annotations

from typing import Protocol, Sequence

import numpy as np


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 rows (so inner product is cosine)."""

    name: str

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray: ...


def normalise_rows(vectors: np.ndarray) -> np.ndarray:
    """Scale rows to unit length; zero rows stay zero instead of becoming NaN."""
    vectors = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, 1e-12)
