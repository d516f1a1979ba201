"""Command-line conventions: --version, NO_COLOR/--color, terminal width, sources --json,
progress on and off a terminal, and the Discord bot's log lines when run as a service."""

from __future__ import annotations

import importlib.metadata
import io
import json
import logging
import re

import click
import discord
import pytest
from click.testing import CliRunner

import newsbot.bot.app
import newsbot.bot.terminal
from newsbot.bot.cli import main
from newsbot.bot.cli.text import terminal_width
from newsbot.bot.discord.log_lines import setup_logging
from newsbot.bot.terminal import colour_option, colour_wanted, embedding_progress
from newsbot.retrieval.embedding.choice import Embedders
from tests.conftest import SHIPPED_ARTICLES

ESCAPE = "\x1b["
BOLD = "\x1b[1m"
QUESTION = "when did the phone call intercepts take place?"  # its passages have a highlight


class Terminal(io.StringIO):
    """A stream that says it is a terminal, as a real tty would."""

    def isatty(self) -> bool:
        return True


@pytest.fixture
def cli(project, monkeypatch):
    """`newsbot ARGS --config project` on the fake embedder; `env` adds environment variables;
    `terminal` makes click keep escape codes as it does on a tty."""
    monkeypatch.setattr(newsbot.bot.app, "choose_embedders", lambda config: Embedders.one(lambda: project.embedder))
    monkeypatch.delenv("NO_COLOR", raising=False)

    def invoke(*args, env=None, terminal=False):
        return CliRunner().invoke(main, [*args, "--config", str(project.config_path)], env=env, color=terminal)

    return invoke


def test_version_prints_the_installed_package_version():
    result = CliRunner().invoke(main, ["--version"])
    assert result.exit_code == 0
    assert result.output == f"newsbot {importlib.metadata.version('newsbot')}\n"


def test_piped_answer_has_no_escape_codes(cli):
    result = cli("ask", QUESTION)
    assert result.exit_code == 0
    assert ESCAPE not in result.output


@pytest.mark.parametrize("args", [("ask", "--color", "always", QUESTION), ("--color", "always", "ask", QUESTION)])
def test_color_always_bolds_the_answering_sentence_even_when_piped(cli, args):
    result = cli(*args)
    assert result.exit_code == 0
    assert BOLD in result.output


@pytest.mark.parametrize(("no_color", "expected"), [(None, True), ("1", False)])
def test_no_color_turns_bold_off_on_a_terminal(cli, monkeypatch, no_color, expected):
    monkeypatch.setattr(newsbot.bot.terminal, "_is_terminal", lambda stream: True)
    result = cli("ask", QUESTION, env={"NO_COLOR": no_color}, terminal=True)
    assert result.exit_code == 0
    assert (BOLD in result.output) is expected


@click.command()
@colour_option
def _colour_probe():
    click.echo(colour_wanted(Terminal()))


@pytest.mark.parametrize(
    ("no_color", "args", "expected"),
    [
        (None, [], "True"),
        ("1", [], "False"),
        ("", [], "True"),  # set but empty means not set (no-color.org)
        ("1", ["--color", "always"], "True"),  # the flag wins over the environment
        (None, ["--color", "never"], "False"),
    ],
)
def test_colour_on_a_terminal_follows_flag_then_no_color(monkeypatch, no_color, args, expected):
    monkeypatch.delenv("NO_COLOR", raising=False)
    result = CliRunner().invoke(_colour_probe, args, env={"NO_COLOR": no_color})
    assert result.output.strip() == expected


@pytest.mark.parametrize(("columns", "width"), [("20", 40), ("50", 50), ("300", 100)])
def test_width_follows_the_terminal_within_bounds(monkeypatch, columns, width):
    monkeypatch.setenv("COLUMNS", columns)
    assert terminal_width() == width


