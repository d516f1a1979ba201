"""Answer quality on every question set, with timings.

Runs `newsbot eval --json` (the same search every face uses) and prints one table:
    python -m benchmarks.bench_quality [--data DIR] [--config PATH]
- our own set over the shipped articles, and again with SQuAD's 16 articles added beside
  them as distractors (refusal must hold as the library grows);
- our lead-paragraph set: 12 local news stories of our own, questions that name the lead's
  people and places but are answered in a later paragraph, and on-topic questions the
  stories don't answer (`benchmarks/questions/leads/`);
- SQuAD 2.0 half dev over its 646 paragraphs;
- CoQA's CNN conversations over their 50 articles, asked in order as `newsbot chat` asks
  them: all turns, first turns, follow-ups.
The data folder defaults to ../shared/data beside the repository; a set whose folder is
absent is skipped with a note. The first run builds an index per set (a few minutes).
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
SHIPPED = REPO / "corpus" / "articles"
LEADS = REPO / "benchmarks" / "questions" / "leads"  # 12 stories of our own: the lead against the paragraph that answers
SQUAD_BASELINE = "SQuAD baselines (README of the data): dense 0.666/0.845, BM25 0.796/0.898, fusion 0.765/0.917"


def run_eval(questions: Path, corpus: list[Path], config: Path | None) -> dict:
    command = [sys.executable, "-m", "newsbot.bot.cli", "eval", str(questions), "--json", "--misses", "0"]
    for folder in corpus:
        command += ["--corpus", str(folder)]
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
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--config", type=Path, default=None)
    args = parser.parse_args()
    squad, coqa = args.data / "squad2", args.data / "coqa_news"
    rows = [("own set (shipped articles)", run_eval(OWN_SET, [], args.config)),
            ("lead vs answer (own stories)", run_eval(LEADS / "questions.jsonl", [LEADS / "articles"], args.config))]
    if (squad / "questions.jsonl").exists():
        rows.append(("own set + 16 SQuAD articles", run_eval(OWN_SET, [SHIPPED, squad / "corpus_articles"], args.config)))
        rows.append(("SQuAD 2.0 half dev", run_eval(squad / "questions.jsonl", [squad / "corpus_paragraphs"], args.config)))
    else:
        print(f"note: {squad} not found; SQuAD skipped")
    if (coqa / "conversations.jsonl").exists():
        figures = run_eval(coqa / "conversations.jsonl", [coqa / "articles"], args.config)
        rows += [("CoQA news, all turns", figures), ("CoQA news, first turns", {**figures["first"], "wall_seconds": 0.0}),
                 ("CoQA news, follow-ups", {**figures["follow-up"], "wall_seconds": 0.0})]
    else:
        print(f"note: {coqa} not found; CoQA skipped")
    print(f"cores: {os.cpu_count()}")
    print(f"{'set':30} {'ans':>5} {'unans':>5} {'top1':>6} {'top3':>6} {'shown3':>6} {'MRR':>6} {'refused':>8} {'false-ref':>9} {'ms/q':>6} {'wall s':>7}")
    for name, f in rows:
        print(
            f"{name:30} {f['answerable']:>5} {f['unanswerable']:>5} {f['top1']:>6.3f} {f['top3']:>6.3f} {f['top3_shown']:>6.3f} {f['mrr']:>6.3f} "
            f"{f['refusal_rate']:>8.3f} {f['false_refusal_rate']:>9.3f} {f['median_seconds'] * 1000:>6.0f} {f['wall_seconds']:>7.1f}"
        )
    print("top3: a right passage among the first three ranked; shown3: among those a face shows (no padding)")
    print(SQUAD_BASELINE)


if __name__ == "__main__":
    main()
