"""Data lessons on labels, MLP on scikit-learn digits: one digit made rare, with no remedy, class weights, oversampling
or focal loss, by its recall (data.3); clean, partly flipped, and flipped + label-smoothing labels, an out-of-fold
ranking that looks for the flips, and a noise-robust loss demo (data.4)."""
from __future__ import annotations

import numpy as np

from ...core.config import RunConfig
from .. import figures
from ..base import Correction, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, noise_clause, ranking_takeaway
from ..evaluation.common import add, finished_runs, run_config, run_store
from ..support import band, clear_leader, one_torch_thread, verdict
from .common import DIGITS

# ---------------------------------------------------------------- data.3 class imbalance

IMBALANCE_LABELS = {"none": T("no remedy", "不做处理"), "class_weights": T("class weights", "类别加权"),
                    "oversample": T("oversampling", "过采样"), "focal": T("focal loss", "Focal 损失")}
REMEDIES = {"none": {}, "class_weights": {"class_weights": True}, "oversample": {"sampling": "oversample"},
            "focal": {"loss": "focal"}}


def _imbalance_experiment(ctx: LessonContext) -> Outcome:
    from ...core.perturb import class_index
    from ...core.runner import prepare_splits

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
    from ...core.runner import prepare_splits
    from ...lab.data_quality import precision_at_k, rank_label_noise

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
    from ...analysis.plots import fig_label_noise

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

    from ...core.models import TabularMLP

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

    from ...core.config import TrainConfig
    from ...core.datasets import load_dataset, split_dataset
    from ...core.perturb import flip_labels
    from ...core.training import make_loss

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
