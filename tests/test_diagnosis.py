"""Live diagnosis: each rule on a synthetic history that shows it, silence on a healthy one, and a real run."""
import json
import math

import pytest

from conftest import tiny_tabular
from workbench.core.diagnosis import (KINDS, Diagnoser, Thresholds, check_diverging, check_exploding_gradient,
                                 check_nan, check_overfitting, check_plateau, diagnose)


def train_rows(losses, first_step=1, grad_norms=None):
    grad_norms = grad_norms or [1.0 + 0.05 * (i % 3) for i in range(len(losses))]
    return [{"step": first_step + i, "epoch": 0.0, "train_loss": loss, "grad_norm": g, "learning_rate": 1e-3}
            for i, (loss, g) in enumerate(zip(losses, grad_norms))]


def with_evals(rows, eval_losses, every):
    """Insert an evaluation row after every `every`-th training row, as a run's history interleaves them."""
    out, evals = [], iter(eval_losses)
    for row in rows:
        out.append(row)
        if row["step"] % every == 0:
            loss = next(evals, None)
            if loss is not None:
                out.append({"step": row["step"], "epoch": 0.0, "eval_loss": loss, "eval_accuracy": 0.8})
    return out


def healthy():
    """Loss falling 3 % a log with a little batch noise, steady gradients, validation loss falling too."""
    losses = [2.0 * 0.97 ** i * (1.01 if i % 2 else 0.99) for i in range(60)]
    return with_evals(train_rows(losses), [1.5 * 0.9 ** k for k in range(12)], every=5)


def kinds(notes):
    return [n.kind for n in notes]


def test_a_healthy_run_gets_no_notes():
    rows = healthy()
    assert diagnose(rows) == []
    for rule in (check_nan, check_overfitting, check_diverging, check_plateau, check_exploding_gradient):
        assert rule(rows) is None, rule.__name__


def test_overfitting_needs_two_rising_evaluations_while_training_loss_falls():
    losses = [1.0 * 0.95 ** i for i in range(60)]
    rows = with_evals(train_rows(losses), [0.70, 0.60, 0.55, 0.58, 0.62, 0.66], every=10)
    notes = diagnose(rows)
    assert kinds(notes) == ["overfitting"]          # once, although the rise goes on at step 60
    assert notes[0].step == 50 and notes[0].values["eval_losses"] == [0.55, 0.58, 0.62]
    assert "early_stopping" in notes[0].advice and "weight decay" in notes[0].advice
    assert diagnose(rows, Thresholds(overfit_evals=4)) == []
    # The validation loss rising while the training loss rises too is not overfitting.
    rising_train = with_evals(train_rows([0.5 + 0.001 * i for i in range(50)]), [0.70, 0.71, 0.72, 0.73], every=10)
    assert "overfitting" not in kinds(diagnose(rising_train))


def test_diverging_when_the_loss_triples_from_its_minimum():
    rows = train_rows([1.0, 0.8, 0.6, 0.5, 0.4, 0.6, 1.0, 1.5, 2.2, 3.0, 4.0])
    notes = diagnose(rows)
    assert kinds(notes) == ["diverging"]
    assert notes[0].values["lowest"] == pytest.approx(0.5) and "learning rate" in notes[0].advice
    assert diagnose(rows, Thresholds(diverge_factor=10, rising_logs=20)) == []


def test_diverging_when_the_loss_rises_steadily():
    notes = diagnose(train_rows([0.6, 0.5, 0.45, 0.5, 0.6, 0.7, 0.8, 0.9]))
    assert kinds(notes) == ["diverging"] and notes[0].step == 8
    assert "rose at each of the last 5 logs" in notes[0].message


def test_nan_and_infinite_values():
    rows = train_rows([1.0, 0.9, float("nan")])
    notes = diagnose(rows)
    assert kinds(notes) == ["nan"] and notes[0].step == 3 and notes[0].values == {"key": "train_loss", "value": "nan"}
    inf_grad = train_rows([1.0, 0.9, 0.8], grad_norms=[1.0, math.inf, 1.0])
    assert check_nan(inf_grad[:2]).values["key"] == "grad_norm" and check_nan(inf_grad) is None


def test_plateau_after_the_loss_stops_improving():
    losses = [1.0 * 0.9 ** i for i in range(10)] + [0.35 + 0.001 * (i % 2) for i in range(20)]
    notes = diagnose(train_rows(losses))
    assert kinds(notes) == ["plateau"]
    # Flat from step 11; the 3-log smoothing settles at step 13, and 10 logs later there has been no gain.
    assert notes[0].step == 23
    assert "not improved" in notes[0].message and "raise the learning rate" in notes[0].advice
    assert diagnose(train_rows(losses), Thresholds(plateau_logs=25)) == []


def test_exploding_gradient_is_noted_per_episode():
    grads = [1.0 + 0.1 * (i % 3) for i in range(30)]
    grads[10] = grads[11] = 50.0    # one episode of two spikes
    grads[25] = 40.0                # a second episode after the norm has been normal for a while
    rows = train_rows([1.0 * 0.97 ** i for i in range(30)], grad_norms=grads)
    notes = diagnose(rows)
    assert kinds(notes) == ["exploding_gradient", "exploding_gradient"]
    assert [n.step for n in notes] == [11, 26] and notes[0].values["median"] == pytest.approx(1.1)
    assert diagnose(rows, Thresholds(explode_factor=100)) == []


