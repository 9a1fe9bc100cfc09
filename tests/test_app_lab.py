"""The Lab page under AppTest: every tab renders, a two-trial search and seed repeats finish in the background and
show their tables, data quality finds the leaked rows, and QA / translation say offline that they need the hub."""
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from conftest import tiny_tabular

PAGE = Path(__file__).resolve().parents[1] / "workbench" / "ui" / "views" / "lab.py"
TABS = ["Search", "Repeats & CV", "LR finder", "Data quality", "Deploy", "Applications"]


def no_exceptions(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def lab(small: bool = True, **data_options) -> AppTest:
    """The Lab page on the wine table with the MLP, in small-runs mode (runs of about a second)."""
    at = AppTest.from_file(str(PAGE), default_timeout=60)
    at.session_state["data_options"] = {"dataset": "wine", "model": "mlp", **data_options}
    at = no_exceptions(at.run())
    if small:
        at.toggle(key="lab.small").set_value(True).run()
    return no_exceptions(at)


def wait_for(at: AppTest, done, timeout: float = 120) -> AppTest:
    """Re-run the page (as the polling fragment would) until `done(at)` holds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        at = no_exceptions(at.run())
        if done(at):
            return at
        time.sleep(0.5)
    raise AssertionError(f"not done within {timeout} s; info: {[i.value for i in at.info]}")


def tables_with(at: AppTest, column: str) -> list:
    """The shown tables that have `column` (AppTest does not expose a dataframe's key)."""
    return [e.value for e in at.dataframe if column in e.value.columns]


def test_every_tab_renders_with_its_controls():
    at = lab(small=False)
    labels = [t.label for t in at.tabs]
    assert labels[:6] == TABS and "Question answering" in labels
    for key in ("lab.search.start", "lab.repeats.start", "lab.lr.go", "lab.quality.go", "lab.rec.go", "lab.qa.go",
                "lab.tr.go", "lab.sim.go"):
        assert at.button(key=key), key
    assert at.number_input(key="lab.train.batch_size").value == 16, "the base form is the generated config form"
    has_runs = any(s.key == "lab.deploy.run" for s in at.selectbox)
    assert has_runs or any("No finished run" in i.value for i in at.info), \
        "deploy offers the finished runs, or says there is nothing to deploy yet"


def test_a_bad_search_space_is_named_before_anything_runs():
    at = lab()
    at.text_area(key="lab.search.space").input("learning_rate=log:1e-4:1e-2").run()
    at.button(key="lab.search.start").click().run()
    assert any("Unknown option 'learning_rate'" in e.value for e in at.error)


def test_a_two_trial_search_finishes_and_shows_its_table():
    at = lab()
    at.text_area(key="lab.search.space").input("lr=log:1e-3:1e-1").run()
    at.number_input(key="lab.search.trials").set_value(2).run()
    at.button(key="lab.search.start").click().run()
    at = wait_for(no_exceptions(at), lambda at: tables_with(at, "trial"))
    table = tables_with(at, "trial")[0]
    assert len(table) == 2 and set(table["state"]) == {"complete"}
    assert table["run_id"].notna().all(), "every trial is a real run of the shared runner"
    assert any(s.value.startswith("Best accuracy") for s in at.success)
    assert len(at.get("plotly_chart")) >= 3, "optimisation history, parallel coordinates, importances"


def test_seed_repeats_against_a_second_setting_give_a_noise_verdict():
    at = lab()
    at.radio(key="lab.repeats.kind").set_value("seeds").run()
    at.number_input(key="lab.repeats.n").set_value(2).run()
    at.text_area(key="lab.repeats.other").input("lr=0.05").run()
    at.button(key="lab.repeats.start").click().run()
    at = wait_for(no_exceptions(at), lambda at: tables_with(at, "seed"))
    assert [list(t["status"]) for t in tables_with(at, "seed")] == [["finished"] * 2] * 2, "A and B, two seeds each"
    assert any("A (base)" in m.value and "(n=2)" in m.value for m in at.markdown)
    assert any("paired over 2 seeds" in v.value for v in [*at.success, *at.info]), "the paired verdict"


def test_data_quality_finds_the_leaked_rows():
    at = lab(small=False)
    at.number_input(key="lab.data.leak_fraction").set_value(0.25).run()
    at.number_input(key="lab.data.label_noise").set_value(0.1).run()
    at.button(key="lab.quality.go").click().run()
    at = wait_for(no_exceptions(at), lambda at: tables_with(at, "given_probability"))
    leaked = next(m for m in at.metric if m.label == "test examples with a copy in training")
    assert int(leaked.value.split()[0]) >= 9, "a quarter of wine's 36 test rows were copied into training"
    assert any("were really flipped" in s.value for s in at.success)


def test_qa_and_translation_say_offline_that_they_need_the_hub():
    at = lab(small=False)
    for button, purpose in (("lab.qa.go", "for question answering"), ("lab.tr.go", "for translation")):
        warnings = [w.value for w in no_exceptions(at.button(key=button).click().run()).warning]
        assert any(w.startswith("This needs the hub") and purpose in w and "not on this machine" in w
                   for w in warnings), warnings


def test_stopping_a_job_stops_the_run_it_is_on_and_every_later_one(runner):
    from workbench.ui.lab_jobs import LabJob

    def three_runs(tracked):
        return [tracked.start(tiny_tabular(max_steps=400, eval_every=100)).wait(60)["status"] for _ in range(3)]

    job = LabJob("test", "three runs", three_runs, shared_runner=runner)
    deadline = time.time() + 30
    while not (job.runner.handles and job.runner.handles[0].snapshot()["step"] > 0) and time.time() < deadline:
        time.sleep(0.05)
    job.stop()
    assert job.wait(60).status == "stopped"
    assert job.result == ["stopped"] * 3
    assert list(job.runs_table()["status"]) == ["stopped"] * 3


def test_a_failing_job_keeps_its_error(runner):
    from workbench.core.config import ConfigError
    from workbench.ui.lab_jobs import LabJob

    def bad(tracked):
        tracked.start(tiny_tabular(batch_size=0))

    job = LabJob("test", "bad", bad, shared_runner=runner).wait(30)
    assert job.status == "failed" and isinstance(job.error, ConfigError)
    assert "batch_size must be positive" in str(job.error)


@pytest.mark.parametrize("text, words", [("lr=1e-3,1e-2", "one value for lr"), ("lr=log:1e-4:1e-2", "one value")])
def test_setting_b_takes_one_value_per_option(text, words):
    from workbench.core.config import ConfigError
    from workbench.ui.lab_training import parse_overrides

    assert parse_overrides("lr=1e-3\nstrategy=frozen") == {"lr": 1e-3, "strategy": "frozen"}
    with pytest.raises(ConfigError, match=words):
        parse_overrides(text)


def test_server_wide_job_registries_keep_only_the_newest_ended_jobs():
    from types import SimpleNamespace

    from workbench.ui.lab_jobs import FINISHED_JOBS_KEPT, remember_job

    jobs = {}
    remember_job(jobs, "running", SimpleNamespace(status="running"))
    for i in range(FINISHED_JOBS_KEPT + 5):
        remember_job(jobs, f"done-{i}", SimpleNamespace(status="finished"))
    assert "running" in jobs                                   # a running job is never dropped
    ended = [k for k in jobs if k != "running"]
    assert ended == [f"done-{i}" for i in range(5, FINISHED_JOBS_KEPT + 5)]


def test_the_search_tab_adds_to_a_shared_study_and_shows_every_workers_trials(tmp_path):
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore
    from workbench.lab.tuning import parse_space, tune

    url = f"sqlite:///{tmp_path / 'shared.db'}"
    other_worker = Runner(RunStore(tmp_path / "runs"))
    tune(tiny_tabular(), parse_space(["lr=log:1e-3:1e-1"]), n_trials=1, storage=url, study_name="shared",
         runner=other_worker)
    at = lab()
    at.text_area(key="lab.search.space").input("lr=log:1e-3:1e-1").run()
    at.text_input(key="lab.search.study").input("shared").run()
    at.text_input(key="lab.search.storage").input(url).run()
    at.toggle(key="lab.search.live").set_value(True).run()

    def live_caption(at):   # the live view's own line (another test's search job may also show a trials table)
        return next((c.value for c in no_exceptions(at).caption if c.value.startswith("Study shared:")), "")

    assert live_caption(at) == "Study shared: 1 trials, 0 running.", "the other worker's trial, before this page ran any"
    at.number_input(key="lab.search.trials").set_value(1).run()
    at.button(key="lab.search.start").click().run()
    at = wait_for(at, lambda at: live_caption(at).startswith("Study shared: 2 trials"))
    at = wait_for(at, lambda at: live_caption(at) == "Study shared: 2 trials, 0 running.")
    table = next(t for t in tables_with(at, "worker") if len(t) == 2)
    assert sorted(table["trial"]) == [0, 1] and set(table["state"]) == {"complete"}
