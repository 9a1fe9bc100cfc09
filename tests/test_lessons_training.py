"""The training lessons (train.1 to train.10): takeaways, quizzes and figures follow the numbers of hand-made
outcomes; the corrections' demos run and their verdicts follow their values; the probes measure what they say."""
from __future__ import annotations

import math

import numpy as np
import pytest

from workbench import lessons
from workbench.lessons.training import probes
from workbench.lessons.base import Outcome
from lesson_checks import CHINESE, quiz_answers, takeaways


def acc(*values, **more):
    return {"accuracy": list(values), **{k: list(v) for k, v in more.items()}}


# ---------------------------------------------------------------- train.1


def lr_outcome(accuracies: dict, suggestion: float) -> Outcome:
    rates = {"lr 1e-05": 1e-5, "lr 0.0002": 2e-4, "lr 0.001": 1e-3}
    lrs = list(np.geomspace(1e-7, 1, 20))
    finder = {"lrs": lrs, "losses": list(np.linspace(0.7, 0.4, 20)), "raw_losses": list(np.linspace(0.7, 0.4, 20)),
              "suggestion": suggestion, "minimum_lr": 1e-3, "notes": []}
    schedules = {"linear": [1e-4 * (1 - i / 10) for i in range(10)], "constant": [1e-4] * 10}
    loss = {"lr 1e-05": 0.68, "lr 0.0002": 0.45, "lr 0.001": 0.70}
    return Outcome("train.1", {name: acc(*accuracies[name], final_train_loss=[loss[name]] * 2) for name in rates},
                   {"lrs": rates, "finder": finder, "schedules": schedules, "schedule_peak": 2e-4, "chance": 0.5})


def test_train_1_names_the_best_rate_the_collapse_and_the_finder():
    middle = lr_outcome({"lr 1e-05": [0.55, 0.56], "lr 0.0002": [0.80, 0.79], "lr 0.001": [0.50, 0.50]}, 3e-4)
    high = lr_outcome({"lr 1e-05": [0.60, 0.61], "lr 0.0002": [0.70, 0.71], "lr 0.001": [0.80, 0.81]}, 1e-6)
    en_mid, zh_mid = takeaways("train.1", middle)
    en_high, _ = takeaways("train.1", high)
    assert en_mid.startswith("Ranked by accuracy: lr 0.0002 0.795")
    assert "At 0.001 the model ended at chance level (0.500" in en_mid and "within a factor of 1.5" in en_mid
    assert "At 1e-05 the training loss only fell to 0.680 (against 0.450 at 0.0002)" in en_mid and "随机水平" in zh_mid
    assert en_high.startswith("Ranked by accuracy: lr 0.001 0.805") and "chance level" not in en_high
    assert "1000 times away from the best measured rate 0.001" in en_high
    assert quiz_answers("train.1", middle, high) == ("middle", "highest")
    eager = lr_outcome({"lr 1e-05": [0.55, 0.56], "lr 0.0002": [0.80, 0.79], "lr 0.001": [0.50, 0.50]}, 2e-3)
    eager_text = lessons.get("train.1").takeaway(eager, "en")
    assert "2.0e-03, 10 times away" in eager_text and "it even pointed above 0.001, a rate that left" in eager_text
    flat = lr_outcome({"lr 1e-05": [0.50, 0.51], "lr 0.0002": [0.52, 0.50], "lr 0.001": [0.50, 0.50]}, 3e-4)
    assert "No rate got clearly above chance (0.500)" in lessons.get("train.1").takeaway(flat, "en")


def schedule_outcome(no_warmup: list, constant: list) -> Outcome:
    """train.1 with its schedule runs at the middle rate 0.0002 (linear with warm-up is the sweep's run)."""
    outcome = lr_outcome({"lr 1e-05": [0.55, 0.56], "lr 0.0002": [0.80, 0.79], "lr 0.001": [0.50, 0.50]}, 3e-4)
    for name, values in (("constant", constant), ("cosine", [0.79, 0.80]), ("linear_no_warmup", no_warmup)):
        outcome.samples[f"schedule {name}"] = acc(*values)
    outcome.extra.update(schedule_runs={"linear": "lr 0.0002", "constant": "schedule constant",
                                        "cosine": "schedule cosine", "linear_no_warmup": "schedule linear_no_warmup"},
                         schedule_steps=25, warmup_steps=2)
    outcome.histories = {name: [{"step": 1, "train_loss": 0.7}, {"step": 2, "train_loss": 0.6}]
                         for name in outcome.samples}
    return outcome


