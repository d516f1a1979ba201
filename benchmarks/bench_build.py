"""What a from-scratch build costs as the corpus grows: time, peak memory and disk.

Embedding 100,000 real paragraphs takes about two hours on a 2-core machine, so this builds
with `bench_update.StandInEmbedder` (hashed word vectors of the model's dimension, token
vectors of realistic count). The model's own cost is measured by `bench_core`; this measures
everything around it: reading and cleaning the articles, writing the segment block by block,
BM25, the vector index, token frequencies. Each build runs in a fresh child process, whose
peak resident memory comes from wait4.

    python -m benchmarks.bench_build --sizes 10000 100000 --workdir /some/scratch

Prints one row per size and writes JSON to benchmarks/results/build.json.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

from benchmarks.bench_update import StandInEmbedder, write_config
from benchmarks.measuring import run_timed
from benchmarks.paths import RESULTS
from benchmarks.synthetic_corpus import generate

FILE_KINDS = {  # a segment's files, grouped for the size columns
    "vectors": ("vectors.npy", "units.npy"),
    "faiss": ("index.faiss",),
    "tokens": ("tokens_",),
    "bm25": ("bm25_",),
    "passages": ("passages.jsonl",),
}


def build_in_this_process(workdir: Path) -> None:
    from newsbot.bot.config import load_config
    from newsbot.retrieval.indexing import building

    config = load_config(write_config(workdir))
    report = building.build(config.corpus_dirs, config.paragraphs, config.index_dir, StandInEmbedder(), full=True)
    print(json.dumps({"passages": report.passages}))


def disk_megabytes(index_dir: Path) -> dict[str, float]:
    from newsbot.retrieval.index.generations import current_generation

    generation = current_generation(index_dir)
    sizes = dict.fromkeys(FILE_KINDS, 0)
    for path in generation.rglob("*"):
        if path.is_file():
            top = path.relative_to(generation).parts[1] if len(path.relative_to(generation).parts) > 1 else path.name
            kind = next((k for k, prefixes in FILE_KINDS.items() if top.startswith(prefixes)), None)
            if kind:
                sizes[kind] += path.stat().st_size
    megabytes = {kind: round(size / 2**20) for kind, size in sizes.items()}
    megabytes["total"] = sum(megabytes.values())
    return megabytes


def measure(workdir: Path, paragraphs: int) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    if not (workdir / "corpus").is_dir():
        generate(workdir / "corpus", paragraphs, seed=1)
    run = run_timed([sys.executable, "-m", "benchmarks.bench_build", "--child", str(workdir)], dict(os.environ))
    from newsbot.retrieval.index.generations import current_generation
    from newsbot.retrieval.index.manifest import read_manifest

    manifest = read_manifest(current_generation(workdir / "index"))
    units = sum(entry.units for entry in manifest.segments)
    return {
        "paragraphs": manifest.passages,
        "units": units,
        "build_s": round(run.wall, 1),
        "passages_per_s": round(manifest.passages / run.wall),
        "units_per_s": round(units / run.wall),
        "peak_rss_mb": round(run.max_rss_mb),
        "disk_mb": disk_megabytes(workdir / "index"),
        "index_type": [entry.index_type for entry in manifest.segments],
    }


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[10_000, 100_000])
    parser.add_argument("--workdir", type=Path, help="scratch folder (corpora kept and reused); required")
    parser.add_argument("--child", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        build_in_this_process(args.child)
        return
    if args.workdir is None:
        parser.error("--workdir is required")
    rows = []
    print(f"cores: {os.cpu_count()}; stand-in embedder: timings exclude the model", flush=True)
    for size in args.sizes:
        row = measure(args.workdir / f"build-{size}", size)
        rows.append(row)
        disk = ", ".join(f"{kind} {mb}" for kind, mb in row["disk_mb"].items())
        print(
            f"{row['paragraphs']:>9,} paragraphs {row['units']:>9,} units  {row['build_s']:>7.1f} s "
            f"({row['units_per_s']:,} units/s)  peak {row['peak_rss_mb']:,} MB  disk MB: {disk}",
            flush=True,
        )
    RESULTS.mkdir(exist_ok=True)
    result = {"cores": os.cpu_count(), "when": time.strftime("%Y-%m-%d %H:%M"), "rows": rows}
    (RESULTS / "build.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
