"""GPU check: the headline runs on CUDA, next to the same runs on the CPU.

Two workloads, each run once with `device="cuda"` and once with `device="cpu"` (the RunConfig option), every run
in a fresh process with its own WORKBENCH_HOME:

- text: MiniLM, 2,000 Rotten Tomatoes training snippets, one epoch, scored on about 1,000 held-out ones (the
  workload of bench/finetune_speed.py);
- image: EfficientNet-Lite0 on MNIST at the default image size (128), a short run of 100 steps at batch 16,
  scored on 500 test images.

Each row: where it trained, the precision `auto` picked there, training seconds, training samples per second,
test accuracy and, on the GPU, the peak GPU memory (torch.cuda.max_memory_allocated). Checkpoints and saved
models are off, so disk speed does not enter the comparison.

    .venv/bin/python bench/gpu_check.py               # needs CUDA; exits with code 2 where there is none
    .venv/bin/python bench/gpu_check.py --cpu-only    # only the CPU rows (no GPU needed; about 5 minutes on 2 cores)
    .venv/bin/python bench/gpu_check.py --quick       # smaller sizes, to check that it runs
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

NO_CUDA_EXIT = 2
ROW_PREFIX = "GPU_CHECK_ROW "
WORKLOADS = ("text", "image")
NO_CUDA_MESSAGE = ("No CUDA GPU: torch.cuda.is_available() is False (torch {version}), so there is nothing to "
                   "compare against. Run this on a machine with an NVIDIA GPU and a CUDA build of torch, or pass "
                   "--cpu-only to time the CPU rows alone.")


def positive_int(text: str) -> int:
    """argparse type: a whole number of at least 1."""
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def config_for(workload: str, device: str, sizes: dict):
    from workbench.core.config import RunConfig
    from workbench.core.datasets import load_dataset

    common = {"device": device, "seed": 0, "save_checkpoints": False, "save_model": False}
    if workload == "text":
        n = len(load_dataset("rotten_tomatoes"))
        return RunConfig.from_flat(dataset="rotten_tomatoes", max_train_samples=sizes["text_train"],
                                   test_fraction=sizes["text_test"] / n, epochs=1, **common)
    return RunConfig.from_flat(dataset="mnist", model="efficientnet_lite0", max_steps=sizes["image_steps"],
                               max_eval_samples=sizes["image_eval"], **common)


def run_row(workload: str, device: str, sizes: dict) -> dict:
    """One run in this process (the parent gives it a fresh process and WORKBENCH_HOME)."""
    import torch

    from workbench import start_run

    cfg = config_for(workload, device, sizes)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    snap = start_run(cfg).wait()
    if snap["status"] != "finished":
        raise RuntimeError(f"The {workload} run on {device} ended {snap['status']}: {snap['error']}")
    m, t = snap["metrics"], cfg.train
    per_step = t.batch_size * t.grad_accum
    samples = m["steps"] * per_step
    if not t.max_steps:   # by epochs: the last batch of an epoch may be partial
        samples = min(samples, int(round(snap["dataset"]["size"] * t.epochs)))
    return {"workload": workload, "device": snap["device"], "precision": m["precision"],
            "train_s": m["train_seconds"], "samples": samples, "samples_per_s": samples / m["train_seconds"],
            "test_accuracy": m["test"]["accuracy"], "test_examples": snap["dataset"].get("splits", {}).get("test"),
            "peak_gpu_mib": torch.cuda.max_memory_allocated() / 2**20 if device == "cuda" else None}


def fresh_process_row(workload: str, device: str, sizes: dict) -> dict:
    with tempfile.TemporaryDirectory() as home:
        env = {**os.environ, "WORKBENCH_HOME": home}
        command = [sys.executable, str(Path(__file__).resolve()), "--row", f"{workload}:{device}",
                   "--sizes", json.dumps(sizes)]
        done = subprocess.run(command, env=env, stdout=subprocess.PIPE, text=True)
        rows = [line[len(ROW_PREFIX):] for line in done.stdout.splitlines() if line.startswith(ROW_PREFIX)]
        if done.returncode != 0 or not rows:
            raise SystemExit(f"The {workload} run on {device} failed (exit code {done.returncode}); see above.")
        return json.loads(rows[-1])


def table(rows: list[dict]) -> str:
    lines = ["| workload | device | precision | train s | samples/s | test acc | peak GPU MiB | CPU time / GPU time |",
             "|---|---|---|---|---|---|---|---|"]
    cpu_time = {r["workload"]: r["train_s"] for r in rows if r["device"] == "cpu"}
    for r in rows:
        peak = f"{r['peak_gpu_mib']:.0f}" if r["peak_gpu_mib"] is not None else "-"
        ratio = (f"{cpu_time[r['workload']] / r['train_s']:.1f}x" if r["device"] != "cpu"
                 and r["workload"] in cpu_time else "-")
        lines.append(f"| {r['workload']} | {r['device']} | {r['precision']} | {r['train_s']:.1f} | "
                     f"{r['samples_per_s']:.1f} | {r['test_accuracy']:.3f} | {peak} | {ratio} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cpu-only", action="store_true", help="run only the CPU rows (no GPU needed)")
    parser.add_argument("--only", choices=WORKLOADS, help="run one workload")
    parser.add_argument("--quick", action="store_true", help="small sizes: 200 snippets, 20 image steps")
    parser.add_argument("--text-train", type=positive_int, default=2000, help="training snippets (default 2000)")
    parser.add_argument("--text-test", type=positive_int, default=1000, help="test snippets (default 1000)")
    parser.add_argument("--image-steps", type=positive_int, default=100, help="image training steps (default 100)")
    parser.add_argument("--image-eval", type=positive_int, default=500, help="image test examples (default 500)")
    parser.add_argument("--row", help=argparse.SUPPRESS)     # internal: one run, in a child process
    parser.add_argument("--sizes", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)

    if args.row:
        workload, device = args.row.split(":")
        print(ROW_PREFIX + json.dumps(run_row(workload, device, json.loads(args.sizes))), flush=True)
        return 0

    import torch

    cuda = torch.cuda.is_available()
    if not cuda and not args.cpu_only:
        print(NO_CUDA_MESSAGE.format(version=torch.__version__), file=sys.stderr)
        return NO_CUDA_EXIT
    sizes = {"text_train": args.text_train, "text_test": args.text_test, "image_steps": args.image_steps,
             "image_eval": args.image_eval}
    if args.quick:
        sizes = {"text_train": 200, "text_test": 100, "image_steps": 20, "image_eval": 100}
    devices = ["cpu"] if args.cpu_only else ["cuda", "cpu"]
    if cuda:
        print(f"GPU: {torch.cuda.get_device_name()} (torch {torch.__version__}, CUDA {torch.version.cuda})")
    rows = []
    for workload in [args.only] if args.only else WORKLOADS:
        for device in devices:
            print(f"{workload} on {device} ...", flush=True)
            rows.append(fresh_process_row(workload, device, sizes))
    print(f"\nsizes: {json.dumps(sizes)}\n")
    print(table(rows))
    return 0


if __name__ == "__main__":
    sys.exit(main())
