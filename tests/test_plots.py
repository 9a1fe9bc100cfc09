"""workbench.analysis.plots: each figure's traces, axis titles and colours, from small made-up inputs."""
from __future__ import annotations

import numpy as np
import plotly.graph_objects as go
import pytest
import sklearn.manifold  # noqa: F401  (loads scikit-learn's OpenMP runtime, so threadpool_limits below reaches it)
from threadpoolctl import threadpool_limits

from workbench.analysis import metrics as M
from workbench.analysis import plots as P

NAMES = ["cat", "dog", "owl", "fox"]


@pytest.fixture(scope="module")
def multiclass():
    rng = np.random.default_rng(0)
    return rng.integers(0, 4, 120), rng.dirichlet(np.ones(4), 120)


@pytest.fixture(scope="module")
def binary():
    rng = np.random.default_rng(1)
    return rng.integers(0, 2, 80), rng.dirichlet(np.ones(2), 80)


def history(n_steps: int = 10, eval_every: int = 5) -> list[dict]:
    return [{"step": s, "epoch": s / n_steps, "train_loss": 1 / s, "learning_rate": 1e-3 * (1 - s / n_steps),
             "eval_loss": 0.8 / s if s % eval_every == 0 else None} for s in range(1, n_steps + 1)]


def kinds(fig: go.Figure) -> list[str]:
    return [trace.type for trace in fig.data]


def by_name(fig: go.Figure, prefix: str):
    return next(trace for trace in fig.data if trace.name.startswith(prefix))


# ---------------------------------------------------------------- colours


def test_palette_is_twenty_distinct_colours_that_cycle():
    assert len(set(P.PALETTE)) == 20
    assert P.class_color(20) == P.class_color(0) and P.class_color(3) != P.class_color(4)
    assert P.run_color(2) == P.class_color(2)


def test_a_class_has_the_same_colour_in_every_figure(multiclass):
    y, probs = multiclass
    roc = P.fig_roc(M.roc_data(y, probs, NAMES))
    embedding = P.fig_embedding_map(np.random.default_rng(2).random((120, 2)), np.zeros((120, 2)), y, NAMES)
    balance = P.fig_class_balance(dict(zip(NAMES, np.bincount(y))))
    for c, name in enumerate(NAMES):
        assert by_name(roc, name).line.color == P.class_color(c)
        assert by_name(embedding, name).marker.color == P.class_color(c)
        assert balance.data[0].marker.color[c] == P.class_color(c)


# ---------------------------------------------------------------- training


def test_training_curves_one_colour_per_run_and_dashes_per_split():
    runs = {"lr 1e-3": history(), "lr 1e-4": history()}
    fig = P.fig_training_curves(runs)
    assert kinds(fig) == ["scatter"] * 4
    assert [t.name for t in fig.data] == ["lr 1e-3 · train_loss", "lr 1e-3 · eval_loss",
                                         "lr 1e-4 · train_loss", "lr 1e-4 · eval_loss"]
    assert fig.data[0].line.color == fig.data[1].line.color == P.run_color(0)
    assert fig.data[2].line.color == P.run_color(1) != P.run_color(0)
    assert fig.data[0].line.dash == "solid" and fig.data[1].line.dash != "solid"
    assert list(fig.data[1].x) == [5, 10]                       # rows without eval_loss (None) are skipped
    assert fig.layout.xaxis.title.text == "step"
    assert fig.layout.yaxis.title.text == "train_loss, eval_loss"


def test_training_curves_single_run_log_scale_and_learning_rate():
    fig = P.fig_training_curves(history(), metrics=("train_loss", "eval_accuracy"), log_y=True, show_lr=True)
    assert [t.name for t in fig.data] == ["train_loss", "learning_rate"]   # no eval_accuracy anywhere: skipped
    assert fig.data[1].yaxis == "y2" and fig.layout.yaxis2.title.text == "learning_rate"
    assert fig.layout.yaxis.type == "log" and fig.layout.yaxis2.type == "linear"


def test_one_runs_losses_scores_learning_rate_and_gradient_norm_get_their_own_panels_and_colours():
    rows = [{"step": 5, "train_loss": 0.7, "grad_norm": 4.8, "learning_rate": 1e-4},
            {"step": 10, "eval_loss": 0.6, "eval_accuracy": 0.7},
            {"step": 10, "train_loss": 0.5, "grad_norm": 2.0, "learning_rate": 5e-5}]
    fig = P.fig_training_curves(rows, metrics=("train_loss", "eval_loss", "eval_accuracy", "grad_norm"),
                                show_lr=True)
    axis = {t.name: t.yaxis for t in fig.data}
    assert axis == {"train_loss": "y", "eval_loss": "y", "eval_accuracy": "y2", "grad_norm": "y3",
                    "learning_rate": "y4"}
    colors = [t.line.color for t in fig.data]
    assert len(set(colors)) == 5                                   # each series its own colour ...
    assert by_name(fig, "eval_loss").line.color == P.SERIES_COLORS["eval_loss"]   # ... validation beside training
    assert fig.layout.showlegend is not False and fig.layout.xaxis4.title.text == "step"
    assert [a.text for a in fig.layout.annotations] == ["loss", "validation score", "gradient norm", "learning rate"]


