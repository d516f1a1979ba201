"""A generated corpus of realistic articles, as large as a benchmark needs.

Paragraphs are made of real sentences, sampled from the shipped articles and (when the
shared data is there) from the SQuAD paragraphs, so the model sees text of the usual
length and vocabulary. Each paragraph is kept between `MIN_PARAGRAPH_CHARS` and
`MAX_PARAGRAPH_CHARS` characters, inside newsbot's default paragraph rules, so that every
generated paragraph becomes exactly one passage (nothing merged, nothing split).

    python -m benchmarks.synthetic_corpus OUT --paragraphs 10000 [--seed 0]
"""

from __future__ import annotations

import argparse
import random
import re
from pathlib import Path

from newsbot.corpus.index_sentences import sentence_spans

REPO = Path(__file__).resolve().parent.parent
SHIPPED_DIR = REPO / "corpus" / "articles"
SQUAD_DIR = REPO.parent / "shared" / "data" / "squad2" / "corpus_paragraphs"  # the shared data beside the repository

MIN_PARAGRAPH_CHARS = 200  # above the banner/credit-line checks (< 200 chars) and min_chars
MAX_PARAGRAPH_CHARS = 1100  # below max_chars (1200), so no paragraph is split
PARAGRAPHS_PER_ARTICLE = (20, 40)
SENTENCES_PER_PARAGRAPH = (2, 6)
_SENTENCE_END = re.compile(r"[.!?][\"'”’)]*$")


def sentence_pool(shipped_dir: Path = SHIPPED_DIR, squad_dir: Path = SQUAD_DIR) -> list[str]:
    """Whole sentences from the shipped articles and the SQuAD paragraphs, if present."""
    texts = [line for path in sorted(shipped_dir.glob("*.txt")) for line in _lines(path)]
    if squad_dir.is_dir():
        texts += [line for path in sorted(squad_dir.glob("*.txt")) for line in _lines(path)]
    pool = []
    for text in texts:
        for start, end in sentence_spans(text):
            sentence = text[start:end].strip()
            if 40 <= len(sentence) <= 400 and _SENTENCE_END.search(sentence):
                pool.append(sentence)
    if not pool:
        raise RuntimeError(f"no sentences found in {shipped_dir} or {squad_dir}")
    return pool


def _lines(path: Path) -> list[str]:
    """Paragraph-sized lines; short ones are banners, bylines and headlines."""
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if len(line.strip()) >= 80]


def make_paragraph(rng: random.Random, pool: list[str]) -> str:
    wanted = rng.randint(*SENTENCES_PER_PARAGRAPH)
    sentences: list[str] = []
    length = 0
    while len(sentences) < wanted or length < MIN_PARAGRAPH_CHARS:
        sentence = rng.choice(pool)
        if length + len(sentence) + 1 > MAX_PARAGRAPH_CHARS:
            if length >= MIN_PARAGRAPH_CHARS:
                break
            continue
        sentences.append(sentence)
        length += len(sentence) + 1
    return " ".join(sentences)


def make_title(rng: random.Random, pool: list[str]) -> str:
    """A headline: the start of some sentence, unpunctuated, so newsbot reads it as the title."""
    words = re.sub(r"[^\w\s'-]", "", rng.choice(pool)).split()
    return " ".join(words[: rng.randint(5, 10)]).capitalize()


def generate(out_dir: Path | str, paragraphs: int, seed: int = 0) -> list[Path]:
    """Write articles holding `paragraphs` paragraphs in total into `out_dir`; return the files."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    pool = sentence_pool()
    files: list[Path] = []
    left = paragraphs
    while left > 0:
        count = min(left, rng.randint(*PARAGRAPHS_PER_ARTICLE))
        body = [make_paragraph(rng, pool) for _ in range(count)]
        path = out_dir / f"synthetic_{len(files):05d}.txt"
        path.write_text("\n\n".join([make_title(rng, pool), *body]) + "\n", encoding="utf-8")
        files.append(path)
        left -= count
    return files


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Write a synthetic news corpus for benchmarks.")
    parser.add_argument("out", type=Path, help="folder to write the articles into")
    parser.add_argument("--paragraphs", type=int, default=10_000, help="paragraphs in total (default 10000)")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    files = generate(args.out, args.paragraphs, args.seed)
    print(f"wrote {len(files)} articles, {args.paragraphs} paragraphs, into {args.out}")


if __name__ == "__main__":
    main()
