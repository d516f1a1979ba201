"""The "More results" pager under an answer (or a long `/sources` list)."""

from __future__ import annotations

import logging
from collections.abc import Sequence

import discord

from newsbot.bot.discord.text.status import NOT_YOUR_PAGES_TEXT

log = logging.getLogger(__name__)

# Interaction tokens (which edit a slash command's reply) expire after 15 minutes; stop before.
PAGER_TIMEOUT = 10 * 60


class PagerView(discord.ui.View):
    """Pages through pre-rendered embeds in place; only the person who asked may turn them."""

    def __init__(self, pages: Sequence[discord.Embed], owner_id: int, timeout: float = PAGER_TIMEOUT) -> None:
        super().__init__(timeout=timeout)
        self.pages = list(pages)
        self.owner_id = owner_id
        self.page = 0
        self.message: discord.Message | None = None
        self._sync_buttons()

    async def interaction_check(self, interaction: discord.Interaction) -> bool:
        if interaction.user.id == self.owner_id:
            return True
        await interaction.response.send_message(NOT_YOUR_PAGES_TEXT, ephemeral=True)
        return False

    @discord.ui.button(label="Previous", emoji="◀️", style=discord.ButtonStyle.secondary)
    async def previous(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, self.page - 1)

    @discord.ui.button(label="More results", emoji="▶️", style=discord.ButtonStyle.primary)
    async def more(self, interaction: discord.Interaction, _button: discord.ui.Button) -> None:
        await self._show(interaction, self.page + 1)

    async def _show(self, interaction: discord.Interaction, page: int) -> None:
        self.page = max(0, min(page, len(self.pages) - 1))
        self._sync_buttons()
        await interaction.response.edit_message(embed=self.pages[self.page], view=self)

    def _sync_buttons(self) -> None:
        self.previous.disabled = self.page == 0
        self.more.disabled = self.page >= len(self.pages) - 1

    async def on_timeout(self) -> None:
        """Take the buttons away, so nobody clicks one that no longer answers."""
        if self.message is None:
            return
        try:
            await self.message.edit(view=None)
        except discord.HTTPException as error:  # the message was deleted, or the token expired
            log.debug("could not remove the pager from message %s: %s", self.message.id, error)
