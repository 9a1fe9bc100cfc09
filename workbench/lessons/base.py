"""What a lesson is made of: bilingual text, an experiment, an outcome, a takeaway computed from it, a quiz.

A lesson's experiment returns an `Outcome`: per-variant samples of each measured metric (one value per seed) and
any extra measured values. Takeaways, quiz answers and figures are functions of the outcome only, so the same
lesson can be re-judged from synthetic numbers in tests and from stored results after a restart.
"""
from __future__ import annotations

import statistics
import string
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from ..core.config import RunConfig

LANGS = ("en", "zh")
# The topic packages of workbench.lessons: each has LESSONS (its lessons) and notes.NOTES (their interview notes).
TOPIC_PACKAGES = ("concepts", "data", "training", "evaluation", "explain", "applications", "deployment", "llm")


@dataclass(frozen=True)
class T:
    """A text in English and Chinese; `t(lang)` picks one."""
    en: str
    zh: str

    def __call__(self, lang: str = "en") -> str:
        if lang not in LANGS:
            raise ValueError(f"Unknown language {lang!r}; use one of {', '.join(LANGS)}.")
        return self.zh if lang == "zh" else self.en


METRIC_NAMES = {
    "accuracy": T("accuracy", "准确率"), "f1_macro": T("macro F1", "宏平均 F1"),
    "balanced_accuracy": T("balanced accuracy", "平衡准确率"), "train_seconds": T("training time (s)", "训练时间（秒）"),
    "final_val_loss": T("final validation loss", "最终验证损失"), "best_val_loss": T("best validation loss", "最佳验证损失"),
    "final_train_loss": T("final training loss", "最终训练损失"),
    "trainable_parameters": T("trainable parameters", "可训练参数量"), "seconds": T("seconds", "秒"),
}
LOWER_IS_BETTER = {"train_seconds", "final_val_loss", "best_val_loss", "final_train_loss", "trainable_parameters",
                   "seconds"}


def register_metric_names(names: dict[str, T], lower_is_better=()) -> None:
    """Add the bilingual names of metrics a lesson module measures (never overriding a name already registered)
    and which of them are better when lower."""
    for key, name in names.items():
        METRIC_NAMES.setdefault(key, name)
    LOWER_IS_BETTER.update(lower_is_better)


def metric_name(metric: str, lang: str) -> str:
    return METRIC_NAMES[metric](lang) if metric in METRIC_NAMES else metric


