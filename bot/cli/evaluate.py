"""`newsbot eval`: run a question set (or conversations) through the bot's own search and print the figures."""

from __future__ import annotations

import dataclasses
import hashlib
import json
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import click

from newsbot.bot.cli.common import config_option, ensure_index, friendly_errors, rebuild
from newsbot.bot.config import Config, load_config


def run_evaluation(
    config: Config, questions: Path, corpus: Sequence[Path], as_json: bool, misses: int,
    ensure_index: Callable, rebuild: Callable,
) -> dict:
    """Print the figures (all questions; first turns and follow-ups for conversations) and
    return the figures over all questions."""
    from newsbot.bot.app import open_library
    from newsbot.retrieval import MRR_DEPTH, evaluate, load_questions

    if corpus:
        config = config_for_corpus(config, corpus)
    library = open_library(config)
    question_set = load_questions(questions)
    ensure_index(library)
    rebuild(library, full=False)

    def ask(question, conversation=None):
        return library.ask(question, MRR_DEPTH, conversation, ranked=True)

    reports = evaluate(question_set, ask, keep_misses=misses, show_relevance=library.search_settings.show_relevance)
    figures = reports["all"].metrics()
    parts = {kind: report.metrics() for kind, report in reports.items() if kind != "all"}
    if as_json:
        click.echo(json.dumps({"questions": str(questions), **figures, **parts, "misses": reports["all"].misses}))
    else:
        click.echo(render_eval(figures, reports["all"].misses, parts))
    return figures


def config_for_corpus(config: Config, corpus: Sequence[Path]) -> Config:
    """The same settings over other folders, with their own index kept beside the main one."""
    folders = tuple(p.resolve() for p in corpus)
    key = hashlib.sha1("\n".join(map(str, folders)).encode()).hexdigest()[:12]
    index_dir = config.index_dir.parent / f"{config.index_dir.name}-eval" / f"{folders[0].name}-{key}"
    return dataclasses.replace(config, corpus_dirs=folders, index_dir=index_dir)


def render_eval(figures: dict, misses: list[dict], parts: dict[str, dict] | None = None) -> str:
    lines = _figure_lines(figures, "")
    for kind, part in (parts or {}).items():
        lines += _figure_lines(part, f"{kind} turns: ")
    lines.append(f"median {figures['median_seconds'] * 1000:.0f} ms per question")
    if misses:
        lines.append("misses:")
        for miss in misses:
            lines.append(f"- {miss['question']} [{miss['why']}]\n    first: {miss['first']}\n    expected: {miss['expected']}")
    return "\n".join(lines)


def _figure_lines(figures: dict, label: str) -> list[str]:
    lines = [
        f"{label}answerable {figures['answerable']}: top-1 {figures['top1']:.3f}  top-3 {figures['top3']:.3f} "
        f"(shown {figures['top3_shown']:.3f})  MRR {figures['mrr']:.3f}  false refusals {figures['false_refusal_rate']:.3f}",
    ]
    if figures["unanswerable"]:
        lines.append(f"{label}unanswerable {figures['unanswerable']}: refused {figures['refusal_rate']:.3f}")
    return lines


@click.command(name="eval")
@click.argument("questions", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--corpus", multiple=True, type=click.Path(exists=True, file_okay=False, path_type=Path), help="evaluate over this folder of articles instead of the configured corpus (repeat to add more)")
@click.option("--json", "as_json", is_flag=True, help="print the figures and misses as one JSON object")
@click.option("--min-top1", type=click.FloatRange(0, 1), default=None, help="exit 1 when top-1 falls below this")
@click.option("--misses", type=click.IntRange(min=0), default=10, help="how many misses to list")
@config_option
@friendly_errors
def evaluate(questions, corpus, as_json, min_top1, misses, config_path):
    """Score search on a question set or conversations: top-1, top-3, MRR, refusals, misses."""

    figures = run_evaluation(load_config(config_path), questions, corpus, as_json, misses, ensure_index, rebuild)
    if min_top1 is not None and figures["top1"] < min_top1:
        click.echo(f"top-1 {figures['top1']:.3f} is below --min-top1 {min_top1}", err=True)
        sys.exit(1)
