"""Integrators that stop on the caller's predicate: solve_until and iterate(until=...)."""
import numpy as np
import pytest

from checker import dynamics as dy
from checker import integrators as ig
from checker.losses import loss
from checker.nets import MLP, activation
from checker.objectives import Objective

NET = MLP((2, 1), ())  # linear least squares: GF has a closed form
RNG = np.random.default_rng(1)
X, Y = RNG.normal(size=(5, 2)), RNG.normal(size=(5, 1))
OBJ = Objective(NET, X, Y, loss("squared"))
W_STAR = np.linalg.lstsq(X, Y, rcond=None)[0].reshape(-1)


def _exact_flow(theta0: np.ndarray, t: float) -> np.ndarray:
    """θ(t) = w⋆ + exp(−tXᵀX)(θ₀ − w⋆) for ℒ = ½‖Xθ − Y‖²."""
    vals, vecs = np.linalg.eigh(X.T @ X)
    return W_STAR + vecs @ (np.exp(-t * vals) * (vecs.T @ (theta0 - W_STAR)))


def test_solve_until_stops_on_the_predicate_and_its_error_covers_the_true_error():
    theta0 = np.array([2.0, -3.0])
    near = lambda th: np.linalg.norm(th - W_STAR) <= 1e-6  # noqa: E731
    sol = ig.solve_until(dy.gradient_flow(), OBJ, theta0, near, 1e4, 1e-9,
                         mark=lambda th: np.linalg.norm(th - W_STAR) <= 1e-2)
    assert sol.stop == "until" and len(sol.times) == 2 and sol.times[0] < sol.times[1]
    for t, th, err in zip(sol.times, sol.thetas, sol.error):
        assert np.max(np.abs(th - _exact_flow(theta0, t))) <= err
    short = ig.solve_until(dy.gradient_flow(), OBJ, theta0, near, 1e-3, 1e-9)
    assert short.stop == "horizon" and short.times[-1] == pytest.approx(1e-3)
    capped = ig.solve_until(dy.gradient_flow(), OBJ, theta0, near, 1e4, 1e-9, max_steps=3)
    assert capped.stop == "max_steps"


def test_iterate_until_ends_after_the_first_step_where_the_predicate_holds():
    theta0 = np.array([2.0, -3.0])
    eta = 0.5 / np.linalg.eigvalsh(X.T @ X).max()
    close = lambda th: np.linalg.norm(th - W_STAR) <= 1e-4  # noqa: E731
    sol = ig.iterate(dy.gradient_descent(eta), OBJ, theta0, [10, 10_000], until=close)
    assert sol.stop == "until" and close(sol.theta) and sol.times[0] == 10
    k = int(sol.times[-1])
    before = ig.iterate(dy.gradient_descent(eta), OBJ, theta0, [k - 1])
    assert not close(before.theta)  # the first such step
    assert sol.error_kind == "estimate" and np.all(sol.error < 1e-12)
    blind = ig.iterate(dy.gradient_descent(eta), OBJ, theta0, [k], shadow=False)
    assert blind.error_kind == "caller" and np.all(np.isnan(blind.error)) and blind.evaluations == k
