"""Controlled comparisons: a few run configs that differ in one factor, run one after another on the same split
and seed, gathered into a results table. Notebooks (and lessons) build their conclusions from these numbers.

Quick mode (`WORKBENCH_QUICK=1`) shrinks every run so a whole notebook executes in well under two minutes.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field

import pandas as pd

from ..core.config import RunConfig

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
    """Named variants; `run()` trains them in order (once per seed when `seeds` is given) and returns a results
    table: one row per variant, means over the seeds with `<metric>_std` spreads beside them."""
    variants: dict[str, RunConfig]
    seeds: tuple[int, ...] | None = None
    results: pd.DataFrame | None = None
    runs: dict[str, list[dict]] = field(default_factory=dict)

    def run(self, runner=None, timeout: float | None = None, on_start=None, name_prefix: str = "") -> pd.DataFrame:
        from ..core.runner import get_runner
        runner = runner or get_runner()
        self.runs = {name: [] for name in self.variants}
        for seed in self.seeds or (None,):     # seed-major, so a stopped experiment still has balanced results
            for name, cfg in self.variants.items():
                if seed is not None:
                    cfg = cfg.replace(seed=seed)
                label = f"{name_prefix}{name}" + (f" (seed {seed})" if self.seeds and len(self.seeds) > 1 else "")
                handle = runner.start(cfg.replace(name=label))
                if on_start is not None:
                    on_start(name, handle)
                self.runs[name].append(handle.wait(timeout))
        self.results = summary_table(self.runs)
        return self.results

    @property
    def snapshots(self) -> dict[str, dict]:
        """The first run of each variant."""
        return {name: snaps[0] for name, snaps in self.runs.items() if snaps}

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
            "test_examples": sum(c["support"] for c in test.get("per_class") or []) or None,
            "balanced_accuracy": test.get("balanced_accuracy"),
            "train_seconds": metrics.get("train_seconds"),
            "trainable_parameters": (snap.get("parameters") or {}).get("trainable"),
            "final_train_loss": train_losses[-1] if train_losses else None,
            "final_val_loss": val_losses[-1] if val_losses else None,
            "best_val_loss": min(val_losses) if val_losses else None,
            "error": snap.get("error"),
        })
    return pd.DataFrame(rows).set_index("variant")


TEXT_COLUMNS = ("status", "run_id", "error")


def summary_table(runs: dict[str, list[dict]]) -> pd.DataFrame:
    """Per-variant means over repeated runs, with `<metric>_std` (sample standard deviation) and `n_runs`."""
    per_run = [results_table({name: snap}) for name, snaps in runs.items() for snap in snaps]
    if not per_run:
        raise ValueError("No runs to summarise.")
    table = pd.concat(per_run)
    numeric = [c for c in table.columns if c not in TEXT_COLUMNS]
    grouped = table[numeric].apply(pd.to_numeric, errors="coerce").groupby(level=0, sort=False)
    first = table[~table.index.duplicated()][list(TEXT_COLUMNS)]
    summary = first.join(grouped.mean()).join(grouped.std(ddof=1).add_suffix("_std"))
    summary["n_runs"] = table.groupby(level=0, sort=False).size()
    summary["status"] = table.groupby(level=0, sort=False)["status"].agg(lambda s: "/".join(sorted(set(s))))
    return summary


def compare_sentence(table: pd.DataFrame, a: str, b: str, metric: str = "accuracy") -> str:
    """'a' vs 'b' on one metric, in words, from one run each. Accuracy gets each run's 95 % Wilson interval over
    its test examples, and a winner only when the two intervals do not overlap (a conservative test); other
    metrics get no verdict, since one run each cannot say how much they vary."""
    from ..analysis.stats import wilson_interval

    va, vb = table.loc[a, metric], table.loc[b, metric]
    if va is None or vb is None or pd.isna(va) or pd.isna(vb):
        return f"{a} or {b} has no {metric} (a run did not finish)."
    sizes = [table.loc[v, "test_examples"] if "test_examples" in table.columns else None for v in (a, b)]
    if metric != "accuracy" or any(n is None or pd.isna(n) for n in sizes):
        return (f"{a} reached {metric} {va:.3f} and {b} {vb:.3f}; with one run each this cannot tell whether the "
                "difference is real (repeat over seeds with workbench.analysis.stats.compare_paired).")
    (la, ha), (lb, hb) = (wilson_interval(v, int(n)) for v, n in ((va, sizes[0]), (vb, sizes[1])))
    head = (f"{a} reached accuracy {va:.3f} (95% CI {la:.3f} to {ha:.3f}) and {b} {vb:.3f} ({lb:.3f} to {hb:.3f}) "
            f"on {int(sizes[0])} and {int(sizes[1])} test examples")
    if la > hb or lb > ha:
        return f"{head}: the intervals do not overlap, so {a if va > vb else b} is ahead."
    return f"{head}: the intervals overlap, so one run each cannot tell them apart."


SMOKE_NOTE = ("Quick mode: a smoke run on tiny data, no conclusion drawn. Run without WORKBENCH_QUICK for a "
              "result.")


def conclusion(text: str) -> str:
    """A notebook's conclusion: the text, or in quick mode (tiny runs that support no conclusion) SMOKE_NOTE."""
    return SMOKE_NOTE if quick_mode() else text


def best_variant(table: pd.DataFrame, metric: str = "accuracy", higher_is_better: bool = True) -> str:
    values = pd.to_numeric(table[metric], errors="coerce").dropna()
    if values.empty:
        raise ValueError(f"No variant has a {metric} value; did the runs finish?")
    return str(values.idxmax() if higher_is_better else values.idxmin())
