"""The lesson framework and the lesson bank as a whole: ids match the interview map, both languages exist, every
lesson runs end to end in quick mode, and takeaways/quizzes follow the numbers."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench import lessons
from workbench.lessons.base import SMOKE_RUN, Outcome, T, above_baseline, compare_takeaway, speed_phrase

MAP_FILE = Path(__file__).resolve().parents[2] / "shared" / "INTERVIEW_MAP.md"


def test_package_ids_match_the_interview_map():
    if not MAP_FILE.exists():
        pytest.skip("the interview map is not beside this checkout")
    ids = re.findall(r"^- `([a-z]+\.\d+)`", MAP_FILE.read_text(encoding="utf-8"), flags=re.M)
    assert tuple(ids) == tuple(i for i in lessons.MAP_IDS if i.split(".")[0] not in lessons.BEYOND_MAP)


def test_every_map_id_has_a_lesson_in_both_languages():
    bank = lessons.all_lessons()
    assert list(bank) == list(lessons.MAP_IDS)
    for lesson in bank.values():
        assert lesson.topic == lesson.id.split(".")[0]
        assert lesson.sources and lesson.repeats >= 1, lesson.id
        for text in (lesson.title, lesson.question, lesson.answer):
            assert text.en.strip() and text.zh.strip(), lesson.id
            assert re.search(r"[\u4e00-\u9fff]", text.zh), f"{lesson.id}: Chinese text has no Chinese"
        if lesson.quiz:
            assert lesson.quiz.prompt.zh and all(c.en and c.zh for c in lesson.quiz.choices.values())
        for correction in lesson.corrections:
            assert correction.claim.zh and correction.right.zh and correction.source


def test_search_finds_lessons_in_either_language():
    assert "concept.2" in [l.id for l in lessons.search("scratch")]
    assert "concept.2" in [l.id for l in lessons.search("从零")]
    with pytest.raises(KeyError, match="No lesson"):
        lessons.get("concept.99")


def test_unknown_language_and_setting_are_refused():
    with pytest.raises(ValueError, match="Unknown language"):
        T("a", "甲")("fr")
    with pytest.raises(ValueError, match="no setting"):
        lessons.get("concept.2").run(quick=True, settings={"nonsense": 1})


def test_compare_takeaway_follows_the_paired_verdict():
    a_wins = Outcome("x", {"a": {"accuracy": [0.9, 0.91, 0.9]}, "b": {"accuracy": [0.7, 0.71, 0.7]}})
    b_ahead_noisy = Outcome("x", {"a": {"accuracy": [0.70, 0.80, 0.75]}, "b": {"accuracy": [0.78, 0.72, 0.77]}})
    first = compare_takeaway(a_wins, "a", "b", "accuracy", "en")
    second = compare_takeaway(b_ahead_noisy, "a", "b", "accuracy", "en")
    assert first.startswith("a reached accuracy 0.903") and "interval of the gap is +0.200 to +0.200" in first
    assert "which excludes 0: a real difference" in first
    assert second.startswith("b reached accuracy 0.757") and "contains 0" in second and "cannot be told apart" in second
    assert "准确率" in compare_takeaway(a_wins, "a", "b", "accuracy", "zh") and "不含 0" in compare_takeaway(
        a_wins, "a", "b", "accuracy", "zh")
    one_seed = Outcome("x", {"a": {"accuracy": [0.9]}, "b": {"accuracy": [0.5]}})
    assert "one seed only, so this budget cannot tell" in compare_takeaway(one_seed, "a", "b", "accuracy", "en")


def test_clear_best_and_baseline_need_the_verdict():
    clear = Outcome("x", {"a": {"accuracy": [0.9, 0.91, 0.9]}, "b": {"accuracy": [0.7, 0.71, 0.7]},
                          "c": {"accuracy": [0.8, 0.81, 0.8]}})
    noisy = Outcome("x", {"a": {"accuracy": [0.9, 0.7, 0.8]}, "b": {"accuracy": [0.7, 0.8, 0.7]}})
    assert clear.clear_best("accuracy") == "a" and noisy.best("accuracy") == "a" and noisy.clear_best() is None
    assert above_baseline(clear, "b", "accuracy", 0.6) and not above_baseline(noisy, "b", "accuracy", 0.7)
    assert clear.ci_half_width("a", "accuracy") > 0 and Outcome("x", {"a": {"m": [1.0]}}).ci_half_width("a", "m") == 0


def test_speed_phrase_never_prints_a_ratio_below_one():
    assert speed_phrase(1.0, 4.2, "en") == "4.2 times faster" and speed_phrase(4.2, 1.0, "en") == "4.2 times slower"
    assert speed_phrase(1.0, 4.2, "en", clear=False) == "1.00 s vs 4.20 s"
    assert speed_phrase(1.0, 1.02, "en") == "1.00 s vs 1.02 s" and "2.0 倍" in speed_phrase(2.0, 1.0, "zh")
    for a, b in ((0.3, 2.0), (2.0, 0.3), (5.0, 5.0)):
        ratio = re.search(r"([\d.]+) times", speed_phrase(a, b, "en"))
        assert ratio is None or float(ratio.group(1)) >= 1


def curve(pretrained: dict, scratch: dict, quick: bool = False) -> Outcome:
    """A concept.2 outcome: accuracy per seed for each training-set size."""
    samples = {**{f"pretrained_{n}": {"accuracy": v} for n, v in pretrained.items()},
               **{f"scratch_{n}": {"accuracy": v} for n, v in scratch.items()}}
    return Outcome("concept.2", samples, {"sizes": sorted(pretrained)}, quick=quick)


def test_quick_mode_draws_no_conclusion_and_is_marked_for_the_quiz():
    lesson = lessons.get("concept.2")
    clear = curve({100: [0.80, 0.81, 0.82], 1000: [0.85, 0.86, 0.85]},
                  {100: [0.50, 0.50, 0.51], 1000: [0.70, 0.72, 0.71]}, quick=True)
    assert lesson.takeaway(clear, "en") == SMOKE_RUN.en and lesson.takeaway(clear, "zh") == SMOKE_RUN.zh
    assert "no conclusion drawn" in SMOKE_RUN.en and "不下结论" in SMOKE_RUN.zh
    clear.quick = False
    assert "100 reviews: pretrained 0.810, from scratch 0.503" in lesson.takeaway(clear, "en")
    assert Outcome.from_dict(Outcome("x", {}, quick=True).to_dict()).quick is True


def test_full_mode_repeats_at_least_three_seeds_except_stated_demos():
    single = {lesson.id for lesson in lessons.all_lessons().values() if lesson.demo_only or lesson.repeats < 3}
    assert single <= {"explain.1", "deploy.1", "data.2", "app.4", "app.5"}, single
    assert all(lesson.repeats >= 3 for lesson in lessons.all_lessons().values() if lesson.id not in single)


WOBBLE = [0.70, 0.80, 0.75, 0.72, 0.78]      # rotated per variant: per-seed differences change sign, a tie


def tie_outcome(lesson_id: str, variants: list[str], extra: dict | None = None, **per_variant) -> Outcome:
    samples = {}
    for i, name in enumerate(variants):
        values = WOBBLE[i:] + WOBBLE[:i]
        samples[name] = {"accuracy": values, "balanced_accuracy": values, "train_seconds": [10.0 + v for v in values],
                         **{k: v[name] for k, v in per_variant.items()}}
    return Outcome(lesson_id, samples, extra or {})


TIES = {
    "concept.2": (["pretrained_100", "scratch_100", "pretrained_1000", "scratch_1000"], {"sizes": [100, 1000]}),
    "concept.4": (["pretrain_only", "finetune_only", "both"], {}),
    "concept.7": (["mlp", "vit_scratch", "cnn_scratch", "cnn_pretrained"], {}),
    "data.8": (["text_mix", "none"], {"train_examples": 300, "steps": 40}),
    "eval.5": (["zero-shot", "linear probe", "fine-tuned"], {"majority": WOBBLE, "train_examples": [300] * 5}),
    "app.1": (["full", "frozen", "scratch"], {}),
    "app.7": (["mlp", "logistic"], {}),
}
CLAIMS = re.compile(r"\bbeats?\b|\bbetter than\b|did better|paid off|times (faster|slower)|lifted|caught up|"
                    r"胜过|好于|追上|追平")
NEGATED = re.compile(r"not clearly (better than|ahead)|没有[^，。]{0,8}明显(好于|胜过)")


@pytest.mark.parametrize("lesson_id", sorted(TIES))
def test_a_takeaway_claims_no_winner_inside_the_noise(lesson_id):
    variants, extra = TIES[lesson_id]
    outcome = tie_outcome(lesson_id, variants, extra)
    for lang in ("en", "zh"):
        text = NEGATED.sub("", lessons.get(lesson_id).takeaway(outcome, lang))
        assert not CLAIMS.search(text), (lesson_id, lang, CLAIMS.search(text), text)


SHRINKING = curve({100: [0.70, 0.72, 0.71], 300: [0.75, 0.76, 0.78], 1000: [0.80, 0.80, 0.81]},
                  {100: [0.50, 0.52, 0.51], 300: [0.55, 0.56, 0.55], 1000: [0.70, 0.68, 0.71]})
MEETING = curve({100: [0.70, 0.72, 0.71], 300: [0.75, 0.76, 0.78], 1000: [0.80, 0.70, 0.81]},
                {100: [0.50, 0.52, 0.51], 300: [0.55, 0.56, 0.55], 1000: [0.75, 0.76, 0.71]})


def test_quiz_reveal_scores_the_guess_against_the_measurement():
    quiz = lessons.get("concept.2").quiz
    assert quiz.reveal(SHRINKING, "shrinks")["right"] is True
    assert quiz.reveal(MEETING, "shrinks") == {**quiz.reveal(MEETING, "shrinks"), "correct": "tie", "right": False}
    growing = curve({100: [0.52, 0.50, 0.51], 1000: [0.80, 0.81, 0.82]}, {100: [0.50, 0.51, 0.50], 1000: [0.6] * 3})
    assert quiz.correct(growing) == "grows"
    assert quiz.prompt_for(lessons.get("concept.2").settings) == ("From 100 to 1000 labelled reviews, what happens "
                                                                  "to the pretrained start's lead in accuracy?")
    with pytest.raises(ValueError, match="Unknown guess"):
        quiz.reveal(MEETING, "maybe")


def test_concept_2_takeaway_reports_the_verdict_per_size_and_where_the_curves_meet():
    lesson = lessons.get("concept.2")
    en, zh = lesson.takeaway(SHRINKING, "en"), lesson.takeaway(SHRINKING, "zh")
    assert "300 reviews: pretrained 0.763, from scratch 0.553 (95% CI of the lead +0.167 to +0.253): pretrained " \
           "clearly ahead" in en and "预训练明显领先" in zh
    assert "lead clearly shrank from 20.0 points at 100 reviews to 10.7 at 1000" in en
    assert "curves did not meet within the sizes tried" in en and "两条曲线没有相遇" in zh
    en_meet = lesson.takeaway(MEETING, "en")
    assert "1000 reviews: pretrained 0.770, from scratch 0.740" in en_meet and "no clear difference" in en_meet
    assert "From 1000 reviews on this budget cannot tell the two apart" in en_meet
    assert "cannot tell from seed noise" in en_meet
    hurt = curve({100: [0.50, 0.52, 0.51], 1000: [0.50, 0.52, 0.5]}, {100: [0.60, 0.61, 0.6], 1000: [0.6] * 3})
    assert "from scratch clearly ahead" in lesson.takeaway(hurt, "en")
    assert "At no size was the pretrained start clearly ahead" in lesson.takeaway(hurt, "en")
    (title, fig), = lesson.figures(SHRINKING, "en")
    assert "Learning curves" in title and fig.layout.xaxis.type == "log" and len(fig.data) == 4


def test_outcomes_survive_a_round_trip_to_disk(tmp_path, monkeypatch):
    from workbench.lessons.jobs import load_outcome, outcome_key, save_outcome
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    outcome = Outcome("concept.2", {"pretrained": {"accuracy": [0.8]}}, extra={"note": 1}, run_ids={})
    key = outcome_key("concept.2", True, (0,), {"lr": 1e-4})
    assert key != outcome_key("concept.2", True, (0,), {"lr": 2e-4})
    save_outcome(key, outcome)
    again = load_outcome(key)
    assert again.samples == outcome.samples and again.extra == {"note": 1} and again.quick is False


@pytest.mark.parametrize("lesson_id", lessons.MAP_IDS)
def test_every_lesson_runs_end_to_end_in_quick_mode(lesson_id, runner):
    lesson = lessons.get(lesson_id)
    outcome = lesson.run(quick=True, runner=runner)
    assert outcome.quick and lesson.takeaway(outcome, "en") == SMOKE_RUN.en
    outcome.quick = False                       # the full-mode wording must also cope with these numbers
    for lang in ("en", "zh"):
        assert lesson.takeaway(outcome, lang).strip()
        for title, fig in lesson.figures(outcome, lang):
            assert title and fig.data, f"{lesson_id}: empty figure {title!r}"
    if lesson.quiz:
        assert lesson.quiz.reveal(outcome, None)["correct"] in lesson.quiz.choices


def test_a_lesson_allowed_more_than_two_minutes_says_why_on_its_page():
    longer = {lesson.id: lesson for lesson in lessons.all_lessons().values() if lesson.time_budget_s > 120}
    assert {"concept.2", "concept.7", "train.1"} <= set(longer)
    for lesson in lessons.all_lessons().values():
        assert lesson.time_budget_s <= 240, lesson.id
        assert (lesson.budget_note is not None) == (lesson.id in longer), lesson.id
    for lesson in longer.values():
        assert lesson.budget_note("en").strip() and re.search(r"[\u4e00-\u9fff]", lesson.budget_note("zh")), lesson.id
