"""Where runs train and models predict (workbench.core.devices), the `device` run option, DataLoader workers for image
runs and bench/gpu_check.py. CUDA is simulated by monkeypatching `torch.cuda.is_available`: nothing here moves a
tensor to a GPU, so it all runs on the CPU."""
from __future__ import annotations

import importlib.util
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from conftest import tiny_tabular
from workbench.core import devices
from workbench.core.config import ConfigError, RunConfig

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def fake_cuda(monkeypatch):
    """CUDA 'present' (no tensor ever goes there); returns a setter for bf16 support."""
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    monkeypatch.setattr(torch.cuda, "current_device", lambda: 0)
    support = {"bf16": True}
    monkeypatch.setattr(torch.cuda, "is_bf16_supported", lambda *a, **k: support["bf16"])
    return lambda bf16: support.update(bf16=bf16)


@pytest.fixture
def no_cuda(monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)


def fast_cpu_bf16(monkeypatch, value: bool):
    monkeypatch.setattr(devices, "cpu_supports_fast_bf16", lambda: value)


# ---------------------------------------------------------------- device choice


def test_without_cuda_everything_runs_on_the_cpu(no_cuda):
    assert devices.resolve_device("auto") == torch.device("cpu")
    assert devices.resolve_device("cpu") == torch.device("cpu")
    assert devices.inference_device() == torch.device("cpu")
    assert devices.inference_device("cuda") == torch.device("cpu")   # a GPU-trained run still predicts here
    assert devices.device_name() == "cpu"
    with pytest.raises(RuntimeError, match="needs a CUDA GPU"):
        devices.resolve_device("cuda")
    with pytest.raises(ValueError, match="auto, cpu, cuda"):
        devices.resolve_device("gpu")


def test_with_cuda_auto_picks_the_gpu_and_cpu_still_forces_the_cpu(fake_cuda):
    assert devices.resolve_device("auto").type == "cuda"
    assert devices.resolve_device("cuda").type == "cuda"
    assert devices.resolve_device("cpu") == torch.device("cpu")
    assert devices.inference_device().type == "cuda"
    assert devices.inference_device("cpu") == torch.device("cpu")
    assert devices.device_name() == "cuda:0"
    assert devices.device_name("cpu") == "cpu"


# ---------------------------------------------------------------- autocast type


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_cuda_autocasts_in_bf16_where_supported_else_fp16(fake_cuda, precision):
    fake_cuda(True)
    assert devices.inference_dtype("cuda", precision) == torch.bfloat16
    fake_cuda(False)
    assert devices.inference_dtype(torch.device("cuda", 0), precision) == torch.float16


@pytest.mark.parametrize("precision", ["bf16", "fp16"])
def test_cpu_autocasts_in_bf16_only_with_fast_bf16(monkeypatch, precision):
    fast_cpu_bf16(monkeypatch, True)
    assert devices.inference_dtype("cpu", precision) == torch.bfloat16
    fast_cpu_bf16(monkeypatch, False)
    assert devices.inference_dtype("cpu", precision) is None


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_an_fp32_run_never_autocasts(fake_cuda, monkeypatch, device):
    fast_cpu_bf16(monkeypatch, True)
    assert devices.inference_dtype(device, "fp32") is None
    assert devices.inference_dtype(device, "auto") is None    # not a resolved precision: play safe


def test_the_autocast_context_on_the_cpu(monkeypatch):
    fast_cpu_bf16(monkeypatch, True)
    with devices.inference_autocast(torch.device("cpu"), "bf16"):
        assert torch.is_autocast_enabled("cpu")
        assert torch.get_autocast_dtype("cpu") == torch.bfloat16
        assert (torch.nn.Linear(4, 4)(torch.ones(1, 4))).dtype == torch.bfloat16
    with devices.inference_autocast(torch.device("cpu"), "fp32"):
        assert not torch.is_autocast_enabled("cpu")
    fast_cpu_bf16(monkeypatch, False)
    with devices.inference_autocast("cpu", "bf16"):
        assert not torch.is_autocast_enabled("cpu")


def test_training_precision_follows_the_runs_device(fake_cuda, monkeypatch):
    from workbench.core import training

    fast_cpu_bf16(monkeypatch, False)
    monkeypatch.setattr(training, "cpu_supports_fast_bf16", lambda: False)
    assert training.resolve_precision("auto")[0] == "bf16"            # the (simulated) GPU has bf16
    fake_cuda(False)
    assert training.resolve_precision("auto")[0] == "fp16"
    assert training.resolve_precision("auto", "cpu")[0] == "fp32"     # forced to a CPU without fast bf16
    assert training.resolve_precision("fp16", "cpu")[0] == "bf16"     # no fp16 autocast on the CPU
    assert training.resolve_precision("fp16", "auto")[0] == "fp16"


