"""Deployment variants of a finished run: int8 dynamic quantisation, ONNX Runtime, magnitude pruning.

Each variant is a `Deployment`: a `Predictor` that runs it (so every variant is scored by the same code), the
file it was saved to under runs/<id>/deploy/, and what was measured while making it. `compare_deployments`
puts the original fp32 model and the three variants side by side: file size, latency at batch 1 and accuracy
on the run's own test split.
"""
from __future__ import annotations

import dataclasses
import statistics
import time
import warnings
import zlib
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ..core.config import ConfigError
from ..core.inputs import encode_batch
from ..core.predict import Predictor, load_predictor
from ..core.store import RunStore

ONNX_TOLERANCE = 1e-4      # fp32 logits, PyTorch vs ONNX Runtime
PRUNABLE = (nn.Linear, nn.Conv1d, nn.Conv2d)


@dataclass
class Deployment:
    variant: str
    predictor: Predictor
    path: Path                                     # the saved weights or ONNX file
    details: dict = field(default_factory=dict)    # what was measured while making it
    note: str = ""                                 # what the variant does not cover


def deploy_folder(run_id: str, store: RunStore | None = None) -> Path:
    folder = (store or RunStore()).folder(run_id) / "deploy"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def original(run_id: str, store: RunStore | None = None) -> Deployment:
    """The run's own fp32 model, as saved by training."""
    store = store or RunStore()
    predictor = _fp32_predictor(run_id, store)
    return Deployment("original fp32", predictor, store.model_folder(run_id) / "model.safetensors")


def quantize_dynamic_int8(run_id: str, store: RunStore | None = None) -> Deployment:
    """Linear layers with int8 weights, activations quantised on the fly (eager dynamic quantisation).

    `torch.ao.quantization.quantize_dynamic` is deprecated in favour of torchao's `quantize_`, but on a CPU
    without torch.compile torchao's int8 path was slower than fp32 here (MiniLM, batch 1: 10.0 ms vs 7.6 ms),
    while this one runs the fbgemm/oneDNN int8 kernels (2.5 ms vs 6.7 ms). So we keep it while it exists.
    """
    store = store or RunStore()
    base = _fp32_predictor(run_id, store)
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=r".*(torch\.ao\.quantization|quantize_per).*deprecated")
        module = torch.ao.quantization.quantize_dynamic(base.built.module, {nn.Linear}, dtype=torch.qint8)
    path = deploy_folder(run_id, store) / "model_int8.pt"
    torch.save(module.state_dict(), path)
    linear = sum(isinstance(m, nn.Linear) for m in base.built.module.modules())
    note = {"text": "the embedding matrices stay fp32",
            "image": "the convolutions stay fp32 (they would need static quantisation with calibration data)",
            "tabular": ""}[base.kind]
    return Deployment("int8 dynamic", _with_module(base, module), path, {"quantized_layers": linear}, note)


def export_onnx(run_id: str, path: Path | str | None = None, store: RunStore | None = None) -> Deployment:
    """The model as one ONNX file with dynamic batch (and, for text, sequence) axes, checked with ONNX Runtime.

    `details["max_abs_diff"]` is the largest logit difference from PyTorch over batches of 8, 3 and 1 test
    examples; above ONNX_TOLERANCE the export is refused.
    """
    from torch.export import Dim

    store = store or RunStore()
    base = _fp32_predictor(run_id, store)
    path = Path(path) if path is not None else deploy_folder(run_id, store) / "model.onnx"
    path.parent.mkdir(parents=True, exist_ok=True)
    items, _ = stored_test_examples(run_id, 8, store)
    if len(items) < 4:
        raise ValueError(f"Run {run_id} has only {len(items)} test examples; exporting needs at least 4 to check "
                         "the dynamic axes.")
    sample = _encode(base, items)   # a batch of 1 would be baked into the graph as a fixed size
    batch, sequence = Dim("batch"), Dim("sequence")
    shapes = {name: {0: batch, 1: sequence} if base.kind == "text" else {0: batch} for name in sample}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(base.built.module, (), str(path), kwargs=sample, dynamic_shapes=shapes,
                          output_names=["logits"], external_data=False, dynamo=True, verbose=False)
    module = OnnxRuntimeModule(path)
    diff = max(_max_logit_diff(base.built.module, module, _encode(base, chunk))
               for chunk in (items, items[-3:], items[:1]))
    if diff > ONNX_TOLERANCE:
        raise RuntimeError(f"ONNX Runtime's logits differ from PyTorch's by up to {diff:.2e} (tolerance "
                           f"{ONNX_TOLERANCE:g}); the exported file {path} should not be used.")
    return Deployment("ONNX Runtime", _with_module(base, module), path, {"max_abs_diff": diff})


