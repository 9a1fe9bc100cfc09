"""Data lessons run as a lab: damage the training data on purpose (a rare class, flipped labels, leaked test rows,
long texts, augmented copies), measure the effect on clean validation and test splits, and use the workbench's
detectors (label-noise ranking, duplicate finder) to find the damage again."""
from __future__ import annotations

import math

import numpy as np

from ..core.config import RunConfig
from . import figures
from .base import (NO_CLEAR_DIFFERENCE, Correction, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway,
                   noise_clause, ranking_takeaway, speed_phrase)
from .support import EVERY_WEIGHT, band, clear_leader, one_torch_thread, verdict, verdict_choice
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
    from ..core.perturb import class_index
    from ..core.runner import prepare_splits

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
    # "lifted by more than 0.1" only when the interval of the paired lift is above 0.1, not just its mean
    if band(o.compare("none", best, "rare_recall"), {"lifted": 0.1}, "not clearly") == "lifted":
        text += T(f" {IMBALANCE_LABELS[best].en.capitalize()} lifted the rare class's recall by {lift:.2f} while "
                  f"overall accuracy moved by {acc_change:+.3f}: the untreated model had simply learned that the rare "
                  "class almost never occurs.",
                  f"{IMBALANCE_LABELS[best].zh}让稀有类的召回率提高了 {lift:.2f}，整体准确率变化 {acc_change:+.3f}："
                  "未处理的模型只是学到了“稀有类几乎不会出现”。")(lang)
    else:
        text += T(f" No remedy clearly lifted the rare class by more than 0.1 of recall here (best: {lift:+.2f}); "
                  "with this few examples of it, collecting more data is the real fix.",
                  f"这里没有哪种方法明显把稀有类的召回率提高超过 0.1（最好的是 {lift:+.2f}）；稀有类样本这么少时，真正的"
                  "办法是收集更多数据。")(lang)
    if o.values("focal", "rare_recall"):
        focal_lift = o.mean("focal", "rare_recall") - o.mean("none", "rare_recall")
        if verdict(o, "focal", "none", "rare_recall") != "a":
            text += T(" Focal loss alone did not clearly help: it down-weights easy examples, not frequent classes, "
                      "so it is no substitute for class weights or resampling.",
                      "单靠 Focal 损失没有明显帮助：它降低的是简单样本的权重，而不是多数类的权重，所以代替不了类别加权或"
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
    """The remedy with the highest rare-class recall when the paired verdict puts it ahead of every other one,
    else 'tie': this budget cannot single one out."""
    return clear_leader(o, "rare_recall") or "tie"


DATA_3 = Lesson(
    id="data.3", topic="data", sources="000 #3, 003 #4, #14, #16",
    title=T("Class imbalance", "类别不平衡"),
    question=T("How do you fine-tune on imbalanced data, where one class is rare?", "数据类别不平衡、某一类很少时，怎样微调？"),
    answer=T("Left alone, the loss is dominated by the common classes and the model learns to under-predict the rare "
             "one. Remedies change what the loss sees: class weights scale each example's loss by the inverse "
             "frequency of its class; oversampling repeats rare examples (undersampling drops common ones); focal "
             "loss down-weights examples the model already gets right; augmentation or new data adds real variety to "
             "the rare class. Judge the result by per-class recall, balanced accuracy or the PR curve, never by "
             "accuracy alone, and tune the decision threshold on validation data. Resampling and class weights also "
             "push the predicted probabilities towards the rare class, so they no longer match real frequencies: "
             "recalibrate them on validation data with the true class mix (Platt scaling, isotonic regression, or a "
             "prior correction back to the real class ratio), or leave the training unweighted and move the threshold "
             "instead.",
             "不做处理的话，损失主要由常见类别决定，模型学会少预测稀有类。各种办法改变的是损失“看到”的东西：类别加权"
             "按类别频率的倒数放大每个样本的损失；过采样重复稀有类样本（欠采样则丢掉部分常见类样本）；Focal 损失降低"
             "模型已经判对的样本的权重；数据增强或补充新数据为稀有类带来真正的多样性。评估时看各类别召回率、平衡准确"
             "率或 PR 曲线，不能只看准确率，并在验证集上调整判定阈值。重采样和类别加权还会让预测概率偏向稀有类，不再"
             "符合真实频率：要在保持真实类别比例的验证数据上重新校准（Platt 缩放、保序回归，或按真实类别比例做先验校"
             "正），或者不加权训练、只移动判定阈值。"),
    experiment=_imbalance_experiment, takeaway=_imbalance_takeaway, figures=_imbalance_figures,
    quiz=Quiz(T("Digit {rare_class} keeps only {keep_share:pct} of its training examples. Which remedy will recover "
                "the most recall on {rare_class}s?",
                "数字 {rare_class} 的训练样本只保留 {keep_share:pct}。哪种方法能让 {rare_class} 的召回率恢复得最多？"),
              {**IMBALANCE_LABELS, "tie": T("no single one clearly most", "没有哪一种明显最多")}, _imbalance_choice),
    settings={"rare_class": "8", "keep_share": 0.05, "epochs": 5}, repeats=5,
)


# ---------------------------------------------------------------- data.4 noisy labels

NOISE_LABELS = {"clean": T("clean labels", "干净标签"), "noisy": T("noisy labels", "含噪标签"),
                "noisy + smoothing": T("noisy labels + label smoothing", "含噪标签 + 标签平滑")}


def _noise_experiment(ctx: LessonContext) -> Outcome:
    from ..lab.data_quality import precision_at_k, rank_label_noise
    from ..core.runner import prepare_splits

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
    if _drop_choice(o) == "small":          # not clearly more than 2 points (the quiz's band)
        text += T(" The drop is not clearly more than 2 points here, likely because after this few steps the network "
                  "has not yet memorised the wrong labels; networks fit clean patterns first and the noise later, so "
                  "training longer on noisy labels makes it worse (that is why early stopping helps here).",
                  "这里的下降不能确定超过 2 个百分点，很可能是因为训练步数这么少时网络还没把错误标签背下来；网络先拟合干净的"
                  "规律、后拟合噪声，所以在含噪标签上训练越久越糟（这也是早停在这里有用的原因）。")(lang)
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
    from ..analysis.plots import fig_label_noise

    out = [(T("Test accuracy", "测试准确率")(lang), figures.metric_bars(o, "accuracy", lang, NOISE_LABELS))]
    if o.extra.get("given_probability"):
        out.append((T("How believable each training label is (flipped labels in their own colour)",
                      "每个训练标签有多可信（被改错的标签单独着色）")(lang),
                    fig_label_noise(o.extra["given_probability"], o.extra["is_flipped"])))
    return out


def _drop_choice(o: Outcome) -> str:
    """The drop's band, decided by the 95 % interval of the paired per-seed drop (clean minus noisy), not its mean:
    'large' when the interval's lower end is above 10 points, 'medium' when above 2, else 'small' (not clearly more
    than 2 points, which includes every case this budget cannot tell)."""
    return band(o.compare("noisy", "clean", "accuracy"), {"large": 0.10, "medium": 0.02}, "small")


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

    from ..core.models import TabularMLP

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

    from ..core.config import TrainConfig
    from ..core.datasets import load_dataset, split_dataset
    from ..core.perturb import flip_labels
    from ..core.training import make_loss

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
             f"（广义交叉熵）下降 {robust_drop:.3f}（{v['robust_clean']:.3f} → {v['robust_noisy']:.3f}），拟合了 "
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
    quiz=Quiz(T("{noise:pct} of the training labels of a digit classifier are flipped to a wrong digit. How much test "
                "accuracy will it lose?", "把数字分类器 {noise:pct} 的训练标签改成错误的数字。测试准确率会下降多少？"),
              {"small": T("not clearly more than 2 points", "不能确定超过 2 个百分点"),
               "medium": T("clearly more than 2 points, not clearly more than 10", "明显超过 2 个百分点，但不能确定超过 10 个"),
               "large": T("clearly more than 10 points", "明显超过 10 个百分点")},
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
    settings={"noise": 0.3, "smoothing": 0.3, "epochs": 5}, repeats=5,
)


# ---------------------------------------------------------------- data.5 long text

MODE_LABELS = {"truncate": T("truncate (head only)", "截断（只保留开头）"), "head_tail": T("head + tail", "开头 + 结尾"),
               "sliding_window (mean)": T("sliding windows, mean", "滑动窗口，取平均"),
               "sliding_window (max)": T("sliding windows, max", "滑动窗口，取最大")}


POSITION_LABELS = {"start": T("at the start", "在开头"), "middle": T("in the middle", "在中间"),
                   "end": T("at the end", "在结尾")}
MODE_FAMILY_LABELS = {"truncate": T("truncation", "截断"), "head_tail": T("head + tail", "开头 + 结尾"),
                      "sliding_window": T("sliding windows", "滑动窗口")}


def _long_text_experiment(ctx: LessonContext) -> Outcome:
    from ..lab.long_text import POSITIONS, compare_long_text_modes, long_reviews_for_run

    s = ctx.settings
    cfg = RunConfig.from_flat(**{**REVIEWS, "save_model": True}, max_train_samples=s["train_examples"],
                              epochs=s["epochs"], lr=s["lr"])
    runs = ctx.run_variants({"fine-tuned": cfg}, **QUICK_TEXT)
    store = run_store(ctx)
    max_length = int(s["max_length"])
    samples = {}
    extra = {"max_length": max_length, "positions": list(POSITIONS), "snippets": s["snippets"], "mean_tokens": [],
             "seconds": {}}
    for seed, run_id in finished_runs(ctx, runs, "fine-tuned"):
        for position in POSITIONS:
            # the same snippets and seed at every position: only where the decisive snippet sits changes
            texts, labels = long_reviews_for_run(run_id, n=ctx.size(s["reviews"], 12), snippets=s["snippets"],
                                                 seed=seed, store=store, position=position)
            table = compare_long_text_modes(run_id, texts, labels, [max_length], store=store)
            for row in table.itertuples():
                add(samples, row.mode, f"accuracy@{position}", row.accuracy)
                if seed == ctx.seeds[0] and position == "end":
                    extra["seconds"][row.mode] = row.seconds
                    extra["windows_per_text"] = row.windows_per_text if row.mode.startswith("sliding") else \
                        extra.get("windows_per_text")
            if position == "end":
                extra["mean_tokens"].append(table.attrs["mean_tokens"])
    return Outcome("data.5", samples, extra, runs.run_ids, runs.histories)


def _family(mode: str) -> str:
    return "sliding_window" if mode.startswith("sliding_window") else mode


def _position_winner(o: Outcome, position: str) -> str | None:
    """The mode family whose best mode the paired verdict puts ahead of every mode of the other families at this
    position (the two sliding-window pools are one family); None when no family is clearly ahead."""
    key = f"accuracy@{position}"
    modes = [m for m in MODE_LABELS if m in o.samples and o.values(m, key)]
    if len(modes) < 2:
        return None
    best = max(modes, key=lambda m: o.mean(m, key))
    rivals = [m for m in modes if _family(m) != _family(best)]
    if rivals and all(verdict(o, best, m, key) == "a" for m in rivals):
        return _family(best)
    return None


def _long_text_takeaway(o: Outcome, lang: str) -> str:
    n = o.extra["max_length"]
    tokens = mean_or_none(o.extra.get("mean_tokens")) or 0
    text = T(f"Each test review was about {tokens:.0f} tokens long, {o.extra.get('snippets')} snippets of which only "
             f"one decides the label (the others come from both classes alike); the model read them with max_length "
             f"{n}. ",
             f"每条测试影评约 {tokens:.0f} 个词元，由 {o.extra.get('snippets')} 段拼成，其中只有一段决定标签（其余各段"
             f"均匀来自两个类别）；模型用 max_length {n} 读取。")(lang)
    winners = {}
    for position in o.extra.get("positions", []):
        key = f"accuracy@{position}"
        modes = [m for m in MODE_LABELS if m in o.samples and o.values(m, key)]
        if not modes:
            continue
        scores = T(", ", "，")(lang).join(f"{MODE_LABELS[m](lang)} {o.mean(m, key):.3f}" for m in modes)
        winner = winners[position] = _position_winner(o, position)
        where = POSITION_LABELS[position](lang)
        text += T(f"Deciding snippet {where}: {scores}; ", f"决定性片段{where}：{scores}；")(lang)
        if winner:
            text += T(f"{MODE_FAMILY_LABELS[winner].en} came out clearly ahead of every other mode (paired verdict "
                      "over seeds). ", f"{MODE_FAMILY_LABELS[winner].zh}明显领先其他所有方式（按种子配对判断）。")(lang)
        else:
            text += T("no mode was clearly ahead of all the others at this budget. ",
                      "在这个预算下，没有哪种方式明显领先其他所有方式。")(lang)
    clear = {p: w for p, w in winners.items() if w}
    if len(set(clear.values())) > 1:
        text += T("The winner changed with where the deciding part sat: which part of the text holds the signal "
                  "decides which mode to use. ",
                  "胜出者随决定性片段的位置而变：文本的哪一部分带着信号，决定了该用哪种方式。")(lang)
    if clear.get("middle") == "sliding_window":
        text += T("Only sliding windows read every part, which is why they are the safe choice when you do not know "
                  "where the signal sits, at a cost per text that grows with its length. ",
                  "只有滑动窗口读到了每一部分，所以不知道信号在哪里时它是稳妥的选择，代价是每条文本的计算量随长度增长。")(lang)
    seconds = o.extra.get("seconds", {})
    if "truncate" in seconds and "sliding_window (mean)" in seconds:
        # one timing each, so no verdict on the speed
        timing = speed_phrase(seconds["sliding_window (mean)"], seconds["truncate"], lang, clear=False)
        windows = o.extra.get("windows_per_text")
        text += T(f"Sliding windows against truncation took {timing}"
                  + (f" ({windows:.1f} windows per text)." if windows else "."),
                  f"滑动窗口与截断的耗时为 {timing}" + (f"（每条文本 {windows:.1f} 个窗口）。" if windows else "。"))(lang)
    return text.strip()


def _long_text_figures(o: Outcome, lang: str) -> list:
    from ..analysis.plots import fig_variant_bars

    out = []
    for position in o.extra.get("positions", []):
        key = f"accuracy@{position}"
        modes = [m for m in MODE_LABELS if m in o.samples and o.values(m, key)]
        if modes:
            fig = fig_variant_bars({MODE_LABELS[m](lang): o.mean(m, key) for m in modes},
                                   {MODE_LABELS[m](lang): o.spread(m, key) for m in modes},
                                   y_title=T("accuracy on long reviews", "长影评准确率")(lang))
            where = POSITION_LABELS[position]
            out.append((T(f"Deciding snippet {where('en')}", f"决定性片段{where('zh')}")(lang), fig))
    return out


def _long_text_choice(o: Outcome) -> str:
    return _position_winner(o, "middle") or "tie"


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
             "inputs (Longformer, BigBird). Measure on your own data: which part holds the signal decides the winner. "
             "The experiment here fine-tunes MiniLM on short reviews, then builds long test reviews from unseen "
             "snippets in which exactly one snippet decides the label, and moves that snippet to the start, the "
             "middle and the end, so that no position favours one mode by construction.",
             "截断只保留前 max_length 个词元，丢掉其余部分：代价低，开头就能决定标签时效果不错。首尾拼接同时保留开头和"
             "结尾（评论类文本的常见做法：约四分之一开头、四分之三结尾），因为结论往往在最后。滑动窗口把文本切成相互"
             "重叠的片段，逐段分类再汇总（取平均或取最大）：信息不丢失，但推理开销随长度增长。此外还可以先做摘要，或换用"
             "专为长输入设计的模型（Longformer、BigBird）。要在自己的数据上实测：信号在文本的哪一部分，决定了哪种方法胜出。"
             "这里的实验先用短影评微调 MiniLM，再用没见过的片段拼出长测试影评，其中只有一段决定标签，并把这一段分别放在"
             "开头、中间和结尾，这样就没有哪个位置在构造上偏向某一种方式。"),
    experiment=_long_text_experiment, takeaway=_long_text_takeaway, figures=_long_text_figures,
    quiz=Quiz(T("Long reviews of {snippets} snippets whose deciding snippet sits in the middle, read with max_length "
                "{max_length}: which mode will score clearly best?",
                "由 {snippets} 段拼成、决定性片段在中间的长影评，用 max_length {max_length} 读取：哪种方式的得分明显最高？"),
              {"truncate": T("truncation", "截断"), "head_tail": T("head + tail", "开头 + 结尾"),
               "sliding_window": T("sliding windows (either pooling)", "滑动窗口（任一种汇总方式）"),
               "tie": NO_CLEAR_DIFFERENCE},
              _long_text_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "reviews": 40, "snippets": 7, "max_length": 64},
    repeats=3,
)


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
    from ..core.runner import prepare_splits

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
    from ..lab.data_quality import find_duplicates

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


