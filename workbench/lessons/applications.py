"""Application lessons: text classification on two tasks, embeddings and similarity search, recommendation from
language-model embeddings, tabular MLPs; and the registry of every application and deployment lesson (the image,
language and deployment lessons live in app_images, app_language and deployment)."""
from __future__ import annotations

import numpy as np

from ..core.config import RunConfig
from . import figures
from .app_images import APP_1
from .app_language import APP_4, APP_5
from .base import (NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause,
                   metric_name, noise_clause, ranking_takeaway)
from .deployment import LESSONS as DEPLOY_LESSONS
from .support import (EVERY_WEIGHT, NO_WEIGHTS, against, band, clear_leader, mean_or_none, runner_of, sentences,
                      verdict, verdict_choice)

# ---------------------------------------------------------------- app.2 text classification on two tasks

TASK_LABELS = {"sentiment": T("sentiment (Rotten Tomatoes)", "情感（烂番茄影评）"),
               "spam": T("spam (SMS)", "垃圾短信（SMS）")}


def _two_tasks(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    recipe = dict(max_length=64, max_eval_samples=300, max_train_samples=s["train_examples"], epochs=s["epochs"],
                  lr=s["lr"], eval_every=25, log_every=5, **NO_WEIGHTS, **EVERY_WEIGHT)
    outcome = ctx.run_variants({"sentiment": RunConfig.from_flat(dataset="rotten_tomatoes", **recipe),
                                "spam": RunConfig.from_flat(dataset="sms_spam", **recipe)},
                               max_eval_samples=60, eval_every=6)
    store = runner_of(ctx).store
    for variant, ids in outcome.run_ids.items():
        outcome.samples[variant]["majority_baseline"] = [
            store.metrics(run_id).get("test", {}).get("majority_baseline") for run_id in ids]
    return outcome


def _two_tasks_takeaway(outcome: Outcome, lang: str) -> str:
    def line(task):
        acc, bal = outcome.mean(task, "accuracy"), outcome.mean(task, "balanced_accuracy")
        base = mean_or_none(outcome, task, "majority_baseline")
        base_en = f", always answering the majority class would score {base:.3f}" if base is not None else ""
        base_zh = f"，总是回答多数类可得 {base:.3f}" if base is not None else ""
        return T(f"{TASK_LABELS[task].en}: accuracy {acc:.3f}, balanced accuracy {bal:.3f}{base_en}.",
                 f"{TASK_LABELS[task].zh}：准确率 {acc:.3f}，平衡准确率 {bal:.3f}{base_zh}。")(lang)

    parts = [T("The same recipe (MiniLM, full fine-tuning, same data size and settings) on both tasks.",
               "两个任务使用同一套做法（MiniLM、全量微调、相同的数据量和设置）。")(lang), line("sentiment"), line("spam"),
             compare_takeaway(outcome, "sentiment", "spam", "balanced_accuracy", lang, TASK_LABELS)]
    margin = _spam_margin(outcome)
    if margin is not None and _spam_band(margin) != "clear":
        d, clause = margin.difference, interval_clause(margin, lang)
        head = (T(f"Spam accuracy is not clearly above always answering 'ham' ({d:+.3f}; {clause})",
                  f"垃圾短信的准确率并没有明显高于总回答“正常短信”（{d:+.3f}；{clause}）") if margin.tie else
                T(f"Spam accuracy is only {d:.3f} above always answering 'ham' (95% confidence interval over "
                  f"{margin.n_pairs} paired seeds {margin.ci_low:+.3f} to {margin.ci_high:+.3f}, not clearly more "
                  "than 0.05)",
                  f"垃圾短信的准确率只比总回答“正常短信”高 {d:.3f}（按 {margin.n_pairs} 个配对种子计算的 95% 置信区间"
                  f"为 {margin.ci_low:+.3f} 至 {margin.ci_high:+.3f}，不能确定高出 0.05 以上）"))(lang)
        parts.append(head + T(": with about one spam in eight, accuracy flatters the model. Judge it by balanced "
                              "accuracy or spam recall, and try class weights.",
                              "：大约八条里才有一条垃圾短信，准确率会美化模型。应看平衡准确率或垃圾短信的召回率，并可尝试"
                              "类别加权。")(lang))
    else:
        tasks = verdict(outcome, "spam", "sentiment", "balanced_accuracy")
        if tasks == "a":
            parts.append(T("Spam is the easier task: its cues (numbers, 'free', 'txt', 'call now') are in the words "
                           "themselves, while sentiment often hides in context, irony and negation.",
                           "垃圾短信是更容易的任务：它的线索（号码、free、txt、call now）就在词语本身，而情感常常藏在上下文、"
                           "反讽和否定里。")(lang))
        elif tasks == "b":
            parts.append(T("Sentiment reached the higher balanced accuracy here; with more data per task the ordering "
                           "may change, so compare on balanced accuracy rather than accuracy.",
                           "这里情感任务的平衡准确率更高；每个任务的数据量变化后顺序可能改变，所以要用平衡准确率而不是准确率"
                           "来比较。")(lang))
        else:
            parts.append(T("Which task is harder, this budget cannot tell; compare on balanced accuracy rather than "
                           "accuracy, over more seeds.",
                           "哪个任务更难，这个预算下还分不出；要用平衡准确率而不是准确率来比较，并多跑几个种子。")(lang))
    return sentences(parts, lang)


SPAM_MARGIN = 0.05     # spam accuracy within this of the majority share: accuracy says little


def _spam_margin(outcome: Outcome):
    """Spam accuracy against each seed's majority-class share (always answering 'ham'), paired over seeds; None
    when the runs recorded no baseline."""
    base = outcome.samples["spam"].get("majority_baseline") or []
    if not any(v is not None for v in base):
        return None
    return against(base, outcome.samples["spam"].get("accuracy", []), "accuracy")


def _spam_band(margin) -> str:
    """'clear' only when the interval's lower end is above SPAM_MARGIN; otherwise accuracy may be flattering."""
    return band(margin, {"clear": SPAM_MARGIN}, "close")


def _two_tasks_figures(outcome: Outcome, lang: str) -> list:
    from ..analysis import plots

    means, spreads = {}, {}
    for task in outcome.variants:
        for metric in ("accuracy", "balanced_accuracy", "majority_baseline"):
            if outcome.values(task, metric):
                key = f"{TASK_LABELS[task](lang)} · {metric_name(metric, lang)}"
                means[key], spreads[key] = outcome.mean(task, metric), outcome.ci_half_width(task, metric)
    out = [(T("Accuracy, balanced accuracy and the majority baseline per task (error bars: 95% CI over seeds)",
              "各任务的准确率、平衡准确率与多数类基线（误差线：各种子的 95% 置信区间）")(lang),
             plots.fig_variant_bars(means, spreads, y_title=T("score", "得分")(lang)))]
    if any(outcome.histories.values()):
        out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang),
                    figures.curves(outcome, lang, label=TASK_LABELS)))
    return out


