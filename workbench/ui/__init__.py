"""The UI layer, the only place that imports Streamlit, ipywidgets or IPython: Streamlit pages (`views/`, routed by
`main`) and what they share (`common`, the live run panel `live_component` and its JSON feed `live_feed`, background
`warmup`s, the lab and LLM panels), and for notebooks the ipywidgets panels (`widgets`) and the interview
walkthrough (`walkthrough`).

It may import every layer below it: lessons, lab, apps, llm, core, analysis and speed. Pages stay thin: read
widgets, call one function of a lower layer, draw.
"""
