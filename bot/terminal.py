"""What the CLI does differently on a terminal and off it: colour, and progress while embedding.

Colour follows the usual conventions: `--color always|never` wins, else `NO_COLOR`
(https://no-color.org: set and non-empty turns colour off), else colour only on a terminal.
The choice is stored where click looks for it (`Context.color`), so `click.echo` strips or
keeps escape codes the same way our own emphasis does.

Progress: a tqdm bar on a terminal; elsewhere (systemd, cron, a pipe) a plain line every few
seconds, since a bar there is either nothing or a wall of carriage returns.
"""

from __future__ import annotations

import os
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

import click

COLOUR_CHOICES = ("auto", "always", "never")
PROGRESS_EVERY_SECONDS = 5.0
Progress = Callable[[int, int], None]


def _apply_colour_choice(ctx: click.Context, _param: click.Parameter, choice: str) -> str:
    if choice != "auto":
        ctx.color = choice == "always"
    elif ctx.color is None and os.environ.get("NO_COLOR"):  # an explicit --color above wins
        ctx.color = False
    return choice


colour_option = click.option(
    "--color",
    type=click.Choice(COLOUR_CHOICES),
    default="auto",
    show_default=True,
    expose_value=False,
    callback=_apply_colour_choice,
    help="bold and colour: auto (on a terminal, unless NO_COLOR is set), always, never",
)


def colour_wanted(stream: TextIO) -> bool:
    """Whether to write escape codes to `stream` under the current command's choice."""
    ctx = click.get_current_context(silent=True)
    if ctx is not None and ctx.color is not None:
        return ctx.color
    if os.environ.get("NO_COLOR"):
        return False
    return _is_terminal(stream)


def _is_terminal(stream: TextIO) -> bool:
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


@contextmanager
def embedding_progress(
    stream: TextIO | None = None,
    every: float = PROGRESS_EVERY_SECONDS,
    clock: Callable[[], float] = time.monotonic,
) -> Iterator[Progress]:
    """A `(done, total)` callback for `Library.rebuild`: a bar on a terminal, lines elsewhere."""
    stream = stream if stream is not None else sys.stderr
    if _is_terminal(stream):
        from tqdm import tqdm

        with tqdm(total=0, unit="text", desc="embedding passages and windows", file=stream, leave=False) as bar:

            def advance(done: int, total: int) -> None:
                known = bar.total == total
                bar.total = total
                bar.update(done - bar.n)
                if not known:  # tqdm redraws at most every 0.1 s: show the new total now
                    bar.refresh()

            yield advance
        return
    yield _plain_lines(stream, every, clock)


def _plain_lines(stream: TextIO, every: float, clock: Callable[[], float]) -> Progress:
    """A line at most every `every` seconds; a build shorter than that prints none."""
    last = clock()

    def report(done: int, total: int) -> None:
        nonlocal last
        now = clock()
        if now - last < every:
            return
        last = now
        print(f"embedding: {done:,} of {total:,} texts", file=stream, flush=True)

    return report
