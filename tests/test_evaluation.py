"""Per-instance semantics: system fields, limits along a ladder, evidence of every outcome."""
from __future__ import annotations

import math

import pytest
from hypothesis import strategies as st

from checker.arith import Enclosure, Precision
from checker.limits import Ladder
from checker.systems import MeasurementError, System


def _ladder(instance, precision, names):
    horizons = tuple(2.0 ** (4 + k + 2 * precision.level) for k in range(6))
    seqs = {"x": lambda h: 1 + math.log(h) / h, "osc": lambda h: math.sin(h)}
    return Ladder(horizons, {n: tuple(Enclosure.estimate(seqs[n](h), 1e-14) for h in horizons) for n in names})


def toy(trajectory=_ladder, **kw) -> System:
    """A system with one exact quantity ``c = 1`` and closed-form ladders x(H) = 1 + log H/H, osc(H) = sin H."""
    return System("toy", "closed-form ladders", {"c": "the constant 1"}, st.just({}),
                  lambda inst, prec, names: {"c": Enclosure.exact(1)},
                  trajectory=trajectory, trajectory_quantities={"x": "1 + log(H)/H", "osc": "sin(H)"}, **kw)


def test_system_defaults_keep_plain_systems_working():
    s = System("plain", "", {"c": ""}, st.just({}), lambda i, p, n: {"c": Enclosure.exact(1)})
    assert s.trajectory is None and dict(s.trajectory_quantities) == {} and s.features is None
    assert not s.dynamical and s.features_of({}) == {}


def test_features_and_ladder_are_checked():
    s = toy(features=lambda inst: {"depth": 2}, dynamical=True)
    assert s.features_of({}) == {"depth": 2} and s.dynamical
    ladder = s.ladder({}, Precision(level=1), {"x"})
    assert ladder.horizons[0] == 2.0 ** 6 and len(ladder.values["x"]) == 6
    bad = toy(trajectory=lambda i, p, n: Ladder((2.0, 1.0), {"x": (Enclosure.exact(1),) * 2}))
    with pytest.raises(MeasurementError, match="not increasing"):
        bad.ladder({}, Precision(), {"x"})
    with pytest.raises(ValueError, match="no trajectory function"):
        toy(trajectory=None)