def test_at_50_columns_no_word_or_citation_is_broken(cli, monkeypatch):
    monkeypatch.setenv("COLUMNS", "50")
    passages = json.loads(cli("ask", "--json", "--top-k", "3", QUESTION).stdout)["passages"]
    lines = cli("ask", "--top-k", "3", QUESTION).stdout.splitlines()
    for line in lines:
        assert len(line) <= 50 or " " not in line.strip(), line
    text = " ".join(line.strip() for line in lines)
    for passage in passages:
        assert any(f"({passage['article']}, paragraph {passage['paragraph']})" in line for line in lines)
        assert " ".join(passage["text"].split()) in text


def test_sources_json_is_one_object_per_article(cli):
    result = cli("sources", "--json")
    assert result.exit_code == 0
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["article"] for r in records] == sorted(p.name for p in SHIPPED_ARTICLES.iterdir())
    for record in records:
        assert set(record) == {"article", "title", "paragraphs", "date"}
        assert record["title"] and isinstance(record["paragraphs"], int) and record["paragraphs"] > 0


def test_build_reports_progress_at_least_every_32_texts(project):
    paragraphs = [f"Paragraph {i} tells of the harbour council meeting and its vote number {i}." for i in range(300)]
    (project.articles / "long.txt").write_text("Long minutes\n\n" + "\n\n".join(paragraphs), encoding="utf-8")
    reported = [(0, 0)]
    project.library().rebuild(progress=lambda done, total: reported.append((done, total)))
    steps = [done - before for (before, _), (done, _) in zip(reported, reported[1:])]
    assert max(steps) <= 32
    assert reported[-1][0] == reported[-1][1] > 300


def test_off_a_terminal_progress_is_a_plain_line_every_few_seconds():
    stream, now = io.StringIO(), [0.0]

    def clock() -> float:
        return now[0]

    with embedding_progress(stream, every=5.0, clock=clock) as progress:
        for done in range(1024, 38151, 1024):
            now[0] += 2.0
            progress(done, 38151)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "embedding: 3,072 of 38,151 texts"  # at 6 s, the first time 5 s have passed
    assert len(lines) == 12  # 74 s of calls, one line per 6 s
    assert ESCAPE not in stream.getvalue() and "\r" not in stream.getvalue()


def test_a_short_build_off_a_terminal_prints_no_progress_line(cli):
    output = cli("index").output  # stderr is mixed into output
    assert "embedding" not in output and "\r" not in output


def test_on_a_terminal_progress_is_a_bar():
    stream = Terminal()
    with embedding_progress(stream) as progress:
        progress(64, 128)
    assert "embedding passages and windows" in stream.getvalue()
    assert "64/128" in stream.getvalue()  # the total shows at once, not "0text [00:00, ?text/s]"


@pytest.fixture
def log_stream():
    """Install the bot's logging on a stream; afterwards take the handler off the root logger."""
    root = logging.getLogger()
    level, streams = root.level, []

    def install(stream):
        streams.append((setup_logging(stream), stream))
        return stream

    yield install
    for handler, _ in streams:
        root.removeHandler(handler)
    root.setLevel(level)


def test_logs_are_plain_off_a_terminal_even_in_a_container(log_stream, monkeypatch):
    monkeypatch.setattr(discord.utils, "is_docker", lambda: True)  # discord.py colours in Docker
    stream = log_stream(io.StringIO())
    logging.getLogger("newsbot.discord").warning("logged in")
    assert "logged in" in stream.getvalue()
    assert ESCAPE not in stream.getvalue()
    assert re.match(r"\[\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\] \[WARNING \] newsbot.discord: logged in", stream.getvalue())


@pytest.mark.parametrize(("no_color", "coloured"), [(None, True), ("1", False)])
def test_logs_are_coloured_on_a_terminal_unless_no_color(log_stream, monkeypatch, no_color, coloured):
    monkeypatch.delenv("NO_COLOR", raising=False)
    if no_color:
        monkeypatch.setenv("NO_COLOR", no_color)
    stream = log_stream(Terminal())
    logging.getLogger("newsbot.discord").warning("logged in")
    assert (ESCAPE in stream.getvalue()) is coloured


