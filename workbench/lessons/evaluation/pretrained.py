"""Evaluating a pretrained model (eval.5): on Rotten Tomatoes, MiniLM zero-shot (each review matched to class
descriptions by embedding), a linear probe on its frozen embeddings, and full fine-tuning, on the same test split."""
from __future__ import annotations

from ...core.config import RunConfig
from .. import figures
from ..base import Lesson, LessonContext, Outcome, Quiz, T, above_baseline, noise_clause, ranking_takeaway
from ..support import verdict
from .common import QUICK_TEXT, add, finished_runs, mean_of_present, run_config

# ---------------------------------------------------------------- eval.5 evaluating a pretrained model

PRETRAINED_LABELS = {"zero-shot": T("zero-shot (no labels)", "零样本（不用标注）"),
                     "linear probe": T("linear probe on frozen features", "冻结特征上的线性探针"),
                     "fine-tuned": T("fully fine-tuned", "全量微调")}
# Zero-shot: each review goes to the class whose description its embedding is closer to.
CLASS_DESCRIPTIONS = {"rotten": "This movie is bad.", "fresh": "This movie is great."}


def _pretrained_experiment(ctx: LessonContext) -> Outcome:
    import numpy as np

    from ...apps.embeddings import Encoder
    from ...core.runner import prepare_splits
    from ..concepts.common import probe_accuracy

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
    majority = mean_of_present(o.extra.get("majority")) or 0.5
    n = int(mean_of_present(o.extra.get("train_examples")) or 0)
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
