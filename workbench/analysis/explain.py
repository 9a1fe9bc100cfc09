"""SHAP and LIME explanations of one prediction, as plain data, for text, images and tables.

Everything here works on a *predictor* (see `workbench.core.predict.Predictor`):

    predictor.kind            "text" | "image" | "tabular"
    predictor.label_names     list[str]
    predictor.predict_proba(inputs) -> (n, C) probabilities; inputs are a list[str], a uint8 (n, H, W, 3) array,
                              or an (n, F) float array of raw feature values
    predictor.tokenizer, predictor.max_length      text only (a Hugging Face *fast* tokenizer)
    predictor.image_size                           image only
    predictor.feature_names, predictor.background  tabular only

Both methods return one result type, `Explanation`, over the same units so they can be compared
(`agreement`):

* text: words (the tokenizer's own word split; a word made of several word pieces is one unit). SHAP's
  Partition explainer works on tokens through `shap.maskers.Text(tokenizer)`; token values are summed per word
  (SHAP values are additive, so that is exact). LIME masks the same words (`bow=False`, one unit per position)
  with the tokenizer's mask token, the same replacement SHAP's Text masker uses.
* image: superpixels of one seeded SLIC segmentation. Hidden pixels are replaced by the same blurred copy of the
  image for both methods. SHAP (Partition explainer, `shap.maskers.Image`) gives per-pixel values, summed per
  superpixel; LIME explains the superpixels directly. `heatmap` is per-pixel attribution for the explained
  class that sums, over a superpixel, to its weight (LIME's weight is spread evenly over its pixels).
* tabular: features. SHAP's Permutation explainer with an Independent masker over (a sample of) the predictor's
  background rows; LIME's `LimeTabularExplainer` on the background rows.

Heavy libraries (shap, lime, skimage, scipy, PIL) load inside the functions: importing this module is cheap and
it never imports a UI library. Explanations are seeded (same input and seed -> same weights) and serialised by a
module lock, because SHAP draws from NumPy's global random state (which is saved and restored around each call).
"""
from __future__ import annotations

import contextlib
import dataclasses
import math
import threading
import time
from dataclasses import dataclass, field
from typing import Any

import numpy as np

# ---------------------------------------------------------------------------------------------------------------
# Defaults. Chosen for interactive speed on a 2-core CPU while staying close to the libraries' own defaults.
#
# Text: the target is SHAP + LIME for a ~20-token sentence on the 22M-param MiniLM in <= 2 s in total, with top-5
# agreement >= 0.8 against the libraries' defaults (LIME 5,000 samples; SHAP max_evals=500, batch 5). Cost is one
# forward pass of a short sentence per LIME sample / SHAP evaluation (~2.5-3.5 ms each on 2 cores). Measured on
# this machine (MiniLM with a briefly trained head, six 19-25 token review sentences, top-5 vs those defaults):
#   SHAP max_evals 200/batch 16: 0.75 s, top-5 0.83 (min 0.8); 250/16: 0.96 s, 0.87; 300/32: 0.96 s, 0.93;
#   250/32: top-5 0.77 (min 0.6); 400/32: 1.23 s, 0.97.  (The default 500/5 itself: ~1.9 s.)
#   LIME 300 samples: 0.78 s, top-5 0.93 (min 0.8); 400: 1.18 s, 0.95; 500: 1.24 s, 0.97.  (5,000: ~14.5 s; two
#   5,000-sample runs with different seeds agree 0.97, so that is the ceiling.)
# SHAP's Partition explainer spends its budget on the coalitions that move the output most, so ~15 evaluations
# per token already separate the words that matter; LIME's ridge fit over ~20 binary features is stable with ~15
# samples per feature. SHAP 300/32 + LIME 300 is ~1.75 s together (unloaded machine). The lead may retune.
DEFAULT_SHAP_EVALS = 300
DEFAULT_LIME_SAMPLES = 300
# SHAP's Partition explainer expands this many tree nodes (2 model inputs each) per model call. SHAP's text
# default is 5 (10 sentences per forward pass); 32 (64 sentences, the predictor's batch) is ~15% faster on a CPU
# and, with a budget of hundreds of evaluations, barely changes which nodes get expanded (same top-5 above).
DEFAULT_SHAP_TEXT_BATCH = 32

# Images: an EfficientNet-Lite0 forward pass at 128 px costs ~10 ms per image on 2 cores (batched), so
# 300 masked images keep one explanation to ~3 s (measured: SHAP 300 evals 3.3 s, LIME 300 samples 2.7 s; top-5
# superpixels vs 1,000 evaluations / samples: SHAP 1.0, LIME 0.8). ~40 requested SLIC superpixels (SLIC merges
# some: 24 on a typical photo) keep LIME at >= ~7 samples per superpixel and still localise an object.
DEFAULT_SHAP_IMAGE_EVALS = 300
DEFAULT_LIME_IMAGE_SAMPLES = 300
DEFAULT_IMAGE_SEGMENTS = 40
DEFAULT_IMAGE_BATCH = 25          # SHAP nodes per call (50 images); LIME images per call is 2x this
DEFAULT_IMAGE_HIDE = "blur"       # hidden pixels become: "blur" (box blur over half the image), "mean" or "black"

