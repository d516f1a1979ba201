"""`newsbot discord`: run the Discord bot (its code is `newsbot.bot.discord`)."""

from __future__ import annotations

import sys

import click

from newsbot.bot.cli.common import config_option, friendly_errors
from newsbot.bot.config import load_config


@click.command(epilog="""\b
Examples:
  export DISCORD_TOKEN=...   # the token from your Discord application's Bot page
  newsbot discord --sync     # the first time: registers the slash commands
  newsbot discord            # every other time""")
@click.option("--sync", is_flag=True, help="register the slash commands with Discord (after adding or changing commands)")
@config_option
@friendly_errors
def discord(sync, config_path):
    """Run the Discord bot (token from the DISCORD_TOKEN environment variable)."""
    from newsbot.bot.config import ConfigError
    from newsbot.bot.discord.run import CONFIG_ERROR, fail, run_discord

    try:
        config = load_config(config_path)
    except ConfigError as exc:  # a restart cannot fix it: the status a service unit stops on
        sys.exit(fail(str(exc), CONFIG_ERROR))
    sys.exit(run_discord(config, sync))
