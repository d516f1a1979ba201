"""`newsbot ask --conversations FILE`: scripted conversations, for tools and evaluations.

A line of FILE is `{"id": str, "turns": [question, ...]}`. Each conversation starts fresh and
its turns are asked exactly as `newsbot chat` asks them (each with the conversation so far),
so a script reproduces what a person at the prompt would have seen. One event comes out per
turn, in order; a line that cannot be read becomes one error event in its place and the
others still run, so one bad line in a long file costs that line only.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO, Protocol

from newsbot.retrieval import Answer, Conversation, QuestionError


class Asks(Protocol):
    """What the prompt needs from a `Library`: tests pass a real one, never a stand-in."""

    def ask(self, question: str, top_k: int | None = None, conversation: Conversation | None = None) -> Answer: ...


@dataclass(frozen=True)
class Script:
    """One line of the file: a conversation to run."""

    id: str
    turns: tuple[str, ...]


@dataclass(frozen=True)
class BadLine:
    """A line that is not a conversation (not UTF-8, not JSON, wrong shape)."""

    line: int
    conversation: str | None
    error: str

    def record(self) -> dict:
        return {"conversation": self.conversation, "line": self.line, "error": self.error}


@dataclass(frozen=True)
class TurnResult:
    """One turn asked: its answer, or why the question could not be searched."""

    conversation: str
    turn: int  # 1-based
    question: str
    answer: Answer | None = None
    error: str | None = None

    def record(self) -> dict:
        from newsbot.bot.records import answer_record, echoed, error_record

        body = answer_record(self.answer) if self.answer is not None else error_record(echoed(self.question), self.error or "")
        return {"conversation": self.conversation, "turn": self.turn, **body}


def read_scripts(stream: BinaryIO) -> Iterator[Script | BadLine]:
    """What each non-blank line of `stream` holds; blank lines are skipped.

    Read as bytes and decoded a line at a time, so a stray byte spoils only its own line.
    """
    for number, raw in enumerate(stream, start=1):
        if raw.strip():
            yield parse_line(raw, number)


class LineNotUTF8(ValueError):
    """A line of input that is not UTF-8; `text` is what survives with the bad bytes replaced."""

    def __init__(self, raw: bytes, exc: UnicodeDecodeError) -> None:
        super().__init__(f"not valid UTF-8 ({exc.reason} at byte {exc.start})")
        self.text = raw.decode("utf-8", errors="replace")


def decode_line(raw: bytes) -> str:
    """One line read as bytes, decoded on its own: a stray byte (or an encoded lone
    surrogate) spoils that line only. Raises `LineNotUTF8`."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise LineNotUTF8(raw, exc) from None


def parse_line(raw: bytes, number: int) -> Script | BadLine:
    try:
        text = decode_line(raw)
    except LineNotUTF8 as exc:
        # the id, if it survives the bad byte, still tells a tool which conversation failed
        return BadLine(number, _id_of(exc.text), str(exc))
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        return BadLine(number, None, f"not JSON: {exc.msg} (column {exc.colno})")
    if not isinstance(data, dict):
        return BadLine(number, None, 'expected an object {"id": str, "turns": [str, ...]}')
    conversation_id = data.get("id")
    if not isinstance(conversation_id, str):
        return BadLine(number, None, '"id" must be a string')
    turns = data.get("turns")
    if not isinstance(turns, list) or not all(isinstance(turn, str) for turn in turns):
        return BadLine(number, conversation_id, '"turns" must be a list of strings (the questions)')
    if not turns:
        return BadLine(number, conversation_id, '"turns" is empty: nothing to ask')
    return Script(conversation_id, tuple(turns))


def _id_of(text: str) -> str | None:
    try:
        data = json.loads(text)
    except json.JSONDecodeError:
        return None
    identity = data.get("id") if isinstance(data, dict) else None
    return identity if isinstance(identity, str) else None


def run_scripts(library: Asks, stream: BinaryIO, top_k: int | None) -> Iterator[TurnResult | BadLine]:
    """Every turn of every conversation in `stream`, asked as `newsbot chat` would ask it."""
    for script in read_scripts(stream):
        if isinstance(script, BadLine):
            yield script
            continue
        conversation = Conversation()
        for turn, question in enumerate(script.turns, start=1):
            try:
                answer = library.ask(question, top_k, conversation=conversation)
            except QuestionError as exc:  # like chat: reported, and the conversation goes on
                yield TurnResult(script.id, turn, question.strip(), error=str(exc))
                continue
            conversation = conversation.followed_by(answer)
            yield TurnResult(script.id, turn, answer.question, answer=answer)


def render_event(event: TurnResult | BadLine, emphasis=None) -> str:
    """The text rendering: a heading per conversation, then `Q:` and the answer per turn."""
    from newsbot.bot.cli.text import render_turn
    from newsbot.bot.records import echoed

    if isinstance(event, BadLine):
        named = f" ({event.conversation})" if event.conversation is not None else ""
        return f"Error: line {event.line}{named}: {event.error}\n"
    heading = f"== conversation {event.conversation} ==\n" if event.turn == 1 else ""
    if event.answer is None:
        return f"{heading}Q: {echoed(event.question)}\nError: {event.error}\n"
    return f"{heading}Q: {event.question}\n{render_turn(event.answer, emphasis=emphasis)}\n"


def failed(event: TurnResult | BadLine) -> bool:
    return isinstance(event, BadLine) or event.error is not None
