"""Run settings as frozen dataclasses: data, model and training, with validation and JSON round-trip.

Every field carries a help text in its metadata; the CLI, the Streamlit form and the notebook widgets
are generated from these, so a new option appears everywhere at once.
"""
from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass, field, fields
from typing import Any

DEFAULT_MODEL = {"text": "minilm", "image": "efficientnet_lite0", "tabular": "mlp"}   # per data kind
STRATEGIES = ("full", "frozen", "last_n", "gradual", "discriminative", "lora")
OPTIMIZERS = ("adamw", "adam", "sgd", "sgd_momentum", "rmsprop", "adadelta")
SCHEDULES = ("constant", "linear", "cosine", "exponential", "step")
LOSSES = ("cross_entropy", "focal")
SAMPLING = ("none", "oversample", "undersample")
AUGMENTATIONS = ("none", "text_swap", "text_delete", "text_synonym", "text_mix", "image_basic", "image_crop")
LEAK_EDITS = ("none", "mixed")
PRECISIONS = ("auto", "fp32", "bf16", "fp16")
DEVICES = ("auto", "cpu", "cuda")   # where a run trains (workbench.core.devices resolves them)


class ConfigError(ValueError):
    """A setting the user chose cannot work; the message names it and the fix."""


def option(default: Any, help: str, choices: tuple | None = None, **kw) -> Any:
    meta = {"help": help}
    if choices:
        meta["choices"] = choices
    return field(default=default, metadata=meta, **kw)


@dataclass(frozen=True)
class DataConfig:
    dataset: str = option("rotten_tomatoes", "Registry name (see `python -m workbench datasets`), a hub dataset "
                          "name, a CSV file or an image folder.")
    text_column: str | None = option(None, "Text column of a CSV or hub dataset (default: 'text' or 'sentence').")
    label_column: str | None = option(None, "Label / target column of a CSV or hub dataset (default: 'label').")
    max_train_samples: int | None = option(None, "Use at most this many training examples (stratified).")
    max_eval_samples: int | None = option(None, "Score on at most this many validation and test examples "
                                          "(stratified); for quick looks at large datasets.")
    val_fraction: float = option(0.1, "Share of the data held out for validation.")
    test_fraction: float = option(0.2, "Share of the data held out for the final test.")
    max_length: int = option(128, "Text: longest token sequence fed to the model; longer texts are truncated.")
    image_size: int = option(128, "Images: side in pixels the images are resized to (224 is the ImageNet size).")
    split_seed: int | None = option(None, "Seed for the train/validation/test split (default: the run's seed); fix "
                                    "it to compare seeds of training on one split.")
    cv_folds: int = option(0, "Cross-validation: split training+validation data into this many stratified folds "
                           "(0: off, the usual single split).")
    cv_fold: int = option(0, "Cross-validation: which fold (0-based) is held out for validation.")
    label_noise: float = option(0.0, "Experiment: share of training labels flipped to another class.")
    reduce_class: str | None = option(None, "Experiment: a class (name or index) to make rare in training.")
    reduce_to: float = option(1.0, "Experiment: keep this share of reduce_class's training examples.")
    leak_fraction: float = option(0.0, "Experiment: copy this share of the test set into training (leakage).")
    leak_edit: str = option("none", "Experiment, texts: leaked rows are exact copies (none) or, in turn, exact, "
                            "re-cased, re-punctuated and one-word-changed near-duplicates (mixed).", LEAK_EDITS)
    augment: str = option("none", "Training-set augmentation: text word swap/deletion/synonym, or image "
                          "flips and crops (image_basic) or crops without flips (image_crop, for digits and text).",
                          AUGMENTATIONS)


