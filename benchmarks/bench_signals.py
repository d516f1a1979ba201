"""How far the signals newsbot already computes can go: the ceiling of re-weighting them.

Issue #5's remaining targets (our set: top-1 >= 0.95, every unanswerable question refused;
SQuAD: refuse more than half of the unanswerable ones while refusing under 5% of the
others) are out of reach of hand-tuned weights. This asks whether *any* weighting could
reach them, by letting a classifier learn one, so the next step is planned from figures
rather than from another round of tuning:

1. the shipped ranking, and the same ranking with the late-interaction rerank run deeper;
2. a logistic regression over every candidate's signals (dense passage and window cosine,
   BM25 passage and window, late interaction, question-term and key-term coverage, whether
   the passage holds the kind of thing asked for: a number, a date, a name). On SQuAD it is
   scored by 4-fold cross-validation over articles (never trained on the article it ranks);
   on our set it is trained on all of SQuAD, so our set stays unseen;
3. refusal: a logistic regression over the best candidate's signals, separating answerable
   from unanswerable questions, read at fixed false-refusal rates.

    python -m benchmarks.bench_signals [--squad DIR]

Needs scikit-learn (installed with sentence-transformers). Builds the indexes `newsbot eval`
uses when they are missing. Results also go to `benchmarks/results/`.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from benchmarks.bench_quality import OWN_SET, REPO
from newsbot.retrieval.index.lexical import terms
from newsbot.retrieval.search.answer import Hit
from newsbot.retrieval.search.answering import SearchSettings, clean_question
from newsbot.retrieval.search.evaluation import MRR_DEPTH, EvalQuestion, is_right, load_questions
from newsbot.retrieval.search.ranked import Ranked
from newsbot.retrieval.search.ranking import candidates as _candidates
from newsbot.retrieval.search.ranking import encode_query, rank
from newsbot.retrieval.search.ranking import features as _features
from newsbot.retrieval.search.ranking import z_scores as _z
from newsbot.retrieval.search.relevance import every_ranked, judge

RESULTS = REPO / "benchmarks" / "results"
FOLDS = 4
SHIPPED_DEPTH = SearchSettings().rerank
DEPTHS = (SHIPPED_DEPTH, 30, 50, 90)
FALSE_REFUSALS = (0.0, 0.017, 0.05, 0.10)

_number = re.compile(r"\b\d[\d,.]*\b|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|hundred|thousand|million|billion)\b", re.I)
_date = re.compile(
    r"\b(?:1\d{3}|20\d{2})s?\b|\b(?:january|february|march|april|may|june|july|august|september|october|"
    r"november|december|monday|tuesday|wednesday|thursday|friday|saturday|sunday|yesterday|today|century|decade)\b",
    re.I,
)
_capitalised = re.compile(r"(?<![.!?\"]\s)(?<!^)\b[A-Z][\w'-]+")
_kinds = [
    ("number", re.compile(r"\bhow (?:many|much|long|old|far|large)\b|\bwhat (?:percentage|percent|number|amount)\b", re.I)),
    ("date", re.compile(r"\bwhen\b|\b(?:what|which) (?:year|day|date|month|time|century|decade)\b", re.I)),
    ("name", re.compile(r"\bwho(?:m|se)?\b|\bwhere\b|\b(?:what|which) (?:country|city|place|state|name)\b", re.I)),
]


def asked_kind(question: str) -> str | None:
    """The kind of thing a question asks for, when its wording says so."""
    return next((kind for kind, pattern in _kinds if pattern.search(question)), None)


def holds_kind(text: str, kind: str | None, question: str) -> float:
    """Whether the passage holds something of that kind that the question does not already say."""
    if kind is None:
        return 1.0
    pattern = {"number": _number, "date": _date, "name": _capitalised}[kind]
    asked = question.lower()
    return float(any(m.group(0).lower() not in asked for m in pattern.finditer(text)))


def key_terms(question: str) -> set[str]:
    """Names and numbers in the question: capitalised words past the first, and digits."""
    words = {m.group(0).lower().removesuffix("'s") for m in _capitalised.finditer(question)}
    return words | set(re.findall(r"\d[\d,.]*", question))


class Collected:
    """Every question's candidates with their signals and whether each one is right."""

    def __init__(self) -> None:
        self.answerable: list[bool] = []
        self.groups: list[str] = []
        self.candidates: list[np.ndarray] = []  # one row of features per candidate
        self.right: list[np.ndarray] = []
        self.shipped: dict[int, list[tuple[np.ndarray, bool]]] = {depth: [] for depth in DEPTHS}
        self.best: list[np.ndarray] = []  # features of the shipped ranking's first candidate


