"""Small measurements the training lessons make beside the runner: padding waste and its cost, the dtypes autocast
uses, per-layer gradient norms, a plain-torch loss comparison, training with a re-initialised head, and an Optuna
study rebuilt from stored trials. Each returns plain values, so lesson outcomes stay JSON."""
from __future__ import annotations

import tempfile
import threading
import time

import numpy as np

PAD_MODES = ("fixed", "dynamic", "grouped")
HEAD_INITS = ("default", "xavier", "zeros", "large")
PLAIN_LOSSES = ("cross_entropy", "hinge", "mse")


# ---------------------------------------------------------------- padding


def token_lengths(texts, tokenizer, max_length: int) -> np.ndarray:
    """Tokens per text with special tokens, truncated at max_length, before any padding."""
    encoded = tokenizer(list(texts), truncation=True, max_length=max_length)
    return np.asarray([len(ids) for ids in encoded["input_ids"]])


def padding_batches(lengths: np.ndarray, batch_size: int, mode: str, seed: int = 0) -> list[np.ndarray]:
    """Index batches: shuffled (fixed and dynamic padding) or of neighbouring lengths (grouped)."""
    if mode not in PAD_MODES:
        raise ValueError(f"Unknown padding mode {mode!r}; use one of {', '.join(PAD_MODES)}.")
    order = np.random.default_rng(seed).permutation(len(lengths))
    if mode == "grouped":
        order = order[np.argsort(lengths[order], kind="stable")]
    return [order[i:i + batch_size] for i in range(0, len(order), batch_size)]


def pad_share(lengths: np.ndarray, batches: list[np.ndarray], pad_to: int | None = None) -> float:
    """Share of the tokens fed to the model that are padding: every batch padded to pad_to, or (None) to its own
    longest sequence."""
    real = sum(int(lengths[b].sum()) for b in batches)
    fed = sum(len(b) * (pad_to or int(lengths[b].max())) for b in batches)
    return 1.0 - real / fed


def time_batches(module, tokenizer, texts, batches: list[np.ndarray], max_length: int, fixed: bool) -> float:
    """Seconds for a forward and backward pass over the batches, padded to max_length (fixed) or per batch."""
    module.train()
    started = time.perf_counter()
    for batch in batches:
        encoded = tokenizer([texts[i] for i in batch], truncation=True, max_length=max_length,
                            padding="max_length" if fixed else True, return_tensors="pt")
        logits = module(**encoded)["logits"]
        logits.float().logsumexp(-1).mean().backward()
        module.zero_grad(set_to_none=True)
    return time.perf_counter() - started


# ---------------------------------------------------------------- mixed precision


def autocast_dtypes(update: float = 1e-3) -> dict:
    """What bf16 autocast really computes in: a Linear layer and a cross-entropy loss run under CPU autocast,
    then the dtype of every tensor involved; and whether a small weight update survives in bf16 and in fp32."""
    import torch
    import torch.nn.functional as F

    torch.manual_seed(0)
    layer = torch.nn.Linear(32, 4)
    x, y = torch.randn(8, 32), torch.randint(0, 4, (8,))
    with torch.autocast("cpu", dtype=torch.bfloat16):
        logits = layer(x)
        loss = F.cross_entropy(logits, y)
    loss.backward()
    tensors = {"input": x, "weight": layer.weight, "logits": logits, "loss": loss, "weight_grad": layer.weight.grad}
    one = torch.tensor(1.0)
    return {
        "dtypes": {name: str(t.dtype).removeprefix("torch.") for name, t in tensors.items()},
        "integer_tensors": [name for name, t in tensors.items() if not t.dtype.is_floating_point],
        "update": update,
        "update_kept_bf16": float((one.bfloat16() + update).float() - 1.0),
        "update_kept_fp32": float((one + update) - 1.0),
    }


# ---------------------------------------------------------------- gradients through depth


