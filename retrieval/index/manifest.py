"""What a generation of the index holds, written as its `manifest.json`.

Each article's hash and place (segment, first row), each segment's size, index type and dead
rows, the model and settings: enough to decide what an update can reuse without opening a
single array (see `newsbot.retrieval.indexing.previous`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index import vector_index

FORMAT_VERSION = 4  # 4: segments in subfolders, with dead rows; 3: one segment, read still


READABLE_FORMATS = (3, 4)


class IndexMissing(RetrievalError):
    """No index has been built in this folder yet."""


class IndexOutdated(RetrievalError):
    """The index was written by a newsbot with another on-disk format."""


@dataclass(frozen=True)
class ArticleEntry:
    sha256: str
    title: str
    date: str | None
    paragraphs: int
    segment: str = ""  # the segment holding its passages ("" in a format-3 index: unknown)
    first_row: int = 0  # its first passage in that segment; an article's passages are contiguous


@dataclass(frozen=True)
class SegmentEntry:
    name: str  # its folder in the generation ("" for a format-3 generation's own folder)
    passages: int
    units: int
    index_type: str = vector_index.FLAT
    index_params: dict[str, Any] = field(default_factory=dict)
    dead: tuple[tuple[int, int], ...] = ()  # (first row, count) of passages no longer in the corpus

    def dead_mask(self) -> np.ndarray:
        mask = np.zeros(self.passages, dtype=bool)
        for first, count in self.dead:
            mask[first : first + count] = True
        return mask

    @property
    def dead_passages(self) -> int:
        return sum(count for _, count in self.dead)


@dataclass(frozen=True)
class Manifest:
    model: str
    dimension: int
    settings: dict[str, Any]
    articles: dict[str, ArticleEntry]
    passages: int  # live passages, in all segments
    segments: tuple[SegmentEntry, ...] = ()
    format_version: int = FORMAT_VERSION
    built_at: str = field(default_factory=lambda: time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls, text: str) -> Manifest:
        raw = json.loads(text)
        raw["articles"] = {k: ArticleEntry(**v) for k, v in raw["articles"].items()}
        if "segments" not in raw:  # format 3: one segment, the generation's own folder
            raw["segments"] = [{
                "name": "", "passages": raw["passages"], "units": -1,
                "index_type": raw.pop("index_type", vector_index.FLAT), "index_params": raw.pop("index_params", {}),
            }]
        raw["segments"] = tuple(
            SegmentEntry(**{**entry, "dead": tuple(tuple(pair) for pair in entry.get("dead", ()))})
            for entry in raw.get("segments", ())
        )
        return cls(**raw)


def read_manifest(path: Path) -> Manifest:
    try:
        return Manifest.from_json((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise RetrievalError(
            f"index in {path.parent} is corrupt (manifest: {type(exc).__name__}): run `newsbot index --full`"
        ) from None

