"""A finished run written as a folder that needs no workbench (see the package docstring for what it holds),
as a zip for the Runs page, and the checks that refuse what the script cannot express."""
from __future__ import annotations

import csv
import io
import json
import shutil
import tempfile
import zipfile
from pathlib import Path

import numpy as np

from ..core.config import RunConfig
from .model_card import model_card, seed_spread
from .predict_script import predict_script
from .train_script import column_names, train_script


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


def export_run(run_id: str, to, store=None) -> Path:
    """Write the finished run `run_id` as a standalone folder `to` (created; must not hold files yet)."""
    from ..core.runner import prepare_splits
    from ..core.store import RunStore

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
    (out / "README.md").write_text(model_card(cfg, kind, splits, metrics, run_id, seed_spread(store, run_id, cfg)),
                                   encoding="utf-8")
    return out


def export_problem(run_id: str, store=None) -> str | None:
    """Why `run_id` cannot be exported (not finished, no saved model, a strategy the script cannot express), or
    None; quick, for deciding whether to offer the download."""
    from ..core.store import RunStore

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


def _write_data(folder: Path, splits) -> None:
    """data.csv: one row per example of each split, in the run's order; images under images/<class>/."""
    from PIL import Image

    folder.mkdir(parents=True)
    kind = splits.train.kind
    label_col, split_col = column_names(list(splits.train.feature_names))
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

    from ..core.models import get_path

    with torch.device("meta"):
        hf = AutoModelForSequenceClassification.from_config(AutoConfig.from_pretrained(model_folder))
    base = hf.base_model
    blocks = "[backbone]"
    for path in ("encoder.layer", "transformer.layer", "layers", "h", "encoder.layers"):
        if get_path(base, path) is not None:
            embeddings = next((n for n in ("embeddings", "embed_tokens") if getattr(base, n, None) is not None), None)
            blocks = f"[backbone.{embeddings}, *backbone.{path}]" if embeddings else f"list(backbone.{path})"
            break
    names = {name.split(".")[-1] for name, _ in hf.named_modules()}
    return {"blocks": blocks,
            "lora_targets": [t for t in ("query", "value", "q_lin", "v_lin", "q_proj", "v_proj") if t in names],
            "heads": [h for h in ("classifier", "score", "pre_classifier") if h in names]}