@dataclass
class Outcome:
    """What an experiment measured. `samples[variant][metric]` is one value per seed, in seed order (None where
    a run has no value, so position i is seed i in every variant); `extra` holds other plain values a lesson
    measured (timings, counts, curves); `run_ids[variant]` the runs it started, if any. `quick` marks a quick-mode
    smoke run: its takeaway draws no conclusion and its quiz is not scored."""
    lesson_id: str
    samples: dict[str, dict[str, list[float]]]
    extra: dict = field(default_factory=dict)
    run_ids: dict[str, list[str]] = field(default_factory=dict)
    histories: dict[str, list[dict]] = field(default_factory=dict)
    quick: bool = False

    @property
    def variants(self) -> list[str]:
        return list(self.samples)

    def values(self, variant: str, metric: str) -> list[float]:
        if variant not in self.samples:
            raise KeyError(f"Lesson {self.lesson_id}: no variant {variant!r} (have {', '.join(self.samples)}).")
        return [v for v in self.samples[variant].get(metric, []) if v is not None and v == v]

    def mean(self, variant: str, metric: str) -> float:
        values = self.values(variant, metric)
        if not values:
            raise ValueError(f"Lesson {self.lesson_id}: {variant!r} has no {metric} (did its runs finish?).")
        return statistics.fmean(values)

    def spread(self, variant: str, metric: str) -> float:
        values = self.values(variant, metric)
        return statistics.stdev(values) if len(values) > 1 else 0.0

    def ci_half_width(self, variant: str, metric: str) -> float:
        """Half the width of the t-based 95 % confidence interval of the mean over seeds (0 with one seed)."""
        from ..analysis.stats import t_half_widths
        values = self.values(variant, metric)
        return float(t_half_widths(self.spread(variant, metric), len(values)))

    def compare(self, a: str, b: str, metric: str):
        """The paired verdict of `b` against `a` over the seeds both have (stats.compare_paired); the winner
        follows the metric's direction (LOWER_IS_BETTER)."""
        from ..analysis.stats import compare_paired
        for variant in (a, b):
            self.values(variant, metric)     # a clear KeyError for an unknown variant
        return compare_paired(self.samples[a].get(metric, []), self.samples[b].get(metric, []), metric, (a, b),
                              higher_is_better=metric not in LOWER_IS_BETTER)

    def best(self, metric: str = "accuracy", among: list[str] | None = None) -> str:
        names = [v for v in (among or self.variants) if self.values(v, metric)]
        if not names:
            raise ValueError(f"Lesson {self.lesson_id}: no variant has a {metric} value.")
        pick = min if metric in LOWER_IS_BETTER else max
        return pick(names, key=lambda v: self.mean(v, metric))

    def clear_best(self, metric: str = "accuracy", among: list[str] | None = None) -> str | None:
        """The best variant by mean when the paired verdict puts it ahead of every other one; None when this
        budget cannot single one out."""
        best = self.best(metric, among)
        others = [v for v in (among or self.variants) if v != best and self.values(v, metric)]
        return best if all(self.compare(best, v, metric).winner == "a" for v in others) else None

    def table(self) -> pd.DataFrame:
        rows = {}
        for variant, metrics in self.samples.items():
            row = {}
            for metric in metrics:
                values = self.values(variant, metric)
                row[metric] = statistics.fmean(values) if values else None
                if len(values) > 1:
                    row[f"{metric}_std"] = statistics.stdev(values)
            row["n_runs"] = max((len(v) for v in metrics.values()), default=0)
            rows[variant] = row
        return pd.DataFrame.from_dict(rows, orient="index")

    def to_dict(self) -> dict:
        return {"lesson_id": self.lesson_id, "samples": self.samples, "extra": self.extra, "run_ids": self.run_ids,
                "quick": self.quick}

    @classmethod
    def from_dict(cls, d: dict) -> "Outcome":
        return cls(d["lesson_id"], d["samples"], d.get("extra", {}), d.get("run_ids", {}), quick=d.get("quick", False))


SAMPLED_METRICS = ("accuracy", "f1_macro", "balanced_accuracy", "train_seconds", "final_train_loss",
                   "final_val_loss", "best_val_loss", "trainable_parameters")


def outcome_from_runs(lesson_id: str, runs: dict[str, list[dict]], extra: dict | None = None) -> Outcome:
    """An outcome from runner snapshots ({variant: [snapshot per seed]})."""
    from ..lab.experiments import results_table

    samples, run_ids, histories = {}, {}, {}
    for variant, snaps in runs.items():
        rows = [results_table({variant: snap}).iloc[0] for snap in snaps]
        samples[variant] = {m: [_plain(r[m]) for r in rows] for m in SAMPLED_METRICS}
        run_ids[variant] = [snap["id"] for snap in snaps]
        histories[variant] = snaps[0].get("history") or [] if snaps else []
    return Outcome(lesson_id, samples, extra or {}, run_ids, histories)


def _plain(value):
    return None if value is None or pd.isna(value) else float(value)


# ---------------------------------------------------------------- running


@dataclass
class LessonContext:
    """What a lesson's experiment may use: quick mode, the seeds, the user's settings and the runner."""
    lesson_id: str
    quick: bool
    seeds: tuple[int, ...] = (0,)
    settings: dict = field(default_factory=dict)
    runner: object = None
    on_start: Callable | None = None

    def run_variants(self, variants: dict[str, RunConfig], extra: dict | None = None, **quick_overrides) -> Outcome:
        """Train each variant once per seed on the same split; quick mode shrinks every run."""
        from ..lab.experiments import QUICK_LIMITS, Experiment

        variants = {n: lesson_recipe(c) for n, c in variants.items()}
        if self.quick:
            variants = {n: c.replace(**{**QUICK_LIMITS, **quick_overrides}) for n, c in variants.items()}
        experiment = Experiment(variants, seeds=self.seeds)
        experiment.run(self.runner, on_start=self.on_start, name_prefix=f"lesson {self.lesson_id}: ")
        return outcome_from_runs(self.lesson_id, experiment.runs, extra)

    def size(self, full, quick):
        """A size for this mode: `ctx.size(400, 60)`."""
        return quick if self.quick else full