def test_train_1_trains_the_schedules_and_warm_up_and_judges_them_by_the_verdict():
    same = schedule_outcome(no_warmup=[0.81, 0.77], constant=[0.81, 0.78])
    en, zh = takeaways("train.1", same)
    assert "Then the schedules, all trained at the middle rate 0.0002" in en and "余弦衰减（带预热）" in zh
    assert "No two of the three shapes were clearly apart" in en
    assert "Warm-up (2 of 25 steps) made no difference this budget can detect" in en
    helped = schedule_outcome(no_warmup=[0.70, 0.70], constant=[0.60, 0.61])
    en_helped, _ = takeaways("train.1", helped)
    assert "Warm-up (2 of 25 steps) clearly helped" in en_helped
    assert "Linear decay with warm-up reached accuracy 0.795 against 0.605 for Constant rate" in en_helped
    titles = [title for title, fig in lessons.get("train.1").figures(same, "en") if fig.data]
    assert "Test accuracy per schedule at lr 0.0002" in titles and "Training curves (first seed)" in titles
    noisy = lr_outcome({"lr 1e-05": [0.55, 0.80], "lr 0.0002": [0.80, 0.60], "lr 0.001": [0.50, 0.70]}, 3e-4)
    assert quiz_answers("train.1", noisy)[0] == "tie"


# ---------------------------------------------------------------- train.2


def optimizer_outcome(values: dict, chance=None) -> Outcome:
    return Outcome("train.2", {name: acc(*v) for name, v in values.items()}, {"lr": 0.01, "chance": chance})


def test_train_2_ranks_optimizers_and_explains_adadelta_only_when_it_lags():
    adaptive = optimizer_outcome({"sgd": [0.30, 0.32], "sgd_momentum": [0.80, 0.82], "adam": [0.93, 0.94],
                                  "adamw": [0.95, 0.95], "rmsprop": [0.90, 0.91], "adadelta": [0.12, 0.10]})
    momentum = optimizer_outcome({"sgd": [0.85, 0.86], "sgd_momentum": [0.95, 0.96], "adamw": [0.90, 0.91],
                                  "adadelta": [0.89, 0.90]})
    en_a, zh_a = takeaways("train.2", adaptive)
    en_m, _ = takeaways("train.2", momentum)
    assert en_a.startswith("Ranked by accuracy: AdamW 0.950") and "Adadelta trailed far behind" in en_a
    assert "shrinks that step 100 times" in en_a and "Momentum raised SGD's accuracy by +0.500" in en_a
    assert "Adadelta 远远落后" in zh_a
    assert en_m.startswith("Ranked by accuracy: SGD with momentum 0.955") and "Adadelta trailed" not in en_m
    assert quiz_answers("train.2", adaptive, momentum) == ("adaptive", "momentum")
    stuck = optimizer_outcome({"sgd": [0.50, 0.52, 0.51], "sgd_momentum": [0.52, 0.50, 0.51],
                               "adamw": [0.75, 0.55, 0.80], "adadelta": [0.51, 0.50, 0.52]}, chance=0.5)
    en_s, zh_s = takeaways("train.2", stuck)
    assert "not a clear difference at this budget" in en_s and "Momentum raised" not in en_s
    assert "SGD, SGD with momentum, Adadelta stayed within 0.05 of the majority-class share (0.500)" in en_s
    assert "多数类占比" in zh_s
    assert quiz_answers("train.2", stuck)[0] == "tie"      # AdamW leads by mean, but not clearly at three seeds


# ---------------------------------------------------------------- train.3


def loss_outcome(smoothed_confidence: float) -> Outcome:
    samples = {
        "cross_entropy": acc(0.95, 0.95, confidence=[0.97, 0.97], ece=[0.03, 0.03]),
        "label_smoothing": acc(0.96, 0.96, confidence=[smoothed_confidence] * 2, ece=[0.05, 0.05]),
        "focal": acc(0.94, 0.95, confidence=[0.90, 0.91], ece=[0.04, 0.04]),
        "loop_cross_entropy": acc(0.96, confidence=[0.97], ece=[0.02]),
        "loop_hinge": acc(0.96, confidence=[0.84], ece=[0.12]),
        "loop_mse": acc(0.95, confidence=[0.20], ece=[0.75]),
    }
    return Outcome("train.3", samples, {"label_smoothing": 0.1})


