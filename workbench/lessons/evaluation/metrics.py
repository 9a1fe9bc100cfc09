"""Metrics lesson (eval.1): MiniLM fine-tuned on SMS spam against predicting the class prior (always 'ham'), by
accuracy, error rate, balanced accuracy, macro F1, log loss and spam precision, recall and F1."""
from __future__ import annotations

from .. import figures
from ..base import Lesson, LessonContext, Outcome, Quiz, T, noise_clause
from ..support import against, verdict
from .common import (POSITIVE, QUICK_TEXT, SPAM_SETTINGS, add, binary_scores, finished_runs, mean_of_present, run_store,
                     spam_config)

# ---------------------------------------------------------------- eval.1 metrics

BASELINE = "always ham"
METRICS_LABELS = {"fine-tuned": T("fine-tuned MiniLM", "微调后的 MiniLM"),
                  BASELINE: T("always 'ham' (class prior)", "永远判为正常短信（类别先验）")}


def _metrics_experiment(ctx: LessonContext) -> Outcome:
    import numpy as np

    runs = ctx.run_variants({"fine-tuned": spam_config(ctx)}, **QUICK_TEXT)
    store = run_store(ctx)
    samples, extra = {}, {"spam_share": [], "reports": {}, "confusions": {}}
    for seed, run_id in finished_runs(ctx, runs, "fine-tuned"):
        test, val = store.load_predictions(run_id, "test"), store.load_predictions(run_id, "val")
        prior = np.bincount(val["labels"], minlength=len(test["label_names"])) / len(val["labels"])
        candidates = {"fine-tuned": test["probs"], BASELINE: np.tile(prior, (len(test["labels"]), 1))}
        for variant, probs in candidates.items():
            for metric, value in binary_scores(test["labels"], probs, test["label_names"]).items():
                add(samples, variant, metric, value)
            if seed == ctx.seeds[0]:
                _keep_report(extra, variant, test["labels"], probs, test["label_names"])
        extra["spam_share"].append(float(np.mean(test["labels"] == POSITIVE)))
    return Outcome("eval.1", samples, extra, runs.run_ids, runs.histories)


def _keep_report(extra: dict, variant: str, labels, probs, label_names) -> None:
    from ...analysis.metrics import classification_report, confusion

    report = classification_report(labels, probs, label_names)
    extra["reports"][variant] = {"per_class": report["per_class"]}
    extra["confusions"][variant] = confusion(labels, probs.argmax(1), len(label_names)).tolist()
    extra["label_names"] = list(label_names)


