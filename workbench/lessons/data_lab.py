"""Data lessons run as a lab: damage the training data on purpose (a rare class, flipped labels, leaked test rows,
long texts, augmented copies), measure the effect on clean validation and test splits, and use the workbench's
detectors (label-noise ranking, duplicate finder) to find the damage again."""
from __future__ import annotations

import math

import numpy as np

from ..config import RunConfig
from . import figures
from .base import Correction, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, noise_clause, ranking_takeaway
from .support import EVERY_WEIGHT, one_torch_thread
from .evaluation import (QUICK_TEXT, add, finished_runs, mean_or_none, register_metric_names,
                         run_config, run_store)

register_metric_names({
    "rare_recall": T("recall of the rare class", "稀有类召回率"),
    "accuracy_leaked": T("accuracy on copied test rows", "被复制的测试样本上的准确率"),
    "accuracy_unseen": T("accuracy on unseen test rows", "未见过的测试样本上的准确率"),
    "copies_found": T("share of copied rows found", "找出的复制样本比例"),
})

DIGITS = dict(dataset="digits", model="mlp", batch_size=64, save_checkpoints=False, save_model=False)
REVIEWS = dict(dataset="rotten_tomatoes", max_length=64, max_eval_samples=400, save_checkpoints=False, save_model=False,
               **EVERY_WEIGHT)


# ---------------------------------------------------------------- data.3 class imbalance

IMBALANCE_LABELS = {"none": T("no remedy", "不做处理"), "class_weights": T("class weights", "类别加权"),
                    "oversample": T("oversampling", "过采样"), "focal": T("focal loss", "Focal 损失")}
REMEDIES = {"none": {}, "class_weights": {"class_weights": True}, "oversample": {"sampling": "oversample"},
            "focal": {"loss": "focal"}}


def _imbalance_experiment(ctx: LessonContext) -> Outcome:
    from ..perturb import class_index
    from ..runner import prepare_splits

    s = ctx.settings
    base = RunConfig.from_flat(**DIGITS, epochs=s["epochs"], reduce_class=str(s["rare_class"]),
                               reduce_to=s["keep_share"])
    runs = ctx.run_variants({name: base.replace(**options) for name, options in REMEDIES.items()})
    store = run_store(ctx)
    extra = {"rare_class": str(s["rare_class"]), "keep_share": s["keep_share"]}
    for variant in REMEDIES:
        for seed, run_id in finished_runs(ctx, runs, variant):
            per_class = store.metrics(run_id)["test"]["per_class"]
            rare = class_index([row["label"] for row in per_class], s["rare_class"])
            add(runs.samples, variant, "rare_recall", per_class[rare]["recall"])
            if "rare_train" not in extra:
                train = prepare_splits(run_config(ctx, run_id)).train
                counts = np.bincount(train.y, minlength=len(train.label_names))
                extra.update(rare_train=int(counts[rare]), other_train=float(np.delete(counts, rare).mean()))
    return Outcome("data.3", runs.samples, extra, runs.run_ids, runs.histories)


def _imbalance_takeaway(o: Outcome, lang: str) -> str:
    e = o.extra
    text = T(f"Class {e.get('rare_class')} kept {e.get('rare_train', '?')} training example(s) against about "
             f"{e.get('other_train', 0):.0f} for every other class; the test set stayed balanced. ",
             f"类别 {e.get('rare_class')} 在训练集中只留下 {e.get('rare_train', '?')} 个样本，其他每类约 "
             f"{e.get('other_train', 0):.0f} 个；测试集保持均衡。")(lang)
    text += ranking_takeaway(o, "rare_recall", lang, IMBALANCE_LABELS) + T(" ", "")(lang)
    remedies = [v for v in ("class_weights", "oversample", "focal") if o.values(v, "rare_recall")]
    if not remedies:
        return text
    best = o.best("rare_recall", among=remedies)
    text += T("The best remedy against none: ", "最佳方法与不做处理相比：")(lang)
    text += compare_takeaway(o, best, "none", "rare_recall", lang, IMBALANCE_LABELS)
    lift = o.mean(best, "rare_recall") - o.mean("none", "rare_recall")
    acc_change = o.mean(best, "accuracy") - o.mean("none", "accuracy")
    if lift > 0.1:
        text += T(f" {IMBALANCE_LABELS[best].en.capitalize()} lifted the rare class's recall by {lift:.2f} while "
                  f"overall accuracy moved by {acc_change:+.3f}: the untreated model had simply learned that the rare "
                  "class almost never occurs.",
                  f"{IMBALANCE_LABELS[best].zh}让稀有类的召回率提高了 {lift:.2f}，整体准确率变化 {acc_change:+.3f}："
                  "未处理的模型只是学到了“稀有类几乎不会出现”。")(lang)
    else:
        text += T(f" No remedy lifted the rare class by more than 0.1 of recall here (best: {lift:+.2f}); with this "
                  "few examples of it, collecting more data is the real fix.",
                  f"这里没有哪种方法把稀有类的召回率提高超过 0.1（最好的是 {lift:+.2f}）；稀有类样本这么少时，真正的办法"
                  "是收集更多数据。")(lang)
    if o.values("focal", "rare_recall"):
        focal_lift = o.mean("focal", "rare_recall") - o.mean("none", "rare_recall")
        if focal_lift < 0.05:
            text += T(" Focal loss alone barely helped: it down-weights easy examples, not frequent classes, so it "
                      "is no substitute for class weights or resampling.",
                      "单靠 Focal 损失几乎没有帮助：它降低的是简单样本的权重，而不是多数类的权重，所以代替不了类别加权或"
                      "重采样。")(lang)
        else:
            text += T(f" Focal loss also helped (+{focal_lift:.2f}): the rare class's examples were among the hard "
                      "ones it up-weights.", f"Focal 损失也有帮助（+{focal_lift:.2f}）：稀有类的样本正好属于它加大权重的难样本。")(lang)
    return text


