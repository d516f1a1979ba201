"""`bench_core`'s results read against the targets: the ratios of medians, and the table it prints.

Pure functions of the results dictionary (the one written to JSON), so the report of an
old results file can be printed again, and a new figure changes only this file and the
measurement that takes it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from benchmarks.core_setup import Plan


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

