"""ipywidgets panels for notebooks: training, evaluation and explanation, on the same core as the app.

The worker thread only sets widget values and figure traces (throttled); it never writes into an Output area.
"""
from __future__ import annotations

import threading
import time
from dataclasses import fields

import ipywidgets as W
import numpy as np
import plotly.graph_objects as go

from ..core.config import SECTION_CLASSES, RunConfig, option_kind
from ..core.events import TERMINAL

THROTTLE_SECONDS = 0.5


def _option_widget(f, value):
    common = dict(description=f.name.replace("_", " "), description_tooltip=f.metadata["help"],
                  style={"description_width": "150px"}, layout=W.Layout(width="360px"))
    kind, _ = option_kind(f)
    if kind == "choice":
        return W.Dropdown(options=list(f.metadata["choices"]), value=value, **common)
    if kind == "bool":
        return W.Checkbox(value=bool(value), indent=False, **common)
    if kind == "ints":
        return W.Text(value=",".join(map(str, value)), **common)
    if kind in ("int", "float") and value is not None:
        return (W.IntText if kind == "int" else W.FloatText)(value=value, **common)
    return W.Text(value="" if value is None else str(value), placeholder="default", **common)


def _read(f, widget):
    """The option's value from its widget; an empty text box means the default (None)."""
    value = widget.value
    kind, _ = option_kind(f)
    if kind == "ints":
        return tuple(int(v) for v in value.split(",") if v.strip())
    if isinstance(widget, W.Text):
        if value.strip() == "":
            return None
        return {"float": float, "int": int}.get(kind, str)(value)
    return value


