"""The trained reader as newsbot ships it: `reader.onnx`, `reader.json` and a model card.

The ONNX graph takes the six inputs `newsbot.retrieval.reader.reading` feeds it and returns the
answer logit and the span's start and end logits; `reader.json` says which embedding model's
token vectors it reads (the index must have been built with that model), its shape and the
held-out figures. Written to a temporary folder and swapped in, so a failed export leaves
the shipped weights as they were.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

import torch

from training.features import MODEL, model_export

INPUTS = ["q_vec", "q_ids", "q_mask", "p_vec", "p_ids", "p_mask"]
OUTPUTS = ["answer", "start", "end"]
FORMAT_VERSION = 1


def export(model, shape, out: Path, figures: dict, settings: dict, tokenizer: Path | None = None) -> None:
    """`tokenizer` is the bundled model's tokenizer.json (default: the export in training/work):
    the reader maps its span to characters with it."""
    if tokenizer is None:
        tokenizer = model_export(Path(__file__).resolve().parent / "work") / "tokenizer.json"
    model.eval()
    out = Path(out)
    partial = out.with_name(out.name + ".partial")
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    pairs, q, p = 2, 7, 11
    example = (
        torch.randn(pairs, q, shape.dimension), torch.randint(0, 30000, (pairs, q)), torch.ones(pairs, q),
        torch.randn(pairs, p, shape.dimension), torch.randint(0, 30000, (pairs, p)), torch.ones(pairs, p),
    )
    axes = {"q_vec": {0: "pairs", 1: "q"}, "q_ids": {0: "pairs", 1: "q"}, "q_mask": {0: "pairs", 1: "q"},
            "p_vec": {0: "pairs", 1: "p"}, "p_ids": {0: "pairs", 1: "p"}, "p_mask": {0: "pairs", 1: "p"},
            "answer": {0: "pairs"}, "start": {0: "pairs", 1: "p"}, "end": {0: "pairs", 1: "p"}}
    torch.onnx.export(
        model, example, str(partial / "reader.onnx"), input_names=INPUTS, output_names=OUTPUTS,
        dynamic_axes=axes, opset_version=17, dynamo=False,
    )
    shutil.copyfile(tokenizer, partial / "tokenizer.json")
    card = {
        "format_version": FORMAT_VERSION,
        "reads_tokens_of": MODEL,
        "shape": shape.to_dict(),
        "held_out": figures,
        "trained": {k: str(v) if isinstance(v, Path) else v for k, v in settings.items() if k not in ("data", "out", "work")},
        "made": dt.date.today().isoformat(),
        "torch": torch.__version__,
    }
    (partial / "reader.json").write_text(json.dumps(card, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    old = out.with_name(out.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if out.exists():
        os.replace(out, old)
    os.replace(partial, out)
    shutil.rmtree(old, ignore_errors=True)
