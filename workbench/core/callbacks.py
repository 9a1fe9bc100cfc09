"""Trainer callbacks: the bridge from the Trainer to run events (with live diagnosis), cooperative stop, gradual
unfreezing."""
from __future__ import annotations

import math
import threading
import time
from typing import Callable

import numpy as np
from transformers import TrainerCallback

from . import events as ev
from .diagnosis import Diagnoser
from .models import BuiltModel, set_trainable_blocks


class TrainingDiverged(RuntimeError):
    """The loss (or the model's output) became NaN or infinite."""


class StopRequested(Exception):
    """The user stopped the run; raised where the Trainer has no gentler exit (set-up, between steps, mid-way
    through an evaluation or prediction pass) and caught by the runner."""


class TrainingAlreadyComplete(Exception):
    """A run resumed from the checkpoint of its last step: there is no step left to train."""


def raise_if_stopped(stop_flag: threading.Event) -> None:
    if stop_agreed(stop_flag):
        raise StopRequested()


def stop_agreed(stop_flag: threading.Event) -> bool:
    """Whether the run stops here. With several processes (torchrun) this is a collective: true on every rank when
    any rank's flag (the shared stop file) is up, and the flag is then raised on every rank, so no rank trains on
    while the others wait for it. Every rank must call it at the same points."""
    from .distributed import any_rank, is_distributed

    if not is_distributed():
        return stop_flag.is_set()
    if any_rank(stop_flag.is_set()):
        stop_flag.set()
        return True
    return False


def raise_if_not_finite(values, what: str, where: str = "") -> None:
    """TrainingDiverged when `values` (a number or an array) holds a NaN or an infinity."""
    array = np.asarray(values, dtype=np.float64)
    finite = np.isfinite(array)
    if not finite.all():
        raise TrainingDiverged(f"the {what} became {array[~finite].flat[0]}{where}")


class EventBridge(TrainerCallback):
    """Turns the Trainer's logs into plain events, diagnoses the curves as they grow (a `Diagnosed` event per new
    note), and honours a stop request at the next step boundary or evaluation batch, with no evaluation or
    checkpoint after it (the runner writes the one checkpoint a stopped run keeps)."""

    def __init__(self, publish: Callable[[ev.Event], None], stop_flag: threading.Event, batch_size: int,
                 diagnoser: Diagnoser | None = None, processes: int | None = None):
        from .distributed import world_size

        self.publish = publish
        self.stop_flag = stop_flag
        self.batch_size = batch_size
        self.processes = processes or world_size()   # samples/s counts every rank's share of each step
        self.diagnoser = diagnoser or Diagnoser()
        self._last = None           # (time, step) at the previous training log, for samples/s

    def on_train_begin(self, args, state, control, **kw):
        raise_if_stopped(self.stop_flag)
        self._last = (time.time(), state.global_step)

    def on_step_begin(self, args, state, control, **kw):
        raise_if_stopped(self.stop_flag)    # a stop that came during the last step's logging, evaluation or save
        if state.global_step >= state.max_steps:
            # Only after resuming from a run's last step, in the middle of an epoch: the Trainer would train one
            # step past the end.
            raise TrainingAlreadyComplete()

    def on_step_end(self, args, state, control, **kw):
        if stop_agreed(self.stop_flag):
            self._end_training(control)

    def on_epoch_end(self, args, state, control, **kw):
        # The DefaultFlowCallback, which runs before this one, has just asked for the epoch's evaluation and save.
        if stop_agreed(self.stop_flag):
            self._end_training(control)

    def on_prediction_step(self, args, state, control, **kw):
        raise_if_stopped(self.stop_flag)    # ends an evaluation or prediction pass after the current batch

    @staticmethod
    def _end_training(control) -> None:
        control.should_training_stop = True
        control.should_evaluate = False
        control.should_save = False

    def on_log(self, args, state, control, logs=None, **kw):
        logs = dict(logs or {})
        step, epoch = state.global_step, float(state.epoch or 0.0)
        if "eval_loss" in logs:
            values = {k: float(v) for k, v in logs.items()
                      if k.startswith("eval_") and not k.endswith(("_runtime", "per_second"))}
            self._check_finite(values, "eval_loss", "validation loss", step, epoch)
            self.publish(ev.Evaluated(step=step, epoch=epoch, values=values))
            self._diagnose(step, epoch, values)
            return
        if "loss" not in logs:
            # The final train summary, which the runner reports; its mean loss also covers the steps after the
            # last log.
            # Under DDP each rank adds its own unlogged last steps to this mean, so the ranks decide together.
            from .distributed import any_rank
            mean = float(logs.get("train_loss", 0.0))
            if any_rank(not math.isfinite(mean)):
                where = f" by step {step}" + ("" if not math.isfinite(mean) else " (on another process)")
                raise_if_not_finite(mean if not math.isfinite(mean) else float("nan"), "mean training loss", where)
            return
        loss = float(logs["loss"])
        values = {"train_loss": loss}
        for key in ("learning_rate", "grad_norm"):
            if logs.get(key) is not None:
                values[key] = float(logs[key])
        self._check_finite(values, "train_loss", "training loss", step, epoch)
        now = time.time()
        t0, s0 = self._last
        rate = (step - s0) * self.batch_size * args.gradient_accumulation_steps * self.processes / max(now - t0, 1e-9)
        self._last = (now, step)
        self.publish(ev.StepLogged(step=step, epoch=epoch, values=values, samples_per_second=rate))
        self._diagnose(step, epoch, values)

    def _check_finite(self, values: dict, key: str, what: str, step: int, epoch: float) -> None:
        """Diagnose (a `nan` note) and raise TrainingDiverged when values[key] is NaN or infinite."""
        if not math.isfinite(values[key]):
            self._diagnose(step, epoch, values)
            raise_if_not_finite(values[key], what, f" at step {step}")

    def _diagnose(self, step: int, epoch: float, values: dict) -> None:
        for note in self.diagnoser.add({"step": step, "epoch": epoch, **values}):
            self.publish(ev.Diagnosed(step=note.step, kind=note.kind, message=note.message, advice=note.advice,
                                      values=note.values))

    def on_save(self, args, state, control, **kw):
        self.publish(ev.CheckpointSaved(step=state.global_step,
                                        path=f"{args.output_dir}/checkpoint-{state.global_step}"))


