"""Turning what people type to the bot into a question, and pacing them: pure and testable."""

from __future__ import annotations

import re
import time
from typing import Callable

# Mentions of users, roles, channels and commands, custom emoji and timestamps: Discord syntax
# that means nothing to the articles ("@newsbot who...", "what did @alice mean?").
_DISCORD_TOKEN = re.compile(r"<(?:@[!&]?\d+|#\d+|/[^:<>]+:\d+|a?:\w+:\d+|t:-?\d+(?::\w)?)>")
_MASS_MENTION = re.compile(r"@(?:everyone|here)\b", re.IGNORECASE)
_LETTER_OR_DIGIT = re.compile(r"[^\W_]")

SYNC_COMMAND = "sync"
HELP_COMMAND = "help"
NEW_COMMAND = "new"  # start a conversation afresh: the next question is not a follow-up


def plain_question(text: str) -> str:
    """The question in a message or command option, without Discord syntax or extra whitespace."""
    text = _MASS_MENTION.sub(" ", _DISCORD_TOKEN.sub(" ", text))
    return " ".join(text.split())


def has_words(text: str) -> bool:
    """False for questions of only emoji, punctuation or mentions, which no article can answer."""
    return bool(_LETTER_OR_DIGIT.search(text))


def is_command(question: str, command: str) -> bool:
    return question.strip().rstrip("!.?").casefold() == command


class UserCooldown:
    """At most one question per user every `seconds`, whichever way they ask.

    The clock is looked up on each call (not bound at definition) so a test can substitute it.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] | None = None) -> None:
        self.seconds = seconds
        self._clock = clock
        self._last: dict[int, float] = {}

    def retry_after(self, user_id: int) -> float:
        """0 and the user's turn is taken, or how many seconds they must still wait."""
        now = self._clock() if self._clock is not None else time.monotonic()
        last = self._last.get(user_id)
        if last is not None and now - last < self.seconds:
            return self.seconds - (now - last)
        self._last[user_id] = now
        self._forget_older_than(now - self.seconds)
        return 0.0

    def _forget_older_than(self, moment: float) -> None:
        if len(self._last) > 1024:
            self._last = {user: at for user, at in self._last.items() if at > moment}
