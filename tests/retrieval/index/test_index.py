"""Building, updating and loading the index, with the fake embedder (exact and fast)."""

import json
import os
import signal
import subprocess
import sys

import pytest

from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.index.manifest import FORMAT_VERSION, IndexMissing, IndexOutdated
from newsbot.retrieval.indexing.lock import BuildBusy, build_lock
from tests.conftest import REPO
from tests.fakes import HashingEmbedder

NEW_ARTICLE = "Brazil's president cancelled a state visit to Washington over the spying reports, her office said on Tuesday.\n"


def test_first_build_embeds_every_passage_and_its_windows(project):
    library = project.library()
    report = library.rebuild()
    data = library.index().data
    assert set(report.added) == {p.name for p in project.articles.iterdir()}
    assert report.embedded == report.passages == len(data.passages)
    assert sorted(project.embedder.embedded) == sorted(data.passages[p].text[s:e] for p, s, e in data.units)


def test_reused_articles_keep_their_token_vectors(project):
    library = project.library()
    library.rebuild()
    before = library.index()
    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)
    library.rebuild()
    after = library.index()
    for row, passage in enumerate(before.passages):
        new_row = after.passages.index(passage)
        assert after.token_store.passage(new_row).ids.tolist() == before.token_store.passage(row).ids.tolist()


def test_a_model_without_token_vectors_gets_an_index_without_them(project):
    project.embedder = HashingEmbedder()
    library = project.library()
    library.rebuild()
    assert library.index().token_store is None
    assert library.ask("French phone calls").hits


def test_index_folder_holds_plain_files_and_a_manifest(project):
    project.library().rebuild()
    generation = current_generation(project.index_dir)
    manifest = json.loads((generation / "manifest.json").read_text())
    (segment,) = manifest["segments"]
    assert sorted(p.name for p in generation.iterdir()) == ["manifest.json", segment["name"]]
    assert sorted(p.name for p in (generation / segment["name"]).iterdir()) == [
        "bm25_passages", "bm25_windows", "index.faiss", "passages.jsonl",
        "tokens_codes.npy", "tokens_df.npy", "tokens_ids.npy", "tokens_offsets.npy", "tokens_scales.npy", "units.npy", "vectors.npy",
    ]
    assert manifest["model"] == project.embedder.name
    assert manifest["format_version"] == FORMAT_VERSION
    assert set(manifest["articles"]) == {p.name for p in project.articles.iterdir()}


def test_update_embeds_only_added_changed_and_forgets_deleted(project):
    library = project.library()
    library.rebuild()
    names = sorted(p.name for p in project.articles.iterdir())
    (project.articles / "brazil.txt").write_text(NEW_ARTICLE)
    changed = project.articles / names[0]
    changed.write_text(changed.read_text() + "\nA correction was appended to this story later that week, editors said.\n")
    (project.articles / names[1]).unlink()
    project.embedder.embedded.clear()

    report = library.rebuild()

    assert (report.added, report.updated, report.removed, report.unchanged) == (("brazil.txt",), (names[0],), (names[1],), ())
    embedded_articles = {p.article for p in library.index().passages if p.text in project.embedder.embedded}
    assert embedded_articles == {"brazil.txt", names[0]}
    assert names[1] not in {hit.passage.article for hit in library.ask("French phone calls", top_k=20).hits}
    assert library.ask("Brazil cancelled state visit").hits[0].passage.article == "brazil.txt"


def test_unchanged_corpus_embeds_nothing(project):
    library = project.library()
    library.rebuild()
    project.embedder.embedded.clear()
    report = library.rebuild()
    assert report.embedded == 0 and not project.embedder.embedded
    assert len(report.unchanged) == 2


def test_index_in_an_older_format_is_refused_then_rebuilt_whole(project):
    library = project.library()
    library.rebuild()
    manifest_path = current_generation(project.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest_path.write_text(json.dumps({**manifest, "format_version": 2}))
    with pytest.raises(IndexOutdated, match="run `newsbot index --full`"):
        project.library().index()
    report = project.library().rebuild()
    assert report.full_reason == "the index is in another on-disk format"
    assert report.embedded == report.passages > 0


def test_full_rebuild_embeds_everything_again(project):
    library = project.library()
    library.rebuild()
    project.embedder.embedded.clear()
    report = library.rebuild(full=True)
    assert report.embedded == report.passages > 0


def test_unreadable_article_is_skipped_by_name_and_the_rest_indexed(project):
    (project.articles / "broken.txt").write_bytes(b"\x00\x01binary junk")
    report = project.library().rebuild()
    assert any("broken.txt" in reason for reason in report.skipped)
    assert len(report.added) == 2


def test_empty_corpus_is_an_error_that_keeps_the_old_index(project):
    library = project.library()
    library.rebuild()
    before = current_generation(project.index_dir)
    for path in project.articles.iterdir():
        path.unlink()
    with pytest.raises(RetrievalError, match="no readable articles"):
        library.rebuild()
    assert current_generation(project.index_dir) == before


def test_missing_index_says_what_to_run(project):
    with pytest.raises(IndexMissing, match="newsbot index"):
        project.library().ask("anything")


@pytest.mark.parametrize("damage", ["manifest.json", "passages.jsonl", "index.faiss"])
def test_corrupt_index_is_refused_with_the_command_to_run(project, damage):
    project.library().rebuild()
    generation = current_generation(project.index_dir)
    folder = generation if damage == "manifest.json" else next(generation.glob("seg-*"))
    (folder / damage).write_text("{not what it should be")
    with pytest.raises(RetrievalError, match="newsbot index --full"):
        project.library().ask("anything")


def test_index_of_another_model_is_refused(project):
    project.library().rebuild()
    project.config_path.write_text(project.config_path.read_text().replace(project.embedder.name, "other-model"))
    with pytest.raises(RetrievalError, match="built with model .*newsbot index --full"):
        project.library().ask("anything")


def test_second_concurrent_rebuild_is_told_one_is_running(project):
    with build_lock(project.index_dir):
        with pytest.raises(BuildBusy, match="running"):
            project.library().rebuild()


SLOW_BUILD = """
import sys, time
from tests.conftest import Project
from tests.fakes import HashingEmbedder
from pathlib import Path
from newsbot.retrieval.index import store


class Slow(HashingEmbedder):
    def embed_batch(self, texts):
        if sys.argv[2] == "embedding":
            print("embedding", flush=True)
            time.sleep(30)
        return super().embed_batch(texts)

real_save = store.np.save
def slow_save(*args, **kwargs):
    real_save(*args, **kwargs)
    print("writing", flush=True)
    time.sleep(30)

store.np.save = slow_save
root = Path(sys.argv[1])
Project(root, root / "config.toml", Slow()).library().rebuild(full=True)
"""


@pytest.mark.parametrize("phase", ["embedding", "writing"])
def test_killed_rebuild_leaves_the_old_index_answering(project, phase):
    library = project.library()
    library.rebuild()
    before = current_generation(project.index_dir)
    expected = library.ask("who summoned the ambassador?")

    child = subprocess.Popen(
        [sys.executable, "-c", SLOW_BUILD, str(project.root), phase], cwd=REPO, stdout=subprocess.PIPE, text=True
    )
    assert child.stdout.readline().strip() == phase
    os.kill(child.pid, signal.SIGKILL)
    child.wait(timeout=10)

    assert current_generation(project.index_dir) == before
    assert project.library().ask("who summoned the ambassador?") == expected
    report = project.library().rebuild()  # and the next build is not stuck on a stale lock
    assert report.embedded == 0
