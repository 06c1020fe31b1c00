"""Twins: the perturbations derived from a relation, and their verdicts on the parent's values."""
from __future__ import annotations

from checker.profiles import profile
from checker.search import run_statement
from checker.statements import Statement
from checker.twins import derive

QUICK = profile("quick")


def _stmt(system, conclusion, **kw):
    return Statement(id="T", title="t", source="test", system=system, conclusion=conclusion, **kw)


def _perturbations(system, conclusion):
    return {t.perturbation: str(t.relation) for t in derive(_stmt(system, conclusion))}


def test_constants_exponents_strictness_and_scaled_sides(pair_system):
    twins = _perturbations(pair_system, "a**2 + b**2 >= 2*a*b")
    assert twins["constant 2 ×(1 - 1/100)"] == "a**2 + b**2 >= 99*a*b/50"
    assert twins["constant 2 ×(1 + 1/100)"] == "a**2 + b**2 >= 101*a*b/50"
    assert twins["constant 2 ×2"] == "a**2 + b**2 >= 4*a*b"
    assert twins[">= made strict"] == "a**2 + b**2 > 2*a*b"
    relations = {str(t.relation) for t in derive(_stmt(pair_system, "a**2 + b**2 >= 2*a*b"))}
    assert {"a**3 + b**2 >= 2*a*b", "a + b**2 >= 2*a*b", "a**2 + b**3 >= 2*a*b"} <= relations
    assert _perturbations(pair_system, "a == b") == {"rhs ×(1 - 1/100)": "Eq(a, 99*b/100)",
                                                     "rhs ×(1 + 1/100)": "Eq(a, 101*b/100)"}
    assert _perturbations(pair_system, "a - b >= 0") == {"rhs - 1/100": "a - b >= -1/100", "rhs + 1/100": "a - b >= 1/100",
                                                         ">= made strict": "a - b > 0"}
    assert all("b**" not in r for r in _perturbations(pair_system, "a/b <= 2").values())  # a division is no exponent


def test_a_sharp_bound_discriminates_and_a_loose_one_does_not(pair_system):
    sharp = run_statement(_stmt(pair_system, "a**2 + b**2 >= 2*a*b"), QUICK, seed=1, database_dir=None)
    assert sharp.verdict.value == "certified" and sharp.discriminates is True
    verdicts = {t["perturbation"]: t["verdict"] for t in sharp.twins}
    assert verdicts["constant 2 ×(1 + 1/100)"] == "refuted"  # within 1 % of attained
    assert verdicts["constant 2 ×(1 - 1/100)"] == "certified"  # the weaker bound holds: the site counts once
    loose = run_statement(_stmt(pair_system, "a**2 + b**2 + 1 >= a*b"), QUICK, seed=1, database_dir=None)
    assert loose.discriminates is False
    held = {t["perturbation"] for t in loose.twins if t["verdict"] != "refuted"}
    assert {"constant 1 ×(1 + 1/100)", "constant 1 ×2"} <= held  # far from attained: the check cannot tell


def test_twins_use_only_the_parents_measurements(pair_system):
    calls = []

    def measure(i, p, n):
        calls.append(i)
        return pair_system.measure(i, p, n)

    counted = type(pair_system)(pair_system.name, "", pair_system.quantities, pair_system.strategy, measure)
    res = run_statement(_stmt(counted, "a**2 + b**2 >= 2*a*b"), QUICK, seed=1, database_dir=None)
    assert len(calls) == res.instances and len(res.twins) >= 5


def test_mutations_have_no_twins(pair_system):
    res = run_statement(_stmt(pair_system, "a >= b", expect="fails"), QUICK, seed=1, database_dir=None)
    assert res.twins == [] and res.discriminates is None


def test_an_undecided_twin_counts_only_where_its_parent_held(pair_system):
    from checker.twins import summarise
    stmt = _stmt(pair_system, "a >= b")
    (scaled,) = [t for t in derive(stmt) if t.site != "strict"][:1]
    held, undecided = "holds", "undecided"
    twin_undecided = [[undecided, "", None]]
    assert summarise(stmt, [scaled], [twin_undecided], [held])[1] is True  # confirmed the claim, not the twin
    assert summarise(stmt, [scaled], [twin_undecided + [["holds", "ball", 0.1]]], [undecided, held])[1] is False
    assert summarise(stmt, [scaled], [twin_undecided], [undecided])[1] is None  # nothing held: nothing shown