def _imbalance_figures(o: Outcome, lang: str) -> list:
    return [(T("Recall of the rare class", "稀有类召回率")(lang),
             figures.metric_bars(o, "rare_recall", lang, IMBALANCE_LABELS)),
            (T("Balanced accuracy", "平衡准确率")(lang),
             figures.metric_bars(o, "balanced_accuracy", lang, IMBALANCE_LABELS))]


def _imbalance_choice(o: Outcome) -> str:
    return o.best("rare_recall")


DATA_3 = Lesson(
    id="data.3", topic="data", sources="000 #3, 003 #4, #14, #16",
    title=T("Class imbalance", "类别不平衡"),
    question=T("How do you fine-tune on imbalanced data, where one class is rare?", "数据类别不平衡、某一类很少时，怎样微调？"),
    answer=T("Left alone, the loss is dominated by the common classes and the model learns to under-predict the rare "
             "one. Remedies change what the loss sees: class weights scale each example's loss by the inverse "
             "frequency of its class; oversampling repeats rare examples (undersampling drops common ones); focal "
             "loss down-weights examples the model already gets right; augmentation or new data adds real variety "
             "to the rare class. Judge the result by per-class recall, balanced accuracy or the PR curve, never by "
             "accuracy alone, and tune the decision threshold on validation data.",
             "不做处理的话，损失主要由常见类别决定，模型学会少预测稀有类。各种办法改变的是损失“看到”的东西：类别加权按"
             "类别频率的倒数放大每个样本的损失；过采样重复稀有类样本（欠采样则丢掉部分常见类样本）；Focal 损失降低模型"
             "已经判对的样本的权重；数据增强或补充新数据为稀有类带来真正的多样性。评估时看各类别召回率、平衡准确率或 PR "
             "曲线，不能只看准确率，并在验证集上调整判定阈值。"),
    experiment=_imbalance_experiment, takeaway=_imbalance_takeaway, figures=_imbalance_figures,
    quiz=Quiz(T("Digit 8 keeps only 5% of its training examples. Which remedy will recover the most recall on 8s?",
                "数字 8 的训练样本只保留 5%。哪种方法能让 8 的召回率恢复得最多？"),
              {v: label for v, label in IMBALANCE_LABELS.items()}, _imbalance_choice),
    settings={"rare_class": "8", "keep_share": 0.05, "epochs": 5}, repeats=3,
)


# ---------------------------------------------------------------- data.4 noisy labels

NOISE_LABELS = {"clean": T("clean labels", "干净标签"), "noisy": T("noisy labels", "含噪标签"),
                "noisy + smoothing": T("noisy labels + label smoothing", "含噪标签 + 标签平滑")}


def _noise_experiment(ctx: LessonContext) -> Outcome:
    from ..data_quality import precision_at_k, rank_label_noise
    from ..runner import prepare_splits

    s = ctx.settings
    clean = RunConfig.from_flat(**DIGITS, epochs=s["epochs"])
    noisy = clean.replace(label_noise=s["noise"])
    runs = ctx.run_variants({"clean": clean, "noisy": noisy,
                             "noisy + smoothing": noisy.replace(label_smoothing=s["smoothing"])})
    extra = {"noise": s["noise"], "smoothing": s["smoothing"]}
    done = finished_runs(ctx, runs, "noisy")
    if done:
        splits = prepare_splits(run_config(ctx, done[0][1]))
        ranking = rank_label_noise(splits, folds=ctx.size(5, 3))
        flipped = splits.report.flipped_ids
        columns = ["id", "given_label", "suggested_label", "given_probability", "flipped"]
        extra.update(train_examples=len(splits.train), flipped=len(flipped),
                     precision_at_k=precision_at_k(ranking, flipped),
                     given_probability=ranking["given_probability"].round(4).tolist(),
                     is_flipped=ranking["flipped"].tolist(),
                     suspects=ranking[columns].head(8).to_dict(orient="records"))
    return Outcome("data.4", runs.samples, extra, runs.run_ids, runs.histories)


