"""Data lessons on preparation: the digits MLP on three clean training-set sizes and on the largest with flipped labels
(data.1); a demo on SMS spam of random against stratified test splits, duplicates shared across splits before and
after de-duplication, and the errors broken input files raise (data.2)."""
from __future__ import annotations

from ...core.config import ConfigError, RunConfig
from ...core.datasets import DatasetError
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..concepts.common import bar_figures
from ..support import merge, verdict

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
    from ...core.datasets import load_dataset

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

    from ...core.datasets import load_dataset, split_dataset, summarize
    from ...lab.data_quality import content_keys, find_duplicates

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
    from ...analysis.plots import fig_class_balance, fig_duplicate_summary, fig_variant_bars

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
