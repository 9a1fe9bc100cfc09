"""Data checks before training: copies shared between splits (leakage), and training labels that look wrong.

`find_duplicates` pairs exact copies (same normalised text, same image bytes, same feature row) and, for texts,
near copies (cosine similarity of MiniLM sentence embeddings). `rank_label_noise` scores every training label
by how probable a simple classifier finds it when that example was held out; the least probable come first.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from itertools import combinations

import numpy as np
import pandas as pd

from ..core.datasets import Dataset, DatasetError, Splits

SPLIT_NAMES = ("train", "val", "test")
PAIR_COLUMNS = ["split_a", "id_a", "split_b", "id_b", "kind", "similarity", "text_a", "text_b"]
CHUNK_ROWS = 1024          # rows of one similarity block: 1024 x 10,000 float32 is 40 MB
IMAGE_FEATURE_SIZE = 16    # images are scored as flattened 16x16 RGB pixels
# Ten times sklearn's default regularisation: a model that fits the wrong labels less ranks them better. With 10%
# flipped, precision@k went from 0.73 to 0.77 (300 sms_spam), 0.80 to 0.85 (breast_cancer), 0.83 to 0.90 (digits).
NOISE_MODEL_C = 0.1


@dataclass
class DuplicateReport:
    pairs: pd.DataFrame                          # one row per pair of copies in different splits
    summary: dict = field(default_factory=dict)  # counts, and how much of the test set is also in training


class MemoEncoder:
    """An encoder that embeds each distinct text once, however often it appears or is asked for (checks that
    share one pass the same texts twice; datasets such as sms_spam repeat many messages)."""

    def __init__(self, encoder):
        self.encoder = encoder
        self._vectors: dict[str, np.ndarray] = {}

    def embed(self, texts) -> np.ndarray:
        texts = list(texts)
        missing = [t for t in dict.fromkeys(texts) if t not in self._vectors]
        if missing:
            self._vectors.update(zip(missing, self.encoder.embed(missing)))
        return np.stack([self._vectors[t] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)


def make_encoder(encoder=None):
    """An object with `.embed(texts)`: the given one, or a MemoEncoder over an Encoder for a folder or model
    name (None: the offline MiniLM)."""
    if hasattr(encoder, "embed"):
        return encoder
    from ..apps.embeddings import Encoder
    return MemoEncoder(Encoder(str(encoder) if encoder is not None else "minilm"))


# ---------------------------------------------------------------- duplicates


def normalize_text(text: str) -> str:
    """Lower case, punctuation and runs of spaces collapsed to one space (so 'Hello,  World!' == 'hello world')."""
    lowered = str(text).lower()
    return re.sub(r"[\W_]+", " ", lowered).strip() or lowered.strip()


def content_keys(ds: Dataset) -> list[str]:
    """A hash per example that is equal exactly when the content is (texts after `normalize_text`)."""
    if ds.kind == "text":
        items = (normalize_text(t).encode("utf-8") for t in ds.x)
    elif ds.kind == "tabular":
        rows = np.ascontiguousarray(np.asarray(ds.x, dtype=np.float64) + 0.0)   # + 0.0 turns -0.0 into 0.0
        items = (row.tobytes() for row in rows)
    else:
        items = (_image_bytes(item) for item in ds.x)
    return [hashlib.sha1(b).hexdigest() for b in items]


def _image_bytes(item) -> bytes:
    if isinstance(item, str):
        with open(item, "rb") as f:
            return f.read()
    array = np.ascontiguousarray(item)
    return str(array.shape).encode() + array.tobytes()


def find_duplicates(splits: Splits, near_threshold: float | None = 0.95, encoder=None) -> DuplicateReport:
    """Copies of the same example in two different splits: `exact` (same content key) and, for texts, `near`
    (cosine similarity of mean-pooled MiniLM embeddings >= near_threshold; None skips them). `encoder` is an
    Encoder, a model folder or name, or None for the offline MiniLM."""
    if near_threshold is not None and not 0 < near_threshold <= 1:
        raise ValueError(f"near_threshold must be in (0, 1] (got {near_threshold}); 0.95 finds light edits.")
    parts = {name: getattr(splits, name) for name in SPLIT_NAMES}
    keys = {name: content_keys(ds) for name, ds in parts.items()}
    rows = _exact_pairs(parts, keys)
    if near_threshold is not None and parts["train"].kind == "text":
        rows += _near_pairs(parts, keys, near_threshold, make_encoder(encoder))
    pairs = pd.DataFrame(rows, columns=PAIR_COLUMNS)
    return DuplicateReport(pairs, duplicate_summary(pairs, parts, keys))


def _pair_row(parts, a: str, i: int, b: str, j: int, kind: str, similarity: float) -> tuple:
    text = lambda ds, k: ds.x[k] if ds.kind == "text" else None  # noqa: E731
    return (a, int(parts[a].ids[i]), b, int(parts[b].ids[j]), kind, float(similarity),
            text(parts[a], i), text(parts[b], j))


def _exact_pairs(parts: dict, keys: dict) -> list[tuple]:
    where: dict[str, dict[str, list[int]]] = {}
    for name in SPLIT_NAMES:
        for i, key in enumerate(keys[name]):
            where.setdefault(key, {}).setdefault(name, []).append(i)
    rows = []
    for found in where.values():
        for a, b in combinations([n for n in SPLIT_NAMES if n in found], 2):
            rows += [_pair_row(parts, a, i, b, j, "exact", 1.0) for i in found[a] for j in found[b]]
    return rows


def _near_pairs(parts: dict, keys: dict, threshold: float, encoder) -> list[tuple]:
    vectors = {name: np.asarray(encoder.embed(list(parts[name].x)), dtype=np.float32) for name in SPLIT_NAMES}
    rows = []
    for a, b in combinations(SPLIT_NAMES, 2):
        for start in range(0, len(vectors[b]), CHUNK_ROWS):
            similarity = vectors[b][start:start + CHUNK_ROWS] @ vectors[a].T
            for j, i in zip(*np.nonzero(similarity >= threshold)):
                if keys[a][i] != keys[b][start + j]:        # exact copies are already listed
                    rows.append(_pair_row(parts, a, i, b, start + j, "near", similarity[j, i]))
    return rows


def duplicate_summary(pairs: pd.DataFrame, parts: dict, keys: dict) -> dict:
    """Pair counts per split pair, copies inside each split, and the share of test / validation examples
    that also appear (exactly or nearly) in training."""
    by_splits = {f"{a}-{b}": {kind: int(((pairs.split_a == a) & (pairs.split_b == b) & (pairs.kind == kind)).sum())
                              for kind in ("exact", "near")} for a, b in combinations(SPLIT_NAMES, 2)}
    summary = {"kind": parts["train"].kind, "sizes": {n: len(parts[n]) for n in SPLIT_NAMES},
               "exact_pairs": int((pairs.kind == "exact").sum()), "near_pairs": int((pairs.kind == "near").sum()),
               "pairs_by_splits": by_splits,
               "repeats_within": {n: len(keys[n]) - len(set(keys[n])) for n in SPLIT_NAMES}}
    for name in ("val", "test"):
        copied = pairs.loc[(pairs.split_a == "train") & (pairs.split_b == name), "id_b"].nunique()
        summary[f"{name}_with_copy_in_train"] = int(copied)
        summary[f"{name}_share_with_copy_in_train"] = copied / max(1, len(parts[name]))
    return summary


# ---------------------------------------------------------------- label noise


def rank_label_noise(data: Splits | Dataset, folds: int = 5, encoder=None, seed: int = 0,
                     flipped_ids=None) -> pd.DataFrame:
    """Training examples ordered from the least to the most believable label: `given_probability` is the
    out-of-fold probability a logistic regression gives the example's own label.

    Features are frozen MiniLM sentence embeddings for texts, standardised columns for tables and flattened
    16x16 pixels for images. Each probability comes from a model fitted on the other folds (scikit-learn's
    cross_val_predict), so an example never vouches for its own label: cheap, and honest about memorisation.
    `flipped_ids` (taken from perturbed splits' report when not given) adds a `flipped` column for scoring.
    """
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import StratifiedKFold, cross_val_predict
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    ds = data.train if isinstance(data, Splits) else data
    if flipped_ids is None and len(getattr(getattr(data, "report", None), "flipped_ids", [])):
        flipped_ids = data.report.flipped_ids
    check_folds(ds, folds)
    features = _noise_features(ds, encoder)
    model = make_pipeline(StandardScaler(), LogisticRegression(C=NOISE_MODEL_C, max_iter=2000))
    cv = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    probs = cross_val_predict(model, features, ds.y, cv=cv, method="predict_proba")
    given = probs[np.arange(len(ds)), ds.y]
    best = probs.argmax(axis=1)
    frame = pd.DataFrame({
        "id": ds.ids, "given_label": [ds.label_names[y] for y in ds.y], "given_probability": given,
        "suggested_label": [ds.label_names[b] for b in best], "suggested_probability": probs.max(axis=1),
    })
    if flipped_ids is not None:
        frame["flipped"] = np.isin(ds.ids, np.asarray(flipped_ids))
    if ds.kind == "text":
        frame["text"] = list(ds.x)
    frame = frame.sort_values("given_probability", kind="stable").reset_index(drop=True)
    frame.insert(0, "rank", np.arange(1, len(frame) + 1))
    return frame


def check_folds(ds: Dataset, folds: int) -> None:
    if folds < 2:
        raise ValueError(f"folds must be at least 2 (got {folds}); 5 is usual.")
    counts = np.bincount(ds.y, minlength=len(ds.label_names))
    scarce = [f"{ds.label_names[i]} ({c})" for i, c in enumerate(counts) if 0 < c < folds]
    if scarce:
        raise DatasetError(f"{folds}-fold scoring needs at least {folds} training examples per class; "
                           f"{', '.join(scarce)} have fewer. Lower folds or add data.")


def _noise_features(ds: Dataset, encoder) -> np.ndarray:
    if ds.kind == "text":
        return np.asarray(make_encoder(encoder).embed(list(ds.x)), dtype=np.float32)
    if ds.kind == "tabular":
        return np.asarray(ds.x, dtype=np.float32)
    from ..core.inputs import image_array
    return np.stack([image_array(item, IMAGE_FEATURE_SIZE).reshape(-1) for item in ds.x]).astype(np.float32) / 255


def precision_at_k(ranking: pd.DataFrame, flipped_ids, k: int | None = None) -> float:
    """Share of the top-k suspects that really were flipped (k defaults to the number flipped)."""
    flipped = np.asarray(flipped_ids)
    k = len(flipped) if k is None else k
    if k < 1:
        raise ValueError("precision@k needs k >= 1 (and at least one flipped id when k is not given).")
    return float(np.isin(ranking["id"].to_numpy()[:k], flipped).mean())
