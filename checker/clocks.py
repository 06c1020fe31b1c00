"""Gradient flow of a classifier in reparametrised clocks, to astronomically long horizons.

A :class:`Classifier` is a network, data ``(X, y)`` with labels ``y_n = ±1`` and a classification
loss ``ℒ(θ) = Σ_n ℓ(q_n(θ))``, ``q_n = y_n f(x_n; θ)``.  Late in training ``ℒ`` underflows float64
and gradient flow ``dθ/dt = -∇ℒ(θ)`` needs ``t`` far beyond ``1e308``, so the same path is
integrated in another clock ``s`` with ``log t`` carried as a state (THEOREMS.md §0.3-3).  A clock
is a factor ``c(θ) > 0`` with ``dθ/ds = c·(-∇ℒ/ℒ)`` and ``dt/ds = c/ℒ``, so
``d(log t)/ds = c·exp(-log t - log ℒ)``:

``loss`` (loss-normalised time, rescaled)
    ``c = |log ℒ|^{-(1-2/K)}`` for a ``K``-homogeneous network, so that ``s`` grows like
    ``log log t`` for every ``K`` (``c = 1``, plain loss-normalised time, for ``K = 2`` and for
    non-homogeneous networks);
``arc`` (arc length)
    ``c = 1/‖∇ℒ/ℒ‖``.

``∇ℒ/ℒ`` comes from the normalised cotangent (a softmax of the margins for the exponential loss),
never from ``ℒ``.  The state is ``(u, r, log t, path)`` with ``θ = e^r u`` (every coordinate of
order one) and ``path`` the length of the path of the direction ``θ/‖θ‖``, integrated under the
same error control (:func:`clock_field`).

Late in training the loss weights switch sharply between tied margins (a near sliding mode), so
the field is stiff: the integrator is implicit (scipy's BDF by default, LSODA or Radau on request)
with a Jacobian by differences scaled to the margins (:func:`clock_jacobian`).

**Kinks.**  For two-layer networks with a kinked activation (ReLU, leaky ReLU: an MLP with one
hidden layer, or :class:`~checker.nets.Conv1D`) the field jumps where a pre-activation
``z_i = ⟨N_i, θ⟩`` crosses 0; these switching surfaces are hyperplanes of parameter space
(:class:`LinearKinks`).  They are integration events located on the solver's dense output: a
transversal crossing restarts the integrator on the other side; where the fields on both sides
push into a surface, the flow *slides* on it (the Clarke/Filippov solution): its velocity is the
field projected onto the surfaces in the sliding set, which is the Clarke selection
``φ'(z_i) = σ_i`` solving the tangency conditions, admissible while every ``σ_i`` stays in
``[φ'(0⁻), φ'(0⁺)]``; leaving that interval is again an event.  Within a piece the field of each
side is extended smoothly across its surfaces, so no trial step sees a jump.

The run is sampled on a geometric ladder of horizons in ``log t``; its error is estimated by
repeating it with a second integrator or tolerance: :func:`checked_flow` is *the integrator for
classification flows*, returning a :class:`CheckedFlow`, an :class:`checker.integrators.Solution`
with an error per rung (kind ``estimate``), whose :meth:`CheckedFlow.ladder` turns quantities
measured on each :class:`Rung` into a :class:`checker.limits.Ladder` for ``limit(...)`` statements.
The naive ``t``-clock baseline is :func:`checker.integrators.solve` of
:func:`checker.dynamics.gradient_flow`, and gradient descent :func:`checker.integrators.iterate` of
:func:`checker.dynamics.gradient_descent`.
"""
from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from functools import cached_property
from typing import Callable, Mapping

import numpy as np
from scipy.integrate import BDF, DOP853, LSODA, RK45, Radau
from scipy.optimize import brentq

from .arith import Enclosure
from .cache import shared
from .integrators import Solution
from .limits import Ladder
from .losses import Loss
from .nets import AbstractNetwork, Conv1D, MLP

EPS = float(np.finfo(float).eps)


class FlowError(ArithmeticError):
    """The integrator failed (step-size underflow, non-finite state, endless switching, time)."""


def _logsumexp(v: np.ndarray) -> float:
    """``log Σ e^{v_n}`` (plain NumPy: ``scipy.special.logsumexp`` costs ~0.2 ms a call)."""
    top = float(v.max())
    return top + math.log(float(np.exp(v - top).sum()))


# ---------------------------------------------------------------------------- kinks


