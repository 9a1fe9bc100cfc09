"""Metrics and curve data for saved predictions, computed with scikit-learn. Arrays in, plain Python values out.

Conventions: `y_true` is (n,) integer labels in [0, C); `probs` is (n, C) probabilities whose rows sum to 1;
`ids` are optional example ids (ints or strings); `label_names` optionally names the C classes.
Everything returned is JSON-serialisable (plain floats, ints, strings and lists), except `confusion`'s array.
"""
from __future__ import annotations

import warnings

import numpy as np
from sklearn import metrics as skm

ROW_SUM_TOLERANCE = 1e-3           # float32 softmax rows drift from 1 by far less than this; logits do not
ABOVE_ANY_PROBABILITY = float(np.nextafter(1.0, 2.0))   # stands in for the +inf threshold sklearn puts first
DEFAULT_THRESHOLDS = np.linspace(0.0, 1.0, 101)

# ---------------------------------------------------------------- validation


def _as_labels(values, name: str = "y_true") -> np.ndarray:
    labels = np.asarray(values)
    if labels.ndim != 1:
        raise ValueError(f"{name} must be 1-D (one label per example); got shape {labels.shape}.")
    integral = labels.dtype.kind in "iub" or (labels.dtype.kind == "f" and np.all(np.mod(labels, 1) == 0))
    if not integral:
        raise ValueError(f"{name} must hold integer class indices; got dtype {labels.dtype}.")
    return labels.astype(np.int64)


def _check_label_range(labels: np.ndarray, n_classes: int, name: str = "y_true") -> np.ndarray:
    outside = labels[(labels < 0) | (labels >= n_classes)]
    if len(outside):
        raise ValueError(f"{name} must lie in [0, {n_classes}) for {n_classes} classes; found label {outside[0]}.")
    return labels


def _check_probs(probs) -> np.ndarray:
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"probs must have shape (n_examples, n_classes >= 2); got {p.shape}.")
    if len(p) == 0:
        raise ValueError("probs has no rows: there are no examples to score.")
    if not np.isfinite(p).all() or p.min() < -1e-6 or p.max() > 1 + 1e-6:
        raise ValueError("probs must hold probabilities in [0, 1] (softmax outputs, not logits).")
    sums = p.sum(axis=1)
    worst = int(np.argmax(np.abs(sums - 1)))
    if abs(sums[worst] - 1) > ROW_SUM_TOLERANCE:
        raise ValueError(f"Each row of probs must sum to 1; row {worst} sums to {sums[worst]:.4f}.")
    # Renormalise the float32 rounding away: scikit-learn's log_loss warns about rows that miss 1 by 1e-8.
    p = np.clip(p, 0.0, 1.0)
    return p / p.sum(axis=1, keepdims=True)


def _check(y_true, probs) -> tuple[np.ndarray, np.ndarray]:
    p = _check_probs(probs)
    y = _check_label_range(_as_labels(y_true), p.shape[1])
    if len(y) != len(p):
        raise ValueError(f"y_true has {len(y)} labels but probs has {len(p)} rows; they must match.")
    return y, p


