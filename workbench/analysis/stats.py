"""The statistics behind the workbench's verdicts: is a difference between two settings real?

Two settings run with the same seeds (or folds) share their split and initialisation seed per pair, so they are
compared pair by pair: the per-seed differences and the paired-t confidence interval of their mean
(`compare_paired`), a three-way verdict: A better, B better, or cannot tell at this budget. `wilson_interval` says
what one run's accuracy can claim from the size of its test set alone; `t_interval` and `t_half_widths` give the
confidence intervals of means.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np


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
    """Which of two settings is better, from per-seed differences. `a` and `b` are RepeatResults (lab.repeats:
    runs paired by their seed or fold) or sequences of scores in seed order (paired by position; None/NaN drops
    that pair).
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
    """{seed or fold (or position): score} for the values that exist. `x` is a sequence of scores, or an object
    that pairs its own runs, such as lab.repeats.RepeatResult, through `paired_scores(metric)`."""
    pairs = x.paired_scores(metric).items() if hasattr(x, "paired_scores") else enumerate(list(x))
    return {k: float(v) for k, v in pairs if v is not None and v == v}


def _noun(a, b) -> str:
    kinds = {getattr(x, "kind", None) for x in (a, b)} - {None}
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
