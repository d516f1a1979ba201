"""What the Ray tests share: builds to compare, and fakes that run on Ray's workers.

Workers import the fakes from here (Ray puts the driver's working directory, the repository
when `make test` runs, on their path).
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from newsbot.corpus.paragraphs import ParagraphRules
from newsbot.retrieval.index import store
from newsbot.retrieval.indexing import building
from tests.fakes import HashingTokenEmbedder

os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # read when Ray is imported: loopback only
POISON = "this sentence cannot be embedded"


class Slow(HashingTokenEmbedder):
    """Slow enough that a worker can be killed while chunks are still queued on it."""

    def embed_batch(self, texts):
        time.sleep(0.1)
        return super().embed_batch(texts)


class Poisoned(HashingTokenEmbedder):
    def embed_with_tokens(self, texts):
        if any(POISON in text for text in texts):
            raise ValueError("the model choked")
        return super().embed_with_tokens(texts)


def hashing(_payload) -> HashingTokenEmbedder:
    return HashingTokenEmbedder()


def slow(_payload) -> Slow:
    return Slow()


def poisoned(_payload) -> Poisoned:
    return Poisoned()


def write_articles(folder: Path, count: int, paragraphs: int = 12) -> None:
    for a in range(count):
        body = "\n\n".join(
            " ".join(f"Report {a} paragraph {p} sentence {s} tells of event {a * p + s}." for s in range(4))
            for p in range(paragraphs)
        )
        (folder / f"report-{a}.txt").write_text(f"Report {a}\n\n{body}\n", encoding="utf-8")


def build(corpus: Path, index_dir: Path, embedder, progress=None) -> building.BuildReport:
    return building.build([corpus], ParagraphRules(), index_dir, embedder, progress=progress)


def assert_same_index(left: Path, right: Path) -> None:
    """Same passages, units and token ids; vectors equal to float tolerance, token codes to
    one int8 step."""
    for a, b in zip(store.load(left).segments, store.load(right).segments, strict=True):
        a, b = a.data, b.data
        assert list(a.passages) == list(b.passages)
        assert np.array_equal(np.asarray(a.units), np.asarray(b.units))
        np.testing.assert_allclose(np.asarray(a.vectors), np.asarray(b.vectors), atol=1e-5)
        (ids_a, codes_a, _, offsets_a), (ids_b, codes_b, _, offsets_b) = a.tokens, b.tokens
        assert np.array_equal(np.asarray(ids_a), np.asarray(ids_b))
        assert np.array_equal(np.asarray(offsets_a), np.asarray(offsets_b))
        assert np.abs(np.asarray(codes_a, dtype=np.int16) - np.asarray(codes_b, dtype=np.int16)).max() <= 1
