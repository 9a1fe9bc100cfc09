"""Tables about runs: the run list, the settings that differ between runs, metrics as CSV."""
from __future__ import annotations

import pandas as pd

from .config import RunConfig

TABLE_METRICS = ("accuracy", "f1_macro", "balanced_accuracy", "log_loss")


def runs_frame(snaps: list[dict]) -> pd.DataFrame:
    rows = []
    for s in snaps:
        cfg = s.get("config") or {}
        test = (s.get("metrics") or {}).get("test", {})
        rows.append({"id": s["id"], "status": s["status"], "name": cfg.get("name"),
                     "dataset": cfg.get("data", {}).get("dataset"), "model": cfg.get("model", {}).get("model"),
                     "strategy": cfg.get("model", {}).get("strategy"), "lr": cfg.get("train", {}).get("lr"),
                     "steps": s["step"], "seconds": round(s.get("run_seconds") or 0, 1),
                     **{m: test.get(m) for m in TABLE_METRICS}})
    return pd.DataFrame(rows)


def config_diff(configs: list[dict], names: list[str]) -> pd.DataFrame:
    """Only the options whose values differ between the runs, one column per run."""
    flat = [RunConfig.from_dict(c).flat() for c in configs]
    keys = [k for k in flat[0] if len({repr(f.get(k)) for f in flat}) > 1]
    return pd.DataFrame({name: [f[k] for k in keys] for name, f in zip(names, flat)}, index=keys).astype(str)


def metrics_frame(snaps: list[dict]) -> pd.DataFrame:
    """One row per run and split, every scalar metric as a column."""
    rows = []
    for s in snaps:
        metrics = s.get("metrics") or {}
        for split in ("val", "test"):
            values = {k: v for k, v in metrics.get(split, {}).items() if isinstance(v, (int, float))}
            if values:
                rows.append({"run": s["id"], "split": split, **values})
    return pd.DataFrame(rows, columns=None if rows else ["run", "split"])


def metrics_csv(snaps: list[dict]) -> str:
    return metrics_frame(snaps).to_csv(index=False)
