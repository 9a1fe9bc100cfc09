"""Figures: pure `fig_*` functions. Arrays and dicts in, a Plotly figure out; never a model, never `.show()`.

Colours are colour-blind safe and fixed per class index and per run position, so a class or a run has the same
colour in every figure. Curve data comes from `workbench.analysis.metrics` (roc_data, pr_data, calibration, ...).
"""
from __future__ import annotations

import html
import textwrap
from collections import Counter

import numpy as np
import plotly.graph_objects as go
from plotly.subplots import make_subplots

# Okabe-Ito without its black (kept for reference marks), then Paul Tol's "muted" set and four of his "light"
# colours: 20 colour-blind-safe colours; a 21st class repeats the first.
PALETTE = (
    "#0072B2", "#E69F00", "#009E73", "#D55E00", "#56B4E9", "#CC79A7", "#F0E442",
    "#332288", "#88CCEE", "#44AA99", "#117733", "#999933", "#DDCC77", "#CC6677", "#882255", "#AA4499",
    "#EE8866", "#BBCC33", "#FFAABB", "#77AADD",
)
REFERENCE = "#000000"             # averages, operating points, costs
CHANCE = "#BBBBBB"                # chance and perfect-calibration diagonals
POSITIVE, NEGATIVE = "#D55E00", "#0072B2"   # attributions: towards / away from the explained class
AVERAGE_DASH = {"macro": "dash", "micro": "dot"}
VALIDATION_DASHES = ("dash", "dot", "dashdot", "longdashdot")
TOP_UNITS = 20                    # attribution bars shown
LAYOUT = dict(template="plotly_white", margin=dict(l=60, r=30, t=60, b=50),
              legend=dict(orientation="h", yanchor="top", y=-0.18))


def class_color(i: int) -> str:
    """The colour of class index i, the same in every figure."""
    return PALETTE[int(i) % len(PALETTE)]


def run_color(i: int) -> str:
    """The colour of the i-th run in a comparison (runs and classes never share a figure)."""
    return PALETTE[int(i) % len(PALETTE)]


def _figure(title: str | None, x_title: str | None, y_title: str | None, **layout) -> go.Figure:
    return _style(go.Figure(), title, xaxis_title=x_title, yaxis_title=y_title, **layout)


def _style(fig: go.Figure, title: str | None, **layout) -> go.Figure:
    fig.update_layout(**{**LAYOUT, "title": title, **layout})
    return fig


def _vector(values, name: str) -> np.ndarray:
    v = np.asarray(values, dtype=np.float64)
    if v.ndim != 1:
        raise ValueError(f"{name} must be 1-D; got shape {v.shape}.")
    return v


def _check_same_length(a, b, names: str) -> None:
    if len(a) != len(b):
        raise ValueError(f"{names} must have the same length; got {len(a)} and {len(b)}.")


def _with_secondary_y(title: str, x_title: str, y_title: str, y2_title: str) -> go.Figure:
    fig = _style(make_subplots(specs=[[{"secondary_y": True}]]), title)
    fig.update_xaxes(title_text=x_title)
    fig.update_yaxes(title_text=y_title, secondary_y=False)
    fig.update_yaxes(title_text=y2_title, secondary_y=True, showgrid=False)
    return fig


# ---------------------------------------------------------------- training


# One run's series: each its own colour; a validation series in the colour family of its training curve.
SERIES_COLORS = {"train_loss": "#0072B2", "eval_loss": "#56B4E9", "train_accuracy": "#117733",
                 "eval_accuracy": "#009E73", "learning_rate": "#E69F00", "grad_norm": "#D55E00"}
PANEL_TITLES = {"loss": "loss", "score": "validation score", "learning_rate": "learning rate",
                "grad_norm": "gradient norm"}


def curve_panel(metric: str) -> str:
    """Which panel a history key is drawn in: losses together, scores together, the rest each in its own."""
    if "loss" in metric:
        return "loss"
    if metric in ("learning_rate", "grad_norm"):
        return metric
    if metric.startswith(("eval_", "train_")):
        return "score"
    return metric


def series_color(metric: str, index: int) -> str:
    """A single run's colour for `metric`: fixed for the usual keys, else the palette after them."""
    return SERIES_COLORS.get(metric) or PALETTE[(len(SERIES_COLORS) + index) % len(PALETTE)]


