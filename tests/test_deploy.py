"""Deployment variants on tiny runs trained here: int8, ONNX Runtime, pruning, and the comparison table."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from conftest import tiny_tabular
from test_long_text import train_keyword_run
from workbench.lab import deploy
from workbench.core.config import ConfigError


@pytest.fixture(scope="module")
def trained(tmp_path_factory, tiny_text_model):
    """A 2-layer BERT that learned to spot a decisive word, and a tabular run (a wide MLP, so that weights
    dominate its file), both finished and stored in one place."""
    from workbench.core.runner import Runner

    store, text_run = train_keyword_run(tmp_path_factory, tiny_text_model)
    snap = Runner(store).start(tiny_tabular(hidden_sizes=(256, 128), max_steps=12, precision="fp32")).wait(600)
    assert snap["status"] == "finished", snap["error"]
    return store, {"text": text_run, "tabular": snap["id"]}


@pytest.mark.parametrize("kind", ["text", "tabular"])
def test_int8_model_is_smaller_and_mostly_agrees(trained, kind):
    store, runs = trained
    original = deploy.original(runs[kind], store)
    int8 = deploy.quantize_dynamic_int8(runs[kind], store)
    items, _ = deploy.stored_test_examples(runs[kind], None, store)
    quantized = [m for m in int8.predictor.built.module.modules()
                 if isinstance(m, torch.ao.nn.quantized.dynamic.Linear)]
    assert len(quantized) == int8.details["quantized_layers"] > 0
    assert int8.path.parent.name == "deploy" and int8.path.stat().st_size < original.path.stat().st_size
    predicted = original.predictor.predict(items)
    assert len(np.unique(predicted)) > 1            # a model that always says the same class would agree trivially
    assert (int8.predictor.predict(items) == predicted).mean() >= 0.8


@pytest.mark.parametrize("kind", ["text", "tabular"])
def test_onnx_runtime_matches_pytorch(trained, kind, tmp_path):
    store, runs = trained
    exported = deploy.export_onnx(runs[kind], tmp_path / "model.onnx", store)
    assert exported.path.exists() and exported.details["max_abs_diff"] < 1e-4
    items, _ = deploy.stored_test_examples(runs[kind], 20, store)
    torch_probs = deploy.original(runs[kind], store).predictor.predict_proba(items)
    onnx_probs = exported.predictor.predict_proba(items)     # batch size 20: an axis size not seen in export
    assert np.abs(torch_probs - onnx_probs).max() < 1e-4
    assert np.abs(exported.predictor.predict_proba(items[:1]) - torch_probs[:1]).max() < 1e-4


@pytest.mark.parametrize("sparsity", [0.3, 0.8])
def test_pruning_reaches_the_requested_sparsity(trained, sparsity):
    from safetensors.torch import load_file

    store, runs = trained
    pruned = deploy.prune_magnitude(runs["text"], sparsity, store)
    assert abs(pruned.details["sparsity"] - sparsity) <= 0.01
    saved = load_file(str(pruned.path))
    linear = [v for k, v in saved.items() if k.endswith(".weight") and v.ndim == 2 and "embeddings" not in k]
    zeros = sum(int((v == 0).sum()) for v in linear) / sum(v.numel() for v in linear)
    assert abs(zeros - sparsity) <= 0.01                  # permanent: the zeros are in the saved weights
    assert 0 < pruned.details["overall_sparsity"] < pruned.details["sparsity"]   # embeddings are not pruned


def test_pruning_rejects_an_impossible_sparsity(trained):
    store, runs = trained
    with pytest.raises(ConfigError, match="sparsity"):
        deploy.prune_magnitude(runs["tabular"], 1.0, store)


def test_compare_deployments_table_and_figure(trained):
    from workbench.analysis.plots import fig_deployment

    store, runs = trained
    table = deploy.compare_deployments(runs["tabular"], sparsity=0.5, max_examples=30, latency_examples=5,
                                       store=store)
    assert list(table["variant"]) == ["original fp32", "int8 dynamic", "ONNX Runtime", "pruned 50%"]
    assert (table["size_mb"] > 0).all() and (table["latency_ms"] > 0).all()
    assert table["accuracy"].between(0, 1).all() and table.loc[0, "agreement"] == 1.0
    assert table.loc[1, "size_mb"] < table.loc[0, "size_mb"]
    assert table.loc[3, "zipped_mb"] < table.loc[0, "zipped_mb"]   # zeros compress
    assert {p.name for p in (store.folder(runs["tabular"]) / "deploy").iterdir()} >= {
        "model_int8.pt", "model.onnx", "model_pruned.safetensors"}
    fig = fig_deployment(table)
    assert len(fig.data) == 3 and list(fig.data[0].x) == list(table["variant"])


def test_deploy_command(trained, capsys):
    import json

    from workbench.cli import main

    _, runs = trained
    assert main(["deploy", "--run", runs["tabular"], "--max-examples", "20", "--json"]) == 0
    rows = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert [r["variant"] for r in rows] == ["original fp32", "int8 dynamic", "ONNX Runtime", "pruned 50%"]


def test_bad_settings_fail_before_any_export(trained):
    store, runs = trained
    with pytest.raises(FileNotFoundError, match="There is no run 'nosuch'"):
        deploy.compare_deployments("nosuch", store=store)
    before = set((store.folder(runs["tabular"])).rglob("*"))
    with pytest.raises(ConfigError, match="sparsity"):
        deploy.compare_deployments(runs["tabular"], sparsity=1.5, store=store)
    with pytest.raises(ValueError, match="max_examples and latency_examples must be at least 1"):
        deploy.compare_deployments(runs["tabular"], max_examples=0, store=store)
    assert set((store.folder(runs["tabular"])).rglob("*")) == before     # nothing was exported
