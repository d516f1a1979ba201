"""Reading a question and its best passages together: does each answer, and with which words.

Every other signal newsbot has measures how much a passage is *about* the question; the
story's lead names its people and places, so it wins on those, and on-topic questions the
articles don't answer find a passage on the subject. The reader (trained here by
`python -m training.train`, docs/search.md, "The reader") reads question and passage together over the
token vectors the index already keeps, so it costs no second model pass: one ONNX call for the
best few passages: 8 passages of 150 word pieces in 25-31 ms on one thread (docs/search.md, "The reader").

It gives, per passage, the logit that the passage answers and the span of word pieces that
answers, turned here into character offsets of the passage text with the tokenizer the
bundled model reads with (`tokenizer.json`, shipped beside the weights).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenVectors

WEIGHTS = Path(__file__).resolve().parent / "weights"
FORMAT_VERSION = 1
LONGEST_ANSWER = 30  # word pieces


@dataclass(frozen=True)
class Reading:
    """What the reader made of one passage."""

    logit: float  # log-odds that the passage answers (calibrated later, in `newsbot.retrieval.search.read_verdict`)
    span: tuple[int, int] | None  # character offsets of the words that answer, if found


class Reader:
    """The shipped reader: an onnxruntime session and the card that says what it reads."""

    def __init__(self, folder: Path = WEIGHTS) -> None:
        import onnxruntime

        card = json.loads((folder / "reader.json").read_text(encoding="utf-8"))
        if card.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{folder}/reader.json has format {card.get('format_version')}, this newsbot reads {FORMAT_VERSION}")
        self.model = card["reads_tokens_of"]
        self.question_tokens = int(card["shape"]["question_tokens"])
        self.passage_tokens = int(card["shape"]["passage_tokens"])
        options = onnxruntime.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
        self._session = onnxruntime.InferenceSession(str(folder / "reader.onnx"), options, providers=["CPUExecutionProvider"])
        self._tokenizer_path = folder / "tokenizer.json"

    def read(self, question: TokenVectors, passages: Sequence[TokenVectors], texts: Sequence[str]) -> list[Reading]:
        """One reading per passage (`texts` are the passages' texts, for the answer's offsets).
        The question keeps its last `question_tokens` word pieces: in a follow-up read with
        its conversation, the question asked comes last."""
        if not passages:
            return []
        q_ids, q_vec = np.asarray(question.ids)[-self.question_tokens :], np.asarray(question.vectors)[-self.question_tokens :]
        count = len(passages)
        width = max(1, max(min(len(p.ids), self.passage_tokens) for p in passages))
        p_vec = np.zeros((count, width, q_vec.shape[1]), dtype=np.float32)
        p_ids = np.zeros((count, width), dtype=np.int64)
        p_mask = np.zeros((count, width), dtype=np.float32)
        for row, passage in enumerate(passages):
            used = min(len(passage.ids), self.passage_tokens)
            p_vec[row, :used] = passage.vectors[:used]
            p_ids[row, :used] = passage.ids[:used]
            p_mask[row, :used] = 1.0
        feeds = {
            "q_vec": np.repeat(q_vec[None].astype(np.float32), count, 0),
            "q_ids": np.repeat(q_ids[None].astype(np.int64), count, 0),
            "q_mask": np.ones((count, len(q_ids)), dtype=np.float32),
            "p_vec": p_vec, "p_ids": p_ids, "p_mask": p_mask,
        }
        logits, starts, ends = self._session.run(["answer", "start", "end"], feeds)
        return [
            Reading(float(logits[i]), self._span(texts[i], starts[i], ends[i], int(p_mask[i].sum())))
            for i in range(count)
        ]

    def token_ids(self, text: str) -> np.ndarray:
        """The word-piece ids of a text (special tokens left out), as the index keeps them."""
        encoding = _tokenizer(str(self._tokenizer_path)).encode(text)
        return np.array([i for i, special in zip(encoding.ids, encoding.special_tokens_mask) if not special], dtype=np.int64)

    def _span(self, text: str, starts: np.ndarray, ends: np.ndarray, used: int) -> tuple[int, int] | None:
        found = best_span(starts[:used], ends[:used])
        if found is None:
            return None
        offsets = token_offsets(str(self._tokenizer_path), text, self.passage_tokens)
        if len(offsets) < used:  # the text is not what the tokens were made from
            return None
        return offsets[found[0]][0], offsets[found[1]][1]


def best_span(starts: np.ndarray, ends: np.ndarray, longest: int = LONGEST_ANSWER) -> tuple[int, int] | None:
    """The (first, last) word piece maximising start + end logits, last within `longest` of first."""
    if not len(starts):
        return None
    total = starts[:, None] + ends[None, :]
    size = len(starts)
    allowed = np.triu(np.ones((size, size), dtype=bool)) & ~np.triu(np.ones((size, size), dtype=bool), longest)
    total = np.where(allowed, total, -np.inf)
    first, last = np.unravel_index(int(np.argmax(total)), total.shape)
    return int(first), int(last)


def token_offsets(tokenizer_path: str, text: str, limit: int) -> list[tuple[int, int]]:
    """Character offsets of the text's word pieces, special tokens left out, as the index keeps them."""
    encoding = _tokenizer(tokenizer_path).encode(text)
    return [o for o, special in zip(encoding.offsets, encoding.special_tokens_mask) if not special][:limit]


@lru_cache(maxsize=2)
def _tokenizer(path: str):
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(path)
    tokenizer.enable_truncation(max_length=256)
    tokenizer.no_padding()
    return tokenizer


@lru_cache(maxsize=1)
def shipped_reader() -> Reader | None:
    """The reader shipped in the package, loaded once; None when its weights are absent."""
    if not (WEIGHTS / "reader.onnx").is_file():
        return None
    return Reader(WEIGHTS)
