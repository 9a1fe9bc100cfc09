import json
import re

import numpy as np
import pandas as pd
import pytest

from conftest import tiny_tabular
from workbench.analysis.plots import fig_band
from workbench.analysis.stats import compare_paired, t_half_widths, t_interval
from workbench.lab.repeats import cross_validate, repeat_seeds


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
    t_95_two_df = 4.302652729911275                                      # 95 % CI of a mean of three runs
    assert np.allclose(band["upper"] - band["mean"], t_95_two_df * band["std"] / np.sqrt(3))


def test_seed_repeats_score_the_test_split_and_draw_bands(runner):
    fast = repeat_seeds(tiny_tabular(lr=0.05), seeds=(0, 1), runner=runner)
    assert fast.split == "test"
    assert [s["config"]["train"]["seed"] for s in fast.snapshots] == [0, 1]
    assert np.allclose(fast.scores("accuracy"), [s["metrics"]["test"]["accuracy"] for s in fast.snapshots])
    slow = repeat_seeds(tiny_tabular(lr=1e-4), seeds=(0, 1), runner=runner)
    verdict = compare_paired(slow, fast)
    assert verdict.n_pairs == 2 and "paired over 2 seeds" in verdict.sentence
    shuffled = type(fast)("seeds", fast.labels[::-1], fast.snapshots[::-1])    # pairs follow the seeds, not the order
    assert compare_paired(slow, shuffled).difference == pytest.approx(verdict.difference)
    fig = fig_band({"lr 1e-4": slow.band("train_loss"), "lr 0.05": fast.band("train_loss")}, "train_loss")
    assert len(fig.data) == 4 and fig.data[0].fill == "toself" and fig.data[1].name == "lr 1e-4"
    with pytest.raises(ValueError, match="lacks column"):
        fig_band({"bad": fast.table()}, "train_loss")


def test_identical_seeds_cannot_tell_and_a_consistent_small_shift_has_a_winner():
    same = compare_paired([0.80, 0.83, 0.78], [0.80, 0.83, 0.78])
    assert same.winner is None and same.tie and same.difference == 0 and "cannot tell" in same.sentence
    shifted = compare_paired([0.80, 0.83, 0.78, 0.81], [0.805, 0.835, 0.785, 0.815], names=("base", "lora"))
    assert shifted.winner == "b" and np.isclose(shifted.difference, 0.005) and shifted.ci_low > 0
    assert shifted.sentence.startswith("lora is 0.005 above base") and "lora is better" in shifted.sentence
    lower_wins = compare_paired([0.50, 0.40, 0.45], [0.60, 0.50, 0.56], "eval_loss", higher_is_better=False)
    assert lower_wins.winner == "a"


def test_pairing_by_seed_detects_a_shift_that_unpaired_spread_hides():
    from scipy import stats

    a, b = [0.70, 0.80, 0.75, 0.85, 0.65], [0.72, 0.83, 0.77, 0.87, 0.68]   # seeds vary a lot, B always ahead
    assert stats.ttest_ind(b, a, equal_var=False).pvalue > 0.5           # unpaired: hopelessly inside the noise
    verdict = compare_paired(a, b)
    assert verdict.winner == "b" and verdict.n_pairs == 5 and 0 < verdict.ci_low < verdict.difference
    assert compare_paired(a, list(reversed(b))).winner is None            # the same values, paired wrongly


def test_noisy_differences_and_single_pairs_cannot_tell():
    overlap = compare_paired([0.80, 0.83, 0.78, 0.81], [0.81, 0.79, 0.84, 0.80])
    assert overlap.winner is None and overlap.ci_low < 0 < overlap.ci_high and "contains 0" in overlap.sentence
    one_pair = compare_paired([0.80], [0.95])
    assert one_pair.winner is None and one_pair.n_pairs == 1 and "one seed only" in one_pair.sentence
    assert one_pair.to_dict()["ci_low"] is None
    missing = compare_paired([0.80, None, 0.82], [0.85, 0.90, 0.86])      # the seed with no value drops out
    assert missing.n_pairs == 2


def test_interval_helpers():
    low, high = t_interval([1.0, 2.0, 3.0])
    assert np.isclose(high - 2.0, 4.302652729911275 * 1.0 / np.sqrt(3)) and np.isclose(2.0 - low, high - 2.0)
    assert list(t_half_widths([1.0, 1.0], [1, 4])) == [0.0, pytest.approx(3.182446305284263 / 2)]
    with pytest.raises(ValueError, match="at least two"):
        t_interval([1.0])


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


def test_one_run_against_a_baseline_needs_an_interval_that_excludes_it():
    from workbench.lab.experiments import compare_sentence
    from workbench.analysis.stats import wilson_interval

    low, high = wilson_interval(0.575, 120)                    # notebook 01's quick run: 6 steps, 120 test reviews
    assert low < 0.5 < high                                     # ... inside the noise of a coin-flip baseline
    assert wilson_interval(0.9, 400)[0] > 0.85 and wilson_interval(1.0, 10)[1] == pytest.approx(1.0)
    table = pd.DataFrame({"accuracy": [0.575, 0.55, 0.95], "test_examples": [120, 120, 400],
                          "balanced_accuracy": [0.6, 0.5, 0.9]}, index=["a", "b", "c"])
    assert "the intervals overlap, so one run each cannot tell them apart" in compare_sentence(table, "a", "b")
    assert compare_sentence(table, "a", "c").endswith("the intervals do not overlap, so c is ahead.")
    assert "cannot tell" in compare_sentence(table, "a", "c", "balanced_accuracy")
