"""Training lessons on a stable start: vanishing and exploding gradients (train.6) and weight initialisation
(train.7)."""
from __future__ import annotations

import math
import statistics

from ...core.config import RunConfig
from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, ranking_takeaway
from ..support import verdict
from . import probes
from .common import (DIGITS, QUICK_TEXT, SENTIMENT, bars, curve_figure, has, join, majority_share, sized, snapshots_of,
                     subset)

# ---------------------------------------------------------------- train.6 vanishing and exploding gradients


GRADIENT_LABELS = {"moderate": T("moderate lr, clipped", "适中学习率，裁剪"),
                   "huge_no_clip": T("huge lr, no clipping", "超大学习率，不裁剪"),
                   "huge_clipped": T("huge lr, clipped", "超大学习率，裁剪")}


DIAGNOSIS_NAMES = {"exploding_gradient": T("an exploding gradient", "梯度爆炸"), "diverging": T("divergence", "发散"),
                   "nan": T("a NaN loss", "NaN 损失")}


def _gradient_runs(ctx: LessonContext) -> Outcome:
    from ...core.datasets import load_dataset

    s = ctx.settings
    base = RunConfig.from_flat(**DIGITS, optimizer="sgd", epochs=s["epochs"], batch_size=32, log_every=2)
    outcome = ctx.run_variants({
        "moderate": base.replace(lr=s["moderate_lr"], max_grad_norm=1.0),
        "huge_no_clip": base.replace(lr=s["huge_lr"], max_grad_norm=0.0),
        "huge_clipped": base.replace(lr=s["huge_lr"], max_grad_norm=1.0),
    })
    snapshots = snapshots_of(ctx, outcome)
    for variant, snaps in snapshots.items():
        row = outcome.samples[variant]
        row["failed"] = [float(snap["status"] == "failed") for snap in snaps]
        row["peak_grad_norm"] = [max((r["grad_norm"] for r in snap.get("history") or []
                                      if r.get("grad_norm") is not None and math.isfinite(r["grad_norm"])),
                                     default=math.nan) for snap in snaps]
    digits = load_dataset("digits")
    depth = int(s["depth"])
    outcome.extra.update(
        lrs={"moderate": s["moderate_lr"], "huge": s["huge_lr"]}, chance=majority_share(snapshots) or 0.1, depth=depth,
        diagnoses={v: [{k: d[k] for k in ("step", "kind", "message", "advice")} for d in snaps[0].get("diagnoses", [])]
                   for v, snaps in snapshots.items() if snaps},
        layer_grads={act: probes.layer_gradient_norms(digits.x[:256], digits.y[:256], len(digits.label_names), act,
                                                      depth=depth) for act in ("sigmoid", "relu")})
    return outcome


def _unclipped_fate(outcome: Outcome) -> str:
    """'collapses' (NaN or chance accuracy), 'slower' (trains, but below the clipped run) or 'fine'."""
    if not has(outcome, "huge_no_clip"):
        return "collapses"
    failed = outcome.values("huge_no_clip", "failed")
    if failed and statistics.fmean(failed) >= 0.5:
        return "collapses"
    accuracy = outcome.mean("huge_no_clip", "accuracy")
    if accuracy <= outcome.extra.get("chance", 0.1) + 0.05:
        return "collapses"
    if has(outcome, "huge_clipped") and accuracy < outcome.mean("huge_clipped", "accuracy") - 0.02:
        return "slower"
    return "fine"


