"""Text from articles and users made safe for Discord: no pings, no markdown tricks, within its limits.

Article text is untrusted: it must never mention @everyone or a user, never smuggle markdown
or invisible direction controls into a message, and never break Discord's length limits
(a message 2,000 characters, an embed field 1,024, an embed 6,000 in all).
"""

from __future__ import annotations

import re
from collections.abc import Callable

MESSAGE_LIMIT = 2000
TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_NAME_LIMIT = 256
FIELD_VALUE_LIMIT = 1024
EMBED_TOTAL_LIMIT = 6000
ELLIPSIS = "…"
_ZWSP = "\u200b"
_BIDI_CONTROLS = dict.fromkeys(map(ord, "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"))
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_MASS_MENTION = re.compile(r"@(everyone|here)", re.IGNORECASE)
_MARKDOWN_ANYWHERE = re.compile(r"([\\*_~|`\[\]>])")
_MARKDOWN_LINE_START = re.compile(r"^( *)([-+#])", re.MULTILINE)
_NUMBERED_LINE = re.compile(r"^( *\d+)\.(?=\s)", re.MULTILINE)


def neutralise(text: str) -> str:
    """Text that cannot ping, reorder the line or carry invisible control codes.

    Kept over `discord.utils.escape_mentions`, which only breaks `@everyone`, `@here` and
    `@<17-20 digit id>`: it leaves control characters, bidi overrides (U+202E turns the
    rest of the line around), channel mentions `<#id>`, slash-command mentions `</cmd:id>`,
    custom emoji and timestamps as they are. The bot also sends with
    `AllowedMentions.none()`; this makes the text read as what it is, not just not ping.
    """
    text = text.replace("\t", " ").replace("\r", "")
    text = _CONTROL.sub("", text).translate(_BIDI_CONTROLS)
    text = _MASS_MENTION.sub(lambda m: f"@{_ZWSP}{m.group(1)}", text)
    return text.replace("<", f"<{_ZWSP}")


def escape_markdown(text: str) -> str:
    """Backslash-escape everything Discord would read as formatting, links, mentions or emoji.

    Kept over `discord.utils.escape_markdown`, which leaves `1. first` (a numbered list),
    `]` and a `>` inside a line unescaped. It does one thing better: it leaves URLs whole,
    where we escape their `_`; passages quote articles, which seldom hold bare URLs.
    """
    text = _MARKDOWN_ANYWHERE.sub(r"\\\1", text)
    text = _MARKDOWN_LINE_START.sub(lambda m: f"{m.group(1)}\\{m.group(2)}", text)
    return _NUMBERED_LINE.sub(lambda m: f"{m.group(1)}\\.", text)


def safe_text(text: str) -> str:
    return escape_markdown(neutralise(text))


def cut_at_word(text: str, limit: int) -> str:
    """`text` if it fits in `limit` characters, else its longest prefix ending at a word, plus "…"."""
    if len(text) <= limit:
        return text
    room = max(limit - len(ELLIPSIS), 0)
    head = text[: room + 1]
    space = max(head.rfind(" "), head.rfind("\n"))
    head = head[:space] if space > 0 else text[:room]
    return head.rstrip(" \n,;:-–—") + ELLIPSIS


def fit(text: str, render: Callable[[str], str], limit: int) -> str:
    """`render` of the longest word-boundary cut of `text` whose rendering fits in `limit`.

    Cutting the rendered Markdown itself could split an escape or a `**`; cutting the plain
    text and rendering again cannot.
    """
    whole = render(text)
    if len(whole) <= limit:
        return whole
    low, high = 0, len(text)
    best = render(cut_at_word(text, 0))
    while low <= high:
        middle = (low + high) // 2
        candidate = render(cut_at_word(text, middle))
        if len(candidate) <= limit:
            best, low = candidate, middle + 1
        else:
            high = middle - 1
    return best[:limit]
