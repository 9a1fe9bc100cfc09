"""The JSON feed the browser's live panel polls: a run's status and new history rows, valid JSON even for a NaN
loss, 404 for an unknown or malformed run id."""
import json
import math

import numpy as np

from starlette.applications import Starlette
from starlette.testclient import TestClient

from workbench import RunConfig
from workbench.ui.live_feed import live_view, plain_json, routes

TINY = {"dataset": "wine", "model": "mlp", "max_train_samples": None, "max_steps": 8, "log_every": 2,
        "eval_every": 4, "hidden_sizes": [16], "save_checkpoints": False}


def client() -> TestClient:
    return TestClient(Starlette(routes=routes()))


def test_feed_sends_status_and_only_the_rows_the_browser_lacks():
    from workbench.ui.common import runner
    snap = runner().start(RunConfig.from_flat(**TINY)).wait(120)
    assert snap["status"] == "finished"
    everything = client().get(f"/api/runs/{snap['id']}/live").json()
    assert everything["status"] == "finished" and everything["step"] == 8
    assert everything["history_length"] == len(everything["history"]) == len(snap["history"]) > 2
    tail = client().get(f"/api/runs/{snap['id']}/live?since=2").json()
    assert tail["history"] == everything["history"][2:] and tail["history_length"] == everything["history_length"]


def test_unknown_or_malformed_run_ids_are_404():
    assert client().get("/api/runs/no-such-run/live").status_code == 404
    assert client().get("/api/runs/..%2F..%2Fetc/live").status_code == 404


def test_a_diverged_loss_still_gives_json_a_browser_can_parse():
    text = plain_json(live_view({"id": "r", "status": "failed", "step": 3, "history": [
        {"step": 1, "train_loss": 0.7}, {"step": 2, "train_loss": math.nan}, {"step": 3, "train_loss": math.inf}]}))
    assert "NaN" not in text and "Infinity" not in text
    assert [row["train_loss"] for row in json.loads(text)["history"]] == [0.7, None, None]
    assert json.loads(plain_json({"loss": np.float32("nan"), "step": np.int64(3)})) == {"loss": None, "step": 3}


def test_an_out_of_memory_retry_bumps_the_attempt_so_the_browser_starts_its_curve_again():
    notes = [{"step": 0, "kind": "precision", "message": "bf16"}, {"step": 0, "kind": "retry", "message": "OOM"}]
    view = live_view({"id": "r", "status": "running", "step": 1, "history": [{"step": 1}], "notes": notes}, since=5)
    assert view["attempt"] == 1 and view["history"] == [] and view["history_length"] == 1
    assert live_view({"id": "r", "status": "running", "history": []})["attempt"] == 0


def test_the_live_panel_draws_each_series_in_the_final_figures_colour():
    import re

    from workbench.analysis.plots import SERIES_COLORS
    from workbench.ui.live_component import JS

    drawn = dict(re.findall(r'key: "(\w+)", color: "(#[0-9A-Fa-f]{6})"', JS))
    assert set(drawn) == {"train_loss", "eval_loss", "eval_accuracy"}
    assert all(SERIES_COLORS[key] == color for key, color in drawn.items())
