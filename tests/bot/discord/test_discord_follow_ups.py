"""Conversations on the real bot against simcord: follow-ups, replies, "new", idle minutes.

The library records the conversation each question was asked in, so the tests see exactly
what search was told, whatever search makes of it.
"""

from __future__ import annotations

import pytest

from newsbot.bot.config import load_config
from newsbot.bot.discord.conversations import CONVERSATION_MINUTES
from newsbot.bot.discord.text.status import AFRESH_TEXT
from newsbot.retrieval.search.conversation import Conversation
from tests.discord_support import RecordingLibrary, recording_library, running, write_config
from tests.fakes import FAKE_MODEL

pytestmark = pytest.mark.asyncio

SUMMONED = "who summoned the ambassador?"
WHY = "why?"
KERRY = "what did Kerry say?"


@pytest.fixture
def recorded(tmp_path):
    config = load_config(write_config(tmp_path, FAKE_MODEL, cooldown=0))
    return recording_library(config), config


def shown_articles(embed) -> list[str]:
    """The files cited in an answer embed, best first."""
    return [field.value.rsplit("\n`", 1)[1].split("`")[0] for field in embed.fields]


async def test_a_follow_up_mention_continues_the_askers_conversation(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        first = await world.mention(world.alice, SUMMONED)
        await world.mention(world.alice, WHY)
    conversation = library.conversation_of(WHY)
    assert library.conversation_of(SUMMONED) == Conversation()
    assert conversation.questions == (SUMMONED,)
    assert conversation.turns[0].article == shown_articles(first.embeds[0])[0]


async def test_a_follow_up_ask_continues_the_askers_conversation(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.ask(world.alice, SUMMONED)
        await world.ask(world.alice, WHY)
        await world.ask(world.alice, KERRY)
    assert library.conversation_of(KERRY).questions == (SUMMONED, WHY)


async def test_a_follow_up_by_direct_message_continues_the_dm_conversation(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.alice.send_dm(SUMMONED)
        await world.alice.send_dm(WHY)
    assert library.conversation_of(WHY).questions == (SUMMONED,)


async def test_two_people_in_one_channel_do_not_share_a_conversation(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.mention(world.alice, SUMMONED)
        await world.mention(world.admin, KERRY)
        await world.mention(world.alice, WHY)
    assert library.conversation_of(KERRY) == Conversation()
    assert library.conversation_of(WHY).questions == (SUMMONED,)


async def test_a_conversation_does_not_follow_its_asker_to_another_channel(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.mention(world.alice, SUMMONED)
        world.channel = world.guild.create_text_channel("sport")
        await world.mention(world.alice, WHY)
    assert library.conversation_of(WHY) == Conversation()


async def test_a_reply_to_an_answer_continues_the_conversation_it_ended(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        first = await world.mention(world.alice, SUMMONED)
        await world.mention(world.alice, KERRY)
        answer = await world.reply(world.alice, first, WHY)
    assert library.conversation_of(WHY).questions == (SUMMONED,)
    assert answer.embeds and answer.embeds[0].fields
    assert answer.reference.message_id == world.channel.history()[-2].id


async def test_a_reply_to_an_ask_answer_that_mentions_the_bot_continues_it(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        result = await world.ask(world.alice, SUMMONED)
        await world.alice.send(world.channel, f"{world.bot.user.mention} {WHY}", reply_to=result.response.message)
    assert library.conversation_of(WHY).questions == (SUMMONED,)


async def test_a_reply_to_an_ask_answer_without_a_mention_gets_help_not_a_guess(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        result = await world.ask(world.alice, SUMMONED)
        said = await world.reply(world.alice, result.response.message, WHY)
    assert said.content.startswith("👋 Ask me about the news articles")
    assert [question for question, _ in library.asked] == [SUMMONED]


async def test_someone_elses_reply_continues_a_copy_of_the_conversation(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        first = await world.mention(world.alice, SUMMONED)
        await world.reply(world.admin, first, WHY)
        await world.mention(world.admin, KERRY)
        await world.mention(world.alice, "when was it?")
    assert library.conversation_of(WHY).questions == (SUMMONED,)
    assert library.conversation_of(KERRY).questions == (SUMMONED, WHY)
    assert library.conversation_of("when was it?").questions == (SUMMONED,)


async def test_replies_between_people_are_not_questions(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.alice.send(world.channel, "anyone know who summoned the ambassador?")
        await world.admin.send(world.channel, WHY, reply_to=world.channel.last_message)
        assert world.channel.last_message.author.id == world.admin.id
    assert library.asked == []


async def test_new_by_mention_starts_afresh(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.mention(world.alice, SUMMONED)
        said = await world.mention(world.alice, "new")
        await world.mention(world.alice, WHY)
    assert said.content == AFRESH_TEXT
    assert library.conversation_of(WHY) == Conversation()


async def test_new_by_direct_message_starts_afresh(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.alice.send_dm(SUMMONED)
        await world.alice.send_dm("New!")
        said = world.alice.user.dm_channel.last_message
        await world.alice.send_dm(WHY)
    assert said.content == AFRESH_TEXT
    assert library.conversation_of(WHY) == Conversation()


async def test_ask_with_new_starts_afresh_and_keeps_the_new_conversation(recorded):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.ask(world.alice, SUMMONED)
        await world.alice.slash(world.channel, "ask", question=KERRY, new=True)
        await world.ask(world.alice, WHY)
    assert library.conversation_of(KERRY) == Conversation()
    assert library.conversation_of(WHY).questions == (KERRY,)


@pytest.mark.parametrize(("minutes", "continues"), [(CONVERSATION_MINUTES - 1, True), (CONVERSATION_MINUTES + 1, False)])
async def test_a_conversation_ends_after_the_idle_minutes(recorded, minutes, continues):
    library: RecordingLibrary = recorded[0]
    async with running(*recorded) as world:
        await world.mention(world.alice, SUMMONED)
        await world.env.advance_time(minutes * 60)
        await world.mention(world.alice, WHY)
    assert bool(library.conversation_of(WHY)) is continues


async def test_help_says_how_to_follow_up_and_start_afresh(recorded):
    async with running(*recorded) as world:
        said = await world.mention(world.alice, "help")
    assert f"continue your conversation here until you are quiet for {CONVERSATION_MINUTES} minutes" in said.content
    assert f"“@{world.bot.user.display_name} new”" in said.content
    assert "`new: True`" in said.content


async def test_a_bare_why_after_a_question_is_answered_from_the_same_article(recorded):
    async with running(*recorded) as world:
        first = await world.ask(world.alice, SUMMONED)
        why = await world.ask(world.alice, WHY)
        alone = await world.ask(world.admin, WHY)  # someone else, with no conversation
    assert why.response.embeds[0].title == WHY
    assert shown_articles(why.response.embeds[0])[0] == shown_articles(first.response.embeds[0])[0]
    assert "searched: who summoned the ambassador? why?" in why.response.embeds[0].footer.text
    assert alone.response.embeds[0].title == "The articles don't say"