def test_starting_the_bot_logs_no_voice_warning(log_stream, monkeypatch):
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)  # as when PyNaCl is missing
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    stream = log_stream(io.StringIO())
    discord.Client(intents=discord.Intents.none())
    logging.getLogger("newsbot.discord").info("started")
    assert "started" in stream.getvalue()
    assert "voice will NOT be supported" not in stream.getvalue()


def test_readme_holds_a_systemd_unit_for_the_discord_bot():
    import configparser

    from tests.conftest import REPO

    readme = (REPO / "docs" / "discord.md").read_text(encoding="utf-8")
    section = readme.split("## Running as a service", 1)[1]
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str  # systemd keys are case-sensitive
    unit.read_string(section.split("```ini\n", 1)[1].split("```", 1)[0])
    service = unit["Service"]
    assert service["ExecStart"].endswith("newsbot discord")
    assert service["Environment"].startswith("NEWSBOT_CONFIG=")
    assert service["Restart"] == "on-failure"
    assert {"User", "WorkingDirectory", "EnvironmentFile"} <= set(service)
    from newsbot.bot.discord.run import CONFIG_ERROR

    assert {"2", str(CONFIG_ERROR)} <= set(service["RestartPreventExitStatus"].split())


MAIN_COMMANDS = ["ask", "chat", "add", "remove", "index", "feeds", "update", "init", "discord"]


def _examples(command: click.Command) -> list[str]:
    """The `newsbot ...` lines of a command's help epilog, comments dropped."""
    lines = (command.epilog or "").splitlines()
    return [line.split("  #")[0].strip() for line in lines if line.strip().startswith("newsbot")]


@pytest.mark.parametrize("name", [None, *MAIN_COMMANDS])
def test_help_shows_examples(name):
    """As `llm` and `httpie` do: a few command lines to copy, under "Examples:"."""
    args = ([name] if name else []) + ["--help"]
    result = CliRunner().invoke(main, args, terminal_width=100)
    assert result.exit_code == 0
    help_text = result.output.split("Examples:", 1)
    assert len(help_text) == 2, f"newsbot {' '.join(args)} shows no examples"
    shown = [line.strip() for line in help_text[1].splitlines() if line.strip().startswith("newsbot")]
    assert len(shown) >= 2
    assert all(len(line) <= 100 for line in result.output.splitlines())


def _parse(args: list[str]) -> None:
    """Parse `newsbot ARGS` as click would, down to the last subcommand, without running it."""
    context = main.make_context("newsbot", list(args), resilient_parsing=False)
    command, rest = main, context.protected_args + context.args
    while isinstance(command, click.Group) and rest:
        _name, command, rest = command.resolve_command(context, rest)
        context = command.make_context(_name, rest, parent=context)
        rest = context.protected_args + context.args if isinstance(command, click.Group) else []


def test_every_example_in_the_help_is_a_valid_command_line(tmp_path, monkeypatch):
    """The examples cannot drift from the options: each one parses (in a folder holding the
    files they name, since click opens a --batch file as it parses)."""
    import shlex

    monkeypatch.chdir(tmp_path)

    commands = [main, *main.commands.values()]
    commands += [sub for group in main.commands.values() if isinstance(group, click.Group) for sub in group.commands.values()]
    examples = [example for command in commands for example in _examples(command)]
    assert len(examples) >= 2 * len(MAIN_COMMANDS)
    for example in examples:
        args = shlex.split(example)[1:]
        for arg in args:
            if re.fullmatch(r"[\w][\w./-]*\.(txt|md|html|jsonl)", arg):
                (tmp_path / arg).parent.mkdir(parents=True, exist_ok=True)
                (tmp_path / arg).touch()
        try:
            _parse(args)
        except click.exceptions.Exit:  # --help: parsed, and would print the help
            pass
        except click.UsageError as exc:
            pytest.fail(f"{example!r} in --help does not parse: {exc}")
