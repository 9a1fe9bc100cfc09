"""Writing Python source from templates: `$name` substitution, values as Python literals, and aligned blocks
of settings with comments."""
from __future__ import annotations

import json
import string


def fill(template: str, **values) -> str:
    return string.Template(template).substitute(**values)


def py(value) -> str:
    """A value as Python source, strings in double quotes (as the rest of the script)."""
    if isinstance(value, str) and not isinstance(value, Raw):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(py(v) for v in value) + "]"
    return repr(value)


def settings_block(rows: list[tuple[str, object, str]]) -> str:
    width = max(len(f"{n} = {py(v)}") for n, v, _ in rows)
    return "\n".join((f"{n} = {py(v)}".ljust(width) + (f"   # {c}" if c else "")).rstrip() for n, v, c in rows)


class Raw(str):
    def __repr__(self):
        return str(self)