def test_train_3_reports_confidence_moves_and_the_plain_loop_losses():
    lower, higher = loss_outcome(0.85), loss_outcome(0.99)
    en_low, zh_low = takeaways("train.3", lower)
    en_high, _ = takeaways("train.3", higher)
    assert "Label smoothing lowered the mean confidence on test examples from 0.970 to 0.850" in en_low
    assert "Label smoothing raised the mean confidence on test examples from 0.970 to 0.990" in en_high
    assert "the softmax stays nearly flat (mean confidence 0.200)" in en_low and "降低到 0.850" in zh_low
    assert "In the plain loop on frozen MiniLM embeddings, hinge loss reached accuracy 0.960 against 0.960" in en_low
    assert "label smoothing reached accuracy 0.960 against 0.950 for cross-entropy" in en_low
    assert "left the model under-confident: right 96% of the time while claiming 85%" in en_low
    assert "under-confident" not in en_high
    assert quiz_answers("train.3", lower, higher) == ("lower", "higher")


# ---------------------------------------------------------------- train.4


def batch_outcome(accuracies: dict) -> Outcome:
    names = ["batch 8", "batch 32", "batch 64", "batch 8 x 4"]
    rate = {"batch 8": 40.0, "batch 32": 90.0, "batch 64": 120.0, "batch 8 x 4": 41.0}
    steps = {"batch 8": 50.0, "batch 32": 13.0, "batch 64": 7.0, "batch 8 x 4": 13.0}
    samples = {n: acc(*accuracies[n], examples_per_second=[rate[n]] * 2, steps=[steps[n]] * 2) for n in names}
    return Outcome("train.4", samples, {"batch": {"batch 8": 8, "batch 32": 32, "batch 64": 64, "batch 8 x 4": 8},
                                        "accumulation": {"batch 8": 1, "batch 32": 1, "batch 64": 1, "batch 8 x 4": 4}})


def test_train_4_weighs_throughput_against_updates_and_checks_accumulation():
    small_wins = batch_outcome({"batch 8": [0.80, 0.81], "batch 32": [0.70, 0.72], "batch 64": [0.55, 0.56],
                                "batch 8 x 4": [0.71, 0.71]})
    large_wins = batch_outcome({"batch 8": [0.60, 0.61], "batch 32": [0.70, 0.72], "batch 64": [0.80, 0.82],
                                "batch 8 x 4": [0.71, 0.70]})
    en_small, zh_small = takeaways("train.4", small_wins)
    en_large, _ = takeaways("train.4", large_wins)
    assert en_small.startswith("Ranked by accuracy: batch 8 0.805")
    assert "Batch 64 processed 120.0 examples per second against 40.0 for batch 8." in en_small
    assert "In one epoch batch 64 made only 7 optimizer steps, against 50 for batch 8" in en_small
    assert "fewer updates cost accuracy" in en_small
    assert "Accumulating 4 batches ran at 41.0 examples per second, against 40.0 for batch 8 and 90.0 for batch 32: " \
        "it gives the update of a bigger batch" in en_small and "not interpreted here" not in en_small
    assert "批大小为 64 时每秒处理 120.0 个样本" in zh_small
    assert en_large.startswith("Ranked by accuracy: batch 64 0.810") and "fewer updates cost" not in en_large
    assert quiz_answers("train.4", small_wins, large_wins) == ("lowest", "highest")
    large_wins.samples["batch 8 x 4"]["examples_per_second"] = [62.0, 68.0]
    between = lessons.get("train.4").takeaway(large_wins, "en")
    assert "in between, because the forward and backward passes still run 8 examples at a time" in between
    large_wins.samples["batch 8 x 4"]["examples_per_second"] = [85.0, 95.0]
    fast = lessons.get("train.4").takeaway(large_wins, "en")
    assert "about as fast as the big batch" in fast and "not interpreted here" not in fast
    large_wins.samples["batch 8 x 4"]["examples_per_second"] = [60.0, 120.0]
    busy = lessons.get("train.4").takeaway(large_wins, "en")
    assert "so they are not interpreted here" in busy and "examples per second" not in busy


# ---------------------------------------------------------------- train.5


