"""Builds the Hugging Face Trainer for any model kind: arguments, optimizer groups, schedule, loss, data."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

from ..speed.allocator import keep_freed_memory
from .budget import Budget, effective_train, resolve_budget, steps_per_epoch
from .callbacks import KeepBestWeights
from .config import RunConfig, TrainConfig
from .datasets import Splits
from .devices import cpu_supports_fast_bf16, dataloader_workers, resolve_device
from .inputs import collator, torch_split
from .models import DEFAULT_LR, BuiltModel, block_learning_rates


# ---------------------------------------------------------------- precision


def resolve_precision(requested: str, device: str = "auto") -> tuple[str, str]:
    """The precision to use on the run's device ("auto" | "cpu" | "cuda") and a sentence saying why."""
    cuda = resolve_device(device).type == "cuda"
    if requested != "auto":
        if requested == "fp16" and not cuda:
            return "bf16", "fp16 autocast needs a CUDA GPU; using bf16 on the CPU instead."
        if requested == "bf16" and cuda and not torch.cuda.is_bf16_supported():
            return "fp16", "this GPU has no bf16; using fp16 with loss scaling instead."
        return requested, f"{requested} as requested."
    if cuda:
        if torch.cuda.is_bf16_supported():
            return "bf16", "auto: bf16 autocast on a GPU with bf16 support."
        return "fp16", "auto: fp16 autocast (this GPU has no bf16)."
    if cpu_supports_fast_bf16():
        return "bf16", "auto: bf16 autocast; this CPU has native bf16 instructions (AVX512-BF16/AMX)."
    return "fp32", "auto: fp32; this CPU has no native bf16, so bf16 would be slower."


# ---------------------------------------------------------------- schedule


def lr_factor(step: int, total_steps: int, warmup_steps: int, schedule: str) -> float:
    """Multiplier of the peak LR at `step`: linear warm-up, then the chosen shape."""
    if step < warmup_steps:
        return (step + 1) / (warmup_steps + 1)
    progress = (step - warmup_steps) / max(1, total_steps - warmup_steps)
    progress = min(max(progress, 0.0), 1.0)
    if schedule == "constant":
        return 1.0
    if schedule == "linear":
        return 1.0 - progress
    if schedule == "cosine":
        return 0.5 * (1.0 + math.cos(math.pi * progress))
    if schedule == "exponential":
        return 0.01 ** progress           # decays to 1% of the peak by the end
    if schedule == "step":
        return 0.1 ** (int(progress >= 0.5) + int(progress >= 0.75))
    raise ValueError(f"unknown schedule {schedule!r}")


def lr_schedule_preview(train: TrainConfig, total_steps: int, base_lr: float) -> tuple[list[int], list[float]]:
    """The learning rate at every optimizer step, for a plot before launch."""
    warmup = int(train.warmup_ratio * total_steps)
    steps = list(range(total_steps))
    return steps, [base_lr * lr_factor(s, total_steps, warmup, train.schedule) for s in steps]


def planned_steps(n_train: int, train: TrainConfig, processes: int = 1) -> int:
    """Optimizer steps of a run, its budget filled in as the run will (workbench/core/budget.py)."""
    if train.max_steps:
        return train.max_steps
    epochs = resolve_budget(train, n_train, processes).epochs
    return max(1, math.ceil(steps_per_epoch(n_train, train, processes) * epochs))


# ---------------------------------------------------------------- optimizer and loss


NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight", "_bn")


def build_optimizer(built: BuiltModel, cfg: RunConfig, lr: float) -> torch.optim.Optimizer:
    """All parameters go in (frozen ones too, so gradual unfreezing needs no new optimizer); biases and norms
    get no weight decay; the discriminative strategy gives each block its own rate."""
    t = cfg.train
    if cfg.model.strategy == "discriminative":
        rated = block_learning_rates(built, lr, cfg.model.lr_decay)
    else:
        rated = [(list(built.module.parameters()), lr)]
    names = {id(p): n for n, p in built.module.named_parameters()}
    groups = []
    for params, group_lr in rated:
        decay = [p for p in params if not any(k in names.get(id(p), "") for k in NO_DECAY)]
        no_decay = [p for p in params if any(k in names.get(id(p), "") for k in NO_DECAY)]
        groups += [{"params": ps, "lr": group_lr, "weight_decay": wd}
                   for ps, wd in ((decay, t.weight_decay), (no_decay, 0.0)) if ps]
    # The fused kernels update all parameters in one pass: measured 0.02 s vs 0.13 s per MiniLM step on 2 cores.
    if t.optimizer == "adamw":
        return torch.optim.AdamW(groups, lr=lr, fused=True)
    if t.optimizer == "adam":
        # Adam's weight_decay is the coupled L2 penalty, unlike AdamW's; kept as the user asked for Adam.
        return torch.optim.Adam(groups, lr=lr, fused=True)
    if t.optimizer == "sgd":
        return torch.optim.SGD(groups, lr=lr)
    if t.optimizer == "sgd_momentum":
        return torch.optim.SGD(groups, lr=lr, momentum=t.momentum, nesterov=True)
    if t.optimizer == "rmsprop":
        return torch.optim.RMSprop(groups, lr=lr, momentum=t.momentum)
    return torch.optim.Adadelta(groups, lr=lr)