APP_2 = Lesson(
    id="app.2", topic="app", sources="001 #16, 004 #6",
    title=T("Text classification: sentiment and spam", "文本分类：情感与垃圾短信"),
    question=T("How do you fine-tune a pretrained model for text classification (topics, sentiment, spam)?",
               "如何微调预训练模型来做文本分类（主题、情感、垃圾短信）？"),
    answer=T("Put a classification head on a pretrained text encoder, tokenise the texts, and fine-tune on labelled "
             "examples; the same recipe serves sentiment, topic or spam detection, and only the data and label names "
             "change. What differs between tasks is the data: class balance, text length and how the label shows in "
             "the words. Spam is imbalanced (about one message in eight), so report balanced accuracy or per-class F1 "
             "next to accuracy and compare with the majority-class baseline. Choose max_length from the text lengths "
             "and look at the errors per class.",
             "在预训练文本编码器上接一个分类头，对文本分词后用带标签的样本微调；同一套做法可以用于情感、主题或垃圾"
             "短信识别，变的只是数据和标签名。任务之间真正不同的是数据：类别是否平衡、文本长短、标签在字面上体现得"
             "是否明显。垃圾短信是不平衡的（大约八条里有一条），所以除准确率外还要报告平衡准确率或各类别 F1，并与"
             "多数类基线比较。max_length 要根据文本长度来定，并按类别检查错误。"),
    experiment=_two_tasks, takeaway=_two_tasks_takeaway, figures=_two_tasks_figures,
    quiz=Quiz(T("Same model, same recipe: which task will reach the higher balanced accuracy?",
                "同一个模型、同一套做法：哪个任务的平衡准确率更高？"),
              {"sentiment": TASK_LABELS["sentiment"], "spam": TASK_LABELS["spam"], "tie": NO_CLEAR_DIFFERENCE},
              verdict_choice("sentiment", "spam", "balanced_accuracy", {"a": "sentiment", "b": "spam", "tie": "tie"})),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4}, repeats=3,
)


