"""Concept lessons: what pre-training buys, transfer, strategies, choosing models."""
from __future__ import annotations

import os
import statistics
import threading

from ..config import RunConfig
from ..datasets import DatasetError
from . import figures
from .support import EVERY_WEIGHT
from .base import (Correction, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, metric_name,
                   ranking_takeaway)

SENTIMENT = dict(dataset="rotten_tomatoes", max_length=64, max_eval_samples=400, save_checkpoints=False,
                 save_model=False, **EVERY_WEIGHT)


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
    settings={"train_examples": 300, "lr": 1e-4}, repeats=2,   # 5e-5 barely moves the new head in ~40 steps
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

    from ..data_quality import MemoEncoder
    from ..datasets import load_dataset, split_dataset
    from ..embeddings import Encoder
    from ..plots import project_2d

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
    if gap > 10:
        text += T(f" The same linear classifier is {gap:.0f} points better on the pretrained features: pre-training "
                  "had already arranged the reviews so that sentiment can be read off with a straight line, before "
                  "the model saw a single label.",
                  f"同一个线性分类器在预训练特征上高出 {gap:.0f} 个百分点：模型还没见过任何一个标签，预训练就已经把影评"
                  "排布得几乎能用一条直线分出好评和差评。")(lang)
    elif gap > 2:
        text += T(f" The pretrained features help by {gap:.1f} points; more training examples for the probe, or "
                  "fine-tuning the encoder itself, usually widens what they offer.",
                  f"预训练特征带来 {gap:.1f} 个百分点的提升；给线性探针更多训练样本，或直接微调编码器，通常能把这份优势"
                  "用得更充分。")(lang)
    else:
        text += T(" Here the pretrained features were no better than random ones, which is unusual: check that the "
                  "pretrained weights really loaded.",
                  "这里预训练特征并不比随机特征好，这很反常：请检查预训练权重是否真的加载成功。")(lang)
    majority = outcome.extra.get("majority")
    if majority:
        base, rand = statistics.fmean(majority), outcome.mean("random", "accuracy")
        if rand - base > 0.03:
            text += T(f" Even random features beat always guessing the commoner class ({rand:.3f} vs {base:.3f}): "
                      "averaging random word vectors still keeps which words occur.",
                      f"即便是随机特征也胜过总猜多数类（{rand:.3f} 对 {base:.3f}）：把随机词向量取平均，仍然保留了"
                      "“出现了哪些词”这一信息。")(lang)
        else:
            text += T(f" Random features stay near the rate of always guessing the commoner class ({rand:.3f} vs "
                      f"{base:.3f}).", f"随机特征的准确率接近总猜多数类的水平（{rand:.3f} 对 {base:.3f}）。")(lang)
    return text


def _linear_probe_figures(outcome: Outcome, lang: str) -> list:
    from ..plots import fig_embedding_scatter

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
    gap = gap_points(outcome, "pretrained", "random")
    return "big" if gap > 10 else "some" if gap > 2 else "none"


