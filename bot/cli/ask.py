"""`newsbot ask`: one question, a file of them (--batch), or scripted conversations."""

from __future__ import annotations

import sys

import click

from newsbot.bot.cli.common import (
    config_option,
    emphasis,
    ensure_index,
    friendly_errors,
    library_for,
)
from newsbot.bot.terminal import colour_option


@click.command(epilog="""\b
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
    from newsbot.bot.cli.text import render_answer
    from newsbot.bot.records import answer_record, to_json_line
    from newsbot.retrieval import clean_question

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
    """`--since` as a time window; a bad value is a usage error."""
    from newsbot.retrieval import since_window

    try:
        return since_window(value) if value is not None else None
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--since") from None


def _ask_batch(library, stream, as_json: bool, top_k: int | None, since=None) -> None:
    """One answer per non-blank line, in order; a line that is not UTF-8 or not a question
    gets an error in its place and the rest are answered; exit 1 at the end if any failed."""
    from newsbot.bot.cli.text import render_answer
    from newsbot.bot.records import answer_record, echoed, error_record, to_json_line
    from newsbot.bot.scripted import LineNotUTF8, decode_line
    from newsbot.retrieval import QuestionError

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
    from newsbot.bot.records import to_json_line
    from newsbot.bot.scripted import failed, render_event, run_scripts

    failures = 0
    for event in run_scripts(library, stream, top_k):
        failures += failed(event)
        click.echo(to_json_line(event.record()) if as_json else render_event(event, emphasis=emphasis()))
    if failures:
        sys.exit(1)