def _metrics_takeaway(o: Outcome, lang: str) -> str:
    m = {k: o.mean("fine-tuned", k) for k in ("accuracy", "precision_pos", "recall_pos", "f1_pos", "log_loss",
                                              "balanced_accuracy")}
    b = {k: o.mean(BASELINE, k) for k in ("accuracy", "recall_pos", "f1_pos", "log_loss", "balanced_accuracy")}
    share = mean_of_present(o.extra.get("spam_share")) or 0.0
    accuracy_clause = noise_clause(o, BASELINE, "fine-tuned", "accuracy", lang)
    # bands decided by 95 % intervals over seeds, not by means: recall clearly below one half, and the baseline's
    # accuracy clearly above 0.8 (or clearly below it)
    weak = against(0.5, o.samples["fine-tuned"].get("recall_pos", []), "recall_pos").winner == "a"
    base_level = against(0.8, o.samples[BASELINE].get("accuracy", []), "accuracy").winner
    text = T(f"On held-out messages that are {share:.0%} spam, the fine-tuned model reached accuracy "
             f"{m['accuracy']:.3f} "
             f"(error rate {1 - m['accuracy']:.3f}) and the baseline that always answers 'ham' {b['accuracy']:.3f}, "
             f"{m['accuracy'] - b['accuracy']:+.3f} apart ({accuracy_clause}). Spam recall was {m['recall_pos']:.3f} "
             f"against "
             f"{b['recall_pos']:.3f}, spam precision {m['precision_pos']:.3f}, and spam F1 {m['f1_pos']:.3f} against "
             f"{b['f1_pos']:.3f}.",
             f"在垃圾短信占 {share:.0%} 的留出测试集上，微调模型的准确率为 {m['accuracy']:.3f}（错误率 {1 - m['accuracy']:.3f}），"
             f"而永远回答“正常短信”的基线也有 {b['accuracy']:.3f}，两者相差 {m['accuracy'] - b['accuracy']:+.3f}"
             f"（{accuracy_clause}）。"
             f"垃圾短信召回率是 {m['recall_pos']:.3f} 对 {b['recall_pos']:.3f}，精确率 {m['precision_pos']:.3f}，"
             f"F1 是 {m['f1_pos']:.3f} 对 {b['f1_pos']:.3f}。")(lang)
    if weak:
        text += T(f" The model catches only {m['recall_pos']:.0%} of the spam (clearly under half over the seeds), yet its accuracy still looks "
                  "respectable: this is exactly how accuracy hides a weak model when one class dominates. Train "
                  "longer or rebalance the classes, and judge it by recall and F1.",
                  f"模型只抓到了 {m['recall_pos']:.0%} 的垃圾短信，准确率看上去却还不错：一个类别占绝大多数时，准确率正是"
                  "这样掩盖弱模型的。应该多训练一会儿或做类别平衡，并用召回率和 F1 来评判它。")(lang)
    elif base_level == "b":
        text += T(f" Accuracy flatters every model here: one that never flags a single spam already scores "
                  f"{b['accuracy']:.3f}. Recall, precision and F1 of the rare class, or balanced accuracy "
                  f"({m['balanced_accuracy']:.3f} against {b['balanced_accuracy']:.3f}), show what the model really "
                  "does.",
                  f"在这里准确率会美化任何模型：一条垃圾短信都不拦的模型也有 {b['accuracy']:.3f}。稀有类的召回率、精确率、"
                  f"F1，或者平衡准确率（{m['balanced_accuracy']:.3f} 对 {b['balanced_accuracy']:.3f}），才能看出模型真正"
                  "的表现。")(lang)
    elif base_level == "a":
        text += T(" With classes this balanced the baseline's accuracy is already low, so accuracy and F1 tell a "
                  "similar story here.", "类别比较均衡时基线的准确率本来就低，所以这里准确率和 F1 给出的结论相近。")(lang)
    else:
        text += T(" Whether the baseline's accuracy is above 0.8 here, this budget cannot tell; judge the model by "
                  "recall and F1 of the rare class either way.",
                  "基线的准确率是否高于 0.8，这个预算下还分不出；无论如何都要用稀有类的召回率和 F1 来评判模型。")(lang)
    text += T(f" Log loss, which also scores how confident each probability is, was {m['log_loss']:.3f} against "
              f"{b['log_loss']:.3f} for the class prior",
              f"对数损失还会衡量每个概率有多自信：模型为 {m['log_loss']:.3f}，类别先验为 {b['log_loss']:.3f}")(lang)
    log_loss = verdict(o, "fine-tuned", BASELINE, "log_loss")
    if log_loss == "b":
        text += T(", worse than the prior: the model is confidently wrong on some messages.",
                  "，比先验还差：模型在一些短信上错得很自信。")(lang)
    elif log_loss == "tie":
        text += T(", which this budget cannot tell apart from the prior's.", "，这个预算下与先验分不出高下。")(lang)
    else:
        text += T(".", "。")(lang)
    return text + T(" On spam F1, ", "就垃圾短信 F1 而言，")(lang) + noise_clause(
        o, "fine-tuned", BASELINE, "f1_pos", lang) + T(".", "。")(lang)


