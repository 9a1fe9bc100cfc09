"""Instruction-tuning lessons, SmolLM2 on the SMS spam/ham task: LoRA on a small and a larger training set, format and
right answers before and after (llm.1); LoRA against full fine-tuning by parameters, optimizer memory, time and
right answers (llm.2); the loss on the response only against every token (llm.3)."""
from __future__ import annotations

from ...analysis import plots
from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause, speed_phrase
from ..support import sentences, verdict_choice
from .common import LLM_BUDGET, SEE_ALSO, bars, before_after, lift_over_base
from .trials import FULL, majority_note, sft_trials, sizes

# ---------------------------------------------------------------- llm.1 what instruction tuning changes


def _size_name(n: int) -> str:
    return f"{n} examples"


def _llm1_runs(ctx: LessonContext) -> Outcome:
    small, large = (8, 16) if ctx.quick else sorted(int(n) for n in ctx.settings["train_sizes"])[:2]
    variants = {_size_name(small): {"train_examples": small}, _size_name(large): {"train_examples": large}}
    return sft_trials(ctx, variants, extra={"sizes": [small, large], "steps": sizes(ctx)["steps"]})


def _llm1_takeaway(outcome: Outcome, lang: str) -> str:
    small, large = (_size_name(n) for n in outcome.extra["sizes"])
    steps = outcome.extra["steps"]
    parts = [T(f"{steps} LoRA steps of SMS -> one-word spam/ham pairs.", f"用短信 -> 单词 spam/ham 的样本做了 {steps} 步 "
               "LoRA 微调。")(lang)]
    for variant in (small, large):
        for metric in ("format_rate", "exact_match"):
            parts.append(before_after(outcome, variant, metric, lang, variant))
        parts.append(majority_note(outcome, variant, lang))
    parts.append(T("Between the sizes, right answers: ", "两种数据量之间，回答正确率：")(lang)
                 + compare_takeaway(outcome, small, large, "exact_match", lang))
    lift = lift_over_base(outcome, small, "format_rate").winner
    if lift == "b":
        parts.append(T(f"Even {small} were enough to change how the model answers: the base model already knows the "
                       "words, so tuning only has to make one way of answering the likeliest, and a few consistent "
                       "examples do that.",
                       f"只用 {small} 就足以改变模型的回答方式：基座模型本来就认识这些词，微调只需让某种回答方式"
                       "变成最可能的那一种，少量一致的样本就能做到。")(lang))
    elif lift == "a":
        parts.append(T(f"With {small} the format rate clearly fell: the tuning hurt, which calls for a lower "
                       "learning rate or cleaner pairs.",
                       f"用 {small} 时格式正确率明显下降：微调起了反作用，需要更低的学习率或更干净的样本。")(lang))
    else:
        parts.append(T(f"At this budget {small} did not clearly change the format rate; more steps or examples "
                       "would be the next thing to try.",
                       f"在这个预算下，{small} 没有明显改变格式正确率；下一步可以增加步数或样本。")(lang))
    return sentences(parts, lang) + SEE_ALSO(lang)


