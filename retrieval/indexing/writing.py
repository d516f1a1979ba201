"""Write: a staged generation's segments, then the manifest that places every article.

Either way of updating ends in one staged generation (see `newsbot.retrieval.index.generations`)
that the pipeline publishes: `appended` links the old segments and writes one of new
articles, marking the old rows of changed and deleted ones dead; `merged` writes one
segment of every live article, kept rows copied and new ones embedded. A segment is written
as its articles are embedded or copied, block by block (`newsbot.retrieval.index.segment_writer`).
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval.embedding.embedder import Embedder, supports_tokens
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index import store
from newsbot.retrieval.index.generations import StagedGeneration, segment_name
from newsbot.retrieval.index.manifest import ArticleEntry, Manifest, SegmentEntry
from newsbot.retrieval.index.segment_writer import SegmentWriter
from newsbot.retrieval.index.token_codec import TokenCodec
from newsbot.retrieval.indexing.changes import Changes
from newsbot.retrieval.indexing.manifests import manifest_for
from newsbot.retrieval.indexing.rows import Progress, article_parts


def appended(
    staged: StagedGeneration, previous: Path, manifest: Manifest, changes: Changes, embedder: Embedder,
    rules: ParagraphRules, progress: Progress | None,
) -> Manifest:
    """The old segments linked, with dead rows marked, plus one segment of the new articles."""
    dead: dict[str, list[tuple[int, int]]] = {}
    for name in changes.updated + changes.removed:
        entry = manifest.articles[name]
        dead.setdefault(entry.segment, []).append((entry.first_row, entry.paragraphs))
    segments = [replace(s, dead=s.dead + tuple(sorted(dead.get(s.name, ())))) for s in manifest.segments]
    articles = dict(changes.kept)
    for segment in manifest.segments:
        staged.link(previous, segment.name)
    if changes.fresh:
        codec = store.token_codec(previous, manifest)
        segment, _ = write_segment(staged, [p for _, p, _ in changes.fresh], embedder, progress, codec)
        segments.append(segment)
        articles.update(_placed([(n, len(p), e) for n, p, e in changes.fresh], segment.name))
    return manifest_for(embedder, rules, manifest.dimension, {n: articles[n] for n in changes.order}, tuple(segments))


def merged(
    staged: StagedGeneration, rows: dict[str, tuple[store.IndexData, list[int]]], changes: Changes,
    embedder: Embedder, rules: ParagraphRules, progress: Progress | None,
) -> Manifest:
    """One segment: kept articles' rows (`previous.live_rows_by_article`) copied, new ones embedded."""
    fresh = {name: passages for name, passages, _ in changes.fresh}
    parts = [fresh[name] if name in fresh else rows[name] for name in changes.order]
    sizes = [len(fresh[name]) if name in fresh else len(rows[name][1]) for name in changes.order]
    # copied rows keep the codebook they were coded with; a build of none (--full) trains one
    codec = next((data.codec for data, _ in rows.values() if data.codec is not None), None)
    segment, dimension = write_segment(staged, parts, embedder, progress, codec)
    entries = {**changes.kept, **{n: e for n, _, e in changes.fresh}}
    articles = _placed([(n, size, entries[n]) for n, size in zip(changes.order, sizes)], segment.name)
    return manifest_for(embedder, rules, dimension, articles, (segment,))


def write_segment(
    staged: StagedGeneration, parts, embedder: Embedder, progress: Progress | None, codec: TokenCodec | None = None,
) -> tuple[SegmentEntry, int]:
    """A new segment of these articles, in order: (its entry, the vectors' dimension). Its
    token vectors are coded with `codec`, or with a codebook trained on them when None."""
    name = segment_name()
    writer = None
    try:
        for part in article_parts(parts, embedder, progress):
            if writer is None:
                writer = SegmentWriter(staged.segment_folder(name), part.vectors.shape[1], supports_tokens(embedder), codec)
            writer.append(part.passages, part.units, part.vectors, part.tokens)
        if writer is None:
            raise RetrievalError("a segment needs at least one passage")
        index_type, index_params = writer.finish()
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    entry = SegmentEntry(name, writer.passages, writer.units, index_type, index_params)
    return entry, writer.dimension


def _placed(articles: list[tuple[str, int, ArticleEntry]], segment: str) -> dict[str, ArticleEntry]:
    """Entries for articles written one after another into `segment`: (name, passages, entry)."""
    placed, first_row = {}, 0
    for name, passages, entry in articles:
        placed[name] = replace(entry, segment=segment, first_row=first_row, paragraphs=passages)
        first_row += passages
    return placed