def speed_outcome(fp32_seconds: float, bf16_seconds: float) -> Outcome:
    samples = {"fp32": acc(0.74, 0.75, train_seconds=[fp32_seconds] * 2),
               "bf16": acc(0.75, 0.74, train_seconds=[bf16_seconds] * 2),
               "pad_fixed": {"pad_share": [0.79, 0.79], "seconds": [2.0, 2.2]},
               "pad_dynamic": {"pad_share": [0.45, 0.44], "seconds": [0.9, 0.9]},
               "pad_grouped": {"pad_share": [0.04, 0.04], "seconds": [0.5, 0.5]}}
    return Outcome("train.5", samples, {"fixed_length": 128, "timing_examples": 64, "batch_size": 16})


def test_train_5_judges_bf16_from_the_timings_and_reports_padding_waste():
    faster, slower = speed_outcome(20.0, 10.0), speed_outcome(10.0, 20.0)
    en_fast, zh_fast = takeaways("train.5", faster)
    en_slow, _ = takeaways("train.5", slower)
    assert "bf16 autocast trained 2.00 times as fast" in en_fast and "2.00 倍" in zh_fast
    assert "bf16 was slower here (2.00 times the time)" in en_slow
    assert "made 79% of the tokens padding" in en_fast and "to 4%" in en_fast
    assert "(grouped against fixed padding: 4.2 times faster)" in en_fast
    assert quiz_answers("train.5", faster, slower) == ("faster", "slower")
    assert quiz_answers("train.5", speed_outcome(10.0, 10.5))[0] == "same"


def test_train_5_corrections_run_and_their_verdicts_follow_the_values():
    sst2, mixed = lessons.get("train.5").corrections
    assert (sst2.source, mixed.source) == ("004 code 4", "003 #6 / #21")
    values = sst2.demo()
    assert "tokenizer" in values["name_error"] and values["missing_column"] == "text"
    assert values["sst2_columns"] == ["idx", "sentence", "label"] and values["max_length"] == 512
    assert values["pad_share_max_length"] > 0.8 > values["pad_share_dynamic"]
    verdict = sst2.verdict(values, "en")
    assert f"{values['pad_share_max_length']:.0%} of the tokens are padding" in verdict
    assert CHINESE.search(sst2.verdict(values, "zh"))
    dtypes = mixed.demo()
    assert dtypes["dtypes"]["logits"] == "bfloat16" and dtypes["dtypes"]["weight"] == "float32"
    assert dtypes["dtypes"]["weight_grad"] == "float32" and dtypes["integer_tensors"] == []
    assert dtypes["update_kept_bf16"] == 0.0 and dtypes["update_kept_fp32"] == pytest.approx(1e-3, rel=1e-3)
    text = mixed.verdict(dtypes, "en")
    assert "output in bfloat16, while its weights stayed float32" in text and "No tensor had an integer" in text
    odd = {**dtypes, "integer_tensors": ["weight"], "update_kept_bf16": 0.0078}
    odd_text = mixed.verdict(odd, "en")
    assert "Integer tensors: weight" in odd_text and "kept 0.0078 of it in bf16" in odd_text


# ---------------------------------------------------------------- train.6


def gradient_outcome(unclipped: dict, notes: list) -> Outcome:
    samples = {"moderate": acc(0.90, 0.91, failed=[0, 0], peak_grad_norm=[1.2, 1.3]),
               "huge_no_clip": unclipped,
               "huge_clipped": acc(0.85, 0.84, failed=[0, 0], peak_grad_norm=[5.0, 4.0])}
    extra = {"lrs": {"moderate": 0.5, "huge": 5.0}, "chance": 0.1, "depth": 3,
             "diagnoses": {"huge_no_clip": notes},
             "layer_grads": {"sigmoid": [1e-6, 1e-3, 1e-1], "relu": [0.3, 0.3, 0.3]}}
    histories = {"huge_no_clip": [{"step": 2, "train_loss": 2.0, "grad_norm": 3.0},
                                  {"step": 4, "train_loss": 9.0, "grad_norm": 400.0}]}
    outcome = Outcome("train.6", samples, extra)
    outcome.histories.update(histories)
    return outcome


