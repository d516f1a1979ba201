"""The throwaway libraries most Discord tests run the bot on, shared by the test modules here.

Fixtures rather than helpers so each test names the library it needs; both use the
deterministic fake model on a copy of the shipped corpus under `tmp_path`.
"""

from __future__ import annotations

import pytest

from newsbot.bot.config import Config, load_config
from newsbot.retrieval.library import Library
from tests.discord_support import fake_library, write_config
from tests.fakes import FAKE_MODEL


@pytest.fixture
def fake(tmp_path) -> tuple[Library, Config]:
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    return fake_library(config), config


@pytest.fixture
def paged(tmp_path) -> tuple[Library, Config]:
    """Every ranked passage shown (`show_relevance = 0`), so an answer has pages to turn."""
    config = load_config(write_config(tmp_path, FAKE_MODEL, search="show_relevance = 0.0"))
    return fake_library(config), config
