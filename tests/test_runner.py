import json
import subprocess
import sys
import threading

import numpy as np
import pytest

from conftest import tiny_tabular
from workbench.core.config import ConfigError
from workbench.core.datasets import DatasetError


def test_event_sequence_of_a_finished_run(runner, store):
    seen = []
    handle = runner.start(tiny_tabular(), subscribers=[lambda event, snap: seen.append(event.type)])
    snap = handle.wait(120)
    assert snap["status"] == "finished", snap["error"]
    assert seen[:2] == ["queued", "started"] and seen[-1] == "finished"
    assert seen.count("step") == 6 and seen.count("evaluated") == 2
    logged = [e["type"] for e in map(json.loads, (store.folder(handle.id) / "events.jsonl").read_text().splitlines())]
    assert logged == seen
    steps = [r for r in snap["history"] if "train_loss" in r]
    assert [r["step"] for r in steps] == [1, 2, 3, 4, 5, 6]
    assert all(np.isfinite(r["train_loss"]) and "learning_rate" in r for r in steps)
    assert 0 <= snap["metrics"]["test"]["accuracy"] <= 1
    assert snap["step"] == snap["total_steps"] == 6


def test_finished_run_saves_everything_needed_to_reload(runner, store):
    from workbench.core.predict import load_predictor
    from workbench.core.datasets import load_dataset

    handle = runner.start(tiny_tabular())
    assert handle.wait(120)["status"] == "finished"
    folder = store.folder(handle.id)
    for name in ("config.json", "events.jsonl", "metrics.json", "predictions_test.npz", "predictions_val.npz",
                 "model/model.safetensors", "model/workbench_model.json"):
        assert (folder / name).exists(), name
    preds = store.load_predictions(handle.id, "test")
    assert preds["probs"].shape == (len(preds["labels"]), 3) and np.allclose(preds["probs"].sum(1), 1, atol=1e-4)
    predictor = load_predictor(handle.id, store)
    wine = load_dataset("wine")
    test_rows = wine.x[np.isin(wine.ids, preds["ids"])]
    assert np.allclose(predictor.predict_proba(test_rows), preds["probs"], atol=1e-4)


def test_stop_takes_effect_within_one_step(runner):
    stepped = threading.Event()
    steps_at_stop = []

    def on_event(event, snap):
        if event.type == "step" and not stepped.is_set():
            steps_at_stop.append(snap["step"])
            runner.stop(snap["id"])
            stepped.set()
    handle = runner.start(tiny_tabular(max_steps=10_000, eval_every=None, epochs=1000), subscribers=[on_event])
    snap = handle.wait(120)
    assert snap["status"] == "stopped"
    assert snap["step"] == steps_at_stop[0]      # the stop came while that step was logged: no step after it


def test_nan_loss_fails_with_a_message_and_the_runner_keeps_serving(runner):
    bad = runner.start(tiny_tabular(lr=1e12, optimizer="sgd", max_grad_norm=0.0, max_steps=30, eval_every=None))
    snap = bad.wait(120)
    assert snap["status"] == "failed"
    assert "diverged" in snap["error"] and "learning rate" in snap["hint"]
    good = runner.start(tiny_tabular())
    assert good.wait(120)["status"] == "finished"


def test_runs_queue_one_at_a_time(runner):
    first = runner.start(tiny_tabular(max_steps=40, eval_every=None))
    second = runner.start(tiny_tabular())
    assert second.snapshot()["status"] == "queued" and second.snapshot()["queue_position"] >= 1
    third = runner.start(tiny_tabular())
    third.stop()
    assert third.wait(5)["status"] == "stopped"
    assert first.wait(120)["status"] == "finished" and second.wait(120)["status"] == "finished"


def test_bad_input_fails_before_anything_is_written(runner, store):
    with pytest.raises(ConfigError, match="lr must be positive"):
        runner.start(tiny_tabular(lr=-1.0))
    with pytest.raises(DatasetError, match="Unknown dataset"):
        runner.start(tiny_tabular(dataset="nope"))
    with pytest.raises(ConfigError, match="pick 'mlp'"):
        runner.start(tiny_tabular(model="minilm"))
    assert store.run_ids() == []


