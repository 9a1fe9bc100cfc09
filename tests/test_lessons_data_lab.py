"""Data-lab lessons: takeaways, quizzes and the noisy-label correction follow the measured numbers.

Outcomes are built by hand (two per lesson, pointing opposite ways); the real runs are exercised by the generic
quick-mode test in test_lessons.py. The robust-loss correction's demo trains its tiny MLPs for real (~2 s)."""
from __future__ import annotations


from workbench.lessons import data_lab
from workbench.lessons.base import Outcome
from lesson_checks import CHINESE, takeaways as both

BANK = {lesson.id: lesson for lesson in data_lab.LESSONS}




def imbalance(rare: dict[str, list[float]]) -> Outcome:
    samples = {v: {"rare_recall": r, "accuracy": [0.9, 0.91, 0.9], "balanced_accuracy": [0.9, 0.91, 0.9]}
               for v, r in rare.items()}
    return Outcome("data.3", samples, {"rare_class": "8", "keep_share": 0.05, "rare_train": 6, "other_train": 113.0})


def test_data_3_ranks_the_remedies_by_rare_class_recall():
    weights_win = imbalance({"none": [0.05, 0.08, 0.06], "class_weights": [0.55, 0.6, 0.5],
                             "oversample": [0.5, 0.52, 0.48], "focal": [0.08, 0.1, 0.06]})
    focal_win = imbalance({"none": [0.3, 0.32, 0.31], "class_weights": [0.33, 0.35, 0.3],
                           "oversample": [0.32, 0.3, 0.31], "focal": [0.36, 0.38, 0.37]})
    w_en, w_zh = both("data.3", weights_win)
    f_en, _ = both("data.3", focal_win)
    assert "Class 8 kept 6 training example(s) against about 113" in w_en
    assert ("The best remedy against none: class weights reached recall of the rare class 0.550 against 0.063 for "
            "no remedy") in w_en
    assert "Class weights lifted the rare class's recall by 0.49" in w_en and "Focal loss alone barely helped" in w_en
    assert "No remedy lifted the rare class by more than 0.1" in f_en and "Focal loss also helped" in f_en
    assert "类别加权" in w_zh
    quiz = BANK["data.3"].quiz
    assert (quiz.correct(weights_win), quiz.correct(focal_win)) == ("class_weights", "focal")


def noise(clean, noisy, smooth, precision=0.8) -> Outcome:
    samples = {"clean": {"accuracy": clean}, "noisy": {"accuracy": noisy}, "noisy + smoothing": {"accuracy": smooth}}
    return Outcome("data.4", samples, {"noise": 0.3, "smoothing": 0.3, "train_examples": 1257, "flipped": 377,
                                       "precision_at_k": precision, "given_probability": [0.1, 0.9, 0.8],
                                       "is_flipped": [True, False, False]})


def test_data_4_drop_recovery_and_ranking_follow_the_numbers():
    big = noise([0.97, 0.96, 0.97], [0.80, 0.82, 0.81], [0.90, 0.89, 0.91], precision=0.85)
    small = noise([0.97, 0.96, 0.97], [0.96, 0.95, 0.96], [0.955, 0.96, 0.95], precision=0.35)
    b_en, b_zh = both("data.4", big)
    s_en, _ = both("data.4", small)
    assert "from 0.967 to 0.810 (a drop of 0.157)" in b_en and "reached 0.900 (+0.090" in b_en
    assert "85% flipped labels among the top 377 suspects" in b_en and "cheap way to clean labels" in b_en
    assert "not yet memorised" in s_en and "hardly better than chance" in s_en
    assert "下降 0.157" in b_zh
    quiz = BANK["data.4"].quiz
    assert (quiz.correct(big), quiz.correct(small)) == ("large", "small")


def test_data_4_correction_demo_and_verdict():
    correction = BANK["data.4"].corrections[0]
    values = correction.demo()
    assert values["cross_entropy_clean"] > 0.9 and 0 <= values["robust_fits_wrong"] <= 1
    assert values["robust_fits_wrong"] < values["cross_entropy_fits_wrong"]   # the measured claim of the lesson
    assert "less sensitive" in correction.verdict(values, "en")
    worse = {**values, "robust_noisy": values["cross_entropy_noisy"] - 0.1, "robust_fits_wrong": 0.99}
    assert "did not reduce the damage" in correction.verdict(worse, "en")
    assert CHINESE.search(correction.verdict(values, "zh"))


