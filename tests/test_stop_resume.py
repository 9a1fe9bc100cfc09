"""Stop in every phase of a run (set-up, training, mid-evaluation, final predictions) with a bounded latency and one
checkpoint to resume from; resume from the newest complete checkpoint without repeated rows; NaN outside the logged
training loss; a worker that survives a failed write of a run's end."""
from __future__ import annotations

import errno
import json
import math
import shutil
import threading
import time

import pytest
import torch

from conftest import tiny_tabular

# Bounds for a loaded 2-core CI machine; the measured latencies of these tiny runs are a few milliseconds (set-up,
# evaluation batches) to a few tens of milliseconds (a step and a checkpoint write).
SETUP_STOP_SECONDS = 2.0
STEP_STOP_SECONDS = 3.0


def event_types(store, run_id: str) -> list[str]:
    return [json.loads(line)["type"] for line in (store.folder(run_id) / "events.jsonl").read_text().splitlines()]


def events_of(store, run_id: str, kind: str) -> list[dict]:
    events = map(json.loads, (store.folder(run_id) / "events.jsonl").read_text().splitlines())
    return [e for e in events if e["type"] == kind]


def checkpoint_steps(store, run_id: str) -> list[int]:
    return sorted(int(p.name.split("-")[-1]) for p in store.checkpoints_folder(run_id).glob("checkpoint-*"))


def train_steps(snap: dict) -> list[int]:
    return [r["step"] for r in snap["history"] if "train_loss" in r]


def mean_train_loss(snap: dict) -> float:
    return sum(r["train_loss"] for r in snap["history"] if "train_loss" in r) / len(train_steps(snap))


def steps_per_epoch(cfg) -> int:
    from workbench.core.runner import prepare_splits
    return math.ceil(len(prepare_splits(cfg).train) / cfg.train.batch_size)


class StopClock:
    """Stops the runner's only active run from inside the worker thread and remembers when."""

    def __init__(self, runner):
        self.runner, self.at = runner, None

    def stop_now(self) -> None:
        if self.at is None:
            self.at = time.time()
            (run_id,) = self.runner.active_ids()
            self.runner.stop(run_id)

    def latency(self, handle, timeout: float = 120) -> float:
        handle.wait(timeout)
        assert self.at is not None, "the stop was never requested"
        return time.time() - self.at


@pytest.fixture
def loss_hook(monkeypatch):
    """`loss_hook["train"]` / `["eval"]`: called before each training / no-gradient loss computation with the
    number of such calls so far; may return a loss to use instead of the real one."""
    from workbench.core import training

    hooks = {"train": None, "eval": None, "calls": {"train": 0, "eval": 0}}
    real_make_loss = training.make_loss

    def make_loss_with_hooks(train, weights):
        loss_fn = real_make_loss(train, weights)

        def loss(outputs, labels, num_items_in_batch=None):
            phase = "train" if torch.is_grad_enabled() else "eval"
            hooks["calls"][phase] += 1
            replaced = hooks[phase](hooks["calls"][phase]) if hooks[phase] else None
            return loss_fn(outputs, labels, num_items_in_batch) if replaced is None else replaced
        return loss

    monkeypatch.setattr(training, "make_loss", make_loss_with_hooks)
    return hooks


@pytest.fixture
def predicting(monkeypatch):
    """`predicting.is_set()` while the runner computes the final predictions."""
    from workbench.core import training

    flag, real_predict = threading.Event(), training.predict_probs

    def predict_probs(trainer, dataset):
        flag.set()
        return real_predict(trainer, dataset)

    monkeypatch.setattr(training, "predict_probs", predict_probs)
    return flag


# ---------------------------------------------------------------- stop in each phase


