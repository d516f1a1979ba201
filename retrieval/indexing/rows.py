"""Embed: new articles turned into index rows, and kept ones copied out of the old index.

New articles are embedded about `BLOCK_PASSAGES` passages at a time, sorted by length
within the block so batches pad little, and each block is handed on to the segment writer
before the next is embedded: a build's memory is bounded by the block, not the corpus.
Each passage is embedded whole and as its two-sentence windows; with a token-capable
model its token vectors come out of the same pass, quantised at once.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass

import numpy as np

from newsbot.corpus.index_sentences import sentence_spans
from newsbot.corpus.model import Paragraph
from newsbot.retrieval.embedding.chunked import TextFailed, embed_chunks
from newsbot.retrieval.embedding.embedder import Embedder, supports_tokens
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index import store
from newsbot.retrieval.index.token_store import QuantisedTokens

Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed)
EMBED_CHUNK = 32  # texts handed to the model at once: small, so progress moves at least every second
BLOCK_PASSAGES = 4096  # new passages embedded, then written, together (see `article_parts`)


@dataclass(frozen=True)
class ArticlePart:
    """One article's slice of an index: its passages, units, unit vectors and tokens."""

    passages: list[Paragraph]
    units: np.ndarray  # passage rows local to this article
    vectors: np.ndarray
    tokens: list[QuantisedTokens] | None


def sentence_windows(text: str) -> list[tuple[int, int]]:
    """Spans of every two consecutive sentences, when that is less than the whole passage."""
    spans = sentence_spans(text)
    if len(spans) < 3:
        return []
    return [(spans[i][0], spans[i + 1][1]) for i in range(len(spans) - 1)]


def part_of(data: store.IndexData, rows: list[int]) -> ArticlePart:
    """One article's rows copied out of the old index (an article's passages are contiguous)."""
    unit_start = data.unit_start
    first, last = rows[0], rows[-1] + 1
    units = np.array(data.units[unit_start[first] : unit_start[last]], dtype=np.int32)
    units[:, 0] -= first
    tokens = data.passage_tokens(rows) if data.tokens is not None else None
    return ArticlePart(
        [data.passages[r] for r in rows],
        units,
        np.array(data.vectors[unit_start[first] : unit_start[last]], dtype=np.float32),
        tokens,
    )


def article_parts(parts, embedder: Embedder, progress: Progress | None) -> Iterator[ArticlePart]:
    """Each article's rows in corpus order: a new article (a list of passages) embedded, an
    old one (an index's data and its rows) copied out of it.

    New articles are embedded about `BLOCK_PASSAGES` passages at a time, sorted by length
    within the block so batches pad little, and each block is handed on before the next is
    embedded: memory is bounded by the block, not the corpus.
    """
    fresh = [passage for part in parts if isinstance(part, list) for passage in part]
    total = len(fresh) + sum(len(sentence_windows(passage.text)) for passage in fresh)
    done = 0

    def report(count: int) -> None:
        nonlocal done
        done += count
        if progress:
            progress(done, total)

    block: list[list[Paragraph]] = []
    block_passages = 0
    for part in parts:
        if isinstance(part, list):
            block.append(part)
            block_passages += len(part)
            if block_passages < BLOCK_PASSAGES:
                continue
        yield from _embed_block(block, embedder, report)
        block, block_passages = [], 0
        if not isinstance(part, list):
            yield part_of(*part)
    yield from _embed_block(block, embedder, report)


def _embed_block(block: list[list[Paragraph]], embedder: Embedder, report: Callable[[int], None]) -> list[ArticlePart]:
    """Embed the passages and windows of some new articles together: one part per article."""
    passages = [passage for part in block for passage in part]
    if not passages:
        return []
    windows = [(i, span) for i, passage in enumerate(passages) for span in sentence_windows(passage.text)]
    window_texts = [passages[i].text[s:e] for i, (s, e) in windows]
    with_tokens = supports_tokens(embedder)
    owners = [passage.article for passage in passages]
    passage_vectors, passage_tokens = _embed_chunks([p.text for p in passages], owners, embedder, with_tokens, report)
    window_vectors, _ = _embed_chunks(window_texts, [owners[i] for i, _ in windows], embedder, False, report)
    windows_of: dict[int, list[int]] = {}
    for w, (i, _) in enumerate(windows):
        windows_of.setdefault(i, []).append(w)
    built, cursor = [], 0
    for part in block:
        units, vectors, tokens = [], [], []
        for local, passage in enumerate(part):
            row = cursor + local
            units.append((local, 0, len(passage.text)))
            vectors.append(passage_vectors[row])
            for w in windows_of.get(row, []):
                units.append((local, *windows[w][1]))
                vectors.append(window_vectors[w])
            if with_tokens:
                tokens.append(passage_tokens[row])
        built.append(ArticlePart(part, np.array(units, dtype=np.int32), np.array(vectors, dtype=np.float32), tokens if with_tokens else None))
        cursor += len(part)
    return built


def _embed_chunks(texts: list[str], articles: list[str], embedder: Embedder, with_tokens: bool, report: Callable[[int], None]):
    """Embed longest first, so each batch pads little; results come back in input order.

    Chunks go through `embed_chunks`, so a pool of workers (`newsbot index --ray`) keeps
    several in flight. `articles[i]` names the article of `texts[i]` when one cannot be embedded.
    """
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors: list[np.ndarray | None] = [None] * len(texts)
    tokens: list[QuantisedTokens | None] = [None] * len(texts)
    chunks = [order[start : start + EMBED_CHUNK] for start in range(0, len(order), EMBED_CHUNK)]
    results = embed_chunks(embedder, [[texts[i] for i in rows] for rows in chunks], with_tokens)
    try:
        for rows, (chunk_vectors, chunk_tokens) in zip(chunks, results):
            for row, token_vectors in zip(rows, chunk_tokens or ()):
                tokens[row] = QuantisedTokens.of(token_vectors)
            for row, vector in zip(rows, np.asarray(chunk_vectors, dtype=np.float32)):
                vectors[row] = vector
            report(len(rows))
    except TextFailed as failed:
        raise RetrievalError(f"cannot embed article {articles[order[failed.index]]}: {failed.reason}") from None
    return vectors, tokens if with_tokens else []
