"""Shared fixtures: a throw-away project (config, corpus, index) under tmp_path per test."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from newsbot.bot.app import open_library
from newsbot.bot.config import Config, load_config
from newsbot.retrieval.embedding.choice import Embedders
from newsbot.retrieval.library import Library
from tests.fakes import FAKE_MODEL, HashingEmbedder, HashingTokenEmbedder

REPO = Path(__file__).resolve().parent.parent
SHIPPED_ARTICLES = REPO / "corpus" / "articles"
FRENCH_AMBASSADOR = "French government summoned the U.S. ambassador"


def write_config(root: Path, model: str = FAKE_MODEL, extra: str = "") -> Path:
    path = root / "config.toml"
    path.write_text(
        f'[corpus]\ndirs = ["articles"]\n[index]\ndir = "index"\nmodel = "{model}"\n{extra}',
        encoding="utf-8",
    )
    return path


@dataclass
class Project:
    root: Path
    config_path: Path
    embedder: HashingEmbedder

    @property
    def articles(self) -> Path:
        return self.root / "articles"

    @property
    def index_dir(self) -> Path:
        return self.root / "index"

    def config(self) -> Config:
        return load_config(self.config_path)

    def library(self) -> Library:
        return open_library(self.config(), embedder_factory=lambda: self.embedder)


@pytest.fixture
def project(tmp_path: Path) -> Project:
    """The shipped articles in a fresh folder, configured for the fake embedder."""
    shutil.copytree(SHIPPED_ARTICLES, tmp_path / "articles")
    return Project(tmp_path, write_config(tmp_path), HashingTokenEmbedder())


@pytest.fixture
def library(project: Project) -> Library:
    """The shipped articles' library on the fake embedder, its index built."""
    library = project.library()
    library.rebuild()
    return library


@pytest.fixture
def run(project: Project, monkeypatch):
    """`newsbot ARGS...` through click's runner, on the project's config and the fake embedder."""
    from click.testing import CliRunner

    import newsbot.bot.app
    from newsbot.bot.cli import main

    monkeypatch.setattr(newsbot.bot.app, "choose_embedders", lambda config: Embedders.one(lambda: project.embedder))

    def invoke(*args, input=None):
        return CliRunner().invoke(main, [*args, "--config", str(project.config_path)], input=input)

    return invoke


@pytest.fixture(scope="module")
def real_project(tmp_path_factory) -> Path:
    """The shipped articles configured for the real bundled model, once per test module."""
    root = tmp_path_factory.mktemp("real")
    shutil.copytree(SHIPPED_ARTICLES, root / "articles")
    write_config(root, model="all-MiniLM-L6-v2")
    return root