def _check_same_length(a, b, names: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{names} must have the same length; got {len(a)} and {len(b)}.")


def _label_names(label_names, n_classes: int) -> list[str]:
    if label_names is None:
        return [str(c) for c in range(n_classes)]
    names = [str(name) for name in label_names]
    if len(names) != n_classes:
        raise ValueError(f"label_names has {len(names)} names for {n_classes} classes.")
    return names


def _example_keys(ids, n: int) -> np.ndarray:
    """The ids if given (checked against the number of examples), else the row indices."""
    if ids is None:
        return np.arange(n)
    keys = np.asarray(ids)
    if keys.ndim != 1 or len(keys) != n:
        raise ValueError(f"ids must be 1-D with one id per example ({n}); got shape {keys.shape}.")
    return keys


def _binary(y_true, probs) -> tuple[np.ndarray, np.ndarray]:
    """Labels and P(class 1) for a binary task; a threshold means nothing with more classes."""
    y, p = _check(y_true, probs)
    if p.shape[1] != 2:
        raise ValueError(f"A decision threshold needs a binary task; this one has {p.shape[1]} classes "
                         "(multi-class predictions take the most probable class).")
    return y, p[:, 1]


# ---------------------------------------------------------------- reports


def classification_report(y_true, probs, label_names=None) -> dict:
    """Accuracy, balanced accuracy, error rate, macro and weighted precision/recall/F1, log loss and per-class
    scores for the most probable class."""
    y, p = _check(y_true, probs)
    classes = list(range(p.shape[1]))
    names = _label_names(label_names, len(classes))
    pred = p.argmax(axis=1)
    accuracy = float(skm.accuracy_score(y, pred))
    report = {"accuracy": accuracy, "balanced_accuracy": _balanced_accuracy(y, pred), "error_rate": 1.0 - accuracy}
    for average in ("macro", "weighted"):
        precision, recall, f1, _ = skm.precision_recall_fscore_support(y, pred, labels=classes, average=average,
                                                                       zero_division=0)
        report.update({f"precision_{average}": float(precision), f"recall_{average}": float(recall),
                       f"f1_{average}": float(f1)})
    report["log_loss"] = float(skm.log_loss(y, p, labels=classes))
    precision, recall, f1, support = skm.precision_recall_fscore_support(y, pred, labels=classes, zero_division=0)
    report["per_class"] = [{"label": name, "precision": float(precision[c]), "recall": float(recall[c]),
                            "f1": float(f1[c]), "support": int(support[c])} for c, name in enumerate(names)]
    return report


def _balanced_accuracy(y: np.ndarray, pred: np.ndarray) -> float:
    with warnings.catch_warnings():
        # scikit-learn warns when a predicted class never occurs in y_true, then (rightly) averages the recall
        # of the classes that do occur.
        warnings.filterwarnings("ignore", message="y_pred contains classes not in y_true")
        return float(skm.balanced_accuracy_score(y, pred))


def confusion(y_true, y_pred, n_classes: int, normalize: bool = False) -> np.ndarray:
    """Confusion matrix (rows: true class, columns: predicted class); with normalize, each row divided by its
    total, rows without examples staying 0."""
    if int(n_classes) < 1:
        raise ValueError(f"n_classes must be at least 1; got {n_classes}.")
    y = _check_label_range(_as_labels(y_true), n_classes)
    pred = _check_label_range(_as_labels(y_pred, "y_pred"), n_classes, "y_pred")
    _check_same_length(y, pred, "y_true and y_pred")
    # normalize="true" turns the 0/0 of empty rows into 0, not NaN.
    return skm.confusion_matrix(y, pred, labels=list(range(n_classes)), normalize="true" if normalize else None)


def cell_examples(y_true, y_pred, true_label: int, pred_label: int, ids=None) -> list:
    """The ids (or row indices, without ids) of the examples in one confusion-matrix cell."""
    y, pred = _as_labels(y_true), _as_labels(y_pred, "y_pred")
    _check_same_length(y, pred, "y_true and y_pred")
    keys = _example_keys(ids, len(y))
    return keys[(y == true_label) & (pred == pred_label)].tolist()


def top_losses(y_true, probs, k: int = 10, ids=None) -> list[dict]:
    """The k examples with the highest cross-entropy (the most confident mistakes), highest first."""
    y, p = _check(y_true, probs)
    if isinstance(k, bool) or int(k) != k or k < 0:
        raise ValueError(f"k must be a whole number >= 0; got {k!r}.")
    keys = _example_keys(ids, len(y)).tolist()
    p_true = p[np.arange(len(y)), y]
    loss = -np.log(np.clip(p_true, np.finfo(np.float64).eps, 1.0))   # clipped as scikit-learn's log_loss clips
    order = np.argsort(-loss, kind="stable")[:int(k)]
    pred = p.argmax(axis=1)
    return [{"id": keys[i], "index": int(i), "true": int(y[i]), "pred": int(pred[i]), "loss": float(loss[i]),
             "p_true": float(p_true[i])} for i in order]


def cv_summary(fold_scores: list[dict]) -> dict:
    """Mean, sample standard deviation, min and max of every metric that is a number in all folds (or seeds)."""
    if not fold_scores:
        raise ValueError("cv_summary needs the scores of at least one fold.")
    summary = {}
    for key in fold_scores[0]:
        values = [fold.get(key) for fold in fold_scores]
        if not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
            continue
        v = np.asarray(values, dtype=np.float64)
        summary[key] = {"mean": float(v.mean()), "std": float(v.std(ddof=1)) if len(v) > 1 else 0.0,
                        "min": float(v.min()), "max": float(v.max()), "n": len(v)}
    return summary


def predictions_report(pred: dict) -> dict:
    """Report, confusion matrix, worst errors and (when every class occurs) ROC and PR data for a run's saved
    predictions {"probs", "labels", "ids", optional "label_names"}."""
    missing_keys = [key for key in ("probs", "labels") if key not in pred]
    if missing_keys:
        raise ValueError(f"Saved predictions need {', '.join(missing_keys)}; got keys {sorted(pred)}.")
    y, p = _check(pred["labels"], pred["probs"])
    names = _label_names(pred.get("label_names"), p.shape[1])
    out = {"report": classification_report(y, p, names), "confusion": confusion(y, p.argmax(1), len(names)).tolist(),
           "top_losses": top_losses(y, p, ids=pred.get("ids")), "notes": []}
    absent = _absent_classes(y, names)
    if absent:
        out["notes"].append(f"No examples of {', '.join(absent)} in these labels, so there are no ROC or PR curves.")
    else:
        out["roc"], out["pr"] = roc_data(y, p, names), pr_data(y, p, names)
    return out


# ---------------------------------------------------------------- curves


def roc_data(y_true, probs, label_names=None) -> dict:
    """ROC curves and AUCs: the positive class (index 1) for binary tasks; otherwise one-vs-rest per class plus
    "macro" and "micro" averages. Classes without examples get no curve and are listed under "missing"."""
    y, p = _check(y_true, probs)
    out = _curve_set(y, p, label_names, _roc)
    per_class = [curve for curve in out["curves"].values() if curve["class"] is not None]
    if not out["binary"] and per_class:
        scored = [curve["class"] for curve in per_class]
        auc = skm.roc_auc_score(_one_hot(y, p.shape[1])[:, scored], p[:, scored], average="macro")
        out["curves"]["macro"] = _macro_roc(per_class, auc)
    return out


def pr_data(y_true, probs, label_names=None) -> dict:
    """Precision-recall curves and average precision, shaped like roc_data (averages: "micro" only)."""
    y, p = _check(y_true, probs)
    return _curve_set(y, p, label_names, _pr)


def _curve_set(y: np.ndarray, p: np.ndarray, label_names, curve) -> dict:
    """Per-class one-vs-rest curves (binary: class 1 only) plus the micro average over all (example, class) pairs."""
    n_classes = p.shape[1]
    names = _label_names(label_names, n_classes)
    counts = np.bincount(y, minlength=n_classes)
    candidates = [1] if n_classes == 2 else range(n_classes)
    # A one-vs-rest curve needs both positives and negatives.
    scored = [c for c in candidates if 0 < counts[c] < len(y)]
    curves = {names[c]: {**curve(y == c, p[:, c]), "class": c} for c in scored}
    if n_classes > 2 and scored:
        curves["micro"] = {**curve(_one_hot(y, n_classes).ravel(), p.ravel()), "class": None}
    return {"binary": n_classes == 2, "curves": curves, "missing": _absent_classes(y, names)}


def _roc(is_positive: np.ndarray, scores: np.ndarray) -> dict:
    fpr, tpr, thresholds = skm.roc_curve(is_positive, scores)
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": _json_safe(thresholds),
            "auc": float(skm.auc(fpr, tpr))}


