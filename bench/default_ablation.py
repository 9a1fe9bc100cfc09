"""Does each speed-up of the text recipe cost accuracy? One switch at a time, paired over seeds on one split.

For every seed the workbench with every speed-up on, the same with one turned off (each in turn) and the tuned plain
Trainer (bench/finetune_speed.py) train MiniLM for one epoch on the same split (split seed 0; the seed changes the
new head, the batch order and the dropout masks). Each difference is paired by seed and reported with the 95 % t
interval of the mean per-seed difference (workbench.analysis.stats.compare_paired, the lessons' statistics). A speed-up
belongs in the default when the interval of (with it - without it) lies above -0.005 (non-inferiority); the
default's help texts (workbench/core/config.py) say which passed.

    .venv/bin/python bench/default_ablation.py                        # 5 seeds, Rotten Tomatoes and SMS spam
    .venv/bin/python bench/default_ablation.py --datasets sms_spam --seeds 3 --train 300 --test 200   # a quick look
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from finetune_speed import plain_trainer, shared_split  # noqa: E402

MARGIN = 0.005       # the largest accuracy loss a speed-up may cost and stay in the default
ALL_ON = "every speed-up on"
SPEED_UPS = {"freeze_embeddings": True, "precision": "auto", "fast_dropout": True, "fast_attention_dropout": True}
# each row: one speed-up turned off, as the run options that turn it off
ABLATIONS = {"word embeddings trained (not fixed)": {"freeze_embeddings": False},
             "fp32 (no bf16 autocast)": {"precision": "fp32"},
             "PyTorch dropout masks (not the cheap ones)": {"fast_dropout": False},
             "SDPA attention dropout (not the cheap variant)": {"fast_attention_dropout": False}}


def workbench_run(dataset: str, n_train: int, n_test: int, seed: int, home: str, overrides: dict) -> dict:
    from workbench.core.config import RunConfig
    from workbench.core.datasets import load_dataset
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    cfg = RunConfig.from_flat(dataset=dataset, max_train_samples=n_train, test_fraction=n_test / len(load_dataset(dataset)),
                              split_seed=0, seed=seed, epochs=1, save_checkpoints=False, save_model=False,
                              **{**SPEED_UPS, **overrides})
    snap = Runner(RunStore(Path(home) / "runs")).start(cfg).wait()
    assert snap["status"] == "finished", snap["error"]
    m = snap["metrics"]
    return {"accuracy": m["test"]["accuracy"], "train_s": m["train_seconds"]}


def verdicts(rows: dict, baseline: str) -> list[dict]:
    from workbench.analysis.stats import compare_paired

    out = []
    for name, runs in rows.items():
        if name == baseline:
            continue
        # compare_paired gives B - A: here the default minus the setup, seed by seed
        acc = compare_paired([r["accuracy"] for r in runs], [r["accuracy"] for r in rows[baseline]], "accuracy",
                             names=(name, baseline))
        time = compare_paired([r["train_s"] for r in runs], [r["train_s"] for r in rows[baseline]], "train_s",
                              names=(name, baseline), higher_is_better=False)
        out.append({"setup": name, "accuracy_diff": acc.difference, "accuracy_ci": (acc.ci_low, acc.ci_high),
                    "non_inferior": acc.ci_low > -MARGIN, "time_ratio": sum(r["train_s"] for r in runs)
                    / sum(r["train_s"] for r in rows[baseline]), "time_diff_ci": (time.ci_low, time.ci_high)})
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["rotten_tomatoes", "sms_spam"])
    parser.add_argument("--seeds", type=int, default=5)
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--no-trainer", action="store_true", help="skip the tuned plain Trainer")
    parser.add_argument("--json", type=Path, help="also write every run here")
    args = parser.parse_args()

    setups = {ALL_ON: {}, **ABLATIONS}
    results = {}
    for dataset in args.datasets:
        rows: dict[str, list[dict]] = {name: [] for name in setups}
        if not args.no_trainer:
            rows["tuned plain Trainer"] = []
        for seed in range(args.seeds):
            order = list(rows)
            order = order[seed % len(order):] + order[:seed % len(order)]     # rotate: no setup always runs first
            for name in order:
                with tempfile.TemporaryDirectory() as home:
                    os.environ["WORKBENCH_HOME"] = home
                    if name == "tuned plain Trainer":
                        run = plain_trainer(shared_split(args.train, args.test, 0, dataset), True, home, seed)
                    else:
                        run = workbench_run(dataset, args.train, args.test, seed, home, setups[name])
                rows[name].append({"seed": seed, "accuracy": run["accuracy"], "train_s": run["train_s"]})
                print(json.dumps({"dataset": dataset, "setup": name, **rows[name][-1]}), flush=True)
        results[dataset] = {"runs": rows, "verdicts": verdicts(rows, ALL_ON)}

    for dataset, result in results.items():
        base = result["runs"][ALL_ON]
        print(f"\n### {dataset}: {ALL_ON} {sum(r['accuracy'] for r in base) / len(base):.4f} mean accuracy, "
              f"{sum(r['train_s'] for r in base) / len(base):.1f} s mean training, {len(base)} seeds\n")
        print("| compared with | all-on minus it, accuracy (mean of seeds) | 95 % CI | non-inferior (CI "
              f"above -{MARGIN}) | all-on's speed-up over it |")
        print("|---|---|---|---|---|")
        for v in result["verdicts"]:
            low, high = v["accuracy_ci"]
            print(f"| {v['setup']} | {v['accuracy_diff']:+.4f} | {low:+.4f} to {high:+.4f} | "
                  f"{'yes' if v['non_inferior'] else '**no**'} | {v['time_ratio']:.2f}x |")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
