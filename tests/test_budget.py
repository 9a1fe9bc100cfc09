import pytest
import torch

from conftest import tiny_tabular
from workbench.core.budget import AUTO_MAX_EPOCHS, AUTO_MIN_STEPS, AUTO_PATIENCE, effective_train, resolve_budget
from workbench.core.callbacks import KeepBestWeights
from workbench.core.config import RunConfig, TrainConfig
from workbench.core.training import planned_steps


def test_a_large_training_set_gets_one_epoch():
    budget = resolve_budget(TrainConfig(), 16 * AUTO_MIN_STEPS)
    assert (budget.epochs, budget.early_stopping, budget.auto) == (1.0, 0, True)
    assert "1 epoch" in budget.reason


def test_a_small_training_set_gets_enough_epochs_for_the_minimum_steps_with_early_stopping():
    budget = resolve_budget(TrainConfig(), 600)            # 38 steps an epoch at batch 16
    assert budget.epochs == 7 and 7 * 38 >= AUTO_MIN_STEPS > 6 * 38
    assert budget.early_stopping == AUTO_PATIENCE and budget.auto
    assert "600 training examples" in budget.reason and "best" in budget.reason
    assert planned_steps(600, TrainConfig()) == 7 * 38


def test_a_tiny_set_is_capped_and_a_chosen_patience_is_kept():
    budget = resolve_budget(TrainConfig(early_stopping=5), 40)
    assert budget.epochs == AUTO_MAX_EPOCHS and budget.early_stopping == 5
    assert "the most it runs" in budget.reason


def test_larger_batches_accumulation_and_processes_mean_fewer_steps_an_epoch_so_more_epochs():
    assert resolve_budget(TrainConfig(batch_size=32), 2000).epochs == 4     # 63 steps an epoch
    assert resolve_budget(TrainConfig(grad_accum=2), 2000).epochs == 4
    assert resolve_budget(TrainConfig(), 2000, processes=2).epochs == 4
    assert resolve_budget(TrainConfig(), 2000).epochs == 2                  # 125 steps an epoch


@pytest.mark.parametrize("explicit", [{"epochs": 1.0}, {"epochs": 0.5}, {"max_steps": 7}])
def test_an_explicit_epochs_or_max_steps_always_wins(explicit):
    train = TrainConfig(**explicit)
    budget = resolve_budget(train, 100)
    assert not budget.auto and budget.early_stopping == 0
    assert effective_train(train, 100).epochs == (explicit.get("epochs") or 1.0)
    assert planned_steps(100, train) == (7 if "max_steps" in explicit else (7 if explicit["epochs"] == 1 else 4))


def test_the_config_accepts_no_epochs_and_rejects_a_non_positive_one():
    from workbench.core.config import ConfigError

    RunConfig.from_flat(epochs=None).validate()
    with pytest.raises(ConfigError, match="epochs must be positive"):
        RunConfig.from_flat(epochs=0).validate()


def test_keep_best_weights_puts_back_the_lowest_validation_losss_weights():
    class State:
        global_step = 0

    model, state, keeper = torch.nn.Linear(2, 1), State(), KeepBestWeights()
    for step, (loss, value) in enumerate([(0.9, 1.0), (0.5, 2.0), (0.50005, 3.0), (0.7, 4.0)], start=1):
        torch.nn.init.constant_(model.weight, value)
        state.global_step = step
        keeper.on_evaluate(None, state, None, metrics={"eval_loss": loss}, model=model)
    assert keeper.restore(model, last_step=4) == {"step": 2, "eval_loss": 0.5, "last_step": 4}
    assert torch.all(model.weight == 2.0)     # step 2; step 3 was not better by the threshold


def test_keep_best_weights_leaves_the_last_weights_when_they_are_the_best():
    class State:
        global_step = 3

    model, keeper = torch.nn.Linear(2, 1), KeepBestWeights()
    keeper.on_evaluate(None, State(), None, metrics={"eval_loss": 0.2}, model=model)
    assert keeper.restore(model, last_step=3) is None


def test_a_run_without_a_budget_chooses_one_from_its_data_says_so_and_plans_it(runner):
    from workbench.lab.planning import plan_run

    cfg = tiny_tabular(max_steps=None, eval_every=None)   # wine: 8 steps an epoch, so the most epochs
    plan = plan_run(cfg)
    assert plan["budget_auto"] and plan["epochs"] == AUTO_MAX_EPOCHS
    assert plan["total_steps"] == AUTO_MAX_EPOCHS * 8
    snap = runner.start(cfg).wait()
    assert snap["status"] == "finished", snap["error"]
    assert snap["metrics"]["epochs"] == AUTO_MAX_EPOCHS and snap["metrics"]["budget_auto"]
    assert any("chosen from the data" in note["message"] for note in snap["notes"])
    if "restored_best" in snap["metrics"]:
        restored = snap["metrics"]["restored_best"]
        assert restored["step"] < restored["last_step"] == snap["metrics"]["steps"]
        assert any(note["kind"] == "best_weights" for note in snap["notes"])
