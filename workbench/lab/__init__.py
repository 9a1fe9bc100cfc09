"""Experiments about runs: hyper-parameter search (`tuning`, Optuna), seed repeats and cross-validation
(`repeats`), controlled comparisons (`experiments`), memory and time plans (`planning`), the learning-rate range
test (`lr_finder`), data checks (`data_quality`), deployment variants (`deploy`: int8, ONNX, pruning) and long-text
strategies (`long_text`).

Each module starts or reads runs through the core and states its results with `analysis.stats`; nothing here
imports a UI library. The Lab page, the CLI's lab commands and the lessons are its clients.
"""
