"""How often the highlighted words hold the answer, on SQuAD 2.0's half dev set.

    python -m benchmarks.bench_highlight [--data ../shared/data] [--config PATH] [--limit N]

For each answerable question whose first passage is right (the figure is about the words
shown, not the ranking), it reports the share whose highlight (the sentence faces emphasise)
contains a gold answer, case and spacing folded; a passage shown without a highlight (one
sentence: nothing to single out) is counted both ways. With the reader, also the share whose
answer span (`answer_span` in `ask --json`) contains or lies inside a gold answer, and the
share whose span overlaps one.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from benchmarks.fit_search import REPO
from newsbot.bot.app import open_library
from newsbot.bot.cli.common import rebuild
from newsbot.bot.cli.evaluate import config_for_corpus
from newsbot.bot.config import load_config
from newsbot.retrieval.search.evaluation import fold, is_right, load_questions


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=REPO.parent / "shared" / "data")
    parser.add_argument("--config", type=Path, default=REPO / "config.toml")
    parser.add_argument("--limit", type=int, default=0, help="only the first N answerable questions")
    args = parser.parse_args()
    squad = args.data / "squad2"
    library = open_library(config_for_corpus(load_config(args.config), [squad / "corpus_paragraphs"]))
    rebuild(library, full=False)
    questions = [q for q in load_questions(squad / "questions.jsonl") if q.answerable]
    if args.limit:
        questions = questions[: args.limit]
    counts = {"first_right": 0, "highlight_holds": 0, "no_highlight": 0, "span": 0, "span_holds": 0, "span_overlaps": 0}
    for question in questions:
        answer = library.ask(question.q, 3, ranked=True)
        if not answer.hits or not is_right(answer.hits[0], question):
            continue
        hit, golds = answer.hits[0], [fold(g) for g in question.gold]
        counts["first_right"] += 1
        if hit.highlight is None:
            counts["no_highlight"] += 1
        elif any(g in fold(hit.passage.text[hit.highlight[0] : hit.highlight[1]]) for g in golds):
            counts["highlight_holds"] += 1
        if hit.answer is not None:
            words = fold(hit.passage.text[hit.answer[0] : hit.answer[1]])
            counts["span"] += 1
            counts["span_holds"] += any(g in words or (words and words in g) for g in golds)
            counts["span_overlaps"] += any(set(g.split()) & set(words.split()) for g in golds)
    right = max(counts["first_right"], 1)
    figures = {
        **counts,
        "highlight_holds_share": round(counts["highlight_holds"] / right, 4),
        "highlight_holds_or_whole_passage_share": round((counts["highlight_holds"] + counts["no_highlight"]) / right, 4),
        "span_holds_share": round(counts["span_holds"] / right, 4),
        "span_overlaps_share": round(counts["span_overlaps"] / right, 4),
    }
    print(json.dumps(figures, indent=2))


if __name__ == "__main__":
    main()
