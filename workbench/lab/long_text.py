"""Texts longer than the model's max_length, three ways: truncate, head+tail, sliding windows.

- `truncate`: the first max_length tokens only (what training and `Predictor` do).
- `head_tail`: the first k tokens and the last max_length-k, with k in the proportion of the known recipe
  (128 head + 382 tail of 510 tokens; Sun et al. 2019, "How to Fine-Tune BERT for Text Classification?").
- `sliding_window`: windows of max_length tokens every `stride` tokens, the last one ending at the text's end;
  the window probabilities are averaged (`pool="mean"`) or their per-class maximum is taken (`pool="max"`).

Our bundled datasets hold short texts, so `long_reviews` builds long ones from real test snippets.
"""
from __future__ import annotations

import time

import numpy as np
import torch

from ..core.config import ConfigError
from ..core.devices import inference_autocast
from ..core.predict import Predictor, load_predictor
from ..core.store import RunStore

MODES = ("truncate", "head_tail", "sliding_window")
POOLS = ("mean", "max")
HEAD_SHARE = 128 / 510
OPENINGS = ("mixed", "same")
POSITIONS = ("start", "middle", "end")   # where the decisive snippet sits in a long review


def predict_long(predictor: Predictor, texts, mode: str = "sliding_window", max_length: int | None = None,
                 stride: int | None = None, pool: str = "mean") -> np.ndarray:
    """Probabilities (n, classes) for texts of any length; `max_length` counts the special tokens too
    (default: the run's), `stride` is how far each sliding window moves (default: half a window)."""
    if pool not in POOLS:
        raise ValueError(f"Unknown pool {pool!r}; pick one of {', '.join(POOLS)}.")
    texts = list(texts)
    probs, owners = window_probabilities(predictor, texts, mode, max_length, stride)
    return pool_windows(probs, owners, len(texts), pool)