LLM_1 = Lesson(
    id="llm.1", topic="llm", sources="issue #20",
    title=T("What instruction tuning changes", "指令微调改变了什么"),
    question=T("What does instruction tuning change in a pretrained LLM, and why do a few hundred examples often "
               "suffice?", "指令微调改变了预训练大模型的什么？为什么往往几百条样本就够了？"),
    answer=T("Instruction tuning (supervised fine-tuning on prompt/response pairs written with the model's chat "
             "template) changes behaviour more than knowledge: which format the model answers in, how long, in which "
             "register, and which of the things it could say it says. The knowledge comes from pre-training on "
             "trillions of tokens; a few hundred to a few thousand consistent, high-quality pairs are enough to make "
             "one way of answering the most likely one (the 'superficial alignment' view of LIMA). Quality and "
             "consistency of the pairs matter more than their number. What it cannot do cheaply is add much new "
             "knowledge: facts the base model never saw need far more data, or retrieval.",
             "指令微调（用模型的对话模板把“提示/回答”对写好，做监督微调）改变的主要是行为而不是知识：用什么格式回答、"
             "回答多长、用什么语气，以及在它能说的内容里选择说什么。知识来自数万亿 token 的预训练；几百到几千条一致的"
             "高质量样本，就足以让某种回答方式成为最可能的方式（LIMA 所说的“表面对齐”）。样本的质量和一致性比数量更"
             "重要。它难以廉价做到的是注入大量新知识：基座模型从未见过的事实需要多得多的数据，或者借助检索。"),
    experiment=_llm1_runs, takeaway=_llm1_takeaway,
    figures=lambda outcome, lang: [
        (T("Required format, before and after", "格式正确率：微调前后")(lang),
         bars(outcome, "format_rate", lang, base_metric="base_format_rate")),
        (T("Right answers, before and after", "回答正确率：微调前后")(lang),
         bars(outcome, "exact_match", lang, base_metric="base_exact_match"))],
    quiz=Quiz(T("After a dozen LoRA steps on only {smallest} examples, will the model answer in the required one-word "
                "format clearly more often than the base model?",
                "只用 {smallest} 条样本做十几步 LoRA 微调后，模型按要求用一个词回答的比例会明显高于基座模型吗？"),
              {"yes": T("yes, clearly more often", "会，明显更高"), "no": T("no clear change", "没有明显变化"),
               "fewer": T("no, clearly less often", "不会，明显更低")},
              lambda o: {"b": "yes", "a": "fewer"}.get(lift_over_base(o, o.variants[0], "format_rate").winner, "no"),
              facts=lambda settings: {"smallest": min(settings["train_sizes"])}),
    settings={"train_sizes": [16, 64]}, repeats=3, time_budget_s=240, budget_note=LLM_BUDGET,
)


# ---------------------------------------------------------------- llm.2 LoRA vs full fine-tuning

def lora_labels(outcome: Outcome) -> dict[str, T]:
    rank = outcome.extra.get("rank", 8)
    return {"lora": T(f"LoRA rank {rank}", f"LoRA 秩 {rank}"), "full": T("full fine-tuning", "全参数微调")}


def _llm2_runs(ctx: LessonContext) -> Outcome:
    from .trials import lora_parameter_counts

    rank = int(ctx.settings["rank"])
    sweep = sorted({int(r) for r in ctx.settings["rank_sweep"]} | {rank})
    variants = {"lora": {"strategy": "lora", "lora_r": rank, "lora_alpha": 2 * rank}, "full": {"strategy": "full"}}
    outcome = sft_trials(ctx, variants, extra={"rank": rank, "rank_parameters": lora_parameter_counts(sweep)})
    for metrics in outcome.samples.values():     # fp32 gradients (4 bytes) + Adam's two moments (8) per weight
        metrics["optimizer_mb"] = [p * 12 / 1e6 for p in metrics.get("trainable_parameters", [])]
    return outcome


def _llm2_takeaway(outcome: Outcome, lang: str) -> str:
    rank, label = outcome.extra["rank"], lora_labels(outcome)
    lora, full = outcome.mean("lora", "trainable_parameters"), outcome.mean("full", "trainable_parameters")
    sweep = T(", ", "，")(lang).join(f"r={r}: {n:,}" for r, n in outcome.extra["rank_parameters"].items())
    parts = [T(f"Trainable parameters: LoRA rank {rank} {lora:,.0f}, full fine-tuning {full:,.0f} ({full / lora:.0f} "
               f"times as many); gradients and Adam state take about {outcome.mean('full', 'optimizer_mb'):.0f} MB "
               f"against {outcome.mean('lora', 'optimizer_mb'):.1f} MB. The adapters grow linearly with the rank "
               f"({sweep}).",
               f"可训练参数：LoRA 秩 {rank} 为 {lora:,.0f}，全参数微调为 {full:,.0f}（是前者的 {full / lora:.0f} 倍）；梯度和 "
               f"Adam 状态约 {outcome.mean('full', 'optimizer_mb'):.0f} MB，LoRA 约 {outcome.mean('lora', 'optimizer_mb'):.1f} "
               f"MB。适配器的参数量随秩线性增长（{sweep}）。")(lang)]
    timing = outcome.compare("lora", "full", "train_seconds")
    parts.append(T("Training time: LoRA was ", "训练时间：LoRA ")(lang)
                 + speed_phrase(outcome.mean("lora", "train_seconds"), outcome.mean("full", "train_seconds"), lang,
                                clear=not timing.tie)
                 + T(" than full fine-tuning (", "（相对全参数微调；")(lang) + interval_clause(timing, lang)
                 + T(").", "）。")(lang))
    parts.append(T("Right answers: ", "回答正确率：")(lang)
                 + compare_takeaway(outcome, "lora", "full", "exact_match", lang, label))
    parts += [majority_note(outcome, v, lang, label[v](lang)) for v in ("lora", "full")]
    parts.append(T("Each used its usual learning rate (2e-4 for LoRA, 2e-5 for full): a fair comparison tunes each. "
                   "The rank's effect on quality is not measured here (three more trainings per rank).",
                   "两者各用常用学习率（LoRA 2e-4，全参数 2e-5）：公平的比较应为各自调参。这里没有测量秩对效果的影响（每个秩"
                   "还要多训练三次）。")(lang))
    return sentences(parts, lang)


