"""Catastrophic forgetting lesson (llm.4): SmolLM2 fine-tuned on the SMS spam/ham task fully, fully with general
pairs mixed in, or with LoRA; the perplexity of the base model's answers to general questions relative to
before, and right answers on the task."""
from __future__ import annotations

from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause
from ..support import against, sentences, verdict_choice
from .common import LLM_BUDGET, bars
from .trials import general_probe, sft_trials

# ---------------------------------------------------------------- llm.4 catastrophic forgetting

FORGET_LABELS = {"full": T("full, lr 1e-4", "全参数，学习率 1e-4"),
                 "full_mix": T("full, lr 1e-4, general data mixed in", "全参数，学习率 1e-4，混入通用数据"),
                 "lora": T("LoRA, lr 2e-4", "LoRA，学习率 2e-4")}
_base_general: dict = {}


def _general_after(result, tokenizer, data, seed) -> dict:
    import math

    from ...llm.causal_lm import load_causal_lm

    if "loss" not in _base_general:
        model, base_tokenizer = load_causal_lm()
        _base_general.update(general_probe(model, base_tokenizer))
    probe = general_probe(result.model, tokenizer)
    return {"general_ppl_ratio": math.exp(probe["loss"] - _base_general["loss"]),
            "general_changed": probe["changed"], "general_task_words": probe["task_words"]}


def _llm4_runs(ctx: LessonContext) -> Outcome:
    variants = {"full": {"strategy": "full", "lr": 1e-4},
                "full_mix": {"strategy": "full", "lr": 1e-4, "mix_general": 24}, "lora": {"strategy": "lora"}}
    # nine trainings and a probe each: fewer steps and prompts than the other lessons (settings) keep it in budget
    return sft_trials(ctx, variants, measure=_general_after)


def _llm4_takeaway(outcome: Outcome, lang: str) -> str:
    full_ratio = against(1.0, outcome.values("full", "general_ppl_ratio"), "general_ppl_ratio")
    parts = [T(f"After full fine-tuning at lr 1e-4 on the SMS task, the perplexity of the base model's own answers to "
               f"general questions changed by a factor of {outcome.mean('full', 'general_ppl_ratio'):.2f} ("
               f"{interval_clause(full_ratio, lang)}); {outcome.mean('full', 'general_changed'):.0%} of its greedy "
               f"general answers changed and {outcome.mean('full', 'general_task_words'):.0%} became 'spam' or 'ham'.",
               f"在短信任务上以学习率 1e-4 做全参数微调后，基座模型自身对通用问题回答的困惑度变为原来的 "
               f"{outcome.mean('full', 'general_ppl_ratio'):.2f} 倍（{interval_clause(full_ratio, lang)}）；"
               f"{outcome.mean('full', 'general_changed'):.0%} 的通用问题贪心回答变了，"
               f"{outcome.mean('full', 'general_task_words'):.0%} 变成了 spam 或 ham。")(lang)]
    for variant in ("full_mix", "lora"):
        parts.append(T("Against it, ", "与之相比，")(lang) + compare_takeaway(
            outcome, "full", variant, "general_ppl_ratio", lang, FORGET_LABELS)
            + T(" Right answers on the task: ", " 任务上的回答正确率：")(lang)
            + compare_takeaway(outcome, "full", variant, "exact_match", lang, FORGET_LABELS))
    return sentences(parts, lang)


LLM_4 = Lesson(
    id="llm.4", topic="llm", sources="issue #20",
    title=T("Catastrophic forgetting", "灾难性遗忘"),
    question=T("Does fine-tuning an LLM on one narrow task hurt its answers to general prompts, and what limits it?",
               "在一个很窄的任务上微调大模型，会损害它对通用问题的回答吗？怎样减轻？"),
    answer=T("It can: gradient steps that make one narrow behaviour likely also move the weights every other "
             "behaviour depends on, so the model may start answering everything in the task's format, or drift on "
             "general questions. It is worse with more steps, a higher learning rate and full fine-tuning. What "
             "limits it: a lower learning rate and fewer steps, parameter-efficient methods such as LoRA (the base "
             "weights stay fixed and the update is low-rank), and mixing general instruction data into the "
             "fine-tuning set (replay). Measure it: keep a held-out set of general prompts and compare answers and "
             "perplexity before and after.",
             "会的：让某种窄行为变得可能的梯度步，也会改动其他所有行为所依赖的权重，于是模型可能开始用任务的格式回答"
             "一切，或者在通用问题上走样。步数越多、学习率越高、全参数微调，遗忘越严重。减轻的办法：更低的学习率和更少"
             "的步数；LoRA 等参数高效方法（基座权重不动、更新是低秩的）；在微调数据里混入通用指令数据（回放）。要度量它："
             "留一组通用问题，比较微调前后的回答和困惑度。"),
    experiment=_llm4_runs, takeaway=_llm4_takeaway,
    figures=lambda outcome, lang: [
        (T("General answers after the narrow fine-tune", "窄任务微调后的通用回答")(lang),
         bars(outcome, "general_ppl_ratio", lang, FORGET_LABELS)),
        (T("Right answers on the task", "任务上的回答正确率")(lang), bars(outcome, "exact_match", lang, FORGET_LABELS))],
    quiz=Quiz(T("Does mixing general data into the fine-tune clearly keep the model's general answers closer to the "
                "base model's?", "在微调数据里混入通用数据，能明显让模型的通用回答更接近基座模型吗？"),
              {"yes": T("yes, clearly closer", "能，明显更接近"), "no": T("no clear difference", "没有明显差别"),
               "worse": T("no, it moves them further", "不能，反而偏得更远")},
              verdict_choice("full", "full_mix", "general_ppl_ratio", {"a": "worse", "b": "yes", "tie": "no"})),
    settings={"steps": 8, "eval_prompts": 12}, repeats=3, time_budget_s=240, budget_note=LLM_BUDGET,
)
