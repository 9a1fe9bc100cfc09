"""Long Lab tasks (a search, k folds, the LR finder, a deployment comparison ...) in background threads, so a page
never waits on them: the page starts a `LabJob`, keeps it in a server-wide registry and polls it."""
from __future__ import annotations

import itertools
import threading
import time
import traceback
from typing import Any, Callable

import pandas as pd
import streamlit as st

from .common import REFRESH_SECONDS, run_label, runner, show_error


class TrackedRunner:
    """The shared runner as a job sees it: it remembers every run the job starts, and once the job is stopped it
    stops each new run at once (a search or a set of folds then ends quickly instead of training on)."""

    def __init__(self, inner, stopped: threading.Event):
        self._inner, self._stopped = inner, stopped
        self.handles: list = []

    def start(self, config=None, *, subscribers=(), **options):
        handle = self._inner.start(config, subscribers=subscribers, **options)
        self.handles.append(handle)
        if self._stopped.is_set():
            handle.stop()
        return handle

    def stop(self, run_id: str) -> None:
        self._inner.stop(run_id)


class LabJob:
    """`work(runner)` in a daemon thread; `status` is running, finished, stopped or failed; `result` is what work
    returned, `error` the exception it raised."""

    def __init__(self, kind: str, title: str, work: Callable[[TrackedRunner], Any], shared_runner=None):
        self.kind, self.title = kind, title
        self.status, self.result, self.error = "running", None, None
        self.started_at, self.finished_at = time.time(), None
        self._stopped = threading.Event()
        self.runner = TrackedRunner(shared_runner or runner(), self._stopped)
        self._thread = threading.Thread(target=self._work, args=(work,), name=f"lab-{kind}", daemon=True)
        self._thread.start()

    def _work(self, work) -> None:
        try:
            self.result = work(self.runner)
            self.status = "stopped" if self._stopped.is_set() else "finished"
        except Exception as err:  # shown on the page; the server keeps serving
            self.status, self.error = "failed", err
            traceback.print_exc()
        self.finished_at = time.time()

    @property
    def running(self) -> bool:
        return self.status == "running"

    @property
    def seconds(self) -> float:
        return (self.finished_at or time.time()) - self.started_at

    def stop(self) -> None:
        """Stops the job's current run; runs it starts later stop at once."""
        self._stopped.set()
        for handle in self.runner.handles:
            handle.stop()

    def wait(self, timeout: float | None = None) -> "LabJob":
        self._thread.join(timeout)
        return self

    def runs_table(self) -> pd.DataFrame:
        """One row per run the job started: id, status, step and a label."""
        snaps = [h.snapshot() for h in self.runner.handles]
        return pd.DataFrame([{"run": s["id"], "status": s["status"], "step": f"{s['step']}/{s['total_steps'] or '?'}",
                              "what": run_label(s).split(" · ", 2)[-1]} for s in snaps])


FINISHED_JOBS_KEPT = 20
_job_numbers = itertools.count(1)


def remember_job(jobs: dict, key, job) -> None:
    """Add a job to a server-wide registry, keeping only the newest FINISHED_JOBS_KEPT ended jobs: a server that
    runs for weeks must not hold every result in memory (the runs themselves stay on disk)."""
    jobs[key] = job
    ended = [k for k, j in jobs.items() if j.status != "running"]
    for k in ended[:-FINISHED_JOBS_KEPT]:
        del jobs[k]


@st.cache_resource
def lab_jobs() -> dict:
    """Every Lab job of this server by id, shared by all browser sessions (their runs are shared too)."""
    return {}


def launch(kind: str, title: str, work: Callable[[TrackedRunner], Any]) -> LabJob:
    job = LabJob(kind, title, work)
    job_id = f"{kind}-{next(_job_numbers)}"
    remember_job(lab_jobs(), job_id, job)
    st.session_state[f"lab.job.{kind}"] = job_id
    return job


def current_job(kind: str) -> LabJob | None:
    """This session's last job of `kind`, else the newest one on the server (a reopened tab finds its search)."""
    jobs = lab_jobs()
    mine = jobs.get(st.session_state.get(f"lab.job.{kind}"))
    if mine is not None:
        return mine
    same_kind = [job for job in jobs.values() if job.kind == kind]
    return same_kind[-1] if same_kind else None


def start_button(kind: str, label: str, key: str) -> bool:
    """A Start button, disabled while a job of this kind is running."""
    job = current_job(kind)
    return st.button(label, type="primary", key=key, disabled=job is not None and job.running)


def job_panel(kind: str, draw_result: Callable[[Any], None], stoppable: bool = True) -> None:
    """Progress of the current job while it runs (polled), then its result drawn by `draw_result`, or its error."""
    job = current_job(kind)
    if job is None:
        return
    if job.running:
        _watch(job, stoppable, key=f"lab.watch.{kind}")
        return
    st.caption(f"{job.title}: {job.status} after {job.seconds:.0f} s.")
    if job.status == "failed":
        show_error(job.error)
        return
    try:
        draw_result(job.result)
    except Exception as err:  # e.g. a stopped job whose runs have no scores
        show_error(err)


def _watch(job: LabJob, stoppable: bool, key: str) -> None:
    @st.fragment(run_every=2 * REFRESH_SECONDS)
    def watch():
        if not job.running:
            st.rerun()   # the whole page, once, to draw the result
        st.info(f"{job.title}: running for {job.seconds:.0f} s ...")
        runs = job.runs_table()
        if len(runs):
            st.dataframe(runs, hide_index=True, key=f"{key}.runs")
        if stoppable and st.button("Stop", key=f"{key}.stop"):
            job.stop()
            st.toast("Stopping after the current step")

    watch()
