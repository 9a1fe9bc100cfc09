"""Concept lessons on choices: MiniLM fine-tuned on Rotten Tomatoes against copies cut to its bottom layers, plus an
optional hub encoder, by accuracy, parameters and time (concept.6); MNIST through a raw-pixel MLP, a small vision
transformer from scratch and EfficientNet-Lite0 from scratch and pretrained (concept.7). No framework is compared."""
from __future__ import annotations

from ...core.config import RunConfig
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, ranking_takeaway
from ..support import band, verdict
from .common import QUICK_SCORING, SENTIMENT, bar_figures, gap_points, private_name, space

# ---------------------------------------------------------------- concept.6

MINILM_LAYERS = 6


def truncated_minilm(layers: int) -> str:
    """A folder holding MiniLM with only its bottom `layers` transformer blocks (and its tokenizer), written once
    under $WORKBENCH_HOME/lessons/models; the full model for layers >= 6. A smaller encoder of the same family."""
    if layers < 1:
        raise ValueError(f"layers must be at least 1 (got {layers}).")
    if layers >= MINILM_LAYERS:
        return "minilm"
    import shutil

    from transformers import AutoModel, AutoTokenizer

    from ...core.pretrained import minilm_path
    from ...core.store import workbench_home

    folder = workbench_home() / "lessons" / "models" / f"minilm-L{layers}"
    if (folder / "config.json").exists():
        return str(folder)
    model = AutoModel.from_pretrained(minilm_path())
    model.encoder.layer = model.encoder.layer[:layers]
    model.config.num_hidden_layers = layers
    tmp = private_name(folder)
    model.save_pretrained(tmp)
    AutoTokenizer.from_pretrained(minilm_path()).save_pretrained(tmp)
    try:
        tmp.rename(folder)
    except OSError:            # another thread finished the same folder first
        shutil.rmtree(tmp, ignore_errors=True)
    return str(folder)


def _size_label(variant: str) -> T:
    if variant.startswith("minilm_L"):
        n = int(variant.removeprefix("minilm_L"))
        return T(f"MiniLM, {n} layer{'s' if n > 1 else ''}", f"MiniLM（{n} 层）")
    return T(variant, variant)


def _size_labels(outcome: Outcome) -> dict[str, T]:
    return {v: _size_label(v) for v in outcome.variants}


def size_lr(layers: int, settings: dict) -> float:
    """The rate each size trains at: `lr` for the whole encoder, `truncated_lr` for a truncated one. In the bottom
    layers of MiniLM the [CLS] vector the classifier reads is the same for every review (cosine similarity 1.00
    between reviews after 1 to 3 layers, 0.73 after all 6), so a truncated encoder must first learn to route the
    review into [CLS]: at 1e-4 the 3-layer copy predicted one class for every review; at 3e-4 it reached 0.67."""
    return float(settings["lr"] if layers >= MINILM_LAYERS else settings["truncated_lr"])


