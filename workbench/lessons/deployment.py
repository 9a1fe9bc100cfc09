"""Deployment and lifecycle lessons: compressing and exporting a model, updating it with new data, attacking it.

Registered through `applications.LESSONS` (the lesson package loads topic modules by name).
"""
from __future__ import annotations

import dataclasses
import shutil

import numpy as np

from ..core.config import DEFAULT_MODEL, RunConfig
from . import figures
from .base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause
from .support import (clear_leader, sentences, finished_ids, mean_or_none, merge, pct, runner_of, verdict,
                      verdict_choice)

# ---------------------------------------------------------------- deploy.1 quantisation, pruning, ONNX

DEPLOY_LABELS = {"fp32": T("original fp32", "原始 fp32"), "int8": T("int8 dynamic quantisation", "int8 动态量化"),
                 "onnx": T("ONNX Runtime", "ONNX Runtime"), "pruned": T("magnitude pruning", "幅值剪枝")}
DEPLOY_METRICS = ("size_mb", "zipped_mb", "latency_ms", "accuracy", "agreement")


def _deploy_key(variant: str) -> str:
    return {"original fp32": "fp32", "int8 dynamic": "int8", "ONNX Runtime": "onnx"}.get(
        variant, "pruned" if variant.startswith("pruned") else variant)


def _deploy_experiment(ctx: LessonContext) -> Outcome:
    from ..core.datasets import REGISTRY
    from ..lab.deploy import compare_deployments

    s = ctx.settings
    dataset = "digits" if ctx.quick else s["dataset"]     # quick: exporting MiniLM to ONNX alone takes ~15 s
    kind = REGISTRY[dataset].kind if dataset in REGISTRY else "text"
    cfg = RunConfig.from_flat(dataset=dataset, model=DEFAULT_MODEL[kind], max_train_samples=s["train_examples"],
                              max_eval_samples=300, max_length=64, epochs=s["epochs"], eval_every=25, log_every=5,
                              save_checkpoints=False, save_model=True)
    trained = ctx.run_variants({"fp32": cfg})
    store = runner_of(ctx).store
    samples, notes = {}, {}
    for run_id in finished_ids(ctx, trained, "fp32"):
        # 2 epochs: at one (25 steps) the model stayed at the always-ham baseline, 0.870; scoring and timing are
        # trimmed instead to keep three seeds within the 2 minutes
        table = compare_deployments(run_id, sparsity=s["sparsity"], max_examples=ctx.size(200, 100),
                                    latency_examples=ctx.size(30, 20), store=store)
        for _, row in table.iterrows():
            key = _deploy_key(row["variant"])
            for metric in DEPLOY_METRICS:
                samples.setdefault(key, {}).setdefault(metric, []).append(float(row[metric]))
            notes[key] = row["note"]
    extra = {"dataset": dataset, "kind": kind, "sparsity": s["sparsity"], "notes": notes}
    return Outcome(ctx.lesson_id, samples, extra, trained.run_ids, trained.histories)


