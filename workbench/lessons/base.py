"""What a lesson is made of: bilingual text, an experiment, an outcome, a takeaway computed from it, a quiz.

A lesson's experiment returns an `Outcome`: per-variant samples of each measured metric (one value per seed) and
any extra measured values. Takeaways, quiz answers and figures are functions of the outcome only, so the same
lesson can be re-judged from synthetic numbers in tests and from stored results after a restart.
"""
from __future__ import annotations

import statistics
from dataclasses import dataclass, field
from typing import Callable

import pandas as pd

from ..config import RunConfig

LANGS = ("en", "zh")


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
    "trainable_parameters": T("trainable parameters", "可训练参数量"),
}
LOWER_IS_BETTER = {"train_seconds", "final_val_loss", "best_val_loss", "final_train_loss", "trainable_parameters"}


def metric_name(metric: str, lang: str) -> str:
    return METRIC_NAMES[metric](lang) if metric in METRIC_NAMES else metric


@dataclass
class Outcome:
    """What an experiment measured. `samples[variant][metric]` is one value per seed; `extra` holds other plain
    values a lesson measured (timings, counts, curves); `run_ids[variant]` the runs it started, if any."""
    lesson_id: str
    samples: dict[str, dict[str, list[float]]]
    extra: dict = field(default_factory=dict)
    run_ids: dict[str, list[str]] = field(default_factory=dict)
    histories: dict[str, list[dict]] = field(default_factory=dict)

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

    def best(self, metric: str = "accuracy", among: list[str] | None = None) -> str:
        names = [v for v in (among or self.variants) if self.values(v, metric)]
        if not names:
            raise ValueError(f"Lesson {self.lesson_id}: no variant has a {metric} value.")
        pick = min if metric in LOWER_IS_BETTER else max
        return pick(names, key=lambda v: self.mean(v, metric))

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
        return {"lesson_id": self.lesson_id, "samples": self.samples, "extra": self.extra, "run_ids": self.run_ids}

    @classmethod
    def from_dict(cls, d: dict) -> "Outcome":
        return cls(d["lesson_id"], d["samples"], d.get("extra", {}), d.get("run_ids", {}))


SAMPLED_METRICS = ("accuracy", "f1_macro", "balanced_accuracy", "train_seconds", "final_train_loss",
                   "final_val_loss", "best_val_loss", "trainable_parameters")


def outcome_from_runs(lesson_id: str, runs: dict[str, list[dict]], extra: dict | None = None) -> Outcome:
    """An outcome from runner snapshots ({variant: [snapshot per seed]})."""
    from ..experiments import results_table

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
        from ..experiments import QUICK_LIMITS, Experiment

        if self.quick:
            variants = {n: c.replace(**{**QUICK_LIMITS, **quick_overrides}) for n, c in variants.items()}
        experiment = Experiment(variants, seeds=self.seeds)
        experiment.run(self.runner, on_start=self.on_start, name_prefix=f"lesson {self.lesson_id}: ")
        return outcome_from_runs(self.lesson_id, experiment.runs, extra)

    def size(self, full, quick):
        """A size for this mode: `ctx.size(400, 60)`."""
        return quick if self.quick else full


@dataclass(frozen=True)
class Quiz:
    """Predict, then reveal: choices are keys with bilingual labels; `correct(outcome)` picks the right key from the
    measured numbers, so the answer can differ between runs."""
    prompt: T
    choices: dict[str, T]
    correct: Callable[[Outcome], str]

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

    def run(self, quick: bool | None = None, seeds: tuple[int, ...] | None = None, settings: dict | None = None,
            runner=None, on_start=None) -> Outcome:
        from ..experiments import quick_mode
        quick = quick_mode() if quick is None else quick
        unknown = set(settings or {}) - set(self.settings)
        if unknown:
            raise ValueError(f"Lesson {self.id} has no setting(s) {', '.join(sorted(unknown))}; "
                             f"it has: {', '.join(self.settings) or 'none'}.")
        seeds = tuple(seeds) if seeds else ((0,) if quick or self.demo_only else tuple(range(self.repeats)))
        ctx = LessonContext(self.id, quick, seeds, {**self.settings, **(settings or {})}, runner, on_start)
        return self.experiment(ctx)


# ---------------------------------------------------------------- takeaway helpers


def noise_clause(outcome: Outcome, a: str, b: str, metric: str, lang: str) -> str:
    """Whether the a-vs-b difference exceeds the seed-to-seed spread, in words."""
    from ..repeats import within_noise

    values_a, values_b = outcome.values(a, metric), outcome.values(b, metric)
    n = min(len(values_a), len(values_b))
    if n < 2:
        return T("one seed only, so it is not yet known whether this exceeds run-to-run noise (repeat over seeds "
                 "in full mode)", "只跑了一个随机种子，还不能判断这个差距是否超过随机波动（在完整模式下多种子重复）")(lang)
    verdict = within_noise(values_a, values_b, metric)
    if verdict.within_noise:
        return T(f"that is not clearly beyond seed-to-seed noise (spread ±{verdict.spread:.3f} over {n} seeds), "
                 "so on this data the two cannot be told apart",
                 f"这没有明显超出不同随机种子之间的波动（±{verdict.spread:.3f}，{n} 个种子），所以在这份数据上两者分不出高下")(lang)
    return T(f"that is larger than the seed-to-seed spread (±{verdict.spread:.3f} over {n} seeds)",
             f"这超过了不同随机种子之间的波动（±{verdict.spread:.3f}，{n} 个种子）")(lang)


def compare_takeaway(outcome: Outcome, a: str, b: str, metric: str, lang: str, label: dict[str, T] | None = None) -> str:
    """'<better> reached <metric> x vs y for <worse> (difference d); <noise clause>.' from the measured means."""
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


def ranking_takeaway(outcome: Outcome, metric: str, lang: str, label: dict[str, T] | None = None) -> str:
    """All variants ranked by a metric, best first, with their values."""
    name = (lambda v: label[v](lang)) if label else (lambda v: v)
    reverse = metric not in LOWER_IS_BETTER
    ranked = sorted((v for v in outcome.variants if outcome.values(v, metric)),
                    key=lambda v: outcome.mean(v, metric), reverse=reverse)
    if not ranked:
        raise ValueError(f"Lesson {outcome.lesson_id}: no variant has a {metric} value.")
    parts = [f"{name(v)} {outcome.mean(v, metric):.3f}" for v in ranked]
    sep = T(" > ", " > ")(lang) if reverse else " < "
    return T(f"Ranked by {metric_name(metric, lang)}: ", f"按{metric_name(metric, lang)}排序：")(lang) + sep.join(parts) + T(".", "。")(lang)
