"""Learning-rate lesson (train.1): MiniLM on Rotten Tomatoes at a sweep of peak rates (linear decay with warm-up),
constant, cosine and linear-without-warm-up schedules at the sweep's middle rate, and the LR range test's suggestion."""
from __future__ import annotations

import dataclasses

from ...core.config import ConfigError, RunConfig
from .. import figures
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, ranking_takeaway
from ..support import verdict
from .common import (QUICK_TEXT, SENTIMENT, bars, curve_figure, has, join, lr_name, majority_share, named, position,
                     sized, snapshots_of, subset)

# ---------------------------------------------------------------- train.1 learning rate and schedules


def _learning_rate_runs(ctx: LessonContext) -> Outcome:
    from ...core.training import lr_schedule_preview, planned_steps
    from ...lab.lr_finder import find_lr

    rates = sorted({float(v) for v in ctx.settings["learning_rates"]})
    if len(rates) < 2:
        raise ConfigError("learning_rates needs at least two values to compare, e.g. [1e-5, 1e-4, 1e-3].")
    if float(ctx.settings["warmup_ratio"]) <= 0:
        raise ConfigError("warmup_ratio must be above 0: the lesson compares warm-up on and off.")
    if ctx.quick:
        rates = [rates[0], rates[-1]]
    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=ctx.settings["train_examples"], epochs=1,
                               schedule="linear", warmup_ratio=ctx.settings["warmup_ratio"], log_every=2)
    peak = rates[len(rates) // 2]      # the middle rate: where the schedules are trained
    variants = {lr_name(lr): base.replace(lr=lr) for lr in rates}
    schedule_runs = {"linear": lr_name(peak)}   # linear decay with warm-up at the peak is already in the sweep
    for name, change in SCHEDULE_VARIANTS.items():
        schedule_runs[name] = f"schedule {name}"
        variants[schedule_runs[name]] = base.replace(lr=peak, **change)
    outcome = ctx.run_variants(variants, **QUICK_TEXT)
    snapshots = snapshots_of(ctx, outcome)
    steps = planned_steps(ctx.settings["train_examples"], base.train)
    schedules = {name: lr_schedule_preview(dataclasses.replace(base.train, schedule=name), steps, peak)[1]
                 for name in ("constant", "linear", "cosine", "exponential", "step")}
    finder = find_lr(sized(ctx, base, **QUICK_TEXT), start_lr=1e-7, end_lr=1.0,
                     steps=ctx.size(ctx.settings["finder_steps"], 8))
    outcome.extra.update(lrs={lr_name(lr): lr for lr in rates}, schedules=schedules, schedule_peak=peak,
                         schedule_steps=steps, finder=dataclasses.asdict(finder), chance=majority_share(snapshots),
                         schedule_runs=schedule_runs, warmup_steps=int(float(ctx.settings["warmup_ratio"]) * steps))
    return outcome


# The schedules trained at the peak rate besides the sweep's linear decay with warm-up: the other two shapes with
# the same warm-up, and linear decay without it.
SCHEDULE_VARIANTS = {"constant": {"schedule": "constant"}, "cosine": {"schedule": "cosine"},
                     "linear_no_warmup": {"warmup_ratio": 0.0}}
SCHEDULE_LABELS = {"constant": T("Constant rate with warm-up", "恒定学习率（带预热）"),
                   "linear": T("Linear decay with warm-up", "线性衰减（带预热）"),
                   "cosine": T("Cosine decay with warm-up", "余弦衰减（带预热）"),
                   "linear_no_warmup": T("Linear decay without warm-up", "线性衰减（不预热）")}


def _schedule_names(outcome: Outcome) -> dict[str, str]:
    """{schedule: variant} for the schedule runs that finished (empty for outcomes from before they existed)."""
    runs = outcome.extra.get("schedule_runs") or {}
    return {k: v for k, v in runs.items() if has(outcome, v)}


def _schedule_takeaway(outcome: Outcome, lang: str) -> str:
    runs = _schedule_names(outcome)
    if set(runs) != set(SCHEDULE_LABELS):
        return ""
    labels = {runs[k]: label for k, label in SCHEDULE_LABELS.items()}
    peak = outcome.extra["schedule_peak"]
    shapes = [runs[k] for k in ("constant", "linear", "cosine")]
    parts = [T(f"Then the schedules, all trained at the middle rate {peak:g}.",
               f"接着在中间的学习率 {peak:g} 下比较各种调度。")(lang),
             ranking_takeaway(subset(outcome, shapes), "accuracy", lang, labels)]
    pairs = [(a, b) for i, a in enumerate(shapes) for b in shapes[i + 1:]]
    clear = [(a, b) for a, b in pairs if verdict(outcome, a, b, "accuracy") != "tie"]
    for a, b in clear:
        parts.append(compare_takeaway(outcome, a, b, "accuracy", lang, labels))
    if not clear:
        parts.append(T("No two of the three shapes were clearly apart at this budget: in a short fine-tune the shape "
                       "of the decay mattered less than the peak rate above.",
                       "在这个预算下，三种形状两两之间都没有明显差别：短时间微调里，衰减曲线的形状远不如上面的峰值学习率"
                       "重要。")(lang))
    on, off = runs["linear"], runs["linear_no_warmup"]
    parts.append(compare_takeaway(outcome, on, off, "accuracy", lang, labels))
    warm, steps = outcome.extra.get("warmup_steps", 0), outcome.extra.get("schedule_steps", 0)
    said = verdict(outcome, on, off, "accuracy")
    parts.append({
        "tie": T(f"Warm-up ({warm} of {steps} steps) made no difference this budget can detect at {peak:g}: at this "
                 "rate the first updates did not measurably harm the pretrained layers; warm-up matters more at "
                 "higher rates, larger batches and longer runs.",
                 f"在 {peak:g} 下，预热（{steps} 步中的 {warm} 步）没有带来这个预算能测出的差别：在这个学习率下，最初几步"
                 "的更新没有可测出地损害预训练层；预热在更高的学习率、更大的批量和更长的训练中更重要。"),
        "a": T(f"Warm-up ({warm} of {steps} steps) clearly helped at {peak:g}: easing into the rate kept the new "
               "head's first large gradients from disturbing the pretrained layers.",
               f"在 {peak:g} 下，预热（{steps} 步中的 {warm} 步）明显有帮助：逐步升高学习率，避免了新分类头最初的大梯度"
               "扰乱预训练层。"),
        "b": T(f"Here the run without warm-up came out clearly ahead at {peak:g}: in a run of {steps} steps, the "
               f"{warm} warm-up steps at a reduced rate were steps of learning lost.",
               f"这里在 {peak:g} 下不预热的运行明显更好：总共只有 {steps} 步，{warm} 步降低学习率的预热等于少学了几步。"),
    }[said](lang))
    return join(lang, *parts)


def _by_rate(outcome: Outcome) -> list[str]:
    rates = outcome.extra["lrs"]
    return sorted((n for n in rates if has(outcome, n)), key=rates.get)


def _learning_rate_takeaway(outcome: Outcome, lang: str) -> str:
    names = _by_rate(outcome)
    if not names:
        return T("No learning-rate run finished, so there is nothing to compare.",
                 "没有一次学习率实验跑完，无法比较。")(lang)
    labels = named(outcome.extra["lrs"], "学习率", "lr")
    rates = outcome.extra["lrs"]
    best, lowest, highest = outcome.best("accuracy", names), names[0], names[-1]
    parts = [ranking_takeaway(subset(outcome, names), "accuracy", lang, labels)]
    chance = outcome.extra.get("chance")
    if chance is not None and outcome.mean(best, "accuracy") <= chance + 0.05:
        return join(lang, *parts, T(
            f"No rate got clearly above chance ({chance:.3f}) in this short run, so the rates cannot be told apart "
            "yet: give the runs more examples or steps.",
            f"这么短的训练里，没有一个学习率明显超过随机水平（{chance:.3f}），所以还分不出高下：需要给训练更多样本"
            "或步数。")(lang))
    if highest != best:
        parts.append(compare_takeaway(outcome, best, highest, "accuracy", lang, labels))
        top = outcome.mean(highest, "accuracy")
        if chance is not None and top <= chance + 0.05:
            parts.append(T(f"At {rates[highest]:g} the model ended at chance level ({top:.3f}, majority class "
                           f"{chance:.3f}): the steps were so large that they wrecked the pretrained features "
                           "instead of adapting them.",
                           f"学习率 {rates[highest]:g} 时模型只剩随机水平（{top:.3f}，多数类占比 {chance:.3f}）："
                           "步子太大，把预训练特征破坏了，而不是在它们的基础上做调整。")(lang))
    if (lowest != best and outcome.mean(lowest, "accuracy") < outcome.mean(best, "accuracy") - 0.03
            and has(outcome, lowest, "final_train_loss") and has(outcome, best, "final_train_loss")
            and outcome.mean(lowest, "final_train_loss") > outcome.mean(best, "final_train_loss")):
        slow, fast = outcome.mean(lowest, "final_train_loss"), outcome.mean(best, "final_train_loss")
        parts.append(T(f"At {rates[lowest]:g} the training loss only fell to {slow:.3f} (against {fast:.3f} at "
                       f"{rates[best]:g}): a rate that is too small underfits in a short run rather than breaking "
                       "anything.",
                       f"学习率 {rates[lowest]:g} 时，训练损失只降到 {slow:.3f}（学习率 {rates[best]:g} 时为 "
                       f"{fast:.3f}）：学习率太小，在短训练里的后果是欠拟合，而不是把模型弄坏。")(lang))
    parts.append(_finder_sentence(outcome, rates[best], lang))
    parts.append(_schedule_takeaway(outcome, lang))
    return join(lang, *parts)


def _finder_sentence(outcome: Outcome, best_rate: float, lang: str) -> str:
    finder = outcome.extra.get("finder") or {}
    suggestion = finder.get("suggestion")
    if suggestion is None:
        return T("The range test found no clear descent, so it gave no suggestion.",
                 "学习率区间测试没有找到明显的下降段，因此没有给出建议值。")(lang)
    ratio = max(suggestion, best_rate) / min(suggestion, best_rate)
    steps = len(finder.get("raw_losses") or [])
    if ratio <= 3:
        return T(f"The range test suggested {suggestion:.1e}, within a factor of {ratio:.1f} of the best measured "
                 f"rate, for the price of {steps} training steps.",
                 f"学习率区间测试建议 {suggestion:.1e}，实测最佳为 {best_rate:g}，两者中较大的是较小的 "
                 f"{ratio:.1f} 倍；这次测试用了 {steps} 个训练步。")(lang)
    text = T(f"The range test suggested {suggestion:.1e}, {ratio:.0f} times away from the best measured rate "
             f"{best_rate:g}: treat its answer as a first guess and confirm it with short runs.",
             f"学习率区间测试建议 {suggestion:.1e}，实测最佳为 {best_rate:g}，两者中较大的是较小的 {ratio:.0f} 倍："
             "它的结果只能当作初始猜测，还要用几次短训练来确认。")(lang)
    collapsed = [n for n in _by_rate(outcome) if outcome.extra.get("chance") is not None
                 and outcome.mean(n, "accuracy") <= outcome.extra["chance"] + 0.05
                 and outcome.extra["lrs"][n] <= suggestion and outcome.extra["lrs"][n] > best_rate]
    if collapsed:
        rate = outcome.extra["lrs"][collapsed[0]]
        text = join(lang, text, T(f"Here it even pointed above {rate:g}, a rate that left the model at chance.",
                                  f"这里它的建议甚至高于 {rate:g}，而这个学习率已经让模型退回随机水平。")(lang))
    return text


def _learning_rate_figures(outcome: Outcome, lang: str) -> list:
    from ...analysis import plots
    from ...lab.lr_finder import LRFinderResult

    peak = outcome.extra["schedule_peak"]
    schedules = {name: [{"step": i, "learning_rate": lr} for i, lr in enumerate(lrs)]
                 for name, lrs in outcome.extra["schedules"].items()}
    out = [(T("Schedule shapes (preview)", "学习率调度形状（预览）")(lang),
            curve_figure(schedules, "learning_rate", T(f"schedules at peak lr {peak:g}",
                                                        f"峰值学习率 {peak:g} 下的各种调度")(lang),
                          T("learning rate", "学习率")(lang)))]
    labels = named(outcome.extra["lrs"], "学习率", "lr")
    names = _by_rate(outcome)
    if names:
        out.append((T("Test accuracy per learning rate", "各学习率的测试准确率")(lang),
                    bars(outcome, "accuracy", names, lang, labels)))
    runs = _schedule_names(outcome)
    if runs:
        out.append((T(f"Test accuracy per schedule at lr {peak:g}", f"学习率 {peak:g} 下各调度方式的测试准确率")(lang),
                    bars(outcome, "accuracy", list(runs.values()), lang,
                         {v: SCHEDULE_LABELS[k] for k, v in runs.items()})))
    if outcome.extra.get("finder", {}).get("lrs"):
        out.append((T("Learning-rate range test", "学习率区间测试")(lang),
                    plots.fig_lr_finder(LRFinderResult(**outcome.extra["finder"]))))
    if any(outcome.histories.values()):
        out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang),
                    figures.curves(outcome, lang, label={**labels, **{v: SCHEDULE_LABELS[k] for k, v in runs.items()
                                                                       if k != "linear"}})))
    return out


