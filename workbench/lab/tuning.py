"""Hyper-parameter search with Optuna: every trial is a real run through the runner (so it appears in the run
store as `tune:<study>:<trial>`), evaluations are reported to the trial, and a trial the pruner gives up on is
stopped mid-run.

A search space maps flat option names to a list of choices or a range: ("float" | "log" | "int", low, high).
The command-line form is `lr=log:1e-5:1e-3` or `batch_size=8,16,32` (tuple options such as hidden_sizes take
choices separated by "|": `hidden_sizes=64,32|128`). Studies live in SQLite at $WORKBENCH_HOME/studies.db by
default; any Optuna storage URL works, so several machines can add trials to one study by name.
"""
from __future__ import annotations

import os
import socket
import time
import warnings
from typing import Iterable

import pandas as pd

from ..core.config import ConfigError, RunConfig, all_options, option_kind

SAMPLERS = ("tpe", "random", "grid")
RANGE_KINDS = ("float", "log", "int")
# The tuned metric -> the key the Trainer's evaluations carry it under (reported to the pruner).
METRIC_KEYS = {"accuracy": "eval_accuracy", "f1_macro": "eval_f1", "eval_loss": "eval_loss"}
_OPTIONS = {f.name: f for f in all_options()}


class TrialRunFailed(RuntimeError):
    """A trial's run failed or its sampled settings do not fit together; the study records it and goes on."""


# ---------------------------------------------------------------- search spaces


def parse_space(items: Iterable[str] | str) -> dict:
    """`["lr=log:1e-5:1e-3", "batch_size=8,16"]` -> `{"lr": ("log", 1e-5, 1e-3), "batch_size": [8, 16]}`."""
    space = {}
    for item in [items] if isinstance(items, str) else items:
        name, sep, spec = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep or not spec.strip():
            raise ConfigError(f"Search space entry {item!r} needs the form name=spec, e.g. lr=log:1e-5:1e-3 or "
                              "batch_size=8,16,32.")
        space[name] = _parse_spec(name, spec.strip())
    return space


def _parse_spec(name: str, spec: str):
    kind, _, rest = spec.partition(":")
    if kind in RANGE_KINDS:
        bounds = rest.split(":")
        if len(bounds) != 2:
            raise ConfigError(f"{name}: a range is {kind}:LOW:HIGH, e.g. {name}={kind}:1e-5:1e-3 (got {spec!r}).")
        try:
            low, high = (int(b) if kind == "int" else float(b) for b in bounds)
        except ValueError as err:
            what = "integers" if kind == "int" else "numbers"
            raise ConfigError(f"{name}: the bounds of {spec!r} are not {what}.") from err
        return (kind, low, high)
    tuple_option = _kind(name) == "ints"
    return [_convert(name, text.strip()) for text in spec.split("|" if tuple_option else ",")]


def _kind(name: str) -> str:
    if name not in _OPTIONS:
        raise ConfigError(f"Unknown option {name!r} in the search space. Known options: "
                          f"{', '.join(sorted(_OPTIONS))}.")
    return option_kind(_OPTIONS[name])[0]


def _convert(name: str, value):
    """A choice (text from the command line, or a Python value) as the option's type; None for 'none'."""
    kind, optional = option_kind(_OPTIONS[name])
    if isinstance(value, str) and value.lower() == "none":
        if not optional:
            raise ConfigError(f"{name} cannot be none.")
        return None
    try:
        if kind == "bool":
            if isinstance(value, str):
                if value.lower() not in ("true", "false", "yes", "no", "1", "0"):
                    raise ValueError(value)
                return value.lower() in ("true", "yes", "1")
            return bool(value)
        if kind == "ints":
            return tuple(int(v) for v in (value.split(",") if isinstance(value, str) else value))
        if kind == "float":
            return float(value)
        if kind == "int":
            if float(value) != int(float(value)):
                raise ValueError(value)
            return int(float(value))
        return str(value)
    except (TypeError, ValueError) as err:
        raise ConfigError(f"{name}: {value!r} is not a valid {kind} value.") from err


