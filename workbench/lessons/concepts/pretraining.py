"""Concept lessons on what pre-training gives, MiniLM on Rotten Tomatoes: a logistic-regression probe on frozen
pretrained against randomly initialised features (concept.1), and fine-tuning from pretrained against random
weights at several training-set sizes (concept.2)."""
from __future__ import annotations

import statistics

from ...core.config import ConfigError, RunConfig
from .. import figures
from ..base import (NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, above_baseline, compare_takeaway,
                    metric_name)
from ..support import band, random_weights_twin, sentences, verdict
from .common import MAP_POINTS, SENTIMENT, gap_points, probe_accuracy

# ---------------------------------------------------------------- concept.2

SCRATCH_LABELS = {"pretrained": T("pretrained", "预训练初始化"), "scratch": T("from scratch", "随机初始化")}
CURVE_MIN_STEPS = 40      # every size trains for 1 epoch or this many steps of 16, whichever is more
QUICK_SIZES = (32, 96)


def _curve_sizes(settings: dict) -> list[int]:
    sizes = sorted({int(n) for n in settings["sizes"]})
    if len(sizes) < 2 or sizes[0] < 16:
        raise ConfigError("sizes needs at least two training-set sizes of 16 or more, e.g. [100, 300, 1000].")
    return sizes


def _curve_epochs(n: int, batch_size: int = 16) -> float:
    """1 epoch, or enough epochs for CURVE_MIN_STEPS steps on a small set (so the new head moves at all)."""
    return max(1.0, CURVE_MIN_STEPS * batch_size / n)


def _pretrained_vs_scratch(ctx: LessonContext) -> Outcome:
    from ..support import merge

    sizes = list(QUICK_SIZES) if ctx.quick else _curve_sizes(ctx.settings)
    parts = []
    for n in sizes:
        # Scored once, at the end: mid-run evaluations would cost more than the small sets' training.
        base = RunConfig.from_flat(**{**SENTIMENT, "max_eval_samples": 300}, max_train_samples=n,
                                   epochs=_curve_epochs(n), lr=ctx.settings["lr"], eval_every=100_000, log_every=5)
        parts.append(ctx.run_variants({f"pretrained_{n}": base, f"scratch_{n}": base.replace(pretrained=False)},
                                      max_train_samples=n))
    outcome = merge(ctx.lesson_id, parts, {"sizes": sizes})
    outcome.quick = ctx.quick
    return outcome


def _sizes_of(outcome: Outcome) -> list[int]:
    return [n for n in outcome.extra.get("sizes", []) if f"pretrained_{n}" in outcome.samples
            and f"scratch_{n}" in outcome.samples and outcome.values(f"pretrained_{n}", "accuracy")
            and outcome.values(f"scratch_{n}", "accuracy")]


def _curve_labels(outcome: Outcome) -> dict[str, T]:
    return {f"{kind}_{n}": T(f"{label.en}, {n} reviews", f"{label.zh}，{n} 条影评")
            for n in outcome.extra.get("sizes", []) for kind, label in SCRATCH_LABELS.items()}


def _leads(outcome: Outcome, n: int) -> list[float | None]:
    """Per seed: pretrained minus from-scratch accuracy at size n (None where a run has no value)."""
    pre, scr = outcome.samples[f"pretrained_{n}"]["accuracy"], outcome.samples[f"scratch_{n}"]["accuracy"]
    return [None if a is None or b is None else a - b for a, b in zip(pre, scr)]


def _lead_trend(outcome: Outcome):
    """The paired verdict of the lead at the largest size against the lead at the smallest (seed by seed)."""
    from ...analysis.stats import compare_paired

    sizes = _sizes_of(outcome)
    return compare_paired(_leads(outcome, sizes[0]), _leads(outcome, sizes[-1]), "lead")


