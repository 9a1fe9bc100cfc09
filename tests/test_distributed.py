"""Several processes, one run: two-process CPU (gloo) launches of real runs make one run folder and one summary,
with the effective batch spanning both ranks, the accuracy of one process with the same effective batch, and a
stop that every rank honours."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import tiny_tabular
from test_long_text import keyword_csv

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 240   # the launches take 20-35 s each on two cores; a hang (a rank left in a collective) fails instead


def torchrun(home: Path, *options: str) -> subprocess.CompletedProcess:
    """`torchrun --standalone --nproc_per_node 2 -m workbench train ... --json` with WORKBENCH_HOME=home."""
    env = {**os.environ, "WORKBENCH_HOME": str(home), "PYTHONPATH": str(REPO), "OMP_NUM_THREADS": "1"}
    env.pop("WORKBENCH_RUN_ID", None)
    return subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node=2",
                           "-m", "workbench", "train", "--json", *options], env=env, cwd=str(home),
                          capture_output=True, text=True, timeout=TIMEOUT)


def test_launched_processes_import_this_checkout_from_any_folder(tmp_path):
    """start_run(processes=N) starts torchrun in $WORKBENCH_HOME; its PYTHONPATH must reach this checkout's package."""
    from workbench.core.runner import launch_env
    from workbench.core.store import RunStore

    env = launch_env(RunStore(tmp_path / "runs"), "r1")
    env["PYTHONPATH"] = env["PYTHONPATH"].split(os.pathsep)[0]     # only the folder launch_env adds
    found = subprocess.run([sys.executable, "-c", "import workbench; print(workbench.__file__)"], env=env,
                           cwd=str(tmp_path), capture_output=True, text=True, timeout=60)
    assert found.returncode == 0, found.stderr
    assert Path(found.stdout.strip()) == REPO / "workbench" / "__init__.py"


def summaries(stdout: str) -> list[dict]:
    return [json.loads(line) for line in stdout.splitlines() if line.startswith("{")]


def single_process_accuracy(cfg) -> float:
    """The same run in this process with the per-device batch doubled: the same effective batch."""
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    snap = Runner(RunStore(Path(os.environ["WORKBENCH_HOME"]) / "single")).start(
        cfg.replace(batch_size=cfg.train.batch_size * 2)).wait(TIMEOUT)
    assert snap["status"] == "finished", snap["error"]
    return snap["metrics"]["test"]["accuracy"]


@pytest.fixture(scope="module")
def seeded_tiny_bert(tmp_path_factory):
    """conftest's tiny BERT (MiniLM's tokenizer, 2 layers of 32), initialised from a fixed seed: the comparison
    below must not hang on a lucky or unlucky draw of the weights."""
    import torch
    from transformers import AutoTokenizer, BertConfig, BertForSequenceClassification

    from workbench.core.pretrained import minilm_path

    folder = tmp_path_factory.mktemp("seeded_tiny_bert")
    tokenizer = AutoTokenizer.from_pretrained(minilm_path())
    torch.manual_seed(0)
    BertForSequenceClassification(BertConfig(vocab_size=tokenizer.vocab_size, hidden_size=32, num_hidden_layers=2,
                                             num_attention_heads=2, intermediate_size=64,
                                             max_position_embeddings=128)).save_pretrained(folder)
    tokenizer.save_pretrained(folder)
    return str(folder)


