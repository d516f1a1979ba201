"""Embedding without torch: the model's ONNX export run by onnxruntime.

Importing torch and sentence-transformers costs seconds and hundreds of megabytes before the
first question can be answered, yet answering only needs the forward pass. This module needs
nothing but onnxruntime, tokenizers and numpy (a test proves torch stays out), and reads the
folder `newsbot.retrieval.embedding.onnx_export` writes: `model.onnx`, `tokenizer.json` and a JSON manifest saying
how token vectors become the sentence vector the source model would give.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenVectors, normalise_rows
from newsbot.retrieval.errors import RetrievalError

MANIFEST_FILE = "onnx_model.json"
MODEL_FILE = "model.onnx"
TOKENIZER_FILE = "tokenizer.json"
FORMAT_VERSION = 1
EXPORT_COMMAND = "python -m newsbot.retrieval.embedding.onnx_export"


@dataclass(frozen=True)
class OnnxManifest:
    """What an export folder holds; only mean pooling plus normalisation is implemented."""

    source_model: str
    dimension: int
    max_seq_length: int
    opset: int
    pooling: str = "mean"
    normalise: bool = True
    format_version: int = FORMAT_VERSION

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2, sort_keys=True) + "\n"

    @classmethod
    def read(cls, export_dir: Path) -> OnnxManifest:
        """Load and check the manifest, saying how to rebuild the folder when it is unusable."""
        path = Path(export_dir) / MANIFEST_FILE
        redo = _redo(export_dir)
        if not path.is_file():
            raise RetrievalError(f"No ONNX model export at {export_dir} ({MANIFEST_FILE} missing); {redo}")
        try:
            manifest = cls(**json.loads(path.read_text(encoding="utf-8")))
        except (ValueError, TypeError) as error:
            raise RetrievalError(f"Unreadable {path} ({error}); {redo}") from error
        if manifest.format_version != FORMAT_VERSION:
            raise RetrievalError(
                f"{path} has format {manifest.format_version}, this newsbot reads {FORMAT_VERSION}; {redo}"
            )
        if manifest.pooling != "mean" or not manifest.normalise:
            raise RetrievalError(
                f"{path} asks for pooling={manifest.pooling!r}, normalise={manifest.normalise}; "
                "only mean pooling with normalisation is supported."
            )
        return manifest


class OnnxEmbedder:
    """An `Embedder` giving the source sentence-transformers model's vectors (cosine > 0.999).

    `threads` is onnxruntime's intra-op thread count. 1 suits single questions on a small
    machine: a second thread saves a few milliseconds only while the other core is idle, and
    competes with the event loop otherwise. Batches are sorted by token count so each chunk
    pads little.
    """

    def __init__(self, export_dir: Path, threads: int = 1, batch_size: int = 32) -> None:
        export_dir = Path(export_dir)
        manifest = OnnxManifest.read(export_dir)
        self.name = manifest.source_model
        self.dimension = manifest.dimension
        self.max_seq_length = manifest.max_seq_length
        self._batch_size = max(1, batch_size)
        self._tokenizer = _load_tokenizer(export_dir / TOKENIZER_FILE, manifest.max_seq_length)
        self._session = _load_session(export_dir / MODEL_FILE, threads)
        self._input_names = {node.name for node in self._session.get_inputs()}
        self._output_name = self._session.get_outputs()[0].name

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if isinstance(texts, str):
            raise TypeError("embed_batch takes a sequence of texts, not a single string")
        return self._run(texts, keep_tokens=False)[0]

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        """Sentence vectors and per-token vectors from one forward pass (for reranking)."""
        return self._run(texts, keep_tokens=True)

    def _run(self, texts: Sequence[str], keep_tokens: bool) -> tuple[np.ndarray, list[TokenVectors]]:
        vectors = np.zeros((len(texts), self.dimension), dtype=np.float32)
        tokens: list[TokenVectors | None] = [None] * len(texts)
        if not len(texts):
            return vectors, []
        encodings = self._tokenizer.encode_batch(list(texts))
        lengths = np.fromiter((len(encoding.ids) for encoding in encodings), dtype=np.int64)
        # Longest first, so a batch too big for memory fails at once rather than at the end.
        order = np.argsort(-lengths, kind="stable")
        for start in range(0, len(order), self._batch_size):
            rows = order[start : start + self._batch_size]
            chunk = [encodings[row] for row in rows]
            pooled, token_vectors = self._embed_encoded(chunk)
            vectors[rows] = pooled
            if keep_tokens:
                for row, encoding, per_token in zip(rows, chunk, token_vectors):
                    tokens[row] = self._content_tokens(encoding, per_token)
        if not keep_tokens:
            return normalise_rows(vectors), []
        filled = [token for token in tokens if token is not None]
        assert len(filled) == len(tokens)  # every row is in one batch of `order`, so each was set
        return normalise_rows(vectors), filled

    def _content_tokens(self, encoding, per_token: np.ndarray) -> TokenVectors:
        ids = np.asarray(encoding.ids, dtype=np.int32)
        keep = ~np.asarray(encoding.special_tokens_mask, dtype=bool)
        return TokenVectors(ids[keep], normalise_rows(per_token[: len(ids)][keep]))

    def _embed_encoded(self, encodings: list) -> tuple[np.ndarray, np.ndarray]:
        """Mean of the token vectors under the attention mask, for one padded chunk."""
        width = max(len(encoding.ids) for encoding in encodings)
        shape = (len(encodings), width)
        input_ids, type_ids, mask = (np.zeros(shape, dtype=np.int64) for _ in range(3))
        for row, encoding in enumerate(encodings):
            used = len(encoding.ids)
            input_ids[row, :used] = encoding.ids
            type_ids[row, :used] = encoding.type_ids
            mask[row, :used] = 1
        feeds = {"input_ids": input_ids, "attention_mask": mask, "token_type_ids": type_ids}
        feeds = {name: value for name, value in feeds.items() if name in self._input_names}
        (token_vectors,) = self._session.run([self._output_name], feeds)
        weights = mask[:, :, None].astype(np.float32)
        pooled = (token_vectors * weights).sum(axis=1) / np.maximum(weights.sum(axis=1), 1e-9)
        return pooled, token_vectors


def _redo(export_dir: Path) -> str:
    return f"run `{EXPORT_COMMAND} {export_dir}` to (re)create it."


def _load_tokenizer(path: Path, max_seq_length: int):
    from tokenizers import Tokenizer

    try:
        tokenizer = Tokenizer.from_file(str(path))
    except Exception as error:  # tokenizers raises plain Exception for missing and malformed files
        raise RetrievalError(f"Cannot load {path} ({error}); {_redo(path.parent)}") from error
    # Set here as well as in the saved file: the model's own tokenizer.json cuts at 128 tokens,
    # while sentence-transformers reads up to max_seq_length; padding is done per chunk below.
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.no_padding()
    return tokenizer


def _load_session(path: Path, threads: int):
    import onnxruntime

    if not path.is_file():
        raise RetrievalError(f"{path} is missing; {_redo(path.parent)}")
    options = onnxruntime.SessionOptions()
    options.intra_op_num_threads = max(1, threads)
    options.inter_op_num_threads = 1
    options.execution_mode = onnxruntime.ExecutionMode.ORT_SEQUENTIAL
    # Idle workers would otherwise busy-wait after each run; on a shared 2-core machine that
    # steals the CPU from the event loop and doubled 2-thread latency under load.
    options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        return onnxruntime.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    except Exception as error:  # onnxruntime's errors share no public base class
        raise RetrievalError(f"Cannot load {path} ({error}); {_redo(path.parent)}") from error
