"""Application and deployment lessons: takeaways and quizzes follow the numbers (synthetic outcomes), the
corrections' demos reproduce the documents' mistakes for real, and the pure helpers behave."""
from __future__ import annotations

import random

import numpy as np
import pandas as pd
import pytest

from workbench import lessons
from workbench.lessons.applications import translation
from workbench.lessons.applications.embeddings import neighbour_scores
from workbench.lessons.deployment import security, updating
from workbench.lessons.base import Outcome
from workbench.lessons.support import merge, sentences, verdict

from lesson_checks import CHINESE, quiz_answers


def outcome(lesson_id: str, samples: dict, **extra) -> Outcome:
    return Outcome(lesson_id, samples, extra)


def takeaways(lesson_id: str, *outcomes: Outcome) -> list[str]:
    """English takeaways, after checking that each has a Chinese one, that they differ, and that figures draw."""
    lesson = lessons.get(lesson_id)
    english = [lesson.takeaway(o, "en") for o in outcomes]
    for o in outcomes:
        assert CHINESE.search(lesson.takeaway(o, "zh"))
        for title, fig in lesson.figures(o, "en"):
            assert title and fig.data
    assert len(set(english)) == len(english)
    return english


# ---------------------------------------------------------------- app.1

def test_app_1_takeaway_and_quiz_follow_the_measurements():
    adapted = outcome("app.1", {"full": {"accuracy": [0.92, 0.93], "train_seconds": [20, 21]},
                                "frozen": {"accuracy": [0.70, 0.72], "train_seconds": [5, 5]},
                                "scratch": {"accuracy": [0.30, 0.32], "train_seconds": [20, 20]}})
    odd = outcome("app.1", {"full": {"accuracy": [0.50, 0.52]}, "frozen": {"accuracy": [0.60, 0.61]},
                            "scratch": {"accuracy": [0.55, 0.56]}})
    first, second = takeaways("app.1", adapted, odd)
    assert "full fine-tuning reached accuracy 0.925 against 0.310 for from scratch" in first
    assert "Updating the backbone paid off (0.215 more accuracy)" in first
    assert "did better than full fine-tuning" in second and "Training from scratch was not clearly behind" in second
    assert quiz_answers("app.1", adapted, odd) == ("full", "frozen")


def test_app_1_verdicts_follow_the_values():
    unused = {"output_change_after_adding_fc": 0.0, "output_width": 1000, "backward_error": "no grad_fn",
              "fc_got_gradient": False, "accuracy_unchanged_model": 0.0, "accuracy_after_fix": 0.8,
              "output_width_after_fix": 10, "head_steps": 100, "train_images": 96, "test_images": 96}
    head = lessons.get("app.1").corrections[0].verdict
    assert "changed no output at all" in head(unused, "en") and "“no grad_fn”" in head(unused, "en")
    assert "test accuracy 0.80" in head(unused, "en") and CHINESE.search(head(unused, "zh"))
    changed = {**unused, "output_change_after_adding_fc": 0.5, "backward_error": "", "fc_got_gradient": True}
    assert "changed the outputs by up to 0.5" in head(changed, "en")
    assert "backward pass failed" not in head(changed, "en")

    scaling = lessons.get("app.1").corrections[1].verdict
    hurt = {"probe_accuracy_normalised": 0.85, "probe_accuracy_unnormalised": 0.70, "imagenet_top1_agreement": 0.4}
    absorbed = {**hurt, "probe_accuracy_unnormalised": 0.84}
    assert "changed its own ImageNet top-1 class for 60%" in scaling(hurt, "en")
    assert "cost 0.150 accuracy" in scaling(hurt, "en")
    assert "absorbed most of the shift" in scaling(absorbed, "en") and CHINESE.search(scaling(absorbed, "zh"))


def test_app_1_unused_head_demo_reproduces_the_mistake_and_the_fix():
    values = lessons.get("app.1").corrections[0].demo()
    assert values["output_change_after_adding_fc"] == 0.0 and values["output_width"] == 1000
    assert "does not require grad" in values["backward_error"]
    assert values["fc_got_gradient"] is False
    assert values["output_width_after_fix"] == 10
    assert values["accuracy_after_fix"] > values["accuracy_unchanged_model"] + 0.3


def test_app_1_normalisation_demo_measures_both_scalings():
    values = lessons.get("app.1").corrections[1].demo()
    assert values["imagenet_top1_agreement"] < 0.9          # the pretrained network reacts to the scaling
    for key in ("probe_accuracy_normalised", "probe_accuracy_unnormalised"):
        assert 0.3 < values[key] <= 1.0                       # both probes learn the digits (10% is chance)


