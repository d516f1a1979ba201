"""`/reindex` on Discord: who may run it, one at a time, with progress, the old index answering meanwhile."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable

import discord

from newsbot.bot.discord.commands import InteractionReply
from newsbot.bot.discord.text.status import (
    problem_text,
    progress_text,
    rebuild_busy_text,
    rebuild_done_text,
    reindex_refused_text,
)
from newsbot.corpus.errors import CorpusError
from newsbot.retrieval import BuildReport, Library, RetrievalError

log = logging.getLogger("newsbot.discord")

PROGRESS_INTERVAL = 2.0  # seconds between progress edits; Discord rate-limits faster edits

Show = Callable[[str], Awaitable[None]]


class Reindexing:
    """Runs one rebuild at a time for the bot, and remembers who started the one running."""

    def __init__(
        self, library: Library, reindex_role: str | None, is_owner: Callable[[discord.abc.User], Awaitable[bool]]
    ) -> None:
        self.library = library
        self.reindex_role = reindex_role
        self.is_owner = is_owner
        self.started_by: str | None = None

    async def may_reindex(self, user: discord.abc.User) -> bool:
        if await self.is_owner(user):
            return True
        role = self.reindex_role
        return bool(role) and isinstance(user, discord.Member) and any(r.name == role for r in user.roles)

    async def run(self, interaction: discord.Interaction, full: bool) -> None:
        if not await self.may_reindex(interaction.user):
            await InteractionReply(interaction).refuse(reindex_refused_text(self.reindex_role))
            return
        if self.started_by is not None:
            await InteractionReply(interaction).refuse(rebuild_busy_text(self.started_by))
            return
        self.started_by = interaction.user.display_name
        try:
            await interaction.response.defer(ephemeral=True, thinking=True)
            show = InteractionReply(interaction).edit
            try:
                report, seconds = await self.rebuild_index(full, show)
            except (RetrievalError, CorpusError) as error:
                await show(problem_text(str(error)))
            else:
                log.info("index rebuilt by %s: %s", interaction.user.id, report.summary())
                await show(rebuild_done_text(report, seconds))
        finally:
            self.started_by = None

    async def rebuild_index(self, full: bool, show: Show) -> tuple[BuildReport, float]:
        """Rebuild in a worker thread, showing progress; questions keep using the old index."""
        latest = [(0, 0)]

        def progress(done: int, total: int) -> None:  # called from the worker thread
            latest[0] = (done, total)

        started = time.perf_counter()
        await show(progress_text(0, 0))
        job = asyncio.ensure_future(asyncio.to_thread(self.library.rebuild, full, progress))
        shown = progress_text(0, 0)
        while not (await asyncio.wait({job}, timeout=PROGRESS_INTERVAL))[0]:
            text = progress_text(*latest[0])
            if text != shown:
                await show(text)
                shown = text
        return job.result(), time.perf_counter() - started
