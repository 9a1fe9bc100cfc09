"""One run at a time per host and WORKBENCH_HOME, across processes: the file lock, its recovery after a kill, the
waiting message, owner liveness that survives PID reuse, and a stop that reaches a run another process owns."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from conftest import tiny_tabular
from workbench.core.device_queue import DeviceLock, process_alive, process_identity, process_start_time

ROOT = Path(__file__).resolve().parents[1]


def _python(code: str, home: Path, **popen) -> subprocess.Popen:
    env = {**os.environ, "WORKBENCH_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code)], env=env, cwd=ROOT, **popen)


def _wait_for(predicate, timeout: float, what: str):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def test_process_identity_tells_a_reused_pid_from_its_owner():
    me = process_identity()
    assert me["started"] == process_start_time(os.getpid()) and me["started"] is not None
    assert process_alive(me)
    assert not process_alive({**me, "started": me["started"] + 1})     # same PID, another process
    assert process_alive({**me, "host": "some-other-host"})              # cannot be checked: assumed alive
    assert not process_alive({"pid": None, "host": me["host"]})


def test_a_run_whose_owner_pid_was_reused_shows_as_interrupted(store):
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        store.create("r1", tiny_tabular().to_dict())
        from workbench.core import events as ev
        store.append_event("r1", ev.RunQueued(config={}))
        owner = store.folder("r1") / "owner.json"
        identity = process_identity(sleeper.pid)
        owner.write_text(json.dumps(identity))
        assert store.load_state("r1").status == "queued"          # its owner is alive
        owner.write_text(json.dumps({**identity, "started": identity["started"] - 1}))
        assert store.load_state("r1").status == "interrupted"     # that PID now belongs to another process
    finally:
        sleeper.kill()


def test_a_lock_left_by_a_killed_process_is_recovered(tmp_path):
    holder = _python(f"""
        from workbench.core.device_queue import DeviceLock
        import time
        lock = DeviceLock({str(tmp_path)!r})
        lock.acquire("held-by-child")
        print("locked", flush=True)
        time.sleep(60)
    """, tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        lock = DeviceLock(tmp_path)
        assert not lock.acquire("mine", should_give_up=lambda: True)
        assert lock.holder()["run_id"] == "held-by-child" and lock.holder()["pid"] == holder.pid
        holder.send_signal(signal.SIGKILL)
        holder.wait()
        started = time.time()
        assert lock.acquire("mine", should_give_up=lambda: time.time() - started > 5)
        assert time.time() - started < 2
        lock.release()
    finally:
        holder.kill()


def test_a_run_waits_while_another_holds_the_device_and_says_for_whom(runner):
    other = DeviceLock(runner.store.root.parent / "locks")
    assert other.acquire("20260101-000000-beef")
    try:
        handle = runner.start(tiny_tabular())
        snap = _wait_for(lambda: (s := handle.snapshot())["waiting_for"] and s, 10, "the waiting message")
        assert snap["status"] == "queued" and "20260101-000000-beef" in snap["waiting_for"]
        time.sleep(0.5)
        assert handle.snapshot()["status"] == "queued"             # still waiting: it never trained alongside
    finally:
        other.release()
    snap = handle.wait(60)
    assert snap["status"] == "finished" and snap["waiting_for"] is None


def test_a_run_stopped_while_waiting_for_the_device_ends_stopped(runner):
    other = DeviceLock(runner.store.root.parent / "locks")
    assert other.acquire("someone-else")
    try:
        handle = runner.start(tiny_tabular())
        _wait_for(lambda: handle.snapshot()["waiting_for"], 10, "the waiting message")
        handle.stop()
        assert handle.wait(5)["status"] == "stopped"
    finally:
        other.release()


RUN_IN_CHILD = """
    import json, sys
    sys.path.insert(0, "tests")
    from conftest import tiny_tabular
    from workbench.core.runner import start_run
    handle = start_run(tiny_tabular(max_steps={steps}, eval_every=None))
    print(handle.id, flush=True)
    snap = handle.wait()
    print(json.dumps({{"status": snap["status"]}}), flush=True)
"""


def _interval(store, run_id: str) -> tuple[float, float]:
    events = store.read_events(run_id)
    started = next(e.time for e in events if e.type == "started")
    ended = next(e.time for e in events if e.type in ("finished", "stopped", "failed"))
    return started, ended


def test_two_processes_never_train_at_once(tmp_path):
    from workbench.core.store import RunStore

    children = [_python(RUN_IN_CHILD.format(steps=150), tmp_path, stdout=subprocess.PIPE, text=True)
                for _ in range(2)]
    outputs = [child.communicate(timeout=240)[0].split("\n") for child in children]
    assert all(json.loads(out[1])["status"] == "finished" for out in outputs), outputs
    store = RunStore(tmp_path / "runs")
    (s1, e1), (s2, e2) = sorted(_interval(store, out[0]) for out in outputs)
    assert e1 <= s2, f"the runs overlapped for {e1 - s2:.1f} s"
    waited = [e for out in outputs for e in store.read_events(out[0]) if e.type == "device_busy"]
    assert waited, "the second run never reported waiting for the first"


def test_stop_reaches_a_run_owned_by_another_process(tmp_path):
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    child = _python(RUN_IN_CHILD.format(steps=100_000), tmp_path, stdout=subprocess.PIPE, text=True)
    try:
        run_id = child.stdout.readline().strip()
        store = RunStore(tmp_path / "runs")
        _wait_for(lambda: any(e.type == "step" for e in store.read_events(run_id)), 60, "the child's first step")
        assert store.load_state(run_id).status == "running"       # listed as running by this process too
        asked = time.time()
        Runner(store).stop(run_id)
        assert json.loads(child.stdout.readline())["status"] == "stopped"
        assert time.time() - asked < 10
    finally:
        child.kill()


@pytest.mark.parametrize("local_rank, queues", [(None, True), ("0", True), ("1", False), ("3", False)])
def test_under_a_launcher_only_local_rank_zero_queues(monkeypatch, local_rank, queues):
    from workbench.core.device_queue import queues_for_this_host

    if local_rank is None:
        monkeypatch.delenv("LOCAL_RANK", raising=False)
    else:
        monkeypatch.setenv("LOCAL_RANK", local_rank)
    assert queues_for_this_host() is queues
