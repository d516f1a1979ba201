"""Training questions for the reader, read from the reader data beside the repository.

Each question keeps the passages it is judged against: its answering passage (with the
character spans of the answer) and passages that do not answer, the hardest first. What a
reader must learn is told by the negatives, so beside the sets' own (other paragraphs of the
same article, ranked by shared question words) every SQuAD-style question also gets its own
paragraph with the answering sentence taken out: the same subject, the same names, no answer.
That is the passage newsbot used to cite.

Sets (`../shared/data/reader/README.md` gives sources and licences): SQuAD 1.1's 13 dev
articles not in SQuAD 2.0 dev, SQuADShifts' new Wikipedia articles, RealTimeQA's news quizzes
over retrieved news articles, TrecQA's news sentences. SQuADShifts' Reddit posts and Amazon
reviews are left out: not news, and their questions are about one post at a time.
Questions are held out by article (title), never by question, so no article is in both.
"""

from __future__ import annotations

import gzip
import json
import random
import re
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TypedDict


class _SetReading(TypedDict):
    negatives: int  # how many non-answering passages each question keeps
    take_out: bool  # whether the answering paragraph, answer sentence taken out, is one of them


SETS: dict[str, _SetReading] = {
    "squad11_extra/dev_extra13.jsonl.gz": {"negatives": 5, "take_out": True},
    "squadshifts/new_wiki.jsonl.gz": {"negatives": 5, "take_out": True},
    "realtimeqa/realtimeqa.jsonl.gz": {"negatives": 4, "take_out": False},
    "trecqa/train.jsonl.gz": {"negatives": 5, "take_out": False},
}
HELD_OUT_SHARE = 0.08  # of the titles (articles) of each set
_SENTENCE_END = re.compile(r"(?<=[.!?])[\"')\]]*\s+(?=[\"'(\[]?[A-Z0-9])")


@dataclass(frozen=True)
class Passage:
    text: str
    answers: bool
    spans: tuple[tuple[int, int], ...] = ()


@dataclass(frozen=True)
class Example:
    """A question and the passages it is trained against: the answering one first."""

    id: str
    source: str
    group: str  # the article it comes from: held out together
    question: str
    passages: tuple[Passage, ...]
    answers: tuple[str, ...] = ()  # the gold answer strings (to keep answering passages out of negatives)


def read_examples(data_dir: Path, limit_per_set: int | None = None, seed: int = 0) -> list[Example]:
    """Every set's examples, in a fixed order; `limit_per_set` keeps an even sample (tests)."""
    examples = []
    for name, how in SETS.items():
        path = data_dir / name
        if not path.is_file():
            raise FileNotFoundError(f"{path} is missing: the reader's training data lies in ../shared/data/reader")
        found = list(_read_set(path, how["negatives"], how["take_out"], seed))
        if limit_per_set is not None and len(found) > limit_per_set:
            found = random.Random(seed).sample(found, limit_per_set)
        examples.extend(found)
    return examples


def held_out(example: Example) -> bool:
    """Whether the example's article is in the held-out share (a stable hash of the title)."""
    return zlib.crc32(f"{example.source}|{example.group}".encode()) % 10_000 < HELD_OUT_SHARE * 10_000


def _read_set(path: Path, negatives: int, take_out: bool, seed: int) -> Iterator[Example]:
    rng = random.Random(seed)
    with gzip.open(path, "rt", encoding="utf-8") as lines:
        for line in lines:
            raw = json.loads(line)
            example = _example(raw, negatives, take_out, rng)
            if example is not None:
                yield example


def _example(raw: dict, negatives: int, take_out: bool, rng: random.Random) -> Example | None:
    positives = [p for p in raw["passages"] if p["answers"]]
    others = [p for p in raw["passages"] if not p["answers"]]
    if not positives:
        return None
    # the evidence passage (with a span) when there is one; a random other positive otherwise
    spanned = [p for p in positives if p["spans"]]
    chosen = spanned[0] if spanned else rng.choice(positives)
    answer = Passage(chosen["text"], True, tuple(tuple(s) for s in chosen["spans"]))
    hard = [Passage(p["text"], False) for p in others[:negatives]]
    if take_out and answer.spans:
        rest = without_answer(answer.text, answer.spans, raw.get("answer_texts", []))
        if rest is not None:
            hard = [Passage(rest, False), *hard[: negatives - 1]]
    if not hard:
        return None
    group = raw.get("title") or raw["id"]
    if raw["source"].startswith("trecqa"):
        group = raw["id"]  # one question per "article": TrecQA has no titles
    return Example(raw["id"], raw["source"], group, raw["question"], (answer, *hard), tuple(raw.get("answer_texts") or ()))


def without_answer(text: str, spans, answer_texts: list[str]) -> str | None:
    """`text` without the sentence(s) holding the answer, or None when what is left would
    still hold an answer string, or too little of the paragraph is left."""
    sentences = sentence_bounds(text)
    kept = [
        (start, end) for start, end in sentences
        if not any(s < end and e > start for s, e in spans)
    ]
    rest = " ".join(text[start:end].strip() for start, end in kept).strip()
    if len(kept) < 2 or len(rest) < 120:
        return None
    folded = rest.casefold()
    if any(answer.strip() and answer.casefold() in folded for answer in answer_texts):
        return None
    return rest


def sentence_bounds(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence: a light splitter is enough to take one sentence out."""
    bounds, start = [], 0
    for match in _SENTENCE_END.finditer(text):
        bounds.append((start, match.start()))
        start = match.end()
    bounds.append((start, len(text)))
    return [(s, e) for s, e in bounds if text[s:e].strip()]
