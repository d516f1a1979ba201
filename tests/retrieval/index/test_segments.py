"""Updates written as new segments: cheap to write, and searched exactly like a merged index."""

from __future__ import annotations

import json
import os

import faiss
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.retrieval.embedding.embedder import TokenVectors
from newsbot.retrieval.index import store
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.index.lexical import Lexical
from newsbot.retrieval.index.manifest import FORMAT_VERSION, read_manifest
from newsbot.retrieval.index.segmented import LexicalStack, TokenStack, VectorStack
from newsbot.retrieval.index.token_store import QuantisedTokens, TokenStore
from newsbot.retrieval.indexing import building
from tests.conftest import REPO

NEW_ARTICLE = "Brazil's president cancelled a state visit to Washington over the spying reports, her office said on Tuesday.\n"
CORRECTION = (
    "\nIn a correction published later that week, the newspaper said the figure of 70.3 million "
    "recordings covered a single month and not the whole year, as an earlier version of this story had it.\n"
)
APPEND_ALWAYS = building.MergePolicy(max_segments=8, max_small_share=1.0, max_dead_share=1.0)


@pytest.fixture
def appending(monkeypatch):
    """Updates append segments even on a corpus this small (the default merges them)."""
    monkeypatch.setattr(building, "DEFAULT_POLICY", APPEND_ALWAYS)


def _segment_files(index_dir):
    generation = current_generation(index_dir)
    return {entry.name: generation / entry.name for entry in read_manifest(generation).segments}


def test_adding_an_article_writes_one_new_segment_and_links_the_old(project, appending):
    library = project.library()
    library.rebuild()
    (old_name, old_folder), = _segment_files(project.index_dir).items()
    project.embedder.embedded.clear()
    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)

    report = library.rebuild()

    segments = _segment_files(project.index_dir)
    assert report.added == ("brazil.txt",) and report.embedded == 1
    assert list(segments)[0] == old_name and len(segments) == 2
    # the old segment's vectors are the same file, not a copy
    assert os.stat(segments[old_name] / "vectors.npy").st_ino == os.stat(old_folder / "vectors.npy").st_ino
    assert project.embedder.embedded == [NEW_ARTICLE.strip()]
    assert library.ask("Brazil cancelled state visit").hits[0].passage.article == "brazil.txt"


def test_a_changed_article_hides_its_old_passages(project, appending):
    library = project.library()
    library.rebuild()
    changed = sorted(project.articles.iterdir())[0]
    old_paragraphs = library.index().manifest.articles[changed.name].paragraphs
    changed.write_text(changed.read_text() + CORRECTION)

    library.rebuild()

    index = library.index()
    first, second = index.manifest.segments
    assert first.dead_passages == old_paragraphs
    assert second.passages == index.manifest.articles[changed.name].paragraphs
    hits = library.ask("correction published later that week about the figure", top_k=100).hits
    texts = [hit.passage.text for hit in hits]
    assert len(texts) == len(set(texts)), "an old copy of a passage came back"
    assert any(CORRECTION.strip() in text for text in texts[:3])


def test_a_deleted_article_costs_no_segment_and_no_embedding(project, appending):
    library = project.library()
    library.rebuild()
    gone = sorted(project.articles.iterdir())[1]
    gone.unlink()
    project.embedder.embedded.clear()

    report = library.rebuild()

    assert report.removed == (gone.name,) and report.embedded == 0
    assert len(library.index().manifest.segments) == 1
    assert gone.name not in {hit.passage.article for hit in library.ask("French phone calls", top_k=50).hits}


def test_a_segmented_index_answers_as_the_merged_one_does(project, appending):
    names = sorted(p.name for p in project.articles.iterdir())
    held_back = (project.articles / names[1]).read_text()
    (project.articles / names[1]).unlink()
    library = project.library()
    library.rebuild()
    (project.articles / names[1]).write_text(held_back)
    library.rebuild()
    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)
    library.rebuild()
    (project.articles / names[0]).write_text((project.articles / names[0]).read_text() + CORRECTION)
    library.rebuild()
    assert len(library.index().manifest.segments) == 4
    questions = [json.loads(line)["q"] for line in (REPO / "benchmarks/questions/shipped.jsonl").open()]
    segmented = [library.ask(q, top_k=5) for q in questions]

    library.rebuild(full=True)
    assert len(library.index().manifest.segments) == 1
    merged = [library.ask(q, top_k=5) for q in questions]

    for question, a, b in zip(questions, segmented, merged):
        assert a.answered == b.answered, question
        assert [round(h.score, 5) for h in a.hits] == [round(h.score, 5) for h in b.hits], question
        if len(b.hits) < 2 or b.hits[0].score != b.hits[1].score:  # exact ties may order by row
            assert a.hits[0].passage == b.hits[0].passage, question


def test_updates_merge_once_small_segments_outgrow_the_policy(project, monkeypatch):
    monkeypatch.setattr(building, "DEFAULT_POLICY", building.MergePolicy(max_segments=3, max_small_share=1.0))
    library = project.library()
    library.rebuild()
    counts = []
    for i in range(4):
        (project.articles / f"extra{i}.txt").write_text(NEW_ARTICLE.replace("Tuesday", f"day {i}"))
        library.rebuild()
        counts.append(len(library.index().manifest.segments))
    assert counts == [2, 3, 1, 2]
    assert library.ask("Brazil cancelled state visit day 2").hits


