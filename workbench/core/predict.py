"""A saved run's model as a predictor: batched, no-grad probabilities for raw texts, images or feature rows.

This is the object explanations and the Explain pages work on.
"""
from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import numpy as np
import torch

from .devices import inference_autocast, inference_device
from .inputs import encode_batch
from .models import BuiltModel, load_model
from .store import RunStore


class Predictor:
    def __init__(self, built: BuiltModel, label_names: list[str], precision: str = "fp32", max_length: int = 128,
                 image_size: int = 128, feature_names: list[str] | None = None,
                 background: np.ndarray | None = None, batch_size: int = 64):
        self.built = built
        self.kind = built.kind
        self.label_names = list(label_names)
        self.precision = precision
        self.max_length = max_length
        self.image_size = image_size
        self.feature_names = list(feature_names or [])
        self.background = background
        self.batch_size = batch_size
        self.tokenizer = built.tokenizer
        # An int8 MLP or an ONNX Runtime wrapper may have no parameters at all: then buffers, else the CPU.
        tensors = itertools.chain(built.module.parameters(), built.module.buffers())
        self.device = next(tensors, torch.empty(0)).device

    def predict_proba(self, inputs) -> np.ndarray:
        """Probabilities (n, classes) for a list of texts, an (n,H,W[,3]) image batch or an (n,F) array."""
        items = list(inputs) if self.kind != "tabular" else np.asarray(inputs, dtype=np.float32).reshape(
            len(inputs), -1)
        if len(items) == 0:
            return np.zeros((0, len(self.label_names)), dtype=np.float32)
        if self.kind == "tabular" and items.shape[1] != len(self.feature_names):
            raise ValueError(f"Expected {len(self.feature_names)} features ({', '.join(self.feature_names[:5])}"
                             f"...), got {items.shape[1]}.")
        out = []
        self.built.module.eval()
        with torch.inference_mode(), inference_autocast(self.device, self.precision):
            for start in range(0, len(items), self.batch_size):
                batch = encode_batch(self.built, items[start:start + self.batch_size], self.max_length,
                                     self.image_size)
                batch = {k: v.to(self.device) for k, v in batch.items()}
                logits = self.built.module(**batch)["logits"].float()
                out.append(torch.softmax(logits, dim=-1).cpu().numpy())
        return np.concatenate(out)

    def predict(self, inputs) -> np.ndarray:
        return self.predict_proba(inputs).argmax(-1)

    def features(self, inputs) -> np.ndarray:
        """What the classification layer reads for each input (the model's representation of it), (n, dim)."""
        from .models import final_linear

        captured = []
        hook = final_linear(self.built).register_forward_hook(
            lambda module, args, output: captured.append(args[0].detach().float().reshape(len(args[0]), -1).cpu()))
        try:
            self.predict_proba(inputs)
        finally:
            hook.remove()
        return torch.cat(captured).numpy() if captured else np.zeros((0, 0), dtype=np.float32)


def load_predictor(run_id: str, store: RunStore | None = None, device: str | None = None) -> Predictor:
    """The final model of a finished run, on the run's device (`device="cpu"` forces the CPU)."""
    store = store or RunStore()
    folder = store.model_folder(run_id)
    if not folder.exists():
        raise FileNotFoundError(f"Run {run_id} has no saved model: only finished runs save one, and not runs "
                                f"started with save_model off (lessons turn it off). Re-run it with save_model on.")
    config = store.config(run_id)
    metrics = store.metrics(run_id)
    return predictor_from_folder(folder, config, metrics.get("precision", "fp32"), device)


def predictor_from_folder(folder: Path, config: dict, precision: str = "fp32", device: str | None = None) -> Predictor:
    """The saved model on the run's device: the GPU when CUDA is present, unless the run (or `device`) says cpu."""
    built = load_model(folder)
    built.module.to(inference_device(device or config.get("train", {}).get("device", "auto")))
    meta = built.info
    background = np.load(folder / "background.npy") if (folder / "background.npy").exists() else None
    return Predictor(built, meta.get("label_names", []), precision, config["data"]["max_length"],
                     config["data"]["image_size"], meta.get("feature_names"), background)


def predictors_across_training(run_id: str, store: RunStore | None = None,
                                checkpoints: bool = True) -> dict[str, Predictor]:
    """The run's model before fine-tuning (pretrained backbone, new untrained head), at each checkpoint still
    on disk (unless `checkpoints` is off), and at the end: the inputs `explain.explain_across_checkpoints`
    compares side by side, and the Evaluate page's embedding map."""
    from safetensors.torch import load_file

    from .config import RunConfig
    from .models import build_model

    store = store or RunStore()
    final = load_predictor(run_id, store)
    cfg = RunConfig.from_dict(store.config(run_id))

    def fresh(pretrained: bool) -> BuiltModel:
        info = final.built.info
        model_cfg = dataclasses.replace(cfg.model, pretrained=pretrained)
        built = build_model(model_cfg, len(final.label_names), final.kind, cfg.data.image_size,
                            in_features=info.get("in_features"))
        if final.kind == "tabular":   # the scaler is data preprocessing, not learning: keep the run's
            built.module.mean.copy_(final.built.module.mean)
            built.module.std.copy_(final.built.module.std)
        built.module.eval()
        return built

    def predictor(built: BuiltModel) -> Predictor:
        built.module.to(final.device)
        return Predictor(built, final.label_names, final.precision, final.max_length, final.image_size,
                         final.feature_names, final.background)

    stages = {"before fine-tuning": predictor(fresh(pretrained=cfg.model.pretrained))}   # random for a scratch run
    folders = store.checkpoints_folder(run_id).glob("checkpoint-*") if checkpoints else []
    for folder in sorted(folders, key=lambda p: int(p.name.split("-")[-1])):
        weights = folder / "model.safetensors"
        built = fresh(pretrained=False)
        try:
            built.module.load_state_dict(load_file(str(weights)))
        except (OSError, RuntimeError):
            continue   # e.g. a LoRA checkpoint, whose keys are the adapter's: skip rather than show a wrong model
        stages[f"step {folder.name.split('-')[-1]}"] = predictor(built)
    stages["final"] = final
    return stages
