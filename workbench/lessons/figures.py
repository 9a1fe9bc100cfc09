"""Figures most lessons share: the compared metric per variant with the 95 % confidence interval of its mean over
seeds, and the first seed's curves."""
from __future__ import annotations

from ..analysis import plots
from .base import Outcome, T, metric_name


def metric_bars(outcome: Outcome, metric: str, lang: str, label: dict[str, T] | None = None):
    names = {v: (label[v](lang) if label else v) for v in outcome.variants if outcome.values(v, metric)}
    means = {names[v]: outcome.mean(v, metric) for v in names}
    half_widths = {names[v]: outcome.ci_half_width(v, metric) for v in names}
    bars_note = T(" (error bars: 95% CI of the mean over seeds)", "（误差线：各种子均值的 95% 置信区间）")
    title = metric_name(metric, lang) + (bars_note(lang) if any(half_widths.values()) else "")
    return plots.fig_variant_bars(means, half_widths, y_title=metric_name(metric, lang), title=title)


def curves(outcome: Outcome, lang: str, metrics=("train_loss", "eval_loss"), label: dict[str, T] | None = None):
    runs = {(label[v](lang) if label else v): rows for v, rows in outcome.histories.items() if rows}
    return plots.fig_training_curves(runs, metrics=metrics)


def standard(metric: str = "accuracy", label: dict[str, T] | None = None, with_curves: bool = True):
    """A lesson's `figures` function: bars of `metric` (mean, 95 % CI over seeds), then training curves if any were
    kept."""
    def figures(outcome: Outcome, lang: str) -> list:
        out = [(T("Result per setting", "各设置的结果")(lang), metric_bars(outcome, metric, lang, label))]
        if with_curves and any(outcome.histories.values()):
            out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang), curves(outcome, lang, label=label)))
        return out
    return figures
