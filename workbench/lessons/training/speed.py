"""Training lessons on throughput: batch size and gradient accumulation (train.4), and making training faster,
with the source documents' padding and mixed-precision mistakes measured (train.5)."""
from __future__ import annotations

from ...core.config import ConfigError, RunConfig
from .. import figures
from ..base import Correction, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, ranking_takeaway, speed_phrase
from ..support import verdict
from . import probes
from .common import (QUICK_TEXT, QUICK_TEXT_KEEP_BATCH, SENTIMENT, bars, examples_per_second, has, join, named,
                     position, snapshots_of, subset)

# ---------------------------------------------------------------- train.4 batch size


def _batch_name(batch: int, accumulate: int = 1) -> str:
    return f"batch {batch}" if accumulate == 1 else f"batch {batch} x {accumulate}"


def _batch_runs(ctx: LessonContext) -> Outcome:
    sizes = sorted({int(b) for b in ctx.settings["batch_sizes"]})
    k = int(ctx.settings["accumulation"])
    if len(sizes) < 2 or k < 2:
        raise ConfigError("batch_sizes needs at least two sizes and accumulation at least 2, e.g. [8, 16, 32] "
                          "and 4.")
    small = sizes[0]
    if ctx.quick:
        sizes = [small, small * k] if small * k in sizes else sizes[:2]
    # Every step is logged, so the event times give the throughput over the whole epoch (evaluation at its end).
    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=ctx.settings["train_examples"], epochs=1,
                               lr=ctx.settings["lr"], warmup_ratio=0.1, log_every=1)
    variants = {_batch_name(b): base.replace(batch_size=b) for b in sizes}
    variants[_batch_name(small, k)] = base.replace(batch_size=small, grad_accum=k)
    outcome = ctx.run_variants(variants, **QUICK_TEXT_KEEP_BATCH)
    for variant, snaps in snapshots_of(ctx, outcome).items():
        per_step = variants[variant].train.batch_size * variants[variant].train.grad_accum
        finished = [s for s in snaps if s["status"] == "finished"]
        rates = [examples_per_second(ctx, s["id"], per_step) for s in finished]
        outcome.samples[variant]["examples_per_second"] = [r for r in rates if r is not None]
        outcome.samples[variant]["steps"] = [float(s["metrics"]["steps"]) for s in finished]
    outcome.extra.update(batch={n: c.train.batch_size for n, c in variants.items()},
                         accumulation={n: c.train.grad_accum for n, c in variants.items()})
    return outcome


def _plain_batches(outcome: Outcome) -> list[str]:
    accumulation, batch = outcome.extra["accumulation"], outcome.extra["batch"]
    return sorted((n for n in batch if accumulation[n] == 1 and has(outcome, n)), key=batch.get)


def _accumulated(outcome: Outcome) -> tuple[str, str | None] | None:
    """The accumulated variant and the plain batch of the same effective size (None if not run)."""
    accumulation, batch = outcome.extra["accumulation"], outcome.extra["batch"]
    for name, k in accumulation.items():
        if k > 1 and has(outcome, name):
            twin = _batch_name(batch[name] * k)
            return name, twin if has(outcome, twin) else None
    return None


