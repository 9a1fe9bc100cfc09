"""Pieces the data lessons share: run settings for the digits MLP and for MiniLM on Rotten Tomatoes, and display
names of the extra metrics they report."""
from __future__ import annotations

from ..base import T, register_metric_names
from ..support import EVERY_WEIGHT

register_metric_names({
    "rare_recall": T("recall of the rare class", "稀有类召回率"),
    "accuracy_leaked": T("accuracy on copied test rows", "被复制的测试样本上的准确率"),
    "accuracy_unseen": T("accuracy on unseen test rows", "未见过的测试样本上的准确率"),
    "copies_found": T("share of copied rows found", "找出的复制样本比例"),
})

DIGITS = dict(dataset="digits", model="mlp", batch_size=64, save_checkpoints=False, save_model=False)

REVIEWS = dict(dataset="rotten_tomatoes", max_length=64, max_eval_samples=400, save_checkpoints=False, save_model=False,
               **EVERY_WEIGHT)
