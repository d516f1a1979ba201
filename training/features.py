"""The bundled model's token vectors of every training text, computed once and kept on disk.

The reader reads what the index already stores: each question's and each passage's word-piece
ids and unit token vectors from the bundled MiniLM, the passage's as int8 codes and a scale
(`newsbot.retrieval.index.token_store.quantise`), exactly as a search hands them over. So the texts
are embedded here by the same ONNX export that builds indexes, quantised the same way, and
saved as plain arrays (`texts.json`, `ids.npy`, `codes.npy`, `scales.npy`, `offsets.npy`) that
a rerun with the same texts reuses.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from newsbot.retrieval.embedding.int8 import dequantise
from newsbot.retrieval.index.token_store import QuantisedTokens

MODEL = "all-MiniLM-L6-v2"
CHUNK = 256


@dataclass(frozen=True)
class TokenTable:
    """Token ids and int8 vectors of many texts; text i owns rows offsets[i]:offsets[i+1]."""

    index_of: dict[str, int]
    ids: np.ndarray
    codes: np.ndarray
    scales: np.ndarray
    offsets: np.ndarray

    def tokens(self, text: str, limit: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, float32 vectors) of a text, its first `limit` tokens."""
        i = self.index_of[text]
        start = int(self.offsets[i])
        end = min(int(self.offsets[i + 1]), start + limit)
        return self.ids[start:end], dequantise(self.codes[start:end], self.scales[start:end])


def model_export(cache: Path) -> Path:
    """The ONNX export of the bundled model (made once with sentence-transformers)."""
    from newsbot.retrieval.embedding.onnx_folder import ensure_export, export_dir
    from newsbot.retrieval.embedding.sentence_transformer import SentenceTransformerEmbedder

    folder = export_dir(cache, MODEL)
    if not (folder / "model.onnx").is_file():
        embedder = SentenceTransformerEmbedder(MODEL)
        warning = ensure_export(cache, MODEL, embedder.path, embedder.max_seq_length)
        if warning:
            raise RuntimeError(warning)
    return folder


def token_table(texts: Sequence[str], cache: Path, log=print) -> TokenTable:
    """Token vectors of `texts` (distinct), read from `cache` when it holds these texts."""
    texts = sorted(set(texts))
    digest = hashlib.sha256("\x00".join(texts).encode()).hexdigest()[:16]
    folder = cache / f"tokens-{digest}"
    if not (folder / "offsets.npy").is_file():
        _embed_all(texts, model_export(cache), folder, log)
    arrays = {name: np.load(folder / f"{name}.npy", mmap_mode="r") for name in ("ids", "codes", "scales", "offsets")}
    return TokenTable({text: i for i, text in enumerate(texts)}, **arrays)


def _embed_all(texts: list[str], export: Path, folder: Path, log) -> None:
    from newsbot.retrieval.embedding.onnx_embedder import OnnxEmbedder

    embedder = OnnxEmbedder(export, threads=os.cpu_count() or 1, batch_size=16)
    parts: list[QuantisedTokens] = []
    started = time.perf_counter()
    for at in range(0, len(texts), CHUNK):
        _, tokens = embedder.embed_with_tokens(texts[at : at + CHUNK])
        parts.extend(QuantisedTokens.of(t) for t in tokens)
        done = at + CHUNK
        if done % (CHUNK * 20) == 0:
            rate = done / (time.perf_counter() - started)
            log(f"embedded {min(done, len(texts)):,} of {len(texts):,} texts ({rate:.0f}/s)")
    lengths = np.array([len(p.ids) for p in parts], dtype=np.int64)
    arrays = {
        "ids": np.concatenate([p.ids for p in parts]).astype(np.int32),
        "codes": np.concatenate([p.codes for p in parts]),
        "scales": np.concatenate([p.scales for p in parts]).astype(np.float32),
        "offsets": np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64),
    }
    partial = folder.with_name(folder.name + ".partial")
    partial.mkdir(parents=True, exist_ok=True)
    for name, array in arrays.items():
        np.save(partial / f"{name}.npy", array)
    (partial / "count.json").write_text(json.dumps({"texts": len(texts)}))
    os.replace(partial, folder)
