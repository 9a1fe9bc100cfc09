"""Helpers the concept lessons share, some also used by the data, evaluation and explain lessons: the Rotten
Tomatoes MiniLM settings, quick-mode scoring limits, a cross-validated logistic-regression probe on fixed
features, per-thread temporary paths and bar figures of compared metrics."""
from __future__ import annotations

import os
import threading

from .. import figures
from ..base import Outcome, T, metric_name
from ..support import EVERY_WEIGHT

SENTIMENT = dict(dataset="rotten_tomatoes", max_length=64, max_eval_samples=400, save_checkpoints=False,
                 save_model=False, **EVERY_WEIGHT)


# ---------------------------------------------------------------- shared pieces

# Quick mode for the lessons' own runs: scoring dominates a 6-step run, so score fewer examples, once.
QUICK_SCORING = {"max_eval_samples": 48, "eval_every": 6, "max_length": 32}
PROBE_CS = (0.01, 0.1, 1.0, 10.0)   # regularisation strengths the probe picks from by cross-validation
MAP_POINTS = 200                   # test points kept for the 2-D feature maps


def probe_accuracy(train_x, train_y, test_x, test_y, scale: bool = True) -> float:
    """Test accuracy of a logistic-regression probe fitted on fixed features (the features never change); its
    regularisation is chosen by 3-fold cross-validation on the training set, so each kind of feature gets its own."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = LogisticRegressionCV(Cs=PROBE_CS, cv=3, l1_ratios=(0.0,), scoring="accuracy", max_iter=3000,
                                 use_legacy_attributes=False)
    model = make_pipeline(StandardScaler(), probe) if scale else probe
    return float(model.fit(train_x, train_y).score(test_x, test_y))


def private_name(path):
    """A sibling path only this thread writes to, so two lessons preparing the same file cannot collide."""
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


def space(lang: str) -> str:
    """The space between two sentences: one in English, none in Chinese."""
    return " " if lang == "en" else ""


def gap_points(outcome: Outcome, a: str, b: str, metric: str = "accuracy") -> float:
    """mean(a) - mean(b) in percentage points."""
    return 100 * (outcome.mean(a, metric) - outcome.mean(b, metric))


def bar_figures(*metrics: str, label=None, with_curves: bool = False):
    """A lesson's `figures`: one bar chart per metric (mean ± spread), then the first seed's curves if kept."""
    def draw(outcome: Outcome, lang: str) -> list:
        names = label(outcome) if callable(label) else label
        out = [(metric_name(m, lang), figures.metric_bars(outcome, m, lang, names)) for m in metrics
               if any(outcome.values(v, m) for v in outcome.variants)]
        if with_curves and any(outcome.histories.values()):
            out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang),
                        figures.curves(outcome, lang, label=names)))
        return out
    return draw
