"""The CONJ family (theorems/conjectures.py): pointwise claims certified and limits passed or
inconclusive at the quick profile, every mutation refuted by the checker's own search with an exact
or ball witness, the hand examples of the notes, the closed forms against iteration."""
from __future__ import annotations

import numpy as np
import pytest

from checker import registry
from checker.dynamics import sgd, steepest_descent
from checker.integrators import iterate
from checker.profiles import profile
from checker.quantities import Quantity
from checker.search import replay, run_statement
from checker.verdicts import Verdict
from theorems import conjectures as C

QUICK = profile("quick")
POINTWISE = ("CONJ-SD", "CONJ-SGD-DRIFT", "CONJ-NH", "CONJ-SD-KKT-ORTHANT")
LIMITS = ("CONJ-SD-KKT", "CONJ-SGD")
MUTATIONS = ("MUT-CONJ-SD-l2-sign", "MUT-CONJ-SD-KKT-l1", "MUT-CONJ-SGD-step", "MUT-CONJ-SGD-linf", "MUT-CONJ-NH-exact")


def statement(sid: str):
    return registry.statements()[sid]


def test_every_id_is_registered_with_a_source() -> None:
    ids = {s for s, st in registry.statements().items() if st.origin == "theorems.conjectures"}
    assert ids == set(POINTWISE + LIMITS + MUTATIONS)
    assert all("arXiv" in statement(s).source for s in POINTWISE + LIMITS if s != "CONJ-SD-KKT-ORTHANT")


@pytest.mark.parametrize("sid", POINTWISE)
def test_pointwise_claims_are_certified(sid: str) -> None:
    result = run_statement(statement(sid), QUICK, seed=0, database_dir=None)
    assert result.verdict is Verdict.CERTIFIED, result.message
    assert result.in_scope >= 10


@pytest.mark.parametrize("sid", MUTATIONS)
def test_mutations_are_refuted_by_search_with_honest_witnesses(sid: str) -> None:
    result = run_statement(statement(sid), QUICK, seed=0, database_dir=None)
    assert result.verdict is Verdict.REFUTED, result.message
    again = replay(statement(sid), result.counterexample, QUICK)
    assert again.verdict is Verdict.REFUTED and set(again.evidence) <= {"exact", "ball"}, again.evidence


def test_hand_examples_of_the_notes() -> None:
    """MUT-CONJ-SD-l2-sign: a = (1, 3), w = (1, 2) (‖a‖₁‖w‖² = 20 < ⟨w, a⟩⟨w, sign a⟩ = 21); MUT-CONJ-NH-exact:
    x = (0, 3/4), v = ±(0, 3/8), a = ±1/2, output bias 1 (the search's find); CONJ-SD and CONJ-NH hold there."""
    linear = {"arch": "linear", "loss": "exp", "norm": "linf", "case": "generic", "X": [["1", "3"]], "y": [1],
              "theta": ["1", "2"]}
    assert replay(statement("MUT-CONJ-SD-l2-sign"), linear, QUICK).verdict is Verdict.REFUTED
    assert replay(statement("CONJ-SD"), linear, QUICK).verdict is Verdict.CERTIFIED
    biased = {"arch": "relu_bias", "loss": "exp", "case": "generic", "width": 2, "X": [["0", "3/4"]], "y": [1],
              "theta": ["0", "3/8", "0", "-3/8", "0", "0", "1/2", "-1/2", "1"]}
    assert replay(statement("MUT-CONJ-NH-exact"), biased, QUICK).verdict is Verdict.REFUTED
    assert replay(statement("CONJ-NH"), biased, QUICK).verdict is Verdict.CERTIFIED


def test_steepest_limit_passes_on_the_figure_instance(tmp_path) -> None:
    for p in ("l1", "linf"):
        inst = C.normalised_data({**C.FIGURE_INSTANCE, "norm": p, "case": "generic"})
        result = replay(statement("CONJ-SD-KKT"), inst, QUICK)
        assert result.verdict is Verdict.PASSED, (p, result.message)
    out = tmp_path / "fig.png"
    assert C.figure_steepest_margins(out) and out.stat().st_size > 1000


def test_closed_forms_are_the_iterations_limits() -> None:
    """On data in one orthant, sign descent moves along σ from the first step; on one point, SGD moves along a."""
    orthant = {"arch": "linear", "loss": "exp", "X": [["1", "2"], ["-1/2", "-3"]], "y": [1, -1], "theta": ["1", "1"]}
    P = C.problem(orthant)
    run = iterate(steepest_descent("linf", 1.0), P.float_objective(), np.array([1.0, 1.0]), [50])
    assert np.allclose((run.theta - 1.0) / (run.theta - 1.0)[0], [1.0, 1.0])
    one = {"arch": "linear", "loss": "exp", "X": [["2", "1"]], "y": [1], "theta": ["1", "-1"]}
    P = C.problem(one)
    run = iterate(sgd(0.1, seed=0), P.float_objective(), np.array([1.0, -1.0]), [50])
    shift = run.theta - np.array([1.0, -1.0])
    assert abs(shift[0] / shift[1] - 2.0) < 1e-12


@pytest.mark.slow
@pytest.mark.parametrize("sid", LIMITS)
def test_limits_are_passed_or_inconclusive_never_refuted(sid: str) -> None:
    result = run_statement(statement(sid), QUICK, seed=0, database_dir=None)
    assert result.verdict in (Verdict.PASSED, Verdict.INCONCLUSIVE), result.message


def test_quantities_have_display_names_and_error_models() -> None:
    systems = (C.steepest_points(), C.steepest_limits(), C.closed_form_limits("linf"), C.sgd_points(), C.sgd_limits(),
               C.near_points())
    for system in systems:
        for q in (*system.quantities.values(), *system.trajectory_quantities.values()):
            assert isinstance(q, Quantity) and q.latex, (system.name, q.name)
    assert {q.error for q in C.steepest_limits().trajectory_quantities.values()} == {"estimate"}
    assert C.closed_form_limits("sgd").quantities["gamma_star_linf"].error == "exact"
