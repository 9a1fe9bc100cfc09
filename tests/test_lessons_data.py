"""Data lessons: takeaways and quiz answers follow the measured numbers; the preprocessing demo runs the real
checks; the PII scrubber finds and replaces each kind of identifier; the noisy-label correction's demo trains its
tiny MLPs for real (~2 s).

Outcomes are built by hand (two per lesson, pointing opposite ways); the real runs are exercised by the generic
quick-mode test in test_lessons.py."""
from __future__ import annotations

import pytest

from workbench import lessons
from workbench.lessons.base import Outcome
from workbench.lessons.data.augmentation import IMAGE_VARIANTS
from workbench.lessons.data.long_text import MODE_LABELS
from workbench.lessons.data.privacy import scrub_pii

from lesson_checks import CHINESE, quiz_answers, takeaways as both


def takeaways(lesson_id, outcome):
    """Both takeaways without drawing the figures (the lessons with figures drawn use `both`)."""
    return both(lesson_id, outcome, draw_figures=False)


def amounts(small, middle, large, noisy) -> Outcome:
    return Outcome("data.1", {"clean_50": {"accuracy": small}, "clean_200": {"accuracy": middle},
                              "clean_800": {"accuracy": large}, "noisy_800_30": {"accuracy": noisy}},
                   {"label_noise": 0.3})


def test_data_1_takeaway_weighs_quantity_against_label_quality():
    clean_wins = amounts([0.70, 0.71, 0.72], [0.88, 0.89, 0.90], [0.95, 0.96, 0.95], [0.80, 0.81, 0.79])
    noisy_wins = amounts([0.70, 0.71, 0.72], [0.80, 0.81, 0.79], [0.95, 0.96, 0.95], [0.90, 0.91, 0.89])
    tie = amounts([0.70, 0.75, 0.72], [0.85, 0.90, 0.87], [0.95, 0.96, 0.95], [0.86, 0.91, 0.85])
    en, zh = takeaways("data.1", clean_wins)
    assert "accuracy rose with the training-set size (50 → 0.710, 200 → 0.890, 800 → 0.953)" in en
    assert "800 clean labels reached accuracy 0.953 against 0.800 for 800 labels, 30% flipped" in en
    assert "200 clean labels beat 800 partly wrong ones" in en and "200 条干净标签胜过" in zh
    assert "still beat 200 clean ones" in takeaways("data.1", noisy_wins)[0]
    assert "could not be told apart" in takeaways("data.1", tie)[0]
    assert quiz_answers("data.1", clean_wins, noisy_wins, tie) == ("clean", "noisy", "tie")
    falling = amounts([0.80], [0.70], [0.75], [0.60])
    assert "did not rise steadily" in takeaways("data.1", falling)[0]


def test_data_2_demo_runs_the_real_checks_and_reports_them():
    lesson = lessons.get("data.2")
    outcome = lesson.run(quick=True)
    messages = outcome.extra["messages"]
    assert set(messages) == {"one_class.csv", "empty_text.csv", "no_label.csv", "rare_class.csv", "latin1.csv",
                             "settings"}
    assert all(messages.values()), messages                   # every broken input is refused ...
    assert "UTF-8" in messages["latin1.csv"] and "at least 5" in messages["rare_class.csv"]   # ... naming the fix
    assert outcome.extra["duplicates_before"]["test_share_with_copy_in_train"] > 0.05
    assert outcome.extra["duplicates_after"]["test_share_with_copy_in_train"] == 0
    assert outcome.spread("stratified", "test_spam_share") < outcome.spread("random", "test_spam_share")
    assert lesson.takeaway(outcome, "en").startswith("Quick mode: a smoke run") and outcome.quick
    outcome.quick = False            # the full-mode sentences, from the same measurements
    en, zh = takeaways("data.2", outcome)
    assert "No seeds are repeated" in en
    assert "sms_spam has 4,862 messages" in en and "stopped 6 of 6 broken inputs" in en and "not caught" not in en
    leaky = Outcome("data.2", outcome.samples, {**outcome.extra, "messages": {**messages, "no_label.csv": None}})
    leaky_en, _ = takeaways("data.2", leaky)
    assert "stopped 5 of 6" in leaky_en and "not caught: no_label.csv" in leaky_en
    assert len(lesson.figures(outcome, "zh")) == 3


def features(tfidf_small, minilm_small, tfidf_large, minilm_large) -> Outcome:
    return Outcome("data.6", {"tfidf_200": {"accuracy": tfidf_small}, "minilm_200": {"accuracy": minilm_small},
                              "tfidf_2000": {"accuracy": tfidf_large}, "minilm_2000": {"accuracy": minilm_large}},
                   {"tfidf_features": [3000, 30000], "tfidf_density": [0.002, 0.0004], "dense_features": 384})


