"""Concept lessons: takeaways and quiz answers follow the measured numbers; corrections reproduce the mistake and
measure the fix; the helpers that build datasets and smaller encoders do what the lessons rely on."""
from __future__ import annotations

import pytest

from workbench import lessons
from workbench.lessons.base import Outcome

from lesson_checks import quiz_answers, takeaways as _checked


def takeaways(lesson_id, outcome):
    return _checked(lesson_id, outcome, draw_figures=False)


def accuracy(**variants) -> dict:
    return {name: {"accuracy": list(values)} for name, values in variants.items()}


def test_concept_1_takeaway_and_quiz_follow_the_probe_gap():
    helped = Outcome("concept.1", accuracy(pretrained=[0.78, 0.80, 0.79], random=[0.58, 0.60, 0.59]),
                     {"majority": [0.5, 0.5, 0.5]})
    flat = Outcome("concept.1", accuracy(pretrained=[0.60, 0.62], random=[0.61, 0.60]), {"majority": [0.6, 0.6]})
    en, zh = takeaways("concept.1", helped)
    assert en.startswith("pretrained MiniLM reached accuracy 0.790 against 0.590")
    assert "20 points better" in en and "Even random features beat" in en and "高出 20 个百分点" in zh
    en_flat, _ = takeaways("concept.1", flat)
    assert "not clearly better than random ones" in en_flat and "not clearly above always guessing" in en_flat
    assert "cannot be told apart" in en_flat and "beat" not in en_flat
    assert quiz_answers("concept.1", helped, flat) == ("big", "none")


def test_concept_1_figures_draw_the_measured_feature_maps():
    outcome = Outcome("concept.1", accuracy(pretrained=[0.8], random=[0.6]),
                      {"points": {"pretrained": [[0, 1], [1, 0], [2, 2]], "random": [[1, 1], [0, 0], [2, 1]]},
                       "point_labels": [0, 1, 1], "label_names": ["rotten", "fresh"], "majority": [0.5]})
    figs = lessons.get("concept.1").figures(outcome, "en")
    assert len(figs) == 3 and {t.name for t in figs[1][1].data} == {"rotten", "fresh"}


def test_concept_3_takeaway_reports_the_cross_domain_drop():
    drop = Outcome("concept.3", accuracy(home=[0.80, 0.82, 0.81], cross=[0.64, 0.66, 0.65],
                                         in_domain=[0.75, 0.76, 0.74]), {"source": "comedy", "target": "thriller"})
    close = Outcome("concept.3", accuracy(home=[0.75, 0.74], cross=[0.74, 0.73], in_domain=[0.745, 0.74]),
                    {"source": "comedy", "target": "thriller"})
    en, zh = takeaways("concept.3", drop)
    assert "scored 0.810 on held-out comedy/romance reviews and 0.650 on thriller/horror/action reviews" in en
    assert "target-trained, tested on target reached accuracy 0.750 against 0.650" in en
    assert "worth 10.0 points" in en and "10.0 个百分点" in zh
    en_close, _ = takeaways("concept.3", close)
    assert "close enough" in en_close and "was worth" not in en_close
    assert quiz_answers("concept.3", drop, close) == ("in_domain", "close")


def test_concept_3_genre_datasets_hold_one_genre_each_with_hub_label_order(tmp_path, monkeypatch):
    import pandas as pd

    from workbench.lessons.concepts.domains import GENRES, genre_datasets
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    paths = genre_datasets()
    frames = {genre: pd.read_csv(path) for genre, path in paths.items()}
    for genre, frame in frames.items():
        other = next(g for g in GENRES if g != genre)
        assert len(frame) > 400 and set(frame.label) == {"negative", "positive"}
        assert not frame.text.str.lower().str.contains(GENRES[other]).any()
    assert not set(frames["comedy"].text) & set(frames["thriller"].text)


def test_concept_4_takeaway_names_the_winning_combination():
    both = Outcome("concept.4", accuracy(pretrain_only=[0.70, 0.71], finetune_only=[0.55, 0.56], both=[0.80, 0.81]))
    frozen = Outcome("concept.4", accuracy(pretrain_only=[0.74, 0.75], finetune_only=[0.55, 0.56], both=[0.70, 0.71]))
    noisy = Outcome("concept.4", accuracy(pretrain_only=[0.70, 0.76], finetune_only=[0.55, 0.56], both=[0.78, 0.72]))
    en, zh = takeaways("concept.4", both)
    assert en.startswith("Ranked by accuracy: pre-training + fine-tuning 0.805")
    assert "Together they beat either alone" in en and "迁移" in zh
    en_frozen, _ = takeaways("concept.4", frozen)
    assert "frozen pretrained features alone did best" in en_frozen
    en_noisy, _ = takeaways("concept.4", noisy)
    assert "No setting is clearly ahead" in en_noisy and "beat" not in en_noisy
    assert quiz_answers("concept.4", both, frozen) == ("both", "pretrain_only")