def _model_sizes(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    base = RunConfig.from_flat(**SENTIMENT, max_train_samples=s["train_examples"], epochs=s["epochs"], lr=s["lr"],
                               log_every=5)
    layers = sorted({MINILM_LAYERS, min(int(s["fewer_layers"]), MINILM_LAYERS), min(int(s["fewest_layers"]),
                                                                                    MINILM_LAYERS)}, reverse=True)
    variants = {f"minilm_L{n}": base.replace(model=truncated_minilm(n), lr=size_lr(n, s)) for n in layers}
    if str(s["hub_model"]).strip():
        variants[str(s["hub_model"]).strip()] = base.replace(model=str(s["hub_model"]).strip())
    outcome = ctx.run_variants(variants, **QUICK_SCORING)
    outcome.extra["lrs"] = {name: cfg.train.lr for name, cfg in variants.items()}
    return outcome


def _model_sizes_takeaway(outcome: Outcome, lang: str) -> str:
    labels = _size_labels(outcome)
    text = ranking_takeaway(outcome, "accuracy", lang, labels)
    minilm = sorted((v for v in outcome.variants if v.startswith("minilm_L")), key=lambda v: int(v[8:]))
    full, small = f"minilm_L{MINILM_LAYERS}", minilm[0]
    if small == full or full not in outcome.variants:
        return text
    p_full, p_small = outcome.mean(full, "trainable_parameters"), outcome.mean(small, "trainable_parameters")
    t_full, t_small = outcome.mean(full, "train_seconds"), outcome.mean(small, "train_seconds")
    text += T(f" Keeping {small[8:]} of {MINILM_LAYERS} layers cut the parameters from {p_full / 1e6:.1f} M to "
              f"{p_small / 1e6:.1f} M (most of what is left is the word-embedding table) and training time from "
              f"{t_full:.1f} s to {t_small:.1f} s. ",
              f"只保留 {MINILM_LAYERS} 层中的 {small[8:]} 层，参数量从 {p_full / 1e6:.1f} M 降到 {p_small / 1e6:.1f} M"
              f"（剩下的大部分是词向量表），训练时间从 {t_full:.1f} 秒降到 {t_small:.1f} 秒。")(lang)
    rates = outcome.extra.get("lrs") or {}
    if rates.get(small) and rates.get(full) and rates[small] != rates[full]:
        text += T(f"Each size trained at its own rate: {rates[full]:g} for the whole encoder, {rates[small]:g} for "
                  "the truncated ones, whose [CLS] output starts out the same for every review. ",
                  f"每个规模用各自的学习率训练：完整编码器 {rates[full]:g}，截断版本 {rates[small]:g}（它们的 [CLS] "
                  "输出一开始对每条评论都一样）。")(lang)
    text += compare_takeaway(outcome, full, small, "accuracy", lang, labels)
    loss = gap_points(outcome, full, small)
    collapsed = [v for v in minilm if v != full and _predicts_one_class(outcome, v)]
    if collapsed:
        names = T(" and ", " 和 ")(lang).join(labels[v](lang) for v in collapsed)
        return text + T(
            f" But {names} never learned the task (balanced accuracy 0.5: one class predicted for every "
            "review), so this gap "
            "measures a failed fine-tune more than missing capacity. Cutting layers off a pretrained encoder leaves "
            "layers that were never trained to feed a classifier from their output, and they need a larger "
            "learning rate or longer training; real small models are distilled instead (trained to imitate the "
            "large one at their own size).",
            f"但 {names} 根本没有学会这个任务（平衡准确率 0.5：对每条评论都预测同一个类别），所以这个差距更多反映的是微调失败，"
            "而不是容量不足。把预训练编码器的层直接截掉，剩下的层从未被训练成让分类器直接使用其输出，需要更大的学习率"
            "或更长的训练；真正的小模型是蒸馏出来的（在自己的规模上训练去模仿大模型）。")(lang)
    if verdict(outcome, full, small, "accuracy") != "a":
        text += T(" On this much data the small encoder gave up no accuracy this budget can detect, so it is the "
                  "better buy; bigger models earn their cost with harder tasks and more labelled data.",
                  "在这样的数据量下，小编码器没有可测出的准确率损失，性价比更高；大模型要在更难的任务和更多标注数据上才能"
                  "体现价值。")(lang)
    else:
        text += T(f" The extra layers are worth {loss:.1f} points here: pick the smaller model only if its speed or "
                  "memory matters more than that.",
                  f"多出来的层在这里值 {loss:.1f} 个百分点：只有当速度或内存比这点准确率更重要时，才选小模型。")(lang)
    return text


def _predicts_one_class(outcome: Outcome, variant: str) -> bool:
    balanced = outcome.values(variant, "balanced_accuracy")
    return bool(balanced) and max(balanced) <= 0.52


def _size_loss_choice(outcome: Outcome) -> str:
    """The band the paired 95 % interval of the accuracy lost (whole minus smallest) is clearly above: more than 8
    points, more than 2, or 'small' (not clearly more than 2 points, no clear loss included)."""
    minilm = sorted((v for v in outcome.variants if v.startswith("minilm_L")), key=lambda v: int(v[8:]))
    return band(outcome.compare(minilm[0], f"minilm_L{MINILM_LAYERS}", "accuracy"), {"large": 0.08, "medium": 0.02},
                "small")


CONCEPT_6 = Lesson(
    id="concept.6", topic="concept", sources="003 #3",
    title=T("Choosing a pretrained model", "如何选择预训练模型"),
    question=T("How do you choose a pretrained model to fine-tune?", "微调时应该如何选择预训练模型？"),
    answer=T("Match the architecture to the task first: encoders (BERT, MiniLM) read the whole input in both "
             "directions and suit classification, tagging and embeddings; decoders (GPT-style) predict the next token "
             "and suit generation; encoder-decoders (T5, BART) suit translation and summarisation. Then match the "
             "pre-training data to your domain and language, and the size to your labelled data, latency and "
             "hardware: a small model fine-tuned well often matches a large one on a simple task with little data, "
             "and is far cheaper to serve. Offline, this lesson compares MiniLM with copies that keep only the bottom "
             "layers (same family, smaller size); online, set hub_model to any hub encoder to add it to the "
             "comparison. Each size needs a rate that works for it: the whole encoder trains at 1e-4, the truncated "
             "copies at 3e-4, because in MiniLM's bottom layers the [CLS] vector the classifier reads is the same for "
             "every review (measured cosine similarity 1.00 between reviews after 1 to 3 layers, 0.73 after 6), so "
             "they must first learn to route the review into it; at 1e-4 the 3-layer copy predicted one class for "
             "every review, at 3e-4 it learned the task. The 1-layer copy stayed at one class even at 1e-3, so the "
             "smallest size tried is 2 layers.",
             "首先让架构匹配任务：编码器（BERT、MiniLM）双向读取整段输入，适合分类、序列标注和生成向量；解码器（GPT 类）"
             "逐词预测下一个词，适合文本生成；编码器-解码器（T5、BART）适合翻译和摘要。其次让预训练数据匹配你的领域和语言，"
             "让模型规模匹配你的标注数据量、延迟要求和硬件：在数据少的简单任务上，认真微调的小模型常常不输大模型，部署成本"
             "却低得多。离线时，本课把 MiniLM 与只保留底部几层的截断版本（同一系列、规模更小）进行对比；联网时，把 "
             "hub_model 设为任意 hub 上的编码器即可加入比较。每个规模都需要适合它的学习率：完整编码器用 1e-4，截断版本"
             "用 3e-4，因为 MiniLM 底部几层输出的 [CLS] 向量（分类器读取的就是它）对每条评论都几乎一样（实测 1 到 3 层后"
             "评论之间的余弦相似度为 1.00，6 层后为 0.73），截断模型必须先学会把评论的信息汇入 [CLS]；在 1e-4 下 3 层版本"
             "对每条评论都预测同一类，在 3e-4 下它学会了任务。1 层版本即使在 1e-3 下也只预测一类，所以最小只试 2 层。"),
    experiment=_model_sizes, takeaway=_model_sizes_takeaway,
    figures=bar_figures("accuracy", "trainable_parameters", "train_seconds",
                  label=_size_labels),
    quiz=Quiz(T("How much accuracy will MiniLM lose when cut down to its first {fewest_layers} layer(s)?",
                "把 MiniLM 截到只剩前 {fewest_layers} 层，准确率会损失多少？"),
              {"small": T("not clearly more than 2 points", "没有明显超过 2 个百分点"),
               "medium": T("clearly more than 2 points, not clearly more than 8", "明显超过 2 个百分点，但没有明显超过 8 个"),
               "large": T("clearly more than 8 points", "明显超过 8 个百分点")},
              _size_loss_choice),
    settings={"train_examples": 400, "epochs": 2, "lr": 1e-4, "truncated_lr": 3e-4, "fewer_layers": 3,
              "fewest_layers": 2, "hub_model": ""}, repeats=3,
)


# ---------------------------------------------------------------- concept.7

ARCH_LABELS = {"mlp": T("MLP on raw pixels", "MLP（直接输入像素）"),
               "vit_scratch": T("small vision transformer from scratch", "小型视觉 Transformer（从零训练）"),
               "cnn_scratch": T("CNN from scratch", "CNN（从零训练）"),
               "cnn_pretrained": T("CNN pretrained on ImageNet", "CNN（ImageNet 预训练）")}
VIT_LR = 1e-3      # AdamW's usual rate for a small transformer trained from scratch


def mnist_pixels_csv() -> str:
    """The mnist images as a table (784 pixel columns and a label column), written once under
    $WORKBENCH_HOME/lessons/data: the same examples in the same order, so a seeded split picks the same rows."""
    import pandas as pd

    from ...core.datasets import load_dataset
    from ...core.store import workbench_home

    path = workbench_home() / "lessons" / "data" / "mnist_pixels.csv"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        ds = load_dataset("mnist")
        frame = pd.DataFrame(ds.x.reshape(len(ds), -1), columns=[f"px{i}" for i in range(ds.x[0].size)])
        frame["label"] = [ds.label_names[y] for y in ds.y]
        tmp = private_name(path)
        frame.to_csv(tmp, index=False)
        tmp.replace(path)
    return str(path)


def _architectures(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    # MNIST's 28-pixel digits upscaled to 96 px, and a higher rate than the image default: at 64 px and 5e-4 the
    # pretrained CNN reached 0.47 on 600 digits (below the MLP), at 96 px and 2e-3 0.84, at 128 px 0.94 (slower).
    cnn = RunConfig.from_flat(dataset="mnist", model="efficientnet_lite0", image_size=s["image_size"], lr=s["lr"],
                              max_train_samples=s["train_examples"], max_eval_samples=500, epochs=s["epochs"],
                              log_every=5, save_checkpoints=False, save_model=False)
    mlp = cnn.replace(dataset=mnist_pixels_csv(), model="mlp", lr=None, hidden_sizes=(256, 128))
    # The transformer reads the digits at their own 28 px as a 7 x 7 grid of 4-pixel patches (no upscaling: a
    # patch token needs no larger picture), from random weights: no pretrained vision transformer ships here.
    from ...core.models import VIT
    vit = cnn.replace(model=VIT, pretrained=False, image_size=28, lr=VIT_LR)
    return ctx.run_variants({"mlp": mlp, "vit_scratch": vit, "cnn_scratch": cnn.replace(pretrained=False),
                             "cnn_pretrained": cnn}, **QUICK_SCORING)


def _architectures_takeaway(outcome: Outcome, lang: str) -> str:
    text = ranking_takeaway(outcome, "accuracy", lang, ARCH_LABELS) + space(lang)
    text += compare_takeaway(outcome, "cnn_pretrained", "mlp", "accuracy", lang, ARCH_LABELS)
    scratch_gap = gap_points(outcome, "cnn_scratch", "mlp")
    if verdict(outcome, "cnn_scratch", "mlp", "accuracy") == "a":
        text += T(f" Even from random weights the CNN beat the MLP by {scratch_gap:.1f} points: convolutions look for "
                  "the same small patterns everywhere in the image, an assumption that fits pictures and that the MLP "
                  "has to learn pixel by pixel.",
                  f"即使从随机权重开始，CNN 也比 MLP 高 {scratch_gap:.1f} 个百分点：卷积在图像各处寻找相同的局部模式，"
                  "这个先验正好符合图像的特点，而 MLP 只能逐个像素地去学。")(lang)
    elif verdict(outcome, "cnn_pretrained", "mlp", "accuracy") == "a":
        text += T(f" From random weights the CNN was not clearly ahead of the MLP ({scratch_gap:+.1f} points): a "
                  "deep CNN needs more data and steps than this to learn its filters, so here its advantage came from "
                  "pre-training, not from the architecture alone.",
                  f"从随机权重开始时，CNN 并没有明显强于 MLP（{scratch_gap:+.1f} 个百分点）：深层 CNN 需要比这更多的数据和"
                  "训练步数才能学好卷积核，所以这里它的优势来自预训练，而不单是架构本身。")(lang)
    else:
        text += T(" Neither CNN was clearly ahead of the MLP: with this few images and steps the much larger CNN has "
                  "not adapted yet, "
                  "while a small MLP on 784 pixels learns fast. Give the CNNs more examples or epochs before judging the "
                  "architectures.",
                  "两个 CNN 都没有明显胜过 MLP：图像和训练步数这么少，大得多的 CNN 还没来得及适配，而直接读 784 个像素的小 "
                  "MLP 学得很快。先给 CNN 更多样本或训练轮数，再评判架构的优劣。")(lang)
    if "vit_scratch" in outcome.variants and outcome.values("vit_scratch", "accuracy"):
        text += space(lang) + _transformer_sentence(outcome, lang)
    return text


def _transformer_sentence(outcome: Outcome, lang: str) -> str:
    """Where the from-scratch vision transformer stands against the MLP and the pretrained CNN, by the verdicts."""
    acc = outcome.mean("vit_scratch", "accuracy")
    vs_mlp = verdict(outcome, "vit_scratch", "mlp", "accuracy")
    vs_cnn = verdict(outcome, "vit_scratch", "cnn_pretrained", "accuracy")
    head = T(f"The small vision transformer from scratch reached {acc:.3f}",
             f"从零训练的小型视觉 Transformer 准确率为 {acc:.3f}")(lang)
    if vs_mlp == "b":
        place = T(", clearly below the MLP: a transformer has no built-in notion that neighbouring pixels belong "
                  "together (the CNN's prior), so it must learn even that from the data, and a few hundred images "
                  "and steps are not enough; vision transformers win when they are pretrained on millions of images "
                  "or given far more data.",
                  "，明显低于 MLP：Transformer 没有“相邻像素属于一起”这种内置假设（这正是 CNN 的先验），连这一点都要从"
                  "数据中学，几百张图像和这么少的训练步数远远不够；视觉 Transformer 要在数百万张图像上预训练，或者有多得"
                  "多的数据，才会占优。")
    elif vs_mlp == "a":
        place = T(", clearly above the MLP: cutting the image into patches and letting them attend to each other "
                  "already helped at this size, though without pre-training it is no substitute for the CNN's "
                  "ImageNet features." if vs_cnn == "b" else
                  ", clearly above the MLP: cutting the image into patches and letting them attend to each other "
                  "already helped at this size.",
                  "，明显高于 MLP：把图像切成小块并让它们相互注意，在这个数据量下已经有帮助；不过没有预训练，它替代不了 "
                  "CNN 的 ImageNet 特征。" if vs_cnn == "b" else
                  "，明显高于 MLP：把图像切成小块并让它们相互注意，在这个数据量下已经有帮助。")
    else:
        place = T(", not clearly different from the MLP at this budget: with no pre-training and a few hundred "
                  "images, neither the patches nor the attention have shown an advantage yet.",
                  "，在这个预算下与 MLP 没有明显差别：没有预训练、只有几百张图像时，切块和注意力机制都还没有显出优势。")
    return head + place(lang)


def _architecture_choice(outcome: Outcome) -> str:
    """The variant the paired verdicts put ahead of every other one; "tie" when this budget cannot single one out."""
    return outcome.clear_best("accuracy") or "tie"


CONCEPT_7 = Lesson(
    id="concept.7", topic="concept", sources="002 #1, #3",
    title=T("Choosing a framework and an architecture", "如何选择框架和网络架构"),
    question=T("How do you choose a deep-learning framework, and a network architecture for a task?",
               "如何选择深度学习框架？又如何为任务选择网络架构？"),
    answer=T("Framework: PyTorch is the default for research and most fine-tuning work, and the Hugging Face "
             "libraries (Transformers, PEFT, Accelerate) sit on it; TensorFlow/Keras still has strong deployment "
             "tooling, and JAX suits large-scale TPU training. What matters most is where the pretrained weights and "
             "the team's experience already are; models can be exported (e.g. to ONNX) for serving either way. "
             "Architecture follows the structure of the data: MLPs for fixed-length feature vectors such as tables, "
             "CNNs for images because they reuse local filters everywhere, transformers for text and other sequences "
             "(and for images when data is plentiful or pretrained weights exist). Here the same digit images go to "
             "an MLP on raw pixels, to a small vision transformer (the image as a 7 x 7 grid of patch tokens, 4 "
             "encoder layers, 0.14 M weights) trained from scratch because no pretrained one ships here, and to a CNN "
             "(EfficientNet-Lite0) from scratch and pretrained.",
             "框架方面：PyTorch 是科研和大多数微调工作的默认选择，Hugging Face 的 Transformers、PEFT、Accelerate "
             "都建立在它之上；TensorFlow/Keras 在部署工具上依然很强，JAX 适合在 TPU 上做大规模训练。最关键的是预训练"
             "权重和团队经验在哪个框架上；无论选哪个，模型都能导出（如导出为 ONNX）用于部署。架构方面要看数据的结构："
             "表格这类定长特征向量用 MLP；图像用 CNN，因为它在整张图上复用局部卷积核；文本等序列用 Transformer（数据"
             "足够多或有预训练权重时图像也可以用）。本课把同一批手写数字图像分别交给直接读像素的 MLP、从零训练的小型视觉 "
             "Transformer（把图像切成 7 x 7 个小块作为词元，4 层编码器，0.14 M 个权重；本机没有预训练的视觉 "
             "Transformer，所以从零训练）、从零训练的 CNN（EfficientNet-Lite0）和预训练的 CNN。"),
    experiment=_architectures, takeaway=_architectures_takeaway,
    figures=bar_figures("accuracy", "train_seconds", label=ARCH_LABELS, with_curves=True),
    quiz=Quiz(T("On {train_examples} handwritten digits, which model will classify best?",
                "只有 {train_examples} 张手写数字图像时，哪个模型分类最准？"),
              {**ARCH_LABELS, "tie": NO_CLEAR_DIFFERENCE}, _architecture_choice),
    settings={"train_examples": 600, "epochs": 2, "image_size": 128, "lr": 2e-3}, repeats=3,
    time_budget_s=240,
    budget_note=T("the question is which architecture suits images, so four models train side by side (an MLP, a "
                  "vision transformer, a CNN from scratch and a pretrained CNN), each over 3 seeds; the CNNs need "
                  "128 px images to do their job.",
                  "本题问的是图像该用哪种架构，所以四个模型并排训练（MLP、视觉 Transformer、从零训练的 CNN 和预训练的 "
                  "CNN），每个跑 3 个种子；CNN 需要 128 像素的图像才能发挥作用。"),
)
