"""A background run's speed after the starting thread ran a multi-threaded torch operation, with and without the
runner releasing that thread's OpenMP team.

The runner trains in its own thread. When another thread (a notebook's main thread, say) has already run a
multi-threaded torch operation, it holds an OpenMP team; with two teams the process has more threads than two cores,
and libgomp stops spinning between parallel regions. `Runner.start` now releases the caller's team
(workbench/speed/openmp.py). Each repeat runs the workbench default (MiniLM, Rotten Tomatoes, one epoch) in three fresh
processes: plain; after a 2000x2000 matrix product in the main thread; and the same with the release switched off
(the behaviour before it existed):

    .venv/bin/python bench/background_thread.py --repeats 2
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from finetune_speed import positive_int  # noqa: E402


KINDS = {"plain": "plain", "touched": "after a product in the main thread",
         "kept": "after a product in the main thread, team not released"}


def one_run(n_train: int, n_test: int, kind: str) -> float:
    import torch

    import finetune_speed
    import workbench.core.runner

    if kind != "plain":
        x = torch.randn(2000, 2000)
        (x @ x).sum()
    if kind == "kept":
        workbench.core.runner.release_thread_team = lambda: False
    return finetune_speed.run_one("workbench", n_train, n_test)["train_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--repeats", type=positive_int, default=2, metavar="N",
                        help="how many times to time each setup (reported: the means)")
    parser.add_argument("--only", choices=list(KINDS), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print("RESULT " + json.dumps(one_run(args.train, args.test, args.only)))
        return
    seconds = {kind: [] for kind in KINDS}
    for _ in range(args.repeats):
        for kind in seconds:
            out = subprocess.run([sys.executable, __file__, "--only", kind, "--train", str(args.train),
                                  "--test", str(args.test)], capture_output=True, text=True, check=True).stdout
            seconds[kind].append(json.loads(out.split("RESULT ", 1)[1]))
            print(f"{KINDS[kind]}: {seconds[kind][-1]:.1f} s", flush=True)
    means = {kind: sum(values) / len(values) for kind, values in seconds.items()}
    print(f"\ntrain seconds, mean of {args.repeats}:")
    for kind, mean in means.items():
        print(f"  {KINDS[kind]}: {mean:.1f} ({mean / means['plain']:.2f}x)")


if __name__ == "__main__":
    main()