@pytest.mark.parametrize("phase", ["model", "tokenizing"])
def test_stop_during_set_up_ends_before_training(runner, store, monkeypatch, tiny_text_model, phase):
    """A stop right after the model is built, or after the training split is tokenized, ends the run before the
    next set-up phase; nothing is trained or saved."""
    from workbench.core import models, training

    clock, calls = StopClock(runner), []
    module, name = (models, "build_for_training") if phase == "model" else (training, "torch_split")
    real = getattr(module, name)

    def then_stop(*args, **kw):
        calls.append(name)
        result = real(*args, **kw)
        clock.stop_now()
        return result

    monkeypatch.setattr(module, name, then_stop)
    cfg = tiny_tabular() if phase == "model" else tiny_tabular(
        dataset="rotten_tomatoes", model=tiny_text_model, max_train_samples=64, max_length=32, precision="fp32")
    handle = runner.start(cfg.replace(save_checkpoints=True))
    assert clock.latency(handle) < SETUP_STOP_SECONDS
    snap = handle.snapshot()
    assert snap["status"] == "stopped" and snap["step"] == 0
    assert calls == [name]                                  # the validation split was never tokenized
    assert "started" not in event_types(store, handle.id)
    assert checkpoint_steps(store, handle.id) == []


def test_stop_within_a_step_skips_the_epochs_evaluation_and_saves_one_checkpoint(runner, store, loss_hook):
    """A stop during the last step of an epoch: the Trainer's epoch end would evaluate and save; neither happens,
    and the runner writes the one checkpoint, at that step."""
    cfg = tiny_tabular(max_steps=None, epochs=3, eval_every=None, save_checkpoints=True)
    per_epoch, clock = steps_per_epoch(cfg), StopClock(runner)
    loss_hook["train"] = lambda n: clock.stop_now() if n == per_epoch else None
    handle = runner.start(cfg)
    assert clock.latency(handle) < STEP_STOP_SECONDS
    snap = handle.snapshot()
    assert snap["status"] == "stopped" and snap["step"] == per_epoch
    assert "evaluated" not in event_types(store, handle.id)
    assert [e["step"] for e in events_of(store, handle.id, "checkpoint")] == [per_epoch]
    assert checkpoint_steps(store, handle.id) == [per_epoch]
    assert store.last_checkpoint(handle.id).name == f"checkpoint-{per_epoch}"
    assert snap["metrics"]["train_seconds"] > 0


def test_stop_mid_way_through_an_evaluation_pass(runner, store, loss_hook):
    """The epoch-end validation pass (8 batches) ends after the batch during which the stop came."""
    cfg = tiny_tabular(dataset="breast_cancer", max_train_samples=64, batch_size=4, max_steps=None, epochs=2,
                       eval_every=None, save_checkpoints=True)
    per_epoch, clock = steps_per_epoch(cfg), StopClock(runner)
    loss_hook["eval"] = lambda n: clock.stop_now()
    handle = runner.start(cfg)
    assert clock.latency(handle) < STEP_STOP_SECONDS
    snap = handle.snapshot()
    assert snap["status"] == "stopped" and snap["step"] == per_epoch
    assert loss_hook["calls"]["eval"] == 1
    assert "evaluated" not in event_types(store, handle.id)
    assert checkpoint_steps(store, handle.id) == [per_epoch]          # written by the runner after the stop


def test_stop_during_final_predictions_then_resume_finishes(runner, store, loss_hook, predicting):
    """The stop ends the prediction pass after one batch and the run as stopped (no predictions, no metrics); the
    resumed run starts from the last step's checkpoint, trains no further step and finishes."""
    cfg = tiny_tabular(dataset="breast_cancer", max_train_samples=64, batch_size=4, max_steps=10, eval_every=None,
                       save_checkpoints=True)
    clock = StopClock(runner)
    loss_hook["eval"] = lambda n: clock.stop_now() if predicting.is_set() else None
    handle = runner.start(cfg)
    assert clock.latency(handle) < STEP_STOP_SECONDS
    snap = handle.snapshot()
    assert snap["status"] == "stopped" and snap["step"] == 10
    assert loss_hook["calls"]["eval"] == 8 + 1           # the epoch-end validation pass, then one prediction batch
    folder = store.folder(handle.id)
    assert not (folder / "metrics.json").exists() and not list(folder.glob("predictions_*"))
    loss_hook["eval"] = None
    resumed = runner.resume(handle.id).wait(120)
    assert resumed["status"] == "finished", resumed["error"]
    assert resumed["step"] == resumed["total_steps"] == 10
    assert train_steps(resumed) == list(range(1, 11))
    assert resumed["metrics"]["train_loss"] == pytest.approx(mean_train_loss(resumed))
    assert (folder / "predictions_test.npz").exists()


