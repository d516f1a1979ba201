"""Embedding on a Ray cluster: a pool of actors, each holding the model once.

Only the embedding is spread: the driver (`newsbot index --ray`) still scans, compares,
writes and commits, so the index is the one a local build makes. Each actor takes one CPU
and runs the model on one thread (`benchmarks/bench_ray.py` on 2 cores: 42 texts per CPU-second,
against 35 for one process on two threads). The model's files travel through the object store, once, so
workers need newsbot and Ray installed but share no file system with the driver.

Chunks go to the least busy actor, at most `QUEUED_PER_ACTOR` waiting on each, and come back
in order: calling the pool one chunk at a time would leave all but one actor idle. A worker
lost mid-build is restarted and its chunks run again (`RETRIES`); past that, the build fails
before anything is published.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from newsbot.retrieval.embedding.chunked import TextFailed, first_failing
from newsbot.retrieval.embedding.embedder import TokenEmbedder, TokenVectors
from newsbot.retrieval.embedding.int8 import dequantise, quantise
from newsbot.retrieval.errors import RetrievalError

QUEUED_PER_ACTOR = 2  # one running, one waiting: an actor never waits for the driver
RETRIES = 3  # restarts of a lost actor, and re-runs of its chunks
START_TIMEOUT_S = 300  # for every actor to load its model (a cluster without free CPUs never does)
# runs on a worker: the model, from what the driver put (opaque to the pool: each loader
# takes its own payload, as load_onnx takes onnx_files' dict)
Load = Callable[[Any], TokenEmbedder]


def onnx_files(export_dir: Path) -> dict[str, bytes]:
    """The ONNX export's files (model, tokenizer, manifest), to put in the object store."""
    return {path.name: path.read_bytes() for path in Path(export_dir).iterdir() if path.is_file()}


def load_onnx(files: dict[str, bytes]) -> TokenEmbedder:
    """On a worker: the export written to a temp folder, opened on one thread, folder removed
    (the session and tokenizer hold what they read)."""
    from newsbot.retrieval.embedding.onnx_embedder import OnnxEmbedder

    with tempfile.TemporaryDirectory(prefix="newsbot-onnx-") as folder:
        for name, data in files.items():
            (Path(folder) / name).write_bytes(data)
        return OnnxEmbedder(Path(folder), threads=1, batch_size=16)


class EmbedWorker:
    """The actor: one model, one chunk at a time."""

    def __init__(self, load: Load, payload: object) -> None:
        self._model = load(payload)

    def ready(self) -> tuple[int, str]:
        """(process id, node id): where this worker runs."""
        import ray

        return os.getpid(), ray.get_runtime_context().get_node_id()

    def embed(self, texts: list[str], with_tokens: bool, first: int):
        """(vectors, tokens or None); a failure names its text by position in the whole call."""
        try:
            return self._embed(texts, with_tokens)
        except Exception:
            failing = first_failing(lambda text: self._embed([text], with_tokens), texts)
            if failing is None:
                raise
            raise TextFailed(first + failing[0], failing[1]) from None

    def _embed(self, texts: list[str], with_tokens: bool):
        if with_tokens:
            # int8 and a scale, as the index keeps them: 388 bytes a token back to the
            # driver instead of 1,536, and the driver's quantising gives the same codes
            vectors, tokens = self._model.embed_with_tokens(texts)
            return vectors, [(t.ids, *quantise(t.vectors)) for t in tokens]
        return self._model.embed_batch(texts), None

    def cpu_seconds(self) -> float:
        return time.process_time()

    def peak_memory_mb(self) -> float:
        """This worker's peak resident memory (Linux's VmHWM)."""
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        return float("nan")


