"""Data augmentation lesson (data.8): MiniLM fine-tuned on Rotten Tomatoes with and without word-level text edits
(same steps), and a logistic head on frozen EfficientNet-Lite0 features of MNIST with no augmented copies, crop and
brightness copies, or those plus mirror flips; test accuracy paired over seeds."""
from __future__ import annotations

import math

import numpy as np

from ...core.config import RunConfig
from .. import figures
from ..base import NO_CLEAR_DIFFERENCE, Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway
from ..evaluation.common import QUICK_TEXT, finished_runs, run_config
from ..support import one_torch_thread, verdict, verdict_choice
from .common import REVIEWS

# ---------------------------------------------------------------- data.8 augmentation

AUGMENT_LABELS = {"none": T("no augmentation", "不做增强"),
                  "text_mix": T("augmentation (word swap / deletion / synonyms)", "增强（词语交换 / 删除 / 同义词替换）"),
                  "image_none": T("images: no augmentation", "图像：不做增强"),
                  "image_crop": T("images: crops and brightness", "图像：裁剪和亮度"),
                  "image_flip": T("images: crops, brightness and mirror flips", "图像：裁剪、亮度和镜像翻转")}
TEXT_VARIANTS, IMAGE_VARIANTS = ("none", "text_mix"), ("image_none", "image_crop", "image_flip")


def _image_augment_scores(ctx: LessonContext) -> tuple[dict, dict]:
    """Test accuracy of a logistic-regression head on frozen pretrained EfficientNet-Lite0 features of a few
    hundred MNIST digits, trained on the originals alone or with augmented copies (views) of them: crops and
    brightness, or the same plus left-right mirror flips (which do not keep a digit's label). Returns samples
    per variant (one value per seed) and the sizes used."""
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler
    from threadpoolctl import threadpool_limits

    from ...core.augment import augment_images
    from ...core.datasets import load_dataset, split_dataset
    from ...core.inputs import image_array, image_tensor
    from ...core.models import ImageClassifier

    s = ctx.settings
    size, n, views = int(s["image_size"]), ctx.size(s["image_examples"], 40), ctx.size(s["views"], 1)
    net = ImageClassifier(10, size, pretrained=True).eval()
    net.net._fc = torch.nn.Identity()               # the pooled 1280 features instead of class scores

    def features(pixels):
        # one thread: on a busy 2-core machine 64 of these images took 0.4 s on one thread and 2.7 s on two
        with torch.inference_mode(), one_torch_thread():
            return torch.cat([net(pixel_values=pixels[i:i + 64])["logits"] for i in range(0, len(pixels), 64)]).numpy()

    ds = load_dataset("mnist")
    samples = {v: {"accuracy": []} for v in IMAGE_VARIANTS}
    for seed in ctx.seeds:
        splits = split_dataset(ds, 0.1, 0.2, seed, n, ctx.size(s["image_test"], 60))
        pixels = lambda split: torch.stack([image_tensor(image_array(x, size)) for x in split.x])  # noqa: E731
        train, test = pixels(splits.train), pixels(splits.test)
        train_f, test_f = features(train), features(test)
        for variant in IMAGE_VARIANTS:
            x, y = [train_f], [splits.train.y]
            if variant != "image_none":
                generator = torch.Generator().manual_seed(seed)     # the same crops for both augmented variants
                for _ in range(views):
                    x.append(features(augment_images(train, generator=generator, flip=variant == "image_flip")))
                    y.append(splits.train.y)
            head = make_pipeline(StandardScaler(), LogisticRegression(C=s["head_c"], max_iter=500))
            with threadpool_limits(1):      # BLAS threads only fight each other on a busy 2-core machine
                head.fit(np.concatenate(x), np.concatenate(y))
            samples[variant]["accuracy"].append(float(head.score(test_f, splits.test.y)))
    return samples, {"image_size": size, "image_examples": len(splits.train), "views": views}