def _size_sentence(outcome: Outcome, n: int, lang: str) -> str:
    pre, scr = outcome.mean(f"pretrained_{n}", "accuracy"), outcome.mean(f"scratch_{n}", "accuracy")
    winner = verdict(outcome, f"pretrained_{n}", f"scratch_{n}", "accuracy")
    paired = outcome.compare(f"pretrained_{n}", f"scratch_{n}", "accuracy")
    if paired.n_pairs >= 2:
        interval = T(f"95% CI of the lead {-paired.ci_high:+.3f} to {-paired.ci_low:+.3f}",
                     f"领先幅度的 95% 置信区间 {-paired.ci_high:+.3f} 至 {-paired.ci_low:+.3f}")(lang)
    else:
        interval = T("one seed", "仅一个种子")(lang)
    said = {"a": T("pretrained clearly ahead", "预训练明显领先"), "b": T("from scratch clearly ahead", "从零训练明显领先"),
            "tie": T("no clear difference at this budget", "在这个预算下没有明显差别")}[winner](lang)
    return T(f"{n} reviews: pretrained {pre:.3f}, from scratch {scr:.3f} ({interval}): {said}",
             f"{n} 条影评：预训练 {pre:.3f}，从零训练 {scr:.3f}（{interval}）：{said}")(lang)


def _pretrained_vs_scratch_takeaway(outcome: Outcome, lang: str) -> str:
    sizes = _sizes_of(outcome)
    if not sizes:
        return T("No size has both runs finished, so there is nothing to compare.",
                 "没有哪个数据量的两组运行都已完成，无法比较。")(lang)
    parts = [T("Test accuracy by number of labelled reviews, over paired seeds. ", "按标注影评数量列出的测试准确率"
               "（按种子配对）：")(lang) + T("; ", "；")(lang).join(_size_sentence(outcome, n, lang) for n in sizes)
             + T(".", "。")(lang)]
    winners = {n: verdict(outcome, f"pretrained_{n}", f"scratch_{n}", "accuracy") for n in sizes}
    ahead = [n for n in sizes if winners[n] == "a"]
    if len(sizes) >= 2:
        trend = _lead_trend(outcome).winner
        first, last = sizes[0], sizes[-1]
        lead_first, lead_last = (100 * (outcome.mean(f"pretrained_{n}", "accuracy")
                                        - outcome.mean(f"scratch_{n}", "accuracy")) for n in (first, last))
        parts.append({
            "a": T(f"The pretrained start's lead clearly shrank from {lead_first:.1f} points at {first} reviews to "
                   f"{lead_last:.1f} at {last}: labelled data buys back part of what pre-training gives for free.",
                   f"预训练起点的领先幅度从 {first} 条时的 {lead_first:.1f} 个百分点明显缩小到 {last} 条时的 "
                   f"{lead_last:.1f} 个百分点：标注数据能补回一部分预训练白送的东西。"),
            "b": T(f"The pretrained start's lead clearly grew from {lead_first:.1f} points at {first} reviews to "
                   f"{lead_last:.1f} at {last}: more labels helped the pretrained model more than the one from "
                   "scratch, which at these sizes barely moves from chance; the lead shrinks only once the "
                   "network from scratch has enough data to learn on its own, beyond the sizes tried here.",
                   f"预训练起点的领先幅度从 {first} 条时的 {lead_first:.1f} 个百分点明显扩大到 {last} 条时的 "
                   f"{lead_last:.1f} 个百分点：更多标注对预训练模型的帮助大于对从零训练的模型，后者在这些数据量下几乎"
                   "停留在随机水平；只有当从零训练的网络有足够的数据自己学起来时（超出这里尝试的范围），领先才会缩小。"),
            None: T(f"The lead went from {lead_first:.1f} points at {first} reviews to {lead_last:.1f} at {last}, a "
                    "change this budget cannot tell from seed noise.",
                    f"领先幅度从 {first} 条时的 {lead_first:.1f} 个百分点变为 {last} 条时的 {lead_last:.1f} 个百分点，"
                    "这个变化在这个预算下与种子噪声分不开。"),
        }[trend](lang))
    if winners[sizes[-1]] == "a":
        parts.append(T(f"The curves did not meet within the sizes tried: at {sizes[-1]} reviews the pretrained start "
                       "is still clearly ahead; a network trained from scratch needs far more labelled text than "
                       "this to learn what pre-training already knows.",
                       f"在尝试的数据量范围内两条曲线没有相遇：到 {sizes[-1]} 条影评时预训练起点仍明显领先；从零训练的"
                       "网络需要比这多得多的标注文本，才能学到预训练已经掌握的东西。")(lang))
    elif ahead:
        meet = next(n for n in sizes if n > max(ahead))
        parts.append(T(f"From {meet} reviews on this budget cannot tell the two apart: that is where the curves "
                       "meet here, though more seeds could still separate them.",
                       f"从 {meet} 条影评起，这个预算下已分不出两者：这就是本次两条曲线相遇的位置，不过更多种子仍可能把"
                       "它们区分开。")(lang))
    else:
        parts.append(T("At no size was the pretrained start clearly ahead, which is unusual: check the learning rate "
                       "and the run lengths.",
                       "没有哪个数据量下预训练起点明显领先，这并不常见：请检查学习率和训练步数。")(lang))
    return sentences(parts, lang)


