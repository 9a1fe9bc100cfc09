"""Data lessons: how much data and how clean, preprocessing and splitting, sparse vs dense features, privacy."""
from __future__ import annotations

import re
import statistics

from ..core.config import ConfigError, RunConfig
from ..core.datasets import DatasetError
from . import figures
from .base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from .concepts import bar_figures, gap_points, probe_accuracy, space
from .support import merge, verdict

# ---------------------------------------------------------------- data.1


def _amount_label(variant: str) -> T:
    kind, n, *noise = variant.split("_")
    if kind == "clean":
        return T(f"{n} clean labels", f"{n} 条干净标签")
    return T(f"{n} labels, {noise[0]}% flipped", f"{n} 条标签（{noise[0]}% 被翻转）")


def _sizes(outcome: Outcome) -> list[str]:
    return sorted((v for v in outcome.variants if v.startswith("clean_")), key=lambda v: int(v.split("_")[1]))


def _noisy(outcome: Outcome) -> str:
    return next(v for v in outcome.variants if v.startswith("noisy_"))


def _data_amount(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    largest, noise = int(s["largest"]), float(s["label_noise"])
    if largest < 160:
        raise ValueError(f"largest must be at least 160 (got {largest}), so that largest/16, largest/4 and largest "
                         "are three different sizes of at least 10 examples.")
    sizes = [largest // 16, largest // 4, largest]
    quick_sizes = [24, 48, 96]
    base = RunConfig.from_flat(dataset="digits", model="mlp", max_steps=s["steps"], batch_size=32, eval_every=50,
                               log_every=10, save_checkpoints=False, save_model=False)
    runs = []
    for n, quick_n in zip(sizes, quick_sizes):
        name = f"clean_{ctx.size(n, quick_n)}"
        runs.append(ctx.run_variants({name: base.replace(max_train_samples=n)}, max_train_samples=quick_n))
    noisy = f"noisy_{ctx.size(largest, quick_sizes[-1])}_{round(100 * noise)}"
    runs.append(ctx.run_variants({noisy: base.replace(max_train_samples=largest, label_noise=noise)},
                                 max_train_samples=quick_sizes[-1]))
    return merge("data.1", runs, {"label_noise": noise})


def _label_value_choice(outcome: Outcome) -> str:
    """Is the largest set with flipped labels better than the middle-sized clean set?"""
    clean, noisy = _sizes(outcome)[-2], _noisy(outcome)
    return {"a": "clean", "b": "noisy", "tie": "tie"}[verdict(outcome, clean, noisy, "accuracy")]


def _data_amount_takeaway(outcome: Outcome, lang: str) -> str:
    labels = {v: _amount_label(v) for v in outcome.variants}
    sizes, noisy = _sizes(outcome), _noisy(outcome)
    accs = [outcome.mean(v, "accuracy") for v in sizes]
    steps = ", ".join(f"{v.split('_')[1]} → {a:.3f}" for v, a in zip(sizes, accs))
    rising = all(b >= a for a, b in zip(accs, accs[1:])) and verdict(outcome, sizes[-1], sizes[0], "accuracy") == "a"
    text = (T(f"With clean labels, accuracy rose with the training-set size ({steps}). ",
              f"标签干净时，准确率随训练集增大而上升（{steps}）。") if rising else
            T(f"With clean labels, accuracy did not rise steadily and clearly with size ({steps}); at this budget the "
              "differences may be noise. ", f"标签干净时，准确率并没有随训练集增大而明显稳步上升（{steps}）；在这个预算下，"
              "这些差异可能只是波动。"))(lang)
    text += compare_takeaway(outcome, sizes[-1], noisy, "accuracy", lang, labels)
    choice, middle = _label_value_choice(outcome), sizes[-2]
    n_mid, n_big = middle.split("_")[1], noisy.split("_")[1]
    ratio = int(n_big) / int(n_mid)
    text += {"clean": T(f" {n_mid} clean labels beat {n_big} partly wrong ones: cleaning the labels was worth more "
                        f"than collecting {ratio:g} times as many.",
                        f"{n_mid} 条干净标签胜过 {n_big} 条部分错误的标签：把标签弄干净比把数据量扩大到 {ratio:g} 倍更值。"),
             "noisy": T(f" {n_big} partly wrong labels still beat {n_mid} clean ones: at this noise level more data "
                        "outweighed the wrong labels.",
                        f"{n_big} 条部分错误的标签仍然胜过 {n_mid} 条干净标签：在这个噪声水平下，数据量的优势压过了"
                        "错误标签的危害。"),
             "tie": T(f" {n_mid} clean labels and {n_big} partly wrong ones could not be told apart at this budget, so "
                      "this run does not say whether cleaning the labels beats collecting more.",
                      f"在这个预算下，{n_mid} 条干净标签与 {n_big} 条部分错误的标签分不出高下，所以这次运行说明不了"
                      "清洗标签和收集更多数据哪个更值。")}[choice](lang)
    return text


DATA_1 = Lesson(
    id="data.1", topic="data", sources="000 #5, 001 #17",
    title=T("Choosing fine-tuning data: quantity and label quality", "如何选择微调数据：数量与标注质量"),
    question=T("What makes good fine-tuning data, and how much does quantity matter against label quality?",
               "什么样的数据适合微调？数据量和标注质量相比，哪个更重要？"),
    answer=T("Good fine-tuning data looks like what the model will meet in use (the same kinds of input, sources and "
             "class mix), covers the variety of cases, including rare ones, and has labels that are correct and "
             "consistent. Accuracy usually grows roughly with the logarithm of the training-set size, so each "
             "doubling buys less than the one before. Wrong labels directly teach the wrong answer: a model can "
             "partly average them out when they are random, but systematic errors get learnt as if they were real. "
             "Audit a sample of labels before buying more of them, and keep the validation and test sets clean. "
             "This lesson trains an MLP on the 8x8 digits with a fixed number of steps, at three sizes and with a "
             "share of labels flipped at random.",
             "好的微调数据应当与模型上线后遇到的数据相似（输入类型、来源和类别比例一致），覆盖各种情况（包括少见的情况），"
             "并且标签正确、标准一致。准确率大致随训练集规模的对数增长，每翻一倍带来的提升都比上一次少。错误标签会直接"
             "教给模型错误答案：随机的错误还能部分被平均掉，系统性的错误则会被当成规律学进去。先抽查一部分标签再决定要不要"
             "买更多数据，并保证验证集和测试集的标签干净。本课在 8x8 手写数字上用固定步数训练 MLP，比较三种训练集规模，"
             "以及随机翻转一部分标签后的效果。"),
    experiment=_data_amount, takeaway=_data_amount_takeaway,
    figures=bar_figures("accuracy", label=lambda o: {v: _amount_label(v) for v in o.variants}, with_curves=True),
    quiz=Quiz(T("Which trains the better model: the middle-sized set with clean labels, or the largest set ({largest} "
                "examples) with {label_noise:pct} of its labels flipped?",
                "哪种数据训练出的模型更好：标签干净的中等规模数据，还是 {label_noise:pct} 标签被翻转的最大规模数据"
                "（{largest} 条）？"),
              {"clean": T("the smaller, clean set", "较小但干净的数据"), "noisy": T("the larger, noisy set", "较大但有噪声的数据"),
               "tie": NO_CLEAR_DIFFERENCE},
              _label_value_choice),
    settings={"largest": 800, "label_noise": 0.3, "steps": 200}, repeats=3,
)


# ---------------------------------------------------------------- data.2

BROKEN_INPUTS = {   # file name -> (what is wrong, file bytes)
    "one_class.csv": (T("every row has the same label", "所有行的标签都相同"),
                      b"text,label\n" + b"".join(b"message %d,ham\n" % i for i in range(8))),
    "empty_text.csv": (T("a row with an empty text", "有一行文本为空"),
                       b"text,label\n" + b"".join(b"message %d,%s\n" % (i, b"ham" if i % 2 else b"spam")
                                                 for i in range(12)) + b'"  ",ham\n'),
    "no_label.csv": (T("no column that could hold the labels", "找不到存放标签的列"),
                     b"text,mood\nfine,1\nbad,0\n"),
    "rare_class.csv": (T("a class with only two examples", "某个类别只有两个样本"),
                       b"text,label\n" + b"".join(b"message %d,ham\n" % i for i in range(10)) +
                       b"offer 1,spam\noffer 2,spam\n"),
    "latin1.csv": (T("text saved in Latin-1 instead of UTF-8", "文本以 Latin-1 而非 UTF-8 编码保存"),
                   "text,label\ncaf\u00e9 at 6,ham\n".encode("latin-1")),
}


def _validation_messages(folder) -> dict[str, str | None]:
    """The error each broken input raises (None if one was let through), plus a settings check."""
    from ..core.datasets import load_dataset

    messages = {}
    for name, (_, content) in BROKEN_INPUTS.items():
        path = folder / name
        path.write_bytes(content)
        try:
            load_dataset(str(path))
            messages[name] = None
        except DatasetError as err:
            messages[name] = str(err)
    try:
        RunConfig.from_flat(dataset="sms_spam", val_fraction=0.5, test_fraction=0.45).validate()
        messages["settings"] = None
    except ConfigError as err:
        messages["settings"] = str(err)
    return messages


def _preprocessing(ctx: LessonContext) -> Outcome:
    import tempfile
    from pathlib import Path

    import numpy as np
    from sklearn.model_selection import train_test_split

    from ..lab.data_quality import content_keys, find_duplicates
    from ..core.datasets import load_dataset, split_dataset, summarize

    ds = load_dataset("sms_spam")
    spam = ds.label_names.index("spam")
    random_share, stratified_share = [], []
    for seed in range(ctx.size(50, 10)):
        _, test = train_test_split(np.arange(len(ds)), test_size=0.2, random_state=seed)
        random_share.append(float((ds.y[test] == spam).mean()))
        stratified_share.append(float((split_dataset(ds, seed=seed).test.y == spam).mean()))
    splits = split_dataset(ds, seed=ctx.seeds[0])
    before = find_duplicates(splits, near_threshold=None).summary
    keys = content_keys(ds)
    first = sorted({key: i for i, key in reversed(list(enumerate(keys)))}.values())
    unique = ds.take(np.array(first))
    after = find_duplicates(split_dataset(unique, seed=ctx.seeds[0]), near_threshold=None).summary
    with tempfile.TemporaryDirectory() as tmp:
        messages = _validation_messages(Path(tmp))
    extra = {"summary": summarize(ds, splits), "duplicates_before": before, "duplicates_after": after,
             "repeated_messages": len(ds) - len(unique), "messages": messages}
    samples = {"random": {"test_spam_share": random_share}, "stratified": {"test_spam_share": stratified_share}}
    return Outcome("data.2", samples, extra)


def _share_range(values: list[float], lang: str) -> str:
    low, high = min(values), max(values)
    if f"{low:.1%}" == f"{high:.1%}":
        return T(f"at {low:.1%} every time", f"每次都把它稳定在 {low:.1%}")(lang)
    return T(f"between {low:.1%} and {high:.1%}", f"把它稳定在 {low:.1%} 到 {high:.1%} 之间")(lang)


def _preprocessing_takeaway(outcome: Outcome, lang: str) -> str:
    e = outcome.extra
    summary, rand, strat = e["summary"], outcome.values("random", "test_spam_share"), \
        outcome.values("stratified", "test_spam_share")
    spam = summary["class_counts"].get("spam", 0) / summary["size"]
    text = T(f"sms_spam has {summary['size']:,} messages, {spam:.1%} of them spam. Over {len(rand)} random 80/20 "
             f"splits the test set's spam share ranged from {min(rand):.1%} to {max(rand):.1%}; stratified splits kept "
             f"it {_share_range(strat, 'en')}, so every test set has the real class mix. ",
             f"sms_spam 共有 {summary['size']:,} 条短信，其中 {spam:.1%} 是垃圾短信。在 {len(rand)} 次随机的 80/20 划分中，"
             f"测试集里垃圾短信的比例在 {min(rand):.1%} 到 {max(rand):.1%} 之间波动；分层划分则"
             f"{_share_range(strat, 'zh')}，每个测试集都保持真实的类别比例。")(lang)
    share_before = e["duplicates_before"]["test_share_with_copy_in_train"]
    share_after = e["duplicates_after"]["test_share_with_copy_in_train"]
    text += T(f"{e['repeated_messages']} messages are repeats of another; split as they are, {share_before:.1%} of the "
              f"test messages also sit in training, and the score on them measures memory, not generalisation. After "
              f"removing repeats before splitting, {share_after:.1%} do. ",
              f"有 {e['repeated_messages']} 条短信与其他短信重复；直接划分时，{share_before:.1%} 的测试短信同时出现在"
              f"训练集中，在它们上的得分衡量的是记忆而不是泛化能力。先去重再划分后，这一比例为 {share_after:.1%}。")(lang)
    caught = {k: v for k, v in e["messages"].items() if v}
    missed = [k for k, v in e["messages"].items() if not v]
    text += T(f"The loader's checks stopped {len(caught)} of {len(e['messages'])} broken inputs with a message that "
              "names the fix",
              f"加载器的检查拦下了 {len(e['messages'])} 个有问题的输入中的 {len(caught)} 个，并给出说明修复方法的提示")(lang)
    if caught:
        name, message = next(iter(caught.items()))
        text += T(f", for instance {name}: \"{message}\"", f"，例如 {name}：“{message}”")(lang)
    if missed:
        text += T(f"; not caught: {', '.join(missed)}", f"；未拦下：{', '.join(missed)}")(lang)
    return text + T(". No seeds are repeated: this demo trains and compares nothing, and its split shares already "
                    f"cover {len(rand)} random splits.",
                    f"。本课不重复多个种子：演示既不训练也不比较模型，划分比例已经覆盖了 {len(rand)} 次随机划分。")(lang)


def _preprocessing_figures(outcome: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_class_balance, fig_duplicate_summary, fig_variant_bars

    names = {"random": T("random split", "随机划分")(lang), "stratified": T("stratified split", "分层划分")(lang)}
    y_title = T("spam share in the test set", "测试集中垃圾短信的比例")(lang)
    bars = fig_variant_bars({names[v]: outcome.mean(v, "test_spam_share") for v in names},
                            {names[v]: outcome.spread(v, "test_spam_share") for v in names}, y_title=y_title)
    return [(T("Test-set spam share over many splits (mean ± spread)", "多次划分下测试集垃圾短信比例（均值 ± 波动）")(lang),
             bars),
            (T("Copies shared between splits before removing repeats", "去重前各划分之间的重复样本")(lang),
             fig_duplicate_summary(outcome.extra["duplicates_before"])),
            (T("Messages per class", "各类别短信数")(lang), fig_class_balance(outcome.extra["summary"]["class_counts"]))]


DATA_2 = Lesson(
    id="data.2", topic="data", sources="002 #2, code 1; 003 #20",
    title=T("Preprocessing: cleaning, transforming, splitting", "数据预处理：清洗、转换与划分"),
    question=T("How should data be preprocessed before fine-tuning?", "微调之前应该如何预处理数据？"),
    answer=T("Cleaning: drop or fix empty, corrupt and mislabelled rows, decode text consistently (UTF-8), and "
             "remove exact and near duplicates before splitting, or copies of test examples end up in training. "
             "Transforming: turn labels into class indices once, from a fixed list; tokenize text with the model's "
             "own tokenizer; scale numeric features with statistics from the training split only; resize and "
             "normalise images the way the pretrained model expects. Splitting: hold out validation and test sets "
             "before any fitting, stratify by class so small classes appear in every split, and group related rows "
             "(same user, same document) into the same split. Here the demo runs the workbench's own summary, "
             "duplicate check, splits and input validation on SMS spam and on deliberately broken files.",
             "清洗：删除或修正空行、损坏行和标错的行，统一文本编码（UTF-8），并在划分之前去掉完全重复和近似重复的样本，"
             "否则测试样本的副本会混进训练集。转换：按固定的类别列表把标签一次性转成类别编号；用模型自带的分词器分词；"
             "数值特征只用训练集的统计量做标准化；图像按预训练模型要求的方式缩放和归一化。划分：在做任何拟合之前先留出"
             "验证集和测试集，按类别分层，让小类别在每个划分中都出现，并把相关的行（同一用户、同一文档）放进同一个划分。"
             "本课用工作台自己的数据概要、重复检测、划分和输入校验，在 SMS 垃圾短信数据和刻意构造的问题文件上做演示。"),
    experiment=_preprocessing, takeaway=_preprocessing_takeaway, figures=_preprocessing_figures,
    demo_only=True, repeats=1,
)


# ---------------------------------------------------------------- data.6


def _feature_label(variant: str) -> T:
    kind, n = variant.split("_")
    return (T(f"TF-IDF bag of words ({n} examples)", f"TF-IDF 词袋（{n} 条样本）") if kind == "tfidf" else
            T(f"MiniLM embeddings ({n} examples)", f"MiniLM 向量（{n} 条样本）"))


def _sparse_vs_dense(ctx: LessonContext) -> Outcome:
    from sklearn.feature_extraction.text import TfidfVectorizer

    from ..lab.data_quality import MemoEncoder
    from ..core.datasets import load_dataset, split_dataset
    from ..apps.embeddings import Encoder

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
    from ..analysis.stats import compare_paired, paired_differences

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


# ---------------------------------------------------------------- data.9

# Applied in this order, each on what the previous ones left: an address contains a dotted domain that the URL
# pattern would take, and a phone number is a digit run that the last pattern would take.
PII_PATTERNS = {
    "email": re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+"),
    "url": re.compile(r"(?:https?://|www\.)\S+|\b[\w-]+\.(?:com|net|org|co\.uk|biz|info)\b(?:/\S*)?", re.I),
    "phone": re.compile(r"(?:\+\d{1,3}[\s-]?|(?<![\d+])0)\d{2,4}(?:[\s-]?\d{3,4}){2}(?!\d)"),
    "number": re.compile(r"(?<!\d)\d{5,}(?!\d)"),
}
PII_KINDS = {"email": T("e-mail addresses", "电子邮箱"), "url": T("web addresses", "网址"),
             "phone": T("phone numbers", "电话号码"), "number": T("other long digit runs", "其他长数字串")}


def scrub_pii(text: str, placeholders: bool = True) -> tuple[str, dict[str, int]]:
    """The text with e-mail addresses, URLs, phone numbers and runs of 5+ digits replaced by [EMAIL], [URL],
    [PHONE], [NUMBER] (or removed, with placeholders=False), and how many of each were found."""
    if not isinstance(text, str):
        raise TypeError(f"scrub_pii takes one string, not {type(text).__name__}.")
    counts = {}
    for kind, pattern in PII_PATTERNS.items():
        text, counts[kind] = pattern.subn(f"[{kind.upper()}]" if placeholders else " ", text)
    return text, counts


def _privacy(ctx: LessonContext) -> Outcome:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import balanced_accuracy_score

    from ..core.datasets import load_dataset, split_dataset

    ds = load_dataset("sms_spam")
    found = {kind: {name: 0 for name in ds.label_names} for kind in PII_PATTERNS}
    flagged = {name: 0 for name in ds.label_names}
    examples = []
    for text, y in zip(ds.x, ds.y):
        clean, counts = scrub_pii(text)
        for kind, n in counts.items():
            found[kind][ds.label_names[y]] += bool(n)
        if any(counts.values()):
            flagged[ds.label_names[y]] += 1
            if len(examples) < 3 and ds.label_names[y] == "spam":
                examples.append({"before": text, "after": clean})
    versions = {"raw": lambda t: t, "placeholders": lambda t: scrub_pii(t)[0],
                "removed": lambda t: scrub_pii(t, placeholders=False)[0]}
    samples = {v: {"accuracy": [], "balanced_accuracy": []} for v in versions}
    for seed in ctx.seeds:
        splits = split_dataset(ds, seed=seed, max_train_samples=ctx.size(None, 800))
        for version, clean in versions.items():
            tfidf = TfidfVectorizer(sublinear_tf=True)
            train_x = tfidf.fit_transform([clean(t) for t in splits.train.x])
            test_x = tfidf.transform([clean(t) for t in splits.test.x])
            model = LogisticRegression(max_iter=3000, C=10.0).fit(train_x, splits.train.y)
            predicted = model.predict(test_x)
            samples[version]["accuracy"].append(float((predicted == splits.test.y).mean()))
            samples[version]["balanced_accuracy"].append(float(balanced_accuracy_score(splits.test.y, predicted)))
    class_sizes = {name: int((ds.y == i).sum()) for i, name in enumerate(ds.label_names)}
    extra = {"found": found, "flagged": flagged, "class_sizes": class_sizes, "examples": examples}
    return Outcome("data.9", samples, extra)


PRIVACY_LABELS = {"raw": T("raw text", "原始文本"), "placeholders": T("PII replaced by placeholders", "敏感信息替换为占位符"),
                  "removed": T("PII deleted", "敏感信息直接删除")}


def _privacy_takeaway(outcome: Outcome, lang: str) -> str:
    e = outcome.extra
    total = sum(e["class_sizes"].values())
    found = {k: sum(e["found"][k].values()) for k in PII_PATTERNS}
    parts = [T(f"{found[k]} with {PII_KINDS[k].en}", f"{found[k]} 条含{PII_KINDS[k].zh}")(lang) for k in PII_PATTERNS]
    share = {name: e["flagged"][name] / max(1, e["class_sizes"][name]) for name in e["class_sizes"]}
    text = T(f"Of {total:,} SMS messages, the scrubber found {', '.join(parts)}; {share.get('spam', 0):.1%} of spam "
             f"and {share.get('ham', 0):.1%} of ordinary messages carried at least one. ",
             f"在 {total:,} 条短信中，清洗器发现 {'，'.join(parts)}；{share.get('spam', 0):.1%} 的垃圾短信和 "
             f"{share.get('ham', 0):.1%} 的正常短信至少含有一处。")(lang)
    kept, lost = gap_points(outcome, "raw", "placeholders", "balanced_accuracy"), \
        gap_points(outcome, "raw", "removed", "balanced_accuracy")
    r, p, d = (outcome.mean(v, "balanced_accuracy") for v in ("raw", "placeholders", "removed"))
    text += T(f"A TF-IDF spam filter reached balanced accuracy {r:.3f} on raw text, {p:.3f} with placeholders and "
              f"{d:.3f} with the PII deleted. ",
              f"TF-IDF 垃圾短信过滤器的平衡准确率：原始文本 {r:.3f}，替换为占位符 {p:.3f}，直接删除 {d:.3f}。")(lang)
    if verdict(outcome, "raw", "removed", "balanced_accuracy") == "a":
        text += T(f"Deleting the PII cost {lost:.1f} points: premium-rate numbers and links are what give spam away. ",
                  f"直接删除敏感信息损失了 {lost:.1f} 个百分点：付费号码和链接正是垃圾短信的破绽。")(lang)
    else:
        text += T("Deleting the PII cost the filter nothing this budget can detect. ",
                  "直接删除敏感信息对过滤器没有可测出的影响。")(lang)
    placeholder_verdict = verdict(outcome, "raw", "placeholders", "balanced_accuracy")
    if placeholder_verdict == "a":
        text += T(f"Placeholders cost {kept:.1f} points.", f"替换为占位符损失了 {kept:.1f} 个百分点。")(lang)
    elif placeholder_verdict == "tie":
        text += T(f"Placeholders cost no score this budget can detect ({-kept:+.1f} points against raw text), so there "
                  "is no accuracy reason to train on the identifiers themselves.",
                  f"替换为占位符后没有可测出的得分损失（相对原始文本 {-kept:+.1f} 个百分点），所以没有理由为了准确率而在"
                  "身份信息本身上训练。")(lang)
    else:
        text += T(f"Placeholders even scored {-kept:.1f} points above the raw text: they keep the signal \"there is a "
                  "phone number here\" without the number itself, and one [PHONE] token generalises better than "
                  "hundreds of distinct numbers, each seen a few times.",
                  f"替换为占位符甚至比原始文本高出 {-kept:.1f} 个百分点：占位符保留了“这里有个电话号码”这一信号而不暴露"
                  "号码本身，而且一个 [PHONE] 标记比几百个各只出现几次的不同号码更容易泛化。")(lang)
    return text


def _privacy_figures(outcome: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_variant_bars

    found = {PII_KINDS[k](lang): sum(v.values()) for k, v in outcome.extra["found"].items()}
    return [(T("Messages containing each kind of personal data", "含各类个人信息的短信数")(lang),
             fig_variant_bars(found, y_title=T("messages", "短信数")(lang))),
            (T("Spam filter on raw and scrubbed text", "原始文本与清洗后文本上的垃圾短信过滤器")(lang),
             figures.metric_bars(outcome, "balanced_accuracy", lang, PRIVACY_LABELS))]


DATA_9 = Lesson(
    id="data.9", topic="data", sources="003 #23",
    title=T("Data privacy", "数据隐私"),
    question=T("How do you protect private data when fine-tuning?", "微调时如何保护数据隐私？"),
    answer=T("Collect and keep only what the task needs, and remove or mask personal identifiers (names, phone "
             "numbers, e-mail and postal addresses, account numbers) before the data reaches training, because "
             "models can memorise rare strings and repeat them later. Keep the data and the fine-tuning inside your "
             "own infrastructure or a contract-bound provider, encrypt it at rest and in transit, and restrict and "
             "log access. Where stronger guarantees are needed, differentially private training (DP-SGD) bounds what "
             "the model can reveal about any one record, and federated learning keeps raw data on the devices. Follow "
             "the law that applies (GDPR, PIPL) on consent, purpose and deletion. The demo scrubs SMS messages with "
             "regular expressions and measures what that does to a spam filter.",
             "只收集和保留任务真正需要的数据，并在数据进入训练之前删除或遮蔽个人身份信息（姓名、电话、邮箱和住址、"
             "账号等），因为模型会记住罕见的字符串并在之后复述出来。让数据和微调过程留在自己的基础设施或受合同约束的"
             "服务商内，存储和传输都要加密，并限制和记录访问。需要更强保障时，差分隐私训练（DP-SGD）能限制模型泄露任何"
             "单条记录的程度，联邦学习则让原始数据留在各自的设备上。在同意、用途和删除等方面遵守适用的法律（GDPR、"
             "《个人信息保护法》）。本演示用正则表达式清洗短信中的敏感信息，并测量这对垃圾短信过滤器的影响。"),
    experiment=_privacy, takeaway=_privacy_takeaway, figures=_privacy_figures,
    repeats=5,   # a TF-IDF filter trains in about a second per seed
)

LESSONS = [DATA_1, DATA_2, DATA_6, DATA_9]