# ---------------------------------------------------------------- the run option


def test_device_option_defaults_to_auto_and_round_trips():
    assert RunConfig().train.device == "auto"
    cfg = RunConfig.from_flat(device="cpu").validate()
    assert RunConfig.from_json(cfg.to_json()).train.device == "cpu"
    old = RunConfig().to_dict()
    del old["train"]["device"]                         # a config saved before the option existed
    assert RunConfig.from_dict(old).train.device == "auto"


def test_device_option_is_validated(monkeypatch):
    from workbench.core import config

    with pytest.raises(ConfigError, match="device must be one of auto, cpu, cuda"):
        RunConfig.from_flat(device="gpu").validate()
    monkeypatch.setattr(config, "_cuda_available", lambda: False)
    with pytest.raises(ConfigError, match="device 'cuda' needs a CUDA GPU"):
        RunConfig.from_flat(device="cuda").validate()
    monkeypatch.setattr(config, "_cuda_available", lambda: True)
    RunConfig.from_flat(device="cuda").validate()


def test_device_option_reaches_the_cli():
    from workbench.cli import build_parser

    args = build_parser().parse_args(["train", "--dataset", "wine", "--device", "cpu"])
    assert args.device == "cpu"


# ---------------------------------------------------------------- DataLoader workers


@pytest.mark.parametrize("kind,device,cores,expected", [
    ("image", "cuda", 16, 4), ("image", "cuda", 3, 2), ("image", "cuda", 2, 1), ("image", "cuda", 1, 0),
    ("image", "cpu", 16, 0), ("text", "cuda", 16, 0), ("tabular", "cuda", 16, 0)])
def test_dataloader_workers(kind, device, cores, expected):
    assert devices.dataloader_workers(kind, device, cpu_count=cores) == expected


def test_a_cpu_run_loads_data_in_the_training_process(no_cuda):
    from workbench.core.models import build_for_training
    from workbench.core.runner import prepare_splits
    from workbench.core.training import build_trainer

    cfg = tiny_tabular()
    splits = prepare_splits(cfg)
    built = build_for_training(cfg.model, splits.train, cfg.data.image_size, cfg.train.seed)
    args = build_trainer(cfg, built, splits, "unused-output-dir").trainer.args
    assert (args.dataloader_num_workers, args.dataloader_pin_memory, args.use_cpu) == (0, False, True)


def test_an_image_run_on_a_gpu_asks_for_workers_and_pinned_memory(monkeypatch, no_cuda):
    """The TrainingArguments an image run gets on CUDA, captured without building a CUDA Trainer."""
    import transformers

    from workbench.core import training
    from workbench.core.models import build_for_training
    from workbench.core.runner import prepare_splits

    class Captured(Exception):
        pass

    def capture(**kwargs):
        raise Captured(kwargs)

    cfg = RunConfig.from_flat(dataset="mnist", model="efficientnet_lite0", image_size=32, max_train_samples=64,
                              max_eval_samples=32, pretrained=False)
    splits = prepare_splits(cfg)
    built = build_for_training(cfg.model, splits.train, 32, 0)
    monkeypatch.setattr(training, "resolve_device", lambda requested: torch.device("cuda"))
    monkeypatch.setattr(training, "resolve_precision", lambda requested, device="auto": ("bf16", "test"))
    monkeypatch.setattr(training, "dataloader_workers",
                        lambda kind, device: devices.dataloader_workers(kind, device, cpu_count=8))
    monkeypatch.setattr(transformers, "TrainingArguments", capture)
    with pytest.raises(Captured) as caught:
        training.build_trainer(cfg, built, splits, "unused-output-dir")
    args = caught.value.args[0]
    assert args["dataloader_num_workers"] == 4
    assert args["dataloader_pin_memory"] is True and args["dataloader_persistent_workers"] is True
    assert args["use_cpu"] is False


def _png_folder(tmp_path: Path, n: int = 6) -> list[str]:
    from PIL import Image

    paths = []
    for i in range(n):
        path = tmp_path / f"{i}.png"
        Image.fromarray(np.full((20, 20, 3), i * 40, dtype=np.uint8)).save(path)
        paths.append(str(path))
    return paths