def fig_training_curves(runs, metrics=("train_loss", "eval_loss"), log_y: bool = False,
                        show_lr: bool = False, diagnoses=None) -> go.Figure:
    """Metrics by step from history rows, in panels that share the step axis: losses, validation scores, the
    learning rate (show_lr) and the gradient norm each in their own, so no scale flattens another. One run: each
    series its own colour, validation in the family of its training curve. Several runs: one colour per run,
    training solid and validation dashed. `runs` is {run name: rows} or one run's list of rows. `diagnoses` (a
    snapshot's note dicts, or {run name: notes}) marks each note at its step, its message and advice on hover.
    `log_y` puts every panel but the learning rate's on a log scale."""
    runs = {"run": runs} if isinstance(runs, list) else dict(runs)
    metrics = (metrics,) if isinstance(metrics, str) else tuple(metrics)
    metrics += ("learning_rate",) if show_lr and "learning_rate" not in metrics else ()
    drawn = [m for m in metrics if any(row.get(m) is not None for rows in runs.values() for row in rows)]
    panels = list(dict.fromkeys(curve_panel(m) for m in drawn)) or [curve_panel(metrics[0]) if metrics else "loss"]
    fig = make_subplots(rows=len(panels), cols=1, shared_xaxes=True, vertical_spacing=0.06,
                        subplot_titles=[PANEL_TITLES.get(p, p.replace("_", " ")) for p in panels])
    height = max(360, 210 * len(panels) + 120)
    # the legend just under the step axis title, wherever the figure's height puts it
    _style(fig, "training curves", height=height,
           legend=dict(orientation="h", yanchor="top", y=-70 / (height - 110), x=0))
    notes = _notes_by_run(diagnoses, runs)
    several = len(runs) > 1
    for r, (run_name, rows) in enumerate(runs.items()):
        for i, metric in enumerate(drawn):
            color = run_color(r) if several else series_color(metric, i)
            dash = _dash(metric, metrics) if several else "dot" if metric == "learning_rate" else "solid"
            _add_history_line(fig, run_name, rows, metric, several, line=dict(color=color, dash=dash),
                              panel=panels.index(curve_panel(metric)) + 1)
        if notes.get(run_name) and drawn:
            _add_diagnosis_marks(fig, run_name, rows, notes[run_name], drawn[0], run_color(r), several,
                                 panel=panels.index(curve_panel(drawn[0])) + 1)
    fig.update_xaxes(title_text="step", row=len(panels), col=1)
    for n, panel in enumerate(panels, start=1):
        title = ", ".join(m for m in drawn if curve_panel(m) == panel) or ", ".join(metrics)
        fig.update_yaxes(title_text=title, type="log" if log_y and panel != "learning_rate" else "linear",
                         row=n, col=1)
    return fig


def _notes_by_run(diagnoses, runs: dict) -> dict:
    if not diagnoses:
        return {}
    if isinstance(diagnoses, dict):
        return diagnoses
    if len(runs) != 1:
        raise ValueError("With several runs, pass diagnoses as {run name: notes}.")
    return {next(iter(runs)): list(diagnoses)}


def _add_diagnosis_marks(fig: go.Figure, run_name: str, rows: list[dict], notes: list[dict], metric: str,
                         color: str, name_run: bool, panel: int = 1) -> None:
    """A dotted vertical line at each note's step and a marker on the curve carrying the note as hover text."""
    curve = [(row["step"], row[metric]) for row in rows
             if row.get(metric) is not None and np.isfinite(row[metric])]
    xs, ys, texts = [], [], []
    for note in notes:
        step = note["step"]
        fig.add_vline(x=step, line=dict(color=color, width=1, dash="dot"), row="all", col=1)
        before = [v for s, v in curve if s <= step]
        xs.append(step)
        ys.append(before[-1] if before else (curve[0][1] if curve else None))
        texts.append(f"<b>{html.escape(note['kind'])}</b> at step {step}<br>{_hover_lines(note['message'])}"
                     f"<br><i>Try:</i> {_hover_lines(note['advice'])}")
    fig.add_trace(go.Scatter(x=xs, y=ys, mode="markers", name=f"{run_name} · diagnosis" if name_run else "diagnosis",
                             legendgroup=str(run_name), hovertext=texts, hoverinfo="text",
                             marker=dict(color=color, symbol="x", size=12, line=dict(width=1, color=REFERENCE))),
                  row=panel, col=1)


