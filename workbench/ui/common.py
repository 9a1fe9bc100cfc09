"""Pieces the Streamlit pages share: the process-wide runner, generated option forms, the live run panel."""
from __future__ import annotations

import json
import os
from dataclasses import fields

import streamlit as st

from ..core.config import SECTION_CLASSES, RunConfig, option_kind

# How often live panels poll; WORKBENCH_REFRESH_SECONDS slows them down on a weak machine.
REFRESH_SECONDS = float(os.environ.get("WORKBENCH_REFRESH_SECONDS", "1.0"))
ACTIVE = ("queued", "running")


def runner():
    """The runner is per process, so every browser session shares one queue and sees every run."""
    from ..core.runner import get_runner
    return get_runner()


def training_now() -> bool:
    """Whether anything trains on this host now: a run of this server's queue, or anything holding the device lock
    (an LLM run, a lesson's fine-tune, another process). Background warm-ups wait for a quiet moment."""
    from ..core.device_queue import device_busy
    from ..core.store import workbench_home
    return bool(runner().active_ids()) or device_busy(workbench_home() / "locks")


def quickstart_config() -> RunConfig:
    """The one-click run: MiniLM on 2,000 Rotten Tomatoes snippets, one epoch (about half a minute on 2 cores; a
    fixed epoch, not the budget chosen from the data, so the demo stays short).
    WORKBENCH_QUICKSTART may hold JSON option overrides (demos on slow machines, and the browser test)."""
    overrides = json.loads(os.environ.get("WORKBENCH_QUICKSTART", "{}") or "{}")
    return RunConfig.from_flat(**{"max_train_samples": 2000, "epochs": 1, "name": "quick start", **overrides})


def show_error(err: Exception) -> None:
    st.error(f"{err}", icon="⚠️")


# ---------------------------------------------------------------- generated option form


def _widget(f, value, key: str):
    help_text = f.metadata["help"]
    label = f.name.replace("_", " ")
    kind, optional = option_kind(f)
    if kind == "choice":
        choices = f.metadata["choices"]
        return st.selectbox(label, choices, index=list(choices).index(value), help=help_text, key=key)
    if kind == "bool":
        return st.checkbox(label, value=bool(value), help=help_text, key=key)
    if kind == "ints":
        text = st.text_input(label, ",".join(map(str, value)), help=help_text + " Comma-separated.", key=key)
        return tuple(int(v) for v in text.split(",") if v.strip())
    if kind in ("int", "float"):
        return st.number_input(label, value=value, step=1 if kind == "int" else None,
                               format=None if kind == "int" else "%g",
                               help=help_text + (" Leave empty for the default." if optional else ""),
                               key=key, placeholder="default")
    text = st.text_input(label, value or "", help=help_text, key=key)
    return text or None


def config_form(base: RunConfig, section: str, skip: tuple = (), key: str = "cfg") -> dict:
    """Widgets for every option of one config section, each with its help text; returns the chosen values."""
    current = getattr(base, section)
    return {f.name: _widget(f, getattr(current, f.name), f"{key}.{f.name}")
            for f in fields(SECTION_CLASSES[section]) if f.name not in skip}


# ---------------------------------------------------------------- runs


def run_label(snap: dict) -> str:
    cfg = snap.get("config") or {}
    name = cfg.get("name") or ""
    what = f"{cfg.get('model', {}).get('model', '?')} on {cfg.get('data', {}).get('dataset', '?')}"
    return f"{snap['id']} · {snap['status']} · {what}" + (f" · {name}" if name else "")


def pick_run(label: str, statuses: tuple | None = None, key: str = "run") -> dict | None:
    runs = [s for s in runner().list_runs() if statuses is None or s["status"] in statuses]
    if not runs:
        st.info("No runs yet: start one on the Home or Train page.")
        return None
    ids = [s["id"] for s in runs]
    wanted = st.query_params.get("run")
    index = ids.index(wanted) if wanted in ids else 0
    chosen = st.selectbox(label, ids, index=index, format_func=lambda i: run_label(runs[ids.index(i)]), key=key)
    st.query_params["run"] = chosen
    return runs[ids.index(chosen)]


def latest_active_run() -> str | None:
    active = runner().active_ids()
    return sorted(active)[-1] if active else None


