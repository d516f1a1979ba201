"""retrieval's public face: what `bot/` (every face) and other programs use, and nothing else.

    from newsbot.retrieval import Library, Conversation, QuestionError

Paragraphs become vectors (`embedding/`), vectors an index on disk (`index/`, written by
`indexing/`), and questions ranked, cited passages (`search/`, with `reader/`); `Library`
holds them together. The rooms depend on each other in that order only (tests/test_layout.py).

Names are imported when first used, not when `retrieval` is: `newsbot --help` and a
`newsbot.retrieval.errors` import must not pay for numpy, faiss or onnxruntime.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

_HOMES = {
    # the engine, and what it answers with
    "Library": "newsbot.retrieval.library",
    "Source": "newsbot.retrieval.library",
    "Answer": "newsbot.retrieval.search.answer",
    "Hit": "newsbot.retrieval.search.answer",
    "Conversation": "newsbot.retrieval.search.conversation",
    "SearchSettings": "newsbot.retrieval.search.settings",
    "BuildReport": "newsbot.retrieval.indexing.building",
    # questions and time
    "clean_question": "newsbot.retrieval.search.answering",
    "since_window": "newsbot.retrieval.search.recency",
    "TimeWindow": "newsbot.retrieval.search.recency",
    # what goes wrong
    "RetrievalError": "newsbot.retrieval.errors",
    "QuestionError": "newsbot.retrieval.search.answering",
    "QuestionTooLong": "newsbot.retrieval.search.answering",
    "IndexMissing": "newsbot.retrieval.index.manifest",
    # the models and the machine
    "Embedder": "newsbot.retrieval.embedding.embedder",
    "Embedders": "newsbot.retrieval.embedding.choice",
    "choose_embedders": "newsbot.retrieval.embedding.choice",
    "configure_threads": "newsbot.retrieval.embedding.threads",
    "import_ray": "newsbot.retrieval.embedding.ray_cluster",
    # evaluation (`newsbot eval`)
    "evaluate": "newsbot.retrieval.search.evaluation",
    "load_questions": "newsbot.retrieval.search.evaluation",
    "MRR_DEPTH": "newsbot.retrieval.search.evaluation",
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
    from newsbot.retrieval.embedding.choice import Embedders as Embedders
    from newsbot.retrieval.embedding.choice import choose as choose_embedders  # noqa: F401 (public under this name)
    from newsbot.retrieval.embedding.embedder import Embedder as Embedder
    from newsbot.retrieval.embedding.ray_cluster import import_ray as import_ray
    from newsbot.retrieval.embedding.threads import configure_threads as configure_threads
    from newsbot.retrieval.errors import RetrievalError as RetrievalError
    from newsbot.retrieval.index.manifest import IndexMissing as IndexMissing
    from newsbot.retrieval.indexing.building import BuildReport as BuildReport
    from newsbot.retrieval.library import Library as Library
    from newsbot.retrieval.library import Source as Source
    from newsbot.retrieval.search.answer import Answer as Answer
    from newsbot.retrieval.search.answer import Hit as Hit
    from newsbot.retrieval.search.answering import QuestionError as QuestionError
    from newsbot.retrieval.search.answering import QuestionTooLong as QuestionTooLong
    from newsbot.retrieval.search.answering import clean_question as clean_question
    from newsbot.retrieval.search.conversation import Conversation as Conversation
    from newsbot.retrieval.search.evaluation import MRR_DEPTH as MRR_DEPTH
    from newsbot.retrieval.search.evaluation import evaluate as evaluate
    from newsbot.retrieval.search.evaluation import load_questions as load_questions
    from newsbot.retrieval.search.recency import TimeWindow as TimeWindow
    from newsbot.retrieval.search.recency import since_window as since_window
    from newsbot.retrieval.search.settings import SearchSettings as SearchSettings
