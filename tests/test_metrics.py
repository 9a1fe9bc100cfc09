"""workbench.analysis.metrics against scikit-learn itself and against small hand computations."""
from __future__ import annotations

import json
import warnings

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.calibration import calibration_curve

from workbench.analysis import metrics as M


def random_predictions(n: int, n_classes: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return rng.integers(0, n_classes, n), rng.dirichlet(np.ones(n_classes), n).astype(np.float32)


def assert_json_safe(value) -> None:
    json.dumps(value, allow_nan=False)


@pytest.fixture(autouse=True)
def no_warnings():
    """The metrics handle absent classes and float32 rows themselves, so scikit-learn must not warn."""
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        yield


# ---------------------------------------------------------------- classification_report


def assert_report_matches_sklearn(y, probs, report) -> None:
    pred = probs.argmax(1)
    labels = list(range(probs.shape[1]))
    assert report["accuracy"] == pytest.approx(skm.accuracy_score(y, pred))
    assert report["error_rate"] == pytest.approx(1 - skm.accuracy_score(y, pred))
    for average in ("macro", "weighted"):
        expected = skm.precision_recall_fscore_support(y, pred, labels=labels, average=average, zero_division=0)
        assert [report[f"{m}_{average}"] for m in ("precision", "recall", "f1")] == pytest.approx(expected[:3])
    as_float64 = probs.astype(np.float64)
    rows_summing_to_one = as_float64 / as_float64.sum(1, keepdims=True)   # float32 rows only almost do
    assert report["log_loss"] == pytest.approx(skm.log_loss(y, rows_summing_to_one, labels=labels))
    precision, recall, f1, support = skm.precision_recall_fscore_support(y, pred, labels=labels, zero_division=0)
    assert [row["precision"] for row in report["per_class"]] == pytest.approx(precision)
    assert [row["recall"] for row in report["per_class"]] == pytest.approx(recall)
    assert [row["f1"] for row in report["per_class"]] == pytest.approx(f1)
    assert [row["support"] for row in report["per_class"]] == support.tolist()
    assert_json_safe(report)


@pytest.mark.parametrize("n_classes", [2, 4])
def test_report_matches_sklearn(n_classes):
    y, probs = random_predictions(200, n_classes, seed=n_classes)
    report = M.classification_report(y, probs, [f"class {c}" for c in range(n_classes)])
    assert_report_matches_sklearn(y, probs, report)
    assert report["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, probs.argmax(1)))
    assert [row["label"] for row in report["per_class"]] == [f"class {c}" for c in range(n_classes)]
    assert all(type(report[key]) is float for key in report if key != "per_class")


def test_ties_take_the_first_class_everywhere():
    y = np.array([0, 1, 1, 0, 2, 2])
    probs = np.array([[0.5, 0.5, 0], [0.5, 0.5, 0], [1 / 3] * 3, [0.2, 0.4, 0.4], [0.4, 0.2, 0.4], [0, 0, 1]])
    report = M.classification_report(y, probs)
    assert_report_matches_sklearn(y, probs, report)
    roc = M.roc_data(y, probs)
    for c in range(3):
        assert roc["curves"][str(c)]["auc"] == pytest.approx(skm.roc_auc_score(y == c, probs[:, c]))
    assert M.confusion(y, probs.argmax(1), 3)[1].tolist() == [2, 0, 0]


def test_class_never_predicted_scores_zero_without_warnings():
    y, probs = random_predictions(100, 4, seed=1)
    probs[:, 2] = 0.0
    probs /= probs.sum(1, keepdims=True)
    report = M.classification_report(y, probs)
    assert_report_matches_sklearn(y, probs, report)
    assert report["per_class"][2]["precision"] == 0.0 and report["per_class"][2]["recall"] == 0.0


def test_class_absent_from_labels():
    y, probs = random_predictions(100, 4, seed=2)
    y[y == 3] = 0
    names = ["a", "b", "c", "d"]
    report = M.classification_report(y, probs, names)
    assert_report_matches_sklearn(y, probs, report)
    assert report["per_class"][3]["support"] == 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert report["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, probs.argmax(1)))

    roc, pr = M.roc_data(y, probs, names), M.pr_data(y, probs, names)
    assert roc["missing"] == pr["missing"] == ["d"]
    assert "d" not in roc["curves"] and set(roc["curves"]) == {"a", "b", "c", "micro", "macro"}
    macro = skm.roc_auc_score(np.eye(4)[y][:, :3], probs[:, :3], average="macro")
    assert roc["curves"]["macro"]["auc"] == pytest.approx(macro)

    full = M.predictions_report({"probs": probs, "labels": y, "ids": np.arange(100), "label_names": names})
    assert "roc" not in full and "pr" not in full and "d" in full["notes"][0]
    assert_json_safe(full)


def test_predictions_report_with_every_class():
    y, probs = random_predictions(80, 3, seed=3)
    ids = np.array([f"ex{i}" for i in range(80)])
    out = M.predictions_report({"probs": probs, "labels": y, "ids": ids, "label_names": np.array(["x", "y", "z"])})
    assert out["notes"] == [] and set(out["roc"]["curves"]) == {"x", "y", "z", "micro", "macro"}
    assert out["confusion"] == skm.confusion_matrix(y, probs.argmax(1)).tolist()
    assert out["top_losses"][0]["id"].startswith("ex")
    assert_json_safe(out)


# ---------------------------------------------------------------- confusion and cells


def test_confusion_counts_and_row_normalisation():
    y = np.array([0, 0, 1, 1, 1, 0])
    pred = np.array([0, 1, 1, 1, 0, 0])
    counts = M.confusion(y, pred, 3)
    assert counts.tolist() == skm.confusion_matrix(y, pred, labels=[0, 1, 2]).tolist()
    normalised = M.confusion(y, pred, 3, normalize=True)
    assert not np.isnan(normalised).any()
    assert normalised[:2].sum(1) == pytest.approx([1, 1])
    assert normalised[2].tolist() == [0, 0, 0]               # class 2 has no examples
    assert normalised[0].tolist() == pytest.approx([2 / 3, 1 / 3, 0])


def test_cell_examples_gives_ids_or_indices():
    y = np.array([0, 1, 1, 0, 1])
    pred = np.array([1, 1, 0, 1, 0])
    assert M.cell_examples(y, pred, 0, 1) == [0, 3]
    assert M.cell_examples(y, pred, 1, 0, ids=np.array(["a", "b", "c", "d", "e"])) == ["c", "e"]
    assert M.cell_examples(y, pred, 0, 0, ids=[10, 11, 12, 13, 14]) == []
    assert_json_safe(M.cell_examples(y, pred, 1, 1, ids=np.arange(100, 105)))


# ---------------------------------------------------------------- curves


def test_binary_curves_match_sklearn():
    y, probs = random_predictions(150, 2, seed=4)
    roc, pr = M.roc_data(y, probs, ["neg", "pos"]), M.pr_data(y, probs, ["neg", "pos"])
    assert roc["binary"] and list(roc["curves"]) == ["pos"] and list(pr["curves"]) == ["pos"]
    fpr, tpr, _ = skm.roc_curve(y, probs[:, 1])
    curve = roc["curves"]["pos"]
    assert curve["fpr"] == pytest.approx(fpr) and curve["tpr"] == pytest.approx(tpr)
    assert curve["auc"] == pytest.approx(skm.roc_auc_score(y, probs[:, 1]))
    assert curve["class"] == 1 and len(curve["thresholds"]) == len(curve["fpr"])
    assert pr["curves"]["pos"]["average_precision"] == pytest.approx(skm.average_precision_score(y, probs[:, 1]))
    assert_json_safe(roc)
    assert_json_safe(pr)


def test_multiclass_curves_match_sklearn():
    y, probs = random_predictions(300, 4, seed=5)
    onehot = np.eye(4)[y]
    roc, pr = M.roc_data(y, probs), M.pr_data(y, probs)
    assert not roc["binary"] and roc["missing"] == []
    for c in range(4):
        assert roc["curves"][str(c)]["auc"] == pytest.approx(skm.roc_auc_score(y == c, probs[:, c]))
        assert pr["curves"][str(c)]["average_precision"] == pytest.approx(
            skm.average_precision_score(y == c, probs[:, c]))
    assert roc["curves"]["macro"]["auc"] == pytest.approx(
        skm.roc_auc_score(y, probs.astype(np.float64), multi_class="ovr", average="macro"))
    assert roc["curves"]["micro"]["auc"] == pytest.approx(skm.roc_auc_score(onehot, probs, average="micro"))
    assert pr["curves"]["micro"]["average_precision"] == pytest.approx(
        skm.average_precision_score(onehot, probs, average="micro"))
    assert "macro" not in pr["curves"]
    macro = roc["curves"]["macro"]
    assert macro["fpr"][0] == 0 and macro["fpr"][-1] == 1 and macro["tpr"][-1] == pytest.approx(1)
    assert_json_safe(roc)                                    # sklearn's +inf first threshold is replaced


# ---------------------------------------------------------------- calibration


def test_calibration_ece_by_hand():
    # Confidences 0.95 (right), 0.85 (wrong), 0.65 (right), 0.75 (right), 0.55 (wrong); five bins of width 0.2.
    probs = np.array([[0.95, 0.05], [0.15, 0.85], [0.65, 0.35], [0.25, 0.75], [0.55, 0.45]])
    y = np.array([0, 0, 0, 1, 1])
    cal = M.calibration(y, probs, n_bins=5)
    assert cal["count"] == [0, 0, 1, 2, 2]
    assert cal["accuracy"] == pytest.approx([0, 0, 0, 1, 0.5])
    assert cal["mean_confidence"] == pytest.approx([0, 0, 0.55, 0.70, 0.90])
    # ECE = 1/5 * |0 - .55| + 2/5 * |1 - .70| + 2/5 * |.5 - .90| = .11 + .12 + .16
    assert cal["ece"] == pytest.approx(0.39)
    assert cal["centers"] == pytest.approx([0.1, 0.3, 0.5, 0.7, 0.9])
    assert_json_safe(cal)


def test_calibration_bins_match_sklearn_calibration_curve():
    y, probs = random_predictions(400, 3, seed=6)
    cal = M.calibration(y, probs, n_bins=8)
    correct = (probs.argmax(1) == y).astype(int)
    accuracy, confidence = calibration_curve(correct, probs.max(1).astype(np.float64), n_bins=8)
    used = [i for i, count in enumerate(cal["count"]) if count]
    assert [cal["accuracy"][i] for i in used] == pytest.approx(accuracy)
    assert [cal["mean_confidence"][i] for i in used] == pytest.approx(confidence)
    assert sum(cal["count"]) == 400


# ---------------------------------------------------------------- thresholds


def test_threshold_sweep_matches_brute_force():
    y, probs = random_predictions(120, 2, seed=7)
    thresholds = np.linspace(0, 1, 41)
    sweep = M.threshold_sweep(y, probs, thresholds, cost_fp=1.0, cost_fn=5.0)
    costs, f1s = [], []
    for i, t in enumerate(thresholds):
        pred = (probs[:, 1] >= t).astype(int)
        tn, fp, fn, tp = skm.confusion_matrix(y, pred, labels=[0, 1]).ravel()
        assert [sweep[k][i] for k in ("tn", "fp", "fn", "tp")] == [tn, fp, fn, tp]
        precision, recall, f1, _ = skm.precision_recall_fscore_support(y, pred, average="binary", zero_division=0)
        assert [sweep[k][i] for k in ("precision", "recall", "f1")] == pytest.approx([precision, recall, f1])
        assert sweep["accuracy"][i] == pytest.approx(skm.accuracy_score(y, pred))
        costs.append(fp + 5 * fn)
        f1s.append(f1)
    assert sweep["cost"] == pytest.approx(costs)

    def nearest_half(candidates):
        return min(candidates, key=lambda t: abs(t - 0.5))
    assert sweep["best_f1_threshold"] == nearest_half([t for t, f in zip(thresholds, f1s) if f == max(f1s)])
    assert sweep["best_cost_threshold"] == nearest_half([t for t, c in zip(thresholds, costs) if c == min(costs)])
    assert_json_safe(sweep)


def test_costly_false_negatives_lower_the_best_threshold():
    y, probs = random_predictions(300, 2, seed=8)
    probs[:, 1] = np.clip(0.3 * y + 0.7 * probs[:, 1], 0, 1)
    probs[:, 0] = 1 - probs[:, 1]
    cheap_fn = M.threshold_sweep(y, probs, cost_fp=5.0, cost_fn=1.0)["best_cost_threshold"]
    dear_fn = M.threshold_sweep(y, probs, cost_fp=1.0, cost_fn=5.0)["best_cost_threshold"]
    assert dear_fn < cheap_fn


def test_metrics_at_threshold_agrees_with_the_sweep():
    y, probs = random_predictions(90, 2, seed=9)
    at = M.metrics_at_threshold(y, probs, 0.3)
    sweep = M.threshold_sweep(y, probs, thresholds=[0.3])
    for key in ("precision", "recall", "f1", "accuracy", "fpr", "tp", "fp", "fn", "tn"):
        assert at[key] == pytest.approx(sweep[key][0])
    pred = (probs[:, 1] >= 0.3).astype(int)
    assert at["confusion"] == skm.confusion_matrix(y, pred, labels=[0, 1]).tolist()
    assert at["balanced_accuracy"] == pytest.approx(skm.balanced_accuracy_score(y, pred))
    assert_json_safe(at)


# ---------------------------------------------------------------- top losses, cv summary


def test_top_losses_are_the_highest_cross_entropies_in_order():
    y, probs = random_predictions(50, 3, seed=10)
    ids = [f"id{i}" for i in range(50)]
    worst = M.top_losses(y, probs, k=5, ids=ids)
    losses = -np.log(probs[np.arange(50), y].astype(np.float64))
    assert [w["index"] for w in worst] == np.argsort(-losses)[:5].tolist()
    assert [w["loss"] for w in worst] == pytest.approx(sorted(losses, reverse=True)[:5], rel=1e-6)
    assert all(w["id"] == ids[w["index"]] and w["pred"] == probs[w["index"]].argmax() for w in worst)
    assert len(M.top_losses(y, probs, k=500)) == 50
    assert M.top_losses(y, probs, k=0) == []
    assert_json_safe(worst)


def test_cv_summary():
    folds = [{"accuracy": 0.8, "f1_macro": 0.7, "per_class": [], "note": "x"},
             {"accuracy": 0.9, "f1_macro": 0.6, "per_class": [], "note": "y"},
             {"accuracy": 0.7, "f1_macro": 0.8, "per_class": [], "note": "z"}]
    summary = M.cv_summary(folds)
    assert set(summary) == {"accuracy", "f1_macro"}
    assert summary["accuracy"]["mean"] == pytest.approx(0.8)
    assert summary["accuracy"]["std"] == pytest.approx(np.std([0.8, 0.9, 0.7], ddof=1))
    assert (summary["f1_macro"]["min"], summary["f1_macro"]["max"], summary["f1_macro"]["n"]) == (0.6, 0.8, 3)
    assert M.cv_summary(folds[:1])["accuracy"]["std"] == 0.0
    with pytest.raises(ValueError, match="at least one fold"):
        M.cv_summary([])


# ---------------------------------------------------------------- bad input


GOOD_Y, GOOD_P = random_predictions(10, 3, seed=11)
BINARY_Y, BINARY_P = random_predictions(10, 2, seed=12)


@pytest.mark.parametrize("call, message", [
    (lambda: M.classification_report(GOOD_Y, GOOD_P[:, 0]), r"shape \(n_examples, n_classes >= 2\)"),
    (lambda: M.classification_report(GOOD_Y, np.ones((10, 1))), r"got \(10, 1\)"),
    (lambda: M.classification_report(GOOD_Y[:-1], GOOD_P), "9 labels but probs has 10 rows"),
    (lambda: M.classification_report(np.full(10, 5), GOOD_P), r"\[0, 3\).*found label 5"),
    (lambda: M.classification_report(np.full(10, -1), GOOD_P), "found label -1"),
    (lambda: M.classification_report(GOOD_Y + 0.5, GOOD_P), "integer class indices"),
    (lambda: M.classification_report(GOOD_Y, GOOD_P * 3), "probabilities in"),
    (lambda: M.classification_report(GOOD_Y, GOOD_P * 0.5), "must sum to 1"),
    (lambda: M.classification_report(GOOD_Y, GOOD_P, ["a", "b"]), "2 names for 3 classes"),
    (lambda: M.roc_data(GOOD_Y.reshape(5, 2), GOOD_P), "1-D"),
    (lambda: M.confusion(GOOD_Y, GOOD_Y[:5], 3), "same length"),
    (lambda: M.confusion(GOOD_Y, GOOD_Y, 2), "y_true must lie in"),
    (lambda: M.cell_examples(GOOD_Y, GOOD_Y, 0, 0, ids=[1, 2]), "one id per example"),
    (lambda: M.top_losses(GOOD_Y, GOOD_P, k=-1), "k must be"),
    (lambda: M.calibration(GOOD_Y, GOOD_P, n_bins=0), "n_bins"),
    (lambda: M.threshold_sweep(GOOD_Y, GOOD_P), "binary task; this one has 3 classes"),
    (lambda: M.metrics_at_threshold(GOOD_Y, GOOD_P, 0.5), "binary task"),
    (lambda: M.threshold_sweep(BINARY_Y, BINARY_P, cost_fn=-1), "Costs must be >= 0"),
    (lambda: M.threshold_sweep(BINARY_Y, BINARY_P, thresholds=[]), "thresholds must be"),
    (lambda: M.predictions_report({"probs": GOOD_P}), "need labels"),
])
def test_bad_input_raises_a_clear_value_error(call, message):
    with pytest.raises(ValueError, match=message):
        call()
