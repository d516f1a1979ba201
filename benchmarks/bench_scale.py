"""How the unit-vector index behaves from 10,000 to 1,000,000 vectors.

Embedding a million real paragraphs takes days on a 2-core machine, so this benchmark uses
synthetic unit vectors: 384-d, bunched around random centres the way sentence embeddings
bunch by topic, with questions drawn near stored vectors. It measures only the vector
search (what `retrieval.vector_index` builds for that many units), not BM25 or reranking,
and says so in its output. With `--real-index DIR` it also runs on a real index's vectors.

For each size and index type (exact flat, and the one newsbot chooses for that size):
build seconds, size on disk, resident memory after loading it (anonymous and file-backed:
memory-mapped pages are file-backed and shared between processes), single-thread query
p50/p99 for the 120 neighbours search asks for, and recall@10 against exact search: of the
index's own top 10, and of its 120 candidates rescored exactly (which is what search does).
Medians over `--repeats` passes.

    python -m benchmarks.bench_scale [--sizes 10000 100000 1000000] [--real-index index]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import tempfile
import time
from pathlib import Path

from retrieval.threads import configure_threads

configure_threads()

import numpy as np  # noqa: E402

from retrieval import vector_index  # noqa: E402

DIMENSION = 384
CANDIDATES = 120  # search asks the unit index for 4 x 30 neighbours


def clustered_unit_vectors(count: int, seed: int, dimension: int = DIMENSION) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(max(count // 100, 1), dimension)).astype(np.float32)
    vectors = centres[rng.integers(0, len(centres), count)]
    vectors += 0.6 * rng.normal(size=(count, dimension)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def shaped_like(real: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Vectors drawn from a Gaussian with a real index's mean and covariance, normalised.

    Sentence embeddings fill only a few of their 384 directions; these keep the real
    spectrum (how spread the data is along each principal direction), which decides how
    hard graph search is, where `clustered_unit_vectors` spreads its noise over all of them.
    """
    rng = np.random.default_rng(seed)
    mean = real.mean(axis=0)
    _, spread, directions = np.linalg.svd(real - mean, full_matrices=False)
    scale = (spread / np.sqrt(len(real) - 1)).astype(np.float32)
    vectors = np.empty((count, real.shape[1]), dtype=np.float32)
    for start in range(0, count, 100_000):
        block = rng.standard_normal((min(100_000, count - start), len(scale)), dtype=np.float32) * scale
        vectors[start : start + len(block)] = block @ directions.astype(np.float32) + mean
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors


def questions_near(vectors: np.ndarray, count: int, seed: int) -> np.ndarray:
    """Queries that resemble stored vectors without being copies of them."""
    rng = np.random.default_rng(seed)
    picked = vectors[rng.integers(0, len(vectors), count)]
    noisy = picked + 0.04 * rng.normal(size=picked.shape).astype(np.float32)
    return noisy / np.linalg.norm(noisy, axis=1, keepdims=True)


def exact_top10(vectors: np.ndarray, queries: np.ndarray) -> np.ndarray:
    import faiss

    flat = faiss.IndexFlatIP(vectors.shape[1])
    flat.add(vectors)
    return flat.search(queries, 10)[1]


def recall_at_10(found, truth) -> float:
    return float(np.mean([len(set(f) & set(t)) / 10 for f, t in zip(found, truth)]))


def rescored_top10(vectors: np.ndarray, queries: np.ndarray, candidates: np.ndarray) -> np.ndarray:
    """What search does with the index's answer: rescore its candidates exactly, keep the best."""
    best = []
    for query, rows in zip(queries, candidates):
        rows = rows[rows >= 0]
        best.append(rows[np.argsort(-(vectors[rows] @ query), kind="stable")[:10]])
    return best


def memory_kib() -> dict[str, int]:
    fields = {}
    with open("/proc/self/status") as status:
        for line in status:
            name, _, value = line.partition(":")
            if name in ("RssAnon", "RssFile"):
                fields[name] = int(value.split()[0])
    return fields