def _batch_takeaway(outcome: Outcome, lang: str) -> str:
    plain = _plain_batches(outcome)
    if not plain:
        return T("No batch-size run finished.", "没有一次批大小实验跑完。")(lang)
    labels = named(outcome.extra["batch"], "批大小", "batch")
    parts = [ranking_takeaway(subset(outcome, plain), "accuracy", lang, labels)]
    noisy = _timings_noisy(outcome)
    small, large = plain[0], plain[-1]
    if small != large and all(has(outcome, v, "steps") for v in (small, large)):
        s_small, s_large = outcome.mean(small, "steps"), outcome.mean(large, "steps")
        if not noisy and all(has(outcome, v, "examples_per_second") for v in (small, large)):
            r_small, r_large = outcome.mean(small, "examples_per_second"), outcome.mean(large, "examples_per_second")
            parts.append(T(f"{large.capitalize()} processed {r_large:.1f} examples per second against {r_small:.1f} "
                           f"for {small}.",
                           f"批大小为 {outcome.extra['batch'][large]} 时每秒处理 {r_large:.1f} 个样本，批大小为 "
                           f"{outcome.extra['batch'][small]} 时为 {r_small:.1f} 个。")(lang))
        if s_large < s_small:
            parts.append(T(f"In one epoch {large} made only {s_large:.0f} optimizer steps, against {s_small:.0f} for "
                           f"{small}.",
                           f"一轮训练中，批大小为 {outcome.extra['batch'][large]} 时做了 {s_large:.0f} 次参数更新，"
                           f"批大小为 {outcome.extra['batch'][small]} 时做了 {s_small:.0f} 次。")(lang))
            if outcome.mean(large, "accuracy") < outcome.mean(small, "accuracy") - 0.02:
                parts.append(T("At a fixed learning rate and epoch count, fewer updates cost accuracy: a larger batch "
                               "needs a larger learning rate or more epochs to catch up.",
                               "在学习率和训练轮数不变时，更新次数少会损失准确率：批越大，越需要更大的学习率或更多轮"
                               "训练才能追上。")(lang))
    pair = _accumulated(outcome)
    if pair:
        name, twin = pair
        k = outcome.extra["accumulation"][name]
        if twin:
            parts.append(compare_takeaway(outcome, name, twin, "accuracy", lang, labels))
        base = _batch_name(outcome.extra["batch"][name])
        if not noisy and twin and all(has(outcome, v, "examples_per_second") for v in (name, base, twin)):
            parts.append(_accumulation_speed(outcome, name, base, twin, k, labels, lang))
    if noisy:
        parts.append(T("The measured speeds varied by more than a quarter between seeds (the machine was busy with "
                       "other work), so they are not interpreted here; run the lesson again on a quiet machine.",
                       "不同种子之间测得的速度差异超过四分之一（机器同时在忙别的任务），所以这里不解读速度；请在机器"
                       "空闲时重新运行本课。")(lang))
    return join(lang, *parts)


def _accumulation_speed(outcome: Outcome, name: str, base: str, twin: str, k: int, labels: dict, lang: str) -> str:
    r, r_base, r_twin = (outcome.mean(v, "examples_per_second") for v in (name, base, twin))
    size = outcome.extra["batch"][name]
    head = T(f"Accumulating {k} batches ran at {r:.1f} examples per second, against {r_base:.1f} for {base} and "
             f"{r_twin:.1f} for {twin}",
             f"累积 {k} 个小批的速度是每秒 {r:.1f} 个样本，{labels[base]('zh')} 时为 {r_base:.1f}，"
             f"{labels[twin]('zh')} 时为 {r_twin:.1f}")(lang)
    if r <= 1.1 * r_base:
        tail = T(": it gives the update of a bigger batch within the memory of a small one, not its speed.",
                 "：它在小批的显存里实现了大批的更新效果，但没有大批的速度。")
    elif r < 0.9 * r_twin:
        tail = T(f": in between, because the forward and backward passes still run {size} examples at "
                 "a time and only the optimizer steps become fewer.",
                 f"：介于两者之间，因为前向和反向传播仍然一次只算 {size} 个样本，减少的只是参数更新的次数。")
    else:
        tail = T(": about as fast as the big batch, so on this hardware small batches already kept it busy.",
                 "：和大批差不多快，说明在这台硬件上小批已经能让它满负荷运转。")
    return head + tail(lang)


def _timings_noisy(outcome: Outcome) -> bool:
    """True when some setting's throughput varied by more than 25% between seeds."""
    return any(outcome.spread(v, "examples_per_second") > 0.25 * outcome.mean(v, "examples_per_second")
               for v in outcome.variants if has(outcome, v, "examples_per_second"))