def _noise_takeaway(o: Outcome, lang: str) -> str:
    e = o.extra
    clean, noisy = o.mean("clean", "accuracy"), o.mean("noisy", "accuracy")
    drop = clean - noisy
    text = T(f"Flipping {e['noise']:.0%} of the training labels changed test accuracy from {clean:.3f} to {noisy:.3f} "
             f"(a drop of {drop:.3f}); ",
             f"把 {e['noise']:.0%} 的训练标签改错后，测试准确率从 {clean:.3f} 变为 {noisy:.3f}（下降 {drop:.3f}）；")(lang)
    text += noise_clause(o, "clean", "noisy", "accuracy", lang) + T(".", "。")(lang)
    if o.values("noisy + smoothing", "accuracy"):
        smooth = o.mean("noisy + smoothing", "accuracy")
        text += T(f" Label smoothing {e['smoothing']:g} on the same noisy labels reached {smooth:.3f} "
                  f"({smooth - noisy:+.3f} against plain cross-entropy); ",
                  f"在同样的含噪标签上使用 {e['smoothing']:g} 的标签平滑，准确率为 {smooth:.3f}（比普通交叉熵 "
                  f"{smooth - noisy:+.3f}）；")(lang)
        text += noise_clause(o, "noisy", "noisy + smoothing", "accuracy", lang) + T(".", "。")(lang)
    if drop < 0.02:
        text += T(" The drop is small because after this few steps the network has not yet memorised the wrong "
                  "labels; networks fit clean patterns first and the noise later, so training longer on noisy labels "
                  "makes it worse (that is why early stopping helps here).",
                  "下降不大，是因为训练步数这么少时网络还没把错误标签背下来；网络先拟合干净的规律、后拟合噪声，所以在含噪"
                  "标签上训练越久越糟（这也是早停在这里有用的原因）。")(lang)
    if "precision_at_k" in e:
        k, found = e["flipped"], e["precision_at_k"]
        share = k / max(1, e["train_examples"])
        text += T(f" Ranking the {e['train_examples']} training examples by how believable an out-of-fold classifier "
                  f"finds their label put {found:.0%} flipped labels among the top {k} suspects, where picking at "
                  f"random would find {share:.0%}",
                  f"让一个交叉拟合的分类器给 {e['train_examples']} 个训练样本的标签打“可信度”并排序，前 {k} 个嫌疑样本里有 "
                  f"{found:.0%} 确实是被改错的标签，而随机挑选只能找到 {share:.0%}")(lang)
        if found > 2 * share:
            text += T(": reviewing the top of that list is a cheap way to clean labels.",
                      "：优先复查这份名单的前列，是清洗标签的省力办法。")(lang)
        else:
            text += T(": here the ranking is hardly better than chance, so it needs a stronger classifier.",
                      "：这里排序几乎不比随机好，需要更强的分类器来打分。")(lang)
    return text


def _noise_figures(o: Outcome, lang: str) -> list:
    from ..plots import fig_label_noise

    out = [(T("Test accuracy", "测试准确率")(lang), figures.metric_bars(o, "accuracy", lang, NOISE_LABELS))]
    if o.extra.get("given_probability"):
        out.append((T("How believable each training label is (flipped labels in their own colour)",
                      "每个训练标签有多可信（被改错的标签单独着色）")(lang),
                    fig_label_noise(o.extra["given_probability"], o.extra["is_flipped"])))
    return out


def _drop_choice(o: Outcome) -> str:
    drop = o.mean("clean", "accuracy") - o.mean("noisy", "accuracy")
    return "small" if drop < 0.02 else "medium" if drop <= 0.10 else "large"


ROBUST_Q = 0.7        # generalised cross-entropy (Zhang and Sabuncu, 2018): q=0 is cross-entropy, q=1 is MAE
DEMO_NOISE = 0.4
DEMO_STEPS = 200


def _generalised_ce(outputs, labels, num_items_in_batch=None):
    """(1 - p_true^q) / q: its gradient shrinks with p_true, so an example the model disagrees with (often a
    wrong label) pulls on it less than under cross-entropy, whose pull grows without bound."""
    import torch

    p_true = torch.softmax(outputs["logits"].float(), -1).gather(1, labels[:, None]).squeeze(1)
    return ((1 - p_true.clamp_min(1e-7) ** ROBUST_Q) / ROBUST_Q).mean()


def _train_tiny_mlp(x, y, loss_fn, seed: int = 0):
    import torch

    from ..models import TabularMLP

    torch.manual_seed(seed)
    model = TabularMLP(x.shape[1], 10, hidden_sizes=(64,), dropout=0.0)
    model.fit_scaler(x)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-2)
    features, labels = torch.as_tensor(x), torch.as_tensor(y)
    for _ in range(DEMO_STEPS):   # full batch: 1,257 rows x 64 features
        optimizer.zero_grad()
        loss_fn(model(features), labels).backward()
        optimizer.step()
    return model.eval()


def _robust_loss_demo() -> dict:
    """The same tiny MLP trained on digits with clean and with 40%-flipped labels, under cross-entropy and under a
    noise-robust loss; scored on the clean test split and on how many wrong training labels it fits."""
    import torch

    from ..config import TrainConfig
    from ..datasets import load_dataset, split_dataset
    from ..perturb import flip_labels
    from ..training import make_loss

    splits = split_dataset(load_dataset("digits"), seed=0)
    noisy, flipped_ids, _ = flip_labels(splits.train, DEMO_NOISE, np.random.default_rng(0))
    flipped = np.isin(noisy.ids, flipped_ids)
    losses = {"cross_entropy": make_loss(TrainConfig(), None), "robust": _generalised_ce}
    values = {"noise": DEMO_NOISE, "steps": DEMO_STEPS}
    with one_torch_thread(), torch.no_grad():
        test_x = torch.as_tensor(splits.test.x)
        for name, loss_fn in losses.items():
            for labels, tag in ((splits.train.y, "clean"), (noisy.y, "noisy")):
                with torch.enable_grad():
                    model = _train_tiny_mlp(splits.train.x, labels, loss_fn)
                values[f"{name}_{tag}"] = float((model(test_x)["logits"].argmax(-1).numpy() == splits.test.y).mean())
                if tag == "noisy":
                    fitted = model(torch.as_tensor(noisy.x[flipped]))["logits"].argmax(-1).numpy()
                    values[f"{name}_fits_wrong"] = float((fitted == noisy.y[flipped]).mean())
    return values


