"""Extractive question answering: the answer is the span of the context that a QA head scores highest.

A QA model is an encoder with a two-output head (`qa_outputs`) scoring each token as the start or end of the
answer. A trained one (e.g. "distilbert-base-cased-distilled-squad", from the hub) finds answers; an encoder
whose head was never trained on QA data, such as MiniLM loaded with AutoModelForQuestionAnswering (the head is
then freshly initialised), picks spans at random. `compare_qa_heads` measures both on examples written for this
project. Contexts longer than the model's window are read in overlapping windows (the tokenizer's stride).
"""
from __future__ import annotations

import re
import string
from collections import Counter
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .embeddings import check_texts
from ..core.pretrained import ModelUnavailableError, load_pretrained

TRAINED_QA_MODEL = "distilbert-base-cased-distilled-squad"

# (question, context, answer): short factual passages written for this project.
QA_EXAMPLES = (
    ("What colour is the bicycle?", "Maria rides a red bicycle to the market every Saturday morning.", "red"),
    ("Where does Maria ride on Saturdays?", "Maria rides a red bicycle to the market every Saturday morning.",
     "to the market"),
    ("How many legs does a spider have?", "Insects have six legs, while spiders have eight legs and two body parts.",
     "eight"),
    ("Who painted the mural?", "The mural in the station hall was painted by Tomas Berg in 1987.", "Tomas Berg"),
    ("When was the mural painted?", "The mural in the station hall was painted by Tomas Berg in 1987.", "1987"),
    ("What is the capital of Norway?", "Oslo is the capital of Norway and its most populous city.", "Oslo"),
    ("What does the bakery sell?", "The small bakery on Elm Street sells sourdough bread and cinnamon rolls.",
     "sourdough bread and cinnamon rolls"),
    ("Which gas do plants absorb?", "During photosynthesis, plants absorb carbon dioxide and release oxygen.",
     "carbon dioxide"),
    ("How long is the bridge?", "The new bridge is 740 metres long and opened to traffic last spring.", "740 metres"),
    ("What instrument does Lena play?", "Lena has played the cello since she was seven years old.", "the cello"),
    ("Which river flows through the city?", "The river Severn flows through the city before reaching the sea.",
     "Severn"),
    ("What did the committee approve?", "After a long debate, the committee approved the budget for the new "
     "library.", "the budget for the new library"),
)


@dataclass(frozen=True)
class Answer:
    text: str
    score: float        # probability of the chosen (start, end) pair within its window
    start: int          # character offsets in the context: context[start:end] == text
    end: int


class QuestionAnswerer:
    """A tokenizer and a QA model; `answer(question, context)` returns the best span over all windows."""

    def __init__(self, tokenizer, model, max_length: int = 384, stride: int = 128, max_answer_tokens: int = 30):
        if not getattr(tokenizer, "is_fast", False):
            raise ValueError("Extractive QA needs a fast tokenizer (it maps tokens back to character offsets).")
        if not 0 <= stride < max_length // 2:
            raise ValueError(f"stride must be in [0, max_length / 2); got stride={stride}, max_length={max_length}.")
        self.tokenizer, self.model = tokenizer, model.eval()
        self.max_length, self.stride, self.max_answer_tokens = max_length, stride, max_answer_tokens
        self.untrained_head = False   # set by load() when the checkpoint had no QA head (random answers)

    @classmethod
    def load(cls, model: str = TRAINED_QA_MODEL, **options) -> "QuestionAnswerer":
        """A QA model by hub name, local folder or run id; ModelUnavailableError says what to do if it cannot load."""
        from transformers import AutoModelForQuestionAnswering, AutoTokenizer

        from ..core.devices import inference_device

        purpose = "question answering"
        network, info = load_pretrained(AutoModelForQuestionAnswering, model, purpose, output_loading_info=True)
        network.to(inference_device())   # the GPU when CUDA is present; answer() follows the model's device
        answerer = cls(load_pretrained(AutoTokenizer, model, purpose), network, **options)
        answerer.untrained_head = any("qa_outputs" in key for key in info.get("missing_keys", ()))
        return answerer

    def answer(self, question: str, context: str) -> Answer:
        import torch

        question, context = check_texts([question, context], "question and context")
        if not question.strip() or not context.strip():
            raise ValueError("The question and the context must both be non-empty.")
        if len(self.tokenizer(question)["input_ids"]) > self.max_length // 2:
            raise ValueError(f"The question is too long (over {self.max_length // 2} tokens); shorten it.")
        enc = self.tokenizer(question, context, truncation="only_second", max_length=self.max_length,
                             stride=self.stride, return_overflowing_tokens=True, return_offsets_mapping=True,
                             padding=True, return_tensors="pt")
        inputs = {k: v.to(self.model.device) for k, v in enc.items() if k in self.tokenizer.model_input_names}
        with torch.inference_mode():
            out = self.model(**inputs)
        best = None
        for w in range(len(enc["input_ids"])):
            in_context = np.array([s == 1 for s in enc.sequence_ids(w)])
            span = self._best_span(out.start_logits[w].float().cpu().numpy(),
                                   out.end_logits[w].float().cpu().numpy(), in_context)
            if best is None or span[0] > best[0]:
                best = (*span, enc["offset_mapping"][w])
        score, s, e, offsets = best
        start, end = int(offsets[s][0]), int(offsets[e][1])
        return Answer(context[start:end], float(score), start, end)

    def _best_span(self, start_logits, end_logits, in_context) -> tuple[float, int, int]:
        """(probability, start token, end token) of the best span inside the context, end >= start."""
        p_start, p_end = _softmax_where(start_logits, in_context), _softmax_where(end_logits, in_context)
        pair = np.triu(np.outer(p_start, p_end))
        pair = np.tril(pair, self.max_answer_tokens - 1)
        s, e = np.unravel_index(int(np.argmax(pair)), pair.shape)
        return float(pair[s, e]), int(s), int(e)


