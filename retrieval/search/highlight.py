"""Which sentence of a passage to emphasise: the one that answers, or none.

A highlight is only worth showing when it singles something out. The old one split at a regex
that broke "U.S. Secretary of State" in two and emphasised whole one-sentence passages (189 of
340 highlights on our question set covered the whole passage). Sentences now come from a real
segmenter (`newsbot.corpus.segmenter`), a passage of one sentence gets no highlight, and the question's
words count by how rare they are, so "Snowden" outweighs "said".
"""

from __future__ import annotations

from collections.abc import Mapping

from newsbot.corpus import segmenter
from newsbot.retrieval.index.lexical import terms


def best_sentence(
    text: str, question_terms: list[str], weights: Mapping[str, float] | None = None
) -> tuple[int, int] | None:
    """(start, end) in `text` of the sentence sharing the most weighted question terms.

    `weights` maps a term to its weight (its rarity, e.g. IDF); a term it lacks, or every term
    when it is None, weighs 1. Ties go to the earlier sentence. None when the passage is a
    single sentence or no sentence shares a word with the question: nothing to single out.
    """
    spans = segmenter.spans(text)
    wanted = set(question_terms)
    if len(spans) < 2 or not wanted:
        return None
    weight = (lambda term: 1.0) if weights is None else (lambda term: weights.get(term, 1.0))
    scores = [sum(weight(term) for term in wanted & set(words)) for words in terms([text[s:e] for s, e in spans])]
    best = max(range(len(spans)), key=scores.__getitem__)  # max keeps the first of equals
    return spans[best] if scores[best] > 0 else None