def _robust_loss_verdict(v: dict, lang: str) -> str:
    ce_drop = v["cross_entropy_clean"] - v["cross_entropy_noisy"]
    robust_drop = v["robust_clean"] - v["robust_noisy"]
    text = T(f"With {v['noise']:.0%} of the training labels flipped, plain cross-entropy lost {ce_drop:.3f} test "
             f"accuracy ({v['cross_entropy_clean']:.3f} → {v['cross_entropy_noisy']:.3f}) and fitted "
             f"{v['cross_entropy_fits_wrong']:.0%} of the wrong labels; the noise-robust loss (generalised "
             f"cross-entropy) lost {robust_drop:.3f} ({v['robust_clean']:.3f} → {v['robust_noisy']:.3f}) and fitted "
             f"{v['robust_fits_wrong']:.0%} of them.",
             f"把 {v['noise']:.0%} 的训练标签改错后，普通交叉熵的测试准确率下降 {ce_drop:.3f}（{v['cross_entropy_clean']:.3f} → "
             f"{v['cross_entropy_noisy']:.3f}），并拟合了 {v['cross_entropy_fits_wrong']:.0%} 的错误标签；噪声鲁棒损失"
             f"（广义交叉熵）下降 {robust_drop:.3f}（{v['robust_clean']:.3f} → {v['robust_noisy']:.3f}），只拟合了 "
             f"{v['robust_fits_wrong']:.0%}。")(lang)
    if robust_drop < ce_drop and v["robust_fits_wrong"] < v["cross_entropy_fits_wrong"]:
        text += T(" The robust loss made the model less sensitive to the noisy labels, not more.",
                  "鲁棒损失让模型对噪声标签更不敏感，而不是更敏感。")(lang)
    else:
        text += T(" In this run the robust loss did not reduce the damage; with other settings (more steps, more "
                  "noise) its advantage usually shows, but here the measurement does not support it.",
                  "这次运行中鲁棒损失没有减轻损害；换一些设置（更多步数、更多噪声）通常能看到它的优势，但这里的测量结果"
                  "并不支持。")(lang)
    return text


DATA_4 = Lesson(
    id="data.4", topic="data", sources="001 #13, 003 #11, #12",
    title=T("Noisy labels", "噪声标签"),
    question=T("How do you deal with noisy data, in particular wrong labels, when fine-tuning?",
               "微调时如何处理噪声数据，尤其是标错的标签？"),
    answer=T("Wrong labels teach the model wrong answers, and a network with enough capacity will eventually memorise "
             "them, so the damage grows with training time. First find them: score every training label with a "
             "model that did not train on that example (cross-validated predictions) and review the least believable "
             "ones, then fix or drop them. During training, limit how much any single label can pull: label "
             "smoothing, noise-robust losses (e.g. generalised cross-entropy or mean absolute error), early stopping "
             "and regularisation all make the model less sensitive to the noise. For noisy inputs, clean or "
             "normalise the text first.",
             "错误标签会教给模型错误答案，容量足够的网络最终会把它们背下来，所以训练越久损害越大。第一步是把它们找出来："
             "用没有在该样本上训练过的模型（交叉验证预测）给每个训练标签打分，复查最不可信的那些，然后改正或删掉。训练"
             "时则要限制单个标签的影响力：标签平滑、噪声鲁棒损失（如广义交叉熵或平均绝对误差）、早停和正则化，都能让模型"
             "对噪声更不敏感。如果是输入本身有噪声，先对文本做清洗或规范化。"),
    experiment=_noise_experiment, takeaway=_noise_takeaway, figures=_noise_figures,
    quiz=Quiz(T("30% of the training labels of a digit classifier are flipped to a wrong digit. How much test "
                "accuracy will it lose?", "把数字分类器 30% 的训练标签改成错误的数字。测试准确率会下降多少？"),
              {"small": T("less than 2 points", "不到 2 个百分点"), "medium": T("2 to 10 points", "2 到 10 个百分点"),
               "large": T("more than 10 points", "超过 10 个百分点")},
              _drop_choice),
    corrections=(Correction(
        source="001 #13",
        claim=T("A noise-robust loss function makes the model more sensitive to noise.",
                "使用噪声鲁棒的损失函数，会让模型对噪声更敏感。"),
        right=T("A noise-robust loss makes the model less sensitive to noisy labels: it bounds how hard an example "
                "that contradicts the model can pull on the weights, so the model fits fewer wrong labels.",
                "噪声鲁棒损失让模型对噪声标签更不敏感：它限制了与模型判断相矛盾的样本对权重的拉力，因此模型拟合的错误标签"
                "更少。"),
        demo=_robust_loss_demo, verdict=_robust_loss_verdict),),
    settings={"noise": 0.3, "smoothing": 0.3, "epochs": 5}, repeats=3,
)


