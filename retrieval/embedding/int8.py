"""Token vectors in int8, as the index keeps them and as Ray workers send them back: a quarter
of float32's bytes, each row scaled so its largest component is +-127.

Here, beside the model, rather than in `newsbot.retrieval.index`: the embedding side (a Ray worker)
quantises before the index ever sees the vectors, and the index reads them back with the same pair.
"""

from __future__ import annotations

import numpy as np


def quantise(vectors: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """int8 codes and per-row scales: each row's largest component becomes +-127."""
    vectors = np.asarray(vectors, dtype=np.float32)
    scales = np.maximum(np.abs(vectors).max(axis=1, initial=0.0), 1e-12) / 127.0
    return np.rint(vectors / scales[:, None]).astype(np.int8), scales.astype(np.float32)


def dequantise(codes: np.ndarray, scales: np.ndarray) -> np.ndarray:
    return np.asarray(codes, dtype=np.float32) * np.asarray(scales, dtype=np.float32)[:, None]
