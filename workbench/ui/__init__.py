"""UI skins over the core: Streamlit pages and ipywidgets panels. The only place that imports UI libraries."""
