"""Telling article text from the page furniture around it.

News files scraped from the web carry banners ("IE 11 is not supported..."), bylines and
date lines, credit lines and lists of related headlines. Indexed, they would be returned as
"answers"; dropped silently, we would lose the title and date. So each block of the file is
classified, the furniture dropped, and the title and date kept as metadata.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace

from newsbot.corpus.index_sentences import sentence_spans

_BANNERS = re.compile(
    r"(is not supported\b.*browser|for an optimal experience|skip to (main )?content|"
    r"sign up for (our|the) newsletter|^advertisement$|all rights reserved|^copyright\b|"
    r"^follow us on\b|^click here\b|^read more\b|enable javascript|cookies? (policy|settings))",
    re.IGNORECASE,
)
_CREDIT = re.compile(
    r"(contributed (to this report|reporting)|^(additional )?(reporting|research)( was)?( contributed)? by\b|"
    r"^additional reporting\b|^editing by\b)",
    re.IGNORECASE,
)
_MONTH = r"(jan|feb|mar|apr|may|jun|jul|aug|sep|sept|oct|nov|dec)[a-z]*\.?"
_DATE = re.compile(
    rf"^[|•·\-–— ]*(updated|published|posted)?[: ]*"
    rf"({_MONTH} \d{{1,2}},? \d{{4}}|\d{{1,2}} {_MONTH},? \d{{4}}|\d{{4}}-\d{{2}}-\d{{2}})"
    rf"[\s,|]*(\d{{1,2}}:\d{{2}}\s*(am|pm)?\s*\w{{0,4}})?[\s|]*$",
    re.IGNORECASE,
)
_BYLINE = re.compile(r"^by\s+[A-Z][\w.'’-]*(\s+[\w.'’&,-]+){0,6}\s*(\|.*)?$", re.IGNORECASE)
_BYLINE_PARTS = re.compile(r"\s*[|•·]\s*")
_SENTENCE_END = re.compile(r"[.!?:;…][\"'”’)\]]*$")
_MARKDOWN_HEADING = re.compile(r"^#{1,6}\s+")
_LIST_MARKER = re.compile(r"^([-*+•]|\d+[.)])\s+")

HEADING_MAX_CHARS = 100


@dataclass(frozen=True)
class Block:
    """A run of text at `start:end` in the source, with its kind after classification."""

    text: str
    start: int
    end: int
    kind: str  # "text", "heading", "banner", "credit", "byline", "date"


def classify(text: str, start: int, end: int, markdown: bool) -> Block:
    """Decide what one block is. Markdown arrives rendered (`newsbot.corpus.markdown_text`), with
    only its headings' `#` markers left: they say "heading" and are dropped from the text."""
    is_md_heading = markdown and bool(_MARKDOWN_HEADING.match(text))
    if markdown:
        text = _MARKDOWN_HEADING.sub("", text)
    text = " ".join(text.split())
    if _BANNERS.search(text) and len(text) < 200:
        kind = "banner"
    elif _CREDIT.search(text) and len(text) < 200:
        kind = "credit"
    elif _DATE.match(text):
        kind = "date"
    elif _BYLINE.match(text) and len(text) < 80:
        kind = "byline"
    elif is_md_heading or _looks_like_heading(text):
        kind = "heading"
    else:
        kind = "text"
    return Block(text=text, start=start, end=end, kind=kind)


def without_trailing_credit(blocks: list[Block], source: str, markdown: bool) -> list[Block]:
    """`blocks` with a credit sentence that ends the last paragraph ("... he said. Reporting
    contributed by Sam Lee.") split off it as a credit block of its own."""
    last = next((i for i in range(len(blocks) - 1, -1, -1) if blocks[i].kind in ("text", "credit")), None)
    if last is None:
        return blocks
    block = blocks[last]
    spans = sentence_spans(block.text)
    credit = block.text[spans[-1][0] :] if len(spans) > 1 else ""
    if not credit or len(credit) >= 200 or not _CREDIT.search(credit):
        return blocks
    words = r"\s+".join(re.escape(word) for word in credit.split())
    found = list(re.finditer(words, source[block.start : block.end]))
    if not found:
        return blocks
    credit_start = block.start + found[-1].start()
    kept_end = block.start + len(source[block.start : credit_start].rstrip())
    kept = classify(block.text[: spans[-1][0]], block.start, kept_end, markdown)
    return [*blocks[:last], kept, replace(block, text=credit, start=credit_start, kind="credit"), *blocks[last + 1 :]]


def _looks_like_heading(text: str) -> bool:
    """Short and unpunctuated: a headline, a section title or a related-story link."""
    return len(text) <= HEADING_MAX_CHARS and not _SENTENCE_END.search(text)


def strip_list_marker(text: str) -> str:
    return _LIST_MARKER.sub("", text)


def find_title(blocks: list[Block]) -> str | None:
    """The headline: a heading before any text, else one right before a byline or date line.

    Sites put the headline on top (after banners) or, in some scrapes, at the bottom just
    above "By CNN | Oct. 23, 2013"; a run of several headings is a related-links list, not a title.
    """
    kinds = [b.kind for b in blocks]
    for i, block in enumerate(blocks):
        if block.kind == "text":
            break
        if block.kind == "heading" and (i + 1 >= len(blocks) or kinds[i + 1] != "heading"):
            return block.text
    for i, block in enumerate(blocks[:-1]):
        if block.kind == "heading" and kinds[i + 1] in ("byline", "date"):
            return block.text
    return None


def find_date(blocks: list[Block]) -> str | None:
    """The date line's text, else a date given in a byline ("By Dana Whitfield | Dec. 4, 2026")."""
    for block in blocks:
        if block.kind == "date":
            return block.text.strip("|•·-–— ").strip()
    for block in blocks:
        if block.kind == "byline":
            for part in _BYLINE_PARTS.split(block.text)[1:]:
                if _DATE.match(part):
                    return part.strip()
    return None
