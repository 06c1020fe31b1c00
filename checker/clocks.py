"""Gradient flow of a classifier in reparametrised clocks, to astronomically long horizons.

A :class:`Classifier` is a network, data ``(X, y)`` with labels ``y_n = ±1`` and a classification
loss ``ℒ(θ) = Σ_n ℓ(q_n(θ))``, ``q_n = y_n f(x_n; θ)``.  Late in training ``ℒ`` underflows float64
and gradient flow ``dθ/dt = -∇ℒ(θ)`` needs ``t`` far beyond ``1e308``, so the same path is
integrated in another clock ``s`` with ``log t`` carried as a state (THEOREMS.md §0.3-3):

``loss`` (loss-normalised time)
    ``dθ/ds = -∇ℒ/ℒ``, ``d(log t)/ds = exp(-log t - log ℒ)``;
``arc`` (arc length)
    ``dθ/ds = -∇ℒ/‖∇ℒ‖``, ``d(log t)/ds = exp(-log t - log ℒ - log‖∇ℒ/ℒ‖)``.

Both are the gradient-flow path: ``dt/ds = 1/ℒ`` resp. ``1/‖∇ℒ‖``.  ``∇ℒ/ℒ`` is computed from
the normalised cotangent (a softmax of the margins for the exponential loss), never from ``ℒ``.
The state also carries the length of the path of the direction ``θ/‖θ‖`` (``d/ds`` of it is
``‖(I - θ̂θ̂ᵀ) dθ/ds‖/‖θ‖``), so the path length is integrated under the same error control.

Late in training the softmax weights switch sharply between the margins that tie (a near
sliding-mode field), so the flow is stiff: the integrator is implicit (Radau by default).
Where the network is only piecewise smooth (kinked activations), the switching surfaces (a zero
pre-activation) are integration events and the integrator restarts on each crossing instead of
stepping over the kink.  The run is sampled on a geometric ladder of horizons in ``log t``; its
error is estimated by repeating it at a tighter tolerance (:func:`two_tolerance_flow`).

Also here: the naive ``t``-clock integration of ``dθ/dt = -∇ℒ`` (float64 loss, explicit
Runge–Kutta; the baseline the clocks are measured against) and gradient descent with step ``η``.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np
from scipy.integrate import solve_ivp

from .losses import Loss
from .nets import AbstractNetwork, Conv1D, MLP


class FlowError(ArithmeticError):
    """The integrator failed (step size underflow, non-finite state, endless switching)."""


# ---------------------------------------------------------------------------- the classifier


def _logsumexp(v: np.ndarray) -> float:
    """``log Σ e^{v_n}`` (plain NumPy: ``scipy.special.logsumexp`` costs ~0.2 ms a call)."""
    top = float(v.max())
    return top + math.log(float(np.exp(v - top).sum()))


@dataclass(frozen=True)
class Classifier:
    """``ℒ(θ) = Σ_n ℓ(y_n f(x_n; θ))`` on float64 data, with ``θ`` a flat parameter vector."""

    net: AbstractNetwork
    X: np.ndarray
    y: np.ndarray  # (m, 1), entries ±1
    loss: Loss

    def outputs(self, theta: np.ndarray) -> np.ndarray:
        return self.net.forward(self.net.unflatten(theta), self.X)

    def margins(self, theta: np.ndarray) -> np.ndarray:
        """``q_n = y_n f(x_n; θ)`` (length ``m``)."""
        return (self.outputs(theta) * self.y).reshape(-1)

    def log_loss(self, theta: np.ndarray) -> float:
        """``log ℒ(θ)`` (logsumexp of the log terms: no underflow)."""
        return _logsumexp(self.loss.log_terms(self.margins(theta)))

    def log_loss_and_normalised_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray]:
        """``log ℒ(θ)`` and ``∇ℒ(θ)/ℒ(θ)`` from one forward and one backward pass.

        ``∂ℒ/∂F / ℒ = -y·(ℓ(q_n)/ℒ)·(g(q_n)/ℓ(q_n))`` (a softmax of ``-q`` for the exponential
        loss): finite however small ``ℒ`` is."""
        params = self.net.unflatten(theta)
        F = self.net.forward(params, self.X)
        q = (F * self.y).reshape(-1)
        terms = self.loss.log_terms(q)
        log_total = _logsumexp(terms)
        weights = np.exp(terms - log_total)
        if self.loss.name != "exp":
            weights = weights * self.loss.g(q) / np.exp(terms)
        G = -self.y * weights.reshape(-1, 1)
        return log_total, self.net.flatten(self.net.backward(params, self.X, G))

    def normalised_gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇ℒ(θ)/ℒ(θ)``, finite however small ``ℒ`` is."""
        return self.log_loss_and_normalised_gradient(theta)[1]

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇ℒ(θ) = ℒ·(∇ℒ/ℒ)`` (underflows to 0 once ``ℒ < 1e-308``, as it should)."""
        return math.exp(self.log_loss(theta)) * self.normalised_gradient(theta)

    def naive_gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇ℒ(θ)`` from the plain float64 cotangent ``-y g(q)`` (the baseline's field)."""
        params = self.net.unflatten(theta)
        F = self.net.forward(params, self.X)
        return self.net.flatten(self.net.backward(params, self.X, self.loss.cotangent(F, self.y)))

    def switching(self, theta: np.ndarray) -> np.ndarray:
        """Pre-activations at which a kinked activation switches (empty for smooth networks)."""
        return switching_surfaces(self.net, self.net.unflatten(theta), self.X)


