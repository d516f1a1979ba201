"""The FAISS index over unit vectors, chosen by how many units there are.

Measured on this project's 2-core machine, one search thread, on the 38,151 real unit
vectors of a 10,000-paragraph corpus: an exact flat scan took 4.1 ms a question (it grows
by about 0.11 ms per 1,000 vectors), an HNSW graph over 8-bit vectors 0.36 ms with
recall@10 0.985 against exact, built in 2.6 s; the whole warm question went from 14.4 ms
to 9.7 ms and 1 of our 137 questions changed its first passage. Up to `FLAT_MAX_UNITS`
(about 5,000 paragraphs, a 2 ms scan) exact search is kept; beyond it the graph answers.
Its vectors take a quarter of float32's room (a million: about 640 MB with the graph), and
search rescores every candidate exactly from `vectors.npy`, so the 8-bit distances only
decide which units become candidates. `benchmarks/bench_scale.py` measures the types from
10,000 to 1,000,000 vectors. The type and its parameters are recorded in the manifest, and
loading follows the manifest.

Beyond `REDUCED_UNITS` the graph holds vectors cut to 192 dimensions by PCA (see `choose`),
and beyond `PASSAGES_ONLY_UNITS` only whole passages go into it: their sentence windows are
still found by BM25 and scored exactly when their passage is a candidate.
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
REDUCED = "pca-hnsw-sq8"


@dataclass(frozen=True)
class HnswParams:
    m: int = 32  # graph neighbours per vector
    ef_construction: int = 40  # faiss' default
    ef_search: int = 128  # 64: 0.25 ms but recall@10 0.980; 256: 0.76 ms, 0.991


@dataclass(frozen=True)
class ReducedParams:
    dimensions: int = 192  # PCA keeps these; 128 capped recall@10 at 0.974 on 1M vectors
    m: int = 32
    ef_construction: int = 100  # 40 needed efSearch 1536 for the recall 100 gets at 1024
    ef_search: int = 512
    passages_only: bool = False  # windows left out of the graph (still in BM25 and rescoring)


REDUCED_UNITS = 200_000  # beyond this, the graph holds PCA-reduced vectors
WIDER_SEARCH_UNITS = 500_000  # beyond this, a reduced graph is searched twice as wide
PASSAGES_ONLY_UNITS = 1_000_000  # beyond this, the graph holds whole passages only


def choose(units: int) -> tuple[str, dict[str, Any]]:
    """(index type, its parameters) for an index of this many unit vectors.

    Measured with `benchmarks/bench_scale.py` on vectors shaped like real ones (which miss
    3-8x more often than real questions do), 120 candidates rescored exactly:
    - at 200,000 vectors, 8-bit HNSW with efSearch 512 found 0.968 of the true top 10 at
      0.24x the model's time to encode a question; PCA to 192 dimensions, then the same
      graph built with efConstruction 100, found 0.983 at 0.10x, in 71% of the room.
    - at 1,000,000, 8-bit HNSW needed efSearch 1536 for 0.964 (p50 0.82x, p99 0.97x,
      656 MB); the reduced graph found 0.962 at efSearch 1024 (0.35x, 0.41x, 465 MB).
    - a million paragraphs are ~3.8 million units with their windows, more than any graph
      fits in 1 GiB at that recall; leaving windows out of the graph changed SQuAD's top-1
      by less than 0.001, with or without 10,000 distractor paragraphs.
    """
    if units <= FLAT_MAX_UNITS:
        return FLAT, {}
    if units <= REDUCED_UNITS:
        return HNSW, default_params(HNSW)
    params = ReducedParams(
        ef_search=1024 if units > WIDER_SEARCH_UNITS else 512, passages_only=units > PASSAGES_ONLY_UNITS
    )
    return REDUCED, asdict(params)


def default_params(index_type: str) -> dict[str, Any]:
    if index_type == REDUCED:
        return asdict(ReducedParams())
    if index_type != HNSW:
        return {}
    return asdict(HnswParams())


TRAIN_SAMPLE = 65_536  # vectors the 8-bit quantiser learns its ranges from
ADD_CHUNK = 65_536  # vectors read from disk and added at a time


def build(vectors: np.ndarray, index_type: str, params: dict[str, Any], passage_rows: np.ndarray | None = None):
    """The index over `vectors`, which may be memory-mapped: they are read a chunk at a time,
    so building over millions of vectors does not first copy them all into memory.

    `passage_rows` (the unit rows that are whole passages) is needed only when `params` ask
    for a graph of passages alone.
    """
    import faiss

    # every core for the graph, even in a worker thread that answered questions on one before
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    if index_type == REDUCED:
        return _build_reduced(vectors, ReducedParams(**params), passage_rows)
    dimension = vectors.shape[1]
    index: faiss.Index
    if index_type == FLAT:
        index = faiss.IndexFlatIP(dimension)
    elif index_type == HNSW:
        hnsw = HnswParams(**params)
        graph = faiss.IndexHNSWSQ(dimension, faiss.ScalarQuantizer.QT_8bit, hnsw.m, faiss.METRIC_INNER_PRODUCT)  # type: ignore[arg-type]  # stub says ScalarQuantizer; faiss takes its QuantizerType, an int
        graph.hnsw.efConstruction = hnsw.ef_construction
        graph.train(_float_rows(vectors, _training_rows(len(vectors))))
        index = graph
    else:
        raise ValueError(f"unknown index type {index_type!r}")
    for start in range(0, len(vectors), ADD_CHUNK):
        index.add(_float_rows(vectors, slice(start, start + ADD_CHUNK)))
    return index


def _build_reduced(vectors: np.ndarray, params: ReducedParams, passage_rows: np.ndarray | None):
    """PCA, then an 8-bit graph, with L2 distance: inner products change under PCA's
    centring, L2 does not, and on unit vectors L2 ranks as cosine does. Each vector is
    stored under its unit row, so a graph of passages alone still answers with unit rows."""
    import faiss

    if params.passages_only and passage_rows is None:
        raise ValueError("a graph of passages alone needs the passage rows")
    rows = np.asarray(passage_rows if params.passages_only else np.arange(len(vectors)), dtype=np.int64)
    dimension = vectors.shape[1]
    training = _float_rows(vectors, rows[_training_rows(len(rows))])
    # n points span at most n dimensions, and PCA cannot give more
    reduced = min(params.dimensions, dimension, len(training))
    graph = faiss.IndexHNSWSQ(reduced, faiss.ScalarQuantizer.QT_8bit, params.m, faiss.METRIC_L2)  # type: ignore[arg-type]  # stub says ScalarQuantizer; faiss takes its QuantizerType, an int
    graph.hnsw.efConstruction = params.ef_construction
    transformed = faiss.IndexPreTransform(faiss.PCAMatrix(dimension, reduced), graph)
    transformed.train(training)
    index = faiss.IndexIDMap(transformed)
    for start in range(0, len(rows), ADD_CHUNK):
        chunk = rows[start : start + ADD_CHUNK]
        index.add_with_ids(_float_rows(vectors, chunk), chunk)
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


def load(path: Path, index_type: str, params: dict[str, Any], vectors: np.ndarray, passages: int):
    """Read the index with its vectors memory-mapped, so bot processes share one copy.

    Whatever its type, the result answers `search(queries, k)` with (cosines, unit rows),
    best first, and its `ntotal` is the segment's unit count, as flat search's: `vectors`
    are the segment's full unit vectors, from which a reduced graph's hits are rescored.
    A reduced graph that holds other than the units (or passages) it should is refused.
    (A mapped file stays valid after a newer generation prunes it, until it is unmapped.)
    """
    import faiss

    if index_type not in (FLAT, HNSW, REDUCED):
        raise ValueError(f"unknown index type {index_type!r}")
    index = faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)
    if index_type == HNSW:
        # read_index hands back the concrete class written (IndexHNSWSQ), not the Index its stub says
        assert isinstance(index, faiss.IndexHNSW)
        index.hnsw.efSearch = HnswParams(**params).ef_search
    if index_type == REDUCED:
        reduced = ReducedParams(**params)
        if index.ntotal != (passages if reduced.passages_only else len(vectors)):
            raise ValueError("the reduced graph holds other rows than its segment")
        graph = ReducedGraph(index, vectors)
        set_search_width(graph, reduced.ef_search)
        return graph
    return index


def set_search_width(index, ef_search: int) -> None:
    """efSearch of a graph index as `load` returns it (benchmarks sweep it), wherever the
    graph sits inside its id map and PCA wrapper."""
    import faiss

    inner = index.index if isinstance(index, ReducedGraph) else index
    while not hasattr(inner, "hnsw"):
        inner = faiss.downcast_index(inner.index)
    inner.hnsw.efSearch = ef_search


class ReducedGraph:
    """A reduced graph behind the interface search expects of a flat index.

    Its distances are between PCA-reduced vectors, which overstate closeness by whatever
    the dropped dimensions held (up to 0.95 in cosine on a tiny segment), so its hits are
    rescored from the full vectors: segments of different types then merge on one scale.
    It may hold fewer vectors (passages only) than the segment has units; `ntotal` is the
    units.
    """

    def __init__(self, index, vectors: np.ndarray) -> None:
        self.index = index
        self.vectors = vectors
        self.ntotal = len(vectors)

    def search(self, queries: np.ndarray, k: int):
        queries = np.ascontiguousarray(queries, dtype=np.float32)
        _, rows = self.index.search(queries, k)
        cosines = np.full(rows.shape, -np.inf, dtype=np.float32)
        for i, (query, found) in enumerate(zip(queries, rows)):
            hit = found >= 0
            cosines[i, hit] = np.asarray(self.vectors[found[hit]], dtype=np.float32) @ query
            order = np.argsort(-cosines[i], kind="stable")
            cosines[i], rows[i] = cosines[i, order], found[order]
        return cosines, rows
