"""Sequence-to-sequence translation with a pretrained encoder-decoder model.

The documents this project started from import `transformers.TransformerModel`, a class that does not exist.
The real API is `AutoTokenizer` plus `AutoModelForSeq2SeqLM` (Marian, T5, BART, mBART, ...) and
`model.generate(...)`, which this module wraps; `transformers.pipeline("translation", model=...)` is the
one-line alternative.
Marian models ("Helsinki-NLP/opus-mt-en-zh") translate one language pair with no prompt. T5 ("t5-small") does
several tasks and needs a task prefix, e.g. prefix="translate English to German: ". Both come from the hub.
"""
from __future__ import annotations

from .embeddings import check_texts
from ..core.pretrained import load_pretrained

DEFAULT_TRANSLATION_MODEL = "Helsinki-NLP/opus-mt-en-zh"


class Translator:
    """A seq2seq model and its tokenizer; `translate(texts)` runs batches grouped by length, greedy or beam search."""

    def __init__(self, model: str = DEFAULT_TRANSLATION_MODEL, prefix: str = "", batch_size: int = 16,
                 max_input_tokens: int = 512, device: str | None = None):
        from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

        from ..core.devices import inference_device

        if batch_size < 1:
            raise ValueError(f"batch_size must be at least 1; got {batch_size}.")
        self.prefix, self.batch_size, self.max_input_tokens = prefix, batch_size, max_input_tokens
        self.device = device or inference_device().type   # "cuda" when CUDA is present, else "cpu"
        self.tokenizer = load_pretrained(AutoTokenizer, model, "translation")
        self.model = load_pretrained(AutoModelForSeq2SeqLM, model, "translation").to(self.device).eval()

    def translate(self, texts, max_new_tokens: int = 128, num_beams: int = 1) -> list[str]:
        """One translation per input text, in the input order."""
        import torch

        texts = check_texts(texts)
        if max_new_tokens < 1 or num_beams < 1:
            raise ValueError(f"max_new_tokens and num_beams must be at least 1; got {max_new_tokens}, {num_beams}.")
        out = [""] * len(texts)
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        for start in range(0, len(order), self.batch_size):
            index = order[start:start + self.batch_size]
            enc = self.tokenizer([self.prefix + texts[i] for i in index], padding=True, truncation=True,
                                 max_length=self.max_input_tokens, return_tensors="pt").to(self.device)
            with torch.inference_mode():
                ids = self.model.generate(**enc, max_new_tokens=max_new_tokens, num_beams=num_beams)
            for i, text in zip(index, self.tokenizer.batch_decode(ids, skip_special_tokens=True)):
                out[i] = text.strip()
        return out


def translate(texts, model_name: str = DEFAULT_TRANSLATION_MODEL, max_new_tokens: int = 128,
              prefix: str = "") -> list[str]:
    """Translate with a model loaded for this call (keep a Translator to translate repeatedly)."""
    return Translator(model_name, prefix=prefix).translate(texts, max_new_tokens=max_new_tokens)
