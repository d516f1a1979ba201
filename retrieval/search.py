"""From a question to an `Answer`: gather candidates, fuse, rerank, decide whether to refuse.

The pipeline, each stage measured on our question set and on SQuAD before it was kept:
1. candidates: the best passages by dense similarity (whole passage or a two-sentence
   window) and by BM25 (passages and windows);
2. fusion: per-candidate z-scores of those four signals, summed (BM25 weighted lower);
3. rerank: the best few by late interaction (token MaxSim, IDF-weighted);
4. refusal: answered only when the best passage is close enough both as a whole (cosine)
   and word by word (the late-interaction score): on our question set the token score
   separates unanswerable questions far better than cosine alone.
Refusing is part of search, not of the faces, so every face agrees on when the articles
"don't say"; the cut-offs live in config.toml.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from retrieval.answer import Answer, Hit
from retrieval.conversation import Conversation
from retrieval.embedder import Embedder, TokenVectors, supports_tokens
from retrieval.errors import RetrievalError
from retrieval.highlight import best_sentence
from retrieval.lexical import terms
from retrieval.segments import gather_ranges, max_per_range
from retrieval.store import StoredIndex
from retrieval.threads import one_faiss_thread


@dataclass(frozen=True)
class SearchSettings:
    top_k: int = 3
    min_score: float = 0.45
    max_question_chars: int = 2000
    candidates: int = 30
    rerank: int = 20
    lexical_weight: float = 1.0
    late_weight: float = 3.0
    min_token_score: float = 0.5
    duplicate_similarity: float = 0.92


class QuestionError(RetrievalError):
    """The question itself cannot be searched (empty, too long)."""


def clean_question(question: str, settings: SearchSettings) -> str:
    text = " ".join(question.split())
    if not text:
        raise QuestionError('the question is empty: ask something, e.g. "who summoned the ambassador?"')
    if len(text) > settings.max_question_chars:
        raise QuestionError(
            f"the question is {len(text):,} characters long; the limit is "
            f"{settings.max_question_chars:,}: shorten it to what you want to know"
        )
    return text


@dataclass(frozen=True)
class Query:
    text: str
    vector: np.ndarray
    tokens: TokenVectors | None
    terms: list[str]


def encode_query(text: str, embedder: Embedder) -> Query:
    if supports_tokens(embedder):
        vectors, tokens = embedder.embed_with_tokens([text])  # type: ignore[attr-defined]
        token_vectors = tokens[0]
    else:
        vectors, token_vectors = embedder.embed_batch([text]), None
    return Query(text, np.asarray(vectors, dtype=np.float32)[0], token_vectors, terms([text])[0])


def search(
    index: StoredIndex,
    embedder: Embedder,
    question: str,
    settings: SearchSettings,
    top_k: int | None = None,
    conversation: Conversation | None = None,
) -> Answer:
    question = clean_question(question, settings)
    query = encode_query(question, embedder)
    wanted = top_k or settings.top_k
    ranking = rank(index, query, settings, wanted)
    hits = _collapse_duplicates(index, query, ranking.rows, ranking.similarity, settings, wanted)
    answered = bool(hits) and _answers(ranking, settings)
    return Answer(question=query.text, answered=answered, hits=tuple(hits))


@dataclass(frozen=True)
class Ranking:
    rows: list[int]  # passage rows, best first
    similarity: dict[int, float]  # each row's best dense cosine (passage or window)
    token_score: float | None  # late-interaction score of the first row, when reranked


def rank(index: StoredIndex, query: Query, settings: SearchSettings, wanted: int) -> Ranking:
    passage_bm25 = index.lexical_passages.scores(query.terms)
    window_bm25 = index.lexical_windows.scores(query.terms)
    pool = _candidates(index, query, settings, wanted, passage_bm25, window_bm25)
    if not len(pool):
        return Ranking([], {}, None)
    features = _features(index, query, pool, passage_bm25, window_bm25)
    fused = _z(features["dense"]) + _z(features["window"]) + settings.lexical_weight * (
        _z(features["bm25"]) + _z(features["bm25_window"])
    )
    order = np.argsort(-fused, kind="stable")
    head = order[: settings.rerank]
    token_score = None
    if index.token_store is not None and query.tokens is not None:
        late = index.token_store.maxsim(query.tokens, pool[head].tolist())
        reranked = np.argsort(-(_z(fused[head]) + settings.late_weight * _z(late)), kind="stable")
        order = np.concatenate([head[reranked], order[settings.rerank :]])
        token_score = float(late[reranked[0]])
    best = np.maximum(features["dense"], features["window"])
    return Ranking(pool[order].tolist(), {int(pool[i]): float(best[i]) for i in order}, token_score)


def _candidates(index: StoredIndex, query: Query, settings: SearchSettings, wanted: int, passage_bm25, window_bm25) -> np.ndarray:
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


def _features(index: StoredIndex, query: Query, pool: np.ndarray, passage_bm25, window_bm25) -> dict[str, np.ndarray]:
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


def _collapse_duplicates(index, query, ranked, similarity, settings, wanted) -> list[Hit]:
    """Keep the best of near-identical passages, citing the others with it."""
    kept: list[tuple[int, list[int]]] = []
    vectors = index.data.vectors
    unit_start = index.data.unit_start
    for row in ranked:
        vector = np.asarray(vectors[unit_start[row]], dtype=np.float32)
        twin = next(
            (k for k in kept if float(np.asarray(vectors[unit_start[k[0]]]) @ vector) >= settings.duplicate_similarity
             and index.passages[k[0]].article != index.passages[row].article),
            None,
        )
        if twin is not None:
            twin[1].append(row)
            continue
        if len(kept) == wanted:
            break
        kept.append((row, []))
    return [
        Hit(
            passage=index.passages[row],
            score=similarity[row],
            highlight=best_sentence(index.passages[row].text, query.terms),
            also=tuple(index.passages[r] for r in twins),
        )
        for row, twins in kept
    ]


def _answers(ranking: Ranking, settings: SearchSettings) -> bool:
    if ranking.similarity[ranking.rows[0]] < settings.min_score:
        return False
    return ranking.token_score is None or ranking.token_score >= settings.min_token_score


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


def _z(values: np.ndarray) -> np.ndarray:
    values = np.asarray(values, dtype=np.float32)
    spread = values.std()
    return (values - values.mean()) / spread if spread > 1e-9 else np.zeros_like(values)
