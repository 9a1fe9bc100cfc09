"""Training lessons on generalisation: a wide digits MLP on few examples with no remedy, weight decay, dropout, early
stopping or a smaller network (train.9); digits MLP accuracy lost to little data against a bad learning rate, and
MiniLM full fine-tuning against LoRA on time (train.10)."""
from __future__ import annotations

import statistics

from ...analysis.stats import compare_paired
from ...core.config import ConfigError, RunConfig
from .. import figures
from ..base import (NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause,
                    ranking_takeaway)
from ..support import verdict
from .common import DIGITS, QUICK_TEXT, SENTIMENT, bars, has, join, lr_name, merge, named, snapshots_of, subset

# ---------------------------------------------------------------- train.9 overfitting


OVERFIT_LABELS = {"baseline": T("no remedy", "不加措施"), "weight_decay": T("weight decay", "权重衰减"),
                  "dropout": T("dropout", "Dropout"), "early_stopping": T("early stopping", "提前停止"),
                  "smaller": T("smaller model", "更小的模型")}
REMEDIES = ("weight_decay", "dropout", "early_stopping", "smaller")


def _overfitting_runs(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    base = RunConfig.from_flat(**DIGITS, max_train_samples=s["train_examples"], epochs=s["epochs"], batch_size=16,
                               hidden_sizes=(256, 256), dropout=0.0, weight_decay=0.0, eval_every=15, log_every=5)
    outcome = ctx.run_variants({
        "baseline": base,
        "weight_decay": base.replace(weight_decay=s["weight_decay"]),
        "dropout": base.replace(dropout=s["dropout"]),
        "early_stopping": base.replace(early_stopping=s["patience"]),
        "smaller": base.replace(hidden_sizes=tuple(s["small_hidden"])),
    })
    snapshots = snapshots_of(ctx, outcome)
    for variant, snaps in snapshots.items():
        outcome.samples[variant]["steps"] = [float(snap["metrics"]["steps"]) for snap in snaps
                                             if snap["status"] == "finished"]
    for variant, metrics in outcome.samples.items():
        metrics["val_loss_rise"] = [f - b for f, b in zip(metrics["final_val_loss"], metrics["best_val_loss"])
                                    if f is not None and b is not None]
    first = snapshots["baseline"][0]
    outcome.extra["train_examples"] = (first.get("dataset") or {}).get("splits", {}).get("train", s["train_examples"])
    return outcome


def _overfitting_takeaway(outcome: Outcome, lang: str) -> str:
    parts = []
    n = outcome.extra["train_examples"]
    if all(has(outcome, "baseline", m) for m in ("final_val_loss", "final_train_loss", "steps")):
        steps = outcome.mean("baseline", "steps")
        train = outcome.mean("baseline", "final_train_loss")
        best, final = outcome.mean("baseline", "best_val_loss"), outcome.mean("baseline", "final_val_loss")
        if final - best > 0.02:
            parts.append(T(f"With {n} training examples and {steps:.0f} steps, the unregularised model drove its "
                           f"training loss to {train:.2g} while its validation loss climbed from its best {best:.3f} "
                           f"to {final:.3f}: it memorised the training set.",
                           f"只有 {n} 个训练样本、训练 {steps:.0f} 步时，不加正则的模型把训练损失压到 {train:.2g}，"
                           f"验证损失却从最低的 {best:.3f} 升到 {final:.3f}：它在死记训练集。")(lang))
        else:
            parts.append(T(f"With {n} training examples and {steps:.0f} steps, the unregularised model's validation "
                           f"loss stayed near its best ({best:.3f}, final {final:.3f}): it did not overfit in this "
                           "budget; raise epochs or lower train_examples to see it happen.",
                           f"只有 {n} 个训练样本、训练 {steps:.0f} 步时，不加正则的模型验证损失一直接近最低点"
                           f"（最低 {best:.3f}，最终 {final:.3f}）：在这个训练量下没有过拟合；增加训练轮数或减少训练"
                           "样本就能看到。")(lang))
    names = [v for v in OVERFIT_LABELS if has(outcome, v)]
    if names:
        parts.append(ranking_takeaway(subset(outcome, names), "accuracy", lang, OVERFIT_LABELS))
    remedies = [v for v in REMEDIES if has(outcome, v)]
    if remedies and has(outcome, "baseline"):
        best = outcome.best("accuracy", remedies)
        parts.append(compare_takeaway(outcome, best, "baseline", "accuracy", lang, OVERFIT_LABELS))
        losses = [v for v in remedies if has(outcome, v, "final_val_loss")]
        if losses and has(outcome, "baseline", "final_val_loss"):
            low = min(losses, key=lambda v: outcome.mean(v, "final_val_loss"))
            parts.append(T(f"The lowest final validation loss came from {OVERFIT_LABELS[low]('en')} "
                           f"({outcome.mean(low, 'final_val_loss'):.3f} against "
                           f"{outcome.mean('baseline', 'final_val_loss'):.3f} without a remedy).",
                           f"最终验证损失最低的是{OVERFIT_LABELS[low]('zh')}（{outcome.mean(low, 'final_val_loss'):.3f}，"
                           f"不加措施时为 {outcome.mean('baseline', 'final_val_loss'):.3f}）。")(lang))
    if has(outcome, "early_stopping", "steps") and has(outcome, "baseline", "steps"):
        stopped, full = outcome.mean("early_stopping", "steps"), outcome.mean("baseline", "steps")
        if stopped < full:
            parts.append(T(f"Early stopping ended after {stopped:.0f} of {full:.0f} steps, saving "
                           f"{1 - stopped / full:.0%} of the training time.",
                           f"提前停止在第 {stopped:.0f} 步（共 {full:.0f} 步）结束，省下了 {1 - stopped / full:.0%} 的"
                           "训练时间。")(lang))
            if has(outcome, "baseline") and outcome.mean("early_stopping", "accuracy") < \
                    outcome.mean("baseline", "accuracy") - 0.01:
                parts.append(T("It watches the validation loss, which can rise while accuracy still improves (a "
                               "few confidently wrong examples weigh heavily in the loss); here stopping on the loss "
                               "cost accuracy. More patience, or watching validation accuracy, lets it run longer.",
                               "它盯的是验证损失，而验证损失可能在准确率仍在提高时就开始上升（少数错得很自信的样本在"
                               "损失里分量很重）；这里按损失停止反而损失了准确率。加大耐心值，或改为监控验证准确率，"
                               "就能训练得更久。")(lang))
        else:
            parts.append(T("Early stopping never triggered: the validation loss kept improving often enough.",
                           "提前停止一次也没有触发：验证损失一直在持续改善。")(lang))
    return join(lang, *parts) or T("No overfitting run finished.", "没有一次过拟合实验跑完。")(lang)


def _overfitting_figures(outcome: Outcome, lang: str) -> list:
    names = [v for v in OVERFIT_LABELS if has(outcome, v)]
    out = []
    if names:
        out.append((T("Test accuracy per remedy", "各措施的测试准确率")(lang), bars(outcome, "accuracy", names, lang,
                                                                           OVERFIT_LABELS)))
    losses = [v for v in OVERFIT_LABELS if has(outcome, v, "final_val_loss")]
    if losses:
        out.append((T("Final validation loss per remedy", "各措施的最终验证损失")(lang),
                    bars(outcome, "final_val_loss", losses, lang, OVERFIT_LABELS)))
    if any(outcome.histories.values()):
        out.append((T("Training and validation loss (first seed)", "训练损失与验证损失（第一个种子）")(lang),
                    figures.curves(outcome, lang, label=OVERFIT_LABELS)))
    return out


TRAIN_9 = Lesson(
    id="train.9", topic="train", sources="000 #6, 001 #5, #14, 003 #5, #19, 004 #4",
    title=T("Overfitting and its remedies", "过拟合及其对策"),
    question=T("How do you recognise and prevent overfitting when fine-tuning: L1/L2 or weight decay, dropout, early "
               "stopping, augmentation, a smaller model, ensembles?",
               "微调时怎样识别并防止过拟合：L1/L2 正则或权重衰减、Dropout、提前停止、数据增强、更小的模型、集成？"),
    answer=T("A model overfits when its training loss keeps falling while its validation loss stops improving and "
             "then rises: it is memorising the training examples instead of learning the rule. Few labelled "
             "examples, a large model and long training make it likely. The remedies limit how much the model can "
             "memorise. Weight decay, the L2 penalty (decoupled from the gradient in AdamW), pulls weights towards "
             "zero, while L1 pushes many of them to exactly zero. Dropout silences random units at each step, so no "
             "single path can carry a memorised example. Early stopping ends training when the validation loss stops "
             "improving. A smaller model, or fewer trainable layers (frozen backbone, LoRA), has less capacity to "
             "spare. Augmentation and more data make memorising harder, and ensembles average away single models' "
             "quirks. Cross-validation prevents nothing by itself; it measures generalisation more reliably, which "
             "tells you whether a remedy worked. Why this lesson trains a small MLP from scratch rather than "
             "fine-tuning a pretrained model: overfitting shows when a model trains for many epochs on few examples, "
             "and on this 2-core machine a MiniLM run of that length takes minutes, so five remedies over several "
             "seeds would not fit the lesson's budget; a wide MLP on 100 small (8×8) digit images memorises them "
             "within seconds, and its training and validation curves split the same way. In fine-tuning the same "
             "remedies apply, and the cheapest are a few epochs with early stopping and training fewer layers.",
             "如果训练损失一直下降，而验证损失停止改善、随后开始上升，模型就过拟合了：它在死记训练样本，而不是学习"
             "规律。标注样本少、模型大、训练时间长，都容易导致过拟合。各种对策的共同点是限制模型死记的能力。权重衰减"
             "即 L2 惩罚（AdamW 中与梯度解耦），把权重往 0 拉；L1 则会把很多权重直接压成 0。Dropout 在每一步随机屏蔽"
             "一部分神经元，使任何单一通路都无法记住某个样本。提前停止在验证损失不再改善时结束训练。更小的模型，或者"
             "只训练更少的层（冻结主干、LoRA），可供死记的容量更小。数据增强和更多的数据让死记更难，集成则把单个模型"
             "的偶然偏差平均掉。交叉验证本身并不防止过拟合，它只是更可靠地衡量泛化能力，从而告诉你某个对策是否有效。"
             "本课为什么从零训练小 MLP、而不是微调预训练模型：过拟合要在少量样本上训练很多轮才会出现，在这台双核机器上，"
             "这么长的 MiniLM 训练一次就要几分钟，五种对策再乘上多个种子，超出了本课的预算；宽 MLP 在 100 "
             "张 8×8 的小手写数字图像上几秒钟就能把它们背下来，训练曲线和验证曲线以同样的方式分开。微调时对策相同，最省事的是"
             "少训练几轮并配合提前停止，以及只训练较少的层。"),
    experiment=_overfitting_runs, takeaway=_overfitting_takeaway, figures=_overfitting_figures,
    quiz=Quiz(T("A tiny training set ({train_examples} examples), long training ({epochs} epochs) and a wide MLP: "
                "which remedy will give the best test accuracy?",
                "训练集很小（{train_examples} 条）、训练时间很长（{epochs} 轮）、MLP 很宽：哪种对策的测试准确率最高？"),
              {v: OVERFIT_LABELS[v] for v in REMEDIES},
              lambda o: o.best("accuracy", [v for v in REMEDIES if has(o, v)])),
    settings={"train_examples": 100, "epochs": 30, "weight_decay": 0.5, "dropout": 0.5, "patience": 3,
              "small_hidden": [16]},
    repeats=5,
)


# ---------------------------------------------------------------- train.10 common challenges


def _data_name(n: int) -> str:
    return f"{n} examples"


def _challenge_runs(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    sizes = sorted({int(n) for n in s["data_sizes"]})
    rates = sorted({float(r) for r in s["other_lrs"]})
    if len(sizes) < 2 or not rates:
        raise ConfigError("data_sizes needs at least two sizes (e.g. [50, 800]) and other_lrs at least one rate.")
    if ctx.quick:
        sizes, rates = [sizes[0], sizes[-1]], rates[:1]
    tabular = RunConfig.from_flat(**DIGITS, lr=s["lr"], max_steps=150, batch_size=16, eval_every=50, log_every=5)
    variants = {_data_name(n): tabular.replace(max_train_samples=n) for n in sizes}
    variants.update({lr_name(r): tabular.replace(max_train_samples=sizes[-1], lr=r) for r in rates})
    text = RunConfig.from_flat(**SENTIMENT, max_train_samples=s["text_examples"], epochs=1, lr=s["text_lr"],
                               warmup_ratio=0.1)
    small = ctx.run_variants(variants)
    large = ctx.run_variants({"MiniLM full": text, "MiniLM LoRA": text.replace(strategy="lora")}, **QUICK_TEXT)
    steps = [snap["step"] for snaps in snapshots_of(ctx, small).values() for snap in snaps]
    return merge(ctx.lesson_id, small, large, extra={"mlp_steps": max(steps, default=0),
        "sizes": {_data_name(n): n for n in sizes}, "lrs": {lr_name(r): r for r in [*rates, s["lr"]]},
        "base_lr": lr_name(s["lr"]), "largest": _data_name(sizes[-1])})


def _lr_group(outcome: Outcome) -> list[str]:
    """The runs on the largest data size at each learning rate (the base rate's run is the largest-data run)."""
    names = [n for n in outcome.extra["lrs"] if n != outcome.extra["base_lr"] and has(outcome, n)]
    return names + ([outcome.extra["largest"]] if has(outcome, outcome.extra["largest"]) else [])


def _challenge_losses(outcome: Outcome):
    """Accuracy lost to little data (largest minus smallest size) and to a bad learning rate (best minus worst by
    mean), as means, and the paired verdict of the per-seed losses (B = little data, A = learning rate)."""
    sizes = sorted((n for n in outcome.extra["sizes"] if has(outcome, n)), key=outcome.extra["sizes"].get)
    group = _lr_group(outcome)
    if len(sizes) < 2 or len(group) < 2:
        return None

    def per_seed(better: str, worse: str) -> list:
        pairs = zip(outcome.samples[better].get("accuracy", []), outcome.samples[worse].get("accuracy", []))
        return [None if x is None or y is None else x - y for x, y in pairs]

    ranked = sorted(group, key=lambda n: outcome.mean(n, "accuracy"))
    data, rate = per_seed(sizes[-1], sizes[0]), per_seed(ranked[-1], ranked[0])
    mean = lambda values: statistics.fmean([v for v in values if v is not None])  # noqa: E731
    return mean(data), mean(rate), compare_paired(rate, data, "accuracy", ("learning rate", "little data"))


def _bigger_lever(outcome: Outcome) -> str:
    """'data', 'lr', or 'tie' when the paired verdict over seeds cannot tell which cost more accuracy."""
    losses = _challenge_losses(outcome)
    return {"b": "data", "a": "lr"}.get(losses[2].winner, "tie") if losses else "tie"


def _challenge_takeaway(outcome: Outcome, lang: str) -> str:
    parts = []
    sizes = sorted((n for n in outcome.extra["sizes"] if has(outcome, n)), key=outcome.extra["sizes"].get)
    if len(sizes) >= 2:
        few, many = sizes[0], sizes[-1]
        a, b = outcome.mean(few, "accuracy"), outcome.mean(many, "accuracy")
        steps = outcome.extra.get("mlp_steps")
        parts.append(T(f"Little data: with the same {steps} steps, the MLP reached {a:.3f} from {few} and {b:.3f} from "
                       f"{many}.",
                       f"数据少：同样训练 {steps} 步，MLP 用 {outcome.extra['sizes'][few]} 个样本达到 {a:.3f}，用 "
                       f"{outcome.extra['sizes'][many]} 个样本达到 {b:.3f}。")(lang))
        if all(has(outcome, n, m) for n in (few, many) for m in ("final_val_loss", "final_train_loss")):
            gap = {n: outcome.mean(n, "final_val_loss") - outcome.mean(n, "final_train_loss") for n in (few, many)}
            seeds = {n: [None if v is None or t is None else v - t for v, t in
                         zip(outcome.samples[n]["final_val_loss"], outcome.samples[n]["final_train_loss"])]
                     for n in (few, many)}
            grew = compare_paired(seeds[many], seeds[few], "final_val_loss", (many, few))
            clause = interval_clause(grew, lang)
            ending = {"b": T("; the fewer the examples, the easier they are to memorise.", "；样本越少，越容易被死记。"),
                      "a": T("; here the gap was the wider one with more data.", "；这里反而是数据多时差距更大。")}.get(
                grew.winner, T(f"; {clause}: whether the gap grows with less data, this budget cannot tell.",
                               f"；{clause}：数据变少是否让差距变大，这个预算下还分不出。"))
            parts.append(T(f"Overfitting: validation loss minus training loss was {gap[few]:+.3f} with {few} and "
                           f"{gap[many]:+.3f} with {many}",
                           f"过拟合：验证损失减训练损失，{outcome.extra['sizes'][few]} 个样本时为 {gap[few]:+.3f}，"
                           f"{outcome.extra['sizes'][many]} 个样本时为 {gap[many]:+.3f}")(lang) + ending(lang))
    if all(has(outcome, n, "train_seconds") for n in ("MiniLM full", "MiniLM LoRA")):
        t_full, t_lora = outcome.mean("MiniLM full", "train_seconds"), outcome.mean("MiniLM LoRA", "train_seconds")
        p_full = outcome.mean("MiniLM full", "trainable_parameters")
        p_lora = outcome.mean("MiniLM LoRA", "trainable_parameters")
        a_full, a_lora = outcome.mean("MiniLM full", "accuracy"), outcome.mean("MiniLM LoRA", "accuracy")
        saved = 1 - t_lora / t_full
        timing = verdict(outcome, "MiniLM LoRA", "MiniLM full", "train_seconds")    # a = LoRA clearly quicker
        less = {"a": T(f"{saved:.0%} less", f"少 {saved:.0%}"), "b": T("slower", "反而更慢")}.get(
            timing, T("not clearly quicker at this budget", "这个预算下并没有明显更快"))
        parts.append(T(f"Compute: LoRA trained {p_lora:,.0f} parameters instead of {p_full:,.0f} "
                       f"({p_lora / p_full:.1%}) and took {t_lora:.1f} s against {t_full:.1f} s "
                       f"({less('en')}); accuracy {a_lora:.3f} vs {a_full:.3f}.",
                       f"算力：LoRA 只训练 {p_lora:,.0f} 个参数，全量微调是 {p_full:,.0f} 个（{p_lora / p_full:.1%}），"
                       f"耗时 {t_lora:.1f} 秒对 {t_full:.1f} 秒（{less('zh')}）；"
                       f"准确率 {a_lora:.3f} 对 {a_full:.3f}。")(lang))
        if saved < 0.5:
            parts.append(T("The forward and backward passes still run through the whole model, so the time saved is "
                           "far smaller than the share of parameters; the bigger saving is the memory for gradients "
                           "and optimizer state.",
                           "前向和反向传播仍要走完整个模型，所以省下的时间远小于参数比例的差距；更大的节省在于梯度和"
                           "优化器状态占用的内存。")(lang))
    group = _lr_group(outcome)
    if len(group) >= 2:
        rates = {n: outcome.extra["lrs"].get(n, outcome.extra["lrs"][outcome.extra["base_lr"]]) for n in group}
        ordered = sorted(group, key=rates.get)
        listed = ", ".join(f"{rates[n]:g} → {outcome.mean(n, 'accuracy'):.3f}" for n in ordered)
        parts.append(T(f"Hyper-parameters: on the same data, learning rates gave {listed}.",
                       f"超参数：同样的数据，不同学习率的结果为 {listed}。")(lang))
    losses = _challenge_losses(outcome)
    if losses:
        data, rate, paired = losses
        lever = _bigger_lever(outcome)
        if lever == "tie":
            parts.append(T(f"Little data cost {data:.3f} accuracy and a poor learning rate {rate:.3f}; "
                           f"{interval_clause(paired, 'en')}: which costs more, this budget cannot tell.",
                           f"数据太少损失了 {data:.3f} 的准确率，学习率选得不好损失了 {rate:.3f}；"
                           f"{interval_clause(paired, 'zh')}：哪一项损失更多，这个预算下还分不出。")(lang))
        else:
            parts.append(T(f"Here {'little data' if lever == 'data' else 'a poor learning rate'} cost more accuracy "
                           f"({max(data, rate):.3f} against {min(data, rate):.3f}); {interval_clause(paired, 'en')}.",
                           f"在这里，{'数据太少' if lever == 'data' else '学习率选得不好'}损失的准确率更多"
                           f"（{max(data, rate):.3f}，另一项为 {min(data, rate):.3f}）；"
                           f"{interval_clause(paired, 'zh')}。")(lang))
    return join(lang, *parts) or T("No run finished.", "没有一次实验跑完。")(lang)


def _challenge_figures(outcome: Outcome, lang: str) -> list:
    out = []
    sizes = sorted((n for n in outcome.extra["sizes"] if has(outcome, n)), key=outcome.extra["sizes"].get)
    if sizes:
        out.append((T("Little data: accuracy by training-set size", "数据少：不同训练集大小的准确率")(lang),
                    bars(outcome, "accuracy", sizes, lang, named(sizes, "个样本", "examples"))))
    group = _lr_group(outcome)
    if group:
        out.append((T("Hyper-parameters: accuracy by learning rate", "超参数：不同学习率的准确率")(lang),
                    bars(outcome, "accuracy", group, lang)))
    text = [n for n in ("MiniLM full", "MiniLM LoRA") if has(outcome, n, "train_seconds")]
    if text:
        out.append((T("Compute: training time, full vs LoRA", "算力：全量微调与 LoRA 的训练时间")(lang),
                    bars(outcome, "train_seconds", text, lang)))
    return out


TRAIN_10 = Lesson(
    id="train.10", topic="train", sources="001 #11, 004 #4",
    title=T("Common fine-tuning challenges", "微调中的常见挑战"),
    question=T("What are the common challenges of fine-tuning, and how do you deal with little data, overfitting, "
               "limited compute and hyper-parameter choice?",
               "微调中常见的挑战有哪些？数据少、过拟合、算力有限、超参数难选，分别怎么应对？"),
    answer=T("Four problems come up again and again. Little labelled data: start from the closest pretrained model, "
             "train fewer parameters (a frozen backbone or LoRA), augment, and label more where you can; each extra "
             "example is worth most at the small end. Overfitting grows as data shrinks: watch the gap between "
             "training and validation loss and use early stopping, weight decay and dropout. Limited compute: LoRA "
             "or frozen layers cut the memory for gradients and optimizer state, while shorter sequences, mixed "
             "precision and smaller models cut the time; the forward pass through the full model remains. "
             "Hyper-parameters: the learning rate matters most and a wrong one can cost more than any other choice; "
             "search it on a log scale against a validation set, then confirm over seeds. The demonstration measures "
             "each of the four on real runs.",
             "有四个问题反复出现。标注数据少：从最接近任务的预训练模型出发，只训练少量参数（冻结主干或 LoRA），做数据"
             "增强，能多标就多标；数据越少，每多一个样本的价值越大。过拟合随数据变少而加重：盯住训练损失和验证损失的"
             "差距，用提前停止、权重衰减和 Dropout。算力有限：LoRA 或冻结部分层能减少梯度和优化器状态占用的内存，"
             "更短的序列、混合精度和更小的模型能减少时间；但整个模型的前向传播省不掉。超参数：学习率最重要，选错了"
             "可能比其他任何选择损失都大；在验证集上按对数尺度搜索，再用多个随机种子确认。下面的演示在真实训练中"
             "逐一测量这四个问题。"),
    experiment=_challenge_runs, takeaway=_challenge_takeaway, figures=_challenge_figures,
    quiz=Quiz(T("Which will cost more test accuracy here: going from the largest to the smallest training set, or "
                "the worst of the tried learning rates?",
                "在这里，哪一项损失的测试准确率更多：把训练集从最大缩到最小，还是用尝试过的最差学习率？"),
              {"data": T("the smaller training set", "更小的训练集"), "lr": T("the worst learning rate", "最差的学习率"),
               "tie": NO_CLEAR_DIFFERENCE},
              _bigger_lever),
    settings={"data_sizes": [50, 200, 800], "lr": 0.01, "other_lrs": [0.0003, 0.3], "text_examples": 200,
              "text_lr": 2e-4},
    repeats=3,
)
