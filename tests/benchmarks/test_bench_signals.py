"""The signal-ceiling benchmark reads search's internals: it must still score what eval scores."""

from benchmarks.bench_signals import SHIPPED_DEPTH, asked_kind, collect, figures, holds_kind, key_terms, report
from newsbot.retrieval.search.evaluation import MRR_DEPTH, evaluate, load_questions
from tests.conftest import REPO


def test_the_shipped_row_is_what_newsbot_eval_reports(project):
    library = project.library()
    library.rebuild()
    questions = load_questions(REPO / "benchmarks" / "questions" / "shipped.jsonl")[::3]  # both kinds, in a few seconds
    collected = collect(library, questions, ["own"] * len(questions))
    shipped = collected.shipped[SHIPPED_DEPTH]
    measured = figures([right for right, _ in shipped], [answered for _, answered in shipped], collected.answerable)
    expected = evaluate(questions, lambda q: library.ask(q, MRR_DEPTH, ranked=True))["all"].metrics()
    assert (measured["top1"], measured["top3"]) == (expected["top1"], expected["top3"])
    assert (measured["refused"], measured["false_refusals"]) == (expected["refusal_rate"], expected["false_refusal_rate"])
    assert len(collected.best) == len(questions)
    assert all(len(c) == len(r) for c, r in zip(collected.candidates, collected.right))
    learned = report("own", collected, collected)  # trained and scored on one set: only that it runs
    assert any(label.startswith("learned ranking") for label in learned)


def test_what_a_question_asks_for_and_whether_a_passage_holds_it():
    assert asked_kind("How many calls did the NSA record?") == "number"
    assert asked_kind("When did Le Monde publish it?") == "date"
    assert asked_kind("Who summoned the ambassador?") == "name"
    assert asked_kind("Why was the ambassador summoned?") is None
    assert holds_kind("It recorded 70.3 million calls.", "number", "How many calls?") == 1.0
    assert holds_kind("It recorded 70 calls.", "number", "Were there 70 calls?") == 0.0  # the question's own number
    assert holds_kind("They spoke on Monday.", "date", "When did they speak?") == 1.0
    assert holds_kind("Then the minister spoke to Hollande.", "name", "Who did the minister speak to?") == 1.0
    assert key_terms("What did Brazil's president say in 2013?") == {"brazil", "2013"}