# Tables: tabular models are cheap to evaluate, so keep the libraries' quality: LIME's own default of 5,000
# samples, and 10 antithetic permutations for SHAP (10 * (2F + 1) evaluations) over 100 background rows.
DEFAULT_LIME_TABULAR_SAMPLES = 5000
DEFAULT_SHAP_PERMUTATIONS = 10
DEFAULT_BACKGROUND_ROWS = 100     # SHAP's masker averages over these; LIME uses up to LIME_BACKGROUND_ROWS
LIME_BACKGROUND_ROWS = 2000

METHODS = ("shap", "lime")
KINDS = ("text", "image", "tabular")

_LOCK = threading.RLock()


# ---------------------------------------------------------------------------------------------------------------
# Result
@dataclass
class Explanation:
    """One explained prediction. `weights[i, c]` is how much unit i pushes class c's probability up (+) or down."""

    method: str                       # "shap" | "lime"
    kind: str                         # "text" | "image" | "tabular"
    units: list[str]                  # words / superpixel ids ("0", "1", ...) / feature names
    weights: np.ndarray               # (n_units, n_classes)
    target: int                       # the class explained (default: the predicted class)
    prediction: int
    probabilities: list[float]
    label_names: list[str]
    settings: dict = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    base_values: list[float] | None = None   # SHAP: expected value per class; LIME: intercept per class
    # text
    text: str | None = None                   # the text explained (the first window when it was too long)
    spans: list[tuple[int, int]] | None = None  # character span of each unit in `text`
    # image
    segments: np.ndarray | None = None        # (H, W) int: pixel -> unit index
    heatmap: np.ndarray | None = None         # (H, W) float: per-pixel attribution for `target`
    image: np.ndarray | None = None           # (H, W, 3) uint8: the image as the model saw it
    # tabular
    feature_values: list[float] | None = None

    def __post_init__(self):
        self.weights = np.asarray(self.weights, dtype=np.float64)
        if self.weights.ndim == 1:
            self.weights = self.weights[:, None]

    @property
    def n_units(self) -> int:
        return len(self.units)

    @property
    def target_label(self) -> str:
        return _label(self.label_names, self.target)

    @property
    def prediction_label(self) -> str:
        return _label(self.label_names, self.prediction)

    def unit_weights(self, target: int | str | None = None) -> np.ndarray:
        """The 1-D weights (n_units,) for one class (default: the explained class)."""
        t = self.target if target is None else _class_index(target, self.label_names, self.weights.shape[1])
        return self.weights[:, t].copy()

    def top(self, k: int = 5, target: int | str | None = None) -> list[tuple[str, float]]:
        """The k units with the largest |weight| for a class, as (unit, weight), strongest first."""
        w = self.unit_weights(target)
        order = _rank(w)[:max(0, min(k, len(w)))]
        return [(self.units[i], float(w[i])) for i in order]

    def heatmap_for(self, target: int | str | None = None) -> np.ndarray | None:
        """Image only: the per-pixel map for any class, built from the per-superpixel weights.

        For the explained class of a SHAP explanation prefer `heatmap` (true per-pixel values)."""
        if self.segments is None:
            return None
        w = self.unit_weights(target)
        sizes = np.bincount(self.segments.ravel(), minlength=len(w)).astype(np.float64)
        return (w / np.maximum(sizes, 1))[self.segments]

    def to_dict(self, include_image: bool = False) -> dict:
        """JSON-safe plain data (lists, floats, ints, strings, None; NaN becomes None)."""
        out = {
            "method": self.method, "kind": self.kind, "units": list(self.units),
            "weights": _plain(self.weights), "target": int(self.target), "target_label": self.target_label,
            "prediction": int(self.prediction), "prediction_label": self.prediction_label,
            "probabilities": _plain(self.probabilities), "label_names": list(self.label_names),
            "settings": _plain(self.settings), "seconds": float(self.seconds), "notes": list(self.notes),
            "base_values": _plain(self.base_values),
        }
        if self.text is not None:
            out["text"] = self.text
        if self.spans is not None:
            out["spans"] = [[int(a), int(b)] for a, b in self.spans]
        if self.segments is not None:
            out["segments"] = _plain(self.segments)
        if self.heatmap is not None:
            out["heatmap"] = _plain(self.heatmap)
        if self.image is not None and include_image:
            out["image"] = _plain(self.image)
        if self.feature_values is not None:
            out["feature_values"] = _plain(self.feature_values)
        return out

    @classmethod
    def from_dict(cls, data: dict) -> "Explanation":
        """Inverse of `to_dict` (for cached explanations)."""
        names = {f.name for f in dataclasses.fields(cls)}
        kw = {k: v for k, v in data.items() if k in names}
        kw["weights"] = _float_array(kw["weights"]).reshape(len(kw["units"]), len(kw["label_names"]))
        if kw.get("heatmap") is not None:
            kw["heatmap"] = _float_array(kw["heatmap"])
        for key, dtype in (("segments", np.int64), ("image", np.uint8)):
            if kw.get(key) is not None:
                kw[key] = np.asarray(kw[key], dtype=dtype)
        if kw.get("spans") is not None:
            kw["spans"] = [tuple(s) for s in kw["spans"]]
        return cls(**kw)