def test_data_6_takeaway_follows_the_sparse_dense_gap():
    shrinking = features([0.60, 0.61], [0.75, 0.76], [0.74, 0.75], [0.78, 0.79])
    sparse_wins = features([0.80, 0.81], [0.70, 0.71], [0.85, 0.86], [0.80, 0.81])
    en, zh = takeaways("data.6", shrinking)
    assert "3,000-30,000 word and word-pair features" in en and "0.12%" in en and "384 dense numbers" in en
    assert "MiniLM embeddings (200 examples) reached accuracy 0.755 against 0.605" in en
    assert "lead shrank from 15.0 points with 200 examples to 4.0 with 2000" in en and "15.0" in zh
    assert "a hint, not a result" not in en
    noisy = features([0.60, 0.61, 0.62], [0.65, 0.66, 0.665], [0.74, 0.75, 0.70], [0.75, 0.80, 0.76])
    assert "lead shrank from 4.8 points" in takeaways("data.6", noisy)[0]
    assert "a hint, not a result" in takeaways("data.6", noisy)[0]
    en_sparse, _ = takeaways("data.6", sparse_wins)
    assert "TF-IDF bag of words (200 examples) reached accuracy 0.805" in en_sparse
    assert "not clearly behind" in en_sparse
    assert quiz_answers("data.6", shrinking, sparse_wins) == ("minilm", "tfidf")


@pytest.mark.parametrize("text, kind, scrubbed", [
    ("write to jo.smith+x@mail.co.uk today", "email", "write to [EMAIL] today"),
    ("see www.example.co.uk/offer now", "url", "see [URL] now"),
    ("see https://t.co/abc now", "url", "see [URL] now"),
    ("call 09061701461 to claim", "phone", "call [PHONE] to claim"),
    ("ring +44 7700 900123 or 0871-872-9758", "phone", "ring [PHONE] or [PHONE]"),
    ("apply 08452810075over18s", "phone", "apply [PHONE]over18s"),
    ("text WIN to 87121", "number", "text WIN to [NUMBER]"),
])
def test_scrub_pii_replaces_each_kind(text, kind, scrubbed):
    clean, counts = scrub_pii(text)
    assert clean == scrubbed and counts[kind] >= 1
    assert sum(counts.values()) == counts[kind]


def test_scrub_pii_leaves_ordinary_numbers_and_can_delete():
    assert scrub_pii("£1000 prize in 2005, 3 days") == ("£1000 prize in 2005, 3 days",
                                                        {"email": 0, "url": 0, "phone": 0, "number": 0})
    assert scrub_pii("call 09061701461 now", placeholders=False)[0] == "call   now"
    with pytest.raises(TypeError, match="one string"):
        scrub_pii(["a list"])


def privacy(raw, placeholders, removed) -> Outcome:
    jitter = {"raw": (0, 0.01, -0.01), "placeholders": (0.01, -0.01, 0), "removed": (-0.005, 0.005, 0)}  # per seed
    samples = {name: {m: [v + j for j in jitter[name]] for m in ("accuracy", "balanced_accuracy")}
               for name, v in dict(raw=raw, placeholders=placeholders, removed=removed).items()}
    extra = {"found": {"email": {"ham": 1, "spam": 6}, "url": {"ham": 11, "spam": 111},
                       "phone": {"ham": 1, "spam": 354}, "number": {"ham": 1, "spam": 222}},
             "flagged": {"ham": 14, "spam": 545}, "class_sizes": {"ham": 4220, "spam": 642}, "examples": []}
    return Outcome("data.9", samples, extra)


def test_data_9_takeaway_follows_what_scrubbing_cost():
    costly, free = privacy(0.90, 0.895, 0.85), privacy(0.90, 0.90, 0.899)
    en, zh = takeaways("data.9", costly)
    assert "355 with phone numbers" in en and "84.9% of spam and 0.3% of ordinary messages" in en
    assert "Deleting the PII cost 5.0 points" in en and "5.0 个百分点" in zh
    assert "Placeholders cost no score this budget can detect (-0.5 points" in en
    assert "cost the filter nothing this budget can detect" in takeaways("data.9", free)[0]
    assert "Placeholders cost 5.0 points" in takeaways("data.9", privacy(0.90, 0.85, 0.85))[0]
    better = takeaways("data.9", privacy(0.84, 0.90, 0.80))[0]
    assert "Placeholders even scored 6.0 points above the raw text" in better


