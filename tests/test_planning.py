"""plan_run before launch: the time estimate and the memory estimate, on tiny real models."""
import pytest
import torch

from conftest import tiny_tabular
from workbench import RunConfig
from workbench.lab.planning import activation_bytes_per_example, plan_run


def memory(cfg: RunConfig) -> dict:
    return plan_run(cfg)["memory"]


def tiny_text(tiny_text_model, **options) -> RunConfig:
    return RunConfig.from_flat(**{"dataset": "rotten_tomatoes", "model": tiny_text_model, "max_train_samples": 200,
                                  "batch_size": 32, "precision": "fp32", **options})


def test_plan_keeps_the_time_estimate_and_adds_memory_parts():
    plan = plan_run(tiny_tabular())
    assert plan["estimated_seconds"] > 0 and plan["total_steps"] == 6
    mem = plan["memory"]
    assert set(mem["parts"]) == {"weights", "gradients", "optimizer_state", "activations", "half_precision_weights"}
    assert mem["total"] == pytest.approx(sum(mem["parts"].values()))
    assert mem["parts"]["weights"] == 4 * plan["parameters"]["total"]
    assert mem["available"] > 0 and mem["available_where"] and mem["warning"] is None


def test_memory_grows_with_batch_size_and_shrinks_with_frozen_and_bf16(tiny_text_model):
    small, large = memory(tiny_text(tiny_text_model, batch_size=8)), memory(tiny_text(tiny_text_model))
    assert large["parts"]["activations"] == pytest.approx(4 * small["parts"]["activations"])
    assert large["total"] > small["total"]

    full, frozen = large, memory(tiny_text(tiny_text_model, strategy="frozen"))
    assert frozen["total"] < full["total"]
    assert frozen["parts"]["gradients"] < full["parts"]["gradients"] / 10
    assert frozen["parts"]["activations"] < full["parts"]["activations"]

    bf16 = memory(tiny_text(tiny_text_model, precision="bf16"))
    assert bf16["total"] < full["total"] and bf16["parts"]["half_precision_weights"] > 0
    assert bf16["parts"]["weights"] == full["parts"]["weights"]      # master weights stay fp32 under autocast


def test_optimizer_state_per_optimizer():
    states = {name: memory(tiny_tabular(optimizer=name))["parts"]["optimizer_state"]
              for name in ("sgd", "sgd_momentum", "adamw")}
    assert states["sgd"] == 0 and 0 < states["sgd_momentum"] == states["adamw"] / 2


def test_too_large_a_batch_warns_with_what_to_change(tiny_text_model):
    mem = memory(tiny_text(tiny_text_model, batch_size=10_000_000))
    assert mem["share"] > 0.8
    assert "batch_size" in mem["warning"] and "grad_accum" in mem["warning"]


def test_tabular_activation_formula_matches_what_autograd_keeps():
    """The MLP's formula is exact: compare with the bytes of the tensors saved for backward in one real step."""
    from workbench.core.models import TabularMLP
    from workbench.core.runner import prepare_splits

    cfg = tiny_tabular(hidden_sizes=(64, 32))
    train = prepare_splits(cfg).train
    model = TabularMLP(train.x.shape[1], len(train.label_names), (64, 32)).train()
    saved = []
    with torch.autograd.graph.saved_tensors_hooks(lambda t: saved.append(t) or t, lambda t: t):
        model(torch.as_tensor(train.x[:50], dtype=torch.float32))
    weights = {p.data_ptr() for p in model.parameters()} | {b.data_ptr() for b in model.buffers()}
    kept = {t.data_ptr(): t.numel() * t.element_size() for t in saved if t.data_ptr() not in weights}
    per_example = activation_bytes_per_example(cfg, "tabular", {}, train)
    assert sum(kept.values()) / 50 == pytest.approx(per_example, rel=0.05)


def test_streamlit_shows_the_estimate_and_the_warning(tiny_text_model):
    from streamlit.testing.v1 import AppTest

    def draw(memory):
        from workbench.ui.common import draw_memory_estimate
        draw_memory_estimate(memory)

    mem = memory(tiny_text(tiny_text_model, batch_size=10_000_000))
    at = AppTest.from_function(draw, args=(mem,), default_timeout=30).run()
    assert not at.exception, [e.value for e in at.exception]
    assert "Memory, rough estimate" in at.caption[0].value and "activations" in at.caption[0].value
    assert at.warning[0].value == mem["warning"]
