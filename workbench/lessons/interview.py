"""Interview delivery for every lesson: a 30-second spoken answer and two follow-up questions an interviewer is
likely to ask next, each with a short answer, in English and Chinese.

A lesson's `answer` is the reference text to read; its spoken answer is what to say aloud in about half a minute (at
most about 80 English words, or about 160 Chinese characters with each Latin word or number counted once), and it
agrees with the answer and with what the lesson's experiment measures. The data is keyed by lesson id;
`spoken_answer(lesson_id)` and `follow_ups(lesson_id)` look it up (also exported by `workbench.lessons`).
"""
from __future__ import annotations

import functools
import importlib
from dataclasses import dataclass

from .base import TOPIC_PACKAGES, T


@dataclass(frozen=True)
class FollowUp:
    """A question an interviewer may ask next, and a short answer (one to three sentences)."""
    question: T
    answer: T


@dataclass(frozen=True)
class InterviewNotes:
    """What to say in 30 seconds, and the two follow-ups that usually come next."""
    spoken: T
    follow_ups: tuple[FollowUp, ...]


def _notes(spoken: T, *follow_ups: tuple[T, T]) -> InterviewNotes:
    return InterviewNotes(spoken, tuple(FollowUp(question, answer) for question, answer in follow_ups))


@functools.cache
def all_notes() -> dict[str, InterviewNotes]:
    """Every lesson's notes by id, read on first use from each topic package's `notes`, where they are kept as
    (spoken, (question, answer), (question, answer))."""
    found = {}
    for package in TOPIC_PACKAGES:
        for lesson_id, (spoken, *follow) in importlib.import_module(f".{package}.notes", __package__).NOTES.items():
            found[lesson_id] = _notes(spoken, *follow)
    return found


def notes(lesson_id: str) -> InterviewNotes:
    """The spoken answer and follow-ups of one lesson."""
    known = all_notes()
    if lesson_id not in known:
        raise KeyError(f"No interview notes for lesson {lesson_id!r}; they exist for: {', '.join(known)}.")
    return known[lesson_id]


def spoken_answer(lesson_id: str) -> T:
    """The lesson's answer as said aloud in about 30 seconds."""
    return notes(lesson_id).spoken


def follow_ups(lesson_id: str) -> tuple[FollowUp, ...]:
    """The two questions an interviewer is likely to ask next, with short answers."""
    return notes(lesson_id).follow_ups
