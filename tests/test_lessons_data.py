"""Data lessons: takeaways and quiz answers follow the measured numbers; the preprocessing demo runs the real
checks; the PII scrubber finds and replaces each kind of identifier."""
from __future__ import annotations


import pytest

from workbench import lessons
from workbench.lessons.base import Outcome

from lesson_checks import takeaways as _checked


def takeaways(lesson_id, outcome):
    return _checked(lesson_id, outcome, draw_figures=False)
from workbench.lessons.data.privacy import scrub_pii





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
    quiz = lessons.get("data.1").quiz
    assert [quiz.reveal(o, None)["correct"] for o in (clean_wins, noisy_wins, tie)] == ["clean", "noisy", "tie"]
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
    quiz = lessons.get("data.6").quiz
    assert quiz.reveal(shrinking, None)["correct"] == "minilm" and quiz.reveal(sparse_wins, None)["correct"] == "tfidf"


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
