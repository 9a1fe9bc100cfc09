"""Pure analysis of what runs produce: metrics and curve data from predictions (`metrics`), Plotly figures
from arrays and dicts (`plots`), SHAP and LIME explanations of a prediction function (`explain`), and the
statistics behind every verdict (`stats`: paired confidence intervals, Wilson intervals).

Everything here takes arrays, dicts or a prediction function and returns numbers, plain data or a figure: no run
folders, no models, no training, no UI library. It imports nothing else from the workbench, so the core and every
layer above can use it.
"""