# ---------------------------------------------------------------- data.8 augmentation

AUGMENT_LABELS = {"none": T("no augmentation", "不做增强"),
                  "text_mix": T("augmentation (word swap / deletion / synonyms)", "增强（词语交换 / 删除 / 同义词替换）"),
                  "image_none": T("images: no augmentation", "图像：不做增强"),
                  "image_crop": T("images: crops and brightness", "图像：裁剪和亮度"),
                  "image_flip": T("images: crops, brightness and mirror flips", "图像：裁剪、亮度和镜像翻转")}
TEXT_VARIANTS, IMAGE_VARIANTS = ("none", "text_mix"), ("image_none", "image_crop", "image_flip")


def _image_augment_scores(ctx: LessonContext) -> tuple[dict, dict]:
    """Test accuracy of a logistic-regression head on frozen pretrained EfficientNet-Lite0 features of a few
    hundred MNIST digits, trained on the originals alone or with augmented copies (views) of them: crops and
    brightness, or the same plus left-right mirror flips (which do not keep a digit's label). Returns samples
    per variant (one value per seed) and the sizes used."""
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from ..core.augment import augment_images
    from ..core.datasets import load_dataset, split_dataset
    from ..core.inputs import image_array, image_tensor
    from ..core.models import ImageClassifier

    s = ctx.settings
    size, n, views = int(s["image_size"]), ctx.size(s["image_examples"], 40), ctx.size(s["views"], 1)
    net = ImageClassifier(10, size, pretrained=True).eval()
    net.net._fc = torch.nn.Identity()               # the pooled 1280 features instead of class scores

    def features(pixels):
        # one thread: on a busy 2-core machine 64 of these images took 0.4 s on one thread and 2.7 s on two
        with torch.inference_mode(), one_torch_thread():
            return torch.cat([net(pixel_values=pixels[i:i + 64])["logits"] for i in range(0, len(pixels), 64)]).numpy()

    ds = load_dataset("mnist")
    samples = {v: {"accuracy": []} for v in IMAGE_VARIANTS}
    for seed in ctx.seeds:
        splits = split_dataset(ds, 0.1, 0.2, seed, n, ctx.size(s["image_test"], 60))
        pixels = lambda split: torch.stack([image_tensor(image_array(x, size)) for x in split.x])  # noqa: E731
        train, test = pixels(splits.train), pixels(splits.test)
        train_f, test_f = features(train), features(test)
        for variant in IMAGE_VARIANTS:
            x, y = [train_f], [splits.train.y]
            if variant != "image_none":
                generator = torch.Generator().manual_seed(seed)     # the same crops for both augmented variants
                for _ in range(views):
                    x.append(features(augment_images(train, generator=generator, flip=variant == "image_flip")))
                    y.append(splits.train.y)
            head = make_pipeline(StandardScaler(), LogisticRegression(C=s["head_c"], max_iter=500))
            with threadpool_limits(1):      # BLAS threads only fight each other on a busy 2-core machine
                head.fit(np.concatenate(x), np.concatenate(y))
            samples[variant]["accuracy"].append(float(head.score(test_f, splits.test.y)))
    return samples, {"image_size": size, "image_examples": len(splits.train), "views": views}


