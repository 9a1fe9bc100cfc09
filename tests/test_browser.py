"""One real-browser path: headless Chromium opens the app, clicks Quick start, sees the live curve grow, clicks
Stop, and sees the run stopped with its interactive curves. A screenshot is saved under test-artifacts/."""
import json
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = ROOT / "test-artifacts"
# Long enough to still be running when Stop is clicked; each step is a few milliseconds.
LONG_TINY_RUN = {"dataset": "wine", "model": "mlp", "max_steps": 200000, "log_every": 25, "eval_every": 5000,
                 "hidden_sizes": [16], "save_checkpoints": False}

needs_browser = pytest.mark.skipif(
    not Path(CHROMIUM).exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (CI installs it; locally: apt-get install chromium)")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def app_url(tmp_path):
    port = free_port()
    env = {**os.environ, "WORKBENCH_HOME": str(tmp_path), "WORKBENCH_QUICKSTART": json.dumps(LONG_TINY_RUN)}
    server = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port),
                               "--server.address", "127.0.0.1", "--server.headless", "true"],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.time() + 60
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                break
        time.sleep(0.3)
    yield url
    server.terminate()
    server.wait(20)


@needs_browser
def test_quick_start_then_stop_in_chromium(app_url):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(app_url, timeout=60_000)
            page.get_by_role("button", name="Quick start").click(timeout=60_000)
            # Points on the live panel's training-loss line (drawn in the browser from the run's JSON feed).
            points = ("() => { const line = document.querySelector('polyline.wb-live-train-loss');"
                      " return line ? line.getAttribute('points').trim().split(/\\s+/).length : 0; }")
            page.wait_for_function(f"({points})() >= 2", timeout=90_000)
            first = page.evaluate(points)
            page.wait_for_function(f"({points})() > {first}", timeout=60_000)   # the curve keeps growing
            page.screenshot(path=str(ARTIFACTS / "browser_live_panel.png"), full_page=True)
            # The app's own Stop button; Streamlit's status widget shows another "Stop" while a script reruns.
            page.locator("button[kind='secondary']", has_text="Stop").click(timeout=30_000)
            page.get_by_text("— stopped").first.wait_for(timeout=60_000)
            page.locator(".js-plotly-plot").first.wait_for(timeout=30_000)   # the full figure, drawn once
        finally:
            page.screenshot(path=str(ARTIFACTS / "browser_quick_start.png"), full_page=True)
            browser.close()


@needs_browser
@pytest.mark.parametrize("path", ["/lessons?lesson=data.3&lang=zh", "/evaluate", "/lab"])
def test_a_shared_link_opened_first_on_a_fresh_server_shows_the_apps_navigation(app_url, path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(app_url + path, timeout=60_000)
            nav = page.locator("[data-testid='stSidebarNav']")
            nav.get_by_text("Runs & compare").wait_for(timeout=60_000)
            links = [t.strip().splitlines()[-1] for t in nav.locator("a").all_inner_texts()]   # after the icon
            assert "Home" in links and "Lessons" in links
            assert not {"main", "home", "runs", "lessons"} & set(links), links   # file names: auto multipage mode
            page.locator("[data-testid='stMain'] h1").first.wait_for(timeout=60_000)   # and the page itself
        finally:
            page.screenshot(path=str(ARTIFACTS / f"browser_link_{path.strip('/').split('?')[0]}.png"), full_page=True)
            browser.close()


def _hover_cell(page, chart, fx, fy, attempts=12):
    """Hover a point of a plotly chart (fractions of its plot area) until its hover label shows.

    The page keeps drawing while a loaded machine catches up (figures below, a spinner above), which can move
    the chart or re-render it under the pointer; each attempt measures the plot area afresh."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for attempt in range(attempts):
        area = chart.locator(".nsewdrag").first.bounding_box()
        x, y = area["x"] + area["width"] * fx, area["y"] + area["height"] * fy
        page.mouse.move(x - 5, y - 5)
        page.mouse.move(x, y)
        try:
            chart.locator(".hovertext").first.wait_for(timeout=5_000)
            return x, y
        except PlaywrightTimeout:
            if attempt == attempts - 1:
                raise


@needs_browser
def test_a_confusion_cell_click_lists_its_examples_and_the_export_zip_downloads(app_url, tmp_path):
    import zipfile

    from playwright.sync_api import sync_playwright

    trained = subprocess.run([sys.executable, "-m", "workbench", "train", "--dataset", "breast_cancer", "--model",
                              "mlp", "--max-steps", "12", "--eval-every", "6", "--hidden-sizes", "16", "--json"],
                             cwd=ROOT, env={**os.environ, "WORKBENCH_HOME": str(tmp_path)}, capture_output=True,
                             text=True, check=True)
    run = json.loads(trained.stdout.strip().splitlines()[-1])
    names = ("malignant", "benign")
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"])
        page = browser.new_page(viewport={"width": 1400, "height": 1400}, accept_downloads=True)
        try:
            page.goto(f"{app_url}/evaluate?run={run['run_id']}", timeout=60_000)
            page.get_by_text(f"are {names[0]} and predicted {names[1]}").wait_for(timeout=60_000)
            # the confusion matrix is the page's first figure; its plot area holds the 2 x 2 cells
            x, y = _hover_cell(page, page.locator(".js-plotly-plot").first, 0.25, 0.75)  # true 1, pred 0
            page.mouse.click(x, y)
            page.get_by_text(f"are {names[1]} and predicted {names[0]}").wait_for(timeout=30_000)
            page.screenshot(path=str(ARTIFACTS / "browser_evaluate.png"), full_page=True)

            page.goto(f"{app_url}/runs?run={run['run_id']}", timeout=60_000)
            page.get_by_text("The same run as code, and the run to take with you").click(timeout=60_000)
            button = page.get_by_role("button", name="export (.zip)")
            button.wait_for(timeout=60_000)
            with page.expect_download(timeout=120_000) as download:   # the zip is written on the click
                button.click()
            saved = tmp_path / "export.zip"
            download.value.save_as(saved)
            with zipfile.ZipFile(saved) as archive:
                listed = archive.namelist()
            assert any(name.endswith("train.py") for name in listed) and any("README.md" in n for n in listed)
        finally:
            page.screenshot(path=str(ARTIFACTS / "browser_export.png"), full_page=True)
            browser.close()
