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


def assert_verdict(stmt, allowed, profile) -> None:
    """The statement reaches one of the ``allowed`` verdicts on in-scope instances, with no counterexample."""
    from checker.search import run_statement

    res = run_statement(stmt, profile, seed=0, database_dir=None)
    assert res.verdict in allowed, res.message
    assert res.in_scope > 0 and res.counterexample is None


def assert_refuted_and_replays(stmt, search_profile, replay_profile) -> None:
    """The checker refutes ``stmt`` by its own search, and the replay command's blob reproduces it."""
    from checker.search import decode_instance, replay, run_statement
    from checker.verdicts import Verdict

    res = run_statement(stmt, search_profile, seed=0, database_dir=None)
    assert res.verdict is Verdict.REFUTED, res.message
    blob = res.reproduce.rsplit(":", 1)[1]
    assert replay(stmt, decode_instance(blob), replay_profile).verdict is Verdict.REFUTED