def _augment_experiment(ctx: LessonContext) -> Outcome:
    from ...core.runner import prepare_splits

    s = ctx.settings
    steps = math.ceil(s["train_examples"] / 16) * s["epochs"]
    base = RunConfig.from_flat(**REVIEWS, max_train_samples=s["train_examples"], max_steps=steps, lr=s["lr"])
    runs = ctx.run_variants({"none": base, "text_mix": base.replace(augment="text_mix")}, **QUICK_TEXT)
    extra = {"steps": steps, "train_examples": s["train_examples"]}
    done = finished_runs(ctx, runs, "none")
    if done:
        used = run_config(ctx, done[0][1])
        train = prepare_splits(used).train
        extra.update(steps=used.train.max_steps, train_examples=len(train))
        extra["example"] = _augmented_example(list(train.x))
    images, sizes = _image_augment_scores(ctx)
    extra.update(sizes)
    return Outcome("data.8", {**runs.samples, **images}, extra, runs.run_ids, runs.histories)


def _augmented_example(texts: list[str]) -> dict | None:
    """A short training review and an augmented copy of it that really differs."""
    from ...core.augment import augment_texts

    for text in sorted(texts, key=len):
        if len(text.split()) < 8:
            continue
        for seed in range(5):
            changed = augment_texts([text], "mix", seed)[0]
            if changed != text:
                return {"original": text, "augmented": changed}
    return None


def _augment_takeaway(o: Outcome, lang: str) -> str:
    e = o.extra
    text = T(f"With {e['train_examples']} labelled reviews and the same {e['steps']} optimizer steps for both: ",
             f"在 {e['train_examples']} 条标注影评上、两者都训练 {e['steps']} 步：")(lang)
    text += compare_takeaway(o, "text_mix", "none", "accuracy", lang, AUGMENT_LABELS)
    winner = verdict(o, "text_mix", "none", "accuracy")
    if winner == "a":
        text += T(" With this little data, the edited copies acted like extra examples.",
                  "数据这么少时，改写出的副本起到了额外样本的作用。")(lang)
    elif winner == "b":
        text += T(" Augmentation hurt here: word-level edits can change a review's meaning (deleting 'not', swapping "
                  "clauses) and so add wrong labels.",
                  "这里增强反而有害：词级改写可能改变影评的意思（删掉“不”、调换分句），等于引入了错误标签。")(lang)
    else:
        text += T(" Augmentation made no difference this budget can detect: word swaps and deletions may barely "
                  "change what a pretrained encoder already understands.",
                  "在这个预算下增强没有带来可测出的差别：词语交换和删除可能几乎改变不了预训练编码器已经理解的内容。")(lang)
    example = e.get("example")
    if example:
        text += T(f" For example, the training review \"{example['original']}\" became \"{example['augmented']}\".",
                  f"例如训练影评“{example['original']}”被改写成“{example['augmented']}”。")(lang)
    return text + _image_augment_takeaway(o, lang)


def _image_augment_takeaway(o: Outcome, lang: str) -> str:
    if not all(v in o.samples and o.values(v, "accuracy") for v in IMAGE_VARIANTS):
        return ""
    e = o.extra
    text = T(f" Images: a head on frozen pretrained EfficientNet-Lite0 features of {e.get('image_examples')} MNIST "
             f"digits at {e.get('image_size')} px, trained on the originals alone or with {e.get('views')} augmented "
             "copies of each: ",
             f"图像：在冻结的预训练 EfficientNet-Lite0 特征上训练分类头，用 {e.get('image_examples')} 张 "
             f"{e.get('image_size')} 像素的 MNIST 手写数字，只用原图或再加每张 {e.get('views')} 个增强副本：")(lang)
    text += compare_takeaway(o, "image_crop", "image_none", "accuracy", lang, AUGMENT_LABELS)
    crop = verdict(o, "image_crop", "image_none", "accuracy")
    text += {"a": T(" Crops and brightness changes keep a digit's label, so the copies taught the head what may vary.",
                    "裁剪和亮度变化不改变数字的标签，所以这些副本教会了分类头哪些变化无关紧要。"),
             "b": T(" These crops hurt here: cutting off part of a small digit can remove what identifies it.",
                    "这里裁剪反而有害：裁掉小小数字的一部分，可能正好去掉了识别它的关键。"),
             "tie": T(" Crops and brightness changes made no difference this budget can detect.",
                      "在这个预算下，裁剪和亮度变化没有带来可测出的差别。")}[crop](lang)
    text += T(" Adding mirror flips: ", "再加上镜像翻转：")(lang)
    text += compare_takeaway(o, "image_flip", "image_crop", "accuracy", lang, AUGMENT_LABELS)
    flip = verdict(o, "image_flip", "image_crop", "accuracy")
    text += {"b": T(" Flips hurt: a mirrored 2 or 7 is not a 2 or 7, so flipped copies carry wrong labels. Only use "
                    "transformations that keep the label.",
                    "翻转有害：镜像后的 2 或 7 已经不是 2 或 7，翻转副本等于带着错误标签。只能用不改变标签的变换。"),
             "a": T(" Flips helped here, even though a mirrored digit is not always the same digit.",
                    "这里翻转反而有帮助，尽管镜像后的数字不一定还是同一个数字。"),
             "tie": T(" Flips made no difference this budget can detect.",
                      "在这个预算下，翻转没有带来可测出的差别。")}[flip](lang)
    return text


