"""retrieval's public face: what `bot/` (every face) and other programs use, and nothing else.

    from retrieval import Library, Conversation, QuestionError

Paragraphs become vectors (`embedding/`), vectors an index on disk (`index/`, written by
`indexing/`), and questions ranked, cited passages (`search/`, with `reader/`); `Library`
holds them together. The rooms depend on each other in that order only (tests/test_layout.py).

Names are imported when first used, not when `retrieval` is: `newsbot --help` and a
`retrieval.errors` import must not pay for numpy, faiss or onnxruntime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    # the engine, and what it answers with
    "Library": "retrieval.library",
    "Source": "retrieval.library",
    "Answer": "retrieval.search.answer",
    "Hit": "retrieval.search.answer",
    "Conversation": "retrieval.search.conversation",
    "SearchSettings": "retrieval.search.settings",
    "BuildReport": "retrieval.indexing.building",
    # questions and time
    "clean_question": "retrieval.search.answering",
    "since_window": "retrieval.search.recency",
    "TimeWindow": "retrieval.search.recency",
    # what goes wrong
    "RetrievalError": "retrieval.errors",
    "QuestionError": "retrieval.search.answering",
    "IndexMissing": "retrieval.index.manifest",
    # the models and the machine
    "Embedder": "retrieval.embedding.embedder",
    "Embedders": "retrieval.embedding.choice",
    "choose_embedders": "retrieval.embedding.choice",
    "configure_threads": "retrieval.embedding.threads",
    "import_ray": "retrieval.embedding.ray_cluster",
    # evaluation (`newsbot eval`)
    "evaluate": "retrieval.search.evaluation",
    "load_questions": "retrieval.search.evaluation",
    "MRR_DEPTH": "retrieval.search.evaluation",
}
_RENAMED = {"choose_embedders": "choose"}  # the name it has in its home module

__all__ = sorted(_HOMES)


def __getattr__(name: str) -> Any:
    home = _HOMES.get(name)
    if home is None:
        raise AttributeError(f"module 'retrieval' has no attribute {name!r}")
    value = getattr(importlib.import_module(home), _RENAMED.get(name, name))
    globals()[name] = value  # looked up once
    return value


def __dir__() -> list[str]:
    return __all__


if TYPE_CHECKING:  # what type checkers and editors see
    from retrieval.embedding.choice import Embedders as Embedders
    from retrieval.embedding.choice import choose as choose_embedders  # noqa: F401 (public under this name)
    from retrieval.embedding.embedder import Embedder as Embedder
    from retrieval.embedding.ray_cluster import import_ray as import_ray
    from retrieval.embedding.threads import configure_threads as configure_threads
    from retrieval.errors import RetrievalError as RetrievalError
    from retrieval.index.manifest import IndexMissing as IndexMissing
    from retrieval.indexing.building import BuildReport as BuildReport
    from retrieval.library import Library as Library
    from retrieval.library import Source as Source
    from retrieval.search.answer import Answer as Answer
    from retrieval.search.answer import Hit as Hit
    from retrieval.search.answering import QuestionError as QuestionError
    from retrieval.search.answering import clean_question as clean_question
    from retrieval.search.conversation import Conversation as Conversation
    from retrieval.search.evaluation import MRR_DEPTH as MRR_DEPTH
    from retrieval.search.evaluation import evaluate as evaluate
    from retrieval.search.evaluation import load_questions as load_questions
    from retrieval.search.recency import TimeWindow as TimeWindow
    from retrieval.search.recency import since_window as since_window
    from retrieval.search.settings import SearchSettings as SearchSettings
