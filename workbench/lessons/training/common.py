"""Pieces the training lessons share: base settings, run snapshots, outcome helpers and small figures."""
from __future__ import annotations

import statistics

from ...core.config import RunConfig
from .. import figures
from ..base import LessonContext, Outcome, T
from ..support import EVERY_WEIGHT, runner_of, sentences

SENTIMENT = dict(dataset="rotten_tomatoes", max_length=64, max_eval_samples=300, save_checkpoints=False,
                 save_model=False, **EVERY_WEIGHT)
DIGITS = dict(dataset="digits", model="mlp", save_checkpoints=False, save_model=False)
# Quick MiniLM runs: one evaluation, short texts, small splits and batches (the batch-size lesson keeps its own).
QUICK_TEXT_KEEP_BATCH = {"max_eval_samples": 40, "eval_every": 6, "max_length": 32}
QUICK_TEXT = {**QUICK_TEXT_KEEP_BATCH, "batch_size": 8}


def snapshots_of(ctx: LessonContext, outcome: Outcome) -> dict[str, list[dict]]:
    """Every run's final snapshot, per variant, in seed order."""
    runner = runner_of(ctx)
    return {variant: [runner.snapshot(run_id) for run_id in ids] for variant, ids in outcome.run_ids.items()}


def examples_per_second(ctx: LessonContext, run_id: str, examples_per_step: int) -> float | None:
    """Training throughput from the run's event times, between its first and last logged step: start-up and the
    evaluation and predictions at the end are left out (so use it on runs that evaluate only at the end)."""
    from ...core.events import StepLogged

    logged = [e for e in runner_of(ctx).store.read_events(run_id) if isinstance(e, StepLogged)]
    if len(logged) < 2 or logged[-1].time <= logged[0].time:
        return None
    return (logged[-1].step - logged[0].step) * examples_per_step / (logged[-1].time - logged[0].time)


def sized(ctx: LessonContext, cfg: RunConfig, **quick_overrides) -> RunConfig:
    """Pin and shrink a config as `ctx.run_variants` would, for experiments that run outside it."""
    from ...lab.experiments import QUICK_LIMITS
    from ..base import lesson_recipe

    cfg = lesson_recipe(cfg)
    return cfg.replace(**{**QUICK_LIMITS, **quick_overrides}) if ctx.quick else cfg


def merge(lesson_id: str, *parts: Outcome, extra: dict | None = None) -> Outcome:
    merged = Outcome(lesson_id, {}, dict(extra or {}))
    for part in parts:
        merged.samples.update(part.samples)
        merged.run_ids.update(part.run_ids)
        merged.histories.update(part.histories)
        merged.extra.update(part.extra)
    return merged


def subset(outcome: Outcome, names) -> Outcome:
    return Outcome(outcome.lesson_id, {n: outcome.samples[n] for n in names if n in outcome.samples}, outcome.extra)


def has(outcome: Outcome, variant: str, metric: str = "accuracy") -> bool:
    return variant in outcome.samples and bool(outcome.values(variant, metric))


def majority_share(snapshots: dict[str, list[dict]]) -> float | None:
    """The test set's majority-class share (the accuracy of always guessing the commonest class)."""
    values = [s["metrics"]["test"]["majority_baseline"] for snaps in snapshots.values() for s in snaps
              if ((s.get("metrics") or {}).get("test") or {}).get("majority_baseline") is not None]
    return statistics.fmean(values) if values else None


def join(lang: str, *parts: str) -> str:
    """support.sentences with the language first, as the training lessons call it."""
    return sentences(parts, lang)


def position(ordered: list[str], winner: str) -> str:
    """'lowest', 'middle' or 'highest': where the winner sits in an ordered list of settings."""
    index = ordered.index(winner)
    return "lowest" if index == 0 else "highest" if index == len(ordered) - 1 else "middle"


def named(names, zh_word: str, en_word: str) -> dict[str, T]:
    return {n: T(n, n.replace(en_word, zh_word)) for n in names}


def curve_figure(rows_by_name: dict[str, list[dict]], metric: str, title: str, y_title: str, log_y: bool = False):
    from ...analysis import plots
    fig = plots.fig_training_curves(rows_by_name, metrics=(metric,), log_y=log_y)
    fig.update_layout(title=title)
    fig.update_yaxes(title_text=y_title)
    return fig


def bars(outcome: Outcome, metric: str, names, lang: str, label: dict[str, T] | None = None, title: str = ""):
    fig = figures.metric_bars(subset(outcome, names), metric, lang, label)
    if title:
        fig.update_layout(title=title)
    return fig


def lr_name(lr: float) -> str:
    return f"lr {lr:g}"
