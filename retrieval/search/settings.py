"""Search settings: what config.toml's [search] section sets, and the measured defaults it does not."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SearchSettings:
    top_k: int = 3
    min_relevance: float = 0.27  # the first passage's relevance below which the articles "don't say"
    show_relevance: float = 0.3  # a later passage's relevance below which it is not shown
    min_score: float = 0.0  # optional floors on the first passage's cosine and token score (0: off)
    max_question_chars: int = 2000
    candidates: int = 30
    rerank: int = 20
    lexical_weight: float = 1.0
    late_weight: float = 3.0
    read_depth: int = 0  # best ranked passages the reader reads (0: no reader; `reading`); off until it beats the ranking
    exact_rescore: int = 3  # best reranked passages scored again exactly where coded (`exact_top`)
    min_token_score: float = 0.0
    duplicate_similarity: float = 0.92