def _gradient_takeaway(outcome: Outcome, lang: str) -> str:
    huge = outcome.extra["lrs"]["huge"]
    parts = []
    peak = outcome.values("huge_no_clip", "peak_grad_norm") if "huge_no_clip" in outcome.samples else []
    peak_text = f"{max(peak):.3g}" if peak else "?"
    if "huge_no_clip" in outcome.samples:
        failed = outcome.values("huge_no_clip", "failed")
        if not has(outcome, "huge_no_clip"):
            parts.append(T(f"Without clipping, SGD at lr {huge:g} diverged: the loss became NaN and the run stopped "
                           f"(peak gradient norm {peak_text}).",
                           f"不做梯度裁剪时，学习率 {huge:g} 的 SGD 发散了：损失变成 NaN，训练被终止（梯度范数峰值 "
                           f"{peak_text}）。")(lang))
        else:
            nan = (T(f" the loss became NaN in {sum(failed):.0f} of {len(failed)} seeds and",
                     f"{len(failed)} 个种子里有 {sum(failed):.0f} 个的损失变成 NaN，")(lang) if sum(failed) else "")
            accuracy = outcome.mean("huge_no_clip", "accuracy")
            if accuracy <= outcome.extra.get("chance", 0.1) + 0.05:
                parts.append(T(f"Without clipping, SGD at lr {huge:g} blew up:{nan} gradient norms reached "
                               f"{peak_text}; the network ended at chance accuracy ({accuracy:.3f}).",
                               f"不做梯度裁剪时，学习率 {huge:g} 的 SGD 爆炸了：{nan}梯度范数最高到 {peak_text}，网络最后"
                               f"只有随机水平的准确率（{accuracy:.3f}）。")(lang))
            else:
                parts.append(T(f"Without clipping, SGD at lr {huge:g} reached accuracy {accuracy:.3f}, though"
                               f"{nan or ' its'} gradient norms peaked at {peak_text}.",
                               f"不做梯度裁剪时，学习率 {huge:g} 的 SGD 达到了 {accuracy:.3f} 的准确率；不过{nan}梯度"
                               f"范数峰值达到 {peak_text}。")(lang))
    if has(outcome, "huge_clipped"):
        if has(outcome, "huge_no_clip"):
            parts.append(compare_takeaway(outcome, "huge_clipped", "huge_no_clip", "accuracy", lang, GRADIENT_LABELS))
        else:
            parts.append(T(f"With the gradient norm clipped to 1.0, the same rate reached accuracy "
                           f"{outcome.mean('huge_clipped', 'accuracy'):.3f}: clipping caps the length of every step.",
                           f"把梯度范数裁剪到 1.0 后，同样的学习率达到了 {outcome.mean('huge_clipped', 'accuracy'):.3f}"
                           "的准确率：裁剪限制了每一步的步长。")(lang))
    if has(outcome, "moderate") and has(outcome, "huge_clipped"):
        parts.append(compare_takeaway(outcome, "moderate", "huge_clipped", "accuracy", lang, GRADIENT_LABELS))
    notes = outcome.extra.get("diagnoses", {}).get("huge_no_clip") or []
    flagged = [n for n in notes if n["kind"] in ("exploding_gradient", "diverging", "nan")]
    if flagged:
        kinds = T(", ", "、")(lang).join(DIAGNOSIS_NAMES[k](lang) for k in dict.fromkeys(n["kind"] for n in flagged))
        parts.append(T(f"The live diagnosis flagged {kinds} from step {flagged[0]['step']} on.",
                       f"实时诊断从第 {flagged[0]['step']} 步起报告了 {kinds}。")(lang))
    grads = outcome.extra.get("layer_grads") or {}
    if grads.get("sigmoid") and grads.get("relu"):
        depth = outcome.extra.get("depth", len(grads["sigmoid"]))
        sig = grads["sigmoid"][0] / grads["sigmoid"][-1]
        relu = grads["relu"][0] / grads["relu"][-1]
        parts.append(T(f"Vanishing: in a {depth}-layer sigmoid MLP the first layer's gradient was {sig:.1e} times the "
                       f"last layer's, so the bottom layers barely learn; with ReLU and He initialisation the ratio "
                       f"was {relu:.2f}.",
                       f"梯度消失：{depth} 层 sigmoid MLP 中，第一层的梯度是最后一层的 {sig:.1e} 倍，底层几乎学不到"
                       f"东西；换成 ReLU 加 He 初始化后，这个比值是 {relu:.2f}。")(lang))
    return join(lang, *parts) or T("No gradient run finished.", "没有一次梯度实验跑完。")(lang)