def class_weight_vector(labels: np.ndarray, n_classes: int) -> torch.Tensor:
    counts = np.bincount(labels, minlength=n_classes).astype(np.float64)
    weights = len(labels) / (n_classes * np.maximum(counts, 1))
    return torch.tensor(weights, dtype=torch.float32)


def make_loss(train: TrainConfig, weights: torch.Tensor | None):
    """The Trainer's `compute_loss_func`: cross-entropy (with label smoothing) or focal loss, optionally weighted."""

    def loss_fn(outputs, labels, num_items_in_batch=None):
        logits = outputs["logits"].float()
        w = weights.to(logits.device) if weights is not None else None
        if train.loss == "focal":
            log_p = F.log_softmax(logits, dim=-1)
            log_p_true = log_p.gather(1, labels[:, None]).squeeze(1)
            focal = -((1 - log_p_true.exp()) ** train.focal_gamma) * log_p_true
            if w is not None:
                return (focal * w[labels]).sum() / w[labels].sum()
            return focal.mean()
        return F.cross_entropy(logits, labels, weight=w, label_smoothing=train.label_smoothing)

    return loss_fn


def rebalance(index: np.ndarray, labels: np.ndarray, how: str, seed: int) -> np.ndarray:
    """Training indices with minority classes repeated (oversample) or majority classes cut (undersample)."""
    if how == "none":
        return index
    rng = np.random.default_rng(seed)
    by_class = [index[labels[index] == c] for c in np.unique(labels[index])]
    target = max(len(c) for c in by_class) if how == "oversample" else min(len(c) for c in by_class)
    picked = [rng.choice(c, target, replace=how == "oversample" and len(c) < target) for c in by_class]
    return np.sort(np.concatenate(picked))


def compute_eval_metrics(eval_pred) -> dict:
    """Accuracy and macro F1 of an evaluation or prediction pass; TrainingDiverged if a logit is NaN or infinite
    (metrics of such a model would be meaningless)."""
    from sklearn.metrics import accuracy_score, f1_score

    from .callbacks import raise_if_not_finite

    logits, labels = eval_pred.predictions, eval_pred.label_ids
    logits = logits[0] if isinstance(logits, tuple) else logits
    raise_if_not_finite(logits, "model's output (a logit)", " on an evaluation or prediction pass")
    preds = np.asarray(logits).argmax(-1)
    return {"accuracy": float(accuracy_score(labels, preds)),
            "f1": float(f1_score(labels, preds, average="macro", zero_division=0))}


# ---------------------------------------------------------------- trainer


class FixedOrderSampler(torch.utils.data.Sampler):
    def __init__(self, order: np.ndarray):
        self.order = order

    def __iter__(self):
        return iter(self.order.tolist())

    def __len__(self):
        return len(self.order)


def eval_order(dataset) -> np.ndarray:
    """The order in which the Trainer visits `dataset` when evaluating or predicting: texts shortest first (less
    padding per batch), everything else as stored. Deterministic, so predict_probs can undo it."""
    if hasattr(dataset, "column_names") and "length" in dataset.column_names:
        return np.argsort(np.asarray(dataset["length"]), kind="stable")
    return np.arange(len(dataset))


def _make_trainer_class():
    from transformers import Trainer

    class WorkbenchTrainer(Trainer):
        # make_loss returns each micro-batch's mean loss. With a compute_loss_func the Trainer would assume the loss
        # is already divided for gradient accumulation and sum the micro-batches' losses: grad_accum times the
        # gradient and the logged loss. False makes it divide, so accumulation matches the larger batch.
        loss_is_scaled_for_ga = False

        # transformers 5 applies the length-grouped (shuffled) sampler to evaluation as well when
        # train_sampling_strategy="group_by_length", so predict() would return rows in a random order.
        # Evaluate in a known order instead, and undo it in predict_probs.
        def _get_eval_sampler(self, eval_dataset):
            return None if eval_dataset is None else FixedOrderSampler(eval_order(eval_dataset))

    return WorkbenchTrainer


@dataclass
class PreparedTraining:
    trainer: object
    total_steps: int
    precision: str
    precision_reason: str
    lr: float
    train_size: int
    budget: Budget
    best_weights: KeepBestWeights | None = None


