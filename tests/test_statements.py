"""Statements: parsing, interval evaluation of margins, classification and aggregation."""
from __future__ import annotations

import math

import pytest
import sympy
from flint import arb, fmpq

from checker.arith import Enclosure, working_precision
from checker.statements import StatementError, enclose, margin, parse_relation
from checker.verdicts import InstanceResult, Outcome, Verdict, aggregate, classify

NAMES = {"S", "E", "N", "gamma", "a"}


def test_quantity_names_never_collide_with_sympy_builtins():
    rel = parse_relation("S >= 2*E*N + gamma", NAMES, "t")
    assert {s.name for s in rel.free_symbols} == {"S", "E", "N", "gamma"}
    assert isinstance(rel, sympy.Ge)


def test_double_equals_is_an_identity():
    assert isinstance(parse_relation("a**2 == S", NAMES, "t"), sympy.Eq)


@pytest.mark.parametrize("text,match", [
    ("S + 1", "not a relation"), ("S >= foo", "unknown quantity 'foo'"), ("S >= (", "cannot parse"),
    ("a == S == E", "more than one"),
])
def test_malformed_statements_say_what_is_wrong(text, match):
    with pytest.raises(StatementError, match=match):
        parse_relation(text, NAMES, "t")


def test_exact_inputs_give_exact_margins():
    vals = {"a": Enclosure.exact(fmpq(1, 3)), "S": Enclosure.exact(fmpq(1, 9))}
    m = margin(parse_relation("a**2 == S", NAMES, "t"), vals, 64)
    assert m.kind == "exact" and m.value == 0


def test_irrational_operations_switch_to_balls_that_enclose_the_truth():
    vals = {"a": Enclosure.exact(2), "S": Enclosure.exact(0)}
    e = enclose(sympy.sqrt(sympy.Symbol("a")), vals, 200)
    with working_precision(400):
        assert e.kind == "ball" and e.value.contains(arb(2).sqrt()) and e.radius < 1e-55


def test_estimates_stay_estimates():
    vals = {"a": Enclosure.estimate(1.0, 1e-9), "S": Enclosure.exact(1)}
    assert margin(parse_relation("a >= S", NAMES, "t"), vals, 64).kind == "estimate"


def test_float_literals_are_rejected():
    vals = {"a": Enclosure.estimate(1.0, 1e-9)}
    with pytest.raises(StatementError, match="rational"):
        enclose(sympy.Symbol("a") * sympy.Float(0.1), vals, 64)


@pytest.mark.parametrize("value,identity,strict,expected", [
    (fmpq(0), True, False, Outcome.HOLDS), (fmpq(-1, 10**30), True, False, Outcome.VIOLATED),
    (fmpq(0), False, True, Outcome.VIOLATED), (fmpq(0), False, False, Outcome.HOLDS),
])
def test_exact_classification_has_no_tolerance(value, identity, strict, expected):
    assert classify(Enclosure.exact(value), identity, strict, 1.0, 64)[0] is expected


def test_a_ball_straddling_zero_is_undecided_not_passed():
    out, _ = classify(Enclosure.ball(arb(0, 1e-3)), False, False, 1.0, 64)
    assert out is Outcome.UNDECIDED


def test_an_identity_in_balls_passes_only_inside_the_precision_budget():
    tight = classify(Enclosure.ball(-abs(arb(0, 1e-30))), True, False, 1.0, 128)
    loose = classify(Enclosure.ball(-abs(arb(0, 1e-3))), True, False, 1.0, 128)
    assert tight == (Outcome.HOLDS, "estimate") and loose[0] is Outcome.UNDECIDED


def _r(outcome, evidence="exact"):
    return InstanceResult({}, outcome, evidence=evidence)


def test_aggregation_order():
    assert aggregate([_r(Outcome.HOLDS), _r(Outcome.VIOLATED), _r(Outcome.ERROR)], True) is Verdict.REFUTED
    assert aggregate([_r(Outcome.HOLDS), _r(Outcome.ERROR)], True) is Verdict.ERROR
    assert aggregate([_r(Outcome.HOLDS), _r(Outcome.UNDECIDED)], True) is Verdict.INCONCLUSIVE
    assert aggregate([_r(Outcome.OUT_OF_SCOPE)], True) is Verdict.VACUOUS
    assert aggregate([_r(Outcome.HOLDS)], True) is Verdict.PROVED
    assert aggregate([_r(Outcome.HOLDS), _r(Outcome.HOLDS, "ball")], False) is Verdict.CERTIFIED
    assert aggregate([_r(Outcome.HOLDS), _r(Outcome.HOLDS, "estimate")], False) is Verdict.PASSED


def test_relations_sympy_already_decided_are_rejected():
    with pytest.raises(StatementError, match="identically True"):
        parse_relation(sympy.Ge(sympy.Symbol("a", real=True) ** 2, 0), NAMES, "t")


def test_relations_are_never_decided_by_sympy_assumptions():
    rel = parse_relation(sympy.Ge(sympy.Symbol("a", real=True), 0), NAMES, "t")
    assert isinstance(rel, sympy.Ge) and parse_relation("a**2 >= 0", NAMES, "t") != sympy.true


def _rel_margin(text, **vals):
    names = set(vals)
    return margin(parse_relation(text, names, "t"), {k: Enclosure.exact(v) for k, v in vals.items()}, 128)


