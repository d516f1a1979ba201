"""One line for an operating-system error a user can act on: what happened, where, what to do.

A write deep inside a build rarely names its file, so the index folder (where builds write)
stands in for it; rebuilds are atomic, so a failed one always leaves the previous index.
"""

from __future__ import annotations

import errno
from pathlib import Path

_PERMISSION = (errno.EACCES, errno.EPERM, errno.EROFS)
_NOT_A_FOLDER = (errno.ENOTDIR, errno.EEXIST)


def os_error_message(exc: OSError, index_dir: Path | None) -> str:
    where = exc.filename or index_dir or "the index folder"
    if exc.errno == errno.ENOSPC:
        return (
            f"the disk is full (writing {where}): free some space and run the command again; "
            "the previous index still answers"
        )
    if exc.errno in _PERMISSION:
        folder = _folder_of(where)
        return (
            f"permission denied writing {where}: make {folder} writable, "
            "or set [index] dir in the config to a folder you can write"
        )
    if exc.errno in _NOT_A_FOLDER:
        return (
            f"{where} is not a folder (a file stands in its path): "
            "set [index] dir in the config to a folder path, or move the file"
        )
    reason = exc.strerror or type(exc).__name__
    return f"{reason}: {where}" if where else reason


def _folder_of(where) -> Path:
    path = Path(where)
    return path.parent if path.name.startswith(".") or path.suffix else path