def test_train_6_tells_a_divergence_from_a_run_that_survived():
    note = {"step": 4, "kind": "exploding_gradient", "message": "The gradient norm jumped.", "advice": "Clip."}
    diverged = gradient_outcome({"accuracy": [], "failed": [1, 1], "peak_grad_norm": [5e6, 2e5]}, [note])
    survived = gradient_outcome(acc(0.86, 0.87, failed=[0, 0], peak_grad_norm=[9.0, 8.0]), [])
    en_div, zh_div = takeaways("train.6", diverged)
    en_ok, _ = takeaways("train.6", survived)
    assert "SGD at lr 5 diverged: the loss became NaN" in en_div and "peak gradient norm 5e+06" in en_div
    assert "flagged an exploding gradient from step 4 on" in en_div and "发散" in zh_div
    assert "first layer's gradient was 1.0e-05 times the last layer's" in en_div
    assert "SGD at lr 5 reached accuracy 0.865, though its gradient norms peaked at 9" in en_ok
    assert "diverged" not in en_ok
    assert quiz_answers("train.6", diverged, survived) == ("collapses", "fine")
    chance = gradient_outcome(acc(0.10, failed=[0, 1], peak_grad_norm=[1e5, 1e5]), [])
    assert ("blew up: the loss became NaN in 1 of 2 seeds and gradient norms reached 1e+05; the network ended at "
            "chance accuracy (0.100)") in lessons.get("train.6").takeaway(chance, "en")


# ---------------------------------------------------------------- train.7


def init_outcome(accuracy: dict) -> Outcome:
    initial = {"default": 0.69, "xavier": 0.70, "zeros": math.log(2), "large": 9.5}
    scale = {"default": 0.02, "xavier": 0.07, "zeros": 0.0, "large": 10.0}
    samples = {n: acc(*accuracy[n], initial_loss=[initial[n]] * 2, final_train_loss=[0.5, 0.5],
                      first_grad_norm=[40.0 if n == "large" else 2.0] * 2, head_std_before=[scale[n]] * 2,
                      head_std_after=[scale[n] * 0.99 or 3e-4] * 2) for n in initial}
    curves = {"default": [{"step": 0, "eval_loss": 0.69}, {"step": 2, "train_loss": 0.6}]}
    return Outcome("train.7", samples, {"curves": curves, "large_std": 10.0, "classes": 2})


def test_train_7_points_at_the_worst_head_initialisation():
    large_worst = init_outcome({"default": [0.75, 0.76], "xavier": [0.74, 0.75], "zeros": [0.76, 0.75],
                                "large": [0.52, 0.50]})
    zeros_worst = init_outcome({"default": [0.75, 0.76], "xavier": [0.74, 0.75], "zeros": [0.60, 0.61],
                                "large": [0.73, 0.74]})
    en_large, zh_large = takeaways("train.7", large_worst)
    en_zero, _ = takeaways("train.7", zeros_worst)
    assert "the large head (std 10) gave a validation loss of 9.50 against 0.69" in en_large
    assert "a first gradient norm of 40.00 against 2.00" in en_large and "大方差分类头" in zh_large
    assert "barely shrank (weight scale 10.00 before, 9.90 after)" in en_large
    assert "A zero head started exactly at ln 2 (0.693) and still learned: its weights grew from 0 to a scale of " \
        "0.0003" in en_zero
    assert "it reached 0.605 against 0.755 for the default" in en_zero
    assert "barely shrank" not in en_zero
    assert quiz_answers("train.7", large_worst, zeros_worst) == ("large", "zeros")
    assert "Its accuracy held up, but its loss did not" not in en_zero
    zeros_worst.samples["large"]["final_train_loss"] = [2.7, 2.8]
    assert "Its accuracy held up, but its loss did not: the training loss ended at 2.75 against 0.50" in \
        lessons.get("train.7").takeaway(zeros_worst, "en")


# ---------------------------------------------------------------- train.8


def search_outcome(best: dict, tpe_params: list) -> Outcome:
    random_rows = [{"trial": i, "value": 0.5 - 0.1 * i, "params": {"lr": 10.0 ** -(i + 1), "dropout": 0.1}}
                   for i in range(3)]
    tpe_rows = [{"trial": i, "value": 0.5 - 0.1 * i, "params": p} for i, p in enumerate(tpe_params)]
    grid_rows = [{"trial": i, "value": 0.4, "params": {"lr": 0.01, "dropout": d}} for i, d in enumerate((0.0, 0.5))]
    spaces = {"grid": {"lr": [0.01, 0.1], "dropout": [0.0, 0.5]}, "random": {"lr": ["log", 1e-4, 0.1],
              "dropout": ["float", 0.0, 0.5]}, "tpe": {"lr": ["log", 1e-4, 0.1], "dropout": ["float", 0.0, 0.5]}}
    samples = {n: {"best_val_loss": v if isinstance(v, list) else [v] * 3, "val_accuracy": [0.95, 0.96, 0.95],
                   "accuracy": [0.90, 0.90, 0.91]} for n, v in best.items()}
    return Outcome("train.8", samples, {"trials": {"grid": grid_rows, "random": random_rows, "tpe": tpe_rows},
                                        "spaces": spaces, "n_trials": 3})


