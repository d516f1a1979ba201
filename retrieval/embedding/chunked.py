"""Embedding many chunks of texts, and saying which text failed.

A build hands its texts over in chunks of 32 (`newsbot.retrieval.indexing.rows`). A local model takes
them one call at a time; a pool of workers (`ray_pool.RayEmbedder`) would then sit idle but
one, so an embedder may offer `embed_chunks` of its own and keep several in flight. An
embedder knows texts, not articles: a failure says which text (`TextFailed.index`), and the
build, which knows whose text it was, names the article.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence

from newsbot.retrieval.embedding.embedder import Embedder


class TextFailed(Exception):
    """One text could not be embedded: `index` is its place among the texts of the call.

    An embedder knows texts, not articles; whoever handed them over (the build) names the
    article from the index.
    """

    def __init__(self, index: int, reason: str) -> None:
        super().__init__(index, reason)
        self.index = index
        self.reason = reason

    def __str__(self) -> str:
        return f"text {self.index}: {self.reason}"


def first_failing(embed_one: Callable[[str], object], texts: Sequence[str]) -> tuple[int, str] | None:
    """After a batch failed, (index, reason) of the first text that fails alone, once another
    passes; None when every text fails alone (then the model is at fault, not a text)."""
    failed, passed = None, False
    for index, text in enumerate(texts):
        try:
            embed_one(text)
            passed = True
        except Exception as error:  # whatever the model raised is the reason to report
            failed = failed or (index, f"{type(error).__name__}: {error}")
        if failed and passed:
            return failed
    return None


def embed_chunks(embedder: Embedder, chunks: Sequence[Sequence[str]], with_tokens: bool) -> Iterator:
    """Each chunk's (vectors, token vectors or None), in order.

    An embedder with an `embed_chunks` of its own (a pool of workers) keeps several chunks in
    flight, and says which text failed with a `TextFailed` whose index counts across all the
    chunks; any other is called a chunk at a time, and its errors pass through as they are.
    """
    own = getattr(embedder, "embed_chunks", None)
    if callable(own):
        yield from own(chunks, with_tokens)
        return
    for chunk in chunks:
        if with_tokens:
            yield embedder.embed_with_tokens(chunk)  # type: ignore[attr-defined]
        else:
            yield embedder.embed_batch(chunk), None
