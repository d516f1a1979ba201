"""Wiring config.toml to a `Library`: the one place the faces get their engine from."""

from __future__ import annotations

import sys
from collections.abc import Callable

from newsbot.bot.config import Config
from newsbot.retrieval import Embedder, Embedders, Library
from newsbot.retrieval import choose_embedders as choose


def choose_embedders(config: Config, ray_address: str | None = None) -> Embedders:
    """The models config.toml names, as `newsbot.retrieval.embedding.choice` picks them (tests swap this);
    with `ray_address`, the build model runs on that Ray cluster."""
    return choose(config.index_dir, config.model, warn=lambda line: print(line, file=sys.stderr), ray_address=ray_address)


def open_library(
    config: Config, embedder_factory: Callable[[], Embedder] | None = None, ray_address: str | None = None
) -> Library:
    """`embedder_factory`, when given (tests), serves both questions and builds; `ray_address`
    (`newsbot index --ray`) puts builds on a Ray cluster. Close its `embedders` after."""
    if embedder_factory:
        embedders = Embedders.one(embedder_factory)
    else:
        embedders = choose_embedders(config, ray_address) if ray_address else choose_embedders(config)
    return Library(
        corpus_dirs=config.corpus_dirs,
        index_dir=config.index_dir,
        rules=config.paragraphs,
        search_settings=config.search,
        embedders=embedders,
        model_name=config.model,
    )
