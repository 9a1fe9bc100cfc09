"""What a run will cost before it starts: steps, parameters, the LR schedule and a rough time estimate."""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from .config import RunConfig

# Sustained training throughput seen on this project's 2-core CPU (PERF_NOTES: MiniLM reaches about a third of
# the matmul peak). Deliberately rough: the estimate is for "seconds or minutes?", not a promise.
EFFECTIVE_FLOPS = {("cpu", "bf16"): 180e9, ("cpu", "fp32"): 60e9, ("cuda", "bf16"): 60e12,
                   ("cuda", "fp16"): 60e12, ("cuda", "fp32"): 15e12}
IMAGE_FLOPS_PER_PIXEL = 400e6 / (224 * 224)   # EfficientNet-Lite0: about 0.4 GFLOPs forward at 224 px


@lru_cache(maxsize=16)
def _parameter_counts(model_cfg, kind: str, num_labels: int, image_size: int, in_features: int | None) -> dict:
    from .models import apply_strategy, build_model, parameter_counts
    built = build_model(model_cfg, num_labels, kind, image_size, in_features)
    return parameter_counts(apply_strategy(built, model_cfg).module)


def plan_run(cfg: RunConfig) -> dict:
    """Steps, parameter counts, peak LR, precision, the LR at each step and an estimate of training seconds."""
    from .models import DEFAULT_LR
    from .runner import prepare_splits
    from .training import lr_schedule_preview, planned_steps, resolve_precision

    cfg.validate()
    splits = prepare_splits(cfg)
    train = splits.train
    kind = train.kind
    in_features = train.x.shape[1] if kind == "tabular" else None
    params = _parameter_counts(cfg.model, kind, len(train.label_names), cfg.data.image_size, in_features)
    total = planned_steps(len(train), cfg.train)
    lr = cfg.train.lr or DEFAULT_LR[kind]
    precision, reason = resolve_precision(cfg.train.precision)
    steps, lrs = lr_schedule_preview(cfg.train, total, lr)
    examples = total * cfg.train.batch_size * cfg.train.grad_accum
    flops = 6 * params["total"] * examples * _units_per_example(cfg, train)
    if cfg.model.strategy in ("frozen", "lora"):
        flops *= 0.5   # no weight gradients for the frozen backbone
    device = "cuda" if _cuda() else "cpu"
    speed = EFFECTIVE_FLOPS.get((device, precision), EFFECTIVE_FLOPS[(device, "fp32")])
    return {"kind": kind, "train_size": len(train), "splits": splits.sizes(), "total_steps": total,
            "parameters": params, "lr": lr, "precision": precision, "precision_reason": reason,
            "schedule_steps": steps, "schedule_lrs": lrs, "estimated_seconds": float(flops / speed)}


def _units_per_example(cfg: RunConfig, train) -> float:
    """Work per example relative to one parameter pass: tokens for text, pixel-scaled passes for images."""
    if train.kind == "text":
        sample = train.x[:500]
        return float(np.mean([min(len(str(t).split()) * 1.3 + 2, cfg.data.max_length) for t in sample]))
    if train.kind == "image":
        return IMAGE_FLOPS_PER_PIXEL * cfg.data.image_size ** 2 / 2 / 4.6e6   # per-parameter units
    return 1.0


def _cuda() -> bool:
    import torch
    return torch.cuda.is_available()
