"""FastDropout and the attention with cheap masks keep dropout's meaning (keep rate, scaling, eval mode, gradients)."""
import pytest
import torch
from torch import nn

from workbench.speed import fast_dropout
from workbench.speed.fast_dropout import (ATTENTION_NAME, FastDropout, attention_with_fast_dropout, keep_mask,
                                    use_fast_dropout)


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


def test_text_models_use_it_when_switched_on_and_plain_dropout_by_default(tiny_text_model):
    from workbench.core.config import ModelConfig
    from workbench.core.models import build_model
    built = build_model(ModelConfig(model=tiny_text_model, fast_dropout=True), 2, "text")
    dropouts = [m for m in built.module.modules() if isinstance(m, nn.Dropout)]
    assert dropouts and all(isinstance(m, FastDropout) for m in dropouts)
    plain = build_model(ModelConfig(model=tiny_text_model), 2, "text")
    assert not any(isinstance(m, FastDropout) for m in plain.module.modules())
    assert plain.module.hf.config._attn_implementation == "sdpa"


class _Attention(nn.Module):
    is_causal = False


def _qkv_and_padding_mask():
    torch.manual_seed(0)
    q, k, v = (torch.randn(2, 3, 5, 4, requires_grad=True) for _ in range(3))
    mask = torch.ones(2, 1, 5, 5, dtype=torch.bool)
    mask[0, ..., 3:] = False                        # the first sequence has two padding positions
    return q, k, v, mask


def test_attention_is_softmax_attention_with_a_keep_mask():
    q, k, v, mask = _qkv_and_padding_mask()
    torch.manual_seed(1)
    out, weights = attention_with_fast_dropout(_Attention().train(), q, k, v, mask, dropout=0.2, scaling=0.5)
    torch.manual_seed(1)
    keep = keep_mask((2, 3, 5, 5), 0.2)             # the same draw
    scores = (q @ k.transpose(-2, -1) * 0.5).masked_fill(~mask, float("-inf"))
    expected = (torch.softmax(scores, -1) * keep / 0.8 @ v).transpose(1, 2)
    assert weights is None and out.shape == (2, 5, 3, 4)
    assert torch.allclose(out, expected, atol=1e-6)
    out.sum().backward()
    assert q.grad is not None and torch.isfinite(q.grad).all()


def test_attention_without_training_or_dropout_is_sdpa():
    q, k, v, mask = _qkv_and_padding_mask()
    expected = nn.functional.scaled_dot_product_attention(q, k, v, attn_mask=mask, scale=0.5).transpose(1, 2)
    for module in (_Attention().eval(), _Attention().train()):     # models pass dropout=0 in eval mode
        out, _ = attention_with_fast_dropout(module, q, k, v, mask, dropout=0.0, scaling=0.5)
        assert torch.allclose(out, expected, atol=1e-6)


def test_attention_hands_anything_unusual_to_sdpa(monkeypatch):
    import transformers.integrations.sdpa_attention as sdpa
    calls = []
    monkeypatch.setattr(sdpa, "sdpa_attention_forward", lambda *a, **kw: calls.append(kw) or ("sdpa", None))
    q, k, v, mask = _qkv_and_padding_mask()
    causal = _Attention().train()
    causal.is_causal = True
    assert attention_with_fast_dropout(causal, q, k, v, None, dropout=0.1)[0] == "sdpa"             # causal
    assert attention_with_fast_dropout(_Attention().train(), q, k, v, mask, dropout=0.1,
                                       sliding_window=2)[0] == "sdpa"                               # extra option
    assert len(calls) == 2 and calls[1]["sliding_window"] == 2


def test_text_models_train_with_the_fast_attention(tiny_text_model, monkeypatch, tmp_path):
    from workbench.core.config import ModelConfig
    from workbench.core.models import build_model, load_model, save_model

    built = build_model(ModelConfig(model=tiny_text_model, fast_attention_dropout=True), 2, "text")
    assert built.module.hf.config._attn_implementation == ATTENTION_NAME
    shapes = []
    monkeypatch.setattr(fast_dropout, "keep_mask", lambda shape, p: shapes.append(tuple(shape)) or keep_mask(shape, p))
    enc = built.tokenizer(["a fine film", "dull"], padding=True, return_tensors="pt")
    built.module.train()(**enc)["logits"].sum().backward()
    assert (2, 2, enc["input_ids"].shape[1], enc["input_ids"].shape[1]) in shapes   # attention weights' masks
    save_model(built, tmp_path)                     # the choice is not saved: the reloaded model uses plain SDPA
    assert load_model(tmp_path).module.hf.config._attn_implementation == "sdpa"
