"""Dashboard overhead: the same short MiniLM run headless (CLI) and started from the Streamlit app with the page
open in headless Chromium (refreshing once a second), plus the app's cold start to first render.

    .venv/bin/python bench/ui_overhead.py [--train 1000] [--repeats 2]
    .venv/bin/python bench/ui_overhead.py --first-seconds [--read 5] [--repeats 3]

`--first-seconds` measures instead what a new user waits for on a freshly started server: from the Quick start
click to the first point of the live loss curve, and from the first "Explain" click to the explanation, each after
`--read` seconds on the page (a person reads it first; 0: click as soon as the button shows).

Needs Debian's chromium and the playwright Python package (both installed by CI's setup).
"""
from __future__ import annotations

import argparse
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def run_options(n_train: int) -> dict:
    return {"dataset": "rotten_tomatoes", "max_train_samples": n_train, "save_checkpoints": False}


def headless(options: dict, home: str) -> float:
    args = [sys.executable, "-m", "workbench", "train", "--json"]
    for key, value in options.items():
        flag = "--" + key.replace("_", "-")
        args += [flag if value is not False else "--no-" + key.replace("_", "-")] + (
            [] if isinstance(value, bool) else [str(value)])
    out = subprocess.run(args, cwd=ROOT, env={**os.environ, "WORKBENCH_HOME": home}, capture_output=True,
                         text=True, check=True).stdout
    return json.loads(out.strip().splitlines()[-1])["train_seconds"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(home: str, quick_start: dict | None = None) -> tuple[subprocess.Popen, int]:
    """`streamlit run app.py` on a free port with its own WORKBENCH_HOME (and Quick start overrides, if any)."""
    port = free_port()
    env = {**os.environ, "WORKBENCH_HOME": home}
    env.pop("WORKBENCH_QUICKSTART", None)
    if quick_start:
        env["WORKBENCH_QUICKSTART"] = json.dumps(quick_start)
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return server, port


def open_home(playwright, port: int):
    """(browser, page) with Home shown once the server answers."""
    browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=CHROMIUM_ARGS)
    page = browser.new_page()
    while True:
        try:
            page.goto(f"http://127.0.0.1:{port}", timeout=2000)
            break
        except Exception:
            time.sleep(0.2)
    page.get_by_role("button", name="Quick start").wait_for(timeout=60_000)
    return browser, page


def wait_for_metrics(runs: Path, timeout: float) -> None:
    """Until a run under `runs` has written its final metrics."""
    deadline = time.time() + timeout
    while not any(runs.glob("*/metrics.json")):
        if time.time() > deadline:
            raise TimeoutError(f"no run finished under {runs} within {timeout} s")
        time.sleep(1.0)


def with_dashboard(options: dict, home: str) -> tuple[float, float]:
    """Train seconds of a run started by the Quick start button, and the cold start to the first render."""
    from playwright.sync_api import sync_playwright

    started = time.time()
    server, port = start_server(home, quick_start=options)
    try:
        with sync_playwright() as p:
            browser, page = open_home(p, port)
            cold_start = time.time() - started
            page.get_by_role("button", name="Quick start").click()
            # Wait from here, not in the page: Playwright's own waiting polls the page on every animation frame
            # and its driver process spins too, load that a person watching the dashboard does not add.
            wait_for_metrics(Path(home) / "runs", timeout=600)
            page.get_by_text("— finished").first.wait_for(timeout=60_000)
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
    runs = list((Path(home) / "runs").iterdir())
    metrics = json.loads((runs[-1] / "metrics.json").read_text())
    return metrics["train_seconds"], cold_start


def first_seconds(home: str, read_s: float) -> tuple[float, float, float]:
    """(click -> first live loss point, click -> first explanation, click -> explanation of a sentence typed
    afterwards) in seconds, on a fresh server. The page explains the sentence it opens with while the user reads
    it, so the first click shows that; a sentence of one's own is explained on the click."""
    from playwright.sync_api import sync_playwright

    server, port = start_server(home)
    points = ("() => { const l = document.querySelector('polyline.wb-live-train-loss');"
              " return l ? l.getAttribute('points').trim().split(/\\s+/).filter(Boolean).length : 0; }")
    try:
        with sync_playwright() as p:
            browser, page = open_home(p, port)
            time.sleep(read_s)
            clicked = time.time()
            page.get_by_role("button", name="Quick start").click()
            while page.evaluate(points) < 1:      # a check every 50 ms, not Playwright's per-frame polling
                time.sleep(0.05)
            first_point = time.time() - clicked
            wait_for_metrics(Path(home) / "runs", timeout=600)
            run_id = next((Path(home) / "runs").glob("*/metrics.json")).parent.name
            page.goto(f"http://127.0.0.1:{port}/explain?run={run_id}", timeout=60_000)
            page.get_by_role("button", name="Explain with SHAP and LIME").wait_for(timeout=60_000)
            time.sleep(read_s)
            clicked = time.time()
            page.get_by_role("button", name="Explain with SHAP and LIME").click()
            page.get_by_text("Agreement: top-").wait_for(timeout=120_000)
            first_explanation = time.time() - clicked
            box = page.get_by_role("textbox", name="Sentence")
            box.fill("The plot drags and the jokes fall flat, though the lead actor tries hard.")
            box.press("Control+Enter")              # commits the text: the page reruns without the old result
            page.get_by_text("Agreement: top-").wait_for(state="detached", timeout=60_000)
            clicked = time.time()
            page.get_by_role("button", name="Explain with SHAP and LIME").click()
            page.get_by_text("Agreement: top-").wait_for(timeout=120_000)
            own_sentence = time.time() - clicked
            browser.close()
    finally:
        server.terminate()
        server.wait(30)
    return first_point, first_explanation, own_sentence


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--train", type=int, default=1000)
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--first-seconds", action="store_true", help="time the first live point and explanation")
    parser.add_argument("--read", type=float, default=5.0, help="--first-seconds: seconds on a page before a click")
    args = parser.parse_args()
    if args.first_seconds:
        timings = []
        for i in range(args.repeats):
            with tempfile.TemporaryDirectory() as home:
                timings.append(first_seconds(home, args.read))
            print(f"repeat {i + 1}: click to first live point {timings[-1][0]:.1f} s, click to first explanation "
                  f"{timings[-1][1]:.1f} s, to the explanation of a typed sentence {timings[-1][2]:.1f} s", flush=True)
        print(f"\nworst of {len(timings)}: first live point {max(t[0] for t in timings):.1f} s, first explanation "
              f"{max(t[1] for t in timings):.1f} s (targets <= 3 s each; {args.read:g} s on each page first); a "
              f"typed sentence {max(t[2] for t in timings):.1f} s")
        return
    options = run_options(args.train)
    rows = []
    for i in range(args.repeats):
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            plain = headless(options, a)
            ui, cold = with_dashboard(options, b)
        rows.append((plain, ui, cold))
        print(f"repeat {i + 1}: headless {plain:.1f} s, with dashboard {ui:.1f} s, speed ratio {plain / ui:.3f}, "
              f"cold start {cold:.1f} s", flush=True)
    plain = sum(r[0] for r in rows) / len(rows)
    ui = sum(r[1] for r in rows) / len(rows)
    cold = max(r[2] for r in rows)
    print(f"\nmean train seconds: headless {plain:.1f}, with dashboard open {ui:.1f}; speed ratio "
          f"{plain / ui:.3f} (target >= 0.95); worst cold start to first render {cold:.1f} s (target <= 5 s)")


if __name__ == "__main__":
    main()
