"""The interview walkthrough notebook (notebooks/10_interview_walkthroughs.ipynb), as prose built from the lesson bank.

Every text comes from the lessons at run time, so the notebook cannot drift from them. Each topic section walks one
representative lesson (`REPRESENTATIVES`) through question -> your guess -> run -> figures -> takeaway -> answer,
and lists the topic's other lessons with their question and a one-line `walk(...)` to run each.

The `*_md` functions return Markdown text (plain strings, testable without IPython); the `show_*` functions wrap
it in `Prose`, which a notebook displays as rendered Markdown (and a console as plain text), so the executed and
exported notebook (nbconvert to HTML) reads as prose. `walk(lesson_id)` does a whole lesson in one call.
"""
from __future__ import annotations

import time

from ..core.quiet import quiet_libraries
from ..lessons import TOPICS, all_lessons, follow_ups, get, spoken_answer
from ..lessons.base import Lesson, Outcome, T

# One lesson per topic walked in full: a classic question whose experiment is short in both modes. Full mode
# (bench/README.md): 10-49 s each, about 2.6 minutes for all seven. Quick mode on 2 busy cores: 2-14 s each except
# explain.1 (27-54 s; it is its topic's only lesson), 66-136 s for the whole notebook. All 43 in full mode: ~25 min.
REPRESENTATIVES = {
    "concept": "concept.1",    # what pre-training gives: a linear probe on frozen vs random features
    "data": "data.7",          # leakage between splits inflates the test score
    "train": "train.6",        # vanishing and exploding gradients, measured per layer
    "eval": "eval.4",          # k-fold cross-validation against one split
    "explain": "explain.1",    # SHAP and LIME on a fine-tuned MiniLM (the topic's only lesson)
    "app": "app.7",            # an MLP on tabular data against simple baselines
    "deploy": "deploy.1",      # quantisation, pruning and ONNX: size, speed and accuracy
    "llm": "llm.1",            # instruction tuning of a small LLM: format and answers before and after
}

_L = {
    "question": T("Question", "问题"), "guess": T("Your guess", "你的预测"),
    "settings": T("Settings", "设置"), "takeaway": T("Takeaway, computed from the run", "结论（由本次运行计算）"),
    "quiz": T("The quiz", "预测题"), "answer": T("Reference answer", "参考答案"),
    "spoken": T("Say it in 30 seconds", "30 秒口述回答"), "follow_up": T("Follow-up", "追问"),
    "correction": T("Correcting the source notes", "纠正来源笔记"), "they_say": T("They say", "原文说"),
    "right": T("Right", "正确的是"), "sources": T("Asked in the source notes: ", "来源笔记中的位置："),
    "no_quiz": T("This lesson has no quiz: run it and read what it measures.",
                 "本课没有预测题：运行它，看看测得了什么。"),
    "guess_hint": T("Commit to one of these keys before running: `GUESS = '...'` in the next cell, or "
                    "`walk(..., guess='...')`; `None` skips the guess.",
                    "运行前先选定其中一个键：在下一个单元格写 `GUESS = '...'`，或用 `walk(..., guess='...')`；"
                    "`None` 表示不猜。"),
    "quick_note": T(" (quick mode: a tiny smoke run, so this is not a reliable answer and is not scored)",
                    "（快速模式：只是极小规模的冒烟运行，结果不可靠，也不计分）"),
    "others": T("Other questions in this topic", "本主题的其他问题"),
    "run_it": T("Run it", "运行"), "only_one": T("This is the topic's only question.", "这是本主题唯一的问题。"),
}


def _head(key: str, lang: str, number: int | None = None) -> str:
    """A run-in heading: "Question." or "Settings:" in English, "问题：" in Chinese."""
    text = _L[key](lang) + ("" if number is None else f" {number}")
    return text + ("：" if lang == "zh" else ":" if key in ("settings", "they_say", "right", "run_it") else ".")


