"""The values that leave `corpus`: an article and its paragraphs, with provenance.

They are frozen so that retrieval and the faces can pass them around freely; every
passage a user sees can be traced back to a file and a character range in it.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paragraph:
    """One citable unit of an article.

    `start`/`end` are character offsets into the article's text as read from disk
    (for HTML, into the text extracted from it), so `text == source[start:end]`
    up to the whitespace the splitter normalises.
    """

    article: str
    title: str
    number: int
    text: str
    start: int
    end: int


@dataclass(frozen=True)
class Article:
    """An article file after cleaning: its metadata and its paragraphs in order."""

    article: str
    title: str
    date: str | None
    sha256: str
    paragraphs: tuple[Paragraph, ...]
