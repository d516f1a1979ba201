"""The CLI through click's runner with the fake embedder: exit codes, messages, JSON shape."""

import json

import pytest
from click.testing import CliRunner

from newsbot.bot.cli import main


def test_first_ask_builds_the_index_and_says_so_on_stderr(run, project):
    result = run("ask", "French phone calls")
    assert result.exit_code == 0
    assert "No index yet" in result.stderr
    assert "No index yet" not in result.stdout
    assert (project.index_dir / "CURRENT").exists()


def test_json_output_keeps_the_contract(run):
    result = run("ask", "--json", "--top-k", "2", "summoned ambassador Paris")
    record = json.loads(result.stdout)
    assert set(record) >= {"question", "answered", "passages"}
    assert record["question"] == "summoned ambassador Paris"
    assert isinstance(record["answered"], bool)
    assert 1 <= len(record["passages"]) <= 2
    for passage in record["passages"]:
        assert set(passage) >= {"article", "title", "paragraph", "text", "score", "relevance"}
        assert isinstance(passage["paragraph"], int) and isinstance(passage["score"], float)
    relevance = [p["relevance"] for p in record["passages"]]
    assert relevance == sorted(relevance, reverse=True)


def test_batch_answers_every_line_in_order_one_json_line_each(run):
    questions = ["French phone calls", "", "Mexico email Calderon", "Kerry Fabius"]
    result = run("ask", "--batch", "-", "--json", input="\n".join(questions) + "\n")
    lines = result.stdout.strip().splitlines()
    assert result.exit_code == 0
    assert [json.loads(line)["question"] for line in lines] == [q for q in questions if q]


def test_batch_keeps_going_past_a_bad_question_and_fails_at_the_end(run):
    result = run("ask", "--batch", "-", "--json", input="French phone calls\n" + "x" * 5000 + "\nKerry\n")
    records = [json.loads(line) for line in result.stdout.strip().splitlines()]
    assert result.exit_code == 1
    assert [("error" in r) for r in records] == [False, True, False]


@pytest.mark.parametrize("question, message", [("   ", "question is empty"), ("y" * 20000, "20,000 characters")])
def test_bad_question_is_one_line_and_nonzero(run, question, message):
    result = run("ask", question)
    assert result.exit_code == 1
    assert message in result.stderr
    assert len(result.stderr.strip().splitlines()) <= 2  # the first-build notice may precede it
    assert "Traceback" not in result.output


