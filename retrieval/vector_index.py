"""The FAISS index over unit vectors, chosen by how many units there are.

Measured on this project's 2-core machine, one search thread, on the 38,151 real unit
vectors of a 10,000-paragraph corpus: an exact flat scan took 4.1 ms a question (it grows
by about 0.11 ms per 1,000 vectors), an HNSW graph over 8-bit vectors 0.36 ms with
recall@10 0.985 against exact, built in 2.6 s; the whole warm question went from 14.4 ms
to 9.7 ms and 1 of our 137 questions changed its first passage. Up to `FLAT_MAX_UNITS`
(about 5,000 paragraphs, a 2 ms scan) exact search is kept; beyond it the graph answers.
Its vectors take a quarter of float32's room (a million: about 640 MB with the graph), and
search rescores every candidate exactly from `vectors.npy`, so the 8-bit distances only
decide which units become candidates. `benchmarks/bench_scale.py` measures both types from
10,000 to 1,000,000 vectors. The type and its parameters are recorded in the manifest, and
loading follows the manifest.
"""

from __future__ import annotations

import os
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

FLAT_MAX_UNITS = 20_000
FLAT = "flat-ip"
HNSW = "hnsw-sq8"


@dataclass(frozen=True)
class HnswParams:
    m: int = 32  # graph neighbours per vector
    ef_construction: int = 40  # faiss' default
    ef_search: int = 128  # 64: 0.25 ms but recall@10 0.980; 256: 0.76 ms, 0.991


WIDE_SEARCH_UNITS = 200_000  # beyond this, search the graph 4x wider


def choose(units: int) -> tuple[str, dict[str, Any]]:
    """(index type, its parameters) for an index of this many unit vectors.

    Big graphs are searched wider: on a million synthetic vectors efSearch 128 found 0.76 of
    the true top 10 (after rescoring) in 0.5 ms, 512 found 0.94 in 1.7 ms, still far below
    the ~10 ms the rest of a question costs.
    """
    if units <= FLAT_MAX_UNITS:
        return FLAT, {}
    return HNSW, default_params(HNSW, wide=units > WIDE_SEARCH_UNITS)


def default_params(index_type: str, wide: bool = False) -> dict[str, Any]:
    if index_type != HNSW:
        return {}
    return asdict(HnswParams(ef_search=512) if wide else HnswParams())


TRAIN_SAMPLE = 65_536  # vectors the 8-bit quantiser learns its ranges from
ADD_CHUNK = 65_536  # vectors read from disk and added at a time


def build(vectors: np.ndarray, index_type: str, params: dict[str, Any]):
    """The index over `vectors`, which may be memory-mapped: they are read a chunk at a time,
    so building over millions of vectors does not first copy them all into memory."""
    import faiss

    # every core for the graph, even in a worker thread that answered questions on one before
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    dimension = vectors.shape[1]
    if index_type == FLAT:
        index = faiss.IndexFlatIP(dimension)
    elif index_type == HNSW:
        hnsw = HnswParams(**params)
        index = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit, hnsw.m, faiss.METRIC_INNER_PRODUCT)
        index.hnsw.efConstruction = hnsw.ef_construction
        index.train(_float_rows(vectors, _training_rows(len(vectors))))
    else:
        raise ValueError(f"unknown index type {index_type!r}")
    for start in range(0, len(vectors), ADD_CHUNK):
        index.add(_float_rows(vectors, slice(start, start + ADD_CHUNK)))
    return index


def _training_rows(count: int):
    """All rows up to `TRAIN_SAMPLE`, else an even spread: a fixed choice, so a rebuild of
    the same vectors gives the same index. Values beyond the learnt ranges are clipped,
    which only affects which units become candidates: search rescores them exactly."""
    if count <= TRAIN_SAMPLE:
        return slice(0, count)
    return np.linspace(0, count - 1, TRAIN_SAMPLE).astype(np.int64)


def _float_rows(vectors: np.ndarray, rows) -> np.ndarray:
    return np.ascontiguousarray(vectors[rows], dtype=np.float32)


def write(index, path: Path) -> None:
    import faiss

    faiss.write_index(index, str(path))


def load(path: Path, index_type: str, params: dict[str, Any]):
    """Read the index with its vectors memory-mapped, so bot processes share one copy.

    (A mapped file stays valid after a newer generation prunes it, until it is unmapped.)
    """
    import faiss

    if index_type not in (FLAT, HNSW):
        raise ValueError(f"unknown index type {index_type!r}")
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    if index_type == HNSW:
        index.hnsw.efSearch = HnswParams(**params).ef_search
    return index