def check_sparsity(sparsity: float) -> None:
    if not 0.0 <= sparsity < 1.0:
        raise ConfigError(f"sparsity must be in [0, 1) (the share of weights set to zero); got {sparsity}.")


def prune_magnitude(run_id: str, sparsity: float, store: RunStore | None = None) -> Deployment:
    """Zero the `sparsity` share of smallest-magnitude weights across all Linear and Conv layers together
    (global L1 unstructured pruning), made permanent. `details` holds the sparsity reached in those layers and
    over all parameters. The saved file stays dense: zeros cost as much as any weight unless compressed."""
    from safetensors.torch import save_model
    from torch.nn.utils import prune

    check_sparsity(sparsity)
    store = store or RunStore()
    base = _fp32_predictor(run_id, store)
    module = base.built.module
    targets = [(m, "weight") for m in module.modules() if isinstance(m, PRUNABLE)]
    prune.global_unstructured(targets, pruning_method=prune.L1Unstructured, amount=sparsity)
    for layer, name in targets:
        prune.remove(layer, name)
    zeros = sum(int((layer.weight == 0).sum()) for layer, _ in targets)
    size = sum(layer.weight.numel() for layer, _ in targets)
    everything = list(module.parameters())
    overall = sum(int((p == 0).sum()) for p in everything) / sum(p.numel() for p in everything)
    path = deploy_folder(run_id, store) / "model_pruned.safetensors"
    save_model(module, str(path))
    note = "embedding matrices are not pruned" if base.kind == "text" else ""
    return Deployment(f"pruned {sparsity:.0%}", base, path,
                      {"sparsity": zeros / size, "overall_sparsity": overall, "pruned_layers": len(targets)},
                      note)


def compare_deployments(run_id: str, sparsity: float = 0.5, max_examples: int = 200, latency_examples: int = 50,
                        store: RunStore | None = None):
    """One row per variant: file size (MB, and zlib-compressed MB), median latency per example at batch 1
    over the first `latency_examples` (ms, tokenisation/preprocessing included, after warm-up), and test
    accuracy and agreement with the fp32 model on the first `max_examples` test examples."""
    import pandas as pd

    check_sparsity(sparsity)    # before the slow exports, not after them
    if max_examples < 1 or latency_examples < 1:
        raise ValueError(f"max_examples and latency_examples must be at least 1; got {max_examples} and "
                         f"{latency_examples}.")
    store = store or RunStore()
    items, labels = stored_test_examples(run_id, max_examples, store)
    variants = [original(run_id, store), quantize_dynamic_int8(run_id, store), export_onnx(run_id, store=store),
                prune_magnitude(run_id, sparsity, store)]
    latencies = latency_ms([v.predictor for v in variants], items[:latency_examples])
    reference = variants[0].predictor.predict(items)
    rows = []
    for variant, latency in zip(variants, latencies):
        predicted = variant.predictor.predict(items)
        rows.append({"variant": variant.variant, "size_mb": variant.path.stat().st_size / 1e6,
                     "zipped_mb": compressed_mb(variant.path), "latency_ms": latency,
                     "accuracy": float((predicted == labels).mean()),
                     "agreement": float((predicted == reference).mean()),
                     "note": "; ".join(filter(None, [_describe(variant.details), variant.note]))})
    table = pd.DataFrame(rows)
    table.attrs.update(run_id=run_id, examples=len(labels), kind=variants[0].predictor.kind)
    return table