def _batch_quiz_answer(outcome: Outcome) -> str:
    plain = _plain_batches(outcome)
    return position(plain, outcome.best("accuracy", plain))


def _batch_figures(outcome: Outcome, lang: str) -> list:
    labels = named(outcome.extra["batch"], "批大小", "batch")
    names = [n for n in outcome.extra["batch"] if has(outcome, n)]
    out = [(T("Test accuracy per batch size", "各批大小的测试准确率")(lang), bars(outcome, "accuracy", names, lang, labels))]
    fast = [n for n in names if has(outcome, n, "examples_per_second")]
    if fast:
        out.append((T("Training throughput", "训练吞吐量")(lang),
                    bars(outcome, "examples_per_second", fast, lang, labels,
                          T("examples per second", "每秒样本数")(lang))))
    if any(outcome.histories.values()):
        out.append((T("Training curves (first seed)", "训练曲线（第一个种子）")(lang),
                    figures.curves(outcome, lang, label=labels)))
    return out


TRAIN_4 = Lesson(
    id="train.4", topic="train", sources="003 #13",
    title=T("Batch size and gradient accumulation", "批大小与梯度累积"),
    question=T("How do you choose the batch size for fine-tuning, and what does gradient accumulation change?",
               "微调时批大小（batch size）怎么选？梯度累积又改变了什么？"),
    answer=T("The batch size trades speed per example against the number and noisiness of updates. Larger batches "
             "keep the hardware busier, so more examples go through per second until memory or compute runs out, but "
             "at a fixed number of epochs they make fewer optimizer steps, so they usually need a higher learning "
             "rate or more epochs to match a smaller batch. Very small batches give noisy gradients and poor "
             "throughput. Memory sets the ceiling, since activations grow with batch size times sequence length. "
             "Gradient accumulation adds up the gradients of several small batches before one optimizer step: batch 8 "
             "accumulated 4 times updates like batch 32 but needs only batch-8 memory, and it runs at the speed of "
             "the small batches. For BERT-sized encoders 16 or 32 is a common start; tune the learning rate together "
             "with it.",
             "批大小是在单样本速度和更新次数、更新噪声之间做权衡。批越大，硬件利用得越充分，每秒处理的样本越多，直到"
             "显存或算力用尽；但在训练轮数固定时，大批意味着更少的参数更新次数，通常要配更大的学习率或更多轮训练才能"
             "追上小批的效果。批太小则梯度噪声大、吞吐量低。显存决定上限，因为激活值的占用随“批大小 × 序列长度”增长。"
             "梯度累积是把几个小批的梯度加起来再做一次参数更新：批大小 8、累积 4 次，更新效果相当于批大小 32，却只占"
             "批大小 8 的显存，速度也还是小批的速度。BERT 量级的编码器一般从 16 或 32 起步，并且要和学习率一起调。"),
    experiment=_batch_runs, takeaway=_batch_takeaway, figures=_batch_figures,
    quiz=Quiz(T("Same learning rate, one epoch: which batch size will give the best test accuracy?",
                "学习率相同、只训练一轮：哪个批大小的测试准确率最高？"),
              {"lowest": T("the smallest", "最小的"), "middle": T("one in the middle", "中间的某个"),
               "highest": T("the largest", "最大的")},
              _batch_quiz_answer),
    settings={"train_examples": 400, "lr": 2e-4, "batch_sizes": [8, 32, 64], "accumulation": 4},
    repeats=3,
)


# ---------------------------------------------------------------- train.5 training speed


PRECISION_LABELS = {"fp32": T("fp32", "fp32"), "bf16": T("bf16 autocast", "bf16 自动混合精度")}
PAD_LABELS = {"pad_fixed": T("padded to a fixed length", "填充到固定长度"),
              "pad_dynamic": T("padded per batch", "按批动态填充"),
              "pad_grouped": T("padded per batch, grouped by length", "按批动态填充并按长度分组")}


