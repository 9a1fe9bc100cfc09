"""The notebook panels, driven as a user would: set values, click Start, wait, check the figure and status."""
import time

import pytest

from conftest import tiny_tabular


def wait_for(predicate, timeout=120):
    deadline = time.time() + timeout
    while not predicate() and time.time() < deadline:
        time.sleep(0.2)
    return predicate()


def test_training_panel_start_draws_curves(runner):
    from workbench.ui.widgets import TrainingPanel
    panel = TrainingPanel(tiny_tabular(max_steps=4), runner=runner)
    panel.option_widgets["max_steps"][1].value = "12"
    panel.option_widgets["log_every"][1].value = 2
    panel.start_button.click()
    assert panel.handle is not None and panel.stop_button.disabled is False
    assert wait_for(lambda: panel.handle.done)
    assert wait_for(lambda: "finished" in panel.status.value, 10)
    assert panel.points() >= 6 and panel.progress.value == 12
    assert "accuracy" in panel.metrics.value and panel.start_button.disabled is False


def test_training_panel_shows_a_bad_setting(runner):
    from workbench.ui.widgets import TrainingPanel
    panel = TrainingPanel(tiny_tabular(), runner=runner)
    panel.option_widgets["batch_size"][1].value = 0
    panel.start_button.click()
    assert panel.handle is None and "batch_size must be positive" in panel.status.value


def test_watch_a_run_started_from_code_and_reload_it(runner):
    from workbench.ui.widgets import TrainingPanel
    handle = runner.start(tiny_tabular(max_steps=10_000, epochs=1000, eval_every=None))
    panel = TrainingPanel.watch(handle, runner=runner)
    assert wait_for(lambda: panel.points() >= 2)
    panel.stop()
    assert wait_for(lambda: "stopped" in panel.status.value)
    again = TrainingPanel.from_run(handle.id, runner=runner)
    assert again.points() == panel.points() or again.points() >= 2


@pytest.fixture
def finished(runner):
    snap = runner.start(tiny_tabular(dataset="breast_cancer", max_steps=20)).wait(120)
    assert snap["status"] == "finished"
    return snap["id"]


def test_evaluation_panel_threshold_updates_the_matrix(runner, finished):
    from workbench.ui.widgets import EvaluationPanel
    panel = EvaluationPanel(finished, runner=runner)
    before = [list(r) for r in panel.matrix.data[0].z]
    panel.threshold.value = 0.99
    after = [list(r) for r in panel.matrix.data[0].z]
    assert before != after and "0.99" in panel.summary.value


def test_explain_panel_on_a_test_row(runner, finished):
    from workbench.ui.widgets import ExplainPanel
    panel = ExplainPanel(finished, runner=runner)
    result = panel.explain()
    assert result is not None and "overlap" in panel.result.value
    assert len(panel.shap_fig.data) == 1 and len(panel.lime_fig.data) == 1


def test_lesson_panel_switches_language_runs_and_reveals(runner):
    from workbench.ui.widgets import LessonPanel
    panel = LessonPanel("concept.2", quick=True, runner=runner)
    assert "scratch" in panel.text.value
    panel.lang.value = "zh"
    assert "从零" in panel.text.value and len(panel.guess.options) == 3
    assert "从 100 条增加到 1000 条" in panel.text.value, "the quiz prompt quotes the lesson's settings"
    panel.guess.value = "shrinks"
    panel.run_button.click()
    panel.wait(600)
    assert panel.job.status == "finished"
    assert "冒烟测试" in panel.result.value, "quick mode is a smoke run and says so"
    assert "你的猜测" in panel.result.value or "猜对" in panel.result.value
    assert panel.figures()
