"""The one place that decides which model answers questions and which builds the index.

- Questions: the ONNX export beside the index on one thread (no torch: a cold `newsbot ask`
  starts in about a second), else the full model.
- Builds: the ONNX export on every core, loaded only when a text needs embedding, so an
  update that finds nothing changed loads no model at all. Measured here, the export embeds
  faster than sentence-transformers (a first build of 10,000 paragraphs took 8.2 min instead
  of 14.4: 78 texts/s against 44) and needs no torch. When there is no export yet,
  sentence-transformers is loaded once, makes it, and embeds only if it cannot be made.
- Tests and embedders of one's own: `Embedders.one(factory)` serves both.

Each model is loaded at most once, on first use, whichever face asks first.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from newsbot.retrieval.embedding.embedder import Embedder
from newsbot.retrieval.errors import RetrievalError

Warn = Callable[[str], None]


class Embedders:
    """The question model and the build model, each made by its factory on first use."""

    def __init__(self, for_questions: Callable[[], Embedder], for_building: Callable[[], Embedder]) -> None:
        self._factories = {"questions": for_questions, "building": for_building}
        self._loaded: dict[str, Embedder] = {}
        self._lock = threading.RLock()

    @classmethod
    def one(cls, factory: Callable[[], Embedder]) -> Embedders:
        """One model for both, made once."""
        made = _once(factory)
        return cls(made, made)

    def for_questions(self) -> Embedder:
        return self._get("questions")

    def for_building(self) -> Embedder:
        return self._get("building")

    def close(self) -> None:
        """Let go of what a loaded model holds outside this process (a Ray pool: `ray_cluster`)."""
        with self._lock:
            for model in self._loaded.values():
                close = getattr(model, "close", None)
                if callable(close):
                    close()

    def _get(self, role: str) -> Embedder:
        with self._lock:
            if role not in self._loaded:
                self._loaded[role] = self._factories[role]()
            return self._loaded[role]


def choose(index_dir: Path, model: str, warn: Warn, ray_address: str | None = None) -> Embedders:
    """The embedders for `model` with the index in `index_dir`; `warn` hears about fallbacks.
    With `ray_address`, builds embed on that Ray cluster (`ray_cluster`); questions stay here."""
    full_model = _once(lambda: _full_model_with_export(index_dir, model, warn))

    def for_questions() -> Embedder:
        from newsbot.retrieval.embedding.onnx_folder import load_query_embedder

        fast = load_query_embedder(index_dir, model)
        if fast is not None:
            return fast
        warn("note: no fast query path yet (`newsbot index` makes it); loading sentence-transformers")
        return building()

    def for_building() -> Embedder:
        from newsbot.retrieval.embedding.deferred import DeferredEmbedder
        from newsbot.retrieval.embedding.onnx_folder import has_export, load_build_embedder

        if not has_export(index_dir, model):
            full = full_model()
            if not has_export(index_dir, model):
                return full
        return DeferredEmbedder(model, lambda: load_build_embedder(index_dir, model))

    def on_ray() -> Embedder:
        from newsbot.retrieval.embedding.onnx_folder import has_export
        from newsbot.retrieval.embedding.ray_cluster import onnx_on_ray

        if not has_export(index_dir, model):
            building()  # sentence-transformers makes the export the workers load
            if not has_export(index_dir, model):
                raise RetrievalError(f"--ray sends the ONNX export of '{model}' to the workers, and it could not be made")
        assert ray_address is not None  # on_ray is chosen only when an address is given
        return onnx_on_ray(ray_address, index_dir, model)

    building = _once(for_building)
    return Embedders(for_questions, building if ray_address is None else _once(on_ray))


def _full_model_with_export(index_dir: Path, model: str, warn: Warn) -> Embedder:
    """sentence-transformers, making the ONNX export beside the index while it is loaded."""
    from newsbot.retrieval.embedding.onnx_folder import ensure_export
    from newsbot.retrieval.embedding.sentence_transformer import SentenceTransformerEmbedder

    embedder = SentenceTransformerEmbedder(model)
    warning = ensure_export(index_dir, model, embedder.path, embedder.max_seq_length)
    if warning:
        warn(f"warning: {warning}; questions will load sentence-transformers")
    return embedder


def _once(factory: Callable[[], Embedder]) -> Callable[[], Embedder]:
    """`factory`, called at most once (thread-safe): a model is loaded once per process."""
    lock = threading.Lock()
    made: list[Embedder] = []

    def call() -> Embedder:
        with lock:
            if not made:
                made.append(factory())
            return made[0]

    return call
