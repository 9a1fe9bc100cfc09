"""The live panel of an active run, drawn in the browser: it polls the run's feed (live_feed.py) once a second and
updates a progress bar, the timing figures and a small loss chart in place, so a running run costs the server one
JSON answer a second instead of a Streamlit rerun. When the run ends it asks Streamlit for one rerun, which draws
the full interactive figures."""
from __future__ import annotations

import streamlit as st

HTML = """
<div class="wb-live">
  <div class="wb-live-title"></div>
  <div class="wb-live-bar"><div class="wb-live-fill"></div></div>
  <div class="wb-live-small wb-live-steps"></div>
  <div class="wb-live-stats"></div>
  <div class="wb-live-charts">
    <div><div class="wb-live-small">loss</div>
      <svg class="wb-live-chart wb-live-loss" viewBox="0 0 640 200" role="img" aria-label="loss curves"></svg></div>
    <div><div class="wb-live-small">validation accuracy</div>
      <svg class="wb-live-chart wb-live-accuracy" viewBox="0 0 640 200" role="img" aria-label="validation accuracy"></svg></div>
  </div>
  <div class="wb-live-small wb-live-legend"></div>
  <div class="wb-live-notes"></div>
</div>
"""

CSS = """
.wb-live { font-family: var(--st-font, sans-serif); color: var(--st-text-color, #31333f); }
.wb-live-bar { height: 8px; border-radius: 4px; background: var(--st-secondary-background-color, #f0f2f6);
               margin: 6px 0 2px; overflow: hidden; }
.wb-live-fill { height: 100%; width: 0; background: var(--st-primary-color, #ff4b4b); }
.wb-live-small { font-size: 0.85rem; opacity: 0.8; }
.wb-live-stats { display: flex; gap: 2.5rem; margin: 10px 0; flex-wrap: wrap; }
.wb-live-stats div { display: flex; flex-direction: column; }
.wb-live-stats b { font-size: 1.6rem; font-weight: 400; }
.wb-live-charts { display: flex; gap: 1.5rem; flex-wrap: wrap; }
.wb-live-charts > div { flex: 1 1 320px; max-width: 640px; }
.wb-live-chart { width: 100%; height: 200px; }
.wb-live-chart text { font-size: 11px; fill: currentColor; opacity: 0.75; }
.wb-live-note { margin: 4px 0; padding: 6px 10px; border-radius: 6px; background: rgba(230, 159, 0, 0.16); }
.wb-live-swatch { display: inline-block; width: 14px; height: 3px; vertical-align: middle; margin: 0 4px 0 10px; }
"""