def _speed_runs(ctx: LessonContext) -> Outcome:
    import numpy as np

    from ...core.config import ModelConfig
    from ...core.datasets import load_dataset
    from ...core.models import build_model

    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=ctx.settings["train_examples"], epochs=1,
                               lr=ctx.settings["lr"], warmup_ratio=0.1)
    outcome = ctx.run_variants({"fp32": base.replace(precision="fp32"), "bf16": base.replace(precision="bf16")},
                               **QUICK_TEXT)
    length, batch = int(ctx.settings["fixed_length"]), int(ctx.settings["batch_size"])
    timed = ctx.size(int(ctx.settings["timing_examples"]), 16)
    built = build_model(ModelConfig(), 2, "text")
    texts = list(load_dataset("rotten_tomatoes").x)
    for seed in ctx.seeds:
        pick = np.random.default_rng(seed).choice(len(texts), size=min(2000, len(texts)), replace=False)
        sample = [texts[i] for i in pick]
        lengths = probes.token_lengths(sample, built.tokenizer, length)
        for fixed in (True, False):  # warm-up at both kinds of shape before anything is timed
            probes.time_batches(built.module, built.tokenizer, sample, [np.arange(batch)], length, fixed)
        for mode in probes.PAD_MODES:
            share = probes.pad_share(lengths, probes.padding_batches(lengths, batch, mode, seed),
                                     length if mode == "fixed" else None)
            seconds = probes.time_batches(built.module, built.tokenizer, sample[:timed],
                                          probes.padding_batches(lengths[:timed], batch, mode, seed), length,
                                          mode == "fixed")
            row = outcome.samples.setdefault(f"pad_{mode}", {})
            row.setdefault("pad_share", []).append(share)
            row.setdefault("seconds", []).append(seconds)
    outcome.extra.update(fixed_length=length, timing_examples=timed, batch_size=batch)
    return outcome


def _bf16_ratio(outcome: Outcome) -> float:
    """fp32 time over bf16 time: above 1 means bf16 was faster."""
    return outcome.mean("fp32", "train_seconds") / outcome.mean("bf16", "train_seconds")


