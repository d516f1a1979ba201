"""Which conversation a question on Discord continues: pure, and tested without Discord.

A follow-up ("why?") only makes sense in the light of the turns before it, so the bot keeps a
`Conversation` per person and place: the key is (user id, channel id), where a DM and a thread
are channels of their own. Two people in one channel never share one, because whose earlier
question "he" refers to depends on who is asking.

A conversation ends by itself after `CONVERSATION_MINUTES` without a question, since a question
asked much later is rarely a follow-up, and the oldest are dropped beyond `MAX_CONVERSATIONS`,
so memory stays bounded however many people ask. A Discord reply to one of the bot's answers
says exactly which conversation it continues, however old: the bot remembers the conversation
each of its last `MAX_ANSWERS` answers ended, and the person replying continues from there in a
conversation of their own (a `Conversation` is a frozen value, so nothing is shared but a copy).
"""

from __future__ import annotations

from newsbot.bot.recent import Clock, Recent
from newsbot.retrieval import Conversation

CONVERSATION_MINUTES = 10
MAX_CONVERSATIONS = 1000
MAX_ANSWERS = 1000




class Conversations:
    """Every conversation the bot is in, by (user id, channel id), and those its answers ended."""

    def __init__(
        self,
        idle_seconds: float = CONVERSATION_MINUTES * 60,
        max_conversations: int = MAX_CONVERSATIONS,
        max_answers: int = MAX_ANSWERS,
        clock: Clock | None = None,
    ) -> None:
        self._by_person: Recent[tuple[int, int], Conversation] = Recent(max_conversations, idle_seconds, clock)
        self._by_answer: Recent[int, Conversation] = Recent(max_answers, None, clock)

    def before(self, user_id: int, channel_id: int, replying_to: int | None = None) -> Conversation:
        """The conversation a question continues: the replied-to answer's, else the user's own here.

        A reply to a message that is not one of the remembered answers (someone else's message,
        or an answer from before a restart) continues the user's own conversation, if any.
        """
        if replying_to is not None:
            answered = self._by_answer.get(replying_to)
            if answered is not None:
                return answered
        return self._by_person.get((user_id, channel_id)) or Conversation()

    def record(self, user_id: int, channel_id: int, conversation: Conversation) -> None:
        """The user's conversation here after a turn; the idle time starts again."""
        self._by_person.put((user_id, channel_id), conversation)

    def record_answer(self, message_id: int, conversation: Conversation) -> None:
        """The conversation the answer in `message_id` ended, for replies to it."""
        self._by_answer.put(message_id, conversation)

    def knows_answer(self, message_id: int) -> bool:
        return self._by_answer.get(message_id) is not None

    def start_afresh(self, user_id: int, channel_id: int) -> None:
        self._by_person.pop((user_id, channel_id))

    @property
    def people(self) -> int:
        """How many conversations are held now (expired ones may linger until the next record)."""
        return len(self._by_person)
