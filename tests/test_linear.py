"""checker/linear.py: deep linear networks with the square loss, in exact and float arithmetic."""
from __future__ import annotations

import numpy as np
import pytest
from flint import fmpq

from checker import linear as lin


def _q(A: np.ndarray, den: int = 3) -> np.ndarray:
    return np.vectorize(lambda x: fmpq(int(x), den), otypes=[object])(np.asarray(A))


@pytest.fixture
def exact_problem():
    rng = np.random.default_rng(0)
    widths = [3, 2, 4, 1]
    layers = [_q(rng.integers(-4, 5, size=(widths[k + 1], widths[k]))) for k in range(3)]
    X, y = _q(rng.integers(-4, 5, size=(6, 3))), _q(rng.integers(-4, 5, size=6))
    sigma, b, _ = lin.square_loss_moments(X, y)
    return layers, np.array([fmpq(1)], dtype=object), sigma, b


def _zero(A: np.ndarray) -> bool:
    return all(x == 0 for x in np.asarray(A).ravel())


def test_exact_identities(exact_problem):
    layers, p, sigma, b = exact_problem
    J = lin.jacobian(layers, p)
    assert _zero(J @ J.T - lin.gram(layers, p))
    assert _zero(lin.hessian(layers, p, sigma, b) - lin.hessian_explicit(layers, p, sigma, b))
    for k in range(3):  # wᵀ = a_kᵀ W_k B_k for every k
        a, B = lin.left_vectors(layers, p)[k], lin.right_products(layers)[k]
        assert _zero(a @ layers[k] @ B - lin.end_to_end(layers, p))


def test_gradient_and_hvp_against_finite_differences(exact_problem):
    layers, p, sigma, b = (np.asarray(x, dtype=float) if not isinstance(x, list) else [np.asarray(W, float) for W in x]
                           for x in exact_problem)
    shapes = lin.shapes(layers)
    theta = lin.flatten(layers)
    risk = lambda th: (lambda w: w @ sigma @ w - 2 * b @ w)(lin.end_to_end(lin.unflatten(th, shapes), p))  # noqa: E731
    grad = lambda th: lin.flatten(lin.gradient(lin.unflatten(th, shapes), p, sigma, b))  # noqa: E731
    v = np.random.default_rng(1).standard_normal(theta.size)
    h = 1e-6
    assert (risk(theta + h * v) - risk(theta - h * v)) / (2 * h) == pytest.approx(grad(theta) @ v, rel=1e-7)
    hv = lin.flatten(lin.hvp(layers, p, sigma, b, lin.unflatten(v, shapes)))
    assert np.allclose((grad(theta + h * v) - grad(theta - h * v)) / (2 * h), hv, rtol=1e-6, atol=1e-6)


def test_minimiser_constructions_are_exact(exact_problem):
    layers, p, sigma, b = exact_problem
    from flint import fmpq_mat
    w_star = np.array(fmpq_mat(sigma.tolist()).solve(fmpq_mat([[x] for x in b])).entries(), dtype=object)
    completed = lin.complete_minimiser(layers[1:], layers[0], w_star, p)
    assert _zero(lin.end_to_end(completed, p) - w_star)
    assert _zero(lin.hessian(completed, p, sigma, b) - lin.gauss_newton(completed, p, sigma))
    units = [np.array([fmpq(3, 5), fmpq(4, 5)], dtype=object), np.array([fmpq(0), fmpq(1), fmpq(0), fmpq(0)], dtype=object)]
    aligned = lin.aligned_rank_one(w_star, units, fmpq(2, 3), p)
    assert _zero(lin.end_to_end(aligned, p) - w_star)
    assert all(np.linalg.matrix_rank(np.asarray(W, float)) == 1 for W in aligned)


