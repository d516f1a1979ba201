"""Markdown articles to plain text: front matter by PyYAML, the rest by markdown-it-py.

Both are well-kept parsers; the regexes they replace left YAML front matter as paragraph 1
(and the title fell back to the `frontmatter` file name), reference links (`[text][1]` with
`[1]: http://...` lines) and tables raw. The rendered text keeps the shape the paragraph
rules read (`newsbot.corpus.paragraphs`): blocks apart by a blank line, soft line breaks kept, list
items as `- item`, headings as `# Heading` so the cleaner still knows them. A table becomes
one block, a row a sentence (cells joined by commas, then a full stop: without it a short
table read as an unpunctuated heading and was dropped), so a passage quotes it as words.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

_FRONT_MATTER = re.compile(r"\A---[ \t]*\n(.*?\n)?(?:---|\.\.\.)[ \t]*(?:\n|\Z)", re.DOTALL)


@dataclass(frozen=True)
class MarkdownArticle:
    text: str
    title: str | None = None
    date: str | None = None


def read_markdown(source: str) -> MarkdownArticle:
    meta, body = split_front_matter(source)
    return MarkdownArticle(text=to_plain_text(body), title=_scalar(meta.get("title")), date=_scalar(meta.get("date")))


def split_front_matter(source: str) -> tuple[dict, str]:
    """(the YAML mapping between leading `---` lines, the text after it); a block that is not
    a YAML mapping is no front matter (a file may open with a `---` rule) and stays text."""
    import yaml  # lazy: only Markdown articles pay for it

    match = _FRONT_MATTER.match(source)
    if not match:
        return {}, source
    try:
        meta = yaml.safe_load(match.group(1) or "")
    except yaml.YAMLError:
        return {}, source
    if not isinstance(meta, dict):
        return {}, source
    return meta, source[match.end() :]


def _scalar(value: object) -> str | None:
    if value is None or isinstance(value, (dict, list)):
        return None
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return str(value).strip() or None


def to_plain_text(body: str) -> str:
    from markdown_it import MarkdownIt  # lazy, as above

    blocks: list[str] = []
    prefix = ""  # what the next inline block starts with: "# " in a heading, "- " in a list
    list_depth = 0
    rows: list[str] = []
    cells: list[str] | None = None
    for token in MarkdownIt("commonmark").enable("table").parse(body):
        if token.type == "heading_open":
            prefix = "#" * int(token.tag[1]) + " "
        elif token.type in ("bullet_list_open", "ordered_list_open"):
            list_depth += 1
        elif token.type in ("bullet_list_close", "ordered_list_close"):
            list_depth -= 1
        elif token.type == "tr_open":
            cells = []
        elif token.type == "tr_close" and cells is not None:
            row = ", ".join(cell for cell in cells if cell)
            rows.append(row if not row or row[-1] in ".!?" else row + ".")
            cells = None
        elif token.type == "table_close":
            blocks.append("\n".join(row for row in rows if row))
            rows = []
        elif token.type == "inline":
            text = _inline_text(token.children or [])
            if cells is not None:
                cells.append(" ".join(text.split()))
            elif text.strip():
                blocks.append((prefix or ("- " if list_depth else "")) + text.strip())
            prefix = ""
        elif token.type in ("fence", "code_block") and token.content.strip():
            blocks.append(token.content.strip())
    return "\n\n".join(blocks) + "\n"


def _inline_text(children) -> str:
    """The words of an inline run: link and image text kept, markup and raw HTML dropped."""
    parts: list[str] = []
    for child in children:
        if child.type in ("text", "code_inline"):
            parts.append(child.content)
        elif child.type in ("softbreak", "hardbreak"):
            parts.append("\n")
        elif child.type == "image":
            parts.append(_inline_text(child.children or []))
    return "".join(parts)