# ---------------------------------------------------------------- app.3 embeddings and similarity search

ENCODER_LABELS = {"pretrained": T("pretrained MiniLM", "预训练 MiniLM"),
                  "random": T("same network, random weights", "同结构随机权重")}


def _random_encoder(pretrained, seed: int):
    """A copy of an Encoder whose network has MiniLM's architecture but freshly initialised weights."""
    import copy

    import torch
    from transformers import AutoModel

    encoder = copy.copy(pretrained)
    torch.manual_seed(seed)
    encoder.model = AutoModel.from_config(pretrained.model.config).to(pretrained.device).eval()
    encoder.name = "minilm (random weights)"
    return encoder


def _balanced_sample(dataset: str, per_class: int, seed: int) -> tuple[list[str], np.ndarray, list[str]]:
    from ..core.datasets import load_dataset

    ds = load_dataset(dataset)
    if ds.kind != "text":
        raise ValueError(f"app.3 needs a text dataset; {dataset!r} is {ds.kind}. Use rotten_tomatoes or sms_spam.")
    rng = np.random.default_rng(seed)
    index = np.concatenate([rng.choice(np.flatnonzero(ds.y == c), min(per_class, int((ds.y == c).sum())),
                                       replace=False) for c in range(len(ds.label_names))])
    return [ds.x[i] for i in index], ds.y[index], list(ds.label_names)


def neighbour_scores(vectors: np.ndarray, labels: np.ndarray, k: int) -> tuple[float, float]:
    """Leave-one-out over unit vectors: (share whose nearest other text has the same label, accuracy of a
    majority vote among the k nearest others)."""
    similarity = vectors @ vectors.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = np.argsort(-similarity, axis=1, kind="stable")[:, :k]
    votes = np.array([np.bincount(labels[row], minlength=labels.max() + 1).argmax() for row in nearest])
    return float((labels[nearest[:, 0]] == labels).mean()), float((votes == labels).mean())


def _embedding_experiment(ctx: LessonContext) -> Outcome:
    from ..analysis import plots
    from ..apps.embeddings import Encoder, SimilarityIndex

    s = ctx.settings
    per_class = ctx.size(s["texts_per_class"], 24)
    pretrained = Encoder("minilm", max_length=64)
    encoders = {"pretrained": pretrained, "random": _random_encoder(pretrained, seed=0)}
    samples = {name: {"neighbour_accuracy": [], "nearest_same_label": []} for name in encoders}
    extra = {"query": s["query"], "k": s["neighbours"], "dataset": s["dataset"], "search": {}, "map": {}}
    for seed in ctx.seeds:
        texts, labels, names = _balanced_sample(s["dataset"], per_class, seed)
        for name, encoder in encoders.items():
            index = SimilarityIndex(texts, encoder=encoder)
            nearest, vote = neighbour_scores(index.vectors, labels, s["neighbours"])
            samples[name]["nearest_same_label"].append(nearest)
            samples[name]["neighbour_accuracy"].append(vote)
            if seed == ctx.seeds[0]:
                hits = index.search(s["query"], 3)
                extra["search"][name] = [{"text": t, "label": names[labels[i]], "cosine": float(c)}
                                         for t, i, c in zip(hits["text"], hits["id"], hits["cosine"])]
                extra["map"][name] = plots.project_2d(index.vectors).round(4).tolist()
        if seed == ctx.seeds[0]:
            extra.update(labels=[names[y] for y in labels], texts=texts, chance=1 / len(names), per_class=per_class)
    return Outcome(ctx.lesson_id, samples, extra)


