"""The index configurations `bench_scale` measures: newsbot's own types exactly as
`newsbot.retrieval.index.vector_index` builds and loads them, or FAISS index_factory descriptions
(`--factory`) to compare them with.

A `Variant` says how to build and load an index and which search widths to sweep, so the
measuring (`scale_measure`) never asks which kind of index it holds.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.retrieval.index import vector_index

TRAIN_SAMPLE = 200_000  # vectors a factory index trains its quantiser (PQ, PCA, IVF) on


@dataclass(frozen=True)
class Variant:
    """One index configuration: how to build and load it, and the search widths to sweep.

    `widths` are efSearch for a graph, nprobe for IVF, [None] for an index without one;
    the first is the configuration's default (newsbot's own for the type it picks).
    """

    label: str
    build: Callable[[np.ndarray], Any]
    load: Callable[[Path, np.ndarray], Any]  # (index file, the vectors it was built from)
    widths: list[int | None]
    set_width: Callable[[Any, int], None]
    chosen: bool = False


def newsbot_variant(kind: str, params: dict, chosen: bool, ef_values: list[int]) -> Variant:
    """An index exactly as `newsbot.retrieval.index.vector_index` builds and loads it."""
    widths = [None] if kind == vector_index.FLAT else list(dict.fromkeys([params["ef_search"], *ef_values]))

    return Variant(
        kind, lambda vectors: vector_index.build(vectors, kind, params, np.arange(len(vectors))),
        lambda path, vectors: vector_index.load(path, kind, params, vectors, len(vectors)),
        widths, vector_index.set_search_width, chosen,
    )


def factory_variant(spec: str, ef_construction: int, ef_values: list[int], nprobes: list[int]) -> Variant:
    """A FAISS index_factory description, with L2 distance: the vectors are unit length, so L2
    ranks as inner product does, and unlike inner product it survives PCA's centring."""
    is_ivf = spec.startswith("IVF") or ",IVF" in spec
    label = spec + (f" efc{ef_construction}" if "HNSW" in spec else "")

    def set_width(index, width: int) -> None:
        import faiss

        space = faiss.ParameterSpace()
        if is_ivf:
            space.set_index_parameter(index, "nprobe", width)
            if "_HNSW" in spec:  # an HNSW graph over the IVF centroids
                space.set_index_parameter(index, "quantizer_efSearch", max(2 * width, 64))
        else:
            space.set_index_parameter(index, "efSearch", width)

    return Variant(
        label, lambda vectors: build_factory(vectors, spec, ef_construction), load_mapped,
        list(nprobes) if is_ivf else list(ef_values) if "HNSW" in spec else [None], set_width,
    )


def build_factory(vectors: np.ndarray, spec: str, ef_construction: int):
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index = faiss.index_factory(vectors.shape[1], spec, faiss.METRIC_L2)
    for graph in graphs_in(index):
        graph.efConstruction = ef_construction
    if not index.is_trained:
        rows = np.random.default_rng(0).choice(len(vectors), min(len(vectors), TRAIN_SAMPLE), replace=False)
        index.train(np.ascontiguousarray(vectors[np.sort(rows)]))
    for start in range(0, len(vectors), 500_000):  # no float copy of the whole set at once
        index.add(np.ascontiguousarray(vectors[start : start + 500_000], dtype=np.float32))
    return index


def graphs_in(index) -> list:
    """The HNSW graphs inside a factory index (behind a PCA, or over IVF centroids)."""
    import faiss

    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexPreTransform):
        return graphs_in(index.index)
    if isinstance(index, faiss.IndexHNSW):
        return [index.hnsw]
    if isinstance(index, faiss.IndexIVF):
        return graphs_in(index.quantizer)
    return []


def load_mapped(path: Path, vectors: np.ndarray | None = None):
    """Loaded as newsbot loads its own index: memory-mapped and read-only where FAISS can."""
    import faiss

    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)


def variants_for(count: int, args) -> list[Variant]:
    """`--factory` configurations when given, else exact flat and what newsbot picks."""
    if args.factory:
        return [
            factory_variant(spec, efc, args.ef_search, args.nprobe)
            for spec in args.factory
            for efc in (args.ef_construction if "HNSW" in spec else args.ef_construction[:1])
        ]
    chosen, chosen_params = vector_index.choose(count)
    kinds = dict.fromkeys([vector_index.FLAT, vector_index.HNSW, chosen])
    return [
        newsbot_variant(kind, chosen_params if kind == chosen else vector_index.default_params(kind), kind == chosen, args.ef_search)
        for kind in kinds
    ]
