"""Generations of the index: written aside, published in one rename, old ones pruned.

A rebuild writes a whole new generation folder next to the old one and then replaces the
`CURRENT` pointer (temp file + rename), so a crash at any moment leaves the previous index
answering and a reader never sees half an index. Unchanged segments are hard-linked from
the generation before (copied where the file system has no links).
"""

from __future__ import annotations

import os
import shutil
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index.manifest import IndexMissing, Manifest

POINTER = "CURRENT"


KEEP_GENERATIONS = 2  # the current one and the one before, for readers still opening it


def segment_name() -> str:
    return f"seg-{time.time_ns():020d}"


class StagedGeneration:
    """A generation being written in a temporary folder: segments are written into it or
    linked from the generation before, then `publish` makes it current in one rename.

    Use it through `staged_generation`, which throws the folder away if anything fails.
    """

    def __init__(self, index_dir: Path) -> None:
        index_dir.mkdir(parents=True, exist_ok=True)
        self.index_dir = index_dir
        self.folder = index_dir / f"tmp-{uuid.uuid4().hex}"
        self.folder.mkdir()

    def segment_folder(self, name: str) -> Path:
        """Where a new segment is written (the caller creates it)."""
        return self.folder / name

    def link(self, previous: Path, name: str) -> None:
        """Share an unchanged segment of `previous`: segments never change once written."""
        shutil.copytree(previous / name, self.folder / name, copy_function=_link_or_copy)

    def publish(self, manifest: Manifest) -> Path:
        missing = [entry.name for entry in manifest.segments if not (self.folder / entry.name).is_dir()]
        if not manifest.segments or missing:
            raise ValueError(f"segments {missing} were neither written nor linked")
        (self.folder / "manifest.json").write_text(manifest.to_json(), encoding="utf-8")
        _fsync_tree(self.folder)
        final = self.index_dir / f"gen-{time.time_ns():020d}"
        os.rename(self.folder, final)
        _point_to(self.index_dir, final.name)
        _prune(self.index_dir, keep=final.name)
        return final


@contextmanager
def staged_generation(index_dir: Path) -> Iterator[StagedGeneration]:
    staged = StagedGeneration(index_dir)
    try:
        yield staged
    except BaseException:
        shutil.rmtree(staged.folder, ignore_errors=True)
        raise


def _link_or_copy(source: str, target: str) -> None:
    """Segments never change once written, so a new generation can share their files."""
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


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
    remove_staging_leftovers(index_dir)


def remove_staging_leftovers(index_dir: Path) -> None:
    """Drop the `tmp-*` folders of builds that were killed (up to the size of a whole index).

    Call it only under the build lock: then no build is running, and every staging folder
    is a dead one's. A build runs it first, so a leftover goes even when nothing is published.
    """
    for leftover in index_dir.glob("tmp-*"):
        shutil.rmtree(leftover, ignore_errors=True)


def _fsync_tree(folder: Path) -> None:
    for item in folder.iterdir():
        if item.is_dir():
            _fsync_tree(item)
            continue
        with open(item, "rb") as handle:
            os.fsync(handle.fileno())
    _fsync_dir(folder)


def _fsync_dir(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)

