"""The admin's commands: build the index, add and remove articles, list what is indexed.

Each change to the corpus and the index is all or nothing: files written or removed by
`add` and `remove` are put back if the index update fails (`newsbot.corpus.edits`).
"""

from __future__ import annotations

from pathlib import Path

import click

from newsbot.bot.cli.common import (
    config_option,
    ensure_index,
    friendly_errors,
    library_for,
    rebuild,
)
from newsbot.bot.config import load_config


@click.command(epilog="""\b
Examples:
  newsbot index          # embeds only what changed since the last build
  newsbot index --full   # everything again (after changing the model or paragraph settings)""")
@click.option("--full", is_flag=True, help="rebuild from scratch instead of updating")
@click.option(
    "--ray", "ray_address", metavar="ADDRESS",
    help="embed on a Ray cluster: 'local' starts one on this machine, else an address for ray.init (needs newsbot[ray])",
)
@config_option
@friendly_errors
def index(full, ray_address, config_path):
    """Build or update the index from the configured corpus folders."""
    library = library_for(config_path) if ray_address is None else _library_on_ray(config_path, ray_address)
    try:
        report = rebuild(library, full, load=False)
    finally:
        library.embedders.close()
    click.echo(f"Index updated in {library.index_dir}: {report.summary()}")


def _library_on_ray(config_path: Path | None, address: str):
    from newsbot.bot.app import open_library
    from newsbot.bot.config import load_config
    from newsbot.retrieval import import_ray

    import_ray(address)  # before the model is read: a missing Ray is said at once
    return open_library(load_config(config_path), ray_address=address)


@click.command(epilog="""\b
Examples:
  newsbot add story.txt notes.md saved-page.html
  newsbot add ~/clips                                 # every article file in the folder
  newsbot add https://example.com/news/story.html
  newsbot add --replace story.txt                     # a new version of a stored article""")
@click.argument("sources", nargs=-1, required=True)
@click.option("--replace", is_flag=True, help="replace a different article of the same name in the corpus")
@config_option
@friendly_errors
def add(sources, replace, config_path):
    """Add article files, folders of them or web pages (http:// or https:// URLs) and update the index."""
    from newsbot.corpus.edits import write_then
    from newsbot.corpus.importing import plan_import

    config = load_config(config_path)
    library = library_for(config_path)
    urls = [source for source in sources if _is_web_address(source)]
    paths = [Path(source) for source in sources if not _is_web_address(source)]
    placements = plan_import(paths, library.corpus_dirs, library.rules, replace) if paths else []
    if urls:
        from newsbot.corpus.web.adding import plan_web_import
        from newsbot.corpus.web.fetching import Fetcher

        fetcher = Fetcher(config.feeds.fetch_policy())
        placements += plan_web_import(urls, library.corpus_dirs, fetcher, library.rules, replace)
    report = write_then(placements, lambda: rebuild(library, full=False, load=False))  # undone if it fails
    for placement in placements:
        click.echo(placement.describe(), err=True)
    click.echo(f"Index updated in {library.index_dir}: {report.summary()}")


def _is_web_address(source: str) -> bool:
    """http(s) URLs are fetched; anything else with a scheme (ftp:, file:) is refused there by name."""
    return "://" in source and not Path(source).exists()


@click.command(epilog="""\b
Examples:
  newsbot remove story.txt                   # a name as newsbot sources lists it
  newsbot remove corpus/articles/story.txt   # or the path of its file""")
@click.argument("articles", nargs=-1, required=True)
@config_option
@friendly_errors
def remove(articles, config_path):
    """Take ARTICLES out of the corpus and the index: file names, as `newsbot sources` lists
    them, or paths of files in the corpus folders (newsbot remove corpus/articles/story.txt)."""
    from newsbot.corpus.edits import delete_then
    from newsbot.corpus.removing import files_to_remove

    library = library_for(config_path)
    doomed = files_to_remove(articles, library.corpus_dirs)
    report = delete_then(doomed, lambda: rebuild(library, full=False, load=False))  # put back if it fails
    for path in doomed:
        click.echo(f"removed {path}", err=True)
    click.echo(f"Index updated in {library.index_dir}: {report.summary()}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help='one JSON object per article, one a line: {"article", "title", "paragraphs", "date"}')
@config_option
@friendly_errors
def sources(as_json, config_path):
    """List the indexed articles: file, title, paragraphs, date."""
    from newsbot.bot.records import source_record, to_json_line

    library = library_for(config_path)
    ensure_index(library)
    for source in library.sources():
        if as_json:
            click.echo(to_json_line(source_record(source)))
            continue
        date = f", {source.date}" if source.date else ""
        click.echo(f"{source.article}: {source.title} ({source.paragraphs} passages{date})")
