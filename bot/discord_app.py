"""The Discord face: the bot, its lifecycle and `run_discord`, which `newsbot discord` calls.

The bot holds no search logic: every question goes to the same `Library.ask` the CLI uses,
run in a worker thread so the gateway heartbeat never waits for the model, and every reply
is built by the pure functions of `bot.discord_render`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import signal
import sys
import time
from typing import Awaitable, Callable

import aiohttp
import discord
from discord.ext import commands

from bot.app import open_library
from bot.config import Config, DiscordSettings
from bot.discord_commands import InteractionReply, MessageReply, NewsCog, NewsTree, Reply
from bot.discord_input import HELP_COMMAND, SYNC_COMMAND, UserCooldown, has_words, is_command, plain_question
from bot.discord_render import (
    NO_WORDS_TEXT,
    SYNC_REFUSED_TEXT,
    UNEXPECTED_TEXT,
    answer_pages,
    cooldown_text,
    help_text,
    problem_text,
    progress_text,
    rebuild_busy_text,
    rebuild_done_text,
    reindex_refused_text,
    synced_text,
)
from bot.discord_views import PagerView
from corpus.errors import CorpusError
from retrieval.answer import Answer
from retrieval.builder import BuildReport
from retrieval.errors import RetrievalError
from retrieval.library import Library
from retrieval.search import QuestionError, clean_question

log = logging.getLogger("newsbot.discord")

TOKEN_ENV = "DISCORD_TOKEN"
MAX_PAGES = 5  # "More results" pages further than top_k, up to this many pages
PROGRESS_INTERVAL = 2.0  # seconds between progress edits; Discord rate-limits faster edits

# What the invite link asks for; docs/discord.md explains each one.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
)
INVITE_SCOPES = ("bot", "applications.commands")

Show = Callable[[str], Awaitable[None]]


def bot_intents() -> discord.Intents:
    """No privileged intent: mentions and DMs carry their text without message content."""
    return discord.Intents(guilds=True, guild_messages=True, dm_messages=True)


class NewsBot(commands.Bot):
    def __init__(
        self,
        library: Library,
        settings: DiscordSettings,
        *,
        top_k: int,
        sync_commands: bool = False,
        owner_ids: set[int] | None = None,
    ) -> None:
        super().__init__(
            command_prefix=commands.when_mentioned,
            help_command=None,
            intents=bot_intents(),
            allowed_mentions=discord.AllowedMentions.none(),
            tree_cls=NewsTree,
            owner_ids=owner_ids,
        )
        self.library = library
        self.settings = settings
        self.page_size = top_k
        self.sync_on_start = sync_commands
        self.cooldown = UserCooldown(settings.cooldown_seconds)
        self.rebuild_started_by: str | None = None

    async def setup_hook(self) -> None:
        log.info("loading the index and the model")
        await asyncio.to_thread(_warm_up, self.library)
        await self.add_cog(NewsCog(self))
        if self.sync_on_start:
            count, guild_id = await self.sync_commands()
            log.info(synced_text(count, guild_id))

    async def on_ready(self) -> None:
        assert self.user is not None
        url = discord.utils.oauth_url(self.user.id, permissions=INVITE_PERMISSIONS, scopes=INVITE_SCOPES)
        log.info("logged in as %s (%s) in %d servers; invite link: %s", self.user, self.user.id, len(self.guilds), url)

    async def sync_commands(self) -> tuple[int, int | None]:
        """Register the slash commands with Discord: in the test guild if configured, else globally."""
        guild_id = self.settings.test_guild or None
        if guild_id:
            guild = discord.Object(id=guild_id)
            self.tree.copy_global_to(guild=guild)
            synced = await self.tree.sync(guild=guild)
        else:
            synced = await self.tree.sync()
        return len(synced), guild_id

    async def ask(self, question: str) -> Answer:
        """The search, in a worker thread: embedding takes long enough to stall the heartbeat."""
        return await asyncio.to_thread(self.library.ask, question, self.page_size * MAX_PAGES)

    async def respond(self, reply: Reply, asker: discord.abc.User, text: str) -> None:
        """Answer a question however it was asked: checks first, then search, then the pages."""
        question = plain_question(text)
        try:
            clean_question(question, self.library.search_settings)
        except QuestionError as error:
            await reply.refuse(problem_text(str(error)))
            return
        if not has_words(question):
            await reply.refuse(NO_WORDS_TEXT)
            return
        wait = self.cooldown.retry_after(asker.id)
        if wait > 0:
            await reply.refuse(cooldown_text(wait))
            return
        await reply.working()
        try:
            answer = await self.ask(question)
        except RetrievalError as error:
            await reply.say(problem_text(str(error)))
            return
        log.info("question from %s (%d chars): answered=%s", asker.id, len(question), answer.answered)
        pages = answer_pages(answer, self.page_size)
        view = PagerView(pages, asker.id) if len(pages) > 1 else None
        message = await reply.send(pages[0], view)
        if view is not None:
            view.message = message

    async def may_reindex(self, user: discord.abc.User) -> bool:
        if await self.is_owner(user):
            return True
        role = self.settings.reindex_role
        return bool(role) and isinstance(user, discord.Member) and any(r.name == role for r in user.roles)

    async def reindex(self, interaction: discord.Interaction, full: bool) -> None:
        if not await self.may_reindex(interaction.user):
            await InteractionReply(interaction).refuse(reindex_refused_text(self.settings.reindex_role))
            return
        if self.rebuild_started_by is not None:
            await InteractionReply(interaction).refuse(rebuild_busy_text(self.rebuild_started_by))
            return
        self.rebuild_started_by = interaction.user.display_name
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
            self.rebuild_started_by = None

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

    async def on_message(self, message: discord.Message) -> None:
        if message.author.bot or not self._addressed(message):
            return
        reply = MessageReply(message)
        try:
            await self.handle_message(message, reply)
        except discord.Forbidden as error:
            log.warning("cannot reply in channel %s: %s", message.channel.id, error)
        except Exception:
            log.exception("failed to answer message %s", message.id)
            await reply.say(UNEXPECTED_TEXT)

    def _addressed(self, message: discord.Message) -> bool:
        """A DM, or a message that @-mentions the bot in its text (a reply that pings it is not)."""
        assert self.user is not None
        return message.guild is None or re.search(rf"<@!?{self.user.id}>", message.content) is not None

    async def handle_message(self, message: discord.Message, reply: MessageReply) -> None:
        question = plain_question(message.content)
        if not question or is_command(question, HELP_COMMAND):
            assert self.user is not None
            await reply.refuse(help_text(self.user.display_name))
        elif is_command(question, SYNC_COMMAND):
            await self.sync_by_owner(message.author, reply)
        else:
            await self.respond(reply, message.author, question)

    async def sync_by_owner(self, user: discord.abc.User, reply: Reply) -> None:
        if not await self.is_owner(user):
            await reply.refuse(SYNC_REFUSED_TEXT)
            return
        count, guild_id = await self.sync_commands()
        await reply.say(synced_text(count, guild_id))


def _warm_up(library: Library) -> None:
    """Load the index and the model before the first question, not during it."""
    library.index()
    library.embedder  # noqa: B018 - the property loads the model


def run_discord(config: Config, sync: bool) -> int:
    """Run the bot until SIGTERM or Ctrl-C; start-up problems are one line on stderr.

    Only cheap checks come before logging in, so a wrong token is reported at once; the index
    and the model are loaded right after (in `setup_hook`), before the bot goes online.
    """
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        return _fail(
            f"{TOKEN_ENV} is not set: copy the token from the Bot page of your Discord application "
            f"and run `export {TOKEN_ENV}=...` (see the README, \"Discord bot\")",
            code=2,
        )
    library = open_library(config)
    if not library.has_index():
        return _fail(f"no index in {config.index_dir}: run `newsbot index`")
    discord.utils.setup_logging()
    bot = NewsBot(library, config.discord, top_k=config.top_k, sync_commands=sync)
    try:
        asyncio.run(serve(bot, token))
    except discord.LoginFailure:
        return _fail(f"Discord rejected {TOKEN_ENV}: copy it again from the Bot page of your application")
    except (RetrievalError, CorpusError) as error:
        return _fail(str(error))
    except (aiohttp.ClientError, OSError) as error:
        return _fail(f"cannot reach Discord: {error}")
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


def _fail(message: str, code: int = 1) -> int:
    print(f"Error: {message}", file=sys.stderr)
    return code
