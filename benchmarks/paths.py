"""Where the benchmarks find the repository, write their results and read the shipped questions.

One place, because four benchmarks read the same question file and two write to the same
results folder; a benchmark that moved one of them alone would quietly measure something else.
"""

from __future__ import annotations

import json
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RESULTS = REPO / "benchmarks" / "results"  # git ignores it
QUESTIONS = REPO / "benchmarks" / "questions" / "shipped.jsonl"


def shipped_questions() -> list[str]:
    """Our question set's questions, in file order."""
    return [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
