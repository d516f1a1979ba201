"""Scoring search against a question set: the numbers every ranking change must improve.

A question line is `{"q": str, "gold": [str], "para": "<article file stem>"}`. A passage
is right when it comes from `para` (if given) and contains one of the gold strings (if
any), case and spacing folded. `gold: []` marks a question the articles cannot answer.
"""

from __future__ import annotations

import json
import statistics
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterable

from retrieval.answer import Answer, Hit
from retrieval.errors import RetrievalError

MRR_DEPTH = 10


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    gold: tuple[str, ...]
    para: str | None = None

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass
class EvalReport:
    answerable: int = 0
    unanswerable: int = 0
    top1: int = 0
    top3: int = 0
    reciprocal_ranks: float = 0.0
    refused_unanswerable: int = 0
    refused_answerable: int = 0
    seconds: list[float] = field(default_factory=list)
    misses: list[dict] = field(default_factory=list)

    def metrics(self) -> dict[str, float | int]:
        per = max(self.answerable, 1)
        return {
            "answerable": self.answerable,
            "unanswerable": self.unanswerable,
            "top1": round(self.top1 / per, 4),
            "top3": round(self.top3 / per, 4),
            "mrr": round(self.reciprocal_ranks / per, 4),
            "refusal_rate": round(self.refused_unanswerable / max(self.unanswerable, 1), 4),
            "false_refusal_rate": round(self.refused_answerable / per, 4),
            "median_seconds": round(statistics.median(self.seconds), 4) if self.seconds else 0.0,
        }


def load_questions(path: Path) -> list[EvalQuestion]:
    questions = []
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except OSError as exc:
        raise RetrievalError(f"cannot read {path}: {exc.strerror}") from None
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            raw = json.loads(line)
            questions.append(EvalQuestion(raw["q"], tuple(raw.get("gold", [])), raw.get("para")))
        except (ValueError, KeyError, TypeError):
            raise RetrievalError(f"{path}:{number}: expected {{\"q\": str, \"gold\": [str], \"para\"?: str}}") from None
    if not questions:
        raise RetrievalError(f"{path}: no questions")
    return questions


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


def is_right(hit: Hit, question: EvalQuestion) -> bool:
    for passage in (hit.passage, *hit.also):
        from_para = question.para is None or Path(passage.article).stem == question.para
        has_gold = not question.gold or any(fold(g) in fold(passage.text) for g in question.gold)
        if from_para and has_gold:
            return True
    return False


def evaluate(questions: Iterable[EvalQuestion], ask: Callable[[str], Answer], keep_misses: int = 50) -> EvalReport:
    report = EvalReport()
    for question in questions:
        started = time.perf_counter()
        answer = ask(question.q)
        report.seconds.append(time.perf_counter() - started)
        if not question.answerable:
            report.unanswerable += 1
            report.refused_unanswerable += not answer.answered
            if answer.answered and len(report.misses) < keep_misses:
                report.misses.append(_miss(question, answer, "should have been refused"))
            continue
        report.answerable += 1
        report.refused_answerable += not answer.answered
        rank = next((i for i, hit in enumerate(answer.hits[:MRR_DEPTH], 1) if is_right(hit, question)), None)
        report.top1 += rank == 1
        report.top3 += rank is not None and rank <= 3
        report.reciprocal_ranks += 1 / rank if rank else 0.0
        if (rank != 1 or not answer.answered) and len(report.misses) < keep_misses:
            why = "refused" if not answer.answered and rank == 1 else f"right passage at rank {rank or '>10'}"
            report.misses.append(_miss(question, answer, why))
    return report


def _miss(question: EvalQuestion, answer: Answer, why: str) -> dict:
    first = answer.hits[0].passage if answer.hits else None
    return {
        "question": question.q,
        "why": why,
        "first": f"{first.article} ¶{first.number}: {first.text[:120]}" if first else None,
        "expected": " | ".join(question.gold) or (question.para or "a refusal"),
    }