def test_stop_without_checkpoints_just_stops(runner, store):
    clock = StopClock(runner)
    handle = runner.start(tiny_tabular(max_steps=200, eval_every=None),
                          subscribers=[lambda event, snap: clock.stop_now() if event.type == "step" else None])
    assert clock.latency(handle) < STEP_STOP_SECONDS
    assert handle.snapshot()["status"] == "stopped"
    assert checkpoint_steps(store, handle.id) == [] and "checkpoint" not in event_types(store, handle.id)
    with pytest.raises(ValueError, match="no checkpoint to resume from"):
        runner.resume(handle.id)


# ---------------------------------------------------------------- resume


def test_resume_uses_the_newest_complete_checkpoint_without_repeating_rows(runner, store):
    """A kill during a checkpoint save leaves a folder without trainer_state.json: resume skips it. The resumed
    run's history, notes and training time continue those of the first segment."""
    stop_at = 5

    def slow_then_stop(event, snap):
        if event.type == "step":
            time.sleep(0.3)           # makes the first segment's training time stand out
            if snap["step"] == stop_at:
                runner.stop(snap["id"])

    cfg = tiny_tabular(max_steps=None, epochs=3, eval_every=None, save_checkpoints=True)
    first = runner.start(cfg, subscribers=[slow_then_stop]).wait(120)
    assert first["status"] == "stopped" and checkpoint_steps(store, first["id"]) == [stop_at]
    first_seconds = first["metrics"]["train_seconds"]
    assert first_seconds >= 0.3 * stop_at
    checkpoints = store.checkpoints_folder(first["id"])
    partial = shutil.copytree(checkpoints / f"checkpoint-{stop_at}", checkpoints / "checkpoint-12")
    (partial / "trainer_state.json").unlink()
    assert store.last_checkpoint(first["id"]).name == f"checkpoint-{stop_at}"

    started = time.time()
    snap = runner.resume(first["id"]).wait(120)
    second_wall = time.time() - started
    assert snap["status"] == "finished", snap["error"]
    assert train_steps(snap) == list(range(1, snap["total_steps"] + 1))
    evaluated = [r["step"] for r in snap["history"] if "eval_loss" in r]
    assert len(evaluated) == len(set(evaluated)) == 3
    setup_notes = [n["message"] for n in snap["notes"] if n["kind"] == "setup"]
    assert len(setup_notes) == len(set(setup_notes)) > 0
    assert first_seconds < snap["metrics"]["train_seconds"] < first_seconds + second_wall
    assert snap["metrics"]["train_loss"] == pytest.approx(mean_train_loss(snap))       # over both segments
    assert store.load_state(first["id"]).snapshot()["history"] == snap["history"]     # the same after a replay


def test_finished_and_failed_runs_refuse_to_resume(runner):
    finished = runner.start(tiny_tabular(save_checkpoints=True, save_model=False)).wait(120)
    failed = runner.start(tiny_tabular(lr=1e12, optimizer="sgd", max_grad_norm=0.0, max_steps=30,
                                       eval_every=None, save_checkpoints=True)).wait(120)
    assert (finished["status"], failed["status"]) == ("finished", "failed")
    with pytest.raises(ValueError, match=f"Run {finished['id']} already finished; start a new run."):
        runner.resume(finished["id"])
    with pytest.raises(ValueError, match=r"failed \(Training diverged: .*\); fix and "
                                         r"start a new run\."):
        runner.resume(failed["id"])
    with pytest.raises(FileNotFoundError, match="There is no run 'nope'"):
        runner.resume("nope")


def test_cli_resume_explains_a_refusal(capsys):
    from workbench.cli import main
    from workbench.core.runner import get_runner

    snap = get_runner().start(tiny_tabular()).wait(120)
    assert main(["resume", snap["id"]]) == 2
    assert f"error: Run {snap['id']} already finished; start a new run." in capsys.readouterr().err


# ---------------------------------------------------------------- NaN outside the logged training loss


