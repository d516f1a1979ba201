"""Wiring config.toml to a `Library`: the one place the faces get their engine from."""

from __future__ import annotations

import functools
import sys
from typing import Callable

from bot.config import Config
from retrieval.embedding.embedder import Embedder
from retrieval.library import Library
from retrieval.search.pipeline import SearchSettings


def real_embedder_factory(config: Config, full_model: Callable[[], Embedder]) -> Callable[[], Embedder]:
    """Questions: the ONNX export when there is one (no torch), else the full model."""

    def make() -> Embedder:
        from retrieval.embedding.onnx_folder import load_query_embedder

        fast = load_query_embedder(config.index_dir, config.model)
        if fast is not None:
            return fast
        print("note: no fast query path yet (`newsbot index` makes it); loading sentence-transformers", file=sys.stderr)
        return full_model()

    return make


def build_embedder_factory(config: Config) -> Callable[[], Embedder]:
    """Building: the ONNX export, made by sentence-transformers first when it is missing.

    The export embeds faster than sentence-transformers here and needs no torch, so adding
    an article takes seconds, and a first build of 10,000 paragraphs took 8.2 min instead of
    14.4 (78 texts/s against sentence-transformers' 44), export included. It is loaded only when a
    text needs embedding, so an update that finds nothing changed loads no model at all.
    sentence-transformers embeds only when the export cannot be made.
    """

    def load_full_model() -> Embedder:
        from retrieval.embedding.onnx_folder import ensure_export
        from retrieval.embedding.sentence_transformer import SentenceTransformerEmbedder

        embedder = SentenceTransformerEmbedder(config.model)
        warning = ensure_export(config.index_dir, config.model, embedder.path, embedder.max_seq_length)
        if warning:
            print(f"warning: {warning}; questions will load sentence-transformers", file=sys.stderr)
        return embedder

    def make() -> Embedder:
        from retrieval.embedding.deferred import DeferredEmbedder
        from retrieval.embedding.onnx_folder import has_export, load_build_embedder

        if not has_export(config.index_dir, config.model):
            full = load_full_model()
            if not has_export(config.index_dir, config.model):
                return full
        return DeferredEmbedder(config.model, lambda: load_build_embedder(config.index_dir, config.model))

    return make


def open_library(config: Config, embedder_factory: Callable[[], Embedder] | None = None) -> Library:
    """`embedder_factory`, when given (tests), serves both questions and builds.

    The full model is loaded at most once, whether questions fall back to it or a build needs it.
    """
    full_model = functools.cache(embedder_factory or build_embedder_factory(config))
    return Library(
        corpus_dirs=config.corpus_dirs,
        index_dir=config.index_dir,
        rules=config.paragraphs,
        search_settings=SearchSettings(
            top_k=config.top_k,
            min_relevance=config.min_relevance,
            show_relevance=config.show_relevance,
            min_score=config.min_score,
            min_token_score=config.min_token_score,
            max_question_chars=config.max_question_chars,
        ),
        embedder_factory=full_model if embedder_factory else real_embedder_factory(config, full_model),
        build_embedder_factory=full_model,
        model_name=config.model,
    )
