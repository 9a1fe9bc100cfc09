"""RunState: the one writer of a run's live state. Events are applied under a lock; readers get snapshots."""
from __future__ import annotations

import copy
import threading
import time

from . import events as ev


class RunState:
    def __init__(self, run_id: str):
        self.run_id = run_id
        self._lock = threading.Lock()
        self._s = {
            "id": run_id, "status": "queued", "queue_position": None, "step": 0, "total_steps": 0,
            "epoch": 0.0, "started_at": None, "ended_at": None, "run_seconds": 0.0, "samples_per_second": 0.0,
            "history": [], "metrics": {}, "error": None, "hint": None, "notes": [], "diagnoses": [], "config": {},
            "precision": None, "device": None, "parameters": {}, "dataset": {}, "created_at": None,
            "waiting_for": None, "train_seconds": 0.0,
        }
        self._segment_start = None   # wall time this process started (or resumed) the run
        self._segment_base = 0.0     # run seconds accumulated by earlier segments
        self._train_base = 0.0       # training seconds of earlier segments

    def apply(self, event: ev.Event) -> None:
        with self._lock:
            _APPLY[type(event)](self, event)

    def snapshot(self) -> dict:
        """A deep copy with derived timing (elapsed, ETA) filled in; safe to hand to any thread."""
        with self._lock:
            snap = copy.deepcopy(self._s)
            if snap["status"] == "running" and self._segment_start is not None:
                snap["run_seconds"] = self._segment_base + time.time() - self._segment_start
        snap["elapsed"] = snap["run_seconds"]
        snap["eta"] = _eta(snap)
        snap["progress"] = snap["step"] / snap["total_steps"] if snap["total_steps"] else 0.0
        return snap

    @property
    def status(self) -> str:
        with self._lock:
            return self._s["status"]

    @property
    def step(self) -> int:
        with self._lock:
            return self._s["step"]

    @property
    def train_seconds(self) -> float:
        """Seconds spent training over all segments so far (for an interrupted segment, up to its last event)."""
        with self._lock:
            return self._s["train_seconds"]

    def mark_interrupted(self) -> None:
        with self._lock:
            if self._s["status"] not in ev.TERMINAL:
                self._s["status"] = "interrupted"

    def set_queue_position(self, position: int | None) -> None:
        with self._lock:
            self._s["queue_position"] = position

    # ---- one method per event type

    def _queued(self, e: ev.RunQueued):
        self._s.update(status="queued", config=e.config, queue_position=e.position,
                       created_at=self._s["created_at"] or e.time)

    def _device_busy(self, e: ev.DeviceBusy):
        self._s["waiting_for"] = e.holder

    def _started(self, e: ev.RunStarted):
        """A segment starts at `resumed_from_step` (0 for a new run): what the log holds past that step is redone by
        this segment and published again, so it is dropped here; set-up notes already shown are not repeated."""
        self._s["waiting_for"] = None
        self._segment_base = self._s["run_seconds"]
        self._segment_start = e.time
        self._train_base = self._s["train_seconds"]
        self._s.update(status="running", total_steps=e.total_steps, precision=e.precision, device=e.device,
                       parameters=e.parameters, dataset=e.dataset, queue_position=None, error=None, hint=None,
                       started_at=self._s["started_at"] or e.time, ended_at=None, step=e.resumed_from_step)
        for key in ("history", "diagnoses", "notes"):
            self._s[key] = [row for row in self._s[key] if row["step"] <= e.resumed_from_step]
        shown = {n["message"] for n in self._s["notes"] if n["kind"] == "setup"}
        self._s["notes"].extend({"step": e.resumed_from_step, "kind": "setup", "message": n}
                                for n in e.notes if n not in shown)

    def _count_training_time(self, e: ev.Event) -> None:
        if self._segment_start is not None:
            self._s["train_seconds"] = self._train_base + e.time - self._segment_start

    def _step(self, e: ev.StepLogged):
        self._s.update(step=e.step, epoch=e.epoch, samples_per_second=e.samples_per_second)
        self._s["run_seconds"] = self._segment_base + e.time - (self._segment_start or e.time)
        self._s["history"].append({"step": e.step, "epoch": e.epoch, **e.values})
        self._count_training_time(e)

    def _evaluated(self, e: ev.Evaluated):
        self._s.update(step=max(self._s["step"], e.step), epoch=e.epoch)
        self._s["history"].append({"step": e.step, "epoch": e.epoch, **e.values})
        self._count_training_time(e)

    def _note(self, e: ev.NoteAdded):
        self._s["notes"].append({"step": e.step, "kind": e.kind, "message": e.message})

    def _diagnosed(self, e: ev.Diagnosed):
        self._s["diagnoses"].append({"step": e.step, "kind": e.kind, "message": e.message, "advice": e.advice,
                                     "values": e.values})

    def _retried(self, e: ev.Retried):
        """A new attempt starts from step 0 with new settings; the abandoned attempt's curves are dropped."""
        self._s.update(config=e.config, step=0, epoch=0.0, history=[], diagnoses=[], train_seconds=0.0)
        self._s.pop("last_checkpoint", None)
        self._s["notes"].append({"step": 0, "kind": "retry", "message": e.message})

    def _checkpoint(self, e: ev.CheckpointSaved):
        self._s["last_checkpoint"] = e.path
        self._count_training_time(e)

    def _end(self, status: str, e: ev.Event):
        if self._segment_start is not None:
            self._s["run_seconds"] = self._segment_base + e.time - self._segment_start
        self._segment_start = None
        self._s.update(status=status, ended_at=e.time, queue_position=None, waiting_for=None)

    def _finished(self, e: ev.RunFinished):
        self._end("finished", e)
        self._s["metrics"] = e.metrics
        self._s["step"] = e.metrics.get("steps", self._s["step"])
        self._s["train_seconds"] = e.metrics.get("train_seconds", self._s["train_seconds"])

    def _stopped(self, e: ev.RunStopped):
        self._end("stopped", e)
        self._s["metrics"] = e.metrics
        self._s["step"] = e.step
        self._s["train_seconds"] = e.metrics.get("train_seconds", self._s["train_seconds"])

    def _failed(self, e: ev.RunFailed):
        self._end("failed", e)
        self._s.update(error=e.error, hint=e.hint)


_APPLY = {ev.RunQueued: RunState._queued, ev.DeviceBusy: RunState._device_busy, ev.RunStarted: RunState._started,
          ev.StepLogged: RunState._step, ev.Evaluated: RunState._evaluated, ev.NoteAdded: RunState._note,
          ev.Diagnosed: RunState._diagnosed,
          ev.Retried: RunState._retried, ev.CheckpointSaved: RunState._checkpoint,
          ev.RunFinished: RunState._finished, ev.RunStopped: RunState._stopped, ev.RunFailed: RunState._failed}


def _eta(snap: dict) -> float | None:
    step, total, seconds = snap["step"], snap["total_steps"], snap["run_seconds"]
    if snap["status"] != "running" or not step or not total:
        return None
    return max(seconds / step * (total - step), 0.0)