def test_training_curves_with_nothing_to_draw_is_an_empty_figure_not_an_error():
    assert len(P.fig_training_curves({"queued run": []}, metrics=()).data) == 0
    assert len(P.fig_training_curves({"queued run": []}).data) == 0


def test_training_curves_reject_rows_without_step():
    with pytest.raises(ValueError, match="no 'step'"):
        P.fig_training_curves([{"train_loss": 1.0}])


def test_lr_schedule():
    fig = P.fig_lr_schedule(range(4), [0.0, 1e-3, 5e-4, 0.0])
    assert kinds(fig) == ["scatter"] and fig.layout.xaxis.title.text == "step"
    with pytest.raises(ValueError, match="same length"):
        P.fig_lr_schedule(range(3), [1e-3])


# ---------------------------------------------------------------- evaluation


def test_confusion_matrix_heatmap_text_and_readable_for_twenty_classes(multiclass):
    y, probs = multiclass
    matrix = M.confusion(y, probs.argmax(1), 4)
    fig = P.fig_confusion_matrix(matrix, NAMES)
    assert kinds(fig) == ["heatmap"]
    assert fig.data[0].text[0][0] == str(matrix[0, 0])
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("predicted", "true")
    normalised = P.fig_confusion_matrix(M.confusion(y, probs.argmax(1), 4, normalize=True), NAMES, normalized=True)
    assert "." in normalised.data[0].text[0][0]
    twenty = P.fig_confusion_matrix(np.eye(20, dtype=int), [f"c{i}" for i in range(20)])
    assert twenty.data[0].textfont.size < fig.data[0].textfont.size and twenty.layout.height > fig.layout.height
    with pytest.raises(ValueError, match="4x4"):
        P.fig_confusion_matrix(np.zeros((3, 3)), NAMES)


def test_roc_and_pr_multiclass(multiclass):
    y, probs = multiclass
    roc = P.fig_roc(M.roc_data(y, probs, NAMES), operating_point=(0.2, 0.7))
    assert [t.name.split(" ")[0] for t in roc.data] == ["chance", *NAMES, "micro", "macro", "operating"]
    assert all("AUC" in t.name for t in roc.data[1:-1])
    assert roc.data[0].line.dash == "dash" and list(roc.data[0].x) == [0, 1]
    assert roc.data[-1].mode == "markers" and list(roc.data[-1].x) == [0.2]
    assert (roc.layout.xaxis.title.text, roc.layout.yaxis.title.text) == ("false-positive rate", "true-positive rate")
    pr = P.fig_pr(M.pr_data(y, probs, NAMES))
    assert len(pr.data) == 5 and all("(AP " in t.name for t in pr.data)
    assert (pr.layout.xaxis.title.text, pr.layout.yaxis.title.text) == ("recall", "precision")


def test_roc_binary_and_missing_class(binary):
    y, probs = binary
    fig = P.fig_roc(M.roc_data(y, probs, ["ham", "spam"]))
    assert len(fig.data) == 2 and fig.data[1].name.startswith("spam (AUC")
    empty = P.fig_roc(M.roc_data(np.zeros(80, int), probs, ["ham", "spam"]))
    assert len(empty.data) == 1 and "spam" in empty.layout.annotations[0].text


def test_threshold_sweep_figure(binary):
    y, probs = binary
    sweep = M.threshold_sweep(y, probs, cost_fn=3)
    fig = P.fig_threshold_sweep(sweep)
    assert [t.name.split(" ")[0] for t in fig.data] == ["precision", "recall", "f1", "accuracy", "cost"]
    assert fig.data[-1].yaxis == "y2" and fig.layout.yaxis2.title.text == "cost"
    assert fig.layout.xaxis.title.text == "threshold on P(class 1)"
    assert len(fig.layout.shapes) == 2                          # best-F1 and lowest-cost lines


def test_calibration_figure(multiclass):
    y, probs = multiclass
    cal = M.calibration(y, probs)
    fig = P.fig_calibration(cal)
    assert kinds(fig) == ["bar", "scatter", "scatter"]
    assert f"{cal['ece']:.3f}" in fig.layout.title.text
    assert len(fig.data[2].x) == sum(1 for count in cal["count"] if count)
    assert (fig.layout.xaxis.title.text, fig.layout.yaxis.title.text) == ("confidence", "accuracy")


def test_per_class_bars(multiclass):
    y, probs = multiclass
    fig = P.fig_per_class(M.classification_report(y, probs, NAMES))
    assert kinds(fig) == ["bar"] * 3 and [t.name for t in fig.data] == ["precision", "recall", "f1"]
    assert list(fig.data[0].x) == NAMES and fig.layout.barmode == "group"


# ---------------------------------------------------------------- embeddings


