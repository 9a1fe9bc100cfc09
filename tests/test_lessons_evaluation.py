"""Evaluation and explanation lessons: takeaways, quizzes and corrections follow the measured numbers.

Outcomes are built by hand (two per lesson, pointing opposite ways); the lessons' real runs are exercised by the
generic quick-mode test in test_lessons.py. The ROC-vs-PR correction's demo runs for real (under a second)."""
from __future__ import annotations

from workbench import lessons
from workbench.lessons.evaluation.metrics import BASELINE
from workbench.lessons.explain.shap_lime import _log_odds_drop
from workbench.lessons.base import Outcome
from lesson_checks import CHINESE, quiz_answers, takeaways as both


def spam(model: dict, baseline: dict, share=(0.13, 0.13)) -> Outcome:
    return Outcome("eval.1", {"fine-tuned": model, BASELINE: baseline}, {"spam_share": list(share)})


def test_eval_1_accuracy_hides_a_model_that_misses_spam():
    base = {"accuracy": [0.87, 0.87], "recall_pos": [0.0, 0.0], "precision_pos": [0.0, 0.0], "f1_pos": [0.0, 0.0],
            "log_loss": [0.39, 0.39], "balanced_accuracy": [0.5, 0.5]}
    good = spam({"accuracy": [0.98, 0.97], "recall_pos": [0.90, 0.86], "precision_pos": [0.95, 0.93],
                 "f1_pos": [0.92, 0.89], "log_loss": [0.08, 0.09], "balanced_accuracy": [0.95, 0.93]}, base)
    weak = spam({"accuracy": [0.89, 0.88], "recall_pos": [0.20, 0.15], "precision_pos": [0.8, 0.7],
                 "f1_pos": [0.32, 0.25], "log_loss": [0.45, 0.46], "balanced_accuracy": [0.6, 0.57]}, base)
    good_en, good_zh = both("eval.1", good)
    weak_en, _ = both("eval.1", weak)
    assert "accuracy 0.975" in good_en and "Spam recall was 0.880 against 0.000" in good_en
    assert "Accuracy flatters every model" in good_en and "which excludes 0" in good_en
    assert "catches only 18% of the spam" in weak_en and "confidently wrong" in weak_en
    assert "平衡准确率" in good_zh
    quiz = lessons.get("eval.1").quiz
    assert quiz.correct(good) == "high"
    assert quiz.correct(spam(good.samples["fine-tuned"], {**base, "accuracy": [0.6, 0.62]})) == "low"


def roc_outcome(default_f1, tuned_f1, thresholds, tuned_precision, tuned_recall) -> Outcome:
    samples = {"default": {"f1_pos": default_f1, "precision_pos": [0.95, 0.96], "recall_pos": [0.80, 0.82]},
               "tuned": {"f1_pos": tuned_f1, "precision_pos": tuned_precision, "recall_pos": tuned_recall}}
    return Outcome("eval.2", samples, {"roc_auc": [0.98, 0.97], "average_precision": [0.90, 0.88],
                                       "thresholds": thresholds, "spam_share": [0.13, 0.13]})


def test_eval_2_threshold_direction_and_payoff_follow_the_numbers():
    lower = roc_outcome([0.86, 0.87], [0.90, 0.91], [0.30, 0.34], [0.90, 0.91], [0.90, 0.91])
    higher = roc_outcome([0.86, 0.87], [0.84, 0.85], [0.70, 0.74], [0.99, 0.99], [0.72, 0.74])
    lower_en, _ = both("eval.2", lower)
    higher_en, higher_zh = both("eval.2", higher)
    assert "ROC AUC was 0.975" in lower_en and "best F1 on the validation messages was 0.32" in lower_en
    assert "Lowering the threshold flagged more messages: recall 0.810 → 0.905" in lower_en
    assert "Raising the threshold" in higher_en and "did not carry over" in higher_en
    assert "提高阈值" in higher_zh
    assert quiz_answers("eval.2", lower, higher) == ("below", "above")


def test_eval_2_correction_measures_two_different_curves():
    correction = lessons.get("eval.2").corrections[0]
    values = correction.demo()
    assert 0.9 < values["roc_auc"] <= 1 and 0 < values["average_precision"] <= 1
    assert 0.05 < values["positive_share"] < 0.25
    text = correction.verdict(values, "en")
    assert f"area {values['roc_auc']:.3f}" in text and "different quantity" in text
    close = {**values, "roc_auc": 0.95, "average_precision": 0.952}
    far = {**values, "roc_auc": 0.95, "average_precision": 0.70}
    assert "happen to be close" in correction.verdict(close, "en")
    assert "different chance levels" in correction.verdict(far, "en")
    assert CHINESE.search(correction.verdict(far, "zh"))


