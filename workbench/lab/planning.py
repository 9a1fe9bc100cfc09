"""What a run will cost before it starts: steps, parameters, the LR schedule, a rough time estimate and a rough
memory estimate set against the memory the device has free."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from ..core.config import RunConfig

# Sustained training throughput of matrix-product models (FLOPs counted as 6 x weights outside the embedding
# table x tokens). Measured on this project's 2-core CPU with MiniLM at batch 16: 0.112 s per step in bf16 and
# about 0.27 s in fp32 for ~27-token snippets. Deliberately rough: the estimate answers "seconds or minutes?".
EFFECTIVE_FLOPS = {("cpu", "bf16"): 240e9, ("cpu", "fp32"): 100e9, ("cuda", "bf16"): 60e12,
                   ("cuda", "fp16"): 60e12, ("cuda", "fp32"): 15e12}
IMAGE_FLOPS_PER_PIXEL = 400e6 / (224 * 224)   # EfficientNet-Lite0: about 0.4 GFLOPs forward at 224 px
# Depthwise convolutions run far below the matrix-product rate: EfficientNet-Lite0 measured 0.23 s per training
# step of 16 images at 128 px in bf16 here, about 27 GFLOP/s.
IMAGE_EFFICIENCY = 0.11
# What the arithmetic leaves out: the Trainer's set-up and its bookkeeping per step (measured with a tiny MLP,
# whose own arithmetic is negligible: about 0.3 s, plus about 1 ms a step).
START_SECONDS, STEP_OVERHEAD_SECONDS = 0.3, 0.001

# ---- memory: an order-of-magnitude estimate of the training tensors (not the Python process around them).
# Weights, gradients and optimizer state stay fp32 under bf16/fp16 autocast; the optimizer keeps this many floats
# per trainable parameter (rmsprop: a square average, plus a momentum buffer when momentum > 0).
OPTIMIZER_STATE_FLOATS = {"adamw": 2, "adam": 2, "sgd": 0, "sgd_momentum": 1, "rmsprop": 2, "adadelta": 2}
# Activations the backward pass keeps, per example, in fp32 values. Text, per layer: 18.5 s h + 3 a s^2 for
# sequence length s, width h and a heads (measured on MiniLM at s = 64 and 128 with saved_tensors_hooks; the
# published rule of Korthikanti et al. 2022, 17 s h + 2.5 a s^2, is within 10 %).
TEXT_VALUES_PER_TOKEN_DIM = 18.5
TEXT_VALUES_PER_SCORE = 3.0
IMAGE_BYTES_PER_PIXEL = 1700       # EfficientNet-Lite0, fp32, measured at 128 and 224 px
# Tabular: each hidden layer keeps its input, its ReLU output and its dropout mask (exact for the MLP).
# Under autocast the kept tensors are partly 16-bit: measured share of the fp32 bytes per example. Autocast also
# keeps a 16-bit copy of each trainable weight that goes through a matrix product (2 bytes per parameter).
MIXED_ACTIVATION_SHARE = {"text": 0.8, "image": 0.5, "tabular": 0.5}
MEMORY_WARN_SHARE = 0.8


@lru_cache(maxsize=16)
def _model_facts(model_cfg, kind: str, num_labels: int, image_size: int, in_features: int | None) -> dict:
    """Parameter counts after the strategy, and the shape numbers the memory estimate needs."""
    from ..core.models import apply_strategy, build_model, parameter_counts

    built = build_model(model_cfg, num_labels, kind, image_size, in_features)
    facts = {"blocks": len(built.blocks())}
    embedding = None
    if kind == "text":
        config = built.module.hf.config
        embedding = built.module.hf.get_input_embeddings().weight
        facts.update(blocks=config.num_hidden_layers, layers=config.num_hidden_layers, hidden=config.hidden_size,
                     heads=config.num_attention_heads)
    built = apply_strategy(built, model_cfg)
    params = list(built.module.parameters())
    outside = [p for p in params if p is not embedding]
    every_block = model_cfg.strategy == "gradual"   # gradual ends with every block training
    facts["parameters"] = parameter_counts(built.module)
    facts["matmul_parameters"] = sum(p.numel() for p in outside)
    facts["trainable_peak"] = sum(p.numel() for p in params if p.requires_grad or every_block)
    facts["matmul_trainable_peak"] = sum(p.numel() for p in outside if p.requires_grad or every_block)
    return facts


def plan_run(cfg: RunConfig, processes: int = 1) -> dict:
    """Steps (and how the budget was chosen), parameter counts, peak LR, precision, the LR at each step and an
    estimate of training seconds (for the whole budget: early stopping may end sooner). `processes`: the number a
    launcher will start, each taking every processes-th batch."""
    from ..core.budget import resolve_budget
    from ..core.models import DEFAULT_LR
    from ..core.runner import prepare_splits
    from ..core.training import lr_schedule_preview, planned_steps, resolve_precision

    cfg.validate()
    splits = prepare_splits(cfg)
    train = splits.train
    kind = train.kind
    in_features = train.x.shape[1] if kind == "tabular" else None
    facts = _model_facts(cfg.model, kind, len(train.label_names), cfg.data.image_size, in_features)
    params = dict(facts["parameters"])
    budget = resolve_budget(cfg.train, len(train), processes)
    cfg = cfg.replace(epochs=budget.epochs, early_stopping=budget.early_stopping)
    total = planned_steps(len(train), cfg.train, processes)
    lr = cfg.train.lr or DEFAULT_LR[kind]
    precision, reason = resolve_precision(cfg.train.precision, cfg.train.device)
    steps, lrs = lr_schedule_preview(cfg.train, total, lr)
    per_example = activation_bytes_per_example(cfg, kind, facts, train)
    seconds = estimate_seconds(cfg, kind, facts, train, total, len(splits.val), precision)
    return {"kind": kind, "train_size": len(train), "splits": splits.sizes(), "total_steps": total,
            "epochs": budget.epochs, "budget_auto": budget.auto, "budget_reason": budget.reason,
            "parameters": params, "lr": lr, "precision": precision, "precision_reason": reason,
            "schedule_steps": steps, "schedule_lrs": lrs, "estimated_seconds": seconds,
            "memory": estimate_memory(cfg, kind, facts, per_example, precision)}


def estimate_seconds(cfg: RunConfig, kind: str, facts: dict, train, total_steps: int, n_val: int,
                     precision: str) -> float:
    """Training steps plus the validation passes, from the work per example and the measured throughput."""
    forward = _forward_flops_per_example(cfg, kind, facts, train)
    backward = 2 * forward if cfg.model.strategy not in ("frozen", "lora") else forward  # no weight gradients
    examples = total_steps * cfg.train.batch_size * cfg.train.grad_accum
    evaluations = (math.ceil(total_steps / cfg.train.eval_every) if cfg.train.eval_every
                   else max(1, math.ceil(cfg.train.epochs)))
    device = "cuda" if cfg.train.device != "cpu" and _cuda() else "cpu"
    speed = EFFECTIVE_FLOPS.get((device, precision), EFFECTIVE_FLOPS[(device, "fp32")])
    if kind == "image":
        speed *= IMAGE_EFFICIENCY
    arithmetic = ((forward + backward) * examples + forward * n_val * evaluations) / speed
    return float(START_SECONDS + STEP_OVERHEAD_SECONDS * total_steps + arithmetic)


def _forward_flops_per_example(cfg: RunConfig, kind: str, facts: dict, train) -> float:
    if kind == "text":   # 2 FLOPs per weight per token; the embedding table is a lookup, not a product
        return 2 * facts["matmul_parameters"] * float(np.mean(_token_estimates(cfg, train)))
    if kind == "image":
        return IMAGE_FLOPS_PER_PIXEL * cfg.data.image_size ** 2
    return 2 * facts["parameters"]["total"]


def activation_bytes_per_example(cfg: RunConfig, kind: str, facts: dict, train) -> float:
    """fp32 bytes the backward pass keeps per example when every block trains (formulas above); text at the
    longest padded length the data will likely reach."""
    if kind == "text":
        s, h, a = float(np.max(_token_estimates(cfg, train))), facts["hidden"], facts["heads"]
        return 4 * facts["layers"] * (TEXT_VALUES_PER_TOKEN_DIM * s * h + TEXT_VALUES_PER_SCORE * a * s * s)
    if kind == "image":
        return IMAGE_BYTES_PER_PIXEL * cfg.data.image_size ** 2
    return 4 * (train.x.shape[1] + 3 * sum(cfg.model.hidden_sizes) + len(train.label_names))


def estimate_memory(cfg: RunConfig, kind: str, facts: dict, per_example: float, precision: str) -> dict:
    """Bytes for weights, gradients, optimizer state and activations at this batch size and precision, the memory
    the device has free, and a warning above MEMORY_WARN_SHARE of it. An order-of-magnitude estimate."""
    t, m = cfg.train, cfg.model
    mixed = precision in ("bf16", "fp16")
    # Only trained blocks keep activations (a frozen model still holds about one block's worth while it runs);
    # LoRA backpropagates through every block. Blocks are counted as equal, an overestimate for an image model's
    # top blocks, which run at low resolution.
    trained = {"frozen": 0, "last_n": min(m.trainable_layers, facts["blocks"])}.get(m.strategy, facts["blocks"])
    block_share = max(trained, 1) / max(facts["blocks"], 1)
    parts = {
        "weights": 4 * facts["parameters"]["total"],
        "gradients": 4 * facts["trainable_peak"],
        "optimizer_state": 4 * facts["trainable_peak"] * optimizer_state_floats(t),
        "activations": per_example * block_share * (MIXED_ACTIVATION_SHARE[kind] if mixed else 1.0) * t.batch_size,
        "half_precision_weights": 2 * facts["matmul_trainable_peak"] if mixed else 0,
    }
    total = float(sum(parts.values()))
    available, where = available_memory()
    share = total / available if available else None
    warning = None
    if share is not None and share > MEMORY_WARN_SHARE:
        warning = (f"The estimate ({format_bytes(total)}) is {share:.0%} of the {format_bytes(available)} of "
                   f"{where}: lower batch_size (and raise grad_accum to keep the effective batch), max_length or "
                   "image_size, or train fewer weights (strategy frozen, last_n or lora). If memory does run out, "
                   "the run retries with half the batch.")
    return {"parts": {k: float(v) for k, v in parts.items()}, "total": total, "available": available,
            "available_where": where, "share": share, "warning": warning}


def optimizer_state_floats(t) -> int:
    if t.optimizer == "rmsprop" and t.momentum == 0:
        return 1
    return OPTIMIZER_STATE_FLOATS[t.optimizer]


def available_memory() -> tuple[int, str]:
    """Free bytes where training will run: the GPU's free memory, or the machine's available RAM."""
    import torch

    if torch.cuda.is_available():
        free, _ = torch.cuda.mem_get_info()
        return int(free), f"free memory on {torch.cuda.get_device_name()}"
    import psutil   # installed with accelerate

    return int(psutil.virtual_memory().available), "available RAM"


def format_bytes(n: float) -> str:
    """1.23 GB above a tenth of a gigabyte, else 45.6 MB."""
    return f"{n / 1e9:.2f} GB" if n >= 1e8 else f"{n / 1e6:.1f} MB"


def _token_estimates(cfg: RunConfig, train) -> np.ndarray:
    """Rough token counts of up to 500 training texts (1.3 tokens a word plus [CLS] and [SEP]), capped at
    max_length."""
    return np.array([min(len(str(t).split()) * 1.3 + 2, cfg.data.max_length) for t in train.x[:500]])


def _cuda() -> bool:
    import torch
    return torch.cuda.is_available()