def lesson_recipe(cfg: RunConfig) -> RunConfig:
    """What every lesson run shares: one epoch where the lesson sets neither epochs nor max_steps (what the lessons
    were designed and timed with, not the budget a plain run chooses from its data), and the cheaper dropout masks
    for text, off in the product default because five seeds could not bound their accuracy cost to 0.005 but
    about 12 % faster per step. Every arm of a lesson's comparison uses the same recipe, so neither choice favours
    one."""
    if cfg.train.epochs is None and not cfg.train.max_steps:
        cfg = cfg.replace(epochs=1.0)
    return cfg.replace(fast_dropout=True, fast_attention_dropout=True)


class _SettingFormatter(string.Formatter):
    """str.format plus a `pct` spec: 0.05 -> '5%', 0.125 -> '12.5%'."""

    def format_field(self, value, format_spec: str) -> str:
        if format_spec == "pct":
            return f"{float(value) * 100:g}%"
        return super().format_field(value, format_spec)


_SETTING_FORMAT = _SettingFormatter()
NO_CLEAR_DIFFERENCE = T("No clear difference", "没有明显差别")


@dataclass(frozen=True)
class Quiz:
    """Predict, then reveal: choices are keys with bilingual labels; `correct(outcome)` picks the right key from the
    measured numbers, so the answer can differ between runs.

    The prompt may name the lesson's settings as `{setting}` placeholders (`{share:pct}` writes 0.05 as 5%), so it
    quotes the values the experiment will use; `facts(settings)` adds values derived from them (e.g. a table's size).
    """
    prompt: T
    choices: dict[str, T]
    correct: Callable[[Outcome], str]
    facts: Callable[[dict], dict] | None = None

    def prompt_for(self, settings: dict, lang: str = "en") -> str:
        """The prompt with the given settings' values filled in."""
        values = {**settings, **(self.facts(settings) if self.facts else {})}
        try:
            return _SETTING_FORMAT.vformat(self.prompt(lang), (), values)
        except KeyError as err:
            raise ValueError(f"Quiz prompt names {err}, which is not a setting ({', '.join(settings)}).") from None

    def reveal(self, outcome: Outcome, guess: str | None, lang: str = "en") -> dict:
        right = self.correct(outcome)
        if right not in self.choices:
            raise ValueError(f"Quiz answer {right!r} is not one of the choices {list(self.choices)}.")
        if guess is not None and guess not in self.choices:
            raise ValueError(f"Unknown guess {guess!r}; choose one of {', '.join(self.choices)}.")
        hit = guess == right
        if guess is None:
            text = T("Measured: ", "实测结果：")(lang) + self.choices[right](lang)
        elif hit:
            text = T("Your guess was right: ", "你猜对了：")(lang) + self.choices[right](lang)
        else:
            text = (T("Your guess was ", "你的猜测是")(lang) + self.choices[guess](lang) + T("; measured: ", "；实测结果：")(lang)
                    + self.choices[right](lang))
        return {"correct": right, "guess": guess, "right": hit, "text": text}


@dataclass(frozen=True)
class Correction:
    """A mistake in the source documents: what they claim, what is right, and a demo that measures the difference.
    `demo()` returns plain values; `verdict(values, lang)` turns them into a sentence."""
    source: str
    claim: T
    right: T
    demo: Callable[[], dict] | None = None
    verdict: Callable[[dict, str], str] | None = None


