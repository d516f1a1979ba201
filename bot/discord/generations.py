"""The bot's watch for an index generation another process published (`newsbot.bot.generations`),
every `WATCH_SECONDS`. The bot's own /reindex and feed updates load what they build
themselves, so the watch waits while one runs.
"""

from __future__ import annotations

import logging

from discord.ext import commands, tasks

from newsbot.bot.discord.reindex import Reindexing
from newsbot.bot.generations import swap_in_published
from newsbot.retrieval import Library

log = logging.getLogger("newsbot.discord")

WATCH_SECONDS = 5.0


class GenerationWatch(commands.Cog):
    def __init__(self, library: Library, reindexing: Reindexing) -> None:
        self.library = library
        self.reindexing = reindexing

    async def cog_load(self) -> None:
        self.watch.start()

    async def cog_unload(self) -> None:
        self.watch.cancel()

    @tasks.loop(seconds=WATCH_SECONDS)
    async def watch(self) -> None:
        if self.reindexing.started_by is not None:  # our own rebuild swaps its index in itself
            return
        await swap_in_published(self.library, log)
