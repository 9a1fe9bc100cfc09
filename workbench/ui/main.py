"""The Streamlit script behind `streamlit run app.py`: only a router; the pages live in pages/."""
import streamlit as st

st.set_page_config(page_title="Fine-Tuning Workbench", page_icon=":material/science:", layout="wide")
st.navigation([
    st.Page("pages/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("pages/data.py", title="Data", icon=":material/table_view:"),
    st.Page("pages/train.py", title="Train", icon=":material/model_training:"),
    st.Page("pages/runs.py", title="Runs & compare", icon=":material/compare:"),
    st.Page("pages/evaluate.py", title="Evaluate", icon=":material/target:"),
    st.Page("pages/explain.py", title="Explain", icon=":material/search_insights:"),
    st.Page("pages/lessons.py", title="Lessons", icon=":material/school:"),
    st.Page("pages/lab.py", title="Lab", icon=":material/biotech:"),
]).run()
