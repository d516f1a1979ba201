"""Building and updating the index, as one pipeline a reader can follow top to bottom.

    lock → scan → compare → (reuse what is sound) → embed and write segments → commit

1. lock: one build of an index at a time, across processes (`lock`).
2. scan: the article files under the corpus folders (`newsbot.corpus.loader.scan`).
3. compare: which are new, changed, deleted or unchanged, by content hash (`changes`).
4. reuse: the old index, if its model and settings still hold and it loads whole (`previous`).
5. embed and write: one new segment of the new articles beside the old ones, or every
   segment merged into one (`policy` decides, `writing` writes, `rows` embeds), into a
   staged generation folder.
6. commit: the staged generation is published in one rename (`generations`); a failure at
   any step before it throws the staged folder away and leaves the old index answering.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsbot.corpus.loader import scan
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval.embedding.embedder import Embedder
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index.generations import remove_staging_leftovers, staged_generation
from newsbot.retrieval.indexing import previous, writing
from newsbot.retrieval.indexing.changes import Changes, compare
from newsbot.retrieval.indexing.lock import build_lock
from newsbot.retrieval.indexing.policy import DEFAULT_POLICY, MergePolicy, appendable
from newsbot.retrieval.indexing.rows import Progress

__all__ = ["BuildReport", "MergePolicy", "Progress", "build"]


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


def build(
    corpus_dirs: Sequence[Path],
    rules: ParagraphRules,
    index_dir: Path,
    embedder: Embedder,
    full: bool = False,
    progress: Progress | None = None,
    policy: MergePolicy | None = None,
) -> BuildReport:
    with build_lock(index_dir):
        remove_staging_leftovers(index_dir)
        found = scan(corpus_dirs, rules.max_article_bytes)
        old_folder, manifest, full_reason = previous.reusable(index_dir, embedder, rules, full)
        old_index, damage = previous.opened(index_dir) if manifest is not None else (None, None)
        if damage:
            old_folder, manifest, full_reason = None, None, damage
        changes = compare(found, manifest.articles if manifest else {}, rules)
        if not changes.order:
            folders = ", ".join(str(d) for d in corpus_dirs)
            raise RetrievalError(f"no readable articles in {folders}: add some with `newsbot add FILE`")
        if manifest is not None and not changes.any:
            return _report(changes, manifest.passages, 0, None)
        append = manifest is not None and appendable(manifest, changes, policy or DEFAULT_POLICY)
        rows = {}
        if not append:
            rows = previous.live_rows_by_article(old_index) if old_index is not None else {}
            if set(changes.kept) - set(rows):
                full_reason = "the index was damaged: its manifest lists articles it lacks"
                changes = compare(found, {}, rules)
        with staged_generation(index_dir) as staged:
            if append:
                written = writing.appended(staged, old_folder, manifest, changes, embedder, rules, progress)
            else:
                written = writing.merged(staged, rows, changes, embedder, rules, progress)
            staged.publish(written)
        return _report(changes, written.passages, changes.fresh_passages, full_reason)


def _report(changes: Changes, passages: int, embedded: int, full_reason: str | None) -> BuildReport:
    unchanged = tuple(name for name in changes.order if name in changes.kept)
    return BuildReport(
        tuple(changes.added), tuple(changes.updated), tuple(changes.removed), unchanged,
        tuple(changes.skipped), passages, embedded, full_reason,
    )