def test_project_2d_and_embedding_map(multiclass):
    y, _ = multiclass
    features = np.random.default_rng(3).normal(size=(120, 6))
    pca = P.project_2d(features)
    assert pca.shape == (120, 2)
    # t-SNE's 1,000 small OpenMP steps crawl when the two CPUs are busy with other work; one thread is instant.
    with threadpool_limits(limits=1, user_api="openmp"):
        assert P.project_2d(features[:30], method="tsne").shape == (30, 2)
    with pytest.raises(ValueError, match="'pca' or 'tsne'"):
        P.project_2d(features, method="umap")
    fig = P.fig_embedding_map(pca, pca * 2, y, NAMES)
    assert kinds(fig) == ["scatter"] * 8
    assert [t.showlegend for t in fig.data] == [True] * 4 + [False] * 4
    assert {t.xaxis for t in fig.data} == {"x", "x2"}
    assert fig.layout.xaxis.title.text == "component 1"
    with pytest.raises(ValueError, match="points_after"):
        P.fig_embedding_map(pca, pca[:10], y, NAMES)


# ---------------------------------------------------------------- explanations


def test_token_attributions_sorted_and_duplicates_kept_apart():
    fig = P.fig_token_attributions(["the", "film", "the", "dull"], [0.1, 0.5, -0.2, -0.9])
    bars = fig.data[0]
    assert kinds(fig) == ["bar"] and bars.orientation == "h"
    assert list(bars.y) == ["the", "the (2)", "film", "dull"]   # largest |weight| drawn last, at the top
    assert bars.marker.color[-1] == P.NEGATIVE and bars.marker.color[-2] == P.POSITIVE
    many = P.fig_token_attributions([f"w{i}" for i in range(50)], np.arange(50.0), title="review 3")
    assert len(many.data[0].y) == P.TOP_UNITS and many.layout.title.text.startswith("review 3 (top 20 of 50)")


def test_html_highlight_escapes_tokens():
    out = P.html_token_highlight(["<script>alert(1)</script>", "good"], [-1.0, 0.5])
    assert "<script>" not in out and "&lt;script&gt;" in out
    assert "rgba(0,114,178,0.80)" in out and "rgba(213,94,0,0.40)" in out
    with pytest.raises(ValueError, match="same length"):
        P.html_token_highlight(["a"], [1.0, 2.0])


def test_pixel_attributions_overlay():
    heatmap = np.linspace(-1, 1, 64).reshape(8, 8)
    fig = P.fig_pixel_attributions(np.zeros((8, 8, 3), dtype=np.uint8), heatmap)
    assert kinds(fig) == ["image", "heatmap"] and 0 < fig.data[1].opacity < 1
    grey = P.fig_pixel_attributions(np.full((8, 8), 0.5), heatmap)   # (H, W) floats in [0, 1]
    assert np.asarray(grey.data[0].z).shape == (8, 8, 3) and np.asarray(grey.data[0].z)[0, 0, 0] == 127
    with pytest.raises(ValueError, match="height and width"):
        P.fig_pixel_attributions(np.zeros((8, 8, 3), dtype=np.uint8), np.zeros((4, 4)))


def test_feature_attributions_sorted_by_magnitude_with_values():
    fig = P.fig_feature_attributions(["age", "bmi", "bp"], [0.2, -0.7, 0.1], values=[50, 31.2, 80])
    assert list(fig.data[0].y) == ["bp = 80", "age = 50", "bmi = 31.2"]
    assert fig.layout.yaxis.title.text == "feature"


def test_shap_vs_lime_side_by_side_with_agreement():
    agreement = {"k": 2, "top_k_overlap": 0.5, "spearman": 0.25}
    fig = P.fig_shap_vs_lime(["a", "b", "c"], [0.1, -0.3, 0.2], [0.3, 0.0, -0.1], agreement=agreement)
    assert kinds(fig) == ["bar", "bar"] and {t.xaxis for t in fig.data} == {"x", "x2"}
    assert list(fig.data[0].y) == list(fig.data[1].y) == ["a", "c", "b"]
    assert "top-2 overlap 0.50" in fig.layout.title.text and "0.25" in fig.layout.title.text
    assert "0.70" in P.fig_shap_vs_lime(["a"], [1.0], [1.0], agreement=0.7).layout.title.text
    with pytest.raises(ValueError, match="same length"):
        P.fig_shap_vs_lime(["a", "b"], [1.0, 2.0], [1.0])


def test_every_figure_serialises(multiclass, binary):
    y, probs = multiclass
    figures = [P.fig_training_curves(history(), show_lr=True), P.fig_roc(M.roc_data(y, probs)),
               P.fig_pr(M.pr_data(*binary), operating_point=(0.5, 0.5)), P.fig_calibration(M.calibration(y, probs)),
               P.fig_threshold_sweep(M.threshold_sweep(*binary)), P.fig_length_histogram([3, 5, 8])]
    for fig in figures:
        assert isinstance(fig, go.Figure) and fig.to_json()