# ---------------------------------------------------------------- data.5 long text

MODE_LABELS = {"truncate": T("truncate (head only)", "截断（只保留开头）"), "head_tail": T("head + tail", "开头 + 结尾"),
               "sliding_window (mean)": T("sliding windows, mean", "滑动窗口，取平均"),
               "sliding_window (max)": T("sliding windows, max", "滑动窗口，取最大")}


def _long_text_experiment(ctx: LessonContext) -> Outcome:
    from ..long_text import compare_long_text_modes, long_reviews_for_run

    s = ctx.settings
    cfg = RunConfig.from_flat(**{**REVIEWS, "save_model": True}, max_train_samples=s["train_examples"],
                              epochs=s["epochs"], lr=s["lr"])
    runs = ctx.run_variants({"fine-tuned": cfg}, **QUICK_TEXT)
    store = run_store(ctx)
    lengths = [int(n) for n in (s["lengths"] if not ctx.quick else s["lengths"][:2])]
    samples, extra = {}, {"lengths": lengths, "mean_tokens": [], "seconds": {}}
    for seed, run_id in finished_runs(ctx, runs, "fine-tuned"):
        texts, labels = long_reviews_for_run(run_id, n=ctx.size(s["reviews"], 12), snippets=s["snippets"],
                                             seed=seed, store=store)
        table = compare_long_text_modes(run_id, texts, labels, lengths, store=store)
        extra["mean_tokens"].append(table.attrs["mean_tokens"])
        for row in table.itertuples():
            add(samples, row.mode, f"accuracy@{row.max_length}", row.accuracy)
            if seed == ctx.seeds[0]:
                extra["seconds"].setdefault(row.mode, {})[str(row.max_length)] = row.seconds
    return Outcome("data.5", samples, extra, runs.run_ids, runs.histories)


def _long_text_takeaway(o: Outcome, lang: str) -> str:
    lengths = o.extra["lengths"]
    short, long = min(lengths), max(lengths)
    tokens = mean_or_none(o.extra.get("mean_tokens")) or 0
    at = lambda mode, n: o.mean(mode, f"accuracy@{n}")   # noqa: E731
    modes = [m for m in MODE_LABELS if o.values(m, f"accuracy@{short}")]
    best = max(modes, key=lambda m: at(m, short))
    scores = T(", ", "，")(lang).join(f"{MODE_LABELS[m](lang)} {at(m, short):.3f}" for m in modes)
    text = T(f"The test reviews were built to be about {tokens:.0f} tokens long, with the verdict in their last "
             f"snippet. At max_length {short}: {scores}. ",
             f"测试影评被拼成约 {tokens:.0f} 个词元长，结论放在最后一段。max_length 为 {short} 时：{scores}。")(lang)
    if best != "truncate":
        margin = at(best, short) - at("truncate", short)
        text += T(f"{MODE_LABELS[best].en.capitalize()} beat truncation by {margin:.3f}; ",
                  f"{MODE_LABELS[best].zh}比截断高 {margin:.3f}；")(lang)
        text += noise_clause(o, best, "truncate", f"accuracy@{short}", lang) + T(". ", "。")(lang)
        text += T("Truncation keeps only the opening, which here says nothing about the verdict; modes that also read "
                  "the end find it.", "截断只保留开头，而这里的开头和结论无关；同时读到结尾的方式才能找到它。")(lang)
    else:
        text += T("Truncation was as good as any other mode here, so the opening already carried the verdict.",
                  "这里截断不比其他方式差，说明开头就已经包含了结论。")(lang)
    if long != short and "truncate" in modes:
        gain = at("truncate", long) - at("truncate", short)
        text += T(f" Raising max_length to {long} moved truncation from {at('truncate', short):.3f} to "
                  f"{at('truncate', long):.3f} ({gain:+.3f}): ",
                  f"把 max_length 提高到 {long} 后，截断从 {at('truncate', short):.3f} 变为 {at('truncate', long):.3f}"
                  f"（{gain:+.3f}）：")(lang)
        text += (T("longer inputs let it reach more of the review, at a higher cost per text.",
                   "输入更长，就能读到更多内容，但每条文本的计算量也更大。") if gain > 0.02 else
                 T("a longer window alone did not reach the verdict.", "仅仅加长窗口还读不到结论。"))(lang)
    seconds = o.extra.get("seconds", {})
    if "truncate" in seconds and "sliding_window (mean)" in seconds:
        slow = seconds["sliding_window (mean)"].get(str(short), 0) / max(seconds["truncate"].get(str(short), 0), 1e-9)
        text += T(f" Sliding windows took {slow:.1f} times as long as truncation at max_length {short}.",
                  f"max_length 为 {short} 时，滑动窗口的耗时是截断的 {slow:.1f} 倍。")(lang)
    return text


