"""Data leakage lesson (data.7): MiniLM fine-tuned on Rotten Tomatoes with some test rows copied into training (exact,
re-cased, re-punctuated, one word changed); accuracy on all, unseen and copied test rows, and the share of copies
found by raw exact match, normalised exact match and embedding similarity."""
from __future__ import annotations

import numpy as np

from ...core.config import RunConfig
from .. import figures
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..evaluation.common import QUICK_TEXT, finished_runs, run_config, run_store
from ..support import verdict, verdict_choice
from .common import REVIEWS

# ---------------------------------------------------------------- data.7 leakage

LEAK_LABELS = {"all": T("all test rows (the reported score)", "全部测试样本（报告的分数）"),
               "unseen": T("unseen test rows", "未见过的测试样本"),
               "exact": T("rows copied exactly", "被原样复制的样本"), "casing": T("rows copied re-cased", "被改了大小写的样本"),
               "punctuation": T("rows copied re-punctuated", "被改了标点的样本"),
               "word": T("rows copied with one word changed", "被改了一个词的样本")}
LEAK_KINDS = ("exact", "casing", "punctuation", "word")
DETECTOR_LABELS = {"raw": T("raw exact match", "原文精确匹配"),
                   "normalised": T("normalised exact match", "规范化后精确匹配"),
                   "near": T("embedding similarity ≥ {threshold}", "向量相似度 ≥ {threshold}")}


def _leak_experiment(ctx: LessonContext) -> Outcome:
    from ...core.runner import prepare_splits

    s = ctx.settings
    cfg = RunConfig.from_flat(**REVIEWS, max_train_samples=s["train_examples"], epochs=s["epochs"], lr=s["lr"],
                              leak_fraction=s["leak_fraction"], leak_edit="mixed")
    runs = ctx.run_variants({"leaky": cfg}, **QUICK_TEXT)
    store = run_store(ctx)
    samples = {v: {"accuracy": []} for v in LEAK_LABELS}
    extra = {"leak_fraction": s["leak_fraction"], "threshold": s["near_threshold"], "detection": {}}
    for seed, run_id in finished_runs(ctx, runs, "leaky"):
        splits = prepare_splits(run_config(ctx, run_id))
        leaked, kinds = splits.report.leaked_ids, np.asarray(splits.report.leak_kinds)
        test = store.load_predictions(run_id, "test")
        right = test["probs"].argmax(1) == test["labels"]
        kind_of = dict(zip(leaked.tolist(), kinds.tolist()))
        row_kind = np.asarray([kind_of.get(int(i), "unseen") for i in test["ids"]])
        samples["all"]["accuracy"].append(float(right.mean()))
        for group in ("unseen", *LEAK_KINDS):
            chosen = row_kind == group
            samples[group]["accuracy"].append(float(right[chosen].mean()) if chosen.any() else None)
        if seed == ctx.seeds[0]:      # the detectors see the same copies whatever the seed: one split is enough
            extra["detection"] = _detect_copies(splits, kind_of, s["near_threshold"])
            extra["train_rows"], extra["leaked_rows"] = len(splits.train), len(leaked)
            extra["example"] = {kind: {"original": str(test_text), "copy": str(train_text)}
                                for kind, test_text, train_text in _copy_examples(splits, kind_of)}
    return Outcome("data.7", samples, extra, runs.run_ids, runs.histories)


def _detect_copies(splits, kind_of: dict, threshold: float) -> dict:
    """Per kind of copy, the share of the copied test rows each detector finds in training: the raw text
    compared as is, the workbench's normalised exact match, and (adding) embedding similarity."""
    from ...lab.data_quality import find_duplicates

    raw_train = set(splits.train.x)
    report = find_duplicates(splits, near_threshold=threshold)
    pairs = report.pairs
    pairs = pairs[(pairs.split_a == "train") & (pairs.split_b == "test")]
    found = {"raw": {int(i) for i, text in zip(splits.test.ids, splits.test.x) if text in raw_train},
             "normalised": set(pairs.loc[pairs.kind == "exact", "id_b"].astype(int))}
    found["near"] = found["normalised"] | set(pairs.loc[pairs.kind == "near", "id_b"].astype(int))
    out = {}
    for kind in LEAK_KINDS:
        ids = {i for i, k in kind_of.items() if k == kind}
        if ids:
            out[kind] = {name: len(ids & hits) / len(ids) for name, hits in found.items()}
    out["natural"] = len(found["normalised"] - set(kind_of))     # duplicates the dataset itself holds
    return out


