"""Integrators: the float64 and ball-arithmetic gradient flows agree within their error estimates,
the estimates shrink with the tolerance, and exact gradient descent accumulates DHL-GD exactly."""
from __future__ import annotations

import numpy as np
from flint import fmpq

from checker.arith import rational_array
from checker.flows import gradient_descent, gradient_flow, gradient_flow_ball
from checker.losses import loss
from checker.nets import MLP, activation

SQ = loss("squared")
NET = MLP((2, 3, 1), (activation("square"),))
X = rational_array([["1/2", "-1"], ["1", "1/3"], ["-1/4", "1/2"]])
Y = rational_array([["1"], ["-1/2"], ["0"]])
THETA0 = rational_array(["1/4", "-1/2", "1/3", "1/5", "-1/6", "1/2", "1/2", "-1/3", "1/4"])


def grad(theta):
    ps = NET.unflatten(theta)
    Xn = X.astype(float) if theta.dtype != object else X
    Yn = Y.astype(float) if theta.dtype != object else Y
    return NET.flatten(NET.backward(ps, Xn, SQ.cotangent(NET.forward(ps, Xn), Yn)))


def test_float_and_ball_flows_agree_within_their_error_estimates():
    coarse = gradient_flow(grad, THETA0.astype(float), 1.0, 1e-6)
    fine = gradient_flow(grad, THETA0.astype(float), 1.0, 1e-10)
    ball = gradient_flow_ball(grad, THETA0, fmpq(1), 200, 200)
    assert np.all(np.abs(ball.theta - fine.theta) <= fine.error + ball.error + 1e-14)
    assert np.all(np.abs(coarse.theta - ball.theta) <= coarse.error + ball.error + 1e-14)
    assert fine.error.max() < coarse.error.max() and ball.error.max() < 1e-9


def test_the_flow_error_estimate_is_not_vacuous():
    """Against the ball reference, the float64 error estimate is within a factor of the real error."""
    flow = gradient_flow(grad, THETA0.astype(float), 1.0, 1e-6)
    ref = gradient_flow_ball(grad, THETA0, fmpq(1), 400, 200)
    real = np.abs(flow.theta - ref.theta).max()
    assert real <= flow.error.max() + ref.error.max() and flow.error.max() < 1e-6


def test_exact_gradient_descent_moves_the_balance_by_exactly_the_sum_of_eta_squared_terms():
    etas = [fmpq(1, 10), fmpq(1, 20), fmpq(1, 30)]
    Q = lambda th: (NET.unflatten(th)[0][0] ** 2).sum() - (NET.unflatten(th)[1][:, 0] ** 2).sum()  # noqa: E731
    k = 2  # z² is 2-homogeneous: the conserved combination is ‖in‖² − 2‖out‖²
    Qk = lambda th: (NET.unflatten(th)[0][0] ** 2).sum() - k * (NET.unflatten(th)[1][:, 0] ** 2).sum()  # noqa: E731
    predicted, steps = fmpq(0), list(gradient_descent(grad, THETA0, etas))
    for (theta, g), eta in zip(steps, etas):
        gs = NET.unflatten(g)
        predicted += eta ** 2 * ((gs[0][0] ** 2).sum() - k * (gs[1][:, 0] ** 2).sum())
    final = steps[-1][0]
    assert Qk(final) - Qk(THETA0) == predicted and Q(final) != Q(THETA0)