def test_data_1_refuses_sizes_that_would_collapse():
    with pytest.raises(ValueError, match="largest must be at least 160"):
        lessons.get("data.1").run(quick=True, settings={"largest": 100})


def imbalance(rare: dict[str, list[float]]) -> Outcome:
    samples = {v: {"rare_recall": r, "accuracy": [0.9, 0.91, 0.9], "balanced_accuracy": [0.9, 0.91, 0.9]}
               for v, r in rare.items()}
    return Outcome("data.3", samples, {"rare_class": "8", "keep_share": 0.05, "rare_train": 6, "other_train": 113.0})


def test_data_3_ranks_the_remedies_by_rare_class_recall():
    weights_win = imbalance({"none": [0.05, 0.08, 0.06], "class_weights": [0.55, 0.6, 0.5],
                             "oversample": [0.3, 0.32, 0.28], "focal": [0.08, 0.1, 0.06]})
    focal_win = imbalance({"none": [0.3, 0.32, 0.31], "class_weights": [0.33, 0.35, 0.3],
                           "oversample": [0.32, 0.3, 0.31], "focal": [0.36, 0.38, 0.37]})
    w_en, w_zh = both("data.3", weights_win)
    f_en, _ = both("data.3", focal_win)
    assert "Class 8 kept 6 training example(s) against about 113" in w_en
    assert ("The best remedy against none: class weights reached recall of the rare class 0.550 against 0.063 for "
            "no remedy") in w_en
    assert "Class weights lifted the rare class's recall by 0.49" in w_en
    assert "Focal loss alone did not clearly help" in w_en
    assert "No remedy clearly lifted the rare class by more than 0.1" in f_en and "Focal loss also helped" in f_en
    assert "类别加权" in w_zh
    assert quiz_answers("data.3", weights_win, focal_win) == ("class_weights", "tie")   # focal: not clearly


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
    assert quiz_answers("data.4", big, small) == ("large", "small")


def test_data_4_correction_demo_and_verdict():
    correction = lessons.get("data.4").corrections[0]
    values = correction.demo()
    assert values["cross_entropy_clean"] > 0.9 and 0 <= values["robust_fits_wrong"] <= 1
    assert values["robust_fits_wrong"] < values["cross_entropy_fits_wrong"]   # the measured claim of the lesson
    assert "less sensitive" in correction.verdict(values, "en")
    worse = {**values, "robust_noisy": values["cross_entropy_noisy"] - 0.1, "robust_fits_wrong": 0.99}
    assert "did not reduce the damage" in correction.verdict(worse, "en")
    assert CHINESE.search(correction.verdict(values, "zh"))


def long_text(scores: dict[str, dict[str, list[float]]]) -> Outcome:
    """scores[mode][position]: accuracy per seed."""
    samples = {m: {f"accuracy@{p}": v for p, v in by_position.items()} for m, by_position in scores.items()}
    return Outcome("data.5", samples, {"max_length": 64, "positions": ["start", "middle", "end"], "snippets": 7,
                                       "mean_tokens": [160.0], "seconds": {"truncate": 0.5,
                                                                           "sliding_window (mean)": 2.0},
                                       "windows_per_text": 4.0})


def test_data_5_reports_the_winner_per_position():
    clear = long_text({
        "truncate": {"start": [0.80, 0.82, 0.81], "middle": [0.52, 0.50, 0.51], "end": [0.50, 0.52, 0.51]},
        "head_tail": {"start": [0.70, 0.71, 0.69], "middle": [0.51, 0.50, 0.52], "end": [0.79, 0.80, 0.81]},
        "sliding_window (mean)": {"start": [0.70, 0.72, 0.70], "middle": [0.75, 0.76, 0.74],
                                  "end": [0.74, 0.75, 0.73]},
        "sliding_window (max)": {"start": [0.71, 0.70, 0.72], "middle": [0.73, 0.75, 0.74],
                                 "end": [0.73, 0.74, 0.72]}})
    noisy = long_text({m: {p: [0.6, 0.7, 0.65] if i % 2 else [0.7, 0.6, 0.66] for p in ("start", "middle", "end")}
                       for i, m in enumerate(MODE_LABELS)})
    c_en, c_zh = both("data.5", clear)
    n_en, _ = both("data.5", noisy)
    assert "about 160 tokens" in c_en and "max_length 64" in c_en
    assert "Deciding snippet at the start: truncate (head only) 0.810" in c_en
    assert "truncation came out clearly ahead" in c_en and "sliding windows came out clearly ahead" in c_en
    assert "head + tail came out clearly ahead" in c_en
    assert "The winner changed with where the deciding part sat" in c_en
    assert "took 2.00 s vs 0.50 s (4.0 windows per text)" in c_en
    assert "came out clearly ahead" not in n_en and "no mode was clearly ahead" in n_en and "winner changed" not in n_en
    assert "决定性片段在中间" in c_zh
    assert quiz_answers("data.5", clear, noisy) == ("sliding_window", "tie")
    assert "7 snippets" in lessons.get("data.5").quiz.prompt_for(lessons.get("data.5").settings)


