"""Experiments about runs: hyper-parameter search (`tuning`, Optuna), seed repeats and cross-validation
(`repeats`), controlled comparisons (`experiments`), memory and time plans (`planning`), the learning-rate range
test (`lr_finder`), data checks (`data_quality`), deployment variants (`deploy`: int8, ONNX, pruning) and long-text
strategies (`long_text`).

Built on the core (runs, data, models) and analysis (`repeats` and `experiments` state their verdicts with
`analysis.stats`); `data_quality` also encodes texts with `apps.embeddings`. Nothing here imports a UI library; the
Lab page, the CLI's lab commands and the lessons are its clients.
"""
