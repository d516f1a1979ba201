"""The README's and docs/' examples, held to what newsbot does, so they cannot drift again: the quick
start's output and the `ask --json` example against the real command, the config table against
the schema, the Discord scopes against the slash commands, every `$ newsbot X` against the CLI."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")
DOCS = {page.name: page.read_text(encoding="utf-8") for page in (REPO / "docs").glob("*.md")}
EVERYTHING = "\n".join([README, *DOCS.values()])
QUESTION = "who summoned the ambassador?"


def fenced_blocks(language: str, text: str = EVERYTHING) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", text, flags=re.S)


def newsbot(root: Path, *args: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSBOT_CONFIG": str(root / "config.toml"), "COLUMNS": "88"}
    env.pop("NO_COLOR", None)
    result = subprocess.run([sys.executable, "-m", "newsbot.bot.cli", *args], capture_output=True, text=True, env=env,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    return result


@pytest.mark.model
def test_the_quick_start_shows_what_ask_prints(real_project):
    block = next(b for b in fenced_blocks("console", README) if f'make ask Q="{QUESTION}"' in b)
    shown = block.splitlines()
    assert shown[1].startswith("No index yet")  # stderr, on the first run
    printed = newsbot(real_project, "ask", QUESTION).stdout.rstrip("\n").splitlines()
    assert printed == shown[2:]


@pytest.mark.model
def test_the_ask_json_example_is_what_ask_json_gives(real_project):
    block = next(b for b in fenced_blocks("json") if QUESTION in b)
    example = json.loads(block)
    real = json.loads(newsbot(real_project, "ask", "--json", QUESTION).stdout)
    assert set(example) == set(real), "the example shows every top-level key"
    for key, value in example.items():
        if key != "passages":
            assert real[key] == value, key
    passage, real_passage = example["passages"][0], real["passages"][0]
    assert set(passage) == set(real_passage), "the example shows every passage key"
    for key, value in passage.items():
        if key == "text":
            assert value.endswith(" ...") and real_passage["text"].startswith(value[:-4])
        else:
            assert real_passage[key] == value, key
    assert f"(`[{passage['relevance']:.2f}]`" in DOCS["commands.md"], "the prose quotes the example's relevance"


def test_every_config_key_is_in_the_readme_table_config_toml_and_the_template():
    from newsbot.bot.config import _SCHEMA

    table = "\n".join(line for line in DOCS["configuration.md"].splitlines() if line.startswith("| "))
    files = [(REPO / "config.toml").read_text(encoding="utf-8"),
             (REPO / "bot" / "config_template.toml").read_text(encoding="utf-8")]
    for section, keys in _SCHEMA.items():
        assert f"`[{section}]`" in table
        for key in keys:
            assert f"`{key}`" in table, f"{section}.{key} is missing from the README's table"
            for text in files:
                assert re.search(rf"^\[{section}\]$(.|\n)*?^#? ?{key} =", text, flags=re.M), f"{section}.{key}"


def test_the_discord_scopes_sentence_names_every_slash_command():
    from newsbot.bot.discord.commands import NewsCog
    from newsbot.bot.discord.feeds import FeedsCog

    sentence = re.search(r"`applications.commands` lets it register (.*?)\.\n", DOCS["discord.md"], flags=re.S).group(1)
    named = set(re.findall(r"`/(\w+)`", sentence))
    assert named == {c.name for cog in (NewsCog, FeedsCog) for c in cog.__cog_app_commands__}


def test_every_command_the_readme_types_exists():
    from newsbot.bot.cli import main

    typed = set(re.findall(r"^\$ newsbot ([a-z]+)", EVERYTHING, flags=re.M))
    assert typed and typed <= set(main.commands), typed - set(main.commands)