def _deploy_takeaway(outcome: Outcome, lang: str) -> str:
    m = lambda variant, metric: outcome.mean(variant, metric)  # noqa: E731
    size, lat, acc = m("fp32", "size_mb"), m("fp32", "latency_ms"), m("fp32", "accuracy")
    parts = [T(f"The fp32 model: {size:.2f} MB, {lat:.2f} ms per example, test accuracy {acc:.3f}.",
               f"原始 fp32 模型：{size:.2f} MB，每条 {lat:.2f} 毫秒，测试准确率 {acc:.3f}。")(lang)]
    if "int8" in outcome.samples:
        i_size, i_lat, i_acc = m("int8", "size_mb"), m("int8", "latency_ms"), m("int8", "accuracy")
        smaller = (T(f" ({size / i_size:.1f}x smaller)", f"（是原来的 1/{size / i_size:.1f}）")(lang)
                   if i_size < size else "")        # file sizes are exact: no ratio below 1 is printed
        parts.append(T(f"int8 dynamic quantisation: {i_size:.2f} MB{smaller}, {i_lat:.2f} ms, accuracy {i_acc:.3f}.",
                       f"int8 动态量化：{i_size:.2f} MB{smaller}，{i_lat:.2f} 毫秒，准确率 {i_acc:.3f}。")(lang))
        if verdict(outcome, "fp32", "int8", "latency_ms") == "a":
            parts.append(T("Here int8 was slower than fp32: for a model this small, quantising the activations on the "
                           "fly costs more than the int8 arithmetic saves.",
                           "这里 int8 反而比 fp32 慢：模型这么小，实时量化激活值的开销超过了 int8 运算省下的时间。")(lang))
        parts.append(_accuracy_change(outcome, "int8", lang, {
            "a": T(f"It cost {acc - i_acc:.3f} accuracy: check quantised models on held-out data before shipping them.",
                   f"它损失了 {acc - i_acc:.3f} 的准确率：量化后的模型上线前要在留出数据上检查。"),
            "tie": T("Whether it cost accuracy, this budget cannot tell: check quantised models on held-out data "
                     "before shipping them.", "它是否损失了准确率，这个预算下还分不出：量化后的模型上线前要在留出数据上检查。")}))
    if "onnx" in outcome.samples:
        parts.append(T(f"ONNX Runtime: {m('onnx', 'latency_ms'):.2f} ms per example, {m('onnx', 'agreement'):.0%} of "
                       "predictions identical to PyTorch's.",
                       f"ONNX Runtime：每条 {m('onnx', 'latency_ms'):.2f} 毫秒，{m('onnx', 'agreement'):.0%} 的预测与 "
                       "PyTorch 完全一致。")(lang))
    if "pruned" in outcome.samples:
        sparsity = outcome.extra.get("sparsity", 0.5)
        p_acc, p_zip, zip0 = m("pruned", "accuracy"), m("pruned", "zipped_mb"), m("fp32", "zipped_mb")
        parts.append(T(f"Zeroing {sparsity:.0%} of the weights: accuracy {p_acc:.3f}; the file stays "
                       f"{m('pruned', 'size_mb'):.2f} MB, {p_zip:.2f} MB compressed (fp32 compresses to "
                       f"{zip0:.2f} MB).",
                       f"把 {sparsity:.0%} 的权重置零：准确率 {p_acc:.3f}；文件仍是 {m('pruned', 'size_mb'):.2f} MB，"
                       f"压缩后 {p_zip:.2f} MB（fp32 压缩后为 {zip0:.2f} MB）。")(lang))
        parts.append(_accuracy_change(outcome, "pruned", lang, {
            "a": T("Pruning this much without retraining hurt: prune gradually while fine-tuning, or prune less.",
                   "不重新训练就剪掉这么多会伤害效果：应当边微调边逐步剪枝，或者少剪一些。"),
            "tie": T("Whether pruning cost accuracy, this budget cannot tell; either way, zeros only save space once "
                     "compressed or run on sparse kernels.",
                     "剪枝是否损失了准确率，这个预算下还分不出；无论如何，零值只有在压缩后或使用稀疏计算内核时才省空间。")}))
    fastest = _fastest(outcome)
    if fastest == "tie":
        listed = T(", ", "，")(lang).join(f"{DEPLOY_LABELS[k](lang)} {m(k, 'latency_ms'):.2f}"
                                         for k in DEPLOY_LABELS if k in outcome.samples)
        parts.append(T(f"No version was clearly fastest per example at this budget (ms: {listed}): the paired "
                       "timings over seeds do not single one out.",
                       f"在这个预算下，没有哪个版本单条明显最快（毫秒：{listed}）：按种子配对的计时分不出最快的一个。")(lang))
    else:
        parts.append(T(f"Fastest per example: {DEPLOY_LABELS[fastest].en}, clearly ahead of every other version "
                       "over the paired seeds.",
                       f"单条最快的是：{DEPLOY_LABELS[fastest].zh}，按种子配对明显快于其他所有版本。")(lang))
    if len(outcome.values("fp32", "latency_ms")) < 2:
        parts.append(T("One trained model only, so no comparison here names a winner: full mode trains one per seed "
                       "and pairs every version with its own fp32 original.",
                       "只训练了一个模型，所以这里的比较都不判定胜负：完整模式每个种子训练一个模型，把每个版本与它自己的 "
                       "fp32 原模型配对比较。")(lang))
    return sentences(parts, lang)


def _accuracy_change(outcome: Outcome, variant: str, lang: str, said: dict) -> str:
    """What compressing did to accuracy, by the paired verdict over seeds (each seed's version against that seed's
    fp32 model, on the same test examples): `said["a"]` when fp32 is clearly ahead, `said["tie"]` when this
    budget cannot tell, and a plain sentence when the compressed version is clearly ahead; with the interval."""
    paired = outcome.compare("fp32", variant, "accuracy")
    clause = interval_clause(paired, lang)
    if paired.winner == "b":
        return T(f"Its accuracy was the higher one ({clause}).", f"它的准确率反而更高（{clause}）。")(lang)
    return said["a" if paired.winner == "a" else "tie"](lang)[:-1] + T(f" ({clause}).", f"（{clause}）。")(lang)


