"""`newsbot feeds add|list|remove` and `newsbot update`: following RSS/Atom feeds from the shell.

The followed feeds live in the file `feeds.file` names (config.toml; beside it by default,
not in the index folder, which is safe to delete). `update` fetches every feed's new entries
(`newsbot.corpus.web.updating`), then writes them and updates the index in one step, all or nothing
as `add` does. A feed or page that fails is named on stderr and the others go on; the exit
status is 1 when anything failed, so a cron job notices.
"""

from __future__ import annotations

from pathlib import Path

import click

from newsbot.bot.cli.common import config_option, friendly_errors, rebuild
from newsbot.bot.config import load_config


@click.group(epilog="""\b
Examples:
  newsbot feeds add https://example.com/news/rss.xml
  newsbot feeds list
  newsbot update                                   # fetch their new articles
  newsbot feeds remove https://example.com/news/rss.xml""")
def feeds() -> None:
    """Follow RSS/Atom feeds: `newsbot update` fetches their new articles."""


@feeds.command(name="add")
@click.argument("urls", nargs=-1, required=True)
@config_option
@friendly_errors
def feeds_add(urls, config_path):
    """Follow the feeds at URLS (each is read once now, to check it is a feed)."""
    from newsbot.corpus.web.feeds import follow
    from newsbot.corpus.web.fetching import Fetcher

    settings = load_config(config_path).feeds
    checked = follow(settings.file, list(urls), Fetcher(settings.fetch_policy()))
    for url, parsed in checked:
        title = f" ({parsed.title})" if parsed.title else ""
        click.echo(f"following {url}{title}: {len(parsed.entries)} entries; `newsbot update` fetches them")
        if parsed.problem:
            click.echo(f"warning: {parsed.problem}", err=True)


@feeds.command(name="list")
@config_option
@friendly_errors
def feeds_list(config_path):
    """List the followed feeds: address, title, when added, entries fetched so far."""
    from newsbot.corpus.web.feeds import FeedRegistry

    settings = load_config(config_path).feeds
    followed = FeedRegistry.load(settings.file).feeds
    if not followed:
        click.echo(f"No feeds followed (kept in {settings.file}); add one with `newsbot feeds add URL`.", err=True)
    for feed in followed:
        title = f" ({feed.title})" if feed.title else ""
        click.echo(f"{feed.url}{title}: added {feed.added or '?'}, {len(feed.seen)} entries dealt with")


@feeds.command(name="remove")
@click.argument("urls", nargs=-1, required=True)
@config_option
@friendly_errors
def feeds_remove(urls, config_path):
    """Stop following the feeds at URLS; their articles stay (`newsbot remove` takes one out)."""
    from newsbot.corpus.web.feeds import FeedRegistry

    settings = load_config(config_path).feeds
    with FeedRegistry.editing(settings.file) as registry:
        removed = [registry.remove(url) for url in urls]  # all checked before the file changes
    for feed in removed:
        click.echo(f"no longer following {feed.url}")


@click.command(epilog="""\b
Examples:
  newsbot update
  newsbot update --config /srv/newsbot/config.toml   # from cron or a systemd timer""")
@config_option
@friendly_errors
def update(config_path):
    """Fetch the followed feeds' new articles into the corpus and update the index."""
    from newsbot.bot.app import open_library
    from newsbot.corpus.web.feeds import FeedRegistry
    from newsbot.corpus.web.updating import collect_updates, store_updates

    config = load_config(config_path)
    registry = FeedRegistry.load(config.feeds.file)
    if not registry.feeds:
        raise click.ClickException(f"no feeds followed (kept in {config.feeds.file}): add one with `newsbot feeds add URL`")
    library = open_library(config)
    click.echo(f"Reading {len(registry.feeds)} feed{'s' if len(registry.feeds) != 1 else ''}...", err=True)
    report = collect_updates(registry, library.corpus_dirs, config.feeds.fetch_policy(), rules=library.rules)
    built = store_updates(report, registry, library.corpus_dirs[0], lambda: rebuild(library, full=False, load=False))
    _show_update(report, built, library.index_dir)
    if report.errors:
        raise SystemExit(1)


def _show_update(report, built, index_dir: Path) -> None:
    for line in report.notes:
        click.echo(f"note: {line}", err=True)
    for line in report.errors:
        click.echo(f"warning: {line}", err=True)
    for line in report.skipped:
        click.echo(f"skipped {line}", err=True)
    for article in report.articles:
        click.echo(f"added {article.name} (from {article.source_url})", err=True)
    click.echo(f"Feeds read: {report.summary()}.")
    if built is not None:
        click.echo(f"Index updated in {index_dir}: {built.summary()}")
    else:
        click.echo("No new articles; the index is unchanged.")
