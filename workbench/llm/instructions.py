"""Instruction sets the workbench writes from the data it ships, and how an answer is scored.

Each task turns a labelled example into a prompt and the one answer it wants, in a fixed format the base model does
not follow by itself. An answer is scored twice: is it in the required format (`format_rate`), and is it the right
answer (`exact_match`, after the format's own normalisation)? Uploaded `prompt,response` pairs are scored by exact
match of the trimmed text, with no format to check.
"""
from __future__ import annotations

import dataclasses
import json
from typing import Callable

import numpy as np

from .causal_lm import Pair


@dataclasses.dataclass(frozen=True)
class InstructionTask:
    name: str
    dataset: str                         # the workbench dataset it is built from
    describe: str
    prompt: Callable[[str], str]         # the example's text -> the instruction
    response: Callable[[str], str]       # the label name -> the one right answer
    parse: Callable[[str], str | None]   # an answer -> the label it gives, None when out of format


def _one_word(choices: tuple[str, ...]):
    def parse(answer: str) -> str | None:
        word = answer.strip().strip(".!\"'").lower()
        return word if word in choices else None
    return parse


def _json_sentiment(answer: str) -> str | None:
    try:
        value = json.loads(answer.strip())
    except (json.JSONDecodeError, ValueError):
        return None
    if isinstance(value, dict) and set(value) == {"sentiment"} and value["sentiment"] in ("positive", "negative"):
        return value["sentiment"]
    return None


REVIEW_LABELS = {"fresh": "positive", "rotten": "negative", "pos": "positive", "neg": "negative",
                 "positive": "positive", "negative": "negative", "1": "positive", "0": "negative"}

TASKS = {
    "sms_verdict": InstructionTask(
        "sms_verdict", "sms_spam", "SMS -> one word, spam or ham",
        prompt=lambda text: f"Is this text message spam? Answer with one word: spam or ham.\n\nMessage: {text}",
        response=lambda label: label.lower(), parse=_one_word(("spam", "ham"))),
    "review_json": InstructionTask(
        "review_json", "rotten_tomatoes", 'movie review -> {"sentiment": "positive"|"negative"} as JSON',
        prompt=lambda text: ("What is the sentiment of this movie review? Reply with JSON only, exactly "
                             '{"sentiment": "positive"} or {"sentiment": "negative"}.\n\nReview: ' + text),
        response=lambda label: json.dumps({"sentiment": REVIEW_LABELS.get(label.lower(), label.lower())}),
        parse=_json_sentiment),
}


@dataclasses.dataclass
class InstructionSplits:
    task: str
    train: list[Pair]
    val: list[Pair]
    test: list[Pair]


def build_task(name: str, n_train: int, n_eval: int = 100, seed: int = 0) -> InstructionSplits:
    """Train, validation and test pairs of a task, from its dataset's own stratified split (same seed, same rows)."""
    from ..core.datasets import load_dataset, split_dataset

    if name not in TASKS:
        raise ValueError(f"Unknown instruction task {name!r}; choose from {', '.join(TASKS)}.")
    task = TASKS[name]
    splits = split_dataset(load_dataset(task.dataset), seed=seed, max_train_samples=n_train,
                           max_eval_samples=n_eval)

    def pairs(split) -> list[Pair]:
        return [Pair(task.prompt(str(text)), task.response(split.label_names[int(y)]))
                for text, y in zip(split.x, split.y)]

    return InstructionSplits(name, pairs(splits.train), pairs(splits.val), pairs(splits.test))


@dataclasses.dataclass
class TextCorpus:
    """Raw text of one domain for continued pre-training: train and held-out validation texts."""
    name: str
    train: list[str]
    val: list[str]


