"""Is a difference real? The same setting run over several cross-validation folds or seeds, summarised as
mean ± spread, with loss bands and a verdict on whether two settings differ by more than the noise.

Which numbers are compared: seed repeats use each run's test metrics (the test split moves with the seed, so
the spread covers both initialisation and split); cross-validation uses each fold's validation metrics, scored
by the final model on the held-out fold (the test split is the same in every fold and is not used).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Sequence

import numpy as np
import pandas as pd

from .config import RunConfig

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
        from .metrics import cv_summary

        values = self.scores(metric)
        if not len(values):
            raise ValueError(f"No run has a {metric!r} value; did the runs finish? Statuses: "
                             f"{[s['status'] for s in self.snapshots]}.")
        stats = cv_summary([{metric: float(v)} for v in values])[metric]
        text = (f"{stats['mean']:.3f} (one run: no spread)" if stats["n"] == 1
                else f"{stats['mean']:.3f} ± {stats['std']:.3f} (n={stats['n']})")
        return {**stats, "text": text}

    def band(self, key: str = "eval_loss") -> pd.DataFrame:
        """Per step: mean and std of `key` over the runs that logged it at that step, and mean ± std."""
        series = {i: {row["step"]: row[key] for row in snap.get("history") or [] if row.get(key) is not None}
                  for i, snap in enumerate(self.snapshots)}
        frame = pd.DataFrame(series).sort_index()
        if frame.empty:
            raise ValueError(f"No run logged {key!r}; pick a key in the history such as train_loss or eval_loss.")
        out = pd.DataFrame({"step": frame.index.astype(int), "mean": frame.mean(axis=1).to_numpy(),
                            "std": frame.std(axis=1, ddof=1).fillna(0.0).to_numpy(),
                            "n": frame.count(axis=1).to_numpy()})
        out["lower"], out["upper"] = out["mean"] - out["std"], out["mean"] + out["std"]
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
    from .runner import get_runner

    runner = runner or get_runner()
    for c in configs.values():
        c.validate()   # every variant checked before the first one trains
    snapshots = [runner.start(c).wait(timeout) for c in configs.values()]
    return RepeatResult(kind, list(configs), snapshots)


@dataclass(frozen=True)
class Verdict:
    difference: float              # mean of B minus mean of A
    spread: float                  # pooled sample standard deviation of the runs
    p_value: float | None          # Welch's t-test; None with fewer than two runs on a side
    within_noise: bool
    sentence: str


def within_noise(a, b, metric: str = "accuracy", names: tuple[str, str] = ("A", "B"),
                 alpha: float = 0.05) -> Verdict:
    """Whether B differs from A by more than run-to-run noise. `a` and `b` are RepeatResults or plain lists of
    scores. The difference counts as real only when it exceeds the pooled spread and, where both sides have at
    least two runs, Welch's t-test gives p < alpha."""
    from scipy import stats

    va, vb = (_values(x, metric) for x in (a, b))
    if len(va) < 2 and len(vb) < 2:
        raise ValueError("Measuring the noise needs at least two runs of one setting; repeat with more seeds "
                         "or folds.")
    diff = float(vb.mean() - va.mean())
    variances = [x.var(ddof=1) for x in (va, vb) if len(x) >= 2]
    spread = float(math.sqrt(sum(variances) / len(variances)))
    p_value = None
    if len(va) >= 2 and len(vb) >= 2:
        p = float(stats.ttest_ind(vb, va, equal_var=False).pvalue)
        p_value = None if math.isnan(p) else p   # NaN when both sides have no variance at all
    beyond_spread = abs(diff) > spread
    significant = p_value is None or p_value < alpha
    noise = not (beyond_spread and significant)
    return Verdict(diff, spread, p_value, noise,
                   _sentence(diff, spread, p_value, noise, beyond_spread, names, metric, _noun(a, b)))


def _values(x, metric: str) -> np.ndarray:
    values = x.scores(metric) if isinstance(x, RepeatResult) else np.asarray(list(x), dtype=np.float64)
    if not len(values):
        raise ValueError(f"A side has no {metric!r} scores; did its runs finish?")
    return values


def _noun(a, b) -> str:
    kinds = {x.kind for x in (a, b) if isinstance(x, RepeatResult)}
    if len(kinds) == 1:
        return {"seeds": "seed-to-seed", "folds": "fold-to-fold"}[kinds.pop()]
    return "run-to-run"


def _sentence(diff, spread, p_value, noise, beyond_spread, names, metric, noun) -> str:
    a, b = names
    if diff == 0:
        head = f"{b} and {a} have the same mean {metric}"
    else:
        head = f"{b} is {abs(diff):.3f} {'above' if diff > 0 else 'below'} {a} in {metric}"
    p_text = f" (Welch t-test p = {p_value:.3g})" if p_value is not None else ""
    if not beyond_spread:
        return f"{head}, within the {noun} spread (±{spread:.3f}){p_text}: treat it as noise."
    if noise:
        return (f"{head}, more than the {noun} spread (±{spread:.3f}), but not significant{p_text}: "
                "treat it as noise or run more repeats.")
    return f"{head}, more than the {noun} spread (±{spread:.3f}){p_text}."
