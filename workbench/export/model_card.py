"""The exported folder's README.md: a model card with the data, the settings that differ from the defaults, the
test metrics with their interval (and the spread over seeds when other runs of the recipe exist), and the limits."""
from __future__ import annotations

import numpy as np

from ..core.config import RunConfig
from .command import changed_options, equivalent_code
from .train_script import dataset_title, model_title


def seed_spread(store, run_id: str, cfg: RunConfig) -> dict | None:
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
    from ..analysis.stats import wilson_interval
    from ..core.datasets import REGISTRY

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
        f"# {model_title(cfg)} fine-tuned on {dataset_title(d.dataset)}",
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
