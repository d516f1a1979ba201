"""Whole warm questions on any built index: p50/p99 as multiples of the model's encode.

`bench_scale` times the vector index alone and `bench_core` the mean warm question on small
corpora. At 100,000 or a million paragraphs what the user waits for also includes BM25 over
every document, the token rerank and the passage reads, so this times `Library.ask`, the
call every face makes, in one warm process with newsbot's thread settings. Before each
pass over the questions the model's single-thread encode of one question is timed in a
helper process (`encode_clock.EncodeClock`), and each pass's p50/p99 is divided by it: the
machine is shared, so only ratios taken together mean much. Three cold `newsbot ask`
processes are timed as well.

    python -m benchmarks.bench_questions --config WORKDIR/config.toml [--repeats 5]

An index built by `bench_build` (stand-in embedder) answers nonsense, since its passage
vectors are not the model's, but every step of the question costs what it would.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

from newsbot.retrieval.embedding.threads import configure_threads

configure_threads()  # before numpy loads (through bench_update): its BLAS threads read it once

from benchmarks.bench_update import MODEL, copy_export  # noqa: E402
from benchmarks.encode_clock import EncodeClock  # noqa: E402
from benchmarks.measuring import memory_kib, timed  # noqa: E402
from benchmarks.paths import REPO, RESULTS, shipped_questions  # noqa: E402


def percentile_ms(times: list[float], share: float) -> float:
    ordered = sorted(times)
    return 1000 * ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def warm_passes(config_path: Path, questions: list[str], repeats: int, clock: EncodeClock) -> dict:
    from newsbot.bot.app import open_library
    from newsbot.bot.config import load_config

    before = memory_kib()
    started = time.perf_counter()
    library = open_library(load_config(config_path))
    index = library.index()
    for question in questions:  # first touch of every structure, untimed
        library.ask(question)
    warmup_s = time.perf_counter() - started
    passes = []
    for _ in range(repeats):
        encode_ms = clock.median_ms()
        times = []
        for question in questions:
            began = time.perf_counter()
            library.ask(question)
            times.append(time.perf_counter() - began)
        p50, p99 = percentile_ms(times, 0.5), percentile_ms(times, 0.99)
        passes.append({"encode_ms": encode_ms, "p50_ms": p50, "p99_ms": p99})
    after = memory_kib()

    def median(key: str) -> float:
        return round(statistics.median(p[key] for p in passes), 2)

    return {
        "passages": index.manifest.passages,
        "index_type": [entry.index_type for entry in index.manifest.segments],
        "load_and_warm_s": round(warmup_s, 1),
        "encode_ms": median("encode_ms"),
        "p50_ms": median("p50_ms"),
        "p99_ms": median("p99_ms"),
        "p50_x_encode": round(statistics.median(p["p50_ms"] / p["encode_ms"] for p in passes), 2),
        "p99_x_encode": round(statistics.median(p["p99_ms"] / p["encode_ms"] for p in passes), 2),
        "rss_anon_mb": round((after["RssAnon"] - before["RssAnon"]) / 1024),
        "rss_file_mb": round((after["RssFile"] - before["RssFile"]) / 1024),
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--config", type=Path, default=Path("config.toml"))
    parser.add_argument("--repeats", type=int, default=5, help="timed passes over the questions")
    parser.add_argument("--encode", choices=["st", "onnx"], default="st", help="what the ratios divide by")
    parser.add_argument("--out", type=Path, default=RESULTS / "questions.json")
    args = parser.parse_args(argv)
    from newsbot.retrieval.embedding.threads import configure_threads

    configure_threads()
    from newsbot.bot.config import load_config

    config = load_config(args.config)
    if config.model == MODEL and config.index_dir.resolve() != (REPO / "index").resolve():
        copy_export(config.index_dir)
    questions = shipped_questions()
    clock = EncodeClock(args.encode)
    try:
        result = {"cores": os.cpu_count(), "questions": len(questions), **warm_passes(args.config, questions, args.repeats, clock)}
    finally:
        clock.close()
    newsbot = [sys.executable, "-m", "newsbot.bot.cli", "ask", questions[0], "--config", str(args.config.resolve())]
    colds = [timed(newsbot)[0] for _ in range(3)]
    result["cold_ask_s"] = [round(s, 2) for s in colds]
    result["cold_ask_median_s"] = round(statistics.median(colds), 2)
    print(json.dumps(result, indent=2))
    args.out.parent.mkdir(exist_ok=True)
    args.out.write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
