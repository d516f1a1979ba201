"""The admin's commands: build the index, add and remove articles, list what is indexed.

Each change to the corpus and the index is all or nothing: files written or removed by
`add` and `remove` are put back if the index update fails (`corpus.edits`).
"""

from __future__ import annotations

from pathlib import Path

import click

from bot.cli_common import (
    config_option,
    ensure_index,
    friendly_errors,
    library_for,
    rebuild,
)


@click.command()
@click.option("--full", is_flag=True, help="rebuild from scratch instead of updating")
@config_option
@friendly_errors
def index(full, config_path):
    """Build or update the index from the configured corpus folders."""
    library = library_for(config_path)
    report = rebuild(library, full, load=False)
    click.echo(f"Index updated in {library.index_dir}: {report.summary()}")


@click.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--replace", is_flag=True, help="replace a different article of the same name in the corpus")
@config_option
@friendly_errors
def add(paths, replace, config_path):
    """Copy article files (or folders of them) into the corpus and update the index."""
    from corpus.edits import corpus_edit
    from corpus.importing import plan_import

    library = library_for(config_path)
    placements = plan_import(paths, library.corpus_dirs, library.rules, replace)
    with corpus_edit() as edit:  # undone if the index update fails
        for placement in placements:
            if placement.changes_corpus:
                edit.write(placement.target, placement.data)
        report = rebuild(library, full=False, load=False)
    for placement in placements:
        click.echo(placement.describe(), err=True)
    click.echo(f"Index updated in {library.index_dir}: {report.summary()}")


@click.command()
@click.argument("articles", nargs=-1, required=True)
@config_option
@friendly_errors
def remove(articles, config_path):
    """Take ARTICLES (file names, as `newsbot sources` lists them) out of the corpus and the index."""
    from corpus.edits import corpus_edit
    from corpus.removing import files_to_remove

    library = library_for(config_path)
    doomed = files_to_remove(articles, library.corpus_dirs)
    with corpus_edit() as edit:  # put back if the index update fails
        for path in doomed:
            edit.delete(path)
        report = rebuild(library, full=False, load=False)
    for path in doomed:
        click.echo(f"removed {path}", err=True)
    click.echo(f"Index updated in {library.index_dir}: {report.summary()}")


@click.command()
@click.option("--json", "as_json", is_flag=True, help='one JSON object per article, one a line: {"article", "title", "paragraphs", "date"}')
@config_option
@friendly_errors
def sources(as_json, config_path):
    """List the indexed articles: file, title, paragraphs, date."""
    from bot.render_text import source_record, to_json_line

    library = library_for(config_path)
    ensure_index(library)
    for source in library.sources():
        if as_json:
            click.echo(to_json_line(source_record(source)))
            continue
        date = f", {source.date}" if source.date else ""
        click.echo(f"{source.article}: {source.title} ({source.paragraphs} passages{date})")