def _speed_takeaway(outcome: Outcome, lang: str) -> str:
    parts = []
    if has(outcome, "fp32", "train_seconds") and has(outcome, "bf16", "train_seconds"):
        parts.append(compare_takeaway(outcome, "bf16", "fp32", "train_seconds", lang, PRECISION_LABELS))
        ratio, timing = _bf16_ratio(outcome), verdict(outcome, "bf16", "fp32", "train_seconds")
        if timing == "a":
            parts.append(T(f"bf16 autocast trained {ratio:.2f} times as fast: the matrix multiplications ran in "
                           "16-bit on hardware with native bf16 support.",
                           f"bf16 自动混合精度的训练速度是 fp32 的 {ratio:.2f} 倍：矩阵乘法在原生支持 bf16 的硬件上"
                           "以 16 位进行。")(lang))
        elif timing == "b":
            parts.append(T(f"bf16 was slower here ({1 / ratio:.2f} times the time): without fast bf16 units, "
                           "converting between formats costs more than the smaller numbers save, so fp32 is the "
                           "better choice on this machine.",
                           f"这里 bf16 反而更慢（耗时是 fp32 的 {1 / ratio:.2f} 倍）：没有高效的 bf16 运算单元时，"
                           "格式转换的开销超过了数值变小带来的节省，所以在这台机器上 fp32 更合适。")(lang))
        else:
            parts.append(T("The two times could not be told apart at this budget: on this hardware 16-bit arithmetic "
                           "brought no gain this run can detect.",
                           "在这个预算下两者耗时分不出差别：在这台硬件上，16 位运算没有带来可测出的收益。")(lang))
        if has(outcome, "fp32") and has(outcome, "bf16"):
            a, b = outcome.mean("fp32", "accuracy"), outcome.mean("bf16", "accuracy")
            parts.append(T(f"Test accuracy: fp32 {a:.3f}, bf16 {b:.3f}.",
                           f"测试准确率：fp32 为 {a:.3f}，bf16 为 {b:.3f}。")(lang))
    if all(has(outcome, f"pad_{m}", "pad_share") for m in probes.PAD_MODES):
        share = {m: outcome.mean(f"pad_{m}", "pad_share") for m in probes.PAD_MODES}
        sec = {m: outcome.mean(f"pad_{m}", "seconds") for m in probes.PAD_MODES}
        length, n = outcome.extra["fixed_length"], outcome.extra["timing_examples"]
        clear = verdict(outcome, "pad_grouped", "pad_fixed", "seconds") != "tie"
        speedup = speed_phrase(sec["grouped"], sec["fixed"], "en", clear)
        speedup_zh = speed_phrase(sec["grouped"], sec["fixed"], "zh", clear)
        parts.append(T(f"Padding every batch to {length} tokens made {share['fixed']:.0%} of the tokens padding; "
                       f"padding each batch only to its longest review cut that to {share['dynamic']:.0%}, and "
                       f"grouping reviews of similar length to {share['grouped']:.0%}. A forward and backward pass "
                       f"over the same {n} reviews took {sec['fixed']:.2f} s, {sec['dynamic']:.2f} s and "
                       f"{sec['grouped']:.2f} s (grouped against fixed padding: {speedup}).",
                       f"把每个批都填充到 {length} 个词元时，{share['fixed']:.0%} 的词元是填充；每批只填充到本批"
                       f"最长的影评，填充比例降到 {share['dynamic']:.0%}；再把长度相近的影评分到一批，降到 "
                       f"{share['grouped']:.0%}。同样 {n} 条影评的一次前向加反向传播分别用了 {sec['fixed']:.2f} 秒、"
                       f"{sec['dynamic']:.2f} 秒和 {sec['grouped']:.2f} 秒（按长度分组与固定填充相比：{speedup_zh}）。")(lang))
    return join(lang, *parts) or T("No speed measurement finished.", "没有一项速度测量完成。")(lang)


def _speed_figures(outcome: Outcome, lang: str) -> list:
    out = []
    runs = [n for n in PRECISION_LABELS if has(outcome, n, "train_seconds")]
    if runs:
        out.append((T("Training time: fp32 vs bf16", "训练时间：fp32 与 bf16")(lang),
                    bars(outcome, "train_seconds", runs, lang, PRECISION_LABELS)))
    pads = [n for n in PAD_LABELS if has(outcome, n, "pad_share")]
    if pads:
        out.append((T("Share of padding tokens", "填充词元的比例")(lang),
                    bars(outcome, "pad_share", pads, lang, PAD_LABELS, T("padding share", "填充比例")(lang))))
        out.append((T("Seconds for the same reviews", "同一批影评的耗时")(lang),
                    bars(outcome, "seconds", pads, lang, PAD_LABELS, T("seconds", "秒")(lang))))
    return out


def _preprocess_as_written(examples):
    """The source's preprocessing function, unchanged: `tokenizer` is never defined anywhere."""
    return tokenizer(examples["text"], truncation=True, padding="max_length")  # noqa: F821


