"""The `newsbot` command line.

Kept free of heavy imports at module level (torch, faiss, discord, even numpy), so that
`newsbot --help` answers at once; each command imports what it needs when it runs. Errors
a user can fix become one-line messages with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from bot.cli_common import (
    config_option,
    emphasis,
    ensure_index,
    friendly_errors,
    library_for,
    rebuild,
)
from bot.cli_corpus import add, index, remove, sources
from bot.cli_feeds import feeds, update
from bot.cli_serve import serve
from bot.config import load_config
from bot.terminal import colour_option


@click.group(context_settings={"help_option_names": ["-h", "--help"]}, epilog="""\b
Examples:
  newsbot init --examples                    # a config.toml and two articles, here
  newsbot ask "who summoned the ambassador?" # the first question builds the index
  newsbot add story.txt clips/ https://example.com/news/story.html
  newsbot chat                               # question after question, with follow-ups
  newsbot ask --help                         # each command's own options and examples""")
@click.version_option(package_name="newsbot", message="newsbot %(version)s")
@colour_option
def main() -> None:
    """newsbot: ask questions about a collection of news articles, get cited passages."""
    from retrieval import configure_threads

    configure_threads()


@main.command(epilog="""\b
Examples:
  newsbot ask who summoned the ambassador     # no quotes needed unless it has ? or *
  newsbot ask "what happened this week?" --since "past 7 days"
  newsbot ask --json "who summoned the ambassador?" | jq '.passages[0].text'
  newsbot ask --batch questions.txt --json > answers.jsonl""")
@click.argument("words", nargs=-1, metavar="[QUESTION]")
@click.option("--batch", "batch", type=click.File("rb"), help="file of questions, one a line ('-' for stdin)")
@click.option(
    "--conversations",
    type=click.File("rb"),
    help='file of conversations, one a line: {"id": str, "turns": [question, ...]} (\'-\' for stdin)',
)
@click.option("--json", "as_json", is_flag=True, help="one JSON object per question, one a line")
@click.option("--top-k", type=click.IntRange(min=1), default=None, help="passages per question (default from config)")
@click.option(
    "--since",
    "since",
    default=None,
    metavar="WHEN",
    help="only articles dated on or after WHEN: a date (2026-11-01) or words (yesterday, this week, past 7 days)",
)
@colour_option
@config_option
@friendly_errors
def ask(words, batch, conversations, as_json, top_k, since, config_path):
    """Answer QUESTION from the articles, citing the passages. Quotes are optional: the words
    of an unquoted question are joined with spaces (newsbot ask who summoned the ambassador)."""
    from bot.render_text import answer_record, render_answer, to_json_line
    from retrieval import clean_question

    question = " ".join(words) if words else None
    if sum(given is not None for given in (question, batch, conversations)) != 1:
        raise click.UsageError(
            'give one of QUESTION, --batch FILE or --conversations FILE, e.g. newsbot ask "who summoned the ambassador?"'
        )
    window = _since(since)
    library = library_for(config_path)
    if question is not None:
        clean_question(question, library.search_settings)  # a bad question fails before any work
    ensure_index(library)
    if question is not None:
        answer = library.ask(question, top_k, since=window)
        click.echo(to_json_line(answer_record(answer)) if as_json else render_answer(answer, emphasis=emphasis()))
        return
    if conversations is not None:
        _ask_conversations(library, conversations, as_json, top_k)
        return
    _ask_batch(library, batch, as_json, top_k, window)


def _since(value: str | None):
    """`--since` as a time window, read relative to today; a bad value is a usage error."""
    if value is None:
        return None
    import datetime as dt

    from retrieval import since_window

    try:
        return since_window(value, dt.date.today())
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None


def _ask_batch(library, stream, as_json: bool, top_k: int | None, since=None) -> None:
    """One answer per non-blank line, in order; a line that is not UTF-8 or not a question
    gets an error in its place and the rest are answered; exit 1 at the end if any failed."""
    from bot.cli_conversations import LineNotUTF8, decode_line
    from bot.render_text import (
        answer_record,
        echoed,
        error_record,
        render_answer,
        to_json_line,
    )
    from retrieval import QuestionError

    failures = 0
    for number, raw in enumerate(stream, start=1):
        if not raw.strip():
            continue
        line = raw.decode("utf-8", errors="replace")
        try:
            answer = library.ask(decode_line(raw), top_k, since=since)
        except (LineNotUTF8, QuestionError) as exc:
            failures += 1
            message = f"line {number}: {exc}"
            click.echo(to_json_line(error_record(echoed(line.strip()), message)) if as_json else f"Error: {message}\n")
            continue
        click.echo(to_json_line(answer_record(answer)) if as_json else f"Q: {answer.question}\n{render_answer(answer, emphasis=emphasis())}\n")
    if failures:
        sys.exit(1)


