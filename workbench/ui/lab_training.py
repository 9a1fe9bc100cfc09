"""Lab tabs that train: hyper-parameter search, cross-validation and seed repeats, the learning-rate range test.
Each reads its widgets, starts one core function as a background job and draws what it returns."""
from __future__ import annotations

import time

import streamlit as st

from ..core.config import ConfigError, RunConfig
from .common import show_error
from .lab_jobs import job_panel, launch, start_button

DEFAULT_SPACE = "lr=log:1e-5:1e-2\nweight_decay=0,0.01,0.1"
SCORE_METRICS = ("accuracy", "f1_macro", "eval_loss")


# ---------------------------------------------------------------- search


def search_tab(base: RunConfig) -> None:
    from ..lab.tuning import METRIC_KEYS, SAMPLERS, check_space, parse_space

    st.caption("Optuna picks settings from the space below; each trial is a real run (it appears on the Runs page "
               "as `tune:<study>:<trial>`) and a trial the median pruner gives up on is stopped early.")
    left, right = st.columns([2, 1])
    space_text = left.text_area("Search space, one option per line", DEFAULT_SPACE, key="lab.search.space",
                                help="name=log:LOW:HIGH, name=float:LOW:HIGH, name=int:LOW:HIGH, or a list of "
                                     "choices name=a,b,c (tuple options such as hidden_sizes: 64,32|128).")
    sampler = right.selectbox("sampler", SAMPLERS, key="lab.search.sampler")
    metric = right.selectbox("metric (validation)", list(METRIC_KEYS), key="lab.search.metric")
    trials = right.number_input("trials", 1, 200, 6, key="lab.search.trials")
    prune = right.checkbox("prune unpromising trials", True, key="lab.search.prune")
    study_name = right.text_input("study name (same name: add trials to it)", key="lab.search.study",
                                  placeholder="new study") or None
    storage = st.text_input("storage URL (empty: SQLite under WORKBENCH_HOME)", key="lab.search.storage",
                            placeholder="postgresql://user:password@host/database",
                            help="Workers on other machines that use the same URL and study name add their trials "
                                 "to the same study (README: the lab).").strip() or None
    if start_button("search", "▶ Start the search", key="lab.search.start"):
        try:
            space = check_space(parse_space([line for line in space_text.splitlines() if line.strip()]), base)
            name = study_name or f"lab-{base.data.dataset}-{base.model.model}-{time.strftime('%Y%m%d-%H%M%S')}"
            st.session_state["lab.search.watching"] = (storage, name)
            launch("search", f"Search {name}", lambda runner: _search(base, space, sampler, int(trials), metric,
                                                                     name, prune, storage, runner))
        except Exception as err:
            show_error(err)
    job_panel("search", _draw_search)
    watched = st.session_state.get("lab.search.watching") or ((storage, study_name) if study_name else None)
    if watched and st.toggle("Show the study's trials from every worker, live", key="lab.search.live"):
        _live_trials(*watched)


def _search(base, space, sampler, trials, metric, name, prune, storage, runner) -> dict:
    from ..lab.tuning import best_summary, study_figures, trials_table, tune

    study = tune(base, space, sampler=sampler, n_trials=trials, metric=metric, study_name=name, prune=prune,
                 storage=storage, runner=runner)
    return {"table": trials_table(study), "best": best_summary(study), "figures": study_figures(study)}


def _live_trials(storage: str | None, study_name: str) -> None:
    """The study as its storage holds it now, refreshed every few seconds: this server's trials and those of
    workers elsewhere (their `worker` column names host and process)."""
    from ..lab.tuning import default_storage, load_study, trials_table

    @st.fragment(run_every=3)
    def draw():
        try:
            table = trials_table(load_study(storage or default_storage(), study_name))
        except Exception as err:
            show_error(err)
            return
        st.caption(f"Study {study_name}: {len(table)} trials, "
                   f"{int((table['state'] == 'running').sum()) if len(table) else 0} running.")
        st.dataframe(table, hide_index=True, key="lab.search.live.table")

    draw()


def _draw_search(result: dict) -> None:
    best, table = result["best"], result["table"]
    counts = ", ".join(f"{n} {state}" for state, n in best["trials"].items())
    if best["best_value"] is None:
        st.warning(f"No trial of study {best['study']} completed ({counts}).")
    else:
        params = ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}"
                           for k, v in best["best_params"].items())
        st.success(f"Best {best['metric']} {best['best_value']:.3f} with {params} (run {best['best_run_id']}); "
                   f"trials: {counts}.")
    st.dataframe(table, hide_index=True, key="lab.search.table")
    for name, fig in result["figures"].items():
        st.plotly_chart(fig, key=f"lab.search.fig.{name}", width="stretch")


# ---------------------------------------------------------------- repeats and cross-validation