def _copy_examples(splits, kind_of: dict):
    """(kind, test text, its edited copy in training) for the first copied row of each edited kind."""
    test_text = dict(zip(splits.test.ids.tolist(), splits.test.x))
    train_text = dict(zip(splits.train.ids.tolist(), splits.train.x))
    seen = set()
    for i, kind in kind_of.items():
        if kind != "exact" and kind not in seen and i in train_text:
            seen.add(kind)
            yield kind, test_text[i], train_text[i]


def _leak_takeaway(o: Outcome, lang: str) -> str:
    share = o.extra["leak_fraction"]
    text = T(f"{share:.0%} of the test rows were copied into training, a quarter each exactly, re-cased, re-punctuated "
             "and with one word changed. The reported test score against the unseen rows alone: ",
             f"把 {share:.0%} 的测试样本复制进训练集，原样、改大小写、改标点、改一个词各占四分之一。报告的测试分数与只算"
             "未见过样本的分数相比：")(lang)
    text += compare_takeaway(o, "all", "unseen", "accuracy", lang, LEAK_LABELS)
    groups = [k for k in LEAK_KINDS if o.values(k, "accuracy")]
    if groups and o.values("unseen", "accuracy"):
        scores = T(", ", "，")(lang).join(f"{LEAK_LABELS[k](lang)} {o.mean(k, 'accuracy'):.3f}" for k in groups)
        text += T(f" By kind of copy: {scores}, against {o.mean('unseen', 'accuracy'):.3f} on unseen rows.",
                  f"按复制方式：{scores}；未见过的样本为 {o.mean('unseen', 'accuracy'):.3f}。")(lang)
        higher = [k for k in groups if verdict(o, k, "unseen", "accuracy") == "a"]
        if higher:
            names = T(", ", "、")(lang).join(LEAK_LABELS[k](lang) for k in higher)
            text += T(f" Clearly above the unseen rows by the paired verdict over seeds: {names}",
                      f"按种子配对判断，明显高于未见过样本的有：{names}")(lang)
            text += (T("; a near-duplicate leaks the answer as well as an exact copy does.",
                       "；近似重复和原样复制一样会泄露答案。")(lang) if "word" in higher
                     else T(".", "。")(lang))
        else:
            text += T(" No kind of copy scored clearly above the unseen rows at this budget.",
                      "在这个预算下，没有哪种复制的样本明显高于未见过的样本。")(lang)
        if "casing" in groups:
            text += T(" (MiniLM's tokenizer lower-cases its input, so to the model a re-cased copy is the very same "
                      "text.)", "（MiniLM 的分词器会先转成小写，所以对模型来说，改了大小写的副本就是同一段文本。）")(lang)
    detection = o.extra.get("detection") or {}
    if all(k in detection for k in LEAK_KINDS):
        found = lambda name: T(", ", "，")(lang).join(             # noqa: E731
            f"{LEAK_LABELS[k](lang)} {detection[k][name]:.0%}" for k in LEAK_KINDS)
        threshold = o.extra.get("threshold")
        text += T(f" Finding the copies (first seed): comparing raw text found {found('raw')}; comparing text after "
                  f"lower-casing and removing punctuation found {found('normalised')}; adding embedding similarity "
                  f"(cosine ≥ {threshold}) found {found('near')}.",
                  f"找出这些副本（第一个种子）：直接比较原文，找出 {found('raw')}；转小写、去标点后再比较，找出 "
                  f"{found('normalised')}；再加上向量相似度（余弦 ≥ {threshold}），找出 {found('near')}。")(lang)
        example = (o.extra.get("example") or {}).get("word")
        if example and detection["word"]["normalised"] < 1:
            short = lambda t: t if len(t) <= 90 else t[:87] + "..."     # noqa: E731
            text += T(f" For example, the test review \"{short(example['original'])}\" sat in training as "
                      f"\"{short(example['copy'])}\", which no exact check matches.",
                      f"例如，测试影评“{short(example['original'])}”在训练集里是“{short(example['copy'])}”，"
                      "任何精确比对都匹配不上。")(lang)
        if detection.get("natural"):
            text += T(f" Besides the planted copies, {detection['natural']} test row(s) had a duplicate in training "
                      "already in the dataset itself.",
                      f"除了人为放进去的副本，还有 {detection['natural']} 个测试样本在训练集里本来就有重复。")(lang)
    return text


