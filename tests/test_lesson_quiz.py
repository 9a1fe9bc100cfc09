"""Lesson quizzes grade fairly and the outcome cache serves only complete results of the current code: prompts quote
the current settings, "no clear difference" is graded by the paired verdict, the outcome key follows the code and
everything else that changes an outcome, a stopped run is never saved, and settings read from a link are checked."""
import string
import threading

import pytest

from workbench import lessons
from workbench.lessons import jobs
from workbench.lessons.base import NO_CLEAR_DIFFERENCE, Outcome
from workbench.lessons.settings_text import parse_setting, setting_text
from workbench.lessons.support import verdict

QUIZZED = [lesson for lesson in lessons.all_lessons().values() if lesson.quiz]


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def another_value(value):
    """A different value of the same kind, valid for every lesson that quotes it."""
    if isinstance(value, bool):
        return not value
    if isinstance(value, (int, float)):
        return value * 2 + 1 if isinstance(value, int) else value * 2 + 0.5
    if isinstance(value, list):
        return value + value[:1]
    return "wine"       # the one text setting quoted with derived facts is a table's name


@pytest.mark.parametrize("lesson", QUIZZED, ids=lambda lesson: lesson.id)
def test_every_quiz_prompt_quotes_the_current_value_of_each_setting_it_names(lesson):
    named = placeholders(lesson.quiz.prompt("en"))
    assert named == placeholders(lesson.quiz.prompt("zh")), "both languages quote the same settings"
    for lang in ("en", "zh"):
        default_prompt = lesson.quiz.prompt_for(lesson.settings, lang)
        assert "{" not in default_prompt and "}" not in default_prompt
        for name in named & set(lesson.settings):
            changed = {**lesson.settings, name: another_value(lesson.settings[name])}
            assert lesson.quiz.prompt_for(changed, lang) != default_prompt, (lesson.id, name, lang)


def test_prompts_that_quoted_defaults_now_quote_the_settings():
    def prompt(lesson_id, **settings):
        lesson = lessons.get(lesson_id)
        return lesson.quiz.prompt_for({**lesson.settings, **settings}, "en")

    assert "keeps only 12.5% of its training" in prompt("data.3", keep_share=0.125)
    assert "Misspell the 5 words" in prompt("deploy.3", budget=5)
    assert "vote of the 9 nearest" in prompt("app.3", neighbours=9)
    assert "(178 rows, 13 features)" in prompt("app.7", dataset="wine")
    assert "first 2 layer(s)" in prompt("concept.6", fewest_layers=2) and "fewest_layers" not in prompt("concept.6")
    assert "40% of the training labels" in prompt("data.4", noise=0.4)


def test_a_prompt_naming_an_unknown_setting_is_refused():
    quiz = lessons.get("data.3").quiz
    with pytest.raises(ValueError, match="not a setting"):
        quiz.prompt_for({"epochs": 5}, "en")


# ---------------------------------------------------------------- "no clear difference" graded by the verdict

NOISY = ([0.70, 0.80, 0.75], [0.78, 0.72, 0.77])       # paired gaps -0.08, +0.08, -0.02: the interval holds 0
CLEAR = ([0.90, 0.91, 0.92], [0.60, 0.62, 0.61])       # a 30-point gap on every seed
TWO_WAY = {   # lesson: (a, b, metric, its tie key, its key when a is clearly better)
    "app.2": ("sentiment", "spam", "balanced_accuracy", "tie", "sentiment"),
    "app.7": ("mlp", "logistic", "accuracy", "tie", "mlp"),
    "concept.3": ("in_domain", "cross", "accuracy", "close", "in_domain"),
    "data.6": ("minilm_200", "tfidf_200", "accuracy", "tie", "minilm"),
    "data.8": ("text_mix", "none", "accuracy", "flat", "up"),
    "train.3": ("label_smoothing", "cross_entropy", "confidence", "same", "higher"),
    "deploy.2": ("incremental", "old", "old_accuracy", "holds", "rises"),
}


def two_variants(lesson_id: str, values: tuple[list, list]) -> Outcome:
    a, b, metric, *_ = TWO_WAY[lesson_id]
    return Outcome(lesson_id, {a: {metric: values[0]}, b: {metric: values[1]}})


def test_comparisons_of_two_variants_offer_no_clear_difference():
    offered = {lesson.id for lesson in QUIZZED if NO_CLEAR_DIFFERENCE in lesson.quiz.choices.values()}
    assert set(TWO_WAY) | {"data.1"} <= offered
    assert NO_CLEAR_DIFFERENCE("zh") == "没有明显差别"


