"""The slash commands and the two ways of replying (to an interaction, to a message).

Callbacks are a line or two: the work lives in `NewsBot`, the text in `newsbot.bot.discord.text.answers`.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any, Protocol

import discord
from discord import app_commands
from discord.ext import commands

from newsbot.bot.discord.text.answers import sources_pages
from newsbot.bot.discord.text.status import UNEXPECTED_TEXT, problem_text
from newsbot.bot.discord.views import PagerView
from newsbot.retrieval import Library, RetrievalError

log = logging.getLogger("newsbot.discord")


class Reply(Protocol):
    """Where an answer goes. `refuse` comes before `working`; `say` and `send` after it."""

    async def refuse(self, text: str) -> None: ...

    async def working(self) -> None: ...

    async def say(self, text: str) -> None: ...

    async def send(self, embed: discord.Embed, view: discord.ui.View | None) -> discord.Message: ...


class InteractionReply:
    """Refusals are private (ephemeral); answers follow a "thinking…" placeholder, public unless asked."""

    def __init__(self, interaction: discord.Interaction, private: bool = False) -> None:
        self.interaction = interaction
        self.private = private

    async def refuse(self, text: str) -> None:
        if self.interaction.response.is_done():
            await self.interaction.followup.send(text, ephemeral=True)
        else:
            await self.interaction.response.send_message(text, ephemeral=True)

    async def working(self) -> None:
        await self.interaction.response.defer(thinking=True, ephemeral=self.private)

    async def say(self, text: str) -> None:
        await self.interaction.followup.send(text, ephemeral=self.private)

    async def send(self, embed: discord.Embed, view: discord.ui.View | None) -> discord.Message:
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        return await self.interaction.followup.send(embed=embed, ephemeral=self.private, wait=True, **extra)

    async def edit(self, text: str) -> None:
        """Replace the deferred reply's text; a lost edit (expired token) is logged, not fatal."""
        try:
            await self.interaction.edit_original_response(content=text)
        except discord.HTTPException as error:
            log.warning("could not update the reply to interaction %s: %s", self.interaction.id, error)


class MessageReply:
    """Replies to a mention or a DM, without pinging its author."""

    def __init__(self, message: discord.Message) -> None:
        self.message = message
        self._reference = message.to_reference(fail_if_not_exists=False)

    async def refuse(self, text: str) -> None:
        await self.message.channel.send(text, reference=self._reference)

    async def working(self) -> None:
        await self.message.channel.typing()

    async def say(self, text: str) -> None:
        await self.refuse(text)

    async def send(self, embed: discord.Embed, view: discord.ui.View | None) -> discord.Message:
        # discord.py's overloads take a View or no view, not None (which send treats as none)
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        return await self.message.channel.send(embed=embed, reference=self._reference, **extra)


class NewsTree(app_commands.CommandTree):
    """The one place unexpected command errors end: logged in full, a short apology in Discord."""

    async def on_error(self, interaction: discord.Interaction, error: app_commands.AppCommandError) -> None:
        command = interaction.command.qualified_name if interaction.command else "?"
        log.error("/%s failed", command, exc_info=error)
        try:
            await InteractionReply(interaction).refuse(UNEXPECTED_TEXT)
        except discord.HTTPException:
            log.warning("could not tell the user about the failure of /%s", command)


class Host(Protocol):
    """What the slash commands need of the bot (`newsbot.bot.discord.app.NewsBot` is one)."""

    library: Library

    async def respond(
        self, reply: Reply, asker: discord.abc.User, channel_id: int, text: str, *, afresh: bool = False
    ) -> None: ...

    async def reindex(self, interaction: discord.Interaction, full: bool) -> None: ...


class NewsCog(commands.Cog):
    def __init__(self, bot: Host) -> None:
        self.bot = bot

    @app_commands.command(name="ask", description="Ask the news articles a question and get cited passages")
    @app_commands.describe(
        question="What you want to know, e.g. who summoned the ambassador?",
        private="Show the answer to you only",
        new="Start a new conversation: don't read this as a follow-up to your earlier questions",
    )
    async def ask(
        self, interaction: discord.Interaction, question: str, private: bool = False, new: bool = False
    ) -> None:
        reply = InteractionReply(interaction, private)
        await self.bot.respond(reply, interaction.user, interaction.channel_id or 0, question, afresh=new)

    @app_commands.command(name="sources", description="List the articles the answers come from")
    async def sources(self, interaction: discord.Interaction) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        try:
            found = await asyncio.to_thread(self.bot.library.sources)
        except RetrievalError as error:
            await interaction.followup.send(problem_text(str(error)), ephemeral=True)
            return
        pages = sources_pages(found)
        view = PagerView(pages, interaction.user.id) if len(pages) > 1 else None
        extra: dict[str, Any] = {"view": view} if view is not None else {}
        message = await interaction.followup.send(embed=pages[0], ephemeral=True, wait=True, **extra)
        if view is not None:
            view.message = message

    @app_commands.command(name="reindex", description="Rebuild the index from the article folders (bot admins)")
    @app_commands.describe(full="Embed every article again, not only new and changed ones")
    @app_commands.default_permissions(manage_guild=True)
    @app_commands.guild_only()
    async def reindex(self, interaction: discord.Interaction, full: bool = False) -> None:
        await self.bot.reindex(interaction, full)
