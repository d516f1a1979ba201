"""Big segments keep their unit vectors as float16: half the room, the same answers.

The threshold is lowered here so a small corpus counts as big.
"""

from __future__ import annotations

import numpy as np
import pytest

from newsbot.retrieval.index import segment_writer
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.index.manifest import read_manifest
from newsbot.retrieval.index.store import VECTORS
from tests.retrieval.index.test_token_codec import BRAZIL

QUESTIONS = ("Why was the U.S. ambassador summoned?", "How many pieces of French telephone data were recorded?")


def _segments(index_dir):
    generation = current_generation(index_dir)
    return [generation / entry.name for entry in read_manifest(generation).segments]


def _answers(library):
    return [[(hit.passage.article, hit.passage.number, round(hit.score, 3)) for hit in library.ask(q).hits] for q in QUESTIONS]


@pytest.fixture
def halved(monkeypatch):
    monkeypatch.setattr(segment_writer, "HALF_PRECISION_FROM_UNITS", 1)


def test_a_big_segment_stores_float16_vectors_and_answers_as_float32_did(project, monkeypatch):
    library = project.library()
    library.rebuild()
    (segment,) = _segments(project.index_dir)
    assert np.load(segment / VECTORS, mmap_mode="r").dtype == np.float32
    before = _answers(library)

    monkeypatch.setattr(segment_writer, "HALF_PRECISION_FROM_UNITS", 1)
    library.rebuild(full=True)
    (segment,) = _segments(project.index_dir)
    halved = np.load(segment / VECTORS, mmap_mode="r")
    assert halved.dtype == np.float16 and halved.shape[1] == project.embedder.dimension
    assert _answers(library) == before
    assert not list(segment.glob(".*.half"))


def test_a_small_segment_appended_to_a_big_one_is_searched_with_it(project, halved, monkeypatch):
    library = project.library()
    library.rebuild()
    monkeypatch.setattr(segment_writer, "HALF_PRECISION_FROM_UNITS", 10**9)
    (project.articles / "brazil.txt").write_text(BRAZIL)
    library.rebuild()
    big, small = _segments(project.index_dir)
    assert np.load(big / VECTORS, mmap_mode="r").dtype == np.float16
    assert np.load(small / VECTORS, mmap_mode="r").dtype == np.float32
    assert library.index().data.vectors.dtype == np.float32
    assert library.ask("What did Brazil's president do about the spying?").hits[0].passage.article == "brazil.txt"
