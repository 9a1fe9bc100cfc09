"""Embeddings lesson (app.3): MiniLM sentence vectors against the same network with random weights, scored by
a leave-one-out k-nearest-neighbour label vote on a balanced Rotten Tomatoes sample, with a search and PCA maps."""
from __future__ import annotations

import numpy as np

from .. import figures
from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..support import against, band, random_weights_twin, sentences

# ---------------------------------------------------------------- app.3 embeddings and similarity search

ENCODER_LABELS = {"pretrained": T("pretrained MiniLM", "预训练 MiniLM"),
                  "random": T("same network, random weights", "同结构随机权重")}


def _balanced_sample(dataset: str, per_class: int, seed: int) -> tuple[list[str], np.ndarray, list[str]]:
    from ...core.datasets import load_dataset

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
    from ...analysis import plots
    from ...apps.embeddings import Encoder, SimilarityIndex

    s = ctx.settings
    per_class = ctx.size(s["texts_per_class"], 24)
    pretrained = Encoder("minilm", max_length=64)
    encoders = {"pretrained": pretrained, "random": random_weights_twin(pretrained, seed=0)}
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
    from ...analysis import plots

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
