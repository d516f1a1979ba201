"""Swapping in an index generation another process published (`newsbot update` from cron,
`newsbot index`, `newsbot serve`'s admin routes) without restarting the bot.

Every `WATCH_SECONDS` the index folder's pointer is read (a few bytes); when it names a
generation the bot has not loaded, that generation is opened on a worker thread and swapped
in (`Library.refresh`), while questions go on being answered from the old one. The bot's own
/reindex and feed updates load what they build themselves, so the watch waits while one runs.
"""

from __future__ import annotations

import asyncio
import logging

from discord.ext import commands, tasks

from newsbot.bot.discord.reindex import Reindexing
from newsbot.retrieval import Library, RetrievalError

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
        try:
            if await asyncio.to_thread(self.library.refresh):
                log.info("index generation %s swapped in", self.library.generation())
        except (RetrievalError, OSError) as error:  # keep answering from the loaded one
            log.warning("a new index generation could not be loaded: %s", error)
