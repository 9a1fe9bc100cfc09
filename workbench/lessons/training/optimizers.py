"""Training lessons on the update rule, MiniLM on Rotten Tomatoes: six optimizers at one shared learning rate
(train.2); cross-entropy, label smoothing and focal loss by accuracy, confidence and calibration, plus
cross-entropy, hinge and MSE on a small head over frozen embeddings (train.3)."""
from __future__ import annotations

from ...core.config import RunConfig
from .. import figures
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, ranking_takeaway
from ..support import runner_of, verdict, verdict_choice
from . import probes
from .common import QUICK_TEXT, SENTIMENT, bars, has, join, majority_share, sized, snapshots_of, subset

# ---------------------------------------------------------------- train.2 optimizers


OPTIMIZER_LABELS = {
    "sgd": T("SGD", "SGD"), "sgd_momentum": T("SGD with momentum", "带动量的 SGD"), "adam": T("Adam", "Adam"),
    "adamw": T("AdamW", "AdamW"), "rmsprop": T("RMSprop", "RMSprop"), "adadelta": T("Adadelta", "Adadelta"),
}
ADAPTIVE = ("adam", "adamw", "rmsprop")


def _optimizer_runs(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    base = RunConfig.from_flat(**{**SENTIMENT, "max_eval_samples": 200}, max_train_samples=s["train_examples"],
                               lr=s["lr"], epochs=s["epochs"], log_every=2)
    names = ["sgd", "adamw", "adadelta"] if ctx.quick else list(OPTIMIZER_LABELS)
    outcome = ctx.run_variants({name: base.replace(optimizer=name) for name in names}, **QUICK_TEXT)
    outcome.extra.update(lr=s["lr"], chance=majority_share(snapshots_of(ctx, outcome)))
    return outcome


def _family(name: str) -> str:
    return "adaptive" if name in ADAPTIVE else "momentum" if name == "sgd_momentum" else name


def _clear_family(outcome: Outcome) -> str:
    """The family whose best optimizer the paired verdict puts ahead of every optimizer of the other families;
    "tie" when none is clearly ahead at this budget."""
    names = [n for n in OPTIMIZER_LABELS if has(outcome, n)]
    if len(names) < 2:
        return "tie"
    best = outcome.best("accuracy", names)
    rivals = [n for n in names if _family(n) != _family(best)]
    return _family(best) if rivals and all(verdict(outcome, best, n, "accuracy") == "a" for n in rivals) else "tie"


def _optimizer_takeaway(outcome: Outcome, lang: str) -> str:
    names = [n for n in OPTIMIZER_LABELS if has(outcome, n)]
    if not names:
        return T("No optimizer run finished.", "没有一次优化器实验跑完。")(lang)
    lr, best = outcome.extra.get("lr"), outcome.best("accuracy", names)
    parts = [ranking_takeaway(subset(outcome, names), "accuracy", lang, OPTIMIZER_LABELS)]
    if "sgd" in names and best != "sgd":
        parts.append(compare_takeaway(outcome, best, "sgd", "accuracy", lang, OPTIMIZER_LABELS))
    if (best in ADAPTIVE and "sgd" in names and outcome.mean("sgd", "accuracy") < outcome.mean(best, "accuracy") - 0.05
            and verdict(outcome, best, "sgd", "accuracy") == "a"):
        parts.append(T("Scaling each parameter's step by its own gradient history let the adaptive method make "
                       f"progress at lr {lr:g}, where plain SGD's raw gradient steps were still too small.",
                       f"自适应方法按每个参数自己的梯度历史缩放步长，所以在学习率 {lr:g} 下就能有效推进；"
                       "而普通 SGD 直接沿原始梯度走，步子仍然太小。")(lang))
    if "sgd" in names and "sgd_momentum" in names:
        gain = outcome.mean("sgd_momentum", "accuracy") - outcome.mean("sgd", "accuracy")
        if verdict(outcome, "sgd_momentum", "sgd", "accuracy") == "a":
            parts.append(T(f"Momentum raised SGD's accuracy by {gain:+.3f}: it keeps a running direction, which "
                           "amounts to a larger effective step.",
                           f"加上动量后 SGD 的准确率提高了 {gain:+.3f}：动量保留了一个滑动的前进方向，相当于放大了"
                           "有效步长。")(lang))
        else:
            parts.append(T(f"Momentum changed SGD's accuracy by {gain:+.3f}, not a clear difference at this budget.",
                           f"加上动量后 SGD 的准确率变化了 {gain:+.3f}，在这个预算下不算明显差别。")(lang))
    chance = outcome.extra.get("chance")
    stuck = [n for n in names if chance is not None and outcome.mean(n, "accuracy") <= chance + 0.05]
    if stuck:
        parts.append(T(f"{', '.join(OPTIMIZER_LABELS[n].en for n in stuck)} stayed within 0.05 of the majority-class "
                       f"share ({chance:.3f}): at lr {lr:g} their steps barely moved the pretrained model in this "
                       "budget.",
                       f"{'、'.join(OPTIMIZER_LABELS[n].zh for n in stuck)}与多数类占比（{chance:.3f}）相差不到 0.05："
                       f"学习率 {lr:g} 下，它们的步子在这个预算内几乎没有推动预训练模型。")(lang))
    if ("adadelta" in names and lr < 1 and outcome.mean("adadelta", "accuracy") < outcome.mean(best, "accuracy") - 0.1
            and verdict(outcome, best, "adadelta", "accuracy") == "a"):
        parts.append(T(f"Adadelta trailed far behind: in PyTorch its lr multiplies its own adaptive step and "
                       f"defaults to 1.0, so lr {lr:g} shrinks that step {1 / lr:.0f} times. It is not tuning-free.",
                       f"Adadelta 远远落后：PyTorch 里它的 lr 是乘在自适应步长上的系数，默认是 1.0，设成 {lr:g} "
                       f"步长就变为默认值下的 1/{1 / lr:.0f}。它并不是不用调学习率。")(lang))
    parts.append(T("Each optimizer has its own good range of learning rates; change lr in the settings and the "
                   "ranking can change with it.",
                   "每种优化器都有各自合适的学习率范围；在设置里改变 lr，排名也可能随之改变。")(lang))
    return join(lang, *parts)


TRAIN_2 = Lesson(
    id="train.2", topic="train", sources="001 #7",
    title=T("Optimizers", "优化器"),
    question=T("How do SGD, SGD with momentum, Adam, AdamW, RMSprop and Adadelta differ, and which one suits "
               "fine-tuning?",
               "SGD、带动量的 SGD、Adam、AdamW、RMSprop 和 Adadelta 有什么区别？微调时该选哪一个？"),
    answer=T("Plain SGD steps straight down the current gradient; momentum keeps a running average of recent "
             "gradients, so it rolls through flat or noisy stretches. RMSprop divides each parameter's step by a "
             "running root-mean-square of its gradients, and Adam adds momentum to that per-parameter scaling, which "
             "makes it insensitive to the gradients' scale and quick from the first steps. AdamW is Adam with the "
             "weight decay applied to the weights directly instead of being mixed into the gradient, so the "
             "adaptive scaling does not weaken the regularisation; it is the standard choice for fine-tuning "
             "transformers. Adadelta builds its step from ratios of running averages, yet it still has a "
             "learning-rate factor (1.0 by default in PyTorch). Every optimizer has its own good learning-rate "
             "range, so compare them each at a suitable rate, or, as here, see what one shared rate does. The "
             "experiment fine-tunes pretrained MiniLM on movie reviews, because the question is which optimizer suits "
             "fine-tuning: at a fine-tuning learning rate (1e-4 by default) a pretrained model needs small, "
             "well-scaled steps, which is where the optimizers differ most; a small network trained from scratch "
             "wants rates a hundred times larger and would answer a different question.",
             "普通 SGD 直接沿当前梯度的反方向走；动量法维护最近梯度的滑动平均，遇到平坦或噪声大的区域也能继续往前"
             "滚。RMSprop 用每个参数梯度的滑动均方根去除它的步长，Adam 在这种逐参数缩放之外再加上动量，因此对梯度"
             "的量级不敏感，从第一步起就走得快。AdamW 是把权重衰减直接作用在权重上、而不是混进梯度的 Adam，"
             "这样自适应缩放就不会削弱正则化效果，它是微调 Transformer 的标准选择。Adadelta 用滑动平均之比来决定"
             "步长，但仍然带一个学习率系数（PyTorch 默认 1.0）。每种优化器都有自己合适的学习率范围，所以比较时要么"
             "给每个优化器配合适的学习率，要么像这里一样，看同一个学习率下各自的表现。本实验在影评上微调预训练的 MiniLM，"
             "因为问题问的是哪个优化器适合微调：在微调常用的学习率下（默认 1e-4），预训练模型需要小而尺度合适的步子，"
             "各优化器的差别正体现在这里；从零训练的小网络要用大约一百倍的学习率，回答的是另一个问题。"),
    experiment=_optimizer_runs, takeaway=_optimizer_takeaway,
    figures=figures.standard("accuracy", OPTIMIZER_LABELS),
    quiz=Quiz(T("Fine-tuning MiniLM on {train_examples} reviews with one shared learning rate ({lr:g}) and "
                "{epochs} epoch(s) for all: which kind of optimizer will reach clearly the best test accuracy?",
                "用 {train_examples} 条影评微调 MiniLM，所有优化器共用一个学习率（{lr:g}）、都训练 {epochs} 轮：哪一类"
                "优化器的测试准确率明显最高？"),
              {"adaptive": T("an adaptive one (Adam, AdamW or RMSprop)", "自适应类（Adam、AdamW 或 RMSprop）"),
               "momentum": T("SGD with momentum", "带动量的 SGD"), "sgd": T("plain SGD", "普通 SGD"),
               "adadelta": T("Adadelta", "Adadelta"), "tie": NO_CLEAR_DIFFERENCE},
              _clear_family),
    settings={"train_examples": 320, "lr": 1e-4, "epochs": 1},
    repeats=3,
    time_budget_s=240,
    budget_note=T("the question names six optimizers and asks which suits fine-tuning, so each fine-tunes MiniLM "
                  "over 3 seeds (18 runs).",
                  "本题列出六种优化器，并问哪一种适合微调，所以每种都要微调 MiniLM、各跑 3 个种子（共 18 次运行）。"),
)


# ---------------------------------------------------------------- train.3 losses


LOSS_LABELS = {
    "cross_entropy": T("cross-entropy", "交叉熵"), "label_smoothing": T("label smoothing", "标签平滑"),
    "focal": T("focal loss", "Focal 损失"),
    "loop_cross_entropy": T("cross-entropy (plain loop, frozen encoder)", "交叉熵（简单循环，冻结编码器）"),
    "loop_hinge": T("hinge (plain loop, frozen encoder)", "Hinge（简单循环，冻结编码器）"),
    "loop_mse": T("MSE on logits (plain loop, frozen encoder)", "对 logits 做 MSE（简单循环，冻结编码器）"),
}
CONFIG_LOSSES = ("cross_entropy", "label_smoothing", "focal")
LOOP_LOSSES = ("loop_cross_entropy", "loop_hinge", "loop_mse")


def _loss_runs(ctx: LessonContext) -> Outcome:
    from types import SimpleNamespace

    import numpy as np

    from ...core.runner import prepare_splits
    from ...lab.data_quality import make_encoder

    s = ctx.settings
    base = RunConfig.from_flat(**{**SENTIMENT, "max_eval_samples": 200}, max_train_samples=s["train_examples"],
                               epochs=s["epochs"], lr=s["lr"], log_every=2)
    outcome = ctx.run_variants({
        "cross_entropy": base,
        "label_smoothing": base.replace(label_smoothing=s["label_smoothing"]),
        "focal": base.replace(loss="focal", focal_gamma=s["focal_gamma"]),
    }, **QUICK_TEXT)
    _add_calibration(ctx, outcome)
    # hinge and MSE are not trainer options: a plain loop trains a small head on frozen MiniLM sentence embeddings
    encoder = make_encoder()
    for seed in ctx.seeds:
        splits = prepare_splits(sized(ctx, base.replace(seed=seed), **QUICK_TEXT))
        train, test = (SimpleNamespace(x=np.asarray(encoder.embed(list(split.x))), y=np.asarray(split.y),
                                       label_names=split.label_names) for split in (splits.train, splits.test))
        for loss in probes.PLAIN_LOSSES:
            result = probes.train_with_loss(loss, train, test, ctx.size(s["loop_steps"], 20), seed)
            for metric, value in result.items():
                outcome.samples.setdefault(f"loop_{loss}", {}).setdefault(metric, []).append(value)
    outcome.extra.update(label_smoothing=s["label_smoothing"], focal_gamma=s["focal_gamma"])
    return outcome


def _add_calibration(ctx: LessonContext, outcome: Outcome) -> None:
    """Mean confidence and expected calibration error of each finished run's test predictions."""
    from ...analysis.metrics import calibration

    store = runner_of(ctx).store
    for variant, ids in outcome.run_ids.items():
        for run_id in ids:
            try:
                pred = store.load_predictions(run_id, "test")
            except FileNotFoundError:
                continue
            outcome.samples[variant].setdefault("confidence", []).append(float(pred["probs"].max(1).mean()))
            outcome.samples[variant].setdefault("ece", []).append(calibration(pred["labels"], pred["probs"])["ece"])


def _confidence_sentence(outcome: Outcome, variant: str, lang: str) -> str:
    if not (has(outcome, variant, "confidence") and has(outcome, "cross_entropy", "confidence")):
        return ""
    c0, c1 = outcome.mean("cross_entropy", "confidence"), outcome.mean(variant, "confidence")
    e0, e1 = outcome.mean("cross_entropy", "ece"), outcome.mean(variant, "ece")
    name = LOSS_LABELS[variant]
    moved = T("lowered", "降低")(lang) if c1 < c0 else T("raised", "提高")(lang)
    text = T(f"{name('en').capitalize()} {moved} the mean confidence on test examples from {c0:.3f} to {c1:.3f} "
             f"(calibration error {e0:.3f} to {e1:.3f}).",
             f"{name('zh')}把测试样本的平均置信度从 {c0:.3f} {moved}到 {c1:.3f}（校准误差从 {e0:.3f} 变为 {e1:.3f}）。"
             )(lang)
    accuracy = outcome.mean(variant, "accuracy") if has(outcome, variant) else None
    if variant != "label_smoothing" or accuracy is None:
        return text
    if e1 > e0 and c1 < accuracy - 0.03:
        return join(lang, text, T(
            f"Cross-entropy was already well calibrated here, so smoothing left the model under-confident: right "
            f"{accuracy:.0%} of the time while claiming {c1:.0%}.",
            f"这里交叉熵本身已经校准得很好，所以标签平滑反而让模型信心不足：它有 {accuracy:.0%} 的时候是对的，给出的"
            f"置信度却只有 {c1:.0%}。")(lang))
    if e1 < e0:
        return join(lang, text, T("Smoothing brought the confidence closer to the accuracy.",
                                  "标签平滑让置信度更接近真实的准确率。")(lang))
    return text


def _loss_takeaway(outcome: Outcome, lang: str) -> str:
    parts = []
    configured = [n for n in CONFIG_LOSSES if has(outcome, n)]
    if configured:
        parts.append(ranking_takeaway(subset(outcome, configured), "accuracy", lang, LOSS_LABELS))
        best = outcome.best("accuracy", configured)
        if best != "cross_entropy" and "cross_entropy" in configured:
            parts.append(compare_takeaway(outcome, best, "cross_entropy", "accuracy", lang, LOSS_LABELS))
        spread = max(outcome.mean(n, "accuracy") for n in configured) - min(outcome.mean(n, "accuracy")
                                                                            for n in configured)
        if spread < 0.01:
            parts.append(T(f"The three losses ended within {spread:.3f} of each other in accuracy; on balanced "
                           "classes they differ mainly in how confident the model becomes.",
                           f"三种损失的准确率相差不到 {spread:.3f}；在类别均衡的数据上，它们的差别主要在于模型"
                           "最终有多自信。")(lang))
        parts += [_confidence_sentence(outcome, "label_smoothing", lang), _confidence_sentence(outcome, "focal", lang)]
    if has(outcome, "loop_cross_entropy"):
        ce = outcome.mean("loop_cross_entropy", "accuracy")
        ce_conf = outcome.mean("loop_cross_entropy", "confidence")
        if has(outcome, "loop_hinge"):
            h, h_conf = outcome.mean("loop_hinge", "accuracy"), outcome.mean("loop_hinge", "confidence")
            parts.append(T(f"In the plain loop on frozen MiniLM embeddings, hinge loss reached accuracy {h:.3f} "
                           f"against {ce:.3f} for cross-entropy; it only asks the right class to win by a margin, so "
                           f"its softmax scores carry no likelihood meaning (mean confidence {h_conf:.3f} vs "
                           f"{ce_conf:.3f}).",
                           f"在冻结 MiniLM 句向量上的简单训练循环里，hinge 损失的准确率为 {h:.3f}，交叉熵为 {ce:.3f}；"
                           f"hinge 只要求正确类别以一定间隔胜出，所以它的 softmax 分数没有概率意义（平均置信度 {h_conf:.3f}，"
                           f"交叉熵为 {ce_conf:.3f}）。")(lang))
        if has(outcome, "loop_mse"):
            m, m_conf = outcome.mean("loop_mse", "accuracy"), outcome.mean("loop_mse", "confidence")
            flat = m_conf < ce_conf - 0.2
            parts.append(T(f"MSE on the logits reached {m:.3f}; it regresses each logit onto 0 or 1, so "
                           + (f"the softmax stays nearly flat (mean confidence {m_conf:.3f}): the scores rank the "
                              "classes but are not probabilities." if flat else
                              f"its mean confidence was {m_conf:.3f}, though nothing in the loss asks for "
                              "calibrated probabilities."),
                           f"对 logits 做 MSE 的准确率为 {m:.3f}；它把每个 logit 回归到 0 或 1，"
                           + (f"softmax 几乎是平的（平均置信度 {m_conf:.3f}）：分数能给类别排序，却不是概率。"
                              if flat else f"平均置信度为 {m_conf:.3f}，但这个损失本身并不要求概率校准。"))(lang))
    return join(lang, *parts) or T("No loss run finished.", "没有一次损失函数实验跑完。")(lang)


_smoothing_effect = verdict_choice("label_smoothing", "cross_entropy", "confidence",
                                   {"a": "higher", "b": "lower", "tie": "same"})


def _loss_figures(outcome: Outcome, lang: str) -> list:
    out = []
    for metric, title in (("accuracy", T("Test accuracy per loss", "各损失函数的测试准确率")),
                          ("confidence", T("Mean confidence on test examples", "测试样本上的平均置信度")),
                          ("ece", T("Expected calibration error (lower is better)", "期望校准误差（越低越好）"))):
        names = [n for n in LOSS_LABELS if has(outcome, n, metric)]
        if names:
            out.append((title(lang), bars(outcome, metric, names, lang, LOSS_LABELS)))
    if any(outcome.histories.values()):
        out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang),
                    figures.curves(outcome, lang, label=LOSS_LABELS)))
    return out


