"""Shared fixtures: a tiny exact system used by the engine tests."""
from __future__ import annotations

import pytest
from hypothesis import strategies as st

from checker import Enclosure, System
from checker.arith import rational
from checker.strategies import rationals


def _measure(inst, precision, names):
    return {"a": Enclosure.exact(rational(inst["a"])), "b": Enclosure.exact(rational(inst["b"]))}


@pytest.fixture
def pair_system() -> System:
    """Two exact rationals a, b: the smallest system a statement can be about."""
    return System("pair", "two rationals", {"a": "first rational", "b": "second rational"},
                  st.fixed_dictionaries({"a": rationals(), "b": rationals()}), _measure)
