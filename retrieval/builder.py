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
from corpus.paragraphs import ParagraphRules
from retrieval import store
from retrieval.embedder import Embedder
from retrieval.errors import RetrievalError

Progress = Callable[[int, int], None]  # (passages embedded so far, passages to embed)
EMBED_CHUNK = 256


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


def index_settings(rules: ParagraphRules) -> dict:
    return {"paragraphs": rules.as_dict(), "normalized": True}


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
        previous, full_reason = _reusable_previous(index_dir, embedder.name, rules, full)
        old_entries = previous.manifest.articles if previous else {}
        old_rows = _rows_by_article(previous) if previous else {}
        kept: list[tuple[str, list[Paragraph], np.ndarray | None]] = []
        articles: dict[str, store.ArticleEntry] = {}
        skipped = list(found.skipped)
        added, updated, unchanged = [], [], []
        for file in found.files:
            old = old_entries.get(file.article)
            if old is not None and old.sha256 == file.sha256:
                rows = old_rows.get(file.article, [])
                passages = [previous.passages[i] for i in rows]
                kept.append((file.article, passages, np.asarray(previous.vectors[rows], dtype=np.float32)))
                articles[file.article] = old
                unchanged.append(file.article)
                continue
            try:
                article = read_article(file, rules)
            except CorpusError as exc:
                skipped.append(f"{exc}; skipped")
                continue
            kept.append((file.article, list(article.paragraphs), None))
            articles[file.article] = _entry(article)
            (updated if old is not None else added).append(file.article)
        if not kept:
            folders = ", ".join(str(d) for d in corpus_dirs)
            raise RetrievalError(f"no readable articles in {folders}: add some with `newsbot add FILE`")
        removed = sorted(set(old_entries) - set(articles))
        if previous is not None and not (added or updated or removed):
            return BuildReport((), (), (), tuple(unchanged), tuple(skipped), previous.manifest.passages, 0, None)
        passages, vectors, embedded = _assemble(kept, embedder, progress)
        manifest = store.Manifest(
            model=embedder.name,
            dimension=int(vectors.shape[1]),
            settings=index_settings(rules),
            articles=articles,
            passages=len(passages),
        )
        store.write_generation(index_dir, manifest, passages, vectors)
        return BuildReport(
            tuple(added), tuple(updated), tuple(removed), tuple(unchanged), tuple(skipped),
            len(passages), embedded, full_reason,
        )


def _reusable_previous(index_dir: Path, model: str, rules: ParagraphRules, full: bool):
    """The current index if its vectors can be reused, and otherwise why not."""
    if full:
        return None, "--full asked for"
    try:
        previous = store.load(index_dir)
    except store.IndexMissing:
        return None, "no index yet"
    except RetrievalError:
        return None, "the old index is unreadable"
    if previous.manifest.model != model:
        return None, f"the model changed ({previous.manifest.model} -> {model})"
    if previous.manifest.settings != index_settings(rules):
        return None, "the paragraph settings changed"
    return previous, None


def _rows_by_article(previous: store.StoredIndex) -> dict[str, list[int]]:
    rows: dict[str, list[int]] = {}
    for i, passage in enumerate(previous.passages):
        rows.setdefault(passage.article, []).append(i)
    return rows


def _entry(article: Article) -> store.ArticleEntry:
    return store.ArticleEntry(article.sha256, article.title, article.date, len(article.paragraphs))


def _assemble(kept, embedder: Embedder, progress: Progress | None):
    """Embed the passages that need it (in chunks, reporting progress) and stack all rows."""
    todo = [p.text for _, passages, vectors in kept if vectors is None for p in passages]
    fresh = _embed_all(todo, embedder, progress)
    passages: list[Paragraph] = []
    blocks: list[np.ndarray] = []
    cursor = 0
    for _, article_passages, vectors in kept:
        if vectors is None:
            vectors = fresh[cursor : cursor + len(article_passages)]
            cursor += len(article_passages)
        passages.extend(article_passages)
        blocks.append(vectors)
    return passages, np.vstack(blocks).astype(np.float32), len(todo)


def _embed_all(texts: list[str], embedder: Embedder, progress: Progress | None) -> np.ndarray:
    chunks = []
    for start in range(0, len(texts), EMBED_CHUNK):
        chunks.append(np.asarray(embedder.embed_batch(texts[start : start + EMBED_CHUNK]), dtype=np.float32))
        if progress:
            progress(min(start + EMBED_CHUNK, len(texts)), len(texts))
    if not chunks:
        return np.zeros((0, 0), dtype=np.float32)
    return np.vstack(chunks)


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
