"""Interview walkthroughs: one lesson per question of the interview map, each answered by an experiment.

`get("concept.2").run(quick=True)` trains the lesson's runs and returns an Outcome; `lesson.takeaway(outcome, "en")`
says what the numbers show; `spoken_answer(id)` and `follow_ups(id)` give the 30-second answer and the likely
follow-up questions. Each topic package (`TOPIC_PACKAGES`: concepts/, data/, training/, ...) lists its lessons
in `LESSONS` and keeps their interview notes in `notes.py`; `base`, `support` and `figures` are what lessons share,
`jobs` runs a lesson in the background.

Lessons sit above the lab, apps, llm, core, analysis and speed layers and may use all of them; they import no UI
library (the pages and widgets in workbench.ui show them).
"""
from __future__ import annotations

import importlib

from .base import LANGS, TOPIC_PACKAGES, Correction, Lesson, LessonContext, Outcome, Quiz, T
from .interview import FollowUp, follow_ups, spoken_answer

# The question ids of ../shared/INTERVIEW_MAP.md, kept here so the package works without that file.
MAP_IDS = (
    "concept.1", "concept.2", "concept.3", "concept.4", "concept.5", "concept.6", "concept.7",
    "data.1", "data.2", "data.3", "data.4", "data.5", "data.6", "data.7", "data.8", "data.9",
    "train.1", "train.2", "train.3", "train.4", "train.5", "train.6", "train.7", "train.8", "train.9", "train.10",
    "eval.1", "eval.2", "eval.3", "eval.4", "eval.5", "eval.6",
    "explain.1",
    "app.1", "app.2", "app.3", "app.4", "app.5", "app.6", "app.7",
    "deploy.1", "deploy.2", "deploy.3",
    "llm.1", "llm.2", "llm.3", "llm.4", "llm.5",
)
TOPICS = {
    "concept": T("Concepts", "基本概念"), "data": T("Data", "数据"), "train": T("Training", "训练"),
    "eval": T("Evaluation", "评估"), "explain": T("Explainability", "可解释性"), "app": T("Applications", "应用"),
    "deploy": T("Deployment and lifecycle", "部署与生命周期"), "llm": T("LLM fine-tuning", "大模型微调"),
}
# Topics added by the workbench's own issues after the interview map was written (issue #20: llm).
BEYOND_MAP = ("llm",)

_REGISTRY: dict[str, Lesson] = {}


def all_lessons() -> dict[str, Lesson]:
    """Every lesson by id, in map order."""
    if not _REGISTRY:
        found = {}
        for module in TOPIC_PACKAGES:
            for lesson in importlib.import_module(f".{module}", __name__).LESSONS:
                if lesson.id in found:
                    raise RuntimeError(f"Lesson id {lesson.id} is defined twice.")
                found[lesson.id] = lesson
        order = {lesson_id: i for i, lesson_id in enumerate(MAP_IDS)}
        _REGISTRY.update(sorted(found.items(), key=lambda item: order.get(item[0], len(order))))
    return _REGISTRY


def get(lesson_id: str) -> Lesson:
    lessons = all_lessons()
    if lesson_id not in lessons:
        raise KeyError(f"No lesson {lesson_id!r}. Lessons: {', '.join(lessons)}.")
    return lessons[lesson_id]


def search(text: str, lang: str = "en") -> list[Lesson]:
    """Lessons whose id, title, question or answer mention the text (case-insensitive), in either language."""
    needle = text.strip().lower()
    return [lesson for lesson in all_lessons().values()
            if not needle or any(needle in s.lower() for s in (
                lesson.id, lesson.title.en, lesson.title.zh, lesson.question.en, lesson.question.zh,
                lesson.answer.en, lesson.answer.zh))]


__all__ = ["MAP_IDS", "TOPICS", "LANGS", "T", "Lesson", "LessonContext", "Outcome", "Quiz", "Correction",
           "FollowUp", "all_lessons", "get", "search", "spoken_answer", "follow_ups"]
