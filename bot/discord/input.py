"""Turning what people type to the bot into a question, and pacing them: pure and testable."""

from __future__ import annotations

import re
import time
from collections.abc import Callable

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


def _user_key(user_id: int) -> int:
    return user_id


class UserCooldown:
    """At most one question per user every `seconds`, whichever way they ask.

    The pacing is discord.py's `commands.CooldownMapping` (one token per user per `seconds`,
    idle users forgotten), keyed by user id because a question arrives as a message or as an
    interaction, and only the id is common to both. Two things are ours: the clock is looked up
    on each call (so simcord's virtual clock, or a test's, reaches it), and a question exactly
    at the end of the wait is charged: discord.py answers it with a retry of 0.0 and leaves the
    old window in place, so the user's next question right after would pass too.
    Times are shifted by a second: discord.py takes a time of 0 for "not given" and reads
    the wall clock instead, and a virtual clock (simcord's, a test's) starts at 0.
    """

    def __init__(self, seconds: float, clock: Callable[[], float] | None = None) -> None:
        from discord.ext.commands import (
            CooldownMapping,  # lazy: discord is a heavy import
        )

        self.seconds = seconds
        self._clock = clock
        self._buckets = CooldownMapping.from_cooldown(1, seconds, _user_key)

    def retry_after(self, user_id: int) -> float:
        """0 and the user's turn is taken, or how many seconds they must still wait."""
        now = self._clock() if self._clock is not None else time.monotonic()
        now += 1.0  # discord.py reads a time of 0 as "use time.time()"; simcord's clock starts at 0
        bucket = self._buckets.get_bucket(user_id, now)
        assert bucket is not None  # None only for a mapping made without a cooldown; ours has one
        wait = bucket.update_rate_limit(now)
        if wait is not None and wait <= 0:
            bucket.reset()
            wait = bucket.update_rate_limit(now)
        return wait or 0.0