@pytest.mark.parametrize("source", ["arrays", "paths"])
def test_image_batches_from_worker_processes_equal_the_in_process_ones(tmp_path, source):
    from transformers import default_data_collator

    from workbench.core.inputs import ImageSplit

    images = (np.random.default_rng(0).integers(0, 255, (6, 28, 28), dtype=np.uint8) if source == "arrays"
              else _png_folder(tmp_path))
    split = ImageSplit(images, np.arange(6) % 2, size=16)
    copy = pickle.loads(pickle.dumps(split))          # what a spawned worker receives
    assert torch.equal(copy[3]["pixel_values"], split[3]["pixel_values"])

    def batches(workers: int):
        loader = torch.utils.data.DataLoader(split, batch_size=4, num_workers=workers,
                                             collate_fn=default_data_collator)
        return list(loader)

    here, there = batches(0), batches(2)
    assert len(here) == len(there) == 2
    for a, b in zip(here, there):
        assert torch.equal(a["pixel_values"], b["pixel_values"]) and torch.equal(a["labels"], b["labels"])


# ---------------------------------------------------------------- predictors


def _tabular_predictor(precision: str):
    from workbench.core.config import ModelConfig
    from workbench.core.models import build_model
    from workbench.core.predict import Predictor

    torch.manual_seed(0)
    built = build_model(ModelConfig(model="mlp", hidden_sizes=(32,)), 3, "tabular", in_features=5)
    return Predictor(built, ["a", "b", "c"], precision, feature_names=[f"f{i}" for i in range(5)])


def test_a_bf16_run_predicts_in_fp32_on_a_cpu_without_fast_bf16(monkeypatch):
    rows = np.random.default_rng(0).normal(size=(20, 5)).astype(np.float32)
    fp32 = _tabular_predictor("fp32").predict_proba(rows)
    fast_cpu_bf16(monkeypatch, False)
    np.testing.assert_array_equal(_tabular_predictor("bf16").predict_proba(rows), fp32)
    fast_cpu_bf16(monkeypatch, True)
    bf16 = _tabular_predictor("bf16").predict_proba(rows)
    assert not np.array_equal(bf16, fp32)            # really computed in bf16 ...
    np.testing.assert_allclose(bf16, fp32, atol=0.02)   # ... and close


def test_a_saved_model_loads_on_the_runs_device(tmp_path, no_cuda):
    from workbench.core.models import save_model
    from workbench.core.predict import predictor_from_folder

    predictor = _tabular_predictor("fp32")
    save_model(predictor.built, tmp_path / "model")
    config = {"data": {"max_length": 64, "image_size": 32}, "train": {"device": "cpu"}}
    assert predictor_from_folder(tmp_path / "model", config).device == torch.device("cpu")
    old = {"data": {"max_length": 64, "image_size": 32}}      # a config from before the device option
    assert predictor_from_folder(tmp_path / "model", old, device="cpu").device == torch.device("cpu")


# ---------------------------------------------------------------- bench/gpu_check.py


def _gpu_check():
    spec = importlib.util.spec_from_file_location("gpu_check", ROOT / "bench" / "gpu_check.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_gpu_check_without_cuda_says_so_and_exits_2(no_cuda, capsys):
    assert _gpu_check().main([]) == 2
    err = capsys.readouterr().err
    assert "No CUDA GPU" in err and "--cpu-only" in err


def test_gpu_check_as_a_command_without_cuda():
    env = {**os.environ, "CUDA_VISIBLE_DEVICES": ""}     # hides any GPU, so this never starts a run
    done = subprocess.run([sys.executable, str(ROOT / "bench" / "gpu_check.py")], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 2
    assert "No CUDA GPU" in done.stderr


def test_gpu_check_configs_and_table():
    check = _gpu_check()
    sizes = {"text_train": 200, "text_test": 100, "image_steps": 20, "image_eval": 50}
    text, image = check.config_for("text", "cpu", sizes), check.config_for("image", "cuda", sizes)
    assert (text.train.device, text.data.max_train_samples, text.train.epochs) == ("cpu", 200, 1)
    assert (image.train.device, image.model.model, image.train.max_steps) == ("cuda", "efficientnet_lite0", 20)
    assert image.data.image_size == RunConfig().data.image_size      # the default size
    rows = [{"workload": "text", "device": "cuda:0", "precision": "bf16", "train_s": 2.0, "samples_per_s": 1000.0,
             "test_accuracy": 0.77, "peak_gpu_mib": 900.0},
            {"workload": "text", "device": "cpu", "precision": "bf16", "train_s": 16.0, "samples_per_s": 125.0,
             "test_accuracy": 0.77, "peak_gpu_mib": None}]
    table = check.table(rows)
    assert "| text | cuda:0 | bf16 | 2.0 | 1000.0 | 0.770 | 900 | 8.0x |" in table
    assert "| text | cpu | bf16 | 16.0 | 125.0 | 0.770 | - | - |" in table