JS = """
const ACTIVE = ["queued", "running"];
const fmt = (v, digits) => (v === null || v === undefined) ? "—" : Number(v).toFixed(digits);
const esc = (t) => String(t).replace(/[&<>"]/g, (c) => ({"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;"}[c]));

// The colours of workbench/analysis/plots.py's SERIES_COLORS, so the live panel and the final figure read alike; text and
// axes use currentColor, so both follow Streamlit's light or dark theme.
const SERIES = {
  loss: [{key: "train_loss", color: "#0072B2", line: "wb-live-train-loss", label: "training loss"},
         {key: "eval_loss", color: "#56B4E9", label: "validation loss"}],
  accuracy: [{key: "eval_accuracy", color: "#009E73", line: "wb-live-eval-accuracy", label: "validation accuracy"}],
};

function drawChart(svg, rows, series, empty) {
  const has = (r, key) => r[key] !== undefined && r[key] !== null;
  const values = series.flatMap((s) => rows.filter((r) => has(r, s.key)).map((r) => r[s.key]));
  if (!values.length) { svg.innerHTML = `<text x="10" y="20">${empty}</text>`; return; }
  const steps = rows.map((r) => r.step);
  const [x0, x1] = [Math.min(...steps, 0), Math.max(...steps, 1)];
  let [y0, y1] = [Math.min(...values), Math.max(...values)];
  if (y1 - y0 < 1e-9) { y0 -= 0.5; y1 += 0.5; }
  const [left, right, top, bottom] = [48, 630, 10, 180];
  const x = (s) => left + (right - left) * (s - x0) / (x1 - x0);
  const y = (v) => bottom - (bottom - top) * (v - y0) / (y1 - y0);
  const marks = series.map((s) => {
    const points = rows.filter((r) => has(r, s.key)).map((r) => [x(r.step).toFixed(1), y(r[s.key]).toFixed(1)]);
    const dots = points.length < 40 ? points.map(([px, py]) => `<circle cx="${px}" cy="${py}" r="3.5" fill="${s.color}"/>`).join("") : "";
    const cls = s.line ? ` class="${s.line}"` : "";
    return `<polyline${cls} points="${points.map((p) => p.join(",")).join(" ")}" fill="none" stroke="${s.color}" stroke-width="2"/>` + dots;
  }).join("");
  svg.innerHTML =
    `<line x1="${left}" y1="${bottom}" x2="${right}" y2="${bottom}" stroke="currentColor" stroke-opacity="0.3"/>` +
    `<line x1="${left}" y1="${top}" x2="${left}" y2="${bottom}" stroke="currentColor" stroke-opacity="0.3"/>` +
    `<text x="4" y="${top + 10}">${y1.toFixed(3)}</text><text x="4" y="${bottom}">${y0.toFixed(3)}</text>` +
    `<text x="${left}" y="${bottom + 16}">step ${x0}</text><text x="${right - 60}" y="${bottom + 16}">step ${x1}</text>` + marks;
}

const LEGEND = Object.values(SERIES).flat().map((s) =>
  `<span class="wb-live-swatch" style="background:${s.color}"></span>${s.label}`).join("");

function render(root, s, rows) {
  const total = s.total_steps || 0;
  const place = s.status === "queued" && s.queue_position !== null ? ` (place ${s.queue_position} in the queue)` : "";
  const queued = s.status === "queued" && s.waiting_for ? ` (waiting for ${s.waiting_for})` : place;
  root.querySelector(".wb-live-title").innerHTML = `<b>Run <code>${esc(s.id)}</code></b> — ${esc(s.status)}${esc(queued)}`;
  root.querySelector(".wb-live-fill").style.width = `${total ? Math.min(100, 100 * s.step / total) : 0}%`;
  root.querySelector(".wb-live-steps").textContent = `step ${s.step} / ${total || "?"}`;
  const last = (key) => { for (let i = rows.length - 1; i >= 0; i--) if (rows[i][key] !== undefined) return rows[i][key]; return null; };
  const stats = [["elapsed", `${fmt(s.elapsed, 0)} s`], ["ETA", s.eta === null ? "—" : `${fmt(s.eta, 0)} s`],
                 ["samples/s", fmt(s.samples_per_second, 1)], ["train loss", fmt(last("train_loss"), 4)],
                 ["val accuracy", fmt(last("eval_accuracy"), 3)]];
  root.querySelector(".wb-live-stats").innerHTML =
    stats.map(([k, v]) => `<div><span class="wb-live-small">${k}</span><b>${v}</b></div>`).join("");
  drawChart(root.querySelector(".wb-live-loss"), rows, SERIES.loss, "The first curve point appears after the first few steps.");
  drawChart(root.querySelector(".wb-live-accuracy"), rows, SERIES.accuracy, "Appears at the first evaluation.");
  root.querySelector(".wb-live-legend").innerHTML = LEGEND;
  root.querySelector(".wb-live-notes").innerHTML =
    s.notes.map((n) => `<div class="wb-live-small">step ${esc(n.step)}: ${esc(n.message)}</div>`).join("") +
    s.diagnoses.map((d) => `<div class="wb-live-note"><b>${esc(d.kind.replace(/_/g, " "))}</b> at step ${esc(d.step)}: ` +
                           `${esc(d.message)}<br><b>Try:</b> ${esc(d.advice)}</div>`).join("");
}

export default function ({ parentElement, data, setTriggerValue }) {
  const root = parentElement.querySelector(".wb-live");
  // Streamlit calls this again when `data` changes, without the cleanup: keep one poller per panel.
  if (parentElement.__wbStop) parentElement.__wbStop();
  const aborter = new AbortController();
  let stopped = false, timer = null, since = 0, attempt = 0, failures = 0;
  let rows = [];
  const stop = () => { stopped = true; clearTimeout(timer); aborter.abort(); };
  parentElement.__wbStop = stop;
  async function poll() {
    if (stopped || !parentElement.isConnected) return stop();
    try {
      const answer = await fetch(`${data.url}?since=${since}`, { cache: "no-store", signal: aborter.signal });
      if (stopped) return;
      if (!answer.ok) throw new Error(`HTTP ${answer.status}`);
      const s = await answer.json();
      if (stopped) return;
      failures = 0;
      if (s.attempt !== attempt || s.history_length < since) { rows = []; attempt = s.attempt; }
      rows.push(...s.history);
      since = s.history_length;
      if (!ACTIVE.includes(s.status)) { stop(); setTriggerValue("ended", s.status); return; }
      render(root, s, rows);
    } catch (err) {
      if (stopped) return;
      // A restarting server or a dropped connection: say so after a few tries, and keep trying.
      if (++failures >= 5) root.querySelector(".wb-live-title").textContent =
        `Live updates unavailable (${err.message}); reload the page to see the run.`;
    }
    // Quick polls until the first loss point is drawn: it comes from the first step, not the first interval.
    const drawn = rows.some((r) => r.train_loss !== undefined && r.train_loss !== null);
    timer = setTimeout(poll, drawn ? data.every_ms : Math.min(250, data.every_ms));
  }
  poll();
  return stop;
}
"""

_component = None


def live_feed_url(run_id: str) -> str:
    from .live_feed import LIVE_PATH, base_path
    return base_path() + LIVE_PATH.format(run_id=run_id)


def mount_live_component(run_id: str, every_seconds: float, key: str) -> None:
    """The in-browser panel for an active run; the page reruns once, by itself, when the run ends."""
    global _component
    if _component is None:
        _component = st.components.v2.component("workbench_live_run", html=HTML, css=CSS, js=JS,
                                                isolate_styles=False)
    _component(data={"url": live_feed_url(run_id), "every_ms": int(every_seconds * 1000)}, key=key,
               on_ended_change=lambda: None)