TRAIN_1 = Lesson(
    id="train.1", topic="train", sources="000 #4, 003 #7, 001 #18-19",
    title=T("Learning rate and schedules", "学习率与学习率调度"),
    question=T("How do you choose the learning rate for fine-tuning, and what do warm-up and linear, step, "
               "exponential or cosine decay do?",
               "微调时学习率怎么选？预热（warm-up）以及线性、阶梯、指数、余弦这几种衰减方式分别起什么作用？"),
    answer=T("The learning rate sets the size of every update. When fine-tuning it must stay small enough not to "
             "erase what pre-training learned: about 1e-5 to 1e-4 for a BERT-sized encoder with AdamW, well below the "
             "1e-3 that suits a small network trained from scratch. A schedule changes the rate during the run: "
             "warm-up raises it from near zero over the first few percent of steps, so the randomly initialised head "
             "cannot push large gradients into the pretrained layers; linear, cosine, step or exponential decay then "
             "lowers it so the last steps settle into a minimum instead of bouncing around it. Warm-up matters for "
             "Adam-type optimizers in particular: at first v_t, the running average of squared gradients, rests on "
             "only a few noisy samples and can be too small, so dividing by its square root makes the early steps too "
             "large. Short warm-up plus linear decay is the usual default for transformers, and the peak value "
             "matters far more than the exact shape. An LR range test (raise the rate exponentially for a few dozen "
             "steps while watching the loss) gives a quick first guess that a few short runs then confirm. This lesson "
             "fine-tunes MiniLM for one epoch at three rates, then at the middle rate actually trains constant, linear "
             "and cosine schedules (all with warm-up) and linear decay without warm-up, and compares them by paired "
             "verdicts over seeds.",
             "学习率决定每一步更新的幅度。微调时它必须足够小，才不会抹掉预训练学到的东西：BERT 这一量级的编码器配合 "
             "AdamW，一般取 1e-5 到 1e-4，明显低于从零训练小网络时常用的 1e-3。调度策略让学习率在训练中变化：预热阶段"
             "在最初百分之几的步数里把学习率从接近 0 拉上来，免得随机初始化的分类头把很大的梯度传进预训练层；之后用线"
             "性、余弦、阶梯或指数衰减逐步降低，让最后几步稳稳落进极小值，而不是在它两侧来回震荡。对 Adam 类优化器，"
             "预热还保护了早期的二阶矩估计：一开始，梯度平方的滑动平均 v_t 只基于少数几个带噪声的梯度，可能偏小，除以"
             "它的平方根后，最初几步的步长就会过大。Transformer 微调最常见的默认做法是短预热加线性衰减，峰值的大小远"
             "比曲线的具体形状重要。学习率区间测试（在几十步内按指数增大学习率并观察损失）能很快给出一个初值，再用几"
             "次短训练加以确认。本课先用三个学习率各微调 MiniLM 一轮，再在中间那个学习率下实际训练恒定、线性、余弦三种"
             "调度（都带预热），以及不带预热的线性衰减，用按种子配对的比较来判断差别。"),
    experiment=_learning_rate_runs, takeaway=_learning_rate_takeaway, figures=_learning_rate_figures,
    quiz=Quiz(T("Fine-tuning MiniLM for one epoch: which of the tried learning rates will give the best test "
                "accuracy?", "MiniLM 微调一轮：在尝试的几个学习率里，哪一个的测试准确率最高？"),
              {"lowest": T("the lowest one", "最小的那个"), "middle": T("one in the middle", "中间的某个"),
               "highest": T("the highest one", "最大的那个"), "tie": NO_CLEAR_DIFFERENCE},
              lambda o: _best_rate_choice(o)),
    settings={"train_examples": 400, "learning_rates": [1e-5, 1e-4, 1e-3], "warmup_ratio": 0.1,
              "finder_steps": 60},
    repeats=3,
    time_budget_s=240,
    budget_note=T("the question asks both how to choose the rate and what schedules and warm-up do, so besides "
                  "three rates the lesson trains three more schedule settings, each over 3 seeds (18 runs), plus a "
                  "learning-rate range test.",
                  "本题既问学习率怎么选，也问调度和预热起什么作用，所以除了三个学习率，本课还要多训练三种调度设置，每个跑 "
                  "3 个种子（共 18 次运行），外加一次学习率区间测试。"),
)


def _best_rate_choice(outcome: Outcome) -> str:
    """Where the rate the paired verdicts put ahead of every other rate sits; "tie" when none is clearly best."""
    names = _by_rate(outcome)
    best = outcome.clear_best("accuracy", names) if names else None
    return "tie" if best is None else position(names, best)