def _macro_roc(per_class: list[dict], auc: float) -> dict:
    """The mean per-class curve on the union of their false-positive rates (scikit-learn's documented recipe)."""
    fpr = np.unique(np.concatenate([curve["fpr"] for curve in per_class]))
    tpr = np.mean([np.interp(fpr, curve["fpr"], curve["tpr"]) for curve in per_class], axis=0)
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": [], "auc": float(auc), "class": None}


def _pr(is_positive: np.ndarray, scores: np.ndarray) -> dict:
    precision, recall, thresholds = skm.precision_recall_curve(is_positive, scores)
    return {"precision": precision.tolist(), "recall": recall.tolist(), "thresholds": _json_safe(thresholds),
            "average_precision": float(skm.average_precision_score(is_positive, scores))}


def _json_safe(thresholds: np.ndarray) -> list[float]:
    return np.where(np.isfinite(thresholds), thresholds, ABOVE_ANY_PROBABILITY).tolist()


def _one_hot(y: np.ndarray, n_classes: int) -> np.ndarray:
    return np.eye(n_classes, dtype=np.int64)[y]


def _absent_classes(y: np.ndarray, names: list[str]) -> list[str]:
    counts = np.bincount(y, minlength=len(names))
    return [name for name, count in zip(names, counts) if count == 0]


# ---------------------------------------------------------------- calibration


def calibration(y_true, probs, n_bins: int = 10) -> dict:
    """Reliability of the predicted class's confidence in equal-width bins (right-closed, like scikit-learn's
    calibration_curve) and the expected calibration error."""
    y, p = _check(y_true, probs)
    if isinstance(n_bins, bool) or int(n_bins) != n_bins or n_bins < 1:
        raise ValueError(f"n_bins must be a whole number >= 1; got {n_bins!r}.")
    n_bins = int(n_bins)
    confidence = p.max(axis=1)
    correct = (p.argmax(axis=1) == y).astype(np.float64)
    edges = np.linspace(0.0, 1.0, n_bins + 1)
    # calibration_curve drops empty bins and gives no counts, which the reliability diagram and ECE need.
    bin_of = np.digitize(confidence, edges[1:-1], right=True)
    count = np.bincount(bin_of, minlength=n_bins)
    mean_confidence = _bin_means(bin_of, confidence, count)
    accuracy = _bin_means(bin_of, correct, count)
    ece = float(np.sum(count / len(y) * np.abs(accuracy - mean_confidence)))
    return {"edges": edges.tolist(), "centers": ((edges[:-1] + edges[1:]) / 2).tolist(),
            "mean_confidence": mean_confidence.tolist(), "accuracy": accuracy.tolist(), "count": count.tolist(),
            "ece": ece}


