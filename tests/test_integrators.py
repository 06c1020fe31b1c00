"""Integrators (checker/integrators.py) on problems with closed-form solutions: the reported error
covers the true error (float64 and ball solves of gradient flow and heavy-ball flow on linear least
squares), exact iterates stay exact and equal the closed-form recursion, ball iterates contain the
exact ones with the reported radii, an SGD step replays on its own, steepest directions are exact,
and the solvers refuse what they cannot solve."""
from __future__ import annotations

import numpy as np
import pytest
from flint import arb, fmpq
from scipy.linalg import expm

from checker.arith import ball_array, rational_array, working_precision
from checker.dynamics import (dual_norm, gradient_descent, gradient_flow, heavy_ball, heavy_ball_flow, sample_indices, sgd,
                              steepest_descent, steepest_descent_flow, steepest_direction)
from checker.integrators import iterate, solve, solve_ball
from checker.losses import loss
from checker.nets import MLP
from checker.objectives import Objective

# Linear least squares ℒ(w) = ½‖Xw − y‖² as a depth-1 network x ↦ wᵀx: ∇ℒ = H(w − w⋆), H = XᵀX.
X = rational_array([["1", "1/2", "0"], ["-1/3", "1", "1/4"], ["1/2", "0", "1"], ["1", "-1", "1/2"]])
Y = rational_array([["1"], ["-1/2"], ["1/3"], ["2"]])
W0 = rational_array(["1/2", "-1", "1/3"])
NET = MLP((3, 1), ())
EXACT = Objective(NET, X, Y, loss("squared"))
FLOAT = Objective(NET, X.astype(float), Y.astype(float), loss("squared"))
H = (X.T @ X).astype(float)
W_STAR = np.linalg.solve(H, (X.T @ Y).astype(float).reshape(-1))
TIMES = [0.25, 1.0, 3.0]


def gradient_flow_exact(t: float) -> np.ndarray:
    """w(t) = w⋆ + e^{−Ht}(w₀ − w⋆)."""
    return W_STAR + expm(-H * t) @ (W0.astype(float) - W_STAR)


def heavy_ball_flow_exact(t: float, gamma: float) -> tuple[np.ndarray, np.ndarray]:
    """(w, v)(t) for ẅ + γẇ = −H(w − w⋆) from rest: the linear system with matrix [[0, I], [−H, −γI]]."""
    n = len(W_STAR)
    A = np.block([[np.zeros((n, n)), np.eye(n)], [-H, -gamma * np.eye(n)]])
    z = expm(A * t) @ np.concatenate([W0.astype(float) - W_STAR, np.zeros(n)])
    return W_STAR + z[:n], z[n:]


@pytest.mark.parametrize("rtol", [1e-4, 1e-7])
def test_float_gradient_flow_error_estimate_covers_the_true_error(rtol):
    sol = solve(gradient_flow(), FLOAT, W0.astype(float), TIMES, rtol)
    assert sol.error_kind == "estimate" and sol.evaluations > 0
    for t, theta, err in zip(TIMES, sol.thetas, sol.error):
        true = np.max(np.abs(theta - gradient_flow_exact(t)))
        assert true <= err + 1e-14, (t, true, err)
        assert err < 1e3 * rtol  # not vacuous


def test_float_heavy_ball_flow_error_estimate_covers_position_and_velocity():
    gamma = 1.5
    sol = solve(heavy_ball_flow(gamma), FLOAT, W0.astype(float), TIMES, 1e-6)
    for t, theta, (v,), err in zip(TIMES, sol.thetas, sol.aux, sol.error):
        w_true, v_true = heavy_ball_flow_exact(t, gamma)
        assert max(np.max(np.abs(theta - w_true)), np.max(np.abs(v - v_true))) <= err + 1e-14


def test_ball_solves_cover_the_true_error_and_shrink_with_steps():
    gamma = fmpq(3, 2)
    coarse = solve_ball(heavy_ball_flow(gamma), EXACT, W0, [fmpq(1, 4), 1], steps=8, bits=128)
    fine = solve_ball(heavy_ball_flow(gamma), EXACT, W0, [fmpq(1, 4), 1], steps=32, bits=128)
    for sol in (coarse, fine):
        for t, theta, (v,), err in zip([0.25, 1.0], sol.thetas, sol.aux, sol.error):
            assert all(isinstance(x, arb) for x in theta)
            w_true, v_true = heavy_ball_flow_exact(t, 1.5)
            true = max(np.max(np.abs(np.array([float(x.mid()) for x in theta]) - w_true)),
                       np.max(np.abs(np.array([float(x.mid()) for x in v]) - v_true)))
            assert true <= err + 1e-13
    assert np.all(fine.error < coarse.error / 50)  # fourth order: 4× the steps, 256× smaller (roughly)
    gf = solve_ball(gradient_flow(), EXACT, W0, [1], steps=16, bits=128)
    assert np.max(np.abs(np.array([float(x.mid()) for x in gf.theta]) - gradient_flow_exact(1.0))) <= gf.error[0] + 1e-13


def _gd_by_hand(w, eta, steps):
    """w ← w − η·Xᵀ(Xw − y), written without the network (object arrays of fmpq)."""
    out = [w]
    for _ in range(steps):
        w = w - eta * (X.T @ (X @ w - Y.reshape(-1)))
        out.append(w)
    return out


