"""Fine-tuning speed: a classic pad-to-128 fp32 Trainer script, a tuned plain Trainer, and the workbench default.

All three train MiniLM for one epoch at batch 16 on the same 2,000 Rotten Tomatoes snippets and are scored on
the same ~1,000 held-out ones, one after the other, each in a fresh process (so none inherits another's
warmed-up allocator or kernel caches). Run:

    .venv/bin/python bench/finetune_speed.py            # full size (about 4 minutes on 2 cores)
    .venv/bin/python bench/finetune_speed.py --train 200 --test 100   # a quick check
    .venv/bin/python bench/finetune_speed.py --repeats 2   # each setup twice, in order A B C then C B A
    .venv/bin/python bench/finetune_speed.py --seeds 5     # 5 seeds (split, head, batch order): accuracy paired
                                                           # by seed with a 95 % interval (about 22 minutes)

It also reports what fraction of this CPU's bf16 matrix-product peak the workbench's training reaches: the
training FLOPs are estimated as 6 x (parameters outside the embeddings) x (training tokens), attention's own
products left out (they are small at these lengths), and the peak is a repeated 2048 x 2048 bf16 product timed
in the same run.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def shared_split(n_train: int, n_test: int, seed: int = 0, dataset: str = "rotten_tomatoes"):
    from workbench.core.datasets import load_dataset, split_dataset
    ds = load_dataset(dataset)
    # the split the workbench makes for a run with this seed, so that all setups see the same examples
    return split_dataset(ds, val_fraction=0.1, test_fraction=n_test / len(ds), seed=seed, max_train_samples=n_train)


def plain_trainer(splits, tuned: bool, out: str, seed: int = 0) -> dict:
    """The tutorial recipe: tokenizer + AutoModelForSequenceClassification + Trainer, no workbench code."""
    import datasets
    import torch
    from transformers import (AutoModelForSequenceClassification, AutoTokenizer, DataCollatorWithPadding, Trainer,
                              TrainingArguments)

    from workbench.core.pretrained import minilm_path

    torch.manual_seed(seed)
    tok = AutoTokenizer.from_pretrained(minilm_path())
    model = AutoModelForSequenceClassification.from_pretrained(minilm_path(), num_labels=2)

    def encode(split):
        table = datasets.Dataset.from_dict({"text": split.x, "label": split.y.tolist()})
        padding = False if tuned else "max_length"
        return table.map(lambda b: tok(b["text"], truncation=True, max_length=128, padding=padding),
                         batched=True, remove_columns=["text"])

    train, test = encode(splits.train), encode(splits.test)
    args = TrainingArguments(output_dir=out, per_device_train_batch_size=16, per_device_eval_batch_size=32,
                             num_train_epochs=1, learning_rate=5e-5, seed=seed, report_to="none", save_strategy="no",
                             eval_strategy="no", use_cpu=True, disable_tqdm=True, logging_steps=50,
                             train_sampling_strategy="group_by_length" if tuned else "random")
    trainer = Trainer(model=model, args=args, train_dataset=train,
                      data_collator=DataCollatorWithPadding(tok) if tuned else None)
    started = time.time()
    trainer.train()
    train_s = time.time() - started
    started = time.time()
    out = trainer.predict(test)
    eval_s = time.time() - started
    # Score against the labels predict() returns: with group_by_length, transformers 5 also shuffles the
    # evaluation order, so the split's own label order would not match.
    return {"train_s": train_s, "eval_s": eval_s,
            "accuracy": float((out.predictions.argmax(-1) == out.label_ids).mean())}


def workbench_default(splits, n_train: int, n_test: int, home: str, overrides: dict | None = None) -> dict:
    from workbench.core.config import RunConfig
    from workbench.core.datasets import load_dataset
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    ds = load_dataset("rotten_tomatoes")
    cfg = RunConfig.from_flat(dataset="rotten_tomatoes", max_train_samples=n_train, test_fraction=n_test / len(ds),
                              **{"epochs": 1, **(overrides or {})})
    snap = Runner(RunStore(Path(home) / "runs")).start(cfg).wait()
    assert snap["status"] == "finished", snap["error"]
    m = snap["metrics"]
    return {"train_s": m["train_seconds"], "eval_s": m["test"]["predict_seconds"],
            "accuracy": m["test"]["accuracy"], "precision": m["precision"]}


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def counterbalanced(runs: list, repeats: int) -> list[list]:
    """The run order for each repeat: forward, then reversed, and so on. A machine that slows down (or speeds up)
    over the session then weighs on every setup alike instead of on whichever always runs last."""
    return [list(runs) if r % 2 == 0 else list(reversed(runs)) for r in range(repeats)]


def averaged(rows: list[dict]) -> dict:
    """The mean of each timing over the repeats; accuracy and precision are the same in every repeat (one seed)."""
    mean = {key: float(np.mean([row[key] for row in rows])) for key in ("train_s", "eval_s", "accuracy")}
    return {**rows[0], **mean, "repeats": len(rows)}


SETUPS = {"classic": "classic pad-128 fp32 Trainer",
          "tuned": "tuned plain Trainer (dynamic padding, length groups, fp32)",
          "workbench": "workbench default"}


def bf16_peak_gflops(size: int = 2048, repeats: int = 20) -> float:
    """The best rate of a repeated bf16 matrix product on this CPU, in GFLOP/s: the peak a training step could
    reach if it were nothing but large products."""
    import torch

    a, b = torch.randn(size, size, dtype=torch.bfloat16), torch.randn(size, size, dtype=torch.bfloat16)
    best = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - started)
    return 2 * size ** 3 / best / 1e9


def training_gflop(n_train: int, n_test: int, seed: int) -> float:
    """6 x (parameters outside the embeddings) x (tokens of one epoch, unpadded, truncated at 128), in GFLOP."""
    from transformers import AutoModel, AutoTokenizer

    from workbench.core.pretrained import minilm_path

    tok = AutoTokenizer.from_pretrained(minilm_path())
    body = sum(p.numel() for name, p in AutoModel.from_pretrained(minilm_path()).named_parameters()
               if "embeddings" not in name)
    texts = shared_split(n_train, n_test, seed).train.x
    tokens = sum(len(ids) for ids in tok(list(texts), truncation=True, max_length=128)["input_ids"])
    return 6 * body * tokens / 1e9


def run_one(setup: str, n_train: int, n_test: int, overrides: dict | None = None, seed: int = 0) -> dict:
    if setup == "peak":
        return {"bf16_peak_gflops": bf16_peak_gflops(), "train_gflop": training_gflop(n_train, n_test, seed)}
    with tempfile.TemporaryDirectory() as home:
        os.environ["WORKBENCH_HOME"] = home
        splits = shared_split(n_train, n_test, seed)
        if setup == "workbench":
            return workbench_default(splits, n_train, n_test, home, {"seed": seed, **(overrides or {})})
        return plain_trainer(splits, setup == "tuned", home, seed)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--json", type=Path, help="also write the results here")
    parser.add_argument("--variant", action="append", default=[], metavar="JSON",
                        help='also time the workbench with these options, e.g. \'{"freeze_embeddings": false}\'')
    parser.add_argument("--seed", type=int, default=0,
                        help="the first seed: the split, the initial head and the batch order of every setup")
    parser.add_argument("--seeds", type=positive_int, default=1, metavar="N",
                        help="run every setup with N seeds (seed, seed+1, ...) and compare accuracies paired by seed")
    parser.add_argument("--repeats", type=positive_int, default=1, metavar="N",
                        help="time every setup N times per seed, in forward then reverse order (reported: the "
                             "means); an even N weighs every position alike")
    parser.add_argument("--only", choices=[*SETUPS, "peak"], help=argparse.SUPPRESS)   # one setup, in this process
    parser.add_argument("--overrides", default="{}", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print("RESULT " + json.dumps(run_one(args.only, args.train, args.test, json.loads(args.overrides),
                                             args.seed)))
        return

    def child(key: str, seed: int, overrides: str = "{}") -> dict:
        os.sync()   # no setup pays for writing back another one's files
        out = subprocess.run([sys.executable, __file__, "--only", key, "--train", str(args.train), "--test",
                              str(args.test), "--overrides", overrides, "--seed", str(seed)],
                             capture_output=True, text=True, check=True).stdout
        return json.loads(out.split("RESULT ", 1)[1])

    runs = [(key, name, "{}") for key, name in SETUPS.items()]
    runs += [("workbench", f"workbench with {variant}", variant) for variant in args.variant]
    seeds = [args.seed + i for i in range(args.seeds)]
    timings: dict[str, list[dict]] = {name: [] for _, name, _ in runs}
    per_seed: dict[str, list[dict]] = {name: [] for _, name, _ in runs}
    orders = counterbalanced(runs, args.repeats * len(seeds))
    for s, seed in enumerate(seeds):
        rows: dict[str, list[dict]] = {name: [] for _, name, _ in runs}
        for order in orders[s * args.repeats:(s + 1) * args.repeats]:
            for key, name, overrides in order:
                rows[name].append({**child(key, seed, overrides), "seed": seed})
                print(f"{name} (seed {seed}): {json.dumps(rows[name][-1])}", flush=True)
        for name in rows:
            timings[name] += rows[name]
            per_seed[name].append(averaged(rows[name]))
    peak = child("peak", seeds[0])
    report(timings, per_seed, peak)
    if args.json:
        args.json.write_text(json.dumps({"seeds": per_seed, "runs": timings, "peak": peak}, indent=2))


def report(timings: dict[str, list[dict]], per_seed: dict[str, list[dict]], peak: dict) -> None:
    """The table (times: means over every run; accuracy: mean over seeds), the ratios, the paired accuracy
    verdicts of the workbench against both baselines, and the share of the bf16 peak."""
    from workbench.analysis.stats import compare_paired

    names = list(timings)
    classic, tuned, ours = names[0], names[1], names[2]
    mean = {name: {key: float(np.mean([r[key] for r in rows])) for key in ("train_s", "eval_s", "accuracy")}
            for name, rows in timings.items()}
    n_seeds = len(per_seed[ours])
    print(f"\n| setup | train s | eval s | test acc (mean of {n_seeds} seeds) | train time vs classic | vs tuned |")
    print("|---|---|---|---|---|---|")
    for name, r in mean.items():
        print(f"| {name} | {r['train_s']:.1f} | {r['eval_s']:.1f} | {r['accuracy']:.3f} | "
              f"{r['train_s'] / mean[classic]['train_s']:.3f}x | {r['train_s'] / mean[tuned]['train_s']:.3f}x |")
    print(f"\nworkbench default: {mean[ours]['train_s'] / mean[classic]['train_s']:.3f}x the classic script's train "
          f"time (target <= 0.10), {mean[ours]['train_s'] / mean[tuned]['train_s']:.3f}x the tuned one's "
          f"(target <= 0.5)")
    for baseline in (tuned, classic):
        verdict = compare_paired([r["accuracy"] for r in per_seed[baseline]],
                                 [r["accuracy"] for r in per_seed[ours]], "accuracy", names=(baseline, ours))
        print(f"accuracy: {verdict.sentence}")
    # the first seed's split: the same training texts as the first workbench run
    gflops = peak["train_gflop"] / per_seed[ours][0]["train_s"]
    print(f"bf16 peak {peak['bf16_peak_gflops']:.0f} GFLOP/s; the workbench's training reaches about {gflops:.0f} "
          f"GFLOP/s ({peak['train_gflop']:.0f} GFLOP in {per_seed[ours][0]['train_s']:.1f} s), "
          f"{gflops / peak['bf16_peak_gflops']:.1%} of it")


if __name__ == "__main__":
    main()
