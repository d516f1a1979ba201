"""Ranking one question's candidates: gather, fuse, rerank.

The stages, each measured on our question set and on SQuAD before it was kept:
1. candidates: the best passages by dense similarity (whole passage or a two-sentence
   window) and by BM25 (passages and windows);
2. fusion: per-candidate z-scores of those four signals, summed (BM25 weighted lower);
3. rerank: the best few by late interaction (token MaxSim, IDF-weighted).
`newsbot.retrieval.search.followup` ranks a follow-up question with the same stages, asked three ways.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from newsbot.retrieval.embedding.embedder import Embedder, TokenVectors, supports_tokens
from newsbot.retrieval.embedding.threads import one_faiss_thread
from newsbot.retrieval.index.lexical import terms
from newsbot.retrieval.index.row_ranges import gather_ranges, max_per_range
from newsbot.retrieval.index.store import StoredIndex
from newsbot.retrieval.search.exact_top import EmbedTokens, rescore_best
from newsbot.retrieval.search.settings import SearchSettings


@dataclass(frozen=True)
class Query:
    text: str
    vector: np.ndarray
    tokens: TokenVectors | None
    terms: list[str]


def encode_query(text: str, embedder: Embedder) -> Query:
    return encode_queries([text], embedder)[0]


def encode_queries(texts: list[str], embedder: Embedder) -> list[Query]:
    """Several texts in one pass through the model (a follow-up is searched three ways)."""
    if supports_tokens(embedder):
        vectors, tokens = embedder.embed_with_tokens(texts)  # type: ignore[attr-defined]
    else:
        vectors, tokens = embedder.embed_batch(texts), [None] * len(texts)
    vectors = np.asarray(vectors, dtype=np.float32)
    return [Query(text, vectors[i], tokens[i], words) for i, (text, words) in enumerate(zip(texts, terms(texts)))]


@dataclass(frozen=True)
class Ranking:
    rows: list[int]  # passage rows, best first
    similarity: dict[int, float]  # each row's best dense cosine (passage or window)
    late: dict[int, float] = field(default_factory=dict)  # late-interaction score of each reranked row
    strength: dict[int, float] = field(default_factory=dict)  # what the reranked rows are ordered by


def rank(
    index: StoredIndex, query: Query, settings: SearchSettings, wanted: int, allowed: np.ndarray | None = None,
    embed_tokens: EmbedTokens | None = None,
) -> Ranking:
    """`allowed` (a bool per passage row; `newsbot.retrieval.search.recency`) keeps only those
    candidates, before fusion, so they are ranked among themselves. With `embed_tokens`, the
    best reranked passages whose token vectors are coded are scored exactly (`exact_top`)."""
    keywords = Keywords.of(index, query)
    pool = candidates_for(index, query, keywords, settings, wanted)
    if allowed is not None:
        pool = pool[allowed[pool]]
    if not len(pool):
        return Ranking([], {})
    signals = features(index, query, pool, keywords.passages, keywords.windows)
    fused = fuse(signals, settings)
    order = np.argsort(-fused, kind="stable")
    head = order[: settings.rerank]
    late_of, strength_of = {}, {}
    if index.token_store is not None and query.tokens is not None:
        late = index.token_store.maxsim(query.tokens, pool[head].tolist())
        fused_z = z_scores(fused[head])
        strength = fused_z + settings.late_weight * z_scores(late)
        reranked = np.argsort(-strength, kind="stable")
        if embed_tokens is not None and settings.exact_rescore:
            reranked, late, strength = rescore_best(
                index, query.tokens, pool[head], reranked, fused_z, late, strength,
                settings.late_weight, settings.exact_rescore, embed_tokens,
            )
        order = np.concatenate([head[reranked], order[settings.rerank :]])
        late_of = {int(pool[i]): float(v) for i, v in zip(head, late)}
        strength_of = {int(pool[i]): float(v) for i, v in zip(head, strength)}
    best = np.maximum(signals["dense"], signals["window"])
    return Ranking(pool[order].tolist(), {int(pool[i]): float(best[i]) for i in order}, late_of, strength_of)


@dataclass(frozen=True)
class Keywords:
    """A query's BM25 scores over every passage and every window, computed once per query."""

    passages: np.ndarray
    windows: np.ndarray

    @classmethod
    def of(cls, index: StoredIndex, query: Query) -> Keywords:
        return cls(index.lexical_passages.scores(query.terms), index.lexical_windows.scores(query.terms))


@dataclass(frozen=True)
class Signals:
    """One query's evidence for some candidate rows, in their order."""

    fused: np.ndarray  # z-scored dense + BM25 fusion over these rows
    similarity: np.ndarray  # best dense cosine, passage or window (-1..1)
    late: np.ndarray | None  # late-interaction score (0..1); None without token vectors


