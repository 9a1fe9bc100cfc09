"""Lessons: interview questions about pre-training and fine-tuning, each answered by an experiment you run here.

The lesson, its settings, the mode, the guess and the language live in the page URL, so a link reopens the lesson
as it was; a finished experiment's results are saved, so the reopened link shows them without re-running.
"""
import json

import streamlit as st

from workbench import lessons
from workbench.lessons.jobs import LessonJob, load_outcome, outcome_key
from workbench.ui.common import REFRESH_SECONDS, runner, show_error

params = st.query_params
lang = st.segmented_control("Language / 语言", ["en", "zh"], default=params.get("lang", "en"),
                            format_func={"en": "English", "zh": "中文"}.get, key="lessons.lang") or "en"
T = lessons.T
st.title(T("Interview walkthroughs", "面试题实验讲解")(lang))
st.caption(T("Each question is answered by a small controlled experiment; the takeaway quotes the numbers you "
             "measure. Guess first, then run.", "每道题都用一个小型对照实验来回答；结论引用你亲手测得的数字。先猜，再运行。")(lang))


@st.cache_resource
def lesson_jobs() -> dict:
    """Running and finished lesson jobs of this server, shared by every browser session."""
    return {}


# ---------------------------------------------------------------- choose a lesson
bank = lessons.all_lessons()
topics = list(lessons.TOPICS)
left, right = st.columns([1, 2])
topic = left.selectbox(T("Topic", "主题")(lang), ["all"] + topics, key="lessons.topic",
                       format_func=lambda t: T("All topics", "全部主题")(lang) if t == "all" else lessons.TOPICS[t](lang))
query = right.text_input(T("Search", "搜索")(lang), key="lessons.search")
found = [l.id for l in lessons.search(query) if topic == "all" or l.topic == topic]
if not found:
    st.info(T("No lesson matches; clear the search.", "没有匹配的题目；请清空搜索。")(lang))
    st.stop()
wanted = params.get("lesson")
lesson_id = st.selectbox(T("Question", "题目")(lang), found, index=found.index(wanted) if wanted in found else 0,
                         format_func=lambda i: f"{i} · {bank[i].title(lang)}", key="lessons.pick")
lesson = bank[lesson_id]

st.subheader(lesson.title(lang))
st.markdown(f"**{T('Question', '问题')(lang)}.** {lesson.question(lang)}")
with st.expander(T("Short answer", "简要回答")(lang), expanded=False):
    st.write(lesson.answer(lang))
    if lesson.sources:
        st.caption(T("Asked in the source notes: ", "来源笔记中的位置：")(lang) + lesson.sources)

# ---------------------------------------------------------------- settings, mode and guess (all in the URL)
settings = {}
if lesson.settings:
    cols = st.columns(len(lesson.settings))
    for col, (name, default) in zip(cols, lesson.settings.items()):
        raw = params.get(f"s.{name}") if params.get("lesson") == lesson_id else None
        kind = type(default)
        if kind in (list, dict):    # e.g. lengths [32, 64, 128]: edited and kept in the URL as JSON
            text = col.text_input(name.replace("_", " "), value=raw or json.dumps(default),
                                  key=f"lessons.{lesson_id}.{name}")
            try:
                settings[name] = json.loads(text)
            except ValueError:
                col.error(T(f"{name}: not valid JSON, e.g. {json.dumps(default)}",
                            f"{name}：不是有效的 JSON，例如 {json.dumps(default)}")(lang))
                st.stop()
            continue
        value = kind(raw) if raw is not None else default
        if kind is bool:
            settings[name] = col.checkbox(name.replace("_", " "), value=raw in ("True", "true", "1") if raw else default,
                                          key=f"lessons.{lesson_id}.{name}")
        elif kind in (int, float):
            settings[name] = col.number_input(name.replace("_", " "), value=value, key=f"lessons.{lesson_id}.{name}",
                                              format="%g" if kind is float else "%d")
        else:
            settings[name] = col.text_input(name.replace("_", " "), value=str(value), key=f"lessons.{lesson_id}.{name}")
mode = st.radio(T("Mode", "模式")(lang), ["quick", "full"], horizontal=True, key="lessons.mode",
                index=0 if params.get("mode", "quick") == "quick" else 1,
                format_func=lambda m: {"quick": T("quick (seconds, tiny runs)", "快速（几秒，小规模）"),
                                       "full": T(f"full ({lesson.repeats} seeds, up to ~2 min)",
                                                 f"完整（{lesson.repeats} 个种子，约 2 分钟内）")}[m](lang))
