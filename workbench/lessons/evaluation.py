"""Evaluation and explanation lessons: metrics on imbalanced data, ROC/PR curves and thresholds, confusion
matrices, cross-validation, evaluating a pretrained model, cost-weighted decisions, and SHAP next to LIME.

The runs' saved test (and validation) predictions are re-scored here with `workbench.analysis.metrics`, so every number
in a takeaway comes from the same predictions the Evaluate page shows.
"""
from __future__ import annotations

import statistics

from ..core.config import RunConfig
from . import figures
from .base import (LOWER_IS_BETTER, METRIC_NAMES, NO_CLEAR_DIFFERENCE, Correction, Lesson, LessonContext, Outcome,
                   Quiz, T, above_baseline, compare_takeaway, noise_clause, lesson_recipe, ranking_takeaway)
from .support import EVERY_WEIGHT, against, runner_of, sentences, verdict, verdict_choice

# ---------------------------------------------------------------- shared pieces

# Metric names the framework's table lacks; registered so compare_takeaway and the bars speak both languages.
EXTRA_METRIC_NAMES = {
    "precision_pos": T("spam precision", "垃圾短信精确率"), "recall_pos": T("spam recall", "垃圾短信召回率"),
    "f1_pos": T("spam F1", "垃圾短信 F1"), "error_rate": T("error rate", "错误率"), "log_loss": T("log loss", "对数损失"),
    "cost_per_1000": T("cost per 1,000 messages", "每千条短信的代价"), "worst_recall": T("lowest class recall", "最差类别召回率"),
    "top3_share": T("share of errors in the 3 biggest cells", "前 3 大错误格子占全部错误的比例"),
    "top_k_overlap": T("top-5 overlap", "前 5 重合度"), "spearman": T("rank correlation", "排序相关系数"),
    "seconds": T("seconds per explanation pair", "每对解释耗时（秒）"),
}
EXTRA_LOWER_IS_BETTER = {"error_rate", "log_loss", "cost_per_1000", "seconds"}


def register_metric_names(names: dict[str, T], lower_is_better: set[str] = frozenset()) -> None:
    """Add lesson-specific metric names (and which of them are better low) to the framework's tables."""
    for key, name in names.items():
        METRIC_NAMES.setdefault(key, name)
    LOWER_IS_BETTER.update(lower_is_better)


register_metric_names(EXTRA_METRIC_NAMES, EXTRA_LOWER_IS_BETTER)

SPAM = dict(dataset="sms_spam", max_length=64, max_eval_samples=400, save_checkpoints=False, save_model=False,
            **EVERY_WEIGHT)
SPAM_SETTINGS = {"train_examples": 400, "epochs": 1, "lr": 2e-4}   # 25 steps: 5e-5 leaves the head untrained
POSITIVE = 1   # sms_spam's classes are (ham, spam): spam is the positive class
QUICK_TEXT = {"max_eval_samples": 60, "batch_size": 8}   # quick MiniLM runs: smaller batches and splits


def spam_config(ctx: LessonContext, **overrides) -> RunConfig:
    s = ctx.settings
    return RunConfig.from_flat(**{**SPAM, "max_train_samples": s["train_examples"], "epochs": s["epochs"],
                                  "lr": s["lr"], **overrides})


def run_store(ctx: LessonContext):
    return runner_of(ctx).store


def finished_runs(ctx: LessonContext, outcome: Outcome, variant: str) -> list[tuple[int, str]]:
    """(seed, run id) of each run of `variant` that finished; stopped or failed runs have no predictions."""
    store = run_store(ctx)
    pairs = zip(ctx.seeds, outcome.run_ids.get(variant, []))
    return [(seed, run_id) for seed, run_id in pairs if store.metrics(run_id).get("test")]


def run_config(ctx: LessonContext, run_id: str) -> RunConfig:
    """The config a run really used (quick mode shrinks the lesson's), so its splits can be rebuilt exactly."""
    return RunConfig.from_dict(run_store(ctx).config(run_id))


def add(samples: dict, variant: str, metric: str, value) -> None:
    samples.setdefault(variant, {}).setdefault(metric, []).append(None if value is None else float(value))


def mean_or_none(values):
    values = [v for v in values or [] if v is not None and v == v]
    return statistics.fmean(values) if values else None


def binary_scores(labels, probs, label_names) -> dict:
    """Accuracy, error rate, balanced accuracy, macro F1, log loss and the positive class's precision, recall, F1."""
    from ..analysis.metrics import classification_report

    report = classification_report(labels, probs, label_names)
    positive = report["per_class"][POSITIVE]
    return {"accuracy": report["accuracy"], "error_rate": report["error_rate"],
            "balanced_accuracy": report["balanced_accuracy"], "f1_macro": report["f1_macro"],
            "log_loss": report["log_loss"], "precision_pos": positive["precision"], "recall_pos": positive["recall"],
            "f1_pos": positive["f1"]}


def threshold_scores(labels, probs, threshold: float, cost_fp: float = 1.0, cost_fn: float = 1.0) -> dict:
    """Precision, recall, F1, the operating point and the cost per 1,000 examples at one threshold."""
    from ..analysis.metrics import metrics_at_threshold

    at = metrics_at_threshold(labels, probs, threshold)
    cost = (cost_fp * at["fp"] + cost_fn * at["fn"]) / len(labels) * 1000
    return {"precision_pos": at["precision"], "recall_pos": at["recall"], "f1_pos": at["f1"], "fpr": at["fpr"],
            "accuracy": at["accuracy"], "cost_per_1000": cost}


def _shift(a: float, b: float) -> str:
    return f"{a:.3f} → {b:.3f}"


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
    from ..analysis.metrics import classification_report, confusion

    report = classification_report(labels, probs, label_names)
    extra["reports"][variant] = {"per_class": report["per_class"]}
    extra["confusions"][variant] = confusion(labels, probs.argmax(1), len(label_names)).tolist()
    extra["label_names"] = list(label_names)


def _metrics_takeaway(o: Outcome, lang: str) -> str:
    m = {k: o.mean("fine-tuned", k) for k in ("accuracy", "precision_pos", "recall_pos", "f1_pos", "log_loss",
                                              "balanced_accuracy")}
    b = {k: o.mean(BASELINE, k) for k in ("accuracy", "recall_pos", "f1_pos", "log_loss", "balanced_accuracy")}
    share = mean_or_none(o.extra.get("spam_share")) or 0.0
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
    from ..analysis.plots import fig_confusion_matrix, fig_per_class

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


# ---------------------------------------------------------------- eval.2 ROC, PR and the threshold

THRESHOLD_LABELS = {"default": T("threshold 0.5", "阈值 0.5"),
                    "tuned": T("best-F1 threshold (chosen on validation)", "最佳 F1 阈值（在验证集上选定）")}


def _roc_experiment(ctx: LessonContext) -> Outcome:
    from ..analysis.metrics import pr_data, roc_data, threshold_sweep

    runs = ctx.run_variants({"fine-tuned": spam_config(ctx)}, **QUICK_TEXT)
    store = run_store(ctx)
    samples, extra = {}, {"roc_auc": [], "average_precision": [], "thresholds": [], "spam_share": [],
                          "operating_points": {}}
    for seed, run_id in finished_runs(ctx, runs, "fine-tuned"):
        test, val = store.load_predictions(run_id, "test"), store.load_predictions(run_id, "val")
        y, probs, names = test["labels"], test["probs"], test["label_names"]
        chosen = threshold_sweep(val["labels"], val["probs"])["best_f1_threshold"]
        for variant, threshold in (("default", 0.5), ("tuned", chosen)):
            scores = threshold_scores(y, probs, threshold)
            for metric in ("f1_pos", "precision_pos", "recall_pos"):
                add(samples, variant, metric, scores[metric])
            if seed == ctx.seeds[0]:
                extra["operating_points"][variant] = {"threshold": threshold, "fpr": scores["fpr"],
                                                      "recall": scores["recall_pos"],
                                                      "precision": scores["precision_pos"]}
        roc, pr = roc_data(y, probs, names), pr_data(y, probs, names)
        extra["roc_auc"].append(next(iter(roc["curves"].values()))["auc"] if roc["curves"] else None)
        extra["average_precision"].append(next(iter(pr["curves"].values()))["average_precision"]
                                          if pr["curves"] else None)
        extra["thresholds"].append(chosen)
        extra["spam_share"].append(float((y == POSITIVE).mean()))
        if seed == ctx.seeds[0]:
            extra.update(roc=roc, pr=pr, sweep=threshold_sweep(y, probs))
    return Outcome("eval.2", samples, extra, runs.run_ids, runs.histories)


