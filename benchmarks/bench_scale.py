"""How the unit-vector index behaves from 10,000 to 1,000,000 vectors.

Embedding a million real paragraphs takes days on a 2-core machine, so this benchmark uses
synthetic unit vectors: 384-d, bunched around random centres the way sentence embeddings
bunch by topic, with questions drawn near stored vectors. It measures only the vector
search (what `retrieval.index.vector_index` builds for that many units), not BM25 or reranking,
and says so in its output. With `--real-index DIR` it also runs on a real index's vectors.

For each size and index type (exact flat, and the one newsbot chooses for that size):
build seconds, size on disk, resident memory after loading it (anonymous and file-backed:
memory-mapped pages are file-backed and shared between processes), single-thread query
p50/p99 for the 120 neighbours search asks for, and recall@10 against exact search: of the
index's own top 10, of its 120 candidates rescored exactly (the candidates whose exact
scores search sees), and the share of the true top 10 among its first 30 as it orders them
(search keeps the first 30 passages in the index's order: a PCA index needs a rescore first).
Medians over `--repeats` passes. Latency is also given as a ratio to the model's own
single-thread encode of one question, timed in a helper process just before each pass
(`--encode`), since the targets are ratios and the machine is shared.

`--factory` measures other FAISS configurations instead (index_factory descriptions such as
`HNSW32_SQ8`, `HNSW32_PQ64`, `PCA128,HNSW32_SQ8`, `IVF4096,SQ8`), each built once per
`--ef-construction` and searched at every `--ef-search` (graphs) or `--nprobe` (IVF);
`--keep-dir` keeps the built files so a later run sweeps other widths without rebuilding.

    python -m benchmarks.bench_scale [--sizes 10000 100000 1000000] [--real-index index]
    python -m benchmarks.bench_scale --real-index path/to/index --shaped-like --skip-real \
        --sizes 1000000 --factory HNSW32_SQ8 --ef-construction 40 100 --ef-search 512 1024 2048
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from retrieval.embedding.threads import configure_threads

configure_threads()

import numpy as np  # noqa: E402

from retrieval.index import vector_index  # noqa: E402

DIMENSION = 384
CANDIDATES = 120  # search asks the unit index for 4 x 30 neighbours
SEARCH_KEEPS = 30  # ...and keeps the first 30 passages among them, in the index's order
TRAIN_SAMPLE = 200_000  # vectors a factory index trains its quantiser (PQ, PCA, IVF) on
ENCODE_SAMPLE = 30  # single-question encodes timed before each search pass
QUESTIONS = Path(__file__).resolve().parent / "questions" / "shipped.jsonl"


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


def exact_top10(vectors: np.ndarray, queries: np.ndarray, block: int = 100_000) -> np.ndarray:
    """The true top 10 by inner product, a block at a time: a flat index would copy the
    vectors (6 GB at 3.8 million), this needs only one block's scores."""
    best_scores = np.full((len(queries), 0), -np.inf, dtype=np.float32)
    best_rows = np.zeros((len(queries), 0), dtype=np.int64)
    for start in range(0, len(vectors), block):
        scores = queries @ vectors[start : start + block].T
        top = np.argpartition(-scores, min(10, scores.shape[1] - 1), axis=1)[:, :10]
        best_scores = np.concatenate([best_scores, np.take_along_axis(scores, top, axis=1)], axis=1)
        best_rows = np.concatenate([best_rows, top + start], axis=1)
        keep = np.argsort(-best_scores, axis=1, kind="stable")[:, :10]
        best_scores = np.take_along_axis(best_scores, keep, axis=1)
        best_rows = np.take_along_axis(best_rows, keep, axis=1)
    return best_rows


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


# --- the model's own encode, the yardstick for latency --------------------------------------


