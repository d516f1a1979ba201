"""Train the reader and write the shipped weights: `python -m training.train`.

One command, fixed seeds, resumable: a checkpoint is written every `--checkpoint-every`
steps (and when `--minutes` runs out), and a rerun with the same arguments continues from
it. At the end the held-out articles are scored and the model is exported to ONNX with its
card (`training/export.py`) into `retrieval/reader/weights/`. docs/search.md, "The reader" gives the
figures; `training/README.md` how to run it.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

from training.batches import NO_SPAN, make_batch, span_tokens
from training.examples import Example, held_out, read_examples
from training.features import model_export, token_table
from training.model import Reader, ReaderShape
from training.other_articles import with_other_articles

REPO = Path(__file__).resolve().parent.parent
DATA = REPO.parent / "shared" / "data" / "reader"
WEIGHTS = REPO / "retrieval" / "reader" / "weights"


def main(argv: list[str] | None = None) -> dict:
    args = _parser().parse_args(argv)
    torch.manual_seed(args.seed)
    torch.set_num_threads(args.threads or os.cpu_count() or 1)
    args.work.mkdir(parents=True, exist_ok=True)
    examples = read_examples(args.data, args.limit_per_set, args.seed)
    train = [e for e in examples if not held_out(e)]
    test = [e for e in examples if held_out(e)]
    print(f"{len(train):,} training questions, {len(test):,} held out (by article)", flush=True)
    texts = [e.question for e in examples] + [p.text for e in examples for p in e.passages]
    table = token_table(texts, args.work)
    shape = ReaderShape()
    spans = _spans(examples, args.work, shape.passage_tokens)
    model = Reader(shape)
    optimiser = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.01)
    cycle = args.cycle or args.steps
    rate_at = _warm_then_linear(args.steps, cycle, args.warmup)
    schedule = torch.optim.lr_scheduler.LambdaLR(optimiser, rate_at)
    step = _resume(args.work / "checkpoint.pt", model, optimiser, schedule)
    for group in optimiser.param_groups:  # as a run from scratch has it at this step (a cycle may have been added)
        group["lr"] = args.lr * rate_at(step)
    order = _order(len(train), args.batch, args.steps, args.seed)
    # the first cycle reads each question against its own article; later ones also against other articles'
    wide = with_other_articles(train, args.other_articles) if args.steps > cycle else train
    started, losses = time.perf_counter(), []
    model.train()
    while step < args.steps:
        taken = wide if step >= cycle else train
        batch = make_batch([taken[i] for i in order[step]], table, spans, shape)
        loss = _loss(model, batch)
        optimiser.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimiser.step()
        schedule.step()
        step += 1
        losses.append(loss.item())
        if step % 50 == 0:
            rate = 50 * args.batch / (time.perf_counter() - started)
            print(f"step {step}/{args.steps} loss {np.mean(losses[-50:]):.3f} ({rate:.1f} questions/s)", flush=True)
            started = time.perf_counter()
        out_of_time = args.minutes and (time.perf_counter() - _START) > args.minutes * 60
        if step % args.checkpoint_every == 0 or out_of_time:
            _checkpoint(args.work / "checkpoint.pt", model, optimiser, schedule, step)
        if out_of_time and step < args.steps:
            print(f"stopped at step {step} after {args.minutes} minutes: rerun the same command to go on")
            return {"step": step}
    figures = score(model, test, table, spans, shape)
    figures["answer_first_with_other_articles"] = score(model, with_other_articles(test, args.other_articles), table, spans, shape)[
        "answer_first_in_group"
    ]
    print(json.dumps(figures), flush=True)
    from training.export import export

    export(
        model, shape, args.out, figures, vars(args) | {"trained_questions": len(train), "held_out": len(test)},
        model_export(args.work) / "tokenizer.json",
    )
    return figures


_START = time.perf_counter()


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description="Train newsbot's reader and write its weights.")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--out", type=Path, default=WEIGHTS)
    parser.add_argument("--work", type=Path, default=REPO / "training" / "work", help="token vectors and checkpoints")
    parser.add_argument("--steps", type=int, default=2100)
    parser.add_argument("--batch", type=int, default=16, help="questions a step, each with its passages")
    parser.add_argument("--lr", type=float, default=5e-4)
    parser.add_argument("--warmup", type=int, default=200)
    parser.add_argument(
        "--cycle", type=int, default=1200,
        help="steps of a learning-rate cycle (warm-up, linear decay to 0); each further one restarts at half the peak",
    )
    parser.add_argument("--other-articles", type=int, default=2, help="negatives from other articles a question, after the first cycle")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--checkpoint-every", type=int, default=200)
    parser.add_argument("--minutes", type=float, default=0, help="stop (resumably) after this long; 0: no limit")
    parser.add_argument("--limit-per-set", type=int, default=None, help="a sample of each set (tests)")
    return parser


def _loss(model: Reader, batch) -> torch.Tensor:
    logit, start, end = model(*batch.inputs())
    binary = torch.nn.functional.binary_cross_entropy_with_logits(logit, batch.labels)
    grouped = torch.where(batch.group >= 0, logit[batch.group.clamp(min=0)], torch.full_like(batch.group, -1e4, dtype=logit.dtype))
    listwise = torch.nn.functional.cross_entropy(grouped, torch.zeros(len(grouped), dtype=torch.long))
    loss = listwise + binary
    if (batch.start != NO_SPAN).any():
        loss = loss + 0.5 * (
            torch.nn.functional.cross_entropy(start, batch.start, ignore_index=NO_SPAN)
            + torch.nn.functional.cross_entropy(end, batch.end, ignore_index=NO_SPAN)
        )
    return loss


@torch.no_grad()
def score(model: Reader, examples: list[Example], table, spans, shape) -> dict:
    """Held-out figures: how often the answering passage scores first in its group, and how
    often the predicted span's tokens overlap the answer's."""
    model.eval()
    first = overlap = spanned = 0
    for at in range(0, len(examples), 32):
        batch = make_batch(examples[at : at + 32], table, spans, shape)
        logit, start, end = model(*batch.inputs())
        grouped = torch.where(batch.group >= 0, logit[batch.group.clamp(min=0)], torch.full_like(batch.group, -1e4, dtype=logit.dtype))
        first += int((grouped.argmax(1) == 0).sum())
        for pair in torch.nonzero(batch.start != NO_SPAN)[:, 0].tolist():
            s, e = int(start[pair].argmax()), int(end[pair].argmax())
            spanned += 1
            overlap += s <= int(batch.end[pair]) and e >= int(batch.start[pair])
    model.train()
    by_source: dict[str, int] = {}
    for example in examples:
        by_source[example.source] = by_source.get(example.source, 0) + 1
    return {
        "held_out_questions": len(examples), "answer_first_in_group": round(first / max(len(examples), 1), 4),
        "span_overlaps_answer": round(overlap / max(spanned, 1), 4), "held_out_by_source": by_source,
    }


def _spans(examples: list[Example], work: Path, limit: int) -> dict[str, tuple[int, int] | None]:
    tokenizer = model_export(work) / "tokenizer.json"
    return {e.id: span_tokens(tokenizer, e.passages[0].text, e.passages[0].spans, limit) for e in examples}


def _order(count: int, batch: int, steps: int, seed: int) -> list[list[int]]:
    """Which training questions each step takes: epochs of a seeded shuffle."""
    rng = random.Random(seed)
    order: list[list[int]] = []
    pool: list[int] = []
    while len(order) < steps:
        if len(pool) < batch:
            fresh = list(range(count))
            rng.shuffle(fresh)
            pool += fresh
        order.append(pool[:batch])
        pool = pool[batch:]
    return order


def _warm_then_linear(steps: int, cycle: int, warmup: int):
    """Warm-up then linear decay to 0 over each `cycle` steps (the last cycle ends at `steps`),
    each cycle at half the last's peak (warm restarts, as in SGDR): the reader was still
    underfit after one cycle (its training questions scored no better than held-out ones), and
    a second cycle goes on from the first's checkpoint exactly as a run from scratch would."""

    def rate(step: int) -> float:
        turn, at = divmod(step, cycle)
        length = min(cycle, steps - turn * cycle)
        return 0.5**turn * min((at + 1) / max(warmup, 1), max(0.0, (length - at) / max(length - warmup, 1)))

    return rate


def _resume(path: Path, model, optimiser, schedule) -> int:
    if not path.is_file():
        return 0
    saved = torch.load(path, weights_only=False)
    model.load_state_dict(saved["model"])
    optimiser.load_state_dict(saved["optimiser"])
    schedule.load_state_dict(saved["schedule"])
    torch.set_rng_state(saved["rng"])
    print(f"resumed at step {saved['step']}", flush=True)
    return int(saved["step"])


def _checkpoint(path: Path, model, optimiser, schedule, step: int) -> None:
    partial = path.with_suffix(".partial")
    torch.save({"model": model.state_dict(), "optimiser": optimiser.state_dict(), "schedule": schedule.state_dict(),
                "rng": torch.get_rng_state(), "step": step}, partial)
    os.replace(partial, path)


if __name__ == "__main__":
    main()