def test_dead_owner_shows_interrupted_and_resumes_from_checkpoint(runner, store):
    handle = runner.start(tiny_tabular(max_steps=None, epochs=2, eval_every=None, save_checkpoints=True))
    assert handle.wait(120)["status"] == "finished"
    # Make the run look cut off: drop its terminal event and give it an owner process that has exited.
    events_log = store.folder(handle.id) / "events.jsonl"
    lines = events_log.read_text().splitlines()
    events_log.write_text("\n".join(lines[:-1]) + "\n")
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    owner = store.folder(handle.id) / "owner.json"
    owner.write_text(json.dumps({**json.loads(owner.read_text()), "pid": int(dead.stdout)}))
    from workbench.core.runner import Runner
    fresh = Runner(store)                      # a restarted process
    listed = {s["id"]: s for s in fresh.list_runs()}
    assert listed[handle.id]["status"] == "interrupted"
    resumed = fresh.resume(handle.id)
    snap = resumed.wait(120)
    assert snap["status"] == "finished" and snap["step"] == snap["total_steps"]
    # The second epoch ran twice (before the "crash" and after the resume) but shows once.
    assert [r["step"] for r in snap["history"] if "train_loss" in r] == list(range(1, snap["total_steps"] + 1))
    assert [r["step"] for r in snap["history"] if "eval_loss" in r] == [snap["total_steps"] // 2, snap["total_steps"]]
    setup_notes = [n["message"] for n in snap["notes"] if n["kind"] == "setup"]
    assert len(setup_notes) == len(set(setup_notes))


def test_text_run_with_a_local_model_folder(runner, tiny_text_model):
    cfg = tiny_tabular(dataset="rotten_tomatoes", model=tiny_text_model, max_train_samples=64, max_steps=4,
                       batch_size=16, max_length=32, eval_every=None, precision="fp32")
    snap = runner.start(cfg).wait(180)
    assert snap["status"] == "finished", snap["error"]
    assert snap["dataset"]["kind"] == "text" and snap["precision"] == "fp32"
    # Saved predictions must belong to the rows they are stored with (length-grouped evaluation once broke this).
    from workbench.core.datasets import load_dataset
    from workbench.core.predict import load_predictor
    saved = runner.store.load_predictions(snap["id"], "test")
    texts = load_dataset("rotten_tomatoes").take(saved["ids"]).x
    fresh = load_predictor(snap["id"], runner.store).predict_proba(texts)
    spread = np.ptp(saved["probs"][:, 1])
    assert spread > 1e-6                                   # rows differ, so a shuffled order would show
    assert np.abs(fresh - saved["probs"]).max() < spread / 20


@pytest.mark.parametrize("strategy", ["gradual", "discriminative", "lora", "last_n"])
def test_every_strategy_trains(runner, strategy):
    snap = runner.start(tiny_tabular(strategy=strategy, hidden_sizes=(16, 8), max_steps=8)).wait(120)
    assert snap["status"] == "finished", snap["error"]
    assert snap["parameters"]["trainable"] > 0


@pytest.mark.parametrize("options", [
    {"optimizer": "sgd_momentum", "schedule": "cosine", "warmup_ratio": 0.3},
    {"optimizer": "rmsprop", "schedule": "step", "loss": "focal", "class_weights": True},
    {"optimizer": "adadelta", "lr": 1.0, "schedule": "exponential", "sampling": "oversample"},
    {"optimizer": "adam", "label_smoothing": 0.1, "sampling": "undersample", "grad_accum": 2},
    {"early_stopping": 1, "eval_every": 1, "max_steps": 50, "lr": 1e-9, "dropout": 0.3},
])
def test_training_options_run(runner, options):
    snap = runner.start(tiny_tabular(**options)).wait(120)
    assert snap["status"] == "finished", snap["error"]
    if options.get("early_stopping"):
        assert snap["step"] < 50  # no improvement at a tiny LR: stopped early


def test_predictors_across_training_and_explanations(runner):
    from workbench.analysis.explain import explain_across_checkpoints
    from workbench.core.predict import predictors_across_training

    cfg = tiny_tabular(dataset="breast_cancer", max_steps=None, epochs=3, eval_every=None, save_checkpoints=True)
    handle = runner.start(cfg)
    assert handle.wait(120)["status"] == "finished"
    stages = predictors_across_training(handle.id, runner.store)
    names = list(stages)
    # Two checkpoints are kept; the last epoch's, a copy of model/, is deleted once the run has finished.
    epoch_steps = handle.snapshot()["total_steps"] // 3
    assert names == ["before fine-tuning", f"step {2 * epoch_steps}", "final"]
    row = stages["final"].background[0]
    probs = [stages[n].predict_proba([row])[0] for n in names]
    assert not np.allclose(probs[0], probs[-1])          # training changed the model
    explained = explain_across_checkpoints(stages, row, method="shap")
    assert list(explained) == names and len({e.target for e in explained.values()}) == 1


def test_final_checkpoint_kept_only_when_the_model_is_not_saved(runner, store):
    cfg = tiny_tabular(max_steps=None, epochs=2, eval_every=None, save_checkpoints=True)
    saved = runner.start(cfg).wait(120)
    unsaved = runner.start(cfg.replace(save_model=False)).wait(120)
    assert saved["status"] == unsaved["status"] == "finished"
    total = saved["total_steps"]

    def checkpoint_steps(snap):
        return sorted(int(p.name.split("-")[-1]) for p in store.checkpoints_folder(snap["id"]).glob("checkpoint-*"))

    assert checkpoint_steps(saved) == [total // 2]             # the last one is a copy of model/: deleted
    assert checkpoint_steps(unsaved) == [total // 2, total]    # there the last checkpoint is the only final copy


@pytest.fixture
def memory_limit(monkeypatch):
    """Training steps on more than `limit["examples"]` examples raise a real torch.OutOfMemoryError, as a GPU with
    too little memory would; evaluation (no gradients) is spared. The model still trains for real after it."""
    import torch
    from workbench.core import training

    limit = {"examples": 8}
    real_make_loss = training.make_loss

    def make_loss_with_a_memory_limit(train, weights):
        loss_fn = real_make_loss(train, weights)

        def loss(outputs, labels, num_items_in_batch=None):
            if torch.is_grad_enabled() and len(labels) > limit["examples"]:
                raise torch.OutOfMemoryError(f"CUDA out of memory. Tried to allocate a batch of {len(labels)}.")
            return loss_fn(outputs, labels, num_items_in_batch)
        return loss

    monkeypatch.setattr(training, "make_loss", make_loss_with_a_memory_limit)
    return limit


def test_out_of_memory_retries_with_half_the_batch_and_the_same_effective_batch(runner, store, memory_limit):
    handle = runner.start(tiny_tabular(batch_size=32, grad_accum=1))
    snap = handle.wait(120)
    assert snap["status"] == "finished", snap["error"]
    assert (snap["config"]["train"]["batch_size"], snap["config"]["train"]["grad_accum"]) == (8, 4)
    stored = json.loads((store.folder(handle.id) / "config.json").read_text())["train"]
    assert (stored["batch_size"], stored["grad_accum"]) == (8, 4)
    events = [json.loads(line) for line in (store.folder(handle.id) / "events.jsonl").read_text().splitlines()]
    retried = [e for e in events if e["type"] == "retried"]
    assert [(e["config"]["train"]["batch_size"], e["config"]["train"]["grad_accum"]) for e in retried] == \
        [(16, 2), (8, 4)]
    assert "out of memory" in retried[0]["reason"].lower()
    retry_notes = [n["message"] for n in snap["notes"] if n["kind"] == "retry"]
    assert len(retry_notes) == 2 and "effective batch 32" in retry_notes[-1]
    assert [r["step"] for r in snap["history"] if "train_loss" in r] == [1, 2, 3, 4, 5, 6]   # the last attempt only
    assert 0 <= snap["metrics"]["test"]["accuracy"] <= 1
    assert store.load_state(handle.id).snapshot()["config"]["train"]["batch_size"] == 8


def test_out_of_memory_gives_up_after_three_retries(runner, memory_limit):
    from workbench.core.runner import MAX_OOM_RETRIES, halved_batch

    memory_limit["examples"] = 0
    snap = runner.start(tiny_tabular(batch_size=16)).wait(120)
    assert snap["status"] == "failed" and "Out of memory" in snap["error"] and "batch_size" in snap["hint"]
    assert len([n for n in snap["notes"] if n["kind"] == "retry"]) == MAX_OOM_RETRIES == 3
    assert snap["config"]["train"]["batch_size"] == 2 and snap["config"]["train"]["grad_accum"] == 8
    assert halved_batch(tiny_tabular(batch_size=1)) is None


def test_gradient_accumulation_trains_like_the_larger_batch(runner):
    """Two micro-batches of 8 hold the same 16 examples as one batch of 16: the same losses at every step (the
    out-of-memory retry relies on it)."""
    losses = lambda snap: [r["train_loss"] for r in snap["history"] if "train_loss" in r]  # noqa: E731
    whole = runner.start(tiny_tabular(batch_size=16, max_steps=3, eval_every=None)).wait(120)
    accumulated = runner.start(tiny_tabular(batch_size=8, grad_accum=2, max_steps=3, eval_every=None)).wait(120)
    assert len(losses(whole)) == 3
    assert losses(accumulated) == pytest.approx(losses(whole), rel=1e-3)   # float summation order differs


def test_which_errors_count_as_out_of_memory():
    import torch
    from workbench.core.runner import is_out_of_memory

    assert is_out_of_memory(torch.OutOfMemoryError("CUDA out of memory. Tried to allocate 2.00 GiB"))
    assert is_out_of_memory(RuntimeError("[enforce fail at alloc_cpu.cpp:119] DefaultCPUAllocator: can't allocate "
                                         "memory: you tried to allocate 4294967296 bytes."))
    assert is_out_of_memory(MemoryError())
    assert not is_out_of_memory(RuntimeError("mat1 and mat2 shapes cannot be multiplied (4x3 and 5x2)"))
    assert not is_out_of_memory(ValueError("out of memory"))


def test_same_seed_same_run(runner):
    """The head is initialised after seeding, so two runs with one seed log identical losses."""
    first = runner.start(tiny_tabular(seed=3)).wait(120)
    second = runner.start(tiny_tabular(seed=3)).wait(120)
    other = runner.start(tiny_tabular(seed=4)).wait(120)
    losses = lambda snap: [r["train_loss"] for r in snap["history"] if "train_loss" in r]
    assert losses(first) == losses(second)
    assert losses(first) != losses(other)