def _long_text_figures(o: Outcome, lang: str) -> list:
    from ..plots import fig_variant_bars

    out = []
    for n in o.extra.get("lengths", []):
        key = f"accuracy@{n}"
        modes = [m for m in o.variants if o.values(m, key)]
        if modes:
            fig = fig_variant_bars({MODE_LABELS[m](lang): o.mean(m, key) for m in modes},
                                   {MODE_LABELS[m](lang): o.spread(m, key) for m in modes},
                                   y_title=T("accuracy on long reviews", "长影评准确率")(lang))
            out.append((T(f"Accuracy at max_length {n}", f"max_length 为 {n} 时的准确率")(lang), fig))
    return out


def _long_text_choice(o: Outcome) -> str:
    short = min(o.extra["lengths"])
    best = max((m for m in o.variants if o.values(m, f"accuracy@{short}")),
               key=lambda m: o.mean(m, f"accuracy@{short}"))
    return "sliding_window" if best.startswith("sliding_window") else best


DATA_5 = Lesson(
    id="data.5", topic="data", sources="003 #9",
    title=T("Long texts: truncation, head + tail, sliding windows", "长文本：截断、首尾拼接与滑动窗口"),
    question=T("Your texts are longer than the model's maximum input length. What can you do?",
               "文本长度超过了模型的最大输入长度，该怎么办？"),
    answer=T("Truncation keeps the first max_length tokens and drops the rest: cheap, and fine when the beginning "
             "carries the label. Head + tail keeps the opening and the ending (a known recipe for reviews: about a "
             "quarter head, three quarters tail), since conclusions often sit at the end. Sliding windows cut the "
             "text into overlapping chunks, classify each and pool the results (mean or max): nothing is lost, but "
             "inference costs grow with the length. Beyond that, summarise first, or use a model built for long "
             "inputs (Longformer, BigBird). Measure on your own data: which part holds the signal decides the winner.",
             "截断只保留前 max_length 个词元，丢掉其余部分：代价低，开头就能决定标签时效果不错。首尾拼接同时保留开头和"
             "结尾（评论类文本的常见做法：约四分之一开头、四分之三结尾），因为结论往往在最后。滑动窗口把文本切成相互"
             "重叠的片段，逐段分类再汇总（取平均或取最大）：信息不丢失，但推理开销随长度增长。此外还可以先做摘要，或换用"
             "专为长输入设计的模型（Longformer、BigBird）。要在自己的数据上实测：信号在文本的哪一部分，决定了哪种方法胜出。"),
    experiment=_long_text_experiment, takeaway=_long_text_takeaway, figures=_long_text_figures,
    quiz=Quiz(T("Long reviews whose verdict is in the last snippet, read with a short max_length: which mode will "
                "score best?", "结论在最后一段的长影评，用较短的 max_length 读取：哪种方式得分最高？"),
              {"truncate": T("truncation", "截断"), "head_tail": T("head + tail", "开头 + 结尾"),
               "sliding_window": T("sliding windows (either pooling)", "滑动窗口（任一种汇总方式）")},
              _long_text_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "reviews": 40, "snippets": 6, "lengths": [32, 64, 128]},
    repeats=2,
)


# ---------------------------------------------------------------- data.7 leakage

LEAK_LABELS = {"clean": T("the clean split", "干净划分"),
               "leaky": T("the leaky split (test rows copied into training)", "泄漏划分（测试样本混入训练集）")}


def _leak_experiment(ctx: LessonContext) -> Outcome:
    from ..data_quality import find_duplicates
    from ..runner import prepare_splits

    s = ctx.settings
    clean = RunConfig.from_flat(**{**DIGITS, "batch_size": 32}, epochs=s["epochs"],
                                max_train_samples=s["train_examples"])
    runs = ctx.run_variants({"clean": clean, "leaky": clean.replace(leak_fraction=s["leak_fraction"])})
    store = run_store(ctx)
    extra = {"leak_fraction": s["leak_fraction"], "copies": {}}
    for variant in ("clean", "leaky"):
        for seed, run_id in finished_runs(ctx, runs, variant):
            splits = prepare_splits(run_config(ctx, run_id))
            report = find_duplicates(splits, near_threshold=None)
            pairs = report.pairs
            found = set(pairs.loc[(pairs.split_a == "train") & (pairs.split_b == "test"), "id_b"])
            extra["copies"].setdefault(variant, []).append(report.summary["test_with_copy_in_train"])
            if seed == ctx.seeds[0]:
                extra.setdefault("summaries", {})[variant] = report.summary
            leaked = splits.report.leaked_ids
            if variant == "leaky" and len(leaked):
                test = store.load_predictions(run_id, "test")
                seen = np.isin(test["ids"], leaked)
                right = test["probs"].argmax(1) == test["labels"]
                add(runs.samples, variant, "accuracy_leaked", right[seen].mean())
                add(runs.samples, variant, "accuracy_unseen", right[~seen].mean() if (~seen).any() else None)
                add(runs.samples, variant, "copies_found", len(found & set(leaked.tolist())) / len(leaked))
    return Outcome("data.7", runs.samples, extra, runs.run_ids, runs.histories)


