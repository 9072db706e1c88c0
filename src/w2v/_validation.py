"""One validation path for every public parameter (scikit-learn style).

Each check returns the value converted to the expected Python type, or raises
:class:`w2v.errors.ParameterError` with the one message shape
``parameter NAME=VALUE: expected EXPECTATION``.
"""

from __future__ import annotations

import math
import numbers
from typing import Iterable

from .errors import ParameterError

__all__ = ["check_int", "check_float", "check_choice", "check_bool", "fail"]


def fail(name: str, value: object, expected: str) -> None:
    raise ParameterError(f"parameter {name}={value!r}: expected {expected}")


def check_int(name: str, value: object, *, min: int | None = None,
              max: int | None = None, allow_none: bool = False) -> int | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        fail(name, value, _range_text("an integer", min, max))
    value = int(value)
    if (min is not None and value < min) or (max is not None and value > max):
        fail(name, value, _range_text("an integer", min, max))
    return value


def check_float(name: str, value: object, *, min: float | None = None,
                max: float | None = None, min_exclusive: bool = False,
                allow_none: bool = False) -> float | None:
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        fail(name, value, _range_text("a number", min, max, min_exclusive))
    value = float(value)
    bad = not math.isfinite(value)
    if min is not None:
        bad = bad or (value <= min if min_exclusive else value < min)
    if max is not None:
        bad = bad or value > max
    if bad:
        fail(name, value, _range_text("a finite number", min, max, min_exclusive))
    return value


def check_choice(name: str, value: object, choices: Iterable[str]) -> str:
    choices = tuple(choices)
    if value not in choices:
        fail(name, value, "one of " + ", ".join(repr(c) for c in choices))
    return value  # type: ignore[return-value]


def check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        fail(name, value, "True or False")
    return value  # type: ignore[return-value]


def _range_text(kind: str, lo, hi, lo_exclusive: bool = False) -> str:
    if lo is not None and hi is not None:
        return f"{kind} in {'(' if lo_exclusive else '['}{lo}, {hi}]"
    if lo is not None:
        return f"{kind} {'>' if lo_exclusive else '>='} {lo}"
    if hi is not None:
        return f"{kind} <= {hi}"
    return kind
