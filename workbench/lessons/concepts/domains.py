"""Concept lessons on transfer, MiniLM on Rotten Tomatoes: fine-tuned on comedy/romance reviews and scored there and
on thriller/horror/action reviews, against fine-tuning on as many of the latter (concept.3); a frozen pretrained
encoder with a trained head, fine-tuning from random weights, and pre-training plus fine-tuning (concept.4)."""
from __future__ import annotations

from ...core.config import RunConfig
from ...core.datasets import DatasetError
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, ranking_takeaway
from ..support import verdict, verdict_choice
from .common import QUICK_SCORING, SENTIMENT, bar_figures, gap_points, private_name, space

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

    from ...core.datasets import load_dataset
    from ...core.store import workbench_home

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
        tmp = private_name(path)
        frame.to_csv(tmp, index=False)
        tmp.replace(path)
    return {g: str(p) for g, p in paths.items()}


def cross_domain_accuracy(store, source_run: str, target_run: str) -> float | None:
    """Accuracy of the source run's model on the exact test split the target run was scored on (labels matched
    by position, so both datasets must list their classes in the same order); None if a run saved no model."""
    from ...core.config import RunConfig
    from ...core.predict import load_predictor
    from ...core.runner import prepare_splits

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
    from ..support import runner_of

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
