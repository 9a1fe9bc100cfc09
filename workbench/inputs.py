"""Turn dataset splits into what the models eat: token ids (cached), image tensors, feature rows."""
from __future__ import annotations

import hashlib

import numpy as np
import torch

from .datasets import Dataset
from .store import workbench_home


def tokenize_cached(texts: list[str], labels: np.ndarray, tokenizer, max_length: int):
    """Tokenize once per (texts, tokenizer, max_length); later runs load the Arrow cache from disk."""
    import datasets

    digest = hashlib.sha1()
    for part in (tokenizer.name_or_path, str(len(tokenizer)), str(max_length), *texts):
        digest.update(part.encode("utf-8", "replace") + b"\0")
    cache = workbench_home() / "cache" / "tokens"
    cache.mkdir(parents=True, exist_ok=True)
    table = datasets.Dataset.from_dict({"text": list(texts), "labels": np.asarray(labels).tolist()})

    def encode(batch):
        enc = tokenizer(batch["text"], truncation=True, max_length=max_length)
        enc["length"] = [len(ids) for ids in enc["input_ids"]]
        return enc

    return table.map(encode, batched=True, remove_columns=["text"],
                     cache_file_name=str(cache / f"{digest.hexdigest()}.arrow"), load_from_cache_file=True,
                     desc="tokenizing")


def image_array(item, size: int) -> np.ndarray:
    """Any image (path, PIL, HxW or HxWx3/4 array) as RGB uint8 of size x size."""
    from PIL import Image

    if isinstance(item, str):
        img = Image.open(item)
    elif isinstance(item, np.ndarray):
        img = Image.fromarray(item.astype(np.uint8))
    else:
        img = item
    img = img.convert("RGB")
    if img.size != (size, size):
        img = img.resize((size, size), Image.BILINEAR)
    return np.asarray(img, dtype=np.uint8)


def image_tensor(rgb: np.ndarray) -> torch.Tensor:
    """(..., H, W, 3) uint8 -> (..., 3, H, W) float in [-1, 1], the range EfficientNet-Lite was trained on."""
    t = torch.as_tensor(rgb, dtype=torch.float32).movedim(-1, -3)
    return t / 127.5 - 1.0


class ImageSplit(torch.utils.data.Dataset):
    """Images as tensors; with `augment`, each access draws a new random flip, crop and brightness (from torch's
    global generator, which the Trainer seeds), so every epoch sees different variants."""

    def __init__(self, images, labels: np.ndarray, size: int, augment: bool = False):
        self.images, self.labels, self.size, self.augment = images, labels, size, augment

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        pixels = image_tensor(image_array(self.images[i], self.size))
        if self.augment:
            from .augment import augment_images
            pixels = augment_images(pixels[None])[0]
        return {"pixel_values": pixels, "labels": int(self.labels[i])}


class TabularSplit(torch.utils.data.Dataset):
    def __init__(self, features: np.ndarray, labels: np.ndarray):
        self.features = torch.as_tensor(np.asarray(features, dtype=np.float32))
        self.labels = labels

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        return {"features": self.features[i], "labels": int(self.labels[i])}


def torch_split(split: Dataset, built, max_length: int = 128, image_size: int = 128, augment: str = "none"):
    """`augment="image_basic"` (pass it for the training split only) augments images on the fly; text
    augmentation happens earlier, as extra examples (workbench.perturb)."""
    if built.kind == "text":
        return tokenize_cached(split.x, split.y, built.tokenizer, max_length)
    if built.kind == "image":
        return ImageSplit(split.x, split.y, image_size, augment=augment == "image_basic")
    return TabularSplit(split.x, split.y)


def collator(built):
    if built.kind == "text":
        from transformers import DataCollatorWithPadding
        return _DropLength(DataCollatorWithPadding(built.tokenizer))
    from transformers import default_data_collator
    return default_data_collator


class _DropLength:
    """Dynamic padding; the `length` column only serves the length-grouped sampler."""

    def __init__(self, inner):
        self.inner = inner

    def __call__(self, features):
        return self.inner([{k: v for k, v in f.items() if k != "length"} for f in features])


def encode_batch(built, items, max_length: int = 128, image_size: int = 128) -> dict:
    """Model inputs for a list of raw items (texts, images or feature rows), for prediction."""
    if built.kind == "text":
        return dict(built.tokenizer(list(items), truncation=True, max_length=max_length, padding=True,
                                    return_tensors="pt"))
    if built.kind == "image":
        return {"pixel_values": image_tensor(np.stack([image_array(i, image_size) for i in items]))}
    return {"features": torch.as_tensor(np.asarray(items, dtype=np.float32))}
