"""Past-tense events a run publishes. They hold plain Python values only, so they cross threads and go to JSON."""
from __future__ import annotations

import time
from dataclasses import asdict, dataclass, field, fields

TERMINAL = ("finished", "stopped", "failed")


@dataclass(frozen=True)
class Event:
    time: float = field(default_factory=time.time, kw_only=True)

    @property
    def type(self) -> str:
        return _NAME_OF[type(self)]

    def to_dict(self) -> dict:
        return {"type": self.type, **asdict(self)}


@dataclass(frozen=True)
class RunQueued(Event):
    config: dict
    position: int = 0


@dataclass(frozen=True)
class DeviceBusy(Event):
    """The run waits for the device, which a run in another process (or another runner) holds."""
    holder: str             # e.g. "run 20261205-101500-ab12 (process 4242)"


@dataclass(frozen=True)
class RunStarted(Event):
    total_steps: int
    precision: str
    device: str
    parameters: dict
    dataset: dict
    resumed_from_step: int = 0
    notes: tuple = ()


@dataclass(frozen=True)
class StepLogged(Event):
    step: int
    epoch: float
    values: dict            # train_loss, learning_rate, grad_norm ...
    samples_per_second: float = 0.0


@dataclass(frozen=True)
class Evaluated(Event):
    step: int
    epoch: float
    values: dict            # eval_loss, eval_accuracy, eval_f1 ...


@dataclass(frozen=True)
class NoteAdded(Event):
    step: int
    kind: str               # e.g. "precision", "unfreeze", "overfitting"
    message: str


@dataclass(frozen=True)
class Diagnosed(Event):
    step: int
    kind: str               # see workbench.core.diagnosis.KINDS
    message: str            # what is happening
    advice: str             # what to try
    values: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Retried(Event):
    attempt: int            # 1 for the first retry
    reason: str             # the error that ended the previous attempt
    message: str
    config: dict            # the settings of the new attempt


@dataclass(frozen=True)
class CheckpointSaved(Event):
    step: int
    path: str


@dataclass(frozen=True)
class RunFinished(Event):
    metrics: dict


@dataclass(frozen=True)
class RunStopped(Event):
    step: int
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class RunFailed(Event):
    error: str
    hint: str = ""


_NAME_OF = {RunQueued: "queued", DeviceBusy: "device_busy", RunStarted: "started", StepLogged: "step",
            Evaluated: "evaluated", NoteAdded: "note", Diagnosed: "diagnosed", Retried: "retried",
            CheckpointSaved: "checkpoint", RunFinished: "finished", RunStopped: "stopped", RunFailed: "failed"}
_CLASS_OF = {name: cls for cls, name in _NAME_OF.items()}


def event_from_dict(d: dict) -> Event:
    cls = _CLASS_OF[d["type"]]
    known = {f.name for f in fields(cls)}
    values = {k: v for k, v in d.items() if k in known}
    if "notes" in values:
        values["notes"] = tuple(values["notes"])
    return cls(**values)