def collect(library, questions: list[EvalQuestion], groups: list[str]) -> Collected:
    index, embedder, settings = library.index(), library.embedder, library.search_settings
    passages = len(index.passages)
    out = Collected()
    for question, group in zip(questions, groups):
        query = encode_query(clean_question(question.q, settings), embedder)
        passage_bm25 = index.lexical_passages.scores(query.terms)
        window_bm25 = index.lexical_windows.scores(query.terms)
        # the pool `rank` draws from when asked for MRR_DEPTH passages, as `newsbot eval` asks
        pool = _candidates(index, query, settings, MRR_DEPTH, passage_bm25, window_bm25)
        signals = _features(index, query, pool, passage_bm25, window_bm25)
        late = index.token_store.maxsim(query.tokens, pool.tolist())
        wanted = list(dict.fromkeys(query.terms))
        # document frequencies as BM25 stores them: one entry per document holding the word
        idf = np.array([math.log((passages + 1) / (len(index.lexical_passages.matching([t])) + 0.5)) for t in wanted])
        keys, kind = key_terms(question.q), asked_kind(question.q)
        rows = []
        for row in pool.tolist():
            text = index.passages[row].text
            held = set(terms([text])[0])
            present = np.array([t in held for t in wanted], dtype=float)
            rows.append([
                float(present @ idf / idf.sum()) if idf.sum() > 0 else 0.0,
                float(np.mean([k in text.lower() for k in keys])) if keys else 1.0,
                holds_kind(text, kind, question.q),
            ])
        text_features = np.array(rows, dtype=np.float32).reshape(len(pool), 3)
        out.candidates.append(np.column_stack([
            _z(signals["dense"]), _z(signals["window"]), _z(signals["bm25"]), _z(signals["bm25_window"]), _z(late),
            signals["dense"], signals["window"], late, text_features,
        ]).astype(np.float32))
        out.right.append(np.array([is_right(Hit(index.passages[r], 0.0), question) for r in pool.tolist()]) & question.answerable)
        right_of = dict(zip(pool.tolist(), out.right[-1]))  # every ranking orders this same pool
        shipped = rank(index, query, settings, MRR_DEPTH)
        for depth in DEPTHS:
            ranking = shipped if depth == settings.rerank else rank(index, query, replace(settings, rerank=depth), MRR_DEPTH)
            verdict = every_ranked(judge(index, Ranked(question.q, (question.q,), ranking), settings, MRR_DEPTH), MRR_DEPTH)
            answered = verdict.answered
            right = np.array([right_of[r] for r in verdict.rows[:MRR_DEPTH]], dtype=bool)
            out.shipped[depth].append((right, answered))
        out.best.append(out.candidates[-1][int(np.flatnonzero(pool == shipped.rows[0])[0])])
        out.answerable.append(question.answerable)
        out.groups.append(group)
    return out


def figures(right_by_question: list[np.ndarray], answered: list[bool], answerable: list[bool]) -> dict:
    ranks = [int(np.flatnonzero(r)[0]) + 1 if r.any() else None for r, a in zip(right_by_question, answerable) if a]
    refused = [not ok for ok, a in zip(answered, answerable) if not a]
    falsely = [not ok for ok, a in zip(answered, answerable) if a]
    return {
        "top1": round(sum(r == 1 for r in ranks) / len(ranks), 4),
        "top3": round(sum(r is not None and r <= 3 for r in ranks) / len(ranks), 4),
        "refused": round(float(np.mean(refused)), 4) if refused else None,
        "false_refusals": round(float(np.mean(falsely)), 4),
    }


