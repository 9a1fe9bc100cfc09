"""Run folders on disk: config, append-only events log, final metrics, predictions, weights, checkpoints.

runs/<id>/config.json, events.jsonl, metrics.json, predictions_<split>.npz, model/, checkpoints/, owner.json.
Files that are rewritten are replaced atomically, so a crash or stop never leaves half a file.
"""
from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import threading
import time
from pathlib import Path

import numpy as np

from .device_queue import process_alive, process_identity
from .events import TERMINAL, Event, event_from_dict
from .state import RunState


def workbench_home() -> Path:
    return Path(os.environ.get("WORKBENCH_HOME", ".")).expanduser().resolve()


def new_run_id() -> str:
    return time.strftime("%Y%m%d-%H%M%S") + "-" + secrets.token_hex(2)


def write_json_atomic(path: Path, data) -> None:
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(data, indent=2, default=json_default))
    os.replace(tmp, path)


def json_default(value):
    """`json.dumps(default=...)` for numpy scalars and arrays."""
    if isinstance(value, (np.integer, np.floating)):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    raise TypeError(f"not JSON-serialisable: {type(value).__name__}")


class RunStore:
    def __init__(self, root: Path | str | None = None):
        self.root = Path(root) if root is not None else workbench_home() / "runs"
        self._write_lock = threading.Lock()

    def folder(self, run_id: str) -> Path:
        return self.root / run_id

    def create(self, run_id: str, config: dict) -> Path:
        folder = self.folder(run_id)
        folder.mkdir(parents=True, exist_ok=False)
        write_json_atomic(folder / "config.json", config)
        self.claim(run_id)
        return folder

    def claim(self, run_id: str) -> None:
        """Record that this process owns the run, so another process can tell a dead owner (interrupted). The
        process's start time beside its PID keeps a reused PID from passing for the owner."""
        write_json_atomic(self.folder(run_id) / "owner.json", process_identity())
        self.clear_stop_request(run_id)

    def stop_file(self, run_id: str) -> Path:
        return self.folder(run_id) / "stop"

    def request_stop(self, run_id: str) -> None:
        """Ask the process that owns the run to stop it (it polls this file at every step)."""
        if (self.folder(run_id) / "config.json").exists():
            self.stop_file(run_id).touch()

    def clear_stop_request(self, run_id: str) -> None:
        self.stop_file(run_id).unlink(missing_ok=True)

    def append_event(self, run_id: str, event: Event) -> None:
        line = json.dumps(event.to_dict(), default=json_default)
        with self._write_lock, open(self.folder(run_id) / "events.jsonl", "a", encoding="utf-8") as f:
            f.write(line + "\n")
            f.flush()

    def read_events(self, run_id: str) -> list[Event]:
        path = self.folder(run_id) / "events.jsonl"
        if not path.exists():
            return []
        out = []
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                out.append(event_from_dict(json.loads(line)))
            except (json.JSONDecodeError, KeyError, TypeError):
                continue  # a line cut off by a crash mid-write: skip it, keep the rest
        return out

    def config(self, run_id: str) -> dict:
        return json.loads((self.folder(run_id) / "config.json").read_text())

    def write_metrics(self, run_id: str, metrics: dict) -> None:
        write_json_atomic(self.folder(run_id) / "metrics.json", metrics)

    def metrics(self, run_id: str) -> dict:
        path = self.folder(run_id) / "metrics.json"
        return json.loads(path.read_text()) if path.exists() else {}

    def save_predictions(self, run_id: str, split: str, probs, labels, ids, label_names) -> None:
        path = self.folder(run_id) / f"predictions_{split}.npz"
        tmp = path.with_name(path.stem + ".tmp.npz")
        np.savez(tmp, probs=np.asarray(probs, dtype=np.float32), labels=np.asarray(labels, dtype=np.int64),
                 ids=np.asarray(ids), label_names=np.asarray(label_names, dtype=str))
        os.replace(tmp, path)

    def load_predictions(self, run_id: str, split: str = "test") -> dict:
        path = self.folder(run_id) / f"predictions_{split}.npz"
        if not (self.folder(run_id) / "config.json").exists():
            raise FileNotFoundError(f"There is no run {run_id!r} under {self.root}; `python -m workbench runs` "
                                    "lists them.")
        if not path.exists():
            raise FileNotFoundError(f"Run {run_id} has no saved {split} predictions (it did not finish); "
                                    "pick a finished run.")
        with np.load(path, allow_pickle=False) as data:
            return {"probs": data["probs"], "labels": data["labels"], "ids": data["ids"],
                    "label_names": [str(n) for n in data["label_names"]]}

    def model_folder(self, run_id: str) -> Path:
        return self.folder(run_id) / "model"

    def checkpoints_folder(self, run_id: str) -> Path:
        return self.folder(run_id) / "checkpoints"

    def drop_checkpoint(self, run_id: str, step: int) -> None:
        """Delete the Trainer checkpoint at `step`, if there is one."""
        shutil.rmtree(self.checkpoints_folder(run_id) / f"checkpoint-{step}", ignore_errors=True)

    def last_checkpoint(self, run_id: str) -> Path | None:
        """The newest complete Trainer checkpoint. The Trainer writes trainer_state.json last, so a folder without
        it was cut off mid-save (a kill) and is skipped."""
        folder = self.checkpoints_folder(run_id)
        complete = [p for p in folder.glob("checkpoint-*") if (p / "trainer_state.json").exists()]
        return max(complete, key=lambda p: int(p.name.split("-")[-1]), default=None)

    def run_ids(self) -> list[str]:
        if not self.root.exists():
            return []
        return sorted((p.name for p in self.root.iterdir() if (p / "config.json").exists()), reverse=True)

    def load_state(self, run_id: str, active: set[str] = frozenset()) -> RunState:
        """Replay a run's events; a run that is not terminal and whose owner is gone shows as interrupted."""
        state = RunState(run_id)
        for event in self.read_events(run_id):
            state.apply(event)
        if state.status not in TERMINAL and run_id not in active and not self._owner_alive(run_id):
            state.mark_interrupted()
        return state

    def _owner_alive(self, run_id: str) -> bool:
        """Whether another live process owns the run (this process's own runs are known to its runner)."""
        try:
            owner = json.loads((self.folder(run_id) / "owner.json").read_text())
        except (OSError, ValueError):
            return False
        if owner.get("host") == socket.gethostname() and owner.get("pid") == os.getpid():
            return False
        return process_alive(owner)

    def owned_elsewhere(self, run_id: str, active: set[str] = frozenset()) -> bool:
        """A run that is not over and that another live process owns."""
        return run_id not in active and self.load_state(run_id, active).status in ("queued", "running")

    def list_runs(self, active: set[str] = frozenset()) -> list[dict]:
        return [self.load_state(run_id, active).snapshot() for run_id in self.run_ids()]

    def delete(self, run_id: str) -> None:
        folder = self.folder(run_id)
        if not (folder / "config.json").exists():
            raise FileNotFoundError(f"No run {run_id!r} under {self.root}.")
        shutil.rmtree(folder)
