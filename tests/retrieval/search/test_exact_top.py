"""The best reranked passages of a coded index scored again with exact token vectors."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from newsbot.retrieval.embedding.embedder import TokenVectors, normalise_rows
from newsbot.retrieval.index import segment_writer
from newsbot.retrieval.index.token_store import token_weights
from newsbot.retrieval.search.exact_top import exact_maxsim, rescore_best
from newsbot.retrieval.search.ranking import encode_query, rank
from newsbot.retrieval.search.settings import SearchSettings
from tests.fakes import HashingTokenEmbedder

QUESTION = "Why was the U.S. ambassador summoned?"


class Spying(HashingTokenEmbedder):
    """The fake model, remembering every text it gave token vectors for."""

    def __init__(self) -> None:
        super().__init__(dimension=384)
        self.texts: list[str] = []

    def embed_with_tokens(self, texts):
        self.texts.extend(texts)
        return super().embed_with_tokens(texts)


def _ranking(project, coded: bool, monkeypatch):
    project.embedder = Spying()
    if coded:
        monkeypatch.setattr(segment_writer, "COMPRESS_FROM_TOKENS", 256)
        monkeypatch.setattr(segment_writer, "TRAIN_TOKENS", 512)
    library = project.library()
    library.rebuild()
    index = library.index()
    query = encode_query(QUESTION, project.embedder)
    project.embedder.texts.clear()
    embed = lambda texts: project.embedder.embed_with_tokens(list(texts))[1]  # noqa: E731
    return index, query, rank(index, query, SearchSettings(), 3, embed_tokens=embed), project.embedder.texts


def test_the_best_coded_passages_are_scored_with_their_exact_token_vectors(project, monkeypatch):
    index, query, ranking, embedded = _ranking(project, coded=True, monkeypatch=monkeypatch)
    best = ranking.rows[:3]
    assert sorted(embedded) == sorted(index.passages[r].text for r in best)
    weights = token_weights(index.token_store.idf, query.tokens.ids)
    for row in best:
        exact = project.embedder.embed_with_tokens([index.passages[row].text])[1][0].vectors
        assert ranking.late[row] == pytest.approx(exact_maxsim(query.tokens.vectors, weights, exact), abs=1e-5)


def test_an_index_without_codes_embeds_no_passage(project, monkeypatch):
    _, _, ranking, embedded = _ranking(project, coded=False, monkeypatch=monkeypatch)
    assert ranking.rows and embedded == []


def test_exact_scores_reorder_only_the_best_few():
    """Coded scores put passages 0, 1, 2 in that order; exactly, 2 beats 1 beats 0. The three
    swap among themselves; the fourth keeps its place though its coded score is not comparable."""
    question = np.eye(8, dtype=np.float32)[:2]
    aside = np.eye(8, dtype=np.float32)[2]
    exact = {  # passage text -> its token vectors: the question's, turned aside less and less
        f"p{i}": normalise_rows(question + tilt * aside).astype(np.float32) for i, tilt in enumerate([2.0, 1.0, 0.1])
    }
    index = SimpleNamespace(
        token_store=SimpleNamespace(coded=lambda rows: np.ones(len(rows), bool), idf=np.ones(10, np.float32)),
        passages=[SimpleNamespace(text=f"p{i}") for i in range(4)],
    )
    embed = lambda texts: [TokenVectors(np.zeros(2, np.int32), exact[t]) for t in texts]  # noqa: E731
    late = np.array([0.9, 0.8, 0.7, 0.6], np.float32)
    order, rescored, strength = rescore_best(
        index, TokenVectors(np.array([1, 2], np.int32), question), np.arange(4), np.arange(4), np.zeros(4, np.float32),
        late, 3.0 * (late - late.mean()) / late.std(), 3.0, 3, embed,
    )
    assert order.tolist() == [2, 1, 0, 3]
    assert rescored[3] == pytest.approx(0.6) and rescored[2] > rescored[1] > rescored[0]
    assert strength[2] > strength[1] > strength[0]


def test_with_nothing_coded_the_ranking_comes_back_untouched():
    index = SimpleNamespace(token_store=SimpleNamespace(coded=lambda rows: np.zeros(len(rows), bool)))
    late, strength, order = np.array([0.5, 0.7], np.float32), np.array([-1.0, 1.0], np.float32), np.array([1, 0])
    never = lambda texts: pytest.fail("nothing coded: no passage is embedded")  # noqa: E731
    got = rescore_best(index, None, np.arange(2), order, np.zeros(2, np.float32), late, strength, 3.0, 3, never)
    assert got[0] is order and got[1] is late and got[2] is strength


def test_config_sets_how_many_are_scored_again(project):
    from newsbot.bot.app import open_library
    from newsbot.bot.config import load_config

    project.config_path.write_text(project.config_path.read_text() + "\n[search]\nexact_rescore = 0\n")
    assert open_library(load_config(project.config_path), lambda: project.embedder).search_settings.exact_rescore == 0