def test_exact_gradient_descent_and_heavy_ball_stay_exact_and_match_the_recursion():
    eta, beta = fmpq(1, 5), fmpq(1, 2)
    gd = iterate(gradient_descent(eta), EXACT, W0, [0, 1, 4])
    assert gd.error_kind == "exact" and np.all(gd.error == 0)
    assert all(type(x) is fmpq for th in gd.thetas for x in th)
    by_hand = _gd_by_hand(W0, eta, 4)
    assert all(np.all(a == by_hand[k]) for a, k in zip(gd.thetas, [0, 1, 4]))
    hb = iterate(heavy_ball(eta, beta), EXACT, W0, [3])
    w_prev, w = W0, W0 - eta * (X.T @ (X @ W0 - Y.reshape(-1)))  # m₀ = 0: the first step is a GD step
    for _ in range(2):
        w_prev, w = w, w - eta * (X.T @ (X @ w - Y.reshape(-1))) + beta * (w - w_prev)
    assert np.all(hb.theta == w) and np.all(hb.aux[-1][0] == w - w_prev)
    schedule = iterate(gradient_descent(lambda k: eta / (k + 1)), EXACT, W0, [2])
    w1 = W0 - eta * (X.T @ (X @ W0 - Y.reshape(-1)))
    assert np.all(schedule.theta == w1 - eta / 2 * (X.T @ (X @ w1 - Y.reshape(-1))))


def test_ball_iterates_contain_the_exact_ones_and_report_their_radii():
    eta = fmpq(1, 5)
    exact = iterate(gradient_descent(eta), EXACT, W0, [5]).theta
    with working_precision(64):
        balls = iterate(gradient_descent(eta), Objective(NET, ball_array(X.tolist(), 64), ball_array(Y.tolist(), 64),
                                                         loss("squared")), ball_array(W0.tolist(), 64), [5], bits=64)
    assert balls.error_kind == "ball"
    assert all(b.overlaps(arb(e)) for b, e in zip(balls.theta, exact))
    assert balls.error[0] == max(float(b.rad()) for b in balls.theta) > 0


def test_float_iterate_error_estimate_covers_the_difference_to_exact():
    eta, beta = fmpq(1, 5), fmpq(9, 10)
    exact = iterate(heavy_ball(eta, beta), EXACT, W0, [50]).theta
    flt = iterate(heavy_ball(float(eta), float(beta)), FLOAT, W0.astype(float), [50])
    true = np.max(np.abs(flt.theta - exact.astype(float)))
    assert flt.error_kind == "estimate" and true <= flt.error[0] + 1e-18


def test_sgd_step_k_replays_alone():
    eta, seed = fmpq(1, 7), 3
    rule = sgd(eta, seed, batch=2)
    run = iterate(rule, EXACT, W0, [5, 6])
    theta5, theta6 = run.thetas
    replayed, _ = rule.step(EXACT, theta5, (), 5)
    assert np.all(replayed == theta6)
    idx = sample_indices(seed, 5, EXACT.samples, 2)
    assert idx == sample_indices(seed, 5, EXACT.samples, 2) and len(set(idx)) == 2
    assert np.all(theta6 == theta5 - eta * EXACT.sample_gradient(theta5, idx))


@pytest.mark.parametrize("norm", ["l1", "l2", "linf"])
def test_steepest_directions_are_exact_and_attain_the_dual_norm(norm):
    """d = ‖g‖_*·u with ‖u‖ ≤ 1 and ⟨u, −g⟩ = ‖g‖_*: ⟨d, −g⟩ = ‖g‖_*² and ‖d‖ = ‖g‖_* (primal norm)."""
    g = rational_array(["1/2", "-3", "0", "3", "-1/7"])
    d = steepest_direction(g, norm)
    assert all(type(x) is fmpq for x in d)
    inner = -(d * g).sum()
    if norm == "l2":
        assert np.all(d == -g) and inner == (g * g).sum()
        return
    dual = dual_norm(g, norm)
    primal = max(abs(x) for x in d) if norm == "linf" else sum(abs(x) for x in d)
    assert inner == dual ** 2 and primal == dual
    if norm == "l1":
        assert list(d).index(next(x for x in d if x != 0)) == 1  # the first index of the largest |g_i|
    step = iterate(steepest_descent(norm, fmpq(1, 10)), EXACT, W0, [1])
    assert np.all(step.theta == W0 + fmpq(1, 10) * steepest_direction(EXACT.gradient(W0), norm))


def test_solvers_refuse_what_they_cannot_solve():
    for norm in ("l1", "linf"):
        with pytest.raises(ValueError, match="discontinuous"):
            solve(steepest_descent_flow(norm), FLOAT, W0.astype(float), [1.0], 1e-6)
    solve(steepest_descent_flow("l2"), FLOAT, W0.astype(float), [1.0], 1e-6)  # ℓ₂ is gradient flow: smooth
    with pytest.raises(TypeError, match="use iterate"):
        solve(gradient_descent(0.1), FLOAT, W0.astype(float), [1.0], 1e-6)
    with pytest.raises(TypeError, match="use solve"):
        iterate(gradient_flow(), EXACT, W0, [1])
    with pytest.raises(ValueError, match="increasing"):
        solve(gradient_flow(), FLOAT, W0.astype(float), [1.0, 0.5], 1e-6)
    with pytest.raises(ValueError, match="increasing"):
        iterate(gradient_descent(fmpq(1, 5)), EXACT, W0, [3, 3])
