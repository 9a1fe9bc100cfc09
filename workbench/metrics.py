"""Metrics and curve data from saved predictions (scikit-learn underneath). Arrays in, plain Python values out.

`y_true` is (n,) int labels in [0, C); `probs` is (n, C) probabilities; `ids` are optional example ids.
"""
from __future__ import annotations

import numpy as np
from sklearn import metrics as skm


def _check(y_true, probs) -> tuple[np.ndarray, np.ndarray]:
    y = np.asarray(y_true)
    p = np.asarray(probs, dtype=np.float64)
    if p.ndim != 2 or p.shape[1] < 2:
        raise ValueError(f"probs must have shape (n, classes>=2); got {p.shape}.")
    if y.ndim != 1 or len(y) != len(p):
        raise ValueError(f"y_true must be 1-D with one label per row of probs; got {y.shape} for {p.shape}.")
    if len(y) and (y.min() < 0 or y.max() >= p.shape[1]):
        raise ValueError(f"labels must lie in [0, {p.shape[1]}); found {y.min()}..{y.max()}.")
    return y.astype(int), p


def _names(label_names, n: int) -> list[str]:
    return list(label_names) if label_names is not None else [str(i) for i in range(n)]


def classification_report(y_true, probs, label_names=None) -> dict:
    """Accuracy, balanced accuracy, error rate, precision/recall/F1 (macro, weighted, per class), log loss."""
    y, p = _check(y_true, probs)
    n = p.shape[1]
    labels = list(range(n))
    pred = p.argmax(1)
    prec, rec, f1, support = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    out = {"accuracy": float(skm.accuracy_score(y, pred))}
    out["error_rate"] = 1.0 - out["accuracy"]
    present = np.unique(y)
    out["balanced_accuracy"] = float(np.mean(rec[present])) if len(present) else 0.0
    for avg in ("macro", "weighted"):
        a = skm.precision_recall_fscore_support(y, pred, labels=labels, average=avg, zero_division=0)
        out.update({f"precision_{avg}": float(a[0]), f"recall_{avg}": float(a[1]), f"f1_{avg}": float(a[2])})
    clipped = np.clip(p, 1e-7, 1)
    out["log_loss"] = float(skm.log_loss(y, clipped / clipped.sum(1, keepdims=True), labels=labels))
    out["per_class"] = [{"label": name, "precision": float(prec[i]), "recall": float(rec[i]), "f1": float(f1[i]),
                         "support": int(support[i])} for i, name in enumerate(_names(label_names, n))]
    return out


def confusion(y_true, y_pred, n_classes: int, normalize: bool = False) -> np.ndarray:
    """Counts (rows: true, columns: predicted), or each row divided by its total (empty rows stay 0)."""
    m = skm.confusion_matrix(y_true, y_pred, labels=list(range(n_classes)))
    if not normalize:
        return m
    totals = m.sum(1, keepdims=True)
    return np.divide(m, totals, out=np.zeros(m.shape, dtype=float), where=totals > 0)


def cell_examples(y_true, y_pred, true_label: int, pred_label: int, ids=None) -> list:
    """The example ids (or row indices) behind one confusion-matrix cell."""
    rows = np.flatnonzero((np.asarray(y_true) == true_label) & (np.asarray(y_pred) == pred_label))
    keys = np.asarray(ids)[rows] if ids is not None else rows
    return [k.item() if hasattr(k, "item") else k for k in keys]


def _finite(values) -> list[float]:
    """Curve thresholds without the +inf sklearn puts first (JSON cannot hold it)."""
    return [float(v) if np.isfinite(v) else 1.0 for v in values]


def roc_data(y_true, probs) -> dict:
    """ROC curves and AUC: the positive class for binary tasks; one-vs-rest per class plus macro and micro."""
    y, p = _check(y_true, probs)
    n = p.shape[1]
    if n == 2:
        return {"binary": True, "curves": {"positive": _roc(y == 1, p[:, 1])}}
    curves = {str(c): _roc(y == c, p[:, c]) for c in range(n) if 0 < (y == c).sum() < len(y)}
    onehot = np.eye(n)[y]
    curves["micro"] = _roc(onehot.ravel() == 1, p.ravel())
    grid = np.linspace(0, 1, 101)
    per_class = [c for c in curves if c != "micro"]
    mean_tpr = np.mean([np.interp(grid, curves[c]["fpr"], curves[c]["tpr"]) for c in per_class], axis=0)
    curves["macro"] = {"fpr": grid.tolist(), "tpr": mean_tpr.tolist(), "thresholds": [],
                       "auc": float(np.mean([curves[c]["auc"] for c in per_class]))}
    return {"binary": False, "curves": curves}


def _roc(positive, scores) -> dict:
    fpr, tpr, thr = skm.roc_curve(positive, scores)
    return {"fpr": fpr.tolist(), "tpr": tpr.tolist(), "thresholds": _finite(thr), "auc": float(skm.auc(fpr, tpr))}


def pr_data(y_true, probs) -> dict:
    """Precision-recall curves and average precision, shaped like roc_data (micro average for multi-class)."""
    y, p = _check(y_true, probs)
    n = p.shape[1]
    if n == 2:
        return {"binary": True, "curves": {"positive": _pr(y == 1, p[:, 1])}}
    curves = {str(c): _pr(y == c, p[:, c]) for c in range(n) if (y == c).any()}
    curves["micro"] = _pr(np.eye(n)[y].ravel() == 1, p.ravel())
    return {"binary": False, "curves": curves}


