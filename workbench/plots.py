"""Figures: pure `fig_*` functions. Arrays and dicts in, a Plotly figure out; never a model, never `.show()`.

Colours come from colour-blind-safe palettes and are fixed per class index and per run position, so the same
class or run has the same colour in every figure.
"""
from __future__ import annotations

import html

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Okabe-Ito, then Paul Tol's "muted" set: 17 colour-blind-safe colours; beyond that they repeat.
PALETTE = ["#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000",
           "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499"]
POSITIVE, NEGATIVE = "#D55E00", "#0072B2"   # attribution colours: pushes towards / away from the class
LAYOUT = dict(template="plotly_white", margin=dict(l=50, r=20, t=50, b=45), legend=dict(orientation="h", y=-0.2))


def class_color(i: int) -> str:
    return PALETTE[i % len(PALETTE)]


def run_color(i: int) -> str:
    return PALETTE[(i + 3) % len(PALETTE)]   # offset so a lone run does not look like class 0


def _fig(title: str | None = None, x: str | None = None, y: str | None = None, **layout) -> go.Figure:
    fig = go.Figure()
    fig.update_layout(title=title, xaxis_title=x, yaxis_title=y, **{**LAYOUT, **layout})
    return fig


# ---------------------------------------------------------------- training


def fig_training_curves(runs, metrics=("train_loss", "eval_loss"), log_y: bool = False,
                        show_lr: bool = False) -> go.Figure:
    """Curves per run (colour) and metric (dash: train solid, validation dotted); LR on a second axis."""
    if isinstance(runs, list):
        runs = {"run": runs}
    fig = make_subplots(specs=[[{"secondary_y": show_lr}]])
    dashes = ["solid", "dot", "dash", "dashdot", "longdash"]
    for r, (name, rows) in enumerate(runs.items()):
        for m, metric in enumerate(metrics):
            points = [(row["step"], row[metric]) for row in rows if row.get(metric) is not None]
            if not points:
                continue
            xs, ys = zip(*points)
            dash = "dot" if metric.startswith("eval_") else dashes[m % len(dashes)]
            fig.add_trace(go.Scatter(x=xs, y=ys, mode="lines+markers" if len(xs) < 30 else "lines",
                                     name=f"{name} · {metric}" if len(runs) > 1 else metric,
                                     line=dict(color=run_color(r) if len(runs) > 1 else class_color(m), dash=dash)))
        if show_lr:
            lr = [(row["step"], row["learning_rate"]) for row in rows if row.get("learning_rate") is not None]
            if lr:
                xs, ys = zip(*lr)
                fig.add_trace(go.Scatter(x=xs, y=ys, name="learning rate", mode="lines",
                                         line=dict(color="#999999", width=1)), secondary_y=True)
    fig.update_layout(**LAYOUT, title="training curves")
    fig.update_xaxes(title_text="step")
    fig.update_yaxes(title_text=", ".join(metrics), type="log" if log_y else None, secondary_y=False)
    if show_lr:
        fig.update_yaxes(title_text="learning rate", secondary_y=True, showgrid=False)
    return fig


def fig_lr_schedule(steps, lrs) -> go.Figure:
    fig = _fig("learning-rate schedule", "step", "learning rate")
    fig.add_trace(go.Scatter(x=list(steps), y=list(lrs), mode="lines", name="learning rate",
                             line=dict(color=class_color(0))))
    return fig


# ---------------------------------------------------------------- data


def fig_class_balance(class_counts: dict) -> go.Figure:
    fig = _fig("examples per class", "class", "examples")
    names = list(class_counts)
    fig.add_trace(go.Bar(x=names, y=[class_counts[n] for n in names], name="examples",
                         marker_color=[class_color(i) for i in range(len(names))]))
    return fig


def fig_length_histogram(lengths, unit: str = "words") -> go.Figure:
    fig = _fig(f"text length ({unit})", unit, "texts")
    fig.add_trace(go.Histogram(x=list(lengths), nbinsx=40, name="texts", marker_color=class_color(0)))
    return fig


# ---------------------------------------------------------------- evaluation


