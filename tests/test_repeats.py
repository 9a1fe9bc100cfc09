import json
import re

import numpy as np
import pytest

from conftest import tiny_tabular
from workbench.plots import fig_band
from workbench.repeats import cross_validate, repeat_seeds, within_noise


def test_cross_validation_runs_one_fold_each_and_scores_validation(runner):
    result = cross_validate(tiny_tabular(), folds=3, runner=runner)
    assert [s["status"] for s in result.snapshots] == ["finished"] * 3
    assert [s["config"]["data"]["cv_fold"] for s in result.snapshots] == [0, 1, 2]
    assert {s["config"]["data"]["cv_folds"] for s in result.snapshots} == {3}
    assert result.split == "val"
    table = result.table()
    assert list(table["fold"]) == ["0", "1", "2"] and table["run_id"].is_unique
    assert np.allclose(table["accuracy"], [s["metrics"]["val"]["accuracy"] for s in result.snapshots])
    summary = result.summary("accuracy")
    assert summary["n"] == 3 and summary["min"] <= summary["mean"] <= summary["max"]
    assert np.isclose(summary["std"], np.std(table["accuracy"], ddof=1))
    assert re.fullmatch(r"\d\.\d{3} ± \d\.\d{3} \(n=3\)", summary["text"])
    band = result.band("eval_loss")
    assert list(band["step"]) == [3, 6] and list(band["n"]) == [3, 3]
    assert (band["lower"] <= band["mean"]).all() and (band["mean"] <= band["upper"]).all()


def test_seed_repeats_score_the_test_split_and_draw_bands(runner):
    fast = repeat_seeds(tiny_tabular(lr=0.05), seeds=(0, 1), runner=runner)
    assert fast.split == "test"
    assert [s["config"]["train"]["seed"] for s in fast.snapshots] == [0, 1]
    assert np.allclose(fast.scores("accuracy"), [s["metrics"]["test"]["accuracy"] for s in fast.snapshots])
    slow = repeat_seeds(tiny_tabular(lr=1e-4), seeds=(0, 1), runner=runner)
    verdict = within_noise(slow, fast)
    assert "seed-to-seed" in verdict.sentence and verdict.p_value is not None
    fig = fig_band({"lr 1e-4": slow.band("train_loss"), "lr 0.05": fast.band("train_loss")}, "train_loss")
    assert len(fig.data) == 4 and fig.data[0].fill == "toself" and fig.data[1].name == "lr 1e-4"
    with pytest.raises(ValueError, match="lacks column"):
        fig_band({"bad": fast.table()}, "train_loss")


def test_within_noise_tells_clear_differences_from_overlap():
    clear = within_noise([0.80, 0.81, 0.79, 0.80], [0.90, 0.91, 0.89, 0.90], names=("base", "lora"))
    assert not clear.within_noise and np.isclose(clear.difference, 0.10) and clear.p_value < 0.001
    assert clear.sentence.startswith("lora is 0.100 above base") and "more than" in clear.sentence
    overlap = within_noise([0.80, 0.83, 0.78, 0.81], [0.81, 0.79, 0.84, 0.80])
    assert overlap.within_noise and overlap.p_value > 0.5 and "noise" in overlap.sentence
    assert f"±{overlap.spread:.3f}" in overlap.sentence
    one_run = within_noise([0.80, 0.82, 0.81], [0.70])
    assert one_run.p_value is None and not one_run.within_noise and "below" in one_run.sentence
    # Beyond the spread but with too few runs to be significant: still called noise, and the sentence says why.
    few = within_noise([0.80, 0.86], [0.88, 0.95])
    assert few.within_noise and "not significant" in few.sentence
    with pytest.raises(ValueError, match="at least two runs"):
        within_noise([0.8], [0.9])


def test_cli_cv_and_repeat_print_mean_and_spread(capsys):
    from workbench.cli import main

    tiny = ["--dataset", "wine", "--model", "mlp", "--max-steps", "4", "--eval-every", "2", "--no-save-checkpoints",
            "--hidden-sizes", "16"]
    assert main(["cv", "--folds", "2", *tiny, "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert out["kind"] == "folds" and len(out["runs"]) == 2 and out["summary"]["accuracy"]["n"] == 2
    assert main(["repeat", "--seeds", "3,4", *tiny]) == 0
    text = capsys.readouterr().out
    assert re.search(r"accuracy \(test\): \d\.\d{3} ± \d\.\d{3} \(n=2\)", text)
    assert main(["cv", "--folds", "1", *tiny]) == 2
    assert "at least 2 folds" in capsys.readouterr().err
