"""Extractive QA lesson (app.4): exact match and token F1 of MiniLM with randomly initialised span heads
(one per seed) on the built-in questions, against distilbert-base-cased-distilled-squad only when cached here; a
correction demo shows that loading a plain encoder for QA creates that head at random."""
from __future__ import annotations

from .. import figures
from ..base import Correction, Lesson, LessonContext, Outcome, Quiz, T
from ..support import against, band, hub_model_cached, merge, not_cached_note, sentences

# ---------------------------------------------------------------- app.4 extractive question answering


def _qa_summary(scored) -> dict:
    return {"exact_match": [float(scored["exact"].mean())], "token_f1": [float(scored["f1"].mean())],
            "confidence": [float(scored["score"].mean())]}


def _qa_experiment(ctx: LessonContext) -> Outcome:
    from ...apps.qa import QA_EXAMPLES, TRAINED_QA_MODEL, QuestionAnswerer, score_answers, untrained_head_answerer

    examples = QA_EXAMPLES[:ctx.size(len(QA_EXAMPLES), 6)]
    heads = range(ctx.size(ctx.settings["random_heads"], 1))
    parts, extra = [], {"questions": len(examples), "heads": len(heads), "trained_model": TRAINED_QA_MODEL}
    for seed in heads:
        scored = score_answers(untrained_head_answerer("minilm", seed), examples)
        parts.append(Outcome(ctx.lesson_id, {"untrained": _qa_summary(scored)}))
        if seed == 0:
            extra["answers"] = scored[["question", "expected", "predicted"]].to_dict("records")
    if hub_model_cached(TRAINED_QA_MODEL):
        trained = score_answers(QuestionAnswerer.load(TRAINED_QA_MODEL), examples)
        parts.append(Outcome(ctx.lesson_id, {"trained": _qa_summary(trained)}))
        extra["trained_answers"] = trained[["question", "expected", "predicted"]].to_dict("records")
    return merge(ctx.lesson_id, parts, extra)


QA_LABELS = {"untrained": T("MiniLM + untrained QA head", "MiniLM + 未训练的问答头"),
             "trained": T("model fine-tuned on SQuAD", "在 SQuAD 上微调过的模型")}


def _untrained_interval(outcome: Outcome):
    """The untrained heads' exact-match rate as a paired verdict against 0 (stats.compare_paired): its
    difference is the mean over the random heads, its interval the t interval over them (none for one head)."""
    return against(0.0, outcome.samples["untrained"].get("exact_match", []), "exact_match")


def _guess_band(outcome: Outcome) -> str:
    """The quiz's band, decided by the 95 % interval over the random heads rather than the mean: 'most' when its
    lower end is above 50 %, 'some' when above 10 %, else 'none' (not clearly more than 10 %, which includes what
    this budget cannot tell, such as a single head)."""
    return band(_untrained_interval(outcome), {"most": 0.5, "some": 0.1}, "none")