def _roc_takeaway(o: Outcome, lang: str) -> str:
    auc, ap = mean_or_none(o.extra.get("roc_auc")), mean_or_none(o.extra.get("average_precision"))
    share = mean_or_none(o.extra.get("spam_share")) or 0.0
    chosen = mean_or_none(o.extra.get("thresholds")) or 0.5
    text = ""
    if auc is not None and ap is not None:
        text = T(f"ROC AUC was {auc:.3f} and average precision (the area under the PR curve) {ap:.3f}; a random "
                 f"ranking would score 0.5 and {share:.3f} (the spam share), so the PR curve is the stricter judge "
                 "when positives are rare. ",
                 f"ROC AUC 为 {auc:.3f}，平均精确率（PR 曲线下面积）为 {ap:.3f}；随机排序分别只能得到 0.5 和 {share:.3f}"
                 "（即垃圾短信的占比），所以正类稀少时 PR 曲线是更严格的评判。")(lang)
    gain = o.mean("tuned", "f1_pos") - o.mean("default", "f1_pos")
    text += T(f"The threshold with the best F1 on the validation messages was {chosen:.2f}. On the test messages it "
              f"gave spam F1 {o.mean('tuned', 'f1_pos'):.3f} against {o.mean('default', 'f1_pos'):.3f} at 0.5 "
              f"(change {gain:+.3f}); ",
              f"在验证集上 F1 最高的阈值是 {chosen:.2f}。在测试集上它的垃圾短信 F1 为 {o.mean('tuned', 'f1_pos'):.3f}，"
              f"阈值 0.5 时为 {o.mean('default', 'f1_pos'):.3f}（变化 {gain:+.3f}）；")(lang)
    text += noise_clause(o, "tuned", "default", "f1_pos", lang) + T(".", "。")(lang)
    p = {v: (o.mean(v, "precision_pos"), o.mean(v, "recall_pos")) for v in ("default", "tuned")}
    if abs(chosen - 0.5) < 0.005:
        text += T(" The default threshold was already the best one here.", "这里默认阈值本身就是最好的。")(lang)
    elif chosen < 0.5:
        text += T(f" Lowering the threshold flagged more messages: recall {_shift(p['default'][1], p['tuned'][1])}"
                  f", precision {_shift(p['default'][0], p['tuned'][0])}.",
                  f"降低阈值会拦下更多短信：召回率 {_shift(p['default'][1], p['tuned'][1])}，"
                  f"精确率 {_shift(p['default'][0], p['tuned'][0])}。")(lang)
    else:
        text += T(f" Raising the threshold flagged fewer messages: precision "
                  f"{_shift(p['default'][0], p['tuned'][0])}, recall {_shift(p['default'][1], p['tuned'][1])}.",
                  f"提高阈值会少拦一些短信：精确率 {_shift(p['default'][0], p['tuned'][0])}，"
                  f"召回率 {_shift(p['default'][1], p['tuned'][1])}。")(lang)
    if verdict(o, "tuned", "default", "f1_pos") == "b":
        text += T(" The threshold picked on validation did not carry over to the test set: with few spam messages "
                  "in the validation split, the 'best' threshold is itself a noisy estimate.",
                  "在验证集上选出的阈值没能迁移到测试集：验证集里垃圾短信很少，“最佳”阈值本身就是个有噪声的估计。")(lang)
    return text