def _augment_experiment(ctx: LessonContext) -> Outcome:
    from ..core.runner import prepare_splits

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
    images, sizes = _image_augment_scores(ctx)
    extra.update(sizes)
    return Outcome("data.8", {**runs.samples, **images}, extra, runs.run_ids, runs.histories)


def _augmented_example(texts: list[str]) -> dict | None:
    """A short training review and an augmented copy of it that really differs."""
    from ..core.augment import augment_texts

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
    winner = verdict(o, "text_mix", "none", "accuracy")
    if winner == "a":
        text += T(" With this little data, the edited copies acted like extra examples.",
                  "数据这么少时，改写出的副本起到了额外样本的作用。")(lang)
    elif winner == "b":
        text += T(" Augmentation hurt here: word-level edits can change a review's meaning (deleting 'not', swapping "
                  "clauses) and so add wrong labels.",
                  "这里增强反而有害：词级改写可能改变影评的意思（删掉“不”、调换分句），等于引入了错误标签。")(lang)
    else:
        text += T(" Augmentation made no difference this budget can detect: word swaps and deletions may barely "
                  "change what a pretrained encoder already understands.",
                  "在这个预算下增强没有带来可测出的差别：词语交换和删除可能几乎改变不了预训练编码器已经理解的内容。")(lang)
    example = e.get("example")
    if example:
        text += T(f" For example, the training review \"{example['original']}\" became \"{example['augmented']}\".",
                  f"例如训练影评“{example['original']}”被改写成“{example['augmented']}”。")(lang)
    return text + _image_augment_takeaway(o, lang)


