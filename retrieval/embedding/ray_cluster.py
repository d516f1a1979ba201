"""`newsbot index --ray ADDRESS`: the build model on a Ray cluster.

`local` starts a cluster on this machine for the one build, every socket on 127.0.0.1, and
stops it after; any other address goes to `ray.init` as given (`auto`, or `HOST:PORT` of a
cluster this machine joined with `ray start`). A process already connected (a test, a
notebook) keeps its connection. The cluster is reached only when a text needs embedding, so
an update that finds nothing changed starts nothing.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from newsbot.retrieval.embedding.embedder import TokenVectors
from newsbot.retrieval.errors import RetrievalError

LOCAL = "local"


def import_ray(address: str):
    """Ray, imported with the environment `address` needs; one line saying what to install
    when it is missing."""
    if address == LOCAL:
        # Ray reads it at import: without it, its servers listen on every interface
        os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    try:
        import ray
    except ImportError:
        raise RetrievalError("--ray needs Ray: pip install 'newsbot[ray]'") from None
    return ray


def connect(address: str) -> bool:
    """Join the cluster at `address` (`local`: start one); True when this call connected, so
    the caller disconnects after."""
    ray = import_ray(address)
    if ray.is_initialized():
        return False
    try:
        if address == LOCAL:
            # "local", not None: None would join any cluster named in /tmp/ray
            ray.init(address=LOCAL, num_cpus=os.cpu_count() or 1, include_dashboard=False, logging_level=logging.WARNING)
        else:
            ray.init(address=address, logging_level=logging.WARNING)
    except (ConnectionError, RuntimeError, ValueError) as error:
        raise RetrievalError(f"cannot reach the Ray cluster at {address}: {str(error).strip().splitlines()[0]}") from None
    return True


def cluster_cpus() -> int:
    import ray

    return int(ray.cluster_resources().get("CPU", 0))


class OnRay:
    """A build model whose pool of workers (`ray_pool.RayEmbedder`) starts on the first text:
    one worker per CPU of the cluster unless `workers` says. `payload` makes, on the driver,
    what each worker loads its model from. `close()` stops the pool, and the cluster if this
    connected to it."""

    def __init__(self, address: str, name: str, payload: Callable[[], object], workers: int | None = None, **pool) -> None:
        self.name = name
        self.address = address
        self._payload = payload
        self._workers = workers
        self._options = pool
        self._pool = None
        self._connected = False
        self._lock = threading.Lock()

    def pool(self):
        from newsbot.retrieval.embedding.ray_pool import RayEmbedder

        with self._lock:
            if self._pool is None:
                self._connected = connect(self.address)
                self._pool = RayEmbedder(self.name, self._payload(), self._workers or cluster_cpus(), **self._options)
            return self._pool

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        return self.pool().embed_batch(texts)

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        return self.pool().embed_with_tokens(texts)

    def embed_chunks(self, chunks: Sequence[Sequence[str]], with_tokens: bool):
        return self.pool().embed_chunks(chunks, with_tokens)

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.close()
                self._pool = None
            if self._connected:
                import ray

                ray.shutdown()
                self._connected = False


def onnx_on_ray(address: str, index_dir: Path, model: str) -> OnRay:
    """The model's ONNX export (beside the index) on the cluster at `address`."""
    from newsbot.retrieval.embedding.onnx_folder import export_dir
    from newsbot.retrieval.embedding.ray_pool import onnx_files

    return OnRay(address, model, lambda: onnx_files(export_dir(index_dir, model)))
