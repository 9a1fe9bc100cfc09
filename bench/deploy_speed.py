"""Deployment variants of a fine-tuned MiniLM: file size, latency at batch 1 and test accuracy for the fp32
original, int8 dynamic quantisation, ONNX Runtime and 50 % magnitude pruning; then long-text inference modes.

    .venv/bin/python bench/deploy_speed.py [--run RUN_ID] [--train-samples 1000] [--no-long-text]

Without --run, MiniLM is first fine-tuned for one epoch on 1,000 Rotten Tomatoes snippets in a temporary
WORKBENCH_HOME; with --run, an existing run under $WORKBENCH_HOME is used. Tables print as Markdown.
"""
from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("HF_HUB_OFFLINE", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def markdown(table, formats: dict) -> str:
    columns = list(table.columns)
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    for row in table.itertuples(index=False):
        cells = [formats.get(c, "{}").format(v) for c, v in zip(columns, row)]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", default=None, help="Use this finished text run instead of training one.")
    parser.add_argument("--train-samples", type=int, default=1000)
    parser.add_argument("--sparsity", type=float, default=0.5)
    parser.add_argument("--max-examples", type=int, default=200)
    parser.add_argument("--latency-examples", type=int, default=100)
    parser.add_argument("--no-long-text", dest="long_text", action="store_false")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory() as home:
        if args.run is None:
            os.environ["WORKBENCH_HOME"] = home
        from workbench.core.config import RunConfig
        from workbench.lab.deploy import compare_deployments
        from workbench.lab.long_text import compare_long_text_modes, long_reviews_for_run
        from workbench.core.runner import Runner
        from workbench.core.store import RunStore

        store = RunStore()
        run_id = args.run
        if run_id is None:
            started = time.perf_counter()
            cfg = RunConfig.from_flat(max_train_samples=args.train_samples, epochs=1, save_checkpoints=False)
            snap = Runner(store).start(cfg).wait()
            assert snap["status"] == "finished", snap["error"]
            run_id = snap["id"]
            print(f"fine-tuned MiniLM in {time.perf_counter() - started:.0f} s: test accuracy "
                  f"{snap['metrics']['test']['accuracy']:.3f} ({snap['precision']})", flush=True)

        started = time.perf_counter()
        table = compare_deployments(run_id, args.sparsity, args.max_examples, args.latency_examples, store)
        print(f"\ncompare_deployments: {time.perf_counter() - started:.0f} s, {table.attrs['examples']} test "
              f"examples, latency = median of {min(args.latency_examples, args.max_examples)} single-example "
              "calls (tokenisation included)\n")
        print(markdown(table, {"size_mb": "{:.1f}", "zipped_mb": "{:.1f}", "latency_ms": "{:.2f}",
                               "accuracy": "{:.3f}", "agreement": "{:.3f}"}), flush=True)
        if not args.long_text:
            return
        for opening in ("mixed", "same"):
            texts, labels = long_reviews_for_run(run_id, 200, 8, opening, store=store)
            modes = compare_long_text_modes(run_id, texts, labels, (32, 64, 128), store=store)
            print(f"\nlong reviews ({opening} opening): {len(texts)} of 8 test snippets, "
                  f"{modes.attrs['mean_tokens']:.0f} tokens on average\n")
            print(markdown(modes, {"accuracy": "{:.3f}", "windows_per_text": "{:.1f}", "seconds": "{:.1f}"}),
                  flush=True)


if __name__ == "__main__":
    main()