def long_text(scores: dict[str, tuple[float, float]]) -> Outcome:
    samples = {m: {"accuracy@32": [s[0], s[0] + 0.01], "accuracy@128": [s[1], s[1] - 0.01]} for m, s in scores.items()}
    seconds = {"truncate": {"32": 0.5}, "sliding_window (mean)": {"32": 2.0}}
    return Outcome("data.5", samples, {"lengths": [32, 128], "mean_tokens": [160.0], "seconds": seconds})


def test_data_5_names_the_best_mode_and_the_length_effect():
    windows = long_text({"truncate": (0.52, 0.70), "head_tail": (0.75, 0.78), "sliding_window (mean)": (0.80, 0.81),
                         "sliding_window (max)": (0.78, 0.80)})
    head = long_text({"truncate": (0.80, 0.80), "head_tail": (0.70, 0.72), "sliding_window (mean)": (0.75, 0.76),
                      "sliding_window (max)": (0.74, 0.75)})
    w_en, w_zh = both("data.5", windows)
    h_en, _ = both("data.5", head)
    assert "about 160 tokens" in w_en and "Sliding windows, mean beat truncation by 0.280" in w_en
    assert "from 0.525 to 0.695 (+0.170)" in w_en and "4.0 times as long" in w_en
    assert "Truncation was as good as any other mode" in h_en and "did not reach the verdict" in h_en
    assert "滑动窗口，取平均比截断高 0.280" in w_zh
    quiz = BANK["data.5"].quiz
    assert (quiz.correct(windows), quiz.correct(head)) == ("sliding_window", "truncate")


def leak(leaky_acc, seen, unseen, natural) -> Outcome:
    samples = {"clean": {"accuracy": [0.90, 0.91, 0.90]},
               "leaky": {"accuracy": leaky_acc, "accuracy_leaked": seen, "accuracy_unseen": unseen,
                         "copies_found": [1.0, 1.0, 1.0]}}
    return Outcome("data.7", samples, {"leak_fraction": 0.3, "copies": {"clean": natural}})


def test_data_7_separates_memorised_copies_from_unseen_rows():
    memorised = leak([0.94, 0.95, 0.94], [1.0, 1.0, 1.0], [0.91, 0.92, 0.91], [2, 2, 2])
    general = leak([0.905, 0.91, 0.9], [0.91, 0.92, 0.9], [0.905, 0.91, 0.9], [0, 0, 0])
    m_en, m_zh = both("data.7", memorised)
    g_en, _ = both("data.7", general)
    assert "training: the leaky split (test rows copied into training) reached accuracy 0.943 against 0.903" in m_en
    assert "copied test rows scored 1.000 and the unseen ones 0.913" in m_en and "memorised" in m_en
    assert "found 100% of the copied rows" in m_en and "2 test row(s) with an identical training row" in m_en
    assert "generalises well" in g_en and "none in the clean split" in g_en
    assert "被复制的测试样本准确率为 1.000" in m_zh
    quiz = BANK["data.7"].quiz
    assert (quiz.correct(memorised), quiz.correct(general)) == ("perfect", "same")


def augmentation(none, mixed) -> Outcome:
    return Outcome("data.8", {"none": {"accuracy": none}, "text_mix": {"accuracy": mixed}},
                   {"steps": 26, "train_examples": 200,
                    "example": {"original": "a dull and tedious film", "augmented": "a dull and tiresome film"}})


def test_data_8_direction_of_the_augmentation_effect():
    helped = augmentation([0.70, 0.71, 0.70], [0.75, 0.76, 0.75])
    hurt = augmentation([0.75, 0.76, 0.75], [0.70, 0.71, 0.70])
    h_en, h_zh = both("data.8", helped)
    u_en, _ = both("data.8", hurt)
    assert "same 26 optimizer steps" in h_en
    assert "both: augmentation (word swap / deletion / synonyms) reached accuracy 0.753" in h_en
    assert "acted like extra examples" in h_en and "\"a dull and tiresome film\"" in h_en
    assert "Augmentation hurt here" in u_en
    assert "不做增强" in h_zh
    quiz = BANK["data.8"].quiz
    assert (quiz.correct(helped), quiz.correct(hurt)) == ("up", "down")
