"""The reader: a small transformer that reads a question and a passage together, over the
token vectors the index already keeps.

Why this shape (measured on this 2-core machine, docs/search.md, "The reader"): a cross-encoder made
from MiniLM's own layers reads word pieces from scratch, at 0.27 s of CPU a pair to train and
up to 60 ms a pair to run; and a naive one trained here collapsed. The bundled model has
already read each text on its own, and the index keeps the result (a unit vector per word
piece). So the reader starts from those vectors and only learns what reading the two
*together* adds: three narrow layers of joint attention over [CLS] + question + passage,
with, for every token, how well it is matched in the other text (best cosine, same word piece).
It says whether the passage answers (the [CLS] head) and where (start and end over the
passage's tokens): 8 passages of 150 word pieces in 25-31 ms on one thread.

The layers are written out (no `nn.TransformerEncoder`) so the ONNX export is plain
MatMul/Softmax/LayerNorm that onnxruntime runs anywhere.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import torch
from torch import nn


@dataclass(frozen=True)
class ReaderShape:
    dimension: int = 384  # the token vectors' (the bundled MiniLM's)
    width: int = 128
    layers: int = 3
    heads: int = 4
    hidden: int = 384
    question_tokens: int = 40
    passage_tokens: int = 256

    def to_dict(self) -> dict:
        return asdict(self)


class Layer(nn.Module):
    def __init__(self, width: int, heads: int, hidden: int, dropout: float) -> None:
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = nn.LayerNorm(width), nn.LayerNorm(width)
        self.qkv = nn.Linear(width, 3 * width)
        self.out = nn.Linear(width, width)
        self.up, self.down = nn.Linear(width, hidden), nn.Linear(hidden, width)
        self.drop = nn.Dropout(dropout)

    def forward(self, x: torch.Tensor, bias: torch.Tensor) -> torch.Tensor:
        batch, length, width = x.shape
        q, k, v = self.qkv(self.norm1(x)).reshape(batch, length, 3, self.heads, width // self.heads).permute(2, 0, 3, 1, 4)
        scores = q @ k.transpose(-1, -2) / math.sqrt(width // self.heads) + bias
        attended = (self.drop(scores.softmax(-1)) @ v).transpose(1, 2).reshape(batch, length, width)
        x = x + self.drop(self.out(attended))
        return x + self.drop(self.down(nn.functional.gelu(self.up(self.norm2(x)))))


class Reader(nn.Module):
    """(answer logit [B], start logits [B, P], end logits [B, P]) of each question-passage pair."""

    def __init__(self, shape: ReaderShape = ReaderShape(), dropout: float = 0.1) -> None:
        super().__init__()
        self.shape = shape
        width = shape.width
        self.project = nn.Linear(shape.dimension, width)
        self.kind = nn.Parameter(torch.randn(3, width) * 0.02)  # [CLS], question, passage
        self.match = nn.Linear(2, width)
        self.layers = nn.ModuleList(Layer(width, shape.heads, shape.hidden, dropout) for _ in range(shape.layers))
        self.norm = nn.LayerNorm(width)
        self.answer = nn.Sequential(nn.Linear(width + 2, width), nn.GELU(), nn.Linear(width, 1))
        self.span = nn.Linear(width, 2)

    def forward(self, q_vec, q_ids, q_mask, p_vec, p_ids, p_mask):
        q_on, p_on = q_mask > 0, p_mask > 0
        sims = q_vec @ p_vec.transpose(1, 2)  # [B, Q, P] cosines
        floor = torch.full_like(sims, -1.0)
        q_best = torch.where(p_on[:, None, :], sims, floor).amax(2)
        p_best = torch.where(q_on[:, :, None], sims, floor).amax(1)
        same = (q_ids[:, :, None] == p_ids[:, None, :]) & q_on[:, :, None] & p_on[:, None, :]
        q_same, p_same = same.any(2).float(), same.any(1).float()
        q_count = q_mask.sum(1).clamp(min=1.0)
        maxsim = (q_best * q_mask).sum(1) / q_count
        covered = (q_same * q_mask).sum(1) / q_count
        xq = self.project(q_vec) + self.kind[1] + self.match(torch.stack([q_best, q_same], -1))
        xp = self.project(p_vec) + self.kind[2] + self.match(torch.stack([p_best, p_same], -1))
        cls = self.kind[0].expand(q_vec.shape[0], 1, -1)
        x = torch.cat([cls, xq, xp], 1)
        on = torch.cat([torch.ones_like(q_mask[:, :1]), q_mask, p_mask], 1)
        bias = ((1.0 - on) * -1e4)[:, None, None, :]
        for layer in self.layers:
            x = layer(x, bias)
        x = self.norm(x)
        logit = self.answer(torch.cat([x[:, 0], maxsim[:, None], covered[:, None]], -1))[:, 0]
        ends = self.span(x[:, 1 + q_vec.shape[1] :])
        closed = (1.0 - p_mask) * -1e4
        return logit, ends[..., 0] + closed, ends[..., 1] + closed
