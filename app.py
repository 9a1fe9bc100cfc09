"""Fine-Tuning Workbench: `streamlit run app.py`.

Streamlit finds the `app` below and serves the pages routed by workbench/ui/main.py, plus the JSON feed that the
live panel of a running run polls (workbench/ui/live_feed.py)."""
import streamlit as st

from workbench.ui.live_feed import routes

app = st.App("workbench/ui/main.py", routes=routes())
