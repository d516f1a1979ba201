"""`newsbot ask --conversations` and `newsbot chat` through click's runner, over a real library
that records what each question was asked with."""

import json

import pytest
from click.testing import CliRunner

import newsbot.bot.app
from newsbot.bot.cli import main
from newsbot.retrieval.embedding.choice import Embedders
from newsbot.retrieval.library import Library


@pytest.fixture
def asked(project, monkeypatch):
    """(question, questions of the conversation it was asked with), for every ask the CLI makes."""
    calls = []

    class RecordingLibrary(Library):
        def ask(self, question, top_k=None, conversation=None):
            calls.append((question, conversation.questions if conversation is not None else None))
            return super().ask(question, top_k, conversation=conversation)

    monkeypatch.setattr(newsbot.bot.app, "Library", RecordingLibrary)
    return calls


@pytest.fixture
def run(project, monkeypatch, asked):
    monkeypatch.setattr(newsbot.bot.app, "choose_embedders", lambda config: Embedders.one(lambda: project.embedder))

    def invoke(*args, input=None):
        return CliRunner().invoke(main, [*args, "--config", str(project.config_path)], input=input)

    return invoke


def lines_of(*conversations) -> str:
    return "".join(json.dumps({"id": cid, "turns": turns}) + "\n" for cid, turns in conversations)


def records(result) -> list[dict]:
    return [json.loads(line) for line in result.stdout.strip().splitlines()]


def test_one_object_per_turn_in_order_with_conversation_and_turn(run):
    stdin = lines_of(("a", ["French government summoned ambassador", "why?"]), ("b", ["Kerry Fabius"]))
    result = run("ask", "--json", "--conversations", "-", input=stdin)
    assert result.exit_code == 0, result.output
    got = records(result)
    assert [(r["conversation"], r["turn"], r["question"]) for r in got] == [
        ("a", 1, "French government summoned ambassador"),
        ("a", 2, "why?"),
        ("b", 1, "Kerry Fabius"),
    ]
    for record in got:
        assert set(record) >= {"question", "searched", "answered", "passages"}
        assert isinstance(record["searched"], str) and record["searched"]


def test_each_conversation_starts_fresh_and_turns_carry_the_earlier_ones(run, asked):
    stdin = lines_of(("a", ["French phone calls", "who denied it?"]), ("b", ["Kerry Fabius"]))
    run("ask", "--json", "--conversations", "-", input=stdin)
    assert asked == [
        ("French phone calls", ()),
        ("who denied it?", ("French phone calls",)),
        ("Kerry Fabius", ()),
    ]


def test_a_bad_line_is_reported_in_its_place_and_the_rest_still_run(run):
    stdin = (
        lines_of(("a", ["Kerry Fabius"]))
        + "not json\n\n"
        + json.dumps({"id": "c", "turns": "not a list"}) + "\n"
        + lines_of(("d", ["French phone calls"]))
    )
    result = run("ask", "--json", "--conversations", "-", input=stdin)
    got = records(result)
    assert result.exit_code == 1
    assert [(r.get("conversation"), r.get("line"), "error" in r) for r in got] == [
        ("a", None, False),
        (None, 2, True),
        ("c", 4, True),
        ("d", None, False),
    ]
    assert set(got[1]) == {"conversation", "line", "error"}


def test_an_undecodable_line_costs_only_that_line(run, project, tmp_path):
    path = tmp_path / "conversations.jsonl"
    path.write_bytes(b'{"id": "x", "turns": ["caf\xe9"]}\n' + lines_of(("ok", ["Kerry Fabius"])).encode())
    result = run("ask", "--json", "--conversations", str(path))
    got = records(result)
    assert result.exit_code == 1
    assert got[0]["line"] == 1 and "UTF-8" in got[0]["error"]
    assert got[1]["conversation"] == "ok" and got[1]["passages"]


def test_a_bad_turn_gets_an_error_record_and_the_conversation_goes_on(run, asked):
    stdin = lines_of(("a", ["Kerry Fabius", "   ", "French phone calls"]))
    result = run("ask", "--json", "--conversations", "-", input=stdin)
    got = records(result)
    assert result.exit_code == 1
    assert [(r["turn"], "error" in r) for r in got] == [(1, False), (2, True), (3, False)]
    assert got[1]["conversation"] == "a" and "empty" in got[1]["error"]
    assert asked[-1] == ("French phone calls", ("Kerry Fabius",))


def test_text_rendering_groups_q_lines_under_each_conversation(run):
    stdin = lines_of(("a", ["Kerry Fabius", "French phone calls"]), ("b", ["Mexico email Calderon"]))
    result = run("ask", "--conversations", "-", input=stdin)
    assert result.exit_code == 0
    out = result.stdout
    assert out.index("== conversation a ==") < out.index("Q: Kerry Fabius") < out.index("Q: French phone calls")
    assert out.index("Q: French phone calls") < out.index("== conversation b ==") < out.index("Q: Mexico email Calderon")


def test_conversations_and_a_question_together_are_a_usage_error(run):
    result = run("ask", "Kerry", "--conversations", "-", input="")
    assert result.exit_code == 2


def test_chat_asks_each_question_with_the_conversation_so_far(run, asked):
    result = run("chat", input="French phone calls\nwho denied it?\n/new\nKerry Fabius\n")
    assert result.exit_code == 0
    assert asked == [
        ("French phone calls", ()),
        ("who denied it?", ("French phone calls",)),
        ("Kerry Fabius", ()),
    ]
    assert "New conversation" in result.stdout


def test_chat_commands_are_not_searched(run, asked):
    result = run("chat", input="help\n/HELP\nnew\nquit\nKerry Fabius\n")
    assert result.exit_code == 0
    assert asked == []
    assert result.stdout.count("start a new conversation") == 2


def test_an_over_long_turn_is_reported_without_echoing_it_whole(run):
    script = json.dumps({"id": "long", "turns": ["x" * 5000, "who summoned the ambassador?"]}) + "\n"
    text = run("ask", "--conversations", "-", input=script)
    as_json = run("ask", "--json", "--conversations", "-", input=script)
    assert text.exit_code == as_json.exit_code == 1
    assert "x" * 100 not in text.stdout and "x" * 100 not in as_json.stdout
    assert json.loads(as_json.stdout.splitlines()[1])["answered"] is True
