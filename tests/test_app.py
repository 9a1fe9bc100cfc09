"""Every Streamlit page under AppTest: it renders without exceptions, its key widgets exist, and a short run
started through the UI finishes with a curve that has points."""
import json
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

ROOT = Path(__file__).resolve().parents[1]
PAGES = ROOT / "workbench" / "ui" / "views"
TINY = {"dataset": "wine", "model": "mlp", "max_train_samples": None, "max_steps": 12, "log_every": 2,
        "eval_every": 6, "hidden_sizes": [16], "save_checkpoints": False}


def page(name: str) -> AppTest:
    return AppTest.from_file(str(PAGES / f"{name}.py"), default_timeout=60)


def no_exceptions(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def run_until_done(at: AppTest, timeout: float = 120) -> AppTest:
    from workbench.ui.common import runner
    deadline = time.time() + timeout
    while runner().active_ids() and time.time() < deadline:
        time.sleep(0.5)
    return no_exceptions(at.run())


@pytest.fixture
def finished_run():
    from workbench import RunConfig
    from workbench.ui.common import runner
    snap = runner().start(RunConfig.from_flat(**{**TINY, "dataset": "breast_cancer"})).wait(120)
    assert snap["status"] == "finished"
    return snap


def test_app_router_renders_home():
    at = no_exceptions(AppTest.from_file(str(ROOT / "workbench" / "ui" / "main.py"), default_timeout=60).run())
    assert at.title[0].value == "Fine-Tuning Workbench"


def test_home_quick_start_runs_live_to_the_end(monkeypatch):
    monkeypatch.setenv("WORKBENCH_QUICKSTART", json.dumps(TINY))
    at = no_exceptions(page("home").run())
    at.button(key="quickstart").click().run()
    no_exceptions(at)
    run_id = at.session_state["watching"]
    at = run_until_done(at)
    from workbench.ui.common import runner
    snap = runner().snapshot(run_id)
    assert snap["status"] == "finished"
    assert at.get("plotly_chart"), "the live panel draws the curves"
    assert any("train_loss" in row for row in snap["history"])


def test_data_page_bundled_and_upload(tmp_path):
    at = no_exceptions(page("data").run())
    at.selectbox(key="data.name").select("sms_spam").run()
    no_exceptions(at)
    assert at.session_state["data_options"]["dataset"] == "sms_spam"
    assert len(at.get("plotly_chart")) >= 2        # class balance and text lengths
    at.radio(key="data.source").set_value("hub name or local path").run()
    at.text_input(key="data.hub").input(str(tmp_path / "missing.csv")).run()
    assert "Unknown dataset" in at.error[0].value or "Could not load" in at.error[0].value


def test_train_page_shows_plan_and_starts_a_run():
    at = page("train")
    at.session_state["data_options"] = {"dataset": "wine", "model": "mlp"}
    at = no_exceptions(at.run())
    assert at.number_input(key="train.train.batch_size").value == 16
    assert any(m.label == "trainable" for m in at.metric)
    at.number_input(key="train.train.max_steps").set_value(6).run()
    at.checkbox(key="train.train.save_checkpoints").uncheck().run()
    at.button(key="train.start").click().run()
    no_exceptions(at)
    from workbench.ui.common import runner
    run_id = at.session_state["watching"]
    run_until_done(at)
    snap = runner().snapshot(run_id)
    assert snap["status"] == "finished" and snap["step"] == 6


def test_train_page_says_how_it_chose_the_budget_before_launch():
    at = page("train")
    at.session_state["data_options"] = {"dataset": "wine", "model": "mlp"}
    at = no_exceptions(at.run())
    assert any("chosen from the data" in i.value and "stops early" in i.value for i in at.info)
    at.number_input(key="train.train.epochs").set_value(3.0).run()
    assert not any("chosen from the data" in i.value for i in at.info)


def test_train_page_reports_a_bad_setting():
    at = page("train")
    at.session_state["data_options"] = {"dataset": "wine", "model": "mlp"}
    at = at.run()
    at.number_input(key="train.train.batch_size").set_value(0).run()
    assert any("batch_size must be positive" in e.value for e in at.error)


def test_runs_page_compares_and_downloads(finished_run):
    at = no_exceptions(page("runs").run())
    assert at.dataframe, "the run table"
    assert at.get("download_button")
    assert finished_run["id"] in at.multiselect(key="runs.compare").options


def test_evaluate_page_with_threshold(finished_run):
    at = page("evaluate")
    at.query_params["run"] = finished_run["id"]
    at = no_exceptions(at.run())
    at.slider(key="eval.threshold").set_value(0.8).run()
    no_exceptions(at)
    at.toggle(key="eval.norm").set_value(True).run()
    no_exceptions(at)
    assert len(at.get("plotly_chart")) >= 5


def test_evaluate_page_links_its_worst_errors_to_explain_and_explain_opens_that_example(finished_run):
    at = page("evaluate")
    at.query_params["run"] = finished_run["id"]
    at = no_exceptions(at.run())
    worst = next(d.value for d in at.dataframe if "explain" in d.value.columns)
    link = worst["explain"].iloc[0]
    assert link.startswith("explain?run=" + finished_run["id"]) and "example=" in link
    position = link.rsplit("example=", 1)[1]
    at = page("explain")
    at.query_params["run"], at.query_params["example"] = finished_run["id"], position
    at = no_exceptions(at.run())
    assert at.number_input(key="explain.index").value == int(position)


def test_evaluate_page_draws_the_embedding_map_before_and_after_fine_tuning(finished_run):
    at = page("evaluate")
    at.query_params["run"] = finished_run["id"]
    at = no_exceptions(at.run())
    charts = len(at.get("plotly_chart"))
    at.button(key="eval.map").click().run()
    no_exceptions(at)
    assert len(at.get("plotly_chart")) == charts + 1 and not at.error


def test_data_page_shows_image_thumbnails():
    at = no_exceptions(page("data").run())
    at.selectbox(key="data.name").select("mnist").run()
    no_exceptions(at)
    images = next(d.value for d in at.dataframe if "image" in d.value.columns)["image"]
    assert images.iloc[0].startswith("data:image/png;base64,")


def test_explain_page_on_a_table_row(finished_run):
    at = page("explain")
    at.query_params["run"] = finished_run["id"]
    at = no_exceptions(at.run())
    at.button(key="explain.go").click().run()
    no_exceptions(at)
    assert any("Agreement" in c.value for c in at.caption)
    at.button(key="explain.stages").click().run()
    no_exceptions(at)
    assert any("before fine-tuning" in m.value for m in at.markdown)


def test_explain_page_explains_the_example_it_opens_with_while_the_user_reads(finished_run):
    from workbench.ui import warmup

    at = page("explain")
    at.query_params["run"] = finished_run["id"]
    no_exceptions(at.run())
    started = [name for name in warmup._threads if name.startswith("explain (") and finished_run["id"] in name]
    assert len(started) == 1, "one background explanation of the row the page shows"
    warmup.wait_for(started[0], timeout=60)
    kept = [key for key in warmup._remembered if key[0] == finished_run["id"]]
    assert [key[2] for key in kept] == [("test", 0)]
    at.button(key="explain.go").click().run()
    no_exceptions(at)
    assert any("Agreement" in c.value for c in at.caption)


def test_remember_computes_once_per_key_and_keeps_the_latest():
    from workbench.ui import warmup

    calls = []
    for i in list(range(warmup.REMEMBERED + 2)) + [0, warmup.REMEMBERED + 1]:
        warmup.remember(("test-remember", i), lambda i=i: calls.append(i) or i * i)
    assert warmup.remember(("test-remember", 3), lambda: -1) == 9
    # 0 had been dropped (the oldest) and was computed again; the newest was kept
    assert calls.count(0) == 2 and calls.count(warmup.REMEMBERED + 1) == 1


def test_lessons_page_runs_a_lesson_reveals_the_guess_and_keeps_state_in_the_url():
    at = page("lessons")
    at.query_params.update({"lesson": "concept.2", "lang": "zh", "mode": "quick", "guess": "shrinks"})
    no_exceptions(at.run())
    assert at.title[0].value == "面试题实验讲解"
    assert at.radio(key="lessons.concept.2.guess").value == "shrinks"
    assert at.button(key="lessons.run").disabled, "the experiment waits for a locked guess"
    no_exceptions(at.button(key="lessons.lock").click().run())
    at.button(key="lessons.run").click().run()
    deadline = time.time() + 600
    while time.time() < deadline:
        at = no_exceptions(at.run())
        if any("结论" in m.value for m in at.markdown):
            break
        time.sleep(1)
    assert any("结论" in m.value for m in at.markdown), "the takeaway appears when the experiment ends"
    assert at.success, "the computed takeaway is shown"
    assert at.get("plotly_chart")
    assert at.query_params["lesson"] == "concept.2" and at.query_params["s.lr"] == "0.0001"
    again = no_exceptions(_reopen({"lesson": "concept.2", "lang": "en", "mode": "quick"}))
    assert not any("Takeaway" in m.value for m in again.markdown), "a new visitor guesses before seeing it"
    again = no_exceptions(again.button(key="lessons.skip").click().run())
    assert any("Takeaway" in m.value for m in again.markdown), "a reopened link shows the saved result"


def _reopen(query: dict) -> AppTest:
    at = page("lessons")
    at.query_params.update(query)
    return at.run()


def test_lessons_page_search_and_topic_filter():
    at = no_exceptions(page("lessons").run())
    at.text_input(key="lessons.search").input("nothing-matches-this").run()
    assert at.info, "an empty search says so"


def test_lessons_page_keeps_list_settings_as_json():
    at = page("lessons")
    at.query_params.update({"lesson": "concept.2", "lang": "en", "mode": "quick", "s.sizes": "[100, 300]"})
    no_exceptions(at.run())
    assert at.text_input(key="lessons.concept.2.sizes").value == "[100, 300]"
    assert at.query_params["s.sizes"] == "[100, 300]"
    at.text_input(key="lessons.concept.2.sizes").input("[100, oops").run()
    assert at.error, "invalid JSON is reported, not passed to the lesson"
