"""The unit-vector index is chosen by size, recorded in the manifest and followed on load."""

import json

import numpy as np
import pytest

from retrieval import store, vector_index
from retrieval.embedder import normalise_rows


def clustered_vectors(count: int, dimension: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few hundred centres, as sentence embeddings bunch by topic."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(count // 50, 1), dimension))
    return normalise_rows(centres[rng.integers(0, len(centres), count)] + 0.4 * rng.normal(size=(count, dimension)))


def test_small_collections_are_searched_exactly_and_large_ones_by_graph():
    assert vector_index.choose(vector_index.FLAT_MAX_UNITS) == (vector_index.FLAT, {})
    kind, params = vector_index.choose(vector_index.FLAT_MAX_UNITS + 1)
    assert kind == vector_index.HNSW and params["ef_search"] >= 100
    assert vector_index.choose(vector_index.WIDE_SEARCH_UNITS + 1)[1]["ef_search"] > params["ef_search"]


@pytest.mark.parametrize("kind", [vector_index.FLAT, vector_index.HNSW])
def test_written_index_loads_memory_mapped_and_finds_the_exact_neighbours(tmp_path, kind):
    vectors = clustered_vectors(3000)
    queries = clustered_vectors(50, seed=1)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    params = vector_index.default_params(kind)
    vector_index.write(vector_index.build(vectors, kind, params), tmp_path / "index.faiss")
    loaded = vector_index.load(tmp_path / "index.faiss", kind, params)
    _, found = loaded.search(queries, 10)
    recall = np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)])
    assert recall >= (1.0 if kind == vector_index.FLAT else 0.95)


def test_unknown_index_type_in_a_manifest_reads_as_a_corrupt_index(project):
    library = project.library()
    library.rebuild()
    manifest_path = store.current_generation(project.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["segments"][0]["index_type"] = "lsh"
    manifest_path.write_text(json.dumps(manifest))
    with pytest.raises(store.RetrievalError, match="corrupt.*newsbot index --full"):
        project.library().index()


def test_a_large_index_is_built_as_a_graph_and_still_answers(project, monkeypatch):
    monkeypatch.setattr(vector_index, "FLAT_MAX_UNITS", 10)
    library = project.library()
    library.rebuild()
    (segment,) = library.index().manifest.segments
    assert segment.index_type == vector_index.HNSW and segment.index_params["m"] == 32
    assert "70.3 million" in library.ask("70.3 million pieces of French telephone data").hits[0].passage.text


def test_an_index_built_from_a_memory_mapped_file_in_chunks_holds_every_vector(tmp_path, monkeypatch):
    """Big builds read vectors from disk a chunk at a time and train on a spread sample."""
    monkeypatch.setattr(vector_index, "TRAIN_SAMPLE", 500)
    monkeypatch.setattr(vector_index, "ADD_CHUNK", 700)
    vectors = clustered_vectors(3000)
    np.save(tmp_path / "vectors.npy", vectors)
    mapped = np.load(tmp_path / "vectors.npy", mmap_mode="r")
    params = vector_index.default_params(vector_index.HNSW)
    index = vector_index.build(mapped, vector_index.HNSW, params)
    index.hnsw.efSearch = params["ef_search"]
    assert index.ntotal == len(vectors)
    queries = clustered_vectors(50, seed=1)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, found = index.search(queries, 10)
    assert np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)]) >= 0.95