TRAIN_3 = Lesson(
    id="train.3", topic="train", sources="001 #8",
    title=T("Loss functions", "损失函数"),
    question=T("Which loss should a fine-tuned classifier use: cross-entropy, label smoothing, focal loss, hinge "
               "or mean squared error?",
               "微调分类模型时该用哪种损失：交叉熵、标签平滑、Focal 损失、Hinge 还是均方误差？"),
    answer=T("For classification, cross-entropy on the softmax of the logits is the default: it is the negative "
             "log-likelihood of the correct class, its gradient (predicted probability minus target) stays "
             "informative, and the outputs can be read as probabilities. Label smoothing moves a little of the "
             "target mass onto the other classes, which stops the logits from growing without bound and usually "
             "makes the model less over-confident. Focal loss scales each example's loss down as the model gets "
             "it right, so easy examples (often the majority class) stop dominating; it helps most with imbalance. "
             "Multi-class hinge loss, the SVM margin loss, only asks the right logit to beat the others by a "
             "margin, so its scores are not probabilities. Mean squared error is a regression loss: on one-hot "
             "targets it still trains, but it treats class scores as numbers to fit, and on softmax outputs its "
             "gradient fades for confidently wrong examples. The experiment fine-tunes pretrained MiniLM on movie "
             "reviews with the three losses the trainer offers (cross-entropy, label smoothing, focal), since the "
             "question is about a fine-tuned classifier and what a loss does to its confidence; hinge and MSE, "
             "which the trainer does not offer, are compared with cross-entropy in a plain loop that trains a small "
             "head on frozen MiniLM sentence embeddings.",
             "分类任务默认用基于 softmax 的交叉熵：它就是正确类别的负对数似然，梯度（预测概率减去目标）始终有信息量，"
             "输出也能当概率来解读。标签平滑把一小部分目标概率分给其他类别，防止 logits 无限增大，通常能让模型不那么"
             "过度自信。Focal 损失会随着模型把某个样本判断对而降低它的损失权重，让容易的样本（往往是多数类）不再"
             "主导训练，在类别不平衡时最有用。多分类 Hinge 损失（SVM 的间隔损失）只要求正确类别的 logit 比其他类别"
             "高出一个间隔，因此它的分数不是概率。均方误差是回归损失：用在 one-hot 目标上也能训练，但它把类别分数"
             "当成要拟合的数值；如果作用在 softmax 输出上，对那些错得很自信的样本，梯度会变得很小。本实验用训练器提供的三种"
             "损失（交叉熵、标签平滑、Focal）在影评上微调预训练的 MiniLM，因为问题问的是微调后的分类器，以及损失函数对它"
             "置信度的影响；训练器不提供的 Hinge 和 MSE，则在一个简单训练循环里与交叉熵比较：在冻结的 MiniLM 句向量上训练"
             "一个小分类头。"),
    experiment=_loss_runs, takeaway=_loss_takeaway, figures=_loss_figures,
    quiz=Quiz(T("Compared with plain cross-entropy, what will label smoothing ({label_smoothing:g}) do to the model's "
                "mean confidence on test examples?",
                "和普通交叉熵相比，标签平滑（{label_smoothing:g}）会让模型在测试样本上的平均置信度怎样变化？"),
              {"lower": T("clearly lower it", "明显降低"), "same": NO_CLEAR_DIFFERENCE,
               "higher": T("clearly raise it", "明显提高")},
              _smoothing_effect),
    settings={"train_examples": 320, "epochs": 2, "lr": 1e-4, "label_smoothing": 0.1, "focal_gamma": 2.0,
              "loop_steps": 150},
    repeats=3,
)
