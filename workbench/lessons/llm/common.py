"""Pieces the LLM lessons share: the budget note, the link to the LLM page, bars against the base model and
before/after sentences paired by seed."""
from __future__ import annotations

from ...analysis import plots
from ..base import Outcome, T, interval_clause, metric_name
from ..support import against

LLM_BUDGET = T("a 135-million-parameter language model is fine-tuned several times (every variant over 3 seeds) "
               "and answers held-out prompts before and after each run.",
               "一个 1.35 亿参数的语言模型要微调多次（每个设置 3 个种子），每次前后都要回答留出的提示。")

SEE_ALSO = T(" Try it live on the 'Fine-tune an LLM' page, and chat with the base and the fine-tuned model.",
             " 可以在“微调大模型”页面上实时试一试，并与基座模型和微调后的模型对话。")


def bars(outcome: Outcome, metric: str, lang: str, label=None, base_metric: str | None = None):
    """Bars of a metric per variant (95 % CI over seeds), with the base model's value first when given."""
    from statistics import fmean, stdev

    from ...analysis.stats import t_half_widths

    means, halves = {}, {}
    first = outcome.variants[0]
    if base_metric and outcome.values(first, base_metric):
        values = outcome.values(first, base_metric)
        name = T("base model", "基座模型")(lang)
        means[name] = fmean(values)
        halves[name] = float(t_half_widths(stdev(values) if len(values) > 1 else 0.0, len(values)))
    for variant in outcome.variants:
        if outcome.values(variant, metric):
            name = label[variant](lang) if label else variant
            means[name], halves[name] = outcome.mean(variant, metric), outcome.ci_half_width(variant, metric)
    title = metric_name(metric, lang) + T(" (error bars: 95% CI over seeds)", "（误差线：各种子的 95% 置信区间）")(lang)
    return plots.fig_variant_bars(means, halves, y_title=metric_name(metric, lang), title=title)


def lift_over_base(outcome: Outcome, variant: str, metric: str):
    """The paired verdict of a variant's metric after fine-tuning against the base model's, seed by seed (the raw
    per-seed lists, so a missing value drops its own pair only)."""
    return against(outcome.samples[variant].get(f"base_{metric}", []), outcome.samples[variant].get(metric, []),
                   metric)


def before_after(outcome: Outcome, variant: str, metric: str, lang: str, name: str) -> str:
    """'<name>: <metric> from b to a (<interval clause>)', paired by seed against the base model."""
    base = outcome.values(variant, f"base_{metric}")
    after = outcome.values(variant, metric)
    paired = lift_over_base(outcome, variant, metric)
    return T(f"{name}: {metric_name(metric, lang)} {sum(base) / len(base):.2f} before, {sum(after) / len(after):.2f} "
             f"after ({interval_clause(paired, lang)}).",
             f"{name}：{metric_name(metric, lang)}微调前 {sum(base) / len(base):.2f}，微调后 {sum(after) / len(after):.2f}"
             f"（{interval_clause(paired, lang)}）。")(lang)