def test_balanced_rank_one_has_equal_layer_norms():
    w = np.array([fmpq(0), fmpq(8)], dtype=object)  # ‖w⋆‖ = 8 = 2³
    units = [np.array([fmpq(1), fmpq(0)], dtype=object)] * 2
    layers = lin.aligned_rank_one(w, units, fmpq(2), np.array([fmpq(1)], dtype=object))
    assert {sum(x * x for x in W.ravel()) for W in layers} == {fmpq(4)}
    assert _zero(lin.end_to_end(layers, np.array([fmpq(1)], dtype=object)) - w)


def test_residual_curvature_bound_covers_the_hessian_gap(exact_problem):
    layers, p, sigma, b = ([np.asarray(W, float) for W in exact_problem[0]], *(np.asarray(x, float) for x in exact_problem[1:]))
    gap = lin.hessian(layers, p, sigma, b) - lin.gauss_newton(layers, p, sigma)
    assert np.linalg.norm(gap, 2) <= lin.residual_curvature_bound(layers, p, sigma, b) * (1 + 1e-12)
    assert lin.residual_curvature_bound([np.ones((1, 3))], p, sigma, b) == 0.0  # L = 1: R is quadratic


def test_gradient_flow_converges_and_conserves_the_imbalances():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((8, 3))
    w_star = np.array([0.6, -0.8, 0.0])
    sigma, b, _ = lin.square_loss_moments(X, X @ w_star)
    init = [0.1 * rng.standard_normal(s) for s in [(3, 3), (3, 3), (1, 3)]]
    run = lin.gradient_flow_to_minimiser(init, np.ones(1), sigma, b, w_star, tol=1e-9, rtol=1e-10)
    assert run.converged and run.distance <= 1e-9
    drift = max(np.abs(D1 - D0).max() for D0, D1 in zip(lin.imbalances(init), lin.imbalances(run.layers)))
    assert drift <= 100 * run.error + 1e-10
    explicit = lin.gradient_flow_to_minimiser(init, np.ones(1), sigma, b, w_star, tol=1e-9, rtol=1e-10, method="DOP853")
    assert explicit.converged
    assert np.allclose(lin.flatten(explicit.layers), lin.flatten(run.layers), atol=1e-6)


def test_gradient_descent_converges_below_and_diverges_far_above_the_threshold():
    X = np.eye(2) * 2
    w_star = np.array([1.0, 0.5])
    sigma, b, _ = lin.square_loss_moments(X, X @ w_star)
    init = [0.3 * np.ones((2, 2)) + 0.1 * np.eye(2), 0.3 * np.ones((1, 2))]
    assert lin.gradient_descent_run(init, np.ones(1), sigma, b, w_star, 0.05, 20000, 1e-8).converged
    far = lin.gradient_descent_run(init, np.ones(1), sigma, b, w_star, 50.0, 2000, 1e-8)
    assert not far.converged and far.method == "GD (diverged)"


def test_ball_gradient_descent_encloses_the_float_run():
    from flint import arb, fmpq

    rng = np.random.default_rng(1)
    layers = [0.3 * rng.standard_normal(s) for s in [(2, 2), (1, 2)]]
    sigma = np.array([[fmpq(1, 2), fmpq(0)], [fmpq(0), fmpq(1, 4)]], dtype=object)
    b = np.array([fmpq(1, 3), fmpq(-1, 5)], dtype=object)
    w_star = np.array([fmpq(2, 3), fmpq(-4, 5)], dtype=object)
    f = lambda A: np.asarray(A, dtype=float)  # noqa: E731
    run = lin.gradient_descent_run(layers, np.ones(1), f(sigma), f(b), f(w_star), 0.25, 300, 0.0)
    W, dist = lin.gradient_descent_ball(layers, np.array([fmpq(1)], dtype=object), sigma, b, w_star, fmpq(1, 4), 300, 256)
    assert all(abs(float(x.mid()) - y) < 1e-12 and float(x.rad()) < 1e-25 for Wb, Wf in zip(W, run.layers)
               for x, y in zip(Wb.ravel(), Wf.ravel()))
    assert isinstance(dist, arb) and abs(float(dist.mid()) - run.distance) < 1e-12
