"""Live diagnosis of a run from its history rows: overfitting, divergence, NaN, plateau, exploding gradients.

The rules, with the defaults of `Thresholds` in brackets:
- overfitting: the validation loss rose at each of the last `overfit_evals` [2] evaluations while the smoothed
  training loss fell over the same steps.
- diverging: the smoothed training loss is more than `diverge_factor` [3] times its lowest value so far and at
  least `diverge_min_gap` [0.1] above it; or the raw loss rose at each of the last `rising_logs` [5] logs and
  ended `rising_factor` [1.5] times higher than it started.
- nan: the latest training loss, validation loss or gradient norm is NaN or infinite.
- plateau: the lowest smoothed training loss of the last `plateau_logs` [10] logs is not `plateau_improvement`
  [1 %] below the lowest before them (not reported while the run is diverging: a rising loss is no plateau).
- exploding_gradient: a gradient norm above `explode_factor` [10] times the median of the previous
  `explode_window` [20] norms and the median of the first ones (judged once at least `explode_min_history` [5]
  earlier norms exist). Near convergence the norms shrink, so a hard batch can be 10x the recent median while
  no larger than the norms at the start; that is not an explosion.
"Smoothed" is the mean of the last `smooth` [3] logged training losses, so one hard batch does not count.

Rows are dicts with "step" and any of train_loss, eval_loss, grad_norm, as a run snapshot's history holds them.
A kind is noted when it appears and again only after it has cleared (absent for `clear_after` [5] rows in a row,
so a condition that flickers on and off counts once) and come back (`Diagnoser`). Live, the rules look back over
the last `lookback` [500] rows only, so the cost per log stays flat in long runs ("lowest so far" means lowest in
that span).
"""
from __future__ import annotations

import math
import statistics
from dataclasses import dataclass, field, fields

from .config import ConfigError

KINDS = ("overfitting", "diverging", "nan", "plateau", "exploding_gradient")


@dataclass(frozen=True)
class Thresholds:
    overfit_evals: int = 2
    diverge_factor: float = 3.0
    diverge_min_gap: float = 0.1
    rising_logs: int = 5
    rising_factor: float = 1.5
    plateau_logs: int = 10
    plateau_improvement: float = 0.01
    explode_factor: float = 10.0
    explode_window: int = 20
    explode_min_history: int = 5
    smooth: int = 3
    clear_after: int = 5
    lookback: int = 500

    def __post_init__(self):
        for f in fields(self):
            value = getattr(self, f.name)
            if f.type == "int" and value < 1:
                raise ConfigError(f"Thresholds.{f.name} counts logs or evaluations and must be at least 1 "
                                  f"(got {value}).")
        for name in ("diverge_factor", "rising_factor", "explode_factor"):
            if getattr(self, name) <= 1:
                raise ConfigError(f"Thresholds.{name} is a growth factor and must be above 1 "
                                  f"(got {getattr(self, name)}).")
        if not 0 <= self.plateau_improvement < 1:
            raise ConfigError(f"Thresholds.plateau_improvement is a share in [0, 1), e.g. 0.01 for 1 % "
                              f"(got {self.plateau_improvement}).")


@dataclass(frozen=True)
class Diagnosis:
    kind: str
    step: int
    message: str        # what is happening
    advice: str         # what to try
    values: dict = field(default_factory=dict)   # the numbers behind the message


Series = list[tuple[int, float]]


def series(rows: list[dict], key: str, finite: bool = True) -> Series:
    """(step, value) for the rows that have `key`; non-finite values are dropped unless finite=False."""
    out = []
    for row in rows:
        value = row.get(key)
        if value is None or (finite and not math.isfinite(value)):
            continue
        out.append((int(row["step"]), float(value)))
    return out


def smoothed(points: Series, n: int) -> Series:
    """Trailing mean over the last `n` values at each point."""
    values = [v for _, v in points]
    out = []
    for i, (step, _) in enumerate(points):
        window = values[max(0, i + 1 - n):i + 1]
        out.append((step, sum(window) / len(window)))
    return out


def _value_at(points: Series, step: int) -> float | None:
    """The last value logged at or before `step`."""
    found = None
    for s, v in points:
        if s > step:
            break
        found = v
    return found


# ---------------------------------------------------------------- one function per rule


def check_nan(rows: list[dict], t: Thresholds = Thresholds()) -> Diagnosis | None:
    for key in ("train_loss", "eval_loss", "grad_norm"):
        points = series(rows, key, finite=False)
        if points and not math.isfinite(points[-1][1]):
            step, value = points[-1]
            return Diagnosis(
                "nan", step, f"The {key.replace('_', ' ')} became {value} at step {step}.",
                "Lower the learning rate (e.g. 10x), keep gradient clipping on (max_grad_norm 1.0), add warm-up, "
                "or train in fp32. With fp16, a few infinite gradient norms early on are the loss scaler finding "
                "its range and are harmless.", {"key": key, "value": str(value)})   # str: JSON has no NaN
    return None


def check_overfitting(rows: list[dict], t: Thresholds = Thresholds()) -> Diagnosis | None:
    evals = series(rows, "eval_loss")
    if len(evals) < t.overfit_evals + 1:
        return None
    window = evals[-(t.overfit_evals + 1):]
    if not all(later > earlier for (_, earlier), (_, later) in zip(window, window[1:])):
        return None
    train = smoothed(series(rows, "train_loss"), t.smooth)
    before, now = _value_at(train, window[0][0]), _value_at(train, window[-1][0])
    if before is None or now is None or not now < before:
        return None
    step = window[-1][0]
    return Diagnosis(
        "overfitting", step,
        f"The validation loss rose {t.overfit_evals} evaluations in a row ({window[0][1]:.4g} at step "
        f"{window[0][0]} to {window[-1][1]:.4g} at step {step}) while the training loss kept falling "
        f"({before:.4g} to {now:.4g}): the model is memorising the training set.",
        "Stop earlier (early_stopping 2, or fewer epochs), add weight decay (e.g. 0.1) or dropout, train fewer "
        "layers (strategy last_n, frozen or lora), or use more training data.",
        {"eval_losses": [v for _, v in window], "train_loss_before": before, "train_loss_now": now})


