"""The one object every face talks to: ask questions, rebuild, list sources.

It owns the loaded model and the current index, and swaps in a rebuilt index without a
restart: a question asked during a rebuild is answered from the old index, whole.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval.embedding.choice import Embedders
from newsbot.retrieval.embedding.embedder import Embedder
from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index import store
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.indexing import building
from newsbot.retrieval.indexing.lock import check_folder_path
from newsbot.retrieval.indexing.manifests import index_settings
from newsbot.retrieval.search.answer import Answer
from newsbot.retrieval.search.answering import Request, SearchSettings, search
from newsbot.retrieval.search.conversation import Conversation
from newsbot.retrieval.search.query_memory import QueryMemory
from newsbot.retrieval.search.recency import TimeWindow


@dataclass(frozen=True)
class Source:
    """An indexed article as `/sources` and `newsbot sources` list it."""

    article: str
    title: str
    date: str | None
    paragraphs: int


class Library:
    def __init__(
        self,
        corpus_dirs: Sequence[Path],
        index_dir: Path,
        rules: ParagraphRules,
        search_settings: SearchSettings,
        embedders: Embedders,
        model_name: str,
    ) -> None:
        self.corpus_dirs = tuple(corpus_dirs)
        self.index_dir = index_dir
        self.rules = rules
        self.search_settings = search_settings
        self.model_name = model_name
        self.embedders = embedders
        self._index: store.StoredIndex | None = None
        self._lock = threading.RLock()
        self._queries = QueryMemory()

    @property
    def embedder(self) -> Embedder:
        """The model for questions (loaded on first use; see `newsbot.retrieval.embedding.choice`)."""
        return self.embedders.for_questions()

    @property
    def build_embedder(self) -> Embedder:
        """The model for rebuilds: may differ from the question one (all cores, full library)."""
        return self.embedders.for_building()

    def index(self) -> store.StoredIndex:
        """The loaded index, checked against the configured model and paragraph rules."""
        with self._lock:
            if self._index is None:
                self._index = self._load_checked(self.embedder)
            return self._index

    def refresh(self) -> bool:
        """Open the index's current generation if it is not the one loaded: another process
        (`newsbot update` from cron, a second server) published it. True when one was swapped in.

        The new generation is opened before the swap, outside the lock, so questions go on
        being answered from the old one meanwhile; a question already running keeps the old
        one whole (its files stay readable until closed, even once a later build prunes them).
        """
        try:
            current = current_generation(self.index_dir)
        except RetrievalError:
            return False  # no index yet: `ready` says so, and the next refresh looks again
        if self.generation() == current.name:
            return False
        fresh = self._load_checked(self.embedder)
        with self._lock:
            self._index = fresh
        return True

    def generation(self) -> str | None:
        """The name of the loaded generation (`gen-<nanoseconds>`), None before one is loaded."""
        with self._lock:
            return self._index.path.name if self._index is not None else None

    def has_index(self) -> bool:
        try:
            current_generation(self.index_dir)
        except RetrievalError:
            return False
        return True

    def ask(
        self, question: str, top_k: int | None = None, conversation: Conversation | None = None, ranked: bool = False,
        since: TimeWindow | None = None,
    ) -> Answer:
        """Answer `question`, read in the light of `conversation` (its earlier turns) if given.

        The caller keeps the conversation: `conversation.followed_by(answer)` is the next one.
        `ranked` (evaluation) returns `top_k` passages even where later ones don't answer.
        `since` (`ask --since`) keeps only articles dated in it, as time words in the question do.
        """
        request = Request(question, top_k, conversation, since, ranked)
        return search(self.index(), self.embedder, self.search_settings, request, self._queries)

    def rebuild(
        self, full: bool = False, progress: building.Progress | None = None, load: bool = True
    ) -> building.BuildReport:
        """Update the index; with `load`, also open the new one here (the bot swaps it in
        off its event loop). `newsbot index` and `add` exit instead: at 100,000 paragraphs
        opening the index costs more than adding an article to it."""
        check_folder_path(self.index_dir)  # before the model loads, not after
        report = building.build(self.corpus_dirs, self.rules, self.index_dir, self.build_embedder, full, progress)
        # checked against the model that built it: loading the query model here would cost
        # an ONNX session nobody uses
        fresh = self._load_checked(self.build_embedder) if load else None
        with self._lock:
            self._index = fresh
        return report

    def sources(self) -> tuple[Source, ...]:
        articles = self.index().manifest.articles
        return tuple(
            Source(name, entry.title, entry.date, entry.paragraphs) for name, entry in sorted(articles.items())
        )

    def _load_checked(self, embedder: Embedder) -> store.StoredIndex:
        loaded = store.load(self.index_dir)
        if loaded.manifest.model != self.model_name:
            raise RetrievalError(
                f"the index was built with model '{loaded.manifest.model}' but config.toml names "
                f"'{self.model_name}': run `newsbot index --full`"
            )
        if loaded.manifest.settings != index_settings(self.rules, embedder):
            raise RetrievalError("the index was built with other paragraph settings: run `newsbot index --full`")
        return loaded
