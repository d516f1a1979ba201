"""The reader's pure parts: the best answer span, offsets, and the read stage's reordering."""

import numpy as np
import pytest

from newsbot.retrieval.embedding.embedder import TokenVectors
from newsbot.retrieval.reader.reading import Reading, best_span
from newsbot.retrieval.search.ranked import Ranked
from newsbot.retrieval.search.ranking import Ranking
from newsbot.retrieval.search.read_verdict import judge_read
from newsbot.retrieval.search.reading import Read, read_ranking
from newsbot.retrieval.search.settings import SearchSettings


def test_best_span_takes_the_highest_start_plus_end():
    starts = np.array([0.0, 5.0, 1.0, 0.0])
    ends = np.array([0.0, 0.0, 1.0, 4.0])
    assert best_span(starts, ends) == (1, 3)


def test_best_span_never_ends_before_it_starts():
    starts = np.array([0.0, 0.0, 9.0])
    ends = np.array([9.0, 0.0, 0.0])
    first, last = best_span(starts, ends)
    assert first <= last


def test_best_span_keeps_answers_short():
    starts = np.zeros(50)
    ends = np.zeros(50)
    starts[0], ends[49] = 10.0, 10.0
    first, last = best_span(starts, ends, longest=30)
    assert last - first < 30


class DigitsReader:
    """A stand-in reader: a passage answers when it holds a digit (its span: the first one)."""

    model = "fake"

    def token_ids(self, text):
        return np.array([len(word) for word in text.split()], dtype=np.int64)

    def read(self, question, passages, texts):
        found = []
        for text in texts:
            digit = next((i for i, c in enumerate(text) if c.isdigit()), None)
            found.append(Reading(4.0 if digit is not None else -4.0, (digit, digit + 1) if digit is not None else None))
        return found


QUESTION = TokenVectors(np.array([1, 2]), np.ones((2, 4), np.float32) / 2)
WITH_PREVIOUS = TokenVectors(np.array([3, 1, 2]), np.ones((3, 4), np.float32) / 2)


class Passage:
    def __init__(self, text, row):
        self.text, self.article, self.title = text, f"{row}.txt", ""


class Manifest:
    articles: dict = {}


class Index:
    """Just what the read stage touches: passages, their token vectors, each its own article."""

    def __init__(self, texts):
        self.passages = [Passage(t, row) for row, t in enumerate(texts)]
        self.token_store = self
        self.manifest = Manifest()
        self.idf = np.ones(8, dtype=np.float32)

    def passage(self, row):
        return TokenVectors(np.array([row % 8]), np.ones((1, 4), np.float32) / 2)


def test_the_passage_that_answers_goes_first_though_ranked_second():
    index = Index(["The bridge on Mill Road will be repaired.", "The repairs will cost 4 million dollars.", "Traffic."])
    read = read_ranking(index, DigitsReader(), [QUESTION], [0, 1, 2], np.array([2.0, 1.0, 0.0]), 3, "single")
    assert read.rows[0] == 1
    assert read.spans[1] == (22, 23)


def test_rows_beyond_the_read_depth_keep_their_places():
    index = Index(["a", "b 1", "c", "d 2"])
    read = read_ranking(index, DigitsReader(), [QUESTION], [0, 1, 2, 3], np.array([3.0, 2.0]), 2, "single")
    assert read.read == 2
    assert read.rows[2:] == [2, 3]


def test_a_follow_up_keeps_the_better_of_its_two_readings():
    class OneFormReader(DigitsReader):
        def read(self, question, passages, texts):
            readings = super().read(question, passages, texts)
            return readings if question is QUESTION else [Reading(-9.0, None) for _ in readings]

    index = Index(["no answer here", "it was 1999"])
    read = read_ranking(index, OneFormReader(), [QUESTION, WITH_PREVIOUS], [0, 1], np.array([1.0, 0.0]), 2, "followup")
    assert read.rows[0] == 1
    assert read.logit[1] == pytest.approx(4.0)


def test_nothing_read_is_no_answer():
    nothing = Ranked("q", ("q",), Ranking([], {}, {}, {}))
    verdict = judge_read(Index([]), nothing, Read([], 0, {}, {}, {}), SearchSettings(), 3)
    assert verdict.answered is False and verdict.shown == []