def _rank_figure(outcome: Outcome, lang: str):
    counts = {f"r={r}": float(n) for r, n in outcome.extra["rank_parameters"].items()}
    return plots.fig_variant_bars(counts, y_title=T("trainable parameters", "可训练参数量")(lang))


LLM_2 = Lesson(
    id="llm.2", topic="llm", sources="issue #20",
    title=T("LoRA or full fine-tuning of an LLM", "大模型的 LoRA 与全参数微调"),
    question=T("LoRA vs full fine-tuning of an LLM: how do trainable parameters, memory, time and quality compare, and "
               "how do you choose the rank?", "大模型的 LoRA 与全参数微调：可训练参数、显存、时间和效果各有什么差别？秩怎么选？"),
    answer=T("LoRA freezes the pretrained weights and learns a low-rank update B·A (rank r) beside chosen matrices, "
             "usually the attention projections, so it trains well under 1 % of the parameters. Optimizer state and "
             "gradients shrink with them (Adam keeps two numbers per trained weight), the adapters are a few MB to "
             "store per task, and they can be merged into the weights for inference at no extra cost. Per step it is "
             "not much faster on small models, since the forward and backward passes still run through the whole "
             "network. For format and style tasks LoRA usually matches full fine-tuning; for learning a lot of new "
             "knowledge or a new language full fine-tuning (or a higher rank, more target modules) can do better. "
             "Rank 8-16 on the attention projections is a common start; alpha is often 2r; LoRA wants a learning "
             "rate about ten times that of full fine-tuning.",
             "LoRA 冻结预训练权重，在选定的矩阵（通常是注意力投影）旁学习一个低秩更新 B·A（秩为 r），所以只训练远少于"
             " 1% 的参数。优化器状态和梯度随之缩小（Adam 对每个被训练的权重要存两个数），每个任务的适配器只需几 MB，推理"
             "时还能合并进权重，不增加开销。对小模型来说每步并不会快很多，因为前向和反向仍要经过整个网络。对格式和风格类"
             "任务，LoRA 通常能追平全参数微调；若要学大量新知识或新语言，全参数微调（或更高的秩、更多目标模块）可能更好。"
             "常见起点是在注意力投影上用秩 8-16，alpha 常取 2r；LoRA 的学习率一般是全参数微调的十倍左右。"),
    experiment=_llm2_runs, takeaway=_llm2_takeaway,
    figures=lambda outcome, lang: [
        (T("Right answers", "回答正确率")(lang), bars(outcome, "exact_match", lang, lora_labels(outcome))),
        (T("Training time", "训练时间")(lang), bars(outcome, "train_seconds", lang, lora_labels(outcome))),
        (T("Gradient and optimizer memory", "梯度与优化器内存")(lang),
         bars(outcome, "optimizer_mb", lang, lora_labels(outcome))),
        (T("LoRA's trainable parameters by rank", "LoRA 各秩的可训练参数量")(lang), _rank_figure(outcome, lang))],
    quiz=Quiz(T("With {steps} steps each, will full fine-tuning give clearly more right answers than LoRA rank {rank}?",
                "各训练 {steps} 步，全参数微调的回答正确率会明显高于 LoRA 秩 {rank} 吗？"),
              {"full": T("yes, full is clearly better", "会，全参数明显更好"),
               "lora": T("no, LoRA is clearly better", "不会，LoRA 明显更好"),
               "tie": T("no clear difference", "没有明显差别")},
              verdict_choice("lora", "full", "exact_match", {"a": "lora", "b": "full", "tie": "tie"}),
              facts=lambda settings: {"steps": FULL["steps"]}),
    settings={"rank": 8, "rank_sweep": [2, 8, 32]}, repeats=3, time_budget_s=240, budget_note=LLM_BUDGET,
)


