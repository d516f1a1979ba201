"""Turning an article's text into citable paragraphs.

The rule, also stated in docs/configuration.md:
1. Blocks are separated by blank lines. A block whose longest line is over
   `WRAPPED_LINE_MAX` characters is "a paragraph a line" (as scraped news is), so each line
   is its own block; otherwise its lines are a hard-wrapped paragraph and are joined.
   List items always stand alone.
2. Furniture (banners, bylines, date lines, credit lines, headings and related-link lists)
   is dropped; see `newsbot.corpus.cleaning`.
3. A paragraph shorter than `min_chars` is merged into a neighbour. A whole short sentence
   ("The magazine also quoted documents leaked by Snowden.") finishes the paragraph before
   it: merged forward, it had been glued to an unrelated quote, and on our question set
   merging it back raised top-1 from 0.843 to 0.863. A fragment or lead-in ("He said:")
   introduces the next one. The first and the last go where they can.
4. A paragraph longer than `max_chars` is split at sentence boundaries into pieces of at
   most `max_chars`, each piece starting with the last `overlap_sentences` sentences of the
   previous one. A single sentence longer than `max_chars` is cut at word boundaries (hard,
   where a run has no space), so no passage is ever longer than `max_chars`.
A passage is numbered by the article paragraph it starts in (1-based, after cleaning), so
the citation points at what a reader sees; split pieces share their paragraph's number.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from newsbot.corpus.cleaning import Block, classify, find_date, find_title, strip_list_marker, without_trailing_credit
from newsbot.corpus.index_sentences import sentence_spans
from newsbot.corpus.model import Paragraph

WRAPPED_LINE_MAX = 100
DEFAULT_MAX_ARTICLE_BYTES = 5_000_000  # ~800,000 words: far beyond any article, well below a data dump
SEGMENTER_VERSION = 2  # recorded with the index: passages cut by other rules mean a full rebuild
_LIST_ITEM = re.compile(r"^\s*([-*+•]|\d+[.)])\s+")
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*\s*$")


@dataclass(frozen=True)
class ParagraphRules:
    min_chars: int = 60
    max_chars: int = 1200
    overlap_sentences: int = 1
    # Which files are read at all, not how a passage is cut, so `as_dict` (the settings an
    # index is tied to) leaves it out: changing it adds or drops articles, nothing else.
    max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES

    def as_dict(self) -> dict[str, int]:
        return {
            "min_chars": self.min_chars,
            "max_chars": self.max_chars,
            "overlap_sentences": self.overlap_sentences,
        }


@dataclass(frozen=True)
class Segmented:
    title: str | None
    date: str | None
    paragraphs: tuple[tuple[int, str, int, int], ...]  # (number, text, start, end)


def segment(text: str, rules: ParagraphRules, markdown: bool = False) -> Segmented:
    """Clean and split `text`; numbers and offsets refer to `text` itself."""
    blocks = [classify(t, s, e, markdown) for t, s, e in _raw_blocks(text)]
    blocks = without_trailing_credit(blocks, text, markdown)
    body = [b for b in blocks if b.kind == "text" and b.text]
    numbered = [(n, b) for n, b in enumerate(body, start=1)]
    merged = _merge_short(numbered, rules.min_chars)
    pieces: list[tuple[int, str, int, int]] = []
    for number, block in merged:
        for piece_text, start, end in _split_long(block, rules):
            pieces.append((number, piece_text, start, end))
    return Segmented(title=find_title(blocks), date=find_date(blocks), paragraphs=tuple(pieces))


def to_paragraphs(article: str, title: str, segmented: Segmented) -> tuple[Paragraph, ...]:
    return tuple(
        Paragraph(article=article, title=title, number=n, text=t, start=s, end=e)
        for n, t, s, e in segmented.paragraphs
    )


def _raw_blocks(text: str):
    """Yield (text, start, end) for each paragraph-sized block of the source."""
    for match in re.finditer(r"(?:[^\n]*\S[^\n]*(?:\n|$))+", text):
        lines = list(re.finditer(r"[^\n]+", match.group(0)))
        lines = [ln for ln in lines if ln.group(0).strip()]
        offset = match.start()
        one_per_line = max(len(ln.group(0)) for ln in lines) > WRAPPED_LINE_MAX
        group: list[re.Match] = []
        for line in lines:
            if one_per_line or _LIST_ITEM.match(line.group(0)):
                if group:
                    yield _joined(group, offset)
                    group = []
                yield _joined([line], offset, list_item=True)
            else:
                group.append(line)
        if group:
            yield _joined(group, offset)


def _joined(lines: list[re.Match], offset: int, list_item: bool = False) -> tuple[str, int, int]:
    text = " ".join(ln.group(0).strip() for ln in lines)
    if list_item:
        text = strip_list_marker(text.strip())
    start = offset + lines[0].start() + (len(lines[0].group(0)) - len(lines[0].group(0).lstrip()))
    end = offset + lines[-1].start() + len(lines[-1].group(0).rstrip())
    return text, start, end


def _merge_short(numbered: list[tuple[int, Block]], min_chars: int) -> list[tuple[int, Block]]:
    merged: list[tuple[int, Block]] = []
    pending: tuple[int, Block] | None = None
    for number, block in numbered:
        if pending is not None:
            number, block = pending[0], _combine(pending[1], block)
            pending = None
        if len(block.text) >= min_chars:
            merged.append((number, block))
        elif merged and _completes_a_statement(block.text):
            merged[-1] = (merged[-1][0], _combine(merged[-1][1], block))
        else:
            pending = (number, block)
    if pending is not None:
        if merged:
            merged[-1] = (merged[-1][0], _combine(merged[-1][1], pending[1]))
        else:
            merged.append(pending)
    return merged


def _completes_a_statement(text: str) -> bool:
    return bool(_SENTENCE_END.search(text))


def _combine(first: Block, second: Block) -> Block:
    return Block(text=f"{first.text}\n{second.text}", start=first.start, end=second.end, kind="text")


def _split_long(block: Block, rules: ParagraphRules) -> list[tuple[str, int, int]]:
    if len(block.text) <= rules.max_chars:
        return [(block.text, block.start, block.end)]
    spans = [cut for span in sentence_spans(block.text) for cut in _bounded(block.text, span, rules.max_chars)]
    sentences = [(block.text[s:e], s, e) for s, e in spans]
    pieces: list[tuple[str, int, int]] = []
    first = 0
    while first < len(sentences):
        last = first
        while last + 1 < len(sentences) and sentences[last + 1][2] - sentences[first][1] <= rules.max_chars:
            last += 1
        text = block.text[sentences[first][1] : sentences[last][2]]
        pieces.append(_mapped(block, text, sentences[first][1], sentences[last][2]))
        if last + 1 >= len(sentences):
            break
        first = max(last + 1 - rules.overlap_sentences, first + 1)
    return pieces


def _bounded(text: str, span: tuple[int, int], limit: int) -> list[tuple[int, int]]:
    """A sentence cut into spans of at most `limit` characters: at the last space that fits,
    or, in a run with no space, at `limit` itself. A sentence that fits is returned as it is,
    so normal articles are cut exactly as before; only a run-on line (a table dump, a
    200,000-character line without a full stop) is cut, rather than becoming one passage."""
    start, end = span
    cuts = []
    while end - start > limit:
        space = max(text.rfind(" ", start + 1, start + limit + 1), text.rfind("\n", start + 1, start + limit + 1))
        stop = space if space > start else start + limit
        piece_end = stop
        while piece_end > start and text[piece_end - 1].isspace():
            piece_end -= 1
        cuts.append((start, piece_end))
        start = stop
        while start < end and text[start].isspace():
            start += 1
    return cuts + [(start, end)] if start < end else cuts


def _mapped(block: Block, text: str, start: int, end: int) -> tuple[str, int, int]:
    """Approximate source offsets of a piece: exact when the block was one source line."""
    scale = (block.end - block.start) / max(len(block.text), 1)
    return text, block.start + round(start * scale), block.start + round(end * scale)