def confusion_outcome(top_cells, top3_share, errors=40) -> Outcome:
    extra = {"label_names": [str(d) for d in range(10)], "examples": 360, "errors": errors, "top_cells": top_cells,
             "worst_class": "8", "confusion": [[36 if i == j else 0 for j in range(10)] for i in range(10)],
             "per_class": [{"label": str(d), "precision": 0.9, "recall": 0.9, "f1": 0.9, "support": 36}
                           for d in range(10)],
             "worst_errors": [{"id": 123, "true": 9, "pred": 3, "p_true": 0.02, "loss": 3.9}]}
    return Outcome("eval.3", {"mlp": {"accuracy": [0.89, 0.9], "f1_macro": [0.88, 0.89], "worst_recall": [0.7, 0.72],
                                      "top3_share": top3_share}}, extra)


def test_eval_3_names_the_biggest_confusion_and_its_concentration():
    concentrated = confusion_outcome([[8, 1, 12], [9, 3, 6], [4, 9, 4]], [0.55, 0.6])
    spread = confusion_outcome([[2, 7, 3], [5, 6, 3], [1, 7, 2]], [0.2, 0.22])
    c_en, c_zh = both("eval.3", concentrated)
    s_en, _ = both("eval.3", spread)
    assert "true 8 predicted as 1: 12 times, 30% of the errors" in c_en and "concentrate" in c_en
    assert "example 123: a 9 read as 3" in c_en and "真实为 8" in c_zh
    assert "true 2 predicted as 7" in s_en and "spread thinly" in s_en
    assert "nothing to analyse" in both("eval.3", confusion_outcome([], [None], errors=0))[0]
    assert quiz_answers("eval.3", concentrated, spread) == ("concentrated", "spread")


def cv_outcome(folds: list[float], means: list[float]) -> Outcome:
    return Outcome("eval.4", {"single split": {"accuracy": folds}, "k-fold mean": {"accuracy": means}},
                   {"folds": 5, "fold_scores": [folds[:5]]})


def test_eval_4_reports_the_fold_spread_against_one_split():
    noisy = cv_outcome([0.86, 1.0, 0.94, 0.97, 0.91, 0.92, 0.97, 0.89, 1.0, 0.94], [0.936, 0.944])
    steady = cv_outcome([0.95, 0.96, 0.95, 0.96, 0.955], [0.955])
    n_en, n_zh = both("eval.4", noisy)
    s_en, _ = both("eval.4", steady)
    assert "from 0.860 to 1.000" in n_en and "missed the mean by up to 0.080" in n_en
    assert "gave means 0.936, 0.944" in n_en and "one split is a noisy estimate" in n_en
    assert "agree closely" in s_en and "5 折交叉验证" in n_zh
    assert quiz_answers("eval.4", noisy, steady) == ("large", "small")


def pretrained_outcome(zero_shot, probe, tuned) -> Outcome:
    return Outcome("eval.5", {"zero-shot": {"accuracy": zero_shot}, "linear probe": {"accuracy": probe},
                              "fine-tuned": {"accuracy": tuned}},
                   {"majority": [0.5, 0.5], "train_examples": [300, 300]})


def test_eval_5_ranks_zero_shot_probe_and_fine_tuning():
    tuned_wins = pretrained_outcome([0.69, 0.70], [0.74, 0.75], [0.82, 0.83])
    probe_wins = pretrained_outcome([0.52, 0.51], [0.74, 0.75], [0.62, 0.63])
    noisy = pretrained_outcome([0.52, 0.51], [0.74, 0.75], [0.62, 0.71])
    t_en, t_zh = both("eval.5", tuned_wins)
    p_en, _ = both("eval.5", probe_wins)
    assert t_en.startswith("Ranked by accuracy: fully fine-tuned 0.825") and "reshapes the features" in t_en
    assert "already separates the classes" in t_en and "300 labels" in t_en
    assert "did worse than the probe" in p_en and "not clearly above chance" in p_en
    n_en, _ = both("eval.5", noisy)
    assert "could not be told apart from fine-tuned ones" in n_en and "did worse" not in n_en
    assert "全量微调" in t_zh
    assert quiz_answers("eval.5", tuned_wins, probe_wins) == ("fine-tuned", "linear probe")


