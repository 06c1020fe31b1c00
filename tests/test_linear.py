"""checker/linear.py: deep linear networks for regression on checker.nets, in exact and float arithmetic."""
from __future__ import annotations

import numpy as np
import pytest
from flint import arb, arb_mat, fmpq, fmpq_mat

from checker import linear as lin
from checker.arith import working_precision
from checker.exact import balls, solve
from checker.regression import square_loss_moments


def _q(A: np.ndarray, den: int = 3) -> np.ndarray:
    return np.vectorize(lambda x: fmpq(int(x), den), otypes=[object])(np.asarray(A))


@pytest.fixture
def exact_problem():
    rng = np.random.default_rng(0)
    widths = [3, 2, 4, 1]
    layers = [_q(rng.integers(-4, 5, size=(widths[k + 1], widths[k]))) for k in range(3)]
    X, y = _q(rng.integers(-4, 5, size=(6, 3))), _q(rng.integers(-4, 5, size=6))
    return layers, np.array([fmpq(1)], dtype=object), X, y


def _zero(A: np.ndarray) -> bool:
    return all(x == 0 for x in np.asarray(A).ravel())


def test_closed_forms_are_the_networks(exact_problem):
    """JJᵀ = G, wᵀ = a_kᵀW_kB_k, and the network's forward pass at the identity is the end-to-end vector."""
    layers, p, X, y = exact_problem
    J = lin.jacobian(layers, p)
    assert _zero(J @ J.T - lin.gram(layers, p))
    for k in range(3):
        a, B = lin.left_vectors(layers, p)[k], lin.right_products(layers)[k]
        assert _zero(a @ layers[k] @ B - lin.end_to_end(layers, p))
    net = lin.network(lin.layer_widths(layers), p)
    eye = np.array([[fmpq(int(i == j)) for j in range(3)] for i in range(3)], dtype=object)
    assert _zero(net.forward(layers, eye).reshape(-1) - lin.end_to_end(layers, p))


def _network_gradient(oracle, theta):
    """The gradient through the network stack (forward and backward passes over the samples)."""
    return oracle._scale(theta) * oracle.objective.gradient(theta)


def _fixed_readout_problem():
    rng = np.random.default_rng(4)
    p = np.array([fmpq(3, 5), fmpq(0), fmpq(-4, 5)], dtype=object)
    layers = [_q(rng.integers(-3, 4, size=(3, 3))) for _ in range(3)]
    return layers, p, _q(rng.integers(-3, 4, size=(5, 3))), _q(rng.integers(-3, 4, size=5))


def test_risk_gradient_is_the_closed_form_and_the_network_gradient(exact_problem):
    """∇_{W_k}R = a_k(B_k∇R¹(w))ᵀ with ∇R¹(w) = 2(Σw − b), exactly; the closed-form gradient of
    Risk is identical to the network stack's on rationals (unit and fixed readout); the HVP Hessian is
    exactly symmetric."""
    layers, p, X, y = exact_problem
    sigma, b, _ = square_loss_moments(X, y)
    oracle, theta = lin.risk(layers, p, X, y)
    g = 2 * (sigma @ lin.end_to_end(layers, p) - b)
    closed = np.concatenate([np.multiply.outer(a, B @ g).ravel()
                             for a, B in zip(lin.left_vectors(layers, p), lin.right_products(layers))])
    assert _zero(oracle.gradient(theta) - closed)
    for problem in (exact_problem, _fixed_readout_problem()):
        oracle, theta = lin.risk(*problem)
        assert _zero(oracle.gradient(theta) - _network_gradient(oracle, theta))
        assert _zero(oracle.sample_gradient(theta, [0, 2]) - oracle._scale(theta) * oracle.objective.sample_gradient(theta, [0, 2]))
        assert _zero(oracle.end_to_end(theta) - lin.end_to_end(problem[0], problem[1]))
    H = oracle.hessian(theta)
    assert _zero(H - H.T)


@pytest.mark.parametrize("problem", ["unit", "fixed"])
def test_float_gradient_within_the_rounding_bound_of_the_exact_one(exact_problem, problem):
    """Float64: the closed form and the network's gradient both lie within γ_N·|∇|(|W|, |X|, −|y|, |p|)
    of the exact gradient at the same (float, read exactly) point: the standard bound for
    subtraction-free sums of products (the one subtraction, Xw − y, made an addition by y → −|y|),
    with N = 2(L + 2)·max(widths, n) + 4 operations along any path."""
    layers, p, X, y = exact_problem if problem == "unit" else _fixed_readout_problem()
    rng = np.random.default_rng(5)
    floats = [np.asarray(W, float) + 1e-3 * rng.standard_normal(W.shape) for W in layers]
    f = lambda A: np.asarray(A, float)  # noqa: E731
    oracle, theta = lin.risk(floats, f(p), f(X), f(y))
    exact_oracle, exact_theta = lin.risk([np.vectorize(_exact, otypes=[object])(W)
                                          for W in floats], p, X, y)
    exact = np.array([int(x.p) / int(x.q) for x in exact_oracle.gradient(exact_theta)])
    abs_oracle, abs_theta = lin.risk([np.abs(W) for W in floats], np.abs(f(p)), np.abs(f(X)), -np.abs(f(y)))
    N = 2 * (len(layers) + 2) * max(max(W.shape) for W in layers) + 2 * X.shape[0] + 4
    gamma = N * 2.0 ** -53 / (1 - N * 2.0 ** -53)
    bound = gamma * abs_oracle.gradient(abs_theta) * (1 + 1e-10)
    assert np.all(np.abs(oracle.gradient(theta) - exact) <= bound)
    assert np.all(np.abs(_network_gradient(oracle, theta) - exact) <= bound)


