"""What adding one article costs as the index grows: `newsbot add` timed end to end.

Building a real 100,000-paragraph index takes about two hours of embedding on a 2-core
machine, so the base index here is built by a stand-in embedder: hashed word-piece
vectors with the model's name and dimension, and token vectors of realistic count. The
base's vectors are therefore not the model's; everything timed afterwards is real: the
command `newsbot add ARTICLE` in a fresh process, with the configured model (through its
ONNX export) embedding the new article, writing a new segment and linking the old one.
A cold `newsbot ask` against the resulting segmented index is timed too.

    python -m benchmarks.bench_update --paragraphs 100000 --workdir /some/scratch [--repeats 5]

Prints medians and writes JSON to benchmarks/results/update-<paragraphs>.json.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import shutil
import statistics
import sys
import time
import zlib
from pathlib import Path

import numpy as np

from benchmarks.measuring import timed
from benchmarks.paths import REPO, RESULTS
from benchmarks.synthetic_corpus import generate, make_paragraph, make_title, sentence_pool

MODEL = "all-MiniLM-L6-v2"
VOCABULARY = 30_522  # MiniLM's word-piece vocabulary: the stand-in's ids stay within it


class StandInEmbedder:
    """Vectors from a fixed random table of word vectors: instant, and shaped like MiniLM's."""

    name = MODEL

    def __init__(self, dimension: int = 384) -> None:
        table = np.random.default_rng(0).standard_normal((VOCABULARY, dimension)).astype(np.float32)
        self.table = table / np.linalg.norm(table, axis=1, keepdims=True)
        self.ids: dict[str, int] = {}

    def _word_ids(self, text: str) -> np.ndarray:
        ids = [self.ids.setdefault(w, zlib.crc32(w.encode()) % VOCABULARY) for w in text.lower().split()]
        return np.array(ids or [0], dtype=np.int32)

    def embed_batch(self, texts):
        return self.embed_with_tokens(texts)[0]

    def embed_with_tokens(self, texts):
        from newsbot.retrieval.embedding.embedder import TokenVectors

        tokens = [TokenVectors(ids, self.table[ids]) for ids in map(self._word_ids, texts)]
        vectors = np.stack([t.vectors.mean(axis=0) for t in tokens])
        return vectors / np.linalg.norm(vectors, axis=1, keepdims=True), tokens


def write_config(workdir: Path) -> Path:
    path = workdir / "config.toml"
    path.write_text(f'[corpus]\ndirs = ["corpus"]\n[index]\ndir = "index"\nmodel = "{MODEL}"\n', encoding="utf-8")
    return path


def build_base(workdir: Path, paragraphs: int) -> dict:
    from newsbot.bot.config import load_config
    from newsbot.retrieval.indexing import building

    if not (workdir / "corpus").is_dir():
        generate(workdir / "corpus", paragraphs, seed=1)
    config = load_config(write_config(workdir))
    if (config.index_dir / "CURRENT").exists():
        return {"base_build_s": None}
    started = time.perf_counter()
    report = building.build(config.corpus_dirs, config.paragraphs, config.index_dir, StandInEmbedder())
    return {"base_build_s": round(time.perf_counter() - started, 1), "base_passages": report.passages}


def copy_export(index_dir: Path) -> None:
    """The repository's ONNX export of the model into `index_dir`: a stand-in build made none,
    and questions should be encoded as a real index's are."""
    from newsbot.retrieval.embedding.onnx_folder import export_dir

    source = export_dir(REPO / "index", MODEL)
    if not source.is_dir():
        sys.exit(f"no ONNX export in {source}: run `make ask Q=test` in the repository first")
    target = export_dir(index_dir, MODEL)
    if not target.exists():
        shutil.copytree(source, target)


def new_article(folder: Path, number: int, rng: random.Random, pool: list[str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    body = [make_paragraph(rng, pool) for _ in range(30)]
    path = folder / f"added_{number:03d}_{rng.randrange(10**9)}.txt"
    path.write_text("\n\n".join([make_title(rng, pool), *body]) + "\n", encoding="utf-8")
    return path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--paragraphs", type=int, default=100_000)
    parser.add_argument("--workdir", type=Path, required=True, help="scratch folder (kept, reused)")
    parser.add_argument("--repeats", type=int, default=5, help="articles added one by one")
    args = parser.parse_args(argv)
    args.workdir.mkdir(parents=True, exist_ok=True)
    result = {"cores": os.cpu_count(), "paragraphs": args.paragraphs, **build_base(args.workdir, args.paragraphs)}
    copy_export(args.workdir / "index")
    newsbot = [sys.executable, "-m", "newsbot.bot.cli"]
    config = ["--config", str(args.workdir / "config.toml")]
    rng, pool = random.Random(7), sentence_pool()
    adds = []
    for number in range(args.repeats):
        article = new_article(args.workdir / "incoming", number, rng, pool)
        seconds, output = timed([*newsbot, "add", str(article), *config])
        adds.append(seconds)
        print(f"add {number + 1}: {seconds:.2f} s  {output.splitlines()[-1]}", flush=True)
    asks = [timed([*newsbot, "ask", "who summoned the ambassador?", *config])[0] for _ in range(3)]
    from newsbot.retrieval.index.generations import current_generation
    from newsbot.retrieval.index.manifest import read_manifest

    manifest = read_manifest(current_generation(args.workdir / "index"))
    result.update(
        add_s=[round(s, 2) for s in adds],
        add_median_s=round(statistics.median(adds), 2),
        segments_after=len(manifest.segments),
        cold_ask_s=[round(s, 2) for s in asks],
        cold_ask_median_s=round(statistics.median(asks), 2),
    )
    print(json.dumps(result, indent=2))
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / f"update-{args.paragraphs}.json").write_text(json.dumps(result, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
