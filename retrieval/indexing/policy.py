"""When an update adds one segment, and when it merges every segment into one.

An update that is small beside the index is written as one new segment, with the old
passages of changed and deleted articles marked dead: it writes only the new articles.
Each extra segment is one more search per question and each dead passage dead weight,
but a merge rewrites the whole index (minutes at 100,000 paragraphs, reusing all stored
vectors, embedding nothing old), so it waits until the small segments or the dead
passages pass `MergePolicy`'s shares.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsbot.retrieval.index.manifest import FORMAT_VERSION, Manifest
from newsbot.retrieval.indexing.changes import Changes


@dataclass(frozen=True)
class MergePolicy:
    """Merge once the small segments hold a tenth of the passages or there are eight of them."""

    max_segments: int = 8
    max_small_share: float = 0.10  # of stored passages outside the largest segment
    max_dead_share: float = 0.10  # of stored passages that are dead


DEFAULT_POLICY = MergePolicy()


def appendable(manifest: Manifest, changes: Changes, policy: MergePolicy) -> bool:
    """Whether this update can be one new segment under `policy`, rather than a merge."""
    if manifest.format_version != FORMAT_VERSION or not all(e.segment for e in manifest.articles.values()):
        return False
    new_passages = changes.fresh_passages
    sizes = [entry.passages for entry in manifest.segments] + ([new_passages] if new_passages else [])
    stored = sum(sizes)
    dead = sum(e.dead_passages for e in manifest.segments) + sum(
        manifest.articles[name].paragraphs for name in changes.updated + changes.removed
    )
    return (
        stored > 0
        and len(sizes) <= policy.max_segments
        and (stored - max(sizes)) <= policy.max_small_share * stored
        and dead <= policy.max_dead_share * stored
    )
