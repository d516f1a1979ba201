"""Failures a user can meet end in one line saying what to do, an exit status, and nothing lost."""

from __future__ import annotations

import errno
import json
import os
import sys

import numpy as np
import pytest

from tests.fakes import FAKE_MODEL


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if not line.startswith("No index yet")]
    assert len(lines) == 1 and lines[0].startswith("Error: "), result.stderr
    return lines[0]


# disk full


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, "No space left on device")


@pytest.mark.parametrize("full", [True, False])
def test_disk_full_during_a_build_is_one_line_and_the_old_index_answers(run, project, monkeypatch, full):
    run("index")
    current = (project.index_dir / "CURRENT").read_text()
    (project.articles / "new.txt").write_text("Germany asked the ambassador about Merkel's phone being tapped by the agency.\n")
    monkeypatch.setattr(np, "save", _disk_full)
    line = one_line_error(run("index", *(["--full"] if full else [])))
    assert "disk is full" in line and str(project.index_dir) in line and "free some space" in line
    monkeypatch.undo()
    assert (project.index_dir / "CURRENT").read_text() == current
    assert not list(project.index_dir.glob("tmp-*"))
    answer = project.library().ask("French government summoned the U.S. ambassador")
    assert answer.answered


def test_disk_full_names_the_file_when_the_system_does(run, project, monkeypatch):
    def full_at(path, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", str(path))

    monkeypatch.setattr(np, "save", full_at)
    line = one_line_error(run("index", "--full"))
    assert "disk is full" in line and str(project.index_dir) in line


# index folder misplaced or not writable


def test_index_dir_under_a_file_is_one_line_naming_it(run, project):
    (project.root / "afile").write_text("not a folder\n")
    project.config_path.write_text(project.config_path.read_text().replace('dir = "index"', 'dir = "afile/index"'))
    for args in (("index",), ("ask", "who summoned the ambassador?")):
        line = one_line_error(run(*args))
        assert "afile" in line and "not a folder" in line and "[index] dir" in line


@pytest.mark.parametrize("where", ["afile/index", "afile"], ids=["under a file", "a file"])
def test_index_dir_under_a_file_is_said_before_any_model_is_loaded(run, project, monkeypatch, where):
    """Loading the model costs seconds and makes its ONNX export beside the index, which warns
    when the folder cannot be made: the build checks its folder first, so the one line is all."""
    import newsbot.bot.app
    from newsbot.retrieval.embedding.choice import Embedders

    (project.root / "afile").write_text("not a folder\n")
    project.config_path.write_text(project.config_path.read_text().replace('dir = "index"', f'dir = "{where}"'))
    loaded = []

    def model():
        loaded.append(True)
        print("warning: no fast query path for the model", file=sys.stderr)
        return project.embedder

    monkeypatch.setattr(newsbot.bot.app, "choose_embedders", lambda config: Embedders.one(model))
    result = run("ask", "who summoned the ambassador?")
    line = one_line_error(result)
    assert "afile" in line and "not a folder" in line
    assert loaded == [] and "warning" not in result.output


def test_index_dir_that_is_a_file_is_one_line_naming_it(run, project):
    (project.root / "index").write_text("not a folder\n")
    line = one_line_error(run("index"))
    assert str(project.index_dir) in line and "not a folder" in line


def test_unwritable_index_dir_is_one_line_naming_it(run, project, monkeypatch):
    real_open = os.open  # the build lock (filelock) opens its file with os.open

    def denied(file, *args, **kwargs):
        if str(file).endswith(".build.lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, *args, **kwargs)

    monkeypatch.setattr(os, "open", denied)
    line = one_line_error(run("index"))
    assert str(project.index_dir) in line and "permission" in line.lower() and "writable" in line


# damaged index files

SEGMENT_FILES = [
    "passages.jsonl", "units.npy", "vectors.npy", "index.faiss",
    "tokens_ids.npy", "tokens_codes.npy", "tokens_scales.npy", "tokens_offsets.npy", "tokens_df.npy",
    "bm25_passages/data.csc.index.npy", "bm25_passages/params.index.json", "bm25_windows/vocab.index.json",
]


@pytest.mark.parametrize("damage", ["empty", "truncated"])
@pytest.mark.parametrize("name", SEGMENT_FILES)
def test_a_damaged_index_file_is_named_with_the_command_to_run(run, project, name, damage):
    run("index")
    segment = next((project.index_dir / (project.index_dir / "CURRENT").read_text().strip()).glob("seg-*"))
    path = segment / name
    data = path.read_bytes()
    path.write_bytes(b"" if damage == "empty" else data[: len(data) // 2])
    line = one_line_error(run("ask", "who summoned the ambassador?"))
    assert "run `newsbot index --full`" in line
    assert path.name in line or path.parent.name in line and path.parent != segment, line


# config values out of range


@pytest.mark.parametrize(
    "section, key, value, expected",
    [
        ("search", "min_score", "5", "search.min_score must be between -1.0 and 1.0, not 5.0"),
        ("paragraphs", "min_chars", "0", "paragraphs.min_chars must be at least 1, not 0"),
        ("paragraphs", "max_chars", "60", "paragraphs.max_chars must be more than paragraphs.min_chars (60), not 60"),
        ("paragraphs", "overlap_sentences", "-1", "paragraphs.overlap_sentences must be at least 0, not -1"),
        ("discord", "cooldown_seconds", "-2", "discord.cooldown_seconds must be at least 0, not -2.0"),
        ("search", "top_k", '"3"', "search.top_k must be an integer, not '3'"),
        ("search", "exact_rescore", "-1", "search.exact_rescore must be between 0 and 20, not -1"),
        ("search", "min_relevance", '"high"', "search.min_relevance must be a number, not 'high'"),
        ("index", "model", "3", "index.model must be a string, not 3"),
        ("corpus", "dirs", '"articles"', "corpus.dirs must be a list, not 'articles'"),
    ],
)
def test_a_config_value_out_of_range_or_of_the_wrong_type_names_the_key(run, project, section, key, value, expected):
    sections = {"corpus": ['dirs = ["articles"]'], "index": ['dir = "index"', f'model = "{FAKE_MODEL}"']}
    sections[section] = [line for line in sections.get(section, []) if not line.startswith(f"{key} ")] + [f"{key} = {value}"]
    project.config_path.write_text("".join(f"[{name}]\n" + "\n".join(lines) + "\n" for name, lines in sections.items()))
    assert expected in one_line_error(run("ask", "who summoned the ambassador?"))


# undecodable batch lines

BAD_LINES = [b"who \xff summoned the ambassador?", "Merkel \ud800 phone".encode("utf-8", "surrogatepass")]


@pytest.mark.parametrize("bad", BAD_LINES, ids=["invalid byte", "lone surrogate"])
def test_an_undecodable_batch_line_gets_an_error_record_in_its_place(run, bad):
    lines = [b"French phone calls", bad, b"Kerry Fabius"]
    result = run("ask", "--batch", "-", "--json", input=b"\n".join(lines) + b"\n")
    assert result.exit_code == 1, result.output
    records = [json.loads(line) for line in result.stdout.splitlines()]
    assert ["error" in r for r in records] == [False, True, False]
    assert records[0]["passages"] and records[2]["passages"]
    error = records[1]
    assert error["passages"] == [] and error["answered"] is False and error["searched"] is None
    assert "line 2" in error["error"] and "UTF-8" in error["error"]
    assert error["question"].startswith(("who", "Merkel"))


def test_an_undecodable_batch_line_in_text_is_one_error_line_and_the_rest_answered(run, project):
    batch = project.root / "questions.txt"
    batch.write_bytes(b"French phone calls\n\xc3\x28 bad\nKerry Fabius\n")
    result = run("ask", "--batch", str(batch))
    assert result.exit_code == 1
    assert result.stdout.count("Q: ") == 2
    errors = [line for line in result.stdout.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1 and errors[0].startswith("Error: line 2: not valid UTF-8")


# a huge question is not echoed back


def test_the_error_for_a_huge_question_does_not_repeat_it(run):
    huge = "why " * 250_000
    single = run("ask", huge)
    assert single.exit_code == 1 and len(single.output) < 500 and "1,000,000" not in single.output
    batch = run("ask", "--batch", "-", "--json", input=huge + "\nFrench phone calls\n")
    first, second = (json.loads(line) for line in batch.stdout.splitlines())
    assert batch.exit_code == 1 and len(batch.stdout) < 5000
    assert len(first["question"]) <= 80 and first["question"].endswith("…") and "characters" in first["error"]
    assert second["passages"]
    text = run("ask", "--batch", "-", input=huge + "\n")
    assert len(text.stdout) < 500 and "Error: line 1: the question is" in text.stdout
