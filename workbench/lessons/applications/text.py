"""Text classification lesson (app.2): one MiniLM fine-tuning recipe on Rotten Tomatoes sentiment and SMS spam,
comparing the tasks' balanced accuracy and checking spam accuracy against always answering the majority class."""
from __future__ import annotations

from ...core.config import RunConfig
from .. import figures
from ..base import (NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause,
                    metric_name)
from ..support import (EVERY_WEIGHT, NO_WEIGHTS, against, band, mean_or_none, runner_of, sentences, verdict,
                       verdict_choice)

# ---------------------------------------------------------------- app.2 text classification on two tasks

TASK_LABELS = {"sentiment": T("sentiment (Rotten Tomatoes)", "情感（烂番茄影评）"),
               "spam": T("spam (SMS)", "垃圾短信（SMS）")}


def _two_tasks(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    recipe = dict(max_length=64, max_eval_samples=300, max_train_samples=s["train_examples"], epochs=s["epochs"],
                  lr=s["lr"], eval_every=25, log_every=5, **NO_WEIGHTS, **EVERY_WEIGHT)
    outcome = ctx.run_variants({"sentiment": RunConfig.from_flat(dataset="rotten_tomatoes", **recipe),
                                "spam": RunConfig.from_flat(dataset="sms_spam", **recipe)},
                               max_eval_samples=60, eval_every=6)
    store = runner_of(ctx).store
    for variant, ids in outcome.run_ids.items():
        outcome.samples[variant]["majority_baseline"] = [
            store.metrics(run_id).get("test", {}).get("majority_baseline") for run_id in ids]
    return outcome


def _two_tasks_takeaway(outcome: Outcome, lang: str) -> str:
    def line(task):
        acc, bal = outcome.mean(task, "accuracy"), outcome.mean(task, "balanced_accuracy")
        base = mean_or_none(outcome, task, "majority_baseline")
        base_en = f", always answering the majority class would score {base:.3f}" if base is not None else ""
        base_zh = f"，总是回答多数类可得 {base:.3f}" if base is not None else ""
        return T(f"{TASK_LABELS[task].en}: accuracy {acc:.3f}, balanced accuracy {bal:.3f}{base_en}.",
                 f"{TASK_LABELS[task].zh}：准确率 {acc:.3f}，平衡准确率 {bal:.3f}{base_zh}。")(lang)

    parts = [T("The same recipe (MiniLM, full fine-tuning, same data size and settings) on both tasks.",
               "两个任务使用同一套做法（MiniLM、全量微调、相同的数据量和设置）。")(lang), line("sentiment"), line("spam"),
             compare_takeaway(outcome, "sentiment", "spam", "balanced_accuracy", lang, TASK_LABELS)]
    margin = _spam_margin(outcome)
    if margin is not None and _spam_band(margin) != "clear":
        d, clause = margin.difference, interval_clause(margin, lang)
        head = (T(f"Spam accuracy is not clearly above always answering 'ham' ({d:+.3f}; {clause})",
                  f"垃圾短信的准确率并没有明显高于总回答“正常短信”（{d:+.3f}；{clause}）") if margin.tie else
                T(f"Spam accuracy is only {d:.3f} above always answering 'ham' (95% confidence interval over "
                  f"{margin.n_pairs} paired seeds {margin.ci_low:+.3f} to {margin.ci_high:+.3f}, not clearly more "
                  "than 0.05)",
                  f"垃圾短信的准确率只比总回答“正常短信”高 {d:.3f}（按 {margin.n_pairs} 个配对种子计算的 95% 置信区间"
                  f"为 {margin.ci_low:+.3f} 至 {margin.ci_high:+.3f}，不能确定高出 0.05 以上）"))(lang)
        parts.append(head + T(": with about one spam in eight, accuracy flatters the model. Judge it by balanced "
                              "accuracy or spam recall, and try class weights.",
                              "：大约八条里才有一条垃圾短信，准确率会美化模型。应看平衡准确率或垃圾短信的召回率，并可尝试"
                              "类别加权。")(lang))
    else:
        tasks = verdict(outcome, "spam", "sentiment", "balanced_accuracy")
        if tasks == "a":
            parts.append(T("Spam is the easier task: its cues (numbers, 'free', 'txt', 'call now') are in the words "
                           "themselves, while sentiment often hides in context, irony and negation.",
                           "垃圾短信是更容易的任务：它的线索（号码、free、txt、call now）就在词语本身，而情感常常藏在上下文、"
                           "反讽和否定里。")(lang))
        elif tasks == "b":
            parts.append(T("Sentiment reached the higher balanced accuracy here; with more data per task the ordering "
                           "may change, so compare on balanced accuracy rather than accuracy.",
                           "这里情感任务的平衡准确率更高；每个任务的数据量变化后顺序可能改变，所以要用平衡准确率而不是准确率"
                           "来比较。")(lang))
        else:
            parts.append(T("Which task is harder, this budget cannot tell; compare on balanced accuracy rather than "
                           "accuracy, over more seeds.",
                           "哪个任务更难，这个预算下还分不出；要用平衡准确率而不是准确率来比较，并多跑几个种子。")(lang))
    return sentences(parts, lang)


SPAM_MARGIN = 0.05     # spam accuracy within this of the majority share: accuracy says little


def _spam_margin(outcome: Outcome):
    """Spam accuracy against each seed's majority-class share (always answering 'ham'), paired over seeds; None
    when the runs recorded no baseline."""
    base = outcome.samples["spam"].get("majority_baseline") or []
    if not any(v is not None for v in base):
        return None
    return against(base, outcome.samples["spam"].get("accuracy", []), "accuracy")


def _spam_band(margin) -> str:
    """'clear' only when the interval's lower end is above SPAM_MARGIN; otherwise accuracy may be flattering."""
    return band(margin, {"clear": SPAM_MARGIN}, "close")


def _two_tasks_figures(outcome: Outcome, lang: str) -> list:
    from ...analysis import plots

    means, spreads = {}, {}
    for task in outcome.variants:
        for metric in ("accuracy", "balanced_accuracy", "majority_baseline"):
            if outcome.values(task, metric):
                key = f"{TASK_LABELS[task](lang)} · {metric_name(metric, lang)}"
                means[key], spreads[key] = outcome.mean(task, metric), outcome.ci_half_width(task, metric)
    out = [(T("Accuracy, balanced accuracy and the majority baseline per task (error bars: 95% CI over seeds)",
              "各任务的准确率、平衡准确率与多数类基线（误差线：各种子的 95% 置信区间）")(lang),
             plots.fig_variant_bars(means, spreads, y_title=T("score", "得分")(lang)))]
    if any(outcome.histories.values()):
        out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang),
                    figures.curves(outcome, lang, label=TASK_LABELS)))
    return out