# ---------------------------------------------------------------- app.2

def test_app_2_takeaway_spots_an_accuracy_that_only_matches_the_majority():
    learned = outcome("app.2", {
        "sentiment": {"accuracy": [0.70, 0.71], "balanced_accuracy": [0.70, 0.71], "majority_baseline": [0.5, 0.5]},
        "spam": {"accuracy": [0.98, 0.98], "balanced_accuracy": [0.95, 0.94], "majority_baseline": [0.87, 0.87]}})
    majority = outcome("app.2", {
        "sentiment": {"accuracy": [0.70, 0.71], "balanced_accuracy": [0.70, 0.71], "majority_baseline": [0.5, 0.5]},
        "spam": {"accuracy": [0.87, 0.87], "balanced_accuracy": [0.50, 0.50], "majority_baseline": [0.866, 0.866]}})
    first, second = takeaways("app.2", learned, majority)
    assert "spam (SMS): accuracy 0.980, balanced accuracy 0.945" in first and "Spam is the easier task" in first
    assert "Spam accuracy is only 0.004 above always answering 'ham'" in second
    assert quiz_answers("app.2", learned, majority) == ("spam", "sentiment")


# ---------------------------------------------------------------- app.3

def _embedding_outcome(pretrained: float, random: float) -> Outcome:
    points = np.random.default_rng(0).normal(size=(6, 2)).tolist()
    return outcome("app.3", {"pretrained": {"neighbour_accuracy": [pretrained, pretrained + 0.02]},
                             "random": {"neighbour_accuracy": [random, random + 0.02]}},
                   k=5, chance=0.5, query="a funny film", labels=["a", "b"] * 3, texts=list("uvwxyz"),
                   map={"pretrained": points, "random": points},
                   search={"pretrained": [{"text": "a hilarious comedy", "label": "fresh", "cosine": 0.71}]})


def test_app_3_takeaway_reads_the_neighbourhoods_against_chance():
    partly, mostly, barely = (_embedding_outcome(p, 0.5) for p in (0.64, 0.9, 0.52))
    first, second, third = takeaways("app.3", partly, mostly, barely)
    assert "pretrained MiniLM reached k-nearest-neighbour accuracy 0.650" in first
    assert "clearly above chance, but not clearly by 20 points or more (65% of 5-neighbour votes right, 50% by " \
        "chance; 95% confidence interval of the margin over chance, over 2 seeds: +0.023 to +0.277)" in first
    assert "already groups texts by label" in second and "do not clearly follow the labels" in third
    assert "“a hilarious comedy” (fresh, cosine 0.71)" in first
    assert quiz_answers("app.3", partly, mostly, barely) == ("partly", "mostly", "chance")


def test_neighbour_scores_count_label_agreement_without_the_text_itself():
    vectors = np.array([[1, 0], [0.99, 0.14], [0, 1], [0.14, 0.99], [0.6, 0.8]], dtype=float)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    labels = np.array([0, 0, 1, 1, 1])
    assert neighbour_scores(vectors, labels, k=1) == (1.0, 1.0)    # each closest other shares the label
    # with 3 neighbours the two label-0 points are outvoted by the three label-1 points around them
    assert neighbour_scores(vectors, labels, k=3) == (1.0, pytest.approx(0.6))


# ---------------------------------------------------------------- app.4

def test_app_4_takeaway_reports_guessing_and_the_missing_trained_model():
    guessing = outcome("app.4", {"untrained": {"exact_match": [0.0, 0.0], "token_f1": [0.1, 0.2]}}, questions=12,
                       heads=2, trained_model="distilbert-base-cased-distilled-squad",
                       answers=[{"question": "What colour is the bicycle?", "expected": "red", "predicted": "every"}])
    lucky = outcome("app.4", {"untrained": {"exact_match": [0.25, 0.3, 0.2], "token_f1": [0.3, 0.3, 0.3]},
                              "trained": {"exact_match": [0.9], "token_f1": [0.95]}}, questions=12, heads=3)
    first, second = takeaways("app.4", guessing, lucky)
    assert "matched 0% of the 12 answers exactly (token F1 0.15" in first and "That is guessing" in first
    assert "it answered “every” (expected “red”)" in first and "is not on this machine" in first
    assert "Its matches happen by luck" in second and "95% confidence interval over the heads 13% to 37%" in second
    assert "fine-tuned on SQuAD matched 90% exactly (95% Wilson interval over the 12 questions 63% to 98%): " \
        "clearly above the untrained head's 25%" in second
    assert "Why no seeds are repeated for it" in second
    assert quiz_answers("app.4", guessing, lucky) == ("none", "some")