def _sst2_example_demo() -> dict:
    """Run the source's preprocessing as written, then with a real tokenizer through `datasets.Dataset.map` on a
    dataset with SST-2's columns (catching what the library really raises), then measure what padding to the
    maximum length costs on real reviews (each padding mode timed after a warm-up pass)."""
    import time

    import datasets
    import numpy as np
    import torch

    from ...core.config import ModelConfig
    from ...core.datasets import load_dataset
    from ...core.models import build_model

    reviews = load_dataset("rotten_tomatoes")
    texts = list(reviews.x[:600])
    values = {}
    try:
        _preprocess_as_written({"text": texts[:2]})
    except NameError as err:
        values["name_error"] = str(err)
    built = build_model(ModelConfig(), 2, "text")
    tokenizer = built.tokenizer
    # SST-2's schema (idx, sentence, label) with real reviews, since the hub copy needs internet; the source's
    # function, now with a tokenizer, goes through the real datasets API, and its error is caught as raised.
    sst2 = datasets.Dataset.from_dict({"idx": [0, 1], "sentence": texts[:2],
                                       "label": [int(v) for v in reviews.y[:2]]})
    bars_were_on = datasets.utils.logging.is_progress_bar_enabled()
    datasets.disable_progress_bars()
    try:
        sst2.map(lambda examples: tokenizer(examples["text"], truncation=True, padding="max_length"), batched=True)
    except KeyError as err:
        values["missing_column"] = str(err.args[0])
    finally:
        if bars_were_on:
            datasets.enable_progress_bars()
    values["sst2_columns"] = list(sst2.column_names)
    padded = tokenizer(texts, truncation=True, padding="max_length")
    lengths = np.asarray([sum(mask) for mask in padded["attention_mask"]])
    values["max_length"] = len(padded["input_ids"][0])
    values["pad_share_max_length"] = probes.pad_share(lengths, [np.arange(len(texts))], values["max_length"])
    values["pad_share_dynamic"] = probes.pad_share(lengths, probes.padding_batches(lengths, 16, "dynamic"))
    built.module.eval()
    for key, padding in (("seconds_max_length", "max_length"), ("seconds_dynamic", True)):
        encoded = tokenizer(texts[:8], truncation=True, padding=padding, return_tensors="pt")
        with torch.no_grad():
            built.module(**encoded)  # warm-up: the first pass at a new shape pays one-off allocation costs
            started = time.perf_counter()
            built.module(**encoded)
            values[key] = time.perf_counter() - started
    return values


def _sst2_example_verdict(values: dict, lang: str) -> str:
    v = values
    return T(f"As written the function stops at once ({v.get('name_error', 'no error')}). With a tokenizer, "
             f"Dataset.map stops again: SST-2's columns are {', '.join(v['sst2_columns'])}, so the batch lookup "
             f"raises KeyError: '{v.get('missing_column', 'text')}'. Fixed, padding='max_length' pads every review to "
             f"{v['max_length']} tokens: {v['pad_share_max_length']:.0%} of the tokens are padding, against "
             f"{v['pad_share_dynamic']:.0%} when each batch of 16 is padded to its longest review. After a warm-up "
             f"pass, one forward pass over 8 reviews took {v['seconds_max_length']:.2f} s padded to "
             f"{v['max_length']} and {v['seconds_dynamic']:.3f} s padded per batch.",
             f"原样运行时，函数一开始就报错（{v.get('name_error', '没有报错')}）。补上 tokenizer 后，Dataset.map 又会报错："
             f"SST-2 的列是 {', '.join(v['sst2_columns'])}，按批取 '{v.get('missing_column', 'text')}' 时引发 "
             f"KeyError。改正之后，padding='max_length' 会把每条影评都填充到 {v['max_length']} 个词元："
             f"{v['pad_share_max_length']:.0%} 的词元是填充，而每 16 条一批、只填充到本批最长影评时只有 "
             f"{v['pad_share_dynamic']:.0%}。先预热一次，再对 8 条影评做一次前向传播：填充到 {v['max_length']} 时"
             f"耗时 {v['seconds_max_length']:.2f} 秒，按批填充时耗时 {v['seconds_dynamic']:.3f} 秒。")(lang)


