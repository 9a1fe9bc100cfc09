"""The lesson framework and the lesson bank as a whole: ids match the interview map, both languages exist, every
lesson runs end to end in quick mode, and takeaways/quizzes follow the numbers."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench import lessons
from workbench.lessons.base import Outcome, T, compare_takeaway
from workbench.repeats import within_noise

MAP_FILE = Path(__file__).resolve().parents[2] / "shared" / "INTERVIEW_MAP.md"


def test_package_ids_match_the_interview_map():
    if not MAP_FILE.exists():
        pytest.skip("the interview map is not beside this checkout")
    ids = re.findall(r"^- `([a-z]+\.\d+)`", MAP_FILE.read_text(encoding="utf-8"), flags=re.M)
    assert tuple(ids) == lessons.MAP_IDS


def test_every_map_id_has_a_lesson_in_both_languages():
    bank = lessons.all_lessons()
    assert list(bank) == list(lessons.MAP_IDS)
    for lesson in bank.values():
        assert lesson.topic == lesson.id.split(".")[0]
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


def test_noise_verdict_separates_clear_from_overlapping_differences():
    clear = within_noise([0.70, 0.71, 0.70], [0.80, 0.81, 0.80])
    overlapping = within_noise([0.70, 0.75, 0.72], [0.73, 0.71, 0.74])
    assert clear.within_noise is False and clear.difference == pytest.approx(0.1, abs=1e-9)
    assert overlapping.within_noise is True


def test_compare_takeaway_follows_the_numbers_and_the_noise():
    a_wins = Outcome("x", {"a": {"accuracy": [0.9, 0.91, 0.9]}, "b": {"accuracy": [0.7, 0.71, 0.7]}})
    b_wins_noisy = Outcome("x", {"a": {"accuracy": [0.70, 0.80, 0.75]}, "b": {"accuracy": [0.78, 0.72, 0.77]}})
    first = compare_takeaway(a_wins, "a", "b", "accuracy", "en")
    second = compare_takeaway(b_wins_noisy, "a", "b", "accuracy", "en")
    assert first.startswith("a reached accuracy 0.903") and "larger than the seed-to-seed spread" in first
    assert second.startswith("b reached accuracy 0.757") and "cannot be told apart" in second
    assert "准确率" in compare_takeaway(a_wins, "a", "b", "accuracy", "zh")


def test_quiz_reveal_scores_the_guess_against_the_measurement():
    quiz = lessons.get("concept.2").quiz
    big_gap = Outcome("concept.2", {"pretrained": {"accuracy": [0.8]}, "scratch": {"accuracy": [0.5]}})
    no_gap = Outcome("concept.2", {"pretrained": {"accuracy": [0.5]}, "scratch": {"accuracy": [0.6]}})
    assert quiz.reveal(big_gap, "large")["right"] is True
    assert quiz.reveal(no_gap, "large") == {**quiz.reveal(no_gap, "large"), "correct": "none", "right": False}
    with pytest.raises(ValueError, match="Unknown guess"):
        quiz.reveal(no_gap, "maybe")


def test_concept_2_takeaway_changes_with_the_result():
    lesson = lessons.get("concept.2")
    helped = Outcome("concept.2", {"pretrained": {"accuracy": [0.80, 0.82]}, "scratch": {"accuracy": [0.55, 0.52]}})
    hurt = Outcome("concept.2", {"pretrained": {"accuracy": [0.50, 0.52]}, "scratch": {"accuracy": [0.60, 0.61]}})
    assert "what makes the task learnable" in lesson.takeaway(helped, "en")
    assert "pretrained reached accuracy 0.810" in lesson.takeaway(helped, "en")
    assert "did not help" in lesson.takeaway(hurt, "en")
    assert "预训练没有带来提升" in lesson.takeaway(hurt, "zh")


def test_outcomes_survive_a_round_trip_to_disk(tmp_path, monkeypatch):
    from workbench.lessons.jobs import load_outcome, outcome_key, save_outcome
    monkeypatch.setenv("WORKBENCH_HOME", str(tmp_path))
    outcome = Outcome("concept.2", {"pretrained": {"accuracy": [0.8]}}, extra={"note": 1}, run_ids={})
    key = outcome_key("concept.2", True, (0,), {"lr": 1e-4})
    assert key != outcome_key("concept.2", True, (0,), {"lr": 2e-4})
    save_outcome(key, outcome)
    again = load_outcome(key)
    assert again.samples == outcome.samples and again.extra == {"note": 1}


@pytest.mark.parametrize("lesson_id", lessons.MAP_IDS)
def test_every_lesson_runs_end_to_end_in_quick_mode(lesson_id, runner):
    lesson = lessons.get(lesson_id)
    outcome = lesson.run(quick=True, runner=runner)
    for lang in ("en", "zh"):
        assert lesson.takeaway(outcome, lang).strip()
        for title, fig in lesson.figures(outcome, lang):
            assert title and fig.data, f"{lesson_id}: empty figure {title!r}"
    if lesson.quiz:
        assert lesson.quiz.reveal(outcome, None)["correct"] in lesson.quiz.choices