def switching_surfaces(net: AbstractNetwork, params: list[np.ndarray], X: np.ndarray) -> np.ndarray:
    """Every hidden pre-activation of a kinked activation (ReLU, leaky ReLU): the flow's field is
    discontinuous where one of them crosses 0.  Empty for smooth activations (linear, ``z²``,
    squared ReLU, whose field is continuous with a Lipschitz derivative piece)."""
    if isinstance(net, MLP):
        Zs, _ = net.layers(params, X)
        kinked = [Z for Z, a in zip(Zs[:-1], net.activations) if a.power == 1 and a.name in ("relu", "leaky_relu")]
        return np.concatenate([Z.reshape(-1) for Z in kinked]) if kinked else np.zeros(0)
    if isinstance(net, Conv1D) and net.act.power == 1 and net.act.name in ("relu", "leaky_relu"):
        k, _ = params
        return (net.patches(X) @ k).reshape(-1)
    return np.zeros(0)


# ---------------------------------------------------------------------------- clocks


CLOCKS = ("loss", "arc")


def clock_field(problem: Classifier, clock: str) -> Callable[[float, np.ndarray], np.ndarray]:
    """The right-hand side in clock ``clock`` of the state ``(θ, log t, path length of θ/‖θ‖)``."""
    if clock not in CLOCKS:
        raise ValueError(f"unknown clock {clock!r}; choose one of {', '.join(CLOCKS)}")
    P = problem.net.size

    def field(s: float, state: np.ndarray) -> np.ndarray:
        theta, logt = state[:P], state[P]
        log_loss, G = problem.log_loss_and_normalised_gradient(theta)
        log_rate = -logt - log_loss  # log(dt/ds) - log t for the loss clock
        if clock == "arc":
            norm = float(np.linalg.norm(G))
            G = G / norm
            log_rate -= math.log(norm)
        rho = float(np.linalg.norm(theta))
        along = theta * (theta @ G) / (rho * rho)
        out = np.empty_like(state)
        out[:P] = -G
        out[P] = math.exp(min(log_rate, 700.0))
        out[P + 1] = float(np.linalg.norm(G - along)) / rho
        return out

    return field


def horizon_ladder(top: float, per_decade: int = 4, first: float = 10.0) -> np.ndarray:
    """Geometric rungs ``first·10^{k/per_decade}`` of ``log t`` up to ``top`` (both included)."""
    if top <= first:
        raise ValueError(f"the horizon {top:g} must exceed the first rung {first:g}")
    n = int(round(per_decade * math.log10(top / first)))
    return first * 10.0 ** (np.arange(n + 1) / per_decade)


