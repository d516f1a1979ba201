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
import threading
from dataclasses import asdict
from pathlib import Path
from typing import Sequence

import numpy as np
from npy_append_array import NpyAppendArray

from corpus.model import Paragraph
from retrieval.index import vector_index
from retrieval.index.lexical import LexicalBuilder
from retrieval.index.store import BM25_PASSAGES, BM25_WINDOWS, INDEX, PASSAGES, TOKEN_ARRAYS, TOKEN_FREQUENCIES, UNITS, VECTORS, window_units
from retrieval.index.token_store import (
    QuantisedTokens,
    TokenStore,
    document_frequencies,
)


class SegmentWriter:
    """Appends articles' rows to a new segment folder; `finish` adds the search structures.

    Units arrive grouped by passage, whole passage first, with passage rows local to the
    article (as `parts.ArticlePart` holds them); the writer numbers them in the segment.
    """

    def __init__(self, folder: Path, dimension: int, with_tokens: bool) -> None:
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
        self._tokens_out = None
        if with_tokens:
            empty = {"ids": np.zeros(0, np.int32), "codes": np.zeros((0, dimension), np.int8), "scales": np.zeros(0, np.float32)}
            self._tokens_out = [_growing(folder / f"tokens_{name}.npy", array) for name, array in empty.items()]
            self._token_offsets = [np.zeros(1, np.int64)]
            self._frequencies = np.zeros(0, np.int64)

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
        ids, codes, scales, offsets = TokenStore.concat(tokens, self.dimension)
        for out, array in zip(self._tokens_out, (ids, codes, scales)):
            out.append(np.ascontiguousarray(array))
        counted = document_frequencies(ids, offsets)
        if len(counted) > len(self._frequencies):
            self._frequencies = np.pad(self._frequencies, (0, len(counted) - len(self._frequencies)))
        self._frequencies[: len(counted)] += counted
        self._token_offsets.append(self._token_offsets[-1][-1] + offsets[1:])

    def finish(self, index_type: str | None = None, index_params: dict | None = None) -> tuple[str, dict]:
        """Close the row files and build the vector index and BM25 over them.

        The index type is chosen by the number of units unless given. Returns (type, params).
        """
        self._passages_out.close()
        self._units_out.close()
        self._vectors_out.close()
        if self._tokens_out is not None:
            for out in self._tokens_out:
                out.close()
            np.save(self.folder / f"tokens_{TOKEN_ARRAYS[-1]}.npy", np.concatenate(self._token_offsets), allow_pickle=False)
            np.save(self.folder / TOKEN_FREQUENCIES, self._frequencies, allow_pickle=False)
        if index_type is None:
            index_type, index_params = vector_index.choose(self.units)
        vectors = np.load(self.folder / VECTORS, mmap_mode="r", allow_pickle=False)
        passage_rows = np.flatnonzero(~window_units(np.load(self.folder / UNITS, mmap_mode="r", allow_pickle=False)))
        vector_index.write(vector_index.build(vectors, index_type, index_params or {}, passage_rows), self.folder / INDEX)
        del vectors
        self._passage_terms.build().save(self.folder / BM25_PASSAGES)
        self._window_terms.build().save(self.folder / BM25_WINDOWS)
        return index_type, index_params or {}

    def abandon(self) -> None:
        """Close every file after a failure (the staging folder is removed by its owner)."""
        for out in [self._units_out, self._vectors_out, *(self._tokens_out or [])]:
            try:
                out.close()
            except Exception:  # noqa: BLE001 - already failing; the folder is thrown away
                pass
        self._passages_out.close()


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
