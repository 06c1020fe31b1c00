"""DHL-T3.1 / DHL-T3.2 (theorems/factorisation.py) and the matrix-factorisation engine (checker/matfact.py).

Verdicts at the quick profile, every mutation refuted by the checker's own search (and its
counterexample replayed), ball gradient descent agreeing with float gradient descent, and the
drift bound, the a-priori tail bound, the step clocks and the exact Hessian eigenvalue checked
against independent computations.
"""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from flint import arb, fmpq, fmpq_mat

from checker import matfact as mf
from checker import registry
from checker.arith import working_precision
from checker.search import replay, run_statement
from checker.profiles import profile
from checker.verdicts import Verdict

QUICK = profile("quick")

THEOREMS = {
    "DHL-T3.1": Verdict.PASSED,
    "DHL-T3.1-balanced": Verdict.CERTIFIED,
    "DHL-T3.1-drift": Verdict.CERTIFIED,
    "DHL-T3.2": Verdict.PASSED,
    "DHL-T3.2-stable": Verdict.CERTIFIED,
    "DHL-T3.2-hessian": Verdict.CERTIFIED,
}
MUTATIONS = {
    "MUT-DHL-T3.1-fast-decay": "ball",  # certified: limit enclosed by the a-priori tail bound
    "MUT-DHL-T3.1-unbalanced-init": "ball",
    "MUT-DHL-T3.1-no-drift": "ball",
    "MUT-DHL-T3.2-large-step": "exact",  # the exact instability eigenvalue
    "MUT-DHL-T3.2-balanced-hessian": "exact",
}


def statement(sid: str):
    return registry.statements()[sid]


@pytest.mark.parametrize("sid", sorted(THEOREMS))
def test_theorem_verdict_quick(sid: str) -> None:
    res = run_statement(statement(sid), QUICK, seed=0, database_dir=None)
    assert res.verdict is THEOREMS[sid], res.message
    assert res.in_scope >= 10


@pytest.mark.parametrize("sid", sorted(MUTATIONS))
def test_mutation_refuted_by_search(sid: str) -> None:
    stmt = statement(sid)
    assert stmt.expect == "fails"
    res = run_statement(stmt, QUICK, seed=0, database_dir=None)
    assert res.verdict is Verdict.REFUTED, res.message
    assert res.counterexample is not None and res.reproduce
    again = replay(stmt, res.counterexample, QUICK)
    assert again.verdict is Verdict.REFUTED
    assert again.evidence == {MUTATIONS[sid]: 1}


def test_ids_under_the_acceptance_glob() -> None:
    ids = {s for s in registry.statements() if s.startswith("DHL-T3.")}
    assert ids == set(THEOREMS)


