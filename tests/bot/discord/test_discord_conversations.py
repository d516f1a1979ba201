"""Which conversation a Discord question continues: the pure store, on an injected clock."""

from __future__ import annotations

import pytest

from newsbot.bot.discord.conversations import CONVERSATION_MINUTES, Conversations
from newsbot.bot.recent import Recent
from newsbot.corpus.model import Paragraph
from newsbot.retrieval.search.answer import Answer, Hit
from newsbot.retrieval.search.conversation import Conversation

ALICE, BOB = 1, 2
NEWS, SPORT = 10, 20
IDLE = CONVERSATION_MINUTES * 60


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def answer(question: str, article: str = "a.txt") -> Answer:
    passage = Paragraph(article=article, title="T", number=1, text="Text.", start=0, end=5)
    return Answer(question, answered=True, hits=(Hit(passage, 0.5),))


def after(*questions: str) -> Conversation:
    conversation = Conversation()
    for question in questions:
        conversation = conversation.followed_by(answer(question))
    return conversation


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(clock) -> Conversations:
    return Conversations(clock=clock)


def test_a_first_question_starts_a_fresh_conversation(store):
    assert store.before(ALICE, NEWS) == Conversation()


def test_the_next_question_continues_the_users_conversation(store):
    store.record(ALICE, NEWS, after("who summoned the ambassador?"))
    assert store.before(ALICE, NEWS).questions == ("who summoned the ambassador?",)


def test_two_people_in_one_channel_have_their_own_conversations(store):
    store.record(ALICE, NEWS, after("who summoned the ambassador?"))
    store.record(BOB, NEWS, after("what did Kerry say?"))
    assert store.before(ALICE, NEWS).questions == ("who summoned the ambassador?",)
    assert store.before(BOB, NEWS).questions == ("what did Kerry say?",)


def test_a_conversation_stays_in_its_channel(store):
    store.record(ALICE, NEWS, after("who summoned the ambassador?"))
    assert store.before(ALICE, SPORT) == Conversation()


@pytest.mark.parametrize(("idle", "continues"), [(IDLE - 1, True), (IDLE, True), (IDLE + 1, False)])
def test_a_conversation_ends_after_the_idle_minutes(store, clock, idle, continues):
    store.record(ALICE, NEWS, after("who summoned the ambassador?"))
    clock.now += idle
    assert bool(store.before(ALICE, NEWS)) is continues


def test_each_question_starts_the_idle_time_again(store, clock):
    store.record(ALICE, NEWS, after("who?"))
    clock.now += IDLE - 1
    store.record(ALICE, NEWS, after("who?", "why?"))
    clock.now += IDLE - 1
    assert store.before(ALICE, NEWS).questions == ("who?", "why?")


def test_starting_afresh_forgets_only_that_conversation(store):
    store.record(ALICE, NEWS, after("who?"))
    store.record(ALICE, SPORT, after("when?"))
    store.start_afresh(ALICE, NEWS)
    assert store.before(ALICE, NEWS) == Conversation()
    assert store.before(ALICE, SPORT).questions == ("when?",)


def test_a_reply_continues_the_conversation_its_answer_ended(store):
    store.record(ALICE, NEWS, after("who?", "when?"))
    store.record_answer(500, after("who?"))
    assert store.before(ALICE, NEWS, replying_to=500).questions == ("who?",)


def test_a_reply_by_someone_else_starts_from_the_answers_conversation(store):
    store.record_answer(500, after("who?"))
    assert store.before(BOB, NEWS, replying_to=500).questions == ("who?",)


def test_a_reply_outlasts_the_idle_minutes(store, clock):
    store.record_answer(500, after("who?"))
    clock.now += 10 * IDLE
    assert store.before(BOB, NEWS, replying_to=500).questions == ("who?",)


def test_a_reply_to_an_unknown_message_continues_the_users_own_conversation(store):
    store.record(ALICE, NEWS, after("who?"))
    assert store.before(ALICE, NEWS, replying_to=999).questions == ("who?",)
    assert not store.knows_answer(999)


def test_the_number_of_conversations_is_bounded_oldest_first(clock):
    store = Conversations(max_conversations=3, clock=clock)
    for user in range(4):
        clock.now += 1
        store.record(user, NEWS, after(f"question {user}"))
    assert store.people == 3
    assert store.before(0, NEWS) == Conversation()
    assert [store.before(user, NEWS).questions for user in (1, 2, 3)] == [(f"question {u}",) for u in (1, 2, 3)]


def test_the_number_of_remembered_answers_is_bounded(clock):
    store = Conversations(max_answers=2, clock=clock)
    for message_id in (1, 2, 3):
        store.record_answer(message_id, after(f"question {message_id}"))
    assert [store.knows_answer(message_id) for message_id in (1, 2, 3)] == [False, True, True]


def test_idle_conversations_are_dropped_from_memory_as_new_ones_arrive(store, clock):
    for user in range(5):
        store.record(user, NEWS, after("who?"))
    clock.now += IDLE + 1
    store.record(99, NEWS, after("why?"))
    assert store.people == 1


def test_recent_keeps_the_latest_value_of_a_key_once():
    recent: Recent[str, int] = Recent(max_count=2, clock=lambda: 0.0)
    recent.put("a", 1)
    recent.put("b", 2)
    recent.put("a", 3)
    recent.put("c", 4)
    assert (recent.get("a"), recent.get("b"), recent.get("c"), len(recent)) == (3, None, 4, 2)


def test_recent_refuses_an_empty_bound():
    with pytest.raises(ValueError, match="at least 1"):
        Recent(max_count=0)
