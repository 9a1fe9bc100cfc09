"""Runs & compare: every run on disk; overlay curves, diff configs, compare metrics; resume, delete, download."""
import json

import streamlit as st

from workbench.core.runner import RESUMABLE
from workbench.core.runs_table import config_diff, metrics_csv, metrics_frame, runs_frame
from workbench.ui.common import runner, show_error

st.title("Runs & compare")
snaps = runner().list_runs()
from workbench.ui.llm_panel import runs_frame as llm_runs_frame  # noqa: E402

llm_table = llm_runs_frame()
if not llm_table.empty:
    with st.expander(f"LLM runs ({len(llm_table)}): scores before and after, on the held-out prompts or text"):
        st.dataframe(llm_table, hide_index=True, key="runs.llm")
        from workbench.ui.llm_panel import draw_answers, llm_runs

        shown = st.selectbox("Answers of run", list(llm_table["run_id"]), key="runs.llm.one")
        if llm_runs().result(shown):
            draw_answers(llm_runs(), shown, llm_runs().result(shown), with_code=False)
        st.markdown("Their curves and a chat with them: [Fine-tune an LLM](generate)")
if not snaps:
    st.info("No classifier runs yet: start one on the Home or Train page.")
    st.stop()
st.dataframe(runs_frame(snaps), hide_index=True, key="runs.table")
by_id = {s["id"]: s for s in snaps}
chosen = st.multiselect("Compare runs", list(by_id), default=list(by_id)[:min(2, len(by_id))], key="runs.compare")
if chosen:
    from workbench.analysis.plots import fig_training_curves
    log_y = st.checkbox("log-scale loss", key="runs.log")
    metric_keys = sorted({k for i in chosen for row in by_id[i]["history"] for k in row
                          if k not in ("step", "epoch")})
    shown = st.multiselect("curves", metric_keys, default=[k for k in ("train_loss", "eval_loss") if k in metric_keys],
                           key="runs.metrics")
    st.plotly_chart(fig_training_curves({i: by_id[i]["history"] for i in chosen}, metrics=tuple(shown), log_y=log_y),
                    key="runs.curves", width="stretch")
    if len(chosen) > 1:
        st.subheader("Settings that differ")
        st.dataframe(config_diff([by_id[i]["config"] for i in chosen], chosen), key="runs.diff")
    st.subheader("Test metrics")
    st.dataframe(metrics_frame([by_id[i] for i in chosen]), hide_index=True,
                 key="runs.metrics_table")

st.subheader("One run")
run_id = st.selectbox("Run", list(by_id), key="runs.one")
snap = by_id[run_id]
store = runner().store
cols = st.columns(4)
if snap["status"] in RESUMABLE and cols[0].button("Resume", key="runs.resume"):
    try:
        st.session_state["watching"] = runner().resume(run_id).id
        st.success("Resumed; follow it on the Home or Train page.")
    except Exception as err:
        show_error(err)
cols[1].download_button("config.json", json.dumps(snap["config"], indent=2), f"{run_id}-config.json",
                        key="runs.dl.config")
cols[2].download_button("metrics.csv", metrics_csv([snap]), f"{run_id}-metrics.csv", key="runs.dl.metrics")
weights = store.model_folder(run_id) / "model.safetensors"
if weights.exists():
    cols[3].download_button("weights (safetensors)", weights.read_bytes(), f"{run_id}-model.safetensors",
                            key="runs.dl.weights")
with st.expander("The same run as code, and the run to take with you"):
    from workbench.core.config import RunConfig
    from workbench.export import equivalent_code, export_problem, export_zip
    try:
        code = equivalent_code(RunConfig.from_dict(snap["config"]))
        st.code(code["cli"], language="bash")
        st.code(code["python"], language="python")
    except Exception as err:
        show_error(err)
    problem = export_problem(run_id, store)
    if problem:
        st.caption(f"Export: {problem}")
    else:
        st.caption("A zip of `python -m workbench export`: a standalone train.py (no workbench needed), the run's "
                   "data, the model, a README model card.")
        st.download_button("export (.zip)", lambda: export_zip(run_id, store), f"{run_id}-export.zip",
                           mime="application/zip", key="runs.dl.export")
if snap["status"] not in ("queued", "running"):
    if st.checkbox("I want to delete this run", key="runs.confirm") and st.button("Delete", key="runs.delete"):
        store.delete(run_id)
        st.rerun()
