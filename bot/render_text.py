"""Pure renderers for the terminal and for `--json`: functions of an `Answer`, nothing else.

The JSON shape is a contract other tools read (see README, "ask --json"): keys are only
ever added, never renamed or removed.
"""

from __future__ import annotations

import json
import re
import textwrap
from typing import Callable

from retrieval.answer import Answer, Hit

REFUSAL = "The articles don't answer this."
NEAREST_LABEL = "Nearest passages (not an answer):"


def citation(hit: Hit) -> str:
    p = hit.passage
    return f"{p.title} ({p.article}, paragraph {p.number})"


def shown_relevance(hit: Hit) -> float:
    """The number a person sees: the calibrated chance the passage answers, which falls with
    rank; the cosine only for hits from a search that does not calibrate (it can rise with rank)."""
    return hit.relevance if hit.relevance is not None else hit.score


def searched_text(answer: Answer) -> str:
    """What was searched: the question read in the light of the conversation, else as asked."""
    return answer.searched if answer.searched is not None else answer.question


def render_turn(answer: Answer, width: int = 88, emphasis: Callable[[str], str] | None = None) -> str:
    """A conversation's answer: says what was searched when a follow-up was read differently
    from how it was typed, so a person can tell when "why?" was understood wrongly."""
    rendered = render_answer(answer, width, emphasis)
    if searched_text(answer) == answer.question:
        return rendered
    return f"(searched: {searched_text(answer)})\n{rendered}"


def render_answer(answer: Answer, width: int = 88, emphasis: Callable[[str], str] | None = None) -> str:
    """Plain text; `emphasis` (e.g. bold on a terminal) wraps the best-answering sentence."""
    lines: list[str] = []
    if not answer.answered:
        lines.append(REFUSAL)
        if answer.hits:
            lines.append(NEAREST_LABEL)
    for rank, hit in enumerate(answer.hits, start=1):
        lines.append(f"{rank}. [{shown_relevance(hit):.2f}] {citation(hit)}")
        lines.extend(f"   also in: {p.title} ({p.article}, paragraph {p.number})" for p in hit.also)
        lines.append(_wrapped(hit, width, emphasis))
    return "\n".join(lines)


def _wrapped(hit: Hit, width: int, emphasis: Callable[[str], str] | None) -> str:
    """Wrap first, then emphasise, so escape codes never count towards line width."""
    text = hit.passage.text
    wrapped = "\n".join(
        textwrap.fill(paragraph, width=width, initial_indent="   ", subsequent_indent="   ")
        for paragraph in text.split("\n")
    )
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


def answer_record(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "searched": searched_text(answer),
        "answered": answer.answered,
        "passages": [
            {
                "article": hit.passage.article,
                "title": hit.passage.title,
                "paragraph": hit.passage.number,
                "text": hit.passage.text,
                "score": round(hit.score, 4),
                "relevance": round(hit.relevance, 3) if hit.relevance is not None else None,
                "start": hit.passage.start,
                "end": hit.passage.end,
                "highlight": list(hit.highlight) if hit.highlight else None,
                "also": [{"article": p.article, "title": p.title, "paragraph": p.number} for p in hit.also],
            }
            for hit in answer.hits
        ],
    }


def error_record(question: str, message: str) -> dict:
    """A batch line that could not be searched keeps its place, with the reason.

    It has every key an answer has (nothing was searched, so `searched` is null), so a tool
    can read each line the same way."""
    return {"question": question, "searched": None, "answered": False, "passages": [], "error": message}


def to_json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)