def test_a_text_run_of_two_processes_is_one_run(tmp_path, seeded_tiny_bert):
    """A MiniLM-architecture model (a tiny BERT with MiniLM's tokenizer) under torchrun: one folder, one summary,
    a batch of 16 per process counted as 32, and the accuracy of one process with batch 32 (both learn the
    keyword task well past the point where it clicks, so the comparison is not a coin toss)."""
    data = keyword_csv(tmp_path)
    options = dict(dataset=str(data), model=seeded_tiny_bert, max_steps=150, batch_size=16, max_length=32, lr=4e-3,
                   eval_every=50, log_every=10, precision="fp32", save_checkpoints=False, save_model=False)
    done = torchrun(tmp_path, *[f"--{k.replace('_', '-')}={v}" for k, v in options.items() if v is not False],
                    "--no-save-checkpoints", "--no-save-model")
    assert done.returncode == 0, done.stderr[-3000:]
    [summary] = summaries(done.stdout)             # rank 1 prints nothing
    runs = list((tmp_path / "runs").iterdir())
    assert [p.name for p in runs] == [summary["run_id"]]
    assert summary["status"] == "finished" and summary["steps"] == 150
    metrics = json.loads((runs[0] / "metrics.json").read_text())
    assert metrics["world_size"] == 2 and metrics["effective_batch"] == 32
    assert any("Effective batch 16 per process x 2 processes" in note for note in summary["notes"])
    events = [json.loads(line) for line in (runs[0] / "events.jsonl").read_text().splitlines()]
    assert [e["type"] for e in events].count("started") == 1      # one writer
    assert sum(e["type"] in ("finished", "stopped", "failed") for e in events) == 1
    single = single_process_accuracy(tiny_tabular(**options))
    assert abs(summary["metrics"]["accuracy"] - single) <= 0.03, (summary["metrics"], single)


def test_start_run_with_two_processes_launches_torchrun_and_follows_the_run(tmp_path):
    """start_run(..., processes=2) (here on a Runner of its own) runs `torchrun -m workbench train` with the run id
    it chose, and its handle follows the run from the events file: live steps, then finished, one folder."""
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    cfg = tiny_tabular(max_steps=None, epochs=3, eval_every=None, log_every=2)
    runner = Runner(RunStore(tmp_path / "runs"))
    handle = runner.start(cfg, processes=2)
    steps = []
    handle.subscribe(lambda event, snap: steps.append(event) if event.type == "step" else None)
    snap = handle.wait(TIMEOUT)
    assert snap["status"] == "finished", snap["error"]
    assert [p.name for p in (tmp_path / "runs").iterdir()] == [handle.id]
    assert snap["metrics"]["world_size"] == 2 and snap["metrics"]["effective_batch"] == 32
    # 124 training rows: 8 batches of 16 per epoch, dealt to 2 processes: 4 steps an epoch, the planned total.
    assert snap["step"] == snap["total_steps"] == 12
    assert steps and all(e.samples_per_second > 0 for e in steps)
    log = (tmp_path / "runs" / handle.id / "launch.log").read_text()
    [summary] = summaries(log)
    assert summary["run_id"] == handle.id and summary["status"] == "finished"
    single = single_process_accuracy(cfg)
    assert abs(snap["metrics"]["test"]["accuracy"] - single) <= 0.03


def test_a_stop_reaches_every_process(tmp_path):
    """Stop on a launched run: the parent writes the stop file, the ranks agree at the next step, and both end
    (no rank left waiting in a collective); the run ends stopped, once."""
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    cfg = tiny_tabular(max_steps=20000, eval_every=None, log_every=1)
    runner = Runner(RunStore(tmp_path / "runs"))
    handle = runner.start(cfg, processes=2)
    handle.subscribe(lambda event, snap: handle.stop() if event.type == "step" else None)
    snap = handle.wait(TIMEOUT)
    assert handle.done
    assert snap["status"] == "stopped", snap["error"]
    assert 0 < snap["step"] < 20000
    events = (tmp_path / "runs" / handle.id / "events.jsonl").read_text().splitlines()
    assert sum(json.loads(line)["type"] in ("finished", "stopped", "failed") for line in events) == 1


def test_processes_are_checked_before_anything_is_written(tmp_path):
    from workbench.core.config import ConfigError
    from workbench.core.runner import Runner
    from workbench.core.store import RunStore

    runner = Runner(RunStore(tmp_path / "runs"))
    with pytest.raises(ConfigError, match="processes must be"):
        runner.start(tiny_tabular(), processes=0)
    with pytest.raises(ConfigError, match="gradual"):
        runner.start(tiny_tabular(dataset="sms_spam", model="minilm", strategy="gradual", hidden_sizes=(16,)),
                     processes=2)
    assert not (tmp_path / "runs").exists() or not any((tmp_path / "runs").iterdir())


def test_train_page_offers_processes():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(REPO / "workbench" / "ui" / "views" / "train.py"), default_timeout=60)
    at.session_state["data_options"] = {"dataset": "wine", "model": "mlp"}
    at = at.run()
    assert not at.exception
    processes = at.number_input(key="train.processes")
    assert processes.value == 1 and "effective batch" in processes.help