def _curve_figure(outcome: Outcome, lang: str) -> list:
    import pandas as pd

    from ...analysis import plots

    sizes = _sizes_of(outcome)
    if not sizes:
        return []
    bands = {}
    for kind, label in SCRATCH_LABELS.items():
        means = [outcome.mean(f"{kind}_{n}", "accuracy") for n in sizes]
        half = [outcome.ci_half_width(f"{kind}_{n}", "accuracy") for n in sizes]
        bands[label(lang)] = pd.DataFrame({"step": sizes, "mean": means, "lower": [m - h for m, h in zip(means, half)],
                                           "upper": [m + h for m, h in zip(means, half)]})
    fig = plots.fig_band(bands, "accuracy")
    fig.update_layout(title=T("Test accuracy against labelled examples (shaded: 95% CI of the mean over seeds)",
                              "测试准确率随标注样本数的变化（阴影：各种子均值的 95% 置信区间）")(lang),
                      xaxis_title=T("labelled training reviews (log scale)", "训练用标注影评数（对数坐标）")(lang),
                      yaxis_title=metric_name("accuracy", lang), xaxis_type="log")
    return [(T("Learning curves: pretrained vs from scratch", "学习曲线：预训练与从零训练")(lang), fig)]


def _lead_trend_choice(outcome: Outcome) -> str:
    """'shrinks' or 'grows' when the paired verdict says the lead at the largest size differs from the lead at the
    smallest; 'tie' when this budget cannot tell."""
    if len(_sizes_of(outcome)) < 2:
        return "tie"
    return {"a": "shrinks", "b": "grows", None: "tie"}[_lead_trend(outcome).winner]


CONCEPT_2 = Lesson(
    id="concept.2", topic="concept", sources="000 #1, 001 #2, 003 #1",
    title=T("Fine-tuning vs training from scratch", "微调与从零训练"),
    question=T("Why fine-tune a pretrained model instead of training the same network from scratch?",
               "为什么要微调预训练模型，而不是把同样的网络从零开始训练？"),
    answer=T("Pre-training has already taught the network general features (for text: word meaning, syntax, "
             "sentiment cues) from huge unlabelled corpora. Fine-tuning only has to adapt those features to the new "
             "labels, so it needs far fewer labelled examples and steps, and it generalises better when labels are "
             "scarce. A randomly initialised copy of the same network must learn everything from the small labelled "
             "set, which usually leaves it near chance on held-out data. The advantage shrinks as labelled data grows. "
             "This lesson trains the pretrained MiniLM and a randomly initialised copy at several training-set sizes "
             "(by default 100, 300 and 1,000 reviews) and draws both learning curves; each size trains for one "
             "epoch, or for at least 40 steps of 16 on the small sets, whichever is more.",
             "预训练已经在大量无标注语料上让网络学会了通用特征（对文本来说：词义、句法、情感线索）。微调只需把这些特征"
             "适配到新的标签上，因此需要的标注样本和训练步数都少得多，在标注稀缺时泛化也更好。同样结构但随机初始化的"
             "网络必须只靠少量标注数据学会一切，在留出数据上往往接近随机猜测。标注数据越多，这种优势越小。"
             "本课在几个训练集大小上（默认 100、300、1,000 条影评）各训练一次预训练的 MiniLM 和同结构的随机初始化版本，"
             "画出两条学习曲线；每个大小训练 1 轮，或在小数据集上训练到至少 40 步（每步 16 条），取两者中更多的。"),
    experiment=_pretrained_vs_scratch, takeaway=_pretrained_vs_scratch_takeaway, figures=_curve_figure,
    quiz=Quiz(T("From {smallest} to {largest} labelled reviews, what happens to the pretrained start's lead in "
                "accuracy?", "标注影评从 {smallest} 条增加到 {largest} 条时，预训练起点在准确率上的领先幅度会怎样变化？"),
              {"shrinks": T("it clearly shrinks", "明显缩小"), "grows": T("it clearly grows", "明显扩大"),
               "tie": NO_CLEAR_DIFFERENCE},
              _lead_trend_choice,
              facts=lambda s: {"smallest": min(int(n) for n in s["sizes"]), "largest": max(int(n) for n in s["sizes"])}),
    # 5e-5 barely moves the new head in ~40 steps
    settings={"sizes": [100, 300, 1000], "lr": 1e-4}, repeats=3,
    time_budget_s=240,
    budget_note=T("the question is how the benefit of pre-training changes with the amount of labelled data, so "
                  "both models train at three training-set sizes, each over 3 seeds (18 runs).",
                  "本题问的是预训练的好处如何随标注数据量变化，所以两个模型要在三个训练集大小上各训练一次，每个跑 3 个种子"
                  "（共 18 次运行）。"),
)


