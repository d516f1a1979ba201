"""Reading one article file into plain text, whatever its format.

Plain text is read as it is. Markdown is rendered to plain text by markdown-it-py, its YAML
front matter giving the title and date (`newsbot.corpus.markdown_text`). HTML goes through
trafilatura, which knows article extraction far better than any regex would, and hands back
the page's title and date when it finds them. For Markdown and HTML, passage offsets refer
to the text read here, not to the file's bytes.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from newsbot.corpus.errors import CorpusError

ARTICLE_SUFFIXES = (".txt", ".md", ".html", ".htm")


@dataclass(frozen=True)
class SourceText:
    """An article's text, plus metadata the format itself carried (HTML head, Markdown title)."""

    text: str
    title: str | None = None
    date: str | None = None


def decode_article(path: Path, data: bytes) -> SourceText:
    if b"\x00" in data[:4096]:
        raise CorpusError(f"{path.name}: binary file, not an article")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise CorpusError(f"{path.name}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    if path.suffix.lower() in (".html", ".htm"):
        return _extract_html(path, text)
    if path.suffix.lower() == ".md":
        from newsbot.corpus.markdown_text import read_markdown

        article = read_markdown(text)
        return SourceText(text=article.text, title=article.title, date=article.date)
    return SourceText(text=text)


def _extract_html(path: Path, html: str) -> SourceText:
    import trafilatura  # lazy: only HTML articles pay for lxml and friends

    document = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False)
    body = getattr(document, "text", None) if document is not None else None
    if not body:
        raise CorpusError(f"{path.name}: no article text found in this HTML page")
    return SourceText(
        text=body,
        title=getattr(document, "title", None) or None,
        date=getattr(document, "date", None) or None,
    )
