"""Pieces the LLM lessons share: the budget note, the link to the LLM page, bars against the base model and
before/after sentences paired by seed."""
from __future__ import annotations

from .. import figures
from ..base import Outcome, T, interval_clause, metric_name
from ..support import against

LLM_BUDGET = T("a 135-million-parameter language model is fine-tuned several times (every variant over 3 seeds) "
               "and answers held-out prompts before and after each run.",
               "一个 1.35 亿参数的语言模型要微调多次（每个设置 3 个种子），每次前后都要回答留出的提示。")

BASE = "base model"                # the extra bar of bars(): the model before fine-tuning

SEE_ALSO = T(" Try it live on the 'Fine-tune an LLM' page, and chat with the base and the fine-tuned model.",
             " 可以在“微调大模型”页面上实时试一试，并与基座模型和微调后的模型对话。")


def bars(outcome: Outcome, metric: str, lang: str, label=None, base_metric: str | None = None):
    """figures.metric_bars (95 % CI over seeds), with the base model's value first when `base_metric` is given."""
    first = outcome.variants[0]
    if not (base_metric and outcome.values(first, base_metric)):
        return figures.metric_bars(outcome, metric, lang, label)
    names = label or {variant: T(variant, variant) for variant in outcome.variants}
    with_base = Outcome(outcome.lesson_id, {BASE: {metric: outcome.samples[first][base_metric]}, **outcome.samples})
    return figures.metric_bars(with_base, metric, lang, {BASE: T("base model", "基座模型"), **names})


def lift_over_base(outcome: Outcome, variant: str, metric: str):
    """The paired verdict of a variant's metric after fine-tuning against the base model's, seed by seed (the raw
    per-seed lists, so a missing value drops its own pair only)."""
    return against(outcome.samples[variant].get(f"base_{metric}", []), outcome.samples[variant].get(metric, []),
                   metric)


def before_after(outcome: Outcome, variant: str, metric: str, lang: str, name: str) -> str:
    """'<name>: <metric> from b to a (<interval clause>)', paired by seed against the base model."""
    paired = lift_over_base(outcome, variant, metric)
    before, after = outcome.mean(variant, f"base_{metric}"), outcome.mean(variant, metric)
    return T(f"{name}: {metric_name(metric, lang)} {before:.2f} before, {after:.2f} after "
             f"({interval_clause(paired, lang)}).",
             f"{name}：{metric_name(metric, lang)}微调前 {before:.2f}，微调后 {after:.2f}"
             f"（{interval_clause(paired, lang)}）。")(lang)
