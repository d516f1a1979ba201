"""The index on disk: a folder of plain files, swapped in atomically.

Layout of `index_dir`:
    CURRENT               name of the generation folder readers should open
    gen-<nanoseconds>/    one generation:
        manifest.json         model, dimension, settings, each article's hash and place,
                              its segments and their dead passages, format version
        seg-<nanoseconds>/    one segment: a self-contained index of some articles
            passages.jsonl        the citable passages, one JSON object a line
            units.npy             what was embedded: rows of (passage row, start, end) - the
                                  whole passage, then its sentence windows
            vectors.npy           one unit-length vector per unit; index.faiss searches them
            tokens_*.npy          per-passage token ids and vectors (int8 codes and scales),
                                  for late-interaction reranking, and each id's document
                                  frequency
            bm25_passages/, bm25_windows/   keyword indexes (bm25s' own plain files)
A rebuild writes a whole new generation next to the old one and then replaces CURRENT
(temp file + rename), so a crash at any moment leaves the previous index answering and a
reader never sees half an index. A generation that adds articles to the one before holds
hard links to its unchanged segments (a copy where the file system has no links) and one
new segment, so it costs the new articles, not gigabytes of copying; articles changed or
deleted since are listed as dead rows of their old segment (see `segmented`) until the
builder merges all segments into one. No pickle anywhere: JSON, JSON lines and `.npy`.
A generation of format 3 (one segment, its files beside the manifest) is still read.
"""

from __future__ import annotations

import json
import os
import shutil
import time
import uuid
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterator, Sequence

import numpy as np

from corpus.model import Paragraph
from retrieval.index import vector_index
from retrieval.errors import RetrievalError
from retrieval.index.token_store import TokenStore
from retrieval.index.lexical import Lexical
from retrieval.index.passages_file import PassageFiles
from retrieval.index.segmented import LexicalStack, RowStack, TokenStack, VectorStack

FORMAT_VERSION = 4  # 4: segments in subfolders, with dead rows; 3: one segment, read still
READABLE_FORMATS = (3, 4)
POINTER = "CURRENT"
# a segment's files (`segment_writer` writes them)
PASSAGES = "passages.jsonl"
UNITS = "units.npy"
VECTORS = "vectors.npy"
INDEX = "index.faiss"
BM25_PASSAGES = "bm25_passages"
BM25_WINDOWS = "bm25_windows"
TOKEN_ARRAYS = ("ids", "codes", "scales", "offsets")  # saved as tokens_<name>.npy
TOKEN_FREQUENCIES = "tokens_df.npy"  # passages holding each word-piece id (absent in format 3)
KEEP_GENERATIONS = 2  # the current one and the one before, for readers still opening it


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
    def from_json(cls, text: str) -> "Manifest":
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


@dataclass(frozen=True)
class IndexData:
    """What search reads of a segment (or of all of them), its arrays memory-mapped.

    Units are grouped by passage, whole passage first: passage p owns unit rows
    unit_start[p]:unit_start[p+1], and unit_start[p] is the passage itself.
    """

    passages: Sequence[Paragraph]  # `PassageFiles`: rows parsed when read
    units: np.ndarray  # int32 rows (passage row, start, end)
    vectors: np.ndarray  # float32, one row per unit (a `RowStack` over several segments)
    tokens: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray] | None  # TOKEN_ARRAYS, in order

    @cached_property
    def unit_start(self) -> np.ndarray:
        counts = np.bincount(self.units[:, 0], minlength=len(self.passages))
        return np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)

    def window_rows(self) -> np.ndarray:
        """Unit rows of the sentence windows: every unit that is not a whole passage."""
        return np.flatnonzero(window_units(self.units))


def window_units(units: np.ndarray) -> np.ndarray:
    """True for each sentence-window row of `units` (grouped by passage, whole passage first):
    every unit but the first of its passage."""
    is_window = np.ones(len(units), dtype=bool)
    if len(units):
        is_window[0] = False
        is_window[1:] = units[1:, 0] == units[:-1, 0]
    return is_window