quick = mode == "quick"
seeds = (0,) if quick or lesson.demo_only else tuple(range(lesson.repeats))

guess = None
if lesson.quiz:
    choices = list(lesson.quiz.choices)
    saved_guess = params.get("guess") if params.get("lesson") == lesson_id else None
    guess = st.radio(T("Your prediction: ", "你的预测：")(lang) + lesson.quiz.prompt(lang), choices,
                     index=choices.index(saved_guess) if saved_guess in choices else None,
                     format_func=lambda c: lesson.quiz.choices[c](lang), key=f"lessons.{lesson_id}.guess")

params.clear()
params.update({"lesson": lesson_id, "lang": lang, "mode": mode,
               **{f"s.{k}": json.dumps(v) if isinstance(v, (list, dict)) else str(v) for k, v in settings.items()},
               **({"guess": guess} if guess else {})})

# ---------------------------------------------------------------- run, watch, reveal
key = outcome_key(lesson_id, quick, seeds, settings)
jobs = lesson_jobs()
job = jobs.get(key)
if st.button(T("▶ Run the experiment", "▶ 运行实验")(lang), type="primary", key="lessons.run",
             disabled=job is not None and job.status == "running"):
    try:
        job = jobs[key] = LessonJob(lesson, quick, seeds, settings, runner())
    except Exception as err:
        show_error(err)


def draw_outcome(outcome) -> None:
    st.markdown(f"### {T('Takeaway', '结论')(lang)}")
    st.success(lesson.takeaway(outcome, lang))
    if lesson.quiz:
        reveal = lesson.quiz.reveal(outcome, guess, lang)
        (st.info if guess is None else st.success if reveal["right"] else st.warning)(reveal["text"])
        if guess is not None:
            st.session_state.setdefault("lessons.score", {})[lesson_id] = reveal["right"]
    for i, (title, fig) in enumerate(lesson.figures(outcome, lang)):
        st.markdown(f"**{title}**")
        st.plotly_chart(fig, key=f"lessons.fig.{i}")
    with st.expander(T("Measured numbers", "测得的数字")(lang)):
        st.dataframe(outcome.table())
        if outcome.extra:
            st.json(outcome.extra, expanded=False)
        ids = [i for run_ids in outcome.run_ids.values() for i in run_ids]
        if ids:
            st.caption(T("Runs (see Runs & compare): ", "对应的训练记录（见 Runs & compare 页）：")(lang) + ", ".join(ids))


@st.fragment(run_every=2 * REFRESH_SECONDS)
def watch(job: LessonJob) -> None:
    if job.status == "running":
        st.info(T(f"Running ... {len(job.started)} run(s) started: ", f"运行中……已开始 {len(job.started)} 个训练：")(lang)
                + ", ".join(f"{name} ({run_id})" for name, run_id in job.started))
        if st.button(T("Stop", "停止")(lang), key="lessons.stop"):
            job.stop()
    else:
        st.rerun()


if job is not None and job.status == "running":
    watch(job)
elif job is not None and job.status == "failed":
    st.error(T("The experiment failed: ", "实验失败：")(lang) + str(job.error))
else:
    outcome = job.outcome if job is not None and job.outcome is not None else load_outcome(key, runner().store)
    if outcome is not None:
        draw_outcome(outcome)
    else:
        st.caption(T("Not run yet with these settings.", "尚未用这些设置运行过。")(lang))

# ---------------------------------------------------------------- corrections of the source notes
for i, correction in enumerate(lesson.corrections):
    with st.expander(T("Correcting the source notes", "纠正来源笔记")(lang) + f" ({correction.source})"):
        st.markdown(f"**{T('They say', '原文说')(lang)}:** {correction.claim(lang)}")
        st.markdown(f"**{T('Right', '正确的是')(lang)}:** {correction.right(lang)}")
        if correction.demo is not None and st.button(T("Reproduce and measure", "复现并测量")(lang),
                                                     key=f"lessons.fix.{lesson_id}.{i}"):
            try:
                values = correction.demo()
                st.success(correction.verdict(values, lang) if correction.verdict else str(values))
                st.json(values, expanded=False)
            except Exception as err:
                show_error(err)

score = st.session_state.get("lessons.score", {})
if score:
    st.sidebar.metric(T("Prediction score", "预测得分")(lang), f"{sum(score.values())} / {len(score)}")
