"""Writing one segment's files as its articles arrive, so a build holds one block in memory.

Building 100,000 paragraphs used to keep every unit vector and token vector in memory and
then copy each kind into one array: a 9 GB peak, which put a million paragraphs out of
reach. Here each article's rows go to the segment's files the moment they exist: lines of
`passages.jsonl`, and `.npy` files grown in place (npy-append-array). What needs every row
at once reads them back from disk: the vector index memory-maps `vectors.npy` and adds it a
chunk at a time; BM25 keeps each document as compact term ids; the word-piece document
frequencies are summed as articles pass.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

import numpy as np
from npy_append_array import NpyAppendArray

from newsbot.corpus.model import Paragraph
from newsbot.retrieval.index import vector_index
from newsbot.retrieval.index.lexical import LexicalBuilder
from newsbot.retrieval.index.store import (
    BM25_PASSAGES,
    BM25_WINDOWS,
    INDEX,
    PASSAGES,
    TOKEN_CODES,
    TOKEN_FREQUENCIES,
    TOKEN_IDS,
    TOKEN_OFFSETS,
    TOKEN_SCALES,
    UNITS,
    VECTORS,
    window_units,
)
from newsbot.retrieval.index.token_codec import COMPRESS_FROM_TOKENS, TRAIN_TOKENS, TokenCodec
from newsbot.retrieval.index.token_store import (
    QuantisedTokens,
    TokenStore,
    dequantise,
    document_frequencies,
)

CODING_BLOCK = 262_144  # int8 tokens read back and coded at a time (~100 MB)
# From about 10,000 paragraphs (as token coding), `vectors.npy` is kept as float16: half the
# room (a million paragraphs: 2.8 GB instead of 5.6). The vector index is built from the
# float32 rows first, so only the exact rescoring reads the halved ones; measured on SQuAD
# with the threshold lowered (docs/index-on-disk.md).
HALF_PRECISION_FROM_UNITS = 38_000
HALVING_BLOCK = 262_144  # unit vectors converted at a time (~400 MB of float32)


class SegmentWriter:
    """Appends articles' rows to a new segment folder; `finish` adds the search structures.

    Units arrive grouped by passage, whole passage first, with passage rows local to the
    article (as `parts.ArticlePart` holds them); the writer numbers them in the segment.
    """

    def __init__(self, folder: Path, dimension: int, with_tokens: bool, codec: TokenCodec | None = None) -> None:
        folder.mkdir()
        self.folder = folder
        self.dimension = dimension
        self.passages = 0
        self.units = 0
        self._passages_out = open(folder / PASSAGES, "w", encoding="utf-8")
        self._units_out = _growing(folder / UNITS, np.zeros((0, 3), np.int32))
        self._vectors_out = _growing(folder / VECTORS, np.zeros((0, dimension), np.float32))
        self._passage_terms = LexicalBuilder()
        self._window_terms = LexicalBuilder()
        self._tokens_out = TokenFiles(folder, dimension, codec) if with_tokens else None

    def append(
        self, passages: Sequence[Paragraph], units: np.ndarray, vectors: np.ndarray,
        tokens: Sequence[QuantisedTokens] | None,
    ) -> None:
        """One article's rows: `units` are (passage row within `passages`, start, end)."""
        for passage in passages:
            self._passages_out.write(json.dumps(asdict(passage), ensure_ascii=False) + "\n")
        units = np.asarray(units, dtype=np.int32)
        self._passage_terms.add([p.text for p in passages])
        self._window_terms.add([passages[p].text[s:e] for p, s, e in units[window_units(units)]])
        self._units_out.append(units + np.array([self.passages, 0, 0], dtype=np.int32))
        self._vectors_out.append(np.ascontiguousarray(vectors, dtype=np.float32))
        if self._tokens_out is not None:
            self._append_tokens(tokens)
        self.passages += len(passages)
        self.units += len(units)

    def _append_tokens(self, tokens: Sequence[QuantisedTokens] | None) -> None:
        if tokens is None:
            raise ValueError("this segment keeps token vectors, and an article came without them")
        assert self._tokens_out is not None  # called only when this segment keeps token vectors
        self._tokens_out.append(tokens)

    def finish(self, index_type: str | None = None, index_params: dict | None = None) -> tuple[str, dict]:
        """Close the row files and build the vector index and BM25 over them.

        The index type is chosen by the number of units unless given. Returns (type, params).
        """
        self._passages_out.close()
        self._units_out.close()
        self._vectors_out.close()
        if self._tokens_out is not None:
            self._tokens_out.finish()
        if index_type is None:
            index_type, index_params = vector_index.choose(self.units)
        vectors = np.load(self.folder / VECTORS, mmap_mode="r", allow_pickle=False)
        passage_rows = np.flatnonzero(~window_units(np.load(self.folder / UNITS, mmap_mode="r", allow_pickle=False)))
        vector_index.write(vector_index.build(vectors, index_type, index_params or {}, passage_rows), self.folder / INDEX)
        del vectors
        if self.units >= HALF_PRECISION_FROM_UNITS:
            _halve(self.folder / VECTORS)
        self._passage_terms.build().save(self.folder / BM25_PASSAGES)
        self._window_terms.build().save(self.folder / BM25_WINDOWS)
        return index_type, index_params or {}

    def abandon(self) -> None:
        """Close every file after a failure (the staging folder is removed by its owner)."""
        for out in [self._units_out, self._vectors_out, *(self._tokens_out.files() if self._tokens_out else [])]:
            try:
                out.close()
            except Exception:  # noqa: BLE001 - already failing; the folder is thrown away
                pass
        self._passages_out.close()


