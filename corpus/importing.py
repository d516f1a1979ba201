"""Copying new article files into the corpus, refusing what could never be indexed.

Each file is decoded and cleaned before it is copied, so `newsbot add` rejects a binary or
empty file up front instead of leaving it in the corpus to be skipped on every rebuild.
Copies are atomic (temp file + rename): an interrupted add never leaves half an article.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path
from typing import Iterable

from corpus.errors import CorpusError
from corpus.loader import ArticleFile, read_article
from corpus.paragraphs import ParagraphRules
from corpus.reader import ARTICLE_SUFFIXES


def article_files(paths: Iterable[Path]) -> list[Path]:
    """The article files named, with folders expanded to the articles inside them."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(p for p in sorted(path.rglob("*")) if p.is_file() and p.suffix.lower() in ARTICLE_SUFFIXES)
        elif not path.exists():
            raise CorpusError(f"{path}: no such file")
        elif path.suffix.lower() not in ARTICLE_SUFFIXES:
            raise CorpusError(f"{path}: not an article file (use {', '.join(ARTICLE_SUFFIXES)})")
        else:
            found.append(path)
    if not found:
        raise CorpusError("no article files found in the paths given")
    return found


def import_articles(paths: Iterable[Path], destination: Path, rules: ParagraphRules) -> list[Path]:
    """Check every file first, then copy them all; nothing is copied if one is unusable."""
    files = article_files(paths)
    payloads: list[tuple[Path, bytes]] = []
    for path in files:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from None
        read_article(ArticleFile(path.name, path, "", data), rules)
        payloads.append((path, data))
    destination.mkdir(parents=True, exist_ok=True)
    copied = []
    for path, data in payloads:
        target = destination / path.name
        if target.resolve() == path.resolve():
            copied.append(target)
            continue
        temp = destination / f".{path.name}.{uuid.uuid4().hex}.tmp"
        temp.write_bytes(data)
        os.replace(temp, target)
        copied.append(target)
    return copied