class EncodeClock:
    """Times the model encoding one question, single-threaded, in a helper process.

    The latency targets are ratios to this encode, and the machine is shared, so it is timed
    right before each search pass rather than once; a separate process keeps torch's threads
    and memory out of the search process and its resident-memory figures.
    """

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.process = subprocess.Popen(
            [sys.executable, "-m", "benchmarks.bench_scale", "--encode-worker", kind],
            cwd=Path(__file__).resolve().parent.parent, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
        )
        self.median_ms()  # waits for the model to load and warm up

    def median_ms(self, count: int = ENCODE_SAMPLE) -> float:
        self.process.stdin.write(f"{count}\n")
        self.process.stdin.flush()
        return float(self.process.stdout.readline())

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def question_encoder(kind: str) -> Callable[[str], Any]:
    """`st`: sentence-transformers' `encode`, what the targets name; `onnx`: newsbot's own
    query path (the export beside ./index), with token vectors as search asks for them."""
    if kind == "onnx":
        from retrieval.embedding.onnx_folder import export_dir
        from retrieval.embedding.onnx_embedder import OnnxEmbedder

        embedder = OnnxEmbedder(export_dir(Path("index"), "all-MiniLM-L6-v2"), threads=1)
        return lambda text: embedder.embed_with_tokens([text])
    import torch
    from sentence_transformers import SentenceTransformer

    from retrieval.embedding.sentence_transformer import resolve_model_path

    torch.set_num_threads(1)
    model = SentenceTransformer(resolve_model_path("all-MiniLM-L6-v2"), device="cpu")
    return lambda text: model.encode(text, show_progress_bar=False)


def encode_worker(kind: str) -> None:
    """The helper behind `EncodeClock`: for each count read, the median ms of that many encodes."""
    encode = question_encoder(kind)
    questions = [json.loads(line)["q"] for line in QUESTIONS.read_text(encoding="utf-8").splitlines() if line.strip()]
    turn = 0
    for line in sys.stdin:
        times = []
        for _ in range(int(line)):
            question = questions[turn % len(questions)]
            turn += 1
            started = time.perf_counter()
            encode(question)
            times.append(time.perf_counter() - started)
        print(1000 * statistics.median(times), flush=True)


# --- index configurations -------------------------------------------------------------------


@dataclass(frozen=True)
class Variant:
    """One index configuration: how to build and load it, and the search widths to sweep.

    `widths` are efSearch for a graph, nprobe for IVF, [None] for an index without one;
    the first is the configuration's default (newsbot's own for the type it picks).
    """

    label: str
    build: Callable[[np.ndarray], Any]
    load: Callable[[Path, np.ndarray], Any]  # (index file, the vectors it was built from)
    widths: list[int | None]
    set_width: Callable[[Any, int], None]
    chosen: bool = False


def newsbot_variant(kind: str, params: dict, chosen: bool, ef_values: list[int]) -> Variant:
    """An index exactly as `retrieval.index.vector_index` builds and loads it."""
    widths = [None] if kind == vector_index.FLAT else list(dict.fromkeys([params["ef_search"], *ef_values]))

    return Variant(
        kind, lambda vectors: vector_index.build(vectors, kind, params, np.arange(len(vectors))),
        lambda path, vectors: vector_index.load(path, kind, params, vectors, len(vectors)),
        widths, vector_index.set_search_width, chosen,
    )


def factory_variant(spec: str, ef_construction: int, ef_values: list[int], nprobes: list[int]) -> Variant:
    """A FAISS index_factory description, with L2 distance: the vectors are unit length, so L2
    ranks as inner product does, and unlike inner product it survives PCA's centring."""
    is_ivf = spec.startswith("IVF") or ",IVF" in spec
    label = spec + (f" efc{ef_construction}" if "HNSW" in spec else "")

    def set_width(index, width: int) -> None:
        import faiss

        space = faiss.ParameterSpace()
        if is_ivf:
            space.set_index_parameter(index, "nprobe", width)
            if "_HNSW" in spec:  # an HNSW graph over the IVF centroids
                space.set_index_parameter(index, "quantizer_efSearch", max(2 * width, 64))
        else:
            space.set_index_parameter(index, "efSearch", width)

    return Variant(
        label, lambda vectors: build_factory(vectors, spec, ef_construction), load_mapped,
        list(nprobes) if is_ivf else list(ef_values) if "HNSW" in spec else [None], set_width,
    )


def build_factory(vectors: np.ndarray, spec: str, ef_construction: int):
    import faiss

    faiss.omp_set_num_threads(os.cpu_count() or 1)
    index = faiss.index_factory(vectors.shape[1], spec, faiss.METRIC_L2)
    for graph in graphs_in(index):
        graph.efConstruction = ef_construction
    if not index.is_trained:
        rows = np.random.default_rng(0).choice(len(vectors), min(len(vectors), TRAIN_SAMPLE), replace=False)
        index.train(np.ascontiguousarray(vectors[np.sort(rows)]))
    for start in range(0, len(vectors), 500_000):  # no float copy of the whole set at once
        index.add(np.ascontiguousarray(vectors[start : start + 500_000], dtype=np.float32))
    return index


