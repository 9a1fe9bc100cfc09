"""Takeaways and quizzes that follow the three-way verdict (issue #15 §1): outcomes whose per-seed values overlap
(each variant's values are a rotation of the same list, so the paired differences change sign) must draw no winner
claim in either language, and the quiz must grade its tie / "cannot tell" choice."""
from __future__ import annotations

import re

import pytest

from workbench import lessons
from workbench.lessons.base import Outcome

W = [0.70, 0.80, 0.75, 0.72, 0.78]


def rot(i: int, scale: float = 1.0, shift: float = 0.0) -> list[float]:
    """The i-th rotation of W (same mean, per-seed order shuffled): any two rotations are a tie."""
    values = W[i % 5:] + W[:i % 5]
    return [shift + scale * v for v in values]


def outcome(lesson_id: str, samples: dict, **extra) -> Outcome:
    return Outcome(lesson_id, samples, extra)


def _train_8() -> Outcome:
    samples = {name: {"best_val_loss": rot(i, 0.1), "val_accuracy": rot(i + 1), "accuracy": rot(i + 2)}
               for i, name in enumerate(("grid", "random", "tpe"))}
    return outcome("train.8", samples, n_trials=20, trials={}, spaces={})


def _train_10() -> Outcome:
    samples = {"50 examples": {"accuracy": rot(0), "final_val_loss": rot(0), "final_train_loss": rot(1)},
               "800 examples": {"accuracy": rot(1), "final_val_loss": rot(2), "final_train_loss": rot(3)},
               "lr 0.0003": {"accuracy": rot(2)}, "lr 0.3": {"accuracy": rot(3)},
               "MiniLM full": {"accuracy": rot(0), "train_seconds": rot(0, 10, 10),
                               "trainable_parameters": [22_700_000.0] * 5},
               "MiniLM LoRA": {"accuracy": rot(1), "train_seconds": rot(1, 10, 10),
                               "trainable_parameters": [74_000.0] * 5}}
    return outcome("train.10", samples, sizes={"50 examples": 50, "800 examples": 800},
                   lrs={"lr 0.0003": 3e-4, "lr 0.3": 0.3, "lr 0.01": 0.01}, base_lr="lr 0.01",
                   largest="800 examples", mlp_steps=150)


def _deploy_1() -> Outcome:
    samples = {name: {"size_mb": [size] * 5, "zipped_mb": [size * 0.9] * 5, "latency_ms": rot(i, 10),
                      "accuracy": rot(i), "agreement": [1.0] * 5}
               for i, (name, size) in enumerate((("fp32", 90.0), ("int8", 23.0), ("onnx", 91.0), ("pruned", 90.0)))}
    return outcome("deploy.1", samples, sparsity=0.5)


def _deploy_2() -> Outcome:
    samples = {name: {"old_accuracy": rot(i), "new_accuracy": rot(i + 1), "both_accuracy": rot(i + 2),
                      "train_seconds": rot(i, 10, 10)}
               for i, name in enumerate(("old", "incremental", "replay", "retrain"))}
    return outcome("deploy.2", samples, replay_share=0.5)


def _app_2() -> Outcome:
    samples = {task: {"accuracy": rot(i, 0.1, 0.8), "balanced_accuracy": rot(i),
                      "majority_baseline": rot(i + 2, 0.1, 0.8)} for i, task in enumerate(("sentiment", "spam"))}
    return outcome("app.2", samples)


def _app_3() -> Outcome:
    return outcome("app.3", {"pretrained": {"neighbour_accuracy": rot(0, 1, -0.25)},
                             "random": {"neighbour_accuracy": rot(1, 1, -0.25)}}, k=5, chance=0.5)


def _app_4() -> Outcome:
    return outcome("app.4", {"untrained": {"exact_match": [0.0, 0.25, 0.0], "token_f1": [0.1, 0.3, 0.1]},
                             "trained": {"exact_match": [0.25], "token_f1": [0.3]}}, questions=12, heads=3)