def _exact(x: float) -> fmpq:
    n, d = float(x).as_integer_ratio()
    return fmpq(n, d)


def test_closed_form_hessian_is_the_network_hessian(exact_problem):
    """∇²R = (𝒜ℬ)(2Σ)(𝒜ℬ)ᵀ + 𝒰 + 𝒰ᵀ (hessian_factors) equals the HVP Hessian exactly on rationals
    (fmpq_mat products), encloses it in arb_mat products, and matches it in float64 to rounding."""
    for layers, p, X, y in (exact_problem, _fixed_readout_problem()):
        H = lin.hessian(layers, p, X, y)
        assert lin.hessian_closed_form(layers, p, X, y, fmpq_mat) == fmpq_mat(H.tolist())
        with working_precision(64):
            ball = lin.hessian_closed_form([balls(W, 64) for W in layers], balls(p, 64), balls(X, 64), balls(y, 64), arb_mat)
            assert all(ball[i, j].contains(H[i, j]) for i in range(H.shape[0]) for j in range(H.shape[1]))
        f = lambda A: np.asarray(A, float)  # noqa: E731
        floats = lin.hessian_closed_form([f(W) for W in layers], f(p), f(X), f(y))
        assert np.allclose(floats, f(H), rtol=0, atol=1e-12 * np.max(np.abs(f(H))))
    one = np.array([fmpq(1)], dtype=object)
    W = [_q(np.array([[1, -2]]))]  # L = 1: R is quadratic, ∇²R = 2Σ
    X, y = _q(np.array([[1, 0], [2, 3], [0, 1]])), _q(np.array([1, 2, 0]))
    assert lin.hessian_closed_form(W, one, X, y, fmpq_mat) == fmpq_mat((2 * (X.T @ X) / 3).tolist())


def test_gradient_and_hvp_against_finite_differences(exact_problem):
    layers, p, X, y = exact_problem
    f = lambda A: np.asarray(A, dtype=float)  # noqa: E731
    oracle, theta = lin.risk([f(W) for W in layers], f(p), f(X), f(y))
    risk = lambda th: float(np.mean((f(y) - oracle.objective.outputs(th).reshape(-1)) ** 2))  # noqa: E731
    v = np.random.default_rng(1).standard_normal(theta.size)
    h = 1e-6
    assert (risk(theta + h * v) - risk(theta - h * v)) / (2 * h) == pytest.approx(oracle.gradient(theta) @ v, rel=1e-7)
    fd = (oracle.gradient(theta + h * v) - oracle.gradient(theta - h * v)) / (2 * h)
    assert np.allclose(fd, oracle.hvp(theta, v), rtol=1e-6, atol=1e-6)


def test_minimiser_constructions_are_exact_and_formula_H_holds_there(exact_problem):
    layers, p, X, y = exact_problem
    sigma, b, _ = square_loss_moments(X, y)
    w_star = solve(sigma, b)
    completed = lin.complete_minimiser(layers[1:], layers[0], w_star, p)
    assert _zero(lin.end_to_end(completed, p) - w_star)
    assert _zero(lin.hessian(completed, p, X, y) - lin.gauss_newton(completed, p, sigma))
    assert not _zero(lin.hessian(layers, p, X, y) - lin.gauss_newton(layers, p, sigma))  # not at a minimiser
    units = [np.array([fmpq(3, 5), fmpq(4, 5)], dtype=object), np.array([fmpq(0), fmpq(1), fmpq(0), fmpq(0)], dtype=object)]
    aligned = lin.aligned_rank_one(w_star, units, fmpq(2, 3), p)
    assert _zero(lin.end_to_end(aligned, p) - w_star)
    assert all(np.linalg.matrix_rank(np.asarray(W, float)) == 1 for W in aligned)


