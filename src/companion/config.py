"""Experiment configs: notebook parameters as papermill hands them over, provenance-tagged
fields, settings tables and validation.

`papermill -p seeds "[0,1,2]"` passes the string "[0,1,2]", while `-y` or the Python API pass a
list. These helpers accept both, so a notebook's parameters cell can be overridden either way.
"""

from __future__ import annotations

import ast
import dataclasses
from dataclasses import field
from pathlib import Path


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


def config_overrides(value, config_cls) -> dict:
    """The notebook's `overrides` parameter (see `as_dict`) as a dict whose keys are all fields of
    `config_cls`; an unknown key is a ValueError that lists the valid ones."""
    overrides = as_dict(value, "overrides")
    fields = {f.name for f in dataclasses.fields(config_cls)}
    unknown = sorted(set(overrides) - fields)
    if unknown:
        raise ValueError(f"unknown override(s) {unknown}; valid keys: {', '.join(sorted(fields))}")
    return overrides


# ------------------------------------------------------------------ configs with provenance

def tagged(default, source: str, doc: str):
    """A config field with its provenance ([P], [C] or [A]) and a one-line description."""
    return field(default=default, metadata={"source": source, "doc": doc})


def describe(config, reference=None):
    """Table of a config's fields: value, provenance tag and meaning. A value that differs
    from the paper's or the code's setting (the field's default, or the same field of
    `reference` where the setting depends on the experiment) is tagged [A] with that setting."""
    import pandas as pd

    rows = []
    for f in dataclasses.fields(config):
        value = getattr(config, f.name)
        setting = f.default if reference is None else getattr(reference, f.name)
        source = f"[{f.metadata['source']}]"
        if value != setting:
            source = f"[A] ({f.metadata['source']}: {setting})"
        rows.append({"field": f.name, "value": str(value), "source": source,
                     "meaning": f.metadata["doc"]})
    return pd.DataFrame(rows).set_index("field")


def pick_profile(profiles: dict, name: str, smoke: bool = False, shrink=None):
    """The profile called `name`, or an error naming the ones there are. With `smoke`, the
    profile passed through `shrink`: the same datasets, models and evaluations at tiny sizes, a
    check that every code path of the profile runs (its numbers mean nothing)."""
    if name not in profiles:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(profiles)}")
    if not isinstance(smoke, bool):
        raise ValueError(f"smoke must be True or False, got {smoke!r}")
    if smoke and shrink is None:
        raise ValueError("this experiment defines no smoke sizes")
    return shrink(profiles[name]) if smoke else profiles[name]


#: Seeds are integers in [0, SEED_LIMIT): numpy's `default_rng`/`seed` and torch accept them all.
SEED_LIMIT = 2 ** 32


def positive_seeds(seeds) -> tuple:
    """The seeds as a tuple of ints, checked before any training: at least one, each an integer in
    [0, 2**32), none twice (a paired comparison over seeds needs distinct runs)."""
    import operator

    seeds = tuple(seeds)
    if not seeds:
        raise ValueError("the seed count must be positive: give at least one seed")
    checked = []
    for s in seeds:
        try:
            if isinstance(s, bool):
                raise TypeError
            value = operator.index(s)
        except TypeError:
            raise ValueError(f"seeds must be integers in [0, 2**32), got {s!r} in {list(seeds)!r}") from None
        if not 0 <= value < SEED_LIMIT:
            raise ValueError(f"seeds must be integers in [0, 2**32), got {value} in {list(seeds)!r}")
        checked.append(value)
    repeated = sorted({s for s in checked if checked.count(s) > 1})
    if repeated:
        raise ValueError(f"seed(s) {repeated} given twice in {checked}: each seed is one run")
    return tuple(checked)


def known(values, allowed, what) -> tuple:
    values = tuple(values)
    bad = [v for v in values if v not in allowed]
    if bad or not values:
        raise ValueError(f"unknown {what} {bad or values!r}; choose from {', '.join(allowed)}")
    return values


def check_output_dir(path: str | Path) -> Path:
    """Create the output folder (a relative path lies under the project root) and prove it is
    writable, before any training starts."""
    from .paths import resolve

    path = resolve(path)
    try:
        path.mkdir(parents=True, exist_ok=True)
        probe = path / ".write-test"
        probe.write_text("ok")
        probe.unlink()
    except OSError as err:
        raise PermissionError(f"output folder {path} is not writable: {err}") from err
    return path
