"""Backbones, heads and fine-tuning strategies for text, image and tabular models.

`build_model(cfg, dataset_info)` returns a `BuiltModel`: the torch module (its forward returns `{"logits"}`),
the input encoder for its kind, and the backbone blocks from bottom to top that the strategies act on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .config import DEFAULT_MODEL, ConfigError, ModelConfig
from ..speed.fast_dropout import use_fast_attention_dropout, use_fast_dropout
from .pretrained import efficientnet_weights_path, load_pretrained, minilm_path

DEFAULT_LR = {"text": 5e-5, "image": 5e-4, "tabular": 1e-2}
VIT = "vit_tiny"     # a small vision transformer, always trained from scratch (no pretrained weights ship)
REGISTRY_KIND = {**{name: kind for kind, name in DEFAULT_MODEL.items()}, VIT: "image"}
MODEL_META = "workbench_model.json"


def model_kind(name: str) -> str:
    """The data kind a model name expects; any name outside the registry is a text model from the hub."""
    return REGISTRY_KIND.get(name, "text")


# ---------------------------------------------------------------- image and tabular modules


class ImageClassifier(nn.Module):
    """EfficientNet-Lite0 with a new classification layer; inputs are (n, 3, S, S) floats in [-1, 1]."""

    def __init__(self, num_labels: int, image_size: int, pretrained: bool = True, dropout: float | None = None):
        super().__init__()
        from efficientnet_lite_pytorch import EfficientNet

        self.net = EfficientNet.from_name("efficientnet-lite0", num_classes=num_labels, image_size=image_size)
        if pretrained:
            state = torch.load(efficientnet_weights_path(), map_location="cpu", weights_only=True)
            state = {k: v for k, v in state.items() if not k.startswith("_fc.")}
            missing, unexpected = self.net.load_state_dict(state, strict=False)
            assert set(missing) == {"_fc.weight", "_fc.bias"} and not unexpected, (missing, unexpected)
        else:
            # The TensorFlow port averages batch-norm statistics over ~100 steps (momentum 0.01): fine for ImageNet
            # weights whose statistics are already right, but a short run from random weights would evaluate with
            # statistics still near their initial values and predict one class. PyTorch's default forgets faster.
            for module in self.net.modules():
                if isinstance(module, nn.BatchNorm2d):
                    module.momentum = 0.1
        if dropout is not None:
            self.net._dropout.p = dropout

    def forward(self, pixel_values, labels=None):
        return {"logits": self.net(pixel_values)}

    def blocks(self) -> list[nn.Module]:
        n = self.net
        return [nn.ModuleList([n._conv_stem, n._bn0]), *n._blocks, nn.ModuleList([n._conv_head, n._bn1])]


class PatchEmbedding(nn.Module):
    """Cut the image into square patches, project each to a `dim`-vector (a strided convolution), prepend a
    learned [CLS] token and add a learned position per token."""

    def __init__(self, image_size: int, patch_size: int, dim: int):
        super().__init__()
        grid = image_size // patch_size
        if grid < 1:
            raise ConfigError(f"vit_tiny needs images of at least {patch_size} px (got {image_size}).")
        self.proj = nn.Conv2d(3, dim, kernel_size=patch_size, stride=patch_size)
        self.cls = nn.Parameter(torch.zeros(1, 1, dim))
        self.position = nn.Parameter(torch.randn(1, grid * grid + 1, dim) * 0.02)

    def forward(self, pixels):
        tokens = self.proj(pixels).flatten(2).transpose(1, 2)          # (n, patches, dim)
        cls = self.cls.expand(len(tokens), -1, -1)
        return torch.cat([cls, tokens], dim=1) + self.position


class VisionTransformer(nn.Module):
    """A tiny ViT (Dosovitskiy et al., 2021) trained from random weights: the image as a 7 x 7 grid of patch
    tokens plus [CLS], `depth` pre-norm transformer encoder layers with `heads`-head self-attention, and a linear
    head on the final [CLS] vector. About 0.14 M weights on 28 px images; inputs as for ImageClassifier."""

    GRID = 7

    def __init__(self, num_labels: int, image_size: int, dim: int = 64, depth: int = 4, heads: int = 4,
                 dropout: float | None = None):
        super().__init__()
        p = 0.1 if dropout is None else dropout
        self.embed = PatchEmbedding(image_size, max(1, image_size // self.GRID), dim)
        self.layers = nn.ModuleList(
            nn.TransformerEncoderLayer(dim, heads, dim_feedforward=2 * dim, dropout=p, activation="gelu",
                                       batch_first=True, norm_first=True) for _ in range(depth))
        self.norm = nn.LayerNorm(dim)
        self.head = nn.Linear(dim, num_labels)

    def forward(self, pixel_values, labels=None):
        x = self.embed(pixel_values)
        for layer in self.layers:
            x = layer(x)
        return {"logits": self.head(self.norm(x[:, 0]))}

    def blocks(self) -> list[nn.Module]:
        return [self.embed, *self.layers]


class TabularMLP(nn.Module):
    """Standardise (statistics fitted on the training split, stored as buffers), then Linear-ReLU-Dropout layers."""

    def __init__(self, in_features: int, num_labels: int, hidden_sizes=(128, 64), dropout: float | None = None):
        super().__init__()
        p = 0.1 if dropout is None else dropout
        self.register_buffer("mean", torch.zeros(in_features))
        self.register_buffer("std", torch.ones(in_features))
        layers, width = [], in_features
        for size in hidden_sizes:
            layers.append(nn.Sequential(nn.Linear(width, size), nn.ReLU(), nn.Dropout(p)))
            width = size
        self.layers = nn.ModuleList(layers)
        self.head = nn.Linear(width, num_labels)

    def fit_scaler(self, features: np.ndarray) -> None:
        mean = np.nanmean(features, axis=0)
        std = np.nanstd(features, axis=0)
        self.mean.copy_(torch.as_tensor(np.nan_to_num(mean), dtype=torch.float32))
        self.std.copy_(torch.as_tensor(np.where(std > 1e-8, std, 1.0), dtype=torch.float32))

    def forward(self, features, labels=None):
        x = torch.where(torch.isnan(features), self.mean, features)  # missing values -> training mean
        x = (x - self.mean) / self.std
        for layer in self.layers:
            x = layer(x)
        return {"logits": self.head(x)}

    def blocks(self) -> list[nn.Module]:
        return list(self.layers)


class TextClassifier(nn.Module):
    """A Hugging Face sequence classifier, returning only logits so the workbench computes the loss."""

    def __init__(self, hf_model):
        super().__init__()
        self.hf = hf_model

    def forward(self, input_ids, attention_mask=None, token_type_ids=None, labels=None):
        kwargs = {"attention_mask": attention_mask}
        if token_type_ids is not None:
            kwargs["token_type_ids"] = token_type_ids
        return {"logits": self.hf(input_ids=input_ids, **kwargs).logits}

    def blocks(self) -> list[nn.Module]:
        base = self.hf.base_model
        for path in ("encoder.layer", "transformer.layer", "layers", "h", "encoder.layers"):
            layers = get_path(base, path)
            if layers is not None:
                embeddings = getattr(base, "embeddings", None) or getattr(base, "embed_tokens", None)
                return ([embeddings] if embeddings is not None else []) + list(layers)
        return [base]


def get_path(obj, dotted: str):
    for part in dotted.split("."):
        obj = getattr(obj, part, None)
        if obj is None:
            return None
    return obj


# ---------------------------------------------------------------- building


@dataclass
class BuiltModel:
    module: nn.Module
    kind: str
    tokenizer: object = None
    info: dict = field(default_factory=dict)     # what is needed to rebuild the architecture when reloading
    notes: list[str] = field(default_factory=list)
    fixed: list[nn.Parameter] = field(default_factory=list)   # stay frozen whatever the strategy unfreezes

    def blocks(self) -> list[nn.Module]:
        return self.module.blocks()

    def head_parameters(self) -> list[nn.Parameter]:
        in_blocks = {id(p) for b in self.blocks() for p in b.parameters()}
        return [p for p in self.module.parameters() if id(p) not in in_blocks]


def build_model(cfg: ModelConfig, num_labels: int, kind: str, image_size: int = 128,
                in_features: int | None = None) -> BuiltModel:
    """The model for `cfg.model`, with pretrained or random weights and a fresh head of `num_labels`."""
    check_model_fits(cfg.model, kind)
    if kind == "text":
        return _build_text(cfg, num_labels)
    if kind == "image" and cfg.model == VIT:
        notes = [] if not cfg.pretrained else [f"{VIT} has no pretrained weights; it always starts from random."]
        return BuiltModel(VisionTransformer(num_labels, image_size, dropout=cfg.dropout), "image", notes=notes,
                          info={"num_labels": num_labels, "image_size": image_size, "architecture": VIT})
    if kind == "image":
        module = ImageClassifier(num_labels, image_size, cfg.pretrained, cfg.dropout)
        return BuiltModel(module, "image", info={"num_labels": num_labels, "image_size": image_size})
    module = TabularMLP(in_features, num_labels, cfg.hidden_sizes, cfg.dropout)
    notes = [] if not cfg.pretrained else ["The MLP has no pretrained weights; it always starts from random."]
    return BuiltModel(module, "tabular", info={"num_labels": num_labels, "in_features": in_features,
                                                "hidden_sizes": list(cfg.hidden_sizes)}, notes=notes)


def check_model_fits(name: str, kind: str) -> None:
    expected = model_kind(name)
    if expected != kind:
        raise ConfigError(f"Model {name!r} is a {expected} model but the dataset is {kind}; pick "
                          f"{DEFAULT_MODEL[kind]!r} for {kind} data.")


def text_source(name: str) -> str:
    """Where a text model loads from: MiniLM's shipped folder, else the hub name or local folder as given."""
    return str(minilm_path()) if name == "minilm" else name


