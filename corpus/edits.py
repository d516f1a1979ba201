"""Changes to the corpus folders that stay undoable until the index has taken them in.

`newsbot add` and `remove` (and the HTTP API's admin routes) change article files, then update
the index, through `write_then` and `delete_then`; if the update fails
(a full disk, a build already running, a model error, Ctrl-C) every change is undone, so the
corpus and the index never disagree. A replaced or removed file is only renamed aside, into a
hidden file beside it that no scan reads as an article, so undoing needs no disk space; it is
deleted once the index is updated.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Protocol, TypeVar

from newsbot.corpus.errors import CorpusError


class CorpusEdit:
    def __init__(self) -> None:
        self._undo: list[tuple[Path, Callable[[], None]]] = []
        self._set_aside: list[Path] = []

    def write(self, target: Path, data: bytes) -> None:
        """Put `data` at `target` atomically, keeping any file there until `commit`."""
        target.parent.mkdir(parents=True, exist_ok=True)
        temp = _beside(target, "tmp")
        try:
            with open(temp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
        except OSError as exc:
            temp.unlink(missing_ok=True)
            raise CorpusError(f"cannot write {target}: {exc.strerror or exc}; nothing was changed") from None
        if target.exists():
            self.delete(target)
        os.replace(temp, target)
        self._undo.append((target, lambda: target.unlink(missing_ok=True)))

    def delete(self, path: Path) -> None:
        """Take `path` out of the corpus, keeping it aside until `commit`."""
        aside = _beside(path, "removed")
        os.replace(path, aside)
        self._set_aside.append(aside)
        self._undo.append((path, lambda: os.replace(aside, path)))

    def commit(self) -> None:
        for aside in self._set_aside:
            aside.unlink(missing_ok=True)
        self._undo.clear()
        self._set_aside.clear()

    def rollback(self) -> None:
        """Undo every change, newest first; a file that cannot be put back is named."""
        stuck = []
        for path, undo in reversed(self._undo):
            try:
                undo()
            except OSError:
                stuck.append(str(path))
        self._undo.clear()
        self._set_aside.clear()
        if stuck:
            raise CorpusError(f"the index update failed and these files could not be put back: {', '.join(stuck)}")


@contextmanager
def corpus_edit() -> Iterator[CorpusEdit]:
    """Commit the edit when the block ends; undo it if anything in the block fails."""
    edit = CorpusEdit()
    try:
        yield edit
    except BaseException:
        edit.rollback()
        raise
    edit.commit()


T = TypeVar("T")


class Placing(Protocol):
    """An article file to put in the corpus (`newsbot.corpus.importing.Placement` and its web twin)."""

    @property
    def target(self) -> Path: ...
    @property
    def data(self) -> bytes: ...
    @property
    def changes_corpus(self) -> bool: ...


def write_then(placements: Iterable[Placing], take_in: Callable[[], T]) -> T:
    """Write each placement that changes the corpus, then `take_in()` (the index update);
    every file is put back as it was if that fails."""
    with corpus_edit() as edit:
        for placement in placements:
            if placement.changes_corpus:
                edit.write(placement.target, placement.data)
        return take_in()


def delete_then(paths: Iterable[Path], take_in: Callable[[], T]) -> T:
    """Take `paths` out of the corpus, then `take_in()`; every file comes back if that fails."""
    with corpus_edit() as edit:
        for path in paths:
            edit.delete(path)
        return take_in()


def _beside(path: Path, kind: str) -> Path:
    # a hidden name ending in neither .txt, .md nor .html: never scanned as an article
    return path.parent / f".{path.name}.{uuid.uuid4().hex}.newsbot-{kind}"