def test_an_index_of_format_3_is_read_and_merged_on_the_next_update(project):
    library = project.library()
    library.rebuild()
    generation = current_generation(project.index_dir)
    manifest = json.loads((generation / "manifest.json").read_text())
    (segment,) = manifest.pop("segments")
    for item in (generation / segment["name"]).iterdir():
        item.rename(generation / item.name)
    (generation / segment["name"]).rmdir()
    manifest.update(format_version=3, index_type=segment["index_type"], index_params=segment["index_params"])
    for entry in manifest["articles"].values():
        del entry["segment"], entry["first_row"]
    (generation / "manifest.json").write_text(json.dumps(manifest))

    assert project.library().ask("French phone calls").hits
    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)
    report = project.library().rebuild()
    assert report.embedded == 1
    assert read_manifest(current_generation(project.index_dir)).format_version == FORMAT_VERSION


WORDS = st.sampled_from("spy phone embassy paris mexico brazil ambassador report leak data".split())
DOCS = st.lists(st.lists(WORDS, min_size=1, max_size=12).map(" ".join), min_size=2, max_size=30)


@settings(max_examples=60, deadline=None)
@given(docs=DOCS, cut=st.integers(0, 30), dead_bits=st.lists(st.booleans(), min_size=30, max_size=30), query=st.lists(WORDS, min_size=1, max_size=4))
def test_bm25_over_segments_equals_bm25_over_the_live_documents(docs, cut, dead_bits, query):
    cut = min(max(cut, 1), len(docs) - 1)
    dead = np.array(dead_bits[: len(docs)])
    if dead.all():
        dead[0] = False
    stack = LexicalStack([Lexical.build(docs[:cut]), Lexical.build(docs[cut:])], dead)
    merged = Lexical.build([d for d, gone in zip(docs, dead) if not gone])
    got = stack.scores(query)
    np.testing.assert_allclose(got[~dead], merged.scores(query), rtol=1e-4, atol=1e-5)
    assert not got[dead].any()
    # the documents search looks at for keyword candidates: every one that scores, each once per word it holds
    matching = stack.matching(query)
    assert set(np.flatnonzero(got)) <= set(matching.tolist())
    holding = [sum(word in doc.split() for word in set(query)) for doc in docs]
    assert np.bincount(matching, minlength=len(docs)).tolist() == holding


@settings(max_examples=40, deadline=None)
@given(seed=st.integers(0, 10_000), cut=st.integers(1, 19), dead_rows=st.sets(st.integers(0, 19), max_size=6))
def test_token_scores_over_segments_equal_those_over_the_live_passages(seed, cut, dead_rows):
    rng = np.random.default_rng(seed)
    passages = [
        QuantisedTokens.of(TokenVectors(rng.integers(0, 50, n), _unit(rng.normal(size=(n, 8)))))
        for n in rng.integers(1, 9, 20)
    ]
    dead = np.isin(np.arange(20), list(dead_rows))
    stack = TokenStack([_store(passages[:cut]), _store(passages[cut:])], dead)
    live = np.flatnonzero(~dead)
    merged = _store([passages[i] for i in live])
    query = TokenVectors(rng.integers(0, 60, 5), _unit(rng.normal(size=(5, 8))))
    np.testing.assert_allclose(stack.maxsim(query, live), merged.maxsim(query, np.arange(len(live))), rtol=1e-5)


def test_vector_search_over_segments_finds_the_live_nearest():
    rng = np.random.default_rng(0)
    vectors = _unit(rng.normal(size=(300, 16))).astype(np.float32)
    dead = rng.random(300) < 0.2
    parts = [faiss.IndexFlatIP(16) for _ in range(3)]
    for part, rows in zip(parts, np.split(vectors, [100, 250])):
        part.add(rows)
    stack = VectorStack(parts, dead)
    query = vectors[:1]
    _, rows = stack.search(query, 10)
    exact = np.argsort(-(vectors @ query[0]))
    assert rows[0].tolist() == [r for r in exact if not dead[r]][:10]


def _unit(rows: np.ndarray) -> np.ndarray:
    return rows / np.linalg.norm(rows, axis=1, keepdims=True)


def _store(passages) -> TokenStore:
    return TokenStore.from_arrays(*TokenStore.concat(passages, 8))


def test_token_document_frequencies_are_saved_with_each_segment(project, appending):
    from newsbot.retrieval.index.token_store import document_frequencies

    library = project.library()
    library.rebuild()
    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)
    library.rebuild()
    for segment in library.index().segments:
        tokens = segment.token_store
        assert tokens.stored_frequencies is not None
        np.testing.assert_array_equal(tokens.document_frequencies, document_frequencies(tokens.ids, tokens.offsets))


def test_passages_are_read_lazily_and_equal_to_the_file(project, appending, tmp_path):
    from newsbot.retrieval.index.passages_file import PassageFiles

    library = project.library()
    library.rebuild()
    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)
    library.rebuild()
    index = library.index()
    files = [segment.path / "passages.jsonl" for segment in index.segments]
    parsed = [store.Paragraph(**json.loads(line)) for path in files for line in path.read_text().splitlines()]
    assert isinstance(index.passages, PassageFiles)
    assert list(index.passages) == parsed and index.passages[-1] == parsed[-1] and index.passages[1:3] == parsed[1:3]
    (tmp_path / "empty.jsonl").write_bytes(b"")
    joined = PassageFiles.chained([PassageFiles.open(path) for path in [tmp_path / "empty.jsonl", *files]])
    assert list(joined) == parsed