def layer_gradient_norms(features: np.ndarray, labels: np.ndarray, n_classes: int, activation: str,
                         depth: int = 12, width: int = 64, seed: int = 0) -> list[float]:
    """Gradient norm of each hidden layer's weights (bottom first) after one backward pass of a deep plain MLP:
    sigmoid layers with PyTorch's default initialisation, or ReLU layers with He initialisation."""
    import torch
    import torch.nn.functional as F
    from torch import nn

    if activation not in ("sigmoid", "relu"):
        raise ValueError(f"activation must be 'sigmoid' or 'relu' (got {activation!r}).")
    torch.manual_seed(seed)
    x = torch.tensor(np.asarray(features, dtype=np.float32))
    x = (x - x.mean(0)) / x.std(0).clamp_min(1e-6)
    hidden, width_in = [], x.shape[1]
    for _ in range(depth):
        layer = nn.Linear(width_in, width)
        if activation == "relu":
            nn.init.kaiming_normal_(layer.weight, nonlinearity="relu")
            nn.init.zeros_(layer.bias)
        hidden.append(layer)
        width_in = width
    act = torch.sigmoid if activation == "sigmoid" else torch.relu
    h = x
    for layer in hidden:
        h = act(layer(h))
    F.cross_entropy(nn.Linear(width, n_classes)(h), torch.tensor(np.asarray(labels))).backward()
    return [float(layer.weight.grad.norm()) for layer in hidden]


# ---------------------------------------------------------------- losses in a plain loop


def train_with_loss(loss: str, train, test, steps: int = 150, seed: int = 0, lr: float = 1e-2,
                    batch_size: int = 32, hidden_sizes=(64,)) -> dict:
    """Train the workbench MLP with one loss in a short AdamW loop (same seed, so the same start and batches for
    every loss) and score it on the test split: accuracy, mean confidence and expected calibration error."""
    import torch
    import torch.nn.functional as F

    from ...analysis.metrics import calibration
    from ...core.models import TabularMLP

    if loss not in PLAIN_LOSSES:
        raise ValueError(f"Unknown loss {loss!r}; use one of {', '.join(PLAIN_LOSSES)}.")
    n_classes = len(train.label_names)
    losses = {"cross_entropy": F.cross_entropy, "hinge": F.multi_margin_loss,
              "mse": lambda logits, y: F.mse_loss(logits, F.one_hot(y, n_classes).float())}
    torch.manual_seed(seed)
    model = TabularMLP(train.x.shape[1], n_classes, hidden_sizes, dropout=0.0)
    model.fit_scaler(train.x)
    x, y = torch.tensor(np.asarray(train.x, dtype=np.float32)), torch.tensor(np.asarray(train.y))
    optimizer = torch.optim.AdamW(model.parameters(), lr=lr)
    batches = torch.Generator().manual_seed(seed)
    for _ in range(steps):
        pick = torch.randint(0, len(y), (batch_size,), generator=batches)
        optimizer.zero_grad()
        losses[loss](model(x[pick])["logits"], y[pick]).backward()
        optimizer.step()
    model.eval()
    with torch.no_grad():
        probs = torch.softmax(model(torch.tensor(np.asarray(test.x, dtype=np.float32)))["logits"], -1).numpy()
    return {"accuracy": float((probs.argmax(1) == test.y).mean()), "confidence": float(probs.max(1).mean()),
            "ece": calibration(test.y, probs)["ece"]}


# ---------------------------------------------------------------- head initialisation


def init_head(layer, scheme: str, seed: int = 0, large_std: float = 1.0) -> None:
    """Re-initialise a Linear layer: default (leave the model's own), xavier, zeros, or large (normal, large_std)."""
    import torch
    from torch import nn

    if scheme not in HEAD_INITS:
        raise ValueError(f"Unknown head initialisation {scheme!r}; use one of {', '.join(HEAD_INITS)}.")
    if scheme == "default":
        return
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        if scheme == "xavier":
            nn.init.xavier_uniform_(layer.weight, generator=generator)
        elif scheme == "zeros":
            layer.weight.zero_()
        else:
            layer.weight.normal_(0.0, large_std, generator=generator)
        if layer.bias is not None:
            layer.bias.zero_()