def _bin_means(bin_of: np.ndarray, values: np.ndarray, count: np.ndarray) -> np.ndarray:
    sums = np.bincount(bin_of, weights=values, minlength=len(count))
    return np.divide(sums, count, out=np.zeros(len(count)), where=count > 0)


# ---------------------------------------------------------------- thresholds (binary)


def threshold_sweep(y_true, probs, thresholds=None, cost_fp: float = 1.0, cost_fn: float = 1.0) -> dict:
    """Precision, recall, F1, accuracy, counts and cost at each threshold on P(class 1), plus the thresholds with
    the best F1 and the lowest cost (ties go to the one nearest 0.5)."""
    y, score = _binary(y_true, probs)
    grid = DEFAULT_THRESHOLDS if thresholds is None else np.asarray(thresholds, dtype=np.float64)
    if grid.ndim != 1 or len(grid) == 0 or not np.isfinite(grid).all():
        raise ValueError(f"thresholds must be a non-empty 1-D list of finite numbers; got shape {grid.shape}.")
    if cost_fp < 0 or cost_fn < 0:
        raise ValueError(f"Costs must be >= 0; got cost_fp={cost_fp}, cost_fn={cost_fn}.")
    sweep = _scores_at(y, score, grid)
    sweep["cost"] = cost_fp * sweep["fp"] + cost_fn * sweep["fn"]
    return {**{key: values.tolist() for key, values in sweep.items()},
            "best_f1_threshold": _best_threshold(grid, sweep["f1"]),
            "best_cost_threshold": _best_threshold(grid, -sweep["cost"]),
            "cost_fp": float(cost_fp), "cost_fn": float(cost_fn)}


def metrics_at_threshold(y_true, probs, threshold: float) -> dict:
    """Accuracy, balanced accuracy, precision, recall, F1, false-positive rate, counts and the confusion matrix
    when predicting class 1 for P(class 1) >= threshold."""
    y, score = _binary(y_true, probs)
    if not np.isfinite(threshold):
        raise ValueError(f"threshold must be a finite number; got {threshold!r}.")
    at = {key: values[0] for key, values in _scores_at(y, score, np.array([float(threshold)])).items()}
    counts = {key: int(at[key]) for key in ("tp", "fp", "fn", "tn")}
    rates = {key: float(at[key]) for key in ("accuracy", "precision", "recall", "f1", "fpr")}
    return {"threshold": float(threshold), **rates,
            "balanced_accuracy": _balanced_accuracy(y, (score >= threshold).astype(np.int64)), **counts,
            "confusion": [[counts["tn"], counts["fp"]], [counts["fn"], counts["tp"]]]}


def _scores_at(y: np.ndarray, score: np.ndarray, thresholds: np.ndarray) -> dict[str, np.ndarray]:
    # Each threshold is one column of a multilabel problem, so scikit-learn scores every threshold in one call.
    # A lone column would read as a plain binary target, so a single threshold is scored twice.
    n = len(thresholds)
    columns = np.repeat(thresholds, 2) if n == 1 else thresholds
    predicted = (score[:, None] >= columns[None, :]).astype(np.int8)
    truth = np.repeat((y == 1)[:, None], len(columns), axis=1).astype(np.int8)
    (tn, fp), (fn, tp) = skm.multilabel_confusion_matrix(truth, predicted)[:n].transpose(1, 2, 0)
    precision, recall, f1, _ = skm.precision_recall_fscore_support(truth, predicted, average=None, zero_division=0)
    negatives = fp + tn
    fpr = np.divide(fp, negatives, out=np.zeros(n), where=negatives > 0)
    return {"thresholds": thresholds, "precision": precision[:n], "recall": recall[:n], "f1": f1[:n],
            "accuracy": (tp + tn) / len(y), "fpr": fpr, "tp": tp, "fp": fp, "fn": fn, "tn": tn}


def _best_threshold(thresholds: np.ndarray, values: np.ndarray) -> float:
    """The threshold with the highest value; among ties the one nearest 0.5, the default decision rule."""
    tied = np.flatnonzero(np.isclose(values, values.max()))
    return float(thresholds[tied[np.argmin(np.abs(thresholds[tied] - 0.5))]])