def learned_ranking(train: Collected, test: Collected, train_on: list[int], test_on: list[int]) -> dict[int, np.ndarray]:
    from sklearn.linear_model import LogisticRegression

    chosen = [i for i in train_on if train.answerable[i]]
    model = LogisticRegression(C=0.1, max_iter=3000, class_weight="balanced")
    model.fit(np.concatenate([train.candidates[i] for i in chosen]), np.concatenate([train.right[i] for i in chosen]))
    return {i: test.right[i][np.argsort(-model.decision_function(test.candidates[i]), kind="stable")] for i in test_on}


def refusal_scores(train: Collected, test: Collected, train_on: list[int], test_on: list[int]) -> dict[int, float]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=1.0, max_iter=3000)
    model.fit(np.array([train.best[i] for i in train_on]), np.array([train.answerable[i] for i in train_on]))
    return dict(zip(test_on, model.predict_proba(np.array([test.best[i] for i in test_on]))[:, 1]))


def folds(groups: list[str]):
    from sklearn.model_selection import GroupKFold

    return GroupKFold(FOLDS).split(np.zeros(len(groups)), groups=groups)


def report(name: str, data: Collected, squad: Collected | None) -> dict:
    answered = [ok for _, ok in data.shipped[SHIPPED_DEPTH]]
    result = {f"shipped, rerank {d}": figures([r for r, _ in data.shipped[d]], [ok for _, ok in data.shipped[d]], data.answerable) for d in DEPTHS}
    everyone = list(range(len(data.answerable)))
    if squad is None:  # SQuAD itself: cross-validated over articles
        ordered, odds = {}, {}
        for train_on, test_on in folds(data.groups):
            ordered |= learned_ranking(data, data, list(train_on), list(test_on))
            odds |= refusal_scores(data, data, list(train_on), list(test_on))
        learned_from = f"{FOLDS}-fold over articles"
    else:
        every_squad = list(range(len(squad.answerable)))
        ordered = learned_ranking(squad, data, every_squad, everyone)
        odds = refusal_scores(squad, data, every_squad, everyone)
        learned_from = "trained on all of SQuAD"
    result[f"learned ranking ({learned_from})"] = figures([ordered[i] for i in everyone], answered, data.answerable)
    probability = np.array([odds[i] for i in everyone])
    answerable = np.array(data.answerable)
    for share in FALSE_REFUSALS:
        threshold = np.quantile(probability[answerable], share)
        result[f"learned refusal ({learned_from}) at {share:.1%} false refusals"] = {
            "refused": round(float((probability[~answerable] < threshold).mean()), 4) if (~answerable).any() else None,
        }
    print(f"\n{name}")
    for label, values in result.items():
        print(f"  {label:70} " + "  ".join(f"{k} {v}" for k, v in values.items()))
    return result


def open_for(corpus: Path | None):
    from newsbot.bot.app import open_library
    from newsbot.bot.cli.common import ensure_index as _ensure_index
    from newsbot.bot.cli.common import rebuild as _rebuild
    from newsbot.bot.cli.evaluate import config_for_corpus
    from newsbot.bot.config import load_config

    config = load_config(None)
    if corpus is not None:
        config = config_for_corpus(config, [corpus])
    library = open_library(config)
    _ensure_index(library)
    _rebuild(library, full=False)
    return library


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--squad", type=Path, default=REPO.parent / "shared" / "data" / "squad2")
    args = parser.parse_args()
    started = time.perf_counter()
    squad_questions = load_questions(args.squad / "questions.jsonl")
    squad_groups = [json.loads(line)["doc"] for line in (args.squad / "questions.jsonl").read_text().splitlines() if line.strip()]
    squad = collect(open_for(args.squad / "corpus_paragraphs"), squad_questions, squad_groups)
    own_questions = load_questions(OWN_SET)
    own = collect(open_for(None), own_questions, ["own"] * len(own_questions))
    results = {"SQuAD 2.0 half dev": report("SQuAD 2.0 half dev", squad, None),
               "own set": report("own set (learned models trained on SQuAD only)", own, squad)}
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"bench_signals-{time.strftime('%Y%m%d-%H%M%S')}.json"
    out.write_text(json.dumps(results, indent=1))
    print(f"\n{time.perf_counter() - started:.0f} s; written to {out.relative_to(REPO)}")


if __name__ == "__main__":
    main()