def test_train_8_names_the_winning_search_ties_and_shared_random_start():
    same_start = [{"lr": 0.1, "dropout": 0.1}, {"lr": 0.01, "dropout": 0.1}, {"lr": 0.003, "dropout": 0.2}]
    tpe_wins = search_outcome({"grid": 0.40, "random": 0.35, "tpe": 0.30}, same_start)
    tie = search_outcome({"grid": [0.300, 0.320, 0.310], "random": [0.318, 0.302, 0.3105], "tpe": 0.35},
                         [{"lr": 0.05, "dropout": 0.3}] * 3)
    en_tpe, zh_tpe = takeaways("train.8", tpe_wins)
    en_tie, _ = takeaways("train.8", tie)
    assert "grid search 0.400, random search 0.350, Bayesian (TPE) 0.300" in en_tpe
    assert "Bayesian (TPE) reached best validation loss 0.300 against 0.350 for random search" in en_tpe
    assert "drew the same first 2 trials" in en_tpe and "Only the last 1 differ" in en_tpe
    assert "scored accuracy 0.903 on the test set against 0.953 on validation" in en_tpe and "前 2 次试验完全相同" in zh_tpe
    assert "flatters the winner" in en_tpe
    assert "No search was clearly ahead" in en_tie and "cannot be told apart" in en_tie
    assert "drew the same first" not in en_tie
    assert quiz_answers("train.8", tpe_wins, tie) == ("tpe", "tie")


# ---------------------------------------------------------------- train.9


def overfit_outcome(final_val: float, best_remedy: str) -> Outcome:
    samples = {}
    for name in ("baseline", "weight_decay", "dropout", "early_stopping", "smaller"):
        top = 0.90 if name == best_remedy else 0.80
        samples[name] = acc(top, top + 0.01, final_val_loss=[final_val if name == "baseline" else 0.5] * 2,
                            best_val_loss=[0.45] * 2, final_train_loss=[0.01] * 2,
                            steps=[100.0 if name == "early_stopping" else 280.0] * 2)
    return Outcome("train.9", samples, {"train_examples": 100})


def test_train_9_detects_overfitting_and_the_best_remedy():
    overfit, calm = overfit_outcome(1.20, "weight_decay"), overfit_outcome(0.46, "dropout")
    en_over, zh_over = takeaways("train.9", overfit)
    en_calm, _ = takeaways("train.9", calm)
    assert "validation loss climbed from its best 0.450 to 1.200: it memorised" in en_over
    assert "weight decay reached accuracy 0.905 against 0.805 for no remedy" in en_over
    assert "Early stopping ended after 100 of 280 steps, saving 64%" in en_over and "死记" in zh_over
    assert "did not overfit in this budget" in en_calm and "dropout reached accuracy 0.905" in en_calm
    assert quiz_answers("train.9", overfit, calm) == ("weight_decay", "dropout")
    assert "stopping on the loss cost accuracy" not in en_over
    overfit.samples["early_stopping"]["accuracy"] = [0.70, 0.71]
    assert "here stopping on the loss cost accuracy" in lessons.get("train.9").takeaway(overfit, "en")


# ---------------------------------------------------------------- train.10


def challenge_outcome(small_data: float, worst_lr: float) -> Outcome:
    samples = {
        "50 examples": acc(small_data, small_data, final_val_loss=[1.2] * 2, final_train_loss=[0.1] * 2),
        "800 examples": acc(0.95, 0.95, final_val_loss=[0.2] * 2, final_train_loss=[0.1] * 2),
        "lr 0.0003": acc(worst_lr, worst_lr), "lr 0.3": acc(0.90, 0.90),
        "MiniLM full": acc(0.74, 0.75, train_seconds=[20.0] * 2, trainable_parameters=[22_700_000.0] * 2),
        "MiniLM LoRA": acc(0.70, 0.71, train_seconds=[15.0] * 2, trainable_parameters=[74_000.0] * 2),
    }
    extra = {"sizes": {"50 examples": 50, "800 examples": 800},
             "lrs": {"lr 0.0003": 3e-4, "lr 0.3": 0.3, "lr 0.01": 0.01},
             "base_lr": "lr 0.01", "largest": "800 examples", "mlp_steps": 150}
    return Outcome("train.10", samples, extra)


