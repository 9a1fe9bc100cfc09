"""`python -m workbench <command>`: training, the lab (search, repeats, LR finder, data quality, deployment) and
the applications, headless, with a terminal progress bar. `python -m workbench --help` lists the commands.

The run options are generated from the config dataclasses, so they always match what the UIs offer.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from .core.config import ConfigError, RunConfig, all_options, option_kind

ALIASES = {"label_column": ["--target"]}


ARG_TYPES = {"ints": lambda text: tuple(int(v) for v in text.split(",")), "float": float, "int": int, "str": str,
             "choice": str}


def add_config_arguments(parser: argparse.ArgumentParser, only: set[str] | None = None) -> None:
    """One flag per config option (or per option named in `only`)."""
    for f in all_options():
        if only is not None and f.name not in only:
            continue
        flag = "--" + f.name.replace("_", "-")
        names = [flag, *ALIASES.get(f.name, [])]
        if f.name == "lr":
            names.append("--learning-rate")
        help_text = f.metadata["help"].replace("%", "%%")   # argparse formats help with %
        kind, _ = option_kind(f)
        if kind == "bool":
            parser.add_argument(*names, dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                                help=f"{help_text} (default: {f.default})")
            continue
        parser.add_argument(*names, dest=f.name, type=ARG_TYPES[kind], default=None,
                            choices=f.metadata.get("choices"),
                            help=f"{help_text} (default: {f.default})")


def int_list(text: str) -> tuple[int, ...]:
    """`0,1,2` -> (0, 1, 2), for --seeds and --lengths."""
    try:
        return tuple(int(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers such as 0,1,2; got {text!r}")


def config_from_args(args: argparse.Namespace) -> RunConfig:
    chosen = {f.name: getattr(args, f.name) for f in all_options() if getattr(args, f.name, None) is not None}
    return RunConfig.from_flat(name=args.name, **chosen)


def config_command(sub, name: str, help_text: str) -> argparse.ArgumentParser:
    """A subcommand taking every config option, --name and --json."""
    command = sub.add_parser(name, help=help_text, description=help_text,
                             formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    command.add_argument("--name", default=None, help="A label for the run(s).")
    command.add_argument("--json", action="store_true", help="Print the result as one JSON line.")
    add_config_arguments(command)
    return command


def build_parser() -> argparse.ArgumentParser:
    summary = " ".join(__doc__.split("\n\n")[0].split())   # the docstring's first paragraph, on one line
    parser = argparse.ArgumentParser(prog="python -m workbench", description=summary)
    parser.add_argument("--verbose", action="store_true", help="Also show the libraries' own logs, load reports "
                        "and progress bars (same as WORKBENCH_VERBOSE=1).")
    sub = parser.add_subparsers(dest="command", required=True)
    train = config_command(sub, "train", "Fine-tune a model (defaults: MiniLM on Rotten Tomatoes). Under torchrun "
                           "or accelerate launch the processes train one run together (rank 0 writes and prints).")
    train.add_argument("--config", metavar="JSON", default=None,
                       help="Start from the settings in this file (e.g. a run's config.json); options given beside "
                       "it override them.")
    config_command(sub, "plan", "Before launch: steps, parameters, precision, and estimates of memory and time.")
    tune = config_command(sub, "tune", "Search hyper-parameters with Optuna; each trial is a run.")
    tune.add_argument("--space", action="append", required=True, metavar="NAME=SPEC",
                      help="Repeatable: lr=log:1e-5:1e-3, dropout=float:0:0.5, epochs=int:1:5 or batch_size=8,16.")
    tune.add_argument("--sampler", default="tpe", choices=("tpe", "random", "grid"), help="How trials are picked.")
    tune.add_argument("--trials", type=int, default=10, help="How many trials to add to the study.")
    tune.add_argument("--metric", default="accuracy", choices=("accuracy", "f1_macro", "eval_loss"),
                      help="Validation metric to optimise (eval_loss is minimised).")
    tune.add_argument("--storage", default=None, help="Optuna storage URL (default: sqlite under WORKBENCH_HOME).")
    tune.add_argument("--study", default=None, help="Study name; an existing study gets more trials.")
    tune.add_argument("--sampler-seed", type=int, default=None,
                      help="Seed of the sampler, for a reproducible search (default: a fresh one per worker, so "
                           "workers that share a study do not all try the same settings).")
    tune.add_argument("--no-prune", dest="prune", action="store_false", help="Never stop a trial early.")
    tune.add_argument("--plots", metavar="FOLDER", default=None,
                      help="Also write Optuna's plots (history, parallel coordinates, importances) as HTML here.")
    cv = config_command(sub, "cv", "Cross-validate: one run per stratified fold; mean ± spread.")
    cv.add_argument("--folds", type=int, default=5, help="Number of folds.")
    repeat = config_command(sub, "repeat", "Repeat a run with several seeds; mean ± spread.")
    repeat.add_argument("--seeds", type=int_list, default=(0, 1, 2), help="Comma-separated seeds.")
    for command in (cv, repeat):
        command.add_argument("--against", action="append", metavar="NAME=VALUE",
                             help="Repeatable: also run a second setting with these options changed (same folds "
                             "or seeds) and compare them pair by pair: the 95%% confidence interval of the "
                             "difference and which is better, or that this budget cannot tell, e.g. --against "
                             "lr=1e-3.")
    lr_find = config_command(sub, "lr-find", "Learning-rate range test: suggest a learning rate.")
    lr_find.add_argument("--start-lr", type=float, default=1e-7, help="Rate of the first step.")
    lr_find.add_argument("--end-lr", type=float, default=10.0, help="Rate of the last step.")
    lr_find.add_argument("--steps", type=int, default=100, help="Steps of the ramp (it stops early on divergence).")
    resume = sub.add_parser("resume", help="Continue a stopped or interrupted run from its newest complete "
                            "checkpoint (finished and failed runs cannot be resumed).")
    resume.add_argument("run_id")
    resume.add_argument("--json", action="store_true", help="Print the summary as one JSON line.")
    runs = sub.add_parser("runs", help="List the runs on disk.")
    runs.add_argument("--json", action="store_true", help="Print one JSON object per run.")
    sub.add_parser("datasets", help="List the bundled offline datasets.")
    _add_export_parser(sub)
    _add_quality_parser(sub)
    _add_application_parsers(sub)
    _add_sft_parser(sub)
    _add_deployment_parsers(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.verbose:
        from .core.quiet import loud_third_party
        loud_third_party()
    try:
        return {"train": _train, "plan": _plan, "resume": _resume, "runs": _runs, "datasets": _datasets,
                "tune": _tune, "cv": _cv, "export": _export,
                "repeat": _repeat, "lr-find": _lr_find, "quality": _quality, **APPLICATIONS,
                **DEPLOYMENT}[args.command](args)
    except (ConfigError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _train(args) -> int:
    from .core.runner import start_run
    cfg = config_from_args(args)
    if args.config:
        from pathlib import Path
        chosen = {f.name: getattr(args, f.name) for f in all_options() if getattr(args, f.name, None) is not None}
        cfg = RunConfig.from_json(Path(args.config).read_text()).replace(
            **chosen, **({"name": args.name} if args.name else {}))
    return _follow(start_run(cfg.validate()), args.json)


def _resume(args) -> int:
    from .core.runner import get_runner
    return _follow(get_runner().resume(args.run_id), args.json)


def _follow(handle, as_json: bool) -> int:
    """Show a progress bar until the run ends; Ctrl-C stops the run cooperatively and keeps its folder."""
    from tqdm import tqdm

    from .core.distributed import is_main_process

    main = is_main_process()   # under torchrun only rank 0 shows progress and prints the summary
    as_json = as_json or not main
    bar = tqdm(total=1, unit="step", disable=as_json, dynamic_ncols=True)
    shown = {"notes": 0, "diagnoses": 0}
    try:
        while not handle.done:
            _update_bar(bar, handle.snapshot(), shown, as_json)
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping after the current step ...", file=sys.stderr)
        handle.stop()
    snap = handle.wait()
    _update_bar(bar, snap, shown, as_json)
    bar.close()
    summary = run_summary(snap)
    if main:
        print(json.dumps(summary) if as_json else _format_summary(summary))
    if snap["status"] == "stopped" and not as_json:
        _print_resume_hint(snap["id"])
    return 0 if snap["status"] == "finished" else 1


def _print_resume_hint(run_id: str) -> None:
    from .core.runner import get_runner

    if get_runner().store.last_checkpoint(run_id) is not None:
        print(f"resume it with: python -m workbench resume {run_id}", file=sys.stderr)


def note_lines(snap: dict, shown: dict) -> list[str]:
    """The run's notes (set-up choices, out-of-memory retries, unfreezing) and live diagnoses not yet in `shown`
    (counts per kind, updated)."""
    lines = []
    for note in snap.get("notes", [])[shown["notes"]:]:
        lines.append(f"note (step {note['step']}): {note['message']}")
    for d in snap.get("diagnoses", [])[shown["diagnoses"]:]:
        lines.append(f"diagnosis (step {d['step']}, {d['kind']}): {d['message']} {d.get('advice') or ''}".rstrip())
    shown.update(notes=len(snap.get("notes", [])), diagnoses=len(snap.get("diagnoses", [])))
    return lines


def _update_bar(bar, snap: dict, shown: dict, quiet: bool) -> None:
    for line in note_lines(snap, shown):
        if not quiet:
            bar.write(line, file=sys.stderr)
    if snap["total_steps"] and bar.total != snap["total_steps"]:
        bar.total = snap["total_steps"]
    bar.n = snap["step"]
    last = next((r for r in reversed(snap["history"]) if "train_loss" in r), {})
    status = f"waiting for {snap['waiting_for']}" if snap.get("waiting_for") else snap["status"]
    bar.set_postfix_str(f"{status} loss={last.get('train_loss', float('nan')):.4f} "
                        f"{snap['samples_per_second']:.0f} samples/s", refresh=False)
    bar.refresh()


def run_summary(snap: dict) -> dict:
    m = snap.get("metrics") or {}
    test = m.get("test", {})
    return {"run_id": snap["id"], "status": snap["status"], "error": snap.get("error"), "hint": snap.get("hint"),
            "metrics": {k: test[k] for k in ("accuracy", "f1_macro", "balanced_accuracy", "log_loss",
                                             "majority_baseline") if k in test},
            "train_seconds": m.get("train_seconds"), "eval_seconds": m.get("eval_seconds"),
            "precision": snap.get("precision"), "steps": snap["step"],
            "notes": [n["message"] for n in snap.get("notes", [])],
            "diagnoses": [{k: d.get(k) for k in ("step", "kind", "message", "advice")}
                          for d in snap.get("diagnoses", [])]}


def _format_summary(s: dict) -> str:
    lines = [f"run {s['run_id']}: {s['status']} after {s['steps']} steps"]
    if s["error"]:
        lines += [f"  error: {s['error']}", f"  try: {s['hint']}"]
    for key, value in s["metrics"].items():
        lines.append(f"  test {key}: {value:.4f}")
    if s["train_seconds"] is not None:
        lines.append(f"  train {s['train_seconds']:.1f} s, eval {s['eval_seconds'] or 0:.1f} s, "
                     f"precision {s['precision']}")
    return "\n".join(lines)


def _plan(args) -> int:
    from .lab.planning import format_bytes, plan_run
    plan = plan_run(config_from_args(args))
    memory = plan["memory"]
    if args.json:
        print(json.dumps({k: v for k, v in plan.items() if not k.startswith("schedule_")}))
        return 0
    params = plan["parameters"]
    print(f"{plan['kind']} model, {plan['train_size']} training examples "
          f"({', '.join(f'{k} {v}' for k, v in plan['splits'].items())}), {plan['total_steps']} optimizer steps")
    print(f"parameters: {params['total']:,} total, {params['trainable']:,} trainable")
    print(f"peak lr {plan['lr']:g}; precision {plan['precision']} ({plan['precision_reason']})")
    print(f"estimated training time: {plan['estimated_seconds']:.0f} s (a rough estimate from the arithmetic; "
          "the first run on a machine also loads and tokenizes)")
    print(f"estimated memory: {format_bytes(memory['total'])} ("
          + ", ".join(f"{k.replace('_', ' ')} {format_bytes(v)}" for k, v in memory["parts"].items() if v)
          + f") of {format_bytes(memory['available'])} {memory['available_where']}")
    if memory["warning"]:
        print(f"warning: {memory['warning']}")
    return 0


def _runs(args) -> int:
    from .core.runner import get_runner
    for snap in get_runner().list_runs():
        row = run_summary(snap)
        if args.json:
            print(json.dumps(row))
        else:
            acc = row["metrics"].get("accuracy")
            cfg = snap.get("config") or {}
            desc = f"{cfg.get('model', {}).get('model', '?')} on {cfg.get('data', {}).get('dataset', '?')}"
            print(f"{row['run_id']}  {row['status']:<11} {desc:<40} "
                  f"{'acc %.3f' % acc if acc is not None else ''}")
    return 0


def _datasets(args) -> int:
    from .core.datasets import list_datasets
    for d in list_datasets():
        print(f"{d['name']:<16} {d['kind']:<8} {d['description']}")
    return 0


def _add_export_parser(sub) -> None:
    export = sub.add_parser("export", help="Write a finished run as a folder that needs no workbench: a standalone "
                            "train.py, its data, the model, a README model card.")
    export.add_argument("run_id")
    export.add_argument("--to", required=True, metavar="DIR", help="New (or empty) folder to write.")


def _export(args) -> int:
    from .export import export_run
    folder = export_run(args.run_id, args.to)
    print(f"exported run {args.run_id} to {folder}: train.py, data/, model/, README.md, config.json, metrics.json")
    print(f"reproduce it with: cd {folder} && python train.py")
    return 0


def _tune(args) -> int:
    from .lab.tuning import best_summary, parse_space, trials_table, tune
    study = tune(config_from_args(args), parse_space(args.space), sampler=args.sampler, n_trials=args.trials,
                 metric=args.metric, storage=args.storage, study_name=args.study, prune=args.prune,
                 seed=args.sampler_seed)
    best = best_summary(study)
    if args.plots:
        best["plots"] = write_study_plots(study, args.plots)
    if args.json:
        print(json.dumps(best))
    else:
        print(trials_table(study).to_string(index=False))
        print(f"study {best['study']}: best {best['metric']} {best['best_value']} with {best['best_params']} "
              f"(run {best['best_run_id']})")
        if args.plots:
            print("plots: " + ", ".join(best["plots"]))
    return 0 if best["best_value"] is not None else 1


def write_study_plots(study, folder: str) -> list[str]:
    from pathlib import Path

    from .lab.tuning import study_figures
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = []
    for name, figure in study_figures(study).items():
        figure.write_html(out / f"{name}.html", include_plotlyjs="directory")   # works offline
        paths.append(str(out / f"{name}.html"))
    return paths


def _cv(args) -> int:
    from .lab.repeats import cross_validate
    return _repeated(args, lambda cfg: cross_validate(cfg, folds=args.folds))


def _repeat(args) -> int:
    from .lab.repeats import repeat_seeds
    return _repeated(args, lambda cfg: repeat_seeds(cfg, seeds=args.seeds))


def _repeated(args, run_setting) -> int:
    """Run the setting (and the --against one, if given) over the same folds or seeds; print each summary and,
    for two settings, the paired verdict: the confidence interval of their per-seed difference and a winner, if
    any."""
    base = config_from_args(args).validate()
    against = against_config(base, args.against) if args.against else None
    results = {"A": run_setting(base)}
    if against is not None:
        results["B"] = run_setting(against)
    finished = all(r.table()["status"].eq("finished").all() for r in results.values())
    reports = {name: _repeat_report(r) for name, r in results.items()}
    verdict = None
    if against is not None and finished:
        from .analysis.stats import compare_paired
        names = ("A (as given)", "B (" + ", ".join(args.against) + ")")
        verdict = compare_paired(results["A"], results["B"], "accuracy", names)
    if args.json:
        print(json.dumps({**(reports if against is not None else reports["A"]),
                          **({"verdict": verdict.to_dict()} if verdict else {})}))
    else:
        for name, result in results.items():
            if against is not None:
                print(f"\nsetting {name}: " + ("as given" if name == "A" else ", ".join(args.against)))
            print(_format_repeat_report(result, reports[name]))
        if verdict:
            print("\n" + verdict.sentence)
    return 0 if finished else 1


def against_config(base, items: list[str]):
    """The base config with the --against NAME=VALUE options changed (one value each)."""
    from .lab.tuning import parse_space
    space = parse_space(items)
    ranges = [name for name, values in space.items() if not isinstance(values, list) or len(values) != 1]
    if ranges:
        raise ConfigError(f"--against takes one value per option (NAME=VALUE); {', '.join(ranges)} got a range or "
                          "several values.")
    return base.replace(**{name: values[0] for name, values in space.items()}).validate()


def _repeat_report(result) -> dict:
    summaries = {m: result.summary(m) for m in ("accuracy", "f1_macro", "eval_loss") if len(result.scores(m))}
    return {"kind": result.kind, "split": result.split, "summary": summaries,
            "runs": json.loads(result.table().to_json(orient="records"))}


def _format_repeat_report(result, report: dict) -> str:
    lines = [result.table().to_string(index=False)]
    for metric, s in report["summary"].items():
        source = "validation eval" if metric == "eval_loss" else {"val": "validation", "test": "test"}[result.split]
        lines.append(f"{metric} ({source}): {s['text']}")
    return "\n".join(lines)


LR_FINDER_SETS = ("lr", "schedule", "warmup_ratio", "epochs", "max_steps")


def _lr_find(args) -> int:
    from .lab.lr_finder import find_lr
    given = [name for name in LR_FINDER_SETS if getattr(args, name, None) is not None]
    if given:
        raise ConfigError(f"lr-find sets {', '.join(given)} itself (an exponential ramp from --start-lr to "
                          f"--end-lr over --steps steps); leave {'it' if len(given) == 1 else 'them'} out.")
    result = find_lr(config_from_args(args), start_lr=args.start_lr, end_lr=args.end_lr, steps=args.steps)
    if args.json:
        print(json.dumps({"suggestion": result.suggestion, "minimum_lr": result.minimum_lr,
                          "minimum_suggestion": result.minimum_suggestion, "steps": len(result.lrs),
                          "notes": result.notes}))
    else:
        for note in result.notes:
            print(note)
        if result.suggestion is None:
            return 1
        print(f"suggested lr: {result.suggestion:.3g} (steepest descent); {result.minimum_suggestion:.3g} "
              f"(a tenth of the lowest-loss rate {result.minimum_lr:.3g})")
    return 0 if result.suggestion is not None else 1


def _add_quality_parser(sub) -> None:
    from dataclasses import fields

    from .core.config import DataConfig

    quality = sub.add_parser("quality", help="Check a dataset's splits: copies shared between them (leakage) and "
                             "training labels that look wrong.")
    quality.set_defaults(name=None)
    add_config_arguments(quality, only={f.name for f in fields(DataConfig)} | {"seed"})
    quality.add_argument("--near-threshold", type=float, default=0.95,
                         help="Texts: cosine similarity from which two texts count as near copies "
                         "(default: 0.95).")
    quality.add_argument("--no-near", action="store_true", help="Texts: exact copies only (no embeddings).")
    quality.add_argument("--encoder", default="minilm", help="Texts: sentence encoder, a name or folder "
                         "(default: minilm).")
    quality.add_argument("--folds", type=int, default=5, help="Folds for the out-of-fold label scores (default: 5).")
    quality.add_argument("--top", type=int, default=10, help="How many suspected labels to print (default: 10).")


def _quality(args) -> int:
    from .lab.data_quality import check_folds, find_duplicates, make_encoder, precision_at_k, rank_label_noise
    from .core.runner import prepare_splits

    cfg = config_from_args(args).validate()
    splits = prepare_splits(cfg)
    check_folds(splits.train, args.folds)   # before the slow duplicate scan
    encoder = make_encoder(args.encoder) if splits.train.kind == "text" else None
    duplicates = find_duplicates(splits, None if args.no_near else args.near_threshold, encoder)
    print(_format_duplicates(cfg.data.dataset, duplicates.summary, splits.report.summary()))
    ranking = rank_label_noise(splits, folds=args.folds, encoder=encoder, seed=cfg.train.seed)
    print(f"\nTop {args.top} suspected labels (lowest out-of-fold probability of the given label):")
    shown = ranking.head(args.top).copy()
    if "text" in shown:
        shown["text"] = shown["text"].str.slice(0, 60)
    print(shown.to_string(index=False, float_format="{:.3f}".format))
    if len(splits.flipped_ids):
        k = len(splits.flipped_ids)
        print(f"precision@{k} against the {k} flipped labels: {precision_at_k(ranking, splits.flipped_ids):.3f} "
              f"(chance: {k / len(ranking):.3f})")
    return 0


def _format_duplicates(dataset: str, s: dict, perturbed: dict) -> str:
    sizes = ", ".join(f"{name} {n}" for name, n in s["sizes"].items())
    lines = [f"{dataset} ({s['kind']}): {sizes}"]
    if any(perturbed.values()):
        lines.append("perturbations: " + ", ".join(f"{k} {v}" for k, v in perturbed.items() if v))
    for kind in ("exact", "near") if s["kind"] == "text" else ("exact",):
        counts = ", ".join(f"{pair} {c[kind]}" for pair, c in s["pairs_by_splits"].items())
        lines.append(f"{kind} copies across splits: {counts}")
    lines.append(f"test examples with a copy in training: {s['test_with_copy_in_train']} "
                 f"({s['test_share_with_copy_in_train']:.1%}); validation: {s['val_with_copy_in_train']} "
                 f"({s['val_share_with_copy_in_train']:.1%})")
    lines.append("repeats inside a split: " + ", ".join(f"{k} {v}" for k, v in s["repeats_within"].items()))
    return "\n".join(lines)


# ---------------------------------------------------------------- applications: search, recommend, qa, translate


def _add_application_parsers(sub) -> None:
    defaults = argparse.ArgumentDefaultsHelpFormatter
    embed = sub.add_parser("embed", help="Embed the lines of a text file; save the vectors as .npy.",
                           formatter_class=defaults)
    embed.add_argument("file", help="UTF-8 text file, one text per line.")
    embed.add_argument("--out", required=True, help="Where to write the (lines, dim) float32 array.")
    embed.add_argument("--model", default="minilm", help="Encoder: minilm, a folder, a text run id or a hub name.")
    search = sub.add_parser("search", help="The texts most similar to a query (cosine of sentence embeddings).",
                            formatter_class=defaults)
    search.add_argument("query")
    source = search.add_mutually_exclusive_group(required=True)
    source.add_argument("--file", help="UTF-8 text file, one text per line.")
    source.add_argument("--dataset", help="A bundled text dataset, e.g. rotten_tomatoes.")
    search.add_argument("--limit", type=int, default=2000, help="Index at most this many texts.")
    search.add_argument("-k", type=int, default=5, help="How many results.")
    search.add_argument("--model", default="minilm", help="Encoder: minilm, a folder, a text run id or a hub name.")
    rec = sub.add_parser("recommend", help="FLM on MovieLens 100k: evaluate against popularity and random, or "
                         "recommend for one user.", formatter_class=defaults)
    rec.add_argument("--user", type=int, default=None, help="Recommend for this user id instead of evaluating.")
    rec.add_argument("-k", type=int, default=10, help="Length of each ranked list.")
    rec.add_argument("--holdout", type=int, default=1, help="Interactions held out per user (the latest ones).")
    rec.add_argument("--half-life", type=float, default=10.0, help="Recency weighting of the profile, in items.")
    rec.add_argument("--min-rating", type=float, default=None, help="Keep only interactions rated at least this.")
    rec.add_argument("--max-users", type=int, default=None, help="Evaluate a random sample of users.")
    rec.add_argument("--model", default="minilm", help="Encoder: minilm, a folder, a text run id or a hub name.")
    qa = sub.add_parser("qa", help="Extractive question answering (hub model), or --compare an untrained QA head "
                        "with a trained one.", formatter_class=defaults)
    qa.add_argument("--question", help="The question.")
    qa.add_argument("--context", help="The passage (or --context-file).")
    qa.add_argument("--context-file", help="UTF-8 file holding the passage.")
    qa.add_argument("--model", default=None, help="QA model (default: distilbert-base-cased-distilled-squad).")
    qa.add_argument("--compare", action="store_true", help="Score MiniLM with an untrained QA head against the "
                    "trained model on built-in examples.")
    tr = sub.add_parser("translate", help="Translate texts with a seq2seq model from the hub.",
                        formatter_class=defaults)
    tr.add_argument("texts", nargs="+")
    tr.add_argument("--model", default=None, help="Seq2seq model (default: Helsinki-NLP/opus-mt-en-zh).")
    tr.add_argument("--prefix", default="", help="Task prefix, e.g. 'translate English to German: ' for T5.")
    tr.add_argument("--max-new-tokens", type=int, default=128, help="Longest translation, in tokens.")


def _read_lines(path: str) -> list[str]:
    from pathlib import Path
    lines = [line.strip() for line in Path(path).read_text(encoding="utf-8").splitlines()]
    texts = [line for line in lines if line]
    if not texts:
        raise ValueError(f"{path} holds no text; write one text per line.")
    return texts


def _embed(args) -> int:
    import numpy as np

    from .apps.embeddings import Encoder
    vectors = Encoder(args.model).embed(_read_lines(args.file))
    np.save(args.out, vectors)
    print(f"{vectors.shape[0]} vectors of {vectors.shape[1]} dimensions written to {args.out}")
    return 0


def _search(args) -> int:
    from .apps.embeddings import Encoder, SimilarityIndex
    if args.file:
        texts, ids = _read_lines(args.file), None
    else:
        from .core.datasets import load_dataset
        ds = load_dataset(args.dataset)
        if ds.kind != "text":
            raise ValueError(f"{args.dataset!r} is a {ds.kind} dataset; search needs a text dataset.")
        texts, ids = list(ds.x), list(range(len(ds.x)))
    index = SimilarityIndex(texts[:args.limit], None if ids is None else ids[:args.limit], Encoder(args.model))
    print(index.search(args.query, args.k).to_string(index=False, float_format="{:.3f}".format))
    return 0


def _recommend(args) -> int:
    from .apps.embeddings import Encoder
    from .apps.movielens import load_movielens_100k
    from .apps.recommend import LMRecommender, evaluate_recommender

    interactions, items = load_movielens_100k()
    if args.user is None:
        table = evaluate_recommender(interactions, items, Encoder(args.model), k=args.k, holdout=args.holdout,
                                     half_life=args.half_life, min_rating=args.min_rating, max_users=args.max_users)
        print(table.to_string(float_format="{:.4f}".format))
        return 0
    history = interactions[interactions["user"] == args.user].sort_values("timestamp", kind="stable")
    if history.empty:
        raise ValueError(f"User {args.user} has no interactions; MovieLens 100k users are 1 to 943.")
    recommender = LMRecommender(items, Encoder(args.model), half_life=args.half_life)
    print(recommender.recommend(history["item"].tolist(), args.k).to_string(index=False,
                                                                            float_format="{:.3f}".format))
    return 0


def _qa(args) -> int:
    from pathlib import Path

    from .apps.qa import TRAINED_QA_MODEL, QuestionAnswerer, compare_qa_heads
    model = args.model or TRAINED_QA_MODEL
    if args.compare:
        print(compare_qa_heads(model).to_string(float_format="{:.3f}".format))
        return 0
    context = Path(args.context_file).read_text(encoding="utf-8") if args.context_file else args.context
    if not args.question or not context:
        raise ValueError("qa needs --question and --context (or --context-file), or --compare.")
    answerer = QuestionAnswerer.load(model)
    if answerer.untrained_head:
        print(f"warning: {model!r} has no trained question-answering head; a random one was added, so the answer "
              "below is noise (`qa --compare` shows the difference a trained head makes).", file=sys.stderr)
    got = answerer.answer(args.question, context)
    print(f"{got.text}\n  score {got.score:.3f}, characters {got.start}-{got.end}")
    return 0


def _translate(args) -> int:
    from .apps.translate import DEFAULT_TRANSLATION_MODEL, Translator
    translator = Translator(args.model or DEFAULT_TRANSLATION_MODEL, prefix=args.prefix)
    for text in translator.translate(args.texts, max_new_tokens=args.max_new_tokens):
        print(text)
    return 0


def _add_sft_parser(sub) -> None:
    from .llm.instructions import TASKS
    from .llm.sft import STRATEGIES, SFTConfig

    d = SFTConfig()
    sft = sub.add_parser("sft", help="Instruction-tune a small instruct LLM (offline: SmolLM2-135M-Instruct) on "
                         "prompt/response pairs the workbench writes from its data; prints the loss, perplexity "
                         "and the answers' format and accuracy before and after.",
                         formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    sft.add_argument("--task", default="sms_verdict", choices=list(TASKS),
                     help="; ".join(f"{t.name}: {t.describe}" for t in TASKS.values()))
    sft.add_argument("--model", default="smollm2", help="smollm2 (offline), a hub causal LM or a local folder.")
    sft.add_argument("--train", type=int, default=64, help="Training pairs.")
    sft.add_argument("--eval", type=int, default=24, help="Validation pairs, and held-out prompts answered.")
    sft.add_argument("--strategy", default=d.strategy, choices=STRATEGIES,
                     help="What trains: LoRA adapters on the attention projections, every weight, or the last N "
                          "decoder layers.")
    sft.add_argument("--lora-r", type=int, default=d.lora_r, help="LoRA: rank of the adapter matrices.")
    sft.add_argument("--lr", type=float, default=None, help="Default: 2e-4 with LoRA, 2e-5 otherwise.")
    sft.add_argument("--max-steps", type=int, default=16, help="Optimizer steps (evaluated halfway and at the end).")
    sft.add_argument("--batch-size", type=int, default=d.batch_size, help="Pairs per step.")
    sft.add_argument("--loss-on", default=d.loss_on, choices=("response", "all"),
                     help="Compute the loss on the response tokens only, or on every token.")
    sft.add_argument("--seed", type=int, default=d.seed, help="Seed for the split, the adapters and the batches.")
    sft.add_argument("--json", action="store_true", help="Print one JSON summary line.")


def _sft(args) -> int:
    import json as _json

    from .llm.instructions import build_task
    from .llm.causal_lm import Decoding, load_causal_lm
    from .llm.sft import SFTConfig, train_sft

    cfg = SFTConfig(strategy=args.strategy, lora_r=args.lora_r, lr=args.lr, max_steps=args.max_steps,
                    batch_size=args.batch_size, loss_on=args.loss_on, seed=args.seed, eval_prompts=args.eval,
                    decoding=Decoding(max_new_tokens=12))
    data = build_task(args.task, args.train, args.eval, args.seed)
    model, tokenizer = load_causal_lm(args.model)
    show = (lambda row: None) if args.json else (lambda row: print(
        "  ".join(f"{k} {v:.4g}" if isinstance(v, float) else f"{k} {v}" for k, v in row.items()), flush=True))
    result = train_sft(model, tokenizer, data, cfg, on_event=show)   # under the host's device lock
    summary = {"task": args.task, "steps": result.steps, "train_seconds": round(result.train_seconds, 1),
               "generation_seconds": round(result.generation_seconds, 1), "before": result.before,
               "after": result.after, "trainable_parameters": result.trainable_parameters,
               "train_tokens": result.train_tokens, **result.speed()}
    if args.json:
        print(_json.dumps(summary))
        return 0
    print(f"\nformat rate {result.before['format_rate']:.2f} -> {result.after['format_rate']:.2f}, exact match "
          f"{result.before['exact_match']:.2f} -> {result.after['exact_match']:.2f} on {result.after['n']} held-out "
          f"prompts; {result.steps} steps in {result.train_seconds:.0f} s ({summary['steps_per_second']:.2f} steps/s, "
          f"{summary['tokens_per_second']:.0f} tokens/s; answering the prompts took {result.generation_seconds:.0f} s "
          f"more, {summary['generation_share']:.0%} of the run)")
    for row in result.answers[:5]:
        print(f"- wanted {row['wanted']!r}: base {row['base'][:50]!r} -> fine-tuned {row['fine-tuned'][:50]!r}")
    return 0


APPLICATIONS = {"embed": _embed, "search": _search, "recommend": _recommend, "qa": _qa, "translate": _translate,
                "sft": _sft}


# ---------------------------------------------------------------- deployment and long texts


def _add_deployment_parsers(sub) -> None:
    defaults = argparse.ArgumentDefaultsHelpFormatter
    deploy = sub.add_parser("deploy", help="Compare a finished run's model with its int8, ONNX Runtime and pruned "
                            "variants: file size, latency, test accuracy.", formatter_class=defaults)
    deploy.add_argument("--run", required=True, help="Id of a finished run.")
    deploy.add_argument("--sparsity", type=float, default=0.5, help="Share of Linear/Conv weights pruned.")
    deploy.add_argument("--max-examples", type=int, default=200, help="Test examples scored per variant.")
    deploy.add_argument("--json", action="store_true", help="Print one JSON object per variant.")
    long_text = sub.add_parser("long-text", help="Score a text run on long reviews built from its test split: "
                               "truncation, head+tail and sliding windows.", formatter_class=defaults)
    long_text.add_argument("--run", required=True, help="Id of a finished text run.")
    long_text.add_argument("--lengths", type=int_list,
                           default=(32, 64, 128), help="Comma-separated max_length values.")
    long_text.add_argument("--reviews", type=int, default=200, help="How many long reviews.")
    long_text.add_argument("--snippets", type=int, default=8, help="Test snippets joined into one review.")
    long_text.add_argument("--opening", default="mixed", choices=("mixed", "same"),
                           help="Snippets before the decisive last one: any class (mixed) or the verdict's.")
    long_text.add_argument("--json", action="store_true", help="Print one JSON object per row.")


def _deploy(args) -> int:
    from .lab.deploy import compare_deployments
    _print_table(compare_deployments(args.run, args.sparsity, args.max_examples), args.json)
    return 0


def _long_text(args) -> int:
    from .lab.long_text import compare_long_text_modes, long_reviews_for_run
    texts, labels = long_reviews_for_run(args.run, args.reviews, args.snippets, args.opening)
    table = compare_long_text_modes(args.run, texts, labels, args.lengths)
    if not args.json:
        print(f"{len(texts)} long reviews of {args.snippets} test snippets, {table.attrs['mean_tokens']:.0f} tokens "
              "on average; the last snippet decides the label.")
    _print_table(table, args.json)
    return 0


def _print_table(table, as_json: bool) -> None:
    if as_json:
        for row in json.loads(table.to_json(orient="records")):
            print(json.dumps(row))
    else:
        print(table.to_string(index=False, float_format="{:.3f}".format))


DEPLOYMENT = {"deploy": _deploy, "long-text": _long_text}
