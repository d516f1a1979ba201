"""Finding article files in the corpus folders and turning each into an `Article`.

Scanning (names and content hashes) is separate from reading (cleaning and splitting) so
an incremental rebuild can tell what changed without parsing what did not.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from corpus.errors import CorpusError
from corpus.model import Article
from corpus.paragraphs import ParagraphRules, segment, to_paragraphs
from corpus.reader import ARTICLE_SUFFIXES, decode_article


@dataclass(frozen=True)
class ArticleFile:
    """A file found in the corpus, identified by its name, with the hash of its bytes."""

    article: str
    path: Path
    sha256: str
    data: bytes


@dataclass(frozen=True)
class Scan:
    files: tuple[ArticleFile, ...]
    skipped: tuple[str, ...]  # one-line reasons, each naming the file


def scan(dirs: Iterable[Path]) -> Scan:
    files: dict[str, ArticleFile] = {}
    skipped: list[str] = []
    for folder in dirs:
        if not folder.is_dir():
            raise CorpusError(f"corpus folder not found: {folder} (create it or fix corpus.dirs)")
        for path in sorted(folder.rglob("*")):
            if not path.is_file() or path.suffix.lower() not in ARTICLE_SUFFIXES:
                continue
            if path.name in files:
                skipped.append(f"{path}: an article named {path.name} is already indexed; skipped")
                continue
            try:
                data = path.read_bytes()
            except OSError as exc:
                skipped.append(f"{path}: cannot read ({exc.strerror or exc}); skipped")
                continue
            files[path.name] = ArticleFile(path.name, path, hashlib.sha256(data).hexdigest(), data)
    return Scan(files=tuple(files.values()), skipped=tuple(skipped))


def read_article(file: ArticleFile, rules: ParagraphRules) -> Article:
    source = decode_article(file.path, file.data)
    segmented = segment(source.text, rules, markdown=file.path.suffix.lower() == ".md")
    if not segmented.paragraphs:
        raise CorpusError(f"{file.path.name}: no article text left after cleaning")
    title = source.title or segmented.title or file.path.stem
    return Article(
        article=file.article,
        title=title,
        date=source.date or segmented.date,
        sha256=file.sha256,
        paragraphs=to_paragraphs(file.article, title, segmented),
    )
