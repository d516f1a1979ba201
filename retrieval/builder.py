"""Building and updating the index: embed only what changed, then swap atomically.

Articles are matched by file name and compared by content hash, so an update costs the
embedding of new and changed articles only; deleted files drop out. Settings that change
what a passage is (model, paragraph rules) make every old vector useless, so then the
build starts over, and says so.
"""

from __future__ import annotations

import fcntl
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from corpus.errors import CorpusError
from corpus.loader import read_article, scan
from corpus.model import Article, Paragraph
from corpus.paragraphs import SEGMENTER_VERSION, ParagraphRules
from corpus.sentences import sentence_spans
from retrieval import store, vector_index
from retrieval.embedder import Embedder, supports_tokens
from retrieval.errors import RetrievalError
from retrieval.late import QuantisedTokens, TokenStore

Progress = Callable[[int, int], None]  # (texts embedded so far, texts to embed)
EMBED_CHUNK = 512


class BuildBusy(RetrievalError):
    """Another process or thread is rebuilding this index right now."""


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


def build(
    corpus_dirs: Sequence[Path],
    rules: ParagraphRules,
    index_dir: Path,
    embedder: Embedder,
    full: bool = False,
    progress: Progress | None = None,
) -> BuildReport:
    with _build_lock(index_dir):
        found = scan(corpus_dirs)
        previous, full_reason = _reusable_previous(index_dir, embedder, rules, full)
        old_entries = previous.manifest.articles if previous else {}
        old_rows = _rows_by_article(previous.data) if previous else {}
        parts: list[str | list[Paragraph]] = []  # an unchanged article's name, or new passages
        articles: dict[str, store.ArticleEntry] = {}
        skipped = list(found.skipped)
        added, updated, unchanged = [], [], []
        for file in found.files:
            old = old_entries.get(file.article)
            if old is not None and old.sha256 == file.sha256 and file.article in old_rows:
                parts.append(file.article)
                articles[file.article] = old
                unchanged.append(file.article)
                continue
            try:
                article = read_article(file, rules)
            except CorpusError as exc:
                skipped.append(f"{exc}; skipped")
                continue
            parts.append(list(article.paragraphs))
            articles[file.article] = _entry(article)
            (updated if old is not None else added).append(file.article)
        if not parts:
            folders = ", ".join(str(d) for d in corpus_dirs)
            raise RetrievalError(f"no readable articles in {folders}: add some with `newsbot add FILE`")
        removed = sorted(set(old_entries) - set(articles))
        if previous is not None and not (added or updated or removed):
            return BuildReport((), (), (), tuple(unchanged), tuple(skipped), previous.manifest.passages, 0, None)
        # copy the reused rows only now that something changed: at 10k passages they are GBs
        parts = [_part_of(previous.data, old_rows[p]) if isinstance(p, str) else p for p in parts]
        embedded = _embed_new_parts(parts, embedder, progress)
        data = _concat(embedded, embedder)
        index_type, index_params = vector_index.choose(len(data.vectors))
        manifest = store.Manifest(
            model=embedder.name,
            dimension=int(data.vectors.shape[1]),
            settings=index_settings(rules, embedder),
            articles=articles,
            passages=len(data.passages),
            index_type=index_type,
            index_params=index_params,
        )
        store.write_generation(index_dir, manifest, data)
        return BuildReport(
            tuple(added), tuple(updated), tuple(removed), tuple(unchanged), tuple(skipped),
            len(data.passages), sum(len(p) for p in parts if isinstance(p, list)), full_reason,
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
    """The current index if its vectors can be reused, and otherwise why not."""
    if full:
        return None, "--full asked for"
    try:
        previous = store.load(index_dir)
    except store.IndexMissing:
        return None, "no index yet"
    except store.IndexOutdated:
        return None, "the index is in another on-disk format"
    except RetrievalError:
        return None, "the old index is unreadable"
    if previous.manifest.model != embedder.name:
        return None, f"the model changed ({previous.manifest.model} -> {embedder.name})"
    if previous.manifest.settings != index_settings(rules, embedder):
        return None, "the index settings changed"
    return previous, None


def _rows_by_article(data: store.IndexData) -> dict[str, list[int]]:
    rows_of: dict[str, list[int]] = {}
    for row, passage in enumerate(data.passages):
        rows_of.setdefault(passage.article, []).append(row)
    return rows_of


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


def _embed_new_parts(parts, embedder: Embedder, progress: Progress | None) -> list[ArticlePart]:
    """Embed the passages and windows of new articles in large batches, reporting progress."""
    fresh = [p for p in parts if isinstance(p, list)]
    passages = [passage for part in fresh for passage in part]
    windows = [(i, span) for i, passage in enumerate(passages) for span in sentence_windows(passage.text)]
    window_texts = [passages[i].text[s:e] for i, (s, e) in windows]
    total = len(passages) + len(window_texts)
    with_tokens = supports_tokens(embedder)

    def report(done: int) -> None:
        if progress:
            progress(done, total)

    passage_vectors, passage_tokens = _embed_chunks([p.text for p in passages], embedder, with_tokens, report, 0)
    window_vectors, _ = _embed_chunks(window_texts, embedder, False, report, len(passages))
    windows_of: dict[int, list[int]] = {}
    for w, (i, _) in enumerate(windows):
        windows_of.setdefault(i, []).append(w)
    built, cursor, fresh_iter = [], 0, iter(fresh)
    for part in parts:
        if not isinstance(part, list):
            built.append(part)
            continue
        part = next(fresh_iter)
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


def _embed_chunks(texts: list[str], embedder: Embedder, with_tokens: bool, report, done_before: int):
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
        report(done_before + start + len(chunk))
    return vectors, tokens if with_tokens else []


def _concat(parts: list[ArticlePart], embedder: Embedder) -> store.IndexData:
    passages: list[Paragraph] = []
    units, vectors, tokens = [], [], []
    for part in parts:
        shifted = part.units.copy()
        shifted[:, 0] += len(passages)
        units.append(shifted)
        vectors.append(part.vectors)
        passages.extend(part.passages)
        if part.tokens is not None:
            tokens.extend(part.tokens)
    all_vectors = np.vstack(vectors).astype(np.float32)
    token_arrays = TokenStore.concat(tokens, all_vectors.shape[1]) if supports_tokens(embedder) else None
    return store.IndexData(tuple(passages), np.vstack(units).astype(np.int32), all_vectors, token_arrays)


@contextmanager
def _build_lock(index_dir: Path) -> Iterator[None]:
    index_dir.mkdir(parents=True, exist_ok=True)
    with open(index_dir / ".build.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            raise BuildBusy(f"another rebuild of {index_dir} is running; try again when it ends") from None
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
