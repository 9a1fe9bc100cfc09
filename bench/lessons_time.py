"""Full-mode wall time of every interview lesson on this machine, against each lesson's budget (2 minutes unless the
lesson says why it needs more).

Each lesson runs in its own fresh process (so none inherits another's warm caches), one after another:

    .venv/bin/python bench/lessons_time.py                     # every lesson (about 25 minutes on 2 cores)
    .venv/bin/python bench/lessons_time.py concept.2 train.2   # some of them
    .venv/bin/python bench/lessons_time.py --markdown results.md

Prints one line per lesson as it finishes and a Markdown table at the end.
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def run_one(lesson_id: str) -> dict:
    """In this process: the lesson's full-mode experiment, timed from the call to its takeaway."""
    from workbench import lessons

    lesson = lessons.get(lesson_id)
    started = time.perf_counter()
    outcome = lesson.run(quick=False)
    takeaway = lesson.takeaway(outcome, "en")
    seconds = time.perf_counter() - started
    runs = sum(len(ids) for ids in outcome.run_ids.values())
    return {"id": lesson_id, "seconds": seconds, "runs": runs, "seeds": lesson.repeats if not lesson.demo_only else 1,
            "budget": lesson.time_budget_s, "takeaway": takeaway}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("ids", nargs="*", help="lesson ids (default: all)")
    parser.add_argument("--markdown", type=Path, help="also write the table here")
    parser.add_argument("--only", help=argparse.SUPPRESS)      # one lesson, in this process
    args = parser.parse_args()
    if args.only:
        print("RESULT " + json.dumps(run_one(args.only)))
        return

    sys.path.insert(0, str(ROOT))
    from workbench import lessons
    ids = args.ids or list(lessons.MAP_IDS)
    rows = []
    llm_cache = tempfile.TemporaryDirectory(prefix="llm_cache_")
    for lesson_id in ids:
        with tempfile.TemporaryDirectory() as home:
            env = {**os.environ, "WORKBENCH_HOME": home, "HF_HUB_OFFLINE": "1", "WORKBENCH_QUICK": "0",
                   "PYTHONPATH": str(ROOT)}
            if lesson_id.startswith("llm."):    # SmolLM2 is unpacked once per machine (about 20 s), not per lesson
                (Path(home) / "cache").mkdir()
                (Path(home) / "cache" / "llm").symlink_to(llm_cache.name)
                subprocess.run([sys.executable, "-c", "from workbench.llm.causal_lm import smollm_folder; smollm_folder()"],
                               env=env, check=True, capture_output=True)
            started = time.perf_counter()
            done = subprocess.run([sys.executable, __file__, "--only", lesson_id], env=env, capture_output=True,
                                  text=True)
            wall = time.perf_counter() - started
        if done.returncode != 0 or "RESULT " not in done.stdout:
            row = {"id": lesson_id, "seconds": None, "process_seconds": wall, "runs": None, "seeds": None,
                   "takeaway": "FAILED: " + (done.stderr.strip().splitlines() or ["?"])[-1]}
        else:
            row = {**json.loads(done.stdout.split("RESULT ", 1)[1]), "process_seconds": wall}
        rows.append(row)
        print(json.dumps(row), flush=True)

    lines = ["| lesson | runs | seeds | experiment s | with start-up s | budget s | within budget | takeaway (en) |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        ok = "—" if r["seconds"] is None else ("yes" if r["seconds"] <= r["budget"] else "**no**")
        seconds = "failed" if r["seconds"] is None else f"{r['seconds']:.0f}"
        lines.append(f"| {r['id']} | {r['runs'] or '—'} | {r['seeds'] or '—'} | {seconds} | "
                     f"{r['process_seconds']:.0f} | {r.get('budget') or '—'} | {ok} | {r['takeaway'][:160]} |")
    done_rows = [r for r in rows if r["seconds"] is not None]
    within = sum(r["seconds"] <= r["budget"] for r in done_rows)
    summary = (f"\n{within} of {len(rows)} lessons within their budgets; "
               f"{len(rows) - len(done_rows)} failed; slowest "
               + (f"{max(done_rows, key=lambda r: r['seconds'])['id']} "
                  f"({max(r['seconds'] for r in done_rows):.0f} s)" if done_rows else "n/a"))
    table = "\n".join(lines) + "\n" + summary
    print("\n" + table)
    if args.markdown:
        args.markdown.write_text(table + "\n")


if __name__ == "__main__":
    main()