def _hover_lines(text: str, width: int = 90) -> str:
    return "<br>".join(textwrap.wrap(html.escape(text), width))


def _dash(metric: str, metrics: tuple[str, ...]) -> str:
    """Training metrics solid; every other metric its own dash, in the order asked for."""
    if metric.startswith("train"):
        return "solid"
    others = [m for m in metrics if not m.startswith("train")]
    return VALIDATION_DASHES[others.index(metric) % len(VALIDATION_DASHES)]


def _add_history_line(fig: go.Figure, run_name: str, rows: list[dict], key: str, name_run: bool, line: dict,
                      panel: int = 1) -> None:
    """One key's values against step in subplot row `panel`, skipping rows where it is missing or None."""
    points = []
    for i, entry in enumerate(rows):
        if entry.get(key) is None:
            continue
        if "step" not in entry:
            raise ValueError(f"History row {i} of run {run_name!r} has {key!r} but no 'step'.")
        points.append((entry["step"], entry[key]))
    if not points:
        return
    steps, values = zip(*points)
    fig.add_trace(go.Scatter(x=steps, y=values, mode="lines+markers" if len(steps) < 30 else "lines",
                             name=f"{run_name} · {key}" if name_run else key, legendgroup=str(run_name),
                             line=line), row=panel, col=1)


def fig_lr_schedule(steps, lrs) -> go.Figure:
    """The learning rate the scheduler will use at each step."""
    steps, lrs = _vector(steps, "steps"), _vector(lrs, "lrs")
    _check_same_length(steps, lrs, "steps and lrs")
    fig = _figure("learning-rate schedule", "step", "learning rate")
    fig.add_trace(go.Scatter(x=steps, y=lrs, mode="lines", name="learning rate", line=dict(color=class_color(0))))
    return fig


def fig_band(bands: dict, key: str = "eval_loss") -> go.Figure:
    """Mean curves with shaded 95 % confidence bands of the mean, one colour per setting. `bands` maps a
    setting's name to a table with columns step, mean, lower, upper (as `RepeatResult.band` returns)."""
    fig = _figure(f"{key}: mean over repeats, shaded 95% CI of the mean", "step", key)
    for r, (name, band) in enumerate(bands.items()):
        missing = {"step", "mean", "lower", "upper"} - set(band.columns)
        if missing:
            raise ValueError(f"Band {name!r} lacks column(s) {', '.join(sorted(missing))}; build it with "
                             "RepeatResult.band().")
        steps, color = list(band["step"]), run_color(r)
        red, green, blue = (int(color[i:i + 2], 16) for i in (1, 3, 5))
        fig.add_trace(go.Scatter(x=steps + steps[::-1], y=list(band["upper"]) + list(band["lower"])[::-1],
                                 fill="toself", fillcolor=f"rgba({red},{green},{blue},0.2)", line=dict(width=0),
                                 hoverinfo="skip", showlegend=False, legendgroup=str(name)))
        fig.add_trace(go.Scatter(x=steps, y=list(band["mean"]), mode="lines+markers" if len(steps) < 30 else "lines",
                                 name=str(name), legendgroup=str(name), line=dict(color=color)))
    return fig


def fig_lr_finder(result) -> go.Figure:
    """The LR range test: smoothed loss (raw loss faint) against the learning rate on a log axis, with the
    suggested rate marked. `result` has lrs, losses, raw_losses and suggestion (an LRFinderResult)."""
    lrs, losses = _vector(result.lrs, "lrs"), _vector(result.losses, "losses")
    _check_same_length(lrs, losses, "lrs and losses")
    fig = _figure("learning-rate range test", "learning rate (log scale)", "training loss", xaxis_type="log")
    fig.add_trace(go.Scatter(x=lrs, y=_vector(result.raw_losses, "raw_losses"), mode="lines", name="raw loss",
                             line=dict(color=CHANCE, width=1)))
    fig.add_trace(go.Scatter(x=lrs, y=losses, mode="lines", name="smoothed loss", line=dict(color=class_color(0))))
    if result.suggestion is not None:
        # A two-point trace, not add_vline: shapes on a log axis take log10 coordinates.
        fig.add_trace(go.Scatter(x=[result.suggestion] * 2, y=[np.nanmin(losses), np.nanmax(losses)], mode="lines",
                                 name=f"suggested lr {result.suggestion:.2g}", line=dict(color=REFERENCE, dash="dash")))
    return fig