# ---------------------------------------------------------------------------------------------------------------
# Public entry points
def explain(predictor, item, method: str = "shap", **kw) -> Explanation:
    """Explain one item (text / image / row, by `predictor.kind`) with SHAP or LIME."""
    kind = getattr(predictor, "kind", None)
    if kind == "text":
        return explain_text(predictor, item, method, **kw)
    if kind == "image":
        return explain_image(predictor, item, method, **kw)
    if kind == "tabular":
        return explain_tabular(predictor, item, method, **kw)
    raise ValueError(f"Unknown predictor kind {kind!r}; expected one of {', '.join(KINDS)}.")


def explain_both(predictor, item, k: int = 5, **kw) -> tuple[Explanation, Explanation, dict]:
    """SHAP and LIME for the same item and class, and how much they agree (see `agreement`)."""
    with _LOCK:
        shap_expl = explain(predictor, item, "shap", **kw)
        kw = {**kw, "target": shap_expl.target}
        lime_expl = explain(predictor, item, "lime", **kw)
        return shap_expl, lime_expl, agreement(shap_expl, lime_expl, k=k)


def explain_across_checkpoints(predictors: dict, item, method: str = "shap", target: int | str | None = None,
                               **kw) -> dict[str, Explanation]:
    """The same item explained by several models (e.g. "pretrained", "mid-run", "final"), all for one class.

    The class is `target` if given, else the final model's prediction (the entry named "final", or the last one).
    """
    if not predictors:
        raise ValueError("No predictors given.")
    names = list(predictors)
    final = "final" if "final" in predictors else names[-1]
    out: dict[str, Explanation] = {}
    with _LOCK:
        out[final] = explain(predictors[final], item, method, target=target, **kw)
        t = out[final].target
        for name in names:
            if name == final:
                continue
            n_classes = len(predictors[name].label_names)
            if t >= n_classes:
                raise ValueError(f"Model {name!r} has {n_classes} classes; cannot explain class {t} "
                                 f"({out[final].target_label!r}) of the final model.")
            out[name] = explain(predictors[name], item, method, target=t, **kw)
        for name in names:
            if name != final and out[name].units != out[final].units:
                out[name].notes.append(f"units differ from the {final!r} model's (different tokenizer or "
                                       f"image size): compare by unit name, not position.")
    return {name: out[name] for name in names}


def agreement(a: Explanation, b: Explanation, k: int = 5, target: int | str | None = None) -> dict:
    """How similar two explanations of the same item are, for one class (default: `a`'s explained class).

    top_k_overlap: |top-k(a) ∩ top-k(b)| / k, units ranked by |weight| and matched by position (k is clipped to
    the number of units); spearman: Spearman rank correlation of the signed weights over all units (None when
    undefined, e.g. constant weights); spearman_abs: the same on |weight|; sign_agreement: the share of the shared
    top-k units whose weights have the same sign.
    """
    if len(a.units) != len(b.units):
        raise ValueError(f"Explanations have different units ({len(a.units)} vs {len(b.units)}): "
                         "they must explain the same item with the same segmentation.")
    n = len(a.units)
    if n == 0:
        raise ValueError("Explanations have no units.")
    t = a.target if target is None else _class_index(target, a.label_names, a.weights.shape[1])
    wa, wb = a.unit_weights(t), b.unit_weights(t)
    k = max(1, min(int(k), n))
    top_a, top_b = list(_rank(wa)[:k]), list(_rank(wb)[:k])
    shared = [i for i in top_a if i in set(top_b)]
    signs = [np.sign(wa[i]) == np.sign(wb[i]) for i in shared]
    return {
        "k": k, "target": int(t), "n_units": n,
        "top_k_overlap": len(shared) / k,
        "spearman": _spearman(wa, wb),
        "spearman_abs": _spearman(np.abs(wa), np.abs(wb)),
        "sign_agreement": (float(np.mean(signs)) if signs else None),
        "top_a": [a.units[i] for i in top_a], "top_b": [b.units[i] for i in top_b],
        "shared": [a.units[i] for i in shared],
        "methods": [a.method, b.method],
    }


def warm_up(kinds: tuple[str, ...] = ("text", "image", "tabular")) -> float:
    """Import shap and lime and compile SHAP's numba code on toy inputs for the given kinds of data (each has its
    own path); returns the seconds it took.

    The first SHAP explanation in a process otherwise pays this (about 3 s of imports plus 3-8 s of JIT
    compilation per path on a 2-core CPU). An app can call this in a background thread at start-up.
    """
    start = time.perf_counter()
    with _LOCK, _seeded(0):
        import shap
        from lime import lime_image, lime_tabular, lime_text  # noqa: F401

        def two(v):
            v = np.asarray(v, dtype=np.float64).reshape(-1)
            return np.stack([0.5 + 0.1 * np.tanh(v), 0.5 - 0.1 * np.tanh(v)], axis=1)

        if "text" in kinds:     # Partition explainer + Text masker (SHAP's regex tokenizer, no model files)
            shap.explainers.Partition(lambda xs: two([str(x).count("b") for x in np.asarray(xs, dtype=object).ravel()]),
                                      shap.maskers.Text())(["a b c d"], max_evals=20, silent=True)
        if "image" in kinds:    # Partition explainer + Image masker (builds its pixel partition tree)
            shap.explainers.Partition(lambda x: two(np.asarray(x).reshape(len(x), -1).mean(1)),
                                      shap.maskers.Image(np.zeros((4, 4, 3), np.float32), shape=(4, 4, 3)))(
                np.ones((1, 4, 4, 3), np.float32), max_evals=20, silent=True)
        if "tabular" in kinds:  # Permutation explainer + Independent masker
            shap.explainers.Permutation(lambda x: two(np.asarray(x).sum(1)),
                                        shap.maskers.Independent(np.zeros((3, 3))), seed=0)(
                np.ones((1, 3)), max_evals=20, silent=True)
    return time.perf_counter() - start


