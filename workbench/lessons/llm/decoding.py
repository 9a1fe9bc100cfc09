"""Decoding lesson (llm.5): SmolLM2 fine-tuned once per seed on the SMS spam/ham task, then greedy, temperature 0.7
and 1.5, and top-p 0.9 decoding: right answers, and how often repeated samples differ."""
from __future__ import annotations

from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..support import sentences, verdict_choice
from .common import LLM_BUDGET, bars
from .trials import sizes, start_trial

# ---------------------------------------------------------------- llm.5 decoding

DECODINGS = {"greedy": (0.0, 1.0), "temperature 0.7": (0.7, 1.0), "temperature 1.5": (1.5, 1.0),
             "top-p 0.9": (1.0, 0.9)}


def _llm5_runs(ctx: LessonContext) -> Outcome:
    """One fine-tune per seed, then every decoding answers the same held-out prompts `samples` times."""
    from ...llm.causal_lm import Decoding, generate, load_causal_lm
    from ...llm.instructions import TASKS, build_task
    from ...llm.sft import SFTConfig, TrainingStopped, holding_device, train_sft

    size, draws = sizes(ctx), 2 if ctx.quick else int(ctx.settings["samples"])
    parse = TASKS["sms_verdict"].parse
    samples: dict = {name: {} for name in DECODINGS}
    for seed in ctx.seeds:
        handle = start_trial(ctx, "fine-tune", seed)
        if handle.stopped:
            break
        data = build_task("sms_verdict", size["train_examples"], size["eval_prompts"], seed)
        model, tokenizer = load_causal_lm()
        try:
            result = train_sft(model, tokenizer, data, SFTConfig(
                max_steps=size["steps"], batch_size=8, eval_every=size["steps"], eval_prompts=1,
                score_during_training=False, seed=seed), should_stop=lambda: handle.stopped)
        except TrainingStopped:
            break
        prompts = data.test[:size["eval_prompts"]]
        try:
            # sampling seeds torch's process-wide generator, which a training thread draws from: hold the device
            with holding_device(f"{ctx.lesson_id} sampling", lambda: handle.stopped):
                answers = {name: [generate(result.model, tokenizer, [p.prompt for p in prompts],
                                           Decoding(size["max_new_tokens"], temperature, top_p, seed=1000 * seed + k))
                                  for k in range(1 if temperature == 0 else draws)]
                           for name, (temperature, top_p) in DECODINGS.items()}
        except TrainingStopped:
            break
        for name, runs in answers.items():
            right = [[parse(a) is not None and parse(a) == parse(p.response) for a, p in zip(run, prompts)]
                     for run in runs]
            in_format = [[parse(a) is not None for a in run] for run in runs]
            row = {"exact_match": sum(map(sum, right)) / (len(runs) * len(prompts)),
                   "format_rate": sum(map(sum, in_format)) / (len(runs) * len(prompts)),
                   "diversity": sum(len({run[i] for run in runs}) > 1 for i in range(len(prompts))) / len(prompts)}
            for metric, value in row.items():
                samples[name].setdefault(metric, []).append(value)
    return Outcome(ctx.lesson_id, samples, {"samples": draws})


def _llm5_takeaway(outcome: Outcome, lang: str) -> str:
    parts = [T(f"One fine-tuned model per seed; each sampling setting answered the held-out prompts "
               f"{outcome.extra['samples']} times.", f"每个种子微调一个模型；每种采样设置把留出的提示回答 "
               f"{outcome.extra['samples']} 次。")(lang)]
    for name in ("temperature 0.7", "temperature 1.5", "top-p 0.9"):
        label = {k: T(k, k.replace("greedy", "贪心").replace("temperature", "温度")) for k in DECODINGS}
        parts.append(compare_takeaway(outcome, "greedy", name, "exact_match", lang, label)
                     + T(f" {outcome.mean(name, 'diversity'):.0%} of prompts got differing answers across samples.",
                         f" {outcome.mean(name, 'diversity'):.0%} 的提示在多次采样中得到不同的回答。")(lang))
    if outcome.compare("greedy", "temperature 1.5", "exact_match").winner == "a":
        # a low temperature is named alongside greedy only where it did not measurably cost right answers
        low_too = outcome.compare("greedy", "temperature 0.7", "exact_match").winner != "a"
        parts.append(T("Here a high temperature cost right answers: for a task with one right answer, greedy "
                       f"decoding{' (or a low temperature)' if low_too else ''} is the choice; sampling buys variety, "
                       "which open-ended generation wants.",
                       "这里高温度让回答正确率下降：对只有一个正确答案的任务，应选贪心解码"
                       f"{'（或低温度）' if low_too else ''}；"
                       "采样换来的是多样性，那是开放式生成需要的。")(lang))
    return sentences(parts, lang)


LLM_5 = Lesson(
    id="llm.5", topic="llm", sources="issue #20",
    title=T("Decoding: greedy, temperature, top-p", "解码：贪心、温度与 top-p"),
    question=T("How do greedy decoding, temperature and top-p sampling change a fine-tuned model's answers?",
               "贪心解码、温度和 top-p 采样会怎样改变微调后模型的回答？"),
    answer=T("Greedy decoding takes the likeliest token each time: deterministic, best for tasks with one right "
             "answer, prone to repetition in long text. Sampling draws from the distribution: temperature divides the "
             "logits (below 1 sharpens, above 1 flattens), top-p keeps the smallest set of tokens whose probability "
             "adds up to p. Higher temperature and p give more varied, more creative and more error-prone text. "
             "Beam search keeps several candidates, good for translation and short factual outputs. The decoding "
             "settings are part of the evaluation: report them, and fix the seed when you sample.",
             "贪心解码每步取最可能的 token：结果确定，最适合只有一个正确答案的任务，长文本容易重复。采样从分布中抽取："
             "温度用来除 logits（小于 1 更尖锐，大于 1 更平坦），top-p 只保留概率累计达到 p 的最小 token 集合。温度和 p "
             "越高，文本越多样、越有创意，也越容易出错。束搜索保留多个候选，适合翻译和简短的事实性输出。解码设置是评估的"
             "一部分：要报告它，采样时要固定随机种子。"),
    experiment=_llm5_runs, takeaway=_llm5_takeaway,
    figures=lambda outcome, lang: [(T("Right answers", "回答正确率")(lang), bars(outcome, "exact_match", lang)),
                                   (T("Variety across samples", "多次采样的差异")(lang),
                                    bars(outcome, "diversity", lang))],
    quiz=Quiz(T("Compared with greedy decoding, will sampling at temperature 1.5 give clearly fewer right answers?",
                "与贪心解码相比，温度 1.5 的采样会明显降低回答正确率吗？"),
              {"fewer": T("yes, clearly fewer", "会，明显更低"), "tie": T("no clear difference", "没有明显差别"),
               "more": T("no, clearly more", "不会，反而更高")},
              verdict_choice("greedy", "temperature 1.5", "exact_match", {"a": "fewer", "b": "more", "tie": "tie"})),
    settings={"samples": 2}, repeats=3, time_budget_s=240, budget_note=LLM_BUDGET,
)
