"""A background run's speed, with and without an earlier multi-threaded torch operation in the starting thread.

The runner trains in its own thread. When another thread (a notebook's main thread, say) has already run a
multi-threaded torch operation, the process holds two OpenMP teams, more threads than two cores, and libgomp stops
spinning between parallel regions. Each repeat runs the workbench default (MiniLM, Rotten Tomatoes, one epoch) in two
fresh processes, one plain and one after a 2000x2000 matrix product in the main thread:

    .venv/bin/python bench/background_thread.py --repeats 2
"""
from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def one_run(n_train: int, n_test: int, touch_main: bool) -> float:
    sys.path.insert(0, str(HERE))
    import torch

    import finetune_speed

    if touch_main:
        x = torch.randn(2000, 2000)
        (x @ x).sum()
    return finetune_speed.run_one("workbench", n_train, n_test)["train_s"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=2000)
    parser.add_argument("--test", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--only", choices=["plain", "touched"], help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.only:
        print("RESULT " + json.dumps(one_run(args.train, args.test, args.only == "touched")))
        return
    seconds = {"plain": [], "touched": []}
    for _ in range(args.repeats):
        for kind in seconds:
            out = subprocess.run([sys.executable, __file__, "--only", kind, "--train", str(args.train),
                                  "--test", str(args.test)], capture_output=True, text=True, check=True).stdout
            seconds[kind].append(json.loads(out.split("RESULT ", 1)[1]))
            print(f"{kind}: {seconds[kind][-1]:.1f} s", flush=True)
    plain, touched = (sum(v) / len(v) for v in seconds.values())
    print(f"\ntrain seconds, mean of {args.repeats}: plain {plain:.1f}, after a torch product in the main thread "
          f"{touched:.1f} ({touched / plain:.2f}x)")


if __name__ == "__main__":
    main()