# ---------------------------------------------------------------------------------------------------------------
# Text
def explain_text(predictor, text: str, method: str = "shap", target: int | str | None = None, seed: int = 0,
                 max_evals: int | None = None, num_samples: int | None = None,
                 batch_size: int | None = None) -> Explanation:
    """Explain a text prediction word by word.

    SHAP: Partition explainer over `shap.maskers.Text(predictor.tokenizer)` (token values summed per word),
    `max_evals` model evaluations (default DEFAULT_SHAP_EVALS). LIME: `LimeTextExplainer` over the same words,
    masked with the tokenizer's mask token, `num_samples` perturbed texts (default DEFAULT_LIME_SAMPLES).
    Text longer than the model's limit is cut to its first `max_length - 2` tokens (at a word boundary).
    """
    method = _check(predictor, "text", method)
    if not isinstance(text, str):
        raise TypeError(f"Text must be a str, got {type(text).__name__}.")
    if not text.strip():
        raise ValueError("Cannot explain empty text: give at least one word.")
    tokenizer = predictor.tokenizer
    if tokenizer is None or not getattr(tokenizer, "is_fast", False):
        raise TypeError("Text explanations need the predictor's Hugging Face *fast* tokenizer (word offsets).")
    with _LOCK, _seeded(seed):
        start = time.perf_counter()
        notes: list[str] = []
        max_length = int(getattr(predictor, "max_length", 0) or 0) or None
        text, words, spans, token_word = _text_window(tokenizer, text, max_length, notes)
        probs = _proba(predictor, [text])[0]
        prediction = int(np.argmax(probs))
        t = prediction if target is None else _class_index(target, predictor.label_names, len(probs))
        n_classes = len(probs)
        mask_token = getattr(tokenizer, "mask_token", None)

        if method == "shap":
            import shap

            evals = int(max_evals or DEFAULT_SHAP_EVALS)
            bs = int(batch_size or DEFAULT_SHAP_TEXT_BATCH)

            def f(xs):
                return _proba(predictor, [str(x) for x in np.asarray(xs, dtype=object).reshape(-1)])

            masker = shap.maskers.Text(tokenizer)
            explainer = shap.explainers.Partition(f, masker, output_names=list(predictor.label_names))
            sv = explainer([text], max_evals=evals, batch_size=bs, silent=True)
            values = np.asarray(sv.values[0], dtype=np.float64).reshape(len(token_word), n_classes)
            weights = np.zeros((len(words), n_classes))
            for tok, w in enumerate(token_word):
                if w is not None:
                    weights[w] += values[tok]
            base = np.asarray(sv.base_values[0], dtype=np.float64).reshape(-1).tolist()
            settings = {"max_evals": evals, "batch_size": bs, "explainer": "Partition", "masker": "Text",
                        "mask_token": masker.mask_token, "seed": seed}
        else:
            from lime.lime_text import LimeTextExplainer

            samples = int(num_samples or DEFAULT_LIME_SAMPLES)
            mask_string = mask_token if mask_token is not None else ""
            explainer = LimeTextExplainer(class_names=list(predictor.label_names), feature_selection="none",
                                          split_expression=lambda s: [s[a:b] for a, b in spans], bow=False,
                                          mask_string=mask_string, random_state=seed)
            exp = explainer.explain_instance(text, lambda xs: _proba(predictor, list(xs)),
                                             labels=list(range(n_classes)), num_features=len(words),
                                             num_samples=samples)
            n_found = exp.domain_mapper.indexed_string.num_words()
            if n_found != len(words):  # pragma: no cover - defensive: LIME's segmentation disagreed with ours
                raise RuntimeError(f"LIME split the text into {n_found} words, expected {len(words)}.")
            weights = _lime_weights(exp, len(words), n_classes)
            base = [float(exp.intercept.get(c, 0.0)) for c in range(n_classes)]
            settings = {"num_samples": samples, "mask_string": mask_string, "kernel_width": 25,
                        "explainer": "LimeTextExplainer", "seed": seed}
        return Explanation(method=method, kind="text", units=words, weights=weights, target=t,
                           prediction=prediction, probabilities=probs.tolist(),
                           label_names=list(predictor.label_names), settings=settings,
                           seconds=time.perf_counter() - start, notes=notes, base_values=base, text=text,
                           spans=spans)


