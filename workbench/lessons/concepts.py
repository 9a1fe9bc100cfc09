"""Concept lessons: what pre-training buys, transfer, strategies, choosing models."""
from __future__ import annotations

import os
import statistics
import threading

from ..core.config import ConfigError, RunConfig
from ..core.datasets import DatasetError
from . import figures
from .support import EVERY_WEIGHT, band, clear_leader, sentences, verdict, verdict_choice
from .base import (NO_CLEAR_DIFFERENCE, Correction, Lesson, LessonContext, Outcome, Quiz, T, above_baseline,
                   compare_takeaway, metric_name, ranking_takeaway)

SENTIMENT = dict(dataset="rotten_tomatoes", max_length=64, max_eval_samples=400, save_checkpoints=False,
                 save_model=False, **EVERY_WEIGHT)


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
    from .support import merge

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
    from ..analysis.stats import compare_paired

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

    from ..analysis import plots

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


# ---------------------------------------------------------------- shared pieces

# Quick mode for the lessons' own runs: scoring dominates a 6-step run, so score fewer examples, once.
QUICK_SCORING = {"max_eval_samples": 48, "eval_every": 6, "max_length": 32}
PROBE_CS = (0.01, 0.1, 1.0, 10.0)   # regularisation strengths the probe picks from by cross-validation
MAP_POINTS = 200                   # test points kept for the 2-D feature maps


def probe_accuracy(train_x, train_y, test_x, test_y, scale: bool = True) -> float:
    """Test accuracy of a logistic-regression probe fitted on fixed features (the features never change); its
    regularisation is chosen by 3-fold cross-validation on the training set, so each kind of feature gets its own."""
    from sklearn.linear_model import LogisticRegressionCV
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    probe = LogisticRegressionCV(Cs=PROBE_CS, cv=3, l1_ratios=(0.0,), scoring="accuracy", max_iter=3000,
                                 use_legacy_attributes=False)
    model = make_pipeline(StandardScaler(), probe) if scale else probe
    return float(model.fit(train_x, train_y).score(test_x, test_y))


def _private_name(path):
    """A sibling path only this thread writes to, so two lessons preparing the same file cannot collide."""
    return path.with_name(f"{path.name}.{os.getpid()}-{threading.get_ident()}.tmp")


def space(lang: str) -> str:
    """The space between two sentences: one in English, none in Chinese."""
    return " " if lang == "en" else ""


def gap_points(outcome: Outcome, a: str, b: str, metric: str = "accuracy") -> float:
    """mean(a) - mean(b) in percentage points."""
    return 100 * (outcome.mean(a, metric) - outcome.mean(b, metric))


def bar_figures(*metrics: str, label=None, with_curves: bool = False):
    """A lesson's `figures`: one bar chart per metric (mean ± spread), then the first seed's curves if kept."""
    def draw(outcome: Outcome, lang: str) -> list:
        names = label(outcome) if callable(label) else label
        out = [(metric_name(m, lang), figures.metric_bars(outcome, m, lang, names)) for m in metrics
               if any(outcome.values(v, m) for v in outcome.variants)]
        if with_curves and any(outcome.histories.values()):
            out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang),
                        figures.curves(outcome, lang, label=names)))
        return out
    return draw


# ---------------------------------------------------------------- concept.1

PROBE_LABELS = {"pretrained": T("pretrained MiniLM", "预训练的 MiniLM"),
                "random": T("randomly initialised MiniLM", "随机初始化的 MiniLM")}


def _random_twin(encoder, seed: int):
    """The same encoder (tokenizer, architecture, pooling) with freshly initialised weights."""
    import copy

    import torch
    from transformers import AutoModel

    twin = copy.copy(encoder)
    torch.manual_seed(seed)
    twin.model = AutoModel.from_config(encoder.model.config).to(encoder.device).eval()
    return twin


def _linear_probe(ctx: LessonContext) -> Outcome:
    import numpy as np

    from ..lab.data_quality import MemoEncoder
    from ..core.datasets import load_dataset, split_dataset
    from ..apps.embeddings import Encoder
    from ..analysis.plots import project_2d

    ds = load_dataset("rotten_tomatoes")
    pretrained = Encoder("minilm", max_length=ctx.size(64, 32))
    encoders = {"pretrained": MemoEncoder(pretrained)}
    samples = {name: {"accuracy": []} for name in PROBE_LABELS}
    extra = {"majority": [], "points": {}, "label_names": list(ds.label_names)}
    for seed in ctx.seeds:
        splits = split_dataset(ds, seed=seed, max_train_samples=ctx.size(ctx.settings["train_examples"], 48),
                               max_eval_samples=ctx.size(ctx.settings["test_examples"], 48))
        encoders["random"] = _random_twin(pretrained, seed)
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
    from ..analysis.plots import fig_embedding_scatter

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


# ---------------------------------------------------------------- concept.3

# Offline, the only labelled sentiment data is Rotten Tomatoes, so two "domains" are cut from it by genre: reviews
# that talk about comedy or romance, and reviews that talk about thrillers, horror, action or crime. The task and
# the labels stay the same; the vocabulary and what counts as praise shift (a "scary" film is a good horror film).
GENRES = {
    "comedy": r"\b(?:comed\w*|funny|laugh\w*|hilarious|jokes?|humou?r\w*|comic\w*|gags?|romantic|romance|rom-com|wit|"
              r"witty|sitcom|farce|satire|silly|amus\w*)\b",
    "thriller": r"\b(?:horror|thrill\w*|scar(?:y|e|es|ed|ier|iest)|suspense\w*|action|violen\w*|gore|gory|creepy|crime|"
                r"criminal|killers?|chases?|war|guns?|blood\w*|murder\w*|fights?|cops?|explosions?|monsters?|"
                r"ghosts?|spy|battles?|zombies?|vampires?|slasher|gangsters?|villains?|terror\w*|shoot\w*|stunts?)\b",
}
SENTIMENT_NAMES = {"rotten": "negative", "fresh": "positive"}   # sorted order = hub order: negative first
DOMAIN_LABELS = {"home": T("source-trained, tested on source", "源领域训练、源领域测试"),
                 "cross": T("source-trained, tested on target", "源领域训练、目标领域测试"),
                 "in_domain": T("target-trained, tested on target", "目标领域训练、目标领域测试")}


def genre_datasets() -> dict[str, str]:
    """CSV files (text, label) of the Rotten Tomatoes reviews that mention only one of the GENRES, written once
    under $WORKBENCH_HOME/lessons/data; {genre: path}."""
    import re

    import pandas as pd

    from ..core.datasets import load_dataset
    from ..core.store import workbench_home

    folder = workbench_home() / "lessons" / "data"
    paths = {genre: folder / f"rotten_tomatoes_{genre}.csv" for genre in GENRES}
    if all(p.exists() for p in paths.values()):
        return {g: str(p) for g, p in paths.items()}
    folder.mkdir(parents=True, exist_ok=True)
    ds = load_dataset("rotten_tomatoes")
    hits = {g: [bool(re.search(pattern, text.lower())) for text in ds.x] for g, pattern in GENRES.items()}
    for genre, path in paths.items():
        only = [i for i in range(len(ds)) if hits[genre][i] and sum(h[i] for h in hits.values()) == 1]
        frame = pd.DataFrame({"text": [ds.x[i] for i in only],
                              "label": [SENTIMENT_NAMES[ds.label_names[ds.y[i]]] for i in only]})
        tmp = _private_name(path)
        frame.to_csv(tmp, index=False)
        tmp.replace(path)
    return {g: str(p) for g, p in paths.items()}