@dataclass(frozen=True)
class LinearKinks:
    """The switching surfaces of a two-layer network with a kinked activation.

    Surface ``i`` is the pre-activation ``z_i(θ) = ⟨N_i, θ⟩`` of hidden unit ``unit[i]`` on data
    point ``point[i]`` (``N`` is constant: the first layer is linear in ``θ``).  The output is
    ``f(x_n) = Σ_j a_j φ(z_{n,j})``, so ``∂ℒ/∂θ`` depends on the selection ``φ'(z_i)`` only through
    ``φ'(z_i)·(∂ℒ/∂f_n)·a_j·N_i`` (``a`` is read from ``θ`` at ``out_index``).  ``low``/``high``
    are ``φ'(0⁻)``/``φ'(0⁺)``: the Clarke sub-differential of ``φ`` at 0 is ``[low, high]``.
    """

    normals: np.ndarray  # (S, P)
    point: np.ndarray  # (S,)
    unit: np.ndarray  # (S,)
    out_index: np.ndarray  # (S,) position of a_unit in θ
    low: float
    high: float
    preactivations: Callable[[np.ndarray], np.ndarray]  # θ -> the network's own z (S,)
    selection: Callable[[np.ndarray], np.ndarray]  # z -> φ'(z) as the network computes it
    _maps: dict = field(default_factory=dict, compare=False, repr=False)

    @staticmethod
    def of(net: AbstractNetwork, X: np.ndarray) -> "LinearKinks | None":
        """The kinks of ``net`` on ``X``; None for a network without kinked activations.

        A ``ValueError`` for kinked networks whose switching surfaces are not hyperplanes
        (deeper MLPs): their Clarke flow is not integrated here."""
        if isinstance(net, MLP):
            kinked = [a for a in net.activations if a.name in ("relu", "leaky_relu")]
            if not kinked:
                return None
            if net.depth != 2 or net.bias or net.widths[-1] != 1:
                raise ValueError("kinked activations are integrated for two-layer MLPs without biases "
                                 "and one output (hyperplane switching surfaces) only")
            d, m = net.widths[0], net.widths[1]
            act = net.activations[0]
            N = np.zeros((X.shape[0] * m, net.size))
            for n in range(X.shape[0]):
                for j in range(m):
                    N[n * m + j, j * d:(j + 1) * d] = X[n]
            point, unit = np.divmod(np.arange(X.shape[0] * m), m)
            out_index = m * d + unit

            def pre(theta: np.ndarray) -> np.ndarray:
                return net.layers(net.unflatten(theta), X)[0][0].reshape(-1)
        elif isinstance(net, Conv1D):
            act = net.act
            if act.name not in ("relu", "leaky_relu"):
                return None
            P = net.patches(X)  # (n, J, s)
            n_pts, J, s = P.shape
            N = np.zeros((n_pts * J, net.size))
            N[:, :s] = P.reshape(-1, s)
            point, unit = np.divmod(np.arange(n_pts * J), J)
            out_index = s + unit

            def pre(theta: np.ndarray) -> np.ndarray:
                return (P @ theta[:s]).reshape(-1)
        else:
            return None
        return LinearKinks(N, point, unit, out_index, float(act.slope), 1.0, pre,
                           lambda z: np.asarray(act.derivative(z), dtype=float))

    def signed_preactivations(self, theta: np.ndarray) -> np.ndarray:
        """``z = Nθ``, or the network's own pre-activations where a sign could differ from them
        (``|z_i|`` within rounding of 0): the selection must be the one back-propagation used."""
        z = self.normals @ theta
        if np.any(np.abs(z) <= 1e-12 * self.scale * float(np.abs(theta).max())):
            return self.preactivations(theta)
        return z

    @cached_property
    def scale(self) -> float:
        return float(np.abs(self.normals).sum(axis=1).max())

    def unit_weights(self, theta: np.ndarray, cotangent: np.ndarray) -> np.ndarray:
        """``w_i = (∂ℒ/∂f_{point i})·a_{unit i}``: ``∂ℒ/∂θ`` changes by ``δ·w_i·N_i`` when the
        selection ``φ'(z_i)`` changes by ``δ``."""
        return cotangent.reshape(-1)[self.point] * theta[self.out_index]

    def twins(self, i: int) -> tuple[int, ...]:
        """The surfaces identical to surface ``i`` (the same unit on repeated data points): they
        are crossed, entered and left together."""
        if "_twins" not in self._maps:
            groups: dict[bytes, list[int]] = {}
            for k in range(self.normals.shape[0]):
                groups.setdefault(self.normals[k].tobytes(), []).append(k)
            self._maps["_twins"] = {k: tuple(g) for g in groups.values() for k in g}
        return self._maps["_twins"][i]

    def coefficients(self, sliding: tuple[int, ...]) -> tuple[np.ndarray, np.ndarray]:
        """``(N_S, C_S)`` with ``C_S = (N_S N_Sᵀ)⁺ N_S``: ``v - N_Sᵀ C_S v`` is ``v`` projected onto
        the surfaces ``sliding`` (computed once per sliding set)."""
        if sliding not in self._maps:
            Ns = self.normals[list(sliding)]
            self._maps[sliding] = (Ns, np.linalg.pinv(Ns @ Ns.T) @ Ns)
        return self._maps[sliding]

    def project(self, v: np.ndarray, sliding: tuple[int, ...]) -> np.ndarray:
        """``v`` projected orthogonally onto the surfaces ``z_i = 0``, ``i ∈ sliding``."""
        if not sliding:
            return v
        Ns, C = self.coefficients(sliding)
        return v - Ns.T @ (C @ v)


# ---------------------------------------------------------------------------- the classifier