def _text_window(tokenizer, text: str, max_length: int | None, notes: list[str]):
    """(text, words, spans, token->word index) for the part of `text` the model sees."""
    enc = tokenizer(text, add_special_tokens=False, return_offsets_mapping=True)
    n_tokens = len(enc["input_ids"])
    if n_tokens == 0:
        raise ValueError("Cannot explain empty text: the tokenizer found no tokens in it.")
    if max_length and n_tokens > max_length - 2:
        keep = max(1, max_length - 2)
        offsets, word_ids = enc["offset_mapping"], enc.word_ids()
        cut = offsets[keep - 1][1]
        if word_ids[keep] is not None and word_ids[keep] == word_ids[keep - 1]:
            # do not cut a word in half: stop before the word that straddles the limit (unless it is the only one)
            first = min(i for i in range(keep) if word_ids[i] == word_ids[keep - 1])
            if first > 0:
                cut = offsets[first - 1][1]
        text = text[:cut].rstrip()
        notes.append(f"text longer than {max_length} tokens ({n_tokens + 2} with special tokens): explained the "
                     f"first window ({len(text)} characters).")
    # the same call SHAP's Text masker makes, so token i here is SHAP's feature i
    enc = tokenizer(text, return_offsets_mapping=True)
    word_ids, offsets = enc.word_ids(), enc["offset_mapping"]
    words, spans, token_word, index = [], [], [], {}
    for tok, wid in enumerate(word_ids):
        a, b = offsets[tok]
        if wid is None or b <= a:
            token_word.append(None)
            continue
        if wid not in index:
            index[wid] = len(spans)
            spans.append([a, b])
        else:
            span = spans[index[wid]]
            span[0], span[1] = min(span[0], a), max(span[1], b)
        token_word.append(index[wid])
    spans = [(int(a), int(b)) for a, b in spans]
    words = [text[a:b] for a, b in spans]
    if not words:
        raise ValueError("Cannot explain empty text: the tokenizer found no words in it.")
    return text, words, spans, token_word


# ---------------------------------------------------------------------------------------------------------------
# Images
def explain_image(predictor, image, method: str = "shap", target: int | str | None = None, seed: int = 0,
                  max_evals: int | None = None, num_samples: int | None = None, n_segments: int | None = None,
                  hide: str | None = None, batch_size: int | None = None) -> Explanation:
    """Explain an image prediction per superpixel (plus a per-pixel `heatmap` for the explained class).

    `image`: a PIL image, an array (H, W), (H, W, 1|3|4) of any numeric dtype, or a file path; it is converted to
    RGB uint8 and resized to `predictor.image_size` (with a note when it had to be). SHAP: Partition explainer
    with `shap.maskers.Image` (hidden pixels take the `hide` image), `max_evals` evaluations; values are summed per
    superpixel. LIME: `LimeImageExplainer` over the same seeded SLIC superpixels, `num_samples` samples.
    """
    method = _check(predictor, "image", method)
    size = int(predictor.image_size)
    with _LOCK, _seeded(seed):
        start = time.perf_counter()
        notes: list[str] = []
        rgb = _to_rgb(image, size, notes)
        probs = _proba(predictor, rgb[None])[0]
        prediction = int(np.argmax(probs))
        t = prediction if target is None else _class_index(target, predictor.label_names, len(probs))
        n_classes = len(probs)
        n_seg_wanted = int(n_segments or DEFAULT_IMAGE_SEGMENTS)
        segments = _segment(rgb, n_seg_wanted)
        n_seg = int(segments.max()) + 1
        sizes = np.bincount(segments.ravel(), minlength=n_seg).astype(np.float64)
        hide = hide or DEFAULT_IMAGE_HIDE
        hidden = _hidden_image(rgb, hide)
        bs = int(batch_size or DEFAULT_IMAGE_BATCH)

        def model(x):
            x = np.asarray(x, dtype=np.float32).reshape(-1, size, size, 3)
            return _proba(predictor, np.clip(np.rint(x), 0, 255).astype(np.uint8))

        if method == "shap":
            import shap

            evals = int(max_evals or DEFAULT_SHAP_IMAGE_EVALS)
            masker = shap.maskers.Image(hidden.astype(np.float32), shape=rgb.shape)
            explainer = shap.explainers.Partition(model, masker, output_names=list(predictor.label_names))
            sv = explainer(rgb[None].astype(np.float32), max_evals=evals, batch_size=bs, silent=True)
            pixel = np.asarray(sv.values[0], dtype=np.float64).reshape(size, size, 3, n_classes).sum(axis=2)
            weights = np.stack([np.bincount(segments.ravel(), weights=pixel[..., c].ravel(), minlength=n_seg)
                                for c in range(n_classes)], axis=1)
            heatmap = pixel[..., t]
            base = np.asarray(sv.base_values[0], dtype=np.float64).reshape(-1).tolist()
            settings = {"max_evals": evals, "batch_size": bs, "explainer": "Partition", "masker": "Image",
                        "hide": hide, "seed": seed}
        else:
            from lime import lime_image

            _quiet_lime_image(lime_image)
            samples = int(num_samples or DEFAULT_LIME_IMAGE_SAMPLES)
            sentinel = -1.0   # LIME paints hidden superpixels with this; we swap in the same hidden image as SHAP

            def lime_model(x):
                x = np.asarray(x, dtype=np.float32)
                hidden_px = (x < 0).any(axis=-1, keepdims=True)
                return model(np.where(hidden_px, hidden[None], x))

            explainer = lime_image.LimeImageExplainer(feature_selection="none", random_state=seed)
            exp = explainer.explain_instance(rgb.astype(np.float32), lime_model, labels=list(range(n_classes)),
                                             hide_color=sentinel, top_labels=None, num_features=n_seg,
                                             num_samples=samples, batch_size=2 * bs,
                                             segmentation_fn=lambda _img: segments, random_seed=seed)
            weights = _lime_weights(exp, n_seg, n_classes)
            heatmap = (weights[:, t] / np.maximum(sizes, 1))[segments]
            base = [float(exp.intercept.get(c, 0.0)) for c in range(n_classes)]
            settings = {"num_samples": samples, "batch_size": 2 * bs, "explainer": "LimeImageExplainer",
                        "hide": hide, "kernel_width": 0.25, "seed": seed}
        settings.update({"segmentation": "slic", "n_segments": n_seg_wanted, "n_superpixels": n_seg,
                         "image_size": size})
        return Explanation(method=method, kind="image", units=[str(i) for i in range(n_seg)], weights=weights,
                           target=t, prediction=prediction, probabilities=probs.tolist(),
                           label_names=list(predictor.label_names), settings=settings,
                           seconds=time.perf_counter() - start, notes=notes, base_values=base, segments=segments,
                           heatmap=heatmap, image=rgb)


