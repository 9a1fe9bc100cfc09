"""Concept lesson on fine-tuning strategies (concept.5): MiniLM on Rotten Tomatoes with full, frozen (head only),
last-2-layers, gradual unfreezing, discriminative rates and LoRA, by accuracy, trainable parameters and time; two
correction demos: a head frozen before training, and parameter counts of full, LoRA and from-scratch training."""
from __future__ import annotations

from ...core.config import RunConfig
from ..base import Correction, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, ranking_takeaway
from ..support import clear_leader, verdict
from .common import QUICK_SCORING, SENTIMENT, bar_figures, gap_points, space

# ---------------------------------------------------------------- concept.5

STRATEGY_LABELS = {"full": T("full fine-tuning", "全量微调"), "frozen": T("frozen backbone (head only)", "冻结主干（只训练头）"),
                   "last_n": T("last 2 layers + head", "最后 2 层 + 头"), "gradual": T("gradual unfreezing", "逐层解冻"),
                   "discriminative": T("discriminative learning rates", "分层学习率"),
                   "lora": T("LoRA adapters", "LoRA 适配器")}


def _strategies(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    # six strategies x three seeds: score once per epoch on 300 examples to keep the lesson short
    full = RunConfig.from_flat(**{**SENTIMENT, "max_eval_samples": 300}, max_train_samples=s["train_examples"],
                               epochs=s["epochs"], lr=s["lr"], log_every=5)
    return ctx.run_variants({
        "full": full, "frozen": full.replace(strategy="frozen", lr=s["head_lr"]),
        "last_n": full.replace(strategy="last_n", trainable_layers=2), "gradual": full.replace(strategy="gradual"),
        "discriminative": full.replace(strategy="discriminative"),
        "lora": full.replace(strategy="lora", lr=s["lora_lr"])},
        **QUICK_SCORING)


def _strategies_takeaway(outcome: Outcome, lang: str) -> str:
    text = ranking_takeaway(outcome, "accuracy", lang, STRATEGY_LABELS)
    best = outcome.best("accuracy")
    if best != "frozen":
        text += space(lang) + compare_takeaway(outcome, best, "frozen", "accuracy", lang, STRATEGY_LABELS)
    params = {v: outcome.mean(v, "trainable_parameters") for v in ("full", "lora", "frozen")
              if outcome.values(v, "trainable_parameters")}
    if "full" in params and "lora" in params:
        share, lora_gap = params["lora"] / params["full"], gap_points(outcome, "full", "lora")
        text += T(f" LoRA trained {params['lora']:,.0f} parameters ({share:.1%} of full fine-tuning's "
                  f"{params['full']:,.0f}) and ",
                  f"LoRA 只训练了 {params['lora']:,.0f} 个参数（全量微调 {params['full']:,.0f} 个的 {share:.1%}），")(lang)
        winner = verdict(outcome, "full", "lora", "accuracy")
        if winner == "tie":
            text += T(f"could not be told apart from it at this budget (mean gap {abs(lora_gap):.1f} points).",
                      f"在这个预算下准确率与全量微调分不出高下（平均相差 {abs(lora_gap):.1f} 个百分点）。")(lang)
        elif winner == "a":
            text += T(f"fell {lora_gap:.1f} points short; adapters often need more steps or a larger rank to catch up.",
                      f"准确率低了 {lora_gap:.1f} 个百分点；适配器往往需要更多训练步数或更大的秩才能追上。")(lang)
        else:
            text += T(f"beat it by {-lora_gap:.1f} points, likely because fewer trainable weights overfit less on so "
                      "few examples.", f"反而高出 {-lora_gap:.1f} 个百分点，可能是可训练参数少，在这么少的样本上不易过拟合。")(lang)
    times = {v: outcome.mean(v, "train_seconds") for v in outcome.variants if outcome.values(v, "train_seconds")}
    if times:
        fastest, slowest = min(times, key=times.get), max(times, key=times.get)
        text += T(f" Training time ran from {times[fastest]:.1f} s ({STRATEGY_LABELS[fastest].en}) to "
                  f"{times[slowest]:.1f} s ({STRATEGY_LABELS[slowest].en}).",
                  f"训练时间从 {times[fastest]:.1f} 秒（{STRATEGY_LABELS[fastest].zh}）到 {times[slowest]:.1f} 秒"
                  f"（{STRATEGY_LABELS[slowest].zh}）不等。")(lang)
    return text


def _strategy_choice(outcome: Outcome) -> str:
    """The best strategy by mean when the paired verdict puts it ahead of every strategy outside its choice (the
    three layer-wise ones share a choice), else 'tie': this budget cannot single one out."""
    group = lambda v: v if v in ("full", "frozen", "lora") else "layerwise"  # noqa: E731
    return clear_leader(outcome, "accuracy", group=group) or "tie"


# The source's code (002 code 3) freezes every parameter and then hands the (frozen) head to the optimizer.
def _frozen_head_demo() -> dict:
    import torch
    from torch import nn

    from ...core.datasets import load_dataset
    from ...core.models import TabularMLP

    ds = load_dataset("wine")
    x, y = torch.tensor(ds.x), torch.tensor(ds.y)
    torch.manual_seed(0)
    model = TabularMLP(x.shape[1], len(ds.label_names), hidden_sizes=(16,))
    model.fit_scaler(ds.x)
    for p in model.parameters():                       # as in the source: freeze everything ...
        p.requires_grad = False
    torch.optim.Adam(model.head.parameters(), lr=1e-2)   # ... then optimise the head, which is frozen too
    error = None
    try:
        nn.functional.cross_entropy(model(x)["logits"], y).backward()
    except RuntimeError as err:
        error = str(err).splitlines()[0]
    model.head = nn.Linear(model.head.in_features, len(ds.label_names))   # the fix: a new head after freezing
    backbone = [p.clone() for p in model.layers.parameters()]
    optimizer = torch.optim.Adam(model.head.parameters(), lr=1e-2)
    losses = []
    for _ in range(30):
        optimizer.zero_grad()
        loss = nn.functional.cross_entropy(model(x)["logits"], y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return {"error": error, "loss_first": losses[0], "loss_last": losses[-1], "steps": len(losses),
            "backbone_changed": any(not torch.equal(a, b) for a, b in zip(backbone, model.layers.parameters())),
            "trainable": sum(p.numel() for p in model.parameters() if p.requires_grad)}


def _frozen_head_verdict(v: dict, lang: str) -> str:
    if v["error"]:
        head = T(f"Reproduced: with every parameter frozen, backward() fails with \"{v['error']}\". ",
                 f"已复现：所有参数都被冻结后，backward() 报错“{v['error']}”。")(lang)
    else:
        head = T("No error this time, yet nothing could learn: every parameter was frozen. ",
                 "这次没有报错，但所有参数都被冻结了，模型什么也学不到。")(lang)
    fell = v["loss_last"] < v["loss_first"]
    return head + T(f"With a new head created after freezing, {v['trainable']} head parameters trained and the loss "
                    f"went from {v['loss_first']:.3f} to {v['loss_last']:.3f} in {v['steps']} steps"
                    f"{'' if fell else ' (it did not fall: check the learning rate)'}, while the frozen layers "
                    f"{'changed, which they should not have' if v['backbone_changed'] else 'stayed as they were'}.",
                    f"冻结之后再新建分类头，{v['trainable']} 个分类头参数参与训练，{v['steps']} 步内损失从 "
                    f"{v['loss_first']:.3f} 变为 {v['loss_last']:.3f}{'' if fell else '（没有下降：请检查学习率）'}，"
                    f"而被冻结的层{'发生了变化，这不应该发生' if v['backbone_changed'] else '完全没有变化'}。")(lang)


def _word_embeddings(module):
    return next(m for name, m in module.named_modules() if name.endswith("word_embeddings")).weight


def _adapter_demo() -> dict:
    import torch

    from ...core.config import ModelConfig
    from ...core.models import apply_strategy, build_model, parameter_counts

    counts, kept = {}, {}
    reference = None
    for name, cfg in (("full", ModelConfig(freeze_embeddings=False)), ("lora", ModelConfig(strategy="lora")),
                      ("scratch", ModelConfig(pretrained=False))):
        built = apply_strategy(build_model(cfg, 2, "text"), cfg)
        counts[name] = parameter_counts(built.module)
        weights = _word_embeddings(built.module).detach()
        reference = weights if reference is None else reference
        kept[name] = bool(torch.equal(weights, reference))
    return {"full": counts["full"]["trainable"], "lora": counts["lora"]["trainable"],
            "scratch": counts["scratch"]["trainable"], "total": counts["full"]["total"],
            "lora_share": counts["lora"]["trainable_share"], "scratch_keeps_pretrained": kept["scratch"],
            "lora_keeps_pretrained": kept["lora"]}


def _adapter_verdict(v: dict, lang: str) -> str:
    yes_no = lambda flag: T("yes" if flag else "no", "是" if flag else "否")(lang)  # noqa: E731
    return T(f"Counted on MiniLM: full fine-tuning trains {v['full']:,} parameters, starting from the pretrained "
             f"weights. Training from scratch trains {v['scratch']:,}, but from random values (starts from the "
             f"pretrained word embeddings: {yes_no(v['scratch_keeps_pretrained'])}). LoRA keeps every pretrained "
             f"weight (unchanged at the start: {yes_no(v['lora_keeps_pretrained'])}) frozen and trains only {v['lora']:,} "
             f"({v['lora_share']:.2%}) in small adapter matrices and the head. Adapters are the opposite of training "
             "from scratch.",
             f"在 MiniLM 上实际统计：全量微调训练 {v['full']:,} 个参数，从预训练权重出发。从零训练同样训练 "
             f"{v['scratch']:,} 个参数，但从随机值出发（是否从预训练词向量出发：{yes_no(v['scratch_keeps_pretrained'])}）。"
             f"LoRA 把所有预训练权重冻结（开始时是否与预训练一致：{yes_no(v['lora_keeps_pretrained'])}），只训练小型适配器"
             f"矩阵和分类头中的 {v['lora']:,} 个参数（{v['lora_share']:.2%}）。适配器方法与从零训练恰恰相反。")(lang)


CONCEPT_5 = Lesson(
    id="concept.5", topic="concept", sources="004 #3",
    title=T("Fine-tuning strategies", "微调策略"),
    question=T("What fine-tuning strategies are there, and how do they trade accuracy against cost?",
               "常见的微调策略有哪些？它们如何在准确率与开销之间权衡？"),
    answer=T("Full fine-tuning updates every weight: usually the most accurate, and the most memory and storage per "
             "task. A frozen backbone trains only the new head (a linear probe): cheap, but the features cannot "
             "adapt. Between them, training only the last few layers, unfreezing layers gradually from the top, or "
             "giving lower layers smaller learning rates (discriminative rates) protect the general features while "
             "letting the top adapt. Parameter-efficient methods freeze the pretrained weights and train a small "
             "add-on: adapters (small bottleneck layers inserted in each block), prefix or prompt tuning (trainable "
             "vectors prepended to each layer's keys and values, or to the input), BitFit (biases only), or LoRA, "
             "which adds a low-rank update BA of rank r beside chosen weight matrices, scaled by alpha/r. Each task "
             "then stores only a few hundred thousand parameters. QLoRA keeps the frozen base in 4-bit NF4 and trains "
             "LoRA on top, so large models fit on one GPU; after training, the LoRA update can be merged into the "
             "weights (W + (alpha/r)BA), so inference costs nothing extra. Head-only and LoRA runs use larger "
             "learning rates here, as they usually need.",
             "全量微调更新所有权重：通常最准，但每个任务占用的显存和存储也最多。冻结主干只训练新的分类头（即线性探针"
             "）：开销小，但特征本身无法适配。介于两者之间的做法有：只训练最后几层、从顶层开始逐层解冻，或给较低的层"
             "更小的学习率（分层学习率），在保护通用特征的同时让顶层适配任务。参数高效方法冻结预训练权重，只训练一小"
             "部分附加参数：Adapter（在每个模块中插入的小型瓶颈层）、前缀微调和提示微调（在各层注意力的键和值前、或在"
             "输入前拼接可训练向量）、BitFit（只训练偏置），以及 LoRA：在选定的权重矩阵旁加一个秩为 r 的低秩更新 BA，"
             "并按 alpha/r 缩放。每个任务只需保存几十万个参数。QLoRA 把冻结的基座模型以 4 位 NF4 格式存放，在其上训练"
             " LoRA，让大模型也能在单张 GPU 上微调；训练完成后，LoRA 的更新可以合并进权重（W + (alpha/r)BA），推理时"
             "没有额外开销。本课中只训练分类头和 LoRA 的运行按惯例使用了更大的学习率。"),
    experiment=_strategies, takeaway=_strategies_takeaway,
    figures=bar_figures("accuracy", "trainable_parameters", "train_seconds", label=STRATEGY_LABELS, with_curves=True),
    quiz=Quiz(T("Which strategy will reach the highest test accuracy?", "哪种策略的测试准确率最高？"),
              {"full": STRATEGY_LABELS["full"], "frozen": STRATEGY_LABELS["frozen"], "lora": STRATEGY_LABELS["lora"],
               "layerwise": T("one of the layer-wise ones (last 2 layers, gradual, discriminative)",
                              "某种分层方法（最后 2 层、逐层解冻、分层学习率）"),
               "tie": T("no strategy clearly highest", "没有哪种策略明显最高")},
              _strategy_choice),
    corrections=(
        Correction("002 code 3",
                   T("Freeze every parameter of the pretrained model, then give the optimizer fc.parameters() and "
                     "train.", "冻结预训练模型的全部参数，然后把 fc.parameters() 交给优化器进行训练。"),
                   T("After the loop that freezes everything, fc is frozen too, so the loss has no gradient and "
                     "backward() raises an error. Replace the head after freezing (a new layer is trainable), or set "
                     "requires_grad back to True on the head's parameters.",
                     "冻结全部参数的循环同样冻结了 fc，损失没有梯度，backward() 会直接报错。应在冻结之后再替换分类头"
                     "（新建的层默认可训练），或把分类头参数的 requires_grad 重新设为 True。"),
                   _frozen_head_demo, _frozen_head_verdict),
        Correction("004 #3",
                   T("\"Adapter-free fine-tuning\" trains the model directly on the task without using the pretrained "
                     "model's structure.", "“无适配器微调”直接在特定任务上训练模型，不使用预训练模型的结构。"),
                   T("Training without the pretrained weights is training from scratch, not a fine-tuning strategy. "
                     "Adapters such as LoRA are the opposite: small trainable modules inserted into a frozen "
                     "pretrained model.",
                     "不用预训练权重直接训练，就是从零训练，而不是一种微调策略。LoRA 等适配器方法恰恰相反：在冻结的"
                     "预训练模型中插入少量可训练的小模块。"),
                   _adapter_demo, _adapter_verdict),
    ),
    settings={"train_examples": 400, "epochs": 1, "lr": 1e-4, "head_lr": 1e-3, "lora_lr": 5e-4}, repeats=3,
)
