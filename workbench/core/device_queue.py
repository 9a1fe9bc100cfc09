"""One training run at a time per host across every process that shares a WORKBENCH_HOME.

Two torch processes on the same cores each run several-fold slower, so every time and speed they report would be
wrong. The runner's in-process queue cannot see another process (a second notebook, the CLI beside the app), so the
worker thread also takes a host-wide file lock before it trains. The lock is an OS file lock (flock): the kernel
drops it when its process dies, so a killed owner never leaves it stuck. Beside it a small record names the run
that holds it, for the "waiting for a run in another process" message. Hosts that share the folder over a network
file system each have their own lock file, so workers on other machines are not serialised.

Also here: process identity that survives PID reuse (the PID plus the process's start time), and the stop file
through which one process asks another to stop a run it owns.
"""
from __future__ import annotations

import json
import os
import socket
import threading
import time
from pathlib import Path
from typing import Callable

from filelock import FileLock, Timeout

POLL_SECONDS = 0.25


def process_start_time(pid: int) -> int | None:
    """The process's start time in clock ticks since boot (field 22 of /proc/PID/stat); None where unknown.
    A PID that was reused by a newer process has a different start time."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may itself hold spaces or parentheses.
    fields = stat[stat.rfind(")") + 2:].split()
    return int(fields[19]) if len(fields) > 19 else None


def process_identity(pid: int | None = None) -> dict:
    pid = os.getpid() if pid is None else pid
    return {"pid": pid, "host": socket.gethostname(), "started": process_start_time(pid)}


def process_alive(identity: dict) -> bool:
    """Whether the process an identity names still runs. A PID that exists but started at another time belongs to
    a newer process, so the named one is gone. Another host's processes cannot be checked: assumed alive."""
    if identity.get("host") != socket.gethostname():
        return True
    pid = identity.get("pid")
    if not isinstance(pid, int) or pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    started = identity.get("started")
    return started is None or process_start_time(pid) in (None, started)


def queues_for_this_host() -> bool:
    """Under torchrun (or accelerate launch) only each host's local rank 0 takes the lock; a process started
    without a launcher is its own rank 0."""
    return os.environ.get("LOCAL_RANK", "0").strip() in ("", "0")


class DeviceLock:
    """The host-wide training lock under `folder` (normally $WORKBENCH_HOME/locks)."""

    def __init__(self, folder: Path | str):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        host = socket.gethostname()
        self._lock = FileLock(str(folder / f"device-{host}.lock"), thread_local=False, is_singleton=False)
        self.holder_path = folder / f"device-{host}.json"

    def acquire(self, run_id: str, should_give_up: Callable[[], bool] = lambda: False,
                on_wait: Callable[[dict], None] = lambda holder: None) -> bool:
        """Block until this process holds the lock (True), or until `should_give_up()` (False). `on_wait` is
        called once, with the holder's record, when the lock is busy."""
        waited = False
        while True:
            try:
                self._lock.acquire(timeout=0 if not waited else POLL_SECONDS)
                break
            except Timeout:
                if should_give_up():
                    return False
                if not waited:
                    waited = True
                    on_wait(self.holder())
        _write_json(self.holder_path, {**process_identity(), "run_id": run_id, "since": time.time(),
                                       "thread": threading.get_ident()})
        return True

    def release(self) -> None:
        if not self._lock.is_locked:
            return
        try:
            self.holder_path.unlink(missing_ok=True)
        finally:
            self._lock.release()

    def holder(self) -> dict:
        """Who holds the lock, as its record says ({} when unknown, e.g. between its acquire and its write)."""
        try:
            return json.loads(self.holder_path.read_text())
        except (OSError, ValueError):
            return {}


def device_busy(folder: Path | str) -> bool:
    """Whether some live process holds the host's device lock under `folder` (a training, an LLM run, a lesson's
    fine-tune, a chat answer); a record left by a killed process does not count."""
    holder = DeviceLock(folder).holder()
    return bool(holder) and process_alive(holder)


def _write_json(path: Path, data: dict) -> None:
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data))
    os.replace(tmp, path)


def describe_holder(holder: dict) -> str:
    """'run X (process P)' or 'another run' for the waiting message."""
    if not holder.get("run_id"):
        return "a run in another process"
    where = "this process" if holder.get("pid") == os.getpid() else f"process {holder.get('pid')}"
    return f"run {holder['run_id']} ({where})"


class StopSignal(threading.Event):
    """A run's stop flag that another process can raise too, by creating the run's stop file. `is_set()` looks
    at the file (one stat call, so it stays cheap at every optimizer step)."""

    def __init__(self, stop_file: Path):
        super().__init__()
        self.stop_file = Path(stop_file)

    def is_set(self) -> bool:
        if not super().is_set() and self.stop_file.exists():
            self.set()
        return super().is_set()