def build_corpus(dataset: str, n_train: int, n_val: int = 100, seed: int = 0) -> TextCorpus:
    """The texts (labels dropped) of a shipped text dataset, from its own split: the domain to adapt to."""
    from ..core.datasets import load_dataset, split_dataset

    ds = load_dataset(dataset)
    if ds.kind != "text":
        raise ValueError(f"{dataset} is {ds.kind} data; continued pre-training needs a text dataset.")
    splits = split_dataset(ds, seed=seed, max_train_samples=n_train, max_eval_samples=n_val)
    return TextCorpus(dataset, [str(t) for t in splits.train.x], [str(t) for t in splits.val.x])


def score_answers(answers: list[str], pairs: list[Pair], task: str | None = None) -> dict:
    """format_rate (share of answers in the task's format) and exact_match (share giving the right answer). Pairs of
    no built-in task (uploads, hub sets) are scored by exact match of the trimmed text, with no format rate."""
    if len(answers) != len(pairs):
        raise ValueError(f"{len(answers)} answers for {len(pairs)} prompts.")
    if not pairs:
        return {"format_rate": float("nan"), "exact_match": float("nan"), "n": 0}
    if task not in TASKS:        # uploaded or hub pairs: no format to check
        right = [a.strip() == p.response.strip() for a, p in zip(answers, pairs)]
        return {"format_rate": float("nan"), "exact_match": float(np.mean(right)), "n": len(pairs)}
    parse = TASKS[task].parse
    given = [parse(a) for a in answers]
    wanted = [parse(p.response) for p in pairs]
    return {"format_rate": float(np.mean([g is not None for g in given])),
            "exact_match": float(np.mean([g is not None and g == w for g, w in zip(given, wanted)])),
            "n": len(pairs)}


def format_change(answers: list[dict], task: str):
    """The paired verdict (workbench.analysis.stats) of the fine-tuned model's format rate against the base model's,
    prompt by prompt: `answers` are SFTResult.answers rows (the same prompts answered by both)."""
    from ..analysis.stats import compare_paired

    parse = TASKS[task].parse
    base = [float(parse(row["base"]) is not None) for row in answers]
    tuned = [float(parse(row["fine-tuned"]) is not None) for row in answers]
    verdict = compare_paired(base, tuned, "format_rate", names=("base model", "fine-tuned"))
    if verdict.n_pairs < 2:
        return dataclasses.replace(verdict, sentence=f"{verdict.n_pairs} prompt(s): too few to compare.")
    said = {"b": "the fine-tuned model answers in the format clearly more often",
            "a": "the base model answers in the format clearly more often",
            None: "these prompts cannot tell the two apart"}[verdict.winner]
    sentence = (f"Over {verdict.n_pairs} held-out prompts answered by both, the format rate changed by "
                f"{verdict.difference:+.2f} (95% CI {verdict.ci_low:+.2f} to {verdict.ci_high:+.2f}, paired by "
                f"prompt, one training run): {said}.")
    return dataclasses.replace(verdict, sentence=sentence)


def load_pairs(path, prompt_column: str = "prompt", response_column: str = "response") -> list[Pair]:
    """Prompt/response pairs from a CSV or JSON Lines file (.csv, .jsonl or .json with one object per line). Bad
    input gets a message naming the line or column: a missing column, an empty prompt or response, a line that
    is not JSON."""
    from pathlib import Path

    import pandas as pd

    path = Path(path)
    if not path.exists():
        raise ValueError(f"{path} does not exist.")
    if path.suffix.lower() in (".jsonl", ".json"):
        rows = []
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                row = json.loads(line)
            except json.JSONDecodeError as err:
                raise ValueError(f"{path.name}, line {number}: not a JSON object ({err.msg}).") from err
            if not isinstance(row, dict):
                raise ValueError(f"{path.name}, line {number}: a JSON {type(row).__name__}, not an object with "
                                 f"{prompt_column!r} and {response_column!r}.")
            rows.append(row)
        frame = pd.DataFrame(rows)
    else:
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, UnicodeDecodeError) as err:
            raise ValueError(f"{path.name} is not a readable CSV file: {err}") from err
    return pairs_from_frame(frame, path.name, prompt_column, response_column)


