"""Du–Hu–Lee layer balance (theorems/balance.py): every theorem reaches its verdict, every mutated
claim is refuted by the checker's own search, counterexamples replay, and proofs can fail."""
from __future__ import annotations

from conftest import assert_refuted_and_replays, assert_verdict

import pytest

from checker import registry
from checker.search import run_statement
from checker.profiles import profile
from checker.verdicts import Verdict
from theorems import balance

QUICK = profile("quick")
STATEMENTS = registry.statements()
THEOREMS = {
    "DHL-I1": {Verdict.PROVED}, "DHL-T2.1": {Verdict.PROVED}, "DHL-C2.1": {Verdict.PROVED},
    "DHL-LIN": {Verdict.PROVED}, "DHL-T2.3": {Verdict.PROVED}, "DHL-K": {Verdict.PROVED},
    "DHL-GD": {Verdict.PROVED}, "DHL-MF": {Verdict.PROVED}, "DHL-MF-bound": {Verdict.CERTIFIED},
    "DHL-I1-bias-counted": {Verdict.CERTIFIED}, "DHL-T2.1-GF": {Verdict.PASSED},
    "DHL-I1-weightnorm-gain": {Verdict.PASSED},
}
MUTATIONS = sorted(i for i in STATEMENTS if i.startswith("MUT-DHL-") and not i.startswith("MUT-DHL-T3"))


@pytest.mark.parametrize("sid", sorted(THEOREMS))
def test_theorem_verdict(sid):
    assert_verdict(STATEMENTS[sid], THEOREMS[sid], QUICK)


@pytest.mark.parametrize("sid", MUTATIONS)
def test_mutation_is_refuted_and_replays(sid):
    assert_refuted_and_replays(STATEMENTS[sid], QUICK, QUICK)


def test_every_theorem_has_a_mutation():
    covered = {m.split("-", 2)[2].rsplit("-", 1)[0] for m in MUTATIONS}
    for sid in THEOREMS:
        base = sid.removeprefix("DHL-").replace("-bias-counted", "").replace("-weightnorm-gain", "")
        assert any(c.startswith(base.split("-")[0]) for c in covered), sid


def test_instances_outside_the_hypotheses_are_out_of_scope_not_failures():
    stmt = balance.theorem("TEST-DHL-I1-on-tanh", system=balance.mlp(activations=("tanh",)),
                           conclusion="in_dot == out_dot", source="test")
    res = run_statement(stmt, QUICK, seed=0, database_dir=None)
    assert res.verdict is Verdict.VACUOUS and res.out_of_scope == res.instances
    assert "not positively homogeneous" in res.message


def test_symbolic_proofs_fail_on_wrong_claims():
    wrong_degree = balance.prove_homogeneous_identity(balance._neuron_differences((2, 2, 1), 1, 2), 1, "test")
    assert wrong_degree.holds is False and "≠ 0" in wrong_degree.detail
    pairs = balance.mf_identity_pairs(2, 2, 1)
    wrong_eta = balance.prove_polynomial_identity(lambda: [(lhs, rhs * 2) for lhs, rhs in pairs], "test")
    assert wrong_eta.holds is False


def test_linear_balance_identity_fails_for_a_mismatched_pairing():
    pairs = balance.linear_balance_pairs((2, 2, 2, 1))
    swapped = balance.prove_polynomial_identity(lambda: [(pairs[0][0], pairs[1][1])], "test")
    assert swapped.holds is False
