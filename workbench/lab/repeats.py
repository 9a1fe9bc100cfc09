"""Is a difference real? The same setting run over several cross-validation folds or seeds, summarised as
mean ± spread, with 95 % confidence bands of the mean loss and a paired verdict on whether two settings differ.

Which numbers are compared: seed repeats use each run's test metrics (the test split moves with the seed, so
the spread covers both initialisation and split); cross-validation uses each fold's validation metrics, scored
by the final model on the held-out fold (the test split is the same in every fold and is not used).
Two settings run with the same seeds (or folds) share their split and initialisation seed per pair; a
RepeatResult hands its scores keyed by seed or fold to `analysis.stats.compare_paired`, which gives the verdict.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from ..analysis.stats import t_half_widths
from ..core.config import RunConfig

TABLE_METRICS = ("accuracy", "f1_macro")


@dataclass
class RepeatResult:
    """The snapshots of one setting run several times; `kind` is "folds" or "seeds"."""
    kind: str
    labels: list[str]
    snapshots: list[dict]
    split: str = field(init=False)   # the metrics section the scores come from

    def __post_init__(self):
        self.split = "val" if self.kind == "folds" else "test"

    def scores(self, metric: str = "accuracy") -> np.ndarray:
        """One value per finished run: `metric` from the final metrics, or eval_loss from the last evaluation."""
        values = [run_score(snap, metric, self.split) for snap in self.snapshots]
        return np.asarray([v for v in values if v is not None], dtype=np.float64)

    def paired_scores(self, metric: str = "accuracy") -> dict:
        """{seed or fold: score} of the finished runs, the keys on which analysis.stats.compare_paired pairs."""
        return {_pair_key(snap, label, self.kind): run_score(snap, metric, self.split)
                for label, snap in zip(self.labels, self.snapshots)}

    def table(self) -> pd.DataFrame:
        """One row per run: accuracy and f1_macro from `split`, eval_loss from the last validation evaluation."""
        rows = []
        for label, snap in zip(self.labels, self.snapshots):
            metrics = snap.get("metrics") or {}
            rows.append({self.kind[:-1]: label, "status": snap["status"],
                         **{m: run_score(snap, m, self.split) for m in (*TABLE_METRICS, "eval_loss")},
                         "train_seconds": metrics.get("train_seconds"), "run_id": snap["id"]})
        return pd.DataFrame(rows)

    def summary(self, metric: str = "accuracy") -> dict:
        """mean, std (sample), min, max, n and a text such as "0.812 ± 0.014 (n=5)"."""
        from ..analysis.metrics import cv_summary

        values = self.scores(metric)
        if not len(values):
            raise ValueError(f"No run has a {metric!r} value; did the runs finish? Statuses: "
                             f"{[s['status'] for s in self.snapshots]}.")
        stats = cv_summary([{metric: float(v)} for v in values])[metric]
        text = (f"{stats['mean']:.3f} (one run: no spread)" if stats["n"] == 1
                else f"{stats['mean']:.3f} ± {stats['std']:.3f} (n={stats['n']})")
        return {**stats, "text": text}

    def band(self, key: str = "eval_loss", confidence: float = 0.95) -> pd.DataFrame:
        """Per step: mean and std of `key` over the runs that logged it at that step, and the t-based confidence
        interval of the mean (lower, upper); a step only one run logged has no interval (lower = upper = mean)."""
        series = {i: {row["step"]: row[key] for row in snap.get("history") or [] if row.get(key) is not None}
                  for i, snap in enumerate(self.snapshots)}
        frame = pd.DataFrame(series).sort_index()
        if frame.empty:
            raise ValueError(f"No run logged {key!r}; pick a key in the history such as train_loss or eval_loss.")
        out = pd.DataFrame({"step": frame.index.astype(int), "mean": frame.mean(axis=1).to_numpy(),
                            "std": frame.std(axis=1, ddof=1).fillna(0.0).to_numpy(),
                            "n": frame.count(axis=1).to_numpy()})
        half = t_half_widths(out["std"].to_numpy(), out["n"].to_numpy(), confidence)
        out["lower"], out["upper"] = out["mean"] - half, out["mean"] + half
        return out.reset_index(drop=True)


def run_score(snap: dict, metric: str, split: str) -> float | None:
    """A finished run's `metric` from its final metrics section `split` ("val" or "test"), or, for eval_loss,
    the last evaluation's loss; None where the run has none."""
    if metric == "eval_loss":
        losses = [row["eval_loss"] for row in snap.get("history") or [] if row.get("eval_loss") is not None]
        return float(losses[-1]) if losses else None
    value = ((snap.get("metrics") or {}).get(split) or {}).get(metric)
    return None if value is None else float(value)


def cross_validate(cfg: RunConfig, folds: int = 5, runner=None, timeout: float | None = None) -> RepeatResult:
    """One run per fold (cv_folds=folds, cv_fold=k), one after another; scores are the folds' validation
    metrics."""
    if folds < 2:
        raise ValueError(f"Cross-validation needs at least 2 folds (got {folds}).")
    configs = {f"{k}": cfg.replace(cv_folds=folds, cv_fold=k, name=_label(cfg, f"fold {k}/{folds}"))
               for k in range(folds)}
    return _run_all("folds", configs, runner, timeout)


def repeat_seeds(cfg: RunConfig, seeds: Sequence[int] = (0, 1, 2), runner=None,
                 timeout: float | None = None) -> RepeatResult:
    """One run per seed (initialisation, batch order and split all follow it); scores are test metrics."""
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"Seeds must differ; got {list(seeds)}.")
    configs = {f"{s}": cfg.replace(seed=int(s), name=_label(cfg, f"seed {s}")) for s in seeds}
    return _run_all("seeds", configs, runner, timeout)


def _label(cfg: RunConfig, suffix: str) -> str:
    return f"{cfg.name} {suffix}" if cfg.name else suffix


def _run_all(kind: str, configs: dict[str, RunConfig], runner, timeout: float | None) -> RepeatResult:
    from ..core.runner import get_runner

    runner = runner or get_runner()
    for c in configs.values():
        c.validate()   # every variant checked before the first one trains
    snapshots = [runner.start(c).wait(timeout) for c in configs.values()]
    return RepeatResult(kind, list(configs), snapshots)


def _pair_key(snap: dict, label: str, kind: str):
    config = snap.get("config") or {}
    section, key = ("data", "cv_fold") if kind == "folds" else ("train", "seed")
    value = (config.get(section) or {}).get(key)
    return label if value is None else value
