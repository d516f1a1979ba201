"""What of the index already on disk an update can reuse.

Settings that change what a passage is (model, paragraph rules) make every old vector
useless, so then the build starts over, and says why. Every build reuses the old segments
(linked, or their rows copied), so a damaged one must be found first: reused, it would
leave the new index as broken as the old while the build reported success.
"""

from __future__ import annotations

from pathlib import Path

from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval.embedding.embedder import Embedder
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index import store
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.index.manifest import READABLE_FORMATS, IndexMissing, read_manifest
from newsbot.retrieval.indexing.manifests import index_settings


def reusable(index_dir: Path, embedder: Embedder, rules: ParagraphRules, full: bool):
    """(generation folder, manifest, None) of the current index if its vectors can be reused,
    else (None, None, why not). Reads the manifest only; `opened` then checks the segments."""
    if full:
        return None, None, "--full asked for"
    try:
        path = current_generation(index_dir)
        manifest = read_manifest(path)
    except IndexMissing:
        return None, None, "no index yet"
    except RetrievalError:
        return None, None, "the old index is unreadable"
    if manifest.format_version not in READABLE_FORMATS:
        return None, None, "the index is in another on-disk format"
    if manifest.model != embedder.name:
        return None, None, f"the model changed ({manifest.model} -> {embedder.name})"
    if manifest.settings != index_settings(rules, embedder):
        return None, None, "the index settings changed"
    return path, manifest, None


def opened(index_dir: Path) -> tuple[store.StoredIndex | None, str | None]:
    """(the current index, loaded; None) or (None, why it is damaged)."""
    try:
        return store.load(index_dir), None
    except RetrievalError as exc:
        cause = str(exc).removesuffix(": run `newsbot index --full`")
        return None, f"the index was damaged: {cause}"


def live_rows_by_article(index: store.StoredIndex) -> dict[str, tuple[store.IndexData, list[int]]]:
    """Each article's live passages: the segment data holding them and their rows in it."""
    found: dict[str, tuple[store.IndexData, list[int]]] = {}
    for segment in index.segments:
        dead = segment.entry.dead_mask()
        for row, passage in enumerate(segment.data.passages):
            if not dead[row]:
                found.setdefault(passage.article, (segment.data, []))[1].append(row)
    return found
