"""The real thing: the installed `newsbot` command, the bundled model, the shipped articles."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import FRENCH_AMBASSADOR

pytestmark = pytest.mark.model
NEWSBOT = [sys.executable, "-m", "newsbot.bot.cli"]


def newsbot(root: Path, *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSBOT_CONFIG": str(root / "config.toml")}
    return subprocess.run([*NEWSBOT, *args], capture_output=True, text=True, env=env, input=input, timeout=300)


def ask_json(root: Path, question: str) -> dict:
    result = newsbot(root, "ask", "--json", question)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_first_ask_builds_and_answers_the_ambassador_question(real_project):
    result = newsbot(real_project, "ask", "--json", "who summoned the ambassador?")
    assert result.returncode == 0, result.stderr
    assert "No index yet" in result.stderr
    answer = json.loads(result.stdout)
    assert answer["answered"] is True
    assert FRENCH_AMBASSADOR in answer["passages"][0]["text"]
    assert answer["passages"][0]["article"] == "000_bfb5fe1d5446f174.txt"


@pytest.mark.parametrize(
    "question", ["What is the best recipe for pizza dough?", "Who won the 2010 football World Cup?"]
)
def test_question_the_articles_never_mention_is_refused(real_project, question):
    answer = ask_json(real_project, question)
    assert answer["answered"] is False
    assert answer["passages"], "the nearest passages are still shown, marked as such"


def test_terminal_output_cites_title_file_and_paragraph(real_project):
    result = newsbot(real_project, "ask", "--top-k", "1", "when did the phone call intercepts take place?")
    assert result.returncode == 0, result.stderr
    assert "(004_ff9fbbdbf3039c2b.txt, paragraph " in result.stdout
    assert "December 10, 2012" in result.stdout


def test_batch_answers_in_order_with_one_model_load(real_project):
    questions = ["who summoned the ambassador?", "What did Mexico's foreign ministry call the practice?"]
    result = newsbot(real_project, "ask", "--batch", "-", "--json", input="\n".join(questions))
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert [r["question"] for r in records] == questions
    assert "unacceptable, illegitimate" in records[1]["passages"][0]["text"]


def run_in_fresh_process(root: Path, *args: str) -> tuple[str, str]:
    """The command's output, and which heavy model libraries it imported (`HEAVY:` + names)."""
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from newsbot.bot.cli import main\n"
        f"result = CliRunner().invoke(main, [*{list(args)!r}, '--config', {str(root / 'config.toml')!r}])\n"
        "print(result.output, end='')\n"
        "print('HEAVY:' + ','.join(m for m in ('torch', 'sentence_transformers', 'transformers') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    *output, heavy = out.stdout.strip().splitlines()
    return "\n".join(output), heavy


def test_a_cold_ask_after_indexing_imports_no_torch(real_project):
    newsbot(real_project, "index")  # makes sure the index and its ONNX export exist
    output, heavy = run_in_fresh_process(real_project, "ask", "--json", "who summoned the ambassador?")
    assert heavy == "HEAVY:"
    assert FRENCH_AMBASSADOR in json.loads(output.splitlines()[0])["passages"][0]["text"]


def test_an_update_with_nothing_changed_never_loads_the_model(real_project):
    newsbot(real_project, "index")
    output, heavy = run_in_fresh_process(real_project, "index")
    assert heavy == "HEAVY:"
    assert "unchanged" in output


def test_adding_an_article_embeds_it_without_torch_through_the_export(real_project, tmp_path):
    newsbot(real_project, "index")
    article = tmp_path / "kites.txt"
    article.write_text("Kite festival\n\nThe annual kite festival in Dieppe drew forty thousand visitors to the beach.\n")
    output, heavy = run_in_fresh_process(real_project, "add", str(article))
    assert heavy == "HEAVY:"
    assert "1 added" in output
    answer = ask_json(real_project, "How many visitors came to the kite festival in Dieppe?")
    assert answer["answered"] and "forty thousand" in answer["passages"][0]["text"]
    (real_project / "articles" / "kites.txt").unlink()
    newsbot(real_project, "index")


def test_export_built_vectors_match_the_full_model(real_project):
    """Articles embedded through the export agree with sentence-transformers' own vectors."""
    from newsbot.retrieval.embedding.onnx_folder import load_build_embedder
    from newsbot.retrieval.embedding.sentence_transformer import SentenceTransformerEmbedder

    newsbot(real_project, "index")
    texts = [p.read_text() for p in sorted((real_project / "articles").iterdir())]
    paragraphs = [line for text in texts for line in text.splitlines() if len(line) > 200][:12]
    exported = load_build_embedder(real_project / "index", "all-MiniLM-L6-v2").embed_batch(paragraphs)
    full = SentenceTransformerEmbedder("all-MiniLM-L6-v2").embed_batch(paragraphs)
    assert (exported * full).sum(axis=1).min() > 0.999


def test_a_follow_up_is_answered_in_the_light_of_the_conversation(real_project):
    script = json.dumps({"id": "talk", "turns": ["who summoned the ambassador?", "why?"]}) + "\n"
    result = newsbot(real_project, "ask", "--json", "--conversations", "-", input=script)
    assert result.returncode == 0, result.stderr
    first, why = [json.loads(line) for line in result.stdout.splitlines()]
    assert (why["conversation"], why["turn"], why["question"]) == ("talk", 2, "why?")
    assert why["answered"] is True
    assert "demand an explanation" in why["passages"][0]["text"]
    assert why["searched"] == "who summoned the ambassador? why?"
    assert first["answered"] is True and first["turn"] == 1


def test_a_follow_up_asked_alone_is_refused(real_project):
    assert ask_json(real_project, "why?")["answered"] is False


def test_a_follow_up_that_makes_sense_alone_is_answered_as_well_as_alone(real_project):
    """"what did Mexico do?" after "who summoned the ambassador?" and "why?" names its own
    subject: the conversation must not make it worse than asked alone (it was refused, searched
    as "why? what did Mexico do?")."""
    script = json.dumps({"id": "talk", "turns": ["who summoned the ambassador?", "why?", "what did Mexico do?"]}) + "\n"
    result = newsbot(real_project, "ask", "--json", "--conversations", "-", input=script)
    assert result.returncode == 0, result.stderr
    mexico = [json.loads(line) for line in result.stdout.splitlines()][-1]
    alone = ask_json(real_project, "what did Mexico do?")
    assert alone["answered"] is True
    assert mexico["answered"] is True
    assert mexico["passages"][0]["text"] == alone["passages"][0]["text"]
    assert mexico["passages"][0]["relevance"] >= alone["passages"][0]["relevance"]
