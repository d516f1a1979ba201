"""Failures a user can meet end in one line saying what to do, an exit status, and nothing lost."""

from __future__ import annotations

import errno
import json

import numpy as np
import pytest
from click.testing import CliRunner

import bot.app
from bot.cli import main


@pytest.fixture
def run(project, monkeypatch):
    for factory in ("real_embedder_factory", "build_embedder_factory"):
        monkeypatch.setattr(bot.app, factory, lambda config, *_: lambda: project.embedder)

    def invoke(*args, input=None):
        return CliRunner().invoke(main, [*args, "--config", str(project.config_path)], input=input)

    return invoke


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


def test_index_dir_that_is_a_file_is_one_line_naming_it(run, project):
    (project.root / "index").write_text("not a folder\n")
    line = one_line_error(run("index"))
    assert str(project.index_dir) in line and "not a folder" in line


def test_unwritable_index_dir_is_one_line_naming_it(run, project, monkeypatch):
    import builtins

    real_open = builtins.open

    def denied(file, mode="r", *args, **kwargs):
        if str(file).endswith(".build.lock"):
            raise PermissionError(errno.EACCES, "Permission denied", str(file))
        return real_open(file, mode, *args, **kwargs)

    monkeypatch.setattr(builtins, "open", denied)
    line = one_line_error(run("index"))
    assert str(project.index_dir) in line and "permission" in line.lower() and "writable" in line
