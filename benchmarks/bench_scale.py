"""How the unit-vector index behaves from 10,000 to 1,000,000 vectors.

Embedding a million real paragraphs takes days on a 2-core machine, so this benchmark uses
synthetic unit vectors: 384-d, bunched around random centres the way sentence embeddings
bunch by topic, with questions drawn near stored vectors. It measures only the vector
search (what `newsbot.retrieval.index.vector_index` builds for that many units), not BM25 or reranking,
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

This file is the run; the pieces live beside it: `scale_vectors` (the vectors and exact truth),
`scale_variants` (the index configurations), `scale_measure` (one index measured, its rows),
`encode_clock` (the model's encode, the yardstick for latency).
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import time
from pathlib import Path

from newsbot.retrieval.embedding.threads import configure_threads

configure_threads()  # before numpy and faiss load: their thread pools read it once

import numpy as np  # noqa: E402

from benchmarks.encode_clock import EncodeClock  # noqa: E402
from benchmarks.scale_measure import CANDIDATES, Settings, run_size  # noqa: E402
from benchmarks.scale_variants import variants_for  # noqa: E402
from benchmarks.scale_vectors import clustered_unit_vectors, questions_near, shaped_like  # noqa: E402


def main() -> None:
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
        from newsbot.retrieval.index import store

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
