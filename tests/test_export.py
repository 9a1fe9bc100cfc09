"""Show the code, take the model with you: the equivalent CLI command and Python call round-trip to the same config;
an exported run's train.py reproduces its accuracy in a fresh process without the workbench; its model/ loads with
plain transformers (text) or its own predict.py (tables) and gives the workbench predictor's probabilities."""
from __future__ import annotations

import csv
import json
import os
import random
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import workbench
from workbench import RunConfig
from workbench.cli import build_parser, config_from_args, main
from workbench.export import NotExportable, changed_options, check_exportable, equivalent_code, export_run

# ---------------------------------------------------------------- equivalent code


CONFIGS = [
    {},
    {"dataset": "wine", "model": "mlp", "max_steps": 6, "hidden_sizes": (16, 8), "lr": 3e-3, "name": "my run"},
    {"dataset": "sms_spam", "strategy": "lora", "lora_r": 4, "freeze_embeddings": False, "pretrained": True,
     "dropout": 0.25, "warmup_ratio": 0.1, "schedule": "cosine", "class_weights": True, "epochs": 2,
     "label_column": "label", "reduce_class": "spam", "reduce_to": 0.5, "max_train_samples": 100},
    {"dataset": "mnist", "model": "efficientnet_lite0", "image_size": 64, "optimizer": "sgd_momentum",
     "momentum": 0.8, "loss": "focal", "focal_gamma": 1.5, "save_checkpoints": False, "name": "it's \"quoted\""},
]


@pytest.mark.parametrize("options", CONFIGS)
def test_equivalent_cli_parses_back_to_the_same_config(options):
    cfg = RunConfig.from_flat(**options)
    cli = equivalent_code(cfg)["cli"]
    argv = shlex.split(cli)
    assert argv[:4] == ["python", "-m", "workbench", "train"]
    assert config_from_args(build_parser().parse_args(argv[3:])) == cfg
    # only what differs from the defaults is spelled out
    assert sum(word.startswith("--") for word in argv) == len(changed_options(cfg)) + bool(cfg.name)


@pytest.mark.parametrize("options", CONFIGS)
def test_equivalent_python_call_starts_the_same_config(options, monkeypatch):
    cfg = RunConfig.from_flat(**options)
    seen = {}

    class Handle:
        def wait(self):
            return {"status": "finished", "metrics": {"test": {"accuracy": 0.5}}}

    def fake_start_run(config=None, **kw):
        seen.update(kw)
        return Handle()

    monkeypatch.setattr(workbench, "start_run", fake_start_run, raising=False)
    exec(equivalent_code(cfg)["python"], {})
    assert RunConfig.from_flat(**seen) == cfg


def test_defaults_give_the_bare_command():
    code = equivalent_code(RunConfig())
    assert code["cli"] == "python -m workbench train"
    assert "start_run()" in code["python"]


def test_strategies_the_script_cannot_express_are_refused():
    with pytest.raises(NotExportable, match="not exportable: gradual unfreezing"):
        check_exportable(RunConfig.from_flat(strategy="gradual"), "text")
    with pytest.raises(NotExportable, match="not exportable: LoRA on EfficientNet"):
        check_exportable(RunConfig.from_flat(dataset="mnist", model="efficientnet_lite0", strategy="lora"), "image")
    check_exportable(RunConfig.from_flat(strategy="discriminative"), "text")   # expressible: no error


# ---------------------------------------------------------------- export of real runs