# --------------------------------------------------------------------------- engine
def _small_problem(seed: int = 3) -> tuple[mf.Target, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    target = mf.planted_target(4, 3, [fmpq(3, 2), fmpq(1)], rng)
    return target, 0.1 * rng.standard_normal((4, 2)), 0.1 * rng.standard_normal((3, 2))


def test_planted_target_has_exact_singular_values() -> None:
    target = _small_problem()[0]
    for Q in (target.P, target.Q):
        gram = Q.transpose() * Q
        assert gram == fmpq_mat(2, 2, [1, 0, 0, 1])
    assert np.allclose(np.linalg.svd(mf.to_float(target.M), compute_uv=False)[:2], [1.5, 1.0], atol=1e-15)


def test_float_runs_are_the_gradient_descent_rule_with_records_and_an_error_estimate() -> None:
    """gd_float is dynamics.gradient_descent on the Factorisation oracle: its final iterate is the plain
    loop's, its records are formed from the iterates, it carries an error estimate, and it stops at
    the residual level and at blow-up."""
    target, U0, V0 = _small_problem()
    M = mf.to_float(target.M)
    etas = np.full(300, 0.2)
    U, V = U0.copy(), V0.copy()
    for eta in etas:
        R = U @ V.T - M
        U, V = U - eta * R @ V, V - eta * R.T @ U
    run = mf.gd_float(U0, V0, M, etas, imbalance_every=7)
    assert run.steps == 300 and np.allclose(run.U, U, atol=1e-13) and np.allclose(run.V, V, atol=1e-13)
    assert 0 <= run.error < 1e-12 and len(run.drift) == 300 and len(run.residual) == 301
    assert list(run.imbalance_steps[:3]) == [0, 7, 14] and run.imbalance_steps[-1] == 300
    stopped = mf.gd_float(U0, V0, M, etas, stop_below=float(run.residual[150]))
    assert stopped.steps <= 150 and stopped.residual[-1] <= run.residual[150]
    blown = mf.gd_float(U0, V0, M, np.full(300, 5.0), blowup=100.0)
    assert blown.diverged and blown.error == float("inf")


def test_ball_run_encloses_float_run_and_drift_bound_holds() -> None:
    target, U0, V0 = _small_problem()
    schedule = mf.PowerSchedule(fmpq(1, 2), fmpq(3, 4))
    steps = 400
    ball = mf.gd_ball(U0, V0, target.M, schedule, steps, 128)
    run = mf.gd_float(U0, V0, mf.to_float(target.M), schedule.floats(steps))
    assert run.steps == steps
    # the exact iterate (inside the balls) and the float64 iterate agree to float rounding
    assert np.allclose(mf.to_float(ball.U), run.U, rtol=0, atol=1e-12)
    assert max(float(x.rad()) for x in ball.U.entries()) < 1e-25
    assert abs(float(ball.residual.mid()) - run.residual[-1]) < 1e-12
    assert abs(float(ball.drift.mid()) - run.drift_bound[-1]) < 1e-12
    assert abs(float(ball.clock.mid()) - run.clock[-1]) < 1e-12
    # the a-posteriori drift bound holds, certified
    with working_precision(128):
        assert ball.imbalance <= ball.imbalance0 + ball.drift
        assert ball.imbalance <= ball.imbalance_max
    # and (I2) holds step by step in exact rationals (three steps from the float start)
    U = np.vectorize(lambda x: fmpq(Fraction(x).numerator, Fraction(x).denominator), otypes=[object])(U0)
    V = np.vectorize(lambda x: fmpq(Fraction(x).numerator, Fraction(x).denominator), otypes=[object])(V0)
    M = np.array(target.M.tolist(), dtype=object)
    eta = fmpq(1, 3)
    for _ in range(3):
        gu, gv = mf.gradients(U, V, M)
        U2, V2 = U - eta * gu, V - eta * gv
        assert np.all(mf.imbalance(U2, V2) - mf.imbalance(U, V) == eta * eta * mf.drift_term(U, V, M))
        U, V = U2, V2


def test_schedule_clock_and_tails_match_direct_sums() -> None:
    for schedule in (mf.PowerSchedule(fmpq(1, 2), fmpq(3, 4), 5), mf.PowerSchedule(fmpq(1, 3), fmpq(1)),
                     mf.PowerSchedule(fmpq(2), fmpq(0)), mf.PowerSchedule(fmpq(1, 2), fmpq(3, 2), 7)):
        direct = schedule.floats(50)
        with working_precision(128):
            assert schedule.clock(50).overlaps(arb(math.fsum(direct)) + arb(0, 1e-12))
            assert schedule.ball(9).overlaps(arb(direct[9]) + arb(0, 1e-15))
        if schedule.exponent > 1:
            far = schedule.floats(2_000_000)
            assert 0 < float(schedule.tail(50).mid()) - math.fsum(far[50:]) < 2e-3  # the float sum stops at 2·10⁶
        else:
            assert schedule.tail(50) is None


def test_iterate_bound_holds_along_a_finite_clock_run() -> None:
    target, U0, V0 = _small_problem()
    schedule = mf.PowerSchedule(fmpq(1, 4), fmpq(2))  # finite total clock
    ball = mf.gd_ball(U0, V0, target.M, schedule, 32, 128)
    with working_precision(128):
        tail = schedule.tail(32)
        S = mf.iterate_bound(mf.frobenius(ball.U), mf.frobenius(ball.V), arb(fmpq(3, 2)), tail)
        assert S is not None
        move = mf.movement_bound(S, arb(fmpq(13, 4)).sqrt(), 2, tail)
    run = mf.gd_float(U0, V0, mf.to_float(target.M), schedule.floats(20000), imbalance_every=1)
    assert float(S.upper()) >= max(np.linalg.norm(run.U, 2), np.linalg.norm(run.V, 2))
    assert abs(run.residual[-1] - run.residual[32]) <= float(move.upper())
    with working_precision(128):
        assert mf.iterate_bound(arb(10), arb(10), arb(1), arb(5)) is None  # no bound for a long clock


def test_hessian_matches_finite_differences_and_exact_rank_one_formula() -> None:
    target, U, V = _small_problem()
    M = mf.to_float(target.M)
    H = mf.hessian(U, V, M)
    x = np.concatenate([U.ravel(), V.ravel()])

    def grad(x: np.ndarray) -> np.ndarray:
        gu, gv = mf.gradients(x[:8].reshape(4, 2), x[8:].reshape(3, 2), M)
        return np.concatenate([gu.ravel(), gv.ravel()])

    h = 1e-6
    numeric = np.array([(grad(x + h * e) - grad(x - h * e)) / (2 * h) for e in np.eye(len(x))])
    assert np.allclose(H, numeric, atol=1e-7)
    u = np.array([[fmpq(1)], [fmpq(2)], [fmpq(-2, 3)]], dtype=object)
    v = np.array([[fmpq(1, 2)], [fmpq(0)]], dtype=object)
    lam, how = mf.exact_top_eigenvalue(mf.hessian(u, v, u @ v.T))
    assert lam == (u.T @ u + v.T @ v)[0, 0] and how.startswith("exact")
    irrational, how = mf.exact_top_eigenvalue(np.array([[fmpq(1), fmpq(1)], [fmpq(1), fmpq(0)]], dtype=object))
    assert irrational.overlaps(arb((1 + math.sqrt(5)) / 2) + arb(0, 1e-12)) and not how.startswith("exact")


def test_linear_rate_recovers_a_geometric_decay() -> None:
    residual = 3.0 * 0.8 ** np.arange(60) * (1 + 1e-3 * np.sin(np.arange(60)))
    fit = mf.linear_rate(residual, 10, 59)
    assert abs(fit.slope - math.log(0.8)) < fit.error + 1e-4
    assert mf.linear_rate(residual, 10, 12) is None


def test_figure_of_the_linear_phase(tmp_path) -> None:
    from theorems.factorisation import figure_error_constant

    caption = figure_error_constant(tmp_path / "rate.png")
    assert (tmp_path / "rate.png").stat().st_size > 1000
    assert "slope" in caption