def test_nan_validation_loss_fails_as_divergence(runner, loss_hook):
    loss_hook["eval"] = lambda n: torch.tensor(float("nan"))
    snap = runner.start(tiny_tabular()).wait(120)
    assert snap["status"] == "failed"
    assert snap["error"] == "Training diverged: the validation loss became nan at step 3."
    assert "learning rate" in snap["hint"]


def test_nan_logits_in_the_final_predictions_fail_as_divergence(runner, monkeypatch, predicting):
    from workbench.core import models

    real_build = models.build_for_training

    def build_with_nan_head_when_predicting(*args, **kw):
        built = real_build(*args, **kw)
        built.module.head.register_forward_hook(
            lambda module, inputs, output: output * float("nan") if predicting.is_set() else None)
        return built

    monkeypatch.setattr(models, "build_for_training", build_with_nan_head_when_predicting)
    snap = runner.start(tiny_tabular()).wait(120)
    assert snap["status"] == "failed"
    assert snap["error"].startswith("Training diverged: the model's output (a logit) became nan")
    assert "learning rate" in snap["hint"]


def test_nan_after_the_last_logged_step_fails_as_divergence(runner, loss_hook):
    """Steps 5 and 6 are not logged (log_every 4): their NaN shows only in the run's mean training loss. The NaN
    loss is detached from the model, so the weights and the evaluations stay finite."""
    loss_hook["train"] = lambda n: torch.zeros((), requires_grad=True) * float("nan") if n > 4 else None
    snap = runner.start(tiny_tabular(log_every=4, eval_every=None)).wait(120)
    assert snap["status"] == "failed"
    assert snap["error"] == "Training diverged: the mean training loss became nan by step 6."
    assert train_steps(snap) == [1, 4]        # the first step is always logged (a live curve starts at once)


# ---------------------------------------------------------------- the worker


@pytest.mark.parametrize("error", [OSError(errno.ENOSPC, "No space left on device"),
                                   TypeError("not JSON-serialisable: Tensor")])
def test_a_failed_write_of_a_runs_end_does_not_stall_the_queue(runner, store, monkeypatch, error):
    real_append = store.append_event
    failed_once = []

    def append_event(run_id, event):
        if event.type == "finished" and not failed_once:
            failed_once.append(run_id)
            raise error
        real_append(run_id, event)

    monkeypatch.setattr(store, "append_event", append_event)
    first = runner.start(tiny_tabular())
    second = runner.start(tiny_tabular())
    assert second.wait(60)["status"] == "finished"
    assert first.done and first.snapshot()["status"] == "finished"        # in memory; the log missed its end
    assert failed_once == [first.id]


def test_finished_jobs_leave_the_runners_memory(runner):
    handle = runner.start(tiny_tabular())
    queued = runner.start(tiny_tabular())
    queued.stop()
    assert handle.wait(120)["status"] == "finished" and queued.wait(5)["status"] == "stopped"
    assert runner._jobs == {}
    assert runner.snapshot(handle.id)["status"] == "finished" and handle.snapshot()["status"] == "finished"
    assert {s["id"]: s["status"] for s in runner.list_runs()} == {handle.id: "finished", queued.id: "stopped"}


def test_runs_page_resumes_a_stopped_run():
    from streamlit.testing.v1 import AppTest

    from workbench.ui.common import runner
    from test_app import PAGES, no_exceptions, run_until_done

    def stop_at_step_two(event, snap):
        if event.type == "step" and snap["step"] == 2:
            runner().stop(snap["id"])

    stopped = runner().start(tiny_tabular(save_checkpoints=True), subscribers=[stop_at_step_two]).wait(120)
    assert stopped["status"] == "stopped" and stopped["step"] == 2
    at = no_exceptions(AppTest.from_file(str(PAGES / "runs.py"), default_timeout=60).run())
    at.selectbox(key="runs.one").select(stopped["id"]).run()
    at.button(key="runs.resume").click().run()
    assert at.session_state["watching"] == stopped["id"]
    run_until_done(at)
    snap = runner().snapshot(stopped["id"])
    assert snap["status"] == "finished" and snap["step"] == snap["total_steps"] == 6
