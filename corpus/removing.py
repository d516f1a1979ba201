"""Planning `newsbot remove`: the files behind the article names given, or a refusal."""

from __future__ import annotations

from pathlib import Path
from typing import Sequence

from corpus.errors import CorpusError
from corpus.importing import corpus_files


def files_to_remove(articles: Sequence[str], corpus_dirs: Sequence[Path]) -> list[Path]:
    """Every file of each name (a shadowed namesake would otherwise take the article's place).

    Names only, as `newsbot sources` lists them: a path is not a name, so a typo'd path can
    never reach a file outside the corpus.
    """
    existing = corpus_files(corpus_dirs)
    unknown = [name for name in articles if name not in existing]
    if unknown:
        folders = ", ".join(str(d) for d in corpus_dirs)
        raise CorpusError(
            f"no article named {', '.join(unknown)} in {folders}; `newsbot sources` lists the names"
        )
    return [path for name in dict.fromkeys(articles) for path in existing[name]]
