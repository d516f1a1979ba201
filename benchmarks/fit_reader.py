"""Fit how the reader's logit is combined with the ranking, and its relevance model.

    python -m benchmarks.fit_reader [--data ../shared/data]

Every question of our set, SQuAD 2.0's half dev and CoQA's conversations is asked as the
product asks it (`benchmarks.fit_search.walk`); the reader reads the best `read_depth`
passages. Then, separately for questions alone and follow-ups:
- `ORDER_WEIGHTS` (`retrieval/search/reading.py`): the weights of the ranking's z-scored score
  and of the story-less match (`story_match`) beside the reader's logit, chosen on a grid by
  mean top-1 over the sets (each set weighs the same);
- `READ_WEIGHTS` (`retrieval/search/read_verdict.py`): a logistic model of "this passage
  answers" over the read passages in their new order, each set weighing the same.
Printed: top-1 per set at each pair of weights, the fitted constants, calibration and refusal figures
at each cut-off. The constants are pasted into the code by hand; the lead-paragraph set
(`benchmarks/questions/leads/`) is never fitted on, only reported.
"""

from __future__ import annotations

import argparse
import json
from collections import defaultdict
from pathlib import Path

import numpy as np

from benchmarks.fit_search import OWN_SET, REPO, calibration, library_over, walk
from newsbot.retrieval.search.answering import read_found
from newsbot.retrieval.search.evaluation import load_questions
from newsbot.retrieval.search.read_verdict import read_features, read_probabilities
from newsbot.retrieval.search.reading import Read, order_score

GRID = [{"prior": p, "story": s} for p in (0.0, 0.5, 1.0, 1.5, 2.0, 3.0) for s in (0.0, 0.5, 1.0, 2.0, 3.0)]
FEATURES = ("reader", "prior", "story", "late", "first", "worded")
LEADS = REPO / "benchmarks" / "questions" / "leads"


def collect(library, questions, name: str, rows: dict) -> None:
    index, settings = library.index(), library.search_settings
    for question, found, right in walk(library, questions):
        read = read_found(index, found, settings)
        if read is None or not read.read:
            continue
        kind = "single" if found.followup is None else "followup"
        head = list(read.logit)  # the ranking's order
        right_of = dict(zip(found.ranking.rows, right & question.answerable))
        late = found.ranking.late if kind == "single" else dict(zip(found.ranking.rows, found.followup["token_asked"]))
        rows[kind].append({
            "set": name, "answerable": question.answerable, "head": head, "read": read,
            "right": np.array([right_of[r] for r in head]), "late": late, "asked": f"{' '.join(found.texts[2:])} {found.question}",
            "index": index,
        })


def reorder(item: dict, weight: dict) -> list[int]:
    read: Read = item["read"]
    head = item["head"]
    score = order_score(*(np.array([getattr(read, part)[r] for r in head]) for part in ("logit", "prior", "story")), "", weight)
    return [head[i] for i in np.argsort(-score, kind="stable")]


def top1(items: list[dict], weight: dict) -> float:
    answerable = [i for i in items if i["answerable"]]
    right = [dict(zip(i["head"], i["right"]))[reorder(i, weight)[0]] for i in answerable]
    return float(np.mean(right)) if right else float("nan")


def features_of(item: dict, weight: dict) -> tuple[dict[str, np.ndarray], np.ndarray]:
    order = reorder(item, weight)
    read = Read(order, len(order), item["read"].logit, item["read"].prior, {}, item["read"].story)
    right = dict(zip(item["head"], item["right"]))
    return read_features(item["index"], read, item["late"], item["asked"]), np.array([right[r] for r in order])


def fit_kind(kind: str, items: list[dict], fitted_sets: set[str], chosen: dict | None = None) -> None:
    from sklearn.linear_model import LogisticRegression

    sets = sorted({i["set"] for i in items})
    print(f"\n{kind}: top-1 by the weights of the ranking's score and the story-less match")
    scores = []
    for weight in GRID:
        per_set = {s: top1([i for i in items if i["set"] == s], weight) for s in sets}
        scores.append(np.nanmean([per_set[s] for s in sets if s in fitted_sets]))
        print(f"  {weight}: " + "  ".join(f"{s} {v:.3f}" for s, v in per_set.items()) + f"  (mean of fitted {scores[-1]:.3f})")
    weight = chosen or GRID[int(np.argmax(scores))]
    print(f"ORDER_WEIGHTS[{kind!r}] = {weight}")
    matrix, labels, sample = [], [], []
    for s in sets:
        if s not in fitted_sets:
            continue
        picked = [features_of(i, weight) for i in items if i["set"] == s]
        count = sum(len(r) for _, r in picked)
        for features, right in picked:
            matrix.append(np.column_stack([features[n] for n in FEATURES]))
            labels.append(right)
            sample.append(np.full(len(right), 1.0 / count))
    matrix, labels, sample = np.concatenate(matrix), np.concatenate(labels), np.concatenate(sample)
    model = LogisticRegression(C=10.0, max_iter=4000).fit(matrix, labels, sample_weight=sample * len(labels))
    fitted = ({n: round(float(w), 3) for n, w in zip(FEATURES, model.coef_[0])}, round(float(model.intercept_[0]), 3))
    print(f"READ_WEIGHTS[{kind!r}] = ({json.dumps(fitted[0])}, {fitted[1]})")
    report(kind, items, weight, fitted)


def report(kind: str, items: list[dict], weight: float, fitted) -> None:
    for s in sorted({i["set"] for i in items}):
        firsts, answerable, chance, right = [], [], [], []
        for item in (i for i in items if i["set"] == s):
            features, rows_right = features_of(item, weight)
            p = np.minimum.accumulate(read_probabilities(features, kind, fitted))
            firsts.append(p[0])
            answerable.append(item["answerable"])
            chance.append(p)
            right.append(rows_right)
        firsts, answerable = np.array(firsts), np.array(answerable)
        print(f"  {s}: calibration " + calibration(np.concatenate(chance), np.concatenate(right)))
        for cut in (0.2, 0.27, 0.3, 0.35, 0.4, 0.5):
            refused = firsts < cut
            unans = refused[~answerable].mean() if (~answerable).any() else float("nan")
            print(f"    answer at {cut}: unanswerable refused {unans:.3f}, answerable refused {refused[answerable].mean():.3f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--single", type=float, nargs=2, metavar=("PRIOR", "STORY"), help="order weights to fit relevance at, instead of the grid's best")
    parser.add_argument("--followup", type=float, nargs=2, metavar=("PRIOR", "STORY"))
    args = parser.parse_args()
    from newsbot.retrieval.embedding.threads import configure_threads

    configure_threads()
    rows: dict[str, list] = defaultdict(list)
    squad, coqa = args.data / "squad2", args.data / "coqa_news"
    collect(library_over([REPO / "corpus" / "articles"]), load_questions(OWN_SET), "own", rows)
    collect(library_over([LEADS / "articles"]), load_questions(LEADS / "questions.jsonl"), "leads", rows)
    collect(library_over([squad / "corpus_paragraphs"]), load_questions(squad / "questions.jsonl"), "squad", rows)
    collect(library_over([coqa / "articles"]), load_questions(coqa / "conversations.jsonl"), "coqa", rows)
    fitted_sets = {"own", "squad", "coqa"}
    for kind in ("single", "followup"):
        given = getattr(args, kind)
        fit_kind(kind, rows[kind], fitted_sets, {"prior": given[0], "story": given[1]} if given else None)


if __name__ == "__main__":
    main()
