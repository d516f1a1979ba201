"""Asking the real, unmodified bot on simcord's in-process Discord: /ask, mentions, DMs,
the "More results" pager, the cooldown, and an event loop that stays free while it answers.

Questions about the shipped articles use the real model (loaded once per session, here only,
since a session fixture defined in two modules would load it twice); the others use the
deterministic fake model on a copy of the corpus (the `fake` and `paged` fixtures in conftest.py).
"""

from __future__ import annotations

import asyncio
import re
import threading
import time

import pytest

from newsbot.bot.config import Config, load_config
from newsbot.retrieval.library import Library
from tests.discord_support import REAL_MODEL, SUMMONED, embed_text, make_bot, running, write_config

pytestmark = pytest.mark.asyncio


@pytest.fixture(scope="session")
def real(tmp_path_factory) -> tuple[Library, Config]:
    from newsbot.bot.app import open_library

    config = load_config(write_config(tmp_path_factory.mktemp("real"), REAL_MODEL))
    library = open_library(config)
    library.rebuild()
    return library, config


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

    loop_thread = threading.get_ident()
    asked_on: list[int] = []
    real_ask = library.ask

    def recording_ask(*args, **kwargs):
        asked_on.append(threading.get_ident())
        return real_ask(*args, **kwargs)

    library.ask = recording_ask
    try:
        lag, duration = await max_loop_lag(ask_three_times)
    finally:
        library.ask = real_ask
    blocked_lag, _ = await max_loop_lag(ask_on_the_loop)
    # the rule itself: the model and index work never runs on the loop's thread
    assert asked_on and loop_thread not in asked_on
    # and what it buys, relative to a blocking call measured in the same run (absolute lags
    # swing with the machine's load; a blocking ask stalls the loop for all of its length)
    assert blocked_lag > 0.05, "the probe should see a blocking call"
    assert lag < blocked_lag / 2 and lag < duration / 2, (lag, blocked_lag, duration)


@pytest.mark.model
async def test_many_questions_at_once_are_all_answered(real):
    library, config = real
    bot = make_bot(library, config)
    questions = [SUMMONED, "what did Kerry say?", "how many calls were intercepted?", "what did Mexico say?"] * 4
    answers = await asyncio.gather(*(bot.ask(question) for question in questions))
    assert [answer.question for answer in answers] == questions
    assert all(answer.hits for answer in answers)
