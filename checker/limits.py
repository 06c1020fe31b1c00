"""Limits along a ladder of horizons (DESIGN.md, "Limits" contract).

A system that integrates a trajectory reports its trajectory quantities at a geometric ladder of
horizons (a :class:`Ladder`).  A statement's ``limit(EXPR)`` is judged from the values of EXPR on
that ladder by :func:`judge_limit`: the limit is extrapolated (with the theorem's rate form when
the statement gives one, ``limit(EXPR, RATE)`` with RATE in the horizon symbol ``H``), and enclosed
with an error estimated from the ladder itself plus the integrator's error.

INTERFACE STUB: the data types and the signature are the contract; the extrapolation below is a
placeholder (the last rung with the spread of the last three as its error) to be replaced.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import sympy

from .arith import Enclosure


@dataclass(frozen=True)
class Ladder:
    """Trajectory quantities at increasing horizons: ``values[name][k]`` is measured at ``horizons[k]``."""

    horizons: tuple[float, ...]
    values: Mapping[str, tuple[Enclosure, ...]]
    clock: str = "log t"
    note: str = ""


@dataclass(frozen=True)
class LimitJudgement:
    """The enclosed limit of one expression along a ladder.

    ``enclosure`` is of kind ``estimate`` unless a witness that no horizon can fake (an exact
    identity, a certified monotone bound, a closed form) makes it ``exact`` or ``ball``;
    ``converging`` is True when the error estimate shrinks along the ladder; ``detail`` is
    JSON-serialisable (horizons, values, extrapolants, errors, method) for report pages.
    """

    enclosure: Enclosure
    converging: bool
    detail: dict[str, Any] = field(default_factory=dict)


def judge_limit(samples: Sequence[Enclosure], horizons: Sequence[float], rate: sympy.Expr | None,
                bits: int) -> LimitJudgement:
    """The limit of a sequence ``samples[k]`` measured at ``horizons[k]`` (placeholder, see module)."""
    if len(samples) < 3:
        raise ValueError("a limit needs at least three rungs of the ladder")
    tail = [s.mid for s in samples[-3:]]
    spread = max(tail) - min(tail)
    error = spread + max(s.radius for s in samples[-3:])
    converging = abs(tail[2] - tail[1]) <= abs(tail[1] - tail[0])
    return LimitJudgement(Enclosure.estimate(tail[-1], error, "placeholder: last rung ± spread of the last three"),
                          converging, {"horizons": list(horizons), "values": [s.mid for s in samples],
                                       "method": "placeholder"})
