"""Scoring search against a question set: the numbers every ranking change must improve.

A question line is `{"q": str, "gold": [str], "para": "<article file stem>"}`. A passage
is right when it comes from `para` (if given) and contains one of the gold strings (if
any), case and spacing folded. `gold: []` marks a question the articles cannot answer.

A conversation line (CoQA's news conversations, `../shared/data/coqa_news`) is
`{"id", "article": file, "turns": [{"q", "gold": [rationale, answer], "answerable", "span"}]}`:
its turns are asked in order, each in the light of the earlier ones as `newsbot chat` asks
them, and a passage is right by that set's rule (`rationale_right`).
"""

from __future__ import annotations

import json
import re
import statistics
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from newsbot.corpus.model import Paragraph
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.search.answer import Answer, Hit
from newsbot.retrieval.search.conversation import Conversation
from newsbot.retrieval.search.relevance import shown_count
from newsbot.retrieval.search.settings import SearchSettings

MRR_DEPTH = 10
_WORD = re.compile(r"\w+")


@dataclass(frozen=True)
class EvalQuestion:
    q: str
    gold: tuple[str, ...]
    para: str | None = None
    article: str | None = None  # conversations: the file the turn is about
    span: tuple[int, int] | None = None  # conversations: the rationale's offsets in that file
    conversation: str | None = None  # conversations: its id; None for a question asked alone
    turn: int = 1

    @property
    def answerable(self) -> bool:
        return bool(self.gold)


@dataclass
class EvalReport:
    answerable: int = 0
    unanswerable: int = 0
    top1: int = 0
    top3: int = 0
    top3_shown: int = 0
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
            "top3_shown": round(self.top3_shown / per, 4),
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
            questions.extend(_conversation_turns(raw) if "turns" in raw else [
                EvalQuestion(raw["q"], tuple(raw.get("gold", [])), raw.get("para"))
            ])
        except (ValueError, KeyError, TypeError, IndexError):
            raise RetrievalError(
                f"{path}:{number}: expected {{\"q\": str, \"gold\": [str], \"para\"?: str}} "
                f"or {{\"id\", \"article\", \"turns\": [{{\"q\", \"gold\", \"answerable\", \"span\"}}]}}"
            ) from None
    if not questions:
        raise RetrievalError(f"{path}: no questions")
    return questions


def _conversation_turns(raw: dict) -> list[EvalQuestion]:
    turns = []
    for number, turn in enumerate(raw["turns"], start=1):
        answerable = bool(turn.get("answerable", True)) and bool(turn["gold"])
        span = tuple(turn["span"]) if answerable and turn.get("span") else None
        turns.append(EvalQuestion(
            turn["q"], (turn["gold"][0],) if answerable else (), None, raw["article"], span, str(raw["id"]), number,
        ))
    return turns


def fold(text: str) -> str:
    return " ".join(text.casefold().split())


def is_right(hit: Hit, question: EvalQuestion) -> bool:
    for passage in (hit.passage, *hit.also):
        if question.article is not None:
            if rationale_right(passage, question):
                return True
            continue
        from_para = question.para is None or Path(passage.article).stem == question.para
        has_gold = not question.gold or any(fold(g) in fold(passage.text) for g in question.gold)
        if from_para and has_gold:
            return True
    return False


def rationale_right(passage: Paragraph, question: EvalQuestion) -> bool:
    """CoQA's rule: from the turn's article, and holding the rationale's words in a row, or
    at least half of its span, or lying wholly inside it."""
    if Path(passage.article).name != question.article or not question.gold:
        return False
    if _words(question.gold[0]).strip() and _words(question.gold[0]) in _words(passage.text):
        return True
    if question.span is None:
        return False
    start, end = question.span
    overlap = max(0, min(end, passage.end) - max(start, passage.start))
    return overlap >= 0.5 * (end - start) or overlap >= passage.end - passage.start > 0


def _words(text: str) -> str:
    return " " + " ".join(_WORD.findall(text.casefold())) + " "


Ask = Callable[..., Answer]  # ask(question) or, for a conversation's turns, ask(question, conversation)


def evaluate(
    questions: Iterable[EvalQuestion], ask: Ask, keep_misses: int = 50, show_relevance: float = SearchSettings.show_relevance
) -> dict[str, EvalReport]:
    """Reports for all questions ("all") and, when there are conversations, for their first
    turns ("first") and follow-ups ("follow-up"). `ask` returns the ranking to MRR_DEPTH
    (`Library.ask(..., ranked=True)`); "shown" figures count only the passages a face shows,
    those at or above `show_relevance`."""
    reports: dict[str, EvalReport] = {"all": EvalReport()}
    conversation, current = Conversation(), None
    for question in questions:
        if question.conversation != current:
            conversation, current = Conversation(), question.conversation
        started = time.perf_counter()
        answer = ask(question.q) if current is None else ask(question.q, conversation)
        seconds = time.perf_counter() - started
        if current is not None:
            conversation = conversation.followed_by(answer)
            kind = "first" if question.turn == 1 else "follow-up"
            _score(reports.setdefault(kind, EvalReport()), question, answer, seconds, 0, show_relevance)
        _score(reports["all"], question, answer, seconds, keep_misses, show_relevance)
    return reports


def _score(
    report: EvalReport, question: EvalQuestion, answer: Answer, seconds: float, keep_misses: int, show_relevance: float
) -> None:
    report.seconds.append(seconds)
    if not question.answerable:
        report.unanswerable += 1
        report.refused_unanswerable += not answer.answered
        if answer.answered and len(report.misses) < keep_misses:
            report.misses.append(_miss(question, answer, "should have been refused"))
        return
    report.answerable += 1
    report.refused_answerable += not answer.answered
    rank = next((i for i, hit in enumerate(answer.hits[:MRR_DEPTH], 1) if is_right(hit, question)), None)
    report.top1 += rank == 1
    report.top3 += rank is not None and rank <= 3
    report.top3_shown += rank is not None and rank <= min(3, shown_count(answer, show_relevance))
    report.reciprocal_ranks += 1 / rank if rank else 0.0
    if (rank != 1 or not answer.answered) and len(report.misses) < keep_misses:
        why = "refused" if not answer.answered and rank == 1 else f"right passage at rank {rank or '>10'}"
        report.misses.append(_miss(question, answer, why))


def _miss(question: EvalQuestion, answer: Answer, why: str) -> dict:
    first = answer.hits[0].passage if answer.hits else None
    return {
        "question": question.q if question.conversation is None else f"[{question.conversation} #{question.turn}] {question.q}",
        "why": why,
        "first": f"{first.article} ¶{first.number}: {first.text[:120]}" if first else None,
        "expected": " | ".join(question.gold) or (question.para or "a refusal"),
    }
