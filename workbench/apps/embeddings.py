"""Sentence embeddings from a text encoder, and similarity search over a set of texts.

`Encoder("minilm").embed(texts)` returns one L2-normalised vector per text: the mean of the encoder's last hidden
states over the real (unpadded) tokens, which is how MiniLM was trained as a sentence encoder. The encoder can
also be a local folder, a fine-tuned text run's id or a hub name (see `workbench.core.pretrained`).
"""
from __future__ import annotations

import numpy as np
import pandas as pd

from ..core.pretrained import load_pretrained


def check_texts(texts, what: str = "texts") -> list[str]:
    """A list of strings, or a ValueError naming what is wrong."""
    if isinstance(texts, str):
        raise ValueError(f"{what} must be a list of strings, not one string; wrap it: [text].")
    texts = list(texts)
    bad = [i for i, t in enumerate(texts) if not isinstance(t, str)]
    if bad:
        raise ValueError(f"{what} must all be strings; item {bad[0]} is {type(texts[bad[0]]).__name__}.")
    return texts


class Encoder:
    """A sentence encoder: batched, without gradients, batches grouped by length so little padding is computed."""

    def __init__(self, model: str = "minilm", max_length: int = 256, batch_size: int = 64, device: str | None = None):
        from transformers import AutoModel, AutoTokenizer

        from ..core.devices import inference_device

        if max_length < 2 or batch_size < 1:
            raise ValueError(f"max_length must be >= 2 and batch_size >= 1; got {max_length} and {batch_size}.")
        self.name = model
        self.max_length = max_length
        self.batch_size = batch_size
        self.device = device or inference_device().type   # "cuda" when CUDA is present, else "cpu"
        self.tokenizer = load_pretrained(AutoTokenizer, model, "text embeddings")
        self.model = load_pretrained(AutoModel, model, "text embeddings").to(self.device).eval()

    @property
    def dim(self) -> int:
        return int(self.model.config.hidden_size)

    def embed(self, texts) -> np.ndarray:
        """(n, dim) float32 array of unit vectors, in the order of `texts`."""
        import torch

        texts = check_texts(texts)
        out = np.zeros((len(texts), self.dim), dtype=np.float32)
        order = np.argsort([len(t) for t in texts], kind="stable")
        with torch.inference_mode():
            for start in range(0, len(texts), self.batch_size):
                index = order[start:start + self.batch_size]
                out[index] = self._embed_batch([texts[i] for i in index])
        return out

    def _embed_batch(self, texts: list[str]) -> np.ndarray:
        import torch

        enc = self.tokenizer(texts, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt")
        enc = {k: v.to(self.device) for k, v in enc.items()}
        hidden = self.model(**enc).last_hidden_state
        mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        mean = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1.0)
        return torch.nn.functional.normalize(mean.float(), dim=-1).cpu().numpy()


def cosine_scores(vectors: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Cosine similarity of each row of `vectors` with `query` (both already unit length)."""
    return vectors @ query


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """Indices of the k highest scores, best first (ties keep the lower index first)."""
    k = min(k, len(scores))
    part = np.argpartition(-scores, k - 1)[:k] if k < len(scores) else np.arange(len(scores))
    return part[np.lexsort((part, -scores[part]))]


class SimilarityIndex:
    """Texts embedded once; `search(query, k)` ranks them by cosine similarity to the query."""

    def __init__(self, texts, ids=None, encoder: Encoder | None = None):
        self.texts = check_texts(texts)
        if not self.texts:
            raise ValueError("SimilarityIndex needs at least one text.")
        self.ids = list(range(len(self.texts))) if ids is None else list(ids)
        if len(self.ids) != len(self.texts):
            raise ValueError(f"ids and texts must have the same length; got {len(self.ids)} and {len(self.texts)}.")
        self.encoder = encoder or Encoder()
        self.vectors = self.encoder.embed(self.texts)

    def search(self, query: str, k: int = 5) -> pd.DataFrame:
        """The k most similar texts: rank (1 = best), id, text, cosine."""
        if not isinstance(query, str) or not query.strip():
            raise ValueError("The query must be a non-empty string.")
        if k < 1:
            raise ValueError(f"k must be at least 1; got {k}.")
        scores = cosine_scores(self.vectors, self.encoder.embed([query])[0])
        best = top_k(scores, k)
        return pd.DataFrame({"rank": np.arange(1, len(best) + 1), "id": [self.ids[i] for i in best],
                             "text": [self.texts[i] for i in best], "cosine": scores[best].astype(float)})