def cross_domain_accuracy(store, source_run: str, target_run: str) -> float | None:
    """Accuracy of the source run's model on the exact test split the target run was scored on (labels matched
    by position, so both datasets must list their classes in the same order); None if a run saved no model."""
    from ..core.config import RunConfig
    from ..core.predict import load_predictor
    from ..core.runner import prepare_splits

    if not store.model_folder(source_run).exists():
        return None
    test = prepare_splits(RunConfig.from_dict(store.config(target_run))).test
    predictor = load_predictor(source_run, store)
    if len(predictor.label_names) != len(test.label_names):
        raise DatasetError(f"The source model predicts {len(predictor.label_names)} classes "
                           f"({', '.join(predictor.label_names)}) but the target data has {len(test.label_names)} "
                           f"({', '.join(test.label_names)}); pick a target with the same classes in the same order.")
    return float((predictor.predict(list(test.x)) == test.y).mean())


def _cross_domain(ctx: LessonContext) -> Outcome:
    from .support import runner_of

    target_name = str(ctx.settings["target_dataset"]).strip()
    if target_name:
        source, target = "rotten_tomatoes", target_name
    else:
        genres = genre_datasets()
        source, target = genres["comedy"], genres["thriller"]
    base = RunConfig.from_flat(**{**SENTIMENT, "dataset": source, "max_eval_samples": 300},
                               max_train_samples=ctx.settings["train_examples"], epochs=ctx.settings["epochs"],
                               lr=ctx.settings["lr"], test_fraction=0.3, eval_every=10, log_every=5)
    runs = ctx.run_variants({"home": base.replace(save_model=True), "in_domain": base.replace(dataset=target)},
                            **QUICK_SCORING)
    store = runner_of(ctx).store
    cross = [cross_domain_accuracy(store, s, t) for s, t in zip(runs.run_ids["home"], runs.run_ids["in_domain"])]
    order = ("home", "cross", "in_domain")
    runs.samples["cross"] = {"accuracy": cross}
    runs.run_ids["cross"] = list(runs.run_ids["home"])
    samples = {v: runs.samples[v] for v in order}
    extra = {"source": "comedy" if not target_name else "rotten_tomatoes", "target": target_name or "thriller"}
    return Outcome("concept.3", samples, extra, runs.run_ids, runs.histories)


def _domain_names(outcome: Outcome, lang: str) -> tuple[str, str]:
    names = {"comedy": T("comedy/romance reviews", "喜剧/爱情片影评"),
             "thriller": T("thriller/horror/action reviews", "惊悚/恐怖/动作片影评"),
             "rotten_tomatoes": T("Rotten Tomatoes reviews", "烂番茄影评")}
    source, target = outcome.extra.get("source", "comedy"), outcome.extra.get("target", "thriller")
    return (names[source](lang) if source in names else source), (names[target](lang) if target in names else target)


def _cross_domain_takeaway(outcome: Outcome, lang: str) -> str:
    source, target = _domain_names(outcome, lang)
    home, cross = outcome.mean("home", "accuracy"), outcome.mean("cross", "accuracy")
    text = T(f"Fine-tuned on {source}, the model scored {home:.3f} on held-out {source} and {cross:.3f} on {target} "
             f"(a change of {100 * (cross - home):+.1f} points; the two test sets differ, so part of this is how hard "
             "each domain is). ",
             f"在{source}上微调后，模型在留出的{source}上得到 {home:.3f}，在{target}上得到 {cross:.3f}（变化 "
             f"{100 * (cross - home):+.1f} 个百分点；两个测试集不同，所以其中一部分来自两个领域本身的难度差异）。")(lang)
    text += T("On the same target test set: ", "在同一个目标领域测试集上：")(lang)
    text += compare_takeaway(outcome, "in_domain", "cross", "accuracy", lang, DOMAIN_LABELS)
    gap, winner = gap_points(outcome, "in_domain", "cross"), verdict(outcome, "in_domain", "cross", "accuracy")
    if winner == "a":
        text += T(f" The same number of in-domain examples was worth {gap:.1f} points: a general model becomes a "
                  "domain model by fine-tuning (or continuing pre-training) on that domain's own text.",
                  f"同样数量的领域内样本多带来 {gap:.1f} 个百分点：通用模型要靠在目标领域自己的文本上微调（或继续"
                  "预训练），才能变成领域模型。")(lang)
    elif winner == "tie":
        text += T(" In-domain examples showed no clear advantage at this budget: either these two domains are close "
                  "enough that what was learnt on one carried over, or more seeds are needed to see the gap; the "
                  "further apart the domains (say, film reviews vs product reviews or clinical notes), the larger the "
                  "drop and the more in-domain data is worth.",
                  "在这个预算下领域内样本没有显示出明显优势：要么这两个领域足够接近，在一个领域学到的东西能迁移到另一个，"
                  "要么需要更多种子才能看出差距；领域相差越远（比如影评与商品评论或病历），下降越大，领域内数据也就越值钱。")(lang)
    else:
        text += T(f" Here the source-trained model did {-gap:.1f} points better even on the target domain: its "
                  "training reviews may simply have been easier to learn from.",
                  f"这里源领域训练的模型在目标领域上反而高出 {-gap:.1f} 个百分点：可能只是源领域的训练影评更好学。")(lang)
    return text


CONCEPT_3 = Lesson(
    id="concept.3", topic="concept", sources="001 #3",
    title=T("General pretrained model vs domain model", "通用预训练模型与领域模型"),
    question=T("How does a general pretrained model relate to a domain-specific model?",
               "通用的预训练模型与特定领域的模型是什么关系？"),
    answer=T("A general model is pre-trained on broad text and knows language in general; a domain model is usually "
             "that same model adapted further, by continuing pre-training on unlabelled domain text (as BioBERT or "
             "FinBERT did) and/or fine-tuning on labelled domain examples. The general start saves data and compute; "
             "the adaptation buys accuracy inside the domain, often at some cost outside it. How much adaptation is "
             "worth depends on how far the domain's vocabulary and label cues are from the pre-training data. "
             "Offline, this lesson cuts two domains out of Rotten Tomatoes by genre; online, set target_dataset to a "
             "hub sentiment set with negative as class 0 (e.g. stanfordnlp/imdb) to test a model trained on all "
             "Rotten Tomatoes reviews on it.",
             "通用模型在广泛的文本上预训练，掌握的是一般意义上的语言；领域模型通常就是在它的基础上继续适配得到的：在"
             "领域内的无标注文本上继续预训练（BioBERT、FinBERT 就是这样做的），和/或在领域内的标注样本上微调。通用起点"
             "省下了数据和算力，领域适配则换来领域内的准确率，代价往往是领域外的表现会变差。适配能带来多少收益，取决于"
             "该领域的词汇和标签线索与预训练数据相差多远。离线时，本课按影片类型从烂番茄影评中切出两个领域；联网时，可"
             "把 target_dataset 设为一个负面类别排在第 0 位的 hub 情感数据集（如 stanfordnlp/imdb），用它来测试在全部"
             "烂番茄影评上训练的模型。"),
    experiment=_cross_domain, takeaway=_cross_domain_takeaway,
    figures=bar_figures("accuracy", label=DOMAIN_LABELS, with_curves=True),
    quiz=Quiz(T("Both models are tested on thriller/horror/action reviews. Will the one fine-tuned on the same number "
                "of in-domain reviews beat the one fine-tuned on comedy/romance reviews?",
                "两个模型都在惊悚/恐怖/动作片影评上测试。用同样数量的领域内影评微调的模型，会胜过用喜剧/爱情片影评"
                "微调的模型吗？"),
              {"in_domain": T("yes, clearly", "会，明显更好"), "close": NO_CLEAR_DIFFERENCE,
               "source": T("no, the comedy-trained model is clearly better", "不会，喜剧片训练的反而明显更好")},
              verdict_choice("in_domain", "cross", "accuracy", {"a": "in_domain", "b": "source", "tie": "close"})),
    settings={"train_examples": 250, "epochs": 2, "lr": 1e-4, "target_dataset": ""}, repeats=3,
)


