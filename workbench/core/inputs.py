"""Turn dataset splits into what the models eat: token ids (cached), image tensors, feature rows."""
from __future__ import annotations

import hashlib
import json
import os
import time
from pathlib import Path

import numpy as np
import torch

from .datasets import Dataset
from .store import workbench_home

TOKEN_CACHE_FILES = 64           # the token cache keeps at most this many tables ...
TOKEN_CACHE_BYTES = 2 * 2**30    # ... and this many bytes, evicting the least recently used first
_STALE_TEMP_SECONDS = 3600       # a temp file this old is left over from a crashed write


def tokenize_cached(texts: list[str], labels: np.ndarray, tokenizer, max_length: int):
    """Tokenize once per (texts, labels, tokenizer, max_length); later runs load the Arrow cache from disk.

    The table holds the labels, so they are part of the key: the same texts with other labels (label noise, a
    corrected file, another label column) are a different table. `datasets` writes the file through a temp file
    and a rename, so two processes tokenizing the same key at once both end up with a complete file."""
    import datasets

    key = token_cache_key(texts, labels, tokenizer, max_length)
    folder = token_cache_folder()
    path = folder / f"{key}.arrow"
    table = datasets.Dataset.from_dict({"text": list(texts), "labels": np.asarray(labels).tolist()})

    def encode(batch):
        enc = tokenizer(batch["text"], truncation=True, max_length=max_length)
        enc["length"] = [len(ids) for ids in enc["input_ids"]]
        return enc

    # new_fingerprint: our key already names the content; without it `datasets` would hash the tokenizer again
    tokenized = table.map(encode, batched=True, remove_columns=["text"], cache_file_name=str(path),
                          load_from_cache_file=True, new_fingerprint=key, desc="tokenizing")
    _mark_used(path)
    evict_token_cache(folder, keep=path, max_files=TOKEN_CACHE_FILES, max_bytes=TOKEN_CACHE_BYTES)
    return tokenized


def token_cache_folder() -> Path:
    folder = workbench_home() / "cache" / "tokens"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def token_cache_key(texts: list[str], labels: np.ndarray, tokenizer, max_length: int) -> str:
    """A digest of everything the tokenized table depends on: tokenizer, max_length, texts and labels."""
    digest = hashlib.sha256()
    for part in (tokenizer_fingerprint(tokenizer), str(max_length), str(len(texts))):
        digest.update(part.encode() + b"\0")
    for text in texts:
        digest.update(str(text).encode("utf-8", "replace") + b"\0")
    digest.update(np.ascontiguousarray(labels, dtype=np.int64).tobytes())
    return digest.hexdigest()[:40]


def tokenizer_fingerprint(tokenizer) -> str:
    """Identifies what a tokenizer turns text into: its class, name, size, truncation side and a hash of its
    vocabulary and rules. A fast tokenizer's backend JSON holds vocabulary, normalizer and special tokens (its
    truncation/padding state is dropped: tokenizing changes it); a slow one is hashed by vocabulary and special
    tokens. About 5 ms for MiniLM."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        rules = json.loads(backend.to_str())
        rules.pop("truncation", None)
        rules.pop("padding", None)
    else:
        rules = {"vocab": sorted(tokenizer.get_vocab().items()), "special": tokenizer.special_tokens_map,
                 "lower": getattr(tokenizer, "do_lower_case", None)}
    content = hashlib.sha256(json.dumps(rules, sort_keys=True, default=str).encode()).hexdigest()
    parts = (type(tokenizer).__name__, tokenizer.name_or_path, len(tokenizer), tokenizer.truncation_side, content)
    return "|".join(map(str, parts))


def _mark_used(path: Path) -> None:
    try:
        os.utime(path)
    except OSError:   # evicted by another process in the meantime; the loaded table stays readable
        pass


def evict_token_cache(folder: Path, keep: Path | None = None, max_files: int = TOKEN_CACHE_FILES,
                      max_bytes: int = TOKEN_CACHE_BYTES) -> list[Path]:
    """Delete the least recently used tables beyond `max_files` or `max_bytes` (never `keep`), and temp files
    left by crashed writes. Returns what was deleted. A process still reading a deleted table keeps its data:
    the file stays readable through an open handle."""
    tables, removed, now = [], [], time.time()
    for entry in os.scandir(folder):
        try:
            stat = entry.stat()
        except FileNotFoundError:   # deleted by another process since the listing
            continue
        if entry.name.endswith(".arrow"):
            tables.append((stat.st_mtime, stat.st_size, Path(entry.path)))
        elif entry.is_file() and now - stat.st_mtime > _STALE_TEMP_SECONDS:
            removed.append(Path(entry.path))
    kept_files = kept_bytes = 0
    for _, size, path in sorted(tables, key=lambda t: (t[2] != keep, -t[0])):   # `keep` first, then newest
        if path == keep or (kept_files < max_files and kept_bytes + size <= max_bytes):
            kept_files, kept_bytes = kept_files + 1, kept_bytes + size
        else:
            removed.append(path)
    for path in removed:
        path.unlink(missing_ok=True)
    return removed


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
    t = torch.from_numpy(np.array(rgb, dtype=np.float32)).movedim(-1, -3)   # a copy: writable
    return t / 127.5 - 1.0


class ImageSplit(torch.utils.data.Dataset):
    """Images as tensors; with `augment`, each access draws a new random flip, crop and brightness (from torch's
    global generator, which the Trainer seeds), so every epoch sees different variants."""

    def __init__(self, images, labels: np.ndarray, size: int, augment: bool = False, flip: bool = True):
        self.images, self.labels, self.size, self.augment, self.flip = images, labels, size, augment, flip

    def __len__(self):
        return len(self.labels)

    def __getitem__(self, i):
        pixels = image_tensor(image_array(self.images[i], self.size))
        if self.augment:
            from .augment import augment_images
            pixels = augment_images(pixels[None], flip=self.flip)[0]
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
    """`augment="image_basic"` or "image_crop" (the same without flips; pass it for the training split only)
    augments images on the fly; text augmentation happens earlier, as extra examples (workbench.core.perturb)."""
    if built.kind == "text":
        return tokenize_cached(split.x, split.y, built.tokenizer, max_length)
    if built.kind == "image":
        return ImageSplit(split.x, split.y, image_size, augment=augment in ("image_basic", "image_crop"),
                          flip=augment != "image_crop")
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