def _embedding_takeaway(outcome: Outcome, lang: str) -> str:
    k, chance = outcome.extra.get("k", 5), outcome.extra.get("chance", 0.5)
    parts = [compare_takeaway(outcome, "pretrained", "random", "neighbour_accuracy", lang, ENCODER_LABELS)]
    pre = outcome.mean("pretrained", "neighbour_accuracy")
    level, margin = _neighbour_band(outcome), _chance_margin(outcome)
    interval = (T(f"; 95% confidence interval of the margin over chance, over {margin.n_pairs} seeds: "
                  f"{margin.ci_low:+.3f} to {margin.ci_high:+.3f}",
                  f"；比随机高出部分的 95% 置信区间（{margin.n_pairs} 个种子）：{margin.ci_low:+.3f} 至 "
                  f"{margin.ci_high:+.3f}") if margin.n_pairs >= 2 else
                T("; one seed, so no interval", "；只有一个种子，没有置信区间"))(lang)
    if level == "chance":
        parts.append(T(f"The pretrained neighbours do not clearly follow the labels ({pre:.0%} of {k}-neighbour votes "
                       f"right, {chance:.0%} by chance{interval}): a general sentence encoder groups texts by topic "
                       "and wording, not necessarily by this label. Fine-tune it, or train a classifier on the "
                       "embeddings.",
                       f"预训练编码器的近邻并没有明显地跟随标签（{k} 近邻投票正确率 {pre:.0%}，随机为 {chance:.0%}"
                       f"{interval}）：通用句向量按主题和措辞归类，不一定按这个标签。应当微调编码器，或在向量上训练一个"
                       "分类器。")(lang))
    elif level == "partly":
        parts.append(T(f"The pretrained neighbourhoods follow the labels clearly above chance, but not clearly by 20 "
                       f"points or more ({pre:.0%} of {k}-neighbour votes right, {chance:.0%} by chance{interval}): "
                       "similar wording does not always mean the same label.",
                       f"预训练向量空间的近邻明显高于随机地跟随标签，但不能确定高出 20 个百分点以上（{k} 近邻投票正确率 "
                       f"{pre:.0%}，随机为 {chance:.0%}{interval}）：措辞相似并不总意味着标签相同。")(lang))
    else:
        parts.append(T(f"The pretrained space already groups texts by label ({pre:.0%} of {k}-neighbour votes right, "
                       f"{chance:.0%} by chance{interval}, clearly 20 points or more): similarity search alone works "
                       "as a classifier here.",
                       f"预训练向量空间已经按标签把文本聚在一起（{k} 近邻投票正确率 {pre:.0%}，随机为 {chance:.0%}"
                       f"{interval}，明显高出 20 个百分点以上）：单靠相似度检索就能当分类器用。")(lang))
    top = (outcome.extra.get("search") or {}).get("pretrained")
    if top:
        parts.append(T(f"Query “{outcome.extra['query']}”: the closest snippet was “{top[0]['text'][:90]}” "
                       f"({top[0]['label']}, cosine {top[0]['cosine']:.2f}).",
                       f"查询“{outcome.extra['query']}”：最相近的文本是“{top[0]['text'][:90]}”"
                       f"（{top[0]['label']}，余弦相似度 {top[0]['cosine']:.2f}）。")(lang))
    return sentences(parts, lang)


