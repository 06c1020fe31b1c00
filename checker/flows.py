"""Gradient flow and gradient descent integrators, each returning its own error estimate.

* :func:`gradient_flow` — float64, adaptive explicit high order (``solve_ivp`` DOP853 by
  default).  The error estimate is the difference to a second solve at a thousandth of the
  tolerance, so it is an *estimate* (class c evidence), never a bound.  DOP853 does not
  preserve quadratic invariants, so a conserved quantity staying within this estimate is
  meaningful (THEOREMS.md §0.3-2).
* :func:`gradient_flow_ball` — arbitrary precision: classical RK4 on python-flint ``arb``
  arrays with a step-doubling (Richardson) error estimate, for when float64 cannot decide.
* :func:`gradient_descent` — ``θ_{t+1} = θ_t − η_t ∇L(θ_t)`` on any number type; on exact
  rationals every iterate is exact.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator

import numpy as np
from flint import arb
from scipy.integrate import solve_ivp

from .arith import working_precision


@dataclass(frozen=True)
class FlowResult:
    """The state at the horizon, a per-component error estimate, and how it was obtained."""

    theta: np.ndarray
    error: np.ndarray
    horizon: float
    method: str
    evaluations: int


def gradient_flow(grad: Callable[[np.ndarray], np.ndarray], theta0: np.ndarray, horizon: float,
                  rtol: float, method: str = "DOP853") -> FlowResult:
    """Solve ``dθ/dt = −∇L(θ)`` on ``[0, horizon]`` in float64, with an error estimate.

    The solution returned is the tighter solve (``rtol/1000``); its error is estimated by the
    difference to the ``rtol`` solve, which over-estimates the tighter solve's error.
    """
    theta0 = np.asarray(theta0, dtype=float)
    field = lambda t, th: -grad(th)  # noqa: E731
    runs = []
    for tol in (rtol, rtol * 1e-3):
        sol = solve_ivp(field, (0.0, horizon), theta0, method=method, rtol=tol, atol=tol * 1e-2)
        if not sol.success or not np.all(np.isfinite(sol.y[:, -1])):
            raise ArithmeticError(f"{method} failed at rtol {tol:g}: {sol.message}")
        runs.append(sol)
    coarse, fine = runs
    return FlowResult(fine.y[:, -1], np.abs(fine.y[:, -1] - coarse.y[:, -1]), horizon,
                      f"{method} (rtol {rtol:g} and {rtol * 1e-3:g})", coarse.nfev + fine.nfev)


def _rk4(grad: Callable[[Any], Any], theta: Any, h: arb, steps: int) -> Any:
    for _ in range(steps):
        k1 = -grad(theta)
        k2 = -grad(theta + (h / 2) * k1)
        k3 = -grad(theta + (h / 2) * k2)
        k4 = -grad(theta + h * k3)
        theta = theta + (h / 6) * (k1 + 2 * k2 + 2 * k3 + k4)
    return theta


def gradient_flow_ball(grad: Callable[[Any], Any], theta0: Any, horizon: Any, steps: int, bits: int) -> FlowResult:
    """RK4 with ``steps`` and ``2·steps`` steps in ``bits``-bit balls; error = |difference|·16/15.

    ``theta0`` is an object array of ``arb`` (or exact rationals, converted).  The Richardson
    factor 16/15 turns the difference of a fourth-order method into an estimate of the finer
    solution's error; the balls' own radii (round-off) are added.
    """
    with working_precision(bits):
        th0 = np.array([arb(x) for x in np.asarray(theta0, dtype=object).reshape(-1)], dtype=object)
        T = arb(horizon)
        coarse = _rk4(grad, th0, T / steps, steps)
        fine = _rk4(grad, th0, T / (2 * steps), 2 * steps)
        err = np.array([float(abs(c - f).upper()) * 16 / 15 + float(f.rad()) for c, f in zip(coarse, fine)])
        mids = np.array([float(f.mid()) for f in fine])
    return FlowResult(mids, err, float(horizon), f"RK4 in {bits}-bit balls ({steps} and {2 * steps} steps)", 12 * steps)


def gradient_descent(grad: Callable[[Any], Any], theta0: Any, etas: Iterable[Any]) -> Iterator[tuple[Any, Any]]:
    """Yield ``(θ_t, ∇L(θ_t))`` for each step size, then the final iterate with ``None``.

    The arithmetic is that of ``theta0``: exact rationals stay exact.
    """
    theta = theta0
    for eta in etas:
        g = grad(theta)
        yield theta, g
        theta = theta - eta * g
    yield theta, None
