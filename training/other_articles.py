"""Passages of *other* articles as negatives: what search hands the reader beside the story.

The reader reads the best passages the ranking found, and those come from several
articles. The sets' own negatives are other paragraphs of the same article (what tells
the paragraph that answers from the lead that names the story), so a reader trained on
them alone never learns that a passage of another story, sharing the question's words,
does not answer: on our own questions half of its wrong first picks were such passages.
So, from the second learning-rate cycle on, each question is also read against the
passages of other articles (of any set) that BM25 ranks highest for it, as a search would
find them; a passage holding one of the question's answer strings is never taken, nor is
a TrecQA sentence (its "articles" are one question's candidate sentences, and TrecQA asks
the same thing more than once), and a question without answer strings keeps its own.
bm25s is newsbot's own lexical index, so nothing new is needed to rank them.
"""

from __future__ import annotations

import numpy as np

from training.examples import Example, Passage


def with_other_articles(examples: list[Example], count: int, looked_at: int = 20) -> list[Example]:
    """Each example with up to `count` more negatives: the passages of other articles (among
    every example's passages) that BM25 ranks highest for its question. Deterministic."""
    import bm25s

    texts: list[str] = []
    owner: list[str] = []
    seen: dict[str, int] = {}
    for example in examples:
        if example.source.startswith("trecqa"):
            continue
        for passage in example.passages:
            if passage.text not in seen:
                seen[passage.text] = len(texts)
                texts.append(passage.text)
                owner.append(f"{example.source}|{example.group}")
    if not texts or not examples:
        return list(examples)
    retriever = bm25s.BM25()
    retriever.index(bm25s.tokenize(texts, stopwords="en", show_progress=False), show_progress=False)
    depth = min(looked_at, len(texts))
    found, _ = retriever.retrieve(
        bm25s.tokenize([e.question for e in examples], stopwords="en", show_progress=False), k=depth, show_progress=False,
        n_threads=1,
    )
    wider = []
    for example, ranked in zip(examples, np.asarray(found)):
        own = f"{example.source}|{example.group}"
        answers = [a.casefold() for a in example.answers if a.strip()]
        if not answers:
            wider.append(example)
            continue
        extra: list[Passage] = []
        for at in ranked.tolist():
            if len(extra) == count:
                break
            text = texts[at]
            if owner[at] == own or any(a in text.casefold() for a in answers):
                continue
            extra.append(Passage(text, False))
        wider.append(Example(example.id, example.source, example.group, example.question, (*example.passages, *extra), example.answers))
    return wider
