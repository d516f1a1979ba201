"""How `bench_scale` measures one index: build (or reuse) it, load it as newsbot does, then
time single-thread searches and score recall, one row per search width.

The rows (and `format_row`, the line printed for each) are what the benchmark reports and
writes to JSON.
"""

from __future__ import annotations

import gc
import json
import os
import re
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from benchmarks.encode_clock import EncodeClock
from benchmarks.measuring import memory_kib
from benchmarks.scale_variants import Variant
from benchmarks.scale_vectors import exact_top10, recall_at_10, rescored_top10

CANDIDATES = 120  # search asks the unit index for 4 x 30 neighbours
SEARCH_KEEPS = 30  # ...and keeps the first 30 passages among them, in the index's order


def built_file(variant: Variant, vectors: np.ndarray, name: str, keep_dir: Path | None, folder: Path) -> tuple[Path, float]:
    """(index file, build seconds): built into `folder`, or kept in and reused from `keep_dir`
    (a 1M graph takes minutes to build and seconds to sweep)."""
    import faiss

    target = folder / "index.faiss"
    if keep_dir is not None:
        keep_dir.mkdir(parents=True, exist_ok=True)
        target = keep_dir / (re.sub(r"[^A-Za-z0-9]+", "-", f"{name} {variant.label}").strip("-") + ".faiss")
        record = target.with_suffix(".json")
        if target.exists() and record.exists():
            return target, json.loads(record.read_text())["build_seconds"]
    faiss.omp_set_num_threads(os.cpu_count() or 1)
    started = time.perf_counter()
    built = variant.build(vectors)
    build_seconds = time.perf_counter() - started
    faiss.write_index(built, str(target))
    if keep_dir is not None:
        target.with_suffix(".json").write_text(json.dumps({"build_seconds": build_seconds}))
    del built
    gc.collect()
    return target, build_seconds


def timed_passes(index, queries: np.ndarray, repeats: int, clock: EncodeClock | None) -> dict:
    """Single-thread p50/p99 of `repeats` passes over the queries, each pass right after
    timing the model's encode, so every ratio compares figures taken under the same load."""
    p50s, p99s, encodes = [], [], []
    for _ in range(repeats):
        if clock is not None:
            encodes.append(clock.median_ms())
        times = []
        for query in queries:
            started = time.perf_counter()
            index.search(query[None, :], CANDIDATES)
            times.append(time.perf_counter() - started)
        p50s.append(1000 * float(np.percentile(times, 50)))
        p99s.append(1000 * float(np.percentile(times, 99)))
    timing = {"p50_ms": round(statistics.median(p50s), 3), "p99_ms": round(statistics.median(p99s), 3)}
    if encodes:
        timing["encode_ms"] = round(statistics.median(encodes), 3)
        timing["p50_x_encode"] = round(statistics.median([p / e for p, e in zip(p50s, encodes)]), 3)
        timing["p99_x_encode"] = round(statistics.median([p / e for p, e in zip(p99s, encodes)]), 3)
    return timing


def recalls(index, vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, candidates: list[int]) -> dict:
    """Recall@10 of the index's own top 10, and of its top k rescored exactly for each k
    (120 is what search asks for; more shows what a wider ask would buy)."""
    figures = {"recall_at_10": round(recall_at_10(index.search(queries, 10)[1], truth), 4)}
    for k in candidates:
        found = index.search(queries, k)[1]
        rescored = recall_at_10(rescored_top10(vectors, queries, found), truth)
        figures["recall_at_10_rescored" if k == CANDIDATES else f"recall_at_10_rescored_{k}"] = round(rescored, 4)
        if k == CANDIDATES:
            figures["top10_in_first_30"] = round(recall_at_10(found[:, :SEARCH_KEEPS], truth), 4)
    return figures


def measure(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, variant: Variant, settings) -> list[dict]:
    """One row per search width of `variant`."""
    import faiss

    with tempfile.TemporaryDirectory() as folder:
        path, build_seconds = built_file(variant, vectors, settings.name, settings.keep_dir, Path(folder))
        gc.collect()
        before = memory_kib()
        index = variant.load(path, vectors)
        faiss.omp_set_num_threads(1)
        rows = []
        for width in variant.widths:
            if width is not None:
                variant.set_width(index, width)
            timing = timed_passes(index, queries, settings.repeats, settings.clock)
            after = memory_kib()
            rows.append({
                "type": variant.label if width is None else f"{variant.label} {'nprobe' if 'IVF' in variant.label else 'ef'}{width}",
                "default_setting": width == variant.widths[0],
                "build_seconds": round(build_seconds, 2),
                "disk_mb": round(path.stat().st_size / 1e6, 1),
                "rss_anon_mb": round((after["RssAnon"] - before["RssAnon"]) / 1024, 1),
                "rss_file_mb": round((after["RssFile"] - before["RssFile"]) / 1024, 1),
                **timing,
                **recalls(index, vectors, queries, truth, settings.candidates),
            })
        del index
        return rows


@dataclass(frozen=True)
class Settings:
    name: str
    repeats: int
    candidates: list[int]
    keep_dir: Path | None
    clock: EncodeClock | None


def run_size(name: str, vectors: np.ndarray, queries: np.ndarray, variants: list[Variant], settings: Settings) -> list[dict]:
    truth = exact_top10(vectors, queries)
    rows = []
    for variant in variants:
        for measured in measure(vectors, queries, truth, variant, settings):
            row = {"vectors": name, "count": len(vectors), "chosen": variant.chosen and measured["default_setting"], **measured}
            print(format_row(row), flush=True)
            rows.append(row)
    return rows


def format_row(row: dict) -> str:
    line = (
        f"{row['vectors']:>22} {row['type']:>16}{'*' if row['chosen'] else ' '} build {row['build_seconds']:7.1f}s  "
        f"disk {row['disk_mb']:8.1f} MB  rss anon {row['rss_anon_mb']:7.1f} MB file {row['rss_file_mb']:7.1f} MB  "
        f"p50 {row['p50_ms']:7.3f} ms  p99 {row['p99_ms']:7.3f} ms  recall@10 {row['recall_at_10']:.3f} "
        f"rescored {row['recall_at_10_rescored']:.3f}"
    )
    wider = [f"@{key.rsplit('_', 1)[1]} {value:.3f}" for key, value in row.items() if key.startswith("recall_at_10_rescored_")]
    if wider:
        line += " " + " ".join(wider)
    if "top10_in_first_30" in row:
        line += f" first30 {row['top10_in_first_30']:.3f}"
    if "encode_ms" in row:
        line += f"  | encode {row['encode_ms']:.1f} ms: p50 {row['p50_x_encode']:.2f}x p99 {row['p99_x_encode']:.2f}x"
    return line
