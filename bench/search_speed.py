"""Hyper-parameter search speed: trials per minute with and without pruning, and the best value each finds.

The same TPE search (learning rate and hidden sizes of the MLP on breast cancer, several evaluations per run so
the pruner has something to judge) runs twice in one process against one SQLite study file each:

    .venv/bin/python bench/search_speed.py [--trials 20] [--steps 60]
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def search(trials: int, steps: int, prune: bool, home: str) -> dict:
    import optuna

    from workbench.core.config import RunConfig
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore
    from workbench.lab.tuning import parse_space, tune

    base = RunConfig.from_flat(dataset="breast_cancer", model="mlp", max_steps=steps, eval_every=max(steps // 6, 1),
                               log_every=5, save_checkpoints=False, save_model=False)
    space = parse_space(["lr=log:1e-5:1", "hidden_sizes=16|64,32|128,64"])
    runner = Runner(RunStore(Path(home) / "runs"))
    started = time.perf_counter()
    study = tune(base, space, sampler="tpe", n_trials=trials, metric="accuracy", prune=prune, runner=runner,
                 storage=f"sqlite:///{home}/studies.db", study_name=f"bench-{'pruned' if prune else 'plain'}")
    seconds = time.perf_counter() - started
    states = [t.state for t in study.trials]
    return {"seconds": seconds, "trials_per_minute": 60 * trials / seconds, "best": study.best_value,
            "pruned": sum(s == optuna.trial.TrialState.PRUNED for s in states)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trials", type=int, default=20)
    parser.add_argument("--steps", type=int, default=60)
    args = parser.parse_args()
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import optuna
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with tempfile.TemporaryDirectory() as home:   # imports and first-run set-up, outside the timings
        search(1, args.steps, False, home)
    rows = {}
    for prune in (False, True):
        with tempfile.TemporaryDirectory() as home:
            rows["median pruner" if prune else "no pruning"] = search(args.trials, args.steps, prune, home)
    plain = rows["no pruning"]
    print(f"\n{args.trials} TPE trials, MLP on breast cancer, {args.steps} steps each\n")
    print("| search | seconds | trials per minute | pruned trials | best validation accuracy | speed vs no pruning |")
    print("|---|---|---|---|---|---|")
    for name, r in rows.items():
        print(f"| {name} | {r['seconds']:.1f} | {r['trials_per_minute']:.1f} | {r['pruned']} | {r['best']:.3f} | "
              f"{plain['seconds'] / r['seconds']:.2f}x |")


if __name__ == "__main__":
    main()
