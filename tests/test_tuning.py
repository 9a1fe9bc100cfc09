import json
import os
from pathlib import Path

import optuna
import pytest

from conftest import tiny_tabular
from workbench.core.config import ConfigError
from workbench.lab.tuning import best_summary, check_space, parse_space, study_figures, trials_table, tune

optuna.logging.set_verbosity(optuna.logging.WARNING)


def test_parse_space_reads_ranges_and_typed_choices():
    space = parse_space(["lr=log:1e-5:1e-3", "batch_size=8,16", "max-steps=int:2:6", "dropout=none,0.1",
                         "hidden_sizes=64,32|128", "strategy=full,frozen", "pretrained=true,false"])
    assert space == {"lr": ("log", 1e-5, 1e-3), "batch_size": [8, 16], "max_steps": ("int", 2, 6),
                     "dropout": [None, 0.1], "hidden_sizes": [(64, 32), (128,)], "strategy": ["full", "frozen"],
                     "pretrained": [True, False]}


@pytest.mark.parametrize("items, words", [
    (["learning_rate=1e-3,1e-2"], "Unknown option 'learning_rate'"),
    (["lr"], "name=spec"),
    (["lr=log:1e-5"], "log:LOW:HIGH"),
    (["batch_size=8,sixteen"], "'sixteen' is not a valid int"),
    (["lr=float:a:b"], "not numbers"),
])
def test_bad_space_text_is_named(items, words):
    with pytest.raises(ConfigError, match=words):
        parse_space(items)


@pytest.mark.parametrize("space, words", [
    ({}, "empty"),
    ({"batch_size": ("float", 8, 32)}, "whole numbers"),
    ({"lr": ("log", 0, 1)}, "low > 0"),
    ({"lr": ("float", 0.1, 0.01)}, "low < high"),
    ({"strategy": ("float", 0, 1)}, "list of choices"),
    ({"lr": [1e-3, -1.0]}, r"lr=-1.0: lr must be positive"),
    ({"optimizer": ["adamw", "lion"]}, "optimizer must be one of"),
])
def test_bad_space_fails_before_any_trial(space, words):
    with pytest.raises(ConfigError, match=words):
        check_space(space, tiny_tabular())