@dataclass(frozen=True)
class ModelConfig:
    model: str = option("minilm", "Registry name (minilm, efficientnet_lite0, vit_tiny, mlp), a hub model name or a local "
                        "model folder.")
    pretrained: bool = option(True, "Start from pretrained weights; off trains the same architecture from scratch.")
    strategy: str = option("full", "What to train: full, frozen (head only), last_n layers, gradual unfreezing, "
                           "discriminative learning rates, or LoRA adapters.", STRATEGIES)
    trainable_layers: int = option(2, "last_n: how many top backbone blocks to train besides the head.")
    lr_decay: float = option(0.8, "discriminative: each block below the top gets this factor times the LR above it.")
    lora_r: int = option(8, "LoRA: rank of the adapter matrices.")
    lora_alpha: int = option(16, "LoRA: scaling numerator (effective scale alpha / r).")
    freeze_embeddings: bool = option(True, "Text: keep the pretrained word-embedding matrix fixed (about half of "
                                     "MiniLM's weights; the layers above still learn). On by default: 10-13% faster "
                                     "on MiniLM with the same accuracy (bench/README.md). A model trained from "
                                     "scratch always trains its embeddings.")
    dropout: float | None = option(None, "Dropout before the classifier head (default: the model's own).")
    fast_dropout: bool = option(False, "Text on the CPU: draw hidden-state dropout masks four entries per random "
                                "number (same keep rate, a quarter of the draws; workbench/speed/fast_dropout.py): "
                                "about 9% faster per MiniLM step. Off by default: over 5 seeds on Rotten Tomatoes its "
                                "accuracy was 0.005 lower on average and the 95% interval (-0.018 to +0.008) could "
                                "not rule out a loss above 0.005 (bench/README.md).")
    fast_attention_dropout: bool = option(False, "Text on the CPU: attention-weight dropout with the same cheaper "
                                          "masks instead of SDPA's own (same keep rate): about 3% faster per step. "
                                          "Off by default for the same reason (5 seeds: -0.004, interval -0.009 to "
                                          "+0.002).")
    hidden_sizes: tuple[int, ...] = option((128, 64), "mlp: sizes of the hidden layers.")


@dataclass(frozen=True)
class TrainConfig:
    epochs: float | None = option(None, "Passes over the training set (default: chosen from the data: one pass when "
                                  "it gives at least 250 steps, else enough passes for 250, at most 10, with early "
                                  "stopping and the best weights kept; workbench/core/budget.py). Measured on two text "
                                  "sets: far better than one pass below ~1,000 examples, about twice one pass's "
                                  "time from 2,000 on for no measurable gain; set epochs=1 for speed there.")
    max_steps: int | None = option(None, "Stop after this many optimizer steps (overrides epochs).")
    batch_size: int = option(16, "Examples per step on one device.")
    lr: float | None = option(None, "Peak learning rate (default: the model's recommended value).")
    optimizer: str = option("adamw", "Optimizer.", OPTIMIZERS)
    momentum: float = option(0.9, "sgd_momentum / rmsprop: momentum.")
    weight_decay: float = option(0.01, "L2-style decoupled weight decay (not applied to biases and norms).")
    schedule: str = option("linear", "Learning-rate schedule after warm-up.", SCHEDULES)
    warmup_ratio: float = option(0.0, "Share of the steps spent warming the LR up linearly from 0.")
    loss: str = option("cross_entropy", "Training loss.", LOSSES)
    label_smoothing: float = option(0.0, "cross_entropy: share of the target mass spread over all classes.")
    focal_gamma: float = option(2.0, "focal: how strongly easy examples are down-weighted.")
    class_weights: bool = option(False, "Weight the loss by inverse class frequency (for imbalanced data).")
    sampling: str = option("none", "Rebalance the training set by repeating minority or dropping majority "
                           "examples.", SAMPLING)
    max_grad_norm: float = option(1.0, "Clip the gradient norm to this value (0 turns clipping off).")
    grad_accum: int = option(1, "Accumulate gradients over this many batches per optimizer step.")
    early_stopping: int = option(0, "Stop after this many evaluations without improvement (0: off).")
    restore_best: bool = option(True, "With early stopping: end with the weights of the evaluation with the lowest "
                                "validation loss (kept in memory), not the last step's.")
    eval_every: int | None = option(None, "Evaluate every N steps (default: at the end of each epoch).")
    log_every: int = option(5, "Log the training loss every N steps.")
    seed: int = option(0, "Random seed for splits, initialisation and batching.")
    precision: str = option("auto", "Arithmetic: auto picks bf16 where the hardware is faster with it.",
                            PRECISIONS)
    device: str = option("auto", "Where to train: auto uses the GPU when CUDA is present, else the CPU; cpu forces "
                         "the CPU (e.g. a comparison row); cuda insists on the GPU.", DEVICES)
    save_checkpoints: bool = option(True, "Save a checkpoint each epoch so an interrupted run can resume.")
    save_model: bool = option(True, "Keep the fine-tuned weights (needed to explain or deploy the run later); "
                              "lessons turn it off to save disk, keeping metrics and predictions.")


