"""Embedding on Ray against the local build, on the same texts in one run.

    python -m benchmarks.bench_ray [--texts 600] [--rounds 3] [--corpus FOLDER]

Texts are what a build embeds (each passage with its token vectors, then its two-sentence
windows), handed over as the build hands them (`embed_chunks`, longest first in 32s). Rounds
interleave the local build model (the ONNX export on every core), Ray with 1 worker and Ray
with 2 workers (one CPU each) on a local cluster, so a slow spell hits all three. Also measured:
`ray.init` and pool start-up, each worker's peak memory and Ray's own processes'. Each round
records how many cores the rest of the machine used meanwhile (`/proc/stat` less our own CPU
time): on a shared machine that, not Ray, can cap the 2-worker figure. From the per-worker
rate (texts per CPU-second of a worker) it estimates a million paragraphs (~3.8M texts) on N
machines.

Writes benchmarks/results/ray.json.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import time
from pathlib import Path

from benchmarks.paths import REPO, RESULTS

SQUAD = REPO.parent / "shared" / "data" / "squad2" / "corpus_articles"
MODEL = "all-MiniLM-L6-v2"
TEXTS_PER_PARAGRAPH = 3.8  # a passage and its windows, measured in the README's scale section
MILLION = 1_000_000


def build_texts(corpus: Path, limit: int, seed: int = 0) -> tuple[list[str], list[str]]:
    """A fixed sample of a build's texts: (passages, windows), in the build's proportion."""
    import random

    from newsbot.corpus.loader import read_article, scan
    from newsbot.corpus.paragraphs import ParagraphRules
    from newsbot.retrieval.indexing.rows import sentence_windows

    rules = ParagraphRules()
    passages = [p.text for file in scan([corpus]).files for p in read_article(file, rules).paragraphs]
    windows = [p[s:e] for p in passages for s, e in sentence_windows(p)]
    share = min(1.0, limit / (len(passages) + len(windows)))
    pick = random.Random(seed)
    return [p for p in passages if pick.random() < share], [w for w in windows if pick.random() < share]


def chunks(texts: list[str], size: int = 32) -> list[list[str]]:
    ordered = sorted(texts, key=len, reverse=True)
    return [ordered[i : i + size] for i in range(0, len(ordered), size)]


def embed_all(embedder, passages: list[str], windows: list[str]) -> None:
    from newsbot.retrieval.embedding.chunked import embed_chunks

    for _ in embed_chunks(embedder, chunks(passages), with_tokens=True):
        pass
    for _ in embed_chunks(embedder, chunks(windows), with_tokens=False):
        pass


def busy_ticks() -> tuple[int, int]:
    """(non-idle, all) CPU ticks of the whole machine."""
    values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:]]
    return sum(values) - values[3] - values[4], sum(values)


def ray_processes_mb() -> dict[str, int]:
    """Resident memory of Ray's own processes (not the workers holding a model), by kind."""
    found: dict[str, int] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            rss = next(int(line.split()[1]) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if line.startswith("VmRSS"))
        except (OSError, StopIteration):
            continue
        if int(pid) == os.getpid() or "EmbedWorker" in command or not ("site-packages/ray/" in command or command.startswith("ray::")):
            continue
        kind = command.split()[0].rsplit("/", 1)[-1]
        found[kind] = found.get(kind, 0) + rss // 1024
    return found


def wait_for_quiet(most_cores: float, timeout_s: float) -> float:
    """Wait (up to `timeout_s`) until the rest of the machine uses at most `most_cores` over a
    second while we idle; returns what it used last."""
    deadline = time.monotonic() + timeout_s
    while True:
        before = busy_ticks()
        time.sleep(1.0)
        after = busy_ticks()
        others = (after[0] - before[0]) / max(1, after[1] - before[1]) * (os.cpu_count() or 1)
        if others <= most_cores or time.monotonic() > deadline:
            return others