def _ask_conversations(library, stream, as_json: bool, top_k: int | None) -> None:
    """One line out per turn (or per unreadable line), in order; exit 1 at the end if any failed."""
    from bot.cli_conversations import failed, render_event, run_scripts
    from bot.render_text import to_json_line

    failures = 0
    for event in run_scripts(library, stream, top_k):
        failures += failed(event)
        click.echo(to_json_line(event.record()) if as_json else render_event(event, emphasis=emphasis()))
    if failures:
        sys.exit(1)


@main.command(epilog="""\b
Examples:
  newsbot chat
  newsbot chat --top-k 3 --config ~/news/config.toml""")
@click.option("--top-k", type=click.IntRange(min=1), default=None, help="passages per question (default from config)")
@colour_option
@config_option
@friendly_errors
def chat(top_k, config_path):
    """Ask question after question at a prompt; follow-ups are read in the light of earlier ones."""
    from bot.chat import GREETING, ChatSession, run_chat
    from bot.render_text import render_turn

    library = library_for(config_path)
    ensure_index(library)
    library.embedder  # load the model before the first prompt, not after the first question
    session = ChatSession(library, lambda answer: render_turn(answer, emphasis=emphasis()), top_k)
    run_chat(session, GREETING, interactive=sys.stdin.isatty())


@main.command(epilog="""\b
Examples:
  newsbot init                    # config.toml and an empty corpus/articles here
  newsbot init --examples ~/news  # in ~/news, with two example articles to ask about""")
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--examples", is_flag=True, help="also copy the two example articles into FOLDER/corpus/articles")
@click.option("--force", is_flag=True, help="overwrite an existing config.toml")
@friendly_errors
def init(folder, examples, force):
    """Write a commented config.toml into FOLDER (default: here), to run newsbot outside its checkout."""
    from bot.init_project import init_project

    report = init_project(folder, examples, force)
    click.echo(f"wrote {report.config}")
    where = "" if folder.resolve() == Path.cwd().resolve() else f" --config {report.config}"
    if report.articles:
        click.echo(f"copied {len(report.articles)} example articles into {report.corpus}")
        click.echo(f'next: newsbot ask{where} "who summoned the ambassador?" (the first question builds the index)')
        return
    click.echo(f"articles go in {report.corpus}")
    click.echo(f"next: newsbot add{where} FILE... (article files, folders of them or web page addresses)")


@main.command(epilog="""\b
Examples:
  export DISCORD_TOKEN=...   # the token from your Discord application's Bot page
  newsbot discord --sync     # the first time: registers the slash commands
  newsbot discord            # every other time""")
@click.option("--sync", is_flag=True, help="register the slash commands with Discord (after adding or changing commands)")
@config_option
@friendly_errors
def discord(sync, config_path):
    """Run the Discord bot (token from the DISCORD_TOKEN environment variable)."""
    from bot.config import ConfigError
    from bot.discord_run import CONFIG_ERROR, fail, run_discord

    try:
        config = load_config(config_path)
    except ConfigError as exc:  # a restart cannot fix it: the status a service unit stops on
        sys.exit(fail(str(exc), CONFIG_ERROR))
    sys.exit(run_discord(config, sync))


@main.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="evaluate over this folder of articles instead of the configured corpus (repeat to add more)")
@click.option("--json", "as_json", is_flag=True, help="print the figures and misses as one JSON object")
@click.option("--min-top1", type=click.FloatRange(0, 1), default=None, help="exit 1 when top-1 falls below this")
@click.option("--misses", type=click.IntRange(min=0), default=10, help="how many misses to list")
@config_option
@friendly_errors
def evaluate(questions, corpus, as_json, min_top1, misses, config_path):
    """Score search on a question set or conversations: top-1, top-3, MRR, refusals, misses."""
    from bot.cli_eval import run_evaluation

    figures = run_evaluation(load_config(config_path), questions, corpus, as_json, misses, ensure_index, rebuild)
    if min_top1 is not None and figures["top1"] < min_top1:
        click.echo(f"top-1 {figures['top1']:.3f} is below --min-top1 {min_top1}", err=True)
        sys.exit(1)


for command in (index, add, remove, sources, feeds, update, serve):
    main.add_command(command)

if __name__ == "__main__":
    main()
