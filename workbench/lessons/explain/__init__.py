"""The explainability lesson (explain.1): SHAP next to LIME on a fine-tuned model, and whether to trust them, in
`shap_lime`.

The lessons' interview notes are in `notes`.
"""
from __future__ import annotations

from .shap_lime import EXPLAIN_1

LESSONS = [EXPLAIN_1]