@dataclass
class Trajectory:
    """A flow sampled where ``log t`` crosses each rung of a ladder.

    ``thetas[k]`` is ``θ`` at ``log t = logt[k]``; ``path[k]`` the path length of ``θ/‖θ‖`` from
    the start; ``clock[k]`` the clock value.  ``steps``/``evaluations`` count the integrator's
    work, ``switches`` the restarts at kinks.
    """

    logt: np.ndarray
    thetas: np.ndarray
    path: np.ndarray
    clock: np.ndarray
    rtol: float
    method: str
    clock_name: str
    steps: int = 0
    evaluations: int = 0
    switches: int = 0
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)

    def describe(self) -> str:
        return (f"{self.clock_name} clock, {self.method} rtol {self.rtol:g}, log t ≤ {self.logt[-1]:.3g} "
                f"({self.steps} steps, {self.evaluations} field evaluations, {self.switches} kink restarts)")


def integrate_flow(problem: Classifier, theta0: np.ndarray, ladder: np.ndarray, *, clock: str = "loss",
                   rtol: float = 1e-10, method: str = "Radau", max_switches: int = 200,
                   max_seconds: float = math.inf) -> Trajectory:
    """Integrate gradient flow from ``θ(t=1) = θ₀`` (``log t = 0``) in ``clock`` until ``log t``
    reaches ``ladder[-1]``, sampling ``θ`` at every rung.

    ``rtol`` is the integrator's relative tolerance (absolute tolerance ``rtol·1e-3``).  Kinks
    restart the integrator; more than ``max_switches`` restarts (a sliding mode, which the Clarke
    flow follows but no restart scheme does) raise :class:`FlowError`.
    """
    start = time.perf_counter()
    P = problem.net.size
    field = clock_field(problem, clock)
    ladder = np.asarray(ladder, dtype=float)
    state = np.concatenate([np.asarray(theta0, dtype=float), [0.0, 0.0]])
    s = 0.0
    samples: list[tuple[float, np.ndarray]] = []
    steps = evaluations = switches = 0
    smooth = problem.switching(state[:P]).size == 0

    while len(samples) < len(ladder):
        pending = ladder[len(samples):]
        events = [_rung_event(P, h, terminal=(h == pending[-1])) for h in pending]
        if not smooth:
            signs = np.sign(problem.switching(state[:P]))
            events.append(_switch_event(problem, P, signs))
        sol = solve_ivp(field, (s, math.inf if False else 1e300), state, method=method, rtol=rtol,
                        atol=rtol * 1e-3, events=events)
        steps += int(sol.t.size - 1)
        evaluations += int(sol.nfev)
        if sol.status == -1:
            raise FlowError(f"{method} failed at clock {sol.t[-1]:.6g}, log t = {sol.y[P, -1]:.6g}: {sol.message}")
        for k in range(len(pending)):
            if sol.t_events[k].size:
                samples.append((float(sol.t_events[k][0]), sol.y_events[k][0]))
        samples.sort(key=lambda p: p[1][P])
        if not np.all(np.isfinite(sol.y[:, -1])):
            raise FlowError(f"non-finite state at clock {sol.t[-1]:.6g}")
        s, state = float(sol.t[-1]), sol.y[:, -1].copy()
        if len(samples) >= len(ladder) or sol.status != 1:
            if sol.status == 0:
                raise FlowError(f"the clock ran out before log t reached {ladder[-1]:g}")
            if len(samples) >= len(ladder):
                break
        if not smooth and sol.t_events[-1].size:
            switches += 1
            if switches > max_switches:
                raise FlowError(f"more than {max_switches} activation switches by log t = {state[P]:.4g}: "
                                f"a sliding mode on a kink")
            state = sol.y_events[-1][0].copy()
            s = float(sol.t_events[-1][0])
        if time.perf_counter() - start > max_seconds:
            raise FlowError(f"integration exceeded {max_seconds:g} s at log t = {state[P]:.4g}")
    samples = samples[: len(ladder)]
    Y = np.array([y for _, y in samples])
    return Trajectory(logt=Y[:, P], thetas=Y[:, :P], path=Y[:, P + 1], clock=np.array([c for c, _ in samples]),
                      rtol=rtol, method=method, clock_name=clock, steps=steps, evaluations=evaluations,
                      switches=switches, seconds=time.perf_counter() - start)