def _build_text(cfg: ModelConfig, num_labels: int) -> BuiltModel:
    from transformers import AutoConfig, AutoModelForSequenceClassification, AutoTokenizer

    source = text_source(cfg.model)
    overrides = {"num_labels": num_labels}
    if cfg.dropout is not None:
        overrides["classifier_dropout"] = cfg.dropout
    # load_pretrained turns a failure into a message that says what to do, and fails at once when the hub is
    # out of reach instead of retrying for a minute.
    purpose = "text classification"
    tokenizer = load_pretrained(AutoTokenizer, source, purpose)
    if cfg.pretrained:
        hf = load_pretrained(AutoModelForSequenceClassification, source, purpose, **overrides)
    else:
        hf = AutoModelForSequenceClassification.from_config(load_pretrained(AutoConfig, source, purpose, **overrides))
    if cfg.fast_dropout:
        use_fast_dropout(hf)   # same dropout, cheaper masks on the CPU (about 9 % of a MiniLM step)
    if cfg.fast_attention_dropout:
        use_fast_attention_dropout(hf)
    return BuiltModel(TextClassifier(hf), "text", tokenizer, info={"num_labels": num_labels, "source": source})


# ---------------------------------------------------------------- strategies


def build_for_training(cfg: ModelConfig, train_data, image_size: int, seed: int) -> BuiltModel:
    """The model a run trains: seeded first (so the new head is the same for the same seed), the tabular scaler
    fitted on the training split, the strategy applied."""
    from transformers import set_seed

    set_seed(seed)
    built = build_model(cfg, len(train_data.label_names), train_data.kind, image_size,
                        in_features=train_data.x.shape[1] if train_data.kind == "tabular" else None)
    if built.kind == "tabular":
        built.module.fit_scaler(train_data.x)
    return apply_strategy(built, cfg)