class Measured:
    """One configuration's rounds."""

    def __init__(self, name: str, run, cpu_seconds) -> None:
        self.name, self._run, self._cpu = name, run, cpu_seconds
        self.rows: list[dict] = []

    def once(self, texts: int) -> dict:
        cpu0, busy0 = self._cpu(), busy_ticks()
        start = time.perf_counter()
        self._run()
        wall = time.perf_counter() - start
        cpu, busy1 = self._cpu() - cpu0, busy_ticks()
        machine = (busy1[0] - busy0[0]) / (busy1[1] - busy0[1]) * (os.cpu_count() or 1)
        row = {
            "texts_per_s": round(texts / wall, 1),
            "ours_cores": round(cpu / wall, 2),
            "others_cores": round(max(0.0, machine - cpu / wall), 2),
            "texts_per_cpu_s": round(texts / cpu, 1),
        }
        self.rows.append(row)
        return row

    def summary(self) -> dict:
        rates = [r["texts_per_s"] for r in self.rows]
        return {"best": max(rates), "median": statistics.median(rates), "texts_per_cpu_s": statistics.median(r["texts_per_cpu_s"] for r in self.rows), "rounds": self.rows}


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--texts", type=int, default=600, help="about how many texts each configuration embeds per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--corpus", type=Path, default=SQUAD if SQUAD.is_dir() else REPO / "corpus" / "articles")
    parser.add_argument("--export", type=Path, help="an ONNX export folder (default: the one beside ./index)")
    parser.add_argument("--quiet", type=float, default=None, metavar="CORES",
                        help="before each run, wait (up to --wait s) until the rest of the machine uses at most CORES")
    parser.add_argument("--wait", type=float, default=120.0)
    args = parser.parse_args(argv)

    os.environ.setdefault("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", "0")  # before Ray is imported: loopback only
    os.environ.setdefault("RAY_USAGE_STATS_ENABLED", "0")
    import ray

    from newsbot.retrieval.embedding.onnx_folder import export_dir, load_build_embedder
    from newsbot.retrieval.embedding.ray_pool import RayEmbedder, onnx_files

    export = args.export or export_dir(REPO / "index", MODEL)
    passages, windows = build_texts(args.corpus, args.texts)
    total = len(passages) + len(windows)
    print(f"{os.cpu_count()} cores; {len(passages)} passages (with token vectors) + {len(windows)} windows = {total} texts", flush=True)

    local = load_build_embedder(export.parent.parent, MODEL)
    local.embed_batch(["warm up"])
    start = time.perf_counter()
    # 3 logical CPUs: a 1-worker and a 2-worker pool stay loaded side by side, one busy at a time
    ray.init(address="local", num_cpus=3, include_dashboard=False, logging_level="ERROR")
    init_s = time.perf_counter() - start
    time.sleep(2)  # Ray's helper processes settle
    ray_own_mb = ray_processes_mb()
    start = time.perf_counter()
    files = onnx_files(export)
    pool = RayEmbedder(MODEL, files, workers=2)
    pool_s = time.perf_counter() - start
    one = RayEmbedder(MODEL, files, workers=1)
    print(f"ray.init {init_s:.1f} s; 2 workers with the model loaded {pool_s:.1f} s later", flush=True)

    def cpu_of(embedder):
        return lambda: sum(ray.get([a.cpu_seconds.remote() for a in embedder.actors])) + time.process_time()

    configs = [
        Measured("local", lambda: embed_all(local, passages, windows), time.process_time),
        Measured("ray_1_worker", lambda: embed_all(one, passages, windows), cpu_of(one)),
        Measured("ray_2_workers", lambda: embed_all(pool, passages, windows), cpu_of(pool)),
    ]
    for round_number in range(args.rounds):
        for config in configs:
            if args.quiet is not None:
                wait_for_quiet(args.quiet, args.wait)
            row = config.once(total)
            print(f"round {round_number + 1} {config.name:>13}: {row['texts_per_s']:6.1f} texts/s  "
                  f"(we used {row['ours_cores']:.2f} cores, the rest of the machine {row['others_cores']:.2f})", flush=True)
    result = report(configs, init_s, pool_s, ray_own_mb, pool.peak_memory_mb(), total)
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "ray.json").write_text(json.dumps(result, indent=2), encoding="utf-8")
    ray.shutdown()


def report(configs: list[Measured], init_s: float, pool_s: float, ray_own_mb: dict, worker_mb: list[float], texts: int) -> dict:
    figures = {config.name: config.summary() for config in configs}
    per_worker = figures["ray_1_worker"]["texts_per_cpu_s"]
    ratio_best = figures["ray_2_workers"]["best"] / figures["ray_1_worker"]["best"]
    ratio_median = figures["ray_2_workers"]["median"] / figures["ray_1_worker"]["median"]
    # On two free cores, 1 worker uses one and 2 workers (with the driver) both: the ratio then
    # follows from the texts each of our CPU-seconds embedded, whatever the rest of the machine did.
    ratio_free = 2 * figures["ray_2_workers"]["texts_per_cpu_s"] / figures["ray_1_worker"]["texts_per_cpu_s"]
    million = {}
    for machines in (1, 2, 4, 10, 50):
        hours = MILLION * TEXTS_PER_PARAGRAPH / (per_worker * 2 * machines) / 3600
        million[f"{machines} machines of 2 CPUs"] = round(hours, 2)
    print(
        f"best texts/s: local {figures['local']['best']}, 1 worker {figures['ray_1_worker']['best']}, "
        f"2 workers {figures['ray_2_workers']['best']} (2/1: {ratio_best:.2f} best, {ratio_median:.2f} median; "
        f"{ratio_free:.2f} with both cores free, from CPU time)\n"
        f"a worker embeds {per_worker} texts per CPU-second; peak memory per worker {[round(m) for m in worker_mb]} MB; "
        f"Ray's own processes {sum(ray_own_mb.values())} MB\n"
        f"a million paragraphs ({MILLION * TEXTS_PER_PARAGRAPH / 1e6:.1f}M texts), hours: {million}",
        flush=True,
    )
    return {
        "when": time.strftime("%Y-%m-%d %H:%M"), "cores": os.cpu_count(), "texts": texts,
        "figures": figures, "ratio_2_over_1": {"best": round(ratio_best, 2), "median": round(ratio_median, 2), "cores_free_from_cpu_time": round(ratio_free, 2)},
        "ray_init_s": round(init_s, 1), "pool_start_s": round(pool_s, 1),
        "worker_peak_mb": [round(m) for m in worker_mb], "ray_own_mb": ray_own_mb,
        "texts_per_worker_cpu_s": per_worker, "million_paragraphs_hours": million,
    }


if __name__ == "__main__":
    main()
