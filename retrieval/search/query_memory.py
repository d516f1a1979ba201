"""Questions already encoded, kept for the follow-ups that search them again.

A follow-up is searched with its conversation's earlier questions (`newsbot.retrieval.search.followup`).
Encoding "previous question + this one" and "every question + this one" as texts of their
own took three passes through the model, the longest padding the batch: 51 ms a follow-up
on CoQA's conversations against 12 for a question alone. Instead each question is encoded
once, when it is asked, and a joined query is built from the parts: its vector the
normalised mean of theirs, its token vectors and keywords all of theirs together (what
late interaction and BM25 would see in the joined text, less the words' context across
the question boundary).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

from newsbot.retrieval.embedding.embedder import Embedder, TokenVectors, normalise_rows
from newsbot.retrieval.search.ranking import Query, encode_queries

REMEMBERED = 4096  # questions kept: a few per live conversation


class QueryMemory:
    """An LRU of encoded questions by text, safe to share between threads.

    Only earlier questions are looked up: the question being asked is always encoded afresh
    (`remember` keeps it), so a question costs the same whether or not it was asked before.
    """

    def __init__(self, size: int = REMEMBERED) -> None:
        self._size = size
        self._queries: OrderedDict[str, Query] = OrderedDict()
        self._lock = threading.Lock()

    def remember(self, query: Query) -> None:
        with self._lock:
            self._queries[query.text] = query
            self._queries.move_to_end(query.text)
            while len(self._queries) > self._size:
                self._queries.popitem(last=False)

    def encode(self, texts: Sequence[str], embedder: Embedder) -> list[Query]:
        """Each text's query; those not remembered are encoded in one batch."""
        with self._lock:
            known = {text: self._queries[text] for text in texts if text in self._queries}
            for text in known:
                self._queries.move_to_end(text)
        missing = list(dict.fromkeys(text for text in texts if text not in known))
        if missing:
            fresh = dict(zip(missing, encode_queries(missing, embedder)))
            known.update(fresh)
            for query in fresh.values():
                self.remember(query)
        return [known[text] for text in texts]


def joined(queries: Sequence[Query]) -> Query:
    """One query standing for several questions asked together."""
    if len(queries) == 1:
        return queries[0]
    vector = normalise_rows(np.mean([q.vector for q in queries], axis=0)[None, :])[0]
    tokens = None
    every = [q.tokens for q in queries if q.tokens is not None]
    if len(every) == len(queries):
        tokens = TokenVectors(np.concatenate([t.ids for t in every]), np.concatenate([t.vectors for t in every]))
    return Query(" ".join(q.text for q in queries), vector, tokens, [t for q in queries for t in q.terms])