@pytest.mark.parametrize("lesson_id", sorted(TWO_WAY))
def test_no_clear_difference_is_graded_by_the_verdict(lesson_id):
    a, b, metric, tie_key, a_key = TWO_WAY[lesson_id]
    quiz = lessons.get(lesson_id).quiz
    noisy, clear = two_variants(lesson_id, NOISY), two_variants(lesson_id, CLEAR)
    assert verdict(noisy, a, b, metric) == "tie" and quiz.correct(noisy) == tie_key
    assert quiz.reveal(noisy, tie_key)["right"] is True
    assert verdict(clear, a, b, metric) == "a" and quiz.correct(clear) == a_key
    assert quiz.reveal(clear, tie_key)["right"] is False


# ---------------------------------------------------------------- the outcome cache


def test_outcome_key_changes_with_the_code_and_everything_else_that_changes_an_outcome(monkeypatch):
    args = ("concept.2", False, (0, 1), {"lr": 1e-4})
    base = jobs.outcome_key(*args)
    assert jobs.outcome_key(*args) == base
    assert jobs.outcome_key("concept.3", *args[1:]) != base
    assert jobs.outcome_key(args[0], True, *args[2:]) != base
    assert jobs.outcome_key(*args[:2], (0,), args[3]) != base
    assert jobs.outcome_key(*args[:3], {"lr": 2e-4}) != base
    monkeypatch.setattr(jobs, "code_version", lambda: "other code")
    assert jobs.outcome_key(*args) != base


def test_code_version_hashes_every_python_source_of_the_package(tmp_path):
    def package(name: str, source: str):
        folder = tmp_path / name / "sub"
        folder.mkdir(parents=True)
        (folder / "module.py").write_text(source)
        return tmp_path / name

    same, edited = package("one", "x = 1\n"), package("two", "x = 2\n")
    assert jobs.code_version(same) == jobs.code_version(package("three", "x = 1\n"))
    assert jobs.code_version(same) != jobs.code_version(edited)
    assert jobs.code_version() == jobs.code_version(jobs.PACKAGE)


class FakeRunner:
    def __init__(self, statuses: dict):
        self.statuses = statuses

    def snapshot(self, run_id: str) -> dict:
        return {"status": self.statuses[run_id]}


class FakeLesson:
    """Just what LessonJob uses of a lesson: an id and a run() that returns an outcome of the given runs."""

    def __init__(self, lesson_id: str, run_ids: list[str], release: threading.Event | None = None):
        self.id, self.run_ids, self.release = lesson_id, run_ids, release

    def run(self, quick, seeds, settings, runner, on_start):
        if self.release is not None:
            assert self.release.wait(30)
        return Outcome(self.id, {"a": {"accuracy": [0.5] * len(self.run_ids)}}, run_ids={"a": self.run_ids})


def test_a_finished_lesson_run_is_saved():
    job = jobs.LessonJob(FakeLesson("fake.finished", ["r1", "r2"]), False, (0, 1), {},
                         FakeRunner({"r1": "finished", "r2": "finished"})).wait(30)
    assert job.status == "finished" and jobs.outcome_path(job.key).exists()


def test_an_outcome_with_a_run_that_did_not_finish_is_not_saved():
    job = jobs.LessonJob(FakeLesson("fake.partial", ["r1", "r2"]), False, (0, 1), {},
                         FakeRunner({"r1": "finished", "r2": "stopped"})).wait(30)
    assert job.status == "stopped" and "r2 (stopped)" in job.error
    assert not jobs.outcome_path(job.key).exists()


def test_a_stopped_lesson_is_not_saved_even_when_its_runs_report_finished():
    release = threading.Event()
    job = jobs.LessonJob(FakeLesson("fake.stopped", ["r1"], release), False, (0,), {}, FakeRunner({"r1": "finished"}))
    job.stop()
    release.set()
    job.wait(30)
    assert job.status == "stopped" and not jobs.outcome_path(job.key).exists()


# ---------------------------------------------------------------- settings read from a link


@pytest.mark.parametrize("text, default, expected", [
    ("12", 5, 12), ("12.0", 5, 12), ("0.25", 0.05, 0.25), ("1e-3", 1e-4, 1e-3), ("true", False, True),
    ("0", True, False), ("[16, 32]", [32, 64], [16, 32]), ('{"a": 1}', {}, {"a": 1}), ("anything", "x", "anything"),
])
def test_link_settings_are_read_as_the_type_of_their_default(text, default, expected):
    value = parse_setting(text, default)
    assert value == expected and type(value) is type(expected)
    assert parse_setting(setting_text(value), default) == value


@pytest.mark.parametrize("text, default, problem", [
    ("abc", 5, "expected a number"), ("2.5", 5, "whole number"), ("-3", 5, "negative"), ("nan", 0.1, "out of range"),
    ("1e400", 0.1, "out of range"), ("9" * 20, 5, "out of range"), ("maybe", True, "true or false"),
    ("[16, oops", [32], "not valid JSON"), ("5", [32], "JSON list"), ("[1]", {}, "JSON object"),
])
def test_malformed_link_settings_raise_a_clear_error(text, default, problem):
    with pytest.raises(ValueError, match=problem):
        parse_setting(text, default)
