"""Pure renderers for the terminal and for `--json`: functions of an `Answer`, nothing else.

The JSON shape is a contract other tools read (see README, "ask --json"): keys are only
ever added, never renamed or removed.
"""

from __future__ import annotations

import json
import textwrap

from retrieval.answer import Answer, Hit

REFUSAL = "The articles don't answer this."
NEAREST_LABEL = "Nearest passages (not an answer):"


def citation(hit: Hit) -> str:
    p = hit.passage
    return f"{p.title} ({p.article}, paragraph {p.number})"


def render_answer(answer: Answer, width: int = 88) -> str:
    lines: list[str] = []
    if not answer.answered:
        lines.append(REFUSAL)
        if answer.hits:
            lines.append(NEAREST_LABEL)
    for rank, hit in enumerate(answer.hits, start=1):
        lines.append(f"{rank}. [{hit.score:.2f}] {citation(hit)}")
        for paragraph in hit.passage.text.split("\n"):
            lines.append(textwrap.fill(paragraph, width=width, initial_indent="   ", subsequent_indent="   "))
    return "\n".join(lines)


def answer_record(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "answered": answer.answered,
        "passages": [
            {
                "article": hit.passage.article,
                "title": hit.passage.title,
                "paragraph": hit.passage.number,
                "text": hit.passage.text,
                "score": round(hit.score, 4),
                "start": hit.passage.start,
                "end": hit.passage.end,
            }
            for hit in answer.hits
        ],
    }


def error_record(question: str, message: str) -> dict:
    """A batch line that could not be searched keeps its place, with the reason."""
    return {"question": question, "answered": False, "passages": [], "error": message}


def to_json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)