# ---------------------------------------------------------------- concept.1

PROBE_LABELS = {"pretrained": T("pretrained MiniLM", "预训练的 MiniLM"),
                "random": T("randomly initialised MiniLM", "随机初始化的 MiniLM")}


def _linear_probe(ctx: LessonContext) -> Outcome:
    import numpy as np

    from ...analysis.plots import project_2d
    from ...apps.embeddings import Encoder
    from ...core.datasets import load_dataset, split_dataset
    from ...lab.data_quality import MemoEncoder

    ds = load_dataset("rotten_tomatoes")
    pretrained = Encoder("minilm", max_length=ctx.size(64, 32))
    encoders = {"pretrained": MemoEncoder(pretrained)}
    samples = {name: {"accuracy": []} for name in PROBE_LABELS}
    extra = {"majority": [], "points": {}, "label_names": list(ds.label_names)}
    for seed in ctx.seeds:
        splits = split_dataset(ds, seed=seed, max_train_samples=ctx.size(ctx.settings["train_examples"], 48),
                               max_eval_samples=ctx.size(ctx.settings["test_examples"], 48))
        encoders["random"] = random_weights_twin(pretrained, seed)
        for name, encoder in encoders.items():
            train_x, test_x = encoder.embed(list(splits.train.x)), encoder.embed(list(splits.test.x))
            samples[name]["accuracy"].append(probe_accuracy(train_x, splits.train.y, test_x, splits.test.y))
            if seed == ctx.seeds[0]:
                extra["points"][name] = project_2d(test_x[:MAP_POINTS]).round(4).tolist()
                extra["point_labels"] = splits.test.y[:MAP_POINTS].tolist()
        extra["majority"].append(float(np.bincount(splits.test.y).max() / len(splits.test)))
    return Outcome("concept.1", samples, extra)


def _linear_probe_takeaway(outcome: Outcome, lang: str) -> str:
    gap = gap_points(outcome, "pretrained", "random")
    text = compare_takeaway(outcome, "pretrained", "random", "accuracy", lang, PROBE_LABELS)
    ahead = verdict(outcome, "pretrained", "random", "accuracy") == "a"
    if ahead and _probe_gap_choice(outcome) == "big":
        text += T(f" The same linear classifier is {gap:.0f} points better on the pretrained features: pre-training "
                  "had already arranged the reviews so that sentiment can be read off with a straight line, before "
                  "the model saw a single label.",
                  f"同一个线性分类器在预训练特征上高出 {gap:.0f} 个百分点：模型还没见过任何一个标签，预训练就已经把影评"
                  "排布得几乎能用一条直线分出好评和差评。")(lang)
    elif ahead:
        text += T(f" The pretrained features help by {gap:.1f} points; more training examples for the probe, or "
                  "fine-tuning the encoder itself, usually widens what they offer.",
                  f"预训练特征带来 {gap:.1f} 个百分点的提升；给线性探针更多训练样本，或直接微调编码器，通常能把这份优势"
                  "用得更充分。")(lang)
    else:
        text += T(" Here the pretrained features were not clearly better than random ones, which is unusual: check "
                  "that the pretrained weights really loaded.",
                  "这里预训练特征并没有明显好于随机特征，这很反常：请检查预训练权重是否真的加载成功。")(lang)
    majority = outcome.extra.get("majority")
    if majority:
        base, rand = statistics.fmean(majority), outcome.mean("random", "accuracy")
        if above_baseline(outcome, "random", "accuracy", majority):
            text += T(f" Even random features beat always guessing the commoner class ({rand:.3f} vs {base:.3f}): "
                      "averaging random word vectors still keeps which words occur.",
                      f"即便是随机特征也胜过总猜多数类（{rand:.3f} 对 {base:.3f}）：把随机词向量取平均，仍然保留了"
                      "“出现了哪些词”这一信息。")(lang)
        else:
            text += T(f" Random features were not clearly above always guessing the commoner class ({rand:.3f} vs "
                      f"{base:.3f}).", f"随机特征的准确率没有明显高于总猜多数类的水平（{rand:.3f} 对 {base:.3f}）。")(lang)
    return text


