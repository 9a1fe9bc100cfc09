"""Controlled comparisons: a few run configs that differ in one factor, run one after another on the same split
and seed, gathered into a results table. Notebooks (and lessons) build their conclusions from these numbers.

Quick mode (`WORKBENCH_QUICK=1`) shrinks every run so a whole notebook executes in well under two minutes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

from .config import RunConfig

QUICK_LIMITS = {"max_train_samples": 96, "max_eval_samples": 120, "max_steps": 6, "max_length": 48, "image_size": 32,
                "save_checkpoints": False, "eval_every": 3, "log_every": 1}


def quick_mode() -> bool:
    return os.environ.get("WORKBENCH_QUICK", "").strip().lower() not in ("", "0", "false", "no")


def sized(cfg: RunConfig, **quick_overrides) -> RunConfig:
    """The config as given, or shrunk for quick mode (the overrides win over the generic quick limits)."""
    if not quick_mode():
        return cfg
    return cfg.replace(**{**QUICK_LIMITS, **quick_overrides})


@dataclass
class Experiment:
    """Named variants; `run()` trains them in order and returns a results table."""
    variants: dict[str, RunConfig]
    results: pd.DataFrame | None = None
    snapshots: dict[str, dict] = field(default_factory=dict)

    def run(self, runner=None, timeout: float | None = None, on_start=None) -> pd.DataFrame:
        from .runner import get_runner
        runner = runner or get_runner()
        for name, cfg in self.variants.items():
            handle = runner.start(cfg.replace(name=name))
            if on_start is not None:
                on_start(name, handle)
            self.snapshots[name] = handle.wait(timeout)
        self.results = results_table(self.snapshots)
        return self.results

    def histories(self) -> dict[str, list[dict]]:
        return {name: snap["history"] for name, snap in self.snapshots.items()}


def results_table(snapshots: dict[str, dict]) -> pd.DataFrame:
    rows = []
    for name, snap in snapshots.items():
        metrics = snap.get("metrics") or {}
        test = metrics.get("test", {})
        history = snap.get("history") or []
        train_losses = [r["train_loss"] for r in history if "train_loss" in r]
        val_losses = [r["eval_loss"] for r in history if "eval_loss" in r]
        rows.append({
            "variant": name, "status": snap["status"], "run_id": snap["id"],
            "accuracy": test.get("accuracy"), "f1_macro": test.get("f1_macro"),
            "balanced_accuracy": test.get("balanced_accuracy"),
            "train_seconds": metrics.get("train_seconds"),
            "trainable_parameters": (snap.get("parameters") or {}).get("trainable"),
            "final_train_loss": train_losses[-1] if train_losses else None,
            "final_val_loss": val_losses[-1] if val_losses else None,
            "best_val_loss": min(val_losses) if val_losses else None,
            "error": snap.get("error"),
        })
    return pd.DataFrame(rows).set_index("variant")


def compare_sentence(table: pd.DataFrame, a: str, b: str, metric: str = "accuracy") -> str:
    """'a' vs 'b' on one metric, in words, from the measured values."""
    va, vb = table.loc[a, metric], table.loc[b, metric]
    if va is None or vb is None or pd.isna(va) or pd.isna(vb):
        return f"{a} or {b} has no {metric} (a run did not finish)."
    diff = va - vb
    if abs(diff) < 1e-9:
        return f"{a} and {b} reached the same {metric} ({va:.3f})."
    better, worse = (a, b) if diff > 0 else (b, a)
    return (f"{better} reached {metric} {max(va, vb):.3f}, {abs(diff):.3f} above {worse} "
            f"({min(va, vb):.3f}).")


def best_variant(table: pd.DataFrame, metric: str = "accuracy", higher_is_better: bool = True) -> str:
    values = pd.to_numeric(table[metric], errors="coerce").dropna()
    if values.empty:
        raise ValueError(f"No variant has a {metric} value; did the runs finish?")
    return str(values.idxmax() if higher_is_better else values.idxmin())