# ---------------------------------------------------------------- concept.4

COMBINE_LABELS = {"pretrain_only": T("pre-training only (frozen encoder, trained head)", "只预训练（冻结编码器，只训练分类头）"),
                  "finetune_only": T("fine-tuning only (random start)", "只微调（随机初始化）"),
                  "both": T("pre-training + fine-tuning", "预训练 + 微调")}


def _combine(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    # scored once per epoch: mid-epoch evaluations of 400 reviews cost more than these short runs' training
    both = RunConfig.from_flat(**SENTIMENT, max_train_samples=s["train_examples"], epochs=s["epochs"], lr=s["lr"],
                               log_every=5)
    return ctx.run_variants({"pretrain_only": both.replace(strategy="frozen", lr=s["head_lr"]),
                             "finetune_only": both.replace(pretrained=False), "both": both}, **QUICK_SCORING)


def _combine_takeaway(outcome: Outcome, lang: str) -> str:
    text = ranking_takeaway(outcome, "accuracy", lang, COMBINE_LABELS) + space(lang)
    text += T("What fine-tuning adds on top of pre-training: ", "在预训练之上，微调带来的：")(lang)
    text += compare_takeaway(outcome, "both", "pretrain_only", "accuracy", lang, COMBINE_LABELS) + space(lang)
    text += T("What pre-training adds to fine-tuning (the transfer): ", "预训练给微调带来的（即迁移）：")(lang)
    text += compare_takeaway(outcome, "both", "finetune_only", "accuracy", lang, COMBINE_LABELS)
    best = outcome.clear_best("accuracy")
    if best is None:
        text += T(" No setting is clearly ahead of both others at this budget, so this run does not show whether "
                  "combining the two stages pays; more seeds or more labelled data would.",
                  "在这个预算下没有哪个设置同时明显好于另外两个，所以这次运行还说明不了两个阶段结合是否值得；"
                  "更多种子或更多标注数据能说明。")(lang)
    elif best == "both":
        text += T(" Together they beat either alone: pre-training supplies general features, fine-tuning bends them "
                  "to these labels, and the knowledge carried from the first stage into the second is what "
                  "\"transfer\" means.",
                  "两者结合胜过任何一个单独使用：预训练提供通用特征，微调把它们调整到这些标签上；从第一阶段带到"
                  "第二阶段的知识，就是所谓的“迁移”。")(lang)
    elif best == "pretrain_only":
        text += T(" The frozen pretrained features alone did best here: with this few labels and steps, updating the "
                  "whole encoder had no room to pay off. More examples or epochs usually reverse this.",
                  "这里只用冻结的预训练特征反而最好：标签和训练步数这么少，更新整个编码器还来不及见效。增加样本或"
                  "训练轮数通常会扭转这个结果。")(lang)
    else:
        text += T(" Training from a random start came out best, which is unusual: check the learning rates and that "
                  "the pretrained weights loaded.",
                  "随机初始化从头训练反而最好，这很反常：请检查学习率，以及预训练权重是否加载成功。")(lang)
    return text


CONCEPT_4 = Lesson(
    id="concept.4", topic="concept", sources="004 #5, 003 #25",
    title=T("How pre-training and fine-tuning combine", "预训练与微调如何结合"),
    question=T("How do pre-training and fine-tuning work together, and what does \"transfer\" mean?",
               "预训练和微调是怎样配合的？“迁移”指的是什么？"),
    answer=T("The two stages split the work. Pre-training is done once, on a huge unlabelled corpus, and leaves "
             "weights that encode general knowledge; fine-tuning starts from those weights and continues training on "
             "a small labelled set, with a new task head and a small learning rate so the general knowledge is "
             "adjusted rather than overwritten. Transfer is the knowledge that crosses from the first task to the "
             "second; you see it as the gap between starting from pretrained weights and starting from random ones, "
             "given the same labelled data. This lesson separates the stages: frozen pretrained features with only a "
             "head trained (the head gets a larger learning rate, as a lone linear layer needs), fine-tuning from a "
             "random start, and both.",
             "两个阶段分工明确。预训练只做一次，在海量无标注语料上进行，留下蕴含通用知识的权重；微调从这些权重出发，"
             "在少量标注数据上接着训练，换上新的任务头并使用较小的学习率，让通用知识被调整而不是被覆盖。迁移指的是从"
             "第一个任务带到第二个任务的知识；在标注数据相同的前提下，从预训练权重出发与从随机权重出发之间的差距，就"
             "是它的体现。本课把两个阶段拆开对比：冻结预训练特征只训练分类头（单独一层线性层需要更大的学习率，所以分"
             "类头用了较大的学习率）、从随机初始化开始微调，以及两者结合。"),
    experiment=_combine, takeaway=_combine_takeaway,
    figures=bar_figures("accuracy", label=COMBINE_LABELS, with_curves=True),
    quiz=Quiz(T("Which of the three will reach the highest test accuracy?", "三者中哪一个的测试准确率最高？"),
              {name: label for name, label in COMBINE_LABELS.items()}, lambda o: o.best("accuracy")),
    settings={"train_examples": 300, "epochs": 2, "lr": 1e-4, "head_lr": 1e-3}, repeats=3,
)


# ---------------------------------------------------------------- concept.5

STRATEGY_LABELS = {"full": T("full fine-tuning", "全量微调"), "frozen": T("frozen backbone (head only)", "冻结主干（只训练头）"),
                   "last_n": T("last 2 layers + head", "最后 2 层 + 头"), "gradual": T("gradual unfreezing", "逐层解冻"),
                   "discriminative": T("discriminative learning rates", "分层学习率"),
                   "lora": T("LoRA adapters", "LoRA 适配器")}


def _strategies(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    # six strategies x three seeds: score once per epoch on 300 examples to keep the lesson short
    full = RunConfig.from_flat(**{**SENTIMENT, "max_eval_samples": 300}, max_train_samples=s["train_examples"],
                               epochs=s["epochs"], lr=s["lr"], log_every=5)
    return ctx.run_variants({
        "full": full, "frozen": full.replace(strategy="frozen", lr=s["head_lr"]),
        "last_n": full.replace(strategy="last_n", trainable_layers=2), "gradual": full.replace(strategy="gradual"),
        "discriminative": full.replace(strategy="discriminative"),
        "lora": full.replace(strategy="lora", lr=s["lora_lr"])},
        **QUICK_SCORING)


def _strategies_takeaway(outcome: Outcome, lang: str) -> str:
    text = ranking_takeaway(outcome, "accuracy", lang, STRATEGY_LABELS)
    best = outcome.best("accuracy")
    if best != "frozen":
        text += space(lang) + compare_takeaway(outcome, best, "frozen", "accuracy", lang, STRATEGY_LABELS)
    params = {v: outcome.mean(v, "trainable_parameters") for v in ("full", "lora", "frozen")
              if outcome.values(v, "trainable_parameters")}
    if "full" in params and "lora" in params:
        share, lora_gap = params["lora"] / params["full"], gap_points(outcome, "full", "lora")
        text += T(f" LoRA trained {params['lora']:,.0f} parameters ({share:.1%} of full fine-tuning's "
                  f"{params['full']:,.0f}) and ",
                  f"LoRA 只训练了 {params['lora']:,.0f} 个参数（全量微调 {params['full']:,.0f} 个的 {share:.1%}），")(lang)
        winner = verdict(outcome, "full", "lora", "accuracy")
        if winner == "tie":
            text += T(f"could not be told apart from it at this budget (mean gap {abs(lora_gap):.1f} points).",
                      f"在这个预算下准确率与全量微调分不出高下（平均相差 {abs(lora_gap):.1f} 个百分点）。")(lang)
        elif winner == "a":
            text += T(f"fell {lora_gap:.1f} points short; adapters often need more steps or a larger rank to catch up.",
                      f"准确率低了 {lora_gap:.1f} 个百分点；适配器往往需要更多训练步数或更大的秩才能追上。")(lang)
        else:
            text += T(f"beat it by {-lora_gap:.1f} points, likely because fewer trainable weights overfit less on so "
                      "few examples.", f"反而高出 {-lora_gap:.1f} 个百分点，可能是可训练参数少，在这么少的样本上不易过拟合。")(lang)
    times = {v: outcome.mean(v, "train_seconds") for v in outcome.variants if outcome.values(v, "train_seconds")}
    if times:
        fastest, slowest = min(times, key=times.get), max(times, key=times.get)
        text += T(f" Training time ran from {times[fastest]:.1f} s ({STRATEGY_LABELS[fastest].en}) to "
                  f"{times[slowest]:.1f} s ({STRATEGY_LABELS[slowest].en}).",
                  f"训练时间从 {times[fastest]:.1f} 秒（{STRATEGY_LABELS[fastest].zh}）到 {times[slowest]:.1f} 秒"
                  f"（{STRATEGY_LABELS[slowest].zh}）不等。")(lang)
    return text


def _strategy_choice(outcome: Outcome) -> str:
    """The best strategy by mean when the paired verdict puts it ahead of every strategy outside its choice (the
    three layer-wise ones share a choice), else 'tie': this budget cannot single one out."""
    group = lambda v: v if v in ("full", "frozen", "lora") else "layerwise"  # noqa: E731
    return clear_leader(outcome, "accuracy", group=group) or "tie"


# The source's code (002 code 3) freezes every parameter and then hands the (frozen) head to the optimizer.
def _frozen_head_demo() -> dict:
    import torch
    from torch import nn

    from ..core.datasets import load_dataset
    from ..core.models import TabularMLP

    ds = load_dataset("wine")
    x, y = torch.tensor(ds.x), torch.tensor(ds.y)
    torch.manual_seed(0)
    model = TabularMLP(x.shape[1], len(ds.label_names), hidden_sizes=(16,))
    model.fit_scaler(ds.x)
    for p in model.parameters():                       # as in the source: freeze everything ...
        p.requires_grad = False
    torch.optim.Adam(model.head.parameters(), lr=1e-2)   # ... then optimise the head, which is frozen too
    error = None
    try:
        nn.functional.cross_entropy(model(x)["logits"], y).backward()
    except RuntimeError as err:
        error = str(err).splitlines()[0]
    model.head = nn.Linear(model.head.in_features, len(ds.label_names))   # the fix: a new head after freezing
    backbone = [p.clone() for p in model.layers.parameters()]
    optimizer = torch.optim.Adam(model.head.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x)["logits"], y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"error": error, "loss_first": losses[0], "loss_last": losses[-1], "steps": len(losses),
            "backbone_changed": any(not torch.equal(a, b) for a, b in zip(backbone, model.layers.parameters())),
            "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad)}


def _frozen_head_verdict(v: dict, lang: str) -> str:
    if v["error"]:
        head = T(f"Reproduced: with every parameter frozen, backward() fails with \"{v['error']}\". ",
                 f"已复现：所有参数都被冻结后，backward() 报错“{v['error']}”。")(lang)
    else:
        head = T("No error this time, yet nothing could learn: every parameter was frozen. ",
                 "这次没有报错，但所有参数都被冻结了，模型什么也学不到。")(lang)
    fell = v["loss_last"] < v["loss_first"]
    return head + T(f"With a new head created after freezing, {v['trainable']} head parameters trained and the loss "
                    f"went from {v['loss_first']:.3f} to {v['loss_last']:.3f} in {v['steps']} steps"
                    f"{'' if fell else ' (it did not fall: check the learning rate)'}, while the frozen layers "
                    f"{'changed, which they should not have' if v['backbone_changed'] else 'stayed as they were'}.",
                    f"冻结之后再新建分类头，{v['trainable']} 个分类头参数参与训练，{v['steps']} 步内损失从 "
                    f"{v['loss_first']:.3f} 变为 {v['loss_last']:.3f}{'' if fell else '（没有下降：请检查学习率）'}，"
                    f"而被冻结的层{'发生了变化，这不应该发生' if v['backbone_changed'] else '完全没有变化'}。")(lang)


def _word_embeddings(module):
    return next(m for name, m in module.named_modules() if name.endswith("word_embeddings")).weight


def _adapter_demo() -> dict:
    import torch

    from ..core.config import ModelConfig
    from ..core.models import apply_strategy, build_model, parameter_counts

    counts, kept = {}, {}
    reference = None
    for name, cfg in (("full", ModelConfig(freeze_embeddings=False)), ("lora", ModelConfig(strategy="lora")),
                      ("scratch", ModelConfig(pretrained=False))):
        built = apply_strategy(build_model(cfg, 2, "text"), cfg)
        counts[name] = parameter_counts(built.module)
        weights = _word_embeddings(built.module).detach()
        reference = weights if reference is None else reference
        kept[name] = bool(torch.equal(weights, reference))
    return {"full": counts["full"]["trainable"], "lora": counts["lora"]["trainable"],
            "scratch": counts["scratch"]["trainable"], "total": counts["full"]["total"],
            "lora_share": counts["lora"]["trainable_share"], "scratch_keeps_pretrained": kept["scratch"],
            "lora_keeps_pretrained": kept["lora"]}


def _adapter_verdict(v: dict, lang: str) -> str:
    yes_no = lambda flag: T("yes" if flag else "no", "是" if flag else "否")(lang)  # noqa: E731
    return T(f"Counted on MiniLM: full fine-tuning trains {v['full']:,} parameters, starting from the pretrained "
             f"weights. Training from scratch trains {v['scratch']:,}, but from random values (starts from the "
             f"pretrained word embeddings: {yes_no(v['scratch_keeps_pretrained'])}). LoRA keeps every pretrained "
             f"weight (unchanged at the start: {yes_no(v['lora_keeps_pretrained'])}) frozen and trains only {v['lora']:,} "
             f"({v['lora_share']:.2%}) in small adapter matrices and the head. Adapters are the opposite of training "
             "from scratch.",
             f"在 MiniLM 上实际统计：全量微调训练 {v['full']:,} 个参数，从预训练权重出发。从零训练同样训练 "
             f"{v['scratch']:,} 个参数，但从随机值出发（是否从预训练词向量出发：{yes_no(v['scratch_keeps_pretrained'])}）。"
             f"LoRA 把所有预训练权重冻结（开始时是否与预训练一致：{yes_no(v['lora_keeps_pretrained'])}），只训练小型适配器"
             f"矩阵和分类头中的 {v['lora']:,} 个参数（{v['lora_share']:.2%}）。适配器方法与从零训练恰恰相反。")(lang)


CONCEPT_5 = Lesson(
    id="concept.5", topic="concept", sources="004 #3",
    title=T("Fine-tuning strategies", "微调策略"),
    question=T("What fine-tuning strategies are there, and how do they trade accuracy against cost?",
               "常见的微调策略有哪些？它们如何在准确率与开销之间权衡？"),
    answer=T("Full fine-tuning updates every weight: usually the most accurate, and the most memory and storage per "
             "task. A frozen backbone trains only the new head (a linear probe): cheap, but the features cannot "
             "adapt. Between them, training only the last few layers, unfreezing layers gradually from the top, or "
             "giving lower layers smaller learning rates (discriminative rates) protect the general features while "
             "letting the top adapt. Parameter-efficient methods freeze the pretrained weights and train a small "
             "add-on: adapters (small bottleneck layers inserted in each block), prefix or prompt tuning (trainable "
             "vectors prepended to each layer's keys and values, or to the input), BitFit (biases only), or LoRA, "
             "which adds a low-rank update BA of rank r beside chosen weight matrices, scaled by alpha/r. Each task "
             "then stores only a few hundred thousand parameters. QLoRA keeps the frozen base in 4-bit NF4 and trains "
             "LoRA on top, so large models fit on one GPU; after training, the LoRA update can be merged into the "
             "weights (W + (alpha/r)BA), so inference costs nothing extra. Head-only and LoRA runs use larger "
             "learning rates here, as they usually need.",
             "全量微调更新所有权重：通常最准，但每个任务占用的显存和存储也最多。冻结主干只训练新的分类头（即线性探针"
             "）：开销小，但特征本身无法适配。介于两者之间的做法有：只训练最后几层、从顶层开始逐层解冻，或给较低的层"
             "更小的学习率（分层学习率），在保护通用特征的同时让顶层适配任务。参数高效方法冻结预训练权重，只训练一小"
             "部分附加参数：Adapter（在每个模块中插入的小型瓶颈层）、前缀微调和提示微调（在各层注意力的键和值前、或在"
             "输入前拼接可训练向量）、BitFit（只训练偏置），以及 LoRA：在选定的权重矩阵旁加一个秩为 r 的低秩更新 BA，"
             "并按 alpha/r 缩放。每个任务只需保存几十万个参数。QLoRA 把冻结的基座模型以 4 位 NF4 格式存放，在其上训练"
             " LoRA，让大模型也能在单张 GPU 上微调；训练完成后，LoRA 的更新可以合并进权重（W + (alpha/r)BA），推理时"
             "没有额外开销。本课中只训练分类头和 LoRA 的运行按惯例使用了更大的学习率。"),
    experiment=_strategies, takeaway=_strategies_takeaway,
    figures=bar_figures("accuracy", "trainable_parameters", "train_seconds", label=STRATEGY_LABELS, with_curves=True),
    quiz=Quiz(T("Which strategy will reach the highest test accuracy?", "哪种策略的测试准确率最高？"),
              {"full": STRATEGY_LABELS["full"], "frozen": STRATEGY_LABELS["frozen"], "lora": STRATEGY_LABELS["lora"],
               "layerwise": T("one of the layer-wise ones (last 2 layers, gradual, discriminative)",
                              "某种分层方法（最后 2 层、逐层解冻、分层学习率）"),
               "tie": T("no strategy clearly highest", "没有哪种策略明显最高")},
              _strategy_choice),
    corrections=(
        Correction("002 code 3",
                   T("Freeze every parameter of the pretrained model, then give the optimizer fc.parameters() and "
                     "train.", "冻结预训练模型的全部参数，然后把 fc.parameters() 交给优化器进行训练。"),
                   T("After the loop that freezes everything, fc is frozen too, so the loss has no gradient and "
                     "backward() raises an error. Replace the head after freezing (a new layer is trainable), or set "
                     "requires_grad back to True on the head's parameters.",
                     "冻结全部参数的循环同样冻结了 fc，损失没有梯度，backward() 会直接报错。应在冻结之后再替换分类头"
                     "（新建的层默认可训练），或把分类头参数的 requires_grad 重新设为 True。"),
                   _frozen_head_demo, _frozen_head_verdict),
        Correction("004 #3",
                   T("\"Adapter-free fine-tuning\" trains the model directly on the task without using the pretrained "
                     "model's structure.", "“无适配器微调”直接在特定任务上训练模型，不使用预训练模型的结构。"),
                   T("Training without the pretrained weights is training from scratch, not a fine-tuning strategy. "
                     "Adapters such as LoRA are the opposite: small trainable modules inserted into a frozen "
                     "pretrained model.",
                     "不用预训练权重直接训练，就是从零训练，而不是一种微调策略。LoRA 等适配器方法恰恰相反：在冻结的"
                     "预训练模型中插入少量可训练的小模块。"),
                   _adapter_demo, _adapter_verdict),
    ),
    settings={"train_examples": 400, "epochs": 1, "lr": 1e-4, "head_lr": 1e-3, "lora_lr": 5e-4}, repeats=3,
)


# ---------------------------------------------------------------- concept.6

MINILM_LAYERS = 6


def truncated_minilm(layers: int) -> str:
    """A folder holding MiniLM with only its bottom `layers` transformer blocks (and its tokenizer), written once
    under $WORKBENCH_HOME/lessons/models; the full model for layers >= 6. A smaller encoder of the same family."""
    if layers < 1:
        raise ValueError(f"layers must be at least 1 (got {layers}).")
    if layers >= MINILM_LAYERS:
        return "minilm"
    import shutil

    from transformers import AutoModel, AutoTokenizer

    from ..core.pretrained import minilm_path
    from ..core.store import workbench_home

    folder = workbench_home() / "lessons" / "models" / f"minilm-L{layers}"
    if (folder / "config.json").exists():
        return str(folder)
    model = AutoModel.from_pretrained(minilm_path())
    model.encoder.layer = model.encoder.layer[:layers]
    model.config.num_hidden_layers = layers
    tmp = _private_name(folder)
    model.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(minilm_path()).save_pretrained(tmp)
    try:
        tmp.rename(folder)
    except OSError:            # another thread finished the same folder first
        shutil.rmtree(tmp, ignore_errors=True)
    return str(folder)


def _size_label(variant: str) -> T:
    if variant.startswith("minilm_L"):
        n = int(variant.removeprefix("minilm_L"))
        return T(f"MiniLM, {n} layer{'s' if n > 1 else ''}", f"MiniLM（{n} 层）")
    return T(variant, variant)


def _size_labels(outcome: Outcome) -> dict[str, T]:
    return {v: _size_label(v) for v in outcome.variants}


def size_lr(layers: int, settings: dict) -> float:
    """The rate each size trains at: `lr` for the whole encoder, `truncated_lr` for a truncated one. In the bottom
    layers of MiniLM the [CLS] vector the classifier reads is the same for every review (cosine similarity 1.00
    between reviews after 1 to 3 layers, 0.73 after all 6), so a truncated encoder must first learn to route the
    review into [CLS]: at 1e-4 the 3-layer copy predicted one class for every review; at 3e-4 it reached 0.67."""
    return float(settings["lr"] if layers >= MINILM_LAYERS else settings["truncated_lr"])


def _model_sizes(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=s["train_examples"], epochs=s["epochs"], lr=s["lr"],
                               log_every=5)
    layers = sorted({MINILM_LAYERS, min(int(s["fewer_layers"]), MINILM_LAYERS), min(int(s["fewest_layers"]),
                                                                                    MINILM_LAYERS)}, reverse=True)
    variants = {f"minilm_L{n}": base.replace(model=truncated_minilm(n), lr=size_lr(n, s)) for n in layers}
    if str(s["hub_model"]).strip():
        variants[str(s["hub_model"]).strip()] = base.replace(model=str(s["hub_model"]).strip())
    outcome = ctx.run_variants(variants, **QUICK_SCORING)
    outcome.extra["lrs"] = {name: cfg.train.lr for name, cfg in variants.items()}
    return outcome


def _model_sizes_takeaway(outcome: Outcome, lang: str) -> str:
    labels = _size_labels(outcome)
    text = ranking_takeaway(outcome, "accuracy", lang, labels)
    minilm = sorted((v for v in outcome.variants if v.startswith("minilm_L")), key=lambda v: int(v[8:]))
    full, small = f"minilm_L{MINILM_LAYERS}", minilm[0]
    if small == full or full not in outcome.variants:
        return text
    p_full, p_small = outcome.mean(full, "trainable_parameters"), outcome.mean(small, "trainable_parameters")
    t_full, t_small = outcome.mean(full, "train_seconds"), outcome.mean(small, "train_seconds")
    text += T(f" Keeping {small[8:]} of {MINILM_LAYERS} layers cut the parameters from {p_full / 1e6:.1f} M to "
              f"{p_small / 1e6:.1f} M (most of what is left is the word-embedding table) and training time from "
              f"{t_full:.1f} s to {t_small:.1f} s. ",
              f"只保留 {MINILM_LAYERS} 层中的 {small[8:]} 层，参数量从 {p_full / 1e6:.1f} M 降到 {p_small / 1e6:.1f} M"
              f"（剩下的大部分是词向量表），训练时间从 {t_full:.1f} 秒降到 {t_small:.1f} 秒。")(lang)
    rates = outcome.extra.get("lrs") or {}
    if rates.get(small) and rates.get(full) and rates[small] != rates[full]:
        text += T(f"Each size trained at its own rate: {rates[full]:g} for the whole encoder, {rates[small]:g} for "
                  "the truncated ones, whose [CLS] output starts out the same for every review. ",
                  f"每个规模用各自的学习率训练：完整编码器 {rates[full]:g}，截断版本 {rates[small]:g}（它们的 [CLS] "
                  "输出一开始对每条评论都一样）。")(lang)
    text += compare_takeaway(outcome, full, small, "accuracy", lang, labels)
    loss = gap_points(outcome, full, small)
    collapsed = [v for v in minilm if v != full and _predicts_one_class(outcome, v)]
    if collapsed:
        names = T(" and ", " 和 ")(lang).join(labels[v](lang) for v in collapsed)
        return text + T(
            f" But {names} never learned the task (balanced accuracy 0.5: one class predicted for every "
            "review), so this gap "
            "measures a failed fine-tune more than missing capacity. Cutting layers off a pretrained encoder leaves "
            "layers that were never trained to feed a classifier from their output, and they need a larger "
            "learning rate or longer training; real small models are distilled instead (trained to imitate the "
            "large one at their own size).",
            f"但 {names} 根本没有学会这个任务（平衡准确率 0.5：对每条评论都预测同一个类别），所以这个差距更多反映的是微调失败，"
            "而不是容量不足。把预训练编码器的层直接截掉，剩下的层从未被训练成让分类器直接使用其输出，需要更大的学习率"
            "或更长的训练；真正的小模型是蒸馏出来的（在自己的规模上训练去模仿大模型）。")(lang)
    if verdict(outcome, full, small, "accuracy") != "a":
        text += T(" On this much data the small encoder gave up no accuracy this budget can detect, so it is the "
                  "better buy; bigger models earn their cost with harder tasks and more labelled data.",
                  "在这样的数据量下，小编码器没有可测出的准确率损失，性价比更高；大模型要在更难的任务和更多标注数据上才能"
                  "体现价值。")(lang)
    else:
        text += T(f" The extra layers are worth {loss:.1f} points here: pick the smaller model only if its speed or "
                  "memory matters more than that.",
                  f"多出来的层在这里值 {loss:.1f} 个百分点：只有当速度或内存比这点准确率更重要时，才选小模型。")(lang)
    return text


def _predicts_one_class(outcome: Outcome, variant: str) -> bool:
    balanced = outcome.values(variant, "balanced_accuracy")
    return bool(balanced) and max(balanced) <= 0.52


def _size_loss_choice(outcome: Outcome) -> str:
    """The band the paired 95 % interval of the accuracy lost (whole minus smallest) is clearly above: more than 8
    points, more than 2, or 'small' (not clearly more than 2 points, no clear loss included)."""
    minilm = sorted((v for v in outcome.variants if v.startswith("minilm_L")), key=lambda v: int(v[8:]))
    return band(outcome.compare(minilm[0], f"minilm_L{MINILM_LAYERS}", "accuracy"), {"large": 0.08, "medium": 0.02},
                "small")


CONCEPT_6 = Lesson(
    id="concept.6", topic="concept", sources="003 #3",
    title=T("Choosing a pretrained model", "如何选择预训练模型"),
    question=T("How do you choose a pretrained model to fine-tune?", "微调时应该如何选择预训练模型？"),
    answer=T("Match the architecture to the task first: encoders (BERT, MiniLM) read the whole input in both "
             "directions and suit classification, tagging and embeddings; decoders (GPT-style) predict the next token "
             "and suit generation; encoder-decoders (T5, BART) suit translation and summarisation. Then match the "
             "pre-training data to your domain and language, and the size to your labelled data, latency and "
             "hardware: a small model fine-tuned well often matches a large one on a simple task with little data, "
             "and is far cheaper to serve. Offline, this lesson compares MiniLM with copies that keep only the bottom "
             "layers (same family, smaller size); online, set hub_model to any hub encoder to add it to the "
             "comparison. Each size needs a rate that works for it: the whole encoder trains at 1e-4, the truncated "
             "copies at 3e-4, because in MiniLM's bottom layers the [CLS] vector the classifier reads is the same for "
             "every review (measured cosine similarity 1.00 between reviews after 1 to 3 layers, 0.73 after 6), so "
             "they must first learn to route the review into it; at 1e-4 the 3-layer copy predicted one class for "
             "every review, at 3e-4 it learned the task. The 1-layer copy stayed at one class even at 1e-3, so the "
             "smallest size tried is 2 layers.",
             "首先让架构匹配任务：编码器（BERT、MiniLM）双向读取整段输入，适合分类、序列标注和生成向量；解码器（GPT 类）"
             "逐词预测下一个词，适合文本生成；编码器-解码器（T5、BART）适合翻译和摘要。其次让预训练数据匹配你的领域和语言，"
             "让模型规模匹配你的标注数据量、延迟要求和硬件：在数据少的简单任务上，认真微调的小模型常常不输大模型，部署成本"
             "却低得多。离线时，本课把 MiniLM 与只保留底部几层的截断版本（同一系列、规模更小）进行对比；联网时，把 "
             "hub_model 设为任意 hub 上的编码器即可加入比较。每个规模都需要适合它的学习率：完整编码器用 1e-4，截断版本"
             "用 3e-4，因为 MiniLM 底部几层输出的 [CLS] 向量（分类器读取的就是它）对每条评论都几乎一样（实测 1 到 3 层后"
             "评论之间的余弦相似度为 1.00，6 层后为 0.73），截断模型必须先学会把评论的信息汇入 [CLS]；在 1e-4 下 3 层版本"
             "对每条评论都预测同一类，在 3e-4 下它学会了任务。1 层版本即使在 1e-3 下也只预测一类，所以最小只试 2 层。"),
    experiment=_model_sizes, takeaway=_model_sizes_takeaway,
    figures=bar_figures("accuracy", "trainable_parameters", "train_seconds",
                  label=_size_labels),
    quiz=Quiz(T("How much accuracy will MiniLM lose when cut down to its first {fewest_layers} layer(s)?",
                "把 MiniLM 截到只剩前 {fewest_layers} 层，准确率会损失多少？"),
              {"small": T("not clearly more than 2 points", "没有明显超过 2 个百分点"),
               "medium": T("clearly more than 2 points, not clearly more than 8", "明显超过 2 个百分点，但没有明显超过 8 个"),
               "large": T("clearly more than 8 points", "明显超过 8 个百分点")},
              _size_loss_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "truncated_lr": 3e-4, "fewer_layers": 3,
              "fewest_layers": 2, "hub_model": ""}, repeats=3,
)


# ---------------------------------------------------------------- concept.7

ARCH_LABELS = {"mlp": T("MLP on raw pixels", "MLP（直接输入像素）"),
               "vit_scratch": T("small vision transformer from scratch", "小型视觉 Transformer（从零训练）"),
               "cnn_scratch": T("CNN from scratch", "CNN（从零训练）"),
               "cnn_pretrained": T("CNN pretrained on ImageNet", "CNN（ImageNet 预训练）")}
VIT_LR = 1e-3      # AdamW's usual rate for a small transformer trained from scratch


def mnist_pixels_csv() -> str:
    """The mnist images as a table (784 pixel columns and a label column), written once under
    $WORKBENCH_HOME/lessons/data: the same examples in the same order, so a seeded split picks the same rows."""
    import pandas as pd

    from ..core.datasets import load_dataset
    from ..core.store import workbench_home

    path = workbench_home() / "lessons" / "data" / "mnist_pixels.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ds = load_dataset("mnist")
        frame = pd.DataFrame(ds.x.reshape(len(ds), -1), columns=[f"px{i}" for i in range(ds.x[0].size)])
        frame["label"] = [ds.label_names[y] for y in ds.y]
        tmp = _private_name(path)
        frame.to_csv(tmp, index=False)
        tmp.replace(path)
    return str(path)


def _architectures(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    # MNIST's 28-pixel digits upscaled to 96 px, and a higher rate than the image default: at 64 px and 5e-4 the
    # pretrained CNN reached 0.47 on 600 digits (below the MLP), at 96 px and 2e-3 0.84, at 128 px 0.94 (slower).
    cnn = RunConfig.from_flat(dataset="mnist", model="efficientnet_lite0", image_size=s["image_size"], lr=s["lr"],
                              max_train_samples=s["train_examples"], max_eval_samples=500, epochs=s["epochs"],
                              log_every=5, save_checkpoints=False, save_model=False)
    mlp = cnn.replace(dataset=mnist_pixels_csv(), model="mlp", lr=None, hidden_sizes=(256, 128))
    # The transformer reads the digits at their own 28 px as a 7 x 7 grid of 4-pixel patches (no upscaling: a
    # patch token needs no larger picture), from random weights: no pretrained vision transformer ships here.
    from ..core.models import VIT
    vit = cnn.replace(model=VIT, pretrained=False, image_size=28, lr=VIT_LR)
    return ctx.run_variants({"mlp": mlp, "vit_scratch": vit, "cnn_scratch": cnn.replace(pretrained=False),
                             "cnn_pretrained": cnn}, **QUICK_SCORING)


def _architectures_takeaway(outcome: Outcome, lang: str) -> str:
    text = ranking_takeaway(outcome, "accuracy", lang, ARCH_LABELS) + space(lang)
    text += compare_takeaway(outcome, "cnn_pretrained", "mlp", "accuracy", lang, ARCH_LABELS)
    scratch_gap = gap_points(outcome, "cnn_scratch", "mlp")
    if verdict(outcome, "cnn_scratch", "mlp", "accuracy") == "a":
        text += T(f" Even from random weights the CNN beat the MLP by {scratch_gap:.1f} points: convolutions look for "
                  "the same small patterns everywhere in the image, an assumption that fits pictures and that the MLP "
                  "has to learn pixel by pixel.",
                  f"即使从随机权重开始，CNN 也比 MLP 高 {scratch_gap:.1f} 个百分点：卷积在图像各处寻找相同的局部模式，"
                  "这个先验正好符合图像的特点，而 MLP 只能逐个像素地去学。")(lang)
    elif verdict(outcome, "cnn_pretrained", "mlp", "accuracy") == "a":
        text += T(f" From random weights the CNN was not clearly ahead of the MLP ({scratch_gap:+.1f} points): a "
                  "deep CNN needs more data and steps than this to learn its filters, so here its advantage came from "
                  "pre-training, not from the architecture alone.",
                  f"从随机权重开始时，CNN 并没有明显强于 MLP（{scratch_gap:+.1f} 个百分点）：深层 CNN 需要比这更多的数据和"
                  "训练步数才能学好卷积核，所以这里它的优势来自预训练，而不单是架构本身。")(lang)
    else:
        text += T(" Neither CNN was clearly ahead of the MLP: with this few images and steps the much larger CNN has "
                  "not adapted yet, "
                  "while a small MLP on 784 pixels learns fast. Give the CNNs more examples or epochs before judging the "
                  "architectures.",
                  "两个 CNN 都没有明显胜过 MLP：图像和训练步数这么少，大得多的 CNN 还没来得及适配，而直接读 784 个像素的小 "
                  "MLP 学得很快。先给 CNN 更多样本或训练轮数，再评判架构的优劣。")(lang)
    if "vit_scratch" in outcome.variants and outcome.values("vit_scratch", "accuracy"):
        text += space(lang) + _transformer_sentence(outcome, lang)
    return text


def _transformer_sentence(outcome: Outcome, lang: str) -> str:
    """Where the from-scratch vision transformer stands against the MLP and the pretrained CNN, by the verdicts."""
    acc = outcome.mean("vit_scratch", "accuracy")
    vs_mlp = verdict(outcome, "vit_scratch", "mlp", "accuracy")
    vs_cnn = verdict(outcome, "vit_scratch", "cnn_pretrained", "accuracy")
    head = T(f"The small vision transformer from scratch reached {acc:.3f}",
             f"从零训练的小型视觉 Transformer 准确率为 {acc:.3f}")(lang)
    if vs_mlp == "b":
        place = T(", clearly below the MLP: a transformer has no built-in notion that neighbouring pixels belong "
                  "together (the CNN's prior), so it must learn even that from the data, and a few hundred images "
                  "and steps are not enough; vision transformers win when they are pretrained on millions of images "
                  "or given far more data.",
                  "，明显低于 MLP：Transformer 没有“相邻像素属于一起”这种内置假设（这正是 CNN 的先验），连这一点都要从"
                  "数据中学，几百张图像和这么少的训练步数远远不够；视觉 Transformer 要在数百万张图像上预训练，或者有多得"
                  "多的数据，才会占优。")
    elif vs_mlp == "a":
        place = T(", clearly above the MLP: cutting the image into patches and letting them attend to each other "
                  "already helped at this size, though without pre-training it is no substitute for the CNN's "
                  "ImageNet features." if vs_cnn == "b" else
                  ", clearly above the MLP: cutting the image into patches and letting them attend to each other "
                  "already helped at this size.",
                  "，明显高于 MLP：把图像切成小块并让它们相互注意，在这个数据量下已经有帮助；不过没有预训练，它替代不了 "
                  "CNN 的 ImageNet 特征。" if vs_cnn == "b" else
                  "，明显高于 MLP：把图像切成小块并让它们相互注意，在这个数据量下已经有帮助。")
    else:
        place = T(", not clearly different from the MLP at this budget: with no pre-training and a few hundred "
                  "images, neither the patches nor the attention have shown an advantage yet.",
                  "，在这个预算下与 MLP 没有明显差别：没有预训练、只有几百张图像时，切块和注意力机制都还没有显出优势。")
    return head + place(lang)


def _architecture_choice(outcome: Outcome) -> str:
    """The variant the paired verdicts put ahead of every other one; "tie" when this budget cannot single one out."""
    return outcome.clear_best("accuracy") or "tie"


CONCEPT_7 = Lesson(
    id="concept.7", topic="concept", sources="002 #1, #3",
    title=T("Choosing a framework and an architecture", "如何选择框架和网络架构"),
    question=T("How do you choose a deep-learning framework, and a network architecture for a task?",
               "如何选择深度学习框架？又如何为任务选择网络架构？"),
    answer=T("Framework: PyTorch is the default for research and most fine-tuning work, and the Hugging Face "
             "libraries (Transformers, PEFT, Accelerate) sit on it; TensorFlow/Keras still has strong deployment "
             "tooling, and JAX suits large-scale TPU training. What matters most is where the pretrained weights and "
             "the team's experience already are; models can be exported (e.g. to ONNX) for serving either way. "
             "Architecture follows the structure of the data: MLPs for fixed-length feature vectors such as tables, "
             "CNNs for images because they reuse local filters everywhere, transformers for text and other sequences "
             "(and for images when data is plentiful or pretrained weights exist). Here the same digit images go to "
             "an MLP on raw pixels, to a small vision transformer (the image as a 7 x 7 grid of patch tokens, 4 "
             "encoder layers, 0.14 M weights) trained from scratch because no pretrained one ships here, and to a CNN "
             "(EfficientNet-Lite0) from scratch and pretrained.",
             "框架方面：PyTorch 是科研和大多数微调工作的默认选择，Hugging Face 的 Transformers、PEFT、Accelerate "
             "都建立在它之上；TensorFlow/Keras 在部署工具上依然很强，JAX 适合在 TPU 上做大规模训练。最关键的是预训练"
             "权重和团队经验在哪个框架上；无论选哪个，模型都能导出（如导出为 ONNX）用于部署。架构方面要看数据的结构："
             "表格这类定长特征向量用 MLP；图像用 CNN，因为它在整张图上复用局部卷积核；文本等序列用 Transformer（数据"
             "足够多或有预训练权重时图像也可以用）。本课把同一批手写数字图像分别交给直接读像素的 MLP、从零训练的小型视觉 "
             "Transformer（把图像切成 7 x 7 个小块作为词元，4 层编码器，0.14 M 个权重；本机没有预训练的视觉 "
             "Transformer，所以从零训练）、从零训练的 CNN（EfficientNet-Lite0）和预训练的 CNN。"),
    experiment=_architectures, takeaway=_architectures_takeaway,
    figures=bar_figures("accuracy", "train_seconds", label=ARCH_LABELS, with_curves=True),
    quiz=Quiz(T("On {train_examples} handwritten digits, which model will classify best?",
                "只有 {train_examples} 张手写数字图像时，哪个模型分类最准？"),
              {**ARCH_LABELS, "tie": NO_CLEAR_DIFFERENCE}, _architecture_choice),
    settings={"train_examples": 600, "epochs": 2, "image_size": 128, "lr": 2e-3}, repeats=3,
    time_budget_s=240,
    budget_note=T("the question is which architecture suits images, so four models train side by side (an MLP, a "
                  "vision transformer, a CNN from scratch and a pretrained CNN), each over 3 seeds; the CNNs need "
                  "128 px images to do their job.",
                  "本题问的是图像该用哪种架构，所以四个模型并排训练（MLP、视觉 Transformer、从零训练的 CNN 和预训练的 "
                  "CNN），每个跑 3 个种子；CNN 需要 128 像素的图像才能发挥作用。"),
)

LESSONS = [CONCEPT_1, CONCEPT_2, CONCEPT_3, CONCEPT_4, CONCEPT_5, CONCEPT_6, CONCEPT_7]