def _chance_margin(outcome: Outcome):
    """The pretrained neighbour vote's accuracy minus chance, paired over seeds (stats.compare_paired)."""
    return against(outcome.extra.get("chance", 0.5), outcome.samples["pretrained"].get("neighbour_accuracy", []),
                   "neighbour_accuracy")


def _neighbour_band(outcome: Outcome) -> str:
    """The quiz's band, decided by the 95 % interval of the margin over chance, not its mean: 'mostly' when the
    interval's lower end is above 20 points, 'partly' when it is above 0, else 'chance' (not clearly above chance,
    which includes every case this budget cannot tell, such as one seed)."""
    return band(_chance_margin(outcome), {"mostly": 0.2, "partly": 0.0}, "chance")


def _embedding_figures(outcome: Outcome, lang: str) -> list:
    from ..analysis import plots

    out = figures.standard("neighbour_accuracy", ENCODER_LABELS, with_curves=False)(outcome, lang)
    for name, points in (outcome.extra.get("map") or {}).items():
        fig = plots.fig_embedding_scatter(np.asarray(points), outcome.extra["labels"], outcome.extra.get("texts"))
        out.append((T("Embedding map (PCA): ", "向量分布图（PCA）：")(lang) + ENCODER_LABELS[name](lang), fig))
    return out


APP_3 = Lesson(
    id="app.3", topic="app", sources="004 code 1",
    title=T("Text embeddings and similarity search", "文本向量与相似度检索"),
    question=T("How do you get sentence embeddings from a pretrained encoder and use them for similarity search?",
               "如何用预训练编码器得到句向量，并用它做相似度检索？"),
    answer=T("A sentence encoder maps each text to a vector so that texts with similar meaning lie close together "
             "(high cosine similarity); MiniLM averages its token states over the real tokens and normalises the "
             "result. Embed the collection once, embed each query, and return the nearest vectors; for large "
             "collections an approximate index (FAISS, HNSW) replaces the exact scan. MiniLM was trained for this on "
             "pairs of related sentences, while a randomly initialised copy of the same network mostly reflects "
             "surface overlap. Whether neighbours share a label depends on what the encoder learned to treat as "
             "similar: topic and paraphrase, not necessarily sentiment.",
             "句向量编码器把每段文本映射成一个向量，让意思相近的文本彼此靠近（余弦相似度高）；MiniLM 对真实词元的"
             "隐状态取平均再做归一化。先把整个文本库编码一次，再对每个查询编码，返回最近的向量；文本库很大时用近似"
             "索引（FAISS、HNSW）代替逐条比较。MiniLM 专门在成对的相关句子上训练过，而同样结构但随机初始化的网络"
             "主要反映字面上的重合。近邻是否同标签，取决于编码器学会了把什么当作“相似”：主题和同义改写，而不一定是情感。"),
    experiment=_embedding_experiment, takeaway=_embedding_takeaway, figures=_embedding_figures,
    quiz=Quiz(T("With pretrained MiniLM vectors, how often will a vote of the {neighbours} nearest {dataset} texts "
                "give the right label?", "用预训练 MiniLM 的向量，{neighbours} 个最近的 {dataset} 文本投票得到正确标签的比例是多少？"),
              {"chance": T("not clearly above chance", "没有明显高于随机"),
               "partly": T("clearly above chance, but not clearly by 20 points", "明显高于随机，但不能确定高出 20 个百分点"),
               "mostly": T("clearly 20 points or more above chance", "明显比随机高 20 个百分点以上")},
              _neighbour_band),
    settings={"dataset": "rotten_tomatoes", "texts_per_class": 200, "neighbours": 5,
              "query": "a warm, funny film with a clever script"}, repeats=3,
)


# ---------------------------------------------------------------- app.6 FLM recommendation

RECOMMENDER_LABELS = {"flm": T("FLM (mean profile)", "FLM（平均画像）"),
                      "flm_recent": T("FLM (recent items weigh more)", "FLM（近期物品权重更高）"),
                      "popularity": T("most popular", "最热门"), "random": T("random", "随机")}


def _method_key(name: str) -> str:
    return "flm_recent" if name.startswith("flm (recency") else "flm" if name.startswith("flm") else name


