"""Search settings: what config.toml's [search] section sets, and the measured defaults it does not."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchSettings:
    top_k: int = 3
    min_score: float = 0.45
    max_question_chars: int = 2000
    candidates: int = 30
    rerank: int = 20
    lexical_weight: float = 1.0
    late_weight: float = 3.0
    min_token_score: float = 0.5
    duplicate_similarity: float = 0.92
