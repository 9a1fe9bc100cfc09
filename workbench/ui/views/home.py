"""Home: what the workbench is, and one click to a live fine-tuning run."""
import streamlit as st

from workbench.ui.common import latest_active_run, live_panel, quickstart_config, runner, show_error, training_now
from workbench.ui.warmup import wait_for, warm_in_background, warm_quick_start

st.title("Fine-Tuning Workbench")
st.markdown(
    "Watch a pretrained model learn a new task. **Quick start** fine-tunes the MiniLM sentence encoder "
    "(22M parameters, pretrained on a billion sentence pairs) to tell *fresh* from *rotten* movie reviews, "
    "on 2,000 Rotten Tomatoes snippets, on this machine's CPU. The loss curve appears within seconds.\n\n"
    "Then explore: **Data** to look at or upload a dataset, **Train** for every option (strategies, "
    "optimizers, schedules, losses), **Runs & compare** to overlay runs, **Evaluate** for confusion matrices, "
    "ROC and PR curves, and **Explain** for SHAP and LIME on single predictions.")

warm_in_background("quick start", warm_quick_start, busy=training_now)
if st.button("▶ Quick start", type="primary", key="quickstart"):
    try:
        wait_for("quick start")
        handle = runner().start(quickstart_config())
        st.session_state["watching"] = handle.id
    except Exception as err:  # a bad override or missing package: say so, keep the page alive
        show_error(err)

watching = st.session_state.get("watching") or latest_active_run()
if watching:
    live_panel(watching, key="home")
else:
    st.caption("No run is active. Training continues if you close the tab; come back to see it live.")