# ---------------------------------------------------------------- data


def fig_class_balance(class_counts: dict) -> go.Figure:
    """Examples per class, each bar in its class's colour."""
    names = list(class_counts)
    fig = _figure("examples per class", "class", "examples")
    fig.add_trace(go.Bar(x=names, y=[class_counts[n] for n in names], name="examples",
                         marker_color=[class_color(i) for i in range(len(names))]))
    return fig


def fig_length_histogram(lengths, unit: str = "words") -> go.Figure:
    """Histogram of text lengths."""
    fig = _figure(f"text length ({unit})", unit, "texts")
    fig.add_trace(go.Histogram(x=list(lengths), nbinsx=40, name="texts", marker_color=class_color(0)))
    return fig


# ---------------------------------------------------------------- evaluation


def fig_confusion_matrix(matrix, label_names, normalized: bool = False, clickable: bool = False) -> go.Figure:
    """Heatmap of a confusion matrix with each cell's value written in it; text shrinks as classes grow.
    `clickable` lays a transparent marker on every cell (heatmaps send no selection events), whose customdata is
    (true index, predicted index), so an app can list a clicked cell's examples."""
    m = np.asarray(matrix, dtype=np.float64)
    names = [str(name) for name in label_names]
    n = len(names)
    if m.shape != (n, n):
        raise ValueError(f"matrix must be {n}x{n} to match label_names; got shape {m.shape}.")
    text = [[f"{v:.2f}" if normalized else f"{v:.0f}" for v in row] for row in m]
    font_size = int(np.clip(18 - n / 2, 8, 14))    # 14 up to 8 classes, 8 at 20
    title = "confusion matrix" + (" (each row sums to 1)" if normalized else "")
    fig = _figure(title, "predicted", "true", height=max(380, 30 * n + 170))
    hover = "true %{y}<br>predicted %{x}<br>%{text}<extra></extra>"
    fig.add_trace(go.Heatmap(z=m, x=names, y=names, text=text, texttemplate="%{text}", textfont=dict(size=font_size),
                             colorscale="Blues", zmin=0, zmax=1 if normalized else None,
                             hovertemplate=None if clickable else hover, hoverinfo="skip" if clickable else None))
    if clickable:    # the markers carry the hover text too: plotly selects only what it can hover
        cells = [(t, p) for t in range(n) for p in range(n)]
        fig.add_trace(go.Scatter(x=[names[p] for _, p in cells], y=[names[t] for t, _ in cells], mode="markers",
                                 customdata=cells, text=[text[t][p] for t, p in cells], hovertemplate=hover,
                                 marker=dict(size=max(12, 300 // n), opacity=0, symbol="square"),
                                 showlegend=False, name="cells"))
        fig.update_layout(clickmode="event+select", dragmode=False)
    # fixed ranges: the cell markers would otherwise pad the axes and shrink the matrix
    fig.update_xaxes(type="category", tickangle=-45 if n > 8 else 0, range=[-0.5, n - 0.5])
    fig.update_yaxes(type="category", range=[n - 0.5, -0.5])
    return fig


def fig_roc(roc: dict, operating_point=None) -> go.Figure:
    """ROC curves from metrics.roc_data: per class and averaged, AUC in the legend, a chance diagonal, and an
    optional (false-positive rate, true-positive rate) operating point."""
    fig = _figure("ROC curve", "false-positive rate", "true-positive rate")
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance", line=dict(color=CHANCE, dash="dash")))
    return _add_curves(fig, roc, "fpr", "tpr", "auc", "AUC", operating_point)


def fig_pr(pr: dict, operating_point=None) -> go.Figure:
    """Precision-recall curves from metrics.pr_data, average precision in the legend, and an optional
    (recall, precision) operating point."""
    fig = _figure("precision-recall curve", "recall", "precision")
    return _add_curves(fig, pr, "recall", "precision", "average_precision", "AP", operating_point)


def _add_curves(fig: go.Figure, data: dict, x_key: str, y_key: str, score_key: str, score_label: str,
                operating_point) -> go.Figure:
    for name, curve in data["curves"].items():
        fig.add_trace(go.Scatter(x=curve[x_key], y=curve[y_key], mode="lines", line=_curve_line(name, curve),
                                 name=f"{name} ({score_label} {curve[score_key]:.3f})"))
    if data.get("missing"):
        fig.add_annotation(text=f"no curve for {', '.join(data['missing'])}: no examples", showarrow=False,
                           xref="paper", yref="paper", x=0.98, y=0.02, xanchor="right")
    if operating_point is not None:
        x, y = operating_point
        fig.add_trace(go.Scatter(x=[x], y=[y], mode="markers", name="operating point",
                                 marker=dict(size=12, color=REFERENCE, symbol="x")))
    fig.update_xaxes(range=[-0.01, 1.01])
    fig.update_yaxes(range=[-0.01, 1.02])
    return fig


def _curve_line(name: str, curve: dict) -> dict:
    """Class curves in their class colour; macro and micro averages black, dashed and dotted."""
    if curve.get("class") is None:
        return dict(color=REFERENCE, dash=AVERAGE_DASH.get(name, "dash"))
    return dict(color=class_color(curve["class"]))


def fig_threshold_sweep(sweep: dict) -> go.Figure:
    """Precision, recall, F1 and accuracy against the threshold (cost on the right axis from
    metrics.threshold_sweep), with the best-F1 and lowest-cost thresholds marked."""
    fig = _with_secondary_y("metrics by threshold", "threshold on P(class 1)", "score", "cost")
    thresholds = sweep["thresholds"]
    for i, key in enumerate(("precision", "recall", "f1", "accuracy")):
        fig.add_trace(go.Scatter(x=thresholds, y=sweep[key], mode="lines", name=key, line=dict(color=PALETTE[i])),
                      secondary_y=False)
    fig.add_trace(go.Scatter(x=thresholds, y=sweep["cost"], mode="lines", line=dict(color=REFERENCE, dash="dot"),
                             name=f"cost ({sweep['cost_fp']:g} per FP, {sweep['cost_fn']:g} per FN)"),
                  secondary_y=True)
    fig.add_vline(x=sweep["best_f1_threshold"], line=dict(color=PALETTE[2], dash="dash"),
                  annotation_text=f"best F1 at {sweep['best_f1_threshold']:.2f}", annotation_position="top left")
    fig.add_vline(x=sweep["best_cost_threshold"], line=dict(color=REFERENCE, dash="dot"),
                  annotation_text=f"lowest cost at {sweep['best_cost_threshold']:.2f}",
                  annotation_position="bottom right")
    return fig


def fig_calibration(cal: dict) -> go.Figure:
    """Reliability diagram from metrics.calibration: accuracy against mean confidence per bin (the diagonal is
    perfect calibration), examples per bin as bars on the right axis, ECE in the title."""
    fig = _with_secondary_y(f"calibration (ECE {cal['ece']:.3f})", "confidence", "accuracy", "examples")
    width = np.diff(cal["edges"])
    fig.add_trace(go.Bar(x=cal["centers"], y=cal["count"], width=width, name="examples per bin",
                         marker_color=CHANCE, opacity=0.4), secondary_y=True)
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect calibration",
                             line=dict(color=CHANCE, dash="dash")), secondary_y=False)
    used = [i for i, count in enumerate(cal["count"]) if count > 0]
    fig.add_trace(go.Scatter(x=[cal["mean_confidence"][i] for i in used], y=[cal["accuracy"][i] for i in used],
                             mode="lines+markers", name="model", line=dict(color=class_color(0)),
                             customdata=[cal["count"][i] for i in used],
                             hovertemplate="confidence %{x:.3f}<br>accuracy %{y:.3f}<br>%{customdata} examples"),
                  secondary_y=False)
    fig.update_xaxes(range=[0, 1])
    fig.update_yaxes(range=[0, 1.02], secondary_y=False)
    return fig