def _leak_takeaway(o: Outcome, lang: str) -> str:
    share = o.extra["leak_fraction"]
    text = T(f"With {share:.0%} of the test rows copied into training: ", f"把 {share:.0%} 的测试样本复制进训练集后：")(lang)
    text += compare_takeaway(o, "leaky", "clean", "accuracy", lang, LEAK_LABELS)
    if o.values("leaky", "accuracy_leaked") and o.values("leaky", "accuracy_unseen"):
        seen, unseen = o.mean("leaky", "accuracy_leaked"), o.mean("leaky", "accuracy_unseen")
        text += T(f" Inside the leaky runs, the copied test rows scored {seen:.3f} and the unseen ones {unseen:.3f}",
                  f"在混入数据的运行里，被复制的测试样本准确率为 {seen:.3f}，未见过的为 {unseen:.3f}")(lang)
        if seen - unseen > 0.02:
            text += T(": the extra points come from rows the model had already memorised, so the test score no longer "
                      "measures generalisation.", "：多出来的分数来自模型早已背下来的样本，测试分数不再衡量泛化能力。")(lang)
        else:
            text += T(": the model scores them about the same, so it generalises well here and the inflation is small; "
                      "leakage hurts most with models that memorise (large models, long training).",
                      "：两者差不多，说明这里模型泛化良好、虚高有限；泄漏对会死记硬背的模型（大模型、长时间训练）危害最大。")(lang)
    copies = o.extra.get("copies", {})
    if o.values("leaky", "copies_found"):
        natural = mean_or_none(copies.get("clean"))
        text += T(f" The exact-duplicate check found {o.mean('leaky', 'copies_found'):.0%} of the copied rows",
                  f"精确重复检查找出了 {o.mean('leaky', 'copies_found'):.0%} 的复制样本")(lang)
        if natural:
            text += T(f", and {natural:.0f} test row(s) with an identical training row even in the clean split "
                      "(duplicates already present in the dataset).",
                      f"；即使在干净划分中，也有 {natural:.0f} 个测试样本在训练集里有完全相同的一行（数据集本身就带有的"
                      "重复）。")(lang)
        elif natural == 0:
            text += T(", and none in the clean split.", "，而干净划分中一个也没有。")(lang)
        else:
            text += T(".", "。")(lang)
    return text


def _leak_figures(o: Outcome, lang: str) -> list:
    from ..plots import fig_duplicate_summary, fig_variant_bars

    out = [(T("Test accuracy", "测试准确率")(lang), figures.metric_bars(o, "accuracy", lang, LEAK_LABELS))]
    if o.values("leaky", "accuracy_leaked") and o.values("leaky", "accuracy_unseen"):
        split = {T("copied test rows", "被复制的测试样本")(lang): o.mean("leaky", "accuracy_leaked"),
                 T("unseen test rows", "未见过的测试样本")(lang): o.mean("leaky", "accuracy_unseen")}
        out.append((T("Leaky run: accuracy on copied vs unseen test rows", "混入数据的运行：被复制与未见过的测试样本准确率")(lang),
                    fig_variant_bars(split, y_title=T("accuracy", "准确率")(lang))))
    summary = o.extra.get("summaries", {}).get("leaky")
    if summary:
        out.append((T("Copies found across splits (leaky run)", "各划分之间找到的重复（混入数据的运行）")(lang),
                    fig_duplicate_summary(summary)))
    return out


def _leak_choice(o: Outcome) -> str:
    seen, unseen = o.values("leaky", "accuracy_leaked"), o.values("leaky", "accuracy_unseen")
    if not seen or not unseen:
        return "same"
    seen, unseen = o.mean("leaky", "accuracy_leaked"), o.mean("leaky", "accuracy_unseen")
    return "perfect" if seen >= 0.99 and seen - unseen > 0.02 else "higher" if seen - unseen > 0.02 else "same"


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
             "score is suspiciously high.",
             "数据泄漏指评估数据的任何信息流进了训练：两个划分里有相同或几乎相同的样本、用测试集的统计量计算特征、时间"
             "序列中用到了未来的信息。模型于是在它实际上见过的样本上得高分，测试分数就高估了它在新数据上的表现。预防办法"
             "是先划分（样本彼此相关时按用户、文档或时间划分），所有预处理只在训练集上拟合，并在划分之间去重；检测办法是"
             "在划分之间做精确哈希比对和向量相似度比对，并对高得可疑的分数保持警惕。"),
    experiment=_leak_experiment, takeaway=_leak_takeaway, figures=_leak_figures,
    quiz=Quiz(T("Some test rows were also in the training data. How will the model score on those rows, compared "
                "with test rows it never saw?", "部分测试样本也出现在训练数据里。与从未见过的测试样本相比，模型在这些样本上得分如何？"),
              {"perfect": T("near perfect (0.99 or more), clearly above unseen rows", "几乎全对（0.99 以上），明显高于未见过的样本"),
               "higher": T("higher than on unseen rows, but below 0.99", "高于未见过的样本，但低于 0.99"),
               "same": T("about the same as on unseen rows", "与未见过的样本差不多")},
              _leak_choice),
    settings={"train_examples": 300, "leak_fraction": 0.3, "epochs": 10}, repeats=3,
)


# ---------------------------------------------------------------- data.8 augmentation

AUGMENT_LABELS = {"none": T("no augmentation", "不做增强"),
                  "text_mix": T("augmentation (word swap / deletion / synonyms)", "增强（词语交换 / 删除 / 同义词替换）")}


