"""Scoring a question set: what counts as right, and the figures `newsbot eval` prints."""

import json

import pytest
from click.testing import CliRunner

import newsbot.bot.app
from newsbot.bot.cli import main
from newsbot.corpus.model import Paragraph
from newsbot.retrieval.embedding.choice import Embedders
from newsbot.retrieval.search.answer import Answer, Hit
from newsbot.retrieval.search.evaluation import EvalQuestion, evaluate, is_right


def hit(article: str, text: str, also=()) -> Hit:
    return Hit(Paragraph(article, "T", 1, text, 0, len(text)), 0.5, None, tuple(also))


@pytest.mark.parametrize(
    "question, expected",
    [
        (EvalQuestion("q", ("summoned  the U.S.",)), True),  # spacing and case folded
        (EvalQuestion("q", ("Brazil",)), False),
        (EvalQuestion("q", ("summoned",), "a"), True),
        (EvalQuestion("q", ("summoned",), "b"), False),  # right words, wrong article
    ],
)
def test_is_right_folds_case_and_spacing_and_checks_the_article(question, expected):
    assert is_right(hit("a.txt", "The French government Summoned the U.S. ambassador."), question) is expected


def test_a_collapsed_twin_counts_as_right():
    twin = Paragraph("b.txt", "T", 3, "the same quote", 0, 14)
    assert is_right(hit("a.txt", "the same quote", [twin]), EvalQuestion("q", ("quote",), "b"))


def test_metrics_over_answerable_and_unanswerable():
    answers = {
        "first": Answer("first", True, (hit("a.txt", "gold here"), hit("a.txt", "x"))),
        "second": Answer("second", True, (hit("a.txt", "x"), hit("a.txt", "gold here"))),
        "none": Answer("none", False, (hit("a.txt", "x"),)),
        "wrongly": Answer("wrongly", True, (hit("a.txt", "x"),)),
    }
    questions = [
        EvalQuestion("first", ("gold",)),
        EvalQuestion("second", ("gold",)),
        EvalQuestion("none", ()),
        EvalQuestion("wrongly", ()),
    ]
    figures = evaluate(questions, answers.__getitem__)["all"].metrics()
    assert (figures["top1"], figures["top3"], figures["mrr"]) == (0.5, 1.0, 0.75)
    assert (figures["refusal_rate"], figures["false_refusal_rate"]) == (0.5, 0.0)


def test_eval_command_gates_on_min_top1(project, monkeypatch, tmp_path):
    monkeypatch.setattr(newsbot.bot.app, "choose_embedders", lambda config: Embedders.one(lambda: project.embedder))
    questions = tmp_path / "q.jsonl"
    questions.write_text(
        json.dumps({"q": "70.3 million pieces of French telephone data", "gold": ["70.3 million"]}) + "\n"
        + json.dumps({"q": "zebra quantum lasagne", "gold": []}) + "\n"
    )
    args = ["eval", str(questions), "--json", "--config", str(project.config_path)]
    passing = CliRunner().invoke(main, [*args, "--min-top1", "0.5"])
    assert passing.exit_code == 0, passing.output
    figures = json.loads(passing.stdout)
    assert (figures["answerable"], figures["unanswerable"], figures["top1"]) == (1, 1, 1.0)
    impossible = questions.read_text().replace("70.3 million\"]", "words in no article\"]")
    questions.write_text(impossible)
    failing = CliRunner().invoke(main, [*args, "--min-top1", "0.5"])
    assert failing.exit_code == 1 and "below --min-top1" in failing.stderr


def test_conversation_lines_are_asked_in_order_each_turn_with_the_earlier_ones(tmp_path):
    from newsbot.retrieval.search.evaluation import load_questions

    line = {"id": "c1", "article": "a.txt", "turns": [
        {"turn": 1, "q": "who spoke?", "gold": ["the minister spoke", "the minister"], "answerable": True, "span": [0, 18]},
        {"turn": 2, "q": "when?", "gold": ["on Monday", "Monday"], "answerable": True, "span": [19, 28]},
        {"turn": 3, "q": "why?", "gold": [], "answerable": False},
    ]}
    path = tmp_path / "conversations.jsonl"
    path.write_text(json.dumps(line) + "\n" + json.dumps({**line, "id": "c2"}) + "\n")
    seen = []

    def ask(question, conversation=None):
        seen.append((question, conversation.questions if conversation is not None else None))
        text = "the minister spoke on Monday"
        return Answer(question, question != "why?", (Hit(Paragraph("a.txt", "T", 1, text, 0, 28), 0.5, relevance=0.9),))

    reports = evaluate(load_questions(path), ask)
    assert seen[:3] == [("who spoke?", ()), ("when?", ("who spoke?",)), ("why?", ("who spoke?", "when?"))]
    assert seen[3] == ("who spoke?", ())  # the second conversation starts afresh
    assert reports["first"].metrics()["answerable"] == 2 and reports["follow-up"].metrics()["answerable"] == 2
    assert reports["all"].metrics()["top1"] == 1.0 and reports["follow-up"].metrics()["refusal_rate"] == 1.0
