"""A lesson setting as text (the page keeps settings in its URL) and back, with the value checked against the type
and sign of the setting's default; a value that does not fit raises ValueError saying what was expected."""
from __future__ import annotations

import json
import math

LARGEST_NUMBER = 2 ** 53 - 1      # what a browser number input holds exactly
TRUE_TEXT, FALSE_TEXT = ("true", "1", "yes"), ("false", "0", "no")


def setting_text(value) -> str:
    """How a setting is written in a URL: JSON for lists and dicts, str() otherwise."""
    return json.dumps(value) if isinstance(value, (list, dict)) else str(value)


def parse_setting(text: str, default):
    """`text` read as a value of the default's type: true/false, a whole number, a number, JSON of the same kind
    (list or dict), or any text. Numbers must be finite and in range, and not negative where the default is not."""
    if isinstance(default, bool):
        return _parse_bool(text)
    if isinstance(default, (int, float)):
        return _parse_number(text, default)
    if isinstance(default, (list, dict)):
        return _parse_json(text, type(default))
    return str(text)


def _parse_bool(text: str) -> bool:
    word = text.strip().lower()
    if word in TRUE_TEXT + FALSE_TEXT:
        return word in TRUE_TEXT
    raise ValueError(f"expected true or false, got {text!r}")


def _parse_number(text: str, default: int | float) -> int | float:
    try:
        number = float(text)
    except ValueError:
        raise ValueError(f"expected a number, got {text!r}") from None
    if not math.isfinite(number) or abs(number) > LARGEST_NUMBER:
        raise ValueError(f"{text!r} is out of range")
    if number < 0 <= default:
        raise ValueError(f"{text!r} is negative; this setting must be 0 or more")
    if isinstance(default, int):
        if not number.is_integer():
            raise ValueError(f"expected a whole number, got {text!r}")
        return int(number)
    return number


def _parse_json(text: str, kind: type) -> list | dict:
    try:
        value = json.loads(text)
    except ValueError:
        raise ValueError(f"not valid JSON: {text!r}") from None
    if not isinstance(value, kind):
        raise ValueError(f"expected a JSON {'list' if kind is list else 'object'}, got {text!r}")
    return value
