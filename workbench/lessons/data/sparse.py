"""Sparse data lesson (data.6): a logistic regression on sparse TF-IDF bag-of-words features against one on dense
MiniLM sentence vectors, on Rotten Tomatoes at a small and a large training-set size."""
from __future__ import annotations

import statistics

from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..concepts.common import bar_figures, gap_points, probe_accuracy, space
from ..support import verdict

# ---------------------------------------------------------------- data.6


def _feature_label(variant: str) -> T:
    kind, n = variant.split("_")
    return (T(f"TF-IDF bag of words ({n} examples)", f"TF-IDF 词袋（{n} 条样本）") if kind == "tfidf" else
            T(f"MiniLM embeddings ({n} examples)", f"MiniLM 向量（{n} 条样本）"))


def _sparse_vs_dense(ctx: LessonContext) -> Outcome:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ...apps.embeddings import Encoder
    from ...core.datasets import load_dataset, split_dataset
    from ...lab.data_quality import MemoEncoder

    s = ctx.settings
    ds = load_dataset("rotten_tomatoes")
    encoder = MemoEncoder(Encoder("minilm", max_length=ctx.size(64, 32)))
    sizes = (ctx.size(int(s["small_train"]), 32), ctx.size(int(s["large_train"]), 96))
    samples = {f"{kind}_{n}": {"accuracy": []} for n in sizes for kind in ("tfidf", "minilm")}
    extra = {"tfidf_features": [], "tfidf_density": [], "dense_features": 0}
    for seed in ctx.seeds:
        for n in sizes:
            splits = split_dataset(ds, seed=seed, max_train_samples=n,
                                   max_eval_samples=ctx.size(int(s["test_examples"]), 48))
            train_texts, test_texts = list(splits.train.x), list(splits.test.x)
            tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True)
            train_x, test_x = tfidf.fit_transform(train_texts), tfidf.transform(test_texts)
            samples[f"tfidf_{n}"]["accuracy"].append(
                probe_accuracy(train_x, splits.train.y, test_x, splits.test.y, scale=False))
            extra["tfidf_features"].append(int(train_x.shape[1]))
            extra["tfidf_density"].append(float(train_x.nnz / (train_x.shape[0] * train_x.shape[1])))
            dense_train, dense_test = encoder.embed(train_texts), encoder.embed(test_texts)
            extra["dense_features"] = int(dense_train.shape[1])
            samples[f"minilm_{n}"]["accuracy"].append(
                probe_accuracy(dense_train, splits.train.y, dense_test, splits.test.y))
    return Outcome("data.6", samples, extra)


def _feature_sizes(outcome: Outcome) -> list[str]:
    return sorted({v.split("_")[1] for v in outcome.variants}, key=int)


def _sparse_vs_dense_takeaway(outcome: Outcome, lang: str) -> str:
    labels = {v: _feature_label(v) for v in outcome.variants}
    sizes = _feature_sizes(outcome)
    e = outcome.extra
    text = T(f"TF-IDF turned each training set into {min(e['tfidf_features']):,}-{max(e['tfidf_features']):,} word "
             f"and word-pair features, of which on average only {100 * statistics.fmean(e['tfidf_density']):.2f}% "
             f"are non-zero for a review; MiniLM gives every review {e['dense_features']} dense numbers. ",
             f"TF-IDF 把每个训练集变成 {min(e['tfidf_features']):,} 到 {max(e['tfidf_features']):,} 个词和词对特征，"
             f"一条影评平均只有 {100 * statistics.fmean(e['tfidf_density']):.2f}% 的特征非零；MiniLM 则给每条影评 "
             f"{e['dense_features']} 个稠密数值。")(lang)
    for n in sizes:
        text += compare_takeaway(outcome, f"minilm_{n}", f"tfidf_{n}", "accuracy", lang, labels) + space(lang)
    small, large = sizes[0], sizes[-1]
    lead_small, lead_large = gap_points(outcome, f"minilm_{small}", f"tfidf_{small}"), \
        gap_points(outcome, f"minilm_{large}", f"tfidf_{large}")
    if verdict(outcome, f"minilm_{small}", f"tfidf_{small}", "accuracy") != "a":
        text += T(f"Here the sparse features were not clearly behind with {small} examples ({-lead_small:+.1f} points "
                  "for TF-IDF): short texts full of telling words suit a bag of words well.",
                  f"这里在 {small} 条样本时稀疏特征并没有明显落后（TF-IDF {-lead_small:+.1f} 个百分点）：充满关键词的"
                  "短文本很适合词袋模型。")(lang)
    elif lead_large < lead_small:
        text += T(f"The dense embeddings' lead shrank from {lead_small:.1f} points with {small} examples to "
                  f"{lead_large:.1f} with {large}: a sparse model treats every word as its own feature and must see "
                  "it labelled, while the pretrained embedding already places related words and phrasings together.",
                  f"稠密向量的领先幅度从 {small} 条样本时的 {lead_small:.1f} 个百分点缩小到 {large} 条时的 "
                  f"{lead_large:.1f} 个百分点：稀疏模型把每个词当成独立特征，必须在带标签的数据里见过它；预训练向量则"
                  "早已把相关的词和说法放在一起。")(lang)
        if not _lead_shrank(outcome, small, large):
            text += T(" At this budget the shrinking itself is a hint, not a result: its paired confidence interval "
                      "contains 0; raise repeats to firm it up.",
                      "不过在这个预算下，领先幅度的缩小本身只是迹象而非定论：它的配对置信区间包含 0；增加重复次数才能确认。")(lang)
    elif verdict(outcome, f"minilm_{large}", f"tfidf_{large}", "accuracy") == "a":
        text += T(f"The dense embeddings led by {lead_small:.1f} points with {small} examples and by {lead_large:.1f} "
                  f"with {large}: at these sizes the pretrained features stay ahead.",
                  f"稠密向量在 {small} 条样本时领先 {lead_small:.1f} 个百分点，在 {large} 条时领先 {lead_large:.1f} "
                  "个百分点：在这些规模下，预训练特征始终占优。")(lang)
    else:
        text += T(f"The dense embeddings led by {lead_small:.1f} points with {small} examples; with {large} their "
                  f"{lead_large:.1f}-point lead is not clear at this budget.",
                  f"稠密向量在 {small} 条样本时领先 {lead_small:.1f} 个百分点；在 {large} 条时领先 {lead_large:.1f} "
                  "个百分点，在这个预算下并不明确。")(lang)
    return text