def window_probabilities(predictor: Predictor, texts, mode: str, max_length: int | None = None,
                         stride: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of every window the mode cuts, and the index of the text each window belongs to."""
    if predictor.kind != "text":
        raise ValueError(f"Long-text modes need a text classifier; this run's model is {predictor.kind}.")
    if mode not in MODES:
        raise ValueError(f"Unknown mode {mode!r}; pick one of {', '.join(MODES)}.")
    max_length = max_length or predictor.max_length
    budget = max_length - predictor.tokenizer.num_special_tokens_to_add(pair=False)
    _check_length(predictor, max_length, budget)
    stride = stride or max(budget // 2, 1)
    if not 1 <= stride <= budget:
        raise ConfigError(f"stride must be between 1 and {budget} (the tokens a window holds besides the special "
                          f"tokens); got {stride}.")
    windows, owners = [], []
    for i, text in enumerate(texts):
        ids = predictor.tokenizer(text, add_special_tokens=False, verbose=False)["input_ids"]
        for piece in text_windows(ids, mode, budget, stride):
            windows.append(piece)
            owners.append(i)
    if not windows:
        return np.zeros((0, len(predictor.label_names)), dtype=np.float32), np.zeros(0, dtype=int)
    return _window_probabilities(predictor, windows), np.asarray(owners, dtype=int)


def pool_windows(probs: np.ndarray, owners: np.ndarray, n: int, pool: str = "mean") -> np.ndarray:
    """One row per text: the mean of its windows' probabilities, or their per-class maximum renormalised."""
    out = np.zeros((n, probs.shape[1]), dtype=np.float32)
    for i in range(n):
        mine = probs[owners == i]
        out[i] = mine.mean(0) if pool == "mean" else mine.max(0) / mine.max(0).sum()
    return out


def text_windows(ids: list[int], mode: str, budget: int, stride: int) -> list[list[int]]:
    """The token-id pieces (special tokens not yet added) the model sees for one text."""
    if len(ids) <= budget:
        return [ids]
    if mode == "truncate":
        return [ids[:budget]]
    if mode == "head_tail":
        head = round(budget * HEAD_SHARE)
        return [ids[:head] + ids[len(ids) - (budget - head):]]
    starts = list(range(0, len(ids) - budget, stride)) + [len(ids) - budget]
    return [ids[s:s + budget] for s in starts]


def compare_long_text_modes(run_id: str, texts, labels, lengths=(32, 64, 128), stride: int | None = None,
                            store: RunStore | None = None):
    """Accuracy per mode (sliding windows with both pools) and max_length, with the windows the model ran on per
    text and the seconds that took (both pools share one pass)."""
    import pandas as pd

    predictor = load_predictor(run_id, store)
    labels = np.asarray(labels)
    tokens = [len(ids) for ids in predictor.tokenizer(list(texts), add_special_tokens=False,
                                                      verbose=False)["input_ids"]]
    rows = []
    for max_length in lengths:
        for mode in MODES:
            start = time.perf_counter()
            probs, owners = window_probabilities(predictor, texts, mode, max_length, stride)
            seconds = time.perf_counter() - start
            for pool in POOLS if mode == "sliding_window" else ("mean",):
                predicted = pool_windows(probs, owners, len(labels), pool).argmax(-1)
                rows.append({"mode": mode if mode != "sliding_window" else f"sliding_window ({pool})",
                             "max_length": max_length, "accuracy": float((predicted == labels).mean()),
                             "windows_per_text": len(owners) / max(len(labels), 1), "seconds": seconds})
    table = pd.DataFrame(rows)
    table.attrs.update(run_id=run_id, texts=len(labels), mean_tokens=float(np.mean(tokens)))
    return table


def long_reviews(texts, labels, n: int = 200, snippets: int = 8, opening: str = "mixed",
                 seed: int = 0, position: str = "end") -> tuple[list[str], np.ndarray]:
    """`n` long reviews, each `snippets` short snippets joined; one snippet is the decisive one and gives the
    review its label: the last (position="end", the default), the first ("start") or the middle one ("middle").

    opening="mixed": the other snippets are drawn from every class alike, so only the decisive snippet holds a
    clue to the verdict (a review that weighs both sides and concludes at the end, or opens with its verdict);
    a mode that never reads the decisive snippet sees only noise.
    opening="same": the other snippets share the verdict's label (every part of the review agrees).
    """
    if opening not in OPENINGS:
        raise ValueError(f"Unknown opening {opening!r}; pick one of {', '.join(OPENINGS)}.")
    if position not in POSITIONS:
        raise ValueError(f"Unknown position {position!r}; pick one of {', '.join(POSITIONS)}.")
    if snippets < 2:
        raise ValueError(f"A long review needs at least 2 snippets; got {snippets}.")
    if n < 1:
        raise ValueError(f"Build at least one long review; got {n}.")
    texts, labels = list(texts), np.asarray(labels)
    classes = np.unique(labels)
    if len(texts) < snippets or len(classes) < 2:
        raise ValueError(f"Need at least {snippets} snippets from 2 or more classes; got {len(texts)} from "
                         f"{len(classes)}.")
    rng = np.random.default_rng(seed)
    by_class = {c: np.flatnonzero(labels == c) for c in classes}
    reviews, verdicts = [], []
    for k in range(n):
        verdict = classes[k % len(classes)]
        last = rng.choice(by_class[verdict])
        if opening == "mixed":   # a class first, then a snippet: balanced even when the classes are not
            picks = [rng.choice(by_class[rng.choice(classes)]) for _ in range(snippets - 1)]
        else:
            others = by_class[verdict][by_class[verdict] != last]
            picks = list(rng.choice(others, size=snippets - 1, replace=len(others) < snippets - 1))
        at = {"start": 0, "middle": (snippets - 1) // 2, "end": snippets - 1}[position]
        reviews.append(" ".join(texts[i].strip() for i in [*picks[:at], last, *picks[at:]]))
        verdicts.append(verdict)
    return reviews, np.asarray(verdicts)


def long_reviews_for_run(run_id: str, n: int = 200, snippets: int = 8, opening: str = "mixed", seed: int = 0,
                         store: RunStore | None = None, position: str = "end") -> tuple[list[str], np.ndarray]:
    """Long reviews built only from the run's own test split, so no snippet was seen in training."""
    from .deploy import stored_test_examples

    texts, labels = stored_test_examples(run_id, None, store)
    if not all(isinstance(t, str) for t in texts[:1]):
        raise ValueError(f"Run {run_id} is not a text run; long reviews need text snippets.")
    return long_reviews(texts, labels, n, snippets, opening, seed, position)


def _check_length(predictor: Predictor, max_length: int, budget: int) -> None:
    config = getattr(getattr(predictor.built.module, "hf", None), "config", None)
    limit = min(getattr(config, "max_position_embeddings", None) or 10**9, predictor.tokenizer.model_max_length)
    if max_length > limit:
        raise ConfigError(f"max_length {max_length} is beyond this model's limit of {limit} tokens; pick "
                          f"{limit} or less.")
    if budget < 2:
        raise ConfigError(f"max_length {max_length} leaves {budget} token(s) besides the special tokens; "
                          "pick a larger max_length.")


def _window_probabilities(predictor: Predictor, windows: list[list[int]]) -> np.ndarray:
    """Softmax over the model's logits for each window, special tokens added, batched like `Predictor`."""
    tokenizer = predictor.tokenizer
    prefix, suffix = _special_tokens(tokenizer)
    module = predictor.built.module.eval()
    out = []
    with torch.inference_mode(), inference_autocast(predictor.device, predictor.precision):
        for start in range(0, len(windows), predictor.batch_size):
            ids = [prefix + w + suffix for w in windows[start:start + predictor.batch_size]]
            features = {"input_ids": ids}
            if "token_type_ids" in tokenizer.model_input_names:
                features["token_type_ids"] = [[0] * len(i) for i in ids]
            batch = tokenizer.pad(features, return_tensors="pt")
            logits = module(**{k: v.to(predictor.device) for k, v in batch.items()})["logits"].float()
            out.append(torch.softmax(logits, dim=-1).cpu().numpy())
    return np.concatenate(out)


def _special_tokens(tokenizer) -> tuple[list[int], list[int]]:
    """The ids the tokenizer puts before and after a single text (e.g. [CLS] and [SEP])."""
    plain = tokenizer("a", add_special_tokens=False)["input_ids"]
    full = tokenizer("a")["input_ids"]
    at = next(i for i in range(len(full)) if full[i:i + len(plain)] == plain)
    return full[:at], full[at + len(plain):]
