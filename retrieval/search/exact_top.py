"""The best few reranked passages scored again with exact token vectors where the index keeps
only codes of them.

A segment of a million tokens or more keeps its token vectors as 48-byte codes
(`newsbot.retrieval.index.token_codec`), and codes blur the one rare word that often decides which of
two close passages answers: on SQuAD, each half of the articles coded with a codebook trained
on the other half, top-1 fell from 0.8976 to 0.8924. The passages a question is decided among
are few and their text is in the index, so the best `exact_rescore` of them are embedded again
(the question's model, their token vectors only) and ordered among themselves by their exact
late-interaction score: top-1 0.8966, top-3 unchanged by construction (the same passages),
refusals within 0.0003 of int8's, for a median 168 ms more a question on 2 cores (docs/index-on-disk.md,
"Token vectors on disk"). Indexes without codes never come here: their scores are already
exact.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenVectors, supports_tokens
from newsbot.retrieval.index.token_store import token_weights

EmbedTokens = Callable[[Sequence[str]], Sequence[TokenVectors]]


def rescore_best(
    index, query_tokens: TokenVectors, rows: np.ndarray, order: np.ndarray, fused_z: np.ndarray,
    late: np.ndarray, strength: np.ndarray, late_weight: float, best: int, embed_tokens: EmbedTokens,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(order, late, strength) of the reranked `rows` with the first `best` of `order` scored
    exactly where coded, and reordered among themselves; the rest keep their places. With
    nothing coded among them, what was given comes back untouched.

    The exact scores sit on the int8 scale, the coded ones a little above it (the best of
    many blurred matches), so the two are never compared: the re-scored passages keep the
    places they won and only their order among themselves changes."""
    top = order[:best]
    coded = top[index.token_store.coded(rows[top])]
    if not len(coded):
        return order, late, strength
    late = np.asarray(late, dtype=np.float32).copy()
    spread = float(late.std()) or 1.0
    centre = float(late.mean())
    passages = embed_tokens([index.passages[int(rows[i])].text for i in coded])
    weights = token_weights(index.token_store.idf, query_tokens.ids)
    late[coded] = [exact_maxsim(query_tokens.vectors, weights, passage.vectors) for passage in passages]
    strength = np.asarray(strength, dtype=np.float32).copy()
    strength[top] = fused_z[top] + late_weight * (late[top] - centre) / spread
    order = np.concatenate([top[np.argsort(-strength[top], kind="stable")], order[best:]])
    return order, late, strength


def exact_maxsim(question: np.ndarray, weights: np.ndarray, passage: np.ndarray) -> float:
    """The idf-weighted mean over question tokens of their best cosine in the passage."""
    if not len(passage) or not len(question):
        return 0.0
    return float(weights @ (np.asarray(question, np.float32) @ np.asarray(passage, np.float32).T).max(axis=1))


def passage_tokens(embedder) -> EmbedTokens | None:
    """The model's token vectors of some texts, or None for a model without them."""
    if not supports_tokens(embedder):
        return None
    return lambda texts: embedder.embed_with_tokens(list(texts))[1]
