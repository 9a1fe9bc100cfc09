"""Explanation speed and fidelity: SHAP and LIME with the libraries' defaults against the workbench's defaults,
on 20 Rotten Tomatoes test sentences and a MiniLM fine-tuned here first (1 epoch on 2,000 snippets).

    .venv/bin/python bench/explain_speed.py [--sentences 20]

Prints seconds per sentence for each setting, and the top-5 agreement of the workbench result with the
library-default result of the same method (and between the two methods).
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

import numpy as np  # noqa: E402

LIBRARY_DEFAULTS = {"shap": {"max_evals": 500}, "lime": {"num_samples": 5000}}   # shap Partition, LimeTextExplainer


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sentences", type=int, default=20)
    args = parser.parse_args()

    from workbench.core.config import RunConfig
    from workbench.core.datasets import load_dataset
    from workbench.analysis.explain import agreement, explain_text, warm_up
    from workbench.core.predict import load_predictor
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    with tempfile.TemporaryDirectory() as home:
        os.environ["WORKBENCH_HOME"] = home
        runner = Runner(RunStore(Path(home) / "runs"))
        snap = runner.start(RunConfig.from_flat(max_train_samples=2000, epochs=1, save_checkpoints=False)).wait()
        assert snap["status"] == "finished", snap["error"]
        print(f"fine-tuned MiniLM: test accuracy {snap['metrics']['test']['accuracy']:.3f}", flush=True)
        predictor = load_predictor(snap["id"], runner.store)
        ds = load_dataset("rotten_tomatoes")
        test_ids = runner.store.load_predictions(snap["id"])["ids"][: args.sentences]
        sentences = [ds.x[int(i)] for i in test_ids]
        print(f"warm-up (imports, SHAP's JIT): {warm_up():.1f} s", flush=True)

        seconds = {key: [] for key in ("shap default", "lime default", "shap ours", "lime ours")}
        overlap = {"shap": [], "lime": [], "ours shap-lime": []}
        for text in sentences:
            results = {}
            for method in ("shap", "lime"):
                for setting, kwargs in (("default", LIBRARY_DEFAULTS[method]), ("ours", {})):
                    started = time.perf_counter()
                    results[method, setting] = explain_text(predictor, text, method, **kwargs)
                    seconds[f"{method} {setting}"].append(time.perf_counter() - started)
                overlap[method].append(agreement(results[method, "default"], results[method, "ours"], k=5)
                                       ["top_k_overlap"])
            overlap["ours shap-lime"].append(agreement(results["shap", "ours"], results["lime", "ours"], k=5)
                                             ["top_k_overlap"])
        words = np.mean([len(t.split()) for t in sentences])
        print(f"\n{len(sentences)} sentences, {words:.1f} words on average\n")
        print("| setting | seconds per sentence (mean) | p90 |")
        print("|---|---|---|")
        for key, values in seconds.items():
            print(f"| {key} | {np.mean(values):.2f} | {np.percentile(values, 90):.2f} |")
        ours = np.array(seconds["shap ours"]) + np.array(seconds["lime ours"])
        print(f"\nworkbench SHAP + LIME per sentence: mean {ours.mean():.2f} s, max {ours.max():.2f} s (target <= 2 s)")
        for key, values in overlap.items():
            print(f"top-5 agreement {key}{' (ours vs library default)' if key in ('shap', 'lime') else ''}: "
                  f"mean {np.mean(values):.2f}, min {np.min(values):.2f} (target >= 0.8)")


if __name__ == "__main__":
    main()
