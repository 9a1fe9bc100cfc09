"""Third-party chatter off: the workbench says what matters (a new head, a run's progress) in its own words.

`import workbench` calls `quiet_third_party()`, so notebooks, the app and the CLI show no transformers load report
("classifier.bias | MISSING ..."), no advisory warnings and no progress bars from transformers, datasets or the
Hugging Face hub (tokenizing each split, writing model shards, downloads). WORKBENCH_VERBOSE=1, or the CLI's
`--verbose`, keeps them. The CLI's own progress bar is the workbench's and stays.
"""
from __future__ import annotations

import contextlib
import logging
import os
import sys

VERBOSE_ENV = "WORKBENCH_VERBOSE"
# Read by each library when it is imported; set only where the user has not chosen.
QUIET_ENV = {"TRANSFORMERS_VERBOSITY": "error", "TRANSFORMERS_NO_ADVISORY_WARNINGS": "1",
             "HF_DATASETS_DISABLE_PROGRESS_BARS": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"}
_ONNX_LOGGER = "torch.onnx._internal.exporter"   # torch resets the level of "torch.onnx" itself
_set_by_us: set[str] = set()


def verbose() -> bool:
    return os.environ.get(VERBOSE_ENV, "").strip().lower() in ("1", "true", "yes")


def quiet_third_party() -> None:
    """Quiet from now on, unless WORKBENCH_VERBOSE asks otherwise: environment defaults for the libraries not yet
    imported, their own switches for those already imported (a notebook may import transformers first)."""
    if verbose():
        return
    for name, value in QUIET_ENV.items():
        if name not in os.environ:
            os.environ[name] = value
            _set_by_us.add(name)
    _silence_loaded()


def loud_third_party() -> None:
    """Undo `quiet_third_party` (the CLI's --verbose): the libraries' own defaults again."""
    os.environ[VERBOSE_ENV] = "1"
    for name in list(_set_by_us):
        os.environ.pop(name, None)
        _set_by_us.discard(name)
    _switch_loaded(quiet=False)
    logging.getLogger(_ONNX_LOGGER).setLevel(logging.NOTSET)


def _silence_loaded() -> None:
    _switch_loaded(quiet=True)
    logging.getLogger(_ONNX_LOGGER).setLevel(logging.ERROR)


def _switch_loaded(quiet: bool) -> None:
    """transformers, datasets and the hub, those already imported: quiet, or back to their own defaults."""
    if "transformers" in sys.modules:
        from transformers.utils import logging as hf_logging
        hf_logging.set_verbosity_error() if quiet else hf_logging.set_verbosity_warning()
        hf_logging.disable_progress_bar() if quiet else hf_logging.enable_progress_bar()
    if "datasets" in sys.modules:
        import datasets
        datasets.disable_progress_bars() if quiet else datasets.enable_progress_bars()
    if "huggingface_hub" in sys.modules:
        from huggingface_hub import utils as hub_utils
        hub_utils.disable_progress_bars() if quiet else hub_utils.enable_progress_bars()


@contextlib.contextmanager
def quiet_libraries():
    """Within the block, no progress bars or load reports from transformers and datasets and no warnings from
    torch's ONNX exporter, even in verbose mode (a lesson's output in a notebook, and its HTML export, is its own);
    each library's previous state is restored after."""
    import datasets
    import transformers
    from huggingface_hub.utils import are_progress_bars_disabled, enable_progress_bars

    bars_were_on = datasets.utils.logging.is_progress_bar_enabled()
    hf_bars_were_on = transformers.utils.logging.is_progress_bar_enabled()
    hub_bars_were_on = not are_progress_bars_disabled()
    verbosity = transformers.utils.logging.get_verbosity()
    onnx_logger = logging.getLogger(_ONNX_LOGGER)
    onnx_level = onnx_logger.level
    _silence_loaded()
    try:
        yield
    finally:
        onnx_logger.setLevel(onnx_level)
        transformers.utils.logging.set_verbosity(verbosity)
        if hf_bars_were_on:
            transformers.utils.logging.enable_progress_bar()
        if bars_were_on:
            datasets.enable_progress_bars()
        if hub_bars_were_on:
            enable_progress_bars()
