"""Hyper-parameter search lesson (train.8): grid, random and TPE (Optuna) search over the digits MLP's learning rate
and dropout with the same trial budget: best validation loss, trials to it, time, and the winner's test accuracy."""
from __future__ import annotations

import math

from ...analysis.stats import compare_paired
from ...core.config import RunConfig
from ..base import Lesson, LessonContext, Outcome, Quiz, T, compare_takeaway, interval_clause
from ..support import clear_leader, runner_of
from . import probes
from .common import DIGITS, bars, curve_figure, has, join, sized

# ---------------------------------------------------------------- train.8 hyper-parameter search


SAMPLER_LABELS = {"grid": T("grid search", "网格搜索"), "random": T("random search", "随机搜索"),
                  "tpe": T("Bayesian (TPE)", "贝叶斯优化（TPE）")}
TPE_STARTUP = 10    # Optuna's TPESampler draws its first 10 trials at random before its model takes over


def _search_spaces(settings: dict) -> dict:
    low, high = settings["lr_range"]
    ranged = {"lr": ["log", float(low), float(high)], "dropout": ["float", 0.0, float(settings["max_dropout"])]}
    top = float(settings["max_dropout"])
    return {"grid": {"lr": [float(v) for v in settings["grid_lrs"]], "dropout": [0.0, top / 2, top]},
            "random": ranged, "tpe": ranged}


def _as_space(spec: dict) -> dict:
    """Stored spaces (JSON lists) as tuning.tune expects them: ranges are tuples, choices lists."""
    return {name: tuple(v) if isinstance(v[0], str) else list(v) for name, v in spec.items()}


def _search_runs(ctx: LessonContext) -> Outcome:
    """Each search tunes the validation loss (a continuous score, so equal budgets give comparable winners)."""
    import optuna

    from ...lab.tuning import tune

    spaces = _search_spaces(ctx.settings)
    trials = ctx.size(int(ctx.settings["trials"]), 2)
    base = sized(ctx, RunConfig.from_flat(**DIGITS, epochs=1, batch_size=32, eval_every=None))
    runner = runner_of(ctx)
    samples, tables = {name: {} for name in spaces}, {}
    for seed in ctx.seeds:
        for name, spec in spaces.items():
            study = tune(base.replace(seed=seed), _as_space(spec), sampler=name, n_trials=trials, metric="eval_loss",
                         storage=optuna.storages.InMemoryStorage(), study_name=f"lesson-train.8-{name}-{seed}",
                         prune=False, runner=runner, seed=seed,
                         on_start=ctx.on_start and (lambda trial, handle, n=name: ctx.on_start(f"{n} {trial}", handle)))
            rows = [{"trial": t.number, "value": t.value, "params": dict(t.params),
                     "run_id": t.user_attrs.get("run_id"),
                     "seconds": t.duration.total_seconds() if t.duration else None} for t in study.trials]
            done = [r for r in rows if r["value"] is not None]
            best = min(done, key=lambda r: r["value"]) if done else None
            metrics = (runner.snapshot(best["run_id"]).get("metrics") or {}) if best else {}
            for metric, value in (("best_val_loss", best and best["value"]),
                                  ("val_accuracy", (metrics.get("val") or {}).get("accuracy")),
                                  ("accuracy", (metrics.get("test") or {}).get("accuracy")),
                                  ("trials_to_best", best and best["trial"] + 1),
                                  ("search_seconds", sum(r["seconds"] or 0.0 for r in rows) if best else None)):
                # None keeps position i at seed i in every search, so the verdicts pair the right seeds
                samples[name].setdefault(metric, []).append(None if value is None else float(value))
            if not done:
                continue
            tables.setdefault(name, rows)
    return Outcome(ctx.lesson_id, samples, {"trials": tables, "spaces": spaces, "n_trials": trials})


def _search_names(outcome: Outcome) -> list[str]:
    return [n for n in SAMPLER_LABELS if has(outcome, n, "best_val_loss")]


def _ranked_searches(outcome: Outcome) -> list[str]:
    return sorted(_search_names(outcome), key=lambda n: outcome.mean(n, "best_val_loss"))


def _search_winner(outcome: Outcome) -> str:
    """The search with the lowest validation loss when the paired verdict over seeds puts it ahead of every other
    search, else 'tie' (this budget cannot single one out; one seed never can)."""
    return clear_leader(outcome, "best_val_loss", among=_search_names(outcome)) or "tie"


