"""`newsbot add` and `newsbot remove`: no article is lost, and the corpus and index never disagree."""

from __future__ import annotations

import errno
import json
from pathlib import Path

import pytest

import newsbot.retrieval.index.generations

SHIPPED = "000_bfb5fe1d5446f174.txt"
OTHER_SHIPPED = "004_ff9fbbdbf3039c2b.txt"
BRAZIL = "# Brazil cancels visit\n\nBrazil's president cancelled a state visit to Washington over the spying reports.\n"
MERKEL = "# Merkel calls Obama\n\nGerman chancellor Angela Merkel called President Obama over reports that her phone was tapped.\n"


@pytest.fixture
def incoming(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("incoming")


def corpus_state(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def indexed(run) -> set[str]:
    return {line.split(":")[0] for line in run("sources").stdout.splitlines()}


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def fail_publishing(monkeypatch) -> None:
    """The disk fills up mid-build, after the new segment was written, before it is published."""

    def full_disk(folder):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(newsbot.retrieval.index.generations, "_fsync_tree", full_disk)


def one_line_error(result) -> str:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    return lines[0]


# --- add: same name, different article ---


def test_add_refuses_a_different_article_of_the_same_name_naming_both(run, project, incoming):
    clash = write(incoming / SHIPPED, MERKEL)
    before = corpus_state(project.articles)
    message = one_line_error(run("add", str(clash)))
    assert str(clash) in message and str(project.articles / SHIPPED) in message
    assert "--replace" in message
    assert corpus_state(project.articles) == before


def test_add_refuses_all_when_one_of_several_clashes(run, project, incoming):
    write(incoming / "brazil.md", BRAZIL)
    write(incoming / SHIPPED, MERKEL)
    before = corpus_state(project.articles)
    one_line_error(run("add", str(incoming)))
    assert corpus_state(project.articles) == before


def test_add_replace_replaces_and_reports_updated(run, project, incoming):
    run("index")
    clash = write(incoming / SHIPPED, MERKEL)
    result = run("add", "--replace", str(clash))
    assert result.exit_code == 0, result.output
    assert "0 added, 1 updated, 0 removed, 1 unchanged" in result.stdout
    assert f"replaced {project.articles / SHIPPED}" in result.stderr
    assert (project.articles / SHIPPED).read_text(encoding="utf-8") == MERKEL
    answer = json.loads(run("ask", "--json", "Merkel called Obama phone tapped").stdout)
    assert answer["passages"][0]["article"] == SHIPPED


def test_add_of_identical_content_under_the_same_name_is_unchanged(run, project, incoming):
    run("index")
    same = incoming / SHIPPED
    same.write_bytes((project.articles / SHIPPED).read_bytes())
    before = corpus_state(project.articles)
    result = run("add", str(same))
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in result.stdout
    assert f"unchanged {SHIPPED}" in result.stderr
    assert corpus_state(project.articles) == before


# --- add: same name twice in one add ---


def test_add_keeps_two_same_named_files_apart_under_their_folder_names(run, project, incoming):
    run("index")
    write(incoming / "a" / "story.txt", BRAZIL.replace("# ", ""))
    write(incoming / "b" / "story.txt", MERKEL.replace("# ", ""))
    result = run("add", str(incoming))
    assert result.exit_code == 0, result.output
    assert "2 added" in result.stdout
    assert (project.articles / "a-story.txt").read_text(encoding="utf-8") == BRAZIL.replace("# ", "")
    assert (project.articles / "b-story.txt").read_text(encoding="utf-8") == MERKEL.replace("# ", "")
    assert f"added a-story.txt (from {incoming / 'a' / 'story.txt'})" in result.stderr
    assert f"added b-story.txt (from {incoming / 'b' / 'story.txt'})" in result.stderr
    assert {"a-story.txt", "b-story.txt"} <= indexed(run)


def test_adding_the_same_folder_again_is_unchanged(run, project, incoming):
    write(incoming / "a" / "story.txt", BRAZIL)
    write(incoming / "b" / "story.txt", MERKEL)
    run("add", str(incoming))
    before = corpus_state(project.articles)
    again = run("add", str(incoming))
    assert again.exit_code == 0, again.output
    assert "0 added, 0 updated, 0 removed, 4 unchanged" in again.stdout
    assert corpus_state(project.articles) == before


def test_saved_pages_all_called_index_html_are_each_kept(run, project, incoming):
    page = "<html><head><title>{0}</title></head><body><article><h1>{0}</h1><p>{1}</p></article></body></html>"
    stories = {
        "brazil-visit": ("Brazil cancels visit", "Brazil's president cancelled a state visit to Washington over the spying reports on her email."),
        "merkel-call": ("Merkel calls Obama", "German chancellor Angela Merkel called President Obama over reports that her phone was tapped."),
        "spain-envoy": ("Spain summons envoy", "Spain summoned the American ambassador in Madrid over reports the NSA tracked sixty million calls."),
    }
    for folder, (title, body) in stories.items():
        write(incoming / folder / "index.html", page.format(title, body * 2))
    run("index")
    result = run("add", str(incoming))
    assert result.exit_code == 0, result.output
    assert "3 added" in result.stdout
    names = {f"{folder}-index.html" for folder in stories}
    assert names <= set(corpus_state(project.articles))
    assert names <= indexed(run)


@pytest.mark.parametrize(
    "paths, names",
    [
        (["x/a.txt", "y/b.txt"], ["a.txt", "b.txt"]),
        (["x/story.txt", "y/story.txt"], ["x-story.txt", "y-story.txt"]),
        (["x/story.txt", "y/x/story.txt"], ["x-story.txt", "x-story-2.txt"]),
        (["x/story.txt", "y/story.txt", "z/x-story.txt"], ["x-story-2.txt", "y-story.txt", "x-story.txt"]),
        (["x/Index.HTML", "y/index.html"], ["x-Index.HTML", "y-index.html"]),
    ],
)
def test_distinct_names_are_stable_and_never_collide(paths, names):
    from newsbot.corpus.importing import distinct_names

    assert distinct_names([Path("/in") / p for p in paths]) == names


# --- add: the same article under another name ---


def test_add_skips_a_copy_of_a_stored_article_under_a_new_name_naming_it(run, project, incoming):
    run("index")
    copy = incoming / "story-copy.txt"
    copy.write_bytes((project.articles / SHIPPED).read_bytes())
    before = corpus_state(project.articles)
    result = run("add", str(copy))
    assert result.exit_code == 0, result.output
    assert f"{copy}: already stored as {SHIPPED} (same text); not added" in result.stderr
    assert "0 added, 0 updated, 0 removed, 2 unchanged" in result.stdout
    assert corpus_state(project.articles) == before


def test_adding_one_file_of_a_folder_added_before_is_not_stored_twice(run, project, incoming):
    write(incoming / "a" / "story.txt", BRAZIL)
    write(incoming / "b" / "story.txt", MERKEL)
    assert run("add", str(incoming)).exit_code == 0
    before = corpus_state(project.articles)
    result = run("add", str(incoming / "a" / "story.txt"))
    assert result.exit_code == 0, result.output
    assert f"{incoming / 'a' / 'story.txt'}: already stored as a-story.txt (same text); not added" in result.stderr
    assert corpus_state(project.articles) == before


def test_two_copies_in_one_add_are_stored_once(run, project, incoming):
    write(incoming / "brazil.md", BRAZIL)
    write(incoming / "brazil-again.md", BRAZIL)
    result = run("add", str(incoming))
    assert result.exit_code == 0, result.output
    assert f"{incoming / 'brazil.md'}: already stored as brazil-again.md (same text); not added" in result.stderr
    assert [name for name in corpus_state(project.articles) if name.startswith("brazil")] == ["brazil-again.md"]


def test_the_same_file_named_twice_is_added_once_under_its_own_name(run, project, incoming):
    run("index")
    brazil = write(incoming / "brazil.md", BRAZIL)
    result = run("add", str(brazil), str(incoming))
    assert result.exit_code == 0, result.output
    assert "1 added" in result.stdout
    assert [name for name in corpus_state(project.articles) if "brazil" in name] == ["brazil.md"]


# --- add: all or nothing ---


def test_add_copies_nothing_when_the_disk_fills_mid_build(run, project, incoming, monkeypatch):
    run("index")
    write(incoming / "brazil.md", BRAZIL)
    write(incoming / "merkel.md", MERKEL)
    before = corpus_state(project.articles)
    with monkeypatch.context() as patch:
        fail_publishing(patch)
        result = run("add", str(incoming))
    assert result.exit_code == 1
    assert corpus_state(project.articles) == before
    assert indexed(run) == {SHIPPED, OTHER_SHIPPED}


def test_add_replace_restores_the_old_article_when_the_update_fails(run, project, incoming, monkeypatch):
    run("index")
    clash = write(incoming / SHIPPED, MERKEL)
    before = corpus_state(project.articles)
    with monkeypatch.context() as patch:
        fail_publishing(patch)
        result = run("add", "--replace", str(clash))
    assert result.exit_code == 1
    assert corpus_state(project.articles) == before


def test_add_while_another_build_runs_is_one_line_and_copies_nothing(run, project, incoming):
    from newsbot.retrieval.indexing.lock import build_lock

    run("index")
    write(incoming / "brazil.md", BRAZIL)
    before = corpus_state(project.articles)
    with build_lock(project.index_dir):
        message = one_line_error(run("add", str(incoming)))
    assert "another rebuild" in message
    assert corpus_state(project.articles) == before


# --- remove ---


def test_remove_takes_the_article_out_of_the_corpus_and_the_index(run, project):
    run("index")
    result = run("remove", SHIPPED)
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 1 removed, 1 unchanged" in result.stdout
    assert f"removed {project.articles / SHIPPED}" in result.stderr
    assert not (project.articles / SHIPPED).exists()
    assert indexed(run) == {OTHER_SHIPPED}


def test_remove_builds_the_index_when_there_is_none(run, project, incoming):
    write(project.articles / "brazil.md", BRAZIL)
    result = run("remove", "brazil.md")
    assert result.exit_code == 0, result.output
    assert indexed(run) == {SHIPPED, OTHER_SHIPPED}


def test_remove_of_an_unknown_name_is_one_line_and_removes_nothing(run, project):
    run("index")
    before = corpus_state(project.articles)
    message = one_line_error(run("remove", SHIPPED, "nope.txt"))
    assert "nope.txt" in message and "newsbot sources" in message
    assert corpus_state(project.articles) == before


def test_remove_takes_a_path_to_an_article_in_the_corpus(run, project, monkeypatch):
    write(project.articles / "brazil.md", BRAZIL)
    run("index")
    monkeypatch.chdir(project.root)
    result = run("remove", f"articles/{SHIPPED}", str(project.articles / OTHER_SHIPPED))
    assert result.exit_code == 0, result.output
    assert "0 added, 0 updated, 2 removed, 1 unchanged" in result.stdout
    assert indexed(run) == {"brazil.md"}
    assert [path.name for path in project.articles.iterdir()] == ["brazil.md"]


@pytest.mark.parametrize("where", ["outside", "climbing out", "a folder"])
def test_remove_refuses_a_path_that_is_not_an_article_in_the_corpus(run, project, incoming, where):
    copy = write(incoming / SHIPPED, (project.articles / SHIPPED).read_text(encoding="utf-8"))
    path = {
        "outside": copy,
        "climbing out": project.articles / ".." / ".." / incoming.name / SHIPPED,
        "a folder": project.articles,
    }[where]
    before = corpus_state(project.articles)
    message = one_line_error(run("remove", str(path)))
    assert str(path) in message and "newsbot sources" in message
    assert corpus_state(project.articles) == before
    assert copy.exists()


def test_remove_puts_the_files_back_when_the_update_fails(run, project, monkeypatch):
    run("index")
    before = corpus_state(project.articles)
    with monkeypatch.context() as patch:
        fail_publishing(patch)
        result = run("remove", SHIPPED)
    assert result.exit_code == 1
    assert corpus_state(project.articles) == before
    assert indexed(run) == {SHIPPED, OTHER_SHIPPED}


def test_remove_takes_out_every_file_of_that_name(run, project):
    write(project.articles / "sub" / SHIPPED, MERKEL)  # shadowed: skipped while the first exists
    run("index")
    result = run("remove", SHIPPED)
    assert result.exit_code == 0, result.output
    assert not list(project.articles.rglob(SHIPPED))
    assert indexed(run) == {OTHER_SHIPPED}


def test_ctrl_c_during_the_update_undoes_the_add(run, project, incoming, monkeypatch):
    run("index")
    write(incoming / "brazil.md", BRAZIL)
    before = corpus_state(project.articles)

    def interrupted(folder):
        raise KeyboardInterrupt

    with monkeypatch.context() as patch:
        patch.setattr(newsbot.retrieval.index.generations, "_fsync_tree", interrupted)
        result = run("add", str(incoming))
    assert result.exit_code == 130
    assert "nothing was changed" in result.stderr
    assert corpus_state(project.articles) == before


def test_adding_a_file_already_in_the_corpus_is_unchanged(run, project):
    before = corpus_state(project.articles)
    result = run("add", str(project.articles / SHIPPED))
    assert result.exit_code == 0, result.output
    assert f"unchanged {SHIPPED}" in result.stderr
    assert corpus_state(project.articles) == before
