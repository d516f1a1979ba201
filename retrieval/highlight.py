"""Which sentence of a passage to emphasise: the one sharing most of the question's words."""

from __future__ import annotations

from corpus.sentences import sentence_spans
from retrieval.lexical import terms


def best_sentence(text: str, question_terms: list[str]) -> tuple[int, int] | None:
    """(start, end) of the sentence with the most question terms; None when none has any."""
    spans = sentence_spans(text)
    if not spans or not question_terms:
        return None
    wanted = set(question_terms)
    overlaps = [len(wanted & set(words)) for words in terms([text[s:e] for s, e in spans])]
    best = max(range(len(spans)), key=lambda i: overlaps[i])
    return spans[best] if overlaps[best] else None
