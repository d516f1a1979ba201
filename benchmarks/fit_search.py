"""Fit the follow-up ranking weights and the relevance models, and say how well they hold.

    python -m benchmarks.fit_search [--data ../shared/data] [--part followup|relevance|all]

- `followup`: the weights of `newsbot.retrieval.search.followup.WEIGHTS`, by listwise logistic regression
  (softmax over each follow-up's candidates) on CoQA's visible conversations, run through the
  shipped search so each turn's history is newsbot's own earlier answers. Cross-validated in
  5 folds by conversation; prints the weights fitted on all of them.
- `relevance`: `newsbot.retrieval.search.relevance`'s two logistic models (question alone; follow-up), on
  the first `JUDGED` passages of every question of our set, SQuAD 2.0's half dev and CoQA's
  first turns (alone), and CoQA's follow-ups. Each set weighs the same in the fit, so SQuAD's
  6,078 questions do not drown our 137. Prints the weights, a calibration table (of passages
  shown at about p, how many were right) and the refusal figures at each cut-off.

The constants are pasted into the code by hand: the product never fits anything at run time.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from newsbot.bot.app import open_library
from newsbot.bot.cli.common import rebuild as _rebuild
from newsbot.bot.cli.evaluate import config_for_corpus
from newsbot.bot.config import load_config
from newsbot.retrieval.search import relevance
from newsbot.retrieval.search.answer import Answer, Hit
from newsbot.retrieval.search.answering import clean_question, ranked_for, verdict_for
from newsbot.retrieval.search.conversation import Conversation
from newsbot.retrieval.search.evaluation import EvalQuestion, is_right, load_questions
from newsbot.retrieval.search.followup import WEIGHTS
from newsbot.retrieval.search.presenting import hits_for

REPO = Path(__file__).resolve().parent.parent
OWN_SET = REPO / "benchmarks" / "questions" / "shipped.jsonl"


def library_over(folders: list[Path]):
    library = open_library(config_for_corpus(load_config(REPO / "config.toml"), folders))
    _rebuild(library, full=False)
    return library


def walk(library, questions: list[EvalQuestion]):
    """Each question as the product asks it, with its ranking and per-row right flags."""
    index, settings = library.index(), library.search_settings
    conversation, current = Conversation(), None
    for question in questions:
        if question.conversation != current:
            conversation, current = Conversation(), question.conversation
        text = clean_question(question.q, settings)
        found = ranked_for(index, library.embedder, text, settings, 3, conversation if current else None)
        right = np.array([is_right(Hit(index.passages[r], 0.0), question) for r in found.ranking.rows], dtype=bool)
        yield question, found, right
        if current is not None:  # the conversation goes on from what the product answered
            verdict = verdict_for(index, library.embedder, text, settings, 3, conversation)
            conversation = conversation.followed_by(Answer(text, verdict.answered, hits_for(index, verdict, settings)))


# --- follow-up ranking -------------------------------------------------------------------

def fit_listwise(turns: list[tuple[np.ndarray, np.ndarray]], steps: int = 400, rate: float = 0.1) -> np.ndarray:
    weights = np.zeros(turns[0][0].shape[1])
    for _ in range(steps):
        gradient = np.zeros_like(weights)
        for matrix, right in turns:
            scores = matrix @ weights
            chance = np.exp(scores - scores.max())
            chance /= chance.sum()
            gradient += matrix.T @ (right / right.sum() - chance)
        weights += rate * gradient / len(turns) - 1e-3 * weights
    return weights


def followup_part(data: Path) -> None:
    library = library_over([data / "coqa_news" / "articles"])
    names = list(WEIGHTS)
    turns = []
    for question, found, right in walk(library, load_questions(data / "coqa_news" / "conversations.jsonl")):
        if found.followup is not None and question.answerable and right.any():
            turns.append((question.conversation, np.column_stack([found.followup[n] for n in names]), right.astype(float)))
    ids = sorted({t[0] for t in turns})
    folds = np.array_split(np.random.default_rng(0).permutation(ids), 5)
    hits = defaultdict(list)
    for fold in folds:
        held = set(fold)
        weights = fit_listwise([(m, r) for c, m, r in turns if c not in held])
        for c, m, r in turns:
            if c in held:
                order = np.argsort(-(m @ weights), kind="stable")
                hits["top1"].append(r[order[0]] > 0)
                hits["top3"].append(r[order[:3]].any())
    print(f"follow-ups with a right candidate: {len(turns)}; cross-validated top-1 "
          f"{np.mean(hits['top1']):.3f} top-3 {np.mean(hits['top3']):.3f} (of those turns)")
    weights = fit_listwise([(m, r) for _, m, r in turns])
    print("WEIGHTS =", json.dumps({n: round(float(w), 2) for n, w in zip(names, weights)}))


# --- relevance ---------------------------------------------------------------------------

def collect_relevance(library, questions, name: str, rows: dict) -> None:
    judged = relevance.JUDGED
    for question, found, right in walk(library, questions):
        if not found.ranking.rows:
            continue
        kind = "followup" if found.followup is not None else "single"
        count = min(judged, len(found.ranking.rows))
        features = relevance.relevance_features(found.ranking, found.followup, count)
        features["worded"] = relevance.shares_a_word(library.index(), found.ranking.rows[:count], " ".join(found.texts))
        rows[kind].append((name, question.answerable, features, right[:count] & question.answerable))


def relevance_part(data: Path) -> None:
    rows: dict[str, list] = defaultdict(list)
    squad = data / "squad2"
    own = load_questions(OWN_SET)
    collect_relevance(library_over([REPO / "corpus" / "articles"]), own, "own", rows)
    collect_relevance(library_over([squad / "corpus_paragraphs"]), load_questions(squad / "questions.jsonl"), "squad", rows)
    collect_relevance(library_over([data / "coqa_news" / "articles"]), load_questions(data / "coqa_news" / "conversations.jsonl"), "coqa", rows)
    collect_relevance(library_over([REPO / "corpus" / "articles", squad / "corpus_articles"]), own, "own+squad", rows)
    models = {
        kind: fit_kind(kind, list(weights), [r for r in rows[kind] if r[0] != "own+squad"])
        for kind, weights in (("single", relevance.SINGLE_WEIGHTS), ("followup", relevance.FOLLOWUP_WEIGHTS))
    }
    report_refusal(rows, models)


def fit_kind(kind: str, names: list[str], rows: list) -> tuple[dict[str, float], float]:
    from sklearn.linear_model import LogisticRegression

    matrix = np.concatenate([np.column_stack([f[n] for n in names]) for _, _, f, _ in rows])
    right = np.concatenate([r for *_, r in rows])
    sets = np.concatenate([[s] * len(r) for s, _, _, r in rows])
    weight = np.ones(len(right))
    for name in set(sets):
        weight[sets == name] = 1.0 / (sets == name).sum()
    model = LogisticRegression(C=10.0, max_iter=2000).fit(matrix, right, sample_weight=weight * len(right))
    print(f"{kind.upper()}_WEIGHTS =", json.dumps({n: round(float(w), 3) for n, w in zip(names, model.coef_[0])}),
          f"\n{kind.upper()}_BIAS = {float(model.intercept_[0]):.3f}")
    fitted = ({n: round(float(w), 3) for n, w in zip(names, model.coef_[0])}, round(float(model.intercept_[0]), 3))
    print("  calibration, shown relevance (after the content-word rule and falling with rank) -> share right:")
    for name in sorted(set(sets)):
        chance, right_here = [], []
        for s, _, features, right_rows in rows:
            if s == name:
                chance.append(relevance.falling(np.where(features["worded"], relevance.probabilities(features, kind == "followup", fitted), 0.0)))
                right_here.append(right_rows)
        print(f"    {name}: " + calibration(np.concatenate(chance), np.concatenate(right_here)))
    return fitted


def calibration(chance: np.ndarray, right: np.ndarray) -> str:
    """Of the passages shown at about each relevance, how many there were and the share right."""
    cells = []
    for low in (0.0, 0.2, 0.4, 0.6, 0.8):
        held = (chance >= low) & (chance < low + 0.2 + 1e-9 * (low == 0.8))
        cells.append(f"{low:.1f}-{low + 0.2:.1f}: {held.sum()} at {right[held].mean():.2f}" if held.any() else f"{low:.1f}-{low + 0.2:.1f}: -")
    return "; ".join(cells)


def report_refusal(rows: dict, models: dict) -> None:
    """Refusal figures of the fitted models at each cut-off, the content-word rule applied."""
    for cut in (0.15, 0.2, 0.25, 0.27, 0.3, 0.35, 0.4):
        line = []
        for name in ("own", "own+squad", "squad", "coqa"):
            for kind in ("single", "followup"):
                picked = [r for r in rows[kind] if r[0] == name]
                if not picked:
                    continue
                first = np.array([
                    relevance.probabilities({k: v[:1] for k, v in f.items()}, kind == "followup", models[kind])[0] * f["worded"][0]
                    for _, _, f, _ in picked
                ])
                answerable = np.array([a for _, a, _, _ in picked])
                refused = first < cut
                line.append(f"{name}/{kind}: refuse {refused[~answerable].mean() if (~answerable).any() else float('nan'):.3f} "
                            f"false {refused[answerable].mean():.3f}")
        print(f"ANSWER_AT {cut}: " + "; ".join(line))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--part", choices=("followup", "relevance", "all"), default="all")
    args = parser.parse_args()
    from newsbot.retrieval.embedding.threads import configure_threads

    configure_threads()
    if args.part in ("followup", "all"):
        followup_part(args.data)
    if args.part in ("relevance", "all"):
        relevance_part(args.data)


if __name__ == "__main__":
    main()
