"""Lessons run in a background thread (their runs go through the shared runner, so they queue with any other run
and appear on the Runs page); outcomes are saved under $WORKBENCH_HOME/lessons so a reopened link shows them."""
from __future__ import annotations

import functools
import hashlib
import json
import threading
import traceback
from pathlib import Path

from ..core.store import workbench_home
from .base import Outcome

PACKAGE = Path(__file__).resolve().parents[1]


@functools.cache
def code_version(package: Path = PACKAGE) -> str:
    """A hash of every Python source file of the workbench package (paths and bytes), computed once per process:
    an outcome saved by other code is never shown as this code's result."""
    digest = hashlib.sha1()
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return digest.hexdigest()[:12]


def outcome_key(lesson_id: str, quick: bool, seeds: tuple[int, ...], settings: dict) -> str:
    """The saved outcome's name: everything that changes an outcome (lesson, mode, seeds, settings, code)."""
    spec = json.dumps({"quick": quick, "seeds": list(seeds), "settings": settings, "code": code_version()},
                      sort_keys=True, default=str)
    return f"{lesson_id}-{hashlib.sha1(spec.encode()).hexdigest()[:10]}"


def outcome_path(key: str):
    return workbench_home() / "lessons" / f"{key}.json"


def save_outcome(key: str, outcome: Outcome) -> None:
    path = outcome_path(key)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(outcome.to_dict(), default=float))
    tmp.replace(path)


def load_outcome(key: str, store=None) -> Outcome | None:
    """A saved outcome, with its first-seed curves reloaded from the run store where the runs still exist."""
    path = outcome_path(key)
    if not path.exists():
        return None
    outcome = Outcome.from_dict(json.loads(path.read_text()))
    from ..core.store import RunStore
    store = store or RunStore()
    for variant, ids in outcome.run_ids.items():
        try:
            outcome.histories[variant] = (store.load_state(ids[0]).snapshot().get("history") or []) if ids else []
        except Exception:  # a deleted run only costs the curve, not the result
            outcome.histories[variant] = []
    return outcome


class LessonJob:
    """One lesson's experiment in a thread: `status` is running / finished / failed; `run_ids` grows as runs start."""

    def __init__(self, lesson, quick: bool, seeds: tuple[int, ...], settings: dict, runner=None):
        self.lesson, self.quick, self.seeds, self.settings = lesson, quick, tuple(seeds), dict(settings)
        self.key = outcome_key(lesson.id, quick, self.seeds, self.settings)
        self.runner = runner
        self.status, self.error, self.outcome = "running", None, None
        self.started: list[tuple[str, str]] = []      # (variant, run id)
        self._handles = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._work, name=f"lesson-{lesson.id}", daemon=True)
        self._thread.start()

    def _on_start(self, variant: str, handle) -> None:
        self.started.append((variant, handle.id))
        self._handles.append(handle)
        if self._stopped.is_set():
            handle.stop()

    def _work(self) -> None:
        try:
            outcome = self.lesson.run(self.quick, self.seeds, self.settings, self.runner, self._on_start)
            unfinished = self._unfinished_runs(outcome)
            if self._stopped.is_set() or unfinished:    # a partial outcome is neither an outcome nor saved
                self.status = "stopped"
                self.error = (f"runs that did not finish: {', '.join(unfinished)}" if unfinished
                              else "stopped before it finished")
                return
            save_outcome(self.key, outcome)
            self.outcome, self.status = outcome, "finished"
        except Exception as err:  # shown on the page; the app keeps serving
            self.status, self.error = "failed", f"{type(err).__name__}: {err}"
            traceback.print_exc()

    def _unfinished_runs(self, outcome: Outcome) -> list[str]:
        """'run id (status)' for each run of the outcome that did not finish (stopped, failed or unknown)."""
        from ..core.runner import get_runner

        runner = self.runner or get_runner()
        unfinished = []
        for run_id in (i for ids in outcome.run_ids.values() for i in ids):
            try:
                status = runner.snapshot(run_id)["status"]
            except Exception:  # a run the store no longer has cannot vouch for the outcome
                status = "unknown"
            if status != "finished":
                unfinished.append(f"{run_id} ({status})")
        return unfinished

    def stop(self) -> None:
        """Stops the current run; the lesson then finishes its remaining runs as stopped at once."""
        self._stopped.set()
        for handle in self._handles:
            handle.stop()

    def wait(self, timeout: float | None = None) -> "LessonJob":
        self._thread.join(timeout)
        return self