def apply_strategy(built: BuiltModel, cfg: ModelConfig) -> BuiltModel:
    """Set which parameters train; LoRA wraps the module in adapters. Returns the (possibly new) model."""
    blocks = built.blocks()
    if cfg.strategy == "lora":
        return _apply_lora(built, cfg)
    trainable_blocks = {"full": len(blocks), "discriminative": len(blocks), "frozen": 0, "gradual": 0,
                        "last_n": min(cfg.trainable_layers, len(blocks))}[cfg.strategy]
    if cfg.freeze_embeddings and cfg.pretrained and built.kind == "text":
        embeddings = built.module.hf.get_input_embeddings().weight
        built.fixed = [embeddings]
        built.notes.append(f"The pretrained word-embedding matrix ({embeddings.numel():,} weights) stays fixed "
                           "(freeze_embeddings); turn it off to train it too.")
    set_trainable_blocks(built, trainable_blocks)
    return built


def set_trainable_blocks(built: BuiltModel, top_n: int) -> None:
    """Train the head and the top `top_n` backbone blocks; freeze the rest."""
    blocks = built.blocks()
    for p in built.module.parameters():
        p.requires_grad_(False)
    for p in built.head_parameters():
        p.requires_grad_(True)
    for block in blocks[len(blocks) - top_n:] if top_n else []:
        for p in block.parameters():
            p.requires_grad_(True)
    for p in built.fixed:
        p.requires_grad_(False)


