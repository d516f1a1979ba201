"""The passages of one or more `passages.jsonl` files, parsed only when a row is asked for.

At 100,000 passages, parsing every line into a `Paragraph` took about 2 s of a cold
`newsbot ask` that needs three of them. The files are memory-mapped instead, their line
starts found with one numpy scan (JSON escapes newlines inside strings, so every newline
byte ends a row), and a row is parsed when search reads it.
"""

from __future__ import annotations

import json
import mmap
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsbot.corpus.model import Paragraph


def locate(starts: np.ndarray, row: int) -> tuple[int, int]:
    """(part, row within it) of a row numbered part after part; part p starts at starts[p]."""
    part = int(np.searchsorted(starts, row, side="right") - 1)
    return part, int(row) - int(starts[part])


class PassageFiles(Sequence):
    def __init__(self, maps: list, line_starts: list[np.ndarray]) -> None:
        self._maps = maps
        self._line_starts = line_starts  # per file: each line's start, then one past the last
        self._file_starts = np.concatenate([[0], np.cumsum([len(s) - 1 for s in line_starts])]).astype(np.int64)

    @classmethod
    def open(cls, path: Path) -> PassageFiles:
        with open(path, "rb") as handle:
            size = handle.seek(0, 2)
            mapped = mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) if size else b""
        ends = np.flatnonzero(np.frombuffer(mapped, dtype=np.uint8) == ord("\n")) if size else np.zeros(0, np.int64)
        opened = cls([mapped], [np.concatenate([[0], ends + 1]).astype(np.int64)])
        for row in {0, len(opened) - 1} if len(opened) else ():
            opened[row]  # a damaged file fails here, on load, not on some later question
        return opened

    @classmethod
    def chained(cls, parts: Sequence[PassageFiles]) -> PassageFiles:
        """Several opened files as one, numbered file after file, without scanning them again."""
        return cls([m for part in parts for m in part._maps], [s for part in parts for s in part._line_starts])

    def __len__(self) -> int:
        return int(self._file_starts[-1])

    def __getitem__(self, row):
        if isinstance(row, slice):
            return [self[i] for i in range(*row.indices(len(self)))]
        row = int(row)
        if row < 0:
            row += len(self)
        if not 0 <= row < len(self):
            raise IndexError(row)
        part, local = locate(self._file_starts, row)
        starts = self._line_starts[part]
        line = self._maps[part][int(starts[local]) : int(starts[local + 1]) - 1]
        return Paragraph(**json.loads(line))
