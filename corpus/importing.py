"""Planning `newsbot add`: which incoming file becomes which article, refusing what would be lost.

Each file is decoded and cleaned before anything is copied, so `add` rejects a binary or empty
file up front instead of leaving it in the corpus to be skipped on every rebuild. An article's
id is its file name, so names decide what is kept:

- a file whose name no other incoming file shares keeps its name;
- files sharing a name in one `add` (`a/story.txt`, `b/story.txt`; saved pages all called
  `index.html`) are each named after their folder: `a-story.txt`, `b-story.txt`, with `-2`,
  `-3` added if that is still taken, so the same files always get the same names;
- a name the corpus already holds with the same content is left as it is ("unchanged"); with
  other content, `add` refuses, naming both files, unless `replace` is asked for.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Sequence

from corpus.errors import CorpusError
from corpus.loader import ArticleFile, read_article
from corpus.paragraphs import ParagraphRules
from corpus.reader import ARTICLE_SUFFIXES


@dataclass(frozen=True)
class Placement:
    """One incoming file, where it goes and what `add` does with it."""

    source: Path
    target: Path
    data: bytes
    action: str  # "added", "replaced" or "unchanged"

    @property
    def changes_corpus(self) -> bool:
        return self.action != "unchanged"

    def describe(self) -> str:
        if self.action == "replaced":
            return f"replaced {self.target} with {self.source}"
        return f"{self.action} {self.target.name} (from {self.source})"


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


def corpus_files(corpus_dirs: Sequence[Path]) -> dict[str, list[Path]]:
    """Every article file in the corpus folders by name, the one the index uses first."""
    named: dict[str, list[Path]] = {}
    for folder in corpus_dirs:
        if folder.is_dir():
            for path in sorted(folder.rglob("*")):
                if path.is_file() and path.suffix.lower() in ARTICLE_SUFFIXES:
                    named.setdefault(path.name, []).append(path)
    return named


def distinct_names(files: Sequence[Path]) -> list[str]:
    """A name per file, no two alike (ignoring case, for case-insensitive disks)."""
    shared = Counter(path.name.casefold() for path in files)
    taken = {path.name.casefold() for path in files if shared[path.name.casefold()] == 1}
    names = []
    for path in files:
        if shared[path.name.casefold()] == 1:
            names.append(path.name)
            continue
        folder = path.resolve().parent.name
        stem = f"{folder}-{path.stem}" if folder else path.stem
        name, number = f"{stem}{path.suffix}", 1
        while name.casefold() in taken:
            number += 1
            name = f"{stem}-{number}{path.suffix}"
        taken.add(name.casefold())
        names.append(name)
    return names


def plan_import(
    paths: Iterable[Path], corpus_dirs: Sequence[Path], rules: ParagraphRules, replace: bool = False
) -> list[Placement]:
    """Check every file and decide where each goes; raises before anything is copied."""
    files = article_files(paths)
    payloads = [_checked_bytes(path, rules) for path in files]
    existing = corpus_files(corpus_dirs)
    placements, clashes = [], []
    for path, name, data in zip(files, distinct_names(files), payloads):
        current = existing.get(name, [None])[0]
        if current is None:
            placements.append(Placement(path, corpus_dirs[0] / name, data, "added"))
        elif current.read_bytes() == data:
            placements.append(Placement(path, current, data, "unchanged"))
        else:
            placements.append(Placement(path, current, data, "replaced"))
            clashes.append((path, current))
    if clashes and not replace:
        path, current = clashes[0]
        more = f" (and {len(clashes) - 1} more)" if len(clashes) > 1 else ""
        raise CorpusError(
            f"{path}: the corpus already has a different article named {current.name} ({current}){more}; "
            "rename the file, or pass --replace to replace it"
        )
    return placements


def _checked_bytes(path: Path, rules: ParagraphRules) -> bytes:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise CorpusError(f"{path}: cannot read ({exc.strerror or exc})") from None
    read_article(ArticleFile(path.name, path, "", data), rules)
    return data
