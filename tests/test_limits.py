"""The limit judge of checker/limits.py on synthetic ladders with known limits and rates: the true
limit lies inside the enclosure, a value 1 % off lies outside it, and sequences without a limit are
not converging."""
from __future__ import annotations

import json
import math

import numpy as np
import pytest
import sympy

from checker.arith import Enclosure
from checker.limits import HORIZON, judge_limit

H = 10 * 10 ** (np.arange(21) / 4)  # log t = 10 … 10⁶, four rungs a decade
RATE = sympy.log(HORIZON) / HORIZON


def judge(x: np.ndarray, rate: sympy.Expr | None = None, radius: float = 1e-12):
    return judge_limit([Enclosure.estimate(v, radius) for v in x], H, rate, 128)


def contains(j, value: float) -> bool:
    return float(j.enclosure.value.lower()) <= value <= float(j.enclosure.value.upper())


CASES = {  # name: (sequence, limit, rate form)
    "loglog/log with its rate": (1 + 2 * np.log(H) / H + 3 / H, 1.0, RATE),
    "loglog/log, generic": (1 + 2 * np.log(H) / H + 3 / H, 1.0, None),
    "log loss over log t": (-1 - (2 - 2 / 3) * np.log(H) / H + 0.7 / H, -1.0, RATE),
    "power 1/2": (0.25 + H ** -0.5, 0.25, None),
    "power 1/2 and 1": (1 + H ** -0.5 + 2 / H, 1.0, None),
    "power 1/10": (1 + H ** -0.1, 1.0, None),
    "to zero like 1/log t": (3 / H, 0.0, None),
    "wobbling power": (1 + H ** -0.5 * (1 + np.sin(3 * np.arange(21)) / 10), 1.0, None),
    "constant": (np.full(21, 0.7), 0.7, None),
}


@pytest.mark.parametrize("name", CASES)
def test_true_limit_inside_one_percent_off_outside(name: str) -> None:
    x, limit, rate = CASES[name]
    j = judge(x, rate)
    assert j.converging, j.detail
    assert contains(j, limit), (j.enclosure, limit)
    off = limit * 1.01 if limit else 1e-2
    assert not contains(j, off) and not contains(j, limit - (off - limit)), j.enclosure
    assert j.enclosure.kind == "estimate"
    json.dumps(j.detail, allow_nan=False)


def test_the_rate_form_reaches_slow_rates() -> None:
    """A limit approached like 1/log H (log log t) is past generic extrapolation; its rate form finds it."""
    x = 1 + 1 / np.log(H) + 1 / H
    j = judge(x, 1 / sympy.log(HORIZON))
    assert j.converging and contains(j, 1.0) and not contains(j, 1.01)


def test_samples_radii_enter_the_error() -> None:
    x = np.full(21, 0.7) + 1e-6 * np.random.default_rng(0).standard_normal(21)
    j = judge(x, radius=1e-6)
    assert j.converging and contains(j, 0.7) and j.enclosure.radius >= 1e-6


@pytest.mark.parametrize("x", [np.log(H), 0.3 + np.sin(2 * np.log(H)), np.sqrt(H), (-1.0) ** np.arange(21)],
                         ids=["log", "oscillating", "sqrt", "alternating"])
def test_no_limit_is_not_converging(x: np.ndarray) -> None:
    assert not judge(x).converging
    assert not judge(x, RATE).converging


def test_errors_shrink_along_the_ladder() -> None:
    j = judge(CASES["power 1/2 and 1"][0])
    errors = [e for e in j.detail["errors"].values()]
    assert errors[-1] < errors[0]


def test_bad_input() -> None:
    with pytest.raises(ValueError):
        judge_limit([Enclosure.estimate(1, 0)] * 4, H[:4], None, 128)
    with pytest.raises(ValueError):
        judge_limit([Enclosure.estimate(1, 0)] * 5, H[:5], sympy.Symbol("x") / HORIZON, 128)
