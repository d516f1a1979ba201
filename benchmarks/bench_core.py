"""Benchmark of the core slice against the bare model, every figure measured in the same run.

    python -m benchmarks.bench_core            # full run (about 20-25 minutes on 2 cores)
    python -m benchmarks.bench_core --quick    # smoke run: fewer repeats, 2,000-paragraph corpus

Compared, each as a median over repeated runs:
(a/b) cold `newsbot ask` vs a bare `python -c` that imports sentence_transformers, loads the
      bundled model and encodes one sentence (both fresh processes, interleaved);
(c)   warm seconds per question in `newsbot ask --batch` ((time of N questions - time of 1)
      / (N-1), so start-up cancels) vs the model's own `encode(question)`;
(d)   `newsbot index --full` throughput (texts embedded per second of the whole command) and
      peak memory vs the model's own `encode(texts, batch_size=64)` on the same texts.
(c) and (d) run on the shipped corpus and on a generated one. Children get the caller's
environment untouched: newsbot sets OMP_WAIT_POLICY=PASSIVE itself (newsbot.retrieval.embedding.sentence_transformer), so
that is what a user gets, and the bare baseline runs with library defaults.

This file is the run itself; the pieces live beside it: `core_setup` (the plan, the config,
the machine), `core_newsbot` (newsbot's figures), `core_model` (the bare model's, in its own
process), `core_report` (ratios and the printed table), `measuring` (timing a child process).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import time
from dataclasses import asdict
from pathlib import Path

from benchmarks.core_model import measure_model
from benchmarks.core_newsbot import measure_batch, measure_builds, measure_cold
from benchmarks.core_report import ratios, render
from benchmarks.core_setup import FULL, QUICK, Plan, load_questions, machine_info, sample_texts, write_config
from benchmarks.measuring import BenchError, log
from benchmarks.paths import REPO, RESULTS


def run_benchmark(plan: Plan, newsbot: str, workdir: Path) -> dict:
    from benchmarks.synthetic_corpus import generate

    env = dict(os.environ)
    questions = load_questions(plan.batch_questions)
    results: dict = {"machine": machine_info(), "plan": asdict(plan), "corpora": {}}
    shipped = write_config(workdir / "shipped", REPO / "corpus" / "articles")
    log(f"shipped corpus: `newsbot index --full` x{plan.build_repeats}")
    shipped_build, shipped_texts = measure_builds(newsbot, shipped, plan.build_repeats, env)
    log(f"cold start: bare model baseline and `newsbot ask`, interleaved, x{plan.cold_repeats}")
    results["cold"] = measure_cold(newsbot, shipped, plan.cold_repeats, env)
    log(f"shipped corpus: --batch of 1 and of {len(questions)} questions, x{plan.batch_repeats}")
    results["corpora"]["shipped"] = {
        "build": shipped_build, "batch": measure_batch(newsbot, shipped, questions, plan.batch_repeats, env, workdir)}
    log(f"generating a corpus of {plan.paragraphs:,} paragraphs")
    generate(workdir / "synthetic_corpus", plan.paragraphs, seed=0)
    synthetic = write_config(workdir / "synthetic", workdir / "synthetic_corpus")
    log(f"generated corpus: `newsbot index --full` x{plan.synthetic_builds} (the longest step)")
    synthetic_build, synthetic_texts = measure_builds(newsbot, synthetic, plan.synthetic_builds, env)
    log(f"generated corpus: --batch of 1 and of {len(questions)} questions, x{plan.batch_repeats}")
    results["corpora"]["synthetic"] = {
        "paragraphs_generated": plan.paragraphs, "build": synthetic_build,
        "batch": measure_batch(newsbot, synthetic, questions, plan.batch_repeats, env, workdir)}
    sample = sample_texts(synthetic_texts, plan.baseline_sample)
    log(f"the model's own encode, with newsbot's thread settings: {len(questions)} single questions; "
        f"batches of {len(shipped_texts)} and {len(sample):,} texts")
    results["model"] = measure_model(
        {"shipped": (shipped_texts, plan.build_repeats), "synthetic": (sample, plan.synthetic_builds)},
        questions, workdir, env, newsbot_env=True)
    log(f"the model's own encode, library defaults: {len(questions)} single questions")
    results["model_bare"] = measure_model({}, questions, workdir, env, newsbot_env=False)
    results["machine"]["torch"] = results["model"]["torch"]
    results["machine"]["load_average_end"] = os.getloadavg()
    results["ratios"] = ratios(results)
    return results


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark newsbot's core against the bare model.")
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer repeats, 2,000-paragraph corpus")
    parser.add_argument("--paragraphs", type=int, help="size of the generated corpus (default 10000; 2000 with --quick)")
    parser.add_argument("--baseline-sample", type=int, help="texts of the generated corpus the bare model encodes (0: all)")
    parser.add_argument("--newsbot", default=None, help="the newsbot executable (default: next to this Python)")
    parser.add_argument("--out", type=Path, default=None, help="results JSON (default: benchmarks/results/...)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (corpus, indexes)")
    args = parser.parse_args(argv)
    plan = QUICK if args.quick else FULL
    overrides = {"paragraphs": args.paragraphs, "baseline_sample": args.baseline_sample}
    plan = Plan(**{**asdict(plan), **{k: v for k, v in overrides.items() if v is not None}})
    sibling = Path(sys.executable).parent / "newsbot"
    newsbot = args.newsbot or (str(sibling) if sibling.exists() else shutil.which("newsbot"))
    if not newsbot:
        sys.exit("newsbot not found: install the project (make setup) or pass --newsbot PATH")
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    started = time.perf_counter()
    try:
        results = run_benchmark(plan, newsbot, workdir)
    except BenchError as exc:
        sys.exit(f"benchmark failed: {exc}")
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["seconds_total"] = time.perf_counter() - started
    out = args.out or RESULTS / f"bench_core-{'quick-' if args.quick else ''}{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(render(results, plan))
    print(f"\nwhole run {results['seconds_total'] / 60:.1f} min; results written to {out}")


if __name__ == "__main__":
    main()