@dataclass(frozen=True)
class Segment:
    """One loaded segment with the search structures built over it."""

    entry: SegmentEntry
    path: Path
    data: IndexData
    faiss_index: Any
    lexical_passages: Lexical
    lexical_windows: Lexical
    window_rows: np.ndarray  # unit row of each bm25_windows document
    token_store: TokenStore | None


@dataclass(frozen=True)
class StoredIndex:
    """A loaded generation: its segments, and search's one view over all of them.

    Rows are numbered segment after segment; `live` says which passages are still in the
    corpus (the view never returns the others).
    """

    path: Path
    manifest: Manifest
    segments: tuple[Segment, ...]
    data: IndexData
    faiss_index: Any
    lexical_passages: Any  # Lexical, or a LexicalStack over several segments
    lexical_windows: Any
    window_rows: np.ndarray
    token_store: Any  # TokenStore, TokenStack or None
    live: np.ndarray  # bool per passage row

    @property
    def passages(self) -> Sequence[Paragraph]:
        return self.data.passages


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


def read_manifest(path: Path) -> Manifest:
    try:
        return Manifest.from_json((path / "manifest.json").read_text(encoding="utf-8"))
    except (OSError, ValueError, TypeError, KeyError) as exc:
        raise RetrievalError(
            f"index in {path.parent} is corrupt (manifest: {type(exc).__name__}): run `newsbot index --full`"
        ) from None


def load(index_dir: Path) -> StoredIndex:
    path = current_generation(index_dir)
    manifest = read_manifest(path)
    if manifest.format_version not in READABLE_FORMATS:
        raise IndexOutdated(
            f"index in {index_dir} has format {manifest.format_version}, this newsbot reads "
            f"{FORMAT_VERSION}: run `newsbot index --full`"
        )
    try:
        if not manifest.segments:
            raise ValueError("no segments")
        segments = tuple(_load_segment(path / entry.name, entry, manifest.dimension) for entry in manifest.segments)
        if sum(e.passages - e.dead_passages for e in manifest.segments) != manifest.passages:
            raise ValueError("live passages disagree")
    except DamagedFile as exc:
        raise RetrievalError(f"index file {exc.path} is {exc.why}: run `newsbot index --full`") from None
    except _LOAD_ERRORS as exc:
        raise RetrievalError(
            f"index in {index_dir} is corrupt ({type(exc).__name__}): run `newsbot index --full`"
        ) from None
    return _one_view(path, manifest, segments)


# what reading a damaged file raises: numpy says EOFError for an empty .npy (which click
# would turn into a bare "Aborted!"), ValueError for a truncated one, faiss RuntimeError
_LOAD_ERRORS = (OSError, EOFError, ValueError, TypeError, KeyError, RuntimeError, IndexError)


class DamagedFile(Exception):
    """A file of the index that cannot be read, or whose size disagrees with the others."""

    def __init__(self, path: Path, why: str) -> None:
        super().__init__(f"{path}: {why}")
        self.path = path
        self.why = why


@contextmanager
def _reading(path: Path) -> Iterator[None]:
    """Name the file (or bm25 folder) that failed to load, so the message can."""
    try:
        yield
    except _LOAD_ERRORS as exc:
        empty = path.is_file() and path.stat().st_size == 0
        raise DamagedFile(path, "empty" if empty else f"damaged ({type(exc).__name__})") from None


