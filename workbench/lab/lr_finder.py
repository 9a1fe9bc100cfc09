"""The learning-rate range test (Smith 2015, as popularised by fastai): train for a few steps while the learning
rate grows exponentially from tiny to huge, record the loss, and read a good rate off the curve.

It runs on the Hugging Face Trainer built exactly as for a real run (same model, strategy, optimizer groups,
loss, sampling and precision); only the schedule is replaced by the exponential ramp, evaluation and saving are
off, and a callback records the loss of every step. Nothing is written to the run store; the model is thrown away.
"""
from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass, field

import numpy as np
import torch
from transformers import TrainerCallback

from ..core.config import ConfigError, RunConfig


@dataclass
class LRFinderResult:
    lrs: list[float]              # the rate used at each recorded step
    losses: list[float]           # training loss, exponentially smoothed (bias-corrected)
    raw_losses: list[float]
    suggestion: float | None      # the rate at the steepest descent of the smoothed loss
    minimum_lr: float | None      # the rate at the lowest smoothed loss
    notes: list[str] = field(default_factory=list)

    @property
    def minimum_suggestion(self) -> float | None:
        """The other common rule of thumb: a tenth of the rate at the lowest loss."""
        return None if self.minimum_lr is None else self.minimum_lr / 10


def find_lr(cfg: RunConfig, start_lr: float = 1e-7, end_lr: float = 10.0, steps: int = 100, smooth: float = 0.05,
            diverge: float = 4.0) -> LRFinderResult:
    """Ramp the rate from start_lr to end_lr over `steps` optimizer steps; stop early once the smoothed loss
    exceeds `diverge` times its best. `smooth` is the weight of each new loss in the moving average."""
    _check_arguments(start_lr, end_lr, steps, smooth, diverge)
    from ..core.training import build_trainer

    cfg = cfg.replace(lr=start_lr, max_steps=steps, schedule="constant", warmup_ratio=0.0, log_every=1,
                      eval_every=None, early_stopping=0, save_checkpoints=False).validate()
    built, splits = _build(cfg)
    recorder = _LossRecorder(smooth, diverge)
    with tempfile.TemporaryDirectory(prefix="lr_finder_") as scratch:
        prepared = build_trainer(cfg, built, splits, scratch, [recorder])
        growth = (end_lr / start_lr) ** (1 / (steps - 1))
        prepared.trainer.lr_scheduler = torch.optim.lr_scheduler.LambdaLR(
            prepared.trainer.optimizer, lambda step: growth ** step)
        prepared.trainer.train()
    return _result(recorder, steps)


def _check_arguments(start_lr, end_lr, steps, smooth, diverge) -> None:
    if not 0 < start_lr < end_lr:
        raise ConfigError(f"The range test needs 0 < start_lr < end_lr (got {start_lr} and {end_lr}); "
                          "e.g. 1e-7 and 10.")
    if steps < 5:
        raise ConfigError(f"steps must be at least 5 to draw a curve (got {steps}); 100 is usual.")
    if not 0 < smooth <= 1:
        raise ConfigError(f"smooth must be in (0, 1] (got {smooth}); 0.05 averages over about 20 steps, 1 is raw.")
    if diverge <= 1:
        raise ConfigError(f"diverge must be above 1 (got {diverge}); 4 stops once the loss is 4x its best.")


def _build(cfg: RunConfig):
    from ..core.models import build_for_training
    from ..core.runner import prepare_splits

    splits = prepare_splits(cfg)
    return build_for_training(cfg.model, splits.train, cfg.data.image_size, cfg.train.seed), splits


class _LossRecorder(TrainerCallback):
    """Keeps every step's loss and its smoothed value, stops once the loss diverges, and keeps the Trainer from
    evaluating or saving."""

    def __init__(self, smooth: float, diverge: float):
        self.smooth, self.diverge = smooth, diverge
        self.lrs, self.raw, self.smoothed = [], [], []
        self._average, self.stopped_at = 0.0, None

    def on_step_end(self, args, state, control, **kw):
        control.should_evaluate = control.should_save = False

    on_epoch_end = on_step_end

    def on_log(self, args, state, control, logs=None, **kw):
        if not logs or "loss" not in logs:
            return
        loss = float(logs["loss"])
        self.lrs.append(float(logs["learning_rate"]))   # the rate this step used (logged before the scheduler steps)
        self.raw.append(loss)
        self._average = (1 - self.smooth) * self._average + self.smooth * loss
        # Dividing by 1 - (1 - smooth)^n removes the average's pull towards its zero start.
        value = self._average / (1 - (1 - self.smooth) ** len(self.raw))
        self.smoothed.append(value)
        if not math.isfinite(value) or value > self.diverge * min(self.smoothed):
            self.stopped_at = state.global_step
            control.should_training_stop = True


def _result(recorder: _LossRecorder, steps: int) -> LRFinderResult:
    lrs = recorder.lrs
    losses = np.asarray(recorder.smoothed, dtype=np.float64)
    notes = []
    if recorder.stopped_at is not None:
        notes.append(f"Stopped at step {recorder.stopped_at} of {steps}: the smoothed loss went above "
                     f"{recorder.diverge:g}x its best (lr {lrs[-1]:.2g}).")
    finite = np.isfinite(losses)
    suggestion = minimum_lr = None
    if finite.sum() >= 2:
        best = int(np.nanargmin(np.where(finite, losses, np.nan)))
        minimum_lr = lrs[best]
        # Steepest descent before the minimum: the divergence tail after it is always steeper and not wanted.
        head = slice(0, max(best + 1, 2))
        slope = np.gradient(losses[head], np.log(lrs[head]))
        suggestion = lrs[int(np.nanargmin(slope))]
        if best == 0:
            notes.append("The loss never fell below its first value; start_lr may already be too high.")
    else:
        notes.append("Fewer than two finite losses were recorded; lower start_lr.")
    return LRFinderResult(list(lrs), losses.tolist(), list(recorder.raw), suggestion, minimum_lr, notes)