CONCEPT_1 = Lesson(
    id="concept.1", topic="concept", sources="001 #1, 004 #1-2",
    title=T("What pre-training gives a model", "预训练给了模型什么"),
    question=T("What does pre-training give a model, and why does it help later tasks?",
               "预训练到底给了模型什么？为什么它能帮助后续任务？"),
    answer=T("Pre-training fits a network to a self-supervised objective on a large unlabelled corpus (for BERT-style "
             "encoders: predict masked words; MiniLM was then further trained to place similar sentences close "
             "together). To do that well it has to encode word meaning, syntax and context, so its internal features "
             "already describe text in useful terms. A new task then needs only a small labelled set to map those "
             "features to its labels. The cleanest test is a linear probe: freeze the encoder, fit a logistic "
             "regression on its features, and compare against an identical network with random weights.",
             "预训练是在大规模无标注语料上用自监督目标训练网络（BERT 类编码器的目标是预测被遮住的词；MiniLM 之后还"
             "被训练成让意思相近的句子在向量空间里靠在一起）。要把这个目标做好，模型就得学会词义、句法和上下文，"
             "所以它内部的特征本身就能很好地刻画文本。新任务只需少量标注数据，把这些特征对应到自己的标签上。最干净的"
             "检验方法是线性探针：冻结编码器，在它输出的特征上训练一个逻辑回归，再和结构完全相同、权重随机的网络对比。"),
    experiment=_linear_probe, takeaway=_linear_probe_takeaway, figures=_linear_probe_figures,
    quiz=Quiz(T("A logistic regression reads frozen features of Rotten Tomatoes reviews. How much better will it do "
                "on pretrained MiniLM features than on the features of a randomly initialised copy?",
                "用逻辑回归读取烂番茄影评的冻结特征。相比随机初始化的同结构模型，它在预训练 MiniLM 特征上会好多少？"),
              {"big": T("more than 10 points of accuracy", "准确率高出 10 个百分点以上"),
               "some": T("between 2 and 10 points", "高出 2 到 10 个百分点"),
               "none": T("2 points or less", "最多 2 个百分点")},
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

    from ..datasets import load_dataset
    from ..store import workbench_home

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
    from ..config import RunConfig
    from ..predict import load_predictor
    from ..runner import prepare_splits

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
    gap = gap_points(outcome, "in_domain", "cross")
    if gap > 3:
        text += T(f" The same number of in-domain examples was worth {gap:.1f} points: a general model becomes a "
                  "domain model by fine-tuning (or continuing pre-training) on that domain's own text.",
                  f"同样数量的领域内样本多带来 {gap:.1f} 个百分点：通用模型要靠在目标领域自己的文本上微调（或继续"
                  "预训练），才能变成领域模型。")(lang)
    elif gap >= -3:
        text += T(" These two domains are close enough that what was learnt on one carried over to the other; the "
                  "further apart the domains (say, film reviews vs product reviews or clinical notes), the larger the "
                  "drop and the more in-domain data is worth.",
                  "这两个领域足够接近，在一个领域学到的东西基本能迁移到另一个；领域相差越远（比如影评与商品评论或"
                  "病历），下降越大，领域内数据也就越值钱。")(lang)
    else:
        text += T(f" Here the source-trained model did {-gap:.1f} points better even on the target domain: its "
                  "training reviews may simply have been easier to learn from. Repeat over more seeds before reading "
                  "much into it.",
                  f"这里源领域训练的模型在目标领域上反而高出 {-gap:.1f} 个百分点：可能只是源领域的训练影评更好学。"
                  "多用几个种子重复之后再下结论。")(lang)
    return text


def _in_domain_choice(outcome: Outcome) -> str:
    gap = gap_points(outcome, "in_domain", "cross")
    return "in_domain" if gap > 3 else "close" if gap >= -3 else "source"


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
              {"in_domain": T("yes, by more than 3 points", "会，领先超过 3 个百分点"),
               "close": T("within 3 points either way", "两者相差不超过 3 个百分点"),
               "source": T("no, the comedy-trained model wins by more than 3 points",
                           "不会，喜剧片训练的模型反而领先超过 3 个百分点")},
              _in_domain_choice),
    settings={"train_examples": 250, "epochs": 2, "lr": 1e-4, "target_dataset": ""}, repeats=3,
)


# ---------------------------------------------------------------- concept.4

COMBINE_LABELS = {"pretrain_only": T("pre-training only (frozen encoder, trained head)", "只预训练（冻结编码器，只训练分类头）"),
                  "finetune_only": T("fine-tuning only (random start)", "只微调（随机初始化）"),
                  "both": T("pre-training + fine-tuning", "预训练 + 微调")}


