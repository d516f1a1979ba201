"""Plain text for the terminal: functions of an `Answer`, nothing else (the JSON records the
CLI and the HTTP API print are `newsbot.bot.records`)."""

from __future__ import annotations

import re
import shutil
import textwrap
from collections.abc import Callable
from typing import TYPE_CHECKING

from newsbot.bot.records import searched_text
from newsbot.corpus.model import Paragraph
from newsbot.retrieval import Answer, Hit

if TYPE_CHECKING:
    pass

REFUSAL = "The articles don't answer this."
NEAREST_LABEL = "Nearest passages (not an answer):"
INDENT = "   "
MIN_WIDTH, MAX_WIDTH = 40, 100  # narrower is unreadable; wider lines are hard to follow
_UNBREAKABLE = "\xa0"  # textwrap never breaks at a no-break space, so a citation stays whole


def terminal_width() -> int:
    """The terminal's width (or $COLUMNS), kept between MIN_WIDTH and MAX_WIDTH; 88 when piped."""
    columns = shutil.get_terminal_size((88, 24)).columns
    return max(MIN_WIDTH, min(MAX_WIDTH, columns))


def citation(hit: Hit) -> str:
    p = hit.passage
    return f"{_titled(p.title, hit.date)} ({p.article}, paragraph {p.number})"


def _titled(title: str, date: str | None) -> str:
    """The title, then the article's date when it has one: `Title · Oct. 23, 2013`."""
    return f"{title} · {date}" if date else title


def shown_relevance(hit: Hit) -> float:
    """The number a person sees: the calibrated chance the passage answers, which falls with
    rank; the cosine only for hits from a search that does not calibrate (it can rise with rank)."""
    return hit.relevance if hit.relevance is not None else hit.score


def render_turn(answer: Answer, width: int | None = None, emphasis: Callable[[str], str] | None = None) -> str:
    """A conversation's answer: says what was searched when a follow-up was read differently
    from how it was typed, so a person can tell when "why?" was understood wrongly."""
    rendered = render_answer(answer, width, emphasis)
    if searched_text(answer) == answer.question:
        return rendered
    return f"(searched: {searched_text(answer)})\n{rendered}"


def render_answer(answer: Answer, width: int | None = None, emphasis: Callable[[str], str] | None = None) -> str:
    """Plain text wrapped to `width` (default: the terminal's); `emphasis` (e.g. bold on a
    terminal) wraps the best-answering sentence."""
    width = width or terminal_width()
    lines: list[str] = [f"({answer.period})"] if answer.period else []
    if not answer.answered:
        lines.append(REFUSAL)
        if answer.hits:
            lines.append(NEAREST_LABEL)
    for rank, hit in enumerate(answer.hits, start=1):
        lines.append(_heading(f"{rank}. [{shown_relevance(hit):.2f}] ", hit.passage, width, hit.date))
        lines.extend(_heading(f"{INDENT}also in: ", other, width) for other in hit.also)
        lines.append(_wrapped(hit, width, emphasis))
    return "\n".join(lines)


def _fill(text: str, width: int, first: str = INDENT) -> str:
    """Never break inside a word or at a hyphen: a long word overflows rather than splits."""
    return textwrap.fill(
        text, width=width, initial_indent=first, subsequent_indent=INDENT, break_long_words=False, break_on_hyphens=False
    )


def _heading(lead: str, passage: Paragraph, width: int, date: str | None = None) -> str:
    """`lead title · date (article, paragraph N)`, wrapped; the parenthesis moves as one unit, so
    a reader (or a script) always finds the file and its paragraph number together on one line."""
    source = f"({passage.article}, paragraph {passage.number})".replace(" ", _UNBREAKABLE)
    return _fill(f"{_titled(passage.title, date)} {source}", width, first=lead).replace(_UNBREAKABLE, " ")


def _wrapped(hit: Hit, width: int, emphasis: Callable[[str], str] | None) -> str:
    """Wrap first, then emphasise, so escape codes never count towards line width."""
    text = hit.passage.text
    wrapped = "\n".join(_fill(paragraph, width) for paragraph in text.split("\n"))
    if emphasis is None or hit.highlight is None:
        return wrapped
    sentence = text[hit.highlight[0] : hit.highlight[1]]
    words = sentence.split()
    if not words:
        return wrapped
    # find the sentence again in the wrapped text, where spaces may have become "\n   "
    pattern = r"\s+(?:   )?".join(re.escape(w) for w in words)
    def emphasised(match: re.Match) -> str:
        parts = match.group(0).split("\n")
        return "\n".join([emphasis(parts[0])] + [part[:3] + emphasis(part[3:]) for part in parts[1:]])

    return re.sub(pattern, emphasised, wrapped, count=1)
