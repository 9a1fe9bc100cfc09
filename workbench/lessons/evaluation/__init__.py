"""Evaluation lessons: metrics on imbalanced data (eval.1) in `metrics`; ROC/PR curves with the threshold, and a
cost-weighted threshold (eval.2, eval.6) in `thresholds`; the confusion matrix and error analysis (eval.3) in
`confusion`; cross-validation (eval.4) in `cross_validation`; evaluating a pretrained model (eval.5) in
`pretrained`.

The lessons that score a run's test predictions (eval.1-3, eval.6) re-score the saved predictions with
`workbench.analysis.metrics`, the same predictions the Evaluate page shows. `common` holds the spam runs'
settings, finished-run lookups and the scoring helpers they share (explain.1 uses them too).

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .confusion import EVAL_3
from .cross_validation import EVAL_4
from .metrics import EVAL_1
from .pretrained import EVAL_5
from .thresholds import EVAL_2, EVAL_6

LESSONS = [EVAL_1, EVAL_2, EVAL_3, EVAL_4, EVAL_5, EVAL_6]
