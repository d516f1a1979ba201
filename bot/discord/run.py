"""`newsbot discord` as a process: start-up checks, signals, and an exit status a service
manager can act on.

A start-up problem that only a person can fix (no token, a token Discord rejects, a bad
config.toml, no index or one built with another model) exits with `CONFIG_ERROR`, 78, as
sysexits.h's EX_CONFIG (systemd shows `status=78/CONFIG`): docs/discord.md's unit lists it in
RestartPreventExitStatus=, so the bot stays down with its one line in the journal instead of
being restarted every 30 s forever. Discord out of reach, and a crash, exit 1, which a restart
may well cure.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import sys

import aiohttp
import discord

from newsbot.bot.app import open_library
from newsbot.bot.config import Config
from newsbot.bot.discord.app import TOKEN_ENV, NewsBot
from newsbot.bot.discord.log_lines import setup_logging
from newsbot.corpus.errors import CorpusError
from newsbot.retrieval import RetrievalError

log = logging.getLogger("newsbot.discord")

CONFIG_ERROR = 78  # EX_CONFIG


def run_discord(config: Config, sync: bool) -> int:
    """Run the bot until SIGTERM or Ctrl-C; start-up problems are one line on stderr.

    Only cheap checks come before logging in, so a wrong token is reported at once; the index
    and the model are loaded right after (in `setup_hook`), before the bot goes online.
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        return fail(
            f"{TOKEN_ENV} is not set: copy the token from the Bot page of your Discord application "
            f"and run `export {TOKEN_ENV}=...` (see docs/discord.md)"
        )
    library = open_library(config)
    if not library.has_index():
        return fail(f"no index in {config.index_dir}: run `newsbot index`")
    setup_logging()
    bot = NewsBot(library, config.discord, top_k=config.search.top_k, sync_commands=sync, feeds=config.feeds)
    try:
        asyncio.run(serve(bot, token))
    except discord.LoginFailure:
        return fail(f"Discord rejected {TOKEN_ENV}: copy it again from the Bot page of your application")
    except (RetrievalError, CorpusError) as error:
        return fail(str(error))
    except (aiohttp.ClientError, OSError) as error:
        return fail(f"cannot reach Discord: {error}", code=1)
    return 0


async def serve(bot: NewsBot, token: str) -> None:
    """Connect and stay connected until SIGTERM or SIGINT (Ctrl-C), then close cleanly."""
    loop = asyncio.get_running_loop()

    def stop(name: str) -> None:
        log.info("%s received: closing the connection to Discord", name)
        loop.create_task(bot.close())

    for sig in (signal.SIGINT, signal.SIGTERM):
        try:
            loop.add_signal_handler(sig, stop, sig.name)
        except (NotImplementedError, RuntimeError):  # Windows, or not the main thread
            pass
    async with bot:
        await bot.start(token)


def fail(message: str, code: int = CONFIG_ERROR) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return code
