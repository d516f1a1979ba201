"""Building the real bot against simcord's stand-in for Discord, on a throwaway corpus and index."""

from __future__ import annotations

import shutil
import threading
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import discord
import numpy as np
import simcord

from newsbot.bot.app import open_library
from newsbot.bot.config import Config, load_config
from newsbot.bot.discord.app import NewsBot
from newsbot.retrieval.embedding.choice import Embedders
from newsbot.retrieval.library import Library
from newsbot.retrieval.search.answer import Answer
from newsbot.retrieval.search.conversation import Conversation
from tests.conftest import SHIPPED_ARTICLES
from tests.conftest import write_config as write_base_config
from tests.fakes import FAKE_MODEL, HashingEmbedder, HashingTokenEmbedder

REAL_MODEL = "all-MiniLM-L6-v2"
REINDEX_ROLE = "newsbot-admin"
SUMMONED = "who summoned the ambassador?"  # the shipped articles answer it


def write_config(root: Path, model: str, cooldown: float = 5.0, test_guild: int = 0, search: str = "") -> Path:
    """A config.toml in `root` for a copy of the shipped articles in `root/articles`, index in `root/index`;
    `search` is extra `[search]` lines."""
    if not (root / "articles").exists():
        shutil.copytree(SHIPPED_ARTICLES, root / "articles")
    discord_section = (
        f'[discord]\ntest_guild = {test_guild}\nreindex_role = "{REINDEX_ROLE}"\ncooldown_seconds = {cooldown}\n'
    )
    search_section = f"[search]\n{search}\n" if search else ""
    return write_base_config(root, model, extra=discord_section + search_section)


def fake_library(config: Config, embedder: HashingEmbedder | None = None) -> Library:
    """A library on the deterministic fake model, its index built."""
    embedder = embedder or HashingTokenEmbedder()
    library = open_library(config, embedder_factory=lambda: embedder)
    library.rebuild()
    return library


def add_article(config: Config, name: str, text: str) -> None:
    (config.corpus_dirs[0] / name).write_text(text, encoding="utf-8")


def library_of_one_article(tmp_path: Path, name: str, text: str) -> tuple[Library, Config]:
    """A fake-model library whose corpus is just this article, so it is always the top hit."""
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    for shipped in config.corpus_dirs[0].iterdir():
        shipped.unlink()
    add_article(config, name, text)
    return fake_library(config), config


class RecordingLibrary(Library):
    """The real library on the fake model, noting the conversation each question came in."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.asked: list[tuple[str, Conversation | None]] = []

    def ask(
        self, question: str, top_k: int | None = None, conversation: Conversation | None = None, ranked: bool = False
    ) -> Answer:
        self.asked.append((question, conversation))
        return super().ask(question, top_k, conversation, ranked)

    def conversation_of(self, question: str) -> Conversation | None:
        """The conversation the last asking of `question` was read in."""
        return next(conversation for asked, conversation in reversed(self.asked) if asked == question)


def recording_library(config: Config) -> RecordingLibrary:
    """Built as `open_library` builds one for tests: the fake model for questions and builds."""
    built = fake_library(config)
    embedder = built.embedder
    return RecordingLibrary(
        corpus_dirs=config.corpus_dirs,
        index_dir=config.index_dir,
        rules=config.paragraphs,
        search_settings=built.search_settings,
        embedders=Embedders.one(lambda: embedder),
        model_name=config.model,
    )


class GatedEmbedder(HashingEmbedder):
    """The fake model, except that while `gate` is closed, rebuild batches (>1 text) wait for it.

    Questions (one text) pass, so a test can ask while a rebuild is stuck halfway.
    """

    def __init__(self) -> None:
        super().__init__()
        self.gate = threading.Event()
        self.gate.set()
        self.waiting = threading.Event()
        self.questions_while_stuck = 0

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        if not self.gate.is_set():
            if len(texts) > 1:
                self.waiting.set()
                self.gate.wait(timeout=30)
            else:
                self.questions_while_stuck += 1
        return super().embed_batch(texts)


@dataclass
class World:
    """A server with a #news channel and four people, in front of the running bot."""

    env: simcord.Env
    bot: NewsBot
    guild: simcord.GuildHandle
    channel: simcord.ChannelHandle
    alice: simcord.MemberActor  # a plain member
    owner: simcord.MemberActor  # the bot's owner, who can manage the server
    manager: simcord.MemberActor  # can manage the server, but is neither owner nor in the role
    admin: simcord.MemberActor  # has the reindex role from config.toml

    async def ask(self, who: simcord.MemberActor, question: str) -> simcord.InteractionResult:
        return await who.slash(self.channel, "ask", question=question)

    async def mention(self, who: simcord.MemberActor, text: str) -> discord.Message:
        await who.send(self.channel, f"{self.bot.user.mention} {text}")
        return self.bots_last_message()

    async def reply(self, who: simcord.MemberActor, to: discord.Message, text: str) -> discord.Message:
        """A Discord reply to `to`, pinging its author (Discord's default), without an @-mention in the text."""
        await who.send(self.channel, text, reply_to=to)
        return self.bots_last_message()

    def bots_last_message(self) -> discord.Message:
        reply = self.channel.last_message
        assert reply is not None and reply.author.id == self.bot.user.id
        return reply


def make_bot(library: Library, config: Config, sync: bool = True, follow_feeds: bool = False) -> NewsBot:
    """The bot as `run_discord` makes it; `follow_feeds` adds /feeds and the scheduled update."""
    feeds = config.feeds if follow_feeds else None
    return NewsBot(library, config.discord, top_k=config.search.top_k, sync_commands=sync, feeds=feeds)


@asynccontextmanager
async def running(
    library: Library, config: Config, sync: bool = True, follow_feeds: bool = False, **options
) -> AsyncIterator[World]:
    bot = make_bot(library, config, sync=sync, follow_feeds=follow_feeds)
    async with simcord.run(bot, **options) as env:
        guild = env.create_guild("Newsroom", id=config.discord.test_guild or None)
        channel = guild.create_text_channel("news")
        managers = guild.create_role("Managers", permissions=discord.Permissions(manage_guild=True))
        admins = guild.create_role(REINDEX_ROLE)
        owner = guild.add_member(env.create_user("olivia"), roles=[managers])
        bot.owner_ids = {owner.id}
        yield World(
            env=env,
            bot=bot,
            guild=guild,
            channel=channel,
            alice=guild.add_member(env.create_user("alice")),
            owner=owner,
            manager=guild.add_member(env.create_user("mark"), roles=[managers]),
            admin=guild.add_member(env.create_user("ada"), roles=[admins]),
        )


def embed_text(embed: discord.Embed) -> str:
    """Everything a person reads in an embed, in order."""
    parts = [embed.title or "", embed.description or ""]
    parts += [f"{field.name}\n{field.value}" for field in embed.fields]
    parts.append(embed.footer.text or "")
    return "\n".join(parts)