def _augment_experiment(ctx: LessonContext) -> Outcome:
    from ..runner import prepare_splits

    s = ctx.settings
    steps = math.ceil(s["train_examples"] / 16) * s["epochs"]
    base = RunConfig.from_flat(**REVIEWS, max_train_samples=s["train_examples"], max_steps=steps, lr=s["lr"])
    runs = ctx.run_variants({"none": base, "text_mix": base.replace(augment="text_mix")}, **QUICK_TEXT)
    extra = {"steps": steps, "train_examples": s["train_examples"]}
    done = finished_runs(ctx, runs, "none")
    if done:
        used = run_config(ctx, done[0][1])
        train = prepare_splits(used).train
        extra.update(steps=used.train.max_steps, train_examples=len(train))
        extra["example"] = _augmented_example(list(train.x))
    return Outcome("data.8", runs.samples, extra, runs.run_ids, runs.histories)


def _augmented_example(texts: list[str]) -> dict | None:
    """A short training review and an augmented copy of it that really differs."""
    from ..augment import augment_texts

    for text in sorted(texts, key=len):
        if len(text.split()) < 8:
            continue
        for seed in range(5):
            changed = augment_texts([text], "mix", seed)[0]
            if changed != text:
                return {"original": text, "augmented": changed}
    return None


def _augment_takeaway(o: Outcome, lang: str) -> str:
    e = o.extra
    text = T(f"With {e['train_examples']} labelled reviews and the same {e['steps']} optimizer steps for both: ",
             f"在 {e['train_examples']} 条标注影评上、两者都训练 {e['steps']} 步：")(lang)
    text += compare_takeaway(o, "text_mix", "none", "accuracy", lang, AUGMENT_LABELS)
    gain = o.mean("text_mix", "accuracy") - o.mean("none", "accuracy")
    if gain > 0.01:
        text += T(" With this little data, the edited copies acted like extra examples.",
                  "数据这么少时，改写出的副本起到了额外样本的作用。")(lang)
    elif gain < -0.01:
        text += T(" Augmentation hurt here: word-level edits can change a review's meaning (deleting 'not', swapping "
                  "clauses) and so add wrong labels.",
                  "这里增强反而有害：词级改写可能改变影评的意思（删掉“不”、调换分句），等于引入了错误标签。")(lang)
    else:
        text += T(" Word swaps and deletions barely change what a pretrained encoder already understands, so they add "
                  "little; augmentation pays off most with tiny datasets, models trained from scratch, or images.",
                  "词语交换和删除几乎改变不了预训练编码器已经理解的内容，所以收益很小；数据极少、从零训练的模型或图像任务"
                  "中，增强的作用才更明显。")(lang)
    example = e.get("example")
    if example:
        text += T(f" For example, the training review \"{example['original']}\" became \"{example['augmented']}\".",
                  f"例如训练影评“{example['original']}”被改写成“{example['augmented']}”。")(lang)
    return text


def _augment_choice(o: Outcome) -> str:
    gain = o.mean("text_mix", "accuracy") - o.mean("none", "accuracy")
    return "up" if gain > 0.01 else "down" if gain < -0.01 else "flat"


DATA_8 = Lesson(
    id="data.8", topic="data", sources="003 #18",
    title=T("Data augmentation for text and images", "文本与图像的数据增强"),
    question=T("How can data augmentation help fine-tuning, for text and for images?", "数据增强对微调有什么帮助？文本和图像分别怎么做？"),
    answer=T("Augmentation creates label-preserving variants of the training examples so the model sees more variety "
             "than the data holds. For images: flips, crops, small rotations, colour and brightness changes (only "
             "those that keep the label: a flipped 6 is not a 6). For text: synonym replacement, random swaps and "
             "deletions, back-translation or paraphrasing with a model. It helps most when labelled data is scarce "
             "and the model would otherwise overfit; for text, edits that change meaning add wrong labels, so check "
             "the effect on a validation set rather than assume it.",
             "数据增强为训练样本生成保持标签不变的变体，让模型见到比原数据更多的变化。图像可以翻转、裁剪、小角度旋转、"
             "调整颜色和亮度（只能用不改变标签的变换：翻转后的 6 就不是 6 了）。文本可以做同义词替换、随机交换和删除、"
             "回译，或用模型改写。标注数据稀少、模型容易过拟合时它最有用；对文本来说，改变原意的改写等于引入错误标签，"
             "所以要在验证集上实测效果，而不是想当然。"),
    experiment=_augment_experiment, takeaway=_augment_takeaway,
    figures=figures.standard("accuracy", AUGMENT_LABELS),
    quiz=Quiz(T("Fine-tuning MiniLM on a few hundred reviews, with an augmented copy of each (same number of steps): "
                "what happens to test accuracy?", "用几百条影评微调 MiniLM，每条再加一个增强副本（训练步数相同）：测试准确率会怎样？"),
              {"up": T("it rises by more than 1 point", "提高超过 1 个百分点"),
               "flat": T("it stays within 1 point", "变化在 1 个百分点以内"),
               "down": T("it falls by more than 1 point", "下降超过 1 个百分点")},
              _augment_choice),
    settings={"train_examples": 300, "epochs": 2, "lr": 1e-4}, repeats=3,
)

LESSONS = [DATA_3, DATA_4, DATA_5, DATA_7, DATA_8]
