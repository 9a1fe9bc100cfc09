"""Fine-Tuning Workbench: real fine-tuning of pretrained models, run in background threads and shown live.

`import workbench` stays light (no torch, no UI library); the heavy parts load on first use.
"""
from __future__ import annotations

from .core.config import ConfigError, DataConfig, ModelConfig, RunConfig, TrainConfig
from .core.quiet import quiet_third_party

quiet_third_party()   # no library load reports or progress bars unless WORKBENCH_VERBOSE=1 (workbench/core/quiet.py)

__all__ = ["RunConfig", "DataConfig", "ModelConfig", "TrainConfig", "ConfigError", "start_run", "get_runner",
           "RunStore", "load_predictor"]

_LAZY = {"start_run": "core.runner", "get_runner": "core.runner", "RunStore": "core.store",
         "load_predictor": "core.predict"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib
        return getattr(importlib.import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'workbench' has no attribute {name!r}")