@dataclass(frozen=True)
class Classifier:
    """``ℒ(θ) = Σ_n ℓ(y_n f(x_n; θ))`` on float64 data, with ``θ`` a flat parameter vector."""

    net: AbstractNetwork
    X: np.ndarray
    y: np.ndarray  # (m, 1), entries ±1
    loss: Loss

    @cached_property
    def kinks(self) -> LinearKinks | None:
        return LinearKinks.of(self.net, self.X)

    @cached_property
    def _blocks(self) -> list[tuple[int, int, tuple[int, ...]]]:
        out, k = [], 0
        for shape in self.net.shapes():
            n = int(np.prod(shape))
            out.append((k, k + n, shape))
            k += n
        return out

    def params(self, theta: np.ndarray) -> list[np.ndarray]:
        """The network's parameter arrays as views of ``θ`` (``net.unflatten`` without its per-call
        shape arithmetic, which dominates the cost of a field evaluation on small networks)."""
        return [theta[a:b].reshape(shape) for a, b, shape in self._blocks]

    def margins(self, theta: np.ndarray) -> np.ndarray:
        """``q_n = y_n f(x_n; θ)`` (length ``m``)."""
        return (self.net.forward(self.params(theta), self.X) * self.y).reshape(-1)

    def log_loss(self, theta: np.ndarray) -> float:
        """``log ℒ(θ)`` (logsumexp of the log terms: no underflow)."""
        return _logsumexp(self.loss.log_terms(self.margins(theta)))

    def normalised_cotangent(self, q: np.ndarray) -> tuple[float, np.ndarray]:
        """``log ℒ`` and ``(∂ℒ/∂f)/ℒ = -y·(ℓ(q_n)/ℒ)·(g(q_n)/ℓ(q_n))`` (``m × 1``) from the margins."""
        terms = self.loss.log_terms(q)
        log_total = _logsumexp(terms)
        log_weights = terms - log_total
        if self.loss.name != "exp":  # g/ℓ = exp(log g - log ℓ), log g(q) = -log(1 + e^q)
            log_weights = log_weights - np.logaddexp(0.0, q) - terms
        return log_total, -self.y * np.exp(log_weights).reshape(-1, 1)

    def log_loss_and_normalised_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``log ℒ(θ)``, ``∇ℒ(θ)/ℒ(θ)`` (the network's own selection at kinks) and the normalised
        output cotangent, from one forward and one backward pass."""
        params = self.params(theta)
        F = self.net.forward(params, self.X)
        log_total, G = self.normalised_cotangent((F * self.y).reshape(-1))
        return log_total, self.net.flatten(self.net.backward(params, self.X, G)), G

    def normalised_gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇ℒ(θ)/ℒ(θ)`` with the network's own (autodiff) selection at kinks."""
        return self.log_loss_and_normalised_gradient(theta)[1]

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇ℒ(θ) = ℒ·(∇ℒ/ℒ)`` (underflows to 0 once ``ℒ < 1e-308``, as it should)."""
        log_total, G, _ = self.log_loss_and_normalised_gradient(theta)
        return math.exp(log_total) * G

    def side_gradient(self, theta: np.ndarray, signs: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``log ℒ``, ``∇ℒ/ℒ`` of the smooth field of one side of every kink, and the selections.

        Unit ``i`` is given ``φ'(z_i) = high`` where ``signs_i > 0``, ``low`` where ``signs_i < 0``
        and the network's own value where ``signs_i = 0``, whatever the sign of ``z_i`` at ``θ``:
        the field of a piece extends smoothly across its surfaces, so a trial step of the
        integrator that overshoots a surface sees no jump (the event then locates the crossing).
        """
        log_total, G, cot = self.log_loss_and_normalised_gradient(theta)
        kinks = self.kinks
        if kinks is None:
            return log_total, G, np.zeros(0)
        used = kinks.selection(kinks.signed_preactivations(theta))
        wanted = np.where(signs > 0, kinks.high, np.where(signs < 0, kinks.low, used))
        delta = (wanted - used) * kinks.unit_weights(theta, cot)
        if np.any(delta):
            G = G + kinks.normals.T @ delta
        return log_total, G, wanted

    def piece_velocity(self, theta: np.ndarray, piece: "Piece") -> tuple[float, np.ndarray]:
        """``log ℒ`` and the gradient-flow velocity ``-∇ℒ/ℒ`` on ``piece``: the side field,
        projected onto the surfaces the flow slides on (the Clarke/Filippov velocity)."""
        log_total, G, _ = self.side_gradient(theta, piece.signs)
        return log_total, -(self.kinks.project(G, piece.sliding) if piece.sliding else G)

    def selections(self, theta: np.ndarray, piece: "Piece") -> np.ndarray:
        """The Clarke selections ``σ_i = φ'(z_i)``, ``i`` in ``piece.sliding``, that make the flow
        tangent to the sliding surfaces (admissible while each lies in ``[low, high]``):
        projecting ``G`` subtracts ``N_Sᵀc``, i.e. changes ``φ'(z_i)`` by ``-c_i/w_i``."""
        kinks = self.kinks
        _, G, wanted = self.side_gradient(theta, piece.signs)
        _, cot = self.normalised_cotangent(self.margins(theta))
        idx = list(piece.sliding)
        coeff = kinks.coefficients(piece.sliding)[1] @ G
        w = kinks.unit_weights(theta, cot)[idx]
        # a point whose loss weight underflows (w = 0) no longer distinguishes the two sides: with
        # no push (coeff = 0) the selection is immaterial, else the flow leaves the surface (±∞)
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(w != 0, wanted[idx] - coeff / np.where(w != 0, w, 1.0),
                            np.where(coeff == 0, wanted[idx], -np.sign(coeff) * np.inf))

    def piece_at(self, theta: np.ndarray, sliding: tuple[int, ...] = ()) -> "Piece":
        """The piece of a point: the side of each surface, 0 on the sliding ones."""
        if self.kinks is None:
            return Piece.smooth()
        signs = np.sign(self.kinks.preactivations(theta))
        signs[list(sliding)] = 0.0
        return Piece(signs, tuple(sliding))

    def margin_gradients(self, theta: np.ndarray, piece: "Piece", sigma: np.ndarray | None = None) -> np.ndarray:
        """``∇q_n(θ)`` for every point (rows), with the piece's selection at kinks: the side's
        derivative off the sliding surfaces, the selections ``sigma`` on them (default: the Clarke
        selections of the flow at ``θ`` itself; pass the flow's ``σ`` when ``θ`` is a rescaled
        point, since ``σ`` depends on the loss weights, which rescaling changes).  ``∂q_n/∂θ``
        depends on ``φ'(z_i)``, ``i = (n, j)``, through ``y_n a_j φ'(z_i) N_i``."""
        params = self.params(theta)
        m = self.X.shape[0]
        rows = []
        for n in range(m):
            G = np.zeros((m, 1))
            G[n, 0] = self.y[n, 0]
            rows.append(self.net.flatten(self.net.backward(params, self.X, G)))
        R = np.array(rows)
        kinks = self.kinks
        if kinks is not None:
            used = kinks.selection(kinks.preactivations(theta))
            wanted = np.where(piece.signs > 0, kinks.high, np.where(piece.signs < 0, kinks.low, used))
            if piece.sliding:
                wanted[list(piece.sliding)] = self.selections(theta, piece) if sigma is None else sigma
            delta = (wanted - used) * theta[kinks.out_index] * self.y[kinks.point, 0]
            for i in np.flatnonzero(delta):
                R[kinks.point[i]] += delta[i] * kinks.normals[i]
        return R


@dataclass(frozen=True)
class Piece:
    """Where the flow is between two kink events: the side ``signs_i = ±1`` of every surface it
    does not slide on (0 for those it slides on) and the sliding set."""

    signs: np.ndarray
    sliding: tuple[int, ...] = ()

    @staticmethod
    def smooth() -> "Piece":
        return Piece(np.zeros(0))


# ---------------------------------------------------------------------------- clocks


CLOCKS = ("loss", "arc")


def state_theta(state: np.ndarray, P: int) -> np.ndarray:
    """``θ = e^r u`` from a clock state ``(u, r, log t, path)``."""
    return math.exp(state[P]) * state[:P]


def initial_state(theta0: np.ndarray) -> np.ndarray:
    """The clock state ``(u, r, log t, path) = (θ₀/‖θ₀‖, log‖θ₀‖, 0, 0)`` at ``t = 1``."""
    theta0 = np.asarray(theta0, dtype=float)
    rho = float(np.linalg.norm(theta0))
    return np.concatenate([theta0 / rho, [math.log(rho), 0.0, 0.0]])


def homogeneity_degree(net: AbstractNetwork) -> int | None:
    """``K`` with ``f(cθ; x) = c^K f(θ; x)`` for ``c > 0``, or None (not homogeneous)."""
    if isinstance(net, MLP):
        return net.homogeneity()
    if isinstance(net, Conv1D):
        return None if net.act.degree is None else net.act.degree + 1
    return None


def log_clock_factor(clock: str, power: float, log_total: float, V: np.ndarray) -> float:
    """``log c`` of a clock (:func:`clock_field`): ``-½ log‖V‖²`` for arc length, ``-a log|log ℒ|``
    for the rescaled loss clock (``+∞`` while ``ℒ ≥ 1``, where it is undefined)."""
    if clock == "arc":
        return -0.5 * math.log(float(V @ V))
    if power:
        return -power * math.log(-log_total) if log_total < 0 else math.inf
    return 0.0


def clock_field(problem: Classifier, clock: str, piece: Piece | None = None) -> Callable[[float, np.ndarray], np.ndarray]:
    """The right-hand side in ``clock`` of the state ``(u, r, log t, path)``, ``θ = e^r u``.

    With ``V = -∇ℒ/ℒ`` (the Clarke velocity on the piece) a clock is a factor ``c(θ) > 0``:
    ``dθ/ds = cV`` and ``dt/ds = c/ℒ``, so ``d(log t)/ds = c·exp(-log t - log ℒ)``.
    Loss-normalised time is ``c = |log ℒ|^{-a}`` with ``a = 1 - 2/K`` for a ``K``-homogeneous
    network (0 otherwise): since ``ℒ ≈ 1/(t (log t)^{2-2/K})`` late in training (LL-T4.3's rate),
    ``s`` then grows like ``log log t`` for every ``K`` (plain loss-normalised time, ``a = 0``, does
    so only for ``K = 2``; for ``K ≥ 3`` it reaches ``log t = ∞`` at a finite ``s``); ``|log ℒ| > 0``
    needs ``ℒ < 1``, true once ``ℒ < ℓ(0)``.  Arc length is ``c = 1/‖V‖``.

    The direction ``u`` (kept near the unit sphere) and ``r = log‖θ‖`` are integrated instead of
    ``θ``, whose norm grows without bound while some of its coordinates stay near 0: relative
    and absolute tolerances then mean the same thing on every coordinate.  Exactly:
    ``du/ds = (cV - u⟨u,cV⟩/‖u‖²)/e^r``, ``dr/ds = ⟨u,cV⟩/(‖u‖²e^r)`` (so ``d(e^r u)/ds = cV``) and
    ``d path/ds = ‖du/ds‖/‖u‖``.  ``d(log t)/ds`` is capped at ``√(max/(P+3))·ε``: the solver divides
    the field by tolerances ``≥ ε`` and sums squares over the ``P + 3`` coordinates, which must stay
    finite (a start with a tiny loss, ``ℒ(θ₀) ≈ e^{-1000}``, would otherwise overflow).  The cap
    is harmless: ``θ`` does not depend on ``log t``, and ``log t`` is attracted to its true value
    at a rate of the size of that derivative once the cap is inactive.  (Carrying ``log t + log ℒ``, which stays of order ``log log t``,
    instead of ``log t`` was tried: its derivative is a difference of two terms of order ``log t``
    whose rounding noise then dominates the error control, and the integrator crawls.)
    """
    if clock not in CLOCKS:
        raise ValueError(f"unknown clock {clock!r}; choose one of {', '.join(CLOCKS)}")
    P = problem.net.size
    K = homogeneity_degree(problem.net)
    power = 1.0 - 2.0 / K if K else 0.0
    piece = piece or Piece.smooth()
    finfo = np.finfo(float)
    log_rate_cap = math.log(math.sqrt(float(finfo.max) / (P + 3)) * float(finfo.eps))

    def rhs(s: float, state: np.ndarray) -> np.ndarray:
        u, r, logt = state[:P], state[P], state[P + 1]
        log_total, V = problem.piece_velocity(np.exp(r) * u, piece)
        log_c = log_clock_factor(clock, power, log_total, V)
        with np.errstate(over="ignore"):  # inf on a wild Newton iterate: the step is retried
            c, scale = float(np.exp(log_c)), float(np.exp(-r))
            uu = float(u @ u)
            radial = c * float(u @ V) / uu
            out = np.empty_like(state)
            out[:P] = (c * V - radial * u) * scale
            out[P] = radial * scale
            out[P + 1] = float(np.exp(min(log_c - logt - log_total, log_rate_cap)))
            out[P + 2] = float(np.linalg.norm(out[:P])) / math.sqrt(uu)
        return out

    return rhs


def clock_jacobian(problem: Classifier, rhs: Callable[[float, np.ndarray], np.ndarray]) -> Callable[[float, np.ndarray], np.ndarray]:
    """Jacobian of a clock field: forward differences in ``(u, r)``, exact in ``log t``.

    One increment serves every coordinate: ``h = √(ε/max(1, max_n |q_n|))``.  The field is a
    softmax of the margins, so it varies on the scale of an O(1) change of the margins, and a
    change ``h`` of ``u`` moves them by about ``K|q|h``; the rounding error of the margins is
    ``ε|q|``, so this ``h`` balances truncation (``∝ |q|h``) against rounding (``∝ ε/h``).
    Per-coordinate increments (LSODA's own differencing) are far too large late in training, and
    ``√ε/|q|`` is too small: both stall the Newton iterations.  ``∂/∂log t`` of ``d log t/ds`` is
    ``-d log t/ds``; nothing else depends on ``log t`` or on the path length.
    """
    P = problem.net.size
    step = math.sqrt(np.finfo(float).eps)

    def jac(s: float, state: np.ndarray) -> np.ndarray:
        f0 = rhs(s, state)
        h = step / math.sqrt(max(1.0, float(np.abs(problem.margins(state_theta(state, P))).max())))
        J = np.zeros((state.size, state.size))
        probe = state.copy()
        for i in range(P + 1):
            probe[i] = state[i] + h
            J[:, i] = (rhs(s, probe) - f0) / h
            probe[i] = state[i]
        J[P + 1, P + 1] = -f0[P + 1]
        return J

    return jac


def horizon_ladder(top: float, per_decade: int = 4, first: float = 10.0) -> np.ndarray:
    """Geometric rungs ``first·10^{k/per_decade}`` of ``log t`` up to ``top`` (both included)."""
    if top <= first:
        raise ValueError(f"the horizon {top:g} must exceed the first rung {first:g}")
    n = int(round(per_decade * math.log10(top / first)))
    return first * 10.0 ** (np.arange(n + 1) / per_decade)


@dataclass
class Trajectory:
    """A flow sampled where ``log t`` crosses each rung of a ladder.

    ``thetas[k]`` is ``θ`` at ``log t = logt[k]`` (``t`` counted from ``θ(1) = θ₀``); ``path[k]``
    the path length of ``θ̂`` since the start; ``sliding[k]`` the surfaces the flow slides on
    there.  ``steps``/``evaluations`` count the integrator's work, ``switches`` kink events.
    """

    logt: np.ndarray
    thetas: np.ndarray
    path: np.ndarray
    sliding: list[tuple[int, ...]]
    rtol: float
    method: str
    clock_name: str
    steps: int = 0
    evaluations: int = 0
    switches: int = 0
    seconds: float = 0.0

    def describe(self) -> str:
        return (f"{self.clock_name} clock, {self.method} at rtol {self.rtol:g} to log t = {self.logt[-1]:.3g} "
                f"({self.steps} steps, {self.evaluations} field evaluations, {self.switches} kink events)")


SOLVERS = {"BDF": BDF, "LSODA": LSODA, "Radau": Radau, "RK45": RK45, "DOP853": DOP853}


def integrate_flow(problem: Classifier, theta0: np.ndarray, ladder: np.ndarray, *, clock: str = "loss",
                   rtol: float = 1e-8, method: str = "BDF", max_switches: int = 500,
                   max_steps: int | None = None) -> Trajectory:
    """Integrate gradient flow from ``θ(t=1) = θ₀`` in ``clock`` until ``log t`` reaches
    ``ladder[-1]``, sampling ``θ`` where ``log t`` crosses each rung.

    ``method`` is a ``scipy.integrate`` solver (BDF, LSODA, Radau; RK45, DOP853 for non-stiff
    checks) at relative and absolute tolerance ``rtol`` (every state coordinate is of order one),
    stepped here so that events are located on its dense output by bisection: a rung crossing
    of ``log t``, a watched pre-activation reaching 0 from its side, a sliding selection ``σ``
    leaving ``[low, high]``.  A kink event is *armed* only once its value is clearly on the
    right side (above ``1e-12`` relative), so a piece that starts on a surface (just crossed,
    or a unit frozen exactly at its kink) does not fire at once.  More than ``max_switches``
    kink events (chattering, which the Filippov construction should have removed) raise
    :class:`FlowError`, as do more than ``max_steps`` solver steps (a work budget, not a clock: the
    same run succeeds or fails on an idle and on a loaded machine).
    """
    start = time.perf_counter()
    P = problem.net.size
    kinks = problem.kinks
    ladder = np.asarray(ladder, dtype=float)
    state = initial_state(theta0)
    piece = _start_piece(problem, np.asarray(theta0, dtype=float)) if kinks else Piece.smooth()
    if kinks:
        state[:P] = kinks.project(state[:P], piece.sliding)
    s, state[P + 1] = _frozen_start(problem, clock, piece, state)
    samples: list[tuple[np.ndarray, tuple[int, ...]]] = [  # rungs passed while θ is frozen at θ₀
        (np.concatenate([state[:P + 1], [h], state[P + 2:]]), piece.sliding) for h in ladder if h <= state[P + 1]]
    steps = evaluations = switches = 0
    while len(samples) < len(ladder):
        rhs = clock_field(problem, clock, piece)
        jac = clock_jacobian(problem, rhs) if method in ("LSODA", "Radau", "BDF") else None
        options = {"jac": jac} if jac is not None else {}
        solver = SOLVERS[method](rhs, s, state, 1e300, rtol=rtol, atol=rtol, **options)
        kink_values = _kink_values(problem, piece) if kinks else None
        armed = _armed(kink_values(state)) if kinks else None
        fired = None
        while fired is None:
            try:
                message = solver.step()
            except (ValueError, FloatingPointError) as exc:  # non-finite values inside the solver
                raise FlowError(f"{method} failed at log t = {solver.t:.6g}: {exc}") from None
            steps += 1
            if max_steps is not None and steps > max_steps:
                raise FlowError(f"more than {max_steps} solver steps by log t = {solver.y[P + 1]:.4g} (work budget)")
            if solver.status == "failed" or not np.all(np.isfinite(solver.y)):
                raise FlowError(f"{method} failed at log t = {solver.y_old[P + 1] if solver.y_old is not None else 0:.6g}: {message}")
            dense = solver.dense_output()
            t_old, t_new = solver.t_old, solver.t
            if kinks:
                g = kink_values(solver.y)
                hits = np.flatnonzero(armed & (g <= 0))
                if hits.size:
                    roots = [_root(lambda t, k=k: kink_values(dense(t))[k], t_old, t_new) for k in hits]
                    fired = (min(roots), int(hits[int(np.argmin(roots))]))
                    t_new = fired[0]
                armed |= _armed(g)
            while len(samples) < len(ladder) and dense(t_new)[P + 1] >= ladder[len(samples)]:
                h = ladder[len(samples)]
                t_h = _root(lambda t: dense(t)[P + 1] - h, t_old, t_new)
                samples.append((dense(t_h), piece.sliding))
            if len(samples) == len(ladder):
                break
        evaluations += int(solver.nfev)
        if len(samples) == len(ladder):
            break
        s, state = fired[0], dense(fired[0]).copy()
        switches += 1
        if switches > max_switches:
            raise FlowError(f"more than {max_switches} kink events by log t = {state[P + 1]:.4g} (chattering)")
        piece = _next_piece(problem, state_theta(state, P), piece, fired[1])
        state[:P] = kinks.project(state[:P], piece.sliding)
    Y = np.array([y for y, _ in samples])
    thetas = np.exp(Y[:, P])[:, None] * Y[:, :P]
    return Trajectory(logt=Y[:, P + 1], thetas=thetas, path=Y[:, P + 2], sliding=[sl for _, sl in samples],
                      rtol=rtol, method=method, clock_name=clock, steps=steps, evaluations=evaluations,
                      switches=switches, seconds=time.perf_counter() - start)


def _frozen_start(problem: Classifier, clock: str, piece: Piece, state: np.ndarray) -> tuple[float, float]:
    """``(s₀, log t(s₀))``: the clock's start advanced in closed form over the interval in which ``θ``
    moves by less than its rounding, ``s₀ = ε·ρ/(c‖V‖)``.  There ``c`` and ``ℒ`` are constant to
    rounding, so ``dt/ds = c/ℒ`` integrates to ``t(s₀) = 1 + s₀c/ℒ``.  From a start with a tiny loss
    (``ℒ(θ₀) ≈ e^{-500}``) ``log t`` leaps by hundreds over that interval, a ramp ``log t ≈ log s +
    const`` that an integrator would otherwise follow in thousands of geometrically growing steps."""
    P = problem.net.size
    K = homogeneity_degree(problem.net)
    log_total, V = problem.piece_velocity(state_theta(state, P), piece)
    log_c = log_clock_factor(clock, 1.0 - 2.0 / K if K else 0.0, log_total, V)
    speed = float(np.linalg.norm(V))
    if not math.isfinite(log_c) or speed == 0:
        return 0.0, float(state[P + 1])
    log_s0 = math.log(np.finfo(float).eps) + state[P] - log_c - math.log(speed)
    x = log_c - log_total + log_s0  # log(s₀c/ℒ)
    return math.exp(log_s0), (x + math.log1p(math.exp(-x)) if x > 0 else math.log1p(math.exp(x)))


def _root(f: Callable[[float], float], a: float, b: float) -> float:
    """A zero of ``f`` on ``[a, b]`` (brentq), or ``b`` when the dense output's values at the ends do
    not bracket one (rounding: the step's own values did)."""
    fa, fb = f(a), f(b)
    if fa == 0:
        return a
    if fa * fb > 0:
        return b
    return brentq(f, a, b, xtol=1e-14 * max(1.0, abs(b)), rtol=4 * np.finfo(float).eps)


def _armed(values: np.ndarray) -> np.ndarray:
    return values > 1e-12


def _kink_values(problem: Classifier, piece: Piece) -> Callable[[np.ndarray], np.ndarray]:
    """The kink events of a piece as one vector function of the state: ``z_i·sign_i`` for the
    surfaces off the piece (``+∞`` on the sliding ones), then ``σ_i − low`` and ``high − σ_i`` for
    the sliding ones; an event fires when a value reaches 0 from above."""
    kinks = problem.kinks
    P = problem.net.size
    off = piece.signs != 0

    def values(state: np.ndarray) -> np.ndarray:
        z = np.where(off, kinks.preactivations(state[:P]) * piece.signs, np.inf)
        if not piece.sliding:
            return z
        sigma = problem.selections(state_theta(state, P), piece)
        return np.concatenate([z, sigma - kinks.low, kinks.high - sigma])

    return values


def _start_piece(problem: Classifier, theta: np.ndarray) -> Piece:
    """The piece of a starting point: the side of each surface off it; on a surface (an exact zero
    pre-activation), the side whose field moves away from it, or sliding when both sides' fields
    push into it (surface by surface, with their twins)."""
    kinks = problem.kinks
    piece = Piece(np.sign(kinks.preactivations(theta)))
    done: set[int] = set()
    for i in np.flatnonzero(piece.signs == 0):
        if i in done:
            continue
        group = list(kinks.twins(int(i)))
        done.update(group)
        rates = {}
        for side in (1.0, -1.0):
            signs = piece.signs.copy()
            signs[group] = side
            _, G, _ = problem.side_gradient(theta, signs)
            rates[side] = -float(kinks.normals[i] @ kinks.project(G, piece.sliding))  # dz_i/dt on that side
        if rates[1.0] <= 0 < rates[-1.0] or rates[1.0] < 0 <= rates[-1.0]:
            piece = Piece(piece.signs, piece.sliding + tuple(group))
        else:
            signs = piece.signs.copy()
            signs[group] = 1.0 if rates[1.0] > 0 else -1.0
            piece = Piece(signs, piece.sliding)
    return piece


def _next_piece(problem: Classifier, theta: np.ndarray, piece: Piece, slot: int) -> Piece:
    """The piece after the kink event in slot ``slot`` of :func:`_kink_values`.

    A surface reached from one side is crossed (with its twins) when the field of its other side
    carries on across it, else the flow starts sliding on it (both sides push into it).  A sliding
    surface whose selection reaches ``low`` (``high``) is left, with its twins, to the side
    ``z < 0`` (``z > 0``)."""
    kinks = problem.kinks
    S = kinks.normals.shape[0]
    signs = piece.signs.copy()
    if slot < S:
        group = list(kinks.twins(slot))
        far = signs.copy()
        far[group] = -signs[slot]
        _, G_far, _ = problem.side_gradient(theta, far)
        if signs[slot] * float(kinks.normals[slot] @ kinks.project(G_far, piece.sliding)) > 0:
            return Piece(far, piece.sliding)  # -G_far moves z towards the far side: a crossing
        signs[group] = 0.0
        return Piece(signs, piece.sliding + tuple(group))
    k = slot - S
    group = kinks.twins(piece.sliding[k % len(piece.sliding)])
    signs[list(group)] = -1.0 if k < len(piece.sliding) else 1.0
    return Piece(signs, tuple(i for i in piece.sliding if i not in group))


# ---------------------------------------------------------------------------- ladders of horizons

PER_DECADE = 4  # rungs per decade of log t
ESCALATION_STEPS = 10_000  # solver steps per integration of an escalated (longer) run: about three times
# the most an escalated run of the default profile's instances takes (1,300 BDF, 3,000 LSODA steps)


def ladder_top(level: int) -> float:
    """``log t`` at the top of the ladder at escalation ``level``: ``10⁶``, then ``10⁷``.  Not beyond:
    the field is a softmax of margins ``q ≈ log t`` whose float64 rounding error is ``ε·q``, so past
    ``10⁷`` its relative noise (``ε·log t``) reaches the integration tolerance (:func:`checked_flow`)."""
    return 10.0 ** (6 + min(level, 1))


def ladder_rtol(rtol: float) -> float:
    """The integration tolerance for a profile's ``rtol``: a hundred times it, never below ``1e-8``,
    the smallest tolerance the stiff integrators meet reliably at ``log t = 10⁶..10⁷`` in float64."""
    return max(1e-8, 100 * rtol)





# ---------------------------------------------------------------------------- checked runs


@dataclass(frozen=True)
class CheckedFlow(Solution):
    """A run and its check on one ladder, as an integrator's :class:`~checker.integrators.Solution`:
    ``times`` are the requested rungs of ``log t``, ``thetas`` the run's ``θ`` where it crosses them, ``aux`` the path length
    of ``θ̂`` (``(path,)`` per rung), and ``error[k]`` the max-norm difference of ``(θ, path)``
    between the run and its check at rung ``k`` (``error_kind = "estimate"``).  Any quantity
    measured on both runs gets its own error the same way (:meth:`ladder`)."""

    problem: Classifier | None = None
    run: Trajectory | None = None
    check: Trajectory | None = None

    def ladder(self, theta0: np.ndarray, measures: Mapping[str, Callable[["Rung"], float]],
               exact: Mapping[str, Enclosure] | None = None, note: str = "", per_decade: int = PER_DECADE) -> Ladder:
        """The :class:`~checker.limits.Ladder` of the quantities ``measures`` (a function of a
        :class:`Rung` each) on every rung: the run's value, as an estimate whose radius is its
        difference to the check plus float64 rounding ``8ε(1 + |x|)``; ``logt`` (the rung, radius
        ``8ε·log t``); the constants ``exact`` on every rung."""
        horizons = tuple(float(h) for h in self.times)
        values: dict[str, tuple[Enclosure, ...]] = {
            name: tuple(value for _ in horizons) for name, value in (exact or {}).items()}
        values["logt"] = tuple(Enclosure.estimate(h, 8 * EPS * h, "the rung") for h in horizons)
        if measures:
            a, b = (rungs(self.problem, traj, theta0, per_decade) for traj in (self.run, self.check))
            for name, fn in measures.items():
                x, y = np.array([fn(r) for r in a]), np.array([fn(r) for r in b])
                err = np.abs(x - y) + 8 * EPS * (1 + np.abs(x))
                values[name] = tuple(Enclosure.estimate(v, e, note) for v, e in zip(x, err))
        return Ladder(horizons, values, "log t", note)


@shared(256)
def checked_flow(problem: Classifier, theta0: np.ndarray, ladder: np.ndarray, *, rtol: float = 1e-8,
                 clock: str = "loss", method: str = "BDF", check_rtol: float | None = None,
                 check_method: str = "LSODA", max_steps: int | None = None) -> CheckedFlow:
    """The integrator for classification flows: gradient flow of ``problem`` from ``θ(t=1) = θ₀``
    to each rung of ``ladder`` (in ``log t``), with its error estimate.

    Options: the reparametrised ``clock`` (``loss``: rescaled loss-normalised time; ``arc``: arc
    length; :func:`clock_field`), the stiff ``method`` (scipy's BDF, LSODA or Radau, with the
    margin-scaled Jacobian of :func:`clock_jacobian`) and, for kinked networks, the Clarke/Filippov
    flow through kink events (:func:`integrate_flow`: crossings, sliding, leaving).  The run
    (``method`` at ``rtol``) is repeated by its check (``check_method`` at ``check_rtol``, default
    ``rtol``) on the same ladder; the difference of any quantity between the two is its error
    estimate (:class:`CheckedFlow`): two independent error-controlled integrators (BDF and LSODA
    by default), or one integrator at two tolerances.  Memoised (:func:`checker.cache.shared`) on
    the problem, the start, the ladder and the options, so every statement about the same instance
    reuses one pair of runs.

    Tolerances have a narrow useful range late in training: the field is a softmax of margins
    ``q ≈ log t``, whose rounding noise (``ε·log t`` relative) stalls the Newton iterations of a
    tolerance much below ``1e-8`` at ``log t = 10⁶``, while much above ``1e-8`` the stiff steps
    become so long that the predictor reorders the margins and the step is rejected over and over
    — hence two methods at one tolerance rather than two tolerances a decade apart."""
    run = integrate_flow(problem, theta0, ladder, clock=clock, rtol=rtol, method=method, max_steps=max_steps)
    check = integrate_flow(problem, theta0, ladder, clock=clock, rtol=rtol if check_rtol is None else check_rtol,
                           method=check_method, max_steps=max_steps)
    error = np.max(np.abs(np.column_stack([run.thetas - check.thetas, run.path - check.path])), axis=1)
    return CheckedFlow(times=np.asarray(ladder, dtype=float), thetas=list(run.thetas), aux=[(p,) for p in run.path],
                       error=error, error_kind="estimate",
                       method=f"{run.describe()}; checked by {check.method} at rtol {check.rtol:g}",
                       evaluations=run.evaluations + check.evaluations, problem=problem, run=run, check=check)


# ---------------------------------------------------------------------------- rungs


class Rung:
    """A run at one rung of its ladder, with what the classifier's quantities there are made of
    (each computed once, on first use): ``theta``, ``rho = ‖θ‖``, ``unit = θ̂``, the ``margins``
    ``q_n``, the flow's ``piece`` (its kink sides and sliding set), ``log_loss = log ℒ`` and the flow's
    ``velocity`` ``−∇ℒ/ℒ`` (the Clarke velocity on kinks), the network's ``autodiff_velocity``
    (its own selection at kinks), the ``path`` length of ``θ̂`` since ``θ₀``, and ``decade_ago``:
    the rung one decade of ``log t`` earlier (None in the first decade, whose reference is
    ``start_unit = θ̂₀``)."""

    def __init__(self, problem: Classifier, theta: np.ndarray, sliding: tuple[int, ...], logt: float, path: float,
                 decade_ago: "Rung | None", start_unit: np.ndarray):
        self.problem, self.theta, self.sliding, self.logt, self.path = problem, theta, sliding, logt, path
        self.decade_ago, self.start_unit = decade_ago, start_unit

    @cached_property
    def rho(self) -> float:
        return float(np.linalg.norm(self.theta))

    @cached_property
    def unit(self) -> np.ndarray:
        return self.theta / self.rho

    @cached_property
    def margins(self) -> np.ndarray:
        return self.problem.margins(self.theta)

    @cached_property
    def piece(self) -> Piece:
        return self.problem.piece_at(self.theta, self.sliding)

    @cached_property
    def _flow(self) -> tuple[float, np.ndarray]:
        return self.problem.piece_velocity(self.theta, self.piece)

    @property
    def log_loss(self) -> float:
        return self._flow[0]

    @property
    def velocity(self) -> np.ndarray:
        return self._flow[1]

    @cached_property
    def autodiff_velocity(self) -> np.ndarray:
        return -self.problem.normalised_gradient(self.theta)

    @property
    def earlier_unit(self) -> np.ndarray:
        """``θ̂`` a decade of ``log t`` earlier (``θ̂₀`` in the first decade)."""
        return self.start_unit if self.decade_ago is None else self.decade_ago.unit

    @property
    def earlier_path(self) -> float:
        """The path length a decade of ``log t`` earlier (0 in the first decade)."""
        return 0.0 if self.decade_ago is None else self.decade_ago.path


def rungs(problem: Classifier, traj: Trajectory, theta0: np.ndarray, per_decade: int = PER_DECADE) -> list[Rung]:
    """The rungs of a run on a ladder with ``per_decade`` rungs a decade of ``log t``."""
    start = np.asarray(theta0, dtype=float) / float(np.linalg.norm(theta0))
    out: list[Rung] = []
    for k, (theta, sliding) in enumerate(zip(traj.thetas, traj.sliding)):
        out.append(Rung(problem, theta, sliding, float(traj.logt[k]), float(traj.path[k]),
                        out[k - per_decade] if k >= per_decade else None, start))
    return out
