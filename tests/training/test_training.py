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
              "--checkpoint-every", "2"]
    main([*common, "--steps", "2", "--out", str(tmp_path / "first")])
    assert (tmp_path / "work" / "checkpoint.pt").is_file()
    figures = main([*common, "--steps", "4", "--out", str(tmp_path / "weights")])
    assert set(figures) >= {"answer_first_in_group", "span_overlaps_answer"}
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
