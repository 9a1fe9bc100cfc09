import numpy as np
import pytest
import torch

from workbench.core.config import ConfigError, ModelConfig
from workbench.core.models import (apply_strategy, block_learning_rates, build_model, load_model, parameter_counts,
                              save_model, set_trainable_blocks)


def trainable_names(built):
    return {n for n, p in built.module.named_parameters() if p.requires_grad}


@pytest.fixture
def text_model(tiny_text_model):
    return lambda **kw: build_model(ModelConfig(model=tiny_text_model, **kw), 2, "text")


def test_frozen_trains_only_the_head(text_model):
    built = apply_strategy(text_model(), ModelConfig(strategy="frozen"))
    assert trainable_names(built) and all(n.startswith(("hf.classifier", "hf.bert.pooler")) for n in trainable_names(built))


def test_last_n_trains_the_top_blocks_and_head(text_model):
    built = apply_strategy(text_model(), ModelConfig(strategy="last_n", trainable_layers=1))
    names = trainable_names(built)
    assert any(".layer.1." in n for n in names) and not any(".layer.0." in n for n in names)
    assert not any("embeddings" in n for n in names) and any("classifier" in n for n in names)


def test_full_and_discriminative_train_everything(text_model):
    built = text_model()
    for strategy in ("full", "discriminative"):
        apply_strategy(built, ModelConfig(strategy=strategy, freeze_embeddings=False))
        assert parameter_counts(built.module)["trainable_share"] == 1.0
    groups = block_learning_rates(built, 1e-3, 0.5)
    assert [lr for _, lr in groups] == [1e-3, 5e-4, 2.5e-4, 1.25e-4]  # head, layer 1, layer 0, embeddings


def test_pretrained_word_embeddings_stay_fixed_by_default_even_when_every_block_unfreezes(text_model):
    built = apply_strategy(text_model(), ModelConfig())
    frozen = {n for n, p in built.module.named_parameters() if not p.requires_grad}
    assert frozen == {"hf.bert.embeddings.word_embeddings.weight"} and any("freeze_embeddings" in n for n in built.notes)
    set_trainable_blocks(built, len(built.blocks()))           # gradual unfreezing's last stage
    assert {n for n, p in built.module.named_parameters() if not p.requires_grad} == frozen


def test_a_text_model_from_scratch_trains_its_embeddings(text_model):
    built = apply_strategy(text_model(pretrained=False), ModelConfig(pretrained=False))
    assert parameter_counts(built.module)["trainable_share"] == 1.0


def test_lora_trains_a_small_share(text_model):
    built = apply_strategy(text_model(), ModelConfig(strategy="lora", lora_r=2))
    names = trainable_names(built)
    assert any("lora_" in n for n in names) and any("classifier" in n for n in names)
    assert not any("embeddings" in n for n in names)


def test_from_scratch_differs_from_pretrained():
    a = build_model(ModelConfig(model="mlp"), 3, "tabular", in_features=4)
    img_pre = build_model(ModelConfig(model="efficientnet_lite0"), 2, "image", image_size=32)
    img_raw = build_model(ModelConfig(model="efficientnet_lite0", pretrained=False), 2, "image", image_size=32)
    w_pre = img_pre.module.net._conv_stem.weight
    assert not torch.allclose(w_pre, img_raw.module.net._conv_stem.weight)
    assert a.notes  # the MLP says it has no pretrained weights


def test_gradual_unfreezing_stages(text_model):
    built = text_model()
    n_blocks = len(built.blocks())
    set_trainable_blocks(built, 0)
    head_only = len(trainable_names(built))
    set_trainable_blocks(built, n_blocks)
    assert len(trainable_names(built)) > head_only
    assert parameter_counts(built.module)["trainable_share"] == 1.0


def test_image_strategies_and_lora():
    built = build_model(ModelConfig(model="efficientnet_lite0"), 3, "image", image_size=32)
    apply_strategy(built, ModelConfig(strategy="frozen"))
    assert trainable_names(built) == {"net._fc.weight", "net._fc.bias"}
    built = apply_strategy(build_model(ModelConfig(model="efficientnet_lite0"), 3, "image", image_size=32),
                           ModelConfig(strategy="lora"))
    assert parameter_counts(built.module)["trainable_share"] < 0.2
    out = built.module(pixel_values=torch.zeros(2, 3, 32, 32))["logits"]
    assert out.shape == (2, 3)