@dataclass(frozen=True)
class RunConfig:
    data: DataConfig = field(default_factory=DataConfig)
    model: ModelConfig = field(default_factory=ModelConfig)
    train: TrainConfig = field(default_factory=TrainConfig)
    name: str | None = None

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    @classmethod
    def from_dict(cls, d: dict) -> "RunConfig":
        return cls(
            data=_build(DataConfig, d.get("data", {})),
            model=_build(ModelConfig, d.get("model", {})),
            train=_build(TrainConfig, d.get("train", {})),
            name=d.get("name"),
        )

    @classmethod
    def from_json(cls, text: str) -> "RunConfig":
        return cls.from_dict(json.loads(text))

    @classmethod
    def from_flat(cls, **options: Any) -> "RunConfig":
        """Build from flat option names (`dataset=`, `lr=`, `strategy=` ...), as the CLI and UIs use."""
        parts = {"data": {}, "model": {}, "train": {}}
        name = options.pop("name", None)
        for key, value in options.items():
            section = SECTION_OF.get(key)
            if section is None:
                raise ConfigError(f"Unknown option {key!r}. Known options: {', '.join(sorted(SECTION_OF))}.")
            parts[section][key] = value
        return cls.from_dict({**parts, "name": name})

    def flat(self) -> dict:
        return {**dataclasses.asdict(self.data), **dataclasses.asdict(self.model), **dataclasses.asdict(self.train)}

    def replace(self, **options: Any) -> "RunConfig":
        """A copy with some flat options changed: `cfg.replace(lr=1e-4, strategy="frozen")`."""
        merged = {**self.flat(), **options}
        return RunConfig.from_flat(name=options.get("name", self.name), **{k: v for k, v in merged.items()
                                                                          if k != "name"})

    def validate(self) -> "RunConfig":
        validate(self)
        return self


def _build(kind, values: dict):
    known = {f.name for f in fields(kind)}
    unknown = set(values) - known
    if unknown:
        raise ConfigError(f"Unknown {kind.__name__} field(s): {', '.join(sorted(unknown))}.")
    values = dict(values)
    if "hidden_sizes" in values and values["hidden_sizes"] is not None:
        values["hidden_sizes"] = tuple(int(v) for v in values["hidden_sizes"])
    return kind(**values)


SECTION_OF = {f.name: section for section, kind in (("data", DataConfig), ("model", ModelConfig),
                                                    ("train", TrainConfig)) for f in fields(kind)}
SECTION_CLASSES = {"data": DataConfig, "model": ModelConfig, "train": TrainConfig}


def option_kind(f: dataclasses.Field) -> tuple[str, bool]:
    """How a UI should ask for an option: ("choice" | "bool" | "ints" | "int" | "float" | "str", optional?)."""
    hint = str(f.type)
    optional = "None" in hint
    if f.metadata.get("choices"):
        return "choice", optional
    for kind, marker in (("bool", "bool"), ("ints", "tuple"), ("float", "float"), ("int", "int")):
        if marker in hint:
            return kind, optional
    return "str", optional


def all_options() -> list[dataclasses.Field]:
    """Every user-facing option, in data, model, train order (for generated forms and CLIs)."""
    return [f for kind in SECTION_CLASSES.values() for f in fields(kind)]


