"""Token vectors stored as product-quantisation codes: 48 bytes a token, one codebook an index."""

from __future__ import annotations

import numpy as np
import pytest

from newsbot.retrieval.embedding.embedder import TokenVectors, normalise_rows
from newsbot.retrieval.index import segment_writer, store
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.index.manifest import read_manifest
from newsbot.retrieval.index.token_codec import CODEBOOK, TokenCodec, pieces_for
from newsbot.retrieval.index.token_store import QuantisedTokens, TokenStore, token_weights
from tests.fakes import HashingTokenEmbedder

BRAZIL = "Brazil's president cancelled a state visit to Washington over the spying reports, her office said.\n"


def _unit_vectors(rng, count: int, dimension: int = 384) -> np.ndarray:
    """Clustered unit vectors, like contextual token vectors (not uniform noise)."""
    centres = rng.normal(size=(64, dimension))
    return normalise_rows(centres[rng.integers(0, 64, count)] + 0.3 * rng.normal(size=(count, dimension)))


@pytest.fixture(scope="module")
def codec() -> TokenCodec:
    return TokenCodec.train(_unit_vectors(np.random.default_rng(0), 4_000))


def test_a_384_dimension_token_is_coded_in_48_bytes(codec):
    codes = codec.encode(_unit_vectors(np.random.default_rng(1), 10))
    assert codes.shape == (10, 48) and codes.dtype == np.uint8


def test_decoding_gathers_the_centroids_faiss_would(codec):
    codes = codec.encode(_unit_vectors(np.random.default_rng(1), 500))
    np.testing.assert_allclose(codec.decode(codes), codec._faiss.decode(codes), atol=1e-6)


def test_decoded_codes_encode_to_the_same_codes(codec):
    """What a merge relies on: copying a coded passage keeps its codes."""
    codes = codec.encode(_unit_vectors(np.random.default_rng(2), 500))
    np.testing.assert_array_equal(codec.encode(codec.decode(codes) @ codec.rotation), codes)


def test_maxsim_over_codes_scores_the_coded_unit_vectors_calibrated(codec):
    rng = np.random.default_rng(3)
    passages = [TokenVectors(rng.integers(0, 50, n), _unit_vectors(rng, n)) for n in (5, 0, 9, 3)]
    ids, _, _, offsets = TokenStore.concat([QuantisedTokens.of(p) for p in passages], 384)
    codes = codec.encode(np.concatenate([p.vectors for p in passages]))
    coded = TokenStore.from_arrays(ids, codes, None, offsets, codec=codec)
    query = TokenVectors(rng.integers(0, 50, 4), _unit_vectors(rng, 4))
    weights = token_weights(coded.idf, query.ids)
    decoded = codec.vectors(codes) / codec.calibration
    expected = [
        float((query.vectors @ decoded[offsets[r] : offsets[r + 1]].T).max(axis=1) @ weights) if offsets[r + 1] > offsets[r] else 0.0
        for r in range(4)
    ]
    np.testing.assert_allclose(coded.weighted_maxsim(query, [0, 1, 2, 3], weights), expected, atol=1e-5)


def test_the_calibration_is_the_mean_cosine_of_a_token_with_its_coding(codec):
    vectors = _unit_vectors(np.random.default_rng(0), 4_000)
    cosines = np.einsum("ij,ij->i", codec.vectors(codec.encode(vectors)), vectors)
    assert 0.5 < codec.calibration < 1 and codec.calibration == pytest.approx(cosines.mean(), abs=0.01)


def test_a_saved_codec_loads_equal(codec, tmp_path):
    codec.save(tmp_path)
    loaded = TokenCodec.load(tmp_path)
    np.testing.assert_array_equal(loaded.centroids, codec.centroids)
    np.testing.assert_array_equal(loaded.rotation, codec.rotation)
    assert loaded.calibration == codec.calibration


@pytest.mark.parametrize(("dimension", "pieces"), [(384, 48), (768, 48), (1024, 32), (100, 25)])
def test_pieces_divide_the_dimension(dimension, pieces):
    assert pieces_for(dimension) == pieces


def _segments(index_dir):
    generation = current_generation(index_dir)
    return [generation / entry.name for entry in read_manifest(generation).segments]


@pytest.fixture
def coded_project(project, monkeypatch):
    """The shipped articles with 384-dimension token vectors, coded from a few hundred tokens on."""
    project.embedder = HashingTokenEmbedder(dimension=384)
    monkeypatch.setattr(segment_writer, "COMPRESS_FROM_TOKENS", 256)
    monkeypatch.setattr(segment_writer, "TRAIN_TOKENS", 512)
    return project


def test_a_build_writes_codes_and_its_codebook(coded_project):
    library = coded_project.library()
    library.rebuild()
    (segment,) = _segments(coded_project.index_dir)
    assert (segment / CODEBOOK).exists() and not (segment / "tokens_scales.npy").exists()
    assert np.load(segment / "tokens_codes.npy").shape[1] == 48
    assert library.index().token_store.codec is not None
    assert library.ask("Why was the U.S. ambassador summoned?").hits