def test_diagnoser_reports_a_kind_again_only_after_it_clears():
    diagnoser = Diagnoser(Thresholds(clear_after=2))
    spikes = [1.0] * 6 + [30.0, 1.0, 30.0, 1.0, 1.0, 30.0]
    new = [diagnoser.add(row) for row in train_rows([1.0 * 0.97 ** i for i in range(12)], grad_norms=spikes)]
    assert [i + 1 for i, notes in enumerate(new) if notes] == [7, 12]
    assert all(set(kinds(notes)) <= set(KINDS) for notes in new)


def test_huge_learning_rate_run_is_diagnosed_live_logged_and_reloaded(runner, store):
    from workbench.analysis.plots import fig_training_curves
    from workbench.ui.widgets import TrainingPanel

    seen = []
    handle = runner.start(tiny_tabular(lr=1e12, optimizer="sgd", max_grad_norm=0.0, max_steps=30, eval_every=None),
                          subscribers=[lambda event, snap: seen.append(event)])
    snap = handle.wait(120)
    assert snap["status"] == "failed"
    found = {d["kind"] for d in snap["diagnoses"]}
    assert found & {"diverging", "nan"}, snap["diagnoses"]
    assert all(d["advice"] and d["message"] for d in snap["diagnoses"])
    live = [e for e in seen if e.type == "diagnosed"]
    assert [(e.kind, e.step) for e in live] == [(d["kind"], d["step"]) for d in snap["diagnoses"]]
    logged = [json.loads(line) for line in (store.folder(handle.id) / "events.jsonl").read_text().splitlines()]
    assert [(e["kind"], e["step"]) for e in logged if e["type"] == "diagnosed"] == [(e.kind, e.step) for e in live]
    assert not any(e["type"] == "retried" for e in logged)        # a diverged run is not an out-of-memory one
    reloaded = store.load_state(handle.id).snapshot()
    assert reloaded["diagnoses"] == snap["diagnoses"]

    fig = fig_training_curves(snap["history"], diagnoses=snap["diagnoses"])
    marks = [t for t in fig.data if t.name == "diagnosis"]
    assert len(marks) == 1 and list(marks[0].x) == [d["step"] for d in snap["diagnoses"]]
    assert all("Try:" in text for text in marks[0].hovertext) and len(fig.layout.shapes) == len(snap["diagnoses"])

    panel = TrainingPanel.from_run(handle.id, runner=runner)
    assert any(d["kind"].replace("_", " ") in panel.diagnoses.value for d in snap["diagnoses"])
    assert "Try:" in panel.diagnoses.value


def test_curves_figure_without_notes_is_unchanged_and_several_runs_need_names():
    from workbench.analysis.plots import fig_training_curves

    rows = healthy()
    assert [t.name for t in fig_training_curves(rows, diagnoses=[]).data] == \
        [t.name for t in fig_training_curves(rows).data]
    note = {"step": 5, "kind": "plateau", "message": "m", "advice": "a"}
    with pytest.raises(ValueError, match="run name"):
        fig_training_curves({"a": rows, "b": rows}, diagnoses=[note])
    fig = fig_training_curves({"a": rows, "b": rows}, diagnoses={"b": [note]})
    assert [t.name for t in fig.data if "diagnosis" in t.name] == ["b · diagnosis"]


def test_streamlit_live_panel_lists_the_notes_with_advice():
    from streamlit.testing.v1 import AppTest

    from workbench.ui.common import runner

    snap = runner().start(tiny_tabular(lr=1e12, optimizer="sgd", max_grad_norm=0.0, max_steps=30,
                                       eval_every=None)).wait(120)
    assert snap["diagnoses"]

    def panel(run_id):
        from workbench.ui.common import live_panel
        live_panel(run_id, key="diagnosis")

    at = AppTest.from_function(panel, args=(snap["id"],), default_timeout=60).run()
    assert not at.exception, [e.value for e in at.exception]
    warnings = [w.value for w in at.warning]
    assert len(warnings) == len(snap["diagnoses"]) and all("**Try:**" in text for text in warnings)
    assert at.get("plotly_chart")


def test_thresholds_that_cannot_work_are_refused():
    from workbench.core.config import ConfigError

    with pytest.raises(ConfigError, match="overfit_evals"):
        Thresholds(overfit_evals=0)
    with pytest.raises(ConfigError, match="explode_factor .* above 1"):
        Thresholds(explode_factor=0.5)
    with pytest.raises(ConfigError, match="plateau_improvement"):
        Thresholds(plateau_improvement=5)


def test_a_spike_near_convergence_is_no_explosion():
    """Norms shrink as the loss nears zero; a hard batch back at the starting size is not an explosion."""
    grads = [2.0] * 10 + [0.2] * 20 + [3.0]
    rows = train_rows([1.0 * 0.9 ** i for i in range(len(grads))], grad_norms=grads)
    assert check_exploding_gradient(rows) is None
    grads[-1] = 25.0
    assert check_exploding_gradient(train_rows([0.1] * len(grads), grad_norms=grads)) is not None