def test_app_4_correction_measures_the_random_qa_head():
    correction = lessons.get("app.4").corrections[0]
    values = correction.demo()
    assert values["new_weights"] == ["qa_outputs.bias", "qa_outputs.weight"]
    assert values["exact_match"] <= 0.25 and values["questions"] == 12
    assert "qa_outputs.bias, qa_outputs.weight" in correction.verdict(values, "en")
    offline = {**values, "trained_model_here": False}
    assert "is not on this machine" in correction.verdict(offline, "en")
    assert "is not on this machine" not in correction.verdict({**values, "trained_model_here": True}, "en")


# ---------------------------------------------------------------- app.5

def test_app_5_takeaway_follows_the_translation_scores():
    learned = outcome("app.5", {"untrained": {"exact_match": [0.0], "word_accuracy": [0.0]},
                                "trained": {"exact_match": [0.96], "word_accuracy": [0.99], "train_seconds": [9.0]}},
                      steps=300, test_pairs=100, hub_model="Helsinki-NLP/opus-mt-en-zh",
                      examples=[{"source": "the red cat", "expected": "le chat rouge", "after": "le chat rouge"}],
                      loss_curve=[{"step": 10, "train_loss": 2.0}, {"step": 20, "train_loss": 1.0}])
    early = outcome("app.5", {"untrained": {"exact_match": [0.0], "word_accuracy": [0.0]},
                              "trained": {"exact_match": [0.1], "word_accuracy": [0.5]}}, steps=20, test_pairs=100,
                    hub_model="Helsinki-NLP/opus-mt-en-zh", hub_examples={"Hello.": "你好。"})
    first, second = takeaways("app.5", learned, early)
    assert "after 300 steps (9 s here) it translated 96% exactly" in first and "learned both" in first
    assert "“the red cat” → “le chat rouge”" in first and "is not on this machine" in first
    assert "Too few steps" in second and "turned “Hello.” into “你好。”" in second
    assert quiz_answers("app.5", learned, early) == ("nearly_all", "few")


def test_toy_translation_pairs_reorder_and_test_sentences_are_unseen():
    train, test = translation._toy_corpus(300, seed=1)
    assert len(test) == translation.TOY_TEST and not {s for s, _ in test} & {s for s, _ in train}
    source, target = translation._toy_pair(random.Random(0))
    det, adj, noun = source.split()[:3]
    assert target.split()[:3] == [translation.TOY_LEXICON["det"][det], translation.TOY_LEXICON["noun"][noun],
                                  translation.TOY_LEXICON["adj"][adj]]
    scores = translation._translation_scores(["le chat rouge", "un chien"], ["le chat rouge", "un chat vert"])
    assert scores == {"exact_match": [0.5], "word_accuracy": [pytest.approx((1 + 1 / 3) / 2)]}


def test_app_5_correction_shows_the_class_does_not_exist():
    correction = lessons.get("app.5").corrections[0]
    values = correction.demo()
    assert values["has_TransformerModel"] is False and "TransformerModel" in values["import_error"]
    assert "AutoModelForSeq2SeqLM" in values["real_classes"]
    assert "has no TransformerModel" in correction.verdict(values, "en")
    assert "does have a TransformerModel" in correction.verdict({**values, "has_TransformerModel": True}, "en")


# ---------------------------------------------------------------- app.6

def test_app_6_takeaway_and_quiz_name_the_winning_ranking():
    def rates(flm, popularity):
        return {"flm": {"hit_rate": flm}, "flm_recent": {"hit_rate": [v + 0.01 for v in flm]},
                "popularity": {"hit_rate": popularity}, "random": {"hit_rate": [0.05, 0.06, 0.05]}}
    text_wins = outcome("app.6", rates([0.30, 0.31, 0.30], [0.20, 0.21, 0.20]), k=10)
    popular_wins = outcome("app.6", rates([0.20, 0.21, 0.20], [0.40, 0.41, 0.40]), k=10)
    first, second = takeaways("app.6", text_wins, popular_wins)
    assert first.startswith("Hit rate at 10") and "beat popularity" in first
    assert "most popular reached hit rate 0.403 against 0.213 for FLM (recent items weigh more)" in second
    assert "Popularity won" in second and "changed the hit rate by +0.010" in second
    assert quiz_answers("app.6", text_wins, popular_wins) == ("flm", "popularity")


