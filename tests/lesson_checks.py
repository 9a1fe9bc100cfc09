"""What every lesson test checks of a takeaway: an English and a Chinese sentence, and figures that draw."""
from __future__ import annotations

import re

from workbench import lessons
from workbench.lessons.base import Outcome

CHINESE = re.compile(r"[\u4e00-\u9fff]")


def takeaways(lesson_id: str, outcome: Outcome, draw_figures: bool = True) -> tuple[str, str]:
    """(English, Chinese) takeaways of one outcome, after checking both exist and (optionally) the figures draw."""
    lesson = lessons.get(lesson_id)
    en, zh = lesson.takeaway(outcome, "en"), lesson.takeaway(outcome, "zh")
    assert en.strip() and CHINESE.search(zh), (lesson_id, zh)
    if draw_figures:
        for title, fig in lesson.figures(outcome, "en"):
            assert title and fig.data, f"{lesson_id}: empty figure {title!r}"
    return en, zh


def quiz_answers(lesson_id: str, *outcomes: Outcome) -> tuple[str, ...]:
    """The quiz's right answer for each outcome, as the lesson reveals it after a guess."""
    quiz = lessons.get(lesson_id).quiz
    return tuple(quiz.reveal(outcome, None)["correct"] for outcome in outcomes)
