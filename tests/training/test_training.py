"""The training command, end to end on a tiny sample: data read, token vectors made with the
bundled model, a few steps, a checkpoint to resume from, and weights the product can load."""

import gzip
import json
from pathlib import Path

import numpy as np
import pytest

from training.examples import SETS, held_out, read_examples, without_answer

pytestmark = pytest.mark.model

PASSAGES = [
    ("The council approved the budget on Monday after a long debate.", "Monday"),
    ("The new library will cost $3 million and open in 2027.", "$3 million"),
    ("Firefighters said the blaze was caused by a faulty heater.", "a faulty heater"),
    ("The mayor, Ana Ruiz, thanked the volunteers who cleared the park.", "Ana Ruiz"),
]


def write_sets(folder: Path) -> None:
    for number, name in enumerate(SETS):
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        with gzip.open(path, "wt", encoding="utf-8") as out:
            for i, (text, answer) in enumerate(PASSAGES * 3):
                start = text.index(answer)
                others = [{"text": t, "answers": False, "spans": []} for t, _ in PASSAGES if t != text]
                record = {
                    "id": f"{number}-{i}", "source": name.split("/")[0], "question": f"What does passage {i} say about {answer.split()[-1]}?",
                    "passages": [{"text": text, "answers": True, "spans": [[start, start + len(answer)]]}, *others],
                    "answer_texts": [answer], "title": f"Article {i % 5}", "date": None,
                }
                out.write(json.dumps(record) + "\n")


def test_training_writes_weights_the_reader_loads_and_resumes(tmp_path):
    from newsbot.retrieval.reader.reading import Reader
    from training.train import main

    write_sets(tmp_path / "data")
    common = ["--data", str(tmp_path / "data"), "--work", str(tmp_path / "work"), "--batch", "2", "--warmup", "1",
              "--checkpoint-every", "2", "--cycle", "2"]
    main([*common, "--steps", "2", "--out", str(tmp_path / "first")])
    assert (tmp_path / "work" / "checkpoint.pt").is_file()
    figures = main([*common, "--steps", "4", "--out", str(tmp_path / "weights")])
    assert set(figures) >= {"answer_first_in_group", "span_overlaps_answer", "answer_first_with_other_articles"}
    card = json.loads((tmp_path / "weights" / "reader.json").read_text())
    assert card["reads_tokens_of"] == "all-MiniLM-L6-v2"
    reader = Reader(tmp_path / "weights")
    from newsbot.retrieval.embedding.embedder import TokenVectors

    rng = np.random.default_rng(0)
    question = TokenVectors(np.arange(5), rng.standard_normal((5, 384)).astype(np.float32))
    passage = TokenVectors(np.arange(9), rng.standard_normal((9, 384)).astype(np.float32))
    readings = reader.read(question, [passage, passage], ["a b c d e f g h i", "a b c d e f g h i"])
    assert len(readings) == 2 and np.isfinite(readings[0].logit)


def test_a_passage_without_its_answer_sentence_is_a_negative():
    text = (
        "The Mill Road bridge opened in 1931 and carries 9,000 cars a day. Repairs will cost $4 million, "
        "the city said. Work starts in May next year, after a long review by the state and two public meetings."
    )
    start = text.index("$4 million")
    rest = without_answer(text, [(start, start + 10)], ["$4 million"])
    assert rest is not None and "$4 million" not in rest and "1931" in rest


def test_held_out_questions_are_held_out_by_article(tmp_path):
    write_sets(tmp_path / "data")
    examples = read_examples(tmp_path / "data")
    by_article: dict = {}
    for example in examples:
        by_article.setdefault((example.source, example.group), set()).add(held_out(example))
    assert all(len(flags) == 1 for flags in by_article.values())


def test_a_second_cycle_restarts_the_rate_at_half_the_peak():
    from training.train import _warm_then_linear

    rate = _warm_then_linear(16, 10, 2)
    assert rate(1) == 1.0 and rate(9) < rate(5) < 1.0
    assert rate(11) == 0.5 and rate(15) < rate(13) < 0.5 and rate(16) == 0.0


def test_other_articles_negatives_come_from_other_articles_and_never_answer():
    from training.examples import Example, Passage
    from training.other_articles import with_other_articles

    def example(number, article, question, answering, answers):
        return Example(str(number), "squad", article, question, (Passage(answering, True), Passage(f"{article} history, founded long ago.", False)), answers)

    examples = [
        example(1, "Bridge", "How much will the Mill Road bridge repairs cost?", "Repairs will cost $4 million.", ("$4 million",)),
        example(2, "Council", "Who voted against the bridge repairs budget?", "Council member Ortiz voted against the repairs.", ("Ortiz",)),
        example(3, "Budget", "What did the city say about the bridge repairs cost?", "The city said bridge repairs cost $4 million.", ("city",)),
        example(4, "Trec", "Who founded the Red Cross?", "Clara Barton founded the Red Cross.", ()),
    ]
    wider = {e.id: e for e in with_other_articles(examples, 2)}
    added = [p.text for p in wider["1"].passages[2:]]
    assert added and all(not p.answers for p in wider["1"].passages[2:])
    assert "Council member Ortiz voted against the repairs." in added
    assert not any("$4 million" in text for text in added)  # holds this question's answer
    assert not any(text.startswith("Bridge") for text in added)  # its own article
    assert wider["4"].passages == examples[3].passages  # no answer strings: nothing to keep answering passages out
