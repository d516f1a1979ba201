"""Load on `newsbot serve`: N concurrent clients on loopback, while an update swaps the index.

Issue 26 asks how the HTTP face holds up when many people ask at once and the index changes
under it. Each run starts real `newsbot serve` processes on 127.0.0.1 with a temporary copy of
the shipped config.toml (the rate limit raised: every client here is 127.0.0.1, one address),
lets C clients ask for `--seconds` (new questions from our set, and follow-ups that send back
the conversation id), and a quarter of the way in publishes a new index generation from
another process (an article added or taken out, then `newsbot index`), which every server
must swap in by itself; a run goes on until 5 s after that generation is published, if that is
later than `--seconds`. With `--processes 2`, two servers share one index folder and each
client sticks to one of them, as a proxy's sticky routing would.

Reported per run: answered requests/s, p50/p99 latency, errors by status (none expected; no
429), each server's peak resident memory (VmHWM) and CPU, how long after the update each
server answered from the new generation, and the p99 while the update ran. Throughput and
p99 are also given as ratios to one warm `Library.ask` in a separate process, the median
of 20 new questions taken before each set of servers and after the last, on the same index:
the machine is shared, so only figures taken together compare (`--quiet` waits for a quiet
spell first; the table's `others` column says how busy the rest of the machine was).

    .venv/bin/python -m benchmarks.bench_serve                        # shipped corpus only: ~3 min
    .venv/bin/python -m benchmarks.bench_serve --paragraphs 100000 --workdir /tmp/serve-bench --quiet 0.5
    .venv/bin/python -m benchmarks.bench_serve --clients 1,8,32 --processes 1,2 --seconds 15 --json

The generated corpus is built as `bench_build` builds it (stand-in embedder: the passage
vectors are not the model's, so answers are nonsense but every step costs what it would)
and kept in `--workdir/build-N/` for the next run; the mid-run update embeds with the real
model. JSON goes to benchmarks/results/serve.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.request
from pathlib import Path

from benchmarks.bench_update import copy_export
from benchmarks.core_setup import _toml
from benchmarks.measuring import log
from benchmarks.paths import REPO, RESULTS, shipped_questions
from benchmarks.serve_load import (
    UPDATE_ARTICLE,
    Server,
    load,
    machine_busy,
    newsbot_command,
    newsbot_env,
    update_index,
)
from benchmarks.serve_report import LEGEND, summarise, table

BASELINE_WARM = 5  # untimed asks before the timed ones
BASELINE_TIMED = 20  # spread over the question set
SERVE = {  # [serve] for the bench: the rate limit is per address, and every client is 127.0.0.1
    "host": "127.0.0.1", "requests_per_minute": 100_000_000, "max_conversations": 100_000,
}


def write_config(folder: Path, corpus_dir: Path, workers: int | None, exact_rescore: int | None) -> Path:
    """The shipped config.toml pointed at `corpus_dir` and `folder/index`, with SERVE over its [serve]."""
    config = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    config.setdefault("corpus", {})["dirs"] = [str(corpus_dir.resolve())]
    config.setdefault("index", {})["dir"] = "index"
    config["serve"] = {**config.get("serve", {}), **SERVE, **({"workers": workers} if workers else {})}
    if exact_rescore is not None:
        config.setdefault("search", {})["exact_rescore"] = exact_rescore
    lines = []
    for section, values in config.items():
        lines += [f"[{section}]", *(f"{key} = {_toml(value)}" for key, value in values.items())]
    path = folder / "config.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def prepare_shipped(folder: Path, settings: dict) -> Path:
    """corpus/articles copied into `folder`, indexed by `newsbot index` with the real model."""
    corpus = folder / "corpus"
    if not corpus.is_dir():
        shutil.copytree(REPO / "corpus" / "articles", corpus)
    config = write_config(folder, corpus, **settings)
    copy_export(folder / "index")  # the question model's ONNX export, so no build makes it again
    run_newsbot(["index", "--config", str(config)])
    return config


def prepare_generated(folder: Path, paragraphs: int, settings: dict) -> Path:
    """A generated corpus of `paragraphs`, built once by `bench_build` (kept in `folder`)."""
    from benchmarks.bench_build import measure

    if not (folder / "index" / "CURRENT").exists():
        log(f"generating and building {paragraphs:,} paragraphs (stand-in embedder)")
        built = measure(folder, paragraphs)
        log(f"built in {built['build_s']} s, peak {built['peak_rss_mb']} MB")
    config = write_config(folder, folder / "corpus", **settings)
    copy_export(folder / "index")
    return config


def run_newsbot(arguments: list[str]) -> None:
    done = subprocess.run([*newsbot_command(), *arguments], check=False, cwd=REPO, env=newsbot_env(),
                          stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=3600)
    if done.returncode != 0:
        sys.exit(f"newsbot {' '.join(arguments)} failed:\n{done.stderr[-2000:]}")


def baseline_child(config: Path) -> None:
    """In a fresh process with newsbot's thread settings: warm `Library.ask` times, as JSON."""
    from newsbot.retrieval.embedding.threads import configure_threads

    configure_threads()
    from newsbot.bot.app import open_library
    from newsbot.bot.config import load_config

    library = open_library(load_config(config))
    questions = shipped_questions()
    for question in questions[:BASELINE_WARM]:
        library.ask(question)
    times = []
    rest = questions[BASELINE_WARM:]
    for question in rest[:: max(1, len(rest) // BASELINE_TIMED)][:BASELINE_TIMED]:
        started = time.perf_counter()
        library.ask(question)
        times.append(1000 * (time.perf_counter() - started))
    library.embedders.close()
    print(json.dumps({"ask_ms": times, "passages": library.index().manifest.passages}))


def baseline(config: Path) -> dict:
    done = subprocess.run([sys.executable, "-m", "benchmarks.bench_serve", "--baseline-child", str(config)],
                          check=False, cwd=REPO, env=newsbot_env(), capture_output=True, text=True, timeout=600)
    if done.returncode != 0:
        sys.exit(f"the Library.ask baseline failed:\n{done.stderr[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def warm_up(servers: list[Server], questions: list[str]) -> None:
    """A few questions to each server first: the first answers load what the rest reuse."""
    for server in servers:
        for question in questions[:3]:
            request = urllib.request.Request(server.url + "/v1/ask", json.dumps({"question": question}).encode(),
                                             {"Content-Type": "application/json"})
            with urllib.request.urlopen(request, timeout=120) as response:
                response.read()


def measure_corpus(name: str, config: Path, args, questions: list[str], article: str) -> dict:
    """Every (processes, clients) run on one index, bracketed by the Library.ask baseline."""
    folder = config.parent
    update = {"config": config, "corpus_dir": folder / "corpus", "index_dir": folder / "index", "article": article}
    runs, baselines = [], []
    for processes in args.processes:
        wait_for_quiet(args.quiet, args.wait)
        baselines.append(baseline(config))
        log(f"{name}: {baselines[0]['passages']:,} passages; warm Library.ask median "
            f"{statistics.median(baselines[-1]['ask_ms']):.1f} ms")
        servers = [Server(config, folder / f"serve-{processes}-{i}.log") for i in range(processes)]
        try:
            ready_s = [round(server.wait_ready(), 1) for server in servers]
            warm_up(servers, questions)
            for clients in args.clients:
                for server in servers:
                    server.reset_peak()
                samples, updated, used = asyncio.run(load(servers, clients, args.seconds, questions, args.seed,
                                                          update if args.update else None))
                row = {"corpus": name, "processes": processes, "clients": clients, "ready_s": ready_s,
                       **summarise(samples, updated, processes), **used,
                       "peak_rss_mb": [server.memory_mb()["VmHWM"] for server in servers]}
                runs.append(row)
                log(f"{name} x{processes} {clients:>2} clients: {row['requests_per_s']} req/s, p99 {row['p99_ms']} ms, "
                    f"errors {row['errors'] or 'none'}, swap lag {row.get('swap_lag_s')}")
                if "error" in row.get("update", {}):
                    log(f"the update failed: {row['update']['error'][-300:]}")
        finally:
            for server in servers:
                server.stop()
            warnings = [line for server in servers for line in server.warnings()]
            if warnings:
                log(f"server warnings: {warnings[:5]}")
    if (folder / "corpus" / UPDATE_ARTICLE).exists():  # leave a kept work folder as it was built
        asyncio.run(update_index(**update))
    baselines.append(baseline(config))
    ask_ms = statistics.median(ms for taken in baselines for ms in taken["ask_ms"])
    for row in runs:
        row["rps_x_ask"] = round(row["requests_per_s"] * ask_ms / 1000, 2)
        row["p99_x_ask"] = round((row["p99_ms"] or 0) / ask_ms, 2)
    return {"corpus": name, "passages": baselines[0]["passages"], "ask_ms": round(ask_ms, 1),
            "ask_ms_medians": [round(statistics.median(taken["ask_ms"]), 1) for taken in baselines], "runs": runs}


def wait_for_quiet(cores: float, seconds: float) -> None:
    """With `--quiet`, wait (at most `seconds`) until the rest of the machine uses fewer than
    `cores`: on a shared machine the figures only compare when taken in a quiet spell."""
    if not cores:
        return
    deadline = time.monotonic() + seconds
    while True:
        before = machine_busy()
        time.sleep(3)
        busy = (machine_busy() - before) / 3
        if busy < cores or time.monotonic() > deadline:
            log(f"the machine is using {busy:.2f} cores" + ("" if busy < cores else ": not quiet, going on"))
            return


def update_article(seed: int) -> str:
    from benchmarks.synthetic_corpus import make_paragraph, make_title, sentence_pool

    rng, pool = random.Random(seed), sentence_pool()
    return "\n\n".join([make_title(rng, pool), *(make_paragraph(rng, pool) for _ in range(10))]) + "\n"


def counts(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part.strip()]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=counts, default=[1, 8, 32], help="concurrent clients per run (default 1,8,32)")
    parser.add_argument("--processes", type=counts, default=[1, 2], help="serve processes on one index (default 1,2)")
    parser.add_argument("--seconds", type=float, default=15.0, help="length of each run (default 15)")
    parser.add_argument("--paragraphs", type=int, default=0, help="also a generated corpus of this many (e.g. 100000)")
    parser.add_argument("--workdir", type=Path, help="keep indexes here and reuse them (default: a temporary folder)")
    parser.add_argument("--workers", type=int, help="[serve] workers (default: the shipped config's)")
    parser.add_argument("--exact-rescore", type=int, help="[search] exact_rescore (default: the shipped config's)")
    parser.add_argument("--no-update", dest="update", action="store_false", help="no index update mid-run")
    parser.add_argument("--quiet", type=float, default=0.0, help="first wait until others use fewer cores than this")
    parser.add_argument("--wait", type=float, default=300.0, help="... but at most this many seconds (default 300)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", action="store_true", help="print the JSON instead of the table")
    parser.add_argument("--baseline-child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.baseline_child:
        baseline_child(args.baseline_child)
        return
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="bench-serve-"))
    questions = shipped_questions()
    article = update_article(args.seed)
    started = {"cores": os.cpu_count(), "load_average_start": os.getloadavg(), "when": time.strftime("%Y-%m-%d %H:%M"),
               "seconds": args.seconds, "update": args.update}
    try:
        shipped = workdir / "shipped"
        shipped.mkdir(parents=True, exist_ok=True)
        settings = {"workers": args.workers, "exact_rescore": args.exact_rescore}
        configs = [("shipped", prepare_shipped(shipped, settings))]
        if args.paragraphs:
            folder = workdir / f"build-{args.paragraphs}"
            configs.append(("generated", prepare_generated(folder, args.paragraphs, settings)))
        results = [measure_corpus(name, config, args, questions, article) for name, config in configs]
    finally:
        if args.workdir is None:
            shutil.rmtree(workdir, ignore_errors=True)
    report = {**started, "load_average_end": os.getloadavg(), "results": results}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "serve.json").write_text(json.dumps(report, indent=2), encoding="utf-8")
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print(table(results))
        print(f"load average {started['load_average_start'][0]:.2f} at the start, {report['load_average_end'][0]:.2f} "
              f"at the end, {os.cpu_count()} cores")
        print(LEGEND)


if __name__ == "__main__":
    main()
