"""The Discord face: the bot and its lifecycle (`newsbot.bot.discord.run` starts it as a process).

The bot holds no search logic: every question goes to the same `Library.ask` the CLI uses,
run in a worker thread so the gateway heartbeat never waits for the model, in the
conversation `newsbot.bot.discord.conversations` picks for it (the asker's own in that channel, or
the one a replied-to answer ended), and every reply is built by the pure functions of
`newsbot.bot.discord.text.answers`.
"""

from __future__ import annotations

import asyncio
import logging
import re

import discord
from discord.ext import commands

from newsbot.bot.config import DiscordSettings, FeedSettings
from newsbot.bot.discord.commands import MessageReply, NewsCog, NewsTree, Reply
from newsbot.bot.discord.conversations import Conversations
from newsbot.bot.discord.generations import GenerationWatch
from newsbot.bot.discord.input import (
    HELP_COMMAND,
    NEW_COMMAND,
    SYNC_COMMAND,
    UserCooldown,
    has_words,
    is_command,
    plain_question,
)
from newsbot.bot.discord.reindex import Reindexing
from newsbot.bot.discord.text.answers import answer_pages
from newsbot.bot.discord.text.status import (
    AFRESH_TEXT,
    NO_WORDS_TEXT,
    SYNC_REFUSED_TEXT,
    UNEXPECTED_TEXT,
    cooldown_text,
    help_text,
    problem_text,
    synced_text,
)
from newsbot.bot.discord.views import PagerView
from newsbot.retrieval import (
    Answer,
    Conversation,
    Library,
    QuestionError,
    RetrievalError,
    clean_question,
)

log = logging.getLogger("newsbot.discord")

TOKEN_ENV = "DISCORD_TOKEN"
MAX_PAGES = 5  # "More results" pages further than top_k, up to this many pages

# What the invite link asks for; docs/discord.md explains each one.
INVITE_PERMISSIONS = discord.Permissions(
    view_channel=True,
    send_messages=True,
    send_messages_in_threads=True,
    embed_links=True,
    read_message_history=True,
)
INVITE_SCOPES = ("bot", "applications.commands")

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
        conversations: Conversations | None = None,
        feeds: FeedSettings | None = None,
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
        self.conversations = conversations or Conversations()
        self.reindexing = Reindexing(library, settings.reindex_role, self.is_owner)
        self.feed_settings = feeds  # None: no /feeds commands, no scheduled update

    async def setup_hook(self) -> None:
        log.info("loading the index and the model")
        await asyncio.to_thread(_warm_up, self.library)
        await self.add_cog(NewsCog(self))
        await self.add_cog(GenerationWatch(self.library, self.reindexing))
        if self.feed_settings is not None:
            from newsbot.bot.discord.feeds import FeedFollowing, FeedsCog

            await self.add_cog(FeedsCog(self, FeedFollowing(self.feed_settings, self.reindexing)))
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

    async def ask(self, question: str, conversation: Conversation | None = None) -> Answer:
        """The search, in a worker thread: embedding takes long enough to stall the heartbeat."""
        return await asyncio.to_thread(self.library.ask, question, self.page_size * MAX_PAGES, conversation)

    async def respond(
        self,
        reply: Reply,
        asker: discord.abc.User,
        channel_id: int,
        text: str,
        *,
        replying_to: int | None = None,
        afresh: bool = False,
    ) -> None:
        """Answer a question however it was asked: checks first, then search, then the pages.

        The question continues the conversation `replying_to` (an answer's message id) ended,
        else the asker's own in this channel, unless `afresh`.
        """
        question = plain_question(text)
        refusal = self._refusal(question, asker.id)
        if refusal is not None:
            await reply.refuse(refusal)
            return
        if afresh:
            self.conversations.start_afresh(asker.id, channel_id)
        before = self.conversations.before(asker.id, channel_id, None if afresh else replying_to)
        await reply.working()
        try:
            answer = await self.ask(question, before)
        except RetrievalError as error:
            await reply.say(problem_text(str(error)))
            return
        turn = len(before.turns) + 1
        log.info("question from %s (%d chars, turn %d): answered=%s", asker.id, len(question), turn, answer.answered)
        after = before.followed_by(answer)
        self.conversations.record(asker.id, channel_id, after)
        message = await self.send_answer(reply, answer, asker.id)
        self.conversations.record_answer(message.id, after)

    def _refusal(self, question: str, asker_id: int) -> str | None:
        """Why the question is not searched, if it is not; only a searched question costs a cooldown."""
        try:
            clean_question(question, self.library.search_settings)
        except QuestionError as error:
            return problem_text(str(error))
        if not has_words(question):
            return NO_WORDS_TEXT
        wait = self.cooldown.retry_after(asker_id)
        return cooldown_text(wait) if wait > 0 else None

    async def send_answer(self, reply: Reply, answer: Answer, asker_id: int) -> discord.Message:
        pages = answer_pages(answer, self.page_size)
        view = PagerView(pages, asker_id) if len(pages) > 1 else None
        message = await reply.send(pages[0], view)
        if view is not None:
            view.message = message
        return message

    async def reindex(self, interaction: discord.Interaction, full: bool) -> None:
        await self.reindexing.run(interaction, full)

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
        """A DM, a message that @-mentions the bot in its text, or a reply to the bot that pings it.

        Without the Message Content intent only these carry their text; a reply with the ping
        turned off arrives empty, so it is not taken for a question.
        """
        assert self.user is not None
        if message.guild is None or re.search(rf"<@!?{self.user.id}>", message.content):
            return True
        return self.user in message.mentions and self._replies_to_me(message)

    def _replies_to_me(self, message: discord.Message) -> bool:
        reference = message.reference
        if reference is None or reference.message_id is None:
            return False
        replied = reference.resolved
        if isinstance(replied, discord.Message):
            assert self.user is not None
            return replied.author.id == self.user.id
        return self.conversations.knows_answer(reference.message_id)

    async def handle_message(self, message: discord.Message, reply: MessageReply) -> None:
        question = plain_question(message.content)
        if not question or is_command(question, HELP_COMMAND):
            assert self.user is not None
            await reply.refuse(help_text(self.user.display_name))
        elif is_command(question, SYNC_COMMAND):
            await self.sync_by_owner(message.author, reply)
        elif is_command(question, NEW_COMMAND):
            self.conversations.start_afresh(message.author.id, message.channel.id)
            await reply.refuse(AFRESH_TEXT)
        else:
            replying_to = message.reference.message_id if message.reference is not None else None
            await self.respond(reply, message.author, message.channel.id, question, replying_to=replying_to)

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
