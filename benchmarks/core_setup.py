"""What a `bench_core` run does and what it runs on: the plan (how many repeats, how big a
generated corpus), the config each newsbot child reads, and the machine it all ran on.

Kept apart from the measuring so that changing how long a run takes, or which settings the
children get, is a change here alone.
"""

from __future__ import annotations

import json
import os
import platform
import random
import tomllib
from dataclasses import dataclass
from pathlib import Path

from benchmarks.paths import REPO, shipped_questions

ENV_KEYS = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM", "HF_HUB_OFFLINE")


@dataclass(frozen=True)
class Plan:
    cold_repeats: int
    build_repeats: int  # shipped corpus
    synthetic_builds: int
    batch_repeats: int
    batch_questions: int
    paragraphs: int
    baseline_sample: int  # 0: the model encodes every text the big index embedded


FULL = Plan(cold_repeats=5, build_repeats=5, synthetic_builds=1, batch_repeats=3,
            batch_questions=200, paragraphs=10_000, baseline_sample=5_000)
QUICK = Plan(cold_repeats=3, build_repeats=2, synthetic_builds=1, batch_repeats=2,
             batch_questions=50, paragraphs=2_000, baseline_sample=2_000)


def write_config(folder: Path, corpus_dir: Path) -> Path:
    """The shipped config.toml, pointed at `corpus_dir` and an index inside `folder`.

    The shipped settings, not defaults: every figure is what a user of the shipped config gets.
    """
    config = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    config["corpus"]["dirs"] = [str(corpus_dir.resolve())]
    config["index"]["dir"] = "index"
    lines = []
    for section, table in config.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml(value)}" for key, value in table.items()]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "config.toml"


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def load_questions(count: int) -> list[str]:
    """`count` of our questions, the set repeated as often as needed."""
    questions = shipped_questions()
    return [questions[i % len(questions)] for i in range(count)]


def machine_info() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_start": os.getloadavg(), "env": {k: os.environ.get(k) for k in ENV_KEYS}}


def sample_texts(texts: list[str], size: int) -> list[str]:
    """A uniform sample (seeded, so runs compare) of `size` texts; all of them for 0."""
    return texts if size <= 0 or size >= len(texts) else random.Random(0).sample(texts, size)