def _leak_figures(o: Outcome, lang: str) -> list:
    import plotly.graph_objects as go

    names = [v for v in LEAK_LABELS if o.values(v, "accuracy")]
    out = [(T("Test accuracy by kind of row (leaky runs)", "按样本类别的测试准确率（含泄漏的运行）")(lang),
            figures.metric_bars(Outcome(o.lesson_id, {v: o.samples[v] for v in names}), "accuracy", lang,
                                LEAK_LABELS))]
    detection = o.extra.get("detection") or {}
    kinds = [k for k in LEAK_KINDS if k in detection]
    if kinds:
        threshold = o.extra.get("threshold")
        fig = go.Figure([go.Bar(name=DETECTOR_LABELS[d](lang).format(threshold=threshold),
                                x=[LEAK_LABELS[k](lang) for k in kinds], y=[detection[k][d] for k in kinds])
                         for d in DETECTOR_LABELS])
        fig.update_layout(barmode="group", yaxis_title=T("share of copies found", "找出的副本比例")(lang),
                          yaxis_range=[0, 1.05])
        out.append((T("Which check finds which copies (first seed)", "哪种检查能找出哪类副本（第一个种子）")(lang), fig))
    return out


_leak_choice = verdict_choice("word", "unseen", "accuracy", {"a": "higher", "b": "lower", "tie": "same"})


DATA_7 = Lesson(
    id="data.7", topic="data", sources="003 #17",
    title=T("Data leakage between splits", "训练集与测试集之间的数据泄漏"),
    question=T("What is data leakage, how does it distort evaluation, and how do you detect and prevent it?",
               "什么是数据泄漏？它如何扭曲评估结果？怎样发现和防止？"),
    answer=T("Leakage is any information from the evaluation data reaching training: the same or near-identical "
             "examples in both splits, features computed with test statistics, or future information in time "
             "series. The model then scores well on examples it has effectively seen, so the test score overstates "
             "how it will do on new data. Prevent it by splitting first (by user, document or time where examples are "
             "related), fitting every preprocessing step on the training split only, and de-duplicating across "
             "splits; detect it with exact hashes and embedding similarity between splits, and by checking whether a "
             "score is suspiciously high. Near-duplicates matter as much as exact copies: the same review re-cased, "
             "re-punctuated or with a word changed slips past a plain hash. The experiment fine-tunes MiniLM on "
             "reviews with test rows copied into training in those four ways, scores each kind of copied row against "
             "the unseen ones, and checks which detector finds which copies.",
             "数据泄漏指评估数据的任何信息流进了训练：两个划分里有相同或几乎相同的样本、用测试集的统计量计算特征、时间"
             "序列中用到了未来的信息。模型于是在它实际上见过的样本上得高分，测试分数就高估了它在新数据上的表现。预防办法"
             "是先划分（样本彼此相关时按用户、文档或时间划分），所有预处理只在训练集上拟合，并在划分之间去重；检测办法是"
             "在划分之间做精确哈希比对和向量相似度比对，并对高得可疑的分数保持警惕。近似重复和原样复制同样要紧：同一条影评"
             "改了大小写、标点或一个词，就能躲过简单的哈希比对。这里的实验把测试样本以这四种方式复制进训练集来微调 MiniLM，"
             "分别比较每类被复制样本与未见过样本的得分，并检查哪种检测方法能找出哪类副本。"),
    experiment=_leak_experiment, takeaway=_leak_takeaway, figures=_leak_figures,
    quiz=Quiz(T("Some test reviews sat in the training data with one word changed. How will the fine-tuned model "
                "score on them, compared with test reviews it never saw?",
                "部分测试影评改了一个词后出现在训练数据里。与从未见过的测试影评相比，微调后的模型在它们上面得分如何？"),
              {"higher": T("clearly higher", "明显更高"), "same": NO_CLEAR_DIFFERENCE,
               "lower": T("clearly lower", "明显更低")},
              _leak_choice),
    settings={"train_examples": 300, "leak_fraction": 0.3, "epochs": 3, "lr": 1e-4, "near_threshold": 0.95},
    repeats=3,
)
