"""`bench_scale`'s vectors and the truth it scores against: synthetic unit vectors (clustered,
or shaped like a real index's), questions near them, and exact search to measure recall by.

Embedding a million real paragraphs takes days here, so the sizes are synthetic; how far
their recall can be trusted is in benchmarks/README.md.
"""

from __future__ import annotations

import numpy as np

DIMENSION = 384


def clustered_unit_vectors(count: int, seed: int, dimension: int = DIMENSION) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(count // 100, 1), dimension)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), count)]
    vectors += 0.6 * rng.normal(size=(count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def shaped_like(real: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Vectors drawn from a Gaussian with a real index's mean and covariance, normalised.

    Sentence embeddings fill only a few of their 384 directions; these keep the real
    spectrum (how spread the data is along each principal direction), which decides how
    hard graph search is, where `clustered_unit_vectors` spreads its noise over all of them.
    """
    rng = np.random.default_rng(seed)
    mean = real.mean(axis=0)
    _, spread, directions = np.linalg.svd(real - mean, full_matrices=False)
    scale = (spread / np.sqrt(len(real) - 1)).astype(np.float32)
    vectors = np.empty((count, real.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        block = rng.standard_normal((min(100_000, count - start), len(scale)), dtype=np.float32) * scale
        vectors[start : start + len(block)] = block @ directions.astype(np.float32) + mean
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def questions_near(vectors: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Queries that resemble stored vectors without being copies of them."""
    rng = np.random.default_rng(seed)
    picked = vectors[rng.integers(0, len(vectors), count)]
    noisy = picked + 0.04 * rng.normal(size=picked.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def exact_top10(vectors: np.ndarray, queries: np.ndarray, block: int = 100_000) -> np.ndarray:
    """The true top 10 by inner product, a block at a time: a flat index would copy the
    vectors (6 GB at 3.8 million), this needs only one block's scores."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), block):
        scores = queries @ vectors[start : start + block].T
        top = np.argpartition(-scores, min(10, scores.shape[1] - 1), axis=1)[:, :10]
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, axis=1)], axis=1)
        best_rows = np.concatenate([best_rows, top + start], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :10]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best_rows = np.take_along_axis(best_rows, keep, axis=1)
    return best_rows


def recall_at_10(found, truth) -> float:
    return float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))


def rescored_top10(vectors: np.ndarray, queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """What search does with the index's answer: rescore its candidates exactly, keep the best."""
    best = []
    for query, rows in zip(queries, candidates):
        rows = rows[rows >= 0]
        best.append(rows[np.argsort(-(vectors[rows] @ query), kind="stable")[:10]])
    return best