def _gradient_figures(outcome: Outcome, lang: str) -> list:
    from ...analysis import plots

    out = []
    runs = {GRADIENT_LABELS[v](lang): rows for v, rows in outcome.histories.items()
            if rows and any(r.get("grad_norm") is not None for r in rows)}
    if runs:
        notes = {GRADIENT_LABELS[v](lang): n for v, n in (outcome.extra.get("diagnoses") or {}).items()
                 if n and GRADIENT_LABELS[v](lang) in runs}
        fig = plots.fig_training_curves(runs, metrics=("grad_norm",), log_y=True, diagnoses=notes or None)
        out.append((T("Gradient norm per step (first seed, log scale)", "每步的梯度范数（第一个种子，对数坐标）")(lang), fig))
    grads = outcome.extra.get("layer_grads") or {}
    if grads:
        rows = {name: [{"step": i + 1, "grad_norm": g} for i, g in enumerate(values)] for name, values in grads.items()}
        fig = curve_figure(rows, "grad_norm", T("gradient norm by layer (1 = bottom)", "各层的梯度范数（1 为最底层）")(lang),
                            T("gradient norm (log)", "梯度范数（对数）")(lang), log_y=True)
        fig.update_xaxes(title_text=T("layer", "层")(lang))
        out.append((T("Vanishing gradients through depth", "梯度随深度消失")(lang), fig))
    names = [n for n in GRADIENT_LABELS if has(outcome, n)]
    if names:
        out.append((T("Test accuracy", "测试准确率")(lang), bars(outcome, "accuracy", names, lang, GRADIENT_LABELS)))
    return out


TRAIN_6 = Lesson(
    id="train.6", topic="train", sources="000 #3",
    title=T("Vanishing and exploding gradients", "梯度消失与梯度爆炸"),
    question=T("What are vanishing and exploding gradients, and how do you spot and prevent them when fine-tuning?",
               "什么是梯度消失和梯度爆炸？微调时怎样发现并防止它们？"),
    answer=T("Backpropagation multiplies one factor per layer. If those factors are mostly below one, the gradient "
             "shrinks towards zero on its way down and the lower layers stop learning (vanishing); if they are above "
             "one, it grows until an update throws the weights far away, the loss jumps and can become NaN "
             "(exploding). Saturating activations such as sigmoid, poor initialisation and deep plain stacks cause "
             "vanishing; too high a learning rate, an unusual batch or unscaled inputs cause explosions. Pretrained "
             "transformers are built to avoid both (residual connections, layer normalisation, careful "
             "initialisation), so in fine-tuning the usual trouble is an exploding step from too large a learning "
             "rate. Watch the gradient norm per step; prevent spikes with gradient clipping (cap the global norm, "
             "commonly at 1.0), a lower learning rate with warm-up and normalised inputs; prevent vanishing with "
             "ReLU-type activations, residual connections, normalisation layers and He or Xavier initialisation. "
             "Why this lesson uses small networks trained from scratch rather than a pretrained model: a "
             "pretrained transformer is built to show neither problem, so fine-tuning MiniLM would hide the very "
             "mechanisms the question asks about. A 12-layer sigmoid MLP shows vanishing gradients layer by layer, "
             "and plain SGD at a huge learning rate on a small MLP shows an explosion and what clipping does to it, "
             "each within seconds; in fine-tuning the same explosion appears as a loss spike after too large a "
             "learning rate, and the same remedies (clipping at 1.0, the workbench default, and a lower rate with "
             "warm-up) apply.",
             "反向传播时每经过一层都要乘上一个系数。如果这些系数大多小于 1，梯度往下传时会缩小到接近 0，底层就学不动了"
             "（梯度消失）；如果大于 1，梯度会不断放大，直到某次更新把权重甩得很远，损失突然跳升，甚至变成 NaN"
             "（梯度爆炸）。sigmoid 这类会饱和的激活函数、不当的初始化、很深的普通堆叠结构会导致梯度消失；学习率过高、"
             "异常的批次、未归一化的输入会导致梯度爆炸。预训练 Transformer 在结构上就避开了这两种问题（残差连接、层"
             "归一化、精心设计的初始化），所以微调时最常见的麻烦是学习率过大引起的爆炸。要盯住每一步的梯度范数；用梯度"
             "裁剪（限制全局范数，常取 1.0）、更低的学习率加预热、归一化的输入来防止突刺；用 ReLU 类激活、残差连接、"
             "归一化层以及 He 或 Xavier 初始化来防止梯度消失。本课为什么用从零训练的小网络、而不是预训练模型：预训练 "
             "Transformer 在结构上就不会出现这两种问题，微调 MiniLM 反而会把问题所问的机制藏起来。12 层 sigmoid MLP "
             "能逐层显示梯度消失，小 MLP 上用超大学习率的普通 SGD 能显示梯度爆炸以及裁剪的作用，每个都只要几秒；微调时，"
             "同样的爆炸表现为学习率过大后的损失突刺，对策也相同（把梯度范数裁剪到 1.0，即工作台的默认值，以及更低的学习率"
             "加预热）。"),
    experiment=_gradient_runs, takeaway=_gradient_takeaway, figures=_gradient_figures,
    quiz=Quiz(T("Plain SGD with a huge learning rate ({huge_lr:g}) and no gradient clipping: what will happen?",
                "普通 SGD 配超大学习率（{huge_lr:g}）、不做梯度裁剪，会发生什么？"),
              {"collapses": T("it diverges or ends at chance accuracy", "发散，或者最终只有随机水平的准确率"),
               "slower": T("it trains, but worse than with clipping", "能训练，但比裁剪时差"),
               "fine": T("it does as well as with clipping", "和裁剪时一样好")},
              _unclipped_fate),
    settings={"moderate_lr": 0.5, "huge_lr": 5.0, "epochs": 2, "depth": 12},
    repeats=5,
)


