"""A segment written block by block, as its articles are embedded, is the segment that one
write of everything would give; a failure midway leaves the old index as it was."""

from __future__ import annotations

import bm25s
import numpy as np
import pytest

from newsbot.retrieval.index import store
from newsbot.retrieval.index.generations import current_generation
from newsbot.retrieval.index.lexical import Lexical, terms
from newsbot.retrieval.index.manifest import read_manifest
from newsbot.retrieval.indexing import rows


def _only_segment(index_dir):
    generation = current_generation(index_dir)
    (entry,) = read_manifest(generation).segments
    return entry, generation / entry.name


def _files(folder) -> dict:
    files = {path.name: np.load(path, allow_pickle=False) for path in folder.glob("*.npy")}
    files["passages.jsonl"] = (folder / "passages.jsonl").read_text(encoding="utf-8")
    return files


@pytest.mark.parametrize("block", [1, 25])  # every article split across blocks; blocks spanning articles
def test_a_build_written_block_by_block_equals_one_written_at_once(project, monkeypatch, block):
    library = project.library()
    library.rebuild()
    entry, folder = _only_segment(project.index_dir)
    at_once = _files(folder)
    at_once_index = store.load(project.index_dir)

    monkeypatch.setattr(rows, "BLOCK_PASSAGES", block)
    library.rebuild(full=True)

    blocked_entry, blocked_folder = _only_segment(project.index_dir)
    blocked = _files(blocked_folder)
    assert (blocked_entry.passages, blocked_entry.units) == (entry.passages, entry.units)
    assert blocked.keys() == at_once.keys() >= {"units.npy", "vectors.npy", "tokens_ids.npy", "tokens_df.npy"}
    for name, array in at_once.items():
        assert np.array_equal(blocked[name], array), name
    blocked_index = store.load(project.index_dir)
    for word in ("ambassador", "summoned", "mexican", "70", "spying"):
        for kind in ("lexical_passages", "lexical_windows"):
            assert np.array_equal(getattr(blocked_index, kind).scores([word]), getattr(at_once_index, kind).scores([word]))
    assert blocked_index.faiss_index.ntotal == entry.units


def test_bm25_over_term_ids_scores_as_bm25_over_the_words():
    texts = [
        "The French government summoned the U.S. ambassador.",
        "",
        "NSA spying on Mexico's president, Mexico said; the NSA declined to comment.",
        "Spying, spying and more spying.",
    ]
    ours = Lexical.build(texts)
    words = bm25s.BM25()
    words.index([w or ["\u2205"] for w in terms(texts)], show_progress=False)
    for term in {t for doc in terms(texts) for t in doc}:
        assert np.allclose(ours.scores([term]), words.get_scores([words.vocab_dict[term]])), term
    assert list(ours.lengths) == [4, 1, 9, 4]


class Failing(Exception):
    pass


def test_a_build_failing_midway_leaves_the_old_index_and_no_leftovers(project, monkeypatch):
    library = project.library()
    library.rebuild()
    before = current_generation(project.index_dir)
    expected = library.ask("who summoned the ambassador?")
    monkeypatch.setattr(rows, "BLOCK_PASSAGES", 5)
    embed_with_tokens = project.embedder.embed_with_tokens
    blocks = []

    def crash_on_second_block(texts):  # a block is whole articles; its passages, one call
        blocks.append(texts)
        if len(blocks) == 2:
            raise Failing("the model crashed")
        return embed_with_tokens(texts)

    monkeypatch.setattr(project.embedder, "embed_with_tokens", crash_on_second_block)
    with pytest.raises(Failing):
        library.rebuild(full=True)

    assert len(blocks) == 2
    assert current_generation(project.index_dir) == before
    assert not list(project.index_dir.glob("tmp-*"))
    assert project.library().ask("who summoned the ambassador?") == expected


def test_a_writer_left_open_never_waits_on_another_writers_append(tmp_path):
    """A failed build's writer, collected while another appends, closes without waiting for it."""
    import threading

    import numpy as np

    from newsbot.retrieval.index.segment_writer import _growing

    left_open = _growing(tmp_path / "a.npy", np.zeros((0, 3), np.int32))
    appending = _growing(tmp_path / "b.npy", np.zeros((0, 3), np.int32))
    with appending._NpyAppendArray__lock:  # held as it is during an append
        closing = threading.Thread(target=left_open.close, daemon=True)
        closing.start()
        closing.join(timeout=5)
        assert not closing.is_alive()
