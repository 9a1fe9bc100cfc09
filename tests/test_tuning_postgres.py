"""Optuna on a real PostgreSQL: two `tune` workers share one study on a fresh database, and a worker killed
mid-trial leaves its trial failed, not running forever. The server is a throw-away cluster started here; without
PostgreSQL's server binaries the tests skip, except in CI, which installs them."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from postgres_server import create_database, server_binaries, throwaway_cluster

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def postgres_server():
    binaries = server_binaries()
    if binaries is None:
        if os.environ.get("CI"):
            pytest.fail("CI must install PostgreSQL's server (Debian's postgresql package; .ci/run does).")
        pytest.skip("PostgreSQL's server binaries (initdb, pg_ctl) are not installed: apt-get install postgresql")
    pytest.importorskip("psycopg", reason="pip install -r requirements-postgres.txt")
    with throwaway_cluster(binaries) as url:
        yield url


@pytest.fixture
def database(postgres_server):
    return create_database(postgres_server, f"study_{uuid.uuid4().hex[:8]}")


def _worker(url: str, home: Path, trials: int, max_steps: int = 6) -> subprocess.Popen:
    command = [sys.executable, "-m", "workbench", "tune", "--dataset", "wine", "--model", "mlp",
               "--max-steps", str(max_steps), "--batch-size", "16", "--hidden-sizes", "16", "--no-save-checkpoints",
               "--space", "lr=log:1e-3:1e-1", "--sampler", "random", "--trials", str(trials), "--no-prune",
               "--storage", url, "--study", "shared", "--json"]
    env = {**os.environ, "WORKBENCH_HOME": str(home), "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def _trials(url: str):
    import optuna

    return optuna.load_study(study_name="shared", storage=url).trials


def test_two_workers_share_one_study_on_a_fresh_database(database, tmp_path):
    workers = [_worker(database, tmp_path, trials=3) for _ in range(2)]    # both create the tables at once
    outputs = [w.communicate(timeout=300) for w in workers]
    assert [w.returncode for w in workers] == [0, 0], [err[-2000:] for _, err in outputs]
    summaries = [json.loads(out.strip().splitlines()[-1]) for out, _ in outputs]
    trials = _trials(database)
    assert len(trials) == 6 and len({t.number for t in trials}) == 6
    assert {t.user_attrs["worker"].split(":")[1] for t in trials} == {str(w.pid) for w in workers}
    assert all(t.state.name == "COMPLETE" for t in trials)
    assert summaries[0]["best_value"] == summaries[1]["best_value"]
    assert summaries[0]["best_run_id"] == summaries[1]["best_run_id"]


def test_a_worker_killed_mid_trial_leaves_its_trial_failed(database, tmp_path):
    from workbench.lab.tuning import GRACE_SECONDS

    doomed = _worker(database, tmp_path, trials=1, max_steps=100_000)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            running = [t for t in _trials(database) if t.state.name == "RUNNING" and "run_id" in t.user_attrs]
        except KeyError:   # the study does not exist yet
            running = []
        if running:
            break
        time.sleep(0.5)
    assert running, "the worker never started its trial"
    time.sleep(1.0)     # let its run train a little
    doomed.send_signal(signal.SIGKILL)
    doomed.wait()
    survivor = _worker(database, tmp_path, trials=1)     # fails the stale trial, then waits for nothing
    out, err = survivor.communicate(timeout=120 + GRACE_SECONDS)
    assert survivor.returncode == 0, err[-2000:]
    states = {t.number: t.state.name for t in _trials(database)}
    assert states[running[0].number] == "FAIL", states
    assert "RUNNING" not in states.values()