def _combine(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    both = RunConfig.from_flat(**SENTIMENT, max_train_samples=s["train_examples"], epochs=s["epochs"], lr=s["lr"],
                               eval_every=10, log_every=5)
    return ctx.run_variants({"pretrain_only": both.replace(strategy="frozen", lr=s["head_lr"]),
                             "finetune_only": both.replace(pretrained=False), "both": both}, **QUICK_SCORING)


def _combine_takeaway(outcome: Outcome, lang: str) -> str:
    text = ranking_takeaway(outcome, "accuracy", lang, COMBINE_LABELS) + space(lang)
    text += T("What fine-tuning adds on top of pre-training: ", "在预训练之上，微调带来的：")(lang)
    text += compare_takeaway(outcome, "both", "pretrain_only", "accuracy", lang, COMBINE_LABELS) + space(lang)
    text += T("What pre-training adds to fine-tuning (the transfer): ", "预训练给微调带来的（即迁移）：")(lang)
    text += compare_takeaway(outcome, "both", "finetune_only", "accuracy", lang, COMBINE_LABELS)
    best = outcome.best("accuracy")
    if best == "both":
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
             "a small labelled set, with a new task head and a small learning rate so the general knowledge is adjusted "
             "rather than overwritten. Transfer is the knowledge that crosses from the first task to the second; you "
             "see it as the gap between starting from pretrained weights and starting from random ones, given the same "
             "labelled data. This lesson separates the stages: frozen pretrained features with only a head trained "
             "(the head gets a larger learning rate, as a lone linear layer needs), fine-tuning from a random start, "
             "and both.",
             "两个阶段分工明确。预训练只做一次，在海量无标注语料上进行，留下蕴含通用知识的权重；微调从这些权重出发，"
             "在少量标注数据上接着训练，换上新的任务头并使用较小的学习率，让通用知识被调整而不是被覆盖。迁移指的是从第一"
             "个任务带到第二个任务的知识；在标注数据相同的前提下，从预训练权重出发与从随机权重出发之间的差距，就是它的"
             "体现。本课把两个阶段拆开对比：冻结预训练特征只训练分类头（单独一层线性层需要更大的学习率，所以分类头用了"
             "较大的学习率）、从随机初始化开始微调，以及两者结合。"),
    experiment=_combine, takeaway=_combine_takeaway,
    figures=bar_figures("accuracy", label=COMBINE_LABELS, with_curves=True),
    quiz=Quiz(T("Which of the three will reach the highest test accuracy?", "三者中哪一个的测试准确率最高？"),
              {name: label for name, label in COMBINE_LABELS.items()}, lambda o: o.best("accuracy")),
    settings={"train_examples": 300, "epochs": 2, "lr": 1e-4, "head_lr": 1e-3}, repeats=2,
)


# ---------------------------------------------------------------- concept.5

STRATEGY_LABELS = {"full": T("full fine-tuning", "全量微调"), "frozen": T("frozen backbone (head only)", "冻结主干（只训练头）"),
                   "last_n": T("last 2 layers + head", "最后 2 层 + 头"), "gradual": T("gradual unfreezing", "逐层解冻"),
                   "discriminative": T("discriminative learning rates", "分层学习率"),
                   "lora": T("LoRA adapters", "LoRA 适配器")}


