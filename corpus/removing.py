"""Planning `newsbot remove`: the files behind the articles given, or a refusal."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from newsbot.corpus.errors import CorpusError
from newsbot.corpus.importing import corpus_files


def files_to_remove(articles: Sequence[str], corpus_dirs: Sequence[Path]) -> list[Path]:
    """Every file of each article (a shadowed namesake would otherwise take its place).

    An article is named as `newsbot sources` lists it, or by the path of its file in a corpus
    folder (`corpus/articles/x.txt`, as a shell completes it). A path is only ever matched
    against the corpus's own files, so a typo'd one never reaches a file outside the corpus.
    """
    existing = corpus_files(corpus_dirs)
    names, unknown = [], []
    for given in articles:
        name = _article_at(given, existing) if _is_path(given) else given
        if name in existing:
            names.append(name)
        else:
            unknown.append(given)
    if unknown:
        folders = ", ".join(str(d) for d in corpus_dirs)
        raise CorpusError(
            f"no article {', '.join(unknown)} in {folders}; `newsbot sources` lists the names"
        )
    return [path for name in dict.fromkeys(names) for path in existing[name]]


def _is_path(given: str) -> bool:
    return any(sep and sep in given for sep in (os.sep, os.altsep))


def _article_at(given: str, existing: dict[str, list[Path]]) -> str | None:
    """The name of the corpus article whose file `given` is, or None."""
    target = Path(given).resolve()
    for name, paths in existing.items():
        if any(path.resolve() == target for path in paths):
            return name
    return None
