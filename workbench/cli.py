"""`python -m workbench train|runs|datasets|resume`: headless runs with a terminal progress bar.

The train options are generated from the config dataclasses, so they always match what the UIs offer.
"""
from __future__ import annotations

import argparse
import json
import sys
import time

from .config import ConfigError, RunConfig, all_options, option_kind

ALIASES = {"label_column": ["--target"]}


ARG_TYPES = {"ints": lambda text: tuple(int(v) for v in text.split(",")), "float": float, "int": int, "str": str,
             "choice": str}


def add_config_arguments(parser: argparse.ArgumentParser) -> None:
    for f in all_options():
        flag = "--" + f.name.replace("_", "-")
        names = [flag, *ALIASES.get(f.name, [])]
        if f.name == "lr":
            names.append("--learning-rate")
        help_text = f.metadata["help"]
        kind, _ = option_kind(f)
        if kind == "bool":
            parser.add_argument(*names, dest=f.name, action=argparse.BooleanOptionalAction, default=None,
                                help=f"{help_text} (default: {f.default})")
            continue
        parser.add_argument(*names, dest=f.name, type=ARG_TYPES[kind], default=None,
                            choices=f.metadata.get("choices"),
                            help=f"{help_text} (default: {f.default})")


def config_from_args(args: argparse.Namespace) -> RunConfig:
    chosen = {f.name: getattr(args, f.name) for f in all_options() if getattr(args, f.name) is not None}
    return RunConfig.from_flat(name=args.name, **chosen)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m workbench", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="Fine-tune a model (defaults: MiniLM on Rotten Tomatoes).",
                           formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    train.add_argument("--name", default=None, help="A label for the run.")
    train.add_argument("--json", action="store_true", help="Print the summary as one JSON line.")
    add_config_arguments(train)
    resume = sub.add_parser("resume", help="Continue an interrupted run from its last checkpoint.")
    resume.add_argument("run_id")
    resume.add_argument("--json", action="store_true", help="Print the summary as one JSON line.")
    runs = sub.add_parser("runs", help="List the runs on disk.")
    runs.add_argument("--json", action="store_true", help="Print one JSON object per run.")
    sub.add_parser("datasets", help="List the bundled offline datasets.")
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return {"train": _train, "resume": _resume, "runs": _runs, "datasets": _datasets}[args.command](args)
    except (ConfigError, ValueError, FileNotFoundError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 2


def _train(args) -> int:
    from .runner import start_run
    return _follow(start_run(config_from_args(args).validate()), args.json)


def _resume(args) -> int:
    from .runner import get_runner
    return _follow(get_runner().resume(args.run_id), args.json)


def _follow(handle, as_json: bool) -> int:
    """Show a progress bar until the run ends; Ctrl-C stops the run cooperatively and keeps its folder."""
    from tqdm import tqdm

    bar = tqdm(total=1, unit="step", disable=as_json, dynamic_ncols=True)
    try:
        while not handle.done:
            _update_bar(bar, handle.snapshot())
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping after the current step ...", file=sys.stderr)
        handle.stop()
    snap = handle.wait()
    _update_bar(bar, snap)
    bar.close()
    summary = run_summary(snap)
    print(json.dumps(summary) if as_json else _format_summary(summary))
    return 0 if snap["status"] == "finished" else 1


def _update_bar(bar, snap: dict) -> None:
    if snap["total_steps"] and bar.total != snap["total_steps"]:
        bar.total = snap["total_steps"]
    bar.n = snap["step"]
    last = next((r for r in reversed(snap["history"]) if "train_loss" in r), {})
    bar.set_postfix_str(f"{snap['status']} loss={last.get('train_loss', float('nan')):.4f} "
                        f"{snap['samples_per_second']:.0f} samples/s", refresh=False)
    bar.refresh()


def run_summary(snap: dict) -> dict:
    m = snap.get("metrics") or {}
    test = m.get("test", {})
    return {"run_id": snap["id"], "status": snap["status"], "error": snap.get("error"), "hint": snap.get("hint"),
            "metrics": {k: test[k] for k in ("accuracy", "f1_macro", "balanced_accuracy", "log_loss",
                                             "majority_baseline") if k in test},
            "train_seconds": m.get("train_seconds"), "eval_seconds": m.get("eval_seconds"),
            "precision": snap.get("precision"), "steps": snap["step"]}


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


def _runs(args) -> int:
    from .runner import get_runner
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
    from .datasets import list_datasets
    for d in list_datasets():
        print(f"{d['name']:<16} {d['kind']:<8} {d['description']}")
    return 0