class GradualUnfreezing(TrainerCallback):
    """ULMFiT-style: start with the head only and unfreeze one more block from the top at even intervals."""

    def __init__(self, built: BuiltModel, total_steps: int, publish: Callable[[ev.Event], None]):
        self.built = built
        self.n_blocks = len(built.blocks())
        self.total_steps = total_steps
        self.publish = publish
        self.unfrozen = -1

    def on_step_begin(self, args, state, control, **kw):
        stage = min(self.n_blocks, state.global_step * (self.n_blocks + 1) // max(self.total_steps, 1))
        if stage != self.unfrozen:
            set_trainable_blocks(self.built, stage)
            if self.unfrozen >= 0:
                self.publish(ev.NoteAdded(step=state.global_step, kind="unfreeze",
                                          message=f"unfroze the top {stage} of {self.n_blocks} blocks"))
            self.unfrozen = stage


class KeepBestWeights(TrainerCallback):
    """Early stopping's other half: a copy (in memory, on the CPU) of the weights at the evaluation with the lowest
    validation loss, which `restore` puts back after training, so the run is scored and saved with those."""

    def __init__(self, threshold: float = 1e-4):
        self.threshold = threshold        # the same "real improvement" as the early-stopping callback's
        self.best_loss: float | None = None
        self.best_step: int | None = None
        self.last_step: int | None = None
        self._weights: dict | None = None
        self.restored: dict | None = None

    def on_evaluate(self, args, state, control, metrics=None, model=None, **kwargs):
        loss = (metrics or {}).get("eval_loss")
        if loss is None or not math.isfinite(loss) or model is None:
            return
        self.last_step = state.global_step
        if self.best_loss is None or loss < self.best_loss - self.threshold:
            self.best_loss, self.best_step = float(loss), state.global_step
            self._weights = {k: v.detach().to("cpu", copy=True) for k, v in model.state_dict().items()}

    def restore(self, model, last_step: int) -> dict | None:
        """Put the best weights back (the runner calls this once training has ended, and not after a stop, whose
        checkpoint must hold the weights of its own step); returns when from, or None when the last step was best."""
        if self._weights is None or self.best_step == last_step:
            return None
        model.load_state_dict(self._weights)
        self.restored = {"step": self.best_step, "eval_loss": self.best_loss, "last_step": last_step}
        self._weights = None
        return self.restored