def test_a_cnn_from_random_weights_tracks_batch_statistics_faster_than_the_pretrained_one():
    # with the port's momentum 0.01 a 75-step run from scratch evaluated on near-initial statistics: one class
    def momenta(pretrained):
        built = build_model(ModelConfig(model="efficientnet_lite0", pretrained=pretrained), 3, "image", image_size=32)
        return {round(m.momentum, 6) for m in built.module.modules() if isinstance(m, torch.nn.BatchNorm2d)}

    assert momenta(False) == {0.1}
    assert momenta(True) == {0.01}


def test_model_and_data_kind_must_match():
    with pytest.raises(ConfigError, match="pick 'mlp'"):
        build_model(ModelConfig(model="minilm"), 2, "tabular", in_features=3)


@pytest.mark.parametrize("kind", ["tabular", "image", "text"])
def test_save_and_reload_give_the_same_outputs(tmp_path, kind, tiny_text_model):
    if kind == "tabular":
        built = build_model(ModelConfig(model="mlp"), 3, "tabular", in_features=5)
        built.module.fit_scaler(np.random.default_rng(0).normal(3, 2, (50, 5)))
        inputs = {"features": torch.randn(4, 5)}
    elif kind == "image":
        built = build_model(ModelConfig(model="efficientnet_lite0"), 2, "image", image_size=32)
        inputs = {"pixel_values": torch.randn(2, 3, 32, 32)}
    else:
        built = build_model(ModelConfig(model=tiny_text_model), 2, "text")
        inputs = dict(built.tokenizer(["a fine film", "dull"], padding=True, return_tensors="pt"))
    built.module.eval()
    save_model(built, tmp_path / "m")
    again = load_model(tmp_path / "m")
    with torch.no_grad():
        assert torch.allclose(built.module(**inputs)["logits"], again.module(**inputs)["logits"], atol=1e-5)


def test_a_hub_model_that_is_not_here_names_the_way_out():
    with pytest.raises(ConfigError, match="not on this machine.*local folder saved with save_pretrained"):
        build_model(ModelConfig(model="someone/not-cached-anywhere"), 2, "text")
    with pytest.raises(ConfigError, match="not on this machine"):
        build_model(ModelConfig(model="someone/not-cached-anywhere", pretrained=False), 2, "text")


def test_the_tiny_vision_transformer_is_an_image_model_that_trains_saves_and_reloads(tmp_path):
    from workbench.core.models import VIT, model_kind
    assert model_kind(VIT) == "image"
    built = build_model(ModelConfig(model=VIT, pretrained=False), 10, "image", image_size=28)
    assert 50_000 < parameter_counts(built.module)["total"] < 500_000 and not built.notes
    assert any("no pretrained weights" in n for n in build_model(ModelConfig(model=VIT), 10, "image", 28).notes)
    assert len(built.blocks()) == 5      # patch embedding + 4 encoder layers
    apply_strategy(built, ModelConfig(model=VIT, strategy="frozen"))
    assert trainable_names(built) == {"norm.weight", "norm.bias", "head.weight", "head.bias"}
    apply_strategy(built, ModelConfig(model=VIT))
    torch.manual_seed(0)
    x, y = torch.randn(8, 3, 28, 28), torch.arange(8) % 10
    opt = torch.optim.AdamW(built.module.parameters(), lr=1e-3)
    losses = []
    for _ in range(20):
        loss = torch.nn.functional.cross_entropy(built.module(pixel_values=x)["logits"], y)
        opt.zero_grad(), loss.backward(), opt.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0] / 2, losses      # it can fit a handful of images
    built.module.eval()
    save_model(built, tmp_path / "vit")
    again = load_model(tmp_path / "vit")
    with torch.no_grad():
        assert torch.allclose(built.module(pixel_values=x)["logits"], again.module(pixel_values=x)["logits"], atol=1e-5)
    with pytest.raises(ConfigError, match="image model"):
        build_model(ModelConfig(model=VIT), 2, "tabular", in_features=3)