def _linear_probe_figures(outcome: Outcome, lang: str) -> list:
    from ...analysis.plots import fig_embedding_scatter

    out = [(T("Linear-probe accuracy", "线性探针准确率")(lang),
            figures.metric_bars(outcome, "accuracy", lang, PROBE_LABELS))]
    names = outcome.extra.get("label_names", [])
    labels = [names[y] if y < len(names) else str(y) for y in outcome.extra.get("point_labels", [])]
    for variant, points in outcome.extra.get("points", {}).items():
        title = T(f"Test reviews in {PROBE_LABELS[variant].en} feature space (first two principal components)",
                  f"{PROBE_LABELS[variant].zh}特征空间中的测试影评（前两个主成分）")(lang)
        out.append((title, fig_embedding_scatter(points, labels)))
    return out


def _probe_gap_choice(outcome: Outcome) -> str:
    """The gap's band, decided by the 95 % interval of the paired per-seed gap (pretrained minus random), not its
    mean: 'big' when the interval's lower end is above 10 points, 'some' when above 2, else 'none' (not clearly
    more than 2 points, which includes every case this budget cannot tell)."""
    return band(outcome.compare("random", "pretrained", "accuracy"), {"big": 0.10, "some": 0.02}, "none")


CONCEPT_1 = Lesson(
    id="concept.1", topic="concept", sources="001 #1, 004 #1-2",
    title=T("What pre-training gives a model", "预训练给了模型什么"),
    question=T("What does pre-training give a model, and why does it help later tasks?",
               "预训练到底给了模型什么？为什么它能帮助后续任务？"),
    answer=T("Pre-training fits a network to a self-supervised objective on a large unlabelled corpus; BERT-style "
             "encoders learn to predict masked words. The MiniLM used here (all-MiniLM-L6-v2) was made differently: a "
             "small network was distilled from a larger pretrained model by imitating its self-attention (deep "
             "self-attention distillation), then trained as a sentence embedder with a contrastive loss on pairs of "
             "related sentences. Either way, to do that well the network has to encode word meaning, syntax and "
             "context, so its internal features already describe text in useful terms. A new task then needs only a "
             "small labelled set to map those features to its labels. The cleanest test is a linear probe: freeze the "
             "encoder, fit a logistic regression on its features, and compare against an identical network with "
             "random weights.",
             "预训练是在大规模无标注语料上用自监督目标训练网络，BERT 类编码器学的是预测被遮住的词。本课用的 MiniLM（"
             "all-MiniLM-L6-v2）来历不同：先让一个小网络模仿更大预训练模型的自注意力，蒸馏而来（深度自注意力蒸馏），"
             "再在成对的相关句子上用对比学习训练成句向量模型。无论哪种方式，要把目标做好，模型都得学会词义、句法和上"
             "下文，所以它内部的特征本身就能很好地刻画文本。新任务只需少量标注数据，把这些特征对应到自己的标签上。最"
             "干净的检验方法是线性探针：冻结编码器，在它输出的特征上训练一个逻辑回归，再和结构完全相同、权重随机的网"
             "络对比。"),
    experiment=_linear_probe, takeaway=_linear_probe_takeaway, figures=_linear_probe_figures,
    quiz=Quiz(T("A logistic regression reads frozen features of Rotten Tomatoes reviews. How much better will it do "
                "on pretrained MiniLM features than on the features of a randomly initialised copy?",
                "用逻辑回归读取烂番茄影评的冻结特征。相比随机初始化的同结构模型，它在预训练 MiniLM 特征上会好多少？"),
              {"big": T("clearly more than 10 points of accuracy", "准确率明显高出 10 个百分点以上"),
               "some": T("clearly more than 2 points, not clearly more than 10", "明显高出 2 个百分点以上，但不能确定超过 10 个"),
               "none": T("not clearly more than 2 points", "不能确定高出 2 个百分点以上")},
              _probe_gap_choice),
    settings={"train_examples": 400, "test_examples": 300}, repeats=3,
)