def leak(unseen, word, natural=0) -> Outcome:
    """Per-seed accuracy on unseen rows and on one-word-changed copies; the other copies score 1.0."""
    samples = {"all": {"accuracy": [u + 0.05 for u in unseen]}, "unseen": {"accuracy": unseen},
               "exact": {"accuracy": [1.0] * 3}, "casing": {"accuracy": [1.0] * 3},
               "punctuation": {"accuracy": [0.99, 1.0, 1.0]}, "word": {"accuracy": word}}
    detection = {"exact": {"raw": 1.0, "normalised": 1.0, "near": 1.0},
                 "casing": {"raw": 0.0, "normalised": 1.0, "near": 1.0},
                 "punctuation": {"raw": 0.0, "normalised": 1.0, "near": 1.0},
                 "word": {"raw": 0.0, "normalised": 0.0, "near": 0.8}, "natural": natural}
    example = {"word": {"original": "a dull and tedious film", "copy": "a dull and tiresome film"}}
    return Outcome("data.7", samples, {"leak_fraction": 0.3, "threshold": 0.95, "detection": detection,
                                       "example": example})


def test_data_7_scores_each_kind_of_copy_against_unseen_rows():
    memorised = leak([0.78, 0.80, 0.79], [0.97, 0.96, 0.98], natural=2)
    unclear = leak([0.78, 0.80, 0.79], [0.80, 0.77, 0.81])
    m_en, m_zh = both("data.7", memorised)
    u_en, _ = both("data.7", unclear)
    assert "all test rows (the reported score) reached accuracy 0.840 against 0.790 for unseen test rows" in m_en
    assert "rows copied with one word changed 0.970, against 0.790 on unseen rows" in m_en
    assert "a near-duplicate leaks the answer as well as an exact copy does" in m_en
    assert "near-duplicate leaks" not in u_en and "Clearly above the unseen rows" in u_en
    assert "comparing raw text found rows copied exactly 100%, rows copied re-cased 0%" in m_en
    assert "adding embedding similarity (cosine ≥ 0.95) found" in m_en
    assert "rows copied with one word changed 80%" in m_en
    assert "\"a dull and tiresome film\", which no exact check matches" in m_en
    assert "2 test row(s) had a duplicate in training" in m_en and "had a duplicate" not in u_en
    assert "改了一个词" in m_zh
    assert quiz_answers("data.7", memorised, unclear) == ("higher", "same")


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
    assert quiz_answers("data.8", helped, hurt) == ("up", "down")
    assert "Images:" not in h_en       # no image part measured, nothing said about it


def test_data_8_image_part_follows_the_verdicts():
    crops_help = augmentation([0.70, 0.71, 0.70], [0.70, 0.72, 0.69])
    crops_help.samples.update({"image_none": {"accuracy": [0.60, 0.62, 0.61]},
                               "image_crop": {"accuracy": [0.70, 0.71, 0.72]},
                               "image_flip": {"accuracy": [0.62, 0.64, 0.63]}})
    crops_help.extra.update(image_examples=200, image_size=48, views=3)
    unclear = augmentation([0.70, 0.71, 0.70], [0.70, 0.72, 0.69])
    unclear.samples.update({v: {"accuracy": [0.6, 0.7, 0.65][i:] + [0.6, 0.7, 0.65][:i]}
                            for i, v in enumerate(IMAGE_VARIANTS)})
    unclear.extra.update(image_examples=200, image_size=48, views=3)
    c_en, c_zh = both("data.8", crops_help)
    u_en, _ = both("data.8", unclear)
    assert "features of 200 MNIST digits at 48 px" in c_en and "with 3 augmented copies of each" in c_en
    assert "images: crops and brightness reached accuracy 0.710 against 0.610" in c_en
    assert "taught the head what may vary" in c_en and "Flips hurt" in c_en
    assert "made no difference this budget can detect" in u_en and "Flips hurt" not in u_en
    assert "taught the head" not in u_en and "镜像翻转" in c_zh
    titles = [t for t, _ in lessons.get("data.8").figures(crops_help, "en")]
    assert len(titles) == 2 and titles[1].startswith("Images")