def _shared_start(outcome: Outcome) -> int:
    """How many leading trials random search and TPE had in common (first seed)."""
    tables = outcome.extra.get("trials") or {}
    shared = 0
    for a, b in zip(tables.get("random", []), tables.get("tpe", [])):
        if a["params"] != b["params"]:
            break
        shared += 1
    return shared


def _search_takeaway(outcome: Outcome, lang: str) -> str:
    ranked = _ranked_searches(outcome)
    if not ranked:
        return T("No search finished a trial.", "没有一种搜索完成任何一次试验。")(lang)
    n = outcome.extra["n_trials"]
    listed = T(", ", "，")(lang).join(f"{SAMPLER_LABELS[v](lang)} {outcome.mean(v, 'best_val_loss'):.3f}"
                                      for v in _search_names(outcome))
    parts = [T(f"With {n} trials each, the lowest validation loss found was: {listed}.",
               f"每种方法各做 {n} 次试验，找到的最低验证损失为：{listed}。")(lang)]
    if len(ranked) > 1:
        if _search_winner(outcome) == "tie":
            parts.append(T("No search was clearly ahead of all the others at this budget.",
                           "在这个预算下，没有哪种搜索明显领先于其他所有搜索。")(lang))
        parts.append(compare_takeaway(outcome, ranked[0], ranked[1], "best_val_loss", lang, SAMPLER_LABELS))
    shared = _shared_start(outcome)
    if shared:
        rest = n - shared
        parts.append(T(f"Random search and TPE drew the same first {shared} trials: Optuna's TPE samples its first "
                       f"{TPE_STARTUP} at random, here with the same seed. "
                       + (f"Only the last {rest} differ, chosen by TPE's model in one search and at random in the "
                          "other." if rest else f"With {n} trials the two were the same search; TPE's model needs a "
                          "larger budget before it acts."),
                       f"随机搜索和 TPE 的前 {shared} 次试验完全相同：Optuna 的 TPE 前 {TPE_STARTUP} 次是随机采样的，"
                       "这里又用了同一个随机种子。"
                       + (f"只有最后 {rest} 次不同：一边由 TPE 的模型挑选，另一边仍是随机抽取。" if rest else
                          f"只有 {n} 次试验时，两者就是同一个搜索；TPE 的模型要在更大的预算下才会起作用。"))(lang))
    elif "tpe" in ranked and n <= 2 * TPE_STARTUP:
        guided = max(n - TPE_STARTUP, 0)
        parts.append(T(f"Optuna's TPE draws its first {TPE_STARTUP} trials at random, so {guided} of its {n} trials "
                       "were guided by its model: Bayesian search pays off with larger budgets.",
                       f"Optuna 的 TPE 前 {TPE_STARTUP} 次试验是随机抽取的，所以 {n} 次里只有 {guided} 次由它的模型"
                       "指导：贝叶斯优化要在更大的试验预算下才显出优势。")(lang))
    best = ranked[0]
    if has(outcome, best, "accuracy") and has(outcome, best, "val_accuracy"):
        parts.append(_selection_sentence(outcome, best, lang))
    return join(lang, *parts)


def _selection_sentence(outcome: Outcome, search: str, lang: str) -> str:
    """The winning trial's validation against its test accuracy, paired over seeds: 'flattered' only when the
    interval of (validation - test) excludes 0."""
    val, test = outcome.mean(search, "val_accuracy"), outcome.mean(search, "accuracy")
    paired = compare_paired(outcome.samples[search].get("accuracy", []),
                            outcome.samples[search].get("val_accuracy", []), "accuracy", ("test", "validation"))
    name, clause = SAMPLER_LABELS[search], interval_clause(paired, lang)
    head = T(f"The winning trial of {name('en')} scored accuracy {test:.3f} on the test set against {val:.3f} on "
             f"validation; {clause}",
             f"{name('zh')}的最佳试验在测试集上的准确率为 {test:.3f}，验证集上为 {val:.3f}；{clause}")(lang)
    if paired.winner == "b":
        return head + T(": picking the best of many noisy scores flatters the winner, which is why the test set "
                        "stays out of the search.",
                        "：从许多带噪声的分数里挑最好的，会高估胜出者，这正是测试集不能参与搜索的原因。")(lang)
    if paired.winner == "a":
        return head + T(": here the test score was the higher one.", "：这里测试集上的分数反而更高。")(lang)
    return head + T(": this budget cannot tell whether picking the best of many noisy scores flattered the winner; "
                    "that risk is why the test set stays out of the search.",
                    "：这个预算下还分不清从许多带噪声的分数里挑最好的是否高估了胜出者；正因为有这种风险，测试集不能参与"
                    "搜索。")(lang)


