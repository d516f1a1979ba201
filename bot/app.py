"""Wiring config.toml to a `Library`: the one place the faces get their engine from."""

from __future__ import annotations

from typing import Callable

from bot.config import Config
from retrieval.embedder import Embedder
from retrieval.library import Library
from retrieval.search import SearchSettings


def real_embedder_factory(config: Config) -> Callable[[], Embedder]:
    def make() -> Embedder:
        from retrieval.models import SentenceTransformerEmbedder

        return SentenceTransformerEmbedder(config.model)

    return make


def open_library(config: Config, embedder_factory: Callable[[], Embedder] | None = None) -> Library:
    return Library(
        corpus_dirs=config.corpus_dirs,
        index_dir=config.index_dir,
        rules=config.paragraphs,
        search_settings=SearchSettings(
            top_k=config.top_k,
            min_score=config.min_score,
            min_token_score=config.min_token_score,
            max_question_chars=config.max_question_chars,
        ),
        embedder_factory=embedder_factory or real_embedder_factory(config),
        model_name=config.model,
    )