def cost_outcome(threshold, cost_default, cost_tuned) -> Outcome:
    return Outcome("eval.6", {"default": {"cost_per_1000": cost_default, "precision_pos": [0.95, 0.95],
                                          "recall_pos": [0.85, 0.86]},
                              "cost": {"cost_per_1000": cost_tuned, "precision_pos": [0.99, 0.99],
                                       "recall_pos": [0.75, 0.77]}},
                   {"thresholds": threshold, "cost_fp": 5.0, "cost_fn": 1.0})


def test_eval_6_cheapest_threshold_and_calibration_follow_the_numbers():
    calibrated = cost_outcome([0.82, 0.84, 0.83], [40.0, 42.0], [30.0, 31.0])
    off = cost_outcome([0.99, 0.98, 0.99], [40.0, 42.0], [45.0, 47.0])
    c_en, c_zh = both("eval.6", calibrated)
    o_en, _ = both("eval.6", off)
    assert "cheapest threshold on the validation messages was 0.83" in c_en
    assert "cost 30.5 per 1,000 messages against 41.0" in c_en and "close to 0.83" in c_en
    assert "not calibrated" in o_en and "cost more on test" in o_en
    assert "每千条短信的代价为 30.5" in c_zh
    quiz = lessons.get("eval.6").quiz
    assert quiz.correct(calibrated) == "above"
    assert quiz.correct(cost_outcome([0.3, 0.31, 0.32], [1.0, 1.0], [1.0, 1.0])) == "below"
    assert quiz.correct(cost_outcome([0.3, 0.35], [1.0, 1.0], [1.0, 1.0])) == "tie"      # two seeds: too wide
    assert quiz.correct(cost_outcome([0.5, 0.9, 0.7], [1.0, 1.0], [1.0, 1.0])) == "tie"   # straddles 0.6


def explain_outcome(shap_drop, random_drop, shap_first, lime_first, decisive=3) -> Outcome:
    first = {"text": "WIN a FREE prize now", "units": ["WIN", "a", "FREE", "prize", "now"],
             "shap": [0.3, 0.0, 0.4, 0.2, 0.05], "lime": [0.25, 0.01, 0.35, 0.1, 0.02],
             "agreement": {"k": 5, "top_k_overlap": 0.8, "spearman": 0.9}, "explained": "spam"}
    samples = {"shap": {"deletion_drop": shap_drop, "planted_first": shap_first},
               "lime": {"deletion_drop": [d - 0.01 for d in shap_drop], "planted_first": lime_first},
               "random": {"deletion_drop": random_drop, "planted_first": [0.1] * len(shap_first)}}
    curves = {"shap": [0.9, 0.5, 0.3, 0.2], "lime": [0.9, 0.55, 0.3, 0.2], "random": [0.9, 0.85, 0.8, 0.8]}
    return Outcome("explain.1", samples, {"budget": 200, "k": 3, "token": "zorblat", "planted_share": 0.1,
                                          "overlap": [0.6, 0.8], "first": first, "curves": curves,
                                          "token_effect": [0.9, 0.8, 0.1, 0.85], "tried": 4, "decisive": decisive})


def test_explain_1_faithfulness_checks_follow_the_numbers():
    faithful = explain_outcome([0.4, 0.5, 0.45, 0.5], [0.05, 0.1, 0.02, 0.08], [1.0, 1.0, 1.0], [1.0, 0.0, 1.0])
    unclear = explain_outcome([0.1, 0.3, 0.05, 0.2], [0.2, 0.1, 0.15, 0.1], [], [], decisive=0)
    f_en, f_zh = both("explain.1", faithful)
    u_en, _ = both("explain.1", unclear)
    assert "Deletion test on 4 test messages (200 samples per explanation)" in f_en
    assert _log_odds_drop([0.999, 0.99, 0.9]) > _log_odds_drop([0.6, 0.55, 0.5]) > 0
    assert "log-odds fell on average by SHAP 0.463, LIME 0.453, random words 0.062" in f_en
    assert "SHAP reached log-odds drop after deleting the top words 0.463 against 0.062" in f_en
    assert "So the words SHAP and LIME picked are words the model really relies on" in f_en
    assert "raised P(spam) by +0.66 on average and flipped 3 of them" in f_en
    assert "SHAP ranked it first 3 time(s) and LIME 2 time(s)" in f_en and "LIME missed the known cause" in f_en
    assert "shared 70% of their top-5 words" in f_en
    assert "Neither method's top words moved the output clearly more" in u_en
    assert "never flipped a prediction on its own" in u_en and "relies on" not in u_en
    assert "删除测试" in f_zh and "zorblat" in f_zh
    assert quiz_answers("explain.1", faithful, unclear) == ("shap", "tie")
    for lang in ("en", "zh"):
        assert [title for title, _ in lessons.get("explain.1").figures(faithful, lang)]
