"""What the corpus must never let through: files behind links that leave it, oversized
articles, unbounded passages; and what a build must never leave behind: staging folders
of killed builds, a damaged index reported as fine."""

from __future__ import annotations

import hashlib
import json

import pytest

from newsbot.corpus.loader import read_article, scan
from newsbot.corpus.paragraphs import ParagraphRules, segment
from newsbot.retrieval.index import store
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.indexing import building
from tests.conftest import SHIPPED_ARTICLES
from tests.fakes import FAKE_MODEL

SECRET = "Zanzibar-quartz-7781 is the secret that must never be indexed."
STORY = "The mayor of the river town opened the new bridge on Monday, a year after the flood.\n"
# The shipped articles' passages (article, number, text, start, end) as cut before long
# sentences were split: existing indexes stay valid only if this never changes.
SHIPPED_PASSAGES_SHA256 = "739feb42af83acd77f9b732e82b63fa4619c42761c931f13d1498dc36f467d83"


def _indexed_text(project) -> str:
    return " ".join(p.text for p in store.load(project.index_dir).passages)


@pytest.fixture
def outside(tmp_path):
    """A folder beside the project's corpus folder, holding a file no one should see."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.txt").write_text(SECRET + "\n", encoding="utf-8")
    return folder


def test_a_link_to_a_file_outside_the_corpus_is_skipped_by_name(project, outside):
    (project.articles / "passwd.txt").symlink_to(outside / "secret.txt")
    report = project.library().rebuild()
    assert "passwd.txt" not in report.added
    assert any("passwd.txt" in r and "a link to a file outside the corpus folders" in r for r in report.skipped)
    assert "Zanzibar" not in _indexed_text(project)


def test_a_link_to_a_system_file_is_not_indexed(project):
    (project.articles / "passwd.txt").symlink_to("/etc/passwd")
    report = project.library().rebuild()
    assert "passwd.txt" not in report.added
    assert all(p.article != "passwd.txt" for p in store.load(project.index_dir).passages)


def test_a_linked_folder_outside_the_corpus_is_skipped_by_name(project, outside):
    (project.articles / "linked").symlink_to(outside, target_is_directory=True)
    report = project.library().rebuild()
    assert "secret.txt" not in report.added
    assert any("linked" in r and "a link to a folder outside the corpus folders" in r for r in report.skipped)
    assert "Zanzibar" not in _indexed_text(project)


def test_a_link_to_an_article_in_another_corpus_folder_is_followed(project):
    (project.root / "more").mkdir()
    (project.root / "more" / "bridge.txt").write_text(STORY, encoding="utf-8")
    project.articles.mkdir(exist_ok=True)
    (project.articles / "alias.txt").symlink_to(project.root / "more" / "bridge.txt")
    project.config_path.write_text(f'[corpus]\ndirs = ["articles", "more"]\n[index]\nmodel = "{FAKE_MODEL}"\n')
    report = project.library().rebuild()
    assert "alias.txt" in report.added
    assert not any("alias.txt" in r for r in report.skipped)


def _limit_config(project, limit: int) -> None:
    text = project.config_path.read_text(encoding="utf-8")
    project.config_path.write_text(text.replace('dirs = ["articles"]', f'dirs = ["articles"]\nmax_article_bytes = {limit}'))


def test_an_article_over_the_configured_limit_is_skipped_naming_it_and_the_limit(project):
    _limit_config(project, 10_000)
    (project.articles / "huge.txt").write_text(STORY * 200, encoding="utf-8")
    report = project.library().rebuild()
    assert "huge.txt" not in report.added
    assert any("huge.txt" in r and "10,000" in r and "max_article_bytes" in r for r in report.skipped)
    assert len(report.added) == 2


def test_the_article_size_limit_defaults_to_five_megabytes(project):
    assert project.config().paragraphs.max_article_bytes == 5_000_000


def test_a_50_mb_text_file_is_skipped_under_the_default_limit(tmp_path):
    (tmp_path / "dump.txt").write_bytes(STORY.encode() * (50_000_000 // len(STORY)))
    (tmp_path / "bridge.txt").write_text(STORY, encoding="utf-8")
    found = scan([tmp_path])
    assert [f.article for f in found.files] == ["bridge.txt"]
    assert any("dump.txt" in r and "5,000,000" in r for r in found.skipped)


@pytest.mark.parametrize("line", ["word " * 40_000, "x" * 200_000], ids=["words", "no-spaces"])
def test_a_long_line_without_sentence_ends_is_cut_into_bounded_passages(line):
    rules = ParagraphRules()
    pieces = segment(line, rules).paragraphs
    assert all(len(text) <= rules.max_chars for _, text, _, _ in pieces)
    assert "".join(text.replace(" ", "") for _, text, _, _ in pieces) == line.replace(" ", "")


def test_a_long_line_is_cut_at_word_boundaries():
    pieces = segment("word " * 40_000, ParagraphRules()).paragraphs
    assert all(text.split() == ["word"] * len(text.split()) for _, text, _, _ in pieces)


def test_the_shipped_articles_are_cut_exactly_as_before():
    rows = [
        [p.article, p.number, p.text, p.start, p.end]
        for file in scan([SHIPPED_ARTICLES]).files
        for p in read_article(file, ParagraphRules()).paragraphs
    ]
    assert hashlib.sha256(json.dumps(rows).encode()).hexdigest() == SHIPPED_PASSAGES_SHA256


def test_a_build_removes_staging_folders_of_killed_builds(project):
    project.library().rebuild()
    stale = project.index_dir / "tmp-0123456789abcdef"
    (stale / "seg-1").mkdir(parents=True)
    (stale / "seg-1" / "vectors.npy").write_bytes(b"half written")
    project.library().rebuild()
    assert not stale.exists()


@pytest.mark.parametrize("appending", [False, True], ids=["unchanged", "one-added"])
def test_a_damaged_segment_is_rebuilt_and_said_so(project, monkeypatch, appending):
    if appending:
        monkeypatch.setattr(building, "DEFAULT_POLICY", building.MergePolicy(8, 1.0, 1.0))
    project.library().rebuild()
    generation = current_generation(project.index_dir)
    (next(generation.glob("seg-*")) / "index.faiss").write_text("{not what it should be")
    if appending:
        (project.articles / "bridge.txt").write_text(STORY, encoding="utf-8")
    report = project.library().rebuild()
    assert report.full_reason.startswith("the index was damaged")
    assert report.embedded == report.passages
    assert ("mayor" in _indexed_text(project)) == appending
