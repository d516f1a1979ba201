"""A model that is loaded only when a text really needs embedding.

Loading a model costs from a fraction of a second (the ONNX export) to about 8 s
(sentence-transformers), while an update that finds nothing changed (the common
`newsbot index` after a `git pull`) needs only the model's name to check the old index.
Standing in for the model until `embed_*` is first called makes that case free.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenEmbedder, TokenVectors


class DeferredEmbedder:
    """Answers `name` at once and loads the real (token-capable) model on the first text."""

    def __init__(self, name: str, load: Callable[[], TokenEmbedder]) -> None:
        self.name = name
        self._load = load
        self._model: TokenEmbedder | None = None
        self._lock = threading.Lock()

    def model(self) -> TokenEmbedder:
        with self._lock:
            if self._model is None:
                self._model = self._load()
            return self._model

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.model().embed_batch(texts)

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        return self.model().embed_with_tokens(texts)
