"""Compare: how the articles on disk differ from the ones the index holds.

Articles are matched by file name and compared by content hash, so an update costs the
embedding of new and changed articles only; deleted files, and files that cannot be read
any more, drop out.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.loader import Scan, read_article
from newsbot.corpus.model import Article, Paragraph
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval.index.manifest import ArticleEntry


@dataclass
class Changes:
    """How the articles on disk differ from the ones indexed."""

    kept: dict[str, ArticleEntry]  # unchanged, with their entries
    fresh: list[tuple[str, list[Paragraph], ArticleEntry]]  # to embed, in corpus order
    order: list[str]  # every indexed article, in corpus order
    added: list[str]
    updated: list[str]
    removed: list[str]
    skipped: list[str]

    @property
    def any(self) -> bool:
        return bool(self.added or self.updated or self.removed)

    @property
    def fresh_passages(self) -> int:
        return sum(len(passages) for _, passages, _ in self.fresh)


def compare(found: Scan, old_entries: dict[str, ArticleEntry], rules: ParagraphRules) -> Changes:
    """Read (and split into passages) only the articles whose hash is new."""
    changes = Changes({}, [], [], [], [], [], list(found.skipped))
    for file in found.files:
        old = old_entries.get(file.article)
        if old is not None and old.sha256 == file.sha256:
            changes.kept[file.article] = old
            changes.order.append(file.article)
            continue
        try:
            article = read_article(file, rules)
        except CorpusError as exc:
            changes.skipped.append(f"{exc}; skipped")
            continue
        changes.fresh.append((file.article, list(article.paragraphs), _entry(article)))
        changes.order.append(file.article)
        (changes.updated if old is not None else changes.added).append(file.article)
    changes.removed = sorted(set(old_entries) - set(changes.order))
    return changes


def _entry(article: Article) -> ArticleEntry:
    return ArticleEntry(article.sha256, article.title, article.date, len(article.paragraphs))
