import json

import numpy as np
import pytest

from conftest import tiny_tabular
from workbench.core.config import ConfigError
from workbench.lab.lr_finder import find_lr
from workbench.analysis.plots import fig_lr_finder


def test_range_test_records_the_curve_and_suggests_a_rate_inside_the_range():
    from workbench.core.store import RunStore

    runs_before = RunStore().run_ids()
    result = find_lr(tiny_tabular(), start_lr=1e-5, end_lr=10.0, steps=40)
    n = len(result.lrs)
    assert 5 < n <= 40 and len(result.losses) == len(result.raw_losses) == n
    # the rates the optimizer used grow geometrically from start_lr to end_lr over the steps
    assert np.isclose(result.lrs[0], 1e-5) and np.allclose(np.diff(np.log(result.lrs)), np.log(10.0 / 1e-5) / 39)
    assert 1e-5 <= result.suggestion <= 10.0 and 1e-5 <= result.minimum_lr <= 10.0
    assert np.isclose(result.minimum_suggestion, result.minimum_lr / 10)
    assert np.isclose(result.losses[0], result.raw_losses[0])   # the bias-corrected average starts at the first loss
    # the steepest descent lies at or before the lowest smoothed loss
    assert result.suggestion <= result.minimum_lr and min(result.losses) < result.losses[0]
    assert RunStore().run_ids() == runs_before                # nothing saved as a run
    fig = fig_lr_finder(result)
    assert fig.layout.xaxis.type == "log" and len(fig.data) == 3
    assert fig.data[2].x[0] == result.suggestion


def test_range_test_stops_when_the_loss_diverges():
    result = find_lr(tiny_tabular(max_grad_norm=0.0), start_lr=1e-3, end_lr=1e4, steps=30, diverge=2.0)
    assert len(result.lrs) < 30 and "Stopped at step" in result.notes[0]
    assert result.losses[-1] > 2.0 * min(result.losses) or not np.isfinite(result.losses[-1])


@pytest.mark.parametrize("kwargs, words", [
    ({"start_lr": 1.0, "end_lr": 0.1}, "start_lr < end_lr"),
    ({"steps": 3}, "at least 5"),
    ({"smooth": 0.0}, "smooth must be"),
    ({"diverge": 1.0}, "diverge must be above 1"),
])
def test_bad_arguments_are_named(kwargs, words):
    with pytest.raises(ConfigError, match=words):
        find_lr(tiny_tabular(), **kwargs)


def test_cli_lr_find(capsys):
    from workbench.cli import main

    args = ["lr-find", "--dataset", "wine", "--model", "mlp", "--hidden-sizes", "16", "--steps", "20",
            "--start-lr", "1e-4"]
    assert main([*args, "--json"]) == 0
    out = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert 1e-4 <= out["suggestion"] <= 10 and 5 < out["steps"] <= 20
    assert main(args) == 0
    assert "suggested lr:" in capsys.readouterr().out