def check_diverging(rows: list[dict], t: Thresholds = Thresholds()) -> Diagnosis | None:
    raw = series(rows, "train_loss")
    advice = ("Lower the learning rate (e.g. 3-10x), keep gradient clipping on (max_grad_norm 1.0), and add "
              "warm-up (warmup_ratio 0.1).")
    smooth = smoothed(raw, t.smooth)
    if len(smooth) >= 2:
        step, now = smooth[-1]
        low_step, low = min(smooth, key=lambda p: p[1])
        if now > t.diverge_factor * low and now - low >= t.diverge_min_gap:
            return Diagnosis(
                "diverging", step,
                f"The training loss is {now:.4g}, {now / max(low, 1e-12):.3g} times its lowest value so far "
                f"({low:.4g} at step {low_step}): training is moving away from a solution.",
                advice, {"train_loss": now, "lowest": low, "lowest_step": low_step})
    n = t.rising_logs
    if len(raw) >= n + 1:
        window = raw[-(n + 1):]
        values = [v for _, v in window]
        if all(b > a for a, b in zip(values, values[1:])) and values[-1] >= t.rising_factor * values[0]:
            return Diagnosis(
                "diverging", window[-1][0],
                f"The training loss rose at each of the last {n} logs, from {values[0]:.4g} at step "
                f"{window[0][0]} to {values[-1]:.4g} at step {window[-1][0]}.",
                advice, {"train_losses": values})
    return None


def check_plateau(rows: list[dict], t: Thresholds = Thresholds()) -> Diagnosis | None:
    smooth = smoothed(series(rows, "train_loss"), t.smooth)
    n = t.plateau_logs
    if len(smooth) < n + 1:
        return None
    recent = min(v for _, v in smooth[-n:])
    earlier = min(v for _, v in smooth[:-n])
    if recent < earlier * (1 - t.plateau_improvement):
        return None
    step = smooth[-1][0]
    return Diagnosis(
        "plateau", step,
        f"The training loss has not improved by more than {t.plateau_improvement:.0%} over the last {n} logs "
        f"(best {recent:.4g}, against {earlier:.4g} before).",
        "If the loss is still high, raise the learning rate (e.g. 3x) or train more layers; if it is already low "
        "and the validation loss is flat as well, the model has converged: stop here (early_stopping) and save "
        "the time.", {"recent_best": recent, "earlier_best": earlier})


def check_exploding_gradient(rows: list[dict], t: Thresholds = Thresholds()) -> Diagnosis | None:
    norms = series(rows, "grad_norm")
    if len(norms) < t.explode_min_history + 1:
        return None
    step, norm = norms[-1]
    median = statistics.median(v for _, v in norms[-1 - t.explode_window:-1])
    first = statistics.median(v for _, v in norms[:min(t.explode_window, len(norms) - 1)])
    if median <= 0 or norm <= t.explode_factor * max(median, first):
        return None
    return Diagnosis(
        "exploding_gradient", step,
        f"The gradient norm jumped to {norm:.4g} at step {step}, {norm / median:.0f} times its recent median "
        f"({median:.4g}).",
        "Keep gradient clipping on (max_grad_norm 1.0, or lower), lower the learning rate, or add warm-up; "
        "one spike is often a hard batch, repeated spikes are a warning of divergence.",
        {"grad_norm": norm, "median": median})


RULES = {"nan": check_nan, "diverging": check_diverging, "exploding_gradient": check_exploding_gradient,
         "overfitting": check_overfitting, "plateau": check_plateau}


def current_conditions(rows: list[dict], thresholds: Thresholds = Thresholds()) -> list[Diagnosis]:
    """Every condition the history shows as of its last row."""
    found = {kind: rule(rows, thresholds) for kind, rule in RULES.items()}
    if found["diverging"] is not None:
        found["plateau"] = None
    return [d for d in found.values() if d is not None]


class Diagnoser:
    """Takes history rows one at a time and returns the notes that are new: a kind that stays present is
    noted once; after it clears, it is noted again if it comes back."""

    def __init__(self, thresholds: Thresholds = Thresholds()):
        self.thresholds = thresholds
        self.rows: list[dict] = []
        self.absent_for: dict[str, int] = {}   # active kinds: rows since the condition was last seen

    def add(self, row: dict) -> list[Diagnosis]:
        self.rows.append(row)
        del self.rows[:-self.thresholds.lookback]
        present = current_conditions(self.rows, self.thresholds)
        new = [d for d in present if d.kind not in self.absent_for]
        seen = {d.kind for d in present}
        for kind in list(self.absent_for):
            if kind not in seen:
                self.absent_for[kind] += 1
                if self.absent_for[kind] >= self.thresholds.clear_after:
                    del self.absent_for[kind]
        self.absent_for.update({kind: 0 for kind in seen})
        return new


def diagnose(rows: list[dict], thresholds: Thresholds = Thresholds()) -> list[Diagnosis]:
    """All notes over a whole history, as they would have appeared live."""
    diagnoser = Diagnoser(thresholds)
    return [note for row in rows for note in diagnoser.add(row)]