def _load_segment(path: Path, entry: SegmentEntry, dimension: int) -> Segment:
    with _reading(path / PASSAGES):
        passages = PassageFiles.open(path / PASSAGES)
    tokens = None
    if (path / f"tokens_{TOKEN_ARRAYS[0]}.npy").exists():
        tokens = tuple(_load(path / f"tokens_{name}.npy") for name in TOKEN_ARRAYS)
    data = IndexData(passages, _load(path / UNITS), _load(path / VECTORS), tokens)
    if entry.index_type not in (vector_index.FLAT, vector_index.HNSW, vector_index.REDUCED):
        raise ValueError(f"unknown index type {entry.index_type!r}")  # the manifest's fault, not the file's
    with _reading(path / INDEX):
        faiss_index = vector_index.load(path / INDEX, entry.index_type, entry.index_params, data.vectors, len(passages))
    with _reading(path / BM25_PASSAGES):
        lexical_passages = Lexical.load(path / BM25_PASSAGES)
    with _reading(path / BM25_WINDOWS):
        lexical_windows = Lexical.load(path / BM25_WINDOWS)
    window_rows = data.window_rows()
    _check_sizes(path, data, entry, dimension, faiss_index, lexical_passages, lexical_windows, window_rows)
    token_store = None
    if tokens is not None:
        frequencies = _load(path / TOKEN_FREQUENCIES) if (path / TOKEN_FREQUENCIES).exists() else None
        with _reading(path / TOKEN_FREQUENCIES):
            token_store = TokenStore.from_arrays(*tokens, frequencies)
    return Segment(entry, path, data, faiss_index, lexical_passages, lexical_windows, window_rows, token_store)


def _one_view(path: Path, manifest: Manifest, segments: tuple[Segment, ...]) -> StoredIndex:
    """The index search reads: the segment itself when there is one and nothing is dead."""
    live = np.concatenate([~segment.entry.dead_mask() for segment in segments])
    if len(segments) == 1 and live.all():
        only = segments[0]
        return StoredIndex(
            path, manifest, segments, only.data, only.faiss_index, only.lexical_passages,
            only.lexical_windows, only.window_rows, only.token_store, live,
        )
    passage_starts = np.cumsum([0] + [len(s.data.passages) for s in segments])
    units = np.concatenate([
        s.data.units.astype(np.int32) + np.array([start, 0, 0], dtype=np.int32)
        for s, start in zip(segments, passage_starts)
    ])
    data = IndexData(
        PassageFiles.chained([s.data.passages for s in segments]), units, RowStack([s.data.vectors for s in segments]), None
    )
    window_rows = data.window_rows()
    dead_units = ~live[units[:, 0]]
    stores = [s.token_store for s in segments]
    return StoredIndex(
        path, manifest, segments, data,
        VectorStack([s.faiss_index for s in segments], dead_units),
        LexicalStack([s.lexical_passages for s in segments], ~live),
        LexicalStack([s.lexical_windows for s in segments], dead_units[window_rows]),
        window_rows,
        TokenStack(stores, ~live) if all(store is not None for store in stores) else None,
        live,
    )


def _check_sizes(path: Path, data: IndexData, entry: SegmentEntry, dimension: int, faiss_index, lexical_passages, lexical_windows, window_rows) -> None:
    """The first file whose size disagrees with the manifest or the files read before it."""
    units, vectors = len(data.units), len(data.vectors)
    checks = [
        (PASSAGES, len(data.passages) == entry.passages),
        (UNITS, entry.units in (-1, units) and (units == 0 or int(data.units[:, 0].max()) < len(data.passages))),
        (VECTORS, vectors == units and data.vectors.shape[1:] == (dimension,)),
        (INDEX, faiss_index.ntotal == units),
        (BM25_PASSAGES, lexical_passages.size == entry.passages),
        (BM25_WINDOWS, lexical_windows.size == len(window_rows)),
    ]
    if data.tokens is not None:
        ids, codes, scales, offsets = data.tokens
        checks += [
            ("tokens_offsets.npy", len(offsets) == len(data.passages) + 1),
            ("tokens_ids.npy", len(offsets) and int(offsets[-1]) == len(ids)),
            ("tokens_codes.npy", len(codes) == len(ids) and codes.shape[1:] == (dimension,)),
            ("tokens_scales.npy", len(scales) == len(ids)),
        ]
    for name, consistent in checks:
        if not consistent:
            raise DamagedFile(path / name, "damaged (its size disagrees with the rest of the index)")


def _load(path: Path) -> np.ndarray:
    with _reading(path):
        return np.load(path, mmap_mode="r", allow_pickle=False)


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