@dataclass(frozen=True)
class Lesson:
    id: str
    topic: str
    title: T
    question: T
    answer: T
    experiment: Callable[[LessonContext], Outcome]
    takeaway: Callable[[Outcome, str], str]
    figures: Callable[[Outcome, str], list] = lambda outcome, lang: []
    quiz: Quiz | None = None
    corrections: tuple[Correction, ...] = ()
    settings: dict = field(default_factory=dict)
    sources: str = ""
    demo_only: bool = False      # a short answer with a live demonstration, no controlled comparison
    repeats: int = 3             # seeds per variant in full mode (quick mode: one)
    time_budget_s: int = 120     # full-mode wall time the lesson is held to on a 2-core machine
    budget_note: T | None = None  # why a lesson needs more than 2 minutes, shown beside the Run button

    def __post_init__(self):
        object.__setattr__(self, "takeaway", no_conclusion_in_quick_mode(self.takeaway))

    def run(self, quick: bool | None = None, seeds: tuple[int, ...] | None = None, settings: dict | None = None,
            runner=None, on_start=None) -> Outcome:
        from ..lab.experiments import quick_mode
        quick = quick_mode() if quick is None else quick
        unknown = set(settings or {}) - set(self.settings)
        if unknown:
            raise ValueError(f"Lesson {self.id} has no setting(s) {', '.join(sorted(unknown))}; "
                             f"it has: {', '.join(self.settings) or 'none'}.")
        seeds = tuple(seeds) if seeds else ((0,) if quick or self.demo_only else tuple(range(self.repeats)))
        ctx = LessonContext(self.id, quick, seeds, {**self.settings, **(settings or {})}, runner, on_start)
        outcome = self.experiment(ctx)
        outcome.quick = quick
        return outcome


SMOKE_RUN = T("Quick mode: a smoke run on tiny data, no conclusion drawn. Run the lesson in full mode for a result.",
              "快速模式：在极小数据上的冒烟测试，不下结论。用完整模式运行本课才能得到结论。")


def no_conclusion_in_quick_mode(takeaway: Callable[[Outcome, str], str]) -> Callable[[Outcome, str], str]:
    """The takeaway, except for a quick-mode outcome, which gets SMOKE_RUN: tiny runs support no conclusion."""
    if getattr(takeaway, "smoke_guarded", False):
        return takeaway

    def guarded(outcome: Outcome, lang: str = "en") -> str:
        return SMOKE_RUN(lang) if outcome.quick else takeaway(outcome, lang)
    guarded.smoke_guarded = True
    guarded.__doc__ = takeaway.__doc__
    return guarded


# ---------------------------------------------------------------- takeaway helpers


def noise_clause(outcome: Outcome, a: str, b: str, metric: str, lang: str) -> str:
    """What the paired verdict over seeds (Outcome.compare) says of the a-vs-b difference, in words: the 95 %
    confidence interval of the gap (leader by mean minus the other) and whether it excludes 0."""
    return interval_clause(outcome.compare(a, b, metric), lang)


def interval_clause(verdict, lang: str) -> str:
    """noise_clause for any paired verdict (stats.compare_paired), e.g. of two metrics of one variant."""
    if verdict.n_pairs < 2:
        return T("one seed only, so this budget cannot tell whether the difference is real (full mode repeats over "
                 "seeds)", "只跑了一个随机种子，这个预算下还不能判断差距是否真实（完整模式会多种子重复）")(lang)
    sign = 1 if verdict.difference >= 0 else -1      # orient the interval so the gap reads positive
    low, high = sorted((sign * verdict.ci_low, sign * verdict.ci_high))
    n, interval = verdict.n_pairs, T(f"{low:+.3f} to {high:+.3f}", f"{low:+.3f} 至 {high:+.3f}")(lang)
    if verdict.tie:
        return T(f"over {n} paired seeds the 95% confidence interval of the gap is {interval}, which contains 0, so "
                 "at this budget the two cannot be told apart",
                 f"按 {n} 个配对种子计算，差距的 95% 置信区间为 {interval}，包含 0，所以在这个预算下两者分不出高下")(lang)
    return T(f"over {n} paired seeds the 95% confidence interval of the gap is {interval}, which excludes 0: a real "
             "difference at this budget",
             f"按 {n} 个配对种子计算，差距的 95% 置信区间为 {interval}，不含 0：在这个预算下差距是真实的")(lang)