def check_space(space: dict, base: RunConfig) -> dict:
    """The space with choices converted to the options' types; raises ConfigError naming any entry that cannot
    work, including a value the base config rejects (checked before any trial runs)."""
    if not space:
        raise ConfigError("The search space is empty; give at least one entry, e.g. --space lr=log:1e-5:1e-2.")
    checked = {}
    for name, spec in space.items():
        kind = _kind(name)
        if isinstance(spec, str):
            spec = _parse_spec(name, spec)
        if isinstance(spec, tuple) and len(spec) == 3 and spec[0] in RANGE_KINDS:
            checked[name] = _check_range(name, kind, spec)
            probes = [checked[name][1], checked[name][2]]
        elif isinstance(spec, (list, tuple)) and len(spec) > 0:
            checked[name] = [_convert(name, v) for v in spec]
            probes = checked[name]
        else:
            raise ConfigError(f"{name}: a search space entry is a non-empty list of choices or a range "
                              f"(kind, low, high) with kind one of {', '.join(RANGE_KINDS)}; got {spec!r}.")
        for value in probes:
            try:
                base.replace(**{name: value}).validate()
            except ConfigError as err:
                raise ConfigError(f"Search space {name}={value!r}: {err}") from err
    return checked


def _check_range(name: str, kind: str, spec: tuple) -> tuple:
    range_kind, low, high = spec
    if kind not in ("int", "float"):
        raise ConfigError(f"{name} is a {kind} option; give it a list of choices, not a range.")
    if kind == "int" and range_kind != "int":
        raise ConfigError(f"{name} takes whole numbers; use int:LOW:HIGH or a list of choices.")
    if not low < high:
        raise ConfigError(f"{name}: the range needs low < high (got {low} and {high}).")
    if range_kind == "log" and low <= 0:
        raise ConfigError(f"{name}: a log range needs low > 0 (got {low}).")
    cast = int if range_kind == "int" else float
    return (range_kind, cast(low), cast(high))


def _encoded(value):
    """Optuna's categorical choices must be None/bool/int/float/str: tuples travel as '64,32'."""
    return ",".join(map(str, value)) if isinstance(value, tuple) else value


def _suggest(trial, name: str, spec):
    if isinstance(spec, list):
        return _convert(name, trial.suggest_categorical(name, [_encoded(v) for v in spec]))
    kind, low, high = spec
    if kind == "int":
        return trial.suggest_int(name, low, high)
    return trial.suggest_float(name, low, high, log=kind == "log")


# ---------------------------------------------------------------- studies


def default_storage() -> str:
    from ..core.store import workbench_home
    home = workbench_home()
    home.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{home / 'studies.db'}"


HEARTBEAT_SECONDS = 5     # a running trial's worker writes a heartbeat this often ...
GRACE_SECONDS = 20        # ... and a trial whose heartbeat is this old (its worker was killed) is marked failed
SCHEMA_ATTEMPTS = 5


def open_storage(url):
    """An Optuna storage for `url`, or a ConfigError that names the problem (a bad URL, a missing database
    driver, a folder that does not exist) instead of a SQLAlchemy traceback.

    Trials send heartbeats, so a trial whose worker was killed is marked failed by the next worker that starts a
    trial (instead of showing as running forever). Workers that open a fresh database at the same moment race to
    create Optuna's tables; the loser of that race tries again."""
    import optuna

    if not isinstance(url, str):
        return url              # already a storage object (in-memory, journal ...)
    for attempt in range(SCHEMA_ATTEMPTS):
        try:
            with warnings.catch_warnings():   # heartbeats are marked experimental; they are what we need here
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(url, heartbeat_interval=HEARTBEAT_SECONDS,
                                                  grace_period=GRACE_SECONDS)
        except ImportError as err:
            raise ConfigError(f"The storage {url!r} needs a database driver that is not installed ({err}); for "
                              "PostgreSQL: pip install -r requirements-postgres.txt (psycopg 3, which a plain "
                              "postgresql:// URL uses); for MySQL: pip install pymysql.") from err
        except Exception as err:
            if attempt + 1 < SCHEMA_ATTEMPTS and _lost_schema_race(err):
                time.sleep(0.2 * (attempt + 1))
                continue
            raise _storage_error(url, err) from err


def _lost_schema_race(err: Exception) -> bool:
    """Another worker created the same table or type at the same moment (PostgreSQL: UniqueViolation on
    pg_type, DuplicateTable; SQLite: 'table ... already exists')."""
    text = f"{type(err).__name__}: {err}".lower()
    return any(sign in text for sign in ("uniqueviolation", "duplicatetable", "already exists",
                                          "pg_type_typname_nsp_index"))