# ---------------------------------------------------------------- train.7 weight initialisation


INIT_LABELS = {"default": T("default (normal, std 0.02)", "默认（正态分布，标准差 0.02）"),
               "xavier": T("Xavier uniform", "Xavier 均匀分布"), "zeros": T("all zeros", "全零"),
               "large": T("large normal", "大方差正态分布")}


def _head_init_runs(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=s["train_examples"], epochs=1, lr=s["lr"],
                               warmup_ratio=0.1, log_every=2)
    schemes = ["default", "large"] if ctx.quick else list(probes.HEAD_INITS)
    samples, curves = {name: {} for name in schemes}, {}
    for seed in ctx.seeds:
        for scheme in schemes:
            result = probes.train_with_head_init(sized(ctx, base.replace(seed=seed), **QUICK_TEXT), scheme,
                                                 s["large_std"], on_start=ctx.on_start)
            for metric in ("accuracy", "initial_loss", "final_train_loss", "train_seconds", "first_grad_norm",
                           "head_std_before", "head_std_after"):
                if result[metric] is not None:
                    samples[scheme].setdefault(metric, []).append(result[metric])
            curves.setdefault(scheme, result["history"])
    outcome = Outcome(ctx.lesson_id, samples, {"curves": curves, "large_std": s["large_std"], "classes": 2})
    outcome.histories.update(curves)
    return outcome


