"""The index's sentence boundaries: where long paragraphs are split and two-sentence windows cut.

A regex that breaks after every period before a capital, so "U.S. Secretary" falls in two.
It stays because it shapes every stored index: changing it would change passages and windows,
and so every index built before. What a person sees (the highlighted sentence, duplicate
statements) uses `newsbot.corpus.segmenter` (Punkt), where a wrong break shows.
"""

from __future__ import annotations

import re

_SENTENCE_BREAK = re.compile(r"(?<=[.!?])([\"'”’)]*)\s+(?=[\"'“‘(]?[A-Z0-9])")


def sentence_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence in `text`, closing quotes included; never empty for text."""
    spans, start = [], 0
    for match in _SENTENCE_BREAK.finditer(text):
        spans.append((start, match.start() + len(match.group(1))))
        start = match.end()
    spans.append((start, len(text.rstrip())))
    return [(s, e) for s, e in spans if text[s:e].strip()]