class RayEmbedder:
    """A `TokenEmbedder` whose texts are embedded by `workers` actors on the connected cluster.

    `payload` is put in the object store once and handed to `load` on each worker;
    `onnx_files` and `load_onnx` are the real model's pair.
    """

    def __init__(self, name: str, payload: object, workers: int, load: Load = load_onnx, retries: int = RETRIES) -> None:
        import ray

        self.name = name
        self.retries = retries
        self._payload = ray.put(payload)  # held here: a restarted actor reads it again
        actor = ray.remote(num_cpus=1, max_restarts=retries, max_task_retries=retries)(EmbedWorker)
        self.actors = [actor.remote(load, self._payload) for _ in range(max(1, workers))]
        try:
            where = ray.get([a.ready.remote() for a in self.actors], timeout=START_TIMEOUT_S)  # type: ignore[attr-defined]  # ray's stubs give an actor's methods no .remote unless @ray.method
        except ray.exceptions.GetTimeoutError:
            raise RetrievalError(
                f"the cluster did not start {len(self.actors)} embedding workers in {START_TIMEOUT_S} s: "
                "does it have that many free CPUs?"
            ) from None
        except ray.exceptions.RayError as error:
            raise RetrievalError(
                f"the embedding workers could not start: {_gist(error)}; "
                "each Ray worker needs the same newsbot installed (pip install 'newsbot[ray]')"
            ) from None
        self.pids = [pid for pid, _ in where]
        self.nodes = [node for _, node in where]

    def embed_batch(self, texts: Sequence[str]) -> np.ndarray:
        (vectors, _), = self.embed_chunks([list(texts)], with_tokens=False)
        return vectors

    def embed_with_tokens(self, texts: Sequence[str]) -> tuple[np.ndarray, list[TokenVectors]]:
        (vectors, tokens), = self.embed_chunks([list(texts)], with_tokens=True)
        return vectors, tokens

    def embed_chunks(self, chunks: Sequence[Sequence[str]], with_tokens: bool) -> Iterator:
        """Each chunk's (vectors, token vectors or None), in order, every actor kept busy."""
        import ray

        firsts = np.cumsum([0] + [len(chunk) for chunk in chunks[:-1]]).tolist()
        queued = [0] * len(self.actors)
        running: dict = {}  # ObjectRef -> (actor, chunk)
        done: dict[int, tuple] = {}
        sent = given = 0
        while given < len(chunks):
            while sent < len(chunks) and min(queued) < QUEUED_PER_ACTOR:
                actor = queued.index(min(queued))
                ref = self.actors[actor].embed.remote(list(chunks[sent]), with_tokens, firsts[sent])  # type: ignore[attr-defined]  # ray's stubs give an actor's methods no .remote unless @ray.method
                running[ref] = (actor, sent)
                queued[actor] += 1
                sent += 1
            if given not in done:
                (ref,), _ = ray.wait(list(running), num_returns=1)
                actor, chunk = running.pop(ref)
                queued[actor] -= 1
                done[chunk] = self._result(ref)
                continue
            vectors, tokens = done.pop(given)
            given += 1
            yield vectors, [TokenVectors(ids, dequantise(codes, scales)) for ids, codes, scales in tokens] if tokens is not None else None

    def _result(self, ref):
        import ray

        try:
            return ray.get(ref)
        except ray.exceptions.RayTaskError as error:
            if isinstance(error.cause, TextFailed):
                raise error.cause from None
            raise RetrievalError(f"embedding failed on a Ray worker: {_gist(error)}") from None
        except ray.exceptions.RayError as error:
            raise RetrievalError(
                f"a Ray worker was lost while embedding and not brought back after {self.retries} retries "
                f"({_gist(error)})"
            ) from None

    def peak_memory_mb(self) -> list[float]:
        import ray

        return ray.get([a.peak_memory_mb.remote() for a in self.actors])  # type: ignore[attr-defined]  # ray's stubs give an actor's methods no .remote unless @ray.method

    def close(self) -> None:
        import ray

        for actor in self.actors:
            ray.kill(actor, no_restart=True)  # type: ignore[arg-type]  # ray types a new actor ActorHandle | its class; it is the handle


def _gist(error: Exception) -> str:
    """The first sentence of the last line of Ray's error: what happened, without the
    traceback and the troubleshooting advice."""
    text = str(error).strip()
    return text.splitlines()[-1].split(". ")[0].rstrip(".") if text else type(error).__name__
