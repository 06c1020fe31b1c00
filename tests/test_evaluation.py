"""Per-instance semantics: system fields, limits along a ladder, evidence of every outcome."""
from __future__ import annotations

import math

import pytest
from hypothesis import strategies as st

from checker.arith import Enclosure, Precision
from checker.limits import Ladder
from checker.systems import MeasurementError, System


def _ladder(instance, precision, names):
    horizons = tuple(2.0 ** (4 + k + 2 * precision.level) for k in range(10))
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
    assert ladder.horizons[0] == 2.0 ** 6 and len(ladder.values["x"]) == 10
    bad = toy(trajectory=lambda i, p, n: Ladder((2.0, 1.0), {"x": (Enclosure.exact(1),) * 2}))
    with pytest.raises(MeasurementError, match="not increasing"):
        bad.ladder({}, Precision(), {"x"})
    with pytest.raises(ValueError, match="no trajectory function"):
        toy(trajectory=None)


from checker.evaluation import measure_instance  # noqa: E402
from checker.statements import Statement, StatementError  # noqa: E402
from checker.verdicts import Outcome  # noqa: E402


def _outcome(conclusion, **kw):
    stmt = Statement("t", "t", "", toy(), conclusion, **kw)
    return measure_instance(stmt, {}, Precision())


def test_the_true_limit_passes_and_its_ladder_is_recorded():
    r = _outcome("limit(x, log(H)/H) == c")
    assert r.outcome is Outcome.HOLDS and r.evidence == "estimate"
    assert set(r.limits) == {"x"} and r.values["limit(x, log(H)/H)"].kind == "estimate"
    assert r.to_json()["limits"]["x"] == r.limits["x"]


def test_a_limit_one_percent_off_is_not_passed_and_float_evidence_does_not_refute_it():
    for claim in ("limit(x, log(H)/H) == 101/100", "limit(x, log(H)/H) >= 101/100"):
        r = _outcome(claim)
        assert r.outcome is Outcome.UNDECIDED and r.reason == "float evidence cannot refute a limit"


def test_inequalities_on_limits_and_quantities_mix():
    assert _outcome("limit(x, log(H)/H) >= c - 1/100").outcome is Outcome.HOLDS
    assert _outcome("limit(x) <= 2*c").outcome is Outcome.HOLDS  # the generic extrapolation


def test_a_non_converging_ladder_is_undecided():
    r = _outcome("limit(osc) == 0")
    assert r.outcome is Outcome.UNDECIDED and r.reason.startswith("ladder not converging")


def test_limits_in_hypotheses_decide_scope():
    assert _outcome("c >= 0", hypotheses=("limit(x, log(H)/H) >= 2",)).outcome is Outcome.OUT_OF_SCOPE


@pytest.mark.parametrize("conclusion,match", [
    ("limit(c) == 1", "'c' is not a trajectory quantity"), ("limit(x, c) == 1", "horizon H alone"),
    ("limit(limit(x)) == 1", "nested"), ("x == 1", "unknown quantity 'x'"),
])
def test_malformed_limits_name_the_statement(conclusion, match):
    with pytest.raises(StatementError, match=f"^t conclusion: .*{match}"):
        Statement("t", "t", "", toy(), conclusion)


def test_limits_need_a_trajectory():
    plain = System("plain", "", {"c": ""}, st.just({}), lambda i, p, n: {"c": Enclosure.exact(1)})
    with pytest.raises(StatementError, match="measures no trajectory"):
        Statement("t", "t", "", plain, "limit(c) == 1")