def strategies(full, lora, frozen=0.65, others=0.7) -> Outcome:
    samples = {}
    for name, acc in dict(full=full, frozen=frozen, last_n=others, gradual=others, discriminative=others,
                          lora=lora).items():
        params = {"full": 22_700_000, "lora": 74_000, "frozen": 770}.get(name, 3_000_000)
        seeds = [acc + 0.01, acc - 0.01, acc + 0.005] if name == "lora" else [acc, acc + 0.01, acc + 0.005]
        samples[name] = {"accuracy": seeds, "trainable_parameters": [params] * 3,
                         "train_seconds": [10.0 if name == "full" else 5.0] * 3}
    return Outcome("concept.5", samples)


def test_concept_5_takeaway_weighs_accuracy_against_trainable_parameters():
    close, lora_wins = strategies(full=0.80, lora=0.79), strategies(full=0.70, lora=0.80)
    en, zh = takeaways("concept.5", close)
    assert en.startswith("Ranked by accuracy: full fine-tuning 0.805")
    assert "LoRA trained 74,000 parameters (0.3% of full fine-tuning's 22,700,000)" in en
    assert "could not be told apart from it at this budget (mean gap 1.3 points)" in en
    assert "from 5.0 s" in en and "10.0 s (full fine-tuning)" in en
    assert "74,000" in zh
    en_lora, _ = takeaways("concept.5", lora_wins)
    assert "beat it by 9.7 points" in en_lora
    assert quiz_answers("concept.5", close, lora_wins) == ("tie", "lora")
    assert quiz_answers("concept.5", strategies(full=0.9, lora=0.7)) == ("full",)
    assert quiz_answers("concept.5", strategies(full=0.7, lora=0.7, others=0.9)) == ("layerwise",)


def test_concept_5_frozen_head_correction_reproduces_the_error_and_trains_the_fix():
    correction = next(c for c in lessons.get("concept.5").corrections if c.source == "002 code 3")
    values = correction.demo()
    assert "does not require grad" in values["error"]
    assert values["loss_last"] < values["loss_first"] and values["backbone_changed"] is False
    assert values["trainable"] == 16 * 3 + 3      # the new head only: 16 inputs x 3 wines + 3 biases
    assert correction.verdict(values, "en").startswith("Reproduced")
    silent = {**values, "error": None, "backbone_changed": True}
    assert "No error this time" in correction.verdict(silent, "en")
    assert "changed, which they should not have" in correction.verdict(silent, "en")
    assert "已复现" in correction.verdict(values, "zh")


def test_concept_5_adapter_correction_counts_parameters_on_minilm():
    correction = next(c for c in lessons.get("concept.5").corrections if c.source == "004 #3")
    values = correction.demo()
    assert values["full"] == values["scratch"] == values["total"] > 20_000_000
    assert 0 < values["lora"] < values["full"] / 100
    assert values["lora_keeps_pretrained"] is True and values["scratch_keeps_pretrained"] is False
    text = correction.verdict(values, "en")
    assert f"{values['lora']:,}" in text and "from random values" in text and "pretrained word embeddings: no" in text
    assert "否" in correction.verdict(values, "zh")


def sizes(l1: float, l1_balanced: float = 0.7) -> Outcome:
    samples = {}
    for layers, acc, params, seconds in ((6, 0.80, 22.7e6, 12.0), (3, 0.79, 17.4e6, 7.0), (1, l1, 13.8e6, 4.0)):
        seeds = [acc + 0.01, acc - 0.006, acc + 0.002] if layers == 1 else [acc, acc + 0.004, acc + 0.002]
        samples[f"minilm_L{layers}"] = {"accuracy": seeds, "trainable_parameters": [params] * 3,
                                        "train_seconds": [seconds] * 3,
                                        "balanced_accuracy": [l1_balanced if layers == 1 else 0.8] * 3}
    return Outcome("concept.6", samples)


def test_concept_6_takeaway_trades_size_against_accuracy():
    small_loss, big_loss = sizes(0.79), sizes(0.70)
    en, zh = takeaways("concept.6", small_loss)
    assert "Keeping 1 of 6 layers cut the parameters from 22.7 M to 13.8 M" in en and "12.0 s to 4.0 s" in en
    assert "better buy" in en and "MiniLM（1 层）" in zh
    en_big, _ = takeaways("concept.6", big_loss)
    assert "worth 10.0 points" in en_big
    assert quiz_answers("concept.6", small_loss, big_loss) == ("small", "medium")
    assert quiz_answers("concept.6", sizes(0.60)) == ("large",), "graded by the interval, not the mean gap"
    assert "never learned" not in en_big and "its own rate" not in en_big
    small_loss.extra["lrs"] = {"minilm_L6": 1e-4, "minilm_L3": 3e-4, "minilm_L1": 3e-4}
    en_rates, zh_rates = takeaways("concept.6", small_loss)
    assert "Each size trained at its own rate: 0.0001 for the whole encoder, 0.0003 for the truncated" in en_rates
    assert "截断版本 0.0003" in zh_rates