def _lead_shrank(outcome: Outcome, small: int, large: int) -> bool:
    """Whether MiniLM's per-seed lead over TF-IDF is clearly smaller with `large` examples than with `small`
    (a paired verdict over the seeds' leads)."""
    from ...analysis.stats import compare_paired, paired_differences

    def leads(n):
        return paired_differences(outcome.samples[f"tfidf_{n}"]["accuracy"], outcome.samples[f"minilm_{n}"]["accuracy"])
    return compare_paired(leads(small), leads(large)).winner == "a"


def _small_data_choice(outcome: Outcome) -> str:
    small = _feature_sizes(outcome)[0]
    winner = verdict(outcome, f"minilm_{small}", f"tfidf_{small}", "accuracy")
    return {"a": "minilm", "b": "tfidf", "tie": "tie"}[winner]


DATA_6 = Lesson(
    id="data.6", topic="data", sources="003 #10",
    title=T("Sparse, high-dimensional data", "稀疏、高维数据"),
    question=T("How do you handle sparse, high-dimensional data such as bag-of-words text?",
               "如何处理稀疏的高维数据（比如词袋表示的文本）？"),
    answer=T("A bag of words gives one dimension per word or n-gram: tens of thousands of features, almost all zero "
             "for any one text. Linear models with L2 (or L1, for feature selection) regularisation handle that well "
             "and cheaply, especially with TF-IDF weighting and sparse matrix formats; dropping very rare and very "
             "common terms, hashing, or reducing dimension (truncated SVD) keeps the size in check. The deeper fix is "
             "dense representations: a pretrained encoder maps any text to a few hundred numbers in which words of "
             "similar meaning are close, so a model can generalise to words it never saw labelled. Fine-tuning that "
             "encoder goes one step further. Here both kinds of features feed the same logistic regression on the "
             "same splits, at two training-set sizes.",
             "词袋表示为每个词或 n-gram 分配一个维度：特征有上万个，而每条文本几乎全是零。带 L2 正则（想做特征选择时"
             "用 L1）的线性模型能高效地处理这种数据，配合 TF-IDF 加权和稀疏矩阵格式效果更好；去掉极罕见和极常见的词、"
             "特征哈希或降维（截断 SVD）可以控制维度。更根本的办法是改用稠密表示：预训练编码器把任意文本映射为几百个"
             "数值，意思相近的词在其中彼此靠近，因此模型能推广到标注数据中从未出现过的词。再对编码器进行微调则更进一步。"
             "本课在相同的划分上把两种特征分别交给同一个逻辑回归，并比较两种训练集规模。"),
    experiment=_sparse_vs_dense, takeaway=_sparse_vs_dense_takeaway,
    figures=bar_figures("accuracy", label=lambda o: {v: _feature_label(v) for v in o.variants}),
    quiz=Quiz(T("With only the smaller training set ({small_train} examples), which features will the logistic "
                "regression do better with?", "只用较小的训练集（{small_train} 条）时，逻辑回归在哪种特征上表现更好？"),
              {"minilm": T("MiniLM embeddings, clearly", "MiniLM 向量明显更好"),
               "tfidf": T("TF-IDF, clearly", "TF-IDF 明显更好"), "tie": NO_CLEAR_DIFFERENCE},
              _small_data_choice),
    settings={"small_train": 200, "large_train": 2000, "test_examples": 400}, repeats=3,
)