def _mixed_precision_verdict(values: dict, lang: str) -> str:
    d = values["dtypes"]
    integers = values["integer_tensors"]
    kept_bf16, kept_fp32, update = values["update_kept_bf16"], values["update_kept_fp32"], values["update"]
    none_int = (T("No tensor had an integer type.", "没有任何张量是整数类型。")(lang) if not integers else
                T(f"Integer tensors: {', '.join(integers)}.", f"整数类型的张量：{', '.join(integers)}。")(lang))
    return join(lang, T(
        f"Under bf16 autocast the Linear layer produced its output in {d['logits']}, while its weights stayed "
        f"{d['weight']} and their gradient came back as {d['weight_grad']}; the cross-entropy loss was computed in "
        f"{d['loss']}.",
        f"在 bf16 自动混合精度下，Linear 层的输出是 {d['logits']}，而它的权重仍是 {d['weight']}，回传的梯度是 "
        f"{d['weight_grad']}；交叉熵损失用 {d['loss']} 计算。")(lang), none_int, T(
        f"Adding {update:g} to 1.0 kept {kept_bf16:.4g} of it in bf16 but {kept_fp32:.4g} in fp32: that is why the "
        "master weights stay in 32-bit, or small updates would be rounded away.",
        f"把 {update:g} 加到 1.0 上，bf16 只保留了 {kept_bf16:.4g}，fp32 保留了 {kept_fp32:.4g}：这就是主权重要留在 "
        "32 位的原因，否则细小的更新会被舍入掉。")(lang))


SPEED_CORRECTIONS = (
    Correction(
        source="004 code 4",
        claim=T("The SST-2 example maps tokenizer(examples['text'], truncation=True, padding='max_length') over the "
                "dataset and hands the result to the Trainer, as working fine-tuning code.",
                "SST-2 示例用 tokenizer(examples['text'], truncation=True, padding='max_length') 处理整个数据集，"
                "再交给 Trainer，并把它当作可以运行的微调代码。"),
        right=T("It cannot run as written: `tokenizer` is never created (it needs AutoTokenizer.from_pretrained with "
                "the model's name) and SST-2's text column is `sentence`, not `text`. Once fixed, padding='max_length' "
                "pads every example to the tokenizer's maximum (512 tokens for BERT), so most of the compute goes into "
                "padding. Tokenize without padding and let DataCollatorWithPadding pad each batch to its own longest "
                "example, as the workbench does.",
                "照原样它跑不起来：`tokenizer` 从未创建（需要用模型名调用 AutoTokenizer.from_pretrained），而且 SST-2 的"
                "文本列叫 `sentence`，不叫 `text`。即便改好，padding='max_length' 也会把每个样本都填充到分词器的最大"
                "长度（BERT 是 512 个词元），大部分算力都耗在填充上。正确做法是分词时不填充，由 "
                "DataCollatorWithPadding 把每个批次填充到本批最长样本的长度，工作台就是这样做的。"),
        demo=_sst2_example_demo, verdict=_sst2_example_verdict),
    Correction(
        source="003 #6 / #21",
        claim=T("Mixed-precision training speeds training up by combining floating-point with integer arithmetic.",
                "混合精度训练是把浮点数和整数运算结合起来，从而加快训练。"),
        right=T("Mixed precision mixes two floating-point formats: matrix multiplications and most activations run in "
                "16-bit floats (fp16 or bf16), while the master weights, the optimizer state and precision-sensitive "
                "steps such as the loss stay in 32-bit floats. fp16 also needs loss scaling so that small gradients do "
                "not underflow; bf16 keeps fp32's exponent range and does not. Integer arithmetic is quantisation, "
                "which is mainly used for inference.",
                "混合精度混合的是两种浮点格式：矩阵乘法和大部分激活值用 16 位浮点（fp16 或 bf16）计算，而主权重、"
                "优化器状态以及损失这类对精度敏感的步骤仍保持 32 位浮点。fp16 还需要损失缩放，防止很小的梯度下溢；"
                "bf16 的指数范围与 fp32 相同，不需要这一步。整数运算属于量化，主要用于推理。"),
        demo=probes.autocast_dtypes, verdict=_mixed_precision_verdict),
)