def _metrics_figures(o: Outcome, lang: str) -> list:
    from ...analysis.plots import fig_confusion_matrix, fig_per_class

    out = [(T("Accuracy: the baseline looks almost as good", "准确率：基线看起来几乎一样好")(lang),
            figures.metric_bars(o, "accuracy", lang, METRICS_LABELS)),
           (T("Spam recall: the difference accuracy hides", "垃圾短信召回率：被准确率掩盖的差距")(lang),
            figures.metric_bars(o, "recall_pos", lang, METRICS_LABELS))]
    names = o.extra.get("label_names", [])
    for variant, matrix in o.extra.get("confusions", {}).items():
        out.append((T("Confusion matrix: ", "混淆矩阵：")(lang) + METRICS_LABELS[variant](lang),
                    fig_confusion_matrix(matrix, names)))
    if "fine-tuned" in o.extra.get("reports", {}):
        out.append((T("Per-class scores of the fine-tuned model", "微调模型的各类别指标")(lang),
                    fig_per_class(o.extra["reports"]["fine-tuned"])))
    return out


def _baseline_accuracy_choice(o: Outcome) -> str:
    # The always-ham baseline's accuracy is the ham share of a stratified test split: the same (to one message) in
    # every seed, so there is no noise for an interval to cover and its value decides the band.
    acc = o.mean(BASELINE, "accuracy")
    return "high" if acc > 0.85 else "middle" if acc >= 0.7 else "low"


EVAL_1 = Lesson(
    id="eval.1", topic="eval", sources="000 #2, 001 #6, #20, 002 #5, 003 #8, #26",
    title=T("Accuracy, precision, recall, F1, error rate and loss", "准确率、精确率、召回率、F1、错误率与损失"),
    question=T("Which metrics would you use to evaluate a fine-tuned classifier, and when is accuracy misleading?",
               "评估微调后的分类模型时会用哪些指标？什么时候准确率会误导人？"),
    answer=T("Accuracy is the share of correct predictions and the error rate is its complement. Precision asks how "
             "many of the examples flagged as positive really are positive; recall asks how many of the real "
             "positives were found; F1 is their harmonic mean, so it is high only when both are. Loss (cross-entropy) "
             "scores the predicted probabilities themselves, so it also punishes confident mistakes. When one class "
             "dominates, accuracy is misleading: always predicting the majority class already scores high, so report "
             "per-class precision, recall and F1, or balanced accuracy. With several classes the per-class scores are "
             "averaged: micro-F1 pools every decision (for single-label tasks it equals accuracy), macro-F1 averages "
             "the classes equally so rare ones count as much as common ones, and weighted F1 weights each class by "
             "its number of examples, so the large classes dominate again.",
             "准确率是预测正确的比例，错误率是它的补数。精确率问的是：被判为正类的样本里有多少真的是正类；召回率问的"
             "是：真实的正类里有多少被找了出来；F1 是两者的调和平均，只有两者都高时它才高。损失（交叉熵）直接给预测概"
             "率打分，所以自信的错误会被重罚。当某一类占绝大多数时准确率会误导人：永远预测多数类就能得到很高的准确率"
             "，因此应报告各类别的精确率、召回率和 F1，或者平衡准确率。多分类时要对各类别的分数做平均：微平均 F1 把所"
             "有判定汇总起来计算（单标签任务中它等于准确率）；宏平均 F1 对各类别一视同仁，稀有类和常见类分量相同；加"
             "权 F1 按各类样本数加权，大类又会占主导。"),
    experiment=_metrics_experiment, takeaway=_metrics_takeaway, figures=_metrics_figures,
    quiz=Quiz(T("About 13% of the SMS messages are spam. What accuracy will a 'model' that always answers 'ham' get "
                "on the test messages?", "约 13% 的短信是垃圾短信。一个永远回答“正常短信”的“模型”在测试集上的准确率会是多少？"),
              {"high": T("above 0.85", "高于 0.85"), "middle": T("between 0.70 and 0.85", "0.70 到 0.85 之间"),
               "low": T("below 0.70", "低于 0.70")},
              _baseline_accuracy_choice),
    settings=dict(SPAM_SETTINGS), repeats=3,
)