def validate(cfg: RunConfig) -> None:
    """Raise ConfigError for settings that cannot work, before any data or model is loaded."""
    d, m, t = cfg.data, cfg.model, cfg.train
    _positive("batch_size", t.batch_size, "e.g. --batch-size 16")
    if t.lr is not None:
        _positive("lr", t.lr, "e.g. --lr 5e-5 for a text encoder, 1e-3 for the MLP")
    if t.epochs is not None and t.epochs <= 0 and not t.max_steps:
        raise ConfigError(f"epochs must be positive (got {t.epochs}); or set max_steps.")
    if t.max_steps is not None:
        _positive("max_steps", t.max_steps, "or leave it unset to train by epochs")
    _positive("grad_accum", t.grad_accum, "1 means no accumulation")
    _positive("log_every", t.log_every, "e.g. 5")
    if t.eval_every is not None:
        _positive("eval_every", t.eval_every, "or leave it unset to evaluate each epoch")
    if d.max_train_samples is not None:
        _positive("max_train_samples", d.max_train_samples, "or leave it unset to use all")
    if d.max_eval_samples is not None:
        _positive("max_eval_samples", d.max_eval_samples, "or leave it unset to use all")
    _positive("max_length", d.max_length, "e.g. 128")
    if d.cv_folds == 1 or d.cv_folds < 0:
        raise ConfigError(f"cv_folds must be 0 (off) or at least 2 (got {d.cv_folds}).")
    if d.cv_folds and not 0 <= d.cv_fold < d.cv_folds:
        raise ConfigError(f"cv_fold must be between 0 and cv_folds - 1 = {d.cv_folds - 1} (got {d.cv_fold}).")
    for name, value in (("label_noise", d.label_noise), ("leak_fraction", d.leak_fraction)):
        if not 0 <= value < 1:
            raise ConfigError(f"{name} must be in [0, 1) (got {value}).")
    if not 0 < d.reduce_to <= 1:
        raise ConfigError(f"reduce_to must be in (0, 1] (got {d.reduce_to}); 0.1 keeps a tenth of the class.")
    _positive("image_size", d.image_size, "e.g. 128 or 224")
    for name, value in (("val_fraction", d.val_fraction), ("test_fraction", d.test_fraction)):
        if not 0 < value < 1:
            raise ConfigError(f"{name} must be between 0 and 1 (got {value}).")
    if d.val_fraction + d.test_fraction >= 0.9:
        raise ConfigError("val_fraction + test_fraction leave less than 10% for training; lower them.")
    if not 0 <= t.warmup_ratio < 1:
        raise ConfigError(f"warmup_ratio must be in [0, 1) (got {t.warmup_ratio}).")
    if not 0 <= t.label_smoothing < 1:
        raise ConfigError(f"label_smoothing must be in [0, 1) (got {t.label_smoothing}).")
    if t.weight_decay < 0 or t.max_grad_norm < 0 or t.early_stopping < 0:
        raise ConfigError("weight_decay, max_grad_norm and early_stopping cannot be negative.")
    if m.dropout is not None and not 0 <= m.dropout < 1:
        raise ConfigError(f"dropout must be in [0, 1) (got {m.dropout}).")
    if m.strategy == "last_n" and m.trainable_layers < 0:
        raise ConfigError("trainable_layers cannot be negative.")
    if not 0 < m.lr_decay <= 1:
        raise ConfigError(f"lr_decay must be in (0, 1] (got {m.lr_decay}).")
    if m.lora_r <= 0:
        raise ConfigError(f"lora_r must be positive (got {m.lora_r}).")
    if t.device == "cuda" and not _cuda_available():
        raise ConfigError("device 'cuda' needs a CUDA GPU and torch sees none; use device 'auto' (the GPU when "
                          "there is one) or 'cpu'.")
    if not m.pretrained and m.strategy in ("frozen", "last_n", "gradual", "lora"):
        raise ConfigError(f"strategy {m.strategy!r} freezes random weights when pretrained is off; "
                          "use strategy 'full' to train from scratch.")
    for f in all_options():
        choices = f.metadata.get("choices")
        value = getattr({"data": d, "model": m, "train": t}[SECTION_OF[f.name]], f.name)
        if choices and value not in choices:
            raise ConfigError(f"{f.name} must be one of {', '.join(choices)} (got {value!r}).")


def _cuda_available() -> bool:
    import torch
    return torch.cuda.is_available()


def _positive(name: str, value: float, hint: str) -> None:
    if value is None or value <= 0:
        raise ConfigError(f"{name} must be positive (got {value}); {hint}.")
