"""Lessons: interview questions about pre-training and fine-tuning, each answered by an experiment you run here.

The lesson, its settings, the mode, the guess and the language live in the page URL, so a link reopens the lesson
as it was; a finished experiment's results are saved, so the reopened link shows them without re-running.
"""
import json

import streamlit as st

from workbench import lessons
from workbench.lessons.jobs import LessonJob, load_outcome, outcome_key
from workbench.lessons.settings_text import parse_setting, setting_text
from workbench.ui.common import REFRESH_SECONDS, runner, show_error
from workbench.ui.lab_jobs import remember_job

params = st.query_params
lang = st.segmented_control("Language / 语言", ["en", "zh"],
                            default=params.get("lang") if params.get("lang") in ("en", "zh") else "en",
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
with st.expander(T("30-second answer and follow-ups", "30 秒回答与追问")(lang), expanded=False):
    st.write(lessons.spoken_answer(lesson_id)(lang))
    for number, follow_up in enumerate(lessons.follow_ups(lesson_id), 1):
        st.markdown(f"**{T('Follow-up', '追问')(lang)} {number}.** {follow_up.question(lang)}")
        st.write(follow_up.answer(lang))

# ---------------------------------------------------------------- settings, mode and guess (all in the URL)


def url_setting(name: str, default):
    """The setting as the page's link gives it, or the default (with a warning) where the link's value is malformed."""
    raw = params.get(f"s.{name}") if params.get("lesson") == lesson_id else None
    if raw is None:
        return default
    try:
        return parse_setting(raw, default)
    except ValueError as err:
        st.warning(T(f"The link's value for {name} was ignored ({err}); using the default, {setting_text(default)}.",
                     f"链接中 {name} 的值无效，已忽略（{err}）；改用默认值 {setting_text(default)}。")(lang))
        return default


settings = {}
if lesson.settings:
    cols = st.columns(len(lesson.settings))
    for col, (name, default) in zip(cols, lesson.settings.items()):
        value = url_setting(name, default)
        kind = type(default)
        if kind in (list, dict):    # e.g. lengths [32, 64, 128]: edited and kept in the URL as JSON
            text = col.text_input(name.replace("_", " "), value=json.dumps(value),
                                  key=f"lessons.{lesson_id}.{name}")
            try:
                settings[name] = json.loads(text)
            except ValueError:
                col.error(T(f"{name}: not valid JSON, e.g. {json.dumps(default)}",
                            f"{name}：不是有效的 JSON，例如 {json.dumps(default)}")(lang))
                st.stop()
            continue
        if kind is bool:
            settings[name] = col.checkbox(name.replace("_", " "), value=value, key=f"lessons.{lesson_id}.{name}")
        elif kind in (int, float):
            settings[name] = col.number_input(name.replace("_", " "), value=value, key=f"lessons.{lesson_id}.{name}",
                                              format="%g" if kind is float else "%d")
        else:
            settings[name] = col.text_input(name.replace("_", " "), value=str(value), key=f"lessons.{lesson_id}.{name}")
mode = st.radio(T("Mode", "模式")(lang), ["quick", "full"], horizontal=True, key="lessons.mode",
                index=0 if params.get("mode", "quick") == "quick" else 1,
                format_func=lambda m: {"quick": T("quick (seconds, tiny runs)", "快速（几秒，小规模）"),
                                       "full": T(f"full ({lesson.repeats} seeds, up to ~{lesson.time_budget_s // 60} min)",
                                                 f"完整（{lesson.repeats} 个种子，约 {lesson.time_budget_s // 60} 分钟内）")}[m](lang))
if lesson.budget_note is not None:
    st.caption(T("Why full mode takes longer here: ", "为什么本课完整模式更久：")(lang) + lesson.budget_note(lang))
quick = mode == "quick"
seeds = (0,) if quick or lesson.demo_only else tuple(range(lesson.repeats))

key = outcome_key(lesson_id, quick, seeds, settings)


# ---------------------------------------------------------------- the quiz: guess and lock before any result shows
# Per browser session: the locked guess per outcome key, the keys whose quiz was skipped, and the score per lesson
# (set by the first locked guess graded on a full-mode result; later guesses never change it).
LOCKED, SKIPPED, SCORE = "lessons.locked", "lessons.skipped", "lessons.score"


def quiz_prompt() -> str:
    try:
        return lesson.quiz.prompt_for(settings, lang)
    except Exception as err:     # e.g. a setting the prompt's facts cannot use
        show_error(err)
        st.stop()


def choice_name(choice: str) -> str:
    return lesson.quiz.choices[choice](lang)


def ask_for_a_guess() -> str | None:
    """The prediction radio with Lock / Skip buttons; the locked guess (None when skipped or not locked yet)."""
    choices, label = list(lesson.quiz.choices), T("Your prediction: ", "你的预测：")(lang) + quiz_prompt()
    locked = st.session_state.setdefault(LOCKED, {}).get(key)
    if locked is not None or key in st.session_state.setdefault(SKIPPED, set()):
        st.radio(label, choices, index=choices.index(locked) if locked else None, format_func=choice_name,
                 disabled=True, key=f"lessons.{key}.locked")
        return locked
    saved_guess = params.get("guess") if params.get("lesson") == lesson_id else None
    guess = st.radio(label, choices, index=choices.index(saved_guess) if saved_guess in choices else None,
                     format_func=choice_name, key=f"lessons.{lesson_id}.guess")
    lock, skip = st.columns(2)
    if lock.button(T("🔒 Lock my guess", "🔒 锁定我的预测")(lang), key="lessons.lock", disabled=guess is None):
        st.session_state[LOCKED][key] = guess
        st.rerun()
    if skip.button(T("Skip the quiz, just show me", "跳过预测，直接看结果")(lang), key="lessons.skip"):
        st.session_state[SKIPPED].add(key)
        st.rerun()
    st.caption(T("Lock a guess (or skip the quiz) to run the experiment or see a saved result; only your first "
                 "locked guess per lesson counts, and quick-mode results are not scored.",
                 "锁定预测（或跳过预测）后才能运行实验或查看已保存的结果；每课只计第一次锁定的预测，快速模式的结果不计分。")(lang))
    return None


guess = ask_for_a_guess() if lesson.quiz else None
ready = lesson.quiz is None or guess is not None or key in st.session_state.get(SKIPPED, set())

params.clear()
params.update({"lesson": lesson_id, "lang": lang, "mode": mode,
               **{f"s.{k}": setting_text(v) for k, v in settings.items()},
               **({"guess": guess} if guess else {})})

# ---------------------------------------------------------------- run, watch, reveal
jobs = lesson_jobs()
job = jobs.get(key)
if st.button(T("▶ Run the experiment", "▶ 运行实验")(lang), type="primary", key="lessons.run",
             disabled=not ready or (job is not None and job.status == "running")):
    try:
        job = LessonJob(lesson, quick, seeds, settings, runner())
        remember_job(jobs, key, job)
    except Exception as err:
        show_error(err)


def grade(outcome) -> None:
    """The measured answer against the locked guess; the lesson's score is set once, by a full-mode result."""
    reveal = lesson.quiz.reveal(outcome, guess, lang)
    (st.info if guess is None else st.success if reveal["right"] else st.warning)(reveal["text"])
    if guess is None:
        return
    if quick or outcome.quick:
        st.caption(T("Quick mode: not scored.", "快速模式：不计分。")(lang))
        return
    scored = st.session_state.setdefault(SCORE, {}).setdefault(lesson_id, reveal["right"])
    if scored != reveal["right"]:
        st.caption(T("Your score for this lesson was set by your first locked guess.",
                     "本课的得分由你第一次锁定的预测决定。")(lang))


def draw_outcome(outcome) -> None:
    st.markdown(f"### {T('Takeaway', '结论')(lang)}")
    st.success(lesson.takeaway(outcome, lang))
    if lesson.quiz:
        grade(outcome)
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


def show_result(outcome) -> None:
    if outcome is None:
        st.caption(T("Not run yet with these settings.", "尚未用这些设置运行过。")(lang))
    elif not ready:
        st.info(T("A result for these settings is ready: lock your guess (or skip the quiz) to see it.",
                  "这些设置已有结果：锁定你的预测（或跳过预测）即可查看。")(lang))
    else:
        try:
            draw_outcome(outcome)
        except Exception as err:   # a takeaway or figure that cannot handle these numbers must not take the page
            st.error(T("The result could not be drawn: ", "无法显示结果：")(lang) + f"{type(err).__name__}: {err}")


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
    if job is not None and job.status == "stopped":
        st.warning(T("The experiment was stopped before it finished, so its partial result was not kept",
                     "实验在完成前被停止，不完整的结果没有保存")(lang) + (f" ({job.error})." if job.error else "."))
    show_result(load_outcome(key, runner().store))

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

score = st.session_state.get(SCORE, {})
if score:
    st.sidebar.metric(T("Prediction score", "预测得分")(lang), f"{sum(score.values())} / {len(score)}")