def _qa_takeaway(outcome: Outcome, lang: str) -> str:
    em, f1 = outcome.mean("untrained", "exact_match"), outcome.mean("untrained", "token_f1")
    n, heads = outcome.extra.get("questions", "?"), outcome.extra.get("heads", 1)
    spread = _untrained_interval(outcome)
    ci = (T(f"; 95% confidence interval over the heads {max(spread.ci_low, 0):.0%} to {spread.ci_high:.0%}",
            f"；各随机头的 95% 置信区间为 {max(spread.ci_low, 0):.0%} 至 {spread.ci_high:.0%}")(lang)
          if spread.n_pairs >= 2 else "")
    parts = [T(f"A QA head that never saw QA data matched {em:.0%} of the {n} answers exactly (token F1 {f1:.2f}, "
               f"mean over {heads} random head(s){ci}).",
               f"从未见过问答数据的问答头在 {n} 个问题上完全答对 {em:.0%}（词级 F1 {f1:.2f}，{heads} 个随机头的平均"
               f"{ci}）。")(lang)]
    answers = outcome.extra.get("answers") or []
    if answers:
        a = answers[0]
        parts.append(T(f"Asked “{a['question']}”, it answered “{a['predicted']}” (expected “{a['expected']}”).",
                       f"问“{a['question']}”时，它回答“{a['predicted']}”（正确答案是“{a['expected']}”）。")(lang))
    # By construction, not by measurement: the head's weights are random, whatever share it happens to match.
    if not any(outcome.values("untrained", "exact_match")):
        parts.append(T("That is guessing: the start and end scores come from random weights.",
                       "这就是在瞎猜：起止位置的分数来自随机权重。")(lang))
    else:
        parts.append(T("Its matches happen by luck, because the contexts are single sentences and several answers "
                       "are one word; the spans are not chosen for a reason, since the head's weights are random.",
                       "答对的部分是运气：上下文都只有一句话，不少答案只有一个词；问答头的权重是随机的，这些片段并不是"
                       "有依据地选出来的。")(lang))
    if "trained" in outcome.samples:
        parts.append(_trained_sentence(outcome, lang))
        parts.append(T(f"Why no seeds are repeated for it: the fine-tuned model is a fixed published checkpoint that "
                       f"answers the same way on every run, so a rerun changes nothing; what is uncertain is the "
                       f"sample of {n} questions, which the interval above covers. Only the untrained head is random, "
                       f"so it is repeated over {heads} random heads.",
                       f"为什么它不重复多个种子：微调过的模型是一个固定的公开检查点，每次运行的回答都一样，重跑不会改变"
                       f"任何东西；不确定的是这 {n} 个问题的抽样，上面的区间已经涵盖。只有未训练的问答头是随机的，所以"
                       f"它在 {heads} 个随机头上重复。")(lang))
    else:
        purpose = T("question answering", "问答")(lang)
        parts.append(not_cached_note(outcome.extra.get("trained_model", "a SQuAD model"), purpose)(lang))
    return sentences(parts, lang)


def _trained_sentence(outcome: Outcome, lang: str) -> str:
    """The fine-tuned checkpoint against the untrained heads: one deterministic evaluation, so its uncertainty is
    the Wilson interval over the questions; 'clearly above' only when that interval's lower end is above the
    untrained heads' upper end (their mean, for a single head)."""
    from ...analysis.stats import wilson_interval

    trained, n = outcome.mean("trained", "exact_match"), outcome.extra.get("questions")
    spread = _untrained_interval(outcome)
    ceiling = spread.ci_high if spread.n_pairs >= 2 else spread.difference
    if not isinstance(n, int) or n < 1:
        return T(f"The model fine-tuned on SQuAD matched {trained:.0%} exactly.",
                 f"在 SQuAD 上微调过的模型完全答对 {trained:.0%}。")(lang)
    low, high = wilson_interval(trained, n)
    clear = low > ceiling
    return T(f"The model fine-tuned on SQuAD matched {trained:.0%} exactly (95% Wilson interval over the {n} "
             f"questions {low:.0%} to {high:.0%}): "
             + ("clearly above the untrained head's " if clear else "not clearly above the untrained head's ")
             + f"{spread.difference:.0%}.",
             f"在 SQuAD 上微调过的模型完全答对 {trained:.0%}（按 {n} 个问题计算的 95% Wilson 区间为 {low:.0%} 至 "
             f"{high:.0%}）："
             + ("明显高于" if clear else "没有明显高于") + f"未训练问答头的 {spread.difference:.0%}。")(lang)