TRAIN_5 = Lesson(
    id="train.5", topic="train", sources="001 #4, 003 #6, #21",
    title=T("Making training faster", "提高训练速度"),
    question=T("How can fine-tuning be made faster: hardware, mixed precision, the data pipeline, lighter models, "
               "pruning?",
               "怎样让微调训练得更快：硬件、混合精度、数据管道、更轻的模型、剪枝？"),
    answer=T("Almost all the time goes into matrix multiplications, so the levers are doing fewer of them or doing "
             "them more cheaply. Hardware: a GPU, or a CPU with bf16 matrix units, multiplies far faster, and several "
             "devices can share the batches. Mixed precision runs the multiplications in 16-bit floats (bf16 or fp16) "
             "with fp32 master weights, which roughly halves memory traffic; fp16 also needs loss scaling. The data "
             "pipeline: tokenize once and cache the result, pad each batch only to its own longest example, and group "
             "examples of similar length, so no compute is spent on padding. Lighter models (a distilled or smaller "
             "encoder), shorter sequences, training fewer parameters and stopping early all cut the work too. For "
             "bigger models and longer inputs: gradient checkpointing keeps only some activations and recomputes the "
             "rest in the backward pass (about one extra forward pass for much less memory, so larger batches fit); "
             "fused attention kernels (PyTorch's scaled_dot_product_attention, FlashAttention) compute attention in "
             "tiles without storing the full attention matrix; DDP keeps a model copy on each GPU and averages the "
             "gradients, while FSDP also shards the weights, gradients and optimizer state so larger models fit; "
             "sequence packing concatenates short examples into full-length rows (attention kept within each example) "
             "so no token is padding. Pruning mostly speeds up inference; on dense hardware it rarely shortens "
             "training.",
             "训练时间几乎都花在矩阵乘法上，所以提速的办法要么是少做乘法，要么是把乘法做得更便宜。硬件：GPU，或者带 "
             "bf16 矩阵单元的 CPU，乘法要快得多，多个设备还可以分担批次。混合精度用 16 位浮点（bf16 或 fp16）做矩阵乘"
             "法、用 fp32 保存主权重，内存读写量大约减半；fp16 还需要损失缩放。数据管道：分词只做一次并缓存结果，每个"
             "批次只填充到本批最长样本的长度，并把长度相近的样本放进同一批，这样就不会在填充上浪费算力。更轻的模型（"
             "蒸馏过的或更小的编码器）、更短的序列、只训练一部分参数、提前停止，也都能减少计算量。模型更大、输入更长"
             "时还有：梯度检查点只保存部分激活值，反向传播时重算其余部分（约多一次前向计算，换来少得多的显存，能放下"
             "更大的批）；融合注意力内核（PyTorch 的 scaled_dot_product_attention、FlashAttention）分块计算注意力，不"
             "保存完整的注意力矩阵；DDP 在每张 GPU 上放一份模型副本并对梯度求平均，FSDP 还把权重、梯度和优化器状态切"
             "分到各张 GPU 上，从而放下更大的模型；序列打包把多个短样本拼成满长度的一行（注意力仍限制在各自样本内），"
             "不再有填充词元。剪枝主要加快推理，在稠密计算的硬件上很少能缩短训练时间。"),
    experiment=_speed_runs, takeaway=_speed_takeaway, figures=_speed_figures,
    quiz=Quiz(T("On this machine, will bf16 autocast train MiniLM faster than fp32?",
                "在这台机器上，bf16 自动混合精度训练 MiniLM 会比 fp32 快吗？"),
              {"faster": T("faster, by more than 10%", "更快，快 10% 以上"),
               "same": T("about the same (within 10%)", "差不多（相差不到 10%）"),
               "slower": T("slower, by more than 10%", "更慢，慢 10% 以上")},
              lambda o: "faster" if _bf16_ratio(o) > 1.1 else "slower" if _bf16_ratio(o) < 0.9 else "same"),
    corrections=SPEED_CORRECTIONS,
    settings={"train_examples": 400, "lr": 2e-4, "fixed_length": 128, "timing_examples": 64, "batch_size": 16},
    repeats=3,
)