def test_grid_search_runs_real_trials_and_keeps_the_study_in_sqlite(runner, store, tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    space = {"lr": [1e-3, 0.05], "hidden_sizes": [(8,), (16,)]}
    first = tune(tiny_tabular(), space, sampler="grid", n_trials=3, storage=url, study_name="grid", prune=False,
                 runner=runner)
    assert len(first.trials) == 3
    study = tune(tiny_tabular(), space, sampler="grid", n_trials=10, storage=url, study_name="grid", prune=False,
                 runner=runner)      # loaded by name: runs the last grid point, then the grid stops the study
    table = trials_table(study)
    assert len(table) == 4 and set(table["state"]) == {"complete"}
    assert {(r.lr, r.hidden_sizes) for r in table.itertuples()} == {(a, b) for a in (1e-3, 0.05) for b in ("8", "16")}
    for row in table.itertuples():
        snap = runner.snapshot(row.run_id)
        assert snap["status"] == "finished" and snap["config"]["name"] == f"tune:grid:{row.trial}"
        assert row.value == snap["metrics"]["val"]["accuracy"] and row.seconds > 0
        assert snap["config"]["train"]["lr"] == row.lr
    best = best_summary(study)
    assert best["best_value"] == table["value"].max() and best["trials"] == {"complete": 4}
    figures = study_figures(study)
    assert set(figures) == {"history", "parallel", "importances"}
    assert len(figures["importances"].data) == 1 and not figures["importances"].layout.annotations

    reloaded = optuna.load_study(study_name="grid", storage=url)
    assert [t.params for t in reloaded.trials] == [t.params for t in study.trials]
    with pytest.raises(ConfigError, match="metric accuracy, not eval_loss"):
        tune(tiny_tabular(), space, metric="eval_loss", storage=url, study_name="grid", runner=runner)
    with pytest.raises(ConfigError, match="created with space"):
        tune(tiny_tabular(), {"lr": ("log", 1e-3, 1e-1)}, storage=url, study_name="grid", runner=runner)


def test_a_pruned_trial_stops_its_run(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    always = optuna.pruners.ThresholdPruner(lower=1.01)        # no accuracy reaches it: every trial is pruned
    study = tune(tiny_tabular(max_steps=40, eval_every=2), {"lr": ("log", 1e-3, 1e-1)}, n_trials=1, storage=url,
                 study_name="pruned", prune=always, runner=runner)
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.PRUNED and list(trial.intermediate_values) == [2]
    snap = runner.snapshot(trial.user_attrs["run_id"])
    assert snap["status"] == "stopped" and snap["step"] <= 3
    note = study_figures(study)["importances"].layout.annotations[0].text
    assert "at least 2 completed trials" in note and "has 0 and 0" in note


def test_a_failed_run_fails_its_trial_and_the_study_goes_on(runner, tmp_path):
    url = f"sqlite:///{tmp_path / 'studies.db'}"
    study = tune(tiny_tabular(), {"lr": [1e6]}, sampler="grid", storage=url, study_name="nan", prune=False,
                 runner=runner)     # lr 1e6 makes the loss NaN: the run fails as diverged
    trial = study.trials[0]
    assert trial.state == optuna.trial.TrialState.FAIL and "diverged" in trial.user_attrs["error"]
    assert best_summary(study)["best_value"] is None


def test_grid_needs_a_finite_grid():
    with pytest.raises(ConfigError, match="finite grid.*lr is a range"):
        tune(tiny_tabular(), {"lr": ("log", 1e-4, 1e-2), "batch_size": [8, 16]}, sampler="grid")


def test_cli_tune_prints_the_best_params_and_uses_the_default_storage(capsys):
    from workbench.cli import main

    args = ["tune", "--dataset", "wine", "--model", "mlp", "--max-steps", "3", "--eval-every", "3",
            "--no-save-checkpoints", "--hidden-sizes", "8", "--space", "lr=0.001,0.05", "--sampler", "grid",
            "--study", "cli-study"]
    assert main([*args, "--json", "--plots", str(Path(os.environ["WORKBENCH_HOME"]) / "plots")]) == 0
    best = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert [Path(p).name for p in best["plots"]] == ["history.html", "parallel.html", "importances.html"]
    assert all(Path(p).stat().st_size > 1000 for p in best["plots"])
    assert (Path(best["plots"][0]).parent / "plotly.min.js").exists()     # offline: no CDN
    assert best["study"] == "cli-study" and best["best_params"]["lr"] in (0.001, 0.05)
    assert best["trials"] == {"complete": 2}
    assert (Path(os.environ["WORKBENCH_HOME"]) / "studies.db").exists()
    assert main([*args[:-2], "--space", "lr=log:1e-4:1e-2"]) == 2
    assert "finite grid" in capsys.readouterr().err


def test_on_start_hears_of_every_trial_run_and_can_stop_it(runner, tmp_path):
    heard = []

    def stop_at_once(label, handle):
        heard.append((label, handle.id))
        handle.stop()

    study = tune(tiny_tabular(max_steps=400), {"lr": [1e-3, 1e-2]}, sampler="grid", n_trials=2, prune=False,
                 storage=f"sqlite:///{tmp_path / 'studies.db'}", study_name="stopped", runner=runner,
                 on_start=stop_at_once)
    assert [label for label, _ in heard] == ["trial 0", "trial 1"]
    assert [t.user_attrs["run_id"] for t in study.trials] == [run_id for _, run_id in heard]
    assert all(runner.snapshot(run_id)["status"] == "stopped" for _, run_id in heard)
    assert all(t.state == optuna.trial.TrialState.FAIL for t in study.trials)


@pytest.mark.parametrize("url, words", [
    ("bogus://x", "Cannot open the Optuna storage 'bogus://x'"),
    ("sqlite:////no/such/folder/studies.db", "unable to open database file"),
])
def test_a_bad_storage_url_is_a_config_error(url, words):
    from workbench.lab.tuning import open_storage
    with pytest.raises(ConfigError, match=words.replace("(", "\\(")):
        open_storage(url)


def test_open_storage_takes_a_sqlite_url(tmp_path):
    from workbench.lab.tuning import open_storage
    storage = open_storage(f"sqlite:///{tmp_path / 'studies.db'}")
    assert isinstance(storage, optuna.storages.RDBStorage) and (tmp_path / "studies.db").exists()
    in_memory = optuna.storages.InMemoryStorage()
    assert open_storage(in_memory) is in_memory


def test_a_missing_database_driver_names_the_package():
    import importlib.util
    if importlib.util.find_spec("psycopg2"):
        pytest.skip("psycopg2 is installed here")
    from workbench.lab.tuning import open_storage
    with pytest.raises(ConfigError, match="psycopg2.*pip install -r requirements-postgres.txt"):
        open_storage("postgresql+psycopg2://user:pw@localhost/db")