def measure(vectors: np.ndarray, queries: np.ndarray, truth: np.ndarray, kind: str, params: dict, repeats: int, ef_values: list[int]) -> list[dict]:
    """One row per search setting: the chosen efSearch and `ef_values` for a graph, one row for flat."""
    import faiss

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "index.faiss"
        faiss.omp_set_num_threads(os.cpu_count() or 1)
        started = time.perf_counter()
        built = vector_index.build(vectors, kind, params)
        build_seconds = time.perf_counter() - started
        vector_index.write(built, path)
        del built
        gc.collect()
        before = memory_kib()
        index = vector_index.load(path, kind, params)
        faiss.omp_set_num_threads(1)
        settings = [None] if kind == vector_index.FLAT else list(dict.fromkeys([params["ef_search"], *ef_values]))
        rows = []
        for ef in settings:
            if ef is not None:
                index.hnsw.efSearch = ef
            p50s, p99s = [], []
            for _ in range(repeats):
                times = []
                for query in queries:
                    started = time.perf_counter()
                    index.search(query[None, :], CANDIDATES)
                    times.append(time.perf_counter() - started)
                p50s.append(float(np.percentile(times, 50)))
                p99s.append(float(np.percentile(times, 99)))
            found = index.search(queries, 10)[1]
            after = memory_kib()
            recall = recall_at_10(found, truth)
            recall_rescored = recall_at_10(rescored_top10(vectors, queries, index.search(queries, CANDIDATES)[1]), truth)
            rows.append({
                "type": kind if ef is None else f"{kind} ef{ef}",
                "default_setting": ef is None or ef == params["ef_search"],
                "build_seconds": round(build_seconds, 2),
                "disk_mb": round(path.stat().st_size / 1e6, 1),
                "rss_anon_mb": round((after["RssAnon"] - before["RssAnon"]) / 1024, 1),
                "rss_file_mb": round((after["RssFile"] - before["RssFile"]) / 1024, 1),
                "p50_ms": round(1000 * statistics.median(p50s), 3),
                "p99_ms": round(1000 * statistics.median(p99s), 3),
                "recall_at_10": round(recall, 4),
                "recall_at_10_rescored": round(recall_rescored, 4),
            })
        return rows


def run_size(name: str, vectors: np.ndarray, queries: np.ndarray, repeats: int, kinds: list[str], ef_values: list[int]) -> list[dict]:
    truth = exact_top10(vectors, queries)
    chosen, chosen_params = vector_index.choose(len(vectors))
    rows = []
    for kind in dict.fromkeys([*kinds, chosen]):
        params = chosen_params if kind == chosen else vector_index.default_params(kind)
        for measured in measure(vectors, queries, truth, kind, params, repeats, ef_values):
            row = {"vectors": name, "count": len(vectors), "chosen": kind == chosen and measured["default_setting"], **measured}
            print(
                f"{name:>22} {row['type']:>16}{'*' if row['chosen'] else ' '} build {row['build_seconds']:7.1f}s  "
                f"disk {row['disk_mb']:8.1f} MB  rss anon {row['rss_anon_mb']:7.1f} MB file {row['rss_file_mb']:7.1f} MB  "
                f"p50 {row['p50_ms']:7.3f} ms  p99 {row['p99_ms']:7.3f} ms  recall@10 {row['recall_at_10']:.3f} "
                f"rescored {row['recall_at_10_rescored']:.3f}",
                flush=True,
            )
            rows.append(row)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ef-search", type=int, nargs="*", default=[64, 256, 512], help="graph search widths to try besides the default")
    parser.add_argument("--real-index", type=Path, help="also measure on this index folder's unit vectors")
    parser.add_argument("--shaped-like", action="store_true", help="draw the synthetic sizes with the real index's mean and covariance (needs --real-index)")
    parser.add_argument("--skip-real", action="store_true", help="with --shaped-like, do not measure the real vectors themselves")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results") / time.strftime("bench_scale-%Y%m%d-%H%M%S.json"))
    args = parser.parse_args()

    print(f"cores: {os.cpu_count()}; vector search only (no BM25, no rerank); * = what newsbot picks for that size")
    both = [vector_index.FLAT, vector_index.HNSW]
    rows = []
    real = None
    if args.real_index is not None:
        from retrieval import store

        real = np.ascontiguousarray(store.load(args.real_index).data.vectors, dtype=np.float32)
        if not args.skip_real:
            rows += run_size(f"real units ({len(real):,})", real, questions_near(real, args.queries, 1), args.repeats, both, args.ef_search)
    for size in args.sizes:
        if args.shaped_like and real is not None:
            name, vectors = f"real-shaped {size:,}", shaped_like(real, size, seed=size)
        else:
            name, vectors = f"synthetic {size:,}", clustered_unit_vectors(size, seed=size)
        rows += run_size(name, vectors, questions_near(vectors, args.queries, 1), args.repeats, both, args.ef_search)
        del vectors
        gc.collect()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cores": os.cpu_count(), "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
