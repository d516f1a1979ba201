"""A build whose workers sit on two Ray nodes: `ray.cluster_utils.Cluster` starts two raylets
of one CPU each on this machine, as two machines would be."""

from __future__ import annotations

import shutil

import pytest

from tests.conftest import SHIPPED_ARTICLES
from tests.fakes import FAKE_MODEL, HashingTokenEmbedder
from tests.retrieval.embedding.ray_support import assert_same_index, build, hashing

pytestmark = pytest.mark.ray


@pytest.fixture
def two_nodes():
    ray = pytest.importorskip("ray")
    from ray.cluster_utils import Cluster

    cluster = Cluster(initialize_head=True, head_node_args={"num_cpus": 1, "include_dashboard": False})
    cluster.add_node(num_cpus=1)
    ray.init(address=cluster.address, logging_level="ERROR")
    yield ray
    ray.shutdown()
    cluster.shutdown()


def test_workers_on_two_nodes_build_the_local_index(two_nodes, tmp_path):
    from newsbot.retrieval.embedding.ray_pool import RayEmbedder

    shutil.copytree(SHIPPED_ARTICLES, tmp_path / "articles")
    build(tmp_path / "articles", tmp_path / "expected", HashingTokenEmbedder())
    embedder = RayEmbedder(FAKE_MODEL, None, workers=2, load=hashing)
    assert len(set(embedder.nodes)) == 2
    build(tmp_path / "articles", tmp_path / "index", embedder)
    assert_same_index(tmp_path / "expected", tmp_path / "index")
