"""One rebuild of an index at a time, across processes and threads.

The lock is `filelock.FileLock` on `<index>/.build.lock`: an OS lock (flock on Unix,
LockFileEx on Windows), so the package imports everywhere and the OS drops the lock of a
killed build: a `kill -9` never leaves the next build stuck. It is tried once (timeout 0)
rather than waited on: a second rebuild is told one is running instead of queueing behind it.
"""

from __future__ import annotations

import errno
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from newsbot.retrieval.errors import RetrievalError

LOCK_NAME = ".build.lock"


class BuildBusy(RetrievalError):
    """Another process or thread is rebuilding this index right now."""


@contextmanager
def build_lock(index_dir: Path) -> Iterator[None]:
    """Hold the index's build lock for the block, or raise `BuildBusy` at once."""
    index_dir.mkdir(parents=True, exist_ok=True)
    lock = FileLock(index_dir / LOCK_NAME, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise BuildBusy(f"another rebuild of {index_dir} is running; try again when it ends") from None
    try:
        yield
    finally:
        lock.release()


def check_folder_path(index_dir: Path) -> None:
    """Raise `NotADirectoryError` (naming `index_dir`) when a file stands at it or above it.

    Checked before a build loads its model, which takes seconds and makes its ONNX export
    beside the index (warning when it cannot): the user sees the one line that matters, at
    once. Nothing is created here; `build_lock` makes the folder when the build starts.
    """
    for path in (index_dir, *index_dir.parents):
        if path.exists():
            if not path.is_dir():
                raise NotADirectoryError(errno.ENOTDIR, os.strerror(errno.ENOTDIR), str(index_dir))
            return
