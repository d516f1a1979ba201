"""The torch-free query path: an ONNX copy of the model, kept beside the index.

Importing torch and sentence-transformers costs 5-10 s on a small machine, far more than
answering a question. Whenever the full model is loaded to build the index anyway, its ONNX
export is made once (per model) into `<index dir>/onnx/`; questions are then embedded with
onnxruntime, whose vectors match sentence-transformers' to cosine > 0.999.
"""

from __future__ import annotations

import re
from pathlib import Path

from newsbot.retrieval.errors import RetrievalError


def export_dir(index_dir: Path, model: str) -> Path:
    return index_dir / "onnx" / re.sub(r"[^A-Za-z0-9._-]+", "_", model)


def load_query_embedder(index_dir: Path, model: str):
    """The ONNX embedder for `model`, or None when there is no usable export yet."""
    from newsbot.retrieval.embedding.onnx_embedder import OnnxEmbedder

    folder = export_dir(index_dir, model)
    if not folder.exists():
        return None
    try:
        embedder = OnnxEmbedder(folder, threads=1)
    except RetrievalError:
        return None
    return embedder if embedder.name == model else None


def load_build_embedder(index_dir: Path, model: str):
    """The ONNX export on every core, for embedding articles without PyTorch.

    Measured on 2 cores over 600 paragraph-length texts, with token vectors: 42 texts/s in
    batches of 16, against sentence-transformers' 25; and no 8 s of importing torch first.
    """
    import os

    from newsbot.retrieval.embedding.onnx_embedder import OnnxEmbedder

    return OnnxEmbedder(export_dir(index_dir, model), threads=os.cpu_count() or 1, batch_size=16)


def has_export(index_dir: Path, model: str) -> bool:
    """Whether an export of `model` is there, judged from its manifest alone (no session load)."""
    from newsbot.retrieval.embedding.onnx_embedder import MODEL_FILE, OnnxManifest

    folder = export_dir(index_dir, model)
    try:
        return OnnxManifest.read(folder).source_model == model and (folder / MODEL_FILE).is_file()
    except RetrievalError:
        return False


def ensure_export(index_dir: Path, model: str, model_path: str, max_seq_length: int) -> str | None:
    """Make the export if it is missing; returns a warning instead of failing the build."""
    folder = export_dir(index_dir, model)
    if load_query_embedder(index_dir, model) is not None:
        return None
    if not Path(model_path).is_dir():
        return f"no fast query path for '{model}': it is not a local model folder"
    from newsbot.retrieval.embedding.onnx_export import export_onnx

    try:
        export_onnx(Path(model_path), folder, max_seq_length, source_name=model)
    except (RetrievalError, OSError, RuntimeError, ValueError) as exc:
        return f"no fast query path for '{model}': {str(exc).splitlines()[0]}"
    return None
