"""Deliberate damage to the training split, so its effect can be measured on clean validation and test splits.

In order: make a class rare, flip a share of the labels, add augmented copies of the texts, copy test rows
into training. Every step is seeded, and the `PerturbationReport` records which example ids each one touched,
so a detector (a label-noise ranking, a duplicate finder) can be scored against the truth.
"""
from __future__ import annotations

import dataclasses
import string
from dataclasses import dataclass, field

import numpy as np

from .config import ConfigError, DataConfig
from .datasets import Dataset, Splits


@dataclass
class PerturbationReport:
    removed_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))   # reduce_class
    flipped_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))   # label_noise
    original_labels: dict = field(default_factory=dict)       # flipped id -> its true label index
    augmented_from: dict = field(default_factory=dict)        # new (negative) id -> source training id
    leaked_ids: np.ndarray = field(default_factory=lambda: np.array([], dtype=np.int64))    # test ids copied
    leak_kinds: list = field(default_factory=list)            # per leaked id: "exact" or the near-duplicate edit

    def summary(self) -> dict:
        return {"removed": len(self.removed_ids), "flipped": len(self.flipped_ids),
                "augmented": len(self.augmented_from), "leaked": len(self.leaked_ids)}


@dataclass
class PerturbedSplits(Splits):
    report: PerturbationReport = field(default_factory=PerturbationReport)

    @property
    def flipped_ids(self) -> np.ndarray:
        return self.report.flipped_ids


def apply_perturbations(splits: Splits, data: DataConfig, seed: int) -> PerturbedSplits:
    """The splits with `data`'s perturbations applied to the training split only (validation and test stay
    clean). Raises ConfigError for a perturbation that does not fit the data."""
    _check_fits(splits.train, data)
    rng = np.random.default_rng(seed)
    report = PerturbationReport()
    train = splits.train
    if data.reduce_class is not None and data.reduce_to < 1:
        train, report.removed_ids = reduce_class(train, data.reduce_class, data.reduce_to, rng)
    if data.label_noise > 0:
        train, report.flipped_ids, report.original_labels = flip_labels(train, data.label_noise, rng)
    if data.augment.startswith("text_"):
        train, report.augmented_from = add_augmented_texts(train, data.augment.removeprefix("text_"), seed)
    if data.leak_fraction > 0:
        train, report.leaked_ids = leak_test_rows(train, splits.test, data.leak_fraction, rng)
        report.leak_kinds = ["exact"] * len(report.leaked_ids)
        if data.leak_edit == "mixed":
            train, report.leak_kinds = edit_leaked_rows(train, report.leaked_ids, rng)
    return PerturbedSplits(train, splits.val, splits.test, report)


AUGMENTATIONS_FOR = {"text": "text_swap, text_delete, text_synonym or text_mix", "image": "image_basic or image_crop",
                     "tabular": "none (there is no augmentation for tables)"}


def _check_fits(train: Dataset, data: DataConfig) -> None:
    wanted_kind = "text" if data.augment.startswith("text_") else "image" if data.augment.startswith("image_") else None
    if wanted_kind not in (None, train.kind):
        raise ConfigError(f"augment={data.augment!r} is for {wanted_kind} data, but {train.name} is {train.kind} "
                          f"data; use {AUGMENTATIONS_FOR[train.kind]}.")
    if data.leak_edit != "none" and train.kind != "text":
        raise ConfigError(f"leak_edit={data.leak_edit!r} edits texts, but {train.name} is {train.kind} data; "
                          "use leak_edit='none'.")
    if data.reduce_to < 1 and data.reduce_class is None:
        raise ConfigError(f"reduce_to={data.reduce_to} needs reduce_class: name the class to make rare, e.g. "
                          f"--reduce-class {train.label_names[-1]}.")


def class_index(label_names: list[str], reduce_class) -> int:
    """The index of a class given by name (exact, then case-insensitive) or by index."""
    text = str(reduce_class).strip()
    if text in label_names:
        return label_names.index(text)
    lowered = [n.lower() for n in label_names]
    if text.lower() in lowered:
        return lowered.index(text.lower())
    if text.lstrip("-").isdigit() and 0 <= int(text) < len(label_names):
        return int(text)
    raise ConfigError(f"reduce_class={reduce_class!r} is not a class of this dataset; use a name "
                      f"({', '.join(label_names)}) or an index from 0 to {len(label_names) - 1}.")