def _softmax_where(logits: np.ndarray, mask: np.ndarray) -> np.ndarray:
    z = np.where(mask, logits, -np.inf)
    z = np.exp(z - z.max())
    return z / z.sum()


def answer(question: str, context: str, model: str = TRAINED_QA_MODEL) -> Answer:
    """One answer from a QA model loaded for the call (keep a QuestionAnswerer to answer many)."""
    return QuestionAnswerer.load(model).answer(question, context)


def untrained_head_answerer(encoder: str = "minilm", seed: int = 0) -> QuestionAnswerer:
    """An encoder with a QA head that never saw QA data: the head's weights are freshly (seeded) random."""
    import torch
    from transformers import AutoModelForQuestionAnswering, AutoTokenizer

    from ..core.devices import inference_device

    torch.manual_seed(seed)
    purpose = "a QA head on an encoder"
    answerer = QuestionAnswerer(load_pretrained(AutoTokenizer, encoder, purpose),
                                load_pretrained(AutoModelForQuestionAnswering, encoder, purpose).to(inference_device()))
    answerer.untrained_head = True
    return answerer


# ---------------------------------------------------------------- scoring


def normalize_answer(text: str) -> str:
    """Lower case, no punctuation, no articles, single spaces (the SQuAD convention)."""
    text = "".join(ch for ch in text.lower() if ch not in set(string.punctuation))
    return " ".join(re.sub(r"\b(a|an|the)\b", " ", text).split())


def token_f1(predicted: str, expected: str) -> float:
    pred, gold = normalize_answer(predicted).split(), normalize_answer(expected).split()
    common = sum((Counter(pred) & Counter(gold)).values())
    if not pred or not gold or common == 0:
        return float(pred == gold)
    precision, recall = common / len(pred), common / len(gold)
    return 2 * precision * recall / (precision + recall)


def score_answers(answerer: QuestionAnswerer, examples=QA_EXAMPLES) -> pd.DataFrame:
    """One row per example: question, expected, predicted, exact (0/1), f1, score."""
    rows = []
    for question, context, expected in examples:
        got = answerer.answer(question, context)
        rows.append({"question": question, "expected": expected, "predicted": got.text,
                     "exact": float(normalize_answer(got.text) == normalize_answer(expected)),
                     "f1": token_f1(got.text, expected), "score": got.score})
    return pd.DataFrame(rows)


def compare_qa_heads(trained_model: str = TRAINED_QA_MODEL, encoder: str = "minilm", examples=QA_EXAMPLES,
                     seed: int = 0) -> pd.DataFrame:
    """Exact match and F1 of an untrained QA head vs a trained QA model on the same examples.

    The trained model comes from the hub; when it cannot be loaded (offline), its row has no numbers and the
    note says why.
    """
    untrained = score_answers(untrained_head_answerer(encoder, seed), examples)
    rows = [_summary(f"{encoder} + untrained QA head (seed {seed})", untrained)]
    try:
        trained = score_answers(QuestionAnswerer.load(trained_model), examples)
        rows.append(_summary(trained_model, trained))
    except ModelUnavailableError as err:
        rows.append({"model": trained_model, "exact_match": np.nan, "f1": np.nan, "examples": len(examples),
                     "note": str(err)})
    return pd.DataFrame(rows).set_index("model")


def _summary(name: str, scored: pd.DataFrame) -> dict:
    return {"model": name, "exact_match": float(scored["exact"].mean()), "f1": float(scored["f1"].mean()),
            "examples": len(scored), "note": ""}