def _pr(positive, scores) -> dict:
    precision, recall, thr = skm.precision_recall_curve(positive, scores)
    return {"precision": precision.tolist(), "recall": recall.tolist(), "thresholds": _finite(thr),
            "average_precision": float(skm.average_precision_score(positive, scores))}


def calibration(y_true, probs, n_bins: int = 10) -> dict:
    """Reliability of the predicted class's confidence in equal-width bins, and the expected calibration error."""
    y, p = _check(y_true, probs)
    confidence = p.max(1)
    correct = (p.argmax(1) == y).astype(float)
    edges = np.linspace(0, 1, n_bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, n_bins - 1)
    count = np.bincount(which, minlength=n_bins)
    conf_sum = np.bincount(which, weights=confidence, minlength=n_bins)
    acc_sum = np.bincount(which, weights=correct, minlength=n_bins)
    mean_conf = np.divide(conf_sum, count, out=np.zeros(n_bins), where=count > 0)
    accuracy = np.divide(acc_sum, count, out=np.zeros(n_bins), where=count > 0)
    ece = float(np.sum(count / max(len(y), 1) * np.abs(accuracy - mean_conf)))
    return {"edges": edges.tolist(), "centers": ((edges[:-1] + edges[1:]) / 2).tolist(),
            "mean_confidence": mean_conf.tolist(), "accuracy": accuracy.tolist(), "count": count.tolist(),
            "ece": ece}


def _binary(y_true, probs) -> tuple[np.ndarray, np.ndarray]:
    y, p = _check(y_true, probs)
    if p.shape[1] != 2:
        raise ValueError(f"A threshold applies to binary tasks; this one has {p.shape[1]} classes.")
    return y, p[:, 1]


def _counts_at(y, score, threshold: float) -> dict:
    pred = (score >= threshold).astype(int)
    tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"threshold": float(threshold), "tp": int(tp), "fp": int(fp), "fn": int(fn), "tn": int(tn),
            "precision": float(precision), "recall": float(recall), "f1": float(f1),
            "fpr": float(fp / (fp + tn)) if fp + tn else 0.0, "accuracy": float((tp + tn) / len(y))}


def threshold_sweep(y_true, probs, thresholds=None, cost_fp: float = 1.0, cost_fn: float = 1.0) -> dict:
    """Metrics at each threshold on P(class 1), and the thresholds that maximise F1 and minimise the cost."""
    y, score = _binary(y_true, probs)
    grid = np.linspace(0.0, 1.0, 101) if thresholds is None else np.asarray(thresholds, dtype=float)
    rows = []
    for t in grid:
        row = _counts_at(y, score, t)
        row["cost"] = float(cost_fp * row["fp"] + cost_fn * row["fn"])
        rows.append(row)
    best_f1 = max(rows, key=lambda r: r["f1"])
    best_cost = min(rows, key=lambda r: r["cost"])
    columns = {k: [r[k] for r in rows] for k in rows[0]}
    return {"rows": rows, **{f"{k}s" if k == "threshold" else k: v for k, v in columns.items()},
            "best_f1_threshold": best_f1["threshold"], "best_cost_threshold": best_cost["threshold"],
            "cost_fp": cost_fp, "cost_fn": cost_fn}


def metrics_at_threshold(y_true, probs, threshold: float) -> dict:
    """Binary metrics and the confusion matrix when predicting class 1 at P(class 1) >= threshold."""
    y, score = _binary(y_true, probs)
    row = _counts_at(y, score, threshold)
    row["confusion"] = [[row["tn"], row["fp"]], [row["fn"], row["tp"]]]
    return row


def cv_summary(fold_scores: list[dict]) -> dict:
    """Mean, standard deviation, min and max of each numeric metric across folds or seeds."""
    if not fold_scores:
        raise ValueError("cv_summary needs at least one fold's scores.")
    keys = [k for k, v in fold_scores[0].items() if isinstance(v, (int, float)) and not isinstance(v, bool)]
    out = {}
    for k in keys:
        values = np.array([f[k] for f in fold_scores], dtype=float)
        out[k] = {"mean": float(values.mean()), "std": float(values.std(ddof=1)) if len(values) > 1 else 0.0,
                  "min": float(values.min()), "max": float(values.max()), "n": len(values)}
    return out


def top_losses(y_true, probs, k: int = 10, ids=None) -> list[dict]:
    """The k examples with the highest cross-entropy: the model's most confident mistakes come first."""
    y, p = _check(y_true, probs)
    p_true = p[np.arange(len(y)), y]
    loss = -np.log(np.clip(p_true, 1e-12, 1.0))
    order = np.argsort(-loss, kind="stable")[:k]
    keys = np.asarray(ids) if ids is not None else np.arange(len(y))
    return [{"id": keys[i].item(), "index": int(i), "true": int(y[i]), "pred": int(p[i].argmax()),
             "loss": float(loss[i]), "p_true": float(p_true[i])} for i in order]


def predictions_report(pred: dict) -> dict:
    """Everything above for a run's saved predictions {probs, labels, ids, label_names}."""
    y, p = _check(pred["labels"], pred["probs"])
    names = pred.get("label_names")
    out = {"report": classification_report(y, p, names),
           "confusion": confusion(y, p.argmax(1), p.shape[1]).tolist(), "notes": []}
    missing = [str(_names(names, p.shape[1])[c]) for c in range(p.shape[1]) if not (y == c).any()]
    if missing:
        out["notes"].append(f"No examples of {', '.join(missing)} in these labels: no ROC/PR curves.")
    else:
        out["roc"], out["pr"] = roc_data(y, p), pr_data(y, p)
    return out