def _rung_event(P: int, h: float, terminal: bool) -> Callable[[float, np.ndarray], float]:
    def event(s: float, state: np.ndarray) -> float:
        return state[P] - h

    event.terminal = terminal
    event.direction = 1
    return event


def _switch_event(problem: Classifier, P: int, signs: np.ndarray) -> Callable[[float, np.ndarray], float]:
    """Terminal event: the first pre-activation that leaves its sign at the start of the piece.

    A pre-activation exactly at 0 at the start of a piece is not watched (the Clarke selection
    of the network decides its derivative there)."""
    watched = signs != 0

    def event(s: float, state: np.ndarray) -> float:
        z = problem.switching(state[:P])[watched] * signs[watched]
        return float(z.min()) if z.size else 1.0

    event.terminal = True
    event.direction = -1
    return event


def two_tolerance_flow(problem: Classifier, theta0: np.ndarray, ladder: np.ndarray, *, rtol: float,
                       clock: str = "loss", method: str = "Radau", factor: float = 100.0,
                       max_seconds: float = math.inf) -> tuple[Trajectory, Trajectory]:
    """The run at ``rtol`` and its check at ``rtol/factor``: the difference of any quantity
    between the two is the integrator's error estimate for the coarser run, an upper estimate
    for the finer one (returned first)."""
    coarse = integrate_flow(problem, theta0, ladder, clock=clock, rtol=rtol, method=method,
                            max_seconds=max_seconds)
    fine = integrate_flow(problem, theta0, ladder, clock=clock, rtol=max(rtol / factor, 1e-14), method=method,
                          max_seconds=max_seconds)
    return fine, coarse


# ---------------------------------------------------------------------------- baselines and GD


@dataclass
class NaiveRun:
    """A naive ``t``-clock run: the largest ``log t`` reached and the work it took."""

    logt_reached: float
    theta: np.ndarray
    steps: int
    evaluations: int
    seconds: float
    message: str


def naive_flow(problem: Classifier, theta0: np.ndarray, t_end: float, *, method: str = "RK45",
               rtol: float = 1e-10, max_seconds: float = 10.0) -> NaiveRun:
    """Integrate ``dθ/dt = -∇ℒ`` in ``t`` with the float64 loss (the baseline).

    The run stops at ``t_end``, at ``max_seconds`` of wall time, or when the field underflows;
    ``logt_reached`` says how far it got (``t`` measured from ``t = 1``, like the clocks)."""
    start = time.perf_counter()
    deadline = start + max_seconds

    def field(t: float, theta: np.ndarray) -> np.ndarray:
        if time.perf_counter() > deadline:
            raise _OutOfTime(t, theta)
        return -problem.naive_gradient(theta)

    try:
        sol = solve_ivp(field, (1.0, t_end), np.asarray(theta0, dtype=float), method=method, rtol=rtol,
                        atol=rtol * 1e-3)
        t_last, theta, message = float(sol.t[-1]), sol.y[:, -1], sol.message
        steps, nfev = int(sol.t.size - 1), int(sol.nfev)
    except _OutOfTime as stop:
        t_last, theta, message = stop.t, stop.theta, f"stopped after {max_seconds:g} s of wall time"
        steps, nfev = -1, -1
    return NaiveRun(math.log(t_last), theta, steps, nfev, time.perf_counter() - start, message)


class _OutOfTime(Exception):
    def __init__(self, t: float, theta: np.ndarray):
        super().__init__(t)
        self.t, self.theta = t, theta


def gradient_descent(problem: Classifier, theta0: np.ndarray, eta: float, steps: int) -> np.ndarray:
    """Iterates ``θ_{k+1} = θ_k - η∇ℒ(θ_k)`` (``∇ℒ`` from the log-domain loss), ``steps + 1`` rows.

    GD at step ``k`` is compared with GF at time ``τ_k = kη`` (THEOREMS.md §0.3-6)."""
    out = np.empty((steps + 1, problem.net.size))
    out[0] = theta0
    for k in range(steps):
        out[k + 1] = out[k] - eta * problem.gradient(out[k])
    return out
