"""What a generation's manifest says about how it was built: the settings that decide a
passage and its vectors (an index built otherwise cannot be reused or searched), and the
manifest of a new generation, with its articles placed in its segments.
"""

from __future__ import annotations

from newsbot.corpus.paragraphs import SEGMENTER_VERSION, ParagraphRules
from newsbot.retrieval.embedding.embedder import Embedder, supports_tokens
from newsbot.retrieval.index.manifest import Manifest


def index_settings(rules: ParagraphRules, embedder: Embedder) -> dict:
    """What decides a passage and its vectors; an index built otherwise cannot be reused."""
    return {
        "paragraphs": {**rules.as_dict(), "segmenter": SEGMENTER_VERSION},
        "normalized": True,
        "sentence_windows": 2,
        "token_vectors": supports_tokens(embedder),
    }


def manifest_for(embedder: Embedder, rules: ParagraphRules, dimension: int, articles, segments) -> Manifest:
    """The manifest of a generation holding `segments`, with `articles` placed in them."""
    return Manifest(
        model=embedder.name,
        dimension=dimension,
        settings=index_settings(rules, embedder),
        articles=articles,
        passages=sum(entry.passages - entry.dead_passages for entry in segments),
        segments=segments,
    )
