"""Enclosures: display and JSON forms that survive float64's range."""
from __future__ import annotations

from flint import arb, fmpq

from checker.arith import Enclosure, working_precision


def test_radii_and_midpoints_past_float64_range_are_shown_not_rounded_to_zero():
    with working_precision(4096):
        tiny = Enclosure.ball(arb(0, arb(2) ** -2040))
        far = Enclosure.ball(arb("1e-700"))
    assert tiny.radius == 0.0 and tiny.radius_str == "7.9e-615"
    assert str(tiny) == "0 ± 7.9e-615 (ball)" and tiny.to_json()["radius_str"] == "7.9e-615"
    assert far.mid_str == "1.00000e-700"


def test_ordinary_values_keep_their_float_form():
    assert str(Enclosure.estimate(1.5, 1e-3)) == "1.5 ± 0.001 (estimate)"
    assert str(Enclosure.exact(fmpq(1, 3))) == "1/3" and Enclosure.exact(1).to_json()["radius_str"] == "0"