def test_an_unquoted_question_is_its_words_joined(run):
    result = run("ask", "who", "summoned", "the", "ambassador?", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["question"] == "who summoned the ambassador?"


@pytest.mark.parametrize("args", [(), ("French", "calls", "--batch", "-")])
def test_no_question_or_a_question_and_a_batch_is_a_usage_error(run, args):
    result = run("ask", *args, input="Kerry\n")
    assert result.exit_code == 2
    assert "give one of QUESTION, --batch FILE or --conversations FILE" in result.stderr


def test_non_english_question_is_answered_or_refused_without_error(run):
    result = run("ask", "--json", "Qui a convoqué l'ambassadeur américain ?")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["question"].startswith("Qui")


def test_config_typo_is_named(run, project):
    project.config_path.write_text(project.config_path.read_text() + "\n[search]\ntopk = 3\n")
    result = run("ask", "anything")
    assert result.exit_code == 1
    assert "unknown key 'topk' in [search]" in result.stderr


def test_missing_config_file_is_named(project):
    result = CliRunner().invoke(main, ["ask", "x", "--config", str(project.root / "nope.toml")])
    assert result.exit_code == 1 and "config file not found" in result.stderr


def test_index_reports_what_it_did(run):
    first = run("index")
    second = run("index")
    assert "2 added" in first.stdout
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in second.stdout


def test_add_copies_articles_and_updates_the_index(run, project, tmp_path_factory):
    incoming = tmp_path_factory.mktemp("incoming") / "brazil.md"
    incoming.write_text("# Brazil cancels visit\n\nBrazil's president cancelled a state visit to Washington over the spying reports.\n")
    run("index")
    result = run("add", str(incoming))
    assert result.exit_code == 0, result.output
    assert (project.articles / "brazil.md").exists()
    assert "1 added" in result.stdout
    answer = json.loads(run("ask", "--json", "Brazil cancelled state visit Washington").stdout)
    assert answer["passages"][0]["article"] == "brazil.md"
    assert answer["passages"][0]["title"] == "Brazil cancels visit"


def test_add_refuses_a_binary_file_and_copies_nothing(run, project, tmp_path_factory):
    junk = tmp_path_factory.mktemp("incoming") / "junk.txt"
    junk.write_bytes(b"\x00\xff\x00 not text")
    result = run("add", str(junk))
    assert result.exit_code == 1 and "junk.txt" in result.stderr
    assert not (project.articles / "junk.txt").exists()


def test_chat_answers_each_line_until_end_of_input(run):
    result = run("chat", input="French phone calls\n\nKerry Fabius\n")
    assert result.exit_code == 0
    assert result.stdout.count("1. [") == 2


def test_sources_lists_titles_and_dates(run):
    result = run("sources")
    assert "U.S. spy chief denies claims of logging French phone calls" in result.stdout
    assert "Oct. 23, 2013" in result.stdout


def test_every_command_has_help_and_is_in_the_readme():
    from tests.conftest import REPO

    readme = (REPO / "docs" / "commands.md").read_text(encoding="utf-8")
    for name, command in main.commands.items():
        assert command.help, name
        assert f"newsbot {name}" in readme, f"README does not document `newsbot {name}`"


def test_json_has_searched_and_a_relevance_per_passage(run):
    record = json.loads(run("ask", "--json", "summoned ambassador Paris").stdout)
    assert record["searched"] == "summoned ambassador Paris"  # no conversation: searched as asked
    for passage in record["passages"]:
        assert "relevance" in passage
        assert passage["relevance"] is None or 0 <= passage["relevance"] <= 1


def _answer(relevance, searched=None):
    from newsbot.corpus.model import Paragraph
    from newsbot.retrieval.search.answer import Answer, Hit

    passage = Paragraph("a.txt", "Title", 2, "The ambassador was summoned.", 0, 28)
    return Answer("why?", True, (Hit(passage, 0.4449, relevance=relevance),), searched=searched)


@pytest.mark.parametrize("relevance, shown", [(0.8333, "[0.83]"), (None, "[0.44]")])
def test_terminal_shows_relevance_or_else_the_score(relevance, shown):
    from newsbot.bot.cli.text import render_answer

    assert render_answer(_answer(relevance)).splitlines()[0] == f"1. {shown} Title (a.txt, paragraph 2)"


def test_json_relevance_is_rounded_and_score_keeps_the_cosine():
    from newsbot.bot.records import answer_record

    passage = answer_record(_answer(0.83337, searched="why was the ambassador summoned?"))["passages"][0]
    assert (passage["relevance"], passage["score"]) == (0.833, 0.4449)


def test_searched_is_what_was_searched_and_question_is_as_asked():
    from newsbot.bot.cli.text import render_turn
    from newsbot.bot.records import answer_record

    record = answer_record(_answer(None, searched="why was the ambassador summoned?"))
    assert (record["question"], record["searched"]) == ("why?", "why was the ambassador summoned?")
    assert render_turn(_answer(None, searched="why was the ambassador summoned?")).startswith(
        "(searched: why was the ambassador summoned?)\n1. "
    )
    assert render_turn(_answer(None)).startswith("1. ")


@pytest.mark.parametrize(("line", "key"), [("min_relevance = 5.0", "search.min_relevance"), ("show_relevance = -1.0", "search.show_relevance")])
def test_config_value_out_of_range_names_the_key_and_the_range(run, project, line, key):
    project.config_path.write_text(project.config_path.read_text() + f"[search]\n{line}\n")
    result = run("ask", "anything")
    assert result.exit_code == 1
    assert key in result.output and "between 0.0 and 1.0" in result.output
