"""Planning `newsbot add`: which incoming file becomes which article, refusing what would be lost.

Each file is decoded and cleaned before anything is copied, so `add` rejects a binary or empty
file up front instead of leaving it in the corpus to be skipped on every rebuild. An article's
id is its file name, so names decide what is kept:

- a file whose name no other incoming file shares keeps its name;
- files sharing a name in one `add` (`a/story.txt`, `b/story.txt`; saved pages all called
  `index.html`) are each named after their folder: `a-story.txt`, `b-story.txt`, with `-2`,
  `-3` added if that is still taken, so the same files always get the same names;
- a name the corpus already holds with the same content is left as it is ("unchanged"); with
  other content, `add` refuses, naming both files, unless `replace` is asked for;
- a file with a new name whose bytes the corpus (or an earlier file of the same `add`)
  already holds is not stored twice ("duplicate", naming the stored article): a copy saved
  under another name, or one file of a folder added before (`clips/a/story.txt` after
  `clips/`, stored as `a-story.txt`), would otherwise answer every question twice, as the same
  story under two addresses would (`newsbot.corpus.web.adding`). Only stored files of the same size are
  read to compare, so `add` does not read the whole corpus.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.loader import ArticleFile, read_article
from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.corpus.reader import ARTICLE_SUFFIXES


@dataclass(frozen=True)
class Placement:
    """One incoming file, where it goes and what `add` does with it."""

    source: Path
    target: Path
    data: bytes
    action: str  # "added", "replaced", "unchanged" or "duplicate"
    duplicate_of: str | None = None  # the stored article a "duplicate" has the bytes of

    @property
    def changes_corpus(self) -> bool:
        return self.action in ("added", "replaced")

    def describe(self) -> str:
        if self.action == "duplicate":
            return f"{self.source}: already stored as {self.duplicate_of} (same text); not added"
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
    unique: dict[Path, Path] = {}
    for path in found:
        unique.setdefault(path.resolve(), path)  # a file named twice (itself and its folder) counts once
    return list(unique.values())


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
    stored = _SameBytes(existing)
    placements, clashes = [], []
    for path, name, data in zip(files, distinct_names(files), payloads):
        current = existing.get(name, [None])[0]
        if current is None:
            holder = stored.holding(data)
            action = "duplicate" if holder else "added"
            placements.append(Placement(path, corpus_dirs[0] / name, data, action, holder))
            if holder is None:
                stored.add(name, data)
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


class _SameBytes:
    """Which stored article already has these bytes: by size first, so only the stored files
    as long as an incoming one are read."""

    def __init__(self, existing: dict[str, list[Path]]):
        self._by_size: dict[int, list[tuple[str, Path | bytes]]] = {}
        for name, paths in existing.items():
            try:
                size = paths[0].stat().st_size
            except OSError:
                continue  # the index build names an unreadable file; here it is just not a duplicate
            self._by_size.setdefault(size, []).append((name, paths[0]))

    def holding(self, data: bytes) -> str | None:
        for name, held in self._by_size.get(len(data), []):
            try:
                if (held if isinstance(held, bytes) else held.read_bytes()) == data:
                    return name
            except OSError:
                continue
        return None

    def add(self, name: str, data: bytes) -> None:
        self._by_size.setdefault(len(data), []).append((name, data))
