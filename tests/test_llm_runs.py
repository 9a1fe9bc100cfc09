"""Generative runs end to end on a tiny random Llama (SmolLM2's tokenizer and chat template): the background run and
its files, stopping within a step, continued pre-training, the exported script, the chat, and the app's page."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from workbench.llm.instructions import build_corpus
from workbench.llm.causal_lm import LLMError
from workbench.llm.runs import LLMRuns, LLMRunSpec, chat

ROOT = Path(__file__).resolve().parents[1]


def tiny_spec(folder: str, **options) -> LLMRunSpec:
    base = dict(task="sms_verdict", model=folder, n_train=16, n_eval=4, max_steps=4, batch_size=4, max_new_tokens=4)
    return LLMRunSpec(**{**base, **options})


@pytest.fixture(scope="module")
def finished(tiny_llm_folder, tmp_path_factory):
    runs = LLMRuns(tmp_path_factory.mktemp("llm_runs"))
    run_id = runs.start(tiny_spec(tiny_llm_folder))
    assert runs.wait(run_id, 300)["status"] == "finished", runs.status(run_id)
    return runs, run_id


def test_a_run_trains_in_the_background_and_keeps_its_curves_scores_answers_and_model(finished):
    from transformers import AutoModelForCausalLM

    runs, run_id = finished
    history = runs.history(run_id)
    assert any("train_loss" in row for row in history)
    evaluations = [row for row in history if "eval_loss" in row]
    assert evaluations and all({"perplexity", "eval_format_rate", "eval_exact_match"} <= set(r) for r in evaluations)
    result = runs.result(run_id)
    assert result["steps"] == 4 and not result["stopped"]
    assert {"format_rate", "exact_match"} <= set(result["before"]) and len(result["answers"]) == 4
    assert {"prompt", "wanted", "base", "fine-tuned"} == set(result["answers"][0])
    model = AutoModelForCausalLM.from_pretrained(runs.model_folder(run_id))     # LoRA merged into plain weights
    assert not any("lora" in name for name, _ in model.named_parameters())
    rows = runs.list_runs()
    assert rows[0]["run_id"] == run_id and rows[0]["status"] == "finished" and "after_format_rate" in rows[0]


def test_a_stop_ends_training_at_the_end_of_the_current_step(tiny_llm_folder, tmp_path):
    runs = LLMRuns(tmp_path)
    run_id = runs.start(tiny_spec(tiny_llm_folder, max_steps=500))
    runs.stop(run_id)                                 # asked before training starts: it stops after one step
    status = runs.wait(run_id, 300)
    assert status["status"] == "stopped", status
    result = runs.result(run_id)
    assert result["stopped"] and result["steps"] == 1
    assert runs.model_folder(run_id) is not None      # what it learned is kept


def test_a_stop_while_waiting_for_the_device_trains_nothing(tiny_llm_folder, tmp_path):
    from workbench.core.device_queue import DeviceLock
    from workbench.core.store import workbench_home

    lock = DeviceLock(workbench_home() / "locks")
    assert lock.acquire("a test holding the device")
    try:
        runs = LLMRuns(tmp_path)
        run_id = runs.start(tiny_spec(tiny_llm_folder))
        deadline = time.time() + 60
        while runs.status(run_id).get("phase") != "waiting for the device and training" and time.time() < deadline:
            time.sleep(0.1)
        runs.stop(run_id)
        status = runs.wait(run_id, 60)
    finally:
        lock.release()
    assert status["status"] == "stopped" and "waiting for the device" in status["error"]
    assert runs.model_folder(run_id) is None and runs.result(run_id) is None


def test_speed_counts_training_steps_apart_from_evaluations_and_answering(finished):
    runs, run_id = finished
    result = runs.result(run_id)
    assert result["train_seconds"] > 0 and result["eval_seconds"] > 0 and result["generation_seconds"] > 0
    assert 0 < result["generation_share"] < 1
    assert result["steps_per_second"] == pytest.approx(result["steps"] / result["train_seconds"])
    assert result["train_tokens"] > 4 * 4        # 4 steps of 4 pairs, each many tokens long


def test_continued_pretraining_lowers_the_perplexity_of_held_out_domain_text(tiny_llm):
    from workbench.llm.sft import SFTConfig, pack_text, train_text

    model, tokenizer = tiny_llm
    corpus = build_corpus("sms_spam", 48, 16)
    blocks = pack_text(tokenizer, corpus.train, 64)
    assert all(len(b["input_ids"]) <= 64 and b["labels"] == b["input_ids"] for b in blocks)
    assert sum(len(b["input_ids"]) for b in blocks) > len(corpus.train)        # every text is in, with its end token
    result = train_text(model, tokenizer, corpus, SFTConfig(strategy="full", lr=3e-3, max_steps=8, batch_size=4,
                                                            max_length=64))
    assert result.after["perplexity"] < result.before["perplexity"]
    assert result.answers == [] and result.steps == 8


def test_continued_pretraining_needs_text(tiny_llm):
    from workbench.llm.sft import pack_text

    with pytest.raises(ValueError, match="tabular"):
        build_corpus("wine", 10)
    with pytest.raises(LLMError, match="empty"):
        pack_text(tiny_llm[1], [], 64)


def test_the_exported_script_trains_without_the_workbench_and_saves_a_loadable_model(finished, tiny_llm_folder,
                                                                                        tmp_path):
    from transformers import AutoModelForCausalLM

    runs, run_id = finished
    folder = runs.folder(run_id)
    assert len((folder / "data" / "train.jsonl").read_text().splitlines()) == 16
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    done = subprocess.run([sys.executable, "train.py", "--base", tiny_llm_folder, "--out", str(tmp_path / "out")],
                          cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "perplexity" in done.stdout
    AutoModelForCausalLM.from_pretrained(tmp_path / "out")
    script = (folder / "train.py").read_text()
    assert not [line for line in script.splitlines() if line.startswith(("import workbench", "from workbench"))]


def test_chat_answers_the_same_prompt_with_each_model(finished, tiny_llm_folder):
    runs, run_id = finished
    answers = chat([tiny_llm_folder, str(runs.model_folder(run_id))], "Say hello.")
    assert len(answers) == 2 and all(isinstance(a, str) for a in answers)
    with pytest.raises(LLMError, match="prompt"):
        chat([tiny_llm_folder], "  ")


def test_chat_refuses_while_something_holds_the_device(tiny_llm_folder):
    """Chat runs in the page's own thread: waiting for a training to end would freeze the page, so it says who is
    using the device instead."""
    from workbench.core.device_queue import DeviceLock
    from workbench.core.store import workbench_home

    lock = DeviceLock(workbench_home() / "locks")
    assert lock.acquire("a training run")
    try:
        with pytest.raises(LLMError, match="a training run .* is using the device"):
            chat([tiny_llm_folder], "Say hello.")
    finally:
        lock.release()


def test_bad_settings_are_refused_before_a_thread_starts(tmp_path):
    runs = LLMRuns(tmp_path)
    for options, message in (({"task": "poetry"}, "Unknown task"), ({"strategy": "prefix"}, "strategy"),
                             ({"n_train": 0}, "n_train"), ({"max_steps": 0}, "max_steps")):
        with pytest.raises(LLMError, match=message):
            runs.start(LLMRunSpec(**options))
    assert runs.run_ids() == []


def test_a_run_whose_process_died_reads_as_interrupted_and_a_failure_says_why(tmp_path, tiny_llm_folder):
    runs = LLMRuns(tmp_path)
    (tmp_path / "old").mkdir()
    (tmp_path / "old" / "config.json").write_text(json.dumps({"kind": "llm", **LLMRunSpec().__dict__}))
    (tmp_path / "old" / "status.json").write_text(json.dumps({"status": "running", "pid": 2 ** 22 + 7}))
    assert runs.status("old")["status"] == "interrupted"
    run_id = runs.start(tiny_spec(str(tmp_path / "no_such_model")))
    status = runs.wait(run_id, 120)
    assert status["status"] == "failed" and "no_such_model" in status["error"]


def test_the_page_starts_a_run_shows_it_and_chats_with_both_models(tiny_llm_folder):
    at = AppTest.from_file(str(ROOT / "workbench" / "ui" / "views" / "generate.py"), default_timeout=120).run()
    assert not at.exception
    at.text_input(key="llm.model").set_value(tiny_llm_folder)
    at.number_input(key="llm.train").set_value(16)
    at.number_input(key="llm.steps").set_value(3)
    at.button[0].click().run()            # the form's submit button
    assert not at.exception, [e.value for e in at.exception]
    from workbench.ui.llm_panel import llm_runs

    run_id = at.session_state["llm.watching"]
    deadline = time.time() + 300
    while llm_runs().status(run_id)["status"] not in ("finished", "failed", "stopped") and time.time() < deadline:
        time.sleep(0.5)
    assert llm_runs().status(run_id)["status"] == "finished", llm_runs().status(run_id)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.label == "format rate" for m in at.metric)
    assert at.dataframe, "the answer table"
    at.text_area(key="llm.chat.prompt").set_value("Is this spam? WIN a prize now")
    at.button[-1].click().run()           # "Ask both"
    assert not at.exception, [e.value for e in at.exception]
    assert len(at.code) >= 2              # two answers beside each other (the script is in an expander too)
    runs_page = AppTest.from_file(str(ROOT / "workbench" / "ui" / "views" / "runs.py"), default_timeout=60).run()
    assert not runs_page.exception
    assert any("LLM runs" in e.label for e in runs_page.expander)
    assert any("fine-tuned" in frame.value.columns for frame in runs_page.dataframe), "the answer table"


def test_hub_instruction_sets_load_by_the_datasets_library_with_guessed_columns(tmp_path):
    from workbench.llm.instructions import load_hub_pairs, split_pairs

    folder = tmp_path / "alpaca_like"
    folder.mkdir()
    rows = [{"instruction": f"Add {i} and {i}.", "input": "" if i % 2 else "Show your work.", "output": str(2 * i)}
            for i in range(12)]
    (folder / "train.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    pairs = load_hub_pairs(str(folder))          # a local data folder takes the hub's code path
    assert pairs[0].prompt == "Add 0 and 0.\n\nShow your work." and pairs[1].prompt == "Add 1 and 1."
    assert pairs[3].response == "6"
    splits = split_pairs("alpaca_like", pairs, n_train=100, n_eval=2, seed=1)
    assert (len(splits.train), len(splits.val), len(splits.test)) == (8, 2, 2)
    every = splits.train + splits.val + splits.test
    assert sorted(p.prompt for p in every) == sorted(p.prompt for p in pairs)
    (folder / "train.jsonl").write_text(json.dumps({"text": "a", "label": 1}) + "\n")
    with pytest.raises(ValueError, match="none of the usual prompt/response"):
        load_hub_pairs(str(folder))
    with pytest.raises(ValueError, match="Could not load instruction set"):
        load_hub_pairs(str(tmp_path / "nowhere"))


def test_a_run_on_uploaded_pairs_is_scored_by_exact_match_and_a_bad_file_is_refused_at_once(tiny_llm_folder,
                                                                                            tmp_path):
    from workbench.llm.runs import FILE_TASK

    good = tmp_path / "pairs.csv"
    good.write_text("prompt,response\n" + "".join(f"Say {i}.,{i}\n" for i in range(12)))
    runs = LLMRuns(tmp_path / "runs")
    run_id = runs.start(tiny_spec(tiny_llm_folder, task=FILE_TASK + str(good), n_eval=2, max_steps=2))
    assert runs.wait(run_id, 300)["status"] == "finished", runs.status(run_id)
    after = runs.result(run_id)["after"]
    assert after["n"] == 2 and after["format_rate"] != after["format_rate"]     # NaN: no format to check
    bad = tmp_path / "bad.csv"
    bad.write_text("question,reply\nhi,there\n")
    with pytest.raises(ValueError, match="no column 'prompt'"):
        runs.start(tiny_spec(tiny_llm_folder, task=FILE_TASK + str(bad)))