def signals_for(index: StoredIndex, query: Query, keywords: Keywords, rows: np.ndarray, settings: SearchSettings) -> Signals:
    found = features(index, query, rows, keywords.passages, keywords.windows)
    late = None
    if index.token_store is not None and query.tokens is not None:
        late = np.asarray(index.token_store.maxsim(query.tokens, rows.tolist()), dtype=np.float32)
    return Signals(fuse(found, settings), np.maximum(found["dense"], found["window"]), late)


def fuse(signals: dict[str, np.ndarray], settings: SearchSettings) -> np.ndarray:
    return z_scores(signals["dense"]) + z_scores(signals["window"]) + settings.lexical_weight * (
        z_scores(signals["bm25"]) + z_scores(signals["bm25_window"])
    )


def candidates_for(index: StoredIndex, query: Query, keywords: Keywords, settings: SearchSettings, wanted: int) -> np.ndarray:
    return candidates(index, query, settings, wanted, keywords.passages, keywords.windows)


def candidates(index: StoredIndex, query: Query, settings: SearchSettings, wanted: int, passage_bm25, window_bm25) -> np.ndarray:
    n = len(index.passages)
    per_signal = min(max(settings.candidates, wanted), n)
    units = min(per_signal * 4, index.faiss_index.ntotal)
    one_faiss_thread()
    _, unit_rows = index.faiss_index.search(query.vector[None, :], units)
    found = unit_rows[0][unit_rows[0] >= 0]
    # A graph over 8-bit vectors orders its candidates approximately; the passages kept are
    # the best by exact cosine, so the approximation decides only which units are considered.
    exact = np.asarray(index.data.vectors[found], dtype=np.float32) @ query.vector
    dense = _first_unique(index.data.units[found[np.argsort(-exact, kind="stable")], 0], per_signal)
    distinct_terms = len(set(query.terms))
    bm25 = _top_positive(passage_bm25, per_signal, index.lexical_passages.matching(query.terms), distinct_terms)
    best_windows = _top_positive(window_bm25, per_signal * 2, index.lexical_windows.matching(query.terms), distinct_terms)
    bm25_windows = _first_unique(index.data.units[index.window_rows[best_windows], 0], per_signal)
    return np.unique(np.concatenate([dense, bm25, bm25_windows]).astype(np.int64))


def features(index: StoredIndex, query: Query, pool: np.ndarray, passage_bm25, window_bm25) -> dict[str, np.ndarray]:
    """Each candidate's four signals: its passage's and best window's cosine and BM25.

    A passage owns the unit rows first:last, the passage itself first and then its windows;
    one without windows stands as its own best window.
    """
    first = index.data.unit_start[pool].astype(np.int64)
    last = index.data.unit_start[pool + 1].astype(np.int64)
    rows, begins = gather_ranges(first, last)
    sims = np.asarray(index.data.vectors[rows], dtype=np.float32) @ query.vector
    dense = sims[begins]
    window = max_per_range(sims, begins + 1, begins + (last - first), empty=dense)
    bm25 = passage_bm25[pool]
    window_docs = np.searchsorted(index.window_rows, [first + 1, last])
    bm25_window = max_per_range(window_bm25, window_docs[0], window_docs[1], empty=bm25)
    return {"dense": dense, "window": window, "bm25": bm25, "bm25_window": bm25_window}


def _top_positive(values: np.ndarray, k: int, matching: np.ndarray, terms: int) -> np.ndarray:
    """Indices of the k largest positive values, best first, ties by index.

    A passage with no question word in it is no keyword candidate, so when few documents
    hold a question word only those (`matching`, one entry per word held, at most `terms`
    each) are looked at: their best k * terms entries hold the best k distinct documents.
    When many do (common words at a million paragraphs: up to a million entries, 12 ms that
    way), a threshold read off a sample of all values leaves only a few hundred to sort.
    """
    if len(matching) > len(values) // 8:
        above = _above_sampled_threshold(values, k)
        if above is not None:
            return above[np.lexsort((above, -values[above]))][:k]
    if len(matching) > k * terms:
        matching = matching[np.argpartition(-values[matching], k * terms - 1)[: k * terms]]
    found = np.unique(matching)
    found = found[values[found] > 0]
    return found[np.lexsort((found, -values[found]))][:k]


SAMPLE = 65_536  # values a threshold for the best k is estimated from


def _above_sampled_threshold(values: np.ndarray, k: int) -> np.ndarray | None:
    """Every index whose value reaches a positive threshold that at least k values reach,
    or None when the sample gives no such threshold. Taken from an even sample, at a rank
    that expects ~4k values above it, so it is below the k-th largest value nearly always;
    when it is not, the caller falls back to the exact way."""
    stride = max(1, len(values) // SAMPLE)
    sample = values[::stride]
    rank = min(len(sample), 4 * k // stride + 8)
    threshold = np.partition(sample, len(sample) - rank)[len(sample) - rank]
    if threshold <= 0:
        return None
    above = np.flatnonzero(values >= threshold)
    return above if len(above) >= k else None


def _first_unique(rows: np.ndarray, limit: int) -> np.ndarray:
    _, first = np.unique(rows, return_index=True)
    return rows[np.sort(first)][:limit]


def z_scores(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float32)
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)
