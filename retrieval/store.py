"""The index on disk: a folder of plain files, swapped in atomically.

Layout of `index_dir`:
    CURRENT               name of the generation folder readers should open
    gen-<nanoseconds>/    manifest.json, passages.jsonl, vectors.npy, index.faiss
A rebuild writes a whole new generation next to the old one and then replaces CURRENT
(temp file + rename), so a crash at any moment leaves the previous index answering and a
reader never sees half an index. No pickle anywhere: JSON, JSON lines and `.npy`.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from corpus.model import Paragraph
from retrieval.errors import RetrievalError

FORMAT_VERSION = 1
POINTER = "CURRENT"
KEEP_GENERATIONS = 2  # the current one and the one before, for readers still opening it


class IndexMissing(RetrievalError):
    """No index has been built in this folder yet."""


@dataclass(frozen=True)
class ArticleEntry:
    sha256: str
    title: str
    date: str | None
    paragraphs: int


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    settings: dict[str, Any]
    articles: dict[str, ArticleEntry]
    passages: int
    index_type: str = "flat-ip"
    format_version: int = FORMAT_VERSION
    built_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> "Manifest":
        raw = json.loads(text)
        raw["articles"] = {k: ArticleEntry(**v) for k, v in raw["articles"].items()}
        return cls(**raw)


@dataclass(frozen=True)
class StoredIndex:
    """A loaded generation: rows of `vectors`, `passages` and the FAISS index line up."""

    path: Path
    manifest: Manifest
    passages: tuple[Paragraph, ...]
    vectors: np.ndarray
    faiss_index: Any


def write_generation(index_dir: Path, manifest: Manifest, passages: list[Paragraph], vectors: np.ndarray) -> Path:
    import faiss

    index_dir.mkdir(parents=True, exist_ok=True)
    staging = index_dir / f"tmp-{uuid.uuid4().hex}"
    staging.mkdir()
    try:
        with open(staging / "passages.jsonl", "w", encoding="utf-8") as out:
            for passage in passages:
                out.write(json.dumps(asdict(passage), ensure_ascii=False) + "\n")
        np.save(staging / "vectors.npy", np.ascontiguousarray(vectors, dtype=np.float32), allow_pickle=False)
        flat = faiss.IndexFlatIP(manifest.dimension)
        if len(vectors):
            flat.add(np.ascontiguousarray(vectors, dtype=np.float32))
        faiss.write_index(flat, str(staging / "index.faiss"))
        (staging / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
        _fsync_tree(staging)
        final = index_dir / f"gen-{time.time_ns():020d}"
        os.rename(staging, final)
        _point_to(index_dir, final.name)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    _prune(index_dir, keep=final.name)
    return final


def current_generation(index_dir: Path) -> Path:
    pointer = index_dir / POINTER
    try:
        name = pointer.read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        raise IndexMissing(f"no index in {index_dir}: run `newsbot index`") from None
    except OSError as exc:
        raise RetrievalError(f"cannot read {pointer}: {exc.strerror}") from None
    path = index_dir / name
    if not name or "/" in name or not path.is_dir():
        raise RetrievalError(f"index in {index_dir} is corrupt (bad {POINTER}): run `newsbot index --full`")
    return path


def read_manifest(path: Path) -> Manifest:
    try:
        return Manifest.from_json((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise RetrievalError(
            f"index in {path.parent} is corrupt (manifest: {type(exc).__name__}): run `newsbot index --full`"
        ) from None


def load(index_dir: Path) -> StoredIndex:
    import faiss

    path = current_generation(index_dir)
    manifest = read_manifest(path)
    if manifest.format_version != FORMAT_VERSION:
        raise RetrievalError(
            f"index in {index_dir} has format {manifest.format_version}, this newsbot reads "
            f"{FORMAT_VERSION}: run `newsbot index --full`"
        )
    try:
        with open(path / "passages.jsonl", encoding="utf-8") as lines:
            passages = tuple(Paragraph(**json.loads(line)) for line in lines)
        vectors = np.load(path / "vectors.npy", mmap_mode="r", allow_pickle=False)
        faiss_index = faiss.read_index(str(path / "index.faiss"))
    except (OSError, ValueError, TypeError, RuntimeError) as exc:
        raise RetrievalError(
            f"index in {index_dir} is corrupt ({type(exc).__name__}): run `newsbot index --full`"
        ) from None
    sizes = {len(passages), vectors.shape[0], faiss_index.ntotal, manifest.passages}
    if len(sizes) != 1 or vectors.shape[1] != manifest.dimension:
        raise RetrievalError(f"index in {index_dir} is corrupt (sizes disagree): run `newsbot index --full`")
    return StoredIndex(path, manifest, passages, vectors, faiss_index)


def _point_to(index_dir: Path, name: str) -> None:
    temp = index_dir / f"{POINTER}.{uuid.uuid4().hex}.tmp"
    with open(temp, "w", encoding="utf-8") as out:
        out.write(name + "\n")
        out.flush()
        os.fsync(out.fileno())
    os.replace(temp, index_dir / POINTER)
    _fsync_dir(index_dir)


def _prune(index_dir: Path, keep: str) -> None:
    """Drop old generations and leftovers of crashed builds; runs under the build lock."""
    generations = sorted(p for p in index_dir.glob("gen-*") if p.is_dir() and p.name != keep)
    for old in generations[: max(len(generations) - (KEEP_GENERATIONS - 1), 0)]:
        shutil.rmtree(old, ignore_errors=True)
    for leftover in index_dir.glob("tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for item in folder.iterdir():
        with open(item, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
