"""The Streamlit script behind `streamlit run app.py`: only a router; the pages live in views/. (A folder named
pages/ beside this script would put Streamlit in its automatic multipage mode when a page's link is opened first.)"""
import streamlit as st

st.set_page_config(page_title="Fine-Tuning Workbench", page_icon=":material/science:", layout="wide")
st.navigation([
    st.Page("views/home.py", title="Home", icon=":material/home:", default=True),
    st.Page("views/data.py", title="Data", icon=":material/table_view:"),
    st.Page("views/train.py", title="Train", icon=":material/model_training:"),
    st.Page("views/runs.py", title="Runs & compare", icon=":material/compare:"),
    st.Page("views/evaluate.py", title="Evaluate", icon=":material/target:"),
    st.Page("views/explain.py", title="Explain", icon=":material/search_insights:"),
    st.Page("views/generate.py", title="Fine-tune an LLM", icon=":material/chat:"),
    st.Page("views/lessons.py", title="Lessons", icon=":material/school:"),
    st.Page("views/lab.py", title="Lab", icon=":material/biotech:"),
]).run()