class TrainingPanel:
    """Options as widgets (with their help as tooltips), Start/Stop, progress with ETA, live curves, metrics.

    `TrainingPanel()` starts new runs; `TrainingPanel.watch(handle)` follows a run started from code;
    `TrainingPanel.from_run(run_id)` shows a finished run loaded from disk.
    """

    def __init__(self, config: RunConfig | None = None, runner=None, show_options: bool = True):
        from ..core.runner import get_runner

        self.runner = runner or get_runner()
        self.config = config or RunConfig()
        self.handle = None
        self._last_draw = 0.0
        self._lock = threading.Lock()
        self.option_widgets = {}
        sections = []
        for section, kind in SECTION_CLASSES.items():
            current = getattr(self.config, section)
            ws = []
            for f in fields(kind):
                w = _option_widget(f, getattr(current, f.name))
                self.option_widgets[f.name] = (f, w)
                ws.append(w)
            sections.append(W.VBox(ws))
        self.options = W.Accordion(children=sections, titles=tuple(SECTION_CLASSES))
        self.start_button = W.Button(description="Start", button_style="primary", icon="play")
        self.stop_button = W.Button(description="Stop", icon="stop", disabled=True)
        self.progress = W.IntProgress(value=0, min=0, max=1, description="steps")
        self.status = W.HTML("<b>ready</b>")
        self.timing = W.HTML("")
        self.metrics = W.HTML("")
        self.diagnoses = W.HTML("")
        self.figure = go.FigureWidget(layout=dict(height=360, xaxis_title="step", yaxis_title="value",
                                                  margin=dict(l=40, r=20, t=30, b=40)))
        self.start_button.on_click(lambda _: self.start())
        self.stop_button.on_click(lambda _: self.stop())
        controls = W.HBox([self.start_button, self.stop_button, self.progress, self.status])
        parts = ([self.options] if show_options else []) + [controls, self.timing, self.figure, self.diagnoses,
                                                            self.metrics]
        self.widget = W.VBox(parts)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    # ---- actions

    def read_config(self) -> RunConfig:
        chosen = {name: _read(f, w) for name, (f, w) in self.option_widgets.items()}
        return RunConfig.from_flat(name=self.config.name, **chosen).validate()

    def start(self):
        """Start a run with the options as set in the widgets; errors show in the status line."""
        try:
            cfg = self.read_config()
            handle = self.runner.start(cfg, subscribers=[self._on_event])
        except ValueError as err:
            self.status.value = f"<b style='color:#b00'>{err}</b>"
            return None
        self._follow(handle)
        return handle

    def stop(self):
        if self.handle is not None:
            self.handle.stop()
            self.status.value = "<b>stopping after the current step ...</b>"

    @classmethod
    def watch(cls, handle, runner=None) -> "TrainingPanel":
        panel = cls(runner=runner, show_options=False)
        handle.subscribe(panel._on_event)
        panel._follow(handle)
        return panel

    @classmethod
    def from_run(cls, run_id: str, runner=None) -> "TrainingPanel":
        panel = cls(runner=runner, show_options=False)
        panel.start_button.disabled = True
        panel.draw(panel.runner.snapshot(run_id))
        return panel

    def _follow(self, handle):
        self.handle = handle
        self.start_button.disabled = True
        self.stop_button.disabled = False
        self.draw(handle.snapshot())

    # ---- drawing (called from the worker thread, throttled)

    def _on_event(self, event, snap):
        terminal = snap["status"] in TERMINAL
        now = time.time()
        if not terminal and now - self._last_draw < THROTTLE_SECONDS:
            return
        self._last_draw = now
        self.draw(snap)

    def draw(self, snap: dict) -> None:
        with self._lock:
            status = snap["status"]
            self.progress.max = max(snap["total_steps"], 1)
            self.progress.value = min(snap["step"], self.progress.max)
            queue = f" (place {snap['queue_position']} in the queue)" if status == "queued" else ""
            if status == "queued" and snap.get("waiting_for"):
                queue = f" (waiting for {snap['waiting_for']})"
            colour = {"failed": "#b00", "finished": "#070", "stopped": "#a60"}.get(status, "#000")
            self.status.value = f"<b style='color:{colour}'>{status}</b>{queue} · run {snap['id']}"
            eta = "—" if snap["eta"] is None else f"{snap['eta']:.0f} s"
            self.timing.value = (f"step {snap['step']} / {snap['total_steps']} · elapsed {snap['elapsed']:.0f} s · "
                                 f"ETA {eta} · {snap['samples_per_second']:.1f} samples/s")
            if status == "failed":
                self.metrics.value = f"<b style='color:#b00'>{snap['error']}</b><br>Try: {snap['hint']}"
            self._draw_curves(snap["history"])
            self.diagnoses.value = _diagnoses_html(snap.get("diagnoses", []))
            test = (snap.get("metrics") or {}).get("test")
            if test:
                self.metrics.value = "<b>test</b> " + " · ".join(
                    f"{k} {test[k]:.3f}" for k in ("accuracy", "f1_macro", "balanced_accuracy", "log_loss") if k in test)
            if status in TERMINAL:
                self.start_button.disabled = False
                self.stop_button.disabled = True

    def _draw_curves(self, history: list[dict]) -> None:
        series = {}
        for row in history:
            for key in ("train_loss", "eval_loss", "eval_accuracy"):
                if row.get(key) is not None:
                    series.setdefault(key, ([], []))
                    series[key][0].append(row["step"])
                    series[key][1].append(row[key])
        with self.figure.batch_update():
            existing = {t.name: t for t in self.figure.data}
            for key, (xs, ys) in series.items():
                if key in existing:
                    existing[key].x, existing[key].y = xs, ys
                else:
                    self.figure.add_scatter(x=xs, y=ys, name=key, mode="lines+markers",
                                            line=dict(dash="dot" if key.startswith("eval") else "solid"))

    def points(self) -> int:
        """How many curve points are drawn (for tests and for the notebook's own checks)."""
        return sum(len(t.x or ()) for t in self.figure.data)


def _diagnoses_html(diagnoses: list[dict]) -> str:
    """The run's diagnosis notes as a list: what happened at which step, and what to try."""
    from html import escape

    items = "".join(f"<li><b>{escape(d['kind'].replace('_', ' '))}</b> at step {d['step']}: {escape(d['message'])}"
                    f"<br><i>Try:</i> {escape(d['advice'])}</li>" for d in diagnoses)
    return f"<ul style='color:#a60'>{items}</ul>" if items else ""