def _augment_figures(o: Outcome, lang: str) -> list:
    out = []
    for names, title in ((TEXT_VARIANTS, T("Text: test accuracy (MiniLM fine-tuned)", "文本：测试准确率（微调 MiniLM）")),
                         (IMAGE_VARIANTS, T("Images: test accuracy (head on frozen EfficientNet-Lite0)",
                                            "图像：测试准确率（冻结 EfficientNet-Lite0 上的分类头）"))):
        present = [v for v in names if v in o.samples and o.values(v, "accuracy")]
        if present:
            out.append((title(lang), figures.metric_bars(Outcome(o.lesson_id, {v: o.samples[v] for v in present}),
                                                         "accuracy", lang, AUGMENT_LABELS)))
    return out


DATA_8 = Lesson(
    id="data.8", topic="data", sources="003 #18",
    title=T("Data augmentation for text and images", "文本与图像的数据增强"),
    question=T("How can data augmentation help fine-tuning, for text and for images?", "数据增强对微调有什么帮助？文本和图像分别怎么做？"),
    answer=T("Augmentation creates label-preserving variants of the training examples so the model sees more variety "
             "than the data holds. For images: flips, crops, small rotations, colour and brightness changes (only "
             "those that keep the label: a flipped 6 is not a 6). For text: synonym replacement, random swaps and "
             "deletions, back-translation or paraphrasing with a model. It helps most when labelled data is scarce "
             "and the model would otherwise overfit; for text, edits that change meaning add wrong labels, so check "
             "the effect on a validation set rather than assume it. The experiment measures both: text augmentation "
             "while fine-tuning MiniLM on reviews, and image augmentation for a head trained on frozen pretrained "
             "EfficientNet-Lite0 features of MNIST digits (fine-tuning the whole CNN for many epochs is too slow on "
             "this 2-core machine), with crops and brightness changes alone and with mirror flips added, which do "
             "not keep a digit's label.",
             "数据增强为训练样本生成保持标签不变的变体，让模型见到比原数据更多的变化。图像可以翻转、裁剪、小角度旋转、"
             "调整颜色和亮度（只能用不改变标签的变换：翻转后的 6 就不是 6 了）。文本可以做同义词替换、随机交换和删除、"
             "回译，或用模型改写。标注数据稀少、模型容易过拟合时它最有用；对文本来说，改变原意的改写等于引入错误标签，"
             "所以要在验证集上实测效果，而不是想当然。本实验两者都测：文本部分用增强过的影评微调 MiniLM；图像部分在冻结的"
             "预训练 EfficientNet-Lite0 特征上训练分类头（在这台双核机器上，完整微调这个 CNN 多轮太慢），分别用原图、"
             "加裁剪和亮度副本、再加镜像翻转副本，翻转对数字来说会改变标签。"),
    experiment=_augment_experiment, takeaway=_augment_takeaway, figures=_augment_figures,
    quiz=Quiz(T("Fine-tuning MiniLM on {train_examples} reviews, with an augmented copy of each (same number of "
                "steps): what happens to test accuracy?",
                "用 {train_examples} 条影评微调 MiniLM，每条再加一个增强副本（训练步数相同）：测试准确率会怎样？"),
              {"up": T("it clearly rises", "明显提高"), "flat": NO_CLEAR_DIFFERENCE,
               "down": T("it clearly falls", "明显下降")},
              verdict_choice("text_mix", "none", "accuracy", {"a": "up", "b": "down", "tie": "flat"})),
    settings={"train_examples": 300, "epochs": 2, "lr": 1e-4, "image_examples": 200, "image_test": 200,
              "image_size": 48, "views": 2, "head_c": 0.1},
    repeats=3,
)
