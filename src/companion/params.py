"""Notebook parameters as papermill hands them over.

`papermill -p seeds "[0,1,2]"` passes the string "[0,1,2]", while `-y` or the Python API pass a
list. These helpers accept both, so a notebook's parameters cell can be overridden either way.
"""

from __future__ import annotations

import ast


def _literal(value, name):
    if not isinstance(value, str):
        return value
    text = value.strip()
    if not text or text[0] not in "[({":
        return value
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError) as err:
        raise ValueError(f"parameter {name}={value!r} is not a Python/JSON literal: {err}") from err


def as_list(value, name: str):
    """None stays None; a list, tuple, scalar or a string such as "[0, 1]" becomes a tuple."""
    if value is None:
        return None
    value = _literal(value, name)
    if isinstance(value, (list, tuple)):
        return tuple(value)
    return (value,)


def as_dict(value, name: str) -> dict:
    """None becomes {}; a dict or a string such as '{"n_iter": 500}' becomes a dict."""
    if value is None:
        return {}
    value = _literal(value, name)
    if not isinstance(value, dict):
        raise ValueError(f"parameter {name} must be a dict, got {value!r}")
    return dict(value)
