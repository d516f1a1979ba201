"""`newsbot init`: a commented config.toml, and on request the example articles, in any folder.

An installed newsbot (a wheel, `pipx install`, `uv tool install`) has no checkout beside it,
so the config template and the two example articles ship inside the package as data and are
copied out from there (importlib.resources reads them from a wheel, a zip or a checkout alike).
Nothing is written until every target has been checked, so a refusal leaves the folder as it was.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from importlib.resources import files
from importlib.resources.abc import Traversable
from pathlib import Path

import click

from newsbot.bot.cli.common import friendly_errors
from newsbot.bot.config import ConfigError

CONFIG_NAME = "config.toml"
# where the template's [corpus] dirs points, so `init --examples` then `ask` just works
ARTICLES_DIR = Path("corpus") / "articles"


@dataclass(frozen=True)
class InitReport:
    config: Path
    corpus: Path  # the folder the config reads articles from, made if missing
    articles: tuple[Path, ...]


def config_template() -> str:
    """The commented config.toml that `init` writes (the repository's config.toml, shipped)."""
    return files("newsbot.bot").joinpath("config_template.toml").read_text(encoding="utf-8")


def example_articles() -> list[Traversable]:
    """The example articles shipped in the package, in name order."""
    folder = files("newsbot.corpus").joinpath("example-articles")
    return sorted((item for item in folder.iterdir() if item.name.endswith(".txt")), key=lambda item: item.name)


def init_project(folder: Path, examples: bool = False, force: bool = False) -> InitReport:
    """Write FOLDER/config.toml and make FOLDER/corpus/articles (with the examples in it).

    An existing config.toml, or a different article of an example's name, is kept unless `force`:
    it may hold the user's settings or article.
    """
    config = folder / CONFIG_NAME
    articles = [(folder / ARTICLES_DIR / item.name, item.read_bytes()) for item in example_articles()] if examples else []
    if config.exists() and not force:
        raise ConfigError(f"{config} already exists: pass --force to overwrite it")
    for target, data in articles:
        if target.exists() and not force and target.read_bytes() != data:
            raise ConfigError(f"{target} already exists with other content: pass --force to overwrite it")
    _write(config, config_template().encode("utf-8"))
    (folder / ARTICLES_DIR).mkdir(parents=True, exist_ok=True)  # so `add` and `index` find it
    for target, data in articles:
        _write(target, data)
    return InitReport(config=config, corpus=folder / ARTICLES_DIR, articles=tuple(target for target, _ in articles))


def _write(target: Path, data: bytes) -> None:
    """Whole or not at all: a crash mid-write never leaves half a config behind."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_bytes(data)
    os.replace(temporary, target)


@click.command(epilog="""\b
Examples:
  newsbot init                    # config.toml and an empty corpus/articles here
  newsbot init --examples ~/news  # in ~/news, with two example articles to ask about""")
@click.argument("folder", default=".", type=click.Path(file_okay=False, path_type=Path))
@click.option("--examples", is_flag=True, help="also copy the two example articles into FOLDER/corpus/articles")
@click.option("--force", is_flag=True, help="overwrite an existing config.toml")
@friendly_errors
def init(folder, examples, force):
    """Write a commented config.toml into FOLDER (default: here), to run newsbot outside its checkout."""
    report = init_project(folder, examples, force)
    click.echo(f"wrote {report.config}")
    where = "" if folder.resolve() == Path.cwd().resolve() else f" --config {report.config}"
    if report.articles:
        click.echo(f"copied {len(report.articles)} example articles into {report.corpus}")
        click.echo(f'next: newsbot ask{where} "who summoned the ambassador?" (the first question builds the index)')
        return
    click.echo(f"articles go in {report.corpus}")
    click.echo(f"next: newsbot add{where} FILE... (article files, folders of them or web page addresses)")