class EvaluationPanel:
    """Confusion matrix, ROC and PR for a finished run; a threshold slider for binary tasks."""

    def __init__(self, run_id: str, split: str = "test", runner=None):
        from ..analysis import metrics as M
        from ..analysis import plots as P
        from ..core.runner import get_runner

        self._M, self._P = M, P
        runner = runner or get_runner()
        pred = runner.store.load_predictions(run_id, split)
        self.probs, self.labels, self.names = pred["probs"], pred["labels"], pred["label_names"]
        self.binary = self.probs.shape[1] == 2
        self.matrix = go.FigureWidget(P.fig_confusion_matrix(M.confusion(self.labels, self._preds(0.5),
                                                                         len(self.names)), self.names))
        self.summary = W.HTML()
        self.threshold = W.FloatSlider(value=0.5, min=0.0, max=1.0, step=0.01, description="threshold",
                                       description_tooltip=f"predict {self.names[-1]} at or above this probability",
                                       disabled=not self.binary, continuous_update=False)
        self.threshold.observe(lambda change: self.update(change["new"]), names="value")
        roc = go.FigureWidget(P.fig_roc(M.roc_data(self.labels, self.probs, self.names)))
        pr = go.FigureWidget(P.fig_pr(M.pr_data(self.labels, self.probs, self.names)))
        self.widget = W.VBox([W.HBox([self.threshold, self.summary]), W.HBox([self.matrix, roc, pr])])
        self.update(0.5)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    def _preds(self, threshold: float) -> np.ndarray:
        if self.binary:
            return (self.probs[:, 1] >= threshold).astype(int)
        return self.probs.argmax(1)

    def update(self, threshold: float) -> None:
        preds = self._preds(threshold)
        matrix = self._M.confusion(self.labels, preds, len(self.names))
        with self.matrix.batch_update():
            self.matrix.data[0].z = matrix
            self.matrix.data[0].text = matrix
        accuracy = float((preds == self.labels).mean())
        self.summary.value = f"accuracy at threshold {threshold:.2f}: <b>{accuracy:.3f}</b>"


class ExplainPanel:
    """A text box (text models) or an example picker: SHAP and LIME side by side, with their agreement."""

    def __init__(self, run_id: str, runner=None):
        from ..core.predict import load_predictor
        from ..core.runner import get_runner

        runner = runner or get_runner()
        self.predictor = load_predictor(run_id, runner.store)
        self.config = runner.store.config(run_id)
        self.test_ids = runner.store.load_predictions(run_id, "test")["ids"]
        kind = self.predictor.kind
        self.text = W.Textarea(value="A warm, funny and beautifully acted film.", description="text",
                               layout=W.Layout(width="600px"), disabled=kind != "text")
        self.example = W.BoundedIntText(value=0, min=0, max=len(self.test_ids) - 1, description="test #",
                                        description_tooltip="explain this test example instead of the text")
        self.use_example = W.Checkbox(value=kind != "text", description="use the test example", indent=False)
        self.button = W.Button(description="Explain", button_style="primary")
        self.result = W.HTML()
        self.shap_fig = go.FigureWidget(layout=dict(height=320, title="SHAP"))
        self.lime_fig = go.FigureWidget(layout=dict(height=320, title="LIME"))
        self.button.on_click(lambda _: self.explain())
        self.widget = W.VBox([W.HBox([self.text]), W.HBox([self.example, self.use_example, self.button]),
                              self.result, W.HBox([self.shap_fig, self.lime_fig])])

    def _ipython_display_(self):
        from IPython.display import display
        display(self.widget)

    def item(self):
        if self.use_example.value or self.predictor.kind != "text":
            from ..core.datasets import examples_by_id
            return examples_by_id(self.config["data"], [self.test_ids[self.example.value]])[0]
        return self.text.value

    def explain(self):
        from ..analysis.explain import explain_both
        try:
            shap_e, lime_e, agreement = explain_both(self.predictor, self.item())
        except ValueError as err:
            self.result.value = f"<b style='color:#b00'>{err}</b>"
            return None
        names = self.predictor.label_names
        rho = agreement["spearman"]
        self.result.value = (f"prediction <b>{names[shap_e.prediction]}</b> · top-{agreement['k']} overlap "
                             f"{agreement['top_k_overlap']:.2f} · rank correlation "
                             f"{'n/a' if rho is None else f'{rho:.2f}'}" + "".join(
                                 f"<br><i>{n}</i>" for n in shap_e.notes))
        from ..analysis import plots as P
        for fig, e in ((self.shap_fig, shap_e), (self.lime_fig, lime_e)):
            drawn = P.fig_token_attributions(e.units, e.unit_weights(), title=e.method.upper())
            with fig.batch_update():
                fig.data = ()
                fig.add_traces(drawn.data)
        return shap_e, lime_e, agreement