def test_train_10_measures_each_challenge_and_the_bigger_lever():
    data_hurts, lr_hurts = challenge_outcome(0.60, 0.85), challenge_outcome(0.85, 0.30)
    en_data, zh_data = takeaways("train.10", data_hurts)
    en_lr, _ = takeaways("train.10", lr_hurts)
    assert "with the same 150 steps, the MLP reached 0.600 from 50 examples and 0.950 from 800 examples" in en_data
    assert "minus training loss was +1.100 with 50 examples and +0.100 with 800 examples; the fewer" in en_data
    assert "LoRA trained 74,000 parameters instead of 22,700,000 (0.3%) and took 15.0 s against 20.0 s (25% less)" \
        in en_data
    assert "Here little data cost more accuracy (0.350 against 0.100)" in en_data and "数据太少" in zh_data
    assert "0.0003 → 0.300, 0.01 → 0.950, 0.3 → 0.900" in en_lr
    assert "Here a poor learning rate cost more accuracy (0.650 against 0.100)" in en_lr
    assert quiz_answers("train.10", data_hurts, lr_hurts) == ("data", "lr")


# ---------------------------------------------------------------- probes


def test_pad_share_counts_padding_exactly():
    lengths = np.array([2, 2, 8, 8])
    mixed = [np.array([0, 2]), np.array([1, 3])]
    assert probes.pad_share(lengths, mixed, pad_to=10) == pytest.approx(1 - 20 / 40)
    assert probes.pad_share(lengths, mixed) == pytest.approx(1 - 20 / 32)
    grouped = probes.padding_batches(lengths, 2, "grouped")
    assert probes.pad_share(lengths, grouped) == pytest.approx(0.0)
    with pytest.raises(ValueError, match="Unknown padding mode"):
        probes.padding_batches(lengths, 2, "sorted")


def test_head_initialisations_set_the_scale_they_name():
    import torch

    from workbench.core.config import ModelConfig
    from workbench.core.models import build_model, final_linear

    built = build_model(ModelConfig(model="mlp", hidden_sizes=(8,)), 3, "tabular", in_features=5)
    head = final_linear(built)
    assert head is built.module.head
    probes.init_head(head, "zeros")
    assert torch.count_nonzero(head.weight) == 0
    probes.init_head(head, "large", seed=0, large_std=10.0)
    assert 5 < float(head.weight.detach().std()) < 20 and torch.count_nonzero(head.bias) == 0
    with pytest.raises(ValueError, match="Unknown head initialisation"):
        probes.init_head(head, "orthogonal")


def test_sigmoid_stacks_lose_their_gradient_and_relu_stacks_keep_it():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(64, 10)).astype(np.float32), rng.integers(0, 3, 64)
    sigmoid = probes.layer_gradient_norms(x, y, 3, "sigmoid", depth=8, width=16)
    relu = probes.layer_gradient_norms(x, y, 3, "relu", depth=8, width=16)
    assert sigmoid[0] / sigmoid[-1] < 1e-3 < relu[0] / relu[-1]


def test_a_head_init_probe_reports_its_handle_and_stops_at_the_next_step():
    from conftest import tiny_tabular

    heard = []

    def stop_at_once(variant, handle):
        heard.append((variant, handle.id))
        handle.stop()

    cfg = tiny_tabular(max_steps=40, log_every=1)
    stopped = probes.train_with_head_init(cfg, "xavier", on_start=stop_at_once)
    assert heard == [("xavier", "head init xavier, seed 0 (probe, not stored)")]
    steps = [r["step"] for r in stopped["history"] if "train_loss" in r]
    assert stopped["stopped"] and steps == [1]                       # one step, then the Stop took effect
    full = probes.train_with_head_init(cfg, "xavier")
    assert not full["stopped"] and max(r["step"] for r in full["history"]) == 40
