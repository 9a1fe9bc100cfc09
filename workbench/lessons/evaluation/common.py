"""Pieces the evaluation lessons share (the data and explain lessons use some too): the SMS-spam MiniLM run settings,
finished runs and their configs, binary and per-threshold scores, and display names of the extra metrics."""
from __future__ import annotations

import statistics

from ...core.config import RunConfig
from ..base import LessonContext, Outcome, T, register_metric_names
from ..support import EVERY_WEIGHT, runner_of

# ---------------------------------------------------------------- shared pieces

# Metric names the framework's table lacks; registered so compare_takeaway and the bars speak both languages.
EXTRA_METRIC_NAMES = {
    "precision_pos": T("spam precision", "垃圾短信精确率"), "recall_pos": T("spam recall", "垃圾短信召回率"),
    "f1_pos": T("spam F1", "垃圾短信 F1"), "error_rate": T("error rate", "错误率"), "log_loss": T("log loss", "对数损失"),
    "cost_per_1000": T("cost per 1,000 messages", "每千条短信的代价"), "worst_recall": T("lowest class recall", "最差类别召回率"),
    "top3_share": T("share of errors in the 3 biggest cells", "前 3 大错误格子占全部错误的比例"),
}
EXTRA_LOWER_IS_BETTER = {"error_rate", "log_loss", "cost_per_1000"}


register_metric_names(EXTRA_METRIC_NAMES, EXTRA_LOWER_IS_BETTER)

SPAM = dict(dataset="sms_spam", max_length=64, max_eval_samples=400, save_checkpoints=False, save_model=False,
            **EVERY_WEIGHT)
SPAM_SETTINGS = {"train_examples": 400, "epochs": 1, "lr": 2e-4}   # 25 steps: 5e-5 leaves the head untrained
POSITIVE = 1   # sms_spam's classes are (ham, spam): spam is the positive class
QUICK_TEXT = {"max_eval_samples": 60, "batch_size": 8}   # quick MiniLM runs: smaller batches and splits


def spam_config(ctx: LessonContext, **overrides) -> RunConfig:
    s = ctx.settings
    return RunConfig.from_flat(**{**SPAM, "max_train_samples": s["train_examples"], "epochs": s["epochs"],
                                  "lr": s["lr"], **overrides})


def run_store(ctx: LessonContext):
    return runner_of(ctx).store


def finished_runs(ctx: LessonContext, outcome: Outcome, variant: str) -> list[tuple[int, str]]:
    """(seed, run id) of each run of `variant` that finished; stopped or failed runs have no predictions."""
    store = run_store(ctx)
    pairs = zip(ctx.seeds, outcome.run_ids.get(variant, []))
    return [(seed, run_id) for seed, run_id in pairs if store.metrics(run_id).get("test")]


def run_config(ctx: LessonContext, run_id: str) -> RunConfig:
    """The config a run really used (quick mode shrinks the lesson's), so its splits can be rebuilt exactly."""
    return RunConfig.from_dict(run_store(ctx).config(run_id))


def add(samples: dict, variant: str, metric: str, value) -> None:
    samples.setdefault(variant, {}).setdefault(metric, []).append(None if value is None else float(value))


def mean_of_present(values):
    """The mean of the values that exist (not None or NaN), or None when none does."""
    values = [v for v in values or [] if v is not None and v == v]
    return statistics.fmean(values) if values else None


def binary_scores(labels, probs, label_names) -> dict:
    """Accuracy, error rate, balanced accuracy, macro F1, log loss and the positive class's precision, recall, F1."""
    from ...analysis.metrics import classification_report

    report = classification_report(labels, probs, label_names)
    positive = report["per_class"][POSITIVE]
    return {"accuracy": report["accuracy"], "error_rate": report["error_rate"],
            "balanced_accuracy": report["balanced_accuracy"], "f1_macro": report["f1_macro"],
            "log_loss": report["log_loss"], "precision_pos": positive["precision"], "recall_pos": positive["recall"],
            "f1_pos": positive["f1"]}


def threshold_scores(labels, probs, threshold: float, cost_fp: float = 1.0, cost_fn: float = 1.0) -> dict:
    """Precision, recall, F1, the operating point and the cost per 1,000 examples at one threshold."""
    from ...analysis.metrics import metrics_at_threshold

    at = metrics_at_threshold(labels, probs, threshold)
    cost = (cost_fp * at["fp"] + cost_fn * at["fn"]) / len(labels) * 1000
    return {"precision_pos": at["precision"], "recall_pos": at["recall"], "f1_pos": at["f1"], "fpr": at["fpr"],
            "accuracy": at["accuracy"], "cost_per_1000": cost}


def shift(a: float, b: float) -> str:
    return f"{a:.3f} → {b:.3f}"