def build_trainer(cfg: RunConfig, built: BuiltModel, splits: Splits, output_dir: str, callbacks=(),
                  check_stop: Callable[[], None] = lambda: None) -> PreparedTraining:
    """`check_stop()` is called after each split is tokenized (it raises to abandon the set-up)."""
    from transformers import EarlyStoppingCallback, PrinterCallback, TrainingArguments

    keep_freed_memory()
    d = cfg.data
    lr = cfg.train.lr or DEFAULT_LR[built.kind]
    device = resolve_device(cfg.train.device)
    precision, reason = resolve_precision(cfg.train.precision, cfg.train.device)
    train_split = splits.train
    from .distributed import world_size
    budget = resolve_budget(cfg.train, len(train_split), world_size())
    t = effective_train(cfg.train, len(train_split), world_size())
    if t.sampling != "none":
        train_split = train_split.take(rebalance(np.arange(len(train_split)), train_split.y, t.sampling, t.seed))
    train_ds = torch_split(train_split, built, d.max_length, d.image_size, augment=d.augment)
    check_stop()
    val_ds = torch_split(splits.val, built, d.max_length, d.image_size)
    check_stop()
    total = planned_steps(len(train_split), t, world_size())
    eval_steps = t.eval_every
    workers = dataloader_workers(built.kind, device)
    args = TrainingArguments(
        output_dir=output_dir,
        per_device_train_batch_size=t.batch_size,
        per_device_eval_batch_size=t.batch_size * 2,
        num_train_epochs=t.epochs,
        max_steps=t.max_steps or -1,
        gradient_accumulation_steps=t.grad_accum,
        max_grad_norm=t.max_grad_norm,
        logging_steps=t.log_every,
        logging_first_step=True,      # a live curve's first point after one step, not log_every
        logging_nan_inf_filter=False,  # a NaN loss must reach the run's log, not be hidden
        eval_strategy="steps" if eval_steps else "epoch",
        eval_steps=eval_steps,
        save_strategy="epoch" if t.save_checkpoints else "no",
        save_total_limit=2,   # the latest two: resume, and mid-run models to explain
        save_only_model=False,
        seed=t.seed,
        data_seed=t.seed,
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        use_cpu=device.type == "cpu",
        report_to="none",
        disable_tqdm=True,
        remove_unused_columns=False,
        label_names=["labels"],
        train_sampling_strategy="group_by_length" if built.kind == "text" else "random",
        length_column_name="length",
        # Image runs on a GPU decode and resize in worker processes, into pinned memory for fast copies; on the
        # CPU the workers would take cores from the training arithmetic (see devices.dataloader_workers).
        dataloader_num_workers=workers,
        dataloader_pin_memory=device.type == "cuda",
        dataloader_persistent_workers=workers > 0,   # no new workers for each evaluation
        metric_for_best_model="eval_loss" if t.early_stopping else None,
        greater_is_better=False if t.early_stopping else None,
    )
    weights = class_weight_vector(train_split.y, len(splits.train.label_names)) if t.class_weights else None
    optimizer = build_optimizer(built, cfg, lr)
    warmup = int(t.warmup_ratio * total)
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: lr_factor(step, total, warmup, t.schedule))
    # An "improvement" must beat the last best validation loss by 1e-4, so float noise does not count.
    extra = ([EarlyStoppingCallback(early_stopping_patience=t.early_stopping, early_stopping_threshold=1e-4)]
             if t.early_stopping else [])
    best = KeepBestWeights() if t.early_stopping and t.restore_best else None
    extra += [best] if best else []
    trainer = _make_trainer_class()(
        model=built.module, args=args, train_dataset=train_ds, eval_dataset=val_ds,
        data_collator=collator(built), processing_class=built.tokenizer,
        compute_metrics=compute_eval_metrics, compute_loss_func=make_loss(t, weights),
        optimizers=(optimizer, scheduler), callbacks=[*callbacks, *extra],
    )
    trainer.remove_callback(PrinterCallback)  # events carry the logs; no raw dicts on stdout
    return PreparedTraining(trainer, total, precision, reason, lr, len(train_split), budget, best)


def predict_probs(trainer, dataset) -> np.ndarray:
    """Softmax probabilities for a whole split in the dataset's own row order (the Trainer's predict loop:
    batched, no gradients, the run's precision)."""
    out = trainer.predict(dataset)
    logits = out.predictions[0] if isinstance(out.predictions, tuple) else out.predictions
    probs = torch.softmax(torch.as_tensor(np.asarray(logits, dtype=np.float32)), dim=-1).numpy()
    in_order = np.empty_like(probs)
    in_order[eval_order(dataset)] = probs
    return in_order