def _strategies(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    # six strategies x two seeds: score once per epoch on 300 examples to stay within the two-minute budget
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
        if abs(lora_gap) <= 2:
            text += T(f"landed within {abs(lora_gap):.1f} points of it.",
                      f"准确率与全量微调相差不到 {abs(lora_gap):.1f} 个百分点。")(lang)
        elif lora_gap > 0:
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
    best = outcome.best("accuracy")
    return best if best in ("full", "frozen", "lora") else "layerwise"


# The source's code (002 code 3) freezes every parameter and then hands the (frozen) head to the optimizer.
def _frozen_head_demo() -> dict:
    import torch
    from torch import nn

    from ..datasets import load_dataset
    from ..models import TabularMLP

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

    from ..config import ModelConfig
    from ..models import apply_strategy, build_model, parameter_counts

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
             "task. A frozen backbone trains only the new head (a linear probe): cheap, but the features cannot adapt. "
             "Between them, training only the last few layers, unfreezing layers gradually from the top, or giving "
             "lower layers smaller learning rates (discriminative rates) protect the general features while letting "
             "the top adapt. Parameter-efficient methods such as LoRA freeze the whole model and add small trainable "
             "low-rank matrices beside some weight matrices, so each task stores only a few hundred thousand numbers. "
             "Head-only and LoRA runs use larger learning rates here, as they usually need.",
             "全量微调更新所有权重：通常最准，但每个任务占用的显存和存储也最多。冻结主干只训练新的分类头（即线性探针）："
             "开销小，但特征本身无法适配。介于两者之间的做法有：只训练最后几层、从顶层开始逐层解冻，或给较低的层更小的"
             "学习率（分层学习率），在保护通用特征的同时让顶层适配任务。LoRA 等参数高效方法冻结整个模型，在部分权重"
             "矩阵旁加上可训练的小型低秩矩阵，每个任务只需保存几十万个数。本课中只训练分类头和 LoRA 的运行按惯例使用了"
             "更大的学习率。"),
    experiment=_strategies, takeaway=_strategies_takeaway,
    figures=bar_figures("accuracy", "trainable_parameters", "train_seconds", label=STRATEGY_LABELS, with_curves=True),
    quiz=Quiz(T("Which strategy will reach the highest test accuracy?", "哪种策略的测试准确率最高？"),
              {"full": STRATEGY_LABELS["full"], "frozen": STRATEGY_LABELS["frozen"], "lora": STRATEGY_LABELS["lora"],
               "layerwise": T("one of the layer-wise ones (last 2 layers, gradual, discriminative)",
                              "某种分层方法（最后 2 层、逐层解冻、分层学习率）")},
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
    settings={"train_examples": 400, "epochs": 1, "lr": 1e-4, "head_lr": 1e-3, "lora_lr": 5e-4}, repeats=2,
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

    from ..models import minilm_path
    from ..store import workbench_home

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


def _model_sizes(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=s["train_examples"], epochs=s["epochs"], lr=s["lr"],
                               log_every=5)
    layers = sorted({MINILM_LAYERS, min(int(s["fewer_layers"]), MINILM_LAYERS), min(int(s["fewest_layers"]),
                                                                                    MINILM_LAYERS)}, reverse=True)
    variants = {f"minilm_L{n}": base.replace(model=truncated_minilm(n)) for n in layers}
    if str(s["hub_model"]).strip():
        variants[str(s["hub_model"]).strip()] = base.replace(model=str(s["hub_model"]).strip())
    return ctx.run_variants(variants, **QUICK_SCORING)


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
            f" 但 {names} 根本没有学会这个任务（平衡准确率 0.5：对每条评论都预测同一个类别），所以这个差距更多反映的是微调失败，"
            "而不是容量不足。把预训练编码器的层直接截掉，剩下的层从未被训练成让分类器直接使用其输出，需要更大的学习率"
            "或更长的训练；真正的小模型是蒸馏出来的（在自己的规模上训练去模仿大模型）。")(lang)
    if loss <= 2:
        text += T(" On this much data the small encoder gives up almost nothing, so it is the better buy; bigger "
                  "models earn their cost with harder tasks and more labelled data.",
                  "在这样的数据量下，小编码器几乎没有损失，性价比更高；大模型要在更难的任务和更多标注数据上才能"
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
    minilm = sorted((v for v in outcome.variants if v.startswith("minilm_L")), key=lambda v: int(v[8:]))
    loss = gap_points(outcome, f"minilm_L{MINILM_LAYERS}", minilm[0])
    return "small" if loss < 2 else "medium" if loss <= 8 else "large"


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
             "comparison.",
             "首先让架构匹配任务：编码器（BERT、MiniLM）双向读取整段输入，适合分类、序列标注和生成向量；解码器（GPT 类）"
             "逐词预测下一个词，适合文本生成；编码器-解码器（T5、BART）适合翻译和摘要。其次让预训练数据匹配你的领域和语言，"
             "让模型规模匹配你的标注数据量、延迟要求和硬件：在数据少的简单任务上，认真微调的小模型常常不输大模型，部署成本"
             "却低得多。离线时，本课把 MiniLM 与只保留底部几层的截断版本（同一系列、规模更小）进行对比；联网时，把 "
             "hub_model 设为任意 hub 上的编码器即可加入比较。"),
    experiment=_model_sizes, takeaway=_model_sizes_takeaway,
    figures=bar_figures("accuracy", "trainable_parameters", "train_seconds",
                  label=_size_labels),
    quiz=Quiz(T("How much accuracy will MiniLM lose when cut down to its smallest version here (fewest_layers)?",
                "把 MiniLM 截到本课中最小的版本（fewest_layers 层），准确率会损失多少？"),
              {"small": T("less than 2 points", "不到 2 个百分点"), "medium": T("2 to 8 points", "2 到 8 个百分点"),
               "large": T("more than 8 points", "超过 8 个百分点")},
              _size_loss_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "fewer_layers": 3, "fewest_layers": 1,
              "hub_model": ""}, repeats=2,
)


# ---------------------------------------------------------------- concept.7

ARCH_LABELS = {"mlp": T("MLP on raw pixels", "MLP（直接输入像素）"), "cnn_scratch": T("CNN from scratch", "CNN（从零训练）"),
               "cnn_pretrained": T("CNN pretrained on ImageNet", "CNN（ImageNet 预训练）")}