def _to_rgb(image, size: int, notes: list[str]) -> np.ndarray:
    """Any image as RGB uint8 (size, size, 3), noting each conversion. Resizing matches the predictor (bilinear)."""
    from PIL import Image

    if isinstance(image, (str, bytes)) or hasattr(image, "__fspath__"):
        image = Image.open(image)
        image.load()
    if isinstance(image, Image.Image):
        if image.mode != "RGB":
            notes.append(f"converted a {image.mode} image to RGB.")
            image = image.convert("RGB")
        arr = np.asarray(image, dtype=np.uint8)
    else:
        arr = np.asarray(image)
        if arr.dtype == object or arr.size == 0:
            raise ValueError("Cannot explain this image: expected a PIL image or a numeric (H, W[, C]) array.")
        if arr.ndim == 3 and arr.shape[0] in (1, 3, 4) and min(arr.shape[1:]) > 4:
            arr = np.moveaxis(arr, 0, -1)
            notes.append("moved the channel axis last (the image was channels-first).")
        if arr.ndim == 3 and arr.shape[-1] == 1:
            arr = arr[..., 0]
        if arr.ndim not in (2, 3) or (arr.ndim == 3 and arr.shape[-1] not in (3, 4)):
            raise ValueError(f"Cannot explain an image of shape {arr.shape}: expected (H, W), (H, W, 1), "
                             "(H, W, 3) or (H, W, 4).")
        if arr.dtype != np.uint8:
            a = arr.astype(np.float64)
            if arr.dtype == bool:
                a = a * 255.0
            elif np.issubdtype(arr.dtype, np.floating) and np.nanmax(a) <= 1.0 and np.nanmin(a) >= 0.0:
                a = a * 255.0
            elif np.issubdtype(arr.dtype, np.integer) and np.nanmax(a) > 255:
                a = a * (255.0 / np.iinfo(arr.dtype).max)
            arr = np.clip(np.nan_to_num(np.rint(a)), 0, 255).astype(np.uint8)
            notes.append(f"converted {np.asarray(image).dtype} pixels to uint8.")
        if arr.ndim == 2:
            arr = np.repeat(arr[..., None], 3, axis=-1)
            notes.append("converted a grayscale image to RGB.")
        elif arr.shape[-1] == 4:
            arr = arr[..., :3]
            notes.append("dropped the alpha channel (RGBA to RGB).")
    if arr.shape[:2] != (size, size):
        h, w = arr.shape[:2]
        arr = np.asarray(Image.fromarray(np.ascontiguousarray(arr)).resize((size, size), Image.BILINEAR))
        notes.append(f"resized from {w}x{h} to {size}x{size}, the size the model expects.")
    return np.ascontiguousarray(arr, dtype=np.uint8)


def _segment(rgb: np.ndarray, n_segments: int) -> np.ndarray:
    """SLIC superpixels (deterministic), labelled 0..n-1."""
    from skimage.segmentation import slic

    seg = slic(rgb, n_segments=n_segments, compactness=10.0, sigma=1.0, start_label=0, channel_axis=-1)
    _, seg = np.unique(seg, return_inverse=True)
    return seg.reshape(rgb.shape[:2]).astype(np.int64)


