"""Answer quality on both question sets, with timings: our own set and SQuAD 2.0 (half dev).

Runs `newsbot eval --json` (the same search every face uses) and prints one table:
    python -m benchmarks.bench_quality [--squad DIR] [--config PATH]
SQuAD's folder defaults to ../shared/data/squad2 beside the repository; it is skipped with a
note when absent. Its first run builds an index of its 646 paragraphs (a few minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OWN_SET = REPO / "benchmarks" / "questions" / "shipped.jsonl"
SQUAD_BASELINE = "SQuAD baselines (README of the data): dense 0.666/0.845, BM25 0.796/0.898, fusion 0.765/0.917"


def run_eval(questions: Path, corpus: Path | None, config: Path | None) -> dict:
    command = [sys.executable, "-m", "bot.cli", "eval", str(questions), "--json", "--misses", "0"]
    if corpus is not None:
        command += ["--corpus", str(corpus)]
    if config is not None:
        command += ["--config", str(config)]
    started = time.perf_counter()
    done = subprocess.run(command, cwd=REPO, capture_output=True, text=True)
    if done.returncode != 0:
        sys.exit(f"eval failed: {done.stderr.strip().splitlines()[-1] if done.stderr.strip() else done.returncode}")
    figures = json.loads(done.stdout)
    figures["wall_seconds"] = round(time.perf_counter() - started, 1)
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=REPO.parent / "shared" / "data" / "squad2")
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args()
    rows = [("own set (shipped articles)", run_eval(OWN_SET, None, args.config))]
    if (args.squad / "questions.jsonl").exists():
        rows.append(("SQuAD 2.0 half dev", run_eval(args.squad / "questions.jsonl", args.squad / "corpus_paragraphs", args.config)))
    else:
        print(f"note: {args.squad} not found; SQuAD skipped")
    print(f"cores: {os.cpu_count()}")
    print(f"{'set':28} {'ans':>5} {'unans':>5} {'top1':>6} {'top3':>6} {'MRR':>6} {'refused':>8} {'false-ref':>9} {'ms/q':>6} {'wall s':>7}")
    for name, f in rows:
        print(
            f"{name:28} {f['answerable']:>5} {f['unanswerable']:>5} {f['top1']:>6.3f} {f['top3']:>6.3f} {f['mrr']:>6.3f} "
            f"{f['refusal_rate']:>8.3f} {f['false_refusal_rate']:>9.3f} {f['median_seconds'] * 1000:>6.0f} {f['wall_seconds']:>7.1f}"
        )
    print(SQUAD_BASELINE)


if __name__ == "__main__":
    main()
