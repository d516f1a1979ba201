"""What a server admin relies on, on the real bot against simcord: article text cannot ping
anyone or break Discord's limits, /sources lists the articles, commands are synced only when
asked, and the invite's permissions are enough.

Article text is untrusted (anyone can add a file or a feed), so those tests index one crafted
article and check what reaches Discord.
"""

from __future__ import annotations

import discord
import pytest
import simcord

from newsbot.bot.config import load_config
from newsbot.bot.discord.app import INVITE_PERMISSIONS
from tests.discord_support import SUMMONED, fake_library, library_of_one_article, running, write_config
from tests.fakes import FAKE_MODEL

pytestmark = pytest.mark.asyncio

ZWSP = "\u200b"


# --- article text is untrusted ------------------------------------------------------------


INJECTED = (
    "Breaking news for @everyone and @here: the harbour council <@&123> told <@!456789> "
    "about new parking rules on the quay, see [this](https://x.example) and ||spoilers||.\n"
)


async def test_article_text_cannot_ping_anyone(tmp_path):
    library, config = library_of_one_article(tmp_path, "injected.txt", INJECTED)
    async with running(library, config) as world:
        slash = (await world.ask(world.alice, "what are the parking rules on the quay?")).response.message
        mention = await world.mention(world.admin, "what are the parking rules on the quay?")
        requests = [r.json for r in world.env.http_requests if r.method == "POST" and r.json and "embeds" in r.json]
    for message in (slash, mention):
        text = message.embeds[0].fields[0].value
        assert f"@{ZWSP}everyone" in text and f"@{ZWSP}here" in text and f"<{ZWSP}@&123\\>" in text
        assert "\\|\\|spoilers\\|\\|" in text and "\\[this\\]" in text
        assert not message.mention_everyone and not message.role_mentions and not message.mentions
    assert requests and all(r["allowed_mentions"] == {"parse": []} for r in requests)


async def test_overlong_passage_is_cut_at_a_word_within_discord_limits(tmp_path):
    sentence = "The quay parking rules say " + " ".join(f"clause{i} applies" for i in range(400)) + ".\n"
    library, config = library_of_one_article(tmp_path, "rules.txt", sentence)
    async with running(library, config) as world:
        embed = (await world.ask(world.alice, "what do the quay parking rules say?")).response.embeds[0]
    [field] = embed.fields
    quote = field.value.rsplit("\n", 1)[0]
    assert len(field.value) <= 1024 and len(embed) <= 6000
    assert quote.endswith("…")
    assert sentence.startswith(quote.removeprefix("> ").replace("**", "").replace("__", "").removesuffix("…"))
    assert quote.removesuffix("…").removesuffix("__")[-1].isalnum()


# --- /sources, syncing, permissions --------------------------------------------------------


async def test_sources_lists_the_articles_privately(fake):
    async with running(*fake) as world:
        result = await world.alice.slash(world.channel, "sources")
    embed = result.response.embeds[0]
    assert result.ephemeral
    assert embed.title == "Indexed articles (2)"
    assert "**U.S. spy chief denies claims of logging French phone calls**" in embed.description
    assert "19 paragraphs · Oct. 23, 2013 · `004_ff9fbbdbf3039c2b.txt`" in embed.description


async def test_commands_are_not_synced_on_every_start(fake):
    async with running(*fake, sync=False) as world:
        with pytest.raises(simcord.SetupError, match="never synced"):
            await world.ask(world.alice, SUMMONED)


async def test_owner_syncs_commands_by_mention(fake):
    async with running(*fake, sync=False) as world:
        refused = await world.mention(world.alice, "sync")
        synced = await world.mention(world.owner, "sync")
        assert "ask" in world.alice.available_commands(world.channel)
    assert refused.content == "🔒 Only the bot's owner can sync the slash commands."
    assert synced.content.startswith("🔄 Synced 3 slash commands globally")


async def test_sync_to_the_test_guild_only(tmp_path):
    config = load_config(write_config(tmp_path, FAKE_MODEL, test_guild=1234567890123456789))
    async with running(fake_library(config), config) as world:
        elsewhere = world.env.create_guild("Elsewhere")
        stranger = elsewhere.add_member(world.env.create_user("sam"))
        assert world.guild.id == 1234567890123456789
        assert "ask" in world.alice.available_commands(world.channel)
        assert stranger.available_commands(elsewhere.create_text_channel("general")) == ()


async def test_the_invite_permissions_are_enough(paged):
    async with running(*paged) as world:
        me = world.bot.get_guild(world.guild.id).me
        everything_else = discord.Permissions(discord.Permissions.all().value & ~INVITE_PERMISSIONS.value)
        overwrite = discord.PermissionOverwrite.from_pair(INVITE_PERMISSIONS, everything_else)
        world.channel = world.guild.create_text_channel("strict", overwrites={me: overwrite})
        reply = await world.mention(world.alice, SUMMONED)
        await world.alice.click(reply, label="More results")
        slash = await world.ask(world.admin, SUMMONED)
    assert reply.embeds and slash.response.embeds