def fig_per_class(report: dict) -> go.Figure:
    """Grouped bars of precision, recall and F1 per class from metrics.classification_report."""
    rows = report["per_class"]
    labels = [row["label"] for row in rows]
    fig = _figure("per-class precision, recall and F1", "class", "score", barmode="group", yaxis_range=[0, 1])
    for i, key in enumerate(("precision", "recall", "f1")):
        fig.add_trace(go.Bar(x=labels, y=[row[key] for row in rows], name=key, marker_color=PALETTE[i]))
    return fig


def project_2d(features, method: str = "pca", seed: int = 0) -> np.ndarray:
    """(n, d) representations projected to (n, 2) points with scikit-learn's PCA or t-SNE."""
    x = np.asarray(features, dtype=np.float64)
    if x.ndim != 2 or x.shape[0] < 2 or x.shape[1] < 2:
        raise ValueError(f"features must have shape (n >= 2, d >= 2); got {x.shape}.")
    if method == "pca":
        from sklearn.decomposition import PCA
        return PCA(n_components=2, random_state=seed).fit_transform(x)
    if method == "tsne":
        from sklearn.manifold import TSNE
        perplexity = max(1.0, min(30.0, (len(x) - 1) / 3))   # t-SNE needs perplexity < n
        return TSNE(n_components=2, random_state=seed, perplexity=perplexity).fit_transform(x)
    raise ValueError(f"method must be 'pca' or 'tsne'; got {method!r}.")