# (prompt, response) column names of common instruction sets, tried in order when none are named
PAIR_COLUMNS = (("prompt", "response"), ("instruction", "output"), ("question", "answer"), ("query", "response"),
                ("input", "output"))


def pairs_from_frame(frame, source: str, prompt_column: str | None = "prompt",
                     response_column: str | None = "response") -> list[Pair]:
    """Pairs from a table's two columns, with row-specific errors. Columns left as None are guessed from
    PAIR_COLUMNS; an Alpaca-style `input` column beside `instruction` is appended to the prompt."""
    if prompt_column is None or response_column is None:
        found = next(((p, r) for p, r in PAIR_COLUMNS if p in frame.columns and r in frame.columns), None)
        if found is None:
            raise ValueError(f"{source} has columns {', '.join(map(str, frame.columns)) or 'none'}; none of the usual "
                             f"prompt/response pairs ({', '.join('/'.join(c) for c in PAIR_COLUMNS)}). Name them.")
        prompt_column, response_column = found
    missing = [c for c in (prompt_column, response_column) if c not in frame.columns]
    if missing:
        raise ValueError(f"{source} has no column {', '.join(map(repr, missing))}; its columns are "
                         f"{', '.join(map(str, frame.columns)) or 'none'}. Name them {prompt_column!r} and "
                         f"{response_column!r}, or pass prompt_column/response_column.")
    extra = frame["input"] if prompt_column == "instruction" and "input" in frame.columns else [""] * len(frame)

    def text(v) -> str:
        return "" if v is None or (isinstance(v, float) and np.isnan(v)) else str(v)

    pairs = []
    for number, (prompt, more, response) in enumerate(zip(frame[prompt_column], extra, frame[response_column]),
                                                      start=1):
        prompt, more, response = text(prompt), text(more), text(response)
        if not prompt.strip() or not response.strip():
            raise ValueError(f"{source}, row {number}: an empty {'prompt' if not prompt.strip() else 'response'}; "
                             "every pair needs both.")
        pairs.append(Pair(prompt + (f"\n\n{more}" if more.strip() else ""), response))
    if len(pairs) < 2:
        raise ValueError(f"{source} holds {len(pairs)} pair(s); instruction tuning needs at least 2.")
    return pairs


def load_hub_pairs(name: str, split: str = "train", prompt_column: str | None = None,
                   response_column: str | None = None, limit: int | None = 5000) -> list[Pair]:
    """Pairs from an instruction set on the hub (e.g. "tatsu-lab/alpaca") or a local data folder, by the
    `datasets` library; the columns are guessed from PAIR_COLUMNS unless named. Reads at most `limit` rows."""
    import datasets

    try:
        table = datasets.load_dataset(name, split=split)
    except Exception as err:  # offline, not found, no such split ...
        raise ValueError(f"Could not load instruction set {name!r} (split {split!r}) with the `datasets` library "
                         f"({type(err).__name__}: {err}). Hub sets need internet once; offline, upload a CSV or "
                         "JSONL file of prompt,response pairs.") from err
    if limit is not None and len(table) > limit:
        table = table.select(range(limit))
    return pairs_from_frame(table.to_pandas(), name, prompt_column, response_column)


def split_pairs(name: str, pairs: list[Pair], n_train: int, n_eval: int, seed: int = 0) -> InstructionSplits:
    """Train, validation and test pairs from one list (shuffled with the seed): n_eval each for validation and
    test, the rest (at most n_train) for training. Scored by exact match, since such pairs name no format."""
    if len(pairs) < 3:
        raise ValueError(f"{name}: {len(pairs)} pairs; at least 3 are needed (train, validation and test).")
    order = np.random.default_rng(seed).permutation(len(pairs))
    n_eval = max(1, min(n_eval, (len(pairs) - 1) // 3))
    test, val, train = (order[:n_eval], order[n_eval:2 * n_eval], order[2 * n_eval:2 * n_eval + n_train])
    return InstructionSplits(name, *([pairs[i] for i in part] for part in (train, val, test)))