def repeats_tab(base: RunConfig) -> None:
    st.caption("Is a difference real? Run the base settings over k folds or several seeds, optionally against a "
               "second setting B, and compare the gap with the run-to-run spread.")
    cols = st.columns(3)
    kind = cols[0].radio("repeat over", ["folds", "seeds"], key="lab.repeats.kind",
                         format_func={"folds": "k-fold cross-validation", "seeds": "seeds"}.get)
    count = cols[1].number_input("folds" if kind == "folds" else "seeds", 2, 20, 3, key="lab.repeats.n")
    other_text = cols[2].text_area("B: options that differ from the base (one per line, empty: none)",
                                   key="lab.repeats.other", placeholder="lr=1e-3")
    if start_button("repeats", "▶ Run the repeats", key="lab.repeats.start"):
        try:
            other = parse_overrides(other_text)
            for cfg in [base] + ([base.replace(**other)] if other else []):
                cfg.validate()
            launch("repeats", f"{count} {kind}" + (" for A and B" if other else ""),
                   lambda runner: _repeats(base, kind, int(count), other, runner))
        except Exception as err:
            show_error(err)
    metric = st.selectbox("metric", SCORE_METRICS, key="lab.repeats.metric")
    job_panel("repeats", lambda result: _draw_repeats(result, metric))


def parse_overrides(text: str) -> dict:
    """'lr=1e-3' lines -> {"lr": 0.001}, typed like the search space; one value per option."""
    from ..lab.tuning import parse_space

    lines = [line for line in text.splitlines() if line.strip()]
    overrides = {}
    for name, spec in (parse_space(lines) if lines else {}).items():
        if not isinstance(spec, list) or len(spec) != 1:
            raise ConfigError(f"B needs one value for {name}, e.g. {name}=1e-3 (not a range or a list).")
        overrides[name] = spec[0]
    return overrides


def _repeats(base: RunConfig, kind: str, count: int, other: dict, runner) -> dict:
    from ..lab.repeats import cross_validate, repeat_seeds

    def repeat(cfg):
        if kind == "folds":
            return cross_validate(cfg, folds=count, runner=runner)
        return repeat_seeds(cfg, seeds=[base.train.seed + i for i in range(count)], runner=runner)

    results = {"A (base)": repeat(base.replace(name="lab A"))}
    if other:
        label = "B (" + ", ".join(f"{k}={v}" for k, v in other.items()) + ")"
        results[label] = repeat(base.replace(**other, name=f"lab {label}"))
    return results


def _draw_repeats(results: dict, metric: str) -> None:
    from ..analysis.plots import fig_band
    from ..analysis.stats import compare_paired

    split = next(iter(results.values())).split
    for name, result in results.items():
        scores = result.scores(metric)
        st.markdown(f"**{name}**: {metric} on {'held-out folds' if split == 'val' else 'test'} "
                    + (result.summary(metric)["text"] if len(scores) else "— (no finished run)"))
        st.dataframe(result.table(), hide_index=True, key=f"lab.repeats.table.{name}")
    if len(results) == 2:
        (a, ra), (b, rb) = results.items()
        verdict = compare_paired(ra, rb, metric, names=(a, b), higher_is_better=metric != "eval_loss")
        (st.info if verdict.tie else st.success)(verdict.sentence)
    try:
        bands = {name: result.band("eval_loss") for name, result in results.items()}
        st.plotly_chart(fig_band(bands), key="lab.repeats.band", width="stretch")
    except ValueError as err:
        st.caption(str(err))


# ---------------------------------------------------------------- learning-rate range test


def lr_finder_tab(base: RunConfig) -> None:
    st.caption("The range test trains the base settings for a few steps while the learning rate grows "
               "exponentially, and reads a good rate off the loss curve. Nothing is stored as a run.")
    cols = st.columns(3)
    start_lr = cols[0].number_input("start lr", value=1e-7, format="%g", key="lab.lr.start")
    end_lr = cols[1].number_input("end lr", value=10.0, format="%g", key="lab.lr.end")
    steps = cols[2].number_input("steps", 5, 1000, 100, key="lab.lr.steps")
    if start_button("lr_finder", "▶ Run the range test", key="lab.lr.go"):
        from ..lab.lr_finder import find_lr
        launch("lr_finder", f"LR range test over {steps} steps",
               lambda runner: find_lr(base, start_lr=start_lr, end_lr=end_lr, steps=int(steps)))
    job_panel("lr_finder", _draw_lr_finder, stoppable=False)


def _draw_lr_finder(result) -> None:
    from ..analysis.plots import fig_lr_finder

    for note in result.notes:
        st.caption(note)
    if result.suggestion is not None:
        cols = st.columns([1, 1, 2])
        cols[0].metric("steepest descent", f"{result.suggestion:.2g}")
        cols[1].metric("a tenth of the lowest-loss lr", f"{result.minimum_suggestion:.2g}")
        cols[2].button(f"Use lr {result.suggestion:.2g} in the base settings", key="lab.lr.use",
                       on_click=_set_base_lr, args=(float(f"{result.suggestion:.2g}"),))
    st.plotly_chart(fig_lr_finder(result), key="lab.lr.fig", width="stretch")


def _set_base_lr(lr: float) -> None:
    st.session_state["lab.train.lr"] = lr
