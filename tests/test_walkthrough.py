"""The interview walkthrough notebook's prose, built from the lesson bank: one representative lesson per topic,
question and quiz before the run, takeaway, answers and follow-ups after it, the rest of the topic listed with a
snippet to run each; and the committed notebook is what scripts/make_notebooks.py writes."""
from __future__ import annotations

import dataclasses
import importlib.util
from pathlib import Path

import nbformat
import pytest

from workbench import lessons
from workbench.ui import walkthrough as wt
from workbench.lessons.base import Outcome

ROOT = Path(__file__).resolve().parents[1]
APP_7_SAMPLES = {"mlp": {"accuracy": [0.97, 0.98, 0.97, 0.98, 0.97]},
                 "logistic": {"accuracy": [0.90, 0.91, 0.90, 0.91, 0.90]}}


def test_every_topic_has_a_representative_of_that_topic():
    assert list(wt.REPRESENTATIVES) == list(lessons.TOPICS)
    for topic, lesson_id in wt.REPRESENTATIVES.items():
        assert lessons.get(lesson_id).topic == topic


def test_topic_lessons_cover_the_bank_once_in_map_order():
    grouped = [lesson.id for topic in lessons.TOPICS for lesson in wt.topic_lessons(topic)]
    assert grouped == list(lessons.all_lessons())
    with pytest.raises(KeyError, match="No topic"):
        wt.topic_lessons("nope")


@pytest.mark.parametrize("lang", lessons.LANGS)
def test_question_quotes_the_bank_and_the_settings_in_the_prompt(lang):
    lesson = lessons.get("data.3")
    text = wt.question_md("data.3", lang)
    assert text.startswith(f"### data.3 · {lesson.title(lang)}")
    assert lesson.question(lang) in text
    assert lesson.quiz.prompt_for(lesson.settings, lang) in text
    for key, choice in lesson.quiz.choices.items():
        assert f"- `{key!r}`: {choice(lang)}" in text
    changed = wt.question_md("data.3", lang, settings={"keep_share": 0.25})
    assert "25%" in changed and "keep_share=0.25" in changed


def test_a_lesson_without_a_quiz_says_so():
    assert lessons.get("data.2").quiz is None
    assert "no quiz" in wt.question_md("data.2", "en")


@pytest.mark.parametrize("lang", lessons.LANGS)
def test_result_has_takeaway_quiz_answer_spoken_answer_and_follow_ups(lang):
    lesson = lessons.get("app.7")
    outcome = Outcome("app.7", APP_7_SAMPLES)
    guess = next(iter(lesson.quiz.choices))
    text = wt.result_md("app.7", outcome, guess, lang)
    assert lesson.takeaway(outcome, lang) in text
    assert lesson.quiz.reveal(outcome, guess, lang)["text"] in text
    assert lesson.answer(lang) in text and lessons.spoken_answer("app.7")(lang) in text
    for follow_up in lessons.follow_ups("app.7"):
        assert follow_up.question(lang) in text and follow_up.answer(lang) in text
    assert "quick mode" not in wt.result_md("app.7", outcome, guess, "en")
    quick = Outcome("app.7", APP_7_SAMPLES, quick=True)
    assert "quick mode" in wt.result_md("app.7", quick, None, "en")


def test_result_shows_the_corrections_of_the_source_notes():
    lesson = next(l for l in lessons.all_lessons().values() if l.corrections)
    outcome = Outcome(lesson.id, {}, quick=True)      # quick: the takeaway is the smoke-run sentence
    lesson = dataclasses.replace(lesson, quiz=None)     # no quiz to grade on an empty outcome
    text = wt.result_md(lesson, outcome, None, "en")
    for correction in lesson.corrections:
        assert correction.claim("en") in text and correction.right("en") in text