def _flm_experiment(ctx: LessonContext) -> Outcome:
    from ..apps.embeddings import Encoder
    from ..apps.movielens import load_movielens_100k
    from ..apps.recommend import LMRecommender, evaluate_recommender

    s = ctx.settings
    interactions, items = load_movielens_100k()
    popular = interactions["item"].value_counts().index[:ctx.size(s["items"], 60)]
    items = items[items["item"].isin(popular)]
    recommender = LMRecommender(items, Encoder("minilm"))
    samples: dict = {}
    for seed in ctx.seeds:
        table = evaluate_recommender(interactions, items, k=s["k"], half_life=s["half_life"],
                                     min_rating=s["min_rating"], max_users=ctx.size(s["users"], 60), seed=seed,
                                     recommender=recommender)
        for name, row in table.iterrows():
            metrics = samples.setdefault(_method_key(name), {"hit_rate": [], "recall": []})
            metrics["hit_rate"].append(float(row[f"hit_rate@{s['k']}"]))
            metrics["recall"].append(float(row[f"recall@{s['k']}"]))
    extra = {"k": s["k"], "items": len(items), "users": int(table["users"].iloc[0]),
             "candidates": float(table["candidates per user"].iloc[0])}
    return Outcome(ctx.lesson_id, samples, extra)


def _flm_takeaway(outcome: Outcome, lang: str) -> str:
    k = outcome.extra.get("k", 10)
    flm = outcome.best("hit_rate", [v for v in ("flm", "flm_recent") if v in outcome.samples])
    parts = [T(f"Hit rate at {k} (share of users whose held-out movie was in the top {k}). ",
               f"前 {k} 命中率（被留出的电影出现在前 {k} 个推荐里的用户比例）。")(lang)
             + ranking_takeaway(outcome, "hit_rate", lang, RECOMMENDER_LABELS),
             compare_takeaway(outcome, flm, "random", "hit_rate", lang, RECOMMENDER_LABELS),
             compare_takeaway(outcome, flm, "popularity", "hit_rate", lang, RECOMMENDER_LABELS)]
    versus_popularity = verdict(outcome, flm, "popularity", "hit_rate")
    if versus_popularity == "a":
        parts.append(T("The language-model profile beat popularity: the movie texts carry each user's taste.",
                       "语言模型画像胜过了热门榜：电影文本里确实带着每个用户的口味。")(lang))
    elif versus_popularity == "b":
        parts.append(T("Popularity won: on MovieLens most held-out movies are popular ones, which a text profile does "
                       "not know. FLM's use is beyond popularity (new items with text but no ratings, niche "
                       "tastes); in practice the two are blended.",
                       "热门榜赢了：MovieLens 里被留出的电影大多本身就热门，而文本画像并不知道热度。FLM 的价值在热度之外"
                       "（只有文本、还没有评分的新物品，小众口味）；实际系统通常把两者结合。")(lang))
    else:
        parts.append(T("With neither ranking clearly ahead, production systems usually blend the two.",
                       "两种排序都没有明显领先时，实际系统通常把两者结合起来。")(lang))
    if "flm_recent" in outcome.samples and "flm" in outcome.samples:
        gain = outcome.mean("flm_recent", "hit_rate") - outcome.mean("flm", "hit_rate")
        clause = noise_clause(outcome, "flm", "flm_recent", "hit_rate", lang)
        if verdict(outcome, "flm", "flm_recent", "hit_rate") == "tie":
            parts.append(T(f"Weighting recent movies more moved the mean hit rate by {gain:+.3f}; {clause}.",
                           f"提高近期电影的权重后，平均命中率变化 {gain:+.3f}；{clause}。")(lang))
        else:
            parts.append(T(f"Weighting recent movies more changed the hit rate by {gain:+.3f}; {clause}.",
                           f"提高近期电影的权重使命中率变化了 {gain:+.3f}；{clause}。")(lang))
    return sentences(parts, lang)