def fig_confusion_matrix(matrix, label_names, normalized: bool = False) -> go.Figure:
    """Heatmap with values in the cells; font shrinks as classes grow so 20 classes stay readable."""
    m = np.asarray(matrix)
    n = len(label_names)
    text = np.vectorize(lambda v: f"{v:.2f}" if normalized else f"{int(v)}")(m) if m.size else m
    size = max(8, 16 - n // 2)
    fig = _fig("confusion matrix" + (" (row-normalised)" if normalized else ""), "predicted", "true",
               height=max(350, 28 * n + 150))
    fig.add_trace(go.Heatmap(z=m, x=list(label_names), y=list(label_names), text=text, texttemplate="%{text}",
                             textfont=dict(size=size), colorscale="Blues", showscale=True,
                             hovertemplate="true %{y}<br>predicted %{x}<br>%{text}<extra></extra>"))
    fig.update_yaxes(autorange="reversed", type="category")
    fig.update_xaxes(type="category")
    return fig


def _curve_name(key: str, names) -> str:
    if key.isdigit() and names is not None:
        return names[int(key)]
    return key


def fig_roc(roc: dict, label_names=None, operating_point=None) -> go.Figure:
    """ROC curves (true-positive rate against false-positive rate) with AUC in the legend."""
    fig = _fig("ROC curve", "false-positive rate", "true-positive rate")
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line=dict(color="#BBBBBB", dash="dash")))
    for i, (key, c) in enumerate(roc["curves"].items()):
        dash = "dot" if key in ("macro", "micro") else "solid"
        fig.add_trace(go.Scatter(x=c["fpr"], y=c["tpr"], mode="lines", line=dict(color=class_color(i), dash=dash),
                                 name=f"{_curve_name(key, label_names)} (AUC {c['auc']:.3f})"))
    if operating_point is not None:
        fig.add_trace(go.Scatter(x=[operating_point[0]], y=[operating_point[1]], mode="markers", name="threshold",
                                 marker=dict(size=12, color="#000000", symbol="x")))
    return fig


def fig_pr(pr: dict, label_names=None, operating_point=None) -> go.Figure:
    """Precision-recall curves with average precision in the legend."""
    fig = _fig("precision-recall curve", "recall", "precision")
    for i, (key, c) in enumerate(pr["curves"].items()):
        dash = "dot" if key == "micro" else "solid"
        fig.add_trace(go.Scatter(x=c["recall"], y=c["precision"], mode="lines",
                                 line=dict(color=class_color(i), dash=dash),
                                 name=f"{_curve_name(key, label_names)} (AP {c['average_precision']:.3f})"))
    if operating_point is not None:
        fig.add_trace(go.Scatter(x=[operating_point[0]], y=[operating_point[1]], mode="markers", name="threshold",
                                 marker=dict(size=12, color="#000000", symbol="x")))
    return fig


def fig_threshold_sweep(sweep: dict) -> go.Figure:
    fig = _fig("metrics by threshold", "threshold on P(positive)", "value")
    for i, key in enumerate(("precision", "recall", "f1", "accuracy")):
        fig.add_trace(go.Scatter(x=sweep["thresholds"], y=sweep[key], mode="lines", name=key,
                                 line=dict(color=class_color(i))))
    fig.add_vline(x=sweep["best_f1_threshold"], line=dict(color="#777777", dash="dash"),
                  annotation_text=f"best F1 at {sweep['best_f1_threshold']:.2f}")
    return fig


def fig_calibration(cal: dict) -> go.Figure:
    """Reliability diagram: accuracy against mean confidence per bin; the diagonal is perfect calibration."""
    fig = _fig(f"calibration (ECE {cal['ece']:.3f})", "confidence", "accuracy")
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect", line=dict(color="#BBBBBB", dash="dash")))
    used = [i for i, c in enumerate(cal["count"]) if c > 0]
    fig.add_trace(go.Scatter(x=[cal["mean_confidence"][i] for i in used], y=[cal["accuracy"][i] for i in used],
                             mode="lines+markers", name="model", line=dict(color=class_color(0)),
                             text=[f"{cal['count'][i]} examples" for i in used]))
    return fig


def fig_per_class(report: dict) -> go.Figure:
    fig = _fig("per-class precision, recall and F1", "class", "score")
    labels = [row["label"] for row in report["per_class"]]
    for i, key in enumerate(("precision", "recall", "f1")):
        fig.add_trace(go.Bar(x=labels, y=[row[key] for row in report["per_class"]], name=key,
                             marker_color=class_color(i)))
    fig.update_layout(barmode="group", yaxis_range=[0, 1])
    return fig


