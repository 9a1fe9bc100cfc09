"""Releasing a thread's OpenMP team, so that a background run does not share the cores with idle workers."""
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from workbench.speed import openmp

ROOT = Path(__file__).resolve().parents[1]
linux_only = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/<pid>/maps")

COUNT_THREADS = """
import os, torch
from workbench.speed.openmp import release_thread_team
torch.set_num_threads(2)
count = lambda: len(os.listdir("/proc/self/task"))
before = count()
torch.nn.functional.gelu(torch.randn(1000, 1000))   # a parallel region in this thread
with_team = count()
released = release_thread_team()
print(before, with_team, released, count())
"""


@linux_only
def test_release_lets_the_calling_threads_team_go():
    out = subprocess.run([sys.executable, "-c", COUNT_THREADS], capture_output=True, text=True, check=True,
                         cwd=ROOT).stdout.split()
    before, with_team, released, after = int(out[0]), int(out[1]), out[2], int(out[3])
    assert with_team > before            # the operation started OpenMP workers for this thread
    assert released == "True" and after == before


@linux_only
def test_finds_torchs_runtime():
    import torch  # noqa: F401
    names = [Path(runtime._name).name for runtime in openmp._loaded_runtimes()]
    assert any("omp" in name for name in names)


@linux_only
def test_maps_paths_with_spaces_or_deleted_files_are_skipped_quietly(monkeypatch, tmp_path):
    import torch  # noqa: F401
    real = openmp._loaded_runtimes()
    fake_maps = tmp_path / "maps"
    fake_maps.write_text("".join(
        f"7f00-7f01 r-xp 00000000 08:01 {i} {path}\n" for i, path in enumerate([
            real[0]._name, "/opt/my libs/libgomp.so.1 (deleted)", "/usr/lib/libcomponents.so", "[heap]"])) +
        "7f02-7f03 rw-p 00000000 00:00 0\n")
    monkeypatch.setattr(openmp, "open", lambda path: fake_maps.open(), raising=False)
    assert [runtime._name for runtime in openmp._loaded_runtimes()] == [real[0]._name]


def test_without_proc_nothing_is_released(monkeypatch):
    monkeypatch.setattr(openmp.os, "getpid", lambda: 0)    # /proc/0/maps does not exist
    assert openmp._loaded_runtimes() == []
    assert openmp.release_thread_team() is False


def test_runner_releases_the_callers_team_and_its_own_after_each_run(runner, monkeypatch):
    import workbench.core.runner
    from conftest import tiny_tabular

    released_in = []
    monkeypatch.setattr(workbench.core.runner, "release_thread_team",
                        lambda: released_in.append(threading.current_thread().name) or True)
    snap = runner.start(tiny_tabular()).wait(120)
    assert snap["status"] == "finished", snap["error"]
    assert released_in == [threading.current_thread().name, "workbench-runner"]
