"""Threshold lessons on a fine-tuned MiniLM spam filter, each training its own runs: ROC and PR curves, and spam F1
at 0.5 against the best-F1 threshold from validation, with a ROC-vs-PR correction demo (eval.2); cost per 1,000
messages at 0.5 against the cheapest threshold on validation (eval.6)."""
from __future__ import annotations

from .. import figures
from ..base import Correction, Lesson, LessonContext, Outcome, Quiz, T, noise_clause
from ..support import against, verdict
from .common import (POSITIVE, QUICK_TEXT, SPAM_SETTINGS, add, finished_runs, mean_of_present, run_store, shift,
                     spam_config, threshold_scores)

# ---------------------------------------------------------------- eval.2 ROC, PR and the threshold

THRESHOLD_LABELS = {"default": T("threshold 0.5", "阈值 0.5"),
                    "tuned": T("best-F1 threshold (chosen on validation)", "最佳 F1 阈值（在验证集上选定）")}


def _roc_experiment(ctx: LessonContext) -> Outcome:
    from ...analysis.metrics import pr_data, roc_data, threshold_sweep

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
    auc, ap = mean_of_present(o.extra.get("roc_auc")), mean_of_present(o.extra.get("average_precision"))
    share = mean_of_present(o.extra.get("spam_share")) or 0.0
    chosen = mean_of_present(o.extra.get("thresholds")) or 0.5
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
        text += T(f" Lowering the threshold flagged more messages: recall {shift(p['default'][1], p['tuned'][1])}"
                  f", precision {shift(p['default'][0], p['tuned'][0])}.",
                  f"降低阈值会拦下更多短信：召回率 {shift(p['default'][1], p['tuned'][1])}，"
                  f"精确率 {shift(p['default'][0], p['tuned'][0])}。")(lang)
    else:
        text += T(f" Raising the threshold flagged fewer messages: precision "
                  f"{shift(p['default'][0], p['tuned'][0])}, recall {shift(p['default'][1], p['tuned'][1])}.",
                  f"提高阈值会少拦一些短信：精确率 {shift(p['default'][0], p['tuned'][0])}，"
                  f"召回率 {shift(p['default'][1], p['tuned'][1])}。")(lang)
    if verdict(o, "tuned", "default", "f1_pos") == "b":
        text += T(" The threshold picked on validation did not carry over to the test set: with few spam messages "
                  "in the validation split, the 'best' threshold is itself a noisy estimate.",
                  "在验证集上选出的阈值没能迁移到测试集：验证集里垃圾短信很少，“最佳”阈值本身就是个有噪声的估计。")(lang)
    return text


def _roc_figures(o: Outcome, lang: str) -> list:
    from ...analysis.plots import fig_pr, fig_roc, fig_threshold_sweep

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
    chosen = mean_of_present(o.extra.get("thresholds")) or 0.5
    return "below" if chosen < 0.45 else "above" if chosen > 0.55 else "near"


def _roc_vs_pr_demo() -> dict:
    """Scores from a TF-IDF logistic regression on the SMS test split, turned into both curves."""
    import numpy as np
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from ...analysis.metrics import pr_data, roc_data
    from ...core.datasets import load_dataset, split_dataset

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


# ---------------------------------------------------------------- eval.6 cost-weighted threshold

COST_LABELS = {"default": T("threshold 0.5", "阈值 0.5"),
               "cost": T("cheapest threshold (chosen on validation)", "代价最小的阈值（在验证集上选定）")}


def _cost_experiment(ctx: LessonContext) -> Outcome:
    from ...analysis.metrics import threshold_sweep

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
    chosen = mean_of_present(o.extra.get("thresholds")) or 0.5
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
        text += T(f" Raising the threshold blocks fewer messages: precision {shift(p['default'][0], p['cost'][0])}"
                  f", recall {shift(p['default'][1], p['cost'][1])}.",
                  f"提高阈值会少拦短信：精确率 {shift(p['default'][0], p['cost'][0])}，召回率 "
                  f"{shift(p['default'][1], p['cost'][1])}。")(lang)
    elif chosen < 0.5:
        text += T(f" Lowering the threshold blocks more messages: recall {shift(p['default'][1], p['cost'][1])}"
                  f", precision {shift(p['default'][0], p['cost'][0])}.",
                  f"降低阈值会多拦短信：召回率 {shift(p['default'][1], p['cost'][1])}，精确率 "
                  f"{shift(p['default'][0], p['cost'][0])}。")(lang)
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
    from ...analysis.plots import fig_threshold_sweep

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