def _app_6() -> Outcome:
    samples = {name: {"hit_rate": rot(i, 0.5), "recall": rot(i, 0.5)}
               for i, name in enumerate(("flm", "flm_recent", "popularity", "random"))}
    return outcome("app.6", samples, k=10)


def _eval_1() -> Outcome:
    def scores(i):
        return {"accuracy": rot(i), "precision_pos": rot(i), "recall_pos": rot(i), "f1_pos": rot(i),
                "log_loss": rot(i), "balanced_accuracy": rot(i)}
    return outcome("eval.1", {"fine-tuned": scores(0), "always ham": scores(1)}, spam_share=[0.13] * 5)


def _eval_6() -> Outcome:
    samples = {name: {"cost_per_1000": rot(i, 40), "precision_pos": rot(i), "recall_pos": rot(i)}
               for i, name in enumerate(("default", "cost"))}
    return outcome("eval.6", samples, cost_fp=5.0, cost_fn=1.0, thresholds=[0.5, 0.9, 0.7, 0.95, 0.6])


def _concept_1() -> Outcome:
    return outcome("concept.1", {"pretrained": {"accuracy": rot(0)}, "random": {"accuracy": rot(1)}},
                   majority=rot(2))


def _concept_5() -> Outcome:
    names = ("full", "frozen", "last_n", "gradual", "discriminative", "lora")
    samples = {name: {"accuracy": rot(i), "trainable_parameters": [1000.0 * (i + 1)] * 5,
                      "train_seconds": rot(i, 10, 10)} for i, name in enumerate(names)}
    return outcome("concept.5", samples)


def _data_3() -> Outcome:
    samples = {name: {"rare_recall": rot(i, 0.5), "accuracy": rot(i), "balanced_accuracy": rot(i)}
               for i, name in enumerate(("none", "class_weights", "oversample", "focal"))}
    return outcome("data.3", samples, rare_class="8", keep_share=0.05, rare_train=6, other_train=113.0)


def _data_4() -> Outcome:
    samples = {name: {"accuracy": rot(i, 0.2, 0.8)} for i, name in enumerate(("clean", "noisy", "noisy + smoothing"))}
    return outcome("data.4", samples, noise=0.3, smoothing=0.3)


def _app_1() -> Outcome:
    samples = {name: {"accuracy": rot(i), "train_seconds": rot(i, 10, 10)}
               for i, name in enumerate(("full", "frozen", "scratch"))}
    return outcome("app.1", samples)


# lesson: (tie outcome, the quiz's tie / "cannot tell" choice, or None where the quiz asks no comparison)
TIES = {
    "train.8": (_train_8, "tie"), "train.10": (_train_10, "tie"), "deploy.1": (_deploy_1, "tie"),
    "deploy.2": (_deploy_2, "holds"), "app.1": (_app_1, "tie"), "app.2": (_app_2, "tie"),
    "app.3": (_app_3, "chance"), "app.4": (_app_4, "none"), "app.6": (_app_6, "tie"), "eval.1": (_eval_1, None),
    "eval.6": (_eval_6, "tie"), "concept.1": (_concept_1, "none"), "concept.5": (_concept_5, "tie"),
    "data.3": (_data_3, "tie"), "data.4": (_data_4, "small"),
}

# Winner and magnitude claims; negated forms ("not clearly above", "没有明显…", "不能确定…") are removed first.
CLAIMS = re.compile(
    r"\bbeats?\b|\bbeat\b|\bbetter\b|held up|fastest|\blearned\b|times (faster|slower)|paid off|\blifted\b|"
    r"catastrophic|clearly (above|ahead|quicker|more|highest|under)|\bwon\b|is the easier task|cost more|"
    r"real difference|\d+(\.\d+)?% less|already groups|"
    r"胜过|好于|站得住|最快|学到|灾难性|明显(高于|快于|超过|领先|最高|比)|更容易的任务|损失的准确率更多|差距是真实的|赢了|"
    r"聚在一起|少 \d+%|用时为后者")
