"""Building and updating the index: embed only what changed, then swap atomically.

Articles are matched by file name and compared by content hash, so an update costs the
embedding of new and changed articles only; deleted files drop out. Settings that change
what a passage is (model, paragraph rules) make every old vector useless, so then the
build starts over, and says so.

An update that is small beside the index is written as one new segment, with the old
passages of changed and deleted articles marked dead (see `store`): it writes only the new
articles (the old segments are opened, memory-mapped, only to check they are sound). Once small segments or dead passages grow past
`MergePolicy`'s shares, the update merges every segment into one instead, reusing all the
stored vectors; that costs a rewrite of the index but no embedding.

Either way the new segment is written as its articles are embedded or copied, block by
block (`segment_writer`), so a build's memory does not grow with its vectors.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from corpus.errors import CorpusError
from corpus.loader import read_article, scan
from corpus.model import Article, Paragraph
from corpus.paragraphs import SEGMENTER_VERSION, ParagraphRules
from corpus.sentences import sentence_spans
from retrieval.index import store
from retrieval.build.lock import BuildBusy, build_lock as _build_lock
from retrieval.embedding.embedder import Embedder, supports_tokens
from retrieval.errors import RetrievalError
from retrieval.index.token_store import QuantisedTokens
from retrieval.index.segment_writer import SegmentWriter

Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed)
EMBED_CHUNK = 32  # texts handed to the model at once: small, so progress moves at least every second
BLOCK_PASSAGES = 4096  # new passages embedded, then written, together (see `_article_parts`)


@dataclass(frozen=True)
class BuildReport:
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    unchanged: tuple[str, ...]
    skipped: tuple[str, ...]
    passages: int
    embedded: int
    full_reason: str | None  # why everything was embedded again, if it was

    def summary(self) -> str:
        return (
            f"{len(self.added)} added, {len(self.updated)} updated, {len(self.removed)} removed, "
            f"{len(self.unchanged)} unchanged; {self.passages} passages ({self.embedded} embedded)"
        )


def index_settings(rules: ParagraphRules, embedder: Embedder) -> dict:
    """What decides a passage and its vectors; an index built otherwise cannot be reused."""
    return {
        "paragraphs": {**rules.as_dict(), "segmenter": SEGMENTER_VERSION},
        "normalized": True,
        "sentence_windows": 2,
        "token_vectors": supports_tokens(embedder),
    }


@dataclass(frozen=True)
class MergePolicy:
    """When an update stops adding a segment and merges them all.

    Each extra segment is one more search per question and each dead passage dead weight,
    but a merge rewrites the whole index (minutes at 100,000 paragraphs), so it waits
    until the small segments hold a tenth of the passages or there are eight of them.
    """

    max_segments: int = 8
    max_small_share: float = 0.10  # of stored passages outside the largest segment
    max_dead_share: float = 0.10  # of stored passages that are dead


DEFAULT_POLICY = MergePolicy()


@dataclass
class Changes:
    """How the articles on disk differ from the ones indexed."""

    kept: dict[str, store.ArticleEntry]  # unchanged, with their entries
    fresh: list[tuple[str, list[Paragraph], store.ArticleEntry]]  # to embed, in corpus order
    order: list[str]  # every indexed article, in corpus order
    added: list[str]
    updated: list[str]
    removed: list[str]
    skipped: list[str]

    @property
    def any(self) -> bool:
        return bool(self.added or self.updated or self.removed)


def build(
    corpus_dirs: Sequence[Path],
    rules: ParagraphRules,
    index_dir: Path,
    embedder: Embedder,
    full: bool = False,
    progress: Progress | None = None,
    policy: MergePolicy | None = None,
) -> BuildReport:
    with _build_lock(index_dir):
        store.remove_staging_leftovers(index_dir)
        found = scan(corpus_dirs, rules.max_article_bytes)
        previous, manifest, full_reason = _reusable_previous(index_dir, embedder, rules, full)
        old_index, damage = _opened(index_dir) if manifest is not None else (None, None)
        if damage:
            previous, manifest, full_reason = None, None, damage
        changes = _compare(found, manifest.articles if manifest else {}, rules)
        if not changes.order:
            folders = ", ".join(str(d) for d in corpus_dirs)
            raise RetrievalError(f"no readable articles in {folders}: add some with `newsbot add FILE`")
        if manifest is not None and not changes.any:
            return _report(changes, manifest.passages, 0, None)
        if manifest is not None and _appendable(manifest, changes, policy or DEFAULT_POLICY):
            written = _append(index_dir, previous, manifest, changes, embedder, rules, progress)
        else:
            rows = _live_rows_by_article(old_index) if old_index is not None else {}
            if set(changes.kept) - set(rows):
                full_reason = "the index was damaged: its manifest lists articles it lacks"
                changes = _compare(found, {}, rules)
            written = _merge(index_dir, rows, changes, embedder, rules, progress)
        embedded = sum(len(passages) for _, passages, _ in changes.fresh)
        return _report(changes, written.passages, embedded, full_reason)


def _report(changes: Changes, passages: int, embedded: int, full_reason: str | None) -> BuildReport:
    unchanged = tuple(name for name in changes.order if name in changes.kept)
    return BuildReport(
        tuple(changes.added), tuple(changes.updated), tuple(changes.removed), unchanged,
        tuple(changes.skipped), passages, embedded, full_reason,
    )


def _compare(found, old_entries: dict[str, store.ArticleEntry], rules: ParagraphRules) -> Changes:
    changes = Changes({}, [], [], [], [], [], list(found.skipped))
    for file in found.files:
        old = old_entries.get(file.article)
        if old is not None and old.sha256 == file.sha256:
            changes.kept[file.article] = old
            changes.order.append(file.article)
            continue
        try:
            article = read_article(file, rules)
        except CorpusError as exc:
            changes.skipped.append(f"{exc}; skipped")
            continue
        changes.fresh.append((file.article, list(article.paragraphs), _entry(article)))
        changes.order.append(file.article)
        (changes.updated if old is not None else changes.added).append(file.article)
    # a deleted article, or one that cannot be read any more, drops out
    changes.removed = sorted(set(old_entries) - set(changes.order))
    return changes


def _appendable(manifest: store.Manifest, changes: Changes, policy: MergePolicy) -> bool:
    """Whether this update can be one new segment under `policy`, rather than a merge."""
    if manifest.format_version != store.FORMAT_VERSION or not all(e.segment for e in manifest.articles.values()):
        return False
    new_passages = sum(len(passages) for _, passages, _ in changes.fresh)
    sizes = [entry.passages for entry in manifest.segments] + ([new_passages] if new_passages else [])
    stored = sum(sizes)
    dead = sum(e.dead_passages for e in manifest.segments) + sum(
        manifest.articles[name].paragraphs for name in changes.updated + changes.removed
    )
    return (
        stored > 0
        and len(sizes) <= policy.max_segments
        and (stored - max(sizes)) <= policy.max_small_share * stored
        and dead <= policy.max_dead_share * stored
    )


def _append(index_dir: Path, previous: Path, manifest: store.Manifest, changes: Changes, embedder, rules, progress) -> store.Manifest:
    """A new generation: the old segments linked, with dead rows marked, plus one of new articles."""
    dead: dict[str, list[tuple[int, int]]] = {}
    for name in changes.updated + changes.removed:
        entry = manifest.articles[name]
        dead.setdefault(entry.segment, []).append((entry.first_row, entry.paragraphs))
    segments = [replace(s, dead=s.dead + tuple(sorted(dead.get(s.name, ())))) for s in manifest.segments]
    articles = dict(changes.kept)
    with store.staged_generation(index_dir) as staged:
        for segment in manifest.segments:
            staged.link(previous, segment.name)
        if changes.fresh:
            segment, _ = _write_segment(staged, [p for _, p, _ in changes.fresh], embedder, progress)
            segments.append(segment)
            articles.update(_placed([(n, len(p), e) for n, p, e in changes.fresh], segment.name))
        written = _manifest(embedder, rules, manifest.dimension, {n: articles[n] for n in changes.order}, tuple(segments))
        staged.publish(written)
    return written


def _merge(index_dir: Path, rows, changes: Changes, embedder, rules, progress) -> store.Manifest:
    """A new generation of one segment: kept articles' rows (`_live_rows_by_article`) copied,
    new ones embedded."""
    fresh = {name: passages for name, passages, _ in changes.fresh}
    parts = [fresh[name] if name in fresh else rows[name] for name in changes.order]
    sizes = [len(fresh[name]) if name in fresh else len(rows[name][1]) for name in changes.order]
    with store.staged_generation(index_dir) as staged:
        segment, dimension = _write_segment(staged, parts, embedder, progress)
        entries = {**changes.kept, **{n: e for n, _, e in changes.fresh}}
        articles = _placed([(n, size, entries[n]) for n, size in zip(changes.order, sizes)], segment.name)
        written = _manifest(embedder, rules, dimension, articles, (segment,))
        staged.publish(written)
    return written


def _write_segment(staged: store.StagedGeneration, parts, embedder: Embedder, progress: Progress | None) -> tuple[store.SegmentEntry, int]:
    """A new segment of these articles, in order, written as they are embedded or copied
    (see `segment_writer`): (its entry, the vectors' dimension)."""
    name = store.segment_name()
    writer = None
    try:
        for part in _article_parts(parts, embedder, progress):
            if writer is None:
                writer = SegmentWriter(staged.segment_folder(name), part.vectors.shape[1], supports_tokens(embedder))
            writer.append(part.passages, part.units, part.vectors, part.tokens)
        if writer is None:
            raise RetrievalError("a segment needs at least one passage")
        index_type, index_params = writer.finish()
    except BaseException:
        if writer is not None:
            writer.abandon()
        raise
    entry = store.SegmentEntry(name, writer.passages, writer.units, index_type, index_params)
    return entry, writer.dimension


def _placed(articles: list[tuple[str, int, store.ArticleEntry]], segment: str) -> dict[str, store.ArticleEntry]:
    """Entries for articles written one after another into `segment`: (name, passages, entry)."""
    placed, first_row = {}, 0
    for name, passages, entry in articles:
        placed[name] = replace(entry, segment=segment, first_row=first_row, paragraphs=passages)
        first_row += passages
    return placed


def _manifest(embedder: Embedder, rules: ParagraphRules, dimension: int, articles, segments) -> store.Manifest:
    return store.Manifest(
        model=embedder.name,
        dimension=dimension,
        settings=index_settings(rules, embedder),
        articles=articles,
        passages=sum(entry.passages - entry.dead_passages for entry in segments),
        segments=segments,
    )


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


def _reusable_previous(index_dir: Path, embedder: Embedder, rules: ParagraphRules, full: bool):
    """(generation folder, manifest, None) of the current index if its vectors can be reused,
    else (None, None, why not). Reads the manifest only; `_opened` then checks the segments."""
    if full:
        return None, None, "--full asked for"
    try:
        path = store.current_generation(index_dir)
        manifest = store.read_manifest(path)
    except store.IndexMissing:
        return None, None, "no index yet"
    except RetrievalError:
        return None, None, "the old index is unreadable"
    if manifest.format_version not in store.READABLE_FORMATS:
        return None, None, "the index is in another on-disk format"
    if manifest.model != embedder.name:
        return None, None, f"the model changed ({manifest.model} -> {embedder.name})"
    if manifest.settings != index_settings(rules, embedder):
        return None, None, "the index settings changed"
    return path, manifest, None


def _opened(index_dir: Path) -> tuple[store.StoredIndex | None, str | None]:
    """(the current index, loaded; None) or (None, why it is damaged).

    Every build reuses the old segments (linked, or their rows copied), so a damaged one
    (a truncated array, a zero-byte file) must be found before: reused, it would leave the
    new index as broken as the old while the build reported success. Then the build starts
    over, and says why."""
    try:
        return store.load(index_dir), None
    except RetrievalError as exc:
        cause = str(exc).removesuffix(": run `newsbot index --full`")
        return None, f"the index was damaged: {cause}"


def _live_rows_by_article(index: store.StoredIndex) -> dict[str, tuple[store.IndexData, list[int]]]:
    """Each article's live passages: the segment data holding them and their rows in it."""
    found: dict[str, tuple[store.IndexData, list[int]]] = {}
    for segment in index.segments:
        dead = segment.entry.dead_mask()
        for row, passage in enumerate(segment.data.passages):
            if not dead[row]:
                found.setdefault(passage.article, (segment.data, []))[1].append(row)
    return found


def _part_of(data: store.IndexData, rows: list[int]) -> ArticlePart:
    """One article's rows copied out of the old index (an article's passages are contiguous)."""
    unit_start = data.unit_start
    first, last = rows[0], rows[-1] + 1
    units = np.array(data.units[unit_start[first] : unit_start[last]], dtype=np.int32)
    units[:, 0] -= first
    tokens = None
    if data.tokens is not None:
        ids, codes, scales, offsets = data.tokens
        spans = [(int(offsets[r]), int(offsets[r + 1])) for r in rows]
        tokens = [QuantisedTokens(np.array(ids[a:b]), np.array(codes[a:b]), np.array(scales[a:b])) for a, b in spans]
    return ArticlePart(
        [data.passages[r] for r in rows],
        units,
        np.array(data.vectors[unit_start[first] : unit_start[last]], dtype=np.float32),
        tokens,
    )


def _entry(article: Article) -> store.ArticleEntry:
    return store.ArticleEntry(article.sha256, article.title, article.date, len(article.paragraphs))


def _article_parts(parts, embedder: Embedder, progress: Progress | None) -> Iterator[ArticlePart]:
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
            yield _part_of(*part)
    yield from _embed_block(block, embedder, report)


def _embed_block(block: list[list[Paragraph]], embedder: Embedder, report: Callable[[int], None]) -> list[ArticlePart]:
    """Embed the passages and windows of some new articles together: one part per article."""
    passages = [passage for part in block for passage in part]
    if not passages:
        return []
    windows = [(i, span) for i, passage in enumerate(passages) for span in sentence_windows(passage.text)]
    window_texts = [passages[i].text[s:e] for i, (s, e) in windows]
    with_tokens = supports_tokens(embedder)
    passage_vectors, passage_tokens = _embed_chunks([p.text for p in passages], embedder, with_tokens, report)
    window_vectors, _ = _embed_chunks(window_texts, embedder, False, report)
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


def _embed_chunks(texts: list[str], embedder: Embedder, with_tokens: bool, report: Callable[[int], None]):
    """Embed longest first, so each batch pads little; results come back in input order."""
    order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
    vectors: list[np.ndarray | None] = [None] * len(texts)
    tokens: list[QuantisedTokens | None] = [None] * len(texts)
    for start in range(0, len(order), EMBED_CHUNK):
        rows = order[start : start + EMBED_CHUNK]
        chunk = [texts[i] for i in rows]
        if with_tokens:
            chunk_vectors, chunk_tokens = embedder.embed_with_tokens(chunk)  # type: ignore[attr-defined]
            for row, token_vectors in zip(rows, chunk_tokens):
                tokens[row] = QuantisedTokens.of(token_vectors)
        else:
            chunk_vectors = embedder.embed_batch(chunk)
        for row, vector in zip(rows, np.asarray(chunk_vectors, dtype=np.float32)):
            vectors[row] = vector
        report(len(chunk))
    return vectors, tokens if with_tokens else []