def _fastest(outcome: Outcome) -> str:
    """The version with the lowest latency when the paired verdict over seeds puts it ahead of every other one;
    'tie' when this budget cannot single one out (always so for one seed: single timings name no winner)."""
    return clear_leader(outcome, "latency_ms", among=[k for k in DEPLOY_LABELS if k in outcome.samples]) or "tie"


def _deploy_figures(outcome: Outcome, lang: str) -> list:
    from ..analysis import plots

    keys = [k for k in DEPLOY_LABELS if k in outcome.samples]
    table = {"variant": [DEPLOY_LABELS[k](lang) for k in keys],
             **{metric: [outcome.mean(k, metric) for k in keys] for metric in ("size_mb", "latency_ms", "accuracy")}}
    return [(T("Size, latency and accuracy per variant", "各版本的大小、延迟与准确率")(lang), plots.fig_deployment(table))]


DEPLOY_1 = Lesson(
    id="deploy.1", topic="deploy", sources="003 #27",
    title=T("Deployment: quantisation, pruning and ONNX", "部署：量化、剪枝与 ONNX"),
    question=T("How do you prepare a fine-tuned model for deployment?", "如何为部署准备一个微调好的模型？"),
    answer=T("Shrink and speed up the model for the target hardware, then serve it behind an API with monitoring. "
             "Dynamic int8 quantisation stores Linear weights as 8-bit integers (about 4x smaller) and often runs "
             "faster on CPUs; pruning zeroes small weights, which saves space only once compressed or run on sparse "
             "kernels and usually needs fine-tuning afterwards; exporting to ONNX lets an optimised runtime (ONNX "
             "Runtime, TensorRT) serve the model without PyTorch. Measure every step: size, latency at the batch size "
             "you will serve, and accuracy on held-out data, since compression can cost accuracy.",
             "针对目标硬件把模型变小、变快，再通过 API 对外提供服务并加上监控。int8 动态量化把 Linear 层权重存成 8 位"
             "整数（约为原来的 1/4），在 CPU 上通常也更快；剪枝把小权重置零，只有在压缩后或使用稀疏计算内核时才真正省"
             "空间，而且通常需要之后再微调；导出为 ONNX 后，可以用优化过的推理引擎（ONNX Runtime、TensorRT）在没有 "
             "PyTorch 的环境中运行。每一步都要测量：大小、实际服务批量下的延迟，以及留出数据上的准确率，因为压缩可能"
             "损失准确率。"),
    experiment=_deploy_experiment, takeaway=_deploy_takeaway, figures=_deploy_figures,
    quiz=Quiz(T("Which version of the fine-tuned model will answer one example fastest on this CPU?",
                "在这台 CPU 上，微调好的模型哪个版本处理单条样本最快？"),
              {**DEPLOY_LABELS, "tie": T("no version clearly fastest", "没有哪个版本明显最快")}, _fastest),
    settings={"dataset": "sms_spam", "train_examples": 400, "epochs": 2, "sparsity": 0.5}, repeats=3,
)


# ---------------------------------------------------------------- deploy.2 updating a model with new data

UPDATE_LABELS = {"old": T("old model (old data only)", "旧模型（只用旧数据）"),
                 "incremental": T("incremental: old model + new data", "增量：旧模型 + 新数据"),
                 "replay": T("incremental with replay", "带回放的增量训练"),
                 "retrain": T("retrain on old + new", "用新旧数据重训")}
FLAG, OK = "flag", "ok"
QUICK_UPDATE = dict(max_steps=3, max_length=32, max_eval_samples=40)    # four runs in a row: quick mode goes lean


@dataclasses.dataclass
class UpdateData:
    """CSV files for each training set, and fixed test sets from the old and the new source."""
    files: dict
    tests: dict          # {"old"|"new": (texts, label names)}