def _image_augment_takeaway(o: Outcome, lang: str) -> str:
    if not all(v in o.samples and o.values(v, "accuracy") for v in IMAGE_VARIANTS):
        return ""
    e = o.extra
    text = T(f" Images: a head on frozen pretrained EfficientNet-Lite0 features of {e.get('image_examples')} MNIST "
             f"digits at {e.get('image_size')} px, trained on the originals alone or with {e.get('views')} augmented "
             "copies of each: ",
             f"图像：在冻结的预训练 EfficientNet-Lite0 特征上训练分类头，用 {e.get('image_examples')} 张 "
             f"{e.get('image_size')} 像素的 MNIST 手写数字，只用原图或再加每张 {e.get('views')} 个增强副本：")(lang)
    text += compare_takeaway(o, "image_crop", "image_none", "accuracy", lang, AUGMENT_LABELS)
    crop = verdict(o, "image_crop", "image_none", "accuracy")
    text += {"a": T(" Crops and brightness changes keep a digit's label, so the copies taught the head what may vary.",
                    "裁剪和亮度变化不改变数字的标签，所以这些副本教会了分类头哪些变化无关紧要。"),
             "b": T(" These crops hurt here: cutting off part of a small digit can remove what identifies it.",
                    "这里裁剪反而有害：裁掉小小数字的一部分，可能正好去掉了识别它的关键。"),
             "tie": T(" Crops and brightness changes made no difference this budget can detect.",
                      "在这个预算下，裁剪和亮度变化没有带来可测出的差别。")}[crop](lang)
    text += T(" Adding mirror flips: ", "再加上镜像翻转：")(lang)
    text += compare_takeaway(o, "image_flip", "image_crop", "accuracy", lang, AUGMENT_LABELS)
    flip = verdict(o, "image_flip", "image_crop", "accuracy")
    text += {"b": T(" Flips hurt: a mirrored 2 or 7 is not a 2 or 7, so flipped copies carry wrong labels. Only use "
                    "transformations that keep the label.",
                    "翻转有害：镜像后的 2 或 7 已经不是 2 或 7，翻转副本等于带着错误标签。只能用不改变标签的变换。"),
             "a": T(" Flips helped here, even though a mirrored digit is not always the same digit.",
                    "这里翻转反而有帮助，尽管镜像后的数字不一定还是同一个数字。"),
             "tie": T(" Flips made no difference this budget can detect.",
                      "在这个预算下，翻转没有带来可测出的差别。")}[flip](lang)
    return text