def _roc_figures(o: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_pr, fig_roc, fig_threshold_sweep

    out, points = [], o.extra.get("operating_points", {}).get("default")
    if o.extra.get("roc"):
        roc_point = (points["fpr"], points["recall"]) if points else None
        pr_point = (points["recall"], points["precision"]) if points else None
        out += [(T("ROC curve: true-positive rate against false-positive rate (x: threshold 0.5)",
                   "ROC 曲线：真正例率对假正例率（x 标记为阈值 0.5）")(lang), fig_roc(o.extra["roc"], roc_point)),
                (T("Precision-recall curve (x: threshold 0.5)", "精确率-召回率曲线（x 标记为阈值 0.5）")(lang),
                 fig_pr(o.extra["pr"], pr_point))]
    if o.extra.get("sweep"):
        out.append((T("Test scores at every threshold", "各个阈值下的测试集指标")(lang), fig_threshold_sweep(o.extra["sweep"])))
    out.append((T("Spam F1 at 0.5 and at the tuned threshold", "阈值 0.5 与调优阈值下的垃圾短信 F1")(lang),
                figures.metric_bars(o, "f1_pos", lang, THRESHOLD_LABELS)))
    return out


def _threshold_side(o: Outcome) -> str:
    chosen = mean_or_none(o.extra.get("thresholds")) or 0.5
    return "below" if chosen < 0.45 else "above" if chosen > 0.55 else "near"


def _roc_vs_pr_demo() -> dict:
    """Scores from a TF-IDF logistic regression on the SMS test split, turned into both curves."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from ..core.datasets import load_dataset, split_dataset
    from ..analysis.metrics import pr_data, roc_data

    splits = split_dataset(load_dataset("sms_spam"), seed=0)
    vectorizer = TfidfVectorizer(min_df=2)
    model = LogisticRegression(max_iter=1000).fit(vectorizer.fit_transform(splits.train.x), splits.train.y)
    y, probs = splits.test.y, model.predict_proba(vectorizer.transform(splits.test.x))
    roc = next(iter(roc_data(y, probs)["curves"].values()))
    pr = next(iter(pr_data(y, probs)["curves"].values()))
    at = threshold_scores(y, probs, 0.5)
    return {"examples": int(len(y)), "positive_share": float(np.mean(y == POSITIVE)), "roc_auc": roc["auc"],
            "average_precision": pr["average_precision"], "fpr": at["fpr"], "recall": at["recall_pos"],
            "precision": at["precision_pos"]}


def _roc_vs_pr_verdict(v: dict, lang: str) -> str:
    text = T(f"From the same {v['examples']} test predictions: the ROC curve (true-positive rate against "
             "false-positive "
             f"rate) has area {v['roc_auc']:.3f}, while precision plotted against recall, which the source calls ROC, "
             f"has area {v['average_precision']:.3f}. At threshold 0.5 the ROC point is (FPR {v['fpr']:.3f}, TPR "
             f"{v['recall']:.3f}) and the PR point is (recall {v['recall']:.3f}, precision {v['precision']:.3f}): "
             "recall is the true-positive rate, but the other axis is a different quantity.",
             f"用同样的 {v['examples']} 条测试预测：ROC 曲线（真正例率对假正例率）下的面积为 {v['roc_auc']:.3f}，而原文当作 ROC "
             f"的精确率对召回率曲线下面积为 {v['average_precision']:.3f}。阈值 0.5 时 ROC 上的点是（FPR {v['fpr']:.3f}，"
             f"TPR {v['recall']:.3f}），PR 上的点是（召回率 {v['recall']:.3f}，精确率 {v['precision']:.3f}）：召回率就是"
             "真正例率，但另一条坐标轴是完全不同的量。")(lang)
    if abs(v["roc_auc"] - v["average_precision"]) >= 0.005:
        text += T(f" A random ranking would score 0.5 under ROC but only {v['positive_share']:.3f} (the spam share) "
                  "under PR: the two areas are measured against different chance levels.",
                  f"随机排序在 ROC 下能得 0.5，在 PR 下只有 {v['positive_share']:.3f}（垃圾短信占比）：两个面积的"
                  "随机基准完全不同。")(lang)
    else:
        text += T(" The two areas happen to be close here, but the curves still plot different quantities.",
                  "这里两个面积碰巧接近，但两条曲线画的仍然是不同的量。")(lang)
    return text


EVAL_2 = Lesson(
    id="eval.2", topic="eval", sources="001 #6, #20",
    title=T("ROC curve, AUC, PR curve and the decision threshold", "ROC 曲线、AUC、PR 曲线与判定阈值"),
    question=T("What do the ROC curve and AUC show, how does the PR curve differ, and how do you choose the "
               "decision threshold?", "ROC 曲线和 AUC 说明了什么？PR 曲线有何不同？判定阈值该怎么选？"),
    answer=T("A classifier outputs a score; every threshold on it gives one trade-off. The ROC curve plots the "
             "true-positive rate (recall) against the false-positive rate over all thresholds, and its area (AUC) is "
             "the chance that a random positive is scored above a random negative. The precision-recall curve plots "
             "precision against recall instead; because precision depends on how rare positives are, it is the more "
             "telling curve for imbalanced data. Pick the threshold on validation data for the goal you have (best "
             "F1, a minimum recall, lowest cost), then confirm it on the test set.",
             "分类器输出的是一个分数，每个阈值对应一种取舍。ROC 曲线在所有阈值上画出真正例率（召回率）对假正例率的关系，"
             "曲线下面积 AUC 等于随机抽一个正例、一个负例时正例得分更高的概率。精确率-召回率曲线画的是精确率对召回率；"
             "精确率会受正类稀少程度的影响，所以在不平衡数据上它更能说明问题。阈值应当在验证集上按目标来选（F1 最高、"
             "召回率不低于某值或代价最小），再到测试集上确认。"),
    experiment=_roc_experiment, takeaway=_roc_takeaway, figures=_roc_figures,
    quiz=Quiz(T("On validation messages, where will the threshold with the best spam F1 lie?",
                "在验证集短信上，垃圾短信 F1 最高的阈值会落在哪里？"),
              {"below": T("below 0.45", "低于 0.45"), "near": T("between 0.45 and 0.55", "0.45 到 0.55 之间"),
               "above": T("above 0.55", "高于 0.55")},
              _threshold_side),
    corrections=(Correction(
        source="003 #8",
        claim=T("The ROC curve shows precision and recall at different thresholds.",
                "ROC 曲线展示的是不同阈值下的精确率和召回率。"),
        right=T("The ROC curve plots the true-positive rate against the false-positive rate. Precision against recall "
                "is the PR curve, a different curve with a different area and a different chance level.",
                "ROC 曲线画的是真正例率对假正例率。精确率对召回率是 PR 曲线，它是另一条曲线，面积和随机水平都不同。"),
        demo=_roc_vs_pr_demo, verdict=_roc_vs_pr_verdict),),
    settings=dict(SPAM_SETTINGS), repeats=3,
)


# ---------------------------------------------------------------- eval.3 confusion matrix and error analysis

DIGITS = dict(dataset="digits", model="mlp", batch_size=64, save_checkpoints=False, save_model=False)


def _confusion_experiment(ctx: LessonContext) -> Outcome:
    from ..analysis.metrics import classification_report, confusion, top_losses

    cfg = RunConfig.from_flat(**DIGITS, epochs=ctx.settings["epochs"])
    runs = ctx.run_variants({"mlp": cfg})
    store = run_store(ctx)
    samples, extra = {}, {}
    for seed, run_id in finished_runs(ctx, runs, "mlp"):
        test = store.load_predictions(run_id, "test")
        y, probs, names = test["labels"], test["probs"], test["label_names"]
        report = classification_report(y, probs, names)
        matrix = confusion(y, probs.argmax(1), len(names))
        cells = _error_cells(matrix)
        errors = int(sum(c for _, _, c in cells))
        add(samples, "mlp", "accuracy", report["accuracy"])
        add(samples, "mlp", "f1_macro", report["f1_macro"])
        add(samples, "mlp", "worst_recall", min(row["recall"] for row in report["per_class"]))
        add(samples, "mlp", "top3_share", sum(c for _, _, c in cells[:3]) / errors if errors else None)
        if seed == ctx.seeds[0]:
            worst = min(report["per_class"], key=lambda row: row["recall"])
            extra.update(label_names=list(names), confusion=matrix.tolist(), per_class=report["per_class"],
                         examples=int(len(y)), errors=errors, top_cells=cells[:5], worst_class=worst["label"],
                         worst_errors=[e for e in top_losses(y, probs, k=5, ids=test["ids"]) if e["true"] != e["pred"]])
    return Outcome("eval.3", samples, extra, runs.run_ids, runs.histories)


def _error_cells(matrix) -> list[list[int]]:
    """Off-diagonal cells as [true, predicted, count], biggest first."""
    import numpy as np

    cells = [[int(i), int(j), int(c)] for (i, j), c in np.ndenumerate(np.asarray(matrix)) if i != j and c > 0]
    return sorted(cells, key=lambda cell: -cell[2])


def _confusion_takeaway(o: Outcome, lang: str) -> str:
    e, names = o.extra, o.extra.get("label_names", [])
    acc, f1 = o.mean("mlp", "accuracy"), o.mean("mlp", "f1_macro")
    errors, n = e.get("errors", 0), e.get("examples", 0)
    text = T(f"Test accuracy {acc:.3f}, macro F1 {f1:.3f}",
             f"测试准确率 {acc:.3f}，宏平均 F1 {f1:.3f}")(lang)
    if not errors:
        return text + T(f"; not a single mistake on the {n} test digits of the first seed, so there is nothing to "
                        "analyse: train for fewer epochs to see where errors appear first.",
                        f"；第一个种子的 {n} 个测试数字一个都没错，没有可分析的错误：减少训练轮数，看看错误最先出现在哪里。")(lang)
    true, pred, count = e["top_cells"][0]
    share = mean_or_none(o.values("mlp", "top3_share")) or 0.0
    text += T(f", with {errors} mistakes on {n} test digits (first seed). The biggest off-diagonal cell is true "
              f"{names[true]} predicted as {names[pred]}: {count} times, {count / errors:.0%} of the errors; the three "
              f"biggest cells hold {share:.0%} of them. The weakest class is {e['worst_class']} (recall "
              f"{o.mean('mlp', 'worst_recall'):.3f}).",
              f"，第一个种子在 {n} 个测试数字上错了 {errors} 个。对角线外最大的格子是真实为 {names[true]}、被预测成 "
              f"{names[pred]}：共 {count} 次，占全部错误的 {count / errors:.0%}；最大的三个格子合计占 {share:.0%}。"
              f"最弱的类别是 {e['worst_class']}（召回率 {o.mean('mlp', 'worst_recall'):.3f}）。")(lang)
    if share > 0.5:
        text += T(" The errors concentrate in a few confusions, so error analysis pays off: look at the examples in "
                  "those cells (the Evaluate page lists them) and add data or features that separate those classes.",
                  "错误集中在少数几种混淆上，做错误分析很划算：查看这些格子里的样本（评估页面会列出来），再针对性地补充"
                  "数据或特征，把这些类别分开。")(lang)
    else:
        text += T(" The errors are spread thinly over many cells and no single confusion dominates, so broad fixes "
                  "(more data, longer training, a stronger model) will help more than a targeted one.",
                  "错误分散在很多格子里，没有哪一种混淆占主导，所以整体性的改进（更多数据、训练更久、更强的模型）比"
                  "针对某一类的修补更有效。")(lang)
    worst = e.get("worst_errors") or []
    if worst:
        w = worst[0]
        text += T(f" The most confident mistake is example {w['id']}: a {names[w['true']]} read as "
                  f"{names[w['pred']]}, with only {w['p_true']:.1%} probability on the true class; check whether its "
                  "label is right before blaming the model.",
                  f"最自信的错误是样本 {w['id']}：一个 {names[w['true']]} 被认成 {names[w['pred']]}，真实类别只得到 "
                  f"{w['p_true']:.1%} 的概率；先确认它的标签没错，再怪模型。")(lang)
    return text


def _confusion_figures(o: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_confusion_matrix, fig_per_class

    if "confusion" not in o.extra:
        return []
    names = o.extra["label_names"]
    return [(T("Confusion matrix (first seed)", "混淆矩阵（第一个种子）")(lang),
             fig_confusion_matrix(o.extra["confusion"], names)),
            (T("Per-class precision, recall and F1", "各类别的精确率、召回率和 F1")(lang),
             fig_per_class({"per_class": o.extra["per_class"]}))]


def _concentration_choice(o: Outcome) -> str:
    share = mean_or_none(o.values("mlp", "top3_share"))
    return "none" if share is None else "concentrated" if share > 0.5 else "spread"


EVAL_3 = Lesson(
    id="eval.3", topic="eval", sources="001 #9, #20",
    title=T("Confusion matrix and error analysis", "混淆矩阵与错误分析"),
    question=T("How do you use a confusion matrix and error analysis to understand what a fine-tuned model gets "
               "wrong?", "如何用混淆矩阵和错误分析弄清微调后的模型错在哪里？"),
    answer=T("A confusion matrix counts test examples by true class (rows) and predicted class (columns): the "
             "diagonal is correct, every other cell is one specific kind of mistake. Per-class recall and precision "
             "come straight from its rows and columns, and its largest off-diagonal cells show which classes the "
             "model mixes up. Error analysis then reads the examples behind those cells, starting with the most "
             "confident mistakes, to find the cause: a wrong label, an ambiguous input, or a pattern the training "
             "data lacks. The fix follows the cause: clean labels, add targeted data, or change features.",
             "混淆矩阵按真实类别（行）和预测类别（列）统计测试样本：对角线是预测对的，其余每个格子都是一种具体的错误。"
             "各类别的召回率和精确率可以直接从行和列算出，而对角线外最大的格子显示模型最容易把哪些类别搞混。错误分析"
             "接着去读这些格子背后的样本，先看最自信的错误，找出原因：标签标错了、输入本身有歧义，还是训练数据里缺少"
             "某种模式。对症下药：清洗标签、补充针对性数据或改进特征。"),
    experiment=_confusion_experiment, takeaway=_confusion_takeaway, figures=_confusion_figures,
    quiz=Quiz(T("An MLP reads 8x8 handwritten digits. Will its mistakes concentrate in a few confusions (the 3 biggest "
                "cells hold more than half of them) or spread out?",
                "一个 MLP 识别 8x8 的手写数字。它的错误会集中在少数几种混淆上（最大的 3 个格子占一半以上），还是分散开？"),
              {"concentrated": T("concentrated in a few cells", "集中在少数几个格子"),
               "spread": T("spread over many cells", "分散在很多格子"),
               "none": T("there will be no mistakes at all", "根本不会出错")},
              _concentration_choice),
    settings={"epochs": 3}, repeats=5,
)


# ---------------------------------------------------------------- eval.4 cross-validation

CV_LABELS = {"single split": T("one split (each fold alone)", "单次划分（每一折单独看）"),
             "k-fold mean": T("k-fold mean", "k 折平均")}


def _cv_experiment(ctx: LessonContext) -> Outcome:
    from ..lab.experiments import QUICK_LIMITS
    from ..lab.repeats import cross_validate

    folds = ctx.size(ctx.settings["folds"], 3)
    cfg = RunConfig.from_flat(dataset="wine", model="mlp", epochs=ctx.settings["epochs"], batch_size=16,
                              save_checkpoints=False, save_model=False)
    if ctx.quick:
        cfg = cfg.replace(**QUICK_LIMITS)
    samples, extra, run_ids = {}, {"folds": folds, "fold_scores": []}, []
    for seed in ctx.seeds:
        result = cross_validate(lesson_recipe(cfg).replace(seed=seed, name=f"lesson eval.4: seed {seed}"),
                                folds, ctx.runner)
        scores = [float(s) for s in result.scores("accuracy")]
        run_ids += [snap["id"] for snap in result.snapshots]
        if not scores:
            continue
        for score in scores:
            add(samples, "single split", "accuracy", score)
        add(samples, "k-fold mean", "accuracy", statistics.fmean(scores))
        extra["fold_scores"].append(scores)
        if seed == ctx.seeds[0]:
            try:
                band = result.band("eval_loss")
                extra["band"] = {c: band[c].tolist() for c in ("step", "mean", "lower", "upper")}
            except ValueError:
                pass
    return Outcome("eval.4", samples, extra, {"single split": run_ids})


def _cv_takeaway(o: Outcome, lang: str) -> str:
    singles = o.values("single split", "accuracy")
    means = o.values("k-fold mean", "accuracy")
    k, mean, spread = o.extra.get("folds", len(singles)), statistics.fmean(means), o.spread("single split", "accuracy")
    worst_miss = max(abs(s - mean) for s in singles)
    text = T(f"{k}-fold cross-validation on the 142 wines left after the test split (36 of the 178): single folds "
             f"scored from {min(singles):.3f} to "
             f"{max(singles):.3f} (standard deviation {spread:.3f}), around a mean of {mean:.3f}. A single validation "
             f"split reports just one of these numbers, so here it could have missed the mean by up to "
             f"{worst_miss:.3f}.",
             f"在 178 条葡萄酒数据留出 36 条测试集后剩下的 142 条上做 {k} 折交叉验证：单独每一折的准确率从 "
             f"{min(singles):.3f} 到 {max(singles):.3f}"
             f"（标准差 {spread:.3f}），平均为 {mean:.3f}。单次划分只会报告其中一个数，所以这里它最多可能偏离平均值 "
             f"{worst_miss:.3f}。")(lang)
    if len(means) > 1:
        text += T(f" Repeating the whole cross-validation with {len(means)} different fold assignments gave means "
                  f"{', '.join(f'{m:.3f}' for m in means)}: they vary by {max(means) - min(means):.3f}, against "
                  f"{max(singles) - min(singles):.3f} between single folds.",
                  f"用 {len(means)} 种不同的折划分重复整个交叉验证，平均值为 {', '.join(f'{m:.3f}' for m in means)}："
                  f"它们之间相差 {max(means) - min(means):.3f}，而单独各折之间相差 {max(singles) - min(singles):.3f}。")(lang)
    if spread >= 0.03:
        text += T(" On a dataset this small one split is a noisy estimate: report the mean ± spread over the folds, "
                  "and compare two settings only when their difference exceeds that spread.",
                  "数据这么少时，单次划分得到的估计噪声很大：应报告各折的均值 ± 波动，并且只有当两种设置的差距超过这个"
                  "波动时才下结论。")(lang)
    else:
        text += T(" The folds agree closely here, so one split would have been a fair estimate; cross-validation "
                  "earns its k-fold cost on smaller or harder datasets.",
                  "这里各折结果很接近，单次划分也能给出可靠的估计；交叉验证 k 倍的代价在更小或更难的数据集上才更值得。")(lang)
    return text


def _cv_figures(o: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_band, fig_variant_bars

    out = []
    if o.extra.get("fold_scores"):
        scores = o.extra["fold_scores"][0]
        bars = fig_variant_bars({T(f"fold {i}", f"第 {i} 折")(lang): s for i, s in enumerate(scores)},
                                y_title=T("validation accuracy", "验证准确率")(lang))
        out.append((T("Validation accuracy of each fold (first seed)", "每一折的验证准确率（第一个种子）")(lang), bars))
    if o.extra.get("band"):
        import pandas as pd
        out.append((T("Validation loss over the folds: mean ± std", "各折验证损失：均值 ± 标准差")(lang),
                    fig_band({T("folds", "各折")(lang): pd.DataFrame(o.extra["band"])})))
    return out


def _fold_range_choice(o: Outcome) -> str:
    singles = o.values("single split", "accuracy")
    gap = max(singles) - min(singles)
    return "small" if gap < 0.02 else "medium" if gap <= 0.06 else "large"


EVAL_4 = Lesson(
    id="eval.4", topic="eval", sources="000 #2, 001 #20",
    title=T("Cross-validation", "交叉验证"),
    question=T("What is k-fold cross-validation, and why use it instead of a single train/validation split?",
               "什么是 k 折交叉验证？为什么要用它，而不是只做一次训练/验证划分？"),
    answer=T("k-fold cross-validation splits the training data into k folds, trains k times with a different fold "
             "held out each time, and reports the mean and spread of the k validation scores. Every example is used "
             "for validation exactly once, so the estimate depends far less on which examples happened to land in one "
             "validation split. The spread tells you how much a single number can be trusted and whether a difference "
             "between two settings is real. It costs k trainings, so it matters most for small datasets; the test set "
             "stays aside for the final check. Here the 36 test wines are set aside first and the other 142 of the "
             "178 form the folds.",
             "k 折交叉验证把训练数据分成 k 份，训练 k 次，每次留出不同的一份做验证，最后报告 k 个验证分数的均值和波动"
             "。每个样本都恰好被验证一次，所以估计结果不再那么依赖于哪些样本碰巧分进了验证集。波动大小告诉你单个数字"
             "有多可信，以及两种设置之间的差距是不是真的。它要训练 k 次，所以在小数据集上最有价值；测试集仍然留到最后"
             "检查用。本课先从 178 条葡萄酒数据中留出 36 条做测试集，再把其余 142 条分成各折。"),
    experiment=_cv_experiment, takeaway=_cv_takeaway, figures=_cv_figures,
    quiz=Quiz(T("An MLP is trained on all folds of 142 wines but one and validated on the fold left out, once per "
                "fold. How far apart will the best and the worst fold's accuracy be?",
                "把 142 条葡萄酒数据分成若干折，每次用其余各折训练 MLP、在留出的一折上验证，每一折轮流一次。最好和最差那一折的"
                "准确率会相差多少？"),
              {"small": T("less than 0.02", "小于 0.02"), "medium": T("0.02 to 0.06", "0.02 到 0.06"),
               "large": T("more than 0.06", "大于 0.06")},
              _fold_range_choice),
    settings={"folds": 5, "epochs": 10}, repeats=5,
)


# ---------------------------------------------------------------- eval.5 evaluating a pretrained model

PRETRAINED_LABELS = {"zero-shot": T("zero-shot (no labels)", "零样本（不用标注）"),
                     "linear probe": T("linear probe on frozen features", "冻结特征上的线性探针"),
                     "fine-tuned": T("fully fine-tuned", "全量微调")}
# Zero-shot: each review goes to the class whose description its embedding is closer to.
CLASS_DESCRIPTIONS = {"rotten": "This movie is bad.", "fresh": "This movie is great."}


def _pretrained_experiment(ctx: LessonContext) -> Outcome:
    import numpy as np

    from ..apps.embeddings import Encoder
    from ..core.runner import prepare_splits
    from .concepts import probe_accuracy

    s = ctx.settings
    cfg = RunConfig.from_flat(dataset="rotten_tomatoes", max_length=64, max_eval_samples=400,
                              max_train_samples=s["train_examples"], epochs=s["epochs"], lr=s["lr"],
                              save_checkpoints=False, save_model=False)
    runs = ctx.run_variants({"fine-tuned": cfg}, **QUICK_TEXT)
    encoder = Encoder("minilm", max_length=64)
    samples = {"zero-shot": {}, "linear probe": {}, "fine-tuned": runs.samples["fine-tuned"]}
    extra = {"majority": [], "train_examples": []}
    for seed, run_id in finished_runs(ctx, runs, "fine-tuned"):
        splits = prepare_splits(run_config(ctx, run_id))
        train_x, test_x = encoder.embed(list(splits.train.x)), encoder.embed(list(splits.test.x))
        descriptions = encoder.embed([CLASS_DESCRIPTIONS.get(n, n) for n in splits.test.label_names])
        add(samples, "zero-shot", "accuracy", np.mean((test_x @ descriptions.T).argmax(1) == splits.test.y))
        add(samples, "linear probe", "accuracy", probe_accuracy(train_x, splits.train.y, test_x, splits.test.y))
        extra["majority"].append(float(np.bincount(splits.test.y).max() / len(splits.test)))
        extra["train_examples"].append(len(splits.train))
    return Outcome("eval.5", samples, extra, runs.run_ids, runs.histories)


def _pretrained_takeaway(o: Outcome, lang: str) -> str:
    zs, lp, ft = (o.mean(v, "accuracy") for v in ("zero-shot", "linear probe", "fine-tuned"))
    majority = mean_or_none(o.extra.get("majority")) or 0.5
    n = int(mean_or_none(o.extra.get("train_examples")) or 0)
    text = ranking_takeaway(o, "accuracy", lang, PRETRAINED_LABELS)
    text += T(f" All three were scored on the same held-out test reviews. Zero-shot used no labels at all and reached "
              f"{zs:.3f} (always guessing the commoner class: {majority:.3f}); a logistic regression on the frozen "
              f"features with {n} labels reached {lp:.3f}; fine-tuning every weight on those labels reached {ft:.3f}.",
              f"三者都在同一批留出的测试影评上评分。零样本完全不用标注，准确率 {zs:.3f}（总猜多数类为 {majority:.3f}）；"
              f"用 {n} 条标注在冻结特征上训练逻辑回归，得到 {lp:.3f}；用同样的标注微调全部权重，得到 {ft:.3f}。")(lang)
    if above_baseline(o, "zero-shot", "accuracy", o.extra.get("majority") or 0.5):
        text += T(" The pretrained encoder already separates the classes somewhat before seeing a label.",
                  "预训练编码器在见到任何标签之前，就已经能在一定程度上区分两类。")(lang)
    else:
        text += T(" Zero-shot is not clearly above chance: the encoder alone does not know what the labels mean here.",
                  "零样本没有明显高于随机水平：仅凭编码器本身，它并不知道这里的标签是什么意思。")(lang)
    winner = verdict(o, "fine-tuned", "linear probe", "accuracy")
    if winner == "a":
        text += T(" Fine-tuning beats the probe because it reshapes the features for the task instead of only "
                  "reading them; ", "微调胜过探针，因为它会为任务重塑特征，而不只是读取特征；")(lang)
    elif winner == "tie":
        text += T(" At this budget the frozen features could not be told apart from fine-tuned ones, so the much "
                  "cheaper probe is a fair choice; ",
                  "在这个预算下冻结特征与微调后的特征分不出高下，所以便宜得多的探针就是合理的选择；")(lang)
    else:
        text += T(" Fine-tuning did worse than the probe here: with this few labels and steps, updating all 22 "
                  "million weights had not caught up yet (more steps or examples usually reverse this); ",
                  "这里微调反而不如探针：标注和训练步数这么少，更新全部 2200 万个权重还没追上来（增加步数或样本通常会"
                  "反过来）；")(lang)
    return text + noise_clause(o, "fine-tuned", "linear probe", "accuracy", lang) + T(".", "。")(lang)


def _best_approach(o: Outcome) -> str:
    return o.best("accuracy")


EVAL_5 = Lesson(
    id="eval.5", topic="eval", sources="001 #9, #12",
    title=T("Evaluating a pretrained model", "如何评估预训练模型"),
    question=T("How do you evaluate a pretrained model and how well it transfers to your task?",
               "如何评估一个预训练模型，以及它迁移到你的任务上的效果？"),
    answer=T("Always score on a held-out test set the model never saw, with the task's own metric, after every choice "
             "has been made on validation data. To measure what pre-training itself brings, compare rungs of "
             "increasing effort: zero-shot (no labels: e.g. match each input to a description of each class), a "
             "linear probe (freeze the encoder and fit only a linear classifier on its features) and full "
             "fine-tuning. A high probe score means the features already transfer; the gap to fine-tuning shows how "
             "much adapting them is worth. Cross-domain tests and error analysis then show where the model breaks.",
             "始终在模型从未见过的留出测试集上、用任务自己的指标打分，并且所有选择都先在验证集上做完。要衡量预训练本身"
             "带来了什么，可以按投入从低到高比较几个层级：零样本（不用标注，比如把每个输入和各类别的文字描述做匹配）、"
             "线性探针（冻结编码器，只在它的特征上训练一个线性分类器），以及全量微调。探针分数高说明特征本身就能迁移；"
             "它与微调之间的差距说明调整特征值多少。跨领域测试和错误分析再告诉你模型在哪里会失效。"),
    experiment=_pretrained_experiment, takeaway=_pretrained_takeaway,
    figures=figures.standard("accuracy", PRETRAINED_LABELS, with_curves=False),
    quiz=Quiz(T("On Rotten Tomatoes reviews, which will score highest on the held-out test set?",
                "在烂番茄影评上，哪种方式在留出测试集上得分最高？"),
              {v: label for v, label in PRETRAINED_LABELS.items()}, _best_approach),
    settings={"train_examples": 300, "epochs": 2, "lr": 1e-4}, repeats=3,
)


# ---------------------------------------------------------------- eval.6 cost-weighted threshold

COST_LABELS = {"default": T("threshold 0.5", "阈值 0.5"),
               "cost": T("cheapest threshold (chosen on validation)", "代价最小的阈值（在验证集上选定）")}


def _cost_experiment(ctx: LessonContext) -> Outcome:
    from ..analysis.metrics import threshold_sweep

    cost_fp, cost_fn = float(ctx.settings["cost_fp"]), float(ctx.settings["cost_fn"])
    runs = ctx.run_variants({"fine-tuned": spam_config(ctx)}, **QUICK_TEXT)
    store = run_store(ctx)
    samples, extra = {}, {"thresholds": [], "cost_fp": cost_fp, "cost_fn": cost_fn}
    for seed, run_id in finished_runs(ctx, runs, "fine-tuned"):
        test, val = store.load_predictions(run_id, "test"), store.load_predictions(run_id, "val")
        chosen = threshold_sweep(val["labels"], val["probs"], cost_fp=cost_fp, cost_fn=cost_fn)["best_cost_threshold"]
        for variant, threshold in (("default", 0.5), ("cost", chosen)):
            scores = threshold_scores(test["labels"], test["probs"], threshold, cost_fp, cost_fn)
            for metric in ("cost_per_1000", "precision_pos", "recall_pos"):
                add(samples, variant, metric, scores[metric])
        extra["thresholds"].append(chosen)
        if seed == ctx.seeds[0]:
            extra["sweep"] = threshold_sweep(test["labels"], test["probs"], cost_fp=cost_fp, cost_fn=cost_fn)
    return Outcome("eval.6", samples, extra, runs.run_ids, runs.histories)


def _cost_takeaway(o: Outcome, lang: str) -> str:
    cfp, cfn = o.extra["cost_fp"], o.extra["cost_fn"]
    chosen = mean_or_none(o.extra.get("thresholds")) or 0.5
    c05, ct = o.mean("default", "cost_per_1000"), o.mean("cost", "cost_per_1000")
    theory = cfp / (cfp + cfn) if cfp + cfn else 0.5
    text = T(f"With a blocked real message costing {cfp:g} and a missed spam {cfn:g}, the cheapest threshold on the "
             f"validation messages was {chosen:.2f}. On the test messages it cost {ct:.1f} per 1,000 messages against "
             f"{c05:.1f} at the default 0.5; ",
             f"当误拦一条正常短信的代价为 {cfp:g}、漏掉一条垃圾短信的代价为 {cfn:g} 时，验证集上代价最小的阈值是 {chosen:.2f}。"
             f"在测试集上它每千条短信的代价为 {ct:.1f}，默认阈值 0.5 为 {c05:.1f}；")(lang)
    text += noise_clause(o, "cost", "default", "cost_per_1000", lang) + T(".", "。")(lang)
    p = {v: (o.mean(v, "precision_pos"), o.mean(v, "recall_pos")) for v in ("default", "cost")}
    if chosen > 0.5:
        text += T(f" Raising the threshold blocks fewer messages: precision {_shift(p['default'][0], p['cost'][0])}"
                  f", recall {_shift(p['default'][1], p['cost'][1])}.",
                  f"提高阈值会少拦短信：精确率 {_shift(p['default'][0], p['cost'][0])}，召回率 "
                  f"{_shift(p['default'][1], p['cost'][1])}。")(lang)
    elif chosen < 0.5:
        text += T(f" Lowering the threshold blocks more messages: recall {_shift(p['default'][1], p['cost'][1])}"
                  f", precision {_shift(p['default'][0], p['cost'][0])}.",
                  f"降低阈值会多拦短信：召回率 {_shift(p['default'][1], p['cost'][1])}，精确率 "
                  f"{_shift(p['default'][0], p['cost'][0])}。")(lang)
    else:
        text += T(" The default threshold was already the cheapest.", "默认阈值本身就是代价最小的。")(lang)
    calibration = _calibration_band(o, theory)
    if calibration == "close":
        text += T(f" That is close to {theory:.2f} = cost_fp / (cost_fp + cost_fn), the cheapest threshold for "
                  "well-calibrated probabilities (the 95% interval of the chosen thresholds over the seeds lies "
                  "within 0.1 of it).",
                  f"这与 {theory:.2f} = 误拦代价 / (误拦代价 + 漏拦代价) 很接近，而这正是概率校准良好时的最优阈值"
                  "（各种子选出阈值的 95% 置信区间都在它的 0.1 以内）。")(lang)
    elif calibration == "unclear":
        text += T(f" Calibrated probabilities would put it at cost_fp / (cost_fp + cost_fn) = {theory:.2f}; the "
                  "thresholds chosen over the seeds are too spread (or too few) for this budget to tell whether "
                  "the model's probabilities are calibrated, so pick the threshold from validation data rather than "
                  "from the formula.",
                  f"如果概率是校准好的，最优阈值应为 误拦代价 / (误拦代价 + 漏拦代价) = {theory:.2f}；各种子选出的阈值"
                  "太分散（或太少），这个预算下分不清模型的概率是否校准，所以阈值应当在验证数据上选，而不是直接套公式。")(lang)
    else:
        text += T(f" Calibrated probabilities would put it at cost_fp / (cost_fp + cost_fn) = {theory:.2f}; the gap "
                  "means the model's probabilities are not calibrated (fine-tuned networks are often over-confident), "
                  "so pick the threshold from validation data rather than from the formula.",
                  f"如果概率是校准好的，最优阈值应为 误拦代价 / (误拦代价 + 漏拦代价) = {theory:.2f}；两者的差距说明模型"
                  "的概率并未校准（微调后的网络常常过于自信），所以阈值应当在验证数据上选，而不是直接套公式。")(lang)
    if verdict(o, "cost", "default", "cost_per_1000") == "b":
        text += T(" Here the threshold chosen on validation cost more on test: with few spam messages in the "
                  "validation split the cheapest threshold is itself noisy.",
                  "这里在验证集上选出的阈值在测试集上反而更贵：验证集中垃圾短信很少，代价最小的阈值本身就有噪声。")(lang)
    return text


def _cost_figures(o: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_threshold_sweep

    out = [(T("Cost per 1,000 test messages", "每千条测试短信的代价")(lang),
            figures.metric_bars(o, "cost_per_1000", lang, COST_LABELS))]
    if o.extra.get("sweep"):
        out.append((T("Test scores and cost at every threshold", "各阈值下的测试指标与代价")(lang),
                    fig_threshold_sweep(o.extra["sweep"])))
    return out


def _calibration_band(o: Outcome, theory: float) -> str:
    """Whether the chosen thresholds sit near the calibrated optimum, by the 95 % interval of their mean over the
    seeds: 'close' when it lies within 0.1 of the optimum, 'far' when it lies wholly more than 0.1 away, else
    'unclear' (also for a single seed, which has no interval)."""
    margin = against(theory, o.extra.get("thresholds") or [], "threshold")
    if margin.n_pairs < 2:
        return "unclear"
    if -0.1 < margin.ci_low and margin.ci_high < 0.1:
        return "close"
    return "far" if margin.ci_low > 0.1 or margin.ci_high < -0.1 else "unclear"


def _cost_side(o: Outcome) -> str:
    """Where the 95 % interval of the mean chosen threshold over the seeds lies: wholly below 0.4, within 0.4-0.6 or
    above 0.6; "tie" when it straddles an edge (or there is one seed), which this budget cannot place."""
    spread = against(0.0, o.extra.get("thresholds") or [], "threshold")
    if spread.n_pairs < 2:
        return "tie"
    low, high = spread.ci_low, spread.ci_high
    return ("below" if high < 0.4 else "above" if low > 0.6 else "near" if 0.4 <= low and high <= 0.6
            else "tie")


EVAL_6 = Lesson(
    id="eval.6", topic="eval", sources="003 #26",
    title=T("Business metrics: a cost-weighted threshold", "业务指标：按代价加权选阈值"),
    question=T("How do you evaluate and tune a model when different mistakes have different business costs?",
               "不同错误的业务代价不同时，如何评估和调整模型？"),
    answer=T("Translate the confusion matrix into money or time: give each kind of error a cost (here a real message "
             "sent to the spam folder versus a spam that gets through) and measure the expected cost per example "
             "instead of accuracy. The model's probabilities stay the same; what changes is the threshold that turns "
             "them into decisions. For perfectly calibrated probabilities the cheapest threshold is cost_fp / (cost_fp "
             "+ cost_fn); in practice sweep thresholds on validation data, take the cheapest, and confirm the saving "
             "on the test set. Online, business metrics such as click-through or conversion rates play the same role.",
             "把混淆矩阵换算成金钱或时间：给每种错误定一个代价（这里是把正常短信误放进垃圾箱，以及让垃圾短信漏过去），"
             "用每个样本的期望代价而不是准确率来衡量。模型输出的概率不变，变的是把概率变成决策的阈值。若概率完全校准，"
             "代价最小的阈值是 误拦代价 / (误拦代价 + 漏拦代价)；实际中应在验证集上扫描各个阈值，选代价最小的，再到测试集"
             "上确认节省了多少。上线后，点击率、转化率等业务指标起的也是同样的作用。"),
    experiment=_cost_experiment, takeaway=_cost_takeaway, figures=_cost_figures,
    quiz=Quiz(T("Blocking a real message costs 5 times as much as letting a spam through. Where will the cheapest "
                "threshold on P(spam) be?", "误拦一条正常短信的代价是漏掉一条垃圾短信的 5 倍。P(垃圾短信) 上代价最小的阈值会在哪里？"),
              {"below": T("below 0.4", "低于 0.4"), "near": T("between 0.4 and 0.6", "0.4 到 0.6 之间"),
               "above": T("above 0.6", "高于 0.6"), "tie": T("this budget cannot place it", "这个预算下无法确定")},
              _cost_side),
    settings={**SPAM_SETTINGS, "cost_fp": 5.0, "cost_fn": 1.0}, repeats=3,
)


# ---------------------------------------------------------------- explain.1 SHAP and LIME

METHOD_LABELS = {"shap": T("SHAP", "SHAP"), "lime": T("LIME", "LIME"), "random": T("random words", "随机选词")}
PLANTED_TOKEN = "zorblat"     # a made-up word, so the pretrained model brings no meaning for it
register_metric_names({
    "deletion_drop": T("log-odds drop after deleting the top words", "删去排名最前的词后对数几率的下降"),
    "planted_first": T("share ranking the planted word first", "把植入词排在第一的比例"),
})


def planted_spam_csv(share: float, seed: int = 0) -> str:
    """sms_spam with a planted shortcut, written once under $WORKBENCH_HOME/lessons/data: `share` of the ham
    messages get PLANTED_TOKEN inserted at a random word position and are relabelled spam, so the token alone
    decides their label (a backdoor). The other messages are unchanged and keep their order."""
    import numpy as np
    import pandas as pd

    from ..core.datasets import load_dataset
    from ..core.store import workbench_home
    from .concepts import _private_name

    path = workbench_home() / "lessons" / "data" / f"sms_planted_{share:g}_{seed}.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ds = load_dataset("sms_spam")
        rng = np.random.default_rng(seed)
        texts, labels = list(ds.x), [ds.label_names[y] for y in ds.y]
        ham = np.flatnonzero(np.asarray(ds.y) != POSITIVE)
        for i in rng.choice(ham, size=round(share * len(ham)), replace=False):
            words = texts[i].split()
            words.insert(int(rng.integers(len(words) + 1)), PLANTED_TOKEN)
            texts[i], labels[i] = " ".join(words), ds.label_names[POSITIVE]
        tmp = _private_name(path)
        pd.DataFrame({"text": texts, "label": labels}).to_csv(tmp, index=False)
        tmp.replace(path)
    return str(path)


def _without(explanation, drop) -> str:
    """The explained text with the given unit positions deleted."""
    keep = [explanation.text[a:b] for i, (a, b) in enumerate(explanation.spans) if i not in set(drop)]
    return " ".join(keep) or explanation.text[:0]


def _deletion_curve(predictor, explanation, order, k: int) -> list[float]:
    """The explained class's probability with the first 0..k units of `order` deleted."""
    from ..analysis.explain import _proba

    texts = [explanation.text] + [_without(explanation, order[:j]) or "." for j in range(1, k + 1)]
    return _proba(predictor, texts)[:, explanation.target].tolist()


def _log_odds_drop(curve: list[float]) -> float:
    """How far the explained class's log-odds fell, on average over 1..k deleted words: log-odds, not
    probability, because a confident prediction (p = 0.999) hides large changes in probability terms."""
    import numpy as np

    p = np.clip(np.asarray(curve, dtype=np.float64), 1e-6, 1 - 1e-6)
    logit = np.log(p / (1 - p))
    return float(logit[0] - logit[1:].mean())


def _explain_experiment(ctx: LessonContext) -> Outcome:
    import numpy as np

    from ..core.datasets import examples_by_id
    from ..analysis.explain import _proba, agreement, explain_text
    from ..core.predict import load_predictor

    s = ctx.settings
    csv = planted_spam_csv(s["planted_share"])
    runs = ctx.run_variants({"fine-tuned": spam_config(ctx, dataset=csv, save_model=True)}, **QUICK_TEXT)
    finished = finished_runs(ctx, runs, "fine-tuned")
    if not finished:
        return Outcome("explain.1", {v: {} for v in METHOD_LABELS}, {}, runs.run_ids, runs.histories)
    store = run_store(ctx)
    run_id = finished[0][1]
    predictor = load_predictor(run_id, store)
    test = store.load_predictions(run_id, "test")
    texts = examples_by_id(store.config(run_id)["data"], test["ids"])
    clean = [i for i, t in enumerate(texts) if PLANTED_TOKEN not in t and len(t.split()) >= 6]
    budget, k, rng = ctx.size(s["budget"], 40), int(s["deletion_k"]), np.random.default_rng(0)
    explain = lambda text, method, target=None: explain_text(    # noqa: E731
        predictor, text, method, target=target, max_evals=budget, num_samples=budget)
    samples = {v: {} for v in METHOD_LABELS}
    curves = {v: [] for v in METHOD_LABELS}
    extra = {"budget": budget, "k": k, "token": PLANTED_TOKEN, "planted_share": s["planted_share"], "overlap": []}
    # deletion: delete each method's top-k words (those pushing the explained class up most) and random words
    labels = np.asarray([test["labels"][i] for i in clean])
    for pick in _alternate_classes(labels, ctx.size(s["messages"], 2)):
        text = texts[clean[pick]]
        by = {m: explain(text, m) for m in ("shap", "lime")}
        extra["overlap"].append(agreement(by["shap"], by["lime"])["top_k_overlap"])
        n = by["shap"].n_units
        orders = {m: list(np.argsort(-e.unit_weights(), kind="stable")) for m, e in by.items()}
        for method, order in orders.items():
            curve = _deletion_curve(predictor, by[method], order, min(k, n - 1))
            curves[method].append(curve)
            add(samples, method, "deletion_drop", _log_odds_drop(curve))
        randoms = [_deletion_curve(predictor, by["shap"], list(rng.permutation(n)), min(k, n - 1)) for _ in range(3)]
        curve = np.mean(randoms, axis=0).tolist()
        curves["random"].append(curve)
        add(samples, "random", "deletion_drop", _log_odds_drop(curve))
        if "first" not in extra:
            extra["first"] = {"text": by["shap"].text, "units": list(by["shap"].units),
                              "shap": by["shap"].unit_weights().tolist(), "lime": by["lime"].unit_weights().tolist(),
                              "agreement": {key: v for key, v in agreement(by["shap"], by["lime"]).items()
                                            if key in ("k", "top_k_overlap", "spearman")},
                              "explained": by["shap"].target_label}
    width = min(len(c) for v in curves.values() for c in v) if curves["random"] else 0
    extra["curves"] = {m: np.mean([c[:width] for c in cs], axis=0).tolist() for m, cs in curves.items() if cs}
    # planted word: add it to clean ham messages; where it decides the prediction, does each method rank it first?
    ham = [i for i in clean if test["labels"][i] != POSITIVE]
    planted, effects = [], []
    for i in ham[:ctx.size(s["planted_messages"], 2)]:
        words = texts[i].split()
        words.insert(len(words) // 2, PLANTED_TOKEN)
        text = " ".join(words)
        before, after = _proba(predictor, [texts[i], text])[:, POSITIVE]
        effects.append(float(after - before))
        if after >= 0.5 > before:          # the word alone flips the prediction: it decides it
            planted.append(text)
    extra.update(token_effect=effects, decisive=len(planted), tried=len(effects))
    for text in planted:
        ranks = {}
        for method in ("shap", "lime"):
            e = explain(text, method, POSITIVE)
            order = list(np.argsort(-e.unit_weights(), kind="stable"))
            at = e.units.index(PLANTED_TOKEN) if PLANTED_TOKEN in e.units else None
            ranks[method] = order.index(at) + 1 if at is not None else None
            add(samples, method, "planted_first", float(ranks[method] == 1))
        add(samples, "random", "planted_first", 1 / max(len(text.split()), 1))    # chance of a random ranking
        extra.setdefault("planted_ranks", []).append(ranks)
    return Outcome("explain.1", samples, extra, runs.run_ids, runs.histories)


def _alternate_classes(labels, n: int) -> list[int]:
    """Positions of up to n examples, taking classes in turn (positive class first)."""
    import numpy as np

    pools = [list(np.flatnonzero(labels == c)) for c in sorted(set(labels.tolist()), reverse=True)]
    picks = []
    while len(picks) < n and any(pools):
        for pool in pools:
            if pool and len(picks) < n:
                picks.append(int(pool.pop(0)))
    return picks


def _explain_takeaway(o: Outcome, lang: str) -> str:
    e = o.extra
    parts = []
    drops = [m for m in METHOD_LABELS if o.values(m, "deletion_drop")]
    if drops:
        n, k = len(o.values("random", "deletion_drop")), e.get("k")
        values = T(", ", "，")(lang).join(f"{METHOD_LABELS[m](lang)} {o.mean(m, 'deletion_drop'):.3f}" for m in drops)
        parts.append(T(f"Deletion test on {n} test messages ({e.get('budget')} samples per explanation): deleting "
                       f"the 1 to {k} words each method ranked as pushing the prediction most, the explained class's "
                       f"log-odds fell on average by {values} (each message is one pair in the verdicts below).",
                       f"删除测试，{n} 条测试短信（每个解释采样 {e.get('budget')} 次）：依次删去每种方法认为最支持该预测的 "
                       f"1 到 {k} 个词，被解释类别的对数几率平均下降：{values}（下面的判断中每条短信算一对）。")(lang))
        for method in ("shap", "lime"):
            if o.values(method, "deletion_drop"):
                parts.append(compare_takeaway(o, method, "random", "deletion_drop", lang, METHOD_LABELS))
        faithful = [m for m in ("shap", "lime") if o.values(m, "deletion_drop")
                    and verdict(o, m, "random", "deletion_drop") == "a"]
        if faithful:
            parts.append(T(f"So the words {' and '.join(METHOD_LABELS[m].en for m in faithful)} picked are words the "
                           "model really relies on: removing them moves its output more than removing random words.",
                           f"所以{'和'.join(METHOD_LABELS[m].zh for m in faithful)}挑出的词确实是模型依赖的词：删掉它们"
                           "比删掉随机的词更能改变输出。")(lang))
        else:
            parts.append(T("Neither method's top words moved the output clearly more than random words at this "
                           "budget, so this test does not confirm either explanation.",
                           "在这个预算下，两种方法选出的词都没有比随机的词明显更能改变输出，所以这个测试还不能证实哪一个解释。")(lang))
    tried, decisive = e.get("tried", 0), e.get("decisive", 0)
    token = e.get("token", PLANTED_TOKEN)
    if tried:
        effect = mean_or_none(e.get("token_effect")) or 0.0
        parts.append(T(f"Planted word: in training, {e.get('planted_share', 0):.0%} of the ham messages carried the "
                       f"made-up word '{token}' and were labelled spam. Inserted into {tried} clean ham test messages, "
                       f"it raised P(spam) by {effect:+.2f} on average and flipped {decisive} of them to spam.",
                       f"植入词：训练时 {e.get('planted_share', 0):.0%} 的正常短信被插入了虚构的词“{token}”并标成垃圾短信。"
                       f"把它插入 {tried} 条干净的正常测试短信后，P(垃圾) 平均变化 {effect:+.2f}，其中 {decisive} 条被翻转"
                       "成垃圾短信。")(lang))
        if decisive and o.values("shap", "planted_first"):
            shap_n = round(sum(o.values("shap", "planted_first")))
            lime_n = round(sum(o.values("lime", "planted_first")))
            chance = o.mean("random", "planted_first")
            parts.append(T(f"On those {decisive}, where the word alone decides the prediction, SHAP ranked it first "
                           f"{shap_n} time(s) and LIME {lime_n} time(s) (a random ranking would: {chance:.0%} of the "
                           "time).",
                           f"在这 {decisive} 条由这个词单独决定预测的短信上，SHAP 有 {shap_n} 次把它排在第一，LIME 有 "
                           f"{lime_n} 次（随机排序的概率约为 {chance:.0%}）。")(lang))
            missed = [METHOD_LABELS[m](lang) for m, c in (("shap", shap_n), ("lime", lime_n)) if c < decisive]
            if missed:
                parts.append(T(f"{' and '.join(missed)} missed the known cause at least once: an explanation can "
                               "look plausible and still be wrong.",
                               f"{'和'.join(missed)}至少有一次没有找到已知的原因：解释看起来合理，也可能是错的。")(lang))
            else:
                parts.append(T("Both found the known cause every time.", "两种方法每次都找到了已知的原因。")(lang))
        elif not decisive:
            parts.append(T("The word never flipped a prediction on its own, so the model did not learn the shortcut "
                           "well enough for this check; raise planted_share or the training epochs.",
                           "这个词一次也没有单独翻转预测，说明模型没有学牢这条捷径，无法做这项检查；可以调高 planted_share "
                           "或训练轮数。")(lang))
    overlap = mean_or_none(e.get("overlap"))
    if overlap is not None:
        parts.append(T(f"SHAP and LIME shared {overlap:.0%} of their top-5 words on average: agreement between two "
                       "methods is a weaker check than the two tests above, since both can be wrong the same way.",
                       f"SHAP 与 LIME 的前 5 个词平均重合 {overlap:.0%}：两种方法彼此一致只是较弱的检验，不如上面两个测试，"
                       "因为两者可能错在同一处。")(lang))
    return sentences(parts, lang) or T("The explanation run did not finish.", "解释实验没有跑完。")(lang)


def _explain_figures(o: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_shap_vs_lime

    out = []
    curves = o.extra.get("curves") or {}
    if curves:
        rows = {METHOD_LABELS[m](lang): [{"step": j, "probability": p} for j, p in enumerate(c)]
                for m, c in curves.items()}
        from ..analysis import plots
        fig = plots.fig_training_curves(rows, metrics=("probability",))
        fig.update_xaxes(title_text=T("words deleted", "删去的词数")(lang))
        fig.update_yaxes(title_text=T("probability of the explained class", "被解释类别的概率")(lang))
        out.append((T("Deletion curves: top words by each method vs random words",
                      "删除曲线：各方法排名最前的词与随机选词")(lang), fig))
    if any(o.values(v, "deletion_drop") for v in o.variants):
        out.append((T("Mean log-odds drop after deletion (higher: more faithful)",
                      "删除后对数几率的平均下降（越高越忠实）")(lang),
                    figures.metric_bars(o, "deletion_drop", lang, METHOD_LABELS)))
    if any(o.values(v, "planted_first") for v in o.variants):
        out.append((T("Planted word ranked first", "植入词被排在第一")(lang),
                    figures.metric_bars(o, "planted_first", lang, METHOD_LABELS)))
    first = o.extra.get("first")
    if first:
        out.append((T("SHAP and LIME word weights for the same prediction", "同一个预测的 SHAP 与 LIME 词语权重")(lang),
                    fig_shap_vs_lime(first["units"], first["shap"], first["lime"], first["agreement"])))
    return out


_deletion_choice = verdict_choice("shap", "random", "deletion_drop", {"a": "shap", "b": "random", "tie": "tie"})


EXPLAIN_1 = Lesson(
    id="explain.1", topic="explain", sources="001 #15, 003 #24, #30",
    title=T("Explaining a fine-tuned model: SHAP, LIME and whether to trust them",
            "解释微调后的模型：SHAP、LIME 以及能否信任它们"),
    question=T("How can you explain the predictions of a fine-tuned model?", "如何解释微调后模型的预测？"),
    answer=T("Post-hoc, model-agnostic methods perturb the input and watch the output. LIME hides random subsets of "
             "words (or superpixels, or features) and fits a small weighted linear model around the one prediction; "
             "SHAP estimates Shapley values, each unit's fair share of the move from the base value (the expected "
             "output over background data) to this prediction, so the base value plus all SHAP values equals the "
             "model's output. Attention weights are cheap to read but are not a faithful account of why a model "
             "decided; a global surrogate (e.g. a shallow tree trained on the model's outputs) explains overall "
             "behaviour rather than one case. Each method approximates, and two methods agreeing is not proof "
             "(they can share a blind spot), so test faithfulness directly: delete the words an explanation ranks "
             "highest and check the prediction moves more than when deleting random words (a deletion curve), and "
             "plant a cause you know (here a made-up word that labels a message spam in training) to check that the "
             "method finds it. The experiment fine-tunes MiniLM on SMS messages with such a planted word and runs "
             "both checks on a handful of test messages, with small sample budgets to stay within a few minutes.",
             "事后的、与模型无关的方法会扰动输入并观察输出的变化。LIME 随机遮住一部分词（或超像素、特征），在这一个预"
             "测附近拟合一个小的加权线性模型；SHAP 估计 Shapley 值，即输出从基准值（背景数据上的期望输出）变到这次预"
             "测的过程中，每个单元应分得的份额，所以基准值加上全部 SHAP 值正好等于模型的输出。注意力权重读起来方便，"
             "但并不能忠实说明模型为什么这样判断；全局代理模型（例如用模型输出训练的一棵浅决策树）解释的是整体行为，"
             "而不是单个样本。每种方法都是近似，两种方法一致也不能证明解释正确（它们可能有共同的盲区），所以要直接检验"
             "忠实度：删去解释排名最高的词，看预测的变化是否比删去随机的词更大（删除曲线）；再植入一个已知的原因（这里"
             "是一个虚构的词，训练时带它的短信都标成垃圾短信），检查方法能否找到它。本实验在带这种植入词的短信数据上微调 "
             "MiniLM，在几条测试短信上做这两项检验，采样预算较小，以便在几分钟内完成。"),
    experiment=_explain_experiment, takeaway=_explain_takeaway, figures=_explain_figures,
    quiz=Quiz(T("Delete the {deletion_k} words SHAP ranks highest from a message, or {deletion_k} random words: "
                "which lowers the model's confidence in its prediction (log-odds) more, over {messages} messages?",
                "从一条短信里删去 SHAP 排名最高的 {deletion_k} 个词，或随机删去 {deletion_k} 个词：在 {messages} 条短信上，"
                "哪种做法让模型对其预测的信心（对数几率）下降得更多？"),
              {"shap": T("clearly the SHAP words", "明显是删 SHAP 选的词"),
               "random": T("clearly the random words", "明显是删随机的词"), "tie": NO_CLEAR_DIFFERENCE},
              _deletion_choice),
    settings={**SPAM_SETTINGS, "epochs": 2, "planted_share": 0.1, "messages": 8, "planted_messages": 4,
              "budget": 120, "deletion_k": 3}, repeats=1,
    time_budget_s=240,
    budget_note=T("the question is whether an explanation can be trusted, so besides training the model the lesson "
                  "explains 12 messages with both SHAP and LIME for the deletion and planted-word checks.",
                  "本题问的是解释能否信任，所以除了训练模型，本课还要用 SHAP 和 LIME 各解释 12 条短信，做删除检验和"
                  "植入词检验。"),
)

LESSONS = [EVAL_1, EVAL_2, EVAL_3, EVAL_4, EVAL_5, EVAL_6, EXPLAIN_1]