def test_a_segment_below_the_coding_size_keeps_int8_vectors(project):
    project.embedder = HashingTokenEmbedder(dimension=384)
    project.library().rebuild()
    (segment,) = _segments(project.index_dir)
    assert not (segment / CODEBOOK).exists()
    assert np.load(segment / "tokens_codes.npy").dtype == np.int8


def test_an_appended_segment_codes_with_the_index_codebook(coded_project):
    library = coded_project.library()
    library.rebuild()
    (coded_project.articles / "brazil.txt").write_text(BRAZIL)
    library.rebuild()
    first, appended = _segments(coded_project.index_dir)
    assert (appended / CODEBOOK).read_bytes() == (first / CODEBOOK).read_bytes()
    row = next(r for r, p in enumerate(library.index().passages) if p.article == "brazil.txt")
    assert library.index().token_store.passage(row).vectors.shape[1] == 384


def test_a_full_build_after_int8_segments_trains_a_codebook(project, monkeypatch):
    project.embedder = HashingTokenEmbedder(dimension=384)
    project.library().rebuild()
    monkeypatch.setattr(segment_writer, "COMPRESS_FROM_TOKENS", 256)
    project.library().rebuild(full=True)
    (segment,) = _segments(project.index_dir)
    assert (segment / CODEBOOK).exists()


def _codes_by_passage(index) -> dict[tuple[str, int], np.ndarray]:
    tokens = index.token_store
    return {
        (p.article, p.number): np.asarray(tokens.codes[tokens.offsets[r] : tokens.offsets[r + 1]])
        for r, p in enumerate(index.passages)
    }


def test_a_merge_copies_coded_passages_with_their_codes(coded_project):
    library = coded_project.library()
    library.rebuild()
    before = _codes_by_passage(library.index())
    largest = max(coded_project.articles.iterdir(), key=lambda path: path.stat().st_size)
    largest.unlink()  # dead rows past a tenth of the index: the update merges
    library.rebuild()
    assert len(_segments(coded_project.index_dir)) == 1
    after = _codes_by_passage(library.index())
    assert after and all(np.array_equal(codes, before[key]) for key, codes in after.items())


def test_a_damaged_codebook_is_named(coded_project):
    coded_project.library().rebuild()
    (segment,) = _segments(coded_project.index_dir)
    (segment / CODEBOOK).write_bytes(b"")
    with pytest.raises(Exception, match=f"{CODEBOOK} is empty: run `newsbot index --full`"):
        store.load(coded_project.index_dir)


def test_an_int8_index_and_a_coded_segment_appended_to_it_are_searched_together(project, monkeypatch):
    project.embedder = HashingTokenEmbedder(dimension=384)
    library = project.library()
    library.rebuild()
    monkeypatch.setattr(segment_writer, "COMPRESS_FROM_TOKENS", 256)
    words = "Brazil's president cancelled a state visit to Washington over the spying reports".split()
    paragraph = " ".join(words[i % len(words)] for i in range(120)) + ".\n\n"
    (project.articles / "brazil.txt").write_text(paragraph * 3)
    library.rebuild()
    int8_segment, coded_segment = _segments(project.index_dir)
    assert not (int8_segment / CODEBOOK).exists() and (coded_segment / CODEBOOK).exists()
    index = library.index()
    rows = [r for r, p in enumerate(index.passages) if p.article == "brazil.txt"] + [0, 1]
    question = project.embedder.embed_with_tokens(["Why was the state visit to Washington cancelled?"])[1][0]
    scores = index.token_store.maxsim(question, rows)
    assert scores[0] > 0.5 and scores[0] > scores[-1]


def test_a_growing_segment_codes_from_the_threshold_on_and_keeps_no_int8_rows(tmp_path, monkeypatch):
    """A million paragraphs must not sit on disk as 35 GB of int8 rows before being coded:
    once a segment holds `COMPRESS_FROM_TOKENS` tokens, what came before is coded and deleted,
    and every later passage is coded as it arrives."""
    monkeypatch.setattr(segment_writer, "COMPRESS_FROM_TOKENS", 1_000)
    monkeypatch.setattr(segment_writer, "TRAIN_TOKENS", 1_000)
    rng = np.random.default_rng(4)
    files = segment_writer.TokenFiles(tmp_path, 384, codec=None)
    written = []
    for _ in range(12):
        passages = [TokenVectors(rng.integers(0, 50, 50), _unit_vectors(rng, 50)) for _ in range(4)]
        files.append([QuantisedTokens.of(p) for p in passages])
        written.extend(QuantisedTokens.of(p) for p in passages)
        if files.tokens >= 1_000:
            assert files.codec is not None and not (tmp_path / "tokens_scales.npy").exists()
            assert not (tmp_path / "tokens_codes.npy").exists()  # the int8 rows are gone
    files.finish()
    codes = np.load(tmp_path / "tokens_codes.npy")
    assert codes.shape == (files.tokens, 48) and codes.dtype == np.uint8
    loaded = TokenCodec.load(tmp_path)
    _, int8, scales, _ = TokenStore.concat(written, 384)
    from newsbot.retrieval.embedding.int8 import dequantise

    np.testing.assert_array_equal(codes, loaded.encode(dequantise(int8, scales)))