def _flag_sample(dataset: str, flag_label: str, n_train: int, n_test: int, rng) -> tuple[list, list, list, list]:
    """Balanced train and test texts from a dataset, labelled flag (its `flag_label` class) or ok."""
    import pandas as pd

    from ..core.datasets import load_dataset

    ds = load_dataset(dataset)
    flagged = np.array([ds.label_names[y] == flag_label for y in ds.y])
    first_copy = ~pd.Series(ds.x).duplicated().to_numpy()     # a repeated text must not land in train and test
    train, test = [], []
    for mask in (flagged & first_copy, ~flagged & first_copy):
        chosen = rng.choice(np.flatnonzero(mask), n_train // 2 + n_test // 2, replace=False)
        train += list(chosen[:n_train // 2])
        test += list(chosen[n_train // 2:])
    labels = np.where(flagged, FLAG, OK)
    return [ds.x[i] for i in train], [labels[i] for i in train], [ds.x[i] for i in test], [labels[i] for i in test]


def _update_data(folder, n_train: int, n_test: int, replay_share: float, seed: int) -> UpdateData:
    """Old source: movie reviews, flag the negative ones. New source: SMS messages, flag the spam."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    old_x, old_y, old_test_x, old_test_y = _flag_sample("rotten_tomatoes", "rotten", n_train, n_test, rng)
    new_x, new_y, new_test_x, new_test_y = _flag_sample("sms_spam", "spam", n_train, n_test, rng)
    replay = rng.choice(len(old_x), int(round(replay_share * len(old_x))), replace=False)
    sets = {"old": (old_x, old_y), "new": (new_x, new_y),
            "replay": (new_x + [old_x[i] for i in replay], new_y + [old_y[i] for i in replay]),
            "all": (old_x + new_x, old_y + new_y)}
    folder.mkdir(parents=True, exist_ok=True)
    files = {}
    for name, (texts, labels) in sets.items():
        files[name] = folder / f"{name}.csv"
        pd.DataFrame({"text": texts, "label": labels}).to_csv(files[name], index=False)
    return UpdateData(files, {"old": (old_test_x, old_test_y), "new": (new_test_x, new_test_y)})


def _accuracy_on(predictor, texts: list, labels: list) -> float:
    predicted = [predictor.label_names[i] for i in predictor.predict(texts)]
    return float(np.mean([p == y for p, y in zip(predicted, labels)]))


def _update_experiment(ctx: LessonContext) -> Outcome:
    from ..core.predict import load_predictor
    from ..core.store import workbench_home

    s = ctx.settings
    store = runner_of(ctx).store
    n_train, n_test = ctx.size(s["examples_per_source"], 48), ctx.size(s["test_per_source"], 40)

    def run(data, **options) -> RunConfig:
        return RunConfig.from_flat(dataset=str(data), max_length=64, epochs=s["epochs"], lr=s["lr"], val_fraction=0.1,
                                   test_fraction=0.1, max_eval_samples=100, eval_every=10, log_every=5,
                                   save_checkpoints=False, save_model=True, **options)

    parts = []
    for seed in ctx.seeds:
        seed_ctx = dataclasses.replace(ctx, seeds=(seed,))
        folder = workbench_home() / "lessons" / "data" / ctx.lesson_id / f"seed{seed}-{n_train}-{n_test}"
        data = _update_data(folder, n_train, n_test, s["replay_share"], seed)
        first = seed_ctx.run_variants({"old": run(data.files["old"])}, **QUICK_UPDATE)
        start = str(store.model_folder(finished_ids(ctx, first, "old")[0]))   # a run's saved model as the start
        updates = {"incremental": run(data.files["new"], model=start), "replay": run(data.files["replay"], model=start),
                   "retrain": run(data.files["all"])}
        if ctx.quick:           # the replay run only differs in its data; quick mode leaves it out
            del updates["replay"]
        rest = seed_ctx.run_variants(updates, **QUICK_UPDATE)
        for part in (first, rest):
            for variant in part.variants:
                run_id = finished_ids(ctx, part, variant)[0]
                predictor = load_predictor(run_id, store)
                scores = {f"{source}_accuracy": _accuracy_on(predictor, *data.tests[source]) for source in data.tests}
                scores["both_accuracy"] = (scores["old_accuracy"] + scores["new_accuracy"]) / 2
                part.samples[variant].update({k: [v] for k, v in scores.items()})
            parts.append(part)
        for part in (first, rest):          # the weights served this lesson only; its runs keep their metrics
            for ids in part.run_ids.values():
                shutil.rmtree(store.model_folder(ids[0]), ignore_errors=True)
    extra = {"replay_share": s["replay_share"], "examples_per_source": n_train, "test_per_source": n_test}
    return merge(ctx.lesson_id, parts, extra)


def _update_takeaway(outcome: Outcome, lang: str) -> str:
    m = lambda variant, metric: outcome.mean(variant, metric)  # noqa: E731
    old_o, old_n = m("old", "old_accuracy"), m("old", "new_accuracy")
    inc_o, inc_n = m("incremental", "old_accuracy"), m("incremental", "new_accuracy")
    parts = [T(f"Before the update the model scored {old_o:.3f} on old data (reviews) and {old_n:.3f} on new data "
               f"(SMS). Fine-tuning it on the new data alone took new-data accuracy to {inc_n:.3f}, and old-data "
               f"accuracy went from {old_o:.3f} to {inc_o:.3f}.",
               f"更新前，模型在旧数据（影评）上得 {old_o:.3f}，在新数据（短信）上得 {old_n:.3f}。只用新数据继续微调后，"
               f"新数据准确率升到 {inc_n:.3f}，旧数据准确率从 {old_o:.3f} 变为 {inc_o:.3f}。")(lang)]
    forgetting = old_o - inc_o
    clause = interval_clause(outcome.compare("incremental", "old", "old_accuracy"), lang)
    change = _forgetting_choice(outcome)      # the quiz's grade: drops, holds (cannot tell) or rises
    if change == "drops":
        parts.append(T(f"That drop of {forgetting:.3f} is catastrophic forgetting ({clause}): the update overwrote "
                       "what the old data had taught.",
                       f"下降的 {forgetting:.3f} 就是灾难性遗忘（{clause}）：这次更新覆盖了旧数据教会模型的东西。")(lang))
    elif change == "rises":
        parts.append(T(f"Old-data accuracy rose by {-forgetting:.3f} ({clause}): no forgetting with this much new data "
                       "and training.",
                       f"旧数据准确率反而升高了 {-forgetting:.3f}（{clause}）：在这样的新数据量和训练量下没有遗忘。")(lang))
    else:
        parts.append(T(f"Old-data accuracy changed by {-forgetting:+.3f} ({clause}): whether the update forgot "
                       "anything, this budget cannot tell.",
                       f"旧数据准确率变化了 {-forgetting:+.3f}（{clause}）：这次更新是否造成遗忘，这个预算下还分不出。")(lang))
    share = outcome.extra.get("replay_share", 0.5)
    for variant, text in (("replay", T(f"Mixing {share:.0%} of the old training data into the update (replay)",
                                       f"在更新时混入 {share:.0%} 的旧训练数据（回放）")),
                          ("retrain", T("Retraining from the pretrained start on old and new data",
                                        "从预训练模型出发，用新旧数据一起重新训练"))):
        if variant in outcome.samples:
            parts.append(text(lang) + T(f" gave {m(variant, 'old_accuracy'):.3f} on old and "
                                        f"{m(variant, 'new_accuracy'):.3f} on new data.",
                                        f"，旧数据得 {m(variant, 'old_accuracy'):.3f}，新数据得 "
                                        f"{m(variant, 'new_accuracy'):.3f}。")(lang))
    candidates = [v for v in ("incremental", "replay", "retrain") if v in outcome.samples]
    best = outcome.best("both_accuracy", candidates)
    runner_up = max((v for v in candidates if v != best), key=lambda v: m(v, "both_accuracy"))
    parts.append(T("On both sources together: ", "新旧数据合起来看：")(lang)
                 + compare_takeaway(outcome, best, runner_up, "both_accuracy", lang, UPDATE_LABELS))
    t_inc, t_ret = (mean_or_none(outcome, v, "train_seconds") for v in ("incremental", "retrain"))
    if t_inc and t_ret:
        parts.append(T(f"Training time: {t_inc:.0f} s for the incremental update, {t_ret:.0f} s to retrain.",
                       f"训练时间：增量更新 {t_inc:.0f} 秒，重训 {t_ret:.0f} 秒。")(lang))
        if verdict(outcome, "incremental", "retrain", "train_seconds") == "a":
            parts.append(T("Retraining costs grow with all the data ever collected; incremental updates stay cheap.",
                           "重训的成本随累积的全部数据不断增长，而增量更新始终便宜。")(lang))
        else:
            parts.append(T("The paired timings over seeds do not show the incremental update as clearly quicker at "
                           "this budget.", "按种子配对的计时在这个预算下并没有显示增量更新明显更快。")(lang))
    return sentences(parts, lang)


def _update_figures(outcome: Outcome, lang: str) -> list:
    return [(T("Accuracy on the old data (reviews)", "旧数据（影评）上的准确率")(lang),
             figures.metric_bars(outcome, "old_accuracy", lang, UPDATE_LABELS)),
            (T("Accuracy on the new data (SMS)", "新数据（短信）上的准确率")(lang),
             figures.metric_bars(outcome, "new_accuracy", lang, UPDATE_LABELS))]


_forgetting_choice = verdict_choice("incremental", "old", "old_accuracy", {"a": "rises", "b": "drops", "tie": "holds"})


DEPLOY_2 = Lesson(
    id="deploy.2", topic="deploy", sources="003 #28",
    title=T("Updating a model with new data", "用新数据更新模型"),
    question=T("New data keeps arriving: should you fine-tune the current model on it, or retrain?",
               "新数据不断到来：应该在现有模型上继续微调，还是重新训练？"),
    answer=T("Continuing to fine-tune the current model on the new data alone is cheap, but it can forget what the old "
             "data taught (catastrophic forgetting), especially when the new data looks different. Retraining from "
             "the pretrained start on old and new data together is reliable, but its cost grows with all the data "
             "collected. A middle way is incremental training with replay: mix a sample of old examples into each "
             "update. Whichever you choose, keep fixed test sets from the old and the new data and compare the "
             "candidate with the current model before replacing it.",
             "只用新数据在现有模型上继续微调成本低，但可能忘掉旧数据教会的东西（灾难性遗忘），新数据与旧数据差别越大"
             "越明显。从预训练模型出发用新旧数据一起重新训练更可靠，但成本会随累积的数据量不断增长。折中的办法是带回放"
             "的增量训练：每次更新时混入一部分旧样本。无论选哪种，都要为新旧数据各保留固定的测试集，在替换线上模型"
             "之前把候选模型和现有模型比一比。"),
    experiment=_update_experiment, takeaway=_update_takeaway, figures=_update_figures,
    quiz=Quiz(T("A review classifier (flag negative reviews) is fine-tuned further on SMS data only (flag spam). What "
                "happens to its accuracy on reviews?",
                "一个影评分类器（标记差评）只用短信数据（标记垃圾短信）继续微调。它在影评上的准确率会怎样？"),
              {"drops": T("it clearly drops", "明显下降"), "holds": NO_CLEAR_DIFFERENCE,
               "rises": T("it clearly rises", "明显上升")},
              _forgetting_choice),
    settings={"examples_per_source": 240, "test_per_source": 120, "epochs": 2, "lr": 1e-4, "replay_share": 0.5},
    repeats=3,
)


# ---------------------------------------------------------------- deploy.3 adversarial text

LEET = {"o": "0", "i": "1", "e": "3", "a": "@", "s": "$", "l": "1"}
# Two fine-tuned models under the same attack: (dataset, the only true label whose examples are attacked or None).
ATTACK_TARGETS = {"sentiment": ("rotten_tomatoes", None), "spam": ("sms_spam", "spam")}
ATTACK_KINDS = {"targeted": T("most important words", "最重要的词"), "random": T("random words", "随机的词")}
ATTACK_MODELS = {"sentiment": T("review sentiment model", "影评情感模型"), "spam": T("spam filter", "垃圾短信过滤器")}
ATTACK_LABELS = {f"{model}_{kind}": T(f"{m.en}: {k.en}", f"{m.zh}：{k.zh}")
                 for model, m in ATTACK_MODELS.items() for kind, k in ATTACK_KINDS.items()}
SENTIMENT_ATTACKS = {"sentiment_targeted": T("misspelling the most important words", "拼错最重要的词"),
                     "sentiment_random": T("misspelling random words", "随机拼错词")}


def misspell(word: str) -> str:
    """A spammer's edit: the first letter with a look-alike digit or symbol swapped in (o->0, e->3, a->@ ...), or
    else two inner letters swapped, or a hyphen inserted; words of one character stay as they are."""
    for i, ch in enumerate(word):
        if ch.lower() in LEET:
            return word[:i] + LEET[ch.lower()] + word[i + 1:]
    if len(word) >= 4:
        return word[0] + word[2] + word[1] + word[3:]
    return word if len(word) < 2 else word[:1] + "-" + word[1:]


def word_importance(predictor, text: str, target: int) -> np.ndarray:
    """Leave-one-out: how much the probability of `target` falls when each word is removed."""
    words = text.split()
    without = [" ".join(words[:i] + words[i + 1:]) for i in range(len(words))]
    probs = predictor.predict_proba([text] + without)[:, target]
    return probs[0] - probs[1:]


def _with_misspelled(words: list[str], positions) -> str:
    chosen = set(positions)
    return " ".join(misspell(w) if i in chosen else w for i, w in enumerate(words))


def attack(predictor, texts: list[str], budget: int, seed: int) -> dict:
    """How often the prediction changes after misspelling 1..budget words per text, the most important words first
    or random ones; also the first few successful targeted edits."""
    rng = np.random.default_rng(seed)
    targets = predictor.predict(texts)
    edited = {"targeted": [], "random": []}
    for text, target in zip(texts, targets):
        words = text.split()
        editable = [i for i, w in enumerate(words) if misspell(w) != w]
        importance = word_importance(predictor, text, int(target))
        ranked = sorted(editable, key=lambda i: -importance[i])
        shuffled = list(rng.permutation(editable))
        for b in range(1, budget + 1):
            edited["targeted"].append(_with_misspelled(words, ranked[:b]))
            edited["random"].append(_with_misspelled(words, shuffled[:b]))
    result, examples = {}, []
    for kind, perturbed in edited.items():
        flipped = predictor.predict(perturbed).reshape(len(texts), budget) != targets[:, None]
        result[kind] = flipped.mean(axis=0).tolist()
        if kind == "targeted":
            examples = [{"original": texts[i], "edited": perturbed[i * budget + budget - 1]}
                        for i in np.flatnonzero(flipped[:, -1])[:3]]
    return {**result, "examples": examples}


def _attack_experiment(ctx: LessonContext) -> Outcome:
    from ..lab.deploy import stored_test_examples
    from ..core.predict import load_predictor

    s = ctx.settings
    targets = {"sentiment": ATTACK_TARGETS["sentiment"]} if ctx.quick else ATTACK_TARGETS   # quick: one model
    configs = {model: RunConfig.from_flat(dataset=dataset, max_length=64, max_train_samples=s["train_examples"],
                                          max_eval_samples=200, epochs=s["epochs"], lr=s["lr"], eval_every=25,
                                          log_every=5, save_checkpoints=False, save_model=True)
               for model, (dataset, _) in targets.items()}
    trained = ctx.run_variants(configs, max_eval_samples=60)
    store = runner_of(ctx).store
    samples, curves = {}, {}
    extra = {"budget": s["budget"], "attacked": {}, "all_correct": {}, "examples": {}}
    for model, (_, only_label) in targets.items():
        for seed, run_id in zip(ctx.seeds, finished_ids(ctx, trained, model)):
            predictor = load_predictor(run_id, store)
            texts, labels = stored_test_examples(run_id, None, store)
            wanted = set(range(len(predictor.label_names))) if only_label is None else {
                predictor.label_names.index(only_label)}
            right = [t for t, y, p in zip(texts, labels, predictor.predict(texts)) if y == p and y in wanted]
            # An undertrained model (quick mode) may get none right: then measure how often edits change its answer.
            attacked = (right or [t for t, y in zip(texts, labels) if y in wanted])[:ctx.size(s["examples"], 4)]
            result = attack(predictor, attacked, s["budget"], seed)
            for kind in ATTACK_KINDS:
                samples.setdefault(f"{model}_{kind}", {"attack_success": []})["attack_success"].append(result[kind][-1])
                curves.setdefault(f"{model}_{kind}", []).append(result[kind])
            extra["attacked"][model] = extra["attacked"].get(model, 0) + len(attacked)
            extra["all_correct"][model] = extra["all_correct"].get(model, True) and bool(right)
            extra["examples"][model] = extra["examples"].get(model) or result["examples"]
    extra["curves"] = {variant: np.mean(rows, axis=0).tolist() for variant, rows in curves.items()}
    return Outcome(ctx.lesson_id, samples, extra, {f"{m}_targeted": ids for m, ids in trained.run_ids.items()},
                   {f"{m}_targeted": rows for m, rows in trained.histories.items()})


def _attack_takeaway(outcome: Outcome, lang: str) -> str:
    budget = outcome.extra.get("budget", 3)
    parts = []
    for model, what in (("sentiment", T("correctly classified reviews", "条判断正确的影评")),
                        ("spam", T("correctly caught spam messages", "条原本被拦下的垃圾短信"))):
        if f"{model}_targeted" not in outcome.samples:
            continue
        n = outcome.extra.get("attacked", {}).get(model, "?")
        hit, rand = (outcome.mean(f"{model}_{kind}", "attack_success") for kind in ("targeted", "random"))
        parts.append(T(f"{ATTACK_MODELS[model].en.capitalize()}: misspelling the {budget} words it relies on most "
                       f"(found by leave-one-out) changed its verdict on {pct(hit)} of {n} {what.en}; misspelling "
                       f"{budget} random words, {pct(rand)}.",
                       f"{ATTACK_MODELS[model].zh}：把它最依赖的 {budget} 个词（用逐词删除法找出）拼错后，{n} {what.zh}"
                       f"中有 {pct(hit)} 的判断被改变；随机拼错 {budget} 个词时为 {pct(rand)}。")(lang))
        if not outcome.extra.get("all_correct", {}).get(model, True):
            parts.append(T("In some runs it got none of these right (too little training, as in quick mode), so there "
                           "the rate shows how often edits changed its answer at all.",
                           "部分运行中它一条都没判断对（训练太少，比如快速模式），所以那里的比例只表示改写有多常改变它的"
                           "判断。")(lang))
    parts.append(compare_takeaway(outcome, "sentiment_targeted", "sentiment_random", "attack_success", lang,
                                  SENTIMENT_ATTACKS))
    hit = outcome.mean("sentiment_targeted", "attack_success")
    if hit >= 0.3:
        parts.append(T("The sentiment model leans on a few words, and an attacker who can query it finds them. "
                       "Defences: map look-alike characters back and spell-check before classifying, train on "
                       "perturbed examples (adversarial training), and limit and log who can query the model.",
                       "情感模型依赖少数几个词，能调用模型的攻击者就能把它们找出来。防御办法：分类前把形近字符还原并做拼写"
                       "纠正，用扰动样本做对抗训练，并限制、记录谁能调用模型。")(lang))
    else:
        parts.append(T("Few verdicts flipped at this budget: raise it to find where the model breaks.",
                       "在这个预算下被翻转的判断很少：提高预算，看看模型在哪里失守。")(lang))
    if "spam_targeted" in outcome.samples:
        spam = outcome.mean("spam_targeted", "attack_success")
        if hit - spam > 0.1 and verdict(outcome, "sentiment_targeted", "spam_targeted", "attack_success") == "a":
            parts.append(T("The spam filter held up far better: spam carries many redundant cues at once (phone "
                           "numbers, prices, calls to action), so a few edits leave plenty to catch, while a review's "
                           "verdict often hangs on one or two words.",
                           "垃圾短信过滤器要稳健得多：垃圾短信同时带有许多重复的线索（电话号码、金额、行动号召），改几个词"
                           "后仍有大量线索可抓；而影评的判断常常只取决于一两个词。")(lang))
        else:
            parts.append(T("The spam filter was no harder to fool than the sentiment model here.",
                           "这里垃圾短信过滤器并不比情感模型更难骗。")(lang))
    examples = [e for model in ("sentiment", "spam") for e in (outcome.extra.get("examples") or {}).get(model, [])]
    if examples:
        parts.append(T(f"Example: “{examples[0]['original'][:80]}” → “{examples[0]['edited'][:80]}”",
                       f"例子：“{examples[0]['original'][:80]}” → “{examples[0]['edited'][:80]}”")(lang))
    return sentences(parts, lang)


def _attack_figures(outcome: Outcome, lang: str) -> list:
    from ..analysis import plots

    curves = outcome.extra.get("curves") or {}
    means = {f"{ATTACK_LABELS[variant](lang)} · {b}": rate for variant, rates in curves.items()
             for b, rate in enumerate(rates, start=1)}
    out = figures.standard("attack_success", ATTACK_LABELS, with_curves=False)(outcome, lang)
    if means:
        out.append((T("Success rate by number of words misspelled", "按拼错的词数统计的成功率")(lang),
                    plots.fig_variant_bars(means, y_title=T("attack success rate", "攻击成功率")(lang))))
    return out


def _attack_choice(outcome: Outcome) -> str:
    hit = outcome.mean("sentiment_targeted", "attack_success")
    return "few" if hit < 0.2 else "some" if hit <= 0.6 else "most"


DEPLOY_3 = Lesson(
    id="deploy.3", topic="deploy", sources="003 #29",
    title=T("Model security: adversarial text", "模型安全：对抗文本"),
    question=T("How do you protect a fine-tuned model against attacks, and how robust is it really?",
               "如何保护微调后的模型不受攻击？它实际上有多稳健？"),
    answer=T("Threats include adversarial inputs (small edits that flip a prediction, such as misspelled spam words), "
             "poisoned training data, model theft through the API, and leakage of training data. Defences: "
             "authentication, access control and rate limits on the API; input normalisation and validation; "
             "adversarial training on perturbed examples; monitoring of inputs and predictions; and, for private "
             "data, differential privacy or federated training. Test robustness the way an attacker would: perturb "
             "the words the model relies on most and measure how often the prediction flips.",
             "威胁包括对抗输入（让预测翻转的小改动，比如把垃圾短信里的词拼错）、被投毒的训练数据、通过 API 窃取模型，"
             "以及训练数据泄露。防御手段：API 的身份认证、访问控制和调用频率限制；输入的规范化与校验；用扰动样本做"
             "对抗训练；监控输入和预测；涉及隐私数据时使用差分隐私或联邦训练。检验稳健性要像攻击者那样做：改动模型"
             "最依赖的词，测量预测被翻转的频率。"),
    experiment=_attack_experiment, takeaway=_attack_takeaway, figures=_attack_figures,
    quiz=Quiz(T("Misspell the {budget} words a fine-tuned review-sentiment model relies on most: how many of its "
                "correct verdicts flip?", "把微调后的影评情感模型最依赖的 {budget} 个词拼错：它原本正确的判断有多少会被翻转？"),
              {"few": T("under 20%", "不到 20%"), "some": T("20% to 60%", "20% 到 60%"),
               "most": T("over 60%", "超过 60%")},
              _attack_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "examples": 40, "budget": 3}, repeats=3,
)

LESSONS = [DEPLOY_1, DEPLOY_2, DEPLOY_3]
