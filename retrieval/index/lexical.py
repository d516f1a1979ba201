"""Keyword scores (BM25, via bm25s) to stand beside the dense ones.

Dense vectors blur names and numbers ("70.3 million", "Calderon"); BM25 matches them
exactly. Measured on SQuAD here, fusing both beats either alone by 5-9 points of top-1.
The index is saved with bm25s' own plain-file format (JSON and `.npy`, no pickle).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from functools import lru_cache
from pathlib import Path

import numpy as np

# English stopwords plus the words questions are made of: "who" and "did" say nothing about
# which passage answers, and would count against a passage in the refusal rule.
QUESTION_WORDS = ("who", "whom", "whose", "what", "when", "where", "why", "how", "which", "did", "does", "do", "done")
_words = re.compile(r"(?u)\b\w\w+\b").findall  # bm25s' default token pattern
EMPTY_MARKER = "empty.txt"  # bm25s cannot index zero documents; an empty set is saved as this
LENGTHS = "newsbot_lengths.npy"  # our own file in bm25s' folder: to rescale scores across segments


def terms(texts: Sequence[str]) -> list[list[str]]:
    """Lower-cased words without English stopwords: the units BM25 counts.

    Exactly what `bm25s.tokenize(..., return_ids=False)` returns with our stopwords (a test
    holds the two equal), written out because bm25s rebuilds its stopword set for every text,
    which made tokenising the question and the highlighted passages cost a millisecond.
    Not stemmed: exact forms carry meaning ("the ambassador" is not "ambassadors"), and on
    SQuAD stemming changed top-1 by less than 0.1 point once reranking was on.
    """
    stopwords = _stopwords()
    return [[word for word in _words(text.lower()) if word not in stopwords] for text in texts]


@lru_cache(maxsize=1)
def _stopwords() -> frozenset[str]:
    from bm25s.stopwords import STOPWORDS_EN

    return frozenset(STOPWORDS_EN) | frozenset(QUESTION_WORDS)


class Lexical:
    def __init__(self, retriever, size: int, lengths: np.ndarray | None = None) -> None:
        self._retriever = retriever
        self.size = size
        self.lengths = lengths  # words per document, as bm25s counted them; None if not saved

    @classmethod
    def build(cls, texts: Sequence[str]) -> Lexical:
        collected = LexicalBuilder()
        collected.add(texts)
        return collected.build()

    def save(self, folder: Path) -> None:
        if self._retriever is None:
            folder.mkdir()
            (folder / EMPTY_MARKER).write_text("no documents\n")
            return
        self._retriever.save(str(folder), show_progress=False)
        if self.lengths is not None:
            np.save(folder / LENGTHS, self.lengths, allow_pickle=False)

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        import bm25s

        if (folder / EMPTY_MARKER).exists():
            return cls(None, 0)
        retriever = bm25s.BM25.load(str(folder), mmap=False)
        lengths = np.load(folder / LENGTHS, allow_pickle=False) if (folder / LENGTHS).exists() else None
        return cls(retriever, int(retriever.scores["num_docs"]), lengths)

    @property
    def k1_b(self) -> tuple[float, float]:
        return float(self._retriever.k1), float(self._retriever.b)

    def matching(self, question_terms: list[str]) -> np.ndarray:
        """The documents holding any of the terms, once per term that they hold: read off
        the stored columns, so finding the best-scoring ones need not scan every document
        (at a million passages a question's terms are in about one in seven)."""
        held = [self.postings(term)[0] for term in set(question_terms)]
        return np.concatenate([np.zeros(0, dtype=np.int64)] + held)

    def document_frequency(self, term: str) -> int:
        """How many documents hold the term: the length of its stored column, read without copying it."""
        return len(self.postings(term)[0])

    def postings(self, term: str) -> tuple[np.ndarray, np.ndarray]:
        """(documents holding the term, the BM25 score bm25s stored for each, with this
        index's own idf): bm25s keeps one column of scores per term, read here without
        scoring every document. Its length is the term's document frequency."""
        if self._retriever is None or term not in self._retriever.vocab_dict:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        stored = self._retriever.scores
        column = self._retriever.vocab_dict[term]
        start, end = stored["indptr"][column], stored["indptr"][column + 1]
        return stored["indices"][start:end], stored["data"][start:end]

    def scores(self, question_terms: list[str]) -> np.ndarray:
        """BM25 of the question against every document (zeros when no term is known)."""
        if self._retriever is None:
            return np.zeros(0, dtype=np.float32)
        vocab = self._retriever.vocab_dict
        known = [vocab[t] for t in question_terms if t in vocab]
        if not known:
            return np.zeros(self.size, dtype=np.float32)
        return np.asarray(self._retriever.get_scores(known), dtype=np.float32)


class LexicalBuilder:
    """Documents collected as they arrive, each kept as an int32 array of term ids.

    A build streams its articles block by block; keeping every document's words as Python
    strings until the end would take gigabytes at a million documents (an object per word),
    where term ids take four bytes a word. bm25s indexes ids with our vocabulary and gives
    the same scores as from the words.
    """

    def __init__(self) -> None:
        self._vocabulary: dict[str, int] = {}
        self._documents: list[np.ndarray] = []

    def add(self, texts: Sequence[str]) -> None:
        vocabulary = self._vocabulary
        for words in terms(texts):
            words = words or ["\u2205"]  # an empty document would make bm25s drop it and shift every row after it
            self._documents.append(
                np.fromiter((vocabulary.setdefault(word, len(vocabulary)) for word in words), np.int32, len(words))
            )

    def build(self) -> Lexical:
        import bm25s

        if not self._documents:
            return Lexical(None, 0)
        retriever = bm25s.BM25()
        retriever.index((self._documents, self._vocabulary), show_progress=False)
        lengths = np.fromiter((len(ids) for ids in self._documents), np.int32, len(self._documents))
        return Lexical(retriever, len(self._documents), lengths)


def idf(document_frequency: int, documents: int) -> float:
    """bm25s' default idf (Lucene's), so segments' scores can be put on one corpus' scale."""
    return math.log(1 + (documents - document_frequency + 0.5) / (document_frequency + 0.5))