# ---------------------------------------------------------------- app.7

def test_app_7_takeaway_and_quiz_use_the_noise_verdict():
    mlp_wins = outcome("app.7", {"mlp": {"accuracy": [0.97, 0.975, 0.97]},
                                 "logistic": {"accuracy": [0.93, 0.935, 0.93]}})
    tied = outcome("app.7", {"mlp": {"accuracy": [0.95, 0.97, 0.93]}, "logistic": {"accuracy": [0.96, 0.94, 0.95]}})
    first, second = takeaways("app.7", mlp_wins, tied)
    assert "MLP reached accuracy 0.972 against 0.932 for logistic regression" in first and "earned their cost" in first
    assert "a linear model is as good" in second
    assert quiz_answers("app.7", mlp_wins, tied) == ("mlp", "tie")


# ---------------------------------------------------------------- deploy.1

def _deployment(fp32, int8, onnx, pruned, seeds: int = 3) -> Outcome:
    keys = ("size_mb", "zipped_mb", "latency_ms", "accuracy", "agreement")
    jitter = (1.0, 1.01, 0.99)[:seeds]          # per-seed values that move together: clear paired verdicts
    return outcome("deploy.1", {name: {k: [v * j for j in jitter] for k, v in zip(keys, row)}
                                for name, row in (("fp32", fp32), ("int8", int8), ("onnx", onnx), ("pruned", pruned))},
                   sparsity=0.5)


def test_deploy_1_takeaway_follows_size_speed_and_accuracy():
    text_model = _deployment((90.0, 84.0, 20.0, 0.95, 1.0), (23.0, 20.0, 8.0, 0.95, 0.99),
                             (91.0, 84.0, 13.0, 0.95, 1.0), (90.0, 60.0, 20.0, 0.80, 0.82))
    tiny_model = _deployment((0.07, 0.06, 0.07, 0.90, 1.0), (0.02, 0.02, 0.20, 0.85, 0.95),
                             (0.08, 0.07, 0.05, 0.90, 1.0), (0.07, 0.04, 0.08, 0.90, 0.97))
    first, second = takeaways("deploy.1", text_model, tiny_model)
    assert "int8 dynamic quantisation: 23.00 MB (3.9x smaller), 8.00 ms" in first
    assert "Pruning this much without retraining hurt" in first and "Fastest per example: int8" in first
    assert "int8 was slower than fp32" in second and "It cost 0.050 accuracy" in second
    assert "Whether pruning cost accuracy, this budget cannot tell" in second
    assert "Fastest per example: ONNX Runtime" in second
    assert quiz_answers("deploy.1", text_model, tiny_model) == ("int8", "onnx")
    one_seed = _deployment((90.0, 84.0, 20.0, 0.95, 1.0), (23.0, 20.0, 8.0, 0.90, 0.99),
                           (91.0, 84.0, 13.0, 0.95, 1.0), (90.0, 60.0, 20.0, 0.80, 0.82), seeds=1)
    single = lessons.get("deploy.1").takeaway(one_seed, "en")
    assert "No version was clearly fastest" in single and "One trained model only" in single
    assert "It cost" not in single and "hurt" not in single and quiz_answers("deploy.1", one_seed) == ("tie",)


# ---------------------------------------------------------------- deploy.2

def _update(incremental_old: float) -> Outcome:
    def row(old, new, seconds):
        return {"old_accuracy": [old, old + 0.01], "new_accuracy": [new, new + 0.01],
                "both_accuracy": [(old + new) / 2, (old + new) / 2 + 0.01], "train_seconds": [seconds, seconds]}
    return outcome("deploy.2", {"old": row(0.80, 0.50, 10), "incremental": row(incremental_old, 0.95, 10),
                                "replay": row(0.78, 0.93, 15), "retrain": row(0.79, 0.94, 20)}, replay_share=0.5)


def test_deploy_2_takeaway_measures_forgetting():
    forgot, kept = _update(0.55), _update(0.79)
    kept.samples["incremental"]["old_accuracy"] = [0.81, 0.79]     # seed noise hides the change: graded a tie
    first, second = takeaways("deploy.2", forgot, kept)
    assert "old-data accuracy went from 0.805 to 0.555" in first and "catastrophic forgetting" in first
    assert "Mixing 50% of the old training data into the update (replay) gave 0.785 on old" in first
    assert "retrain on old + new reached mean accuracy over old and new data 0.870" in first
    assert "Old-data accuracy changed by -0.005" in second and "whether the update forgot anything" in second
    assert "Retraining costs grow" in first
    assert quiz_answers("deploy.2", forgot, kept) == ("drops", "holds")