def test_fixed_readout_network_matches_the_closed_forms():
    """A residual-style network x ↦ pᵀW_2W_1x with a fixed unit readout p: gradient and formula (H)."""
    rng = np.random.default_rng(4)
    p = np.array([fmpq(3, 5), fmpq(0), fmpq(-4, 5)], dtype=object)
    X, y = _q(rng.integers(-3, 4, size=(5, 3))), _q(rng.integers(-3, 4, size=5))
    sigma, b, _ = square_loss_moments(X, y)
    upper = [_q(rng.integers(-3, 4, size=(3, 3)))]
    layers = lin.complete_minimiser(upper, _q(rng.integers(-3, 4, size=(3, 3))), solve(sigma, b), p)
    assert _zero(lin.hessian(layers, p, X, y) - lin.gauss_newton(layers, p, sigma))


def test_balanced_rank_one_has_equal_layer_norms():
    w = np.array([fmpq(0), fmpq(8)], dtype=object)  # ‖w⋆‖ = 8 = 2³
    units = [np.array([fmpq(1), fmpq(0)], dtype=object)] * 2
    layers = lin.aligned_rank_one(w, units, fmpq(2), np.array([fmpq(1)], dtype=object))
    assert {sum(x * x for x in W.ravel()) for W in layers} == {fmpq(4)}
    assert _zero(lin.end_to_end(layers, np.array([fmpq(1)], dtype=object)) - w)


def test_residual_curvature_bound_covers_the_hessian_gap(exact_problem):
    layers, p, X, y = (np.asarray(x, float) if not isinstance(x, list) else [np.asarray(W, float) for W in x]
                       for x in exact_problem)
    sigma, b, _ = square_loss_moments(X, y)
    gap = lin.hessian(layers, p, X, y) - lin.gauss_newton(layers, p, sigma)
    assert np.linalg.norm(gap, 2) <= lin.residual_curvature_bound(layers, p, sigma, b) * (1 + 1e-12)
    assert lin.residual_curvature_bound([np.ones((1, 3))], p, sigma, b) == 0.0  # L = 1: R is quadratic


def test_gradient_flow_converges_and_conserves_the_imbalances():
    rng = np.random.default_rng(2)
    X = rng.standard_normal((8, 3))
    w_star = np.array([0.6, -0.8, 0.0])
    init = [0.1 * rng.standard_normal(s) for s in [(3, 3), (3, 3), (1, 3)]]
    run = lin.gradient_flow_to_minimiser(init, np.ones(1), X, X @ w_star, w_star, tol=1e-9, rtol=1e-10)
    assert run.converged and run.distance <= 1e-9 and run.error_kind == "estimate"
    drift = max(np.abs(D1 - D0).max() for D0, D1 in zip(lin.imbalances(init), lin.imbalances(run.layers)))
    assert drift <= 100 * run.error + 1e-10
    explicit = lin.gradient_flow_to_minimiser(init, np.ones(1), X, X @ w_star, w_star, tol=1e-9, rtol=1e-10,
                                              method="DOP853")
    assert explicit.converged
    assert all(np.allclose(A, B, atol=1e-6) for A, B in zip(explicit.layers, run.layers))


def test_gradient_descent_converges_below_and_diverges_far_above_the_threshold():
    X = np.eye(2) * 2
    w_star = np.array([1.0, 0.5])
    init = [0.3 * np.ones((2, 2)) + 0.1 * np.eye(2), 0.3 * np.ones((1, 2))]
    run = lin.gradient_descent_run(init, np.ones(1), X, X @ w_star, w_star, 0.05, 20000, 1e-8)
    assert run.converged and 0 <= run.error < 1e-10
    far = lin.gradient_descent_run(init, np.ones(1), X, X @ w_star, w_star, 50.0, 2000, 1e-8)
    assert not far.converged and far.method.startswith("GD (diverged)")


def test_ball_gradient_descent_encloses_the_float_run():
    rng = np.random.default_rng(1)
    layers = [0.3 * rng.standard_normal(s) for s in [(2, 2), (1, 2)]]
    X = np.array([[fmpq(1), fmpq(0)], [fmpq(0), fmpq(1, 2)]], dtype=object)
    y = np.array([fmpq(2, 3), fmpq(-2, 5)], dtype=object)
    w_star = np.array([fmpq(2, 3), fmpq(-4, 5)], dtype=object)
    f = lambda A: np.asarray(A, dtype=float)  # noqa: E731
    run = lin.gradient_descent_run(layers, np.ones(1), f(X), f(y), f(w_star), 0.25, 300, 0.0)
    W, dist = lin.gradient_descent_ball(layers, np.array([fmpq(1)], dtype=object), X, y, w_star, fmpq(1, 4), 300, 256)
    assert all(abs(float(x.mid()) - y) < 1e-12 and float(x.rad()) < 1e-25 for Wb, Wf in zip(W, run.layers)
               for x, y in zip(Wb.ravel(), Wf.ravel()))
    assert isinstance(dist, arb) and abs(float(dist.mid()) - run.distance) < 1e-12