def _apply_lora(built: BuiltModel, cfg: ModelConfig) -> BuiltModel:
    from peft import LoraConfig, get_peft_model

    targets = {"text": ["query", "value", "q_lin", "v_lin", "q_proj", "v_proj"],
               "image": r".*_(expand|project)_conv",
               "tabular": r"layers\.\d+\.0"}[built.kind]
    head_names = {"text": ["classifier", "score", "pre_classifier"], "image": ["_fc"], "tabular": ["head"]}
    if built.kind == "image":
        _plain_pointwise_convs(built.module)
    present = {name.split(".")[-1] for name, _ in built.module.named_modules()}
    config = LoraConfig(r=cfg.lora_r, lora_alpha=cfg.lora_alpha, lora_dropout=0.05, target_modules=targets,
                        modules_to_save=[h for h in head_names[built.kind] if h in present])
    try:
        built.module = get_peft_model(built.module, config)
    except ValueError as err:
        raise ConfigError(f"LoRA could not find layers to adapt in {built.kind} model ({err}).") from err
    return built


def _plain_pointwise_convs(root: nn.Module) -> None:
    """Swap EfficientNet's 1x1 'same-padding' conv subclasses for plain nn.Conv2d (same weights, no padding
    needed), because peft builds its LoRA layers by calling the base layer's class with nn.Conv2d's arguments."""
    for parent in list(root.modules()):
        for name, child in list(parent.named_children()):
            if type(child) is not nn.Conv2d and isinstance(child, nn.Conv2d) and child.kernel_size == (1, 1) \
                    and tuple(child.stride) == (1, 1):
                plain = nn.Conv2d(child.in_channels, child.out_channels, 1, bias=child.bias is not None,
                                  groups=child.groups)
                plain.weight = child.weight
                if child.bias is not None:
                    plain.bias = child.bias
                setattr(parent, name, plain)


def final_linear(built: BuiltModel) -> nn.Linear:
    """The classification layer: the last Linear whose weights belong to no backbone block."""
    in_blocks = {id(p) for block in built.blocks() for p in block.parameters()}
    heads = [m for m in built.module.modules() if isinstance(m, nn.Linear)
             and not any(id(p) in in_blocks for p in m.parameters())]
    if not heads:
        raise ValueError("The model has no Linear layer outside its backbone blocks (no classification head).")
    return heads[-1]


def unwrap(module: nn.Module) -> nn.Module:
    """The plain module: LoRA adapters merged into the weights."""
    if hasattr(module, "merge_and_unload"):
        return module.merge_and_unload()
    return module


def parameter_counts(module: nn.Module) -> dict:
    total = sum(p.numel() for p in module.parameters())
    trainable = sum(p.numel() for p in module.parameters() if p.requires_grad)
    return {"total": int(total), "trainable": int(trainable), "trainable_share": trainable / max(total, 1)}


def block_learning_rates(built: BuiltModel, base_lr: float, decay: float) -> list[tuple[list, float]]:
    """Discriminative rates: the head gets base_lr, each block below gets `decay` times the one above."""
    groups = [(built.head_parameters(), base_lr)]
    for depth, block in enumerate(reversed(built.blocks()), start=1):
        groups.append((list(block.parameters()), base_lr * decay ** depth))
    return groups


# ---------------------------------------------------------------- saving and reloading


def save_model(built: BuiltModel, folder: Path) -> None:
    """Weights as safetensors plus what is needed to rebuild the architecture (no pickles)."""
    from safetensors.torch import save_file

    folder.mkdir(parents=True, exist_ok=True)
    module = unwrap(built.module)
    meta = {"kind": built.kind, **built.info}
    if built.kind == "text":
        module.hf.save_pretrained(folder, safe_serialization=True)
        built.tokenizer.save_pretrained(folder)
    else:
        state = {k: v.detach().contiguous() for k, v in module.state_dict().items()}
        save_file(state, str(folder / "model.safetensors"))
    (folder / MODEL_META).write_text(json.dumps(meta, indent=2))


def load_model(folder: Path) -> BuiltModel:
    """Rebuild a model saved by `save_model`, in eval mode."""
    from safetensors.torch import load_file

    meta = json.loads((folder / MODEL_META).read_text())
    kind = meta["kind"]
    if kind == "text":
        from transformers import AutoModelForSequenceClassification, AutoTokenizer
        hf = AutoModelForSequenceClassification.from_pretrained(folder)
        built = BuiltModel(TextClassifier(hf), kind, AutoTokenizer.from_pretrained(folder), info=meta)
    else:
        if kind == "image" and meta.get("architecture") == VIT:
            module = VisionTransformer(meta["num_labels"], meta["image_size"])
        elif kind == "image":
            module = ImageClassifier(meta["num_labels"], meta["image_size"], pretrained=False)
        else:
            module = TabularMLP(meta["in_features"], meta["num_labels"], tuple(meta["hidden_sizes"]))
        module.load_state_dict(load_file(str(folder / "model.safetensors")))
        built = BuiltModel(module, kind, info=meta)
    built.module.eval()
    return built
