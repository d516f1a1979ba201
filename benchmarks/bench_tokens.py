"""The reranker's token vectors as int8 against product-quantisation codes: MaxSim time, codebook
training and encoding time, and bytes on disk at 10k, 100k and 1M paragraphs.

    python -m benchmarks.bench_tokens --index /path/to/index_dir [--calls 2000]

Reads the real token vectors of the index's first segment (int8, or codes decoded back), so
the codebook is trained on real vectors as a build trains it (`TRAIN_TOKENS` of them, drawn
evenly). MaxSim
is timed on rerank-sized pools (20 passages, as `[search] rerank`) with 12 question tokens
taken from other passages, int8 and codes alternating call by call in one process; the ratio
is the median of the per-call ratios. Sizes on paper: measured bytes per token times the
index's tokens per paragraph. Writes benchmarks/results/tokens.json.
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")  # as questions run (newsbot.retrieval.embedding.threads)

import numpy as np

from benchmarks.paths import RESULTS

INT8_BYTES = 384 + 4  # int8 codes and a float32 scale
PARAGRAPHS = (10_000, 100_000, 1_000_000)


def token_vectors(index_dir: Path):
    """(float32 vectors, offsets, document frequencies) of the first segment's tokens."""
    from newsbot.retrieval.embedding.int8 import dequantise
    from newsbot.retrieval.index import store

    tokens = store.load(index_dir).segments[0].token_store
    if tokens is None:
        raise SystemExit(f"{index_dir}: no token vectors (a model without them)")
    if tokens.codec is None:
        vectors = dequantise(np.asarray(tokens.codes), np.asarray(tokens.scales))
    else:
        vectors = tokens.codec.vectors(np.asarray(tokens.codes))
    return tokens, vectors


def stores(tokens, vectors: np.ndarray):
    """The same tokens as an int8 store and as a coded one, and what coding them cost."""
    from newsbot.retrieval.embedding.int8 import quantise
    from newsbot.retrieval.index.token_codec import TRAIN_TOKENS, TokenCodec
    from newsbot.retrieval.index.token_store import TokenStore

    codes8, scales = quantise(vectors)
    int8 = TokenStore.from_arrays(tokens.ids, codes8, scales, tokens.offsets, tokens.document_frequencies)
    started = time.perf_counter()
    codec = TokenCodec.train(vectors[np.linspace(0, len(vectors) - 1, min(len(vectors), TRAIN_TOKENS)).astype(np.int64)])
    trained = time.perf_counter() - started
    started = time.perf_counter()
    codes = codec.encode(vectors)
    encoded = time.perf_counter() - started
    coded = TokenStore.from_arrays(tokens.ids, codes, None, tokens.offsets, tokens.document_frequencies, codec)
    costs = {"train_tokens": min(len(vectors), TRAIN_TOKENS), "train_s": round(trained, 1),
             "encode_tokens_per_s": round(len(vectors) / max(encoded, 1e-9))}
    return int8, coded, costs


def time_maxsim(int8, coded, vectors: np.ndarray, calls: int, seed: int = 0) -> dict:
    from newsbot.retrieval.embedding.embedder import TokenVectors

    rng = np.random.default_rng(seed)
    passages = int8.passages
    ratios, int8_s, coded_s = [], [], []
    for _ in range(calls):
        question = TokenVectors(np.zeros(12, np.int32), vectors[rng.choice(len(vectors), 12, replace=False)])
        rows = np.sort(rng.choice(passages, min(20, passages), replace=False))
        weights = np.full(12, 1 / 12, dtype=np.float32)
        started = time.perf_counter()
        int8.weighted_maxsim(question, rows, weights)
        middle = time.perf_counter()
        coded.weighted_maxsim(question, rows, weights)
        ended = time.perf_counter()
        int8_s.append(middle - started)
        coded_s.append(ended - middle)
        ratios.append((ended - middle) / (middle - started))
    return {"calls": calls, "int8_ms": round(float(np.median(int8_s)) * 1e3, 3),
            "codes_ms": round(float(np.median(coded_s)) * 1e3, 3), "ratio": round(float(np.median(ratios)), 2)}


def sizes(coded, tokens_per_paragraph: float) -> list[dict]:
    codec = coded.codec
    fixed = codec.centroids.nbytes + codec.rotation.nbytes
    rows = []
    for paragraphs in PARAGRAPHS:
        tokens = paragraphs * tokens_per_paragraph
        rows.append({"paragraphs": paragraphs, "int8_mb": round(tokens * INT8_BYTES / 1e6),
                     "codes_mb": round((tokens * codec.pieces + fixed) / 1e6)})
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, required=True, help="an index folder built with token vectors")
    parser.add_argument("--calls", type=int, default=2000)
    args = parser.parse_args(argv)
    tokens, vectors = token_vectors(args.index)
    int8, coded, costs = stores(tokens, vectors)
    per_paragraph = len(vectors) / tokens.passages
    report = {"tokens": len(vectors), "passages": tokens.passages, "tokens_per_paragraph": round(per_paragraph, 1),
              "bytes_per_token": {"int8": INT8_BYTES, "codes": coded.codec.pieces}, **costs,
              "maxsim": time_maxsim(int8, coded, vectors, args.calls), "sizes": sizes(coded, per_paragraph)}
    RESULTS.mkdir(exist_ok=True)
    (RESULTS / "tokens.json").write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    m = report["maxsim"]
    print(f"{report['tokens']:,} tokens in {report['passages']:,} passages ({per_paragraph:.0f} a paragraph)")
    print(f"codebook: {costs['train_s']} s on {costs['train_tokens']:,} tokens; encoding {costs['encode_tokens_per_s']:,} tokens/s")
    print(f"MaxSim over 20 passages: int8 {m['int8_ms']} ms, codes {m['codes_ms']} ms, median per-call ratio {m['ratio']}")
    for row in report["sizes"]:
        print(f"{row['paragraphs']:>9,} paragraphs: token vectors {row['int8_mb']:>7,} MB as int8, {row['codes_mb']:>6,} MB as codes")


if __name__ == "__main__":
    main()
