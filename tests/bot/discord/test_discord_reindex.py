"""/reindex on the real bot against simcord: who may run it, what it reports, and that
questions keep being answered from the old index while a rebuild runs in the background.

The fake model's `GatedEmbedder` holds a rebuild halfway, so a test can act while it is stuck.
"""

from __future__ import annotations

import threading

import pytest
import simcord
from filelock import FileLock

from newsbot.bot.config import load_config
from tests.discord_support import SUMMONED, GatedEmbedder, add_article, embed_text, fake_library, running, write_config
from tests.fakes import FAKE_MODEL

pytestmark = pytest.mark.asyncio


# --- /reindex ---------------------------------------------------------------------------------


async def test_owner_reindexes_and_new_articles_are_answered(fake):
    library, config = fake
    add_article(config, "harbour.txt", "The harbour council banned parking on the quay from Monday.\n")
    async with running(library, config) as world:
        result = await world.owner.slash(world.channel, "reindex")
        answer = await world.ask(world.alice, "which council banned parking on the quay?")
        edits = [r.json.get("content", "") for r in world.env.http_requests if r.method == "PATCH" and r.json]
    assert result.ephemeral
    assert result.response.content.startswith("✅ Index rebuilt in ")
    assert "1 added, 0 updated, 0 removed, 2 unchanged" in result.response.content
    assert "⏳ Rebuilding the index…" in edits
    first = answer.response.embeds[0].fields[0]
    assert first.name.startswith("1. ") and "\n`harbour.txt` · relevance " in first.value


async def test_member_with_the_configured_role_may_reindex(fake):
    async with running(*fake) as world:
        reindex = next(c for c in await world.bot.tree.fetch_commands() if c.name == "reindex")
        world.guild.set_command_permissions(reindex, {world.guild.roles["newsbot-admin"]: True})
        assert "reindex" in world.admin.available_commands(world.channel)
        result = await world.admin.slash(world.channel, "reindex")
    assert result.response.content.startswith("✅ Index rebuilt")


async def test_reindex_is_refused_to_a_manager_who_is_neither_owner_nor_in_the_role(fake):
    async with running(*fake) as world:
        result = await world.manager.slash(world.channel, "reindex")
    assert result.ephemeral
    assert result.response.content == (
        "🔒 Only the bot's owner or members with the “newsbot-admin” role can rebuild the index."
    )


async def test_reindex_is_hidden_from_plain_members(fake):
    async with running(*fake) as world:
        assert "reindex" not in world.alice.available_commands(world.channel)
        assert "reindex" in world.owner.available_commands(world.channel)
        with pytest.raises(simcord.SetupError, match="not visible"):
            await world.alice.slash(world.channel, "reindex")


async def test_reindex_reports_a_deleted_article(fake):
    library, config = fake
    (config.corpus_dirs[0] / "004_ff9fbbdbf3039c2b.txt").unlink()
    async with running(library, config) as world:
        result = await world.owner.slash(world.channel, "reindex")
        sources = await world.alice.slash(world.channel, "sources")
    assert "0 added, 0 updated, 1 removed, 1 unchanged" in result.response.content
    assert sources.response.embeds[0].title == "Indexed articles (1)"


async def test_reindex_while_another_process_rebuilds_is_told_to_wait(fake):
    library, config = fake
    async with running(library, config) as world:
        with FileLock(config.index_dir / ".build.lock"):
            result = await world.owner.slash(world.channel, "reindex")
    assert result.response.content.startswith("⚠️ Another rebuild of ")
    assert result.response.content.endswith("is running; try again when it ends")


async def start_stuck_rebuild(world, embedder: GatedEmbedder) -> None:
    """Start /reindex and leave it stuck embedding; simcord gives up waiting, the bot does not."""
    embedder.gate.clear()
    with pytest.raises(TimeoutError, match="did not settle"):
        await world.owner.slash(world.channel, "reindex")
    assert embedder.waiting.is_set()


def release_soon(embedder: GatedEmbedder) -> None:
    """Let the rebuild finish shortly after the next action has been answered."""
    threading.Timer(0.5, embedder.gate.set).start()


async def test_question_during_reindex_is_answered_from_the_old_index(tmp_path):
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    embedder = GatedEmbedder()
    library = fake_library(config, embedder)
    article = config.corpus_dirs[0] / "000_bfb5fe1d5446f174.txt"
    article.write_text(article.read_text().replace("summoned", "called in"), encoding="utf-8")
    async with running(library, config, settle_timeout=1.5) as world:
        await start_stuck_rebuild(world, embedder)
        release_soon(embedder)
        during = await world.ask(world.alice, SUMMONED)
        after = await world.ask(world.admin, SUMMONED)
        seen_by_owner = [message.content for message in world.channel.history(viewer=world.owner)]
    assert embedder.questions_while_stuck == 1
    assert any(content.startswith("✅ Index rebuilt") for content in seen_by_owner)
    assert "French government **summoned** the U.S. **ambassador**" in embed_text(during.response.embeds[0])
    assert "French government **summoned**" not in embed_text(after.response.embeds[0])


async def test_second_reindex_while_one_runs_is_told_it_is_running(tmp_path):
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    embedder = GatedEmbedder()
    library = fake_library(config, embedder)
    add_article(
        config,
        "harbour.txt",
        "The harbour council met on Monday evening to discuss parking on the quay.\n\n"
        "It banned parking on the quay from next Monday, except for delivery vans.\n",
    )
    async with running(library, config, settle_timeout=1.5) as world:
        await start_stuck_rebuild(world, embedder)
        release_soon(embedder)
        second = await world.owner.slash(world.channel, "reindex")
    assert second.ephemeral
    assert second.response.content == (
        "⏳ A rebuild started by olivia is already running; the new index is swapped in when it ends."
    )



# --- a generation published elsewhere -----------------------------------------------------------


async def test_a_generation_another_process_published_is_answered_without_a_restart(fake):
    """`newsbot update` from cron writes a new generation; the running bot swaps it in."""
    import asyncio

    from tests.discord_support import fake_library

    library, config = fake
    async with running(library, config) as world:
        before = library.generation()
        add_article(config, "harbour.txt", "The harbour council banned parking on the quay from Monday.\n")
        await asyncio.to_thread(fake_library, config)  # another process: its own library, same folders
        for _ in range(100):  # simcord's clock: the watch looks every few seconds; a swap takes a thread's time
            await world.env.advance_time(1)
            if library.generation() != before:
                break
            await asyncio.sleep(0.05)
        answer = await world.ask(world.alice, "which council banned parking on the quay?")
    assert library.generation() != before
    assert "\n`harbour.txt` · relevance " in answer.response.embeds[0].fields[0].value