def project_2d(features, method: str = "pca", seed: int = 0) -> np.ndarray:
    """(n, d) representations to (n, 2) points with scikit-learn's PCA or t-SNE."""
    x = np.asarray(features, dtype=np.float64)
    if method == "pca":
        from sklearn.decomposition import PCA
        return PCA(n_components=2, random_state=seed).fit_transform(x)
    if method == "tsne":
        from sklearn.manifold import TSNE
        return TSNE(n_components=2, random_state=seed, perplexity=min(30, max(2, len(x) // 4))).fit_transform(x)
    raise ValueError(f"method must be 'pca' or 'tsne', not {method!r}.")


def fig_embedding_map(points_before, points_after, labels, label_names) -> go.Figure:
    """The test set in the model's representation space before and after fine-tuning, coloured by class."""
    fig = make_subplots(rows=1, cols=2, subplot_titles=("before fine-tuning", "after fine-tuning"))
    labels = np.asarray(labels)
    for col, points in ((1, np.asarray(points_before)), (2, np.asarray(points_after))):
        for c, name in enumerate(label_names):
            mask = labels == c
            fig.add_trace(go.Scatter(x=points[mask, 0], y=points[mask, 1], mode="markers", name=name,
                                     legendgroup=name, showlegend=col == 1,
                                     marker=dict(color=class_color(c), size=5, opacity=0.7)), row=1, col=col)
    fig.update_layout(**LAYOUT, title="embedding map")
    return fig


# ---------------------------------------------------------------- explanations


def _bars(units, weights, title: str, top: int | None = 20) -> go.Figure:
    w = np.asarray(weights, dtype=float)
    order = np.argsort(-np.abs(w))[:top][::-1]
    fig = _fig(title, "weight", None, height=max(300, 22 * len(order) + 120))
    fig.add_trace(go.Bar(x=w[order], y=[str(units[i]) for i in order], orientation="h", name="weight",
                         marker_color=[POSITIVE if v > 0 else NEGATIVE for v in w[order]]))
    return fig


def fig_token_attributions(tokens, weights, title: str | None = None) -> go.Figure:
    return _bars(tokens, weights, title or "token attributions")


def fig_feature_attributions(feature_names, weights, values=None) -> go.Figure:
    names = list(feature_names) if values is None else [f"{n} = {v:.3g}" for n, v in zip(feature_names, values)]
    return _bars(names, weights, "feature attributions")


def html_token_highlight(tokens, weights) -> str:
    """Tokens on backgrounds whose colour and strength show each token's weight (orange up, blue down)."""
    w = np.asarray(weights, dtype=float)
    scale = np.abs(w).max() or 1.0
    spans = []
    for token, value in zip(tokens, w):
        alpha = min(abs(value) / scale, 1.0) * 0.8
        rgb = "213,94,0" if value > 0 else "0,114,178"
        spans.append(f'<span title="{value:+.4f}" style="background: rgba({rgb},{alpha:.2f}); padding: 1px 3px; '
                     f'border-radius: 3px; margin: 1px">{html.escape(str(token))}</span>')
    return '<div style="line-height: 2; font-size: 1.05em">' + " ".join(spans) + "</div>"


def fig_pixel_attributions(image, heatmap) -> go.Figure:
    """The image with its attribution map laid over it (orange: towards the class, blue: away)."""
    img = np.asarray(image)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    h = np.asarray(heatmap, dtype=float)
    limit = np.abs(h).max() or 1.0
    fig = _fig("pixel attributions", None, None, height=420)
    fig.add_trace(go.Image(z=img.astype(np.uint8)))
    fig.add_trace(go.Heatmap(z=h, zmin=-limit, zmax=limit, opacity=0.5, name="attribution",
                             colorscale=[[0, NEGATIVE], [0.5, "rgba(255,255,255,0)"], [1, POSITIVE]]))
    fig.update_yaxes(autorange="reversed", showticklabels=False)
    fig.update_xaxes(showticklabels=False)
    return fig


def fig_shap_vs_lime(units, shap_weights, lime_weights, agreement: dict | None = None) -> go.Figure:
    """The two methods' weights for the same units, side by side, units ordered by SHAP's |weight|."""
    s, l = np.asarray(shap_weights, dtype=float), np.asarray(lime_weights, dtype=float)
    order = np.argsort(-np.abs(s))[:20][::-1]
    names = [str(units[i]) for i in order]
    title = "SHAP vs LIME"
    if agreement:
        rho = agreement.get("spearman")
        title += f" — top-{agreement.get('k', 5)} overlap {agreement['top_k_overlap']:.2f}" + (
            f", rank correlation {rho:.2f}" if rho is not None else "")
    fig = make_subplots(rows=1, cols=2, shared_yaxes=True, subplot_titles=("SHAP", "LIME"))
    for col, w in ((1, s), (2, l)):
        fig.add_trace(go.Bar(x=w[order], y=names, orientation="h", showlegend=False,
                             marker_color=[POSITIVE if v > 0 else NEGATIVE for v in w[order]]), row=1, col=col)
    fig.update_layout(**LAYOUT, title=title, height=max(300, 22 * len(order) + 120))
    fig.update_xaxes(title_text="weight")
    return fig
