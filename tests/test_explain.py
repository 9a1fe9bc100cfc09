"""SHAP and LIME explanations (workbench.analysis.explain) on tiny predictors whose right answer is known."""
from __future__ import annotations

import copy
import json
import subprocess
import sys

import numpy as np
import pytest

from conftest_explain_helpers import (KEYWORD, KeywordTextPredictor, LinearTabularPredictor, QuadrantImagePredictor,
                                      minilm_tokenizer, quadrant_image)
from workbench.analysis import explain as E

SENTENCE = "the plot felt slow but the acting was excellent and the music in every scene was lovely"
ROW = [0.5, -0.5, 1.5, 0.2, 1.0]


@pytest.fixture(scope="module")
def tokenizer():
    return minilm_tokenizer()


@pytest.fixture(scope="module")
def text_predictor(tokenizer):
    return KeywordTextPredictor(tokenizer)


@pytest.fixture(scope="module")
def image_predictor():
    return QuadrantImagePredictor(image_size=32)


@pytest.fixture(scope="module")
def tabular_predictor():
    return LinearTabularPredictor()


def _json_roundtrip(expl):
    data = expl.to_dict()
    text = json.dumps(data, allow_nan=False)       # raises on NaN/inf or non-plain types
    return json.loads(text)


# ---------------------------------------------------------------------------------------------------------------
def test_import_is_light():
    code = ("import sys, workbench.analysis.explain; "
            "print(','.join(m for m in ('shap', 'lime', 'torch', 'skimage', 'transformers', 'streamlit', "
            "'ipywidgets') if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# ---------------------------------------------------------------------------------------------------------------
# Text
def test_text_both_methods_rank_the_deciding_word_first(text_predictor):
    calls_before = text_predictor.calls
    shap_e, lime_e, agree = E.explain_both(text_predictor, SENTENCE)
    calls = text_predictor.calls - calls_before
    assert calls <= 40, f"prediction should be batched, got {calls} calls"   # vs ~600 unbatched

    for e, method in ((shap_e, "shap"), (lime_e, "lime")):
        assert e.method == method and e.kind == "text"
        assert e.prediction == 1 and e.target == 1
        assert e.units == SENTENCE.split()
        assert e.weights.shape == (len(e.units), 2)
        assert [e.text[a:b] for a, b in e.spans] == e.units
        assert e.top(1)[0][0] == KEYWORD, e.top(3)
        w = e.unit_weights()
        i = e.units.index(KEYWORD)
        assert w[i] > 0 and abs(w[i]) > 5 * np.delete(np.abs(w), i).max()
        assert e.unit_weights(0)[i] < 0            # and it pushes the other class down
        assert np.isclose(sum(e.probabilities), 1.0)
        assert e.seconds > 0
        data = _json_roundtrip(e)
        assert data["target_label"] == "positive" and data["units"] == e.units
    assert shap_e.settings["max_evals"] == E.DEFAULT_SHAP_EVALS
    assert lime_e.settings["num_samples"] == E.DEFAULT_LIME_SAMPLES
    assert agree["top_a"][0] == agree["top_b"][0] == KEYWORD
    assert KEYWORD in agree["shared"]


def test_text_word_pieces_form_one_unit_and_shap_stays_additive(text_predictor, tokenizer):
    text = "unbelievably excellent acting!"
    assert len(tokenizer.tokenize("unbelievably")) > 1
    shap_e = E.explain_text(text_predictor, text, "shap")
    lime_e = E.explain_text(text_predictor, text, "lime", num_samples=200)
    assert shap_e.units == lime_e.units == ["unbelievably", "excellent", "acting", "!"]
    # summing token values per word loses nothing: weights + base value = the explained probability
    t = shap_e.target
    assert np.isclose(shap_e.unit_weights().sum() + shap_e.base_values[t], shap_e.probabilities[t], atol=1e-6)
    assert lime_e.top(1)[0][0] == shap_e.top(1)[0][0] == KEYWORD


@pytest.mark.parametrize("text", ["", "   ", "\n\t "])
def test_text_empty_is_rejected(text_predictor, text):
    with pytest.raises(ValueError, match="empty"):
        E.explain_text(text_predictor, text, "lime")


def _with_max_length(predictor, max_length):
    clone = copy.copy(predictor)
    clone.max_length = max_length
    return clone


def test_text_longer_than_the_model_limit_explains_the_first_window(text_predictor, tokenizer):
    short = _with_max_length(text_predictor, 16)
    words = ("excellent " + " ".join(["slow"] * 40)).split()
    e = E.explain_text(short, " ".join(words), "lime", num_samples=100)
    assert any("longer than 16 tokens" in n and "first window" in n for n in e.notes), e.notes
    assert len(tokenizer(e.text, add_special_tokens=False)["input_ids"]) <= 14
    assert " ".join(words).startswith(e.text) and e.units[0] == KEYWORD and len(e.units) == 14

    # a word straddling the limit is left out whole, not cut into pieces
    tiny = _with_max_length(text_predictor, 8)
    e = E.explain_text(tiny, "a b c d e unbelievably f", "shap", max_evals=50)
    assert e.text == "a b c d e" and e.units == ["a", "b", "c", "d", "e"]
    assert e.notes


def test_same_seed_same_explanation_and_global_rng_untouched(text_predictor, image_predictor):
    a = E.explain_text(text_predictor, SENTENCE, "lime", seed=3)
    b = E.explain_text(text_predictor, SENTENCE, "lime", seed=3)
    c = E.explain_text(text_predictor, SENTENCE, "lime", seed=4)
    assert np.array_equal(a.weights, b.weights)
    assert not np.array_equal(a.weights, c.weights)
    s1 = E.explain_text(text_predictor, SENTENCE, "shap", max_evals=60, seed=1)
    s2 = E.explain_text(text_predictor, SENTENCE, "shap", max_evals=60, seed=1)
    assert np.array_equal(s1.weights, s2.weights)
    img = quadrant_image(32)
    i1 = E.explain_image(image_predictor, img, "lime", num_samples=60, seed=5)
    i2 = E.explain_image(image_predictor, img, "lime", num_samples=60, seed=5)
    assert np.array_equal(i1.weights, i2.weights) and np.array_equal(i1.segments, i2.segments)

    np.random.seed(123)
    expected = np.random.rand(3)
    np.random.seed(123)
    E.explain_text(text_predictor, SENTENCE, "shap", max_evals=40, seed=9)
    assert np.array_equal(np.random.rand(3), expected)


# ---------------------------------------------------------------------------------------------------------------
# Images
def _share_in_top_right(heatmap):
    pos = np.clip(heatmap, 0, None)
    h, w = heatmap.shape
    return pos[: h // 2, w // 2:].sum() / pos.sum()


@pytest.mark.parametrize("method,min_share", [("shap", 0.9), ("lime", 0.7)])
def test_image_attribution_concentrates_in_the_quadrant_the_model_reads(image_predictor, method, min_share):
    e = E.explain_image(image_predictor, quadrant_image(32), method)
    assert e.prediction == 1 and e.kind == "image" and not e.notes
    n = e.segments.max() + 1
    assert e.segments.shape == (32, 32) and e.heatmap.shape == (32, 32) and e.image.shape == (32, 32, 3)
    assert e.units == [str(i) for i in range(n)] and e.weights.shape == (n, 2)
    assert _share_in_top_right(e.heatmap) >= min_share
    # the strongest superpixel lies in the top-right quadrant
    top = int(e.top(1)[0][0])
    ys, xs = np.nonzero(e.segments == top)
    assert (ys < 16).mean() > 0.7 and (xs >= 16).mean() > 0.7
    assert e.unit_weights()[top] > 0
    # the heatmap sums, per superpixel, to that superpixel's weight
    per_segment = np.bincount(e.segments.ravel(), weights=e.heatmap.ravel(), minlength=n)
    assert np.allclose(per_segment, e.unit_weights(), atol=1e-9)
    if method == "shap":
        t = e.target
        assert np.isclose(e.unit_weights().sum() + e.base_values[t], e.probabilities[t], atol=1e-6)
    data = _json_roundtrip(e)
    assert np.array(data["segments"]).shape == (32, 32) and "image" not in data
    back = E.Explanation.from_dict(data)
    assert np.array_equal(back.segments, e.segments) and np.allclose(back.weights, e.weights)


def test_image_any_mode_and_size_is_converted_with_a_note(image_predictor):
    from PIL import Image

    gray = Image.fromarray((np.arange(20 * 24) % 255).astype(np.uint8).reshape(20, 24), mode="L")
    e = E.explain_image(image_predictor, gray, "lime", num_samples=20)
    assert e.image.shape == (32, 32, 3) and e.image.dtype == np.uint8
    assert any("RGB" in n for n in e.notes) and any("resized from 24x20 to 32x32" in n for n in e.notes)

    rgba_float = np.concatenate([quadrant_image(32) / 255.0, np.ones((32, 32, 1))], axis=-1)
    e = E.explain_image(image_predictor, rgba_float, "lime", num_samples=20)
    assert any("uint8" in n for n in e.notes) and any("alpha" in n for n in e.notes)
    assert e.prediction == 1 and np.abs(e.image.astype(int) - quadrant_image(32)).max() <= 1

    e = E.explain_image(image_predictor, quadrant_image(32)[..., 0], "lime", num_samples=20)   # 2-D grayscale
    assert any("grayscale" in n for n in e.notes)
    with pytest.raises(ValueError, match="shape"):
        E.explain_image(image_predictor, np.zeros((4, 4, 2), np.uint8), "lime")


# ---------------------------------------------------------------------------------------------------------------
# Tables
def test_tabular_both_methods_rank_the_dominant_feature_first(tabular_predictor):
    shap_e, lime_e, agree = E.explain_both(tabular_predictor, ROW)
    for e in (shap_e, lime_e):
        assert e.units == ["f0", "f1", "f2", "f3", "f4"] and e.weights.shape == (5, 2)
        assert e.prediction == 1 and e.top(1)[0][0] == "f2" and e.unit_weights()[2] > 0
        assert e.feature_values == ROW
        _json_roundtrip(e)
    t = shap_e.target
    assert np.isclose(shap_e.unit_weights().sum() + shap_e.base_values[t], shap_e.probabilities[t], atol=1e-6)
    assert "lime_feature_rules" in lime_e.settings
    assert agree["top_a"][0] == agree["top_b"][0] == "f2"


def test_tabular_row_formats_give_the_same_explanation(tabular_predictor):
    pd = pytest.importorskip("pandas")
    names = tabular_predictor.feature_names
    ref = E.explain_tabular(tabular_predictor, np.array(ROW), "lime", num_samples=300)
    as_dict = dict(zip(reversed(names), reversed(ROW)))          # order does not matter, names do
    for row in (as_dict, pd.Series(as_dict), pd.DataFrame([as_dict]), [ROW]):
        e = E.explain_tabular(tabular_predictor, row, "lime", num_samples=300)
        assert np.array_equal(e.weights, ref.weights)


def test_tabular_missing_or_extra_columns_are_named(tabular_predictor):
    row = dict(zip(tabular_predictor.feature_names, ROW))
    missing = {k: v for k, v in row.items() if k != "f3"}
    with pytest.raises(ValueError, match="missing.*f3"):
        E.explain_tabular(tabular_predictor, missing, "shap")
    with pytest.raises(ValueError, match="unexpected.*bogus"):
        E.explain_tabular(tabular_predictor, {**row, "bogus": 1.0}, "shap")
    with pytest.raises(ValueError, match="Expected 5 feature values"):
        E.explain_tabular(tabular_predictor, ROW[:4], "lime")
    with pytest.raises(ValueError, match="non-numeric"):
        E.explain_tabular(tabular_predictor, {**row, "f1": "abc"}, "lime")
    with pytest.raises(ValueError, match="Missing or infinite.*f4"):
        E.explain_tabular(tabular_predictor, {**row, "f4": float("nan")}, "lime")


# ---------------------------------------------------------------------------------------------------------------
# Comparing explanations
def _hand(weights, units=None, target=0, method="shap"):
    w = np.asarray(weights, dtype=float)
    units = units or [f"u{i}" for i in range(len(w))]
    return E.Explanation(method=method, kind="tabular", units=units, weights=np.stack([w, -w], axis=1),
                         target=target, prediction=target, probabilities=[0.6, 0.4], label_names=["a", "b"])


def test_agreement_on_hand_made_explanations():
    a = _hand([5, -4, 3, 0.1, 0.2, 0.05])
    same = E.agreement(a, _hand([5, -4, 3, 0.1, 0.2, 0.05], method="lime"), k=3)
    assert same["top_k_overlap"] == 1.0 and same["spearman"] == pytest.approx(1.0)
    assert same["top_a"] == ["u0", "u1", "u2"] and same["sign_agreement"] == 1.0

    # top-3 by |weight|: a = {u0, u1, u2}; b = {u0, u3, u4} -> 1 shared of 3
    b = _hand([6, 0.0, 0.1, -3, 2, 0.05])
    res = E.agreement(a, b, k=3)
    assert res["top_k_overlap"] == pytest.approx(1 / 3) and res["shared"] == ["u0"]
    from scipy.stats import spearmanr
    assert res["spearman"] == pytest.approx(spearmanr(a.unit_weights(), b.unit_weights()).statistic)

    reversed_ = E.agreement(_hand([1, 2, 3, 4]), _hand([4, 3, 2, 1]), k=10)   # k is clipped to the 4 units
    assert reversed_["k"] == 4 and reversed_["top_k_overlap"] == 1.0 and reversed_["spearman"] == pytest.approx(-1)
    flat = E.agreement(_hand([1, 1, 1]), _hand([1, 2, 3]))
    assert flat["spearman"] is None
    json.dumps(flat, allow_nan=False)
    # the other class (column 1 is -w): same ranking by |weight|
    assert E.agreement(a, b, k=3, target=1)["top_k_overlap"] == pytest.approx(1 / 3)
    with pytest.raises(ValueError, match="different units"):
        E.agreement(_hand([1, 2, 3]), _hand([1, 2]))


def test_across_checkpoints_explains_the_final_models_class(tabular_predictor):
    early = LinearTabularPredictor(dominant=0)
    early.coef = -early.coef                      # the early model predicts "no" for this row
    preds = {"pretrained": early, "final": tabular_predictor}
    out = E.explain_across_checkpoints(preds, ROW, "shap")
    assert list(out) == ["pretrained", "final"]
    assert out["final"].target == out["pretrained"].target == out["final"].prediction == 1
    assert out["pretrained"].prediction == 0
    assert out["final"].top(1)[0][0] == "f2" and out["pretrained"].top(1)[0][0] == "f0"
    forced = E.explain_across_checkpoints(preds, ROW, "lime", target="no", num_samples=200)
    assert {e.target for e in forced.values()} == {0}


def test_dispatch_and_bad_arguments(tabular_predictor, text_predictor):
    e = E.explain(tabular_predictor, ROW, "LIME", num_samples=200)
    assert e.method == "lime" and e.kind == "tabular"
    with pytest.raises(ValueError, match="method"):
        E.explain(tabular_predictor, ROW, "gradcam")
    with pytest.raises(ValueError, match="text predictor"):
        E.explain_text(tabular_predictor, "hello", "lime")
    with pytest.raises(ValueError, match="out of range"):
        E.explain_text(text_predictor, SENTENCE, "lime", target=7)