def _ranking_choice(outcome: Outcome) -> str:
    """The quiz's answer: the ranking with the highest hit rate when the paired verdict over seeds puts it ahead of
    every ranking outside its choice (both FLM profiles answer 'flm'); 'tie' when this budget cannot tell."""
    return clear_leader(outcome, "hit_rate", group=lambda v: "flm" if v.startswith("flm") else v) or "tie"


APP_6 = Lesson(
    id="app.6", topic="app", sources="003 #2",
    title=T("Recommendation from language-model embeddings (FLM)", "基于语言模型向量的推荐（FLM）"),
    question=T("How does a language-model-based recommender (the notes' FLM) work, and how do you know it works?",
               "基于语言模型的推荐方法（资料中的 FLM）是怎么工作的？怎样判断它是否有效？"),
    answer=T("A language model turns each item's text (title, description, genres) into a vector; a user is "
             "represented by combining the vectors of the items they interacted with, often weighting recent ones "
             "more; unseen items are ranked by similarity to that profile. It helps with new items that have text "
             "but no interactions (cold start), and fine-tuning the encoder on interaction data sharpens it. Evaluate "
             "it offline by hiding each user's latest interactions and measuring hit rate and recall at k, always "
             "next to popularity and random baselines: popularity is often hard to beat.",
             "用语言模型把每个物品的文本（标题、简介、类型）变成向量；把用户交互过的物品向量合起来（往往给近期的更高"
             "权重）作为用户画像；再按与画像的相似度给没看过的物品排序。它对只有文本、还没有交互记录的新物品（冷启动）"
             "尤其有用，用交互数据微调编码器还能进一步提升效果。离线评估时，留出每个用户最近的交互，计算前 k 个推荐的"
             "命中率和召回率，并且一定要与热门榜和随机推荐这两个基线对比：热门榜往往很难超越。"),
    experiment=_flm_experiment, takeaway=_flm_takeaway,
    figures=figures.standard("hit_rate", RECOMMENDER_LABELS, with_curves=False),
    quiz=Quiz(T("On MovieLens, which ranking puts a user's next liked movie in the top 10 most often?",
                "在 MovieLens 上，哪种排序最常把用户下一部喜欢的电影排进前 10？"),
              {"flm": T("FLM (text embeddings)", "FLM（文本向量）"), "popularity": RECOMMENDER_LABELS["popularity"],
               "random": RECOMMENDER_LABELS["random"], "tie": T("no clear winner", "没有明显的赢家")},
              _ranking_choice),
    settings={"items": 300, "users": 300, "k": 10, "half_life": 10.0, "min_rating": 4}, repeats=3,
)


# ---------------------------------------------------------------- app.7 tabular MLP

TABLE_LABELS = {"mlp": T("MLP", "多层感知机（MLP）"), "logistic": T("logistic regression", "逻辑回归")}


