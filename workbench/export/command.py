"""The run as a command and as a call: the CLI line and the Python call that start the same run, naming only
the options that differ from the defaults (the Train and Runs pages show them)."""
from __future__ import annotations

import shlex

from ..core.config import RunConfig, all_options, option_kind


def changed_options(cfg: RunConfig) -> dict:
    """The flat options whose value differs from the default, in the CLI's order (data, model, train)."""
    flat = cfg.flat()
    return {f.name: flat[f.name] for f in all_options() if flat[f.name] != f.default}


def _cli_value(kind: str, value) -> str:
    if kind == "ints":
        return ",".join(str(int(v)) for v in value)
    return shlex.quote(repr(value) if kind == "float" else str(value))


def equivalent_code(config: RunConfig) -> dict[str, str]:
    """{"cli": "python -m workbench train --dataset wine ...", "python": "from workbench import start_run ..."}: the
    same run, copyable. Parsing the CLI line with the CLI's parser gives back the same config."""
    kinds = {f.name: option_kind(f)[0] for f in all_options()}
    words = ["python", "-m", "workbench", "train"]
    for name, value in changed_options(config).items():
        flag = "--" + name.replace("_", "-")
        if value is None:        # no option defaults to a value and may be unset; kept for safety
            continue
        if kinds[name] == "bool":
            words.append(flag if value else "--no-" + flag[2:])
        else:
            words += [flag, _cli_value(kinds[name], value)]
    if config.name:
        words += ["--name", shlex.quote(config.name)]
    options = {**changed_options(config), **({"name": config.name} if config.name else {})}
    args = [f"{k}={tuple(v) if isinstance(v, (list, tuple)) else v!r}" for k, v in options.items()]
    call = (f"start_run({', '.join(args)})" if len(args) <= 3
            else "start_run(\n" + "".join(f"    {a},\n" for a in args) + ")")
    python = ("from workbench import start_run\n\n"
              f"run = start_run{call[len('start_run'):]}\n"
              "snapshot = run.wait()   # blocks until the run ends\n"
              "print(snapshot[\"status\"], snapshot[\"metrics\"][\"test\"][\"accuracy\"])\n")
    return {"cli": " ".join(words), "python": python}
