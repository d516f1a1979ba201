"""The one-method model interface every part of newsbot embeds through.

Index building, search and tests all depend on `Embedder`, never on a concrete model,
so a deterministic fake can stand in for the real one in fast tests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple, Protocol

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


class TokenVectors(NamedTuple):
    """A text's word pieces (special tokens removed) and their unit-length contextual vectors."""

    ids: np.ndarray
    vectors: np.ndarray


class TokenEmbedder(Embedder, Protocol):
    """An embedder that can also expose per-token vectors, for late-interaction reranking.

    Optional: search falls back to fused dense + BM25 ranking for embedders without it.
    One call returns both, because both come out of the same forward pass.
    """

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]: ...


def supports_tokens(embedder: Embedder) -> bool:
    return callable(getattr(embedder, "embed_with_tokens", None))
