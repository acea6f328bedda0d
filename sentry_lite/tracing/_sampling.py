"""Sampling decisions, as pure functions.

Every decision compares the trace's ``sample_rand`` (a number in ``[0, 1)`` with six decimals,
shared by every service of the trace) with a rate: sampled when ``sample_rand < rate``.

Precedence (Sentry's tracing spec): an explicit ``sampled=``, then ``traces_sampler``, then the
parent's decision, then ``traces_sample_rate``.
"""

from __future__ import annotations

import math
from random import Random

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable, Mapping
    from typing import Any

_SCALE = 1_000_000


def _first_step(low: float) -> int:
    # The first multiple of 1e-6 at or above ``low``.
    return math.ceil(low * _SCALE)


def _end_step(high: float) -> int:
    # The first multiple of 1e-6 at or above ``high`` (excluded), immune to float noise
    # that would let a value reach ``high`` (0.29 * 1e6 is 290000.00000000006).
    return math.ceil(round(high * _SCALE, 6))


def sample_rand_for(trace_id: str, low: float = 0.0, high: float = 1.0) -> float:
    """A number in ``[low, high)`` with six decimals, derived from ``trace_id`` alone.

    The same trace id always gives the same number, and the same one the official Python
    SDK derives, so services that must invent a ``sample_rand`` for a trace agree on it.
    """
    unit = Random(trace_id).randrange(_SCALE)
    if not 0.0 <= low < high <= 1.0:
        return unit / _SCALE
    first, end = _first_step(low), _end_step(high)
    if first >= end:
        # No six-decimal number in between: the lowest one that still fits, if any.
        return first / _SCALE if first / _SCALE < high else unit / _SCALE
    return (first + unit * (end - first) // _SCALE) / _SCALE


def parse_sample_rand(value: object) -> float | None:
    """A valid ``sample_rand`` (a float in ``[0, 1)``) from a baggage value, else ``None``."""
    number = _number(value)
    return number if number is not None and number < 1.0 else None


def parse_rate(value: object) -> float | None:
    """A valid sample rate (a float in ``[0, 1]``, booleans as 1 and 0), else ``None``."""
    if isinstance(value, bool):
        return 1.0 if value else 0.0
    return _number(value)


def _number(value: object) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return number if 0.0 <= number <= 1.0 else None


def incoming_sample_rand(
    trace_id: str, baggage_rand: object, parent_sampled: bool | None, baggage_rate: object
) -> float:
    """The ``sample_rand`` of a continued trace.

    The one in the baggage if valid; else one derived from the trace id that agrees with the
    parent's decision at the parent's rate (below the rate if sampled, at or above if not).
    """
    rand = parse_sample_rand(baggage_rand)
    if rand is not None:
        return rand
    rate = parse_rate(baggage_rate)
    if parent_sampled is not None and rate is not None:
        if parent_sampled and rate > 0.0:
            return sample_rand_for(trace_id, 0.0, rate)
        if not parent_sampled and rate < 1.0:
            return sample_rand_for(trace_id, rate, 1.0)
    return sample_rand_for(trace_id)


def format_rate(rate: float) -> str:
    """A rate as the DSC writes it (``"0.25"``, ``"1.0"``)."""
    return repr(float(rate))


def format_sample_rand(rand: float) -> str:
    return f"{rand:.6f}"


class Decision:
    """The outcome of sampling one transaction."""

    __slots__ = ("problem", "sample_rate", "sampled")

    def __init__(self, sampled: bool, sample_rate: float | None, problem: str | None = None):
        self.sampled = sampled
        self.sample_rate = sample_rate
        self.problem = problem

    def __repr__(self) -> str:
        return f"<Decision sampled={self.sampled} rate={self.sample_rate}>"


def decide(
    *,
    sample_rand: float,
    explicit: bool | None = None,
    sampler: Callable[[dict[str, Any]], Any] | None = None,
    sampling_context: Mapping[str, Any] | None = None,
    parent_sampled: bool | None = None,
    parent_sample_rate: float | None = None,
    traces_sample_rate: float | None = None,
) -> Decision:
    """Sample one transaction; never raises (a failing ``sampler`` means "not sampled")."""
    if explicit is not None:
        return Decision(bool(explicit), 1.0 if explicit else 0.0)
    if sampler is not None:
        try:
            given = sampler(dict(sampling_context or {}))
        except Exception as exc:
            return Decision(False, None, f"traces_sampler raised {exc!r}: not sampled")
        source = "traces_sampler"
    elif parent_sampled is not None:
        return Decision(parent_sampled, parent_sample_rate)
    else:
        given, source = traces_sample_rate, "traces_sample_rate"
    rate = parse_rate(given)
    if rate is None:
        return Decision(False, None, f"{source} gave {given!r}, not a rate in [0, 1]")
    return Decision(sample_rand < rate, rate)


__all__ = [
    "Decision",
    "decide",
    "format_rate",
    "format_sample_rand",
    "incoming_sample_rand",
    "parse_rate",
    "parse_sample_rand",
    "sample_rand_for",
]