@pytest.mark.parametrize("lang", lessons.LANGS)
def test_others_list_the_rest_of_the_topic_with_a_snippet(lang):
    text = wt.others_md("data", lang)
    for lesson in wt.topic_lessons("data"):
        if lesson.id == wt.REPRESENTATIVES["data"]:
            assert f"**{lesson.id} · " not in text
        else:
            assert lesson.question(lang) in text and f"`walk('{lesson.id}', LANG)`" in text
    assert "walk(" not in wt.others_md("explain", lang)     # a topic with one lesson has nothing else to list


def test_contents_name_every_topic_and_its_walked_lesson():
    text = wt.contents_md("zh")
    for topic, name in lessons.TOPICS.items():
        assert name.zh in text and wt.REPRESENTATIVES[topic] in text


def test_prose_renders_as_markdown_and_prints_as_text():
    prose = wt.show_question("concept.1", "en")
    assert prose._repr_markdown_() == str(prose) == repr(prose) == wt.question_md("concept.1", "en")


def test_walk_runs_shows_and_returns_the_outcome(monkeypatch):
    pytest.importorskip("IPython")
    lesson = lessons.get("app.7")
    shown = []
    monkeypatch.setattr("IPython.display.display", lambda obj: shown.append(obj))
    monkeypatch.setattr(type(lesson), "run", lambda self, quick=None, settings=None: Outcome(self.id, APP_7_SAMPLES))
    monkeypatch.setattr(wt, "show_figures", lambda lesson, outcome, lang: shown.append("figures"))
    outcome = wt.walk("app.7", "en", guess="mlp" if "mlp" in lesson.quiz.choices else None, quick=False)
    assert outcome.samples == APP_7_SAMPLES
    assert isinstance(shown[0], wt.Prose) and lesson.question("en") in str(shown[0])
    assert [type(x).__name__ for x in shown] == ["Prose", "DataFrame", "str", "Prose"]
    assert shown[2] == "figures" and lesson.takeaway(outcome, "en") in str(shown[-1])


def test_the_committed_notebook_is_what_make_notebooks_writes():
    spec = importlib.util.spec_from_file_location("make_notebooks", ROOT / "scripts" / "make_notebooks.py")
    make = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make)
    name = "10_interview_walkthroughs"
    built = make.build(name, make.NOTEBOOKS[name])
    committed = nbformat.read(ROOT / "notebooks" / f"{name}.ipynb", as_version=4)
    assert [(c.cell_type, c.source) for c in committed.cells] == [(c.cell_type, c.source) for c in built.cells]
    sources = "\n".join(c.source for c in built.cells)
    for topic, lesson_id in wt.REPRESENTATIVES.items():
        assert f"'{lesson_id}'" in sources and f"show_others('{topic}'" in sources
    assert "LessonPanel" in built.cells[-1].source


def test_quiet_libraries_silences_progress_bars_and_restores_them():
    import datasets
    import transformers
    hf, ds = transformers.utils.logging, datasets.utils.logging
    before = (ds.is_progress_bar_enabled(), hf.is_progress_bar_enabled(), hf.get_verbosity())
    with wt.quiet_libraries():
        assert not ds.is_progress_bar_enabled() and not hf.is_progress_bar_enabled()
        assert hf.get_verbosity() == hf.ERROR
    assert (ds.is_progress_bar_enabled(), hf.is_progress_bar_enabled(), hf.get_verbosity()) == before


def test_figures_carry_html_for_an_exported_notebook(monkeypatch):
    shown = []
    monkeypatch.setattr("plotly.graph_objects.Figure.show", lambda fig, renderer=None: shown.append((fig, renderer)))
    outcome = Outcome("app.7", APP_7_SAMPLES)
    wt.show_figures("app.7", outcome, "en")
    titles = [title for title, _ in lessons.get("app.7").figures(outcome, "en")]
    assert [fig.layout.title.text for fig, _ in shown] == titles and titles
    assert all(renderer == wt.FIGURE_RENDERER for _, renderer in shown) and "notebook" in wt.FIGURE_RENDERER