def reduce_class(train: Dataset, which, keep_share: float, rng) -> tuple[Dataset, np.ndarray]:
    """Keep `keep_share` (at least one) of one class's training examples, chosen at random."""
    members = np.flatnonzero(train.y == class_index(train.label_names, which))
    n_keep = max(1, round(keep_share * len(members)))
    dropped = rng.choice(members, size=len(members) - n_keep, replace=False)
    kept = np.setdiff1d(np.arange(len(train)), dropped)
    return train.take(kept), np.sort(train.ids[dropped])


def flip_labels(train: Dataset, share: float, rng) -> tuple[Dataset, np.ndarray, dict]:
    """Give `share` of the examples (at least one) a label drawn uniformly from the other classes."""
    n_classes = len(train.label_names)
    chosen = np.sort(rng.choice(len(train), size=max(1, round(share * len(train))), replace=False))
    y = train.y.copy()
    # Adding 1..n_classes-1 modulo n_classes lands uniformly on every class but the true one.
    y[chosen] = (y[chosen] + rng.integers(1, n_classes, size=len(chosen))) % n_classes
    original = {int(i): int(label) for i, label in zip(train.ids[chosen], train.y[chosen])}
    return dataclasses.replace(train, y=y), train.ids[chosen], original


def add_augmented_texts(train: Dataset, method: str, seed: int) -> tuple[Dataset, dict]:
    """Append one augmented copy of every training text, with its label and a new negative id (synthetic
    examples can never clash with a real example's id)."""
    from .augment import augment_texts

    copies = augment_texts(train.x, method, seed)
    new_ids = -1 - np.arange(len(train), dtype=np.int64)
    out = _concat(train, copies, train.y, new_ids)
    return out, {int(n): int(s) for n, s in zip(new_ids, train.ids)}


def leak_test_rows(train: Dataset, test: Dataset, share: float, rng) -> tuple[Dataset, np.ndarray]:
    """Copy `share` of the test rows (at least one) into training, with their ids and true labels."""
    chosen = np.sort(rng.choice(len(test), size=max(1, round(share * len(test))), replace=False))
    leaked = test.take(chosen)
    return _concat(train, leaked.x, leaked.y, leaked.ids), leaked.ids


LEAK_EDIT_KINDS = ("exact", "casing", "punctuation", "word")


def edit_leaked_rows(train: Dataset, leaked_ids: np.ndarray, rng) -> tuple[Dataset, list[str]]:
    """Turn the leaked copies (the last len(leaked_ids) training rows) into near-duplicates, taking the kinds in
    turn: left exact, re-cased (upper case), re-punctuated (punctuation around words dropped, '!' added) or one word
    changed (a synonym where the built-in table has one, else 'this'). Returns the rows' kinds in leaked order."""
    from .augment import SYNONYMS

    x, start, kinds = list(train.x), len(train) - len(leaked_ids), []
    for k in range(len(leaked_ids)):
        kind = LEAK_EDIT_KINDS[k % len(LEAK_EDIT_KINDS)]
        text = x[start + k]
        if kind == "casing":
            text = text.upper()
        elif kind == "punctuation":
            words = [w.strip(string.punctuation) for w in text.split()]
            text = " ".join(w for w in words if w) + "!"
        elif kind == "word":
            words = text.split()
            with_synonym = [i for i, w in enumerate(words) if w.lower() in SYNONYMS]
            long_words = [i for i, w in enumerate(words) if len(w) > 3] or list(range(len(words)))
            i = int(rng.choice(with_synonym or long_words))
            options = SYNONYMS.get(words[i].lower(), ["this"])
            words[i] = options[int(rng.integers(len(options)))]
            text = " ".join(words)
        x[start + k] = text
        kinds.append(kind)
    return dataclasses.replace(train, x=x), kinds


def _concat(ds: Dataset, extra_x, extra_y: np.ndarray, extra_ids: np.ndarray) -> Dataset:
    if isinstance(ds.x, list):
        x = ds.x + list(extra_x)
    else:
        x = np.concatenate([ds.x, np.asarray(extra_x, dtype=ds.x.dtype)])
    return Dataset(ds.name, ds.kind, x, np.concatenate([ds.y, extra_y]), ds.label_names,
                   np.concatenate([ds.ids, extra_ids]), ds.feature_names, ds.source)
