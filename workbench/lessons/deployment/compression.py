"""Deployment lesson (deploy.1): MiniLM fine-tuned on SMS spam (the digits MLP in quick mode) against its int8 dynamic
quantisation, ONNX Runtime export and magnitude pruning: file and zipped size, latency, accuracy and agreement."""
from __future__ import annotations

from ...core.config import DEFAULT_MODEL, RunConfig
from ..base import Lesson, LessonContext, Outcome, Quiz, T, interval_clause
from ..support import clear_leader, finished_ids, runner_of, sentences, verdict

# ---------------------------------------------------------------- deploy.1 quantisation, pruning, ONNX

DEPLOY_LABELS = {"fp32": T("original fp32", "原始 fp32"), "int8": T("int8 dynamic quantisation", "int8 动态量化"),
                 "onnx": T("ONNX Runtime", "ONNX Runtime"), "pruned": T("magnitude pruning", "幅值剪枝")}
DEPLOY_METRICS = ("size_mb", "zipped_mb", "latency_ms", "accuracy", "agreement")


def _deploy_key(variant: str) -> str:
    return {"original fp32": "fp32", "int8 dynamic": "int8", "ONNX Runtime": "onnx"}.get(
        variant, "pruned" if variant.startswith("pruned") else variant)


def _deploy_experiment(ctx: LessonContext) -> Outcome:
    from ...core.datasets import REGISTRY
    from ...lab.deploy import compare_deployments

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
    from ...analysis import plots

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
