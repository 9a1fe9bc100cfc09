"""Lab: hyper-parameter search, repeats and cross-validation, the LR range test, data quality, deployment variants
and applications. Long jobs run in background threads (their runs queue on the shared runner and appear on the
Runs page), so leaving the page or opening another session never stops them."""
import streamlit as st

from workbench.core.config import RunConfig
from workbench.lab.experiments import QUICK_LIMITS
from workbench.ui.common import config_form
from workbench.ui.lab_apps import applications_tab
from workbench.ui.lab_tools import deploy_tab, quality_tab
from workbench.ui.lab_training import lr_finder_tab, repeats_tab, search_tab

st.title("Lab")
start = RunConfig.from_flat(**st.session_state.get("data_options", {}))
with st.expander("Base run settings (Search, Repeats & CV, LR finder and Data quality start from these)"):
    columns = st.columns(3)
    chosen = {}
    for column, section in zip(columns, ("data", "model", "train")):
        with column:
            st.markdown(f"**{section.capitalize()}**")
            chosen.update(config_form(start, section, key=f"lab.{section}"))
small = st.toggle("Small runs (seconds each: at most 96 training examples and 6 steps)", key="lab.small",
                  help="Caps the base settings at " + ", ".join(f"{k}={v}" for k, v in QUICK_LIMITS.items()) + ".")
try:
    base = RunConfig.from_flat(**chosen)
    base = (base.replace(**QUICK_LIMITS) if small else base).validate()
    st.caption(f"Base: {base.model.model} ({base.model.strategy}) on {base.data.dataset}"
               + (f" · {base.train.max_steps} steps" if base.train.max_steps else
                  f" · {base.train.epochs:g} epochs" if base.train.epochs else " · epochs chosen from the data")
               + f" · lr {base.train.lr if base.train.lr is not None else 'default'} · seed {base.train.seed}")
except Exception as err:
    base = None
    st.error(f"The base settings do not work: {err}", icon="⚠️")

tabs = st.tabs(["Search", "Repeats & CV", "LR finder", "Data quality", "Deploy", "Applications"])
for tab, draw in zip(tabs[:4], (search_tab, repeats_tab, lr_finder_tab, quality_tab)):
    with tab:
        if base is None:
            st.info("Fix the base settings above first.")
        else:
            draw(base)
with tabs[4]:
    deploy_tab()
with tabs[5]:
    applications_tab()