def _logistic_scores(cfg: RunConfig) -> dict:
    """Standardised logistic regression on exactly the split the MLP run used (same data, seed and sizes)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score, f1_score
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from ..core.runner import prepare_splits

    splits = prepare_splits(cfg)
    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000)).fit(splits.train.x, splits.train.y)
    predicted = model.predict(splits.test.x)
    return {"accuracy": float((predicted == splits.test.y).mean()),
            "f1_macro": float(f1_score(splits.test.y, predicted, average="macro")),
            "balanced_accuracy": float(balanced_accuracy_score(splits.test.y, predicted))}


def _table_size(dataset: str) -> dict:
    """{"rows": .., "features": ..} of a tabular dataset, for the quiz prompt."""
    from ..core.datasets import load_dataset

    table = load_dataset(dataset)
    return {"rows": len(table), "features": table.x.shape[1] if table.kind == "tabular" else "?"}


def _tabular_experiment(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    cfg = RunConfig.from_flat(dataset=s["dataset"], model="mlp", epochs=s["epochs"], lr=s["lr"],
                              hidden_sizes=tuple(s["hidden_sizes"]), batch_size=32, log_every=5, **NO_WEIGHTS)
    outcome = ctx.run_variants({"mlp": cfg})
    store = runner_of(ctx).store       # each run's saved config: the split it trained on, quick-mode limits included
    logistic = [_logistic_scores(RunConfig.from_dict(store.config(run_id))) for run_id in outcome.run_ids["mlp"]]
    outcome.samples["logistic"] = {m: [row[m] for row in logistic] for m in logistic[0]}
    return outcome


def _tabular_takeaway(outcome: Outcome, lang: str) -> str:
    parts = [compare_takeaway(outcome, "mlp", "logistic", "accuracy", lang, TABLE_LABELS)]
    winner = verdict(outcome, "mlp", "logistic", "accuracy")
    if winner == "tie":
        parts.append(T("On a small, clean table a linear model is as good: prefer it, since it trains in "
                       "milliseconds and its coefficients explain themselves.",
                       "在规模小、干净的表格数据上，线性模型一样好：优先用它，它训练只需几毫秒，系数本身就能解释模型。")(lang))
    elif winner == "a":
        parts.append(T("The MLP's nonlinear layers earned their cost here: the classes are not separated by a "
                       "straight boundary in these features.",
                       "这里 MLP 的非线性层物有所值：在这些特征上，类别无法用一条直线边界分开。")(lang))
    else:
        parts.append(T("Logistic regression won: the MLP overfits or is undertrained on this little data; try more "
                       "epochs, weight decay or a smaller network, or keep the linear model.",
                       "逻辑回归赢了：在这么少的数据上 MLP 过拟合或训练不足；可以增加训练轮数、加权重衰减或缩小网络，"
                       "或者直接保留线性模型。")(lang))
    return sentences(parts, lang)


APP_7 = Lesson(
    id="app.7", topic="app", sources="002 code 1-2",
    title=T("Tabular classification with an MLP", "用多层感知机做表格分类"),
    question=T("How do you train a neural network (an MLP) on tabular data, and is it worth it?",
               "如何在表格数据上训练神经网络（MLP）？这样做值得吗？"),
    answer=T("Standardise the numeric features with statistics from the training split only, one-hot encode the "
             "categorical ones, and train a small MLP (a few Linear-ReLU layers with dropout) with cross-entropy, "
             "keeping a validation split for early stopping. On small tables, compare it with a strong simple "
             "baseline such as logistic regression or gradient-boosted trees: they are often as accurate, faster and "
             "easier to explain. An MLP pays off with many rows, interactions between features, or as part of a "
             "larger network.",
             "只用训练集的统计量对数值特征做标准化，对类别特征做独热编码，然后用交叉熵训练一个小型 MLP（几层 Linear"
             "-ReLU 加 Dropout），并留出验证集用于提前停止。在小表格上，一定要和强而简单的基线比较，比如逻辑回归或梯"
             "度提升树：它们往往同样准确，而且更快、更容易解释。MLP 在行数很多、特征之间有交互，或者作为更大网络的一"
             "部分时才更有优势。"),
    experiment=_tabular_experiment, takeaway=_tabular_takeaway,
    figures=figures.standard("accuracy", TABLE_LABELS),
    quiz=Quiz(T("The {dataset} table ({rows} rows, {features} features): MLP or logistic regression?",
                "{dataset} 表格数据（{rows} 行、{features} 个特征）：MLP 还是逻辑回归更好？"),
              {"mlp": T("the MLP, clearly", "MLP 明显更好"), "tie": NO_CLEAR_DIFFERENCE,
               "logistic": T("logistic regression, clearly", "逻辑回归明显更好")},
              verdict_choice("mlp", "logistic", "accuracy", {"a": "mlp", "b": "logistic", "tie": "tie"}),
              facts=lambda settings: _table_size(settings["dataset"])),
    settings={"dataset": "breast_cancer", "epochs": 30, "lr": 1e-2, "hidden_sizes": [64, 32]}, repeats=5,
)

LESSONS = [APP_1, APP_2, APP_3, APP_4, APP_5, APP_6, APP_7, *DEPLOY_LESSONS]
