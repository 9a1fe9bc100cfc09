"""Is a difference real? The same setting run over several cross-validation folds or seeds, summarised as
mean ± spread, with 95 % confidence bands of the mean loss and a paired verdict on whether two settings differ.

Which numbers are compared: seed repeats use each run's test metrics (the test split moves with the seed, so
the spread covers both initialisation and split); cross-validation uses each fold's validation metrics, scored
by the final model on the held-out fold (the test split is the same in every fold and is not used).
Two settings run with the same seeds (or folds) share their split and initialisation seed per pair, so they are
compared pair by pair: the per-seed differences and the paired-t confidence interval of their mean
(`compare_paired`), a three-way verdict: A better, B better, or cannot tell at this budget.
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
    from .runner import get_runner

    runner = runner or get_runner()
    for c in configs.values():
        c.validate()   # every variant checked before the first one trains
    snapshots = [runner.start(c).wait(timeout) for c in configs.values()]
    return RepeatResult(kind, list(configs), snapshots)


@dataclass(frozen=True)
class PairedVerdict:
    """A paired comparison of B against A over the seeds (or folds) both were run with."""
    difference: float              # mean over pairs of (B - A)
    ci_low: float                  # 95 % confidence interval of that mean difference (paired t)
    ci_high: float
    n_pairs: int
    winner: str | None             # "a", "b", or None: cannot tell at this budget
    sentence: str

    @property
    def tie(self) -> bool:
        return self.winner is None

    def to_dict(self) -> dict:
        """Plain values for JSON: an interval that one pair cannot give is None."""
        return {k: (None if isinstance(v, float) and v != v else v) for k, v in self.__dict__.items()}


CONFIDENCE = 0.95


def compare_paired(a, b, metric: str = "accuracy", names: tuple[str, str] = ("A", "B"),
                   higher_is_better: bool = True, confidence: float = CONFIDENCE) -> PairedVerdict:
    """Which of two settings is better, from per-seed differences. `a` and `b` are RepeatResults (runs paired by
    their seed or fold) or sequences of scores in seed order (paired by position; None/NaN drops that pair).
    The verdict names a winner only when the paired-t confidence interval of the mean difference excludes 0;
    with fewer than two pairs, or an interval containing 0, it cannot tell at this budget."""
    diffs = np.round(paired_differences(a, b, metric), 12)   # float dust is not a consistent shift
    n = len(diffs)
    mean = float(diffs.mean()) if n else float("nan")
    low, high = t_interval(diffs, confidence) if n >= 2 else (float("nan"), float("nan"))
    winner = None
    if n >= 2 and (low > 0 or high < 0):
        b_higher = low > 0
        winner = "b" if b_higher == higher_is_better else "a"
    sentence = _sentence(mean, low, high, n, winner, names, metric, _noun(a, b), confidence)
    return PairedVerdict(mean, low, high, n, winner, sentence)


def wilson_interval(proportion: float, n: int, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Wilson score interval of a proportion measured on n examples, e.g. one run's test accuracy: what one
    run can say about its accuracy, from the size of its test set alone."""
    from scipy import stats

    if n < 1:
        raise ValueError(f"A proportion needs at least one example (got n={n}).")
    z = float(stats.norm.ppf(0.5 + confidence / 2))
    centre = (proportion + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(proportion * (1 - proportion) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, centre - half), min(1.0, centre + half)


def t_interval(values, confidence: float = CONFIDENCE) -> tuple[float, float]:
    """The Student-t confidence interval of the mean of `values` (at least two)."""
    values = np.asarray(values, dtype=np.float64)
    if len(values) < 2:
        raise ValueError(f"A confidence interval needs at least two values (got {len(values)}).")
    half = float(t_half_widths(values.std(ddof=1), len(values), confidence))
    return float(values.mean()) - half, float(values.mean()) + half


def t_half_widths(std, n, confidence: float = CONFIDENCE):
    """Half-widths of t-based confidence intervals of means from sample stds and counts; 0 where n < 2."""
    from scipy import stats

    std, n = np.asarray(std, dtype=np.float64), np.asarray(n, dtype=np.float64)
    several = n >= 2
    safe_n = np.where(several, n, 2.0)
    half = stats.t.ppf(0.5 + confidence / 2, safe_n - 1) * np.nan_to_num(std) / np.sqrt(safe_n)
    return np.where(several, half, 0.0)


def paired_differences(a, b, metric: str = "accuracy") -> np.ndarray:
    """B minus A for every seed (or fold) both sides have a value for."""
    keyed_a, keyed_b = _keyed(a, metric), _keyed(b, metric)
    shared = [k for k in keyed_a if k in keyed_b]
    return np.asarray([keyed_b[k] - keyed_a[k] for k in shared], dtype=np.float64)


def _keyed(x, metric: str) -> dict:
    """{seed or fold (or position): score} for the values that exist."""
    if isinstance(x, RepeatResult):
        pairs = ((_pair_key(snap, label, x.kind), run_score(snap, metric, x.split))
                 for label, snap in zip(x.labels, x.snapshots))
    else:
        pairs = enumerate(list(x))
    return {k: float(v) for k, v in pairs if v is not None and v == v}


def _pair_key(snap: dict, label: str, kind: str):
    config = snap.get("config") or {}
    section, key = ("data", "cv_fold") if kind == "folds" else ("train", "seed")
    value = (config.get(section) or {}).get(key)
    return label if value is None else value


def _noun(a, b) -> str:
    kinds = {x.kind for x in (a, b) if isinstance(x, RepeatResult)}
    return {"folds": "folds"}.get(kinds.pop(), "seeds") if len(kinds) == 1 else "seeds"


def _sentence(mean, low, high, n, winner, names, metric, noun, confidence) -> str:
    a, b = names
    if n == 0:
        return f"{a} and {b} share no finished {noun[:-1]} with a {metric} value: cannot tell."
    head = (f"{b} and {a} have the same mean {metric}" if mean == 0
            else f"{b} is {abs(mean):.3f} {'above' if mean > 0 else 'below'} {a} in {metric}")
    if n < 2:
        return f"{head} on one {noun[:-1]} only: cannot tell at this budget; repeat over more {noun}."
    interval = f"paired over {n} {noun}, {confidence:.0%} CI of the difference {low:+.3f} to {high:+.3f}"
    if winner is None:
        return f"{head} ({interval}, which contains 0): cannot tell at this budget."
    return f"{head} ({interval}): {names[0 if winner == 'a' else 1]} is better."