def test_concept_6_gives_each_size_a_rate_that_works_for_it():
    from workbench.lessons.concepts.choosing import size_lr
    settings = lessons.get("concept.6").settings
    assert size_lr(6, settings) == 1e-4 and size_lr(3, settings) == size_lr(2, settings) == 3e-4
    assert settings["fewest_layers"] == 2 and "3e-4" in lessons.get("concept.6").answer.en


def test_concept_6_says_when_a_truncated_encoder_never_learned_instead_of_blaming_capacity():
    en, zh = takeaways("concept.6", sizes(0.50, l1_balanced=0.50))
    assert "MiniLM, 1 layer never learned the task" in en and "distilled" in en and "worth" not in en
    assert "MiniLM（1 层） 根本没有学会" in zh


def test_truncated_minilm_keeps_the_bottom_layers(tmp_path, monkeypatch):
    import torch
    from transformers import AutoModel

    from workbench.lessons.concepts.choosing import truncated_minilm
    from workbench.core.pretrained import minilm_path
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    assert truncated_minilm(6) == "minilm"
    with pytest.raises(ValueError, match="at least 1"):
        truncated_minilm(0)
    small, full = AutoModel.from_pretrained(truncated_minilm(2)), AutoModel.from_pretrained(minilm_path())
    assert small.config.num_hidden_layers == 2 and len(small.encoder.layer) == 2
    assert torch.equal(small.encoder.layer[1].output.dense.weight, full.encoder.layer[1].output.dense.weight)


def test_concept_7_takeaway_separates_architecture_from_pretraining():
    prior_helps = Outcome("concept.7", accuracy(mlp=[0.80, 0.81], cnn_scratch=[0.86, 0.87],
                                                cnn_pretrained=[0.95, 0.96]))
    pretraining_only = Outcome("concept.7", accuracy(mlp=[0.86, 0.87], cnn_scratch=[0.40, 0.45],
                                                     cnn_pretrained=[0.84, 0.85]))
    en, zh = takeaways("concept.7", prior_helps)
    assert en.startswith("Ranked by accuracy: CNN pretrained on ImageNet 0.955")
    assert "beat the MLP by 6.0 points" in en and "6.0 个百分点" in zh
    en_other, _ = takeaways("concept.7", pretraining_only)
    assert "Neither CNN was clearly ahead of the MLP" in en_other and "came from pre-training" not in en_other
    from_pretraining = Outcome("concept.7", accuracy(mlp=[0.80, 0.81], cnn_scratch=[0.75, 0.76],
                                                     cnn_pretrained=[0.95, 0.96]))
    en_pre, _ = takeaways("concept.7", from_pretraining)
    assert "was not clearly ahead of the MLP (-5.0 points)" in en_pre and "came from pre-training" in en_pre
    assert quiz_answers("concept.7", prior_helps) == ("cnn_pretrained",)
    assert quiz_answers("concept.7", pretraining_only) == ("mlp",)
    assert "vision transformer" not in en, "an outcome without the transformer says nothing about it"


def test_concept_7_places_the_vision_transformer_by_the_verdicts():
    base = dict(mlp=[0.80, 0.81, 0.82], cnn_scratch=[0.75, 0.76, 0.74], cnn_pretrained=[0.95, 0.96, 0.94])
    behind = Outcome("concept.7", accuracy(**base, vit_scratch=[0.40, 0.45, 0.42]))
    en, zh = takeaways("concept.7", behind)
    assert "vision transformer from scratch reached 0.423, clearly below the MLP" in en and "明显低于 MLP" in zh
    level = Outcome("concept.7", accuracy(**base, vit_scratch=[0.85, 0.78, 0.80]))
    en_level, _ = takeaways("concept.7", level)
    assert "not clearly different from the MLP" in en_level
    quiz = lessons.get("concept.7").quiz
    assert {"mlp", "vit_scratch", "cnn_scratch", "cnn_pretrained", "tie"} == set(quiz.choices)
    assert quiz.correct(behind) == "cnn_pretrained"
    close = Outcome("concept.7", accuracy(**{**base, "cnn_pretrained": [0.95, 0.80, 0.83]}, vit_scratch=[0.4] * 3))
    assert quiz.correct(close) == "tie", "no clear best at this budget"


def test_mnist_pixels_csv_splits_into_the_same_examples_as_mnist(tmp_path, monkeypatch):
    import numpy as np

    from workbench.core.datasets import load_dataset, split_dataset
    from workbench.lessons.concepts.choosing import mnist_pixels_csv
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    table, images = load_dataset(mnist_pixels_csv()), load_dataset("mnist")
    assert table.kind == "tabular" and table.label_names == images.label_names
    a, b = split_dataset(table, seed=3, max_train_samples=50), split_dataset(images, seed=3, max_train_samples=50)
    assert np.array_equal(a.test.y, b.test.y)
    assert np.array_equal(a.train.x, b.train.x.reshape(50, -1).astype(np.float32))
