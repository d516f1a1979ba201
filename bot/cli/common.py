"""What every `newsbot` command shares: the --config option, one-line errors, the library.

Kept free of heavy imports at module level, like `newsbot.bot.cli`: each command imports what it
needs when it runs.
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Callable, Iterable
from pathlib import Path

import click

from newsbot.bot.config import ConfigError, load_config
from newsbot.bot.terminal import colour_wanted

config_option = click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="config file (default: $NEWSBOT_CONFIG, else ./config.toml, else the user's config folder)",
)


def friendly_errors(command: Callable) -> Callable:
    """Turn every error a user can act on into `Error: <one line>` and exit status 1."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        from newsbot.corpus.errors import CorpusError
        from newsbot.retrieval import RetrievalError

        try:
            return command(*args, **kwargs)
        except (ConfigError, CorpusError, RetrievalError) as exc:
            raise click.ClickException(str(exc)) from None
        except OSError as exc:  # disk full, index folder misplaced or not writable
            from newsbot.bot.cli.errors import os_error_message

            raise click.ClickException(os_error_message(exc, _index_dir_of(kwargs.get("config_path")))) from None
        except KeyboardInterrupt:
            click.echo("\ninterrupted; nothing was changed", err=True)
            sys.exit(130)

    return wrapper


def _index_dir_of(config_path: Path | None) -> Path | None:
    """Where the command's builds write, to name it when the system does not."""
    try:
        return load_config(config_path).index_dir
    except ConfigError:
        return None


def library_for(config_path: Path | None):
    from newsbot.bot.app import open_library

    return open_library(load_config(config_path))


def ensure_index(library) -> None:
    if not library.has_index():
        click.echo(f"No index yet: building it from {folders(library.corpus_dirs)} (first run)...", err=True)
        rebuild(library, full=False)


def emphasis():
    """Bold on a terminal (or with --color always); plain text when piped or under NO_COLOR,
    so no escape codes reach files or logs."""
    if not colour_wanted(sys.stdout):
        return None
    return lambda text: click.style(text, bold=True)


def folders(paths: Iterable[Path]) -> str:
    return ", ".join(str(p) for p in paths)


def rebuild(library, full: bool, load: bool = True):
    from newsbot.bot.terminal import embedding_progress

    with embedding_progress() as progress:
        report = library.rebuild(full=full, progress=progress, load=load)
    for reason in report.skipped:
        click.echo(f"warning: {reason}", err=True)
    if report.full_reason and report.embedded and report.full_reason != "no index yet":
        click.echo(f"Embedded every article ({report.full_reason}).", err=True)
    return report
