"""Du–Hu–Lee layer balance (theorems/balance/): every theorem reaches its verdict, every mutated
claim is refuted by the checker's own search, counterexamples replay, and proofs can fail."""
from __future__ import annotations

from conftest import assert_refuted_and_replays, assert_verdict

import pytest

from checker import registry, theorem
from checker.proofs import ALL_SIZES
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
    "DHL-REV-RATIO-SMALL": {Verdict.CERTIFIED}, "DHL-REV-GD-LAYER": {Verdict.CERTIFIED},
    "DHL-REV-GD-DEPTH": {Verdict.CERTIFIED}, "DHL-REV-WN-DIRECTION": {Verdict.PASSED},
    "DHL-REV-WN-GAIN": {Verdict.PASSED}, "DHL-REV-WN-GD": {Verdict.PASSED},
    "DHL-REV-HB-RATE": {Verdict.PROVED}, "DHL-REV-HB-LAW": {Verdict.PROVED}, "DHL-REV-HB-GD-D": {Verdict.PROVED},
    "DHL-REV-HB-GD-Q": {Verdict.PROVED}, "DHL-REV-RES-W": {Verdict.PROVED}, "DHL-REV-HB-DRIFT": {Verdict.PASSED},
    "DHL-REV-RES-BLOCK": {Verdict.PROVED},
}
#: reviewers' claims that fail (expect="fails"): refuted by the search with an exact instance
REFUTED_CLAIMS = ["DHL-REV-RATIO-LARGE", "DHL-REV-HB", "DHL-REV-HB-GD", "DHL-REV-RES-N"]
MUTATIONS = sorted(i for i in STATEMENTS if i.startswith("MUT-DHL-") and not i.startswith("MUT-DHL-T3"))


SLOW = {"DHL-REV-HB-DRIFT", "MUT-DHL-REV-HB-DRIFT-no-energy"}  # heavy-ball trajectories, shrunk: several seconds each


def _ids(ids):
    return [pytest.param(i, marks=pytest.mark.slow) if i in SLOW else i for i in ids]


@pytest.mark.parametrize("sid", _ids(sorted(THEOREMS)))
def test_theorem_verdict(sid):
    assert_verdict(STATEMENTS[sid], THEOREMS[sid], QUICK)


@pytest.mark.parametrize("sid", _ids(MUTATIONS))
def test_mutation_is_refuted_and_replays(sid):
    assert_refuted_and_replays(STATEMENTS[sid], QUICK, QUICK)


@pytest.mark.parametrize("sid", REFUTED_CLAIMS)
def test_reviewers_refuted_claims_fail_by_an_exact_or_ball_witness(sid):
    """Ratio balance from order-1 starts (a ball witness); balance under heavy-ball flow and one heavy-ball step
    (drawn position and velocity) and of the residual blocks N_k (exact rational instances)."""
    assert_refuted_and_replays(STATEMENTS[sid], QUICK, QUICK)
    res = run_statement(STATEMENTS[sid], QUICK, seed=0, database_dir=None)
    assert res.refutation_evidence == ("ball" if sid == "DHL-REV-RATIO-LARGE" else "exact")
    if "HB" in sid:
        assert "aux" in res.counterexample  # the velocity is part of the witness


def test_every_theorem_has_a_mutation():
    covered = {m.split("-", 2)[2].rsplit("-", 1)[0] for m in MUTATIONS}
    for sid in (s for s in THEOREMS if not s.startswith("DHL-REV-")):
        base = sid.removeprefix("DHL-").replace("-bias-counted", "").replace("-weightnorm-gain", "")
        assert any(c.startswith(base.split("-")[0]) for c in covered), sid


def test_instances_outside_the_hypotheses_are_out_of_scope_not_failures():
    stmt = theorem("TEST-DHL-I1-on-tanh", system=balance.mlp(activations=("tanh",)),
                   conclusion="in_dot == out_dot", source="test")
    res = run_statement(stmt, QUICK, seed=0, database_dir=None)
    assert res.verdict is Verdict.VACUOUS and res.out_of_scope == res.instances
    assert "not positively homogeneous" in res.message


SIZE_FREE = ["DHL-I1", "DHL-T2.1", "DHL-C2.1", "DHL-LIN", "DHL-K", "DHL-GD", "DHL-MF", "DHL-T2.3", "DHL-REV-HB-LAW",
             "DHL-REV-HB-GD-D", "DHL-REV-HB-GD-Q", "DHL-REV-RES-W", "DHL-REV-RES-BLOCK"]


@pytest.mark.parametrize("sid", SIZE_FREE)
def test_proofs_hold_for_all_sizes(sid):
    proof = STATEMENTS[sid].proof()
    assert proof.holds, proof.detail
    assert proof.scope == ALL_SIZES


def test_per_neuron_proof_fails_with_k_replaced_by_1_and_with_a_missing_factor():
    assert not balance.neuron_proof(balance.K, factor=1).holds  # DHL-K with the degree-1 law
    assert not balance.neuron_proof(1, factor=2).holds
    assert not balance.conv_proof(factor=2).holds
    assert not balance.gd_expansion_proof(eta_power=1).holds  # η in place of η²


def test_momentum_proofs_fail_without_the_friction_or_with_beta_replaced_by_one():
    assert balance.heavy_ball_flow_proof().holds and balance.heavy_ball_step_proof().holds
    assert not balance.heavy_ball_flow_proof(gamma=0).holds  # Q̇ = P
    assert not balance.heavy_ball_step_proof(beta=1).holds  # Q' = Q + P'


def test_matrix_proofs_fail_for_a_wrong_transpose_and_a_missing_factor():
    assert not balance.mf_proof(eta_power=1).holds
    net = balance.linear_network()
    alg, Wh, Wn = net["alg"], net["Wh"], net["Wn"]
    wrong_transpose = alg.prove([("gram", alg.derivative(Wh * alg.T(Wh) - Wn * alg.T(Wn), Wh, -net["Gh"]))], "test")
    assert not wrong_transpose.holds
    Q = Wh * alg.T(Wh) - alg.T(Wn) * Wn
    wrong_gradient = alg.derivative(Q, Wh, -alg.T(net["A"] * Wn) * net["D"] * alg.T(net["B"])) \
        + alg.derivative(Q, Wn, -alg.T(net["A"]) * net["D"] * alg.T(net["B"]) * alg.T(Wh) * 2)
    assert not alg.prove([("missing factor", wrong_gradient)], "test").holds
