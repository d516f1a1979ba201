"""What a conversation remembers between questions, so a follow-up is read in its light.

"who summoned the ambassador?" then "why?": the second question means nothing alone. A
`Conversation` keeps, for its last few turns, what was asked and which passages were shown;
search uses them to know which article is under discussion and what "he" or "it" stood for.
It is a frozen value: each face keeps its own (one per chat session, per Discord user and
channel, per `--conversations` line) and replaces it with `followed_by(answer)` after a turn,
so two people's conversations can never mix and a face decides when one starts afresh.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsbot.retrieval.search.answer import Answer

MAX_TURNS = 8  # turns remembered; older ones rarely say what "it" refers to, and memory stays bounded


@dataclass(frozen=True)
class Turn:
    """One question of a conversation and where its answer came from.

    `shown` holds (article, paragraph number) of each passage shown, best first; they are
    stable across a rebuild of the index, unlike row numbers.
    """

    question: str
    answered: bool
    shown: tuple[tuple[str, int], ...]

    @property
    def article(self) -> str | None:
        """The article this turn's best passage came from, if it was an answer."""
        return self.shown[0][0] if self.answered and self.shown else None


@dataclass(frozen=True)
class Conversation:
    turns: tuple[Turn, ...] = ()

    def followed_by(self, answer: Answer) -> Conversation:
        shown = tuple((hit.passage.article, hit.passage.number) for hit in answer.hits)
        turn = Turn(question=answer.question, answered=answer.answered, shown=shown)
        return Conversation((*self.turns, turn)[-MAX_TURNS:])

    @property
    def questions(self) -> tuple[str, ...]:
        return tuple(turn.question for turn in self.turns)

    def __bool__(self) -> bool:
        return bool(self.turns)