def _storage_error(url: str, err: Exception) -> ConfigError:
    """SQLAlchemy raises several unrelated types for a bad URL or an unreachable database: one clear message."""
    first_line = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
    return ConfigError(f"Cannot open the Optuna storage {url!r}: {first_line}. Examples: "
                       "sqlite:////absolute/path/studies.db (the folder must exist), "
                       "postgresql://user:password@host/database.")


def tune(base: RunConfig, space: dict, *, sampler: str = "tpe", n_trials: int = 10, metric: str = "accuracy",
         storage: str | None = None, study_name: str | None = None, prune=True, runner=None, seed: int = 0,
         on_start=None):
    """Run `n_trials` more trials of a (new or existing) study and return it. `metric` is a validation metric:
    accuracy and f1_macro are maximised, eval_loss minimised. `prune` is True (median pruner), False, or any
    Optuna pruner. `on_start(label, handle)` hears of each trial's run as it starts (so a caller can stop it)."""
    import optuna

    from ..core.runner import get_runner

    if metric not in METRIC_KEYS:
        raise ConfigError(f"metric must be one of {', '.join(METRIC_KEYS)} (got {metric!r}).")
    if n_trials < 1:
        raise ConfigError(f"n_trials must be at least 1 (got {n_trials}).")
    base.validate()
    space = check_space(space, base)
    study = optuna.create_study(
        storage=open_storage(storage or default_storage()),
        sampler=_sampler(sampler, space, seed), pruner=_pruner(prune),
        study_name=study_name or f"{base.data.dataset}-{base.model.model}-{time.strftime('%Y%m%d-%H%M%S')}",
        direction="minimize" if metric == "eval_loss" else "maximize", load_if_exists=True)
    _check_study_matches(study, metric, space)
    runner = runner or get_runner()
    study.optimize(lambda trial: _run_trial(trial, base, space, metric, runner, on_start), n_trials=n_trials,
                   catch=(TrialRunFailed,))
    wait_for_running_trials(study)
    return study


def wait_for_running_trials(study, poll_seconds: float = 1.0) -> None:
    """Wait until no trial of the study is running, so that every worker's summary covers the same trials. Other
    workers' trials send heartbeats; one whose worker died is marked failed once its heartbeat is GRACE_SECONDS
    old (Optuna's fail_stale_trials), so a killed worker never makes this wait forever."""
    import optuna

    while True:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
            optuna.storages.fail_stale_trials(study)
        if not study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.RUNNING,)):
            return
        time.sleep(poll_seconds)


def load_study(storage: str, study_name: str):
    """An existing study, for watching it while workers (here or on other machines) add trials."""
    import optuna

    try:
        return optuna.load_study(study_name=study_name, storage=open_storage(storage))
    except KeyError as err:
        raise ConfigError(f"No study named {study_name!r} in {storage}; start a search first.") from err


def _sampler(name: str, space: dict, seed: int):
    import optuna

    if name == "tpe":
        return optuna.samplers.TPESampler(seed=seed)
    if name == "random":
        return optuna.samplers.RandomSampler(seed=seed)
    if name == "grid":
        ranges = [n for n, spec in space.items() if not isinstance(spec, list)]
        if ranges:
            raise ConfigError(f"The grid sampler needs a finite grid, but {', '.join(ranges)} "
                              f"{'is a range' if len(ranges) == 1 else 'are ranges'}; list the values instead "
                              "(e.g. lr=1e-4,1e-3) or use --sampler tpe/random.")
        return optuna.samplers.GridSampler({n: [_encoded(v) for v in spec] for n, spec in space.items()}, seed=seed)
    raise ConfigError(f"sampler must be one of {', '.join(SAMPLERS)} (got {name!r}).")


def _pruner(prune):
    import optuna

    if prune is True:
        # Compare from the second finished trial on, and only after the first evaluation.
        return optuna.pruners.MedianPruner(n_startup_trials=2, n_warmup_steps=0)
    if prune is False or prune is None:
        return optuna.pruners.NopPruner()
    if isinstance(prune, optuna.pruners.BasePruner):
        return prune
    raise ConfigError(f"prune must be True, False or an Optuna pruner (got {prune!r}).")


def _check_study_matches(study, metric: str, space: dict) -> None:
    """A study keeps its metric and search space: trials added later (from any machine) must use the same."""
    import json

    wanted = {"metric": metric, "space": json.loads(json.dumps({n: _jsonable(v) for n, v in space.items()}))}
    for key, value in wanted.items():
        stored = study.user_attrs.get(key)
        if stored is None:
            study.set_user_attr(key, value)
        elif stored != value:
            raise ConfigError(f"Study {study.study_name!r} was created with {key} {stored}, not {value}; use the "
                              "same settings to add trials to it, or choose another study name.")


