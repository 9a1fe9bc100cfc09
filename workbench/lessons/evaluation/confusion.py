"""Confusion matrix lesson (eval.3): an MLP on scikit-learn digits; its confusion matrix, per-class scores, the share
of errors in the three biggest off-diagonal cells, and its most confident mistakes."""
from __future__ import annotations

from ...core.config import RunConfig
from ..base import Lesson, LessonContext, Outcome, Quiz, T
from .common import add, finished_runs, mean_of_present, run_store

# ---------------------------------------------------------------- eval.3 confusion matrix and error analysis

DIGITS = dict(dataset="digits", model="mlp", batch_size=64, save_checkpoints=False, save_model=False)


def _confusion_experiment(ctx: LessonContext) -> Outcome:
    from ...analysis.metrics import classification_report, confusion, top_losses

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
    share = mean_of_present(o.values("mlp", "top3_share")) or 0.0
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
    from ...analysis.plots import fig_confusion_matrix, fig_per_class

    if "confusion" not in o.extra:
        return []
    names = o.extra["label_names"]
    return [(T("Confusion matrix (first seed)", "混淆矩阵（第一个种子）")(lang),
             fig_confusion_matrix(o.extra["confusion"], names)),
            (T("Per-class precision, recall and F1", "各类别的精确率、召回率和 F1")(lang),
             fig_per_class({"per_class": o.extra["per_class"]}))]


def _concentration_choice(o: Outcome) -> str:
    share = mean_of_present(o.values("mlp", "top3_share"))
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
