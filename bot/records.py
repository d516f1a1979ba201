"""The JSON records every face prints or serves: `ask --json`, `--conversations`, `sources
--json` and the HTTP API's answers are built here, so they cannot differ.

The shape is a contract other tools read (docs/commands.md, "ask --json"): keys are only ever
added, never renamed or removed.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from newsbot.retrieval import Answer

if TYPE_CHECKING:
    from newsbot.retrieval import Source


def searched_text(answer: Answer) -> str:
    """What was searched: the question read in the light of the conversation, else as asked."""
    return answer.searched if answer.searched is not None else answer.question


def answer_record(answer: Answer) -> dict:
    return {
        "question": answer.question,
        "searched": searched_text(answer),
        "answered": answer.answered,
        "period": answer.period,
        "passages": [
            {
                "article": hit.passage.article,
                "title": hit.passage.title,
                "paragraph": hit.passage.number,
                "date": hit.date,
                "text": hit.passage.text,
                "score": round(hit.score, 4),
                "relevance": round(hit.relevance, 3) if hit.relevance is not None else None,
                "start": hit.passage.start,
                "end": hit.passage.end,
                "highlight": list(hit.highlight) if hit.highlight else None,
                "answer_span": list(hit.answer) if hit.answer else None,
                "also": [{"article": p.article, "title": p.title, "paragraph": p.number} for p in hit.also],
            }
            for hit in answer.hits
        ],
    }


def echoed(question: str, limit: int = 80) -> str:
    """A question echoed beside an error: enough to recognise it, never a megabyte of it."""
    return question if len(question) <= limit else question[: limit - 1] + "…"


def error_record(question: str, message: str) -> dict:
    """A batch line that could not be searched keeps its place, with the reason.

    It has every key an answer has (nothing was searched, so `searched` is null), so a tool
    can read each line the same way."""
    return {"question": question, "searched": None, "answered": False, "passages": [], "error": message}


def source_record(source: Source) -> dict:
    """`sources --json`, one line per article; like `ask --json`, keys are only ever added."""
    return {"article": source.article, "title": source.title, "paragraphs": source.paragraphs, "date": source.date}


def to_json_line(record: dict) -> str:
    return json.dumps(record, ensure_ascii=False)
