"""Does torch.compile, with sequence lengths bucketed to a few shapes, remove the per-step overhead? (issue #17)

A bare training loop of the workbench's text recipe (MiniLM, word embeddings fixed, bf16 autocast, AdamW, batch 16,
one epoch over the same 2,000 Rotten Tomatoes snippets as bench/finetune_speed.py, batches grouped by length) with
every batch padded up to a multiple of 32 tokens, so the model only ever sees the shapes 32, 64, 96 and 128 (and
the last, smaller batch). Three fresh processes:

    eager      the bucketed loop without compiling (the baseline)
    cold       torch.compile(dynamic=False) with an empty Inductor cache: pays every compile
    warm       the same again, with the cache the cold run left on disk (FX graph and AOTAutograd caches)

Reported: the epoch's wall time, the median step after each shape's first step, the first steps' extra time (the
compile), and the test accuracy of each (the same seed, so equal accuracy is expected).

    .venv/bin/python bench/compile_buckets.py                 # about 4 minutes on 2 cores
    .venv/bin/python bench/compile_buckets.py --train 200     # a quick look
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

BUCKET = 32
KEEP_IF = 1.3        # the bar: the warm compiled run at least this much faster per step


def train_once(n_train: int, n_test: int, compiled: bool, seed: int = 0) -> dict:
    import numpy as np
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from finetune_speed import shared_split
    from workbench.core.pretrained import minilm_path

    torch.manual_seed(seed)
    splits = shared_split(n_train, n_test, seed)
    tok = AutoTokenizer.from_pretrained(minilm_path())
    model = AutoModelForSequenceClassification.from_pretrained(minilm_path(), num_labels=2)
    model.base_model.embeddings.word_embeddings.weight.requires_grad_(False)
    optimizer = torch.optim.AdamW([p for p in model.parameters() if p.requires_grad], lr=5e-5)

    def batches(texts, labels, batch: int, shuffle: bool):
        ids = tok(list(texts), truncation=True, max_length=128)["input_ids"]
        order = np.random.default_rng(seed).permutation(len(ids)) if shuffle else np.arange(len(ids))
        # groups of 50 batches sorted by length inside (the length-grouped sampler's idea), then bucketed padding
        chunks = [sorted(order[i:i + 50 * batch], key=lambda j: len(ids[j])) for i in range(0, len(ids), 50 * batch)]
        flat = [j for chunk in chunks for j in chunk]
        for start in range(0, len(flat), batch):
            rows = flat[start:start + batch]
            width = -(-max(len(ids[j]) for j in rows) // BUCKET) * BUCKET
            x = torch.zeros((len(rows), width), dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.long)
            for r, j in enumerate(rows):
                x[r, :len(ids[j])], mask[r, :len(ids[j])] = torch.tensor(ids[j]), 1
            yield x, mask, torch.as_tensor(np.asarray(labels)[rows])

    forward = torch.compile(model, dynamic=False) if compiled else model
    model.train()
    steps, seen = [], set()
    started = time.perf_counter()
    for x, mask, y in batches(splits.train.x, splits.train.y, 16, shuffle=True):
        t = time.perf_counter()
        with torch.autocast("cpu", dtype=torch.bfloat16):
            loss = forward(input_ids=x, attention_mask=mask, labels=y).loss
        loss.backward()
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        shape = tuple(x.shape)
        steps.append((shape not in seen, time.perf_counter() - t))
        seen.add(shape)
    epoch_s = time.perf_counter() - started
    model.eval()
    right = 0
    with torch.inference_mode(), torch.autocast("cpu", dtype=torch.bfloat16):
        for x, mask, y in batches(splits.test.x, splits.test.y, 64, shuffle=False):
            right += int((model(input_ids=x, attention_mask=mask).logits.argmax(-1) == y).sum())
    later = [s for first, s in steps if not first]
    median = statistics.median(later)
    return {"epoch_s": epoch_s, "median_step_ms": 1000 * median, "steps": len(steps), "shapes": len(seen),
            "first_steps_extra_s": sum(s for first, s in steps if first) - median * len(seen),
            "accuracy": right / len(splits.test.y)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--only", choices=["eager", "compiled"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print("RESULT " + json.dumps(train_once(args.train, args.test, args.only == "compiled")))
        return
    results = {}
    with tempfile.TemporaryDirectory(prefix="inductor_") as cache:
        env = {**os.environ, "TORCHINDUCTOR_CACHE_DIR": cache, "TORCHINDUCTOR_FX_GRAPH_CACHE": "1",
               "TORCHINDUCTOR_AUTOGRAD_CACHE": "1"}
        for name, mode in (("eager", "eager"), ("cold", "compiled"), ("warm", "compiled")):
            os.sync()
            out = subprocess.run([sys.executable, __file__, "--only", mode, "--train", str(args.train), "--test",
                                  str(args.test)], env=env, capture_output=True, text=True)
            if out.returncode:
                print(f"{name} failed:\n{out.stderr[-3000:]}")
                return
            results[name] = json.loads(out.stdout.split("RESULT ", 1)[1])
            print(f"{name}: {json.dumps(results[name])}", flush=True)
    eager = results["eager"]
    print("\n| setup | epoch s | median step ms | first steps' extra s | shapes | test acc |")
    print("|---|---|---|---|---|---|")
    for name, r in results.items():
        print(f"| {name} | {r['epoch_s']:.1f} | {r['median_step_ms']:.1f} | {r['first_steps_extra_s']:.1f} | "
              f"{r['shapes']} | {r['accuracy']:.3f} |")
    speedup = eager["median_step_ms"] / results["warm"]["median_step_ms"]
    print(f"\nwarm compiled run: {speedup:.2f}x eager per step (keep it if >= {KEEP_IF}), epoch "
          f"{eager['epoch_s'] / results['warm']['epoch_s']:.2f}x; the cold run's epoch took "
          f"{results['cold']['epoch_s'] / eager['epoch_s']:.1f}x the eager one")


if __name__ == "__main__":
    main()
