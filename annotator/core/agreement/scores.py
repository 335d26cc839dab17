"""Scores that may be undefined, and the one null convention of the agreement report.

A measure is either a finite ``float`` or :class:`Undefined` carrying the reason it has
no value (no shared document, zero spans on both sides, chance agreement of 1, ...).
In the JSON-ready report an undefined measure ``x`` is written as ``"x": null`` plus a
sibling ``"x_reason": "..."`` in the same object; in a name -> value map (``per_label``,
``per_type``) the reasons go into a sibling map ``"<map>_reasons"`` keyed like the map.
NaN and infinities never reach the report.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

NULL_CONVENTION = (
    "An undefined measure x is null with a sibling x_reason in the same object; "
    "in a name -> value map m, undefined entries are null and m_reasons[name] says why."
)


@dataclass(frozen=True, slots=True)
class Undefined:
    """A measure with no value, and why."""

    reason: str


Score = float | Undefined


def defined(score: Score) -> bool:
    return not isinstance(score, Undefined)


def finite(value: float | int | None, reason: str = "the value is not a finite number") -> Score:
    """``value`` as a float, or Undefined when it is None, NaN or infinite."""
    if value is None:
        return Undefined(reason)
    value = float(value)
    if math.isfinite(value):
        return value
    return Undefined(reason)


def ratio(numerator: float, denominator: float, reason: str) -> Score:
    """numerator / denominator, or Undefined(reason) when the denominator is 0."""
    if denominator == 0:
        return Undefined(reason)
    return finite(numerator / denominator)


def f1(matched: int, a_count: int, b_count: int, reason: str) -> Score:
    """2|A∩B| / (|A| + |B|); Undefined(reason) when both sides are empty."""
    return ratio(2 * matched, a_count + b_count, reason)


def mean(scores: Iterable[Score], reason: str) -> Score:
    """Mean of the defined scores; Undefined(reason) when none is defined."""
    values = [s for s in scores if not isinstance(s, Undefined)]
    if not values:
        return Undefined(reason)
    return finite(math.fsum(values) / len(values))


def value(score: Score) -> float | None:
    return None if isinstance(score, Undefined) else score


def put(obj: dict[str, Any], key: str, score: Score) -> None:
    """Write ``score`` under ``key``; an undefined score also writes ``key_reason``."""
    score = score if isinstance(score, Undefined) else finite(score)
    if isinstance(score, Undefined):
        obj[key] = None
        obj[f"{key}_reason"] = score.reason
    else:
        obj[key] = score


def put_map(obj: dict[str, Any], key: str, scores: Mapping[str, Score]) -> None:
    """Write ``{name: value-or-null}`` under ``key`` and the reasons under ``key_reasons``."""
    values: dict[str, float | None] = {}
    reasons: dict[str, str] = {}
    for name, score in scores.items():
        tmp: dict[str, Any] = {}
        put(tmp, "v", score)
        values[name] = tmp["v"]
        if "v_reason" in tmp:
            reasons[name] = tmp["v_reason"]
    obj[key] = values
    if reasons:
        obj[f"{key}_reasons"] = reasons
