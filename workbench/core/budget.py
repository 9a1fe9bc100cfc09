"""How long a run trains when it names no budget: enough passes for the data to teach, bounded by early stopping.

One epoch is plenty on a large training set and far too little on a small one (Rotten Tomatoes at batch 16: 600
snippets stopped at 0.534 test accuracy after their 38 steps, 2,000 reached 0.761 after 125). So a run without
`epochs` or `max_steps` trains for at least AUTO_MIN_STEPS optimizer steps, in whole epochs, at most
AUTO_MAX_EPOCHS; when that means more than one epoch it evaluates each epoch, stops after AUTO_PATIENCE
evaluations without a better validation loss and ends with the best evaluation's weights. An explicit `epochs` or
`max_steps` always wins. bench/README.md has the measurements behind the numbers.
"""
from __future__ import annotations

import dataclasses
import math

from .config import TrainConfig

AUTO_MIN_STEPS = 250
AUTO_MAX_EPOCHS = 10
AUTO_PATIENCE = 2


@dataclasses.dataclass(frozen=True)
class Budget:
    epochs: float
    early_stopping: int        # patience in evaluations (0: off)
    auto: bool                 # chosen from the data, not set by the user
    reason: str                # one sentence for the plan and the run's notes


def steps_per_epoch(n_train: int, train: TrainConfig, processes: int = 1) -> int:
    """Optimizer steps in one pass; with several processes (DDP) each takes every `processes`-th batch (the batches
    are dealt out as accelerate does, the last round padded)."""
    return max(1, math.ceil(math.ceil(math.ceil(n_train / train.batch_size) / processes) / train.grad_accum))


def resolve_budget(train: TrainConfig, n_train: int, processes: int = 1) -> Budget:
    if train.max_steps:
        return Budget(train.epochs or 1.0, train.early_stopping, False, f"{train.max_steps} steps, as set.")
    if train.epochs is not None:
        return Budget(train.epochs, train.early_stopping, False, f"{train.epochs:g} epochs, as set.")
    per_epoch = steps_per_epoch(n_train, train, processes)
    epochs = min(AUTO_MAX_EPOCHS, max(1, math.ceil(AUTO_MIN_STEPS / per_epoch)))
    if epochs == 1:
        return Budget(1.0, train.early_stopping, True,
                      f"1 epoch (chosen from the data): {n_train:,} training examples already give {per_epoch} "
                      f"steps, at least the {AUTO_MIN_STEPS} a run needs to learn.")
    patience = train.early_stopping or AUTO_PATIENCE
    capped = " (the most it runs)" if epochs * per_epoch < AUTO_MIN_STEPS else ""
    return Budget(float(epochs), patience, True,
                  f"{epochs} epochs{capped} (chosen from the data): one pass over {n_train:,} training examples is "
                  f"only {per_epoch} steps, fewer than the {AUTO_MIN_STEPS} a run needs to learn. It stops early "
                  f"after {patience} evaluations without a lower validation loss and keeps the best evaluation's "
                  "weights. Set epochs or max_steps to choose yourself.")


def effective_train(train: TrainConfig, n_train: int, processes: int = 1) -> TrainConfig:
    """The training options with the budget filled in: what the Trainer runs with."""
    budget = resolve_budget(train, n_train, processes)
    return dataclasses.replace(train, epochs=budget.epochs, early_stopping=budget.early_stopping)
