"""Concept lessons: what pre-training buys, transfer, strategies, choosing models."""
from __future__ import annotations

from ..config import RunConfig
from . import figures
from .base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway

SENTIMENT = dict(dataset="rotten_tomatoes", max_length=64, max_eval_samples=400, save_checkpoints=False,
                 save_model=False)


# ---------------------------------------------------------------- concept.2

SCRATCH_LABELS = {"pretrained": T("pretrained", "预训练初始化"), "scratch": T("from scratch", "随机初始化")}


def _pretrained_vs_scratch(ctx: LessonContext) -> Outcome:
    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=ctx.settings["train_examples"], epochs=2,
                               lr=ctx.settings["lr"], eval_every=10, log_every=5)
    return ctx.run_variants({"pretrained": base, "scratch": base.replace(pretrained=False)})


def _pretrained_vs_scratch_takeaway(outcome: Outcome, lang: str) -> str:
    gap = outcome.mean("pretrained", "accuracy") - outcome.mean("scratch", "accuracy")
    head = compare_takeaway(outcome, "pretrained", "scratch", "accuracy", lang, SCRATCH_LABELS)
    if gap > 0.05:
        tail = T(" With this little labelled data, the pretrained start is what makes the task learnable.",
                 " 在标注数据这么少的情况下，正是预训练的起点让任务变得可学。")
    elif gap > 0:
        tail = T(" The pretrained start helped, but only a little here; try fewer examples to see the gap widen.",
                 " 预训练起点有帮助，但这里优势不大；减少训练样本可以看到差距拉大。")
    else:
        tail = T(" Here pre-training did not help, which is unusual: check the learning rate and the run lengths.",
                 " 这里预训练没有带来提升，这并不常见：请检查学习率和训练步数。")
    return head + tail(lang)


CONCEPT_2 = Lesson(
    id="concept.2", topic="concept", sources="000 #1, 001 #2, 003 #1",
    title=T("Fine-tuning vs training from scratch", "微调与从零训练"),
    question=T("Why fine-tune a pretrained model instead of training the same network from scratch?",
               "为什么要微调预训练模型，而不是把同样的网络从零开始训练？"),
    answer=T("Pre-training has already taught the network general features (for text: word meaning, syntax, "
             "sentiment cues) from huge unlabelled corpora. Fine-tuning only has to adapt those features to the new "
             "labels, so it needs far fewer labelled examples and steps, and it generalises better when labels are "
             "scarce. A randomly initialised copy of the same network must learn everything from the small labelled "
             "set, which usually leaves it near chance on held-out data. The advantage shrinks as labelled data grows.",
             "预训练已经在大量无标注语料上让网络学会了通用特征（对文本来说：词义、句法、情感线索）。微调只需把这些特征"
             "适配到新的标签上，因此需要的标注样本和训练步数都少得多，在标注稀缺时泛化也更好。同样结构但随机初始化的"
             "网络必须只靠少量标注数据学会一切，在留出数据上往往接近随机猜测。标注数据越多，这种优势越小。"),
    experiment=_pretrained_vs_scratch, takeaway=_pretrained_vs_scratch_takeaway,
    figures=figures.standard("accuracy", SCRATCH_LABELS),
    quiz=Quiz(T("With a few hundred labelled reviews, how far ahead will the pretrained start be?",
                "只有几百条标注影评时，预训练起点会领先多少？"),
              {"large": T("more than 5 points of accuracy", "准确率领先超过 5 个百分点"),
               "small": T("ahead, but by 5 points or less", "领先，但不超过 5 个百分点"),
               "none": T("not ahead at all", "完全不领先")},
              lambda o: ("large" if o.mean("pretrained", "accuracy") - o.mean("scratch", "accuracy") > 0.05 else
                         "small" if o.mean("pretrained", "accuracy") > o.mean("scratch", "accuracy") else "none")),
    settings={"train_examples": 300, "lr": 5e-5}, repeats=2,
)

LESSONS = [CONCEPT_2]
