"""Training examples as padded tensors: a batch of questions, each with its group of passages.

Every pair is (question tokens, passage tokens) as a search hands them to the reader; the
group's first passage answers. Spans become the answer's first and last word piece in the
passage, from the tokenizer's character offsets (special tokens dropped, as the index does).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from newsbot.retrieval.reader.reading import token_offsets
from training.examples import Example
from training.features import TokenTable

NO_SPAN = -100  # ignored by the span loss


@dataclass(frozen=True)
class Batch:
    q_vec: torch.Tensor
    q_ids: torch.Tensor
    q_mask: torch.Tensor
    p_vec: torch.Tensor
    p_ids: torch.Tensor
    p_mask: torch.Tensor
    labels: torch.Tensor  # 1 for an answering passage
    group: torch.Tensor  # [questions, group size] pair index, -1 where the group is shorter
    start: torch.Tensor  # [pairs] first word piece of the answer, NO_SPAN where unknown
    end: torch.Tensor

    def inputs(self) -> tuple[torch.Tensor, ...]:
        return self.q_vec, self.q_ids, self.q_mask, self.p_vec, self.p_ids, self.p_mask


def token_span(offsets: list[tuple[int, int]], span: tuple[int, int]) -> tuple[int, int] | None:
    """First and last token covering the characters span[0]:span[1], or None when cut off."""
    start, end = span
    first = next((i for i, (s, e) in enumerate(offsets) if e > start), None)
    last = next((i for i in range(len(offsets) - 1, -1, -1) if offsets[i][0] < end), None)
    if first is None or last is None or last < first:
        return None
    return first, last


def span_tokens(tokenizer_path: Path, text: str, spans, limit: int) -> tuple[int, int] | None:
    """The first span of `text` as token positions among its first `limit` word pieces, with
    the offsets the product maps the reader's span back with (`newsbot.retrieval.reader.reading`)."""
    if not spans:
        return None
    return token_span(token_offsets(str(tokenizer_path), text, limit), tuple(spans[0]))


def make_batch(examples: list[Example], table: TokenTable, spans: dict[str, tuple[int, int] | None], shape) -> Batch:
    pairs_q: list[tuple[np.ndarray, np.ndarray]] = []
    pairs_p: list[tuple[np.ndarray, np.ndarray]] = []
    labels: list[float] = []
    starts: list[int] = []
    ends: list[int] = []
    group_size = max(len(e.passages) for e in examples)
    group = np.full((len(examples), group_size), -1, dtype=np.int64)
    for row, example in enumerate(examples):
        question = table.tokens(example.question, shape.question_tokens)
        for column, passage in enumerate(example.passages):
            group[row, column] = len(labels)
            pairs_q.append(question)
            pairs_p.append(table.tokens(passage.text, shape.passage_tokens))
            labels.append(1.0 if passage.answers else 0.0)
            found = spans.get(example.id) if passage.answers else None
            starts.append(found[0] if found else NO_SPAN)
            ends.append(found[1] if found else NO_SPAN)
    q_vec, q_ids, q_mask = _pad(pairs_q)
    p_vec, p_ids, p_mask = _pad(pairs_p)
    return Batch(
        q_vec, q_ids, q_mask, p_vec, p_ids, p_mask, torch.tensor(labels), torch.from_numpy(group),
        torch.tensor(starts), torch.tensor(ends),
    )


def _pad(tokens: list[tuple[np.ndarray, np.ndarray]]) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    width = max(1, max(len(ids) for ids, _ in tokens))
    dimension = tokens[0][1].shape[1] if len(tokens[0][1].shape) == 2 else 384
    vec = np.zeros((len(tokens), width, dimension), dtype=np.float32)
    ids = np.zeros((len(tokens), width), dtype=np.int64)
    mask = np.zeros((len(tokens), width), dtype=np.float32)
    for row, (token_ids, vectors) in enumerate(tokens):
        used = len(token_ids)
        vec[row, :used], ids[row, :used], mask[row, :used] = vectors, token_ids, 1.0
    return torch.from_numpy(vec), torch.from_numpy(ids), torch.from_numpy(mask)
