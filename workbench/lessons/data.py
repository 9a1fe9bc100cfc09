"""data lessons."""
from __future__ import annotations

LESSONS = []
