"""Fine-Tuning Workbench: `streamlit run app.py`. Only a router; the pages live in workbench/ui/pages/."""
import streamlit as st

PAGES = "workbench/ui/pages"

st.set_page_config(page_title="Fine-Tuning Workbench", page_icon="🔬", layout="wide")
st.navigation([
    st.Page(f"{PAGES}/home.py", title="Home", icon="🏠", default=True),
    st.Page(f"{PAGES}/data.py", title="Data", icon="🗂️"),
    st.Page(f"{PAGES}/train.py", title="Train", icon="🏋️"),
    st.Page(f"{PAGES}/runs.py", title="Runs & compare", icon="📊"),
    st.Page(f"{PAGES}/evaluate.py", title="Evaluate", icon="🎯"),
    st.Page(f"{PAGES}/explain.py", title="Explain", icon="🔍"),
]).run()
