"""Fine-Tuning Workbench: `streamlit run app.py`. Only a router; the pages live in workbench/ui/pages/."""
import streamlit as st

PAGES = "workbench/ui/pages"

st.set_page_config(page_title="Fine-Tuning Workbench", page_icon=":material/science:", layout="wide")
st.navigation([
    st.Page(f"{PAGES}/home.py", title="Home", icon=":material/home:", default=True),
    st.Page(f"{PAGES}/data.py", title="Data", icon=":material/table_view:"),
    st.Page(f"{PAGES}/train.py", title="Train", icon=":material/model_training:"),
    st.Page(f"{PAGES}/runs.py", title="Runs & compare", icon=":material/compare:"),
    st.Page(f"{PAGES}/evaluate.py", title="Evaluate", icon=":material/target:"),
    st.Page(f"{PAGES}/explain.py", title="Explain", icon=":material/search_insights:"),
    st.Page(f"{PAGES}/lessons.py", title="Lessons", icon=":material/school:"),
    st.Page(f"{PAGES}/lab.py", title="Lab", icon=":material/biotech:"),
]).run()
