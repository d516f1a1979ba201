"""The unit-vector index is chosen by size, recorded in the manifest and followed on load."""

import json

import numpy as np
import pytest

from newsbot.retrieval.embedding.embedder import normalise_rows
from newsbot.retrieval.index import store, vector_index
from newsbot.retrieval.index.generations import current_generation
from tests.conftest import REPO


def clustered_vectors(count: int, dimension: int = 64, seed: int = 0) -> np.ndarray:
    """Unit vectors around a few hundred centres, as sentence embeddings bunch by topic."""
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(count // 50, 1), dimension))
    return normalise_rows(centres[rng.integers(0, len(centres), count)] + 0.4 * rng.normal(size=(count, dimension)))


def test_small_collections_are_searched_exactly_and_large_ones_by_graph():
    assert vector_index.choose(vector_index.FLAT_MAX_UNITS) == (vector_index.FLAT, {})
    kind, params = vector_index.choose(vector_index.FLAT_MAX_UNITS + 1)
    assert kind == vector_index.HNSW and params["ef_search"] >= 100
    assert vector_index.choose(vector_index.REDUCED_UNITS + 1)[1]["ef_search"] > params["ef_search"]


def test_very_large_collections_get_a_reduced_graph_and_then_passages_only():
    kind, params = vector_index.choose(vector_index.REDUCED_UNITS + 1)
    assert kind == vector_index.REDUCED and params["dimensions"] == 192 and not params["passages_only"]
    wider = vector_index.choose(vector_index.WIDER_SEARCH_UNITS + 1)[1]
    assert wider["ef_search"] > params["ef_search"] and not wider["passages_only"]
    assert vector_index.choose(vector_index.PASSAGES_ONLY_UNITS + 1)[1]["passages_only"]


def recall_at_10(found: np.ndarray, exact: np.ndarray) -> float:
    return float(np.mean([len(set(f) & set(e)) / 10 for f, e in zip(found, exact)]))


@pytest.mark.parametrize("kind", [vector_index.FLAT, vector_index.HNSW, vector_index.REDUCED])
def test_written_index_loads_memory_mapped_and_finds_the_exact_neighbours(tmp_path, kind):
    vectors = clustered_vectors(3000)
    queries = clustered_vectors(50, seed=1)
    cosines = queries @ vectors.T
    exact = np.argsort(-cosines, axis=1)[:, :10]
    params = vector_index.default_params(kind)
    vector_index.write(vector_index.build(vectors, kind, params), tmp_path / "index.faiss")
    loaded = vector_index.load(tmp_path / "index.faiss", kind, params, vectors, len(vectors))
    scores, found = loaded.search(queries, 10)
    assert loaded.ntotal == len(vectors)
    assert recall_at_10(found, exact) >= (1.0 if kind == vector_index.FLAT else 0.95)
    # every type answers on the cosine scale, best first, so segments of mixed types merge
    np.testing.assert_allclose(scores, np.take_along_axis(cosines, found, axis=1), atol=0.02)
    assert (np.diff(scores, axis=1) <= 1e-6).all()


def mostly_in_a_subspace(vectors: np.ndarray, dimension: int = 96, seed: int = 0) -> np.ndarray:
    """Vectors whose variance falls off across dimensions, as sentence embeddings' does:
    most of it in the first ones, a little spread over the rest."""
    rest = 0.05 * np.random.default_rng(seed).normal(size=(len(vectors), dimension - vectors.shape[1]))
    return normalise_rows(np.hstack([vectors, rest]))


def test_a_reduced_graph_cuts_dimensions_yet_reports_exact_cosines(tmp_path):
    """PCA to fewer dimensions than the vectors have: the graph's own distances overstate
    closeness, and the cosines returned are recomputed from the full vectors."""
    vectors = mostly_in_a_subspace(clustered_vectors(3000, dimension=40))
    queries = mostly_in_a_subspace(clustered_vectors(50, dimension=40, seed=1), seed=1)
    cosines = queries @ vectors.T
    params = {**vector_index.default_params(vector_index.REDUCED), "dimensions": 48}
    vector_index.write(vector_index.build(vectors, vector_index.REDUCED, params), tmp_path / "index.faiss")
    loaded = vector_index.load(tmp_path / "index.faiss", vector_index.REDUCED, params, vectors, len(vectors))
    scores, found = loaded.search(queries, 40)
    np.testing.assert_allclose(scores, np.take_along_axis(cosines, found, axis=1), rtol=0, atol=1e-5)
    assert recall_at_10(found[:, :10], np.argsort(-cosines, axis=1)[:, :10]) >= 0.9


def test_a_graph_of_passages_alone_answers_with_their_unit_rows(tmp_path):
    vectors = clustered_vectors(3000)
    passage_rows = np.arange(0, 3000, 4)  # as if each passage had three windows after it
    params = {**vector_index.default_params(vector_index.REDUCED), "passages_only": True}
    vector_index.write(vector_index.build(vectors, vector_index.REDUCED, params, passage_rows), tmp_path / "index.faiss")
    loaded = vector_index.load(tmp_path / "index.faiss", vector_index.REDUCED, params, vectors, len(passage_rows))
    queries = clustered_vectors(50, seed=1)
    _, found = loaded.search(queries, 10)
    assert loaded.ntotal == len(vectors) and set(found.ravel()) <= set(passage_rows)
    exact = passage_rows[np.argsort(-(queries @ vectors[passage_rows].T), axis=1)[:, :10]]
    assert recall_at_10(found, exact) >= 0.95
    with pytest.raises(ValueError, match="other rows"):
        vector_index.load(tmp_path / "index.faiss", vector_index.REDUCED, params, vectors, len(passage_rows) + 1)


def test_unknown_index_type_in_a_manifest_reads_as_a_corrupt_index(project):
    library = project.library()
    library.rebuild()
    manifest_path = current_generation(project.index_dir) / "manifest.json"
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
    vector_index.set_search_width(index, params["ef_search"])
    assert index.ntotal == len(vectors)
    queries = clustered_vectors(50, seed=1)
    exact = np.argsort(-(queries @ vectors.T), axis=1)[:, :10]
    _, found = index.search(queries, 10)
    assert recall_at_10(found, exact) >= 0.95


def test_a_reduced_graph_of_passages_answers_like_the_exact_index_and_takes_updates(project, monkeypatch):
    """The biggest archives' index type, forced onto the shipped articles: its answers match
    the exact index's, and an article added later (a small exact segment) merges with it."""
    from newsbot.retrieval.indexing import building
    from tests.retrieval.index.test_segments import APPEND_ALWAYS, NEW_ARTICLE

    questions = [json.loads(line)["q"] for line in (REPO / "benchmarks/questions/shipped.jsonl").open()]
    library = project.library()
    library.rebuild()
    exact = [library.ask(q) for q in questions]
    for threshold in ("FLAT_MAX_UNITS", "REDUCED_UNITS", "PASSAGES_ONLY_UNITS"):
        monkeypatch.setattr(vector_index, threshold, 10)
    monkeypatch.setattr(building, "DEFAULT_POLICY", APPEND_ALWAYS)
    library.rebuild(full=True)
    (segment,) = library.index().manifest.segments
    assert segment.index_type == vector_index.REDUCED and segment.index_params["passages_only"]
    reduced = [library.ask(q) for q in questions]
    same_first = [a.hits[:1] == b.hits[:1] for a, b in zip(exact, reduced)]
    assert sum(same_first) >= 0.95 * len(questions)

    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)
    library.rebuild()
    kinds = [entry.index_type for entry in library.index().manifest.segments]
    assert kinds == [vector_index.REDUCED, vector_index.FLAT]
    assert library.ask("Brazil cancelled state visit").hits[0].passage.article == "brazil.txt"
    assert "70.3 million" in library.ask("70.3 million pieces of French telephone data").hits[0].passage.text
