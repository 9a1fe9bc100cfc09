"""The budget a run chooses from its data (workbench/core/budget.py) against the old default of one epoch, by size.

For each training-set size and seed, MiniLM trains twice on the same split (split seed 0, the same 1,000 test
examples for every size): one epoch, and with no epochs set (the data-chosen budget, early stopping and the best
weights included). Differences are paired by seed, with the 95 % t interval of the mean (workbench.analysis.stats).

    .venv/bin/python bench/default_budget.py                     # Rotten Tomatoes and SMS spam, 3 seeds
    .venv/bin/python bench/default_budget.py --datasets sms_spam --sizes 300 600 --seeds 2
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

TEST_EXAMPLES = 1000
ONE_EPOCH, CHOSEN = "one epoch (old default)", "chosen from the data (new default)"
BUDGETS = {ONE_EPOCH: {"epochs": 1}, CHOSEN: {}}


def same_as_one_epoch(dataset: str, size: int | None) -> bool:
    """True where the data-chosen budget is one epoch without early stopping: the same run, trained once."""
    from workbench.core.budget import resolve_budget
    from workbench.core.config import RunConfig
    from workbench.core.runner import prepare_splits

    cfg = RunConfig.from_flat(dataset=dataset, max_train_samples=size, split_seed=0,
                              test_fraction=TEST_EXAMPLES / _length(dataset))
    budget = resolve_budget(cfg.train, len(prepare_splits(cfg).train))
    return budget.epochs == 1 and not budget.early_stopping


def _length(dataset: str) -> int:
    from workbench.core.datasets import load_dataset
    return len(load_dataset(dataset))


def run(dataset: str, size: int | None, seed: int, options: dict) -> dict:
    from workbench.core.config import RunConfig
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    with tempfile.TemporaryDirectory() as home:
        os.environ["WORKBENCH_HOME"] = home
        cfg = RunConfig.from_flat(dataset=dataset, max_train_samples=size, split_seed=0, seed=seed,
                                  test_fraction=TEST_EXAMPLES / _length(dataset), save_checkpoints=False,
                                  save_model=False, **options)
        snap = Runner(RunStore(Path(home) / "runs")).start(cfg).wait()
    assert snap["status"] == "finished", snap["error"]
    m = snap["metrics"]
    return {"accuracy": m["test"]["accuracy"], "train_s": m["train_seconds"], "steps": m["steps"],
            "epochs": m["epochs"], "restored_step": (m.get("restored_best") or {}).get("step"),
            "train_size": snap["dataset"]["size"]}


def main() -> None:
    from workbench.analysis.stats import compare_paired

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", nargs="+", default=["rotten_tomatoes", "sms_spam"])
    parser.add_argument("--sizes", nargs="+", default=["300", "600", "1000", "2000", "all"])
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write every run here")
    args = parser.parse_args()

    table, everything = [], []
    for dataset in args.datasets:
        for size_text in args.sizes:
            size = None if size_text == "all" else int(size_text)
            rows = {name: [] for name in BUDGETS}
            identical = same_as_one_epoch(dataset, size)
            for seed in range(args.seeds):
                for name in (list(BUDGETS) if seed % 2 == 0 else list(reversed(BUDGETS))):
                    twin = ONE_EPOCH if name == CHOSEN else CHOSEN
                    if identical and len(rows[twin]) > seed:
                        rows[name].append(rows[twin][seed])     # the chosen budget is one epoch here: the same run
                    else:
                        rows[name].append(run(dataset, size, seed, BUDGETS[name]))
                    everything.append({"dataset": dataset, "size": size_text, "seed": seed, "budget": name,
                                       **rows[name][-1]})
                    print(json.dumps(everything[-1]), flush=True)
            old, new = (rows[name] for name in BUDGETS)
            verdict = compare_paired([r["accuracy"] for r in old], [r["accuracy"] for r in new], "accuracy",
                                     names=("one epoch", "chosen budget"))
            mean = lambda runs, key: sum(r[key] for r in runs) / len(runs)  # noqa: E731
            table.append(f"| {dataset} | {old[0]['train_size']} | {mean(old, 'accuracy'):.3f} | "
                         f"{mean(new, 'accuracy'):.3f} | {verdict.difference:+.3f} ({verdict.ci_low:+.3f} to "
                         f"{verdict.ci_high:+.3f}) | {mean(new, 'epochs'):.0f} | {mean(new, 'steps'):.0f} | "
                         f"{mean(old, 'train_s'):.1f} | {mean(new, 'train_s'):.1f} |")
    print("\n| dataset | training examples | one epoch: accuracy | chosen budget: accuracy | difference (95 % CI) "
          "| epochs chosen | steps run (mean) | one epoch: train s | chosen: train s |")
    print("|---|---|---|---|---|---|---|---|---|")
    print("\n".join(table))
    if args.json:
        args.json.write_text(json.dumps(everything, indent=2))


if __name__ == "__main__":
    main()
