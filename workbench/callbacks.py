"""Trainer callbacks: the bridge from the Trainer to run events (with live diagnosis), cooperative stop, gradual
unfreezing."""
from __future__ import annotations

import math
import threading
import time
from typing import Callable

from transformers import TrainerCallback

from . import events as ev
from .diagnosis import Diagnoser
from .models import BuiltModel, set_trainable_blocks


class TrainingDiverged(RuntimeError):
    """The loss became NaN or infinite."""


class EventBridge(TrainerCallback):
    """Turns the Trainer's logs into plain events, diagnoses the curves as they grow (a `Diagnosed` event per new
    note), and honours a stop request at the next step end."""

    def __init__(self, publish: Callable[[ev.Event], None], stop_flag: threading.Event, batch_size: int,
                 diagnoser: Diagnoser | None = None):
        self.publish = publish
        self.stop_flag = stop_flag
        self.batch_size = batch_size
        self.diagnoser = diagnoser or Diagnoser()
        self._last = None           # (time, step) at the previous training log, for samples/s
        self.stopped_at: int | None = None

    def on_train_begin(self, args, state, control, **kw):
        self._last = (time.time(), state.global_step)

    def on_step_end(self, args, state, control, **kw):
        if self.stop_flag.is_set():
            control.should_training_stop = True
            control.should_evaluate = False
            control.should_save = False
            self.stopped_at = state.global_step

    def on_log(self, args, state, control, logs=None, **kw):
        logs = dict(logs or {})
        step, epoch = state.global_step, float(state.epoch or 0.0)
        if "eval_loss" in logs:
            values = {k: float(v) for k, v in logs.items()
                      if k.startswith("eval_") and not k.endswith(("_runtime", "per_second"))}
            self.publish(ev.Evaluated(step=step, epoch=epoch, values=values))
            self._diagnose(step, epoch, values)
            return
        if "loss" not in logs:
            return  # the final train summary; the runner reports it
        loss = float(logs["loss"])
        values = {"train_loss": loss}
        for key in ("learning_rate", "grad_norm"):
            if logs.get(key) is not None:
                values[key] = float(logs[key])
        if not math.isfinite(loss):
            self._diagnose(step, epoch, values)
            raise TrainingDiverged(f"the training loss became {loss} at step {step}")
        now = time.time()
        t0, s0 = self._last
        rate = (step - s0) * self.batch_size * args.gradient_accumulation_steps / max(now - t0, 1e-9)
        self._last = (now, step)
        self.publish(ev.StepLogged(step=step, epoch=epoch, values=values, samples_per_second=rate))
        self._diagnose(step, epoch, values)

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