def _jsonable(spec):
    return [_encoded(v) for v in spec] if isinstance(spec, list) else list(spec)


class _EvaluationReporter:
    """Runner subscriber: reports each evaluation's metric to the trial and stops the run once it is pruned."""

    def __init__(self, trial, key: str, runner):
        self.trial, self.key, self.runner = trial, key, runner
        self.pruned_at: int | None = None

    def __call__(self, event, snap: dict) -> None:
        if event.type != "evaluated" or self.pruned_at is not None or event.values.get(self.key) is None:
            return
        self.trial.report(float(event.values[self.key]), event.step)
        if self.trial.should_prune():
            self.pruned_at = event.step
            self.runner.stop(snap["id"])


def _run_trial(trial, base: RunConfig, space: dict, metric: str, runner, on_start=None) -> float:
    import optuna

    from .repeats import run_score

    params = {name: _suggest(trial, name, spec) for name, spec in space.items()}
    try:
        cfg = base.replace(**params, name=f"tune:{trial.study.study_name}:{trial.number}").validate()
    except ConfigError as err:
        trial.set_user_attr("error", str(err))
        raise TrialRunFailed(f"trial {trial.number}: {err}") from err
    trial.set_user_attr("worker", f"{socket.gethostname()}:{os.getpid()}")
    reporter = _EvaluationReporter(trial, METRIC_KEYS[metric], runner)
    handle = runner.start(cfg, subscribers=[reporter])
    trial.set_user_attr("run_id", handle.id)
    if on_start is not None:
        on_start(f"trial {trial.number}", handle)
    try:
        snap = handle.wait()
    except KeyboardInterrupt:   # Optuna marks the trial failed; the run must not go on training unseen
        handle.stop()
        raise
    if reporter.pruned_at is not None:
        raise optuna.TrialPruned(f"pruned after the evaluation at step {reporter.pruned_at}")
    value = run_score(snap, metric, "val")
    if snap["status"] != "finished" or value is None:
        trial.set_user_attr("error", snap.get("error") or f"run ended {snap['status']}")
        raise TrialRunFailed(f"trial {trial.number} (run {handle.id}) ended {snap['status']}: {snap.get('error')}")
    return value


# ---------------------------------------------------------------- results


def trials_table(study) -> pd.DataFrame:
    """One row per trial: number, state, value, each parameter, the run id and the seconds it took."""
    rows = []
    for t in study.trials:
        rows.append({"trial": t.number, "state": t.state.name.lower(), "value": t.value, **t.params,
                     "run_id": t.user_attrs.get("run_id"), "worker": t.user_attrs.get("worker"),
                     "seconds": t.duration.total_seconds() if t.duration else None})
    return pd.DataFrame(rows)


def best_summary(study) -> dict:
    """The best trial's value, parameters and run id, and the count of trials by state (plain values)."""
    states = trials_table(study)["state"].value_counts().to_dict() if study.trials else {}
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    best = study.best_trial if complete else None
    return {"study": study.study_name, "metric": study.user_attrs.get("metric"),
            "best_value": best.value if best else None, "best_params": best.params if best else None,
            "best_run_id": best.user_attrs.get("run_id") if best else None,
            "trials": {k: int(v) for k, v in states.items()}}


def study_figures(study) -> dict:
    """Optuna's optimisation history and parallel coordinates, and parameter importances where there are at
    least two completed trials and two parameters (otherwise that entry is an empty figure saying why)."""
    import plotly.graph_objects as go
    from optuna import visualization as vis

    figures = {"history": vis.plot_optimization_history(study), "parallel": vis.plot_parallel_coordinate(study)}
    complete = [t for t in study.trials if t.state.name == "COMPLETE"]
    params = {name for t in complete for name in t.params}
    if len(complete) >= 2 and len(params) >= 2:
        figures["importances"] = vis.plot_param_importances(study)
    else:
        note = (f"Parameter importances need at least 2 completed trials and 2 tuned parameters; this study has "
                f"{len(complete)} and {len(params)}.")
        figures["importances"] = go.Figure(layout=dict(
            title="parameter importances", xaxis_visible=False, yaxis_visible=False, template="plotly_white",
            annotations=[dict(text=note, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper")]))
    return figures