def _qa_head_demo() -> dict:
    """MiniLM loaded for QA: which weights were newly created, and how that head answers the project's questions."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from ...apps.qa import QA_EXAMPLES, TRAINED_QA_MODEL, QuestionAnswerer, score_answers
    from ...core.pretrained import load_pretrained

    torch.manual_seed(0)
    model, info = load_pretrained(AutoModelForQuestionAnswering, "minilm", "a QA head", output_loading_info=True)
    scored = score_answers(QuestionAnswerer(load_pretrained(AutoTokenizer, "minilm", "a QA head"), model))
    return {"new_weights": sorted(info["missing_keys"]), "exact_match": float(scored["exact"].mean()),
            "token_f1": float(scored["f1"].mean()), "questions": len(QA_EXAMPLES),
            "trained_model_here": hub_model_cached(TRAINED_QA_MODEL), "trained_model": TRAINED_QA_MODEL}


def _qa_head_verdict(v: dict, lang: str) -> str:
    new = ", ".join(v["new_weights"]) or T("none", "无")(lang)
    text = T(f"Loading MiniLM with AutoModelForQuestionAnswering created these weights at random: {new}. With that "
             f"head, {v['exact_match']:.0%} of the {v['questions']} answers matched exactly (token F1 "
             f"{v['token_f1']:.2f}).",
             f"用 AutoModelForQuestionAnswering 加载 MiniLM 时，以下权重是随机新建的：{new}。用这个问答头，"
             f"{v['questions']} 个问题中完全答对 {v['exact_match']:.0%}（词级 F1 {v['token_f1']:.2f}）。")(lang)
    if not v["trained_model_here"]:
        text = sentences([text, not_cached_note(v["trained_model"], T("question answering", "问答")(lang))(lang)], lang)
    return text


APP_4 = Lesson(
    id="app.4", topic="app", sources="004 code 2",
    title=T("Extractive question answering", "抽取式问答"),
    question=T("How does extractive question answering work with a pretrained encoder such as BERT?",
               "用 BERT 这类预训练编码器做抽取式问答是怎么工作的？"),
    answer=T("The question and the context go through the encoder together, and a small head scores every context "
             "token as the start and as the end of the answer; the answer is the best-scoring span. That head must "
             "be trained on QA data such as SQuAD: loading a plain encoder like bert-base-uncased with "
             "BertForQuestionAnswering creates the head with random weights, so its spans are guesses. Load a "
             "checkpoint already fine-tuned for QA, or fine-tune on question-context-answer examples. Long contexts "
             "are read in overlapping windows and the best span over all windows wins.",
             "问题和上下文一起送入编码器，一个小的输出头为上下文中的每个词元打分，判断它是答案起点还是终点的可能性；"
             "得分最高的片段就是答案。这个输出头必须在 SQuAD 这类问答数据上训练过：用 BertForQuestionAnswering 加载 "
             "bert-base-uncased 这样的普通编码器时，问答头是随机初始化的，给出的片段只是瞎猜。应当加载已经为问答"
             "微调过的检查点，或者用“问题—上下文—答案”样本自己微调。上下文太长时用重叠窗口分段读取，在所有窗口中"
             "取得分最高的片段。"),
    experiment=_qa_experiment, takeaway=_qa_takeaway,
    figures=figures.standard("token_f1", QA_LABELS, with_curves=False),
    quiz=Quiz(T("A QA head that was never trained: how many of 12 simple questions will it answer exactly?",
                "一个从未训练过的问答头：12 个简单问题里能完全答对多少？"),
              {"none": T("almost none (not clearly more than 10%)", "几乎没有（不能确定超过 10%）"),
               "some": T("some (clearly more than 10%, not clearly more than half)",
                         "一部分（明显超过 10%，但不能确定超过一半）"),
               "most": T("clearly more than half", "明显超过一半")},
              _guess_band),
    corrections=(Correction(
        "004 code 2",
        T("`BertForQuestionAnswering.from_pretrained('bert-base-uncased')` can answer questions as loaded.",
          "`BertForQuestionAnswering.from_pretrained('bert-base-uncased')` 加载后就能回答问题。"),
        T("That checkpoint has no QA head: the `qa_outputs` layer is created with random weights (transformers "
          "warns about newly initialised weights), so answers are random until the model is fine-tuned on QA data "
          "or a QA checkpoint is loaded.",
          "这个检查点没有问答头：`qa_outputs` 层是随机初始化的（transformers 会提示有新初始化的权重），所以在用问答"
          "数据微调或加载问答检查点之前，答案都是随机的。"),
        _qa_head_demo, _qa_head_verdict),),
    settings={"random_heads": 3}, demo_only=True,
)
