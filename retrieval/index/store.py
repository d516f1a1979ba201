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
            tokens_*.npy          per-passage token ids and vectors, for late-interaction
                                  reranking (48-byte product-quantisation codes and their
                                  codebook, or int8 codes and scales), and each id's
                                  document frequency
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

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.corpus.model import Paragraph
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index import vector_index
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.index.lexical import Lexical
from newsbot.retrieval.index.manifest import (
    FORMAT_VERSION,
    READABLE_FORMATS,
    IndexOutdated,
    Manifest,
    SegmentEntry,
    read_manifest,
)
from newsbot.retrieval.index.passages_file import PassageFiles
from newsbot.retrieval.index.segmented import LexicalStack, Rows, RowStack, TokenStack, VectorStack
from newsbot.retrieval.index.token_codec import CODEBOOK, TokenCodec
from newsbot.retrieval.index.token_store import TokenStore

# a segment's files (`segment_writer` writes them)
PASSAGES = "passages.jsonl"
UNITS = "units.npy"
VECTORS = "vectors.npy"
INDEX = "index.faiss"
BM25_PASSAGES = "bm25_passages"
BM25_WINDOWS = "bm25_windows"
TOKEN_ARRAYS = ("ids", "codes", "scales", "offsets")  # saved as tokens_<name>.npy
TOKEN_IDS, TOKEN_CODES, TOKEN_SCALES, TOKEN_OFFSETS = (f"tokens_{name}.npy" for name in TOKEN_ARRAYS)
TOKEN_FREQUENCIES = "tokens_df.npy"  # passages holding each word-piece id (absent in format 3)


@dataclass(frozen=True)
class IndexData:
    """What search reads of a segment (or of all of them), its arrays memory-mapped.

    Units are grouped by passage, whole passage first: passage p owns unit rows
    unit_start[p]:unit_start[p+1], and unit_start[p] is the passage itself.
    """

    passages: PassageFiles  # rows parsed when read
    units: np.ndarray  # int32 rows (passage row, start, end)
    vectors: Rows  # float32 (float16 in big segments), one row per unit (a `RowStack` over several segments)
    tokens: tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray] | None  # TOKEN_ARRAYS, in order
    codec: TokenCodec | None = None  # the codebook of product-quantised token vectors (no scales then)

    def passage_tokens(self, rows: Sequence[int]):
        """These passages' token vectors as a build copies them (`TokenStore.quantised`)."""
        assert self.tokens is not None  # asked only of data that keeps token vectors
        return TokenStore.from_arrays(*self.tokens, codec=self.codec).quantised(rows)

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
    tokens, codec = None, None
    if (path / TOKEN_IDS).exists():
        if (path / CODEBOOK).exists():
            with _reading(path / CODEBOOK):
                codec = TokenCodec.load(path)
        scales = None if codec else _load(path / TOKEN_SCALES)
        tokens = (_load(path / TOKEN_IDS), _load(path / TOKEN_CODES), scales, _load(path / TOKEN_OFFSETS))
    vectors = _load(path / VECTORS)
    data = IndexData(passages, _load(path / UNITS), vectors, tokens, codec)
    if entry.index_type not in (vector_index.FLAT, vector_index.HNSW, vector_index.REDUCED):
        raise ValueError(f"unknown index type {entry.index_type!r}")  # the manifest's fault, not the file's
    with _reading(path / INDEX):
        faiss_index = vector_index.load(path / INDEX, entry.index_type, entry.index_params, vectors, len(passages))
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
            token_store = TokenStore.from_arrays(*tokens, frequencies, codec)
    return Segment(entry, path, data, faiss_index, lexical_passages, lexical_windows, window_rows, token_store)


def token_codec(generation: Path, manifest: Manifest) -> TokenCodec | None:
    """The codebook of the generation's newest segment that has one: the one a segment
    appended to it encodes with."""
    for entry in reversed(manifest.segments):
        if (generation / entry.name / CODEBOOK).exists():
            with _reading(generation / entry.name / CODEBOOK):
                return TokenCodec.load(generation / entry.name)
    return None


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
    stores = [s.token_store for s in segments if s.token_store is not None]
    return StoredIndex(
        path, manifest, segments, data,
        VectorStack([s.faiss_index for s in segments], dead_units),
        LexicalStack([s.lexical_passages for s in segments], ~live),
        LexicalStack([s.lexical_windows for s in segments], dead_units[window_rows]),
        window_rows,
        TokenStack(stores, ~live) if len(stores) == len(segments) else None,
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
        width = (dimension,) if data.codec is None else (data.codec.pieces,)
        checks += [
            (TOKEN_OFFSETS, len(offsets) == len(data.passages) + 1),
            (TOKEN_IDS, len(offsets) and int(offsets[-1]) == len(ids)),
            (CODEBOOK, data.codec is None or data.codec.dimension == dimension),
            (TOKEN_CODES, len(codes) == len(ids) and codes.shape[1:] == width),
            (TOKEN_SCALES, scales is None or len(scales) == len(ids)),
        ]
    for name, consistent in checks:
        if not consistent:
            raise DamagedFile(path / name, "damaged (its size disagrees with the rest of the index)")


def _load(path: Path) -> np.ndarray:
    with _reading(path):
        return np.load(path, mmap_mode="r", allow_pickle=False)


