"""The real, unmodified bot end to end against simcord's in-process Discord.

Questions about the shipped articles use the real model (loaded once per session); tests that
need an index of their own use the deterministic fake model on a copy of the corpus.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time

import discord
import pytest
import simcord
from filelock import FileLock

from bot.config import Config, load_config
from bot.discord_app import INVITE_PERMISSIONS
from retrieval.library import Library
from tests.discord_support import (
    REAL_MODEL,
    GatedEmbedder,
    embed_text,
    fake_library,
    make_bot,
    running,
    write_config,
)
from tests.fakes import FAKE_MODEL

pytestmark = pytest.mark.asyncio

SUMMONED = "who summoned the ambassador?"
ZWSP = "\u200b"


@pytest.fixture(scope="session")
def real(tmp_path_factory) -> tuple[Library, Config]:
    from bot.app import open_library

    config = load_config(write_config(tmp_path_factory.mktemp("real"), REAL_MODEL))
    library = open_library(config)
    library.rebuild()
    return library, config


@pytest.fixture
def fake(tmp_path) -> tuple[Library, Config]:
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    return fake_library(config), config


@pytest.fixture
def paged(tmp_path) -> tuple[Library, Config]:
    """Every ranked passage shown (`show_relevance = 0`), so an answer has pages to turn."""
    config = load_config(write_config(tmp_path, FAKE_MODEL, search="show_relevance = 0.0"))
    return fake_library(config), config


def add_article(config: Config, name: str, text: str) -> None:
    (config.corpus_dirs[0] / name).write_text(text, encoding="utf-8")


def library_of_one_article(tmp_path, name: str, text: str) -> tuple[Library, Config]:
    """A fake-model library whose corpus is just this article, so it is always the top hit."""
    config = load_config(write_config(tmp_path, FAKE_MODEL))
    for shipped in config.corpus_dirs[0].iterdir():
        shipped.unlink()
    add_article(config, name, text)
    return fake_library(config), config


# --- asking: /ask, mentions, DMs ------------------------------------------------------------


@pytest.mark.model
async def test_ask_cites_a_passage_about_summoning_the_ambassador(real):
    async with running(*real) as world:
        result = await world.ask(world.alice, SUMMONED)
    embed = result.response.embeds[0]
    assert not result.ephemeral and embed.title == SUMMONED
    # Paragraphs of the shipped articles that say who summoned U.S. ambassadors, and their titles.
    summoning = {
        ("000_bfb5fe1d5446f174.txt", 2): "Obama assures French leader Hollande over NSA spying reports",
        ("004_ff9fbbdbf3039c2b.txt", 21): "U.S. spy chief denies claims of logging French phone calls",
    }
    cited = [
        (file, number)
        for rank, field in enumerate(embed.fields[:3], start=1)
        for (file, number), title in summoning.items()
        if re.search(r"\*\*summoned\*\*( the)? U\.S\. \*\*ambassadors?\*\*", field.value)
        and field.name == f"{rank}. {title} · ¶{number}"
        and re.search(rf"\n`{file}` · relevance 0\.\d\d$", field.value)
    ]
    assert cited, embed_text(embed)


@pytest.mark.model
async def test_off_topic_question_says_the_articles_dont_say_and_marks_nearest_passages(real):
    async with running(*real) as world:
        result = await world.ask(world.alice, "what is the best pizza recipe?")
    embed = result.response.embeds[0]
    assert embed.title == "The articles don't say"
    assert "nearest passages" in embed.description
    assert embed.fields and all(field.name.startswith("Nearest passage") for field in embed.fields)


async def test_private_question_is_answered_privately_with_its_pager(paged):
    async with running(*paged) as world:
        result = await world.alice.slash(world.channel, "ask", question=SUMMONED, private=True)
        answer = result.response.message
        await world.alice.click(answer, label="More results")
        seen_by_others = world.channel.history(viewer=world.admin)
        paged = world.channel.history(viewer=world.alice)[-1].embeds[0]
    assert result.ephemeral and result.response.embeds[0].title == SUMMONED
    assert seen_by_others == []
    assert paged.footer.text.startswith("Passages 4–6")


async def test_mention_is_answered_in_a_reply_without_pinging(fake):
    async with running(*fake) as world:
        reply = await world.mention(world.alice, SUMMONED)
        question = world.channel.history()[-2]
    assert reply.reference.message_id == question.id
    assert reply.embeds[0].title == SUMMONED
    assert any("summoned" in field.value for field in reply.embeds[0].fields)
    assert not reply.mentions


async def test_messages_not_addressed_to_the_bot_are_ignored(fake):
    async with running(*fake) as world:
        await world.alice.send(world.channel, SUMMONED)
        assert world.channel.last_message.author.id == world.alice.id


async def test_direct_message_is_answered(fake):
    async with running(*fake) as world:
        await world.alice.send_dm(SUMMONED)
        reply = world.alice.user.dm_channel.last_message
    assert reply.author.id == world.bot.user.id
    assert reply.embeds[0].title == SUMMONED


async def test_bare_mention_gets_help(fake):
    async with running(*fake) as world:
        reply = await world.mention(world.alice, "")
    assert reply.content.startswith("👋 Ask me about the news articles")


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("   ", "⚠️ The question is empty"),
        ("a" * 6000, "⚠️ The question is 6,000 characters long; the limit is 2,000"),
        ("🎉🎉🎉 !!", "🤔 I need a question in words"),
        ("<@123456789012345678> <#123456789012345678>", "⚠️ The question is empty"),
    ],
    ids=["blank", "6000-chars", "emoji", "mentions"],
)
async def test_unusable_questions_get_a_private_friendly_reply(fake, question, expected):
    async with running(*fake) as world:
        result = await world.ask(world.alice, question)
        assert result.ephemeral
        assert result.response.content.startswith(expected)
        followup = await world.ask(world.alice, SUMMONED)  # the refusal cost no cooldown
        assert followup.response.embeds


# --- "More results" -------------------------------------------------------------------------


async def test_more_results_pages_forward_and_back(paged):
    async with running(*paged) as world:
        await world.ask(world.alice, SUMMONED)
        answer = world.channel.last_message
        first = embed_text(answer.embeds[0])
        await world.alice.click(answer, label="More results")
        second = world.channel.last_message.embeds[0]
        await world.alice.click(answer, label="Previous")
        back = world.channel.last_message.embeds[0]
    assert second.footer.text == "Passages 4–6 of 14 · page 2 of 5"  # 15 ranked, two stating the same thing merged
    assert [field.name[:2] for field in second.fields] == ["4.", "5.", "6."]
    assert embed_text(back) == first


async def test_an_answer_shows_only_the_passages_that_answer_and_no_pager(fake):
    async with running(*fake) as world:
        result = await world.ask(world.alice, SUMMONED)
    embed = result.response.embeds[0]
    assert embed.title == SUMMONED
    assert len(embed.fields) < 3  # not padded to top_k with passages that don't answer
    assert result.response.message.components == []


async def test_only_the_asker_can_turn_the_pages(paged):
    async with running(*paged) as world:
        await world.ask(world.alice, SUMMONED)
        answer = world.channel.last_message
        result = await world.admin.click(answer, label="More results")
        assert world.channel.last_message.embeds[0].footer.text.startswith("Passages 1–3")
    assert result.ephemeral
    assert result.response.content.startswith("These results belong to someone else's question")


async def test_pager_buttons_go_away_after_ten_minutes(paged):
    async with running(*paged) as world:
        await world.ask(world.alice, SUMMONED)
        assert world.channel.last_message.components
        await world.env.advance_time(10 * 60)
        assert world.channel.last_message.components == []


# --- cooldown -------------------------------------------------------------------------------


async def test_cooldown_answers_politely_then_lets_the_user_ask_again(fake):
    async with running(*fake) as world:
        await world.ask(world.alice, SUMMONED)
        too_soon = await world.mention(world.alice, "and what did Kerry say?")
        other_user = await world.ask(world.admin, SUMMONED)
        await world.env.advance_time(5)
        later = await world.ask(world.alice, "what did Kerry say?")
    assert too_soon.content == "⏳ Please wait 5 seconds before asking another question."
    assert other_user.response.embeds
    assert later.response.embeds


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


# --- the event loop stays free ------------------------------------------------------------


async def max_loop_lag(work) -> tuple[float, float]:
    """The longest the loop was late waking a 5 ms sleeper while `work()` ran, and how long it ran."""
    worst, running_ = 0.0, True

    async def ticker() -> None:
        nonlocal worst
        while running_:
            before = time.perf_counter()
            await asyncio.sleep(0.005)
            worst = max(worst, time.perf_counter() - before - 0.005)

    task = asyncio.create_task(ticker())
    await asyncio.sleep(0.02)
    started = time.perf_counter()
    await work()
    duration = time.perf_counter() - started
    running_ = False
    await task
    return worst, duration


@pytest.mark.model
async def test_asking_does_not_block_the_event_loop(real):
    library, config = real
    bot = make_bot(library, config)
    long_question = " ".join(["who summoned the United States ambassador in Paris over the spying?"] * 25)[:1900]

    async def ask_three_times() -> None:
        for _ in range(3):
            await bot.ask(long_question)

    async def ask_on_the_loop() -> None:  # what the bot must not do; proves the probe can see it
        library.ask(f"{long_question} and why")  # a question not asked before: no remembered encoding

    lag, duration = await max_loop_lag(ask_three_times)
    blocked_lag, _ = await max_loop_lag(ask_on_the_loop)
    assert blocked_lag > 0.05, "the probe should see a blocking call"
    assert lag < 0.05 and lag < duration / 4, (lag, duration)


@pytest.mark.model
async def test_many_questions_at_once_are_all_answered(real):
    library, config = real
    bot = make_bot(library, config)
    questions = [SUMMONED, "what did Kerry say?", "how many calls were intercepted?", "what did Mexico say?"] * 4
    answers = await asyncio.gather(*(bot.ask(question) for question in questions))
    assert [answer.question for answer in answers] == questions
    assert all(answer.hits for answer in answers)