class TokenFiles:
    """A segment's token files as its passages arrive: ids, offsets, document frequencies, and
    the vectors: coded as they come with the index's codebook (`codec`), else int8.

    A segment written as int8 switches to codes the moment it holds `COMPRESS_FROM_TOKENS`
    tokens: a codebook is trained on `TRAIN_TOKENS` of them, drawn evenly, the int8 rows so far
    are coded into a new file (and deleted), and every later passage is coded as it arrives.
    Coding the whole segment at the end instead held a million paragraphs' 35 GB of int8 rows
    on disk and read them all back (build 22 -> 28 min, the kernel-counted peak 9.5 -> 21.4
    GB); now the int8 rows never exceed the threshold's ~390 MB. Passages copied with codes
    of the segment's codebook are written as they are.
    """

    def __init__(self, folder: Path, dimension: int, codec: TokenCodec | None) -> None:
        self.folder = folder
        self.dimension = dimension
        self.codec = codec
        self.tokens = 0
        self._ids = _growing(folder / TOKEN_IDS, np.zeros(0, np.int32))
        self._scales = None if codec else _growing(folder / TOKEN_SCALES, np.zeros(0, np.float32))
        self._codes = _growing(folder / TOKEN_CODES, np.zeros((0, codec.pieces) if codec else (0, dimension), np.uint8 if codec else np.int8))
        self._codes_path = folder / TOKEN_CODES
        self._offsets = [np.zeros(1, np.int64)]
        self._frequencies = np.zeros(0, np.int64)
        self._same_codec: set[int] = set()  # ids of codecs found equal to `codec`

    def append(self, tokens: Sequence[QuantisedTokens]) -> None:
        tokens = [t if self._keeps_codes(t) else t.as_int8() for t in tokens]
        ids, codes, scales, offsets = TokenStore.concat(tokens, self.dimension)
        self._ids.append(np.ascontiguousarray(ids))
        counted = document_frequencies(ids, offsets)
        if len(counted) > len(self._frequencies):
            self._frequencies = np.pad(self._frequencies, (0, len(counted) - len(self._frequencies)))
        self._frequencies[: len(counted)] += counted
        self._offsets.append(self._offsets[-1][-1] + offsets[1:])
        self.tokens += len(ids)
        if self.codec is None:
            self._codes.append(np.ascontiguousarray(codes))
            self._int8_scales().append(np.ascontiguousarray(scales))
            if self.tokens >= COMPRESS_FROM_TOKENS:
                self._start_coding()
        else:
            self._codes.append(codes if scales is None else self.codec.encode(dequantise(codes, scales)))

    def _keeps_codes(self, tokens: QuantisedTokens) -> bool:
        """Whether a copied passage's codes can be written as they are: coded with this
        segment's codebook (a merge: no coding again, no second rounding)."""
        if tokens.codec is None or self.codec is None:
            return False
        if id(tokens.codec) not in self._same_codec:
            if not (np.array_equal(tokens.codec.centroids, self.codec.centroids) and np.array_equal(tokens.codec.rotation, self.codec.rotation)):
                return False
            self._same_codec.add(id(tokens.codec))
        return True

    def finish(self) -> None:
        for out in self.files():
            out.close()
        np.save(self.folder / TOKEN_OFFSETS, np.concatenate(self._offsets), allow_pickle=False)
        np.save(self.folder / TOKEN_FREQUENCIES, self._frequencies, allow_pickle=False)
        if self.codec is not None:
            self.codec.save(self.folder)
        if self._codes_path != self.folder / TOKEN_CODES:
            os.replace(self._codes_path, self.folder / TOKEN_CODES)

    def _int8_scales(self) -> NpyAppendArray:
        """The scales file: written for as long as the rows are int8 (there is no codec yet)."""
        assert self._scales is not None
        return self._scales

    def files(self) -> list[NpyAppendArray]:
        return [out for out in (self._ids, self._codes, self._scales) if out is not None]

    def _start_coding(self) -> None:
        """Train the codebook on the int8 rows written so far, code them into a new file that
        later passages grow, and delete them."""
        self._codes.close()
        self._int8_scales().close()
        codes = np.load(self.folder / TOKEN_CODES, mmap_mode="r", allow_pickle=False)
        scales = np.load(self.folder / TOKEN_SCALES, mmap_mode="r", allow_pickle=False)
        sample = np.linspace(0, len(codes) - 1, min(len(codes), TRAIN_TOKENS)).astype(np.int64)
        self.codec = TokenCodec.train(dequantise(codes[sample], scales[sample]))
        self._codes_path = self.folder / f"coding-{TOKEN_CODES}"
        self._codes = _growing(self._codes_path, np.zeros((0, self.codec.pieces), np.uint8))
        for start in range(0, len(codes), CODING_BLOCK):
            block = slice(start, start + CODING_BLOCK)
            self._codes.append(self.codec.encode(dequantise(codes[block], scales[block])))
        del codes, scales
        os.remove(self.folder / TOKEN_CODES)
        os.remove(self.folder / TOKEN_SCALES)
        self._scales = None


def _halve(path: Path) -> None:
    """Rewrite the float32 rows at `path` as float16, a block at a time, then swap the file in."""
    source = np.load(path, mmap_mode="r", allow_pickle=False)
    temp = path.with_name(f".{path.name}.half")
    halved = np.lib.format.open_memmap(temp, mode="w+", dtype=np.float16, shape=source.shape)
    for start in range(0, len(source), HALVING_BLOCK):
        halved[start : start + HALVING_BLOCK] = source[start : start + HALVING_BLOCK]
    halved.flush()
    del halved, source
    os.replace(temp, path)


def _growing(path: Path, empty: np.ndarray) -> NpyAppendArray:
    """An `.npy` file that grows by rows; written empty first, so it exists with its row
    shape and type even if nothing is appended."""
    out = NpyAppendArray(str(path), delete_if_exists=True, rewrite_header_on_append=False)
    # npy-append-array guards every file with one lock shared by all of them (a class
    # attribute, not re-entrant). A writer a failed build left open, collected while another
    # one appends, closes itself under that lock and waits forever: a /reindex after a failed
    # one hung. Each file gets a lock of its own.
    out._NpyAppendArray__lock = threading.Lock()
    out.append(empty)
    return out