def test_update_data_is_balanced_labelled_and_keeps_tests_apart(tmp_path):
    data = updating._update_data(tmp_path, n_train=20, n_test=10, replay_share=0.5, seed=0)
    frames = {name: pd.read_csv(path) for name, path in data.files.items()}
    assert {name: len(f) for name, f in frames.items()} == {"old": 20, "new": 20, "replay": 30, "all": 40}
    assert (frames["old"]["label"].value_counts() == 10).all()
    assert set(frames["all"]["label"]) == {"flag", "ok"}
    for source in ("old", "new"):
        texts, labels = data.tests[source]
        assert len(texts) == 10 and labels.count("flag") == 5
        assert not set(texts) & set(frames[source]["text"])


# ---------------------------------------------------------------- deploy.3

def test_deploy_3_takeaway_and_quiz_follow_the_success_rates():
    def rates(sentiment, spam):
        samples = {"sentiment_targeted": {"attack_success": sentiment},
                   "sentiment_random": {"attack_success": [0.1, 0.12]},
                   "spam_targeted": {"attack_success": spam}, "spam_random": {"attack_success": [0.0, 0.0]}}
        return outcome("deploy.3", samples, budget=3, attacked={"sentiment": 80, "spam": 70},
                       all_correct={"sentiment": True, "spam": True},
                       curves={"sentiment_targeted": [0.2, 0.4, sentiment[0]], "spam_random": [0.0, 0.0, 0.0]},
                       examples={"sentiment": [{"original": "a funny and warm film",
                                                "edited": "a funny and w@rm film"}]})
    fragile, sturdy = rates([0.66, 0.70], [0.0, 0.02]), rates([0.10, 0.12], [0.12, 0.14])
    first, second = takeaways("deploy.3", fragile, sturdy)
    assert "Review sentiment model: misspelling the 3 words it relies on most" in first
    assert "changed its verdict on 68% of 80 correctly classified reviews; misspelling 3 random words, 11%" in first
    assert "leans on a few words" in first and "The spam filter held up far better" in first
    assert "“a funny and warm film” → “a funny and w@rm film”" in first
    assert "Few verdicts flipped" in second and "no harder to fool" in second
    assert quiz_answers("deploy.3", fragile, sturdy) == ("most", "few")


def test_misspellings_look_alike_and_only_touch_the_chosen_words():
    assert security.misspell("FREE") == "FR3E" and security.misspell("now") == "n0w"
    assert security.misspell("txt") == "t-xt" and security.misspell("07123") == "01723"
    assert security.misspell("x") == "x"
    assert security._with_misspelled("call now for cash".split(), [1, 3]) == "call n0w for c@sh"


# ---------------------------------------------------------------- shared helpers

def test_verdict_merge_and_sentences():
    clear = Outcome("x", {"a": {"accuracy": [0.9, 0.91]}, "b": {"accuracy": [0.7, 0.71]}})
    noisy = Outcome("x", {"a": {"accuracy": [0.7, 0.8]}, "b": {"accuracy": [0.76, 0.74]}})
    single = Outcome("x", {"a": {"latency_ms": [9.0]}, "b": {"latency_ms": [5.0]}})
    assert verdict(clear, "a", "b", "accuracy") == "a" and verdict(noisy, "a", "b", "accuracy") == "tie"
    assert verdict(single, "a", "b", "latency_ms") == "tie"          # one seed: this budget cannot tell
    slower = Outcome("x", {"a": {"latency_ms": [9.0, 9.2]}, "b": {"latency_ms": [5.0, 5.1]}})
    assert verdict(slower, "a", "b", "latency_ms") == "b"
    merged = merge("x", [Outcome("x", {"a": {"m": [1.0]}}, run_ids={"a": ["r1"]}),
                         Outcome("x", {"a": {"m": [2.0]}, "b": {"m": [3.0]}}, run_ids={"a": ["r2"]})], {"k": 1})
    assert merged.samples == {"a": {"m": [1.0, 2.0]}, "b": {"m": [3.0]}} and merged.run_ids == {"a": ["r1", "r2"]}
    assert sentences(["One.", " ", "Two."], "en") == "One. Two."
    assert sentences(["第一句。", "Ranked: a > b."], "zh") == "第一句。Ranked: a > b。"
