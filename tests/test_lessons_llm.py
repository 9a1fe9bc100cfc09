"""The LLM lessons (llm.1-llm.5): takeaways and quizzes follow the paired verdicts of synthetic outcomes; a stop
ends a lesson's trainings. (Each lesson also runs end to end in quick mode in test_lessons.py.)"""
import pytest

from workbench import lessons
from workbench.lessons.base import Outcome

RISE = [0.80, 0.85, 0.90]
FLAT = [0.00, 0.05, 0.00]
NOISE_A, NOISE_B = [0.60, 0.70, 0.65], [0.70, 0.60, 0.66]


def outcome(lesson_id: str, per_variant: dict, **extra) -> Outcome:
    return Outcome(lesson_id, per_variant, extra)


def llm1(small_format, small_exact=NOISE_A) -> Outcome:
    base = {"base_format_rate": FLAT, "base_exact_match": FLAT}
    return outcome("llm.1", {"16 examples": {**base, "format_rate": small_format, "exact_match": small_exact},
                             "64 examples": {**base, "format_rate": RISE, "exact_match": NOISE_B}},
                   sizes=[16, 64], steps=12)


def test_llm_1_says_few_examples_changed_the_format_only_when_the_verdict_says_so():
    lesson = lessons.get("llm.1")
    changed = llm1(RISE)
    text = lesson.takeaway(changed, "en")
    assert "Even 16 examples were enough" in text and "excludes 0" in text
    assert "不含 0" in lesson.takeaway(changed, "zh")
    assert "cannot be told apart" in text          # the sizes' right answers are inside the noise
    assert lesson.quiz.correct(changed) == "yes"
    unchanged = llm1([0.0, 0.1, 0.0])
    assert "did not clearly change" in lesson.takeaway(unchanged, "en")
    assert lesson.quiz.correct(unchanged) == "no"
    assert lesson.quiz.prompt_for(lesson.settings).startswith("After a dozen LoRA steps on only 16 examples")
    titles = [title for title, fig in lesson.figures(changed, "en")]
    assert len(titles) == 2


def test_right_answers_are_read_against_always_answering_the_commonest_answer():
    lesson = lessons.get("llm.1")
    majority = llm1(RISE)
    for variant in majority.samples.values():
        variant.update({"majority_share": [0.85, 0.85, 0.80], "exact_match": [0.85, 0.85, 0.80]})
    text = lesson.takeaway(majority, "en")
    assert "answering 'ham' to every prompt scores 0.83" in text and "may be the format and the majority" in text
    for variant in majority.samples.values():
        variant["exact_match"] = [0.95, 0.97, 0.93]
    assert "clearly above it" in lesson.takeaway(majority, "en")


def test_llm_2_reports_parameters_exactly_and_time_and_quality_by_their_verdicts():
    lesson = lessons.get("llm.2")
    params = {"lora": [460_800.0] * 3, "full": [134_515_008.0] * 3}
    samples = {v: {"trainable_parameters": p, "optimizer_mb": [x * 12 / 1e6 for x in p],
                   "exact_match": NOISE_A if v != "full" else NOISE_B,
                   "train_seconds": [20.0, 21.0, 22.0] if v != "full" else [40.0, 41.0, 44.0]}
               for v, p in params.items()}
    sweep = {2: 115_200, 8: 460_800, 32: 1_843_200}
    measured = outcome("llm.2", samples, rank=8, rank_parameters=sweep)
    text = lesson.takeaway(measured, "en")
    assert "full fine-tuning 134,515,008 (292 times as many)" in text and "r=32: 1,843,200" in text
    assert "times faster" in text                 # the time difference is clear
    assert lesson.quiz.correct(measured) == "tie"  # the answers are not
    assert "rank 8" in lesson.quiz.prompt_for(lesson.settings)
    samples["full"]["train_seconds"] = [21.0, 19.0, 22.5]
    assert "times faster" not in lesson.takeaway(outcome("llm.2", samples, rank=8, rank_parameters=sweep), "en")
    assert len(lesson.figures(measured, "zh")) == 4


def test_llm_3_and_5_grade_their_quizzes_by_the_verdict():
    llm3 = lessons.get("llm.3")
    clear = outcome("llm.3", {"response": {"exact_match": RISE, "format_rate": RISE},
                              "all": {"exact_match": FLAT, "format_rate": FLAT}})
    assert llm3.quiz.correct(clear) == "response"
    assert "not compared" in llm3.takeaway(clear, "en")
    tie = outcome("llm.3", {"response": {"exact_match": NOISE_A, "format_rate": NOISE_A},
                            "all": {"exact_match": NOISE_B, "format_rate": NOISE_B}})
    assert llm3.quiz.correct(tie) == "tie"

    llm5 = lessons.get("llm.5")
    decodings = {"greedy": RISE, "temperature 0.7": NOISE_A, "temperature 1.5": FLAT, "top-p 0.9": NOISE_B}
    samples = {k: {"exact_match": v, "format_rate": v, "diversity": [0.5] * 3} for k, v in decodings.items()}
    measured = outcome("llm.5", samples, samples=3)
    assert llm5.quiz.correct(measured) == "fewer"
    assert "answered the held-out prompts 3 times" in llm5.takeaway(measured, "en")


def test_llm_4_reports_forgetting_against_the_base_and_each_remedy_by_its_verdict():
    lesson = lessons.get("llm.4")
    base = {"exact_match": NOISE_A, "general_changed": [0.5] * 3, "general_task_words": [0.25] * 3}
    measured = outcome("llm.4", {
        "full": {**base, "general_ppl_ratio": [3.0, 3.5, 4.0]},
        "full_mix": {**base, "general_ppl_ratio": [1.5, 1.6, 1.4]},
        "lora": {**base, "general_ppl_ratio": [3.2, 3.4, 4.1]}})
    text = lesson.takeaway(measured, "en")
    assert "changed by a factor of 3.50" in text and "25% became 'spam' or 'ham'" in text
    assert lesson.quiz.correct(measured) == "yes"
    assert "不含 0" in lesson.takeaway(measured, "zh")


def test_a_stopped_lesson_starts_no_more_trainings(monkeypatch):
    from workbench.lessons.llm import trials
    from workbench.lessons.base import LessonContext

    started = []

    def on_start(variant, handle):
        started.append(variant)
        handle.stop()                      # the user pressed Stop as the first training began

    calls = []
    monkeypatch.setattr("workbench.llm.sft.train_sft", lambda *a, **k: calls.append(k["should_stop"]()) or pytest.fail(
        "a training started after the stop"))
    ctx = LessonContext("llm.3", quick=True, seeds=(0, 1), on_start=on_start)
    partial = trials.sft_trials(ctx, {"response": {}, "all": {"loss_on": "all"}})
    assert started == ["response"] and not calls
    assert partial.samples == {"response": {}, "all": {}}