NEGATED = re.compile(r"\b(?:not|no|No|neither|Neither)\b[^.;:,()]*?\bclearly\b[^.;:,()]*|"
                     r"没有[^，。；：（）]*?明显[^，。；：（）]*|不能确定[^，。；：（）]*|分不出[^，。；：（）]*")


@pytest.mark.parametrize("lesson_id", sorted(TIES))
def test_a_tie_draws_no_winner_claim_in_either_language(lesson_id):
    build, _ = TIES[lesson_id]
    lesson = lessons.get(lesson_id)
    for lang in ("en", "zh"):
        text = lesson.takeaway(build(), lang)
        assert text.strip()
        claim = CLAIMS.search(NEGATED.sub("", text))
        assert claim is None, (lesson_id, lang, claim, text)


@pytest.mark.parametrize("lesson_id", sorted(k for k, (_, tie) in TIES.items() if tie))
def test_a_tie_is_graded_as_the_quiz_tie_choice(lesson_id):
    build, tie = TIES[lesson_id]
    quiz = lessons.get(lesson_id).quiz
    assert tie in quiz.choices and quiz.correct(build()) == tie
    assert quiz.reveal(build(), tie)["right"] is True


def test_the_tie_outcomes_really_are_ties():
    from workbench.lessons.support import verdict
    assert verdict(_app_1(), "full", "frozen", "accuracy") == "tie"
    assert verdict(_deploy_1(), "fp32", "int8", "latency_ms") == "tie"
    assert verdict(_data_4(), "clean", "noisy", "accuracy") == "tie"


def test_bands_are_decided_by_the_interval_not_the_mean():
    """A mean gap above a band's edge is not enough: the interval's lower end must clear it."""
    quiz = lessons.get("data.4").quiz
    wide = outcome("data.4", {"clean": {"accuracy": [0.95, 0.95, 0.95]}, "noisy": {"accuracy": [0.70, 0.94, 0.80]}},
                   noise=0.3, smoothing=0.3)
    tight = outcome("data.4", {"clean": {"accuracy": [0.95, 0.96, 0.95]}, "noisy": {"accuracy": [0.80, 0.81, 0.80]}},
                    noise=0.3, smoothing=0.3)
    assert wide.mean("clean", "accuracy") - wide.mean("noisy", "accuracy") > 0.10 and quiz.correct(wide) == "small"
    assert quiz.correct(tight) == "large"
    probe = lessons.get("concept.1").quiz
    some = outcome("concept.1", {"pretrained": {"accuracy": [0.66, 0.67, 0.66]},
                                 "random": {"accuracy": [0.60, 0.60, 0.61]}}, majority=[0.5] * 3)
    assert probe.correct(some) == "some"


def test_a_single_timing_names_no_fastest_version():
    single = outcome("deploy.1", {name: {"size_mb": [9.0], "zipped_mb": [8.0], "latency_ms": [ms], "accuracy": [0.9],
                                         "agreement": [1.0]}
                                  for name, ms in (("fp32", 20.0), ("int8", 5.0), ("onnx", 9.0), ("pruned", 20.0))},
                     sparsity=0.5)
    lesson = lessons.get("deploy.1")
    assert lesson.quiz.correct(single) == "tie"
    for lang in ("en", "zh"):
        text = lesson.takeaway(single, lang)
        assert not CLAIMS.search(NEGATED.sub("", text)), text
    assert "One trained model only" in lesson.takeaway(single, "en") and "只训练了一个模型" in lesson.takeaway(single, "zh")


def test_app_4_states_why_the_checkpoint_is_not_repeated_in_both_languages():
    lesson = lessons.get("app.4")
    assert "Why no seeds are repeated for it" in lesson.takeaway(_app_4(), "en")
    assert "为什么它不重复多个种子" in lesson.takeaway(_app_4(), "zh")