def _search_figures(outcome: Outcome, lang: str) -> list:
    from ...lab.tuning import study_figures

    tables = outcome.extra.get("trials") or {}
    out = []
    running = {}
    for name, rows in tables.items():
        best, series = math.inf, []
        for r in rows:
            if r["value"] is not None:
                best = min(best, r["value"])
                series.append({"step": r["trial"] + 1, "best_val_loss": best})
        if series:
            running[SAMPLER_LABELS[name](lang)] = series
    if running:
        fig = curve_figure(running, "best_val_loss", T("lowest validation loss so far", "目前为止的最低验证损失")(lang),
                           T("validation loss", "验证损失")(lang))
        fig.update_xaxes(title_text=T("trial", "试验次数")(lang))
        out.append((T("Best score so far, per method (first seed)", "各方法目前为止的最佳分数（第一个种子）")(lang), fig))
    names = _search_names(outcome)
    if names:
        out.append((T("Lowest validation loss per method", "各方法找到的最低验证损失")(lang),
                    bars(outcome, "best_val_loss", names, lang, SAMPLER_LABELS)))
    for name in ("tpe", "random", "grid"):
        done = [r for r in tables.get(name, []) if r["value"] is not None]
        if len(done) >= 2:
            drawn = study_figures(probes.study_from_trials(done, outcome.extra["spaces"][name], "minimize"))
            label = SAMPLER_LABELS[name](lang)
            out.append((T(f"Optuna: optimisation history ({label})", f"Optuna：优化历史（{label}）")(lang),
                        drawn["history"]))
            out.append((T(f"Optuna: parallel coordinates ({label})", f"Optuna：平行坐标图（{label}）")(lang),
                        drawn["parallel"]))
            break
    return out


TRAIN_8 = Lesson(
    id="train.8", topic="train", sources="001 #11, #19; 003 #15, #22",
    title=T("Hyper-parameter search", "超参数搜索"),
    question=T("How do you tune hyper-parameters for fine-tuning: grid search, random search or Bayesian "
               "optimisation?",
               "微调时怎么调超参数：网格搜索、随机搜索，还是贝叶斯优化？"),
    answer=T("Decide first what to tune (the learning rate first, then batch size, epochs, weight decay, warm-up, "
             "dropout), give each a sensible range (a log scale for rates), and judge every trial on a validation "
             "set, never on the test set. Grid search tries every combination of a few values: simple and "
             "reproducible, but its cost multiplies with each added parameter, and it spends trials repeating the "
             "same values of the important parameter. Random search samples the ranges instead; with the same budget "
             "it tries more distinct values of the parameters that matter, so it usually does at least as well as a "
             "grid. Bayesian optimisation, such as Optuna's TPE, models which regions scored well and samples there "
             "next; it finds good settings in fewer trials once a handful of results exist, and pruning stops clearly "
             "bad trials early. On small validation sets the top trials often differ by less than the noise, so "
             "confirm the winner over several seeds or folds.",
             "先确定要调哪些参数（最先是学习率，然后是批大小、训练轮数、权重衰减、预热比例、Dropout），给每个参数一个"
             "合理的范围（学习率用对数尺度），并且每次试验都在验证集上评估，绝不能用测试集。网格搜索把少量取值的所有"
             "组合都试一遍：简单、可复现，但每多一个参数，成本就成倍增加，而且会在重要参数的同一批取值上反复浪费试验"
             "。随机搜索则在范围内随机采样；同样的预算下，它能试到更多不同的关键参数取值，所以通常不比网格差。贝叶斯"
             "优化（例如 Optuna 的 TPE）会建模哪些区域得分高，并在那里继续采样；有了几次结果之后，它能用更少的试验找"
             "到好的设置，剪枝还能提前停掉明显不好的试验。验证集较小时，前几名之间的差距常常小于噪声，所以要用多个随"
             "机种子或多折交叉验证确认胜出者。"),
    experiment=_search_runs, takeaway=_search_takeaway, figures=_search_figures,
    quiz=Quiz(T("Same number of trials each: which search will find the lowest validation loss?",
                "每种方法的试验次数相同：哪种搜索能找到最低的验证损失？"),
              {"grid": SAMPLER_LABELS["grid"], "random": SAMPLER_LABELS["random"], "tpe": SAMPLER_LABELS["tpe"],
               "tie": T("a tie at the top", "并列第一")},
              _search_winner),
    settings={"trials": 20, "lr_range": [1e-4, 0.1], "grid_lrs": [1e-4, 3e-4, 1e-3, 3e-3, 1e-2, 3e-2, 0.1],
              "max_dropout": 0.5},
    repeats=3,
)