class Prose:
    """Markdown text that a notebook renders as Markdown and a console prints as plain text."""

    def __init__(self, text: str):
        self.text = text

    def _repr_markdown_(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return self.text

    def __str__(self) -> str:
        return self.text


def _lesson(lesson: Lesson | str) -> Lesson:
    return get(lesson) if isinstance(lesson, str) else lesson


def topic_lessons(topic: str) -> list[Lesson]:
    """The topic's lessons, in map order."""
    if topic not in TOPICS:
        raise KeyError(f"No topic {topic!r}. Topics: {', '.join(TOPICS)}.")
    return [lesson for lesson in all_lessons().values() if lesson.topic == topic]


def _snippet(lesson_id: str) -> str:
    return f"`walk('{lesson_id}', LANG)`"


def contents_md(lang: str = "en") -> str:
    """The topics with their number of lessons and the one walked through in full."""
    lines = []
    for number, (topic, name) in enumerate(TOPICS.items(), 1):
        found = topic_lessons(topic)
        walked = REPRESENTATIVES.get(topic)
        count = T(f"{len(found)} question" + ("s" if len(found) != 1 else ""), f"{len(found)} 道题")(lang)
        line = f"{number}. **{name(lang)}** — {count}"
        if walked:
            line += T(f"; walked through: {walked}, {get(walked).title(lang)}",
                      f"；完整演示：{walked}，{get(walked).title(lang)}")(lang)
        lines.append(line)
    return "\n".join(lines)


def question_md(lesson: Lesson | str, lang: str = "en", settings: dict | None = None) -> str:
    """The lesson's title, question, settings, and the quiz prompt with its choices: what to read before guessing."""
    lesson = _lesson(lesson)
    settings = {**lesson.settings, **(settings or {})}
    parts = [f"### {lesson.id} · {lesson.title(lang)}", f"**{_head('question', lang)}** {lesson.question(lang)}"]
    if settings:
        parts.append(f"*{_head('settings', lang)}* " + ", ".join(f"`{k}={v!r}`" for k, v in settings.items()))
    if lesson.quiz:
        choices = "\n".join(f"- `{key!r}`: {text(lang)}" for key, text in lesson.quiz.choices.items())
        parts.append(f"**{_head('guess', lang)}** {lesson.quiz.prompt_for(settings, lang)}\n\n{choices}\n\n"
                     f"{_L['guess_hint'](lang)}")
    else:
        parts.append(f"*{_L['no_quiz'](lang)}*")
    return "\n\n".join(parts)


def result_md(lesson: Lesson | str, outcome: Outcome, guess: str | None = None, lang: str = "en") -> str:
    """After the run: the computed takeaway, the quiz against the guess, the reference answer, the 30-second spoken
    answer with its follow-ups, and any corrections of the source notes."""
    lesson = _lesson(lesson)
    parts = [f"#### {_L['takeaway'](lang)}", lesson.takeaway(outcome, lang)]
    if lesson.quiz:
        reveal = lesson.quiz.reveal(outcome, guess, lang)
        parts.append(f"**{_head('quiz', lang)}** {reveal['text']}" + (_L["quick_note"](lang) if outcome.quick else ""))
    parts += [f"#### {_L['answer'](lang)}", lesson.answer(lang)]
    if lesson.sources:
        parts.append(f"*{_L['sources'](lang)}{lesson.sources}*")
    parts += [f"#### {_L['spoken'](lang)}", spoken_answer(lesson.id)(lang)]
    for number, follow_up in enumerate(follow_ups(lesson.id), 1):
        parts.append(f"**{_head('follow_up', lang, number)}** {follow_up.question(lang)}\n\n{follow_up.answer(lang)}")
    for correction in lesson.corrections:
        parts.append(f"#### {_L['correction'](lang)} ({correction.source})\n\n"
                     f"**{_head('they_say', lang)}** {correction.claim(lang)}\n\n"
                     f"**{_head('right', lang)}** {correction.right(lang)}")
    return "\n\n".join(parts)


def others_md(topic: str, lang: str = "en") -> str:
    """The topic's lessons other than its representative: id, title, question and a one-line snippet to run it."""
    walked = REPRESENTATIVES.get(topic)
    rest = [lesson for lesson in topic_lessons(topic) if lesson.id != walked]
    if not rest:
        return f"*{_L['only_one'](lang)}*"
    lines = [f"#### {_L['others'](lang)}"]
    for lesson in rest:
        lines.append(f"- **{lesson.id} · {lesson.title(lang)}** — {lesson.question(lang)}  \n"
                     f"  {_head('run_it', lang)} {_snippet(lesson.id)}")
    return "\n".join(lines)


# ---------------------------------------------------------------- for the notebook


def show_contents(lang: str = "en") -> Prose:
    return Prose(contents_md(lang))


def show_question(lesson: Lesson | str, lang: str = "en", settings: dict | None = None) -> Prose:
    return Prose(question_md(lesson, lang, settings))


def show_result(lesson: Lesson | str, outcome: Outcome, guess: str | None = None, lang: str = "en") -> Prose:
    return Prose(result_md(lesson, outcome, guess, lang))


def show_others(topic: str, lang: str = "en") -> Prose:
    return Prose(others_md(topic, lang))


def run_lesson(lesson: Lesson | str, quick: bool | None = None, settings: dict | None = None) -> Outcome:
    """The lesson's experiment (quick mode when WORKBENCH_QUICK=1, unless `quick` says otherwise), with one line
    saying the mode, the seeds and how long it took."""
    from ..lab.experiments import quick_mode

    lesson = _lesson(lesson)
    quick = quick_mode() if quick is None else quick
    started = time.perf_counter()
    with quiet_libraries():
        outcome = lesson.run(quick=quick, settings=settings)
    seeds = 1 if quick or lesson.demo_only else lesson.repeats
    mode = "quick mode, tiny runs" if quick else "full mode"
    print(f"{lesson.id}: {mode}, {seeds} seed(s), {time.perf_counter() - started:.0f} s")
    return outcome


# Plotly's own mimetype (interactive in JupyterLab, VS Code) plus HTML that loads plotly.js from its CDN, which is what
# an nbconvert HTML export shows: with the mimetype alone (plotly's default under a headless kernel) the export has
# no figures. "notebook" instead of "notebook_connected" would embed plotly.js (~4 MB) with every figure.
FIGURE_RENDERER = "plotly_mimetype+notebook_connected"


def show_figures(lesson: Lesson | str, outcome: Outcome, lang: str = "en") -> None:
    """Each of the lesson's figures for this outcome, titled."""
    for title, fig in _lesson(lesson).figures(outcome, lang):
        fig.update_layout(title=title)
        fig.show(renderer=FIGURE_RENDERER)


def walk(lesson_id: str, lang: str = "en", guess: str | None = None, quick: bool | None = None,
         settings: dict | None = None) -> Outcome:
    """One lesson from question to answer in one call: the question and quiz, the run with its table of measured
    numbers, the figures, then the takeaway, the quiz against `guess`, the answers and the follow-ups."""
    from IPython.display import display

    lesson = get(lesson_id)
    display(show_question(lesson, lang, settings))
    outcome = run_lesson(lesson, quick, settings)
    display(outcome.table())
    show_figures(lesson, outcome, lang)
    display(show_result(lesson, outcome, guess, lang))
    return outcome
