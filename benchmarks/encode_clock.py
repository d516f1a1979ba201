"""The yardstick for latency: the model's single-thread encode of one question, timed in a
helper process right before each pass of a benchmark.

The latency targets are ratios to this encode and the machine is shared, so each pass is
compared with an encode timed under the same load. `bench_scale` and `bench_questions` both use
it; the helper is `python -m benchmarks.encode_clock KIND`, reading counts on stdin.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.paths import REPO, shipped_questions

ENCODE_SAMPLE = 30  # single-question encodes timed before each search pass


class EncodeClock:
    """Times the model encoding one question, single-threaded, in a helper process.

    The latency targets are ratios to this encode, and the machine is shared, so it is timed
    right before each search pass rather than once; a separate process keeps torch's threads
    and memory out of the search process and its resident-memory figures.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.encode_clock", kind],
            cwd=REPO, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.median_ms()  # waits for the model to load and warm up

    def median_ms(self, count: int = ENCODE_SAMPLE) -> float:
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def question_encoder(kind: str) -> Callable[[str], Any]:
    """`st`: sentence-transformers' `encode`, what the targets name; `onnx`: newsbot's own
    query path (the export beside ./index), with token vectors as search asks for them."""
    if kind == "onnx":
        from newsbot.retrieval.embedding.onnx_embedder import OnnxEmbedder
        from newsbot.retrieval.embedding.onnx_folder import export_dir

        embedder = OnnxEmbedder(export_dir(Path("index"), "all-MiniLM-L6-v2"), threads=1)
        return lambda text: embedder.embed_with_tokens([text])
    import torch
    from sentence_transformers import SentenceTransformer

    from newsbot.retrieval.embedding.sentence_transformer import resolve_model_path

    torch.set_num_threads(1)
    model = SentenceTransformer(resolve_model_path("all-MiniLM-L6-v2"), device="cpu")
    return lambda text: model.encode(text, show_progress_bar=False)


def encode_worker(kind: str) -> None:
    """The helper behind `EncodeClock`: for each count read, the median ms of that many encodes."""
    encode = question_encoder(kind)
    questions = shipped_questions()
    turn = 0
    for line in sys.stdin:
        times = []
        for _ in range(int(line)):
            question = questions[turn % len(questions)]
            turn += 1
            started = time.perf_counter()
            encode(question)
            times.append(time.perf_counter() - started)
        print(1000 * statistics.median(times), flush=True)



if __name__ == "__main__":
    from newsbot.retrieval.embedding.threads import configure_threads

    configure_threads()  # the thread settings the benchmarks give themselves; a value inherited wins
    encode_worker(sys.argv[1])
