"""Followed feeds on Discord: `/feeds add|list|remove|update` for admins, and a scheduled update.

Every `feeds.update_minutes` (config.toml; 0 = never) the bot reads the followed feeds and
takes their new articles into the index in the background, as `/reindex` rebuilds: fetching,
writing and rebuilding run in a worker thread, questions are answered from the old index
meanwhile, and the new one is swapped in when it is ready, with no restart. An update and a
`/reindex` never run at once: they share `Reindexing.started_by`. The commands are gated like
`/reindex` (the owner, or members with `discord.reindex_role`). The work itself is the CLI's
(`newsbot.corpus.web.updating`); this module only schedules it and says how it went.
"""

from __future__ import annotations

import asyncio
import logging

import discord
from discord import app_commands
from discord.ext import commands, tasks

from newsbot.bot.config import FeedSettings
from newsbot.bot.discord.reindex import Reindexing
from newsbot.bot.discord.text.feeds import (
    FEEDS_BUSY_TEXT,
    feed_list_text,
    feeds_refused_text,
    followed_text,
    unfollowed_text,
    update_done_text,
)
from newsbot.bot.discord.text.safe import MESSAGE_LIMIT, cut_at_word, safe_text
from newsbot.corpus.errors import CorpusError
from newsbot.retrieval import RetrievalError

log = logging.getLogger("newsbot.discord")

SCHEDULED = "the scheduled feed update"


class FeedFollowing:
    """Reads the followed feeds and takes new articles in, one run at a time; the feeds file
    is changed under `registry_lock`, so an update never writes over a feed added meanwhile."""

    def __init__(self, settings: FeedSettings, reindexing: Reindexing) -> None:
        self.settings = settings
        self.reindexing = reindexing
        self.registry_lock = asyncio.Lock()

    async def update(self, started_by: str):
        """(UpdateReport, BuildReport or None), or None when a rebuild is already running."""
        if self.reindexing.started_by is not None:
            return None
        self.reindexing.started_by = started_by
        try:
            async with self.registry_lock:
                return await asyncio.to_thread(self._update)
        finally:
            self.reindexing.started_by = None

    def _update(self):
        from newsbot.corpus.web.feeds import FeedRegistry
        from newsbot.corpus.web.updating import collect_updates, store_updates

        library = self.reindexing.library
        registry = FeedRegistry.load(self.settings.file)
        report = collect_updates(registry, library.corpus_dirs, self.settings.fetch_policy(), rules=library.rules)
        built = store_updates(report, registry, library.corpus_dirs[0], lambda: library.rebuild(False))
        return report, built

    async def follow(self, url: str):
        """Check `url` is a readable feed and follow it: (its address, the parsed feed)."""
        async with self.registry_lock:
            return await asyncio.to_thread(self._follow, url)

    def _follow(self, url: str):
        from newsbot.corpus.web.feeds import follow
        from newsbot.corpus.web.fetching import Fetcher

        (followed,) = follow(self.settings.file, [url], Fetcher(self.settings.fetch_policy()))
        return followed

    async def unfollow(self, url: str) -> str:

        async with self.registry_lock:
            return await asyncio.to_thread(self._unfollow, url)

    def _unfollow(self, url: str) -> str:
        from newsbot.corpus.web.feeds import FeedRegistry

        with FeedRegistry.editing(self.settings.file) as registry:
            return registry.remove(url).url

    async def followed(self):
        from newsbot.corpus.web.feeds import FeedRegistry

        return (await asyncio.to_thread(FeedRegistry.load, self.settings.file)).feeds


class FeedsCog(commands.Cog):
    feeds = app_commands.Group(
        name="feeds",
        description="The RSS/Atom feeds the bot follows (bot admins)",
        default_permissions=discord.Permissions(manage_guild=True),
        guild_only=True,
    )

    def __init__(self, bot: commands.Bot, following: FeedFollowing) -> None:
        self.bot = bot
        self.following = following

    async def cog_load(self) -> None:
        minutes = self.following.settings.update_minutes
        if minutes > 0:
            self.scheduled_update.change_interval(minutes=minutes)
            self.scheduled_update.start()
            log.info("following feeds: an update every %d minutes", minutes)

    async def cog_unload(self) -> None:
        self.scheduled_update.cancel()

    @tasks.loop(minutes=60)
    async def scheduled_update(self) -> None:
        try:
            outcome = await self.following.update(SCHEDULED)
        except (CorpusError, RetrievalError) as error:  # the feeds file or the index; fetch failures are in the report
            log.error("feed update failed: %s", error)
            return
        if outcome is None:
            log.info("feed update skipped: a rebuild is running")
            return
        report, built = outcome
        log.info("feeds read: %s%s", report.summary(), f"; index rebuilt: {built.summary()}" if built else "")
        for line in report.errors:
            log.warning("feed update: %s", line)

    @scheduled_update.before_loop
    async def _wait_until_ready(self) -> None:
        await self.bot.wait_until_ready()

    async def _allowed(self, interaction: discord.Interaction) -> bool:
        reindexing = self.following.reindexing
        if await reindexing.may_reindex(interaction.user):
            return True
        await interaction.response.send_message(feeds_refused_text(reindexing.reindex_role or ""), ephemeral=True)
        return False

    @feeds.command(name="add", description="Follow an RSS or Atom feed; its new articles are read at each update")
    @app_commands.describe(url="The feed's address, http:// or https://")
    async def add(self, interaction: discord.Interaction, url: str) -> None:
        if await self._allowed(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self._reply(interaction, self.following.follow(url), lambda found: followed_text(*found))

    @feeds.command(name="remove", description="Stop following a feed; its articles stay")
    @app_commands.describe(url="The feed's address, as /feeds list shows it")
    async def remove(self, interaction: discord.Interaction, url: str) -> None:
        if await self._allowed(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self._reply(interaction, self.following.unfollow(url), unfollowed_text)

    @feeds.command(name="list", description="The followed feeds")
    async def list_feeds(self, interaction: discord.Interaction) -> None:
        if await self._allowed(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            await self._reply(interaction, self.following.followed(), feed_list_text)

    @feeds.command(name="update", description="Read the followed feeds now and add their new articles")
    async def update_now(self, interaction: discord.Interaction) -> None:
        if await self._allowed(interaction):
            await interaction.response.defer(ephemeral=True, thinking=True)
            work = self.following.update(interaction.user.display_name)
            await self._reply(interaction, work, lambda done: update_done_text(*done) if done else FEEDS_BUSY_TEXT)

    async def _reply(self, interaction: discord.Interaction, work, render) -> None:
        try:
            text = render(await work)
        except (CorpusError, RetrievalError) as error:  # a message naming the address: not capitalised
            text = cut_at_word(f"⚠️ {safe_text(str(error))}", MESSAGE_LIMIT)
        await interaction.followup.send(text, ephemeral=True)