APP_2 = Lesson(
    id="app.2", topic="app", sources="001 #16, 004 #6",
    title=T("Text classification: sentiment and spam", "文本分类：情感与垃圾短信"),
    question=T("How do you fine-tune a pretrained model for text classification (topics, sentiment, spam)?",
               "如何微调预训练模型来做文本分类（主题、情感、垃圾短信）？"),
    answer=T("Put a classification head on a pretrained text encoder, tokenise the texts, and fine-tune on labelled "
             "examples; the same recipe serves sentiment, topic or spam detection, and only the data and label names "
             "change. What differs between tasks is the data: class balance, text length and how the label shows in "
             "the words. Spam is imbalanced (about one message in eight), so report balanced accuracy or per-class F1 "
             "next to accuracy and compare with the majority-class baseline. Choose max_length from the text lengths "
             "and look at the errors per class.",
             "在预训练文本编码器上接一个分类头，对文本分词后用带标签的样本微调；同一套做法可以用于情感、主题或垃圾"
             "短信识别，变的只是数据和标签名。任务之间真正不同的是数据：类别是否平衡、文本长短、标签在字面上体现得"
             "是否明显。垃圾短信是不平衡的（大约八条里有一条），所以除准确率外还要报告平衡准确率或各类别 F1，并与"
             "多数类基线比较。max_length 要根据文本长度来定，并按类别检查错误。"),
    experiment=_two_tasks, takeaway=_two_tasks_takeaway, figures=_two_tasks_figures,
    quiz=Quiz(T("Same model, same recipe: which task will reach the higher balanced accuracy?",
                "同一个模型、同一套做法：哪个任务的平衡准确率更高？"),
              {"sentiment": TASK_LABELS["sentiment"], "spam": TASK_LABELS["spam"], "tie": NO_CLEAR_DIFFERENCE},
              verdict_choice("sentiment", "spam", "balanced_accuracy", {"a": "sentiment", "b": "spam", "tie": "tie"})),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4}, repeats=3,
)