def compare_takeaway(outcome: Outcome, a: str, b: str, metric: str, lang: str, label: dict[str, T] | None = None) -> str:
    """'<higher> reached <metric> x vs y for <other> (difference d); <noise clause>.' from the measured means; the
    noise clause carries the verdict, and the numbers alone claim no winner."""
    name = (lambda v: label[v](lang)) if label else (lambda v: v)
    va, vb = outcome.mean(a, metric), outcome.mean(b, metric)
    lower = metric in LOWER_IS_BETTER
    a_better = (va < vb) if lower else (va > vb)
    better, worse, v_better, v_worse = (a, b, va, vb) if a_better else (b, a, vb, va)
    m = metric_name(metric, lang)
    if va == vb:
        head = T(f"{name(a)} and {name(b)} reached the same {m} ({va:.3f})",
                 f"{name(a)}与{name(b)}的{m}相同（{va:.3f}）")(lang)
    else:
        head = T(f"{name(better)} reached {m} {v_better:.3f} against {v_worse:.3f} for {name(worse)} "
                 f"(difference {abs(va - vb):.3f})",
                 f"{name(better)}的{m}为 {v_better:.3f}，{name(worse)}为 {v_worse:.3f}（相差 {abs(va - vb):.3f}）")(lang)
    return head + T("; ", "；")(lang) + noise_clause(outcome, a, b, metric, lang) + T(".", "。")(lang)


def above_baseline(outcome: Outcome, variant: str, metric: str, baseline) -> bool:
    """Whether the paired verdict puts `variant` clearly above a baseline: per-seed values in seed order (such as
    each split's majority-class share) or one number for every seed (such as chance)."""
    from ..analysis.stats import compare_paired

    values = outcome.samples[variant].get(metric, [])
    base = list(baseline) if isinstance(baseline, (list, tuple)) else [float(baseline)] * len(values)
    return compare_paired(base, values, metric).winner == "b"


def speed_phrase(seconds_a: float, seconds_b: float, lang: str, clear: bool = True) -> str:
    """How A's time compares with B's: "2.3 times faster" or "1.4 times slower" (never a ratio below 1), or just
    "1.20 s vs 1.31 s" when `clear` is False (the verdict cannot tell them apart) or the two are within 5 %."""
    ratio = max(seconds_a, seconds_b) / max(min(seconds_a, seconds_b), 1e-9)
    if not clear or ratio < 1.05:
        return T(f"{seconds_a:.2f} s vs {seconds_b:.2f} s", f"{seconds_a:.2f} 秒对 {seconds_b:.2f} 秒")(lang)
    if seconds_a < seconds_b:
        return T(f"{ratio:.1f} times faster", f"用时为后者的 1/{ratio:.1f}")(lang)
    return T(f"{ratio:.1f} times slower", f"用时为后者的 {ratio:.1f} 倍")(lang)


def ranking_takeaway(outcome: Outcome, metric: str, lang: str, label: dict[str, T] | None = None) -> str:
    """All variants ranked by the mean of a metric, best first, with their values; commas, not '>', because a
    ranking of means claims no winner (the paired verdicts do)."""
    name = (lambda v: label[v](lang)) if label else (lambda v: v)
    reverse = metric not in LOWER_IS_BETTER
    ranked = sorted((v for v in outcome.variants if outcome.values(v, metric)),
                    key=lambda v: outcome.mean(v, metric), reverse=reverse)
    if not ranked:
        raise ValueError(f"Lesson {outcome.lesson_id}: no variant has a {metric} value.")
    parts = [f"{name(v)} {outcome.mean(v, metric):.3f}" for v in ranked]
    return (T(f"Ranked by {metric_name(metric, lang)}: ", f"按{metric_name(metric, lang)}排序：")(lang)
            + T(", ", "，")(lang).join(parts) + T(".", "。")(lang))