def stored_test_examples(run_id: str, limit: int | None, store: RunStore | None = None) -> tuple[list, np.ndarray]:
    """The first `limit` (None: all) examples of the run's stored test split and their labels."""
    from ..core.datasets import examples_by_id

    store = store or RunStore()
    saved = store.load_predictions(run_id, "test")
    ids, labels = saved["ids"][:limit], saved["labels"][:limit]
    return examples_by_id(store.config(run_id)["data"], ids), labels


def latency_ms(predictors: list[Predictor], items, warm_up: int = 3) -> list[float]:
    """Median milliseconds each predictor takes for one example alone, over `items` (after `warm_up` calls).
    The predictors take turns on each example, so a busy machine slows them all alike."""
    if len(items) == 0:
        raise ValueError("latency_ms needs at least one example.")
    for predictor in predictors:
        for _ in range(warm_up):
            predictor.predict_proba(items[:1])
    times = [[] for _ in predictors]
    for item in items:
        for predictor, spent in zip(predictors, times):
            start = time.perf_counter()
            predictor.predict_proba([item])
            spent.append((time.perf_counter() - start) * 1000)
    return [statistics.median(spent) for spent in times]


def compressed_mb(path: Path) -> float:
    """Size after zlib (level 1): what pruned zeros save once the file is compressed for shipping."""
    return len(zlib.compress(Path(path).read_bytes(), 1)) / 1e6


class OnnxRuntimeModule(nn.Module):
    """An ONNX Runtime session behind the workbench's module interface: `forward(**inputs) -> {"logits"}`."""

    def __init__(self, path: Path | str):
        super().__init__()
        import onnxruntime as ort

        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()   # the same cores PyTorch is allowed
        # The CPU provider on purpose: the deployment checks compare CPU latency (see _fp32_predictor).
        self.session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
        self.input_names = [i.name for i in self.session.get_inputs()]

    def forward(self, labels=None, **inputs):
        missing = [name for name in self.input_names if name not in inputs]
        if missing:
            raise ValueError(f"The ONNX model needs inputs {missing}; got {sorted(inputs)}.")
        feeds = {name: inputs[name].detach().cpu().numpy() for name in self.input_names}
        return {"logits": torch.from_numpy(self.session.run(None, feeds)[0])}


def _fp32_predictor(run_id: str, store: RunStore) -> Predictor:
    """A fresh copy of the run's model on the CPU in fp32, so every variant is compared like for like.

    On the CPU on purpose, even where CUDA is present: these checks measure what serving costs on a CPU (int8
    dynamic quantisation has CPU kernels only, ONNX Runtime runs its CPU provider, latency is CPU latency)."""
    loaded = load_predictor(run_id, store, device="cpu")
    return _with_module(loaded, loaded.built.module)


def _with_module(base: Predictor, module: nn.Module) -> Predictor:
    built = dataclasses.replace(base.built, module=module)
    return Predictor(built, base.label_names, "fp32", base.max_length, base.image_size, base.feature_names,
                     base.background)


def _encode(predictor: Predictor, items) -> dict:
    return dict(encode_batch(predictor.built, items, predictor.max_length, predictor.image_size))


def _max_logit_diff(module: nn.Module, other: nn.Module, batch: dict) -> float:
    with torch.inference_mode():
        return float((module(**batch)["logits"] - other(**batch)["logits"]).abs().max())


def _describe(details: dict) -> str:
    parts = []
    if "max_abs_diff" in details:
        parts.append(f"max logit diff vs PyTorch {details['max_abs_diff']:.1e}")
    if "sparsity" in details:
        parts.append(f"{details['sparsity']:.1%} of {details['pruned_layers']} layers' weights zero "
                     f"({details['overall_sparsity']:.1%} of all parameters)")
    if "quantized_layers" in details:
        parts.append(f"{details['quantized_layers']} Linear layer(s) int8")
    return "; ".join(parts)