def fig_embedding_map(points_before, points_after, labels, label_names) -> go.Figure:
    """2-D points (see project_2d) before and after fine-tuning, side by side, coloured by class."""
    labels = np.asarray(labels)
    panels = []
    for name, points in (("points_before", points_before), ("points_after", points_after)):
        points = np.asarray(points, dtype=np.float64)
        if points.shape != (len(labels), 2):
            raise ValueError(f"{name} must have shape ({len(labels)}, 2), one point per label; got {points.shape}.")
        panels.append(points)
    fig = _style(make_subplots(rows=1, cols=2, subplot_titles=("before fine-tuning", "after fine-tuning")),
                 "embedding map")
    for col, points in enumerate(panels, start=1):
        for c, class_name in enumerate(label_names):
            mask = labels == c
            fig.add_trace(go.Scatter(x=points[mask, 0], y=points[mask, 1], mode="markers", name=str(class_name),
                                     legendgroup=str(class_name), showlegend=col == 1,
                                     marker=dict(color=class_color(c), size=5, opacity=0.7)), row=1, col=col)
    fig.update_xaxes(title_text="component 1")
    fig.update_yaxes(title_text="component 2")
    return fig


def fig_embedding_scatter(vectors, labels, texts=None, method: str = "pca") -> go.Figure:
    """(n, d) embeddings projected to 2-D (see project_2d), one colour per label, the text shown on hover."""
    labels = [str(label) for label in labels]
    _check_same_length(labels, vectors, "labels and vectors")
    if texts is not None:
        _check_same_length(texts, vectors, "texts and vectors")
    points = project_2d(vectors, method=method)
    fig = _figure(f"embedding map ({method.upper() if method == 'pca' else 't-SNE'})", "component 1", "component 2")
    for c, name in enumerate(dict.fromkeys(labels)):
        index = [i for i, label in enumerate(labels) if label == name]
        fig.add_trace(go.Scatter(x=points[index, 0], y=points[index, 1], mode="markers", name=name,
                                 text=None if texts is None else [texts[i] for i in index], hoverinfo="text+name",
                                 marker=dict(color=class_color(c), size=7, opacity=0.8)))
    return fig


# ---------------------------------------------------------------- explanations


def fig_token_attributions(tokens, weights, title: str | None = None) -> go.Figure:
    """Horizontal bars of the tokens with the largest |weight| (orange: towards the class, blue: away)."""
    return _attribution_bars(tokens, weights, title or "token attributions", "token")


def fig_feature_attributions(feature_names, weights, values=None) -> go.Figure:
    """Horizontal bars of the features sorted by |weight|, with each feature's value when given."""
    names = [str(name) for name in feature_names]
    if values is not None:
        _check_same_length(names, values, "feature_names and values")
        names = [f"{name} = {float(value):.3g}" for name, value in zip(names, values)]
    return _attribution_bars(names, weights, "feature attributions", "feature")


def _attribution_bars(units, weights, title: str, unit_title: str) -> go.Figure:
    w = _vector(weights, "weights")
    _check_same_length(units, w, "units and weights")
    order = _top_by_magnitude(w)
    if len(order) < len(w):
        title += f" (top {len(order)} of {len(w)})"
    fig = _figure(title, "weight", unit_title, height=max(300, 22 * len(order) + 140), showlegend=False)
    fig.add_trace(_weight_bars(_unique(units), w, order))
    return fig