def _hidden_image(rgb: np.ndarray, hide: str) -> np.ndarray:
    """What hidden pixels become (float32, same shape)."""
    if hide == "blur":
        from scipy.ndimage import uniform_filter

        k = max(3, rgb.shape[0] // 2)
        return uniform_filter(rgb.astype(np.float32), size=(k, k, 1), mode="reflect")
    if hide == "mean":
        return np.broadcast_to(rgb.reshape(-1, 3).mean(0), rgb.shape).astype(np.float32)
    if hide == "black":
        return np.zeros(rgb.shape, dtype=np.float32)
    raise ValueError(f"Unknown hide={hide!r}; expected 'blur', 'mean' or 'black'.")


def _quiet_lime_image(module) -> None:
    """lime_image wraps every sample loop in a tqdm bar with no way to turn it off; make it a plain iterator."""
    if not getattr(module, "_workbench_quiet", False):
        module.tqdm = lambda it, *a, **k: it
        module._workbench_quiet = True


# ---------------------------------------------------------------------------------------------------------------
# Tables
def explain_tabular(predictor, row, method: str = "shap", target: int | str | None = None, seed: int = 0,
                    max_evals: int | None = None, num_samples: int | None = None,
                    background_rows: int | None = None, discretize_continuous: bool = True) -> Explanation:
    """Explain a prediction for one row of raw feature values, per feature.

    `row`: a 1-D sequence in `predictor.feature_names` order, a dict, a pandas Series or a one-row DataFrame
    (missing or extra columns raise ValueError naming them). SHAP: Permutation explainer, Independent masker over
    `background_rows` rows of `predictor.background`. LIME: `LimeTabularExplainer` on the background rows.
    """
    method = _check(predictor, "tabular", method)
    names = list(predictor.feature_names)
    x = _to_row(row, names)
    if getattr(predictor, "background", None) is None:
        raise ValueError("This predictor has no background sample of training rows, which SHAP and LIME need.")
    background = np.asarray(predictor.background, dtype=np.float64)
    if background.ndim != 2 or background.shape[1] != len(names) or len(background) == 0:
        raise ValueError(f"The predictor's background has shape {background.shape}; expected (rows, {len(names)}).")
    with _LOCK, _seeded(seed):
        start = time.perf_counter()
        notes: list[str] = []
        probs = _proba(predictor, x[None])[0]
        prediction = int(np.argmax(probs))
        t = prediction if target is None else _class_index(target, predictor.label_names, len(probs))
        n_classes, n_features = len(probs), len(names)
        rng = np.random.default_rng(seed)

        def f(xs):
            return _proba(predictor, np.asarray(xs, dtype=np.float64).reshape(-1, n_features))

        if method == "shap":
            import shap

            n_bg = int(background_rows or DEFAULT_BACKGROUND_ROWS)
            bg = background[np.sort(rng.choice(len(background), n_bg, replace=False))] \
                if len(background) > n_bg else background
            evals = int(max_evals or DEFAULT_SHAP_PERMUTATIONS * (2 * n_features + 1))
            if evals < 2 * n_features + 1:
                notes.append(f"max_evals={evals} is below SHAP's minimum of 2 * features + 1; "
                             f"used {2 * n_features + 1}.")
                evals = 2 * n_features + 1
            masker = shap.maskers.Independent(bg, max_samples=len(bg))
            explainer = shap.explainers.Permutation(f, masker, seed=seed, feature_names=names,
                                                    output_names=list(predictor.label_names))
            sv = explainer(x[None], max_evals=evals, silent=True)
            weights = np.asarray(sv.values[0], dtype=np.float64).reshape(n_features, n_classes)
            base = np.asarray(sv.base_values[0], dtype=np.float64).reshape(-1).tolist()
            settings = {"max_evals": evals, "background_rows": len(bg), "explainer": "Permutation",
                        "masker": "Independent", "seed": seed}
        else:
            from lime.lime_tabular import LimeTabularExplainer

            samples = int(num_samples or DEFAULT_LIME_TABULAR_SAMPLES)
            bg = background[np.sort(rng.choice(len(background), LIME_BACKGROUND_ROWS, replace=False))] \
                if len(background) > LIME_BACKGROUND_ROWS else background
            discretize = bool(discretize_continuous)
            constant = [names[j] for j in range(n_features) if np.ptp(bg[:, j]) == 0]
            if discretize and constant:
                # LIME's quartile discretizer divides by each bin's spread and fails on a constant column
                discretize = False
                notes.append(f"constant feature(s) in the background ({', '.join(constant[:5])}): LIME used "
                             "continuous features instead of quartile bins.")
            explainer = LimeTabularExplainer(bg, mode="classification", feature_names=names,
                                             class_names=list(predictor.label_names), feature_selection="none",
                                             discretize_continuous=discretize, random_state=seed)
            exp = explainer.explain_instance(x, f, labels=list(range(n_classes)), num_features=n_features,
                                             num_samples=samples)
            weights = _lime_weights(exp, n_features, n_classes)
            base = [float(exp.intercept.get(c, 0.0)) for c in range(n_classes)]
            settings = {"num_samples": samples, "background_rows": len(bg), "discretize_continuous": discretize,
                        "explainer": "LimeTabularExplainer", "seed": seed}
            rules = getattr(exp.domain_mapper, "discretized_feature_names", None)
            if rules:
                settings["lime_feature_rules"] = list(rules)
        return Explanation(method=method, kind="tabular", units=names, weights=weights, target=t,
                           prediction=prediction, probabilities=probs.tolist(),
                           label_names=list(predictor.label_names), settings=settings,
                           seconds=time.perf_counter() - start, notes=notes, base_values=base,
                           feature_values=x.tolist())


def _to_row(row, names: list[str]) -> np.ndarray:
    """A row as a float vector in `names` order; missing values (NaN / inf) raise ValueError naming the columns."""
    x = _to_row_values(row, names)
    bad = [names[j] for j in np.flatnonzero(~np.isfinite(x))]
    if bad:
        raise ValueError(f"Missing or infinite value(s) in column(s): {', '.join(bad)}; fill them in first.")
    return x


def _to_row_values(row, names: list[str]) -> np.ndarray:
    if hasattr(row, "columns") and hasattr(row, "iloc"):            # pandas DataFrame
        if len(row) != 1:
            raise ValueError(f"Give one row to explain, got a table of {len(row)} rows.")
        row = row.iloc[0]
    if hasattr(row, "index") and hasattr(row, "to_dict") and not isinstance(row, dict):   # pandas Series
        row = {str(k): v for k, v in row.to_dict().items()}
    if isinstance(row, dict):
        given = [str(k) for k in row]
        missing = [n for n in names if n not in row]
        extra = [k for k in given if k not in set(names)]
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"missing column(s): {', '.join(missing)}")
            if extra:
                parts.append(f"unexpected column(s): {', '.join(extra)}")
            raise ValueError("The row does not match the model's features: " + "; ".join(parts) + ".")
        values = []
        for n in names:
            try:
                values.append(float(row[n]))
            except (TypeError, ValueError):
                raise ValueError(f"Column {n!r} has a non-numeric value {row[n]!r}.") from None
        return np.asarray(values, dtype=np.float64)
    try:
        arr = np.asarray(row, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError("The row must hold numbers (or be a dict / pandas row keyed by feature name).") from None
    if arr.ndim == 2 and arr.shape[0] == 1:
        arr = arr[0]
    if arr.ndim != 1 or arr.shape[0] != len(names):
        raise ValueError(f"Expected {len(names)} feature values ({', '.join(names[:8])}"
                         f"{', ...' if len(names) > 8 else ''}), got shape {arr.shape}.")
    return arr


# ---------------------------------------------------------------------------------------------------------------
# Helpers
def _check(predictor, kind: str, method: str) -> str:
    if getattr(predictor, "kind", None) != kind:
        raise ValueError(f"explain_{kind} needs a {kind} predictor, got kind={getattr(predictor, 'kind', None)!r}.")
    method = str(method).lower()
    if method not in METHODS:
        raise ValueError(f"Unknown method {method!r}; expected 'shap' or 'lime'.")
    return method


def _proba(predictor, inputs) -> np.ndarray:
    p = np.asarray(predictor.predict_proba(inputs), dtype=np.float64)
    if p.ndim == 1:
        p = p[None]
    return p


def _class_index(target, label_names, n_classes: int) -> int:
    if isinstance(target, str):
        if target in label_names:
            return list(label_names).index(target)
        raise ValueError(f"Unknown class {target!r}; classes are {', '.join(map(str, label_names))}.")
    t = int(target)
    if not 0 <= t < n_classes:
        raise ValueError(f"Class index {t} is out of range for {n_classes} classes.")
    return t


def _label(label_names, i: int) -> str:
    return str(label_names[i]) if 0 <= i < len(label_names) else str(i)


def _rank(w: np.ndarray) -> np.ndarray:
    """Unit indices by decreasing |weight| (ties: earlier unit first)."""
    return np.argsort(-np.abs(np.asarray(w, dtype=np.float64)), kind="stable")


def _spearman(a: np.ndarray, b: np.ndarray) -> float | None:
    if len(a) < 2 or np.ptp(a) == 0 or np.ptp(b) == 0:
        return None
    from scipy.stats import spearmanr

    rho = float(spearmanr(a, b).statistic)
    return None if math.isnan(rho) else rho


def _lime_weights(exp, n_units: int, n_classes: int) -> np.ndarray:
    weights = np.zeros((n_units, n_classes))
    for c in range(n_classes):
        for unit, w in exp.local_exp.get(c, []):
            weights[int(unit), c] = w
    return weights


def _float_array(value) -> np.ndarray:
    """Nested lists from `to_dict` (where NaN was written as None) back to a float array."""
    def fix(v):
        return [fix(x) for x in v] if isinstance(v, (list, tuple)) else (np.nan if v is None else v)
    return np.asarray(fix(value), dtype=np.float64)


@contextlib.contextmanager
def _seeded(seed: int):
    """Seed NumPy's global RNG (SHAP draws from it) for the duration, then restore the caller's state."""
    state = np.random.get_state()
    np.random.seed(int(seed) % (2 ** 32))
    try:
        yield
    finally:
        np.random.set_state(state)


def _plain(value: Any):
    """JSON-safe plain data: arrays to lists, NumPy scalars to Python, NaN/inf to None."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.ndarray):
        if value.dtype.kind in "iub":
            return value.tolist()
        return _plain(value.tolist())
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, int):
        return value
    return str(value)
