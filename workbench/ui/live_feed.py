"""The live panel's data feed: `GET /api/runs/<id>/live?since=N` answers with the run's status and timing and the
history rows from N on, as JSON. The browser polls it once a second and updates the panel in place, instead of
Streamlit rerunning the panel every second: a rerun costs about 0.1 s of server and 0.1-0.25 s of browser CPU,
which a training run sharing the same two cores pays twice over (bench/README.md, dashboard overhead)."""
from __future__ import annotations

import json
import math
import re

import numpy as np

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ..core.store import json_default

LIVE_PATH = "/api/runs/{run_id}/live"
RUN_ID = re.compile(r"[A-Za-z0-9_-]+")
FIELDS = ("id", "status", "step", "total_steps", "elapsed", "eta", "samples_per_second", "queue_position",
          "waiting_for", "error", "hint")


def live_view(snap: dict, since: int = 0) -> dict:
    """What the browser needs to redraw the panel: the status fields, the history from row `since` on, and the
    latest notes and diagnoses."""
    history = snap.get("history") or []
    notes = snap.get("notes") or []
    # An out-of-memory retry starts the history again; the attempt number tells the browser to drop its rows.
    attempt = sum(note.get("kind") == "retry" for note in notes)
    return {**{k: snap.get(k) for k in FIELDS}, "history": history[since:], "history_length": len(history),
            "attempt": attempt, "notes": notes[-3:], "diagnoses": (snap.get("diagnoses") or [])[-4:]}


def plain_json(value) -> str:
    """JSON that a browser's JSON.parse accepts: NaN and infinities (a diverged loss) become null."""
    def clean(v):
        if isinstance(v, np.generic):
            v = v.item()
        if isinstance(v, float) and not math.isfinite(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v
    return json.dumps(clean(value), allow_nan=False, default=json_default)


def live(request: Request) -> Response:
    from ..core.runner import get_runner as runner   # the process-wide runner the pages' panels started runs on

    run_id = request.path_params["run_id"]
    try:
        since = max(0, int(request.query_params.get("since", "0")))
    except ValueError:
        since = 0
    if not RUN_ID.fullmatch(run_id) or not runner().store.folder(run_id).exists():
        return Response(plain_json({"error": f"no run {run_id}"}), status_code=404, media_type="application/json")
    body = plain_json(live_view(runner().snapshot(run_id), since))
    return Response(body, media_type="application/json", headers={"Cache-Control": "no-store"})


def base_path() -> str:
    """Streamlit mounts its own routes under server.baseUrlPath but a custom route as given, so add it here."""
    from streamlit import config
    base = (config.get_option("server.baseUrlPath") or "").strip("/")
    return f"/{base}" if base else ""


def routes() -> list[Route]:
    return [Route(base_path() + LIVE_PATH, live, methods=["GET"])]