class ProbeHandle:
    """Stands in for a run handle in a lesson's `on_start` for training that bypasses the runner: the Lessons page
    lists it by `id`, and the lesson's Stop reaches it through `stop()` (training ends at the next step)."""

    def __init__(self, label: str):
        self.id = label
        self._stop = threading.Event()

    def stop(self) -> None:
        self._stop.set()

    @property
    def stopped(self) -> bool:
        return self._stop.is_set()


def train_with_head_init(cfg, scheme: str, large_std: float = 1.0, on_start=None) -> dict:
    """Build the run's model exactly as the runner does, re-initialise its head, then train with the run's
    Trainer: the validation loss before training, the curves (loss and gradient norm), the head's weight scale
    before and after, and test accuracy. Nothing is stored. `on_start(scheme, handle)` receives a ProbeHandle
    that can stop the training."""
    from transformers import TrainerCallback

    from ...analysis.metrics import classification_report
    from ...core.inputs import torch_split
    from ...core.models import build_for_training, final_linear
    from ...core.runner import prepare_splits
    from ...core.training import build_trainer, predict_probs

    cfg = cfg.replace(save_checkpoints=False, save_model=False).validate()
    splits = prepare_splits(cfg)
    built = build_for_training(cfg.model, splits.train, cfg.data.image_size, cfg.train.seed)
    head = final_linear(built)
    init_head(head, scheme, cfg.train.seed, large_std)
    head_std_before = float(head.weight.detach().std())
    rows = []
    handle = ProbeHandle(f"head init {scheme}, seed {cfg.train.seed} (probe, not stored)")
    if on_start is not None:
        on_start(scheme, handle)

    class Recorder(TrainerCallback):
        def on_log(self, args, state, control, logs=None, **kw):
            for key, name in (("loss", "train_loss"), ("eval_loss", "eval_loss"), ("grad_norm", "grad_norm")):
                if logs and logs.get(key) is not None:
                    rows.append({"step": state.global_step, name: float(logs[key])})

        def on_step_end(self, args, state, control, **kw):
            if handle.stopped:
                control.should_training_stop = True

    with tempfile.TemporaryDirectory(prefix="head_init_") as scratch:
        trainer = build_trainer(cfg, built, splits, scratch, [Recorder()]).trainer
        initial = float(trainer.evaluate()["eval_loss"])
        rows.clear()
        started = time.time()
        trainer.train()
        seconds = time.time() - started
        d = cfg.data
        probs = predict_probs(trainer, torch_split(splits.test, built, d.max_length, d.image_size))
    report = classification_report(splits.test.y, probs, splits.test.label_names)
    train_losses = [r["train_loss"] for r in rows if "train_loss" in r]
    grad_norms = [r["grad_norm"] for r in rows if "grad_norm" in r]
    return {"accuracy": report["accuracy"], "initial_loss": initial, "train_seconds": seconds,
            "final_train_loss": train_losses[-1] if train_losses else None,
            "first_grad_norm": grad_norms[0] if grad_norms else None,
            "head_std_before": head_std_before, "head_std_after": float(head.weight.detach().std()),
            "stopped": handle.stopped,
            "history": [{"step": 0, "eval_loss": initial}, *rows]}


# ---------------------------------------------------------------- search studies


def study_from_trials(rows: list[dict], distributions: dict, direction: str = "maximize"):
    """An in-memory Optuna study holding stored trials ({"value", "params"}), so Optuna's figures can be drawn
    again from an outcome. `distributions` maps a parameter to ["log"|"float", low, high] or a list of choices."""
    import optuna

    dists = {name: (optuna.distributions.CategoricalDistribution(spec) if not _is_range(spec) else
                    optuna.distributions.FloatDistribution(spec[1], spec[2], log=spec[0] == "log"))
             for name, spec in distributions.items()}
    study = optuna.create_study(direction=direction)
    for row in rows:
        if row.get("value") is None:
            continue
        study.add_trial(optuna.trial.create_trial(params=row["params"], distributions=dists, value=row["value"]))
    return study


def _is_range(spec) -> bool:
    return len(spec) == 3 and spec[0] in ("log", "float")