def _top_by_magnitude(weights: np.ndarray) -> np.ndarray:
    """Indices of the TOP_UNITS largest |weights|, smallest first so the largest bar is drawn at the top."""
    return np.argsort(-np.abs(weights), kind="stable")[:TOP_UNITS][::-1]


def _weight_bars(names: list[str], weights: np.ndarray, order: np.ndarray) -> go.Bar:
    return go.Bar(x=weights[order], y=[names[i] for i in order], orientation="h", name="weight",
                  marker_color=[POSITIVE if v > 0 else NEGATIVE for v in weights[order]])


def _unique(units) -> list[str]:
    """Unit names made unique ("the", "the (2)"), since a bar chart merges bars with the same category."""
    seen, names = Counter(), []
    for unit in map(str, units):
        seen[unit] += 1
        names.append(unit if seen[unit] == 1 else f"{unit} ({seen[unit]})")
    return names


def html_token_highlight(tokens, weights) -> str:
    """HTML of the tokens (escaped) on backgrounds whose strength shows |weight|: red-orange towards the class,
    blue away. Works with st.html, st.markdown(unsafe_allow_html=True) and IPython.display.HTML."""
    w = _vector(weights, "weights")
    _check_same_length(tokens, w, "tokens and weights")
    scale = np.abs(w).max() if len(w) and np.abs(w).max() > 0 else 1.0
    spans = []
    for token, value in zip(tokens, w):
        rgb = "213,94,0" if value > 0 else "0,114,178"
        alpha = 0.8 * abs(value) / scale
        spans.append(f'<span title="{value:+.4f}" style="background-color: rgba({rgb},{alpha:.2f}); color: #000; '
                     f'padding: 1px 3px; margin: 1px; border-radius: 3px">{html.escape(str(token))}</span>')
    return '<div style="line-height: 2; font-size: 1.05em">' + " ".join(spans) + "</div>"


def fig_pixel_attributions(image, heatmap) -> go.Figure:
    """The image with its per-pixel attribution map laid over it, half transparent (orange: towards the class,
    blue: away)."""
    rgb = _as_rgb(image)
    h = np.asarray(heatmap, dtype=np.float64)
    if h.shape != rgb.shape[:2]:
        raise ValueError(f"heatmap must match the image's height and width {rgb.shape[:2]}; got {h.shape}.")
    limit = np.abs(h).max() or 1.0
    fig = _figure("pixel attributions", None, None, height=440)
    fig.add_trace(go.Image(z=rgb, name="image"))
    fig.add_trace(go.Heatmap(z=h, zmin=-limit, zmax=limit, opacity=0.5, name="attribution",
                             colorscale=[[0, NEGATIVE], [0.5, "rgba(255,255,255,0)"], [1, POSITIVE]]))
    fig.update_xaxes(showticklabels=False)
    fig.update_yaxes(showticklabels=False, autorange="reversed", scaleanchor="x")
    return fig


def _as_rgb(image) -> np.ndarray:
    """(H, W, 3) uint8 from an (H, W) or (H, W, 3) image; floats in [0, 1] are scaled to 0-255."""
    img = np.asarray(image)
    if img.ndim == 2:
        img = np.stack([img] * 3, axis=-1)
    if img.ndim != 3 or img.shape[2] != 3:
        raise ValueError(f"image must have shape (H, W) or (H, W, 3); got {np.asarray(image).shape}.")
    if img.dtype.kind == "f" and img.max(initial=0) <= 1.0:
        img = img * 255
    return np.clip(img, 0, 255).astype(np.uint8)


def fig_shap_vs_lime(units, shap_weights, lime_weights, agreement=None) -> go.Figure:
    """SHAP's and LIME's weights for the same units side by side, ordered by SHAP's |weight|; the title gives
    their agreement (explain.agreement's dict, or a number) when passed."""
    shap_w, lime_w = _vector(shap_weights, "shap_weights"), _vector(lime_weights, "lime_weights")
    _check_same_length(units, shap_w, "units and shap_weights")
    _check_same_length(shap_w, lime_w, "shap_weights and lime_weights")
    names, order = _unique(units), _top_by_magnitude(shap_w)
    title = "SHAP vs LIME" + (f" ({_agreement_text(agreement)})" if agreement is not None else "")
    fig = _style(make_subplots(rows=1, cols=2, shared_yaxes=True, subplot_titles=("SHAP", "LIME")), title,
                 height=max(300, 22 * len(order) + 140), showlegend=False)
    for col, weights in enumerate((shap_w, lime_w), start=1):
        fig.add_trace(_weight_bars(names, weights, order), row=1, col=col)
    fig.update_xaxes(title_text="weight")
    return fig