def mnist_pixels_csv() -> str:
    """The mnist images as a table (784 pixel columns and a label column), written once under
    $WORKBENCH_HOME/lessons/data: the same examples in the same order, so a seeded split picks the same rows."""
    import pandas as pd

    from ..datasets import load_dataset
    from ..store import workbench_home

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
    return ctx.run_variants({"mlp": mlp, "cnn_scratch": cnn.replace(pretrained=False), "cnn_pretrained": cnn},
                            **QUICK_SCORING)


def _architectures_takeaway(outcome: Outcome, lang: str) -> str:
    text = ranking_takeaway(outcome, "accuracy", lang, ARCH_LABELS) + space(lang)
    text += compare_takeaway(outcome, "cnn_pretrained", "mlp", "accuracy", lang, ARCH_LABELS)
    scratch_gap = gap_points(outcome, "cnn_scratch", "mlp")
    if scratch_gap > 2:
        text += T(f" Even from random weights the CNN beat the MLP by {scratch_gap:.1f} points: convolutions look for "
                  "the same small patterns everywhere in the image, an assumption that fits pictures and that the MLP "
                  "has to learn pixel by pixel.",
                  f"即使从随机权重开始，CNN 也比 MLP 高 {scratch_gap:.1f} 个百分点：卷积在图像各处寻找相同的局部模式，"
                  "这个先验正好符合图像的特点，而 MLP 只能逐个像素地去学。")(lang)
    elif gap_points(outcome, "cnn_pretrained", "mlp") > 2:
        text += T(f" From random weights the CNN was not ahead of the MLP ({scratch_gap:+.1f} points): a deep CNN "
                  "needs more data and steps than this to learn its filters, so here its advantage came from "
                  "pre-training, not from the architecture alone.",
                  f"从随机权重开始时，CNN 并不比 MLP 强（{scratch_gap:+.1f} 个百分点）：深层 CNN 需要比这更多的数据和"
                  "训练步数才能学好卷积核，所以这里它的优势来自预训练，而不单是架构本身。")(lang)
    else:
        text += T(" Neither CNN beat the MLP: with this few images and steps the much larger CNN has not adapted yet, "
                  "while a small MLP on 784 pixels learns fast. Give the CNNs more examples or epochs before judging the "
                  "architectures.",
                  "两个 CNN 都没有胜过 MLP：图像和训练步数这么少，大得多的 CNN 还没来得及适配，而直接读 784 个像素的小 "
                  "MLP 学得很快。先给 CNN 更多样本或训练轮数，再评判架构的优劣。")(lang)
    return text


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
             "(and for images when data is plentiful). Here the same digit images go to an MLP on raw pixels and to a "
             "CNN (EfficientNet-Lite0) from scratch and pretrained; the transformer's matching task, text, is in the "
             "other lessons.",
             "框架方面：PyTorch 是科研和大多数微调工作的默认选择，Hugging Face 的 Transformers、PEFT、Accelerate "
             "都建立在它之上；TensorFlow/Keras 在部署工具上依然很强，JAX 适合在 TPU 上做大规模训练。最关键的是预训练"
             "权重和团队经验在哪个框架上；无论选哪个，模型都能导出（如导出为 ONNX）用于部署。架构方面要看数据的结构："
             "表格这类定长特征向量用 MLP；图像用 CNN，因为它在整张图上复用局部卷积核；文本等序列用 Transformer（数据"
             "足够多时图像也可以用）。本课把同一批手写数字图像分别交给直接读像素的 MLP、从零训练的 CNN"
             "（EfficientNet-Lite0）和预训练的 CNN；Transformer 擅长的文本任务见其他课程。"),
    experiment=_architectures, takeaway=_architectures_takeaway,
    figures=bar_figures("accuracy", "train_seconds", label=ARCH_LABELS, with_curves=True),
    quiz=Quiz(T("On a few hundred handwritten digits, which model will classify best?",
                "只有几百张手写数字图像时，哪个模型分类最准？"),
              dict(ARCH_LABELS), lambda o: o.best("accuracy")),
    settings={"train_examples": 600, "epochs": 2, "image_size": 128, "lr": 2e-3}, repeats=2,
)

LESSONS = [CONCEPT_1, CONCEPT_2, CONCEPT_3, CONCEPT_4, CONCEPT_5, CONCEPT_6, CONCEPT_7]