def test_equality_of_algebraic_numbers_is_decided_exactly():
    """S = 2·L·Λ^{1/L}·a^{1−1/L}·w^{2−2/L} at L = 3, Λ = 2, a = 4, w = 2: 6·2^{1/3}·2^{4/3}·2^{4/3} = 48, a
    rational made of irrational factors; the README form's ball straddles 0, the exact decision settles it."""
    vals = dict(L=3, Lambda=2, a=4, wnorm=2, S=48)
    rhs = "2*L*Lambda**(1/L)*a**(1-1/L)*wnorm**(2-2/L)"
    for rel, outcome in ((f"S >= {rhs}", Outcome.HOLDS), (f"S > {rhs}", Outcome.VIOLATED), (f"S == {rhs}", Outcome.HOLDS)):
        m = _rel_margin(rel, **vals)
        assert m.kind == "exact" and m.value == 0  # never a straddling ball
        assert classify(m, "==" in rel, ">" in rel and ">=" not in rel, 1.0, 128) == (outcome, "exact")


def test_irrational_algebraic_margins_get_a_certain_sign_at_raised_precision():
    below = fmpq(math.isqrt(2 * 4 ** 300), 2 ** 300)  # below √2 by less than 2^-300
    m = _rel_margin("S >= Lambda**(1/2)", S=below, Lambda=2)
    assert m.kind == "ball" and m.value < 0 and "sign certain at" in m.note
    assert classify(m, False, False, 1.0, 128)[0] is Outcome.VIOLATED


def test_margins_sympy_simplifies_are_exact_and_transcendental_ones_stay_balls():
    assert _rel_margin("S >= exp(Lambda) - exp(Lambda)", S=0, Lambda=1).kind == "exact"
    near_e = fmpq(int(sympy.floor(sympy.E * 2 ** 300)), 2 ** 300)
    m = _rel_margin("S >= exp(Lambda)", S=near_e, Lambda=1)
    assert m.kind == "ball" and m.value.contains(0)  # e is transcendental: no exact decision, undecided


def test_an_estimate_identity_holds_only_within_a_stated_budget():
    near = -abs(arb(0, 1e-9))
    assert classify(Enclosure(near, "estimate"), True, False, 1.0, 128) == (Outcome.UNDECIDED, "estimate")
    assert classify(Enclosure(near, "estimate", budget=1e-8), True, False, 1.0, 128) == (Outcome.HOLDS, "estimate")
    assert classify(Enclosure(near, "estimate", budget=1e-10), True, False, 1.0, 128)[0] is Outcome.UNDECIDED
    assert classify(Enclosure(arb(-1, 1e-9), "estimate", budget=1.0), True, False, 1.0, 128) == (Outcome.VIOLATED, "estimate")


def test_budgets_propagate_through_the_relation_like_errors():
    vals = {"a": Enclosure.estimate(1.0, 1e-9, budget=1e-8), "S": Enclosure.exact(1)}
    m = margin(parse_relation("3*a == 3*S", NAMES, "t"), vals, 128)
    assert m.kind == "estimate" and 3e-8 <= m.budget < 3.1e-8
    assert classify(m, True, False, 1.0, 128)[0] is Outcome.HOLDS
    unstated = {"a": Enclosure.estimate(1.0, 1e-9), "S": Enclosure.estimate(1.0, 1e-9, budget=1.0)}
    assert margin(parse_relation("a == S", NAMES, "t"), unstated, 128).budget is None


def test_an_estimate_violation_keeps_its_evidence_label():
    assert classify(Enclosure.estimate(-1.0, 1e-9), False, False, 1.0, 128) == (Outcome.VIOLATED, "estimate")


def _stmt(conclusion, **kw):
    from hypothesis import strategies as st

    from checker.statements import Statement
    from checker.systems import System

    system = System("s", "", {n: "" for n in NAMES}, st.just({}), lambda i, p, n: {})
    return Statement("T-1", "t", "", system, conclusion, **kw)


@pytest.mark.parametrize("conclusion,match", [
    ("1 == 1", "no measured quantity"), ("a == a", "tautology"), ("a**2 >= 0", "tautology"),
    ("0 <= Abs(S - a)", "tautology"), ("2*a - a == a", "tautology"),
])
def test_conclusions_no_measurement_can_refute_carry_a_warning(conclusion, match):
    (warning,) = _stmt(conclusion).warnings
    assert match in warning


@pytest.mark.parametrize("conclusion", ["a**2 > 0", "S >= a", "a**2 == S", "S**2 <= -1"])
def test_measurable_conclusions_carry_no_warning(conclusion):
    assert _stmt(conclusion).warnings == ()


def test_float_literals_are_rejected_when_the_statement_is_created():
    with pytest.raises(StatementError, match=r"^T-1 conclusion: float literal 0\.1 .*rational"):
        _stmt("S >= 0.1*a")
    with pytest.raises(StatementError, match=r"^T-1 hypothesis 1: float literal"):
        _stmt("S >= a", hypotheses=("a >= 1.5",))


def test_witness_family_defaults_to_the_open_search():
    assert _stmt("S >= a").witness_family == "" and _stmt("S >= a", witness_family="hand-built").witness_family