def _large_head_sentence(outcome: Outcome, lang: str) -> str:
    """Why the large head hurt, from its first gradient norm and its weight scale before and after training."""
    parts = []
    if has(outcome, "large", "first_grad_norm") and has(outcome, "default", "first_grad_norm"):
        g1, g0 = outcome.mean("large", "first_grad_norm"), outcome.mean("default", "first_grad_norm")
        parts.append(T(f"Its confident wrong answers produced a first gradient norm of {g1:.2f} against {g0:.2f}, "
                       "and those gradients flow back into the pretrained layers.",
                       f"它自信地给出错误答案，第一次记录的梯度范数为 {g1:.2f}，默认初始化为 {g0:.2f}，这些梯度会"
                       "一路传回预训练层。")(lang))
    if has(outcome, "large", "head_std_before") and has(outcome, "large", "head_std_after"):
        before, after = outcome.mean("large", "head_std_before"), outcome.mean("large", "head_std_after")
        if after < 0.8 * before:
            parts.append(T(f"The head's weight scale did fall ({before:.2f} to {after:.2f}), but not before the early "
                           "updates had been spent on a badly scaled start.",
                           f"分类头的权重尺度确实下降了（从 {before:.2f} 到 {after:.2f}），但前面的更新已经浪费在这个"
                           "尺度失当的起点上了。")(lang))
            return join(lang, *parts)
        parts.append(T(f"At a fine-tuning learning rate the head itself barely shrank (weight scale {before:.2f} "
                       f"before, {after:.2f} after): through the whole run it stayed as badly scaled as it started.",
                       f"在微调用的小学习率下，分类头本身几乎没有缩小（权重尺度训练前 {before:.2f}，训练后 "
                       f"{after:.2f}）：整个训练过程中，它一直保持着起初那个失当的尺度。")(lang))
    return join(lang, *parts)


def _head_init_takeaway(outcome: Outcome, lang: str) -> str:
    names = [n for n in probes.HEAD_INITS if has(outcome, n)]
    if not names:
        return T("No initialisation run finished.", "没有一次初始化实验跑完。")(lang)
    parts = [ranking_takeaway(subset(outcome, names), "accuracy", lang, INIT_LABELS)]
    blank = math.log(outcome.extra.get("classes", 2))
    if "default" in names and "large" in names:
        std = outcome.extra.get("large_std")
        l0, l1 = outcome.mean("default", "initial_loss"), outcome.mean("large", "initial_loss")
        parts.append(T(f"Before any training, the large head (std {std:g}) gave a validation loss of {l1:.2f} against "
                       f"{l0:.2f} for the default one (a blank guess costs ln 2 = {blank:.2f}).",
                       f"训练开始前，大方差分类头（标准差 {std:g}）的验证损失为 {l1:.2f}，默认初始化为 {l0:.2f}"
                       f"（完全不知道时的损失是 ln 2 = {blank:.2f}）。")(lang))
        parts.append(compare_takeaway(outcome, "default", "large", "accuracy", lang, INIT_LABELS))
        if (outcome.mean("large", "accuracy") < outcome.mean("default", "accuracy") - 0.03
                and verdict(outcome, "default", "large", "accuracy") == "a"):
            parts.append(_large_head_sentence(outcome, lang))
        elif has(outcome, "large", "final_train_loss") and has(outcome, "default", "final_train_loss") and \
                outcome.mean("large", "final_train_loss") > 2 * outcome.mean("default", "final_train_loss"):
            l1, l0 = outcome.mean("large", "final_train_loss"), outcome.mean("default", "final_train_loss")
            parts.append(T(f"Its accuracy held up, but its loss did not: the training loss ended at {l1:.2f} against "
                           f"{l0:.2f}, because the large weights keep every prediction extremely confident, right or "
                           "wrong, and the probabilities it gives are useless.",
                           f"它的准确率还过得去，损失却没有降下来：训练损失最后是 {l1:.2f}，默认初始化为 {l0:.2f}；"
                           "过大的权重让每个预测都极度自信，不管对错，给出的概率也就毫无用处。")(lang))
    if "zeros" in names and "default" in names:
        z, d = outcome.mean("zeros", "accuracy"), outcome.mean("default", "accuracy")
        grown = outcome.mean("zeros", "head_std_after") if has(outcome, "zeros", "head_std_after") else None
        moved = (T(f" and still learned: its weights grew from 0 to a scale of {grown:.2g};",
                   f"，而且照样在学习：权重从 0 增长到 {grown:.2g} 的尺度；")(lang) if grown else
                 T(";", "；")(lang))
        parts.append(T(f"A zero head started exactly at ln 2 ({outcome.mean('zeros', 'initial_loss'):.3f}){moved} it "
                       f"reached {z:.3f} against {d:.3f} for the default. The pretrained features below differ from "
                       "example to example, so a zero head is not stuck the way zero hidden layers would be.",
                       f"全零分类头的初始损失正好是 ln 2（{outcome.mean('zeros', 'initial_loss'):.3f}）{moved}最后达到 "
                       f"{z:.3f}，默认初始化为 {d:.3f}。下面的预训练特征本来就因样本而异，所以全零的分类头不会像全零的"
                       "隐藏层那样卡住。")(lang))
    return join(lang, *parts)


