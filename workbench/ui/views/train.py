"""Train: every option of the core, a preview of what the run will cost, Start and Stop, and the live run."""
import streamlit as st

from workbench.core.config import RunConfig
from workbench.ui.common import (config_form, draw_memory_estimate, latest_active_run, live_panel, runner,
                                 show_error)

st.title("Train")
st.caption("Classifiers of text, images and tables. Generative tasks (instruction tuning or continued pre-training "
           "of a small LLM): [Fine-tune an LLM](generate).")
base = RunConfig.from_flat(**st.session_state.get("data_options", {}))
left, right = st.columns([1, 2])
with left:
    with st.expander("Data", expanded=True):
        data = config_form(base, "data", key="train.data")
    with st.expander("Model and strategy", expanded=True):
        model = config_form(base, "model", key="train.model")
    with st.expander("Training"):
        train = config_form(base, "train", key="train.train")
    name = st.text_input("run name (optional)", key="train.name") or None
    processes = int(st.number_input(
        "processes", min_value=1, max_value=64, value=1, step=1, key="train.processes",
        help="Train the run as this many local processes (DDP through torchrun: one per GPU, or CPU processes "
             "with gloo). Each process takes batch_size examples per step, so the effective batch is batch_size x "
             "processes x grad_accum. 1 trains in the app's own process."))

try:
    cfg = RunConfig.from_flat(name=name, **data, **model, **train).validate()
except Exception as err:
    cfg = None
    left.error(str(err))

with right:
    if cfg is not None:
        from workbench.export import equivalent_code
        from workbench.lab.planning import plan_run
        from workbench.analysis.plots import fig_lr_schedule
        with st.expander("The same run as code (CLI and Python)"):
            code = equivalent_code(cfg)
            st.code(code["cli"], language="bash")
            st.code(code["python"], language="python")
        try:
            plan = plan_run(cfg, processes)
        except Exception as err:
            plan = None
            show_error(err)
        if plan:
            p = plan["parameters"]
            cols = st.columns(4)
            cols[0].metric("parameters", f"{p['total'] / 1e6:.2f} M")
            cols[1].metric("trainable", f"{p['trainable'] / 1e6:.2f} M", f"{p['trainable_share']:.1%}",
                           delta_color="off")
            cols[2].metric("optimizer steps", plan["total_steps"],
                           None if cfg.train.max_steps else f"{plan['epochs']:g} epochs", delta_color="off")
            cols[3].metric("estimated time", f"~{plan['estimated_seconds']:.0f} s")
            if plan["budget_auto"]:
                st.info(f"Training budget: {plan['budget_reason']}", icon="⏱️")
            st.caption(f"{plan['train_size']} training examples · peak LR {plan['lr']:g} · "
                       f"{plan['precision_reason']}")
            draw_memory_estimate(plan["memory"])
            st.plotly_chart(fig_lr_schedule(plan["schedule_steps"], plan["schedule_lrs"]), key="train.lr",
                            width="stretch")
            if st.button("▶ Start", type="primary", key="train.start"):
                try:
                    st.session_state["watching"] = runner().start(cfg, processes=processes).id
                except Exception as err:
                    show_error(err)
    watching = st.session_state.get("watching") or latest_active_run()
    if watching:
        live_panel(watching, key="train")