def _agreement_text(agreement) -> str:
    if not isinstance(agreement, dict):
        return f"agreement {float(agreement):.2f}"
    parts = []
    if agreement.get("top_k_overlap") is not None:
        parts.append(f"top-{agreement.get('k', 5)} overlap {agreement['top_k_overlap']:.2f}")
    if agreement.get("spearman") is not None:
        parts.append(f"rank correlation {agreement['spearman']:.2f}")
    return ", ".join(parts) or "agreement n/a"


# ---------------------------------------------------------------- comparisons


def fig_variant_bars(means: dict, spreads: dict | None = None, y_title: str = "accuracy",
                     title: str | None = None) -> go.Figure:
    """One bar per setting with ±`spreads` error bars: pass half-widths of 95 % confidence intervals of the mean
    (lessons.figures.metric_bars does), and say what they are in the title."""
    names = list(means)
    errors = [float((spreads or {}).get(n) or 0.0) for n in names]
    fig = _figure(title or y_title, None, y_title)
    fig.add_trace(go.Bar(x=names, y=[means[n] for n in names], marker_color=[run_color(i) for i in range(len(names))],
                         error_y=dict(type="data", array=errors, visible=any(errors)),
                         text=[f"{means[n]:.3f}" for n in names], textposition="outside"))
    return fig


# ---------------------------------------------------------------- data quality


def fig_label_noise(given_probability, flipped=None, bins: int = 20) -> go.Figure:
    """Histogram of each training example's out-of-fold probability for its own label; with `flipped`
    (booleans), the examples whose label was deliberately flipped are drawn apart."""
    probs = _vector(given_probability, "given_probability")
    fig = _figure("How believable is each training label?", "out-of-fold probability of the given label",
                  "examples", barmode="overlay")
    groups = [("all labels", np.ones(len(probs), dtype=bool), NEGATIVE)]
    if flipped is not None:
        flipped = np.asarray(flipped, dtype=bool)
        _check_same_length(probs, flipped, "given_probability and flipped")
        groups = [("label kept", ~flipped, NEGATIVE), ("label flipped", flipped, POSITIVE)]
    for name, mask, color in groups:
        fig.add_trace(go.Histogram(x=probs[mask], name=f"{name} ({int(mask.sum())})", marker_color=color,
                                   opacity=0.7, xbins=dict(start=0.0, end=1.0, size=1.0 / bins)))
    return fig


def fig_duplicate_summary(summary: dict) -> go.Figure:
    """Exact and near copies per pair of splits, from `find_duplicates(...).summary`."""
    pairs = summary["pairs_by_splits"]
    share = summary.get("test_share_with_copy_in_train", 0.0)
    fig = _figure(f"Copies across splits: {share:.1%} of the test set is also in training", "splits",
                  "pairs of copies", barmode="group")
    for i, kind in enumerate(("exact", "near")):
        counts = [pairs[name][kind] for name in pairs]
        fig.add_trace(go.Bar(x=list(pairs), y=counts, name=kind, marker_color=run_color(i), text=counts,
                             textposition="outside"))
    return fig


# ---------------------------------------------------------------- deployment


def fig_deployment(table) -> go.Figure:
    """File size, latency per example and test accuracy per deployment variant, side by side. `table`: a
    DataFrame or dict of lists with variant, size_mb, latency_ms and accuracy (`deploy.compare_deployments`)."""
    variants = [str(v) for v in table["variant"]]
    panels = (("size_mb", "file size (MB)"), ("latency_ms", "latency per example (ms)"),
              ("accuracy", "test accuracy"))
    fig = make_subplots(rows=1, cols=3, subplot_titles=[title for _, title in panels])
    for col, (key, _) in enumerate(panels, start=1):
        values = _vector(list(table[key]), key)
        _check_same_length(variants, values, f"variant and {key}")
        fig.add_trace(go.Bar(x=variants, y=values, marker_color=[run_color(i) for i in range(len(variants))],
                             text=[f"{v:.3g}" for v in values], textposition="outside", showlegend=False,
                             name=key), row=1, col=col)
    return _style(fig, "Deployment variants: size, speed and accuracy")