def live_panel(run_id: str, key: str = "live") -> None:
    """An active run: a Stop button and the in-browser panel, which polls the run once a second and reruns the
    page when the run ends (live_component.py: a Streamlit rerun every second cost the run a quarter of its speed
    with the browser on the same two cores). A finished run: its status and the interactive curves, drawn once."""
    snap = runner().snapshot(run_id)
    if snap["status"] in ACTIVE:
        from .live_component import mount_live_component

        stop_button(snap, key)
        mount_live_component(run_id, REFRESH_SECONDS, key=f"{key}.feed")
        return
    draw_run_status(snap)
    draw_curves(snap, key)


def stop_button(snap: dict, key: str) -> None:
    if st.button("Stop", key=f"{key}.stop", type="secondary"):
        runner().stop(snap["id"])
        st.toast("Stopping after the current step")


def draw_curves(snap: dict, key: str) -> None:
    history = snap["history"]
    if history:
        st.plotly_chart(_curves_figure(snap["id"], history, snap.get("diagnoses", [])), key=f"{key}.curves",
                        width="stretch")
    else:
        st.caption("The first curve point appears after the first few steps.")


def draw_run_status(snap: dict) -> None:
    """An ended run's status line, progress and figures (an active run's panel is live_component.py)."""
    st.markdown(f"**Run `{snap['id']}`** — {snap['status']}")
    total = snap["total_steps"] or 1
    st.progress(min(snap["step"] / total, 1.0), text=f"step {snap['step']} / {snap['total_steps'] or '?'}")
    cols = st.columns(4)
    cols[0].metric("elapsed", f"{snap['elapsed']:.0f} s")
    cols[1].metric("ETA", "—" if snap["eta"] is None else f"{snap['eta']:.0f} s")
    cols[2].metric("samples/s", f"{snap['samples_per_second']:.1f}")
    test = (snap.get("metrics") or {}).get("test", {})
    cols[3].metric("test accuracy", "—" if "accuracy" not in test else f"{test['accuracy']:.3f}")
    if snap["status"] == "failed":
        st.error(f"{snap['error']}\n\n**Try:** {snap['hint']}")
    for note in snap.get("notes", [])[-3:]:
        st.caption(f"step {note['step']}: {note['message']}")
    for found in snap.get("diagnoses", [])[-4:]:
        st.warning(f"**{found['kind'].replace('_', ' ')}** at step {found['step']}: {found['message']}\n\n"
                   f"**Try:** {found['advice']}")


def draw_memory_estimate(memory: dict) -> None:
    """A plan's memory estimate against the memory the device has free, its parts, and a warning when tight."""
    from ..lab.planning import format_bytes

    parts = " · ".join(f"{name.replace('_', ' ')} {format_bytes(v)}" for name, v in memory["parts"].items() if v)
    st.caption(f"Memory, rough estimate: ~{format_bytes(memory['total'])} of {format_bytes(memory['available'])} "
               f"{memory['available_where']} ({parts}); training tensors only, the Python process adds a few "
               "hundred MB.")
    if memory["warning"]:
        st.warning(memory["warning"])


def _curves_figure(run_id: str, history: list[dict], diagnoses: list[dict]):
    from ..analysis.plots import fig_training_curves

    return fig_training_curves({run_id: history}, metrics=_curve_metrics(history), show_lr=True,
                               diagnoses={run_id: diagnoses})


def _curve_metrics(history: list[dict]) -> tuple:
    keys = {k for row in history for k in row}
    wanted = ("train_loss", "eval_loss", "eval_accuracy", "grad_norm")
    return tuple(k for k in wanted if k in keys)


def thumbnail_uri(image, size: int = 64) -> str:
    """A small PNG of an image (a PIL image, an array or a file path) as a data URI, for a table's image column."""
    import base64
    import io

    import numpy as np
    from PIL import Image

    picture = Image.open(image) if isinstance(image, str) else (
        image if isinstance(image, Image.Image) else Image.fromarray(np.asarray(image).astype("uint8")))
    picture = picture.convert("RGB")
    picture.thumbnail((size, size))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")


def explain_link(run_id: str, test_position: int) -> str:
    """The Explain page opened on a run's test example (its position in the run's test predictions)."""
    from urllib.parse import urlencode
    return "explain?" + urlencode({"run": run_id, "example": int(test_position)})


def dataset_items(config: dict, ids) -> list:
    from ..core.datasets import examples_by_id
    return examples_by_id(config["data"], ids)