def graphs_in(index) -> list:
    """The HNSW graphs inside a factory index (behind a PCA, or over IVF centroids)."""
    import faiss

    index = faiss.downcast_index(index)
    if isinstance(index, faiss.IndexPreTransform):
        return graphs_in(index.index)
    if isinstance(index, faiss.IndexHNSW):
        return [index.hnsw]
    if isinstance(index, faiss.IndexIVF):
        return graphs_in(index.quantizer)
    return []


def load_mapped(path: Path, vectors: np.ndarray | None = None):
    """Loaded as newsbot loads its own index: memory-mapped and read-only where FAISS can."""
    import faiss

    return faiss.read_index(str(path), faiss.IO_FLAG_MMAP_IFC | faiss.IO_FLAG_READ_ONLY)


def variants_for(count: int, args) -> list[Variant]:
    """`--factory` configurations when given, else exact flat and what newsbot picks."""
    if args.factory:
        return [
            factory_variant(spec, efc, args.ef_search, args.nprobe)
            for spec in args.factory
            for efc in (args.ef_construction if "HNSW" in spec else args.ef_construction[:1])
        ]
    chosen, chosen_params = vector_index.choose(count)
    kinds = dict.fromkeys([vector_index.FLAT, vector_index.HNSW, chosen])
    return [
        newsbot_variant(kind, chosen_params if kind == chosen else vector_index.default_params(kind), kind == chosen, args.ef_search)
        for kind in kinds
    ]


# --- measuring ------------------------------------------------------------------------------


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


def main() -> None:
    if sys.argv[1:2] == ["--encode-worker"]:
        encode_worker(sys.argv[2])
        return
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000, 1_000_000])
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--ef-search", type=int, nargs="*", default=[64, 256, 512], help="graph search widths to try besides the default")
    parser.add_argument("--real-index", type=Path, help="also measure on this index folder's unit vectors")
    parser.add_argument("--shaped-like", action="store_true", help="draw the synthetic sizes with the real index's mean and covariance (needs --real-index)")
    parser.add_argument("--skip-real", action="store_true", help="with --shaped-like, do not measure the real vectors themselves")
    parser.add_argument("--factory", nargs="+", metavar="SPEC", help="FAISS index_factory descriptions to measure instead of flat and newsbot's pick")
    parser.add_argument("--ef-construction", type=int, nargs="+", default=[40], help="graph build widths for --factory graphs, one build each")
    parser.add_argument("--nprobe", type=int, nargs="+", default=[16, 32, 64, 128], help="lists searched, for --factory IVF indexes")
    parser.add_argument("--candidates", type=int, nargs="+", default=[CANDIDATES], help="rescored recall@10 of this many candidates (120: what search asks)")
    parser.add_argument("--encode", choices=["st", "onnx", "none"], default="st", help="time the model's single-thread encode of one question: sentence-transformers, newsbot's ONNX path, or not at all")
    parser.add_argument("--keep-dir", type=Path, help="keep built indexes here and reuse them on later runs (same sizes and seeds)")
    parser.add_argument("--out", type=Path, default=Path("benchmarks/results") / time.strftime("bench_scale-%Y%m%d-%H%M%S.json"))
    args = parser.parse_args()

    clock = None if args.encode == "none" else EncodeClock(args.encode)
    print(f"cores: {os.cpu_count()}; vector search only (no BM25, no rerank); * = what newsbot picks for that size"
          + (f"; latency also as a ratio to {args.encode} encode of one question, 1 thread" if clock else ""))
    rows = []
    real = None

    def settings(name: str) -> Settings:
        return Settings(name, args.repeats, args.candidates, args.keep_dir, clock)

    if args.real_index is not None:
        from retrieval.index import store

        real = np.ascontiguousarray(store.load(args.real_index).data.vectors, dtype=np.float32)
        if not args.skip_real:
            name = f"real units ({len(real):,})"
            rows += run_size(name, real, questions_near(real, args.queries, 1), variants_for(len(real), args), settings(name))
    for size in args.sizes:
        if args.shaped_like and real is not None:
            name, vectors = f"real-shaped {size:,}", shaped_like(real, size, seed=size)
        else:
            name, vectors = f"synthetic {size:,}", clustered_unit_vectors(size, seed=size)
        rows += run_size(name, vectors, questions_near(vectors, args.queries, 1), variants_for(size, args), settings(name))
        del vectors
        gc.collect()
    if clock is not None:
        clock.close()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps({"cores": os.cpu_count(), "encode": args.encode, "rows": rows}, indent=2) + "\n")
    print(f"wrote {args.out}")


if __name__ == "__main__":
    main()
