"""Every lesson's 30-second spoken answer and its two follow-up questions: present, in both languages, short enough
to say in half a minute, and shown where the lesson is shown."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from workbench import lessons
from workbench.lessons import interview

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def spoken_units(text: str) -> int:
    """Length of a Chinese text as said aloud: each character or punctuation mark counts one, and so does each Latin
    word or number (so 'FlashAttention' or '1e-5' is one unit, not many characters)."""
    return len(re.sub(r"\s+", "", re.sub(r"[A-Za-z0-9][A-Za-z0-9_.\-/+']*", "W", text)))


def test_every_lesson_has_a_spoken_answer_and_two_follow_ups_in_both_languages():
    assert set(interview.all_notes()) == set(lessons.MAP_IDS) == set(lessons.all_lessons())
    for lesson_id in lessons.MAP_IDS:
        spoken = lessons.spoken_answer(lesson_id)
        assert spoken.en.strip() and spoken.zh.strip(), lesson_id
        assert len(spoken.en.split()) <= 85, f"{lesson_id}: {len(spoken.en.split())} English words"
        assert spoken_units(spoken.zh) <= 170, f"{lesson_id}: Chinese answer of {spoken_units(spoken.zh)} units"
        follow = lessons.follow_ups(lesson_id)
        assert len(follow) == 2, lesson_id
        texts = [spoken] + [f.question for f in follow] + [f.answer for f in follow]
        for text in texts:
            assert text.en.strip() and text.zh.strip(), lesson_id
            assert CHINESE.search(text.zh), f"{lesson_id}: Chinese text has no Chinese: {text.zh!r}"
            assert not CHINESE.search(text.en), f"{lesson_id}: English text has Chinese: {text.en!r}"
            assert text.zh == text.zh.strip() and text.en == text.en.strip(), lesson_id
        for f in follow:
            assert f.question.en.endswith("?") or f.question.en.endswith("."), lesson_id
            assert 1 <= len(re.findall(r"[.?!](?:\s|$)", f.answer.en)) <= 3, f"{lesson_id}: {f.answer.en!r}"
            assert len(f.answer.zh) <= 160, f"{lesson_id}: follow-up answer too long"


def test_interview_notes_of_an_unknown_lesson_are_refused():
    with pytest.raises(KeyError, match="No interview notes"):
        lessons.spoken_answer("concept.99")


def test_interview_notes_lines_fit_in_120_columns():
    import unicodedata
    package = Path(interview.__file__).parent
    width = lambda line: sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)  # noqa: E731
    for path in [package / "interview.py", *sorted(package.glob("*/notes.py"))]:
        assert max(width(line) for line in path.read_text(encoding="utf-8").splitlines()) <= 120, path


def test_the_notebook_lesson_panel_shows_the_spoken_answer_and_follow_ups():
    pytest.importorskip("ipywidgets")
    from workbench.ui.widgets import LessonPanel
    panel = LessonPanel("eval.4", lang="en", quick=True)
    assert "30-second answer and follow-ups" in panel.text.value
    assert "Follow-up 2." in panel.text.value and "142" in panel.text.value
    panel.lang.value = "zh"
    assert "30 秒回答与追问" in panel.text.value and "追问 1." in panel.text.value


def test_the_lessons_page_shows_the_spoken_answer_and_follow_ups():
    pytest.importorskip("streamlit")
    from streamlit.testing.v1 import AppTest
    pages = Path(__file__).resolve().parents[1] / "workbench" / "ui" / "views"
    at = AppTest.from_file(str(pages / "lessons.py"), default_timeout=60)
    at.query_params.update({"lesson": "eval.4", "lang": "zh"})
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    assert "30 秒回答与追问" in [e.label for e in at.expander]
    shown = " ".join(m.value for m in at.markdown)
    assert lessons.spoken_answer("eval.4").zh in shown and "**追问 2.**" in shown
