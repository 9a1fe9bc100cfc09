"""Cross-validation lesson (eval.4): k-fold cross-validation of an MLP on scikit-learn's wine data: each fold's
validation accuracy (what one split would report) against the k-fold mean, and the spread over folds."""
from __future__ import annotations

import statistics

from ...core.config import RunConfig
from ..base import Lesson, LessonContext, Outcome, Quiz, T, lesson_recipe
from .common import add

# ---------------------------------------------------------------- eval.4 cross-validation

CV_LABELS = {"single split": T("one split (each fold alone)", "单次划分（每一折单独看）"),
             "k-fold mean": T("k-fold mean", "k 折平均")}


def _cv_experiment(ctx: LessonContext) -> Outcome:
    from ...lab.experiments import QUICK_LIMITS
    from ...lab.repeats import cross_validate

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
    from ...analysis.plots import fig_band, fig_variant_bars

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
