"""Relevance, refusal and no padding: what every face shows of a ranking."""

import numpy as np
import pytest

from newsbot.corpus.model import Paragraph
from newsbot.retrieval.search import relevance
from newsbot.retrieval.search.evaluation import EvalQuestion, rationale_right


@pytest.mark.parametrize("question", ["who summoned the ambassador?", "Mexico Calderon email Der Spiegel", "zebra quantum lasagne"])
def test_relevance_is_a_chance_that_never_rises_down_the_list(library, question):
    answer = library.ask(question, top_k=8, ranked=True)
    shown = [hit.relevance for hit in answer.hits]
    assert all(0.0 <= r <= 1.0 for r in shown)
    assert shown == sorted(shown, reverse=True)


def test_later_passages_are_shown_only_when_they_answer_in_their_own_right(library):
    ranked = library.ask("who summoned the ambassador?", top_k=5, ranked=True)
    shown = library.ask("who summoned the ambassador?", top_k=5)
    cut = library.search_settings.show_relevance
    expected = [ranked.hits[0]] + [hit for hit in ranked.hits[1:] if hit.relevance >= cut]
    assert [h.passage for h in shown.hits] == [h.passage for h in expected]
    assert len(shown.hits) < 5


def test_a_refusal_still_lists_the_nearest_passages(library):
    answer = library.ask("zebra quantum lasagne", top_k=3)
    assert answer.answered is False
    assert len(answer.hits) == 3


def test_no_answer_shares_no_word_with_its_question(library):
    index = library.index()
    for question in ["who summoned the ambassador?", "what did Kerry say?", "how many calls were intercepted?"]:
        answer = library.ask(question, top_k=5)
        if answer.answered:
            rows = [next(r for r in range(len(index.passages)) if index.passages[r] == h.passage) for h in answer.hits]
            assert relevance.shares_a_word(index, rows, question).all()


def test_words_are_compared_by_stem(library):
    index = library.index()
    row = next(r for r in range(len(index.passages)) if "summoned" in index.passages[r].text)
    assert relevance.shares_a_word(index, [row], "who summons ambassadors?").tolist() == [True]
    assert relevance.shares_a_word(index, [row], "zebra lasagne").tolist() == [False]


def test_min_relevance_decides_the_refusal(project):
    strict = project.config_path.read_text() + "[search]\nmin_relevance = 1.0\n"
    project.config_path.write_text(strict)
    library = project.library()
    library.rebuild()
    assert library.ask("who summoned the ambassador?").answered is False


def test_probabilities_follow_the_fitted_logistic_model():
    features = {"similarity": np.array([0.5]), "late": np.array([0.7]), "behind": np.array([0.0]), "first": np.array([1.0])}
    weights = relevance.SINGLE_WEIGHTS
    logit = relevance.SINGLE_BIAS + sum(weights[k] * features[k][0] for k in weights)
    assert relevance.probabilities(features, followup=False)[0] == pytest.approx(1 / (1 + np.exp(-logit)))


def passage(start, end, text="", article="a.txt"):
    return Paragraph(article, "T", 1, text, start, end)


@pytest.mark.parametrize(
    ("found", "expected"),
    [
        (passage(0, 100, "x"), True),  # covers the whole rationale
        (passage(50, 200, "x"), True),  # half of it
        (passage(61, 200, "x"), False),  # less than half
        (passage(20, 40, "x"), True),  # lies inside it
        (passage(500, 600, "He Said: the words, in a row"), True),  # its words, said again elsewhere
        (passage(0, 100, "x", article="b.txt"), False),  # another article
    ],
)
def test_coqa_rule_for_a_right_passage(found, expected):
    turn = EvalQuestion("q", ("he said the words in a row",), article="a.txt", span=(10, 110), conversation="c")
    assert rationale_right(found, turn) is expected
