"""Work a first click would otherwise wait for, done while the user reads the page: importing torch and
transformers, reading the Quick start's model files and tokenizing its data (Home), importing SHAP and LIME and
compiling SHAP's numba code, then explaining the example the page opens with (Explain). Each warm-up runs once per
server process, in a background thread, and only when no run is training, so it never slows one down; a click that
arrives mid-warm-up waits for the rest of it, which the click would have had to do anyway."""
from __future__ import annotations

import threading
from pathlib import Path
from typing import Callable

_threads: dict[str, threading.Thread] = {}
_lock = threading.Lock()
_remembered: dict[tuple, object] = {}
REMEMBERED = 16          # results kept (explanations are small)


def warm_in_background(name: str, work: Callable[[], object], busy: Callable[[], bool]) -> bool:
    """Start `work` once per process under `name`, unless `busy()` (a run is training); True if it started."""
    with _lock:
        if name in _threads or busy():
            return False
        thread = threading.Thread(target=_quietly, args=(work,), name=f"warm-up {name}", daemon=True)
        _threads[name] = thread
        thread.start()     # inside the lock: wait_for never sees a registered thread that has not started
    return True


def wait_for(name: str, timeout: float = 30.0) -> None:
    """Let a warm-up in flight finish before the work it prepares starts (a no-op when there is none)."""
    thread = _threads.get(name)
    if thread is not None and thread.is_alive() and thread is not threading.current_thread():
        thread.join(timeout)


def remember(key: tuple, compute: Callable[[], object]) -> object:
    """compute()'s result for `key`, computed once per process while kept (the last REMEMBERED keys). The key
    must name everything the result depends on; explanations are seeded, so the same key gives the same result."""
    with _lock:
        if key in _remembered:
            return _remembered[key]
    value = compute()
    with _lock:
        _remembered[key] = value
        while len(_remembered) > REMEMBERED:
            _remembered.pop(next(iter(_remembered)))
    return value


def _quietly(work: Callable[[], object]) -> None:
    try:
        work()
    except Exception:   # a warm-up is an optimisation: the real call reports any problem itself
        pass


def warm_quick_start() -> None:
    """The Quick start's set-up, minus what touches global state: libraries imported, dataset split, the text
    model's files read (they then sit in the OS cache) and both splits tokenized into the token cache the run reads.
    No model is built: that would seed or draw from the global random generators a starting run relies on."""
    import importlib

    from ..core.inputs import tokenize_cached
    from ..core.models import model_kind, text_source
    from ..core.pretrained import load_pretrained
    from ..core.runner import prepare_splits
    from .common import quickstart_config

    importlib.import_module("workbench.core.training")     # the Trainer stack
    cfg = quickstart_config()
    splits = prepare_splits(cfg)
    if model_kind(cfg.model.model) != "text" or splits.train.kind != "text":
        return
    from transformers import AutoTokenizer

    source = text_source(cfg.model.model)
    tokenizer = load_pretrained(AutoTokenizer, source, "text classification")
    for weights in Path(source).glob("*.safetensors") if Path(source).is_dir() else ():
        with open(weights, "rb") as f:
            while f.read(1 << 24):
                pass
    for split in (splits.train, splits.val):
        tokenize_cached(split.x, split.y, tokenizer, cfg.data.max_length)


def warm_explainers(kind: str) -> Callable[[], object]:
    """The warm-up of SHAP and LIME for one kind of data (each kind compiles its own path)."""
    def work():
        from ..analysis.explain import warm_up
        return warm_up((kind,))
    return work
