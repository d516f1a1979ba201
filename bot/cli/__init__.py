"""The `newsbot` command line: the group here, one module per command or group of commands
(`ask`, `chat`, `init`, `discord`, `evaluate`, `serve`; `corpus`: index, add, remove,
sources; `feeds`: feeds and update), `common` for what they share.

Kept free of heavy imports at module level (torch, faiss, discord, even numpy), so that
`newsbot --help` answers at once; each command imports what it needs when it runs. Errors
a user can fix become one-line messages with a non-zero exit, never a traceback.
"""

from __future__ import annotations

import click

from newsbot.bot.cli.ask import ask
from newsbot.bot.cli.chat import chat
from newsbot.bot.cli.corpus import add, index, remove, sources
from newsbot.bot.cli.discord import discord
from newsbot.bot.cli.evaluate import evaluate
from newsbot.bot.cli.feeds import feeds, update
from newsbot.bot.cli.init import init
from newsbot.bot.cli.serve import serve
from newsbot.bot.terminal import colour_option


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
    from newsbot.retrieval import configure_threads

    configure_threads()


for command in (ask, chat, index, add, remove, sources, feeds, update, init, discord, evaluate, serve):
    main.add_command(command)
