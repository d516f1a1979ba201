"""A mistyped model name in config.toml: one line within seconds, naming the model, and nothing
left behind; never the hub client's minute of retries. The "hub" is a server on 127.0.0.1."""

from __future__ import annotations

import time

import pytest
from click.testing import CliRunner

from newsbot.bot.cli import main
from newsbot.retrieval.embedding.model_lookup import is_cached
from tests.conftest import SHIPPED_ARTICLES, write_config
from tests.corpus.web_server import LoopbackServer, free_port

TYPO = "all-MiniLM-L6-v3"


@pytest.fixture
def hub(monkeypatch, tmp_path):
    """A hub that knows no model, and an empty hub cache."""
    from huggingface_hub import constants

    server = LoopbackServer().start()
    monkeypatch.setattr(constants, "ENDPOINT", server.base)
    monkeypatch.setattr(constants, "HF_HUB_CACHE", str(tmp_path / "hub-cache"))
    monkeypatch.setattr(constants, "HF_HUB_OFFLINE", False)
    monkeypatch.delenv("HF_HUB_OFFLINE", raising=False)
    yield server
    server.stop()


def _ask_with_model(tmp_path, model: str):
    import shutil

    project = tmp_path / "project"
    shutil.copytree(SHIPPED_ARTICLES, project / "articles")
    config = write_config(project, model)
    started = time.monotonic()
    result = CliRunner().invoke(main, ["ask", "who summoned the ambassador?", "--config", str(config)])
    return result, time.monotonic() - started, project


def test_a_model_the_hub_does_not_know_fails_at_once_naming_it(hub, tmp_path):
    result, seconds, project = _ask_with_model(tmp_path, TYPO)
    assert result.exit_code == 1
    error = result.output.splitlines()[-1]
    assert error.startswith(f"Error: model '{TYPO}' is neither a model folder here nor a model on the Hugging Face hub")
    assert "check index.model in config.toml" in error
    assert "Retrying" not in result.output and result.output.count("Error") == 1
    assert seconds < 10
    assert sorted(p.name for p in project.iterdir()) == ["articles", "config.toml"]  # no index/onnx behind
    asked = [path for path in hub.paths() if path.startswith("/api/models/")]
    assert 1 <= len(asked) <= 2  # one question per name it may mean, no retries


def test_a_hub_out_of_reach_is_said_at_once(hub, tmp_path, monkeypatch):
    from huggingface_hub import constants

    monkeypatch.setattr(constants, "ENDPOINT", f"http://127.0.0.1:{free_port()}")  # nothing listens there
    result, seconds, _project = _ask_with_model(tmp_path, TYPO)
    assert result.exit_code == 1 and seconds < 10
    assert f"model '{TYPO}' is not on this machine and the Hugging Face hub cannot be reached" in result.output
    assert "connect to the internet once to download it, or check index.model in config.toml" in result.output


def test_offline_mode_asks_nothing_of_the_hub(hub, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    result, seconds, _project = _ask_with_model(tmp_path, TYPO)
    assert result.exit_code == 1 and seconds < 10
    assert f"model '{TYPO}' is not on this machine and HF_HUB_OFFLINE is set" in result.output
    assert hub.requests == []


def test_a_model_in_the_hub_cache_is_found_without_asking(hub, tmp_path):
    from huggingface_hub import constants

    snapshot = tmp_path / "hub-cache" / "models--sentence-transformers--some-model" / "snapshots" / "abc"
    snapshot.mkdir(parents=True)
    (snapshot / "modules.json").write_text("[]")
    (snapshot.parent.parent / "refs").mkdir()
    (snapshot.parent.parent / "refs" / "main").write_text("abc")
    assert constants.HF_HUB_CACHE == str(tmp_path / "hub-cache")
    assert is_cached("some-model") and is_cached("sentence-transformers/some-model")
    assert not is_cached(TYPO) and not is_cached("not a/valid name")
    assert hub.requests == []