# ---------------------------------------------------------------- llm.3 where the loss is computed

LOSS_LABELS = {"response": T("loss on the response only", "只在回答上算损失"),
               "all": T("loss on every token", "在所有 token 上算损失")}


def _llm3_runs(ctx: LessonContext) -> Outcome:
    return sft_trials(ctx, {"response": {"loss_on": "response"}, "all": {"loss_on": "all"}})


def _llm3_takeaway(outcome: Outcome, lang: str) -> str:
    parts = [T("Right answers: ", "回答正确率：")(lang)
             + compare_takeaway(outcome, "response", "all", "exact_match", lang, LOSS_LABELS),
             majority_note(outcome, "response", lang, LOSS_LABELS["response"](lang)),
             T("Required format: ", "格式正确率：")(lang)
             + compare_takeaway(outcome, "response", "all", "format_rate", lang, LOSS_LABELS),
             T("The validation losses are not compared: they average over different tokens.",
               "两者的验证损失不作比较：它们是在不同的 token 上平均的。")(lang)]
    if outcome.compare("response", "all", "exact_match").winner == "a":
        parts.append(T("A likely reason: with the loss on every token most of each step's gradient goes to "
                       "predicting the prompt (here the long SMS text), which the model never has to write.",
                       "一个可能的原因：在所有 token 上算损失时，每一步的大部分梯度都花在预测提示（这里是较长的短信正文）"
                       "上，而模型从来不需要写提示。")(lang))
    return sentences(parts, lang)


LLM_3 = Lesson(
    id="llm.3", topic="llm", sources="issue #20",
    title=T("Loss on the response only, or on every token", "只在回答上算损失，还是在所有 token 上"),
    question=T("In supervised fine-tuning of an LLM, should the loss be computed on the response tokens only or on the "
               "whole sequence?", "大模型监督微调时，损失应只在回答的 token 上计算，还是在整个序列上计算？"),
    answer=T("Usually on the response only: the prompt tokens get label -100, so the model is trained to produce "
             "answers, not to imitate prompts, and its gradient is not dominated by long inputs. Computing the loss on "
             "every token is continued pre-training on the conversation; it can help a little when prompts are short "
             "and in-domain text is scarce, and hurts when prompts are long or templated. Either way the chat "
             "template must be the one the model uses at inference, with the end-of-turn token in the labels so the "
             "model learns to stop.",
             "通常只在回答上算：提示部分的标签设为 -100，模型学的是生成回答而不是模仿提示，梯度也不会被很长的输入主导。"
             "在所有 token 上算损失相当于在对话上继续预训练；提示很短、领域文本稀缺时可能略有帮助，提示很长或高度模板化"
             "时则有害。无论哪种，对话模板都必须与推理时一致，并且标签里要包含回合结束符，让模型学会停下。"),
    experiment=_llm3_runs, takeaway=_llm3_takeaway,
    figures=lambda outcome, lang: [(T("Right answers", "回答正确率")(lang),
                                    bars(outcome, "exact_match", lang, LOSS_LABELS)),
                                   (T("Required format", "格式正确率")(lang),
                                    bars(outcome, "format_rate", lang, LOSS_LABELS))],
    quiz=Quiz(T("Same pairs, same steps: which gives more right answers?", "同样的样本、同样的步数：哪个回答正确率更高？"),
              {"response": LOSS_LABELS["response"], "all": LOSS_LABELS["all"],
               "tie": T("no clear difference", "没有明显差别")},
              verdict_choice("response", "all", "exact_match", {"a": "response", "b": "all", "tie": "tie"})),
    repeats=3, time_budget_s=240, budget_note=LLM_BUDGET,
)