def _augment_figures(o: Outcome, lang: str) -> list:
    out = []
    for names, title in ((TEXT_VARIANTS, T("Text: test accuracy (MiniLM fine-tuned)", "文本：测试准确率（微调 MiniLM）")),
                         (IMAGE_VARIANTS, T("Images: test accuracy (head on frozen EfficientNet-Lite0)",
                                            "图像：测试准确率（冻结 EfficientNet-Lite0 上的分类头）"))):
        present = [v for v in names if v in o.samples and o.values(v, "accuracy")]
        if present:
            out.append((title(lang), figures.metric_bars(Outcome(o.lesson_id, {v: o.samples[v] for v in present}),
                                                         "accuracy", lang, AUGMENT_LABELS)))
    return out


DATA_8 = Lesson(
    id="data.8", topic="data", sources="003 #18",
    title=T("Data augmentation for text and images", "文本与图像的数据增强"),
    question=T("How can data augmentation help fine-tuning, for text and for images?", "数据增强对微调有什么帮助？文本和图像分别怎么做？"),
    answer=T("Augmentation creates label-preserving variants of the training examples so the model sees more variety "
             "than the data holds. For images: flips, crops, small rotations, colour and brightness changes (only "
             "those that keep the label: a flipped 6 is not a 6). For text: synonym replacement, random swaps and "
             "deletions, back-translation or paraphrasing with a model. It helps most when labelled data is scarce "
             "and the model would otherwise overfit; for text, edits that change meaning add wrong labels, so check "
             "the effect on a validation set rather than assume it. The experiment measures both: text augmentation "
             "while fine-tuning MiniLM on reviews, and image augmentation for a head trained on frozen pretrained "
             "EfficientNet-Lite0 features of MNIST digits (fine-tuning the whole CNN for many epochs is too slow on "
             "this 2-core machine), with crops and brightness changes alone and with mirror flips added, which do "
             "not keep a digit's label.",
             "数据增强为训练样本生成保持标签不变的变体，让模型见到比原数据更多的变化。图像可以翻转、裁剪、小角度旋转、"
             "调整颜色和亮度（只能用不改变标签的变换：翻转后的 6 就不是 6 了）。文本可以做同义词替换、随机交换和删除、"
             "回译，或用模型改写。标注数据稀少、模型容易过拟合时它最有用；对文本来说，改变原意的改写等于引入错误标签，"
             "所以要在验证集上实测效果，而不是想当然。本实验两者都测：文本部分用增强过的影评微调 MiniLM；图像部分在冻结的"
             "预训练 EfficientNet-Lite0 特征上训练分类头（在这台双核机器上，完整微调这个 CNN 多轮太慢），分别用原图、"
             "加裁剪和亮度副本、再加镜像翻转副本，翻转对数字来说会改变标签。"),
    experiment=_augment_experiment, takeaway=_augment_takeaway, figures=_augment_figures,
    quiz=Quiz(T("Fine-tuning MiniLM on {train_examples} reviews, with an augmented copy of each (same number of "
                "steps): what happens to test accuracy?",
                "用 {train_examples} 条影评微调 MiniLM，每条再加一个增强副本（训练步数相同）：测试准确率会怎样？"),
              {"up": T("it clearly rises", "明显提高"), "flat": NO_CLEAR_DIFFERENCE,
               "down": T("it clearly falls", "明显下降")},
              verdict_choice("text_mix", "none", "accuracy", {"a": "up", "b": "down", "tie": "flat"})),
    settings={"train_examples": 300, "epochs": 2, "lr": 1e-4, "image_examples": 200, "image_test": 200,
              "image_size": 48, "views": 2, "head_c": 0.1},
    repeats=3,
)

LESSONS = [DATA_3, DATA_4, DATA_5, DATA_7, DATA_8]
