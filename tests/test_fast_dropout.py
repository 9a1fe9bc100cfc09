"""FastDropout keeps nn.Dropout's meaning (keep rate, scaling, eval mode, gradients) with cheaper CPU masks."""
import pytest
import torch
from torch import nn

from workbench.fast_dropout import FastDropout, keep_mask, use_fast_dropout


@pytest.mark.parametrize("p", [0.1, 0.5])
def test_masks_keep_one_minus_p_and_vary(p):
    torch.manual_seed(0)
    first, second = keep_mask((400, 1000), p), keep_mask((400, 1000), p)
    assert first.dtype == torch.bool and first.shape == (400, 1000)
    assert abs(first.float().mean().item() - (1 - p)) < 0.003       # 400k draws: standard error < 0.001
    assert (first != second).float().mean().item() > 0.1             # fresh randomness every call
    assert keep_mask((7,), p).shape == (7,)                           # sizes that are not a multiple of four


def test_seeded_masks_repeat():
    torch.manual_seed(3)
    a = keep_mask((5, 9), 0.3)
    torch.manual_seed(3)
    assert torch.equal(a, keep_mask((5, 9), 0.3))


def test_training_scales_kept_values_and_eval_is_identity():
    torch.manual_seed(0)
    layer = FastDropout(0.2)
    x = torch.ones(200, 300, requires_grad=True)
    y = layer(x)
    kept = y != 0
    assert torch.allclose(y[kept], torch.full_like(y[kept], 1 / 0.8))
    assert abs(y.mean().item() - 1.0) < 0.02                          # expectation preserved
    y.sum().backward()
    assert torch.equal(x.grad != 0, kept)                             # gradients flow only through kept units
    layer.eval()
    assert torch.equal(layer(x), x)


def test_bf16_stays_bf16():
    y = FastDropout(0.1).train()(torch.randn(4, 8, dtype=torch.bfloat16))
    assert y.dtype == torch.bfloat16


def test_swaps_every_plain_dropout_and_keeps_p():
    model = nn.Sequential(nn.Linear(3, 3), nn.Dropout(0.25), nn.Sequential(nn.Dropout(0.1)), nn.Dropout2d(0.3))
    assert use_fast_dropout(model) == 2
    assert isinstance(model[1], FastDropout) and model[1].p == 0.25 and isinstance(model[2][0], FastDropout)
    assert type(model[3]) is nn.Dropout2d                              # other dropout kinds are left alone


def test_text_models_use_it(tiny_text_model):
    from workbench.config import ModelConfig
    from workbench.models import build_model
    built = build_model(ModelConfig(model=tiny_text_model), 2, "text")
    dropouts = [m for m in built.module.modules() if isinstance(m, nn.Dropout)]
    assert dropouts and all(isinstance(m, FastDropout) for m in dropouts)
