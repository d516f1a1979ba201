"""Owning newsbot outside its checkout: `newsbot init`, the shipped template and examples, and
where config.toml is looked for. (The wheel in a fresh virtualenv is checked by hand: README,
"Install elsewhere".)"""

from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from click.testing import CliRunner

import newsbot.bot.config
from newsbot.bot.cli import main
from newsbot.bot.cli.init import config_template, example_articles
from newsbot.bot.config import CONFIG_ENV, ConfigError, default_config_path, load_config
from tests.conftest import REPO, SHIPPED_ARTICLES

PATH_KEYS = ("dirs =", "dir =")


def _init(*args: str):
    return CliRunner().invoke(main, ["init", *args])


def test_init_writes_the_commented_template(tmp_path):
    result = _init(str(tmp_path))
    written = (tmp_path / "config.toml").read_text(encoding="utf-8")
    assert result.exit_code == 0, result.output
    assert written == config_template()
    assert "# Where the index lives" in written
    assert load_config(tmp_path / "config.toml").index_dir == tmp_path / "index"


def test_init_defaults_to_the_current_folder(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _init()
    assert result.exit_code == 0, result.output
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == config_template()


def test_init_examples_lands_where_the_config_reads_articles(tmp_path):
    result = _init(str(tmp_path / "news"), "--examples")
    config = load_config(tmp_path / "news" / "config.toml")
    copied = sorted(p.name for p in config.corpus_dirs[0].iterdir())
    assert result.exit_code == 0, result.output
    assert copied == sorted(p.name for p in SHIPPED_ARTICLES.glob("*.txt"))
    for name in copied:
        assert (config.corpus_dirs[0] / name).read_bytes() == (SHIPPED_ARTICLES / name).read_bytes()


def test_init_without_examples_makes_the_corpus_folder_and_suggests_add(tmp_path):
    result = _init(str(tmp_path / "news"))
    config = load_config(tmp_path / "news" / "config.toml")
    assert result.exit_code == 0, result.output
    assert config.corpus_dirs[0].is_dir() and not list(config.corpus_dirs[0].iterdir())
    assert f"next: newsbot add --config {tmp_path / 'news' / 'config.toml'} FILE" in result.stdout
    assert "newsbot ask" not in result.stdout


def test_init_with_examples_suggests_a_question(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = _init("--examples")
    assert result.exit_code == 0, result.output
    assert 'next: newsbot ask "who summoned the ambassador?"' in result.stdout


def test_init_refuses_to_overwrite_a_config_in_one_line(tmp_path):
    (tmp_path / "config.toml").write_text("[search]\ntop_k = 7\n", encoding="utf-8")
    result = _init(str(tmp_path), "--examples")
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "already exists" in result.stderr and "--force" in result.stderr
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == "[search]\ntop_k = 7\n"
    assert not (tmp_path / "corpus").exists()  # a refusal writes nothing


def test_init_force_overwrites_the_config(tmp_path):
    (tmp_path / "config.toml").write_text("[search]\ntop_k = 7\n", encoding="utf-8")
    result = _init(str(tmp_path), "--force")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "config.toml").read_text(encoding="utf-8") == config_template()


def test_the_template_agrees_with_the_repository_config_except_paths():
    def body(text: str) -> list[str]:
        lines = text.splitlines()
        first_blank = lines.index("")  # the header comment differs: it says who wrote the file
        return [line for line in lines[first_blank:] if not line.startswith(PATH_KEYS)]

    repository = (REPO / "config.toml").read_text(encoding="utf-8")
    assert body(config_template()) == body(repository)


def test_the_wheel_declares_the_files_init_reads():
    package_data = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-data"]
    folders = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["package-dir"]
    shipped = {path for package, globs in package_data.items() for glob in globs for path in (REPO / folders[package]).glob(glob)}
    assert REPO / "bot" / "config_template.toml" in shipped
    assert {REPO / "corpus" / "example-articles" / item.name for item in example_articles()} <= shipped
    assert len(example_articles()) == 2


@pytest.fixture
def elsewhere(tmp_path, monkeypatch):
    """An empty working folder, an empty user config folder and no $NEWSBOT_CONFIG."""
    work, user = tmp_path / "work", tmp_path / "xdg"
    work.mkdir()
    monkeypatch.chdir(work)
    monkeypatch.setenv("XDG_CONFIG_HOME", str(user))
    monkeypatch.delenv(CONFIG_ENV, raising=False)
    return work, user / "newsbot" / "config.toml"


def _touch(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("", encoding="utf-8")
    return path


def test_the_environment_comes_before_the_current_folder(elsewhere, monkeypatch, tmp_path):
    work, _ = elsewhere
    _touch(work / "config.toml")
    monkeypatch.setenv(CONFIG_ENV, str(tmp_path / "env.toml"))
    assert default_config_path() == tmp_path / "env.toml"


def test_the_current_folder_comes_before_the_user_config_folder(elsewhere):
    work, user_config = elsewhere
    _touch(work / "config.toml")
    _touch(user_config)
    assert default_config_path().resolve() == work / "config.toml"


def test_the_user_config_folder_is_found_from_any_folder(elsewhere):
    _, user_config = elsewhere
    _touch(user_config)
    assert default_config_path() == user_config


def test_a_checkout_does_not_lend_its_config_to_other_folders(elsewhere):
    """Run from a checkout, newsbot elsewhere must not answer from, or write into, the checkout."""
    work, user_config = elsewhere
    with pytest.raises(ConfigError) as error:
        default_config_path()
    message = str(error.value)
    assert message == f"no config.toml found (looked in {work / 'config.toml'}, {user_config}): run newsbot init"


def test_the_checkouts_config_is_found_when_working_there(elsewhere, monkeypatch):
    monkeypatch.chdir(REPO)
    assert default_config_path().resolve() == REPO / "config.toml"


@pytest.mark.parametrize(
    "command",
    [
        ["ask", "who summoned the ambassador?"],
        ["sources"],
        ["add", "story.txt"],
        ["feeds", "add", "http://127.0.0.1:9/feed.xml"],
        ["feeds", "list"],
    ],
    ids=["ask", "sources", "add", "feeds-add", "feeds-list"],
)
def test_commands_outside_a_project_say_run_init_and_touch_no_checkout(elsewhere, command):
    work, _ = elsewhere
    (work / "story.txt").write_text("Officials said the storm had passed the coast by Thursday night.\n", encoding="utf-8")
    watched = [REPO / "corpus" / "articles", REPO / "feeds.json"]
    before = [sorted(p.iterdir()) if p.is_dir() else p.exists() for p in watched]
    result = CliRunner().invoke(main, command)
    assert result.exit_code == 1, result.output
    assert result.stderr.strip().count("\n") == 0
    assert f"no config.toml found (looked in {work / 'config.toml'}" in result.stderr
    assert result.stderr.strip().endswith("run newsbot init")
    assert [sorted(p.iterdir()) if p.is_dir() else p.exists() for p in watched] == before


def test_an_installed_newsbot_with_no_config_says_run_init(elsewhere, monkeypatch, tmp_path):
    _, user_config = elsewhere
    installed = tmp_path / "site-packages" / "bot" / "config.py"
    monkeypatch.setattr(newsbot.bot.config, "__file__", str(installed))
    with pytest.raises(ConfigError) as error:
        default_config_path()
    message = str(error.value)
    assert message.startswith("no config.toml found (looked in ")
    assert message.endswith("): run newsbot init")
    assert str(elsewhere[0] / "config.toml") in message and str(user_config) in message
    assert "site-packages" not in message


def test_the_cli_reports_a_missing_config_in_one_line(elsewhere, monkeypatch, tmp_path):
    monkeypatch.setattr(newsbot.bot.config, "__file__", str(tmp_path / "site-packages" / "bot" / "config.py"))
    result = CliRunner().invoke(main, ["ask", "who summoned the ambassador?"])
    assert result.exit_code == 1
    assert result.stderr.strip().count("\n") == 0
    assert "no config.toml found" in result.stderr and "run newsbot init" in result.stderr


def test_config_option_comes_before_the_environment(elsewhere, monkeypatch, tmp_path):
    monkeypatch.setenv(CONFIG_ENV, str(REPO / "config.toml"))
    result = CliRunner().invoke(main, ["ask", "who?", "--config", str(tmp_path / "chosen.toml")])
    assert result.exit_code == 1
    assert f"config file not found: {tmp_path / 'chosen.toml'}" in result.stderr


def test_the_wheel_installs_newsbot_s_own_names_only(tmp_path):
    """Installed, the design's folders are newsbot.bot, newsbot.corpus and newsbot.retrieval:
    no top-level `bot` that another package could clash with; the data files come along."""
    import zipfile

    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "--no-build-isolation", str(REPO), "-w", str(tmp_path)],
        check=True, capture_output=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("newsbot-*.whl")
    names = zipfile.ZipFile(wheel).namelist()
    assert {name.split("/")[0] for name in names} == {"newsbot", wheel.name.split("-py3")[0] + ".dist-info"}
    for data in ("newsbot/bot/config_template.toml", "newsbot/bot/serve/page/chat.js",
                 "newsbot/retrieval/reader/weights/reader.onnx", "newsbot/corpus/example-articles/000_bfb5fe1d5446f174.txt"):
        assert data in names


def test_every_package_folder_is_listed_in_pyproject():
    listed = set(tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["tool"]["setuptools"]["packages"])
    folders = {"newsbot." + ".".join(p.parent.relative_to(REPO).parts) for root in ("bot", "corpus", "retrieval")
               for p in (REPO / root).rglob("__init__.py")}
    assert folders == listed
