"""The vectorised pieces of search agree with the plain definitions they replace."""

import bm25s
import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from newsbot.retrieval.embedding.embedder import TokenVectors, normalise_rows
from newsbot.retrieval.embedding.int8 import dequantise, quantise
from newsbot.retrieval.index.lexical import _stopwords, terms
from newsbot.retrieval.index.row_ranges import gather_ranges, max_per_range
from newsbot.retrieval.index.token_store import QuantisedTokens, TokenStore

lengths = st.lists(st.integers(0, 5), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("aAbé1 _-.'’\nWhoTheZ"), max_size=40), max_size=6))
def test_terms_equal_bm25s_tokenize(texts):
    expected = bm25s.tokenize(texts, stopwords=sorted(_stopwords()), return_ids=False, show_progress=False)
    assert terms(texts) == [list(words) for words in expected]


def test_terms_drop_stopwords_and_question_words_and_keep_numbers():
    assert terms(["Who summoned the U.S. ambassador on Oct. 21, 2013?"]) == [["summoned", "ambassador", "oct", "21", "2013"]]


@given(lengths)
def test_gather_ranges_lists_every_row_of_every_range(sizes):
    sizes = [s or 1 for s in sizes]
    starts = np.cumsum([0] + sizes[:-1]) + 3
    rows, begins = gather_ranges(starts, starts + sizes)
    assert rows.tolist() == [r for s, n in zip(starts, sizes) for r in range(s, s + n)]
    assert begins.tolist() == np.cumsum([0] + sizes[:-1]).tolist()


@given(lengths, st.integers(0, 2**31 - 1))
def test_max_per_range_matches_a_loop_and_falls_back_on_empty_ranges(sizes, seed):
    rng = np.random.default_rng(seed)
    values = rng.normal(size=sum(sizes)).astype(np.float32)
    starts = np.cumsum([0] + sizes[:-1])
    ends = starts + sizes
    fallback = rng.normal(size=len(sizes)).astype(np.float32)
    expected = [values[s:e].max() if e > s else f for s, e, f in zip(starts, ends, fallback)]
    assert max_per_range(values, starts, ends, empty=fallback).tolist() == expected


@given(lengths, st.integers(0, 2**31 - 1))
def test_maxsim_matches_its_definition(sizes, seed):
    rng = np.random.default_rng(seed)
    passages = [
        TokenVectors(rng.integers(0, 50, size=n).astype(np.int32), normalise_rows(rng.normal(size=(n, 8))))
        for n in sizes
    ]
    store = TokenStore.from_arrays(*TokenStore.concat([QuantisedTokens.of(p) for p in passages], 8))
    query = TokenVectors(np.array([3, 7, 60], dtype=np.int32), normalise_rows(rng.normal(size=(3, 8))))
    rows = rng.permutation(len(sizes))
    idf = {int(t): store.idf[t] for t in store.ids}  # word pieces seen in some passage
    weights = np.array([idf.get(int(t), max(idf.values(), default=1.0)) for t in query.ids])
    weights /= weights.sum()
    expected = [
        float((query.vectors @ store.passage(r).vectors.T).max(axis=1) @ weights) if sizes[r] else 0.0 for r in rows
    ]
    np.testing.assert_allclose(store.maxsim(query, rows.tolist()), expected, rtol=1e-5, atol=1e-6)


@given(st.integers(1, 40), st.integers(0, 2**31 - 1))
def test_quantised_token_vectors_keep_their_direction(rows, seed):
    vectors = normalise_rows(np.random.default_rng(seed).normal(size=(rows, 384)))
    restored = dequantise(*quantise(vectors))
    cosines = (restored * vectors).sum(axis=1) / np.linalg.norm(restored, axis=1)
    assert cosines.min() > 0.9999
    assert np.abs(restored - vectors).max() <= np.abs(vectors).max(axis=1).max() / 254 + 1e-6


@settings(max_examples=200, deadline=None)
@given(st.integers(1, 200), st.lists(st.lists(st.integers(0, 199), unique=True, max_size=60), max_size=5), st.integers(1, 12), st.integers(0, 2**31))
def test_top_keyword_documents_from_the_matching_ones_equal_a_full_sort(size, columns, k, seed):
    """Only documents holding a question word are looked at: the result is still the k best
    positive scores of all documents, best first."""
    from newsbot.retrieval.search.ranking import _top_positive

    columns = [[d for d in column if d < size] for column in columns]
    values = np.zeros(size, dtype=np.float32)
    rng = np.random.default_rng(seed)
    for column in columns:
        values[column] += rng.random(len(column)).astype(np.float32) + 0.01
    matching = np.concatenate([np.zeros(0, dtype=np.int64)] + [np.array(c, dtype=np.int64) for c in columns])
    positive = np.flatnonzero(values > 0)
    expected = positive[np.lexsort((positive, -values[positive]))][:k]
    np.testing.assert_array_equal(_top_positive(values, k, matching, len(columns)), expected)


@settings(max_examples=25, deadline=None)
@given(st.integers(70_000, 300_000), st.floats(0.15, 1.0), st.integers(1, 60), st.integers(0, 2**31), st.booleans())
def test_top_keyword_documents_by_a_sampled_threshold_equal_a_full_sort(size, positive_share, k, seed, coarse):
    """When most documents hold a question word, a threshold from a sample of the values
    narrows the sort; the result is still exactly the k best, ties by index (`coarse`
    values make many ties)."""
    from newsbot.retrieval.search.ranking import _above_sampled_threshold, _top_positive

    rng = np.random.default_rng(seed)
    values = np.where(rng.random(size) < positive_share, rng.random(size), 0).astype(np.float32)
    if coarse:
        values = np.round(values * 20) / 20
    matching = np.flatnonzero(values > 0)
    assert _above_sampled_threshold(values, k) is not None  # the path under test is taken
    positive = np.flatnonzero(values > 0)
    expected = positive[np.lexsort((positive, -values[positive]))][:k]
    np.testing.assert_array_equal(_top_positive(values, k, matching, 1), expected)


def test_a_words_document_frequency_is_its_count_of_matching_documents_in_one_segment_or_several(project):
    library = project.library()
    library.rebuild()
    words = ["ambassador", "summoned", "nsa", "mexico", "zebra", "said"]
    single = library.index().lexical_passages
    assert [single.document_frequency(w) for w in words] == [len(single.matching([w])) for w in words]
    (project.articles / "later.txt").write_text("A later article\n\nThe ambassador said the NSA summoned nobody in Mexico.\n")
    library.rebuild()
    stacked = library.index().lexical_passages
    assert len(library.index().segments) == 2
    assert [stacked.document_frequency(w) for w in words] == [len(stacked.matching([w])) for w in words]
    assert stacked.document_frequency("ambassador") == single.document_frequency("ambassador") + 1
