"""Where a model runs and in which arithmetic: the one choice that training, prediction, explanations, embeddings,
question answering, translation and lesson inference share.

`resolve_device("auto")` is the GPU when CUDA is present, else the CPU; "cpu" forces the CPU (a comparison row,
or a run that must not take the GPU) and "cuda" insists on the GPU. `inference_autocast(device, precision)` is
the autocast for inference on that device: none for a run trained in fp32, else the 16-bit type that is fast
there (CUDA: bf16 where the GPU supports it, else fp16; CPU: bf16 only with native bf16 instructions, else
fp32, since emulated bf16 is slower than fp32).

Deployment checks that measure CPU latency (int8 quantisation, ONNX Runtime's CPU provider) stay on the CPU on
purpose and do not use `resolve_device`; see `workbench.lab.deploy`.
"""
from __future__ import annotations

import contextlib
import functools

import torch

from .config import DEVICES   # "auto", "cpu", "cuda": the run option's choices


@functools.lru_cache(maxsize=1)
def cpu_supports_fast_bf16() -> bool:
    """bf16 pays off on CPUs with native bf16 matrix units (AVX512-BF16 or AMX), as on this project's machines.
    Read once per process: predictors ask on every batch."""
    try:
        with open("/proc/cpuinfo") as f:
            flags = f.read()
    except OSError:
        return False
    return "avx512_bf16" in flags or "amx_bf16" in flags


def cuda_available() -> bool:
    return torch.cuda.is_available()


def resolve_device(requested: str = "auto") -> torch.device:
    """The device for `requested` ("auto" | "cpu" | "cuda"); "cuda" without a visible GPU is an error."""
    if requested not in DEVICES:
        raise ValueError(f"device must be one of {', '.join(DEVICES)} (got {requested!r}).")
    if requested == "cpu":
        return torch.device("cpu")
    if cuda_available():
        return torch.device("cuda")
    if requested == "cuda":
        raise RuntimeError("device 'cuda' needs a CUDA GPU, and torch sees none (torch.cuda.is_available() is "
                           "False); use device 'auto' or 'cpu'.")
    return torch.device("cpu")


def inference_device(run_device: str = "auto") -> torch.device:
    """Where a saved run's model predicts: the GPU when CUDA is present (unless the run asked for the CPU)."""
    return resolve_device("cpu" if run_device == "cpu" else "auto")


def device_name(requested: str = "auto") -> str:
    """"cuda:0" or "cpu", as a run reports where it trained."""
    device = resolve_device(requested)
    return f"cuda:{torch.cuda.current_device()}" if device.type == "cuda" else "cpu"


def low_precision_dtype(device) -> torch.dtype | None:
    """The 16-bit autocast type that is fast on `device`, or None where fp32 is the fast choice."""
    kind = torch.device(device).type
    if kind == "cuda":
        return torch.bfloat16 if torch.cuda.is_bf16_supported() else torch.float16
    if kind == "cpu":
        return torch.bfloat16 if cpu_supports_fast_bf16() else None
    return None


def inference_dtype(device, training_precision: str = "fp32") -> torch.dtype | None:
    """The autocast type for inference on `device` of a run trained in `training_precision`: None (fp32) for an
    fp32 run, else the device's fast 16-bit type."""
    if training_precision not in ("bf16", "fp16"):
        return None
    return low_precision_dtype(device)


def inference_autocast(device, training_precision: str = "fp32"):
    """A context manager: `torch.autocast` with `inference_dtype`, or nothing when that is fp32."""
    dtype = inference_dtype(device, training_precision)
    if dtype is None:
        return contextlib.nullcontext()
    return torch.autocast(torch.device(device).type, dtype=dtype)


def dataloader_workers(kind: str, device, cpu_count: int | None = None) -> int:
    """DataLoader worker processes for training: image runs on a GPU decode and resize in workers (min(4, cores -
    1)) so the GPU is not starved; everything else, and every CPU run, loads in the training process, where the
    cores are better spent on the training arithmetic itself."""
    import os

    if torch.device(device).type != "cuda" or kind != "image":
        return 0
    cores = cpu_count if cpu_count is not None else (len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity")
                                                     else os.cpu_count() or 1)
    return max(0, min(4, cores - 1))