class LessonPanel:
    """One interview lesson in a notebook: pick it and the language, commit to a guess, run, read the takeaway.
    The experiment runs in a background job; `wait()` blocks until it ends (handy in scripts and tests)."""

    def __init__(self, lesson_id: str = "concept.2", lang: str = "en", quick: bool | None = None, runner=None):
        from .. import lessons
        from ..lab.experiments import quick_mode
        self._lessons, self.runner, self.job = lessons, runner, None
        self.quick = quick_mode() if quick is None else quick
        self.pick = W.Dropdown(options=[(f"{i} · {l.title.en}", i) for i, l in lessons.all_lessons().items()],
                               value=lesson_id, description="lesson")
        self.lang = W.ToggleButtons(options=[("English", "en"), ("中文", "zh")], value=lang)
        self.guess = W.RadioButtons(options=[], description="guess")
        self.run_button = W.Button(description="Run the experiment", button_style="primary")
        self.text = W.HTML()
        self.result = W.HTML()
        self.out = W.Output()
        self.pick.observe(lambda _: self.show_question(), "value")
        self.lang.observe(lambda _: self.show_question(), "value")
        self.run_button.on_click(lambda _: self.run())
        self.box = W.VBox([W.HBox([self.pick, self.lang]), self.text, self.guess, self.run_button, self.result,
                           self.out])
        self.show_question()

    @property
    def lesson(self):
        return self._lessons.get(self.pick.value)

    def _ipython_display_(self):
        from IPython.display import display
        display(self.box)

    def show_question(self) -> None:
        lesson, lang = self.lesson, self.lang.value
        self.text.value = (f"<h3>{lesson.title(lang)}</h3><p><b>{lesson.question(lang)}</b></p>"
                           f"<details><summary>answer</summary><p>{lesson.answer(lang)}</p></details>")
        self.text.value += self._spoken_html(lesson.id, lang)
        quiz = lesson.quiz
        if quiz:
            self.text.value += f"<p><i>{quiz.prompt_for(lesson.settings, lang)}</i></p>"
        self.guess.options = [(c(lang), k) for k, c in quiz.choices.items()] if quiz else []
        self.guess.value = None
        self.guess.description = "guess" if quiz else ""

    def _spoken_html(self, lesson_id: str, lang: str) -> str:
        """The 30-second answer and the two likely follow-ups, folded away like the answer."""
        from html import escape
        T = self._lessons.T
        items = "".join(f"<p><b>{T('Follow-up', '追问')(lang)} {n}. {escape(f.question(lang))}</b><br>"
                        f"{escape(f.answer(lang))}</p>"
                        for n, f in enumerate(self._lessons.follow_ups(lesson_id), 1))
        return (f"<details><summary>{T('30-second answer and follow-ups', '30 秒回答与追问')(lang)}</summary>"
                f"<p>{escape(self._lessons.spoken_answer(lesson_id)(lang))}</p>{items}</details>")

    def run(self) -> "LessonPanel":
        from ..lessons.jobs import LessonJob
        lesson = self.lesson
        seeds = (0,) if self.quick or lesson.demo_only else tuple(range(lesson.repeats))
        self.job = LessonJob(lesson, self.quick, seeds, {}, self.runner)
        self.result.value = "<i>running ...</i>"
        threading.Thread(target=self._finish, daemon=True).start()
        return self

    def wait(self, timeout: float | None = None) -> "LessonPanel":
        if self.job is not None:
            self.job.wait(timeout)
            self._finish()
        return self

    def _finish(self) -> None:
        job, lang = self.job, self.lang.value
        job.wait()
        if job.outcome is None:
            self.result.value = f"<b>failed:</b> {job.error}"
            return
        lesson, html = job.lesson, f"<p><b>{job.lesson.takeaway(job.outcome, lang)}</b></p>"
        if lesson.quiz:
            html += f"<p>{lesson.quiz.reveal(job.outcome, self.guess.value, lang)['text']}</p>"
        self.result.value = html

    def figures(self) -> list:
        """The lesson's figures for the last finished run (display them in a cell)."""
        if self.job is None or self.job.outcome is None:
            return []
        return [fig for _, fig in self.job.lesson.figures(self.job.outcome, self.lang.value)]