def _reviews_csv(path: Path, n: int = 160) -> str:
    """Short reviews whose label one sentiment word decides: MiniLM learns it in a few steps."""
    rng = random.Random(0)
    good = ["great", "wonderful", "superb", "lovely", "brilliant", "delightful"]
    bad = ["awful", "terrible", "boring", "dreadful", "poor", "dull"]
    filler = ["the", "movie", "was", "film", "plot", "acting", "really", "quite", "a", "story", "and", "with"]
    with open(path, "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        writer.writerow(["text", "label"])
        for i in range(n):
            words = rng.sample(filler, 4) + [rng.choice(good if i % 2 else bad)]
            rng.shuffle(words)
            writer.writerow([" ".join(words), "positive" if i % 2 else "negative"])
    return str(path)


@pytest.fixture(scope="module")
def module_runner():
    """A runner on the session's WORKBENCH_HOME, where `python -m workbench export` looks for runs."""
    from workbench.core.runner import Runner
    return Runner()


def _finished(runner, **options) -> str:
    snap = runner.start(RunConfig.from_flat(save_checkpoints=False, **options)).wait(timeout=300)
    assert snap["status"] == "finished", snap.get("error")
    return snap["id"]


def _run_script(folder: Path, *args: str) -> str:
    """`python <script>` in a fresh process, in the export folder, with nothing of the repo on its path."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    env.update(HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1", TOKENIZERS_PARALLELISM="false")
    done = subprocess.run([sys.executable, *args], cwd=folder, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


def _script_accuracy(stdout: str) -> float:
    return float(re.search(r"^test accuracy: ([0-9.]+)$", stdout, re.M).group(1))


def _imports_no_workbench(script: Path) -> None:
    source = script.read_text()
    assert not re.search(r"^\s*(import|from)\s+workbench", source, re.M)


@pytest.fixture(scope="module")
def text_export(module_runner, tmp_path_factory):
    data = _reviews_csv(tmp_path_factory.mktemp("reviews") / "reviews.csv")
    # 48 test rows, so one prediction more or less moves the accuracy by 0.021 (inside the 0.03 allowed)
    run_id = _finished(module_runner, dataset=data, model="minilm", epochs=1, lr=3e-4, batch_size=16, max_length=32,
                       test_fraction=0.3, precision="fp32", log_every=2)
    folder = export_run(run_id, tmp_path_factory.mktemp("export") / "text", module_runner.store)
    return run_id, folder


@pytest.fixture(scope="module")
def table_export(module_runner, tmp_path_factory):
    run_id = _finished(module_runner, dataset="wine", model="mlp", max_steps=12, batch_size=16, hidden_sizes=(16,),
                       lr=1e-2, precision="fp32")
    folder = tmp_path_factory.mktemp("export") / "wine"
    assert main(["export", run_id, "--to", str(folder)]) == 0   # the CLI subcommand
    return run_id, folder


def test_text_export_reproduces_the_run_without_the_workbench(text_export, module_runner):
    run_id, folder = text_export
    assert {p.name for p in folder.iterdir()} >= {"train.py", "data", "model", "README.md", "config.json",
                                                  "metrics.json"}
    _imports_no_workbench(folder / "train.py")
    workbench_accuracy = module_runner.store.metrics(run_id)["test"]["accuracy"]
    script_accuracy = _script_accuracy(_run_script(folder, "train.py"))
    print(f"text: workbench test accuracy {workbench_accuracy:.4f}, exported train.py {script_accuracy:.4f}")
    assert workbench_accuracy >= 0.9   # the task is learnable, so the comparison means something
    assert abs(script_accuracy - workbench_accuracy) <= 0.03
    assert (folder / "trained_model" / "config.json").exists()


def test_text_model_folder_loads_with_the_auto_classes(text_export, module_runner):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from workbench.core.predict import load_predictor

    run_id, folder = text_export
    model = AutoModelForSequenceClassification.from_pretrained(folder / "model").eval()
    tokenizer = AutoTokenizer.from_pretrained(folder / "model")
    assert model.config.id2label == {0: "negative", 1: "positive"}
    texts = ["a superb film", "the plot was dull", "really quite a dreadful movie", "lovely acting and story"]
    batch = tokenizer(texts, truncation=True, max_length=32, padding=True, return_tensors="pt")
    with torch.no_grad():
        probs = model(**batch).logits.softmax(-1).numpy()
    expected = load_predictor(run_id, module_runner.store).predict_proba(texts)
    difference = float(np.abs(probs - expected).max())
    print(f"text: max probability difference, model/ vs workbench predictor: {difference:.2e}")
    assert difference < 1e-4


def test_table_export_reproduces_the_run_and_predicts_alike(table_export, module_runner):
    from workbench.core.datasets import load_dataset
    from workbench.core.predict import load_predictor

    run_id, folder = table_export
    for script in (folder / "train.py", folder / "model" / "predict.py"):
        _imports_no_workbench(script)
    workbench_accuracy = module_runner.store.metrics(run_id)["test"]["accuracy"]
    script_accuracy = _script_accuracy(_run_script(folder, "train.py"))
    print(f"table: workbench test accuracy {workbench_accuracy:.4f}, exported train.py {script_accuracy:.4f}")
    assert abs(script_accuracy - workbench_accuracy) <= 0.03

    ds = load_dataset("wine")
    rows = folder / "rows.csv"
    with open(rows, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(ds.feature_names)
        writer.writerows([[repr(float(v)) for v in x] for x in ds.x[:20]])
    out = list(csv.reader(_run_script(folder, str(Path("model") / "predict.py"), str(rows)).splitlines()))
    assert out[0] == ["prediction", "p_class_0", "p_class_1", "p_class_2"]
    probs = np.array([[float(v) for v in row[1:]] for row in out[1:]])
    expected = load_predictor(run_id, module_runner.store).predict_proba(ds.x[:20])
    difference = float(np.abs(probs - expected).max())
    print(f"table: max probability difference, predict.py vs workbench predictor: {difference:.2e}")
    assert difference < 1e-4


def test_exported_data_and_card_describe_the_run(table_export, module_runner):
    run_id, folder = table_export
    with open(folder / "data" / "data.csv", newline="") as f:
        rows = list(csv.DictReader(f))
    sizes = {name: sum(r["split"] == name for r in rows) for name in ("train", "val", "test")}
    predictions = module_runner.store.load_predictions(run_id, "test")
    assert sizes["test"] == len(predictions["ids"])
    assert [r["label"] for r in rows if r["split"] == "test"] == [predictions["label_names"][y]
                                                                   for y in predictions["labels"]]
    card = (folder / "README.md").read_text()
    for heading in ("## Data", "## Settings", "## Metrics", "## Limits"):
        assert heading in card
    assert equivalent_code(RunConfig.from_dict(json.loads((folder / "config.json").read_text())))["cli"] in card
    assert "95% interval" in card
    with pytest.raises(ValueError, match="already holds files"):
        export_run(run_id, folder, module_runner.store)


# ---------------------------------------------------------------- the pages


def test_runs_page_shows_the_code_and_offers_the_export(table_export):
    from streamlit.testing.v1 import AppTest

    run_id, folder = table_export
    at = AppTest.from_file(str(Path(workbench.__file__).parent / "ui" / "views" / "runs.py"), default_timeout=60)
    at = at.run()
    at.selectbox(key="runs.one").set_value(run_id).run()
    assert not at.exception, [e.value for e in at.exception]
    cli = equivalent_code(RunConfig.from_dict(json.loads((folder / "config.json").read_text())))["cli"]
    assert cli in [c.value for c in at.code]
    assert any(getattr(b, "label", None) == "export (.zip)" for b in at.get("download_button"))


def test_train_page_shows_the_code_before_launch():
    from streamlit.testing.v1 import AppTest

    at = AppTest.from_file(str(Path(workbench.__file__).parent / "ui" / "views" / "train.py"), default_timeout=60)
    at.session_state["data_options"] = {"dataset": "wine", "model": "mlp"}
    at = at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "python -m workbench train --dataset wine --model mlp" in [c.value for c in at.code]


def test_export_zip_holds_the_folder(table_export, module_runner):
    import io
    import zipfile

    from workbench.export import export_zip

    run_id, _ = table_export
    names = zipfile.ZipFile(io.BytesIO(export_zip(run_id, module_runner.store))).namelist()
    assert {f"{run_id}/train.py", f"{run_id}/model/predict.py", f"{run_id}/data/data.csv",
            f"{run_id}/README.md"} <= set(names)
