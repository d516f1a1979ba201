"""Finding article files in the corpus folders and turning each into an `Article`.

Scanning (names and content hashes) is separate from reading (cleaning and splitting) so
an incremental rebuild can tell what changed without parsing what did not.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.model import Article
from newsbot.corpus.paragraphs import DEFAULT_MAX_ARTICLE_BYTES, ParagraphRules, segment, to_paragraphs
from newsbot.corpus.reader import ARTICLE_SUFFIXES, decode_article


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


def scan(dirs: Iterable[Path], max_article_bytes: int = DEFAULT_MAX_ARTICLE_BYTES) -> Scan:
    """Every article file in `dirs`, in path order; files that must not be indexed are
    listed in `skipped` instead, so a build can say why an article is missing."""
    folders = list(dirs)
    for folder in folders:
        if not folder.is_dir():
            raise CorpusError(f"corpus folder not found: {folder} (create it or fix corpus.dirs)")
    roots = [folder.resolve() for folder in folders]
    files: dict[str, ArticleFile] = {}
    skipped: list[str] = []
    for folder in folders:
        for path in _entries(folder):
            source, why_not = _admitted(path, roots, max_article_bytes)
            if why_not:
                skipped.append(f"{path}: {why_not}; skipped")
            if source is None:
                continue
            if path.name in files:
                skipped.append(f"{path}: an article named {path.name} is already indexed; skipped")
                continue
            try:
                data = source.read_bytes()
            except OSError as exc:
                skipped.append(f"{path}: cannot read ({exc.strerror or exc}); skipped")
                continue
            files[path.name] = ArticleFile(path.name, path, hashlib.sha256(data).hexdigest(), data)
    return Scan(files=tuple(files.values()), skipped=tuple(skipped))


def _entries(folder: Path) -> list[Path]:
    """Every file under `folder`, and every link to a folder, sorted by path. Linked folders
    are listed, never entered: one inside the corpus is walked where it really is."""
    found: list[Path] = []
    for parent, folder_names, file_names in os.walk(folder):  # followlinks=False
        base = Path(parent)
        found.extend(base / name for name in file_names)
        found.extend(base / name for name in folder_names if (base / name).is_symlink())
    return sorted(found)


def _admitted(path: Path, roots: list[Path], max_article_bytes: int) -> tuple[Path | None, str | None]:
    """(what to read for `path`, or None; why it is skipped, if that is worth a warning).

    A link is read through only when its target lies inside a corpus folder: otherwise
    `passwd.txt -> /etc/passwd` would hand any file on the machine to whoever can ask the
    bot. Size is checked before reading, so a 50 MB dump costs a `stat`, not 100,000 passages.
    """
    source = path
    if path.is_symlink():
        source = path.resolve()
        kind = "folder" if source.is_dir() else "file"
        inside = any(source.is_relative_to(root) for root in roots)
        if kind == "folder":
            return None, (None if inside else "a link to a folder outside the corpus folders")
        if not inside and path.suffix.lower() in ARTICLE_SUFFIXES:
            return None, "a link to a file outside the corpus folders"
    if path.suffix.lower() not in ARTICLE_SUFFIXES or not source.is_file():
        return None, None
    try:
        size = source.stat().st_size
    except OSError:
        size = 0  # reading it reports the error
    if size > max_article_bytes:
        return None, f"{size:,} bytes, over the limit of {max_article_bytes:,} (corpus.max_article_bytes)"
    return source, None


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