def _head_init_figures(outcome: Outcome, lang: str) -> list:
    from ...analysis import plots

    names = [n for n in probes.HEAD_INITS if has(outcome, n)]
    out = []
    if names:
        out.append((T("Test accuracy per head initialisation", "不同分类头初始化的测试准确率")(lang),
                    bars(outcome, "accuracy", names, lang, INIT_LABELS)))
        out.append((T("Validation loss before training", "训练前的验证损失")(lang),
                    bars(outcome, "initial_loss", names, lang, INIT_LABELS,
                          T("validation loss at step 0", "第 0 步的验证损失")(lang))))
    curves = outcome.extra.get("curves") or {}
    if curves:
        rows = {INIT_LABELS[n](lang): r for n, r in curves.items() if n in INIT_LABELS}
        out.append((T("Loss curves (first seed)", "损失曲线（第一个种子）")(lang), plots.fig_training_curves(rows)))
    return out


TRAIN_7 = Lesson(
    id="train.7", topic="train", sources="001 #18",
    title=T("Weight initialisation", "权重初始化"),
    question=T("How should weights be initialised for fine-tuning, and does the initialisation of the new "
               "classification head matter?",
               "微调时权重应该怎样初始化？新加的分类头怎么初始化有影响吗？"),
    answer=T("In fine-tuning almost every weight comes from pre-training, the best initialisation available; only "
             "the new task head starts from scratch. For layers trained from scratch the scale of the initial "
             "weights matters: Xavier (Glorot) initialisation keeps the variance of signals steady through linear "
             "or tanh layers and He (Kaiming) initialisation does the same for ReLU, so activations and gradients "
             "neither vanish nor explode with depth. For a head on top of a pretrained encoder, small random weights "
             "(BERT draws them from a normal with standard deviation 0.02) or even zeros work, because the features "
             "below already differ between examples; what hurts is a large scale, which gives large logits, "
             "confident wrong predictions, a high initial loss and big gradients that flow back into the pretrained "
             "layers before the head has learned anything. Zeros are only a problem in hidden layers, where units "
             "that start identical stay identical.",
             "微调时几乎所有权重都来自预训练，这本身就是最好的初始化；只有新加的任务分类头是从零开始的。对于从零训练的"
             "层，初始权重的尺度很关键：Xavier（Glorot）初始化让信号方差在线性层或 tanh 层之间保持稳定，He（Kaiming）"
             "初始化对 ReLU 起同样的作用，这样激活值和梯度不会随深度消失或爆炸。对于接在预训练编码器上的分类头，小的"
             "随机权重（BERT 从标准差 0.02 的正态分布中采样）甚至全零都可以，因为下面的特征本来就因样本而异；真正有害的"
             "是过大的尺度：logits 很大，模型自信地答错，初始损失很高，在分类头学会任何东西之前，很大的梯度就已经传回"
             "预训练层。全零只在隐藏层里才有问题，因为初始相同的神经元会一直保持相同。"),
    experiment=_head_init_runs, takeaway=_head_init_takeaway, figures=_head_init_figures,
    quiz=Quiz(T("MiniLM with a re-initialised head, one epoch: which head initialisation will end with the lowest "
                "test accuracy?", "MiniLM 重新初始化分类头后训练一轮：哪种分类头初始化的测试准确率最低？"),
              {name: label for name, label in INIT_LABELS.items()},
              lambda o: min((n for n in probes.HEAD_INITS if has(o, n)), key=lambda n: o.mean(n, "accuracy"))),
    settings={"train_examples": 400, "lr": 2e-4, "large_std": 10.0},
    repeats=3,
)
