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

(either combined with a factor that keeps ``log log t`` growing linearly while ``θ`` is frozen:
:class:`ClockField`).  ``∇ℒ/ℒ`` comes from the normalised loss derivatives (a softmax of the
margins for the exponential loss), never from ``ℒ``, through the network's vectorised kernel
(:mod:`checker.margin_kernels`).  The state is ``(u, r, ℓ)`` with ``θ = e^r u`` and ``ℓ = log(1 +
log t)``, every coordinate of order one; the length of the path of the direction ``θ/‖θ‖`` is the
arc length of the solver's dense output (:class:`FlowRun`).

Late in training the loss weights switch sharply between tied margins (a near sliding mode), so
the field is stiff: the integrator is implicit (scipy's BDF by default, LSODA or Radau on request)
with the field's exact Jacobian (:meth:`ClockField.jacobian`: per-point margin gradients and the
weighted Hessian of the margins).

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
from scipy.linalg.lapack import dgetrf, dgetrs
from scipy.optimize import brentq

from .arith import Enclosure
from .cache import shared
from .integrators import Solution
from .limits import Ladder
from .losses import Loss
from .margin_kernels import Kernel, margin_kernel
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

            def pre(theta: np.ndarray) -> np.ndarray:  # the first layer X·W₁ᵀ, as net.layers computes it
                return (X @ theta[:m * d].reshape(m, d).T).reshape(-1)
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


@dataclass
class FlowPoint:
    """The flow's field at one point of a piece: ``log ℒ``, the side's normalised gradient
    ``G = ∇ℒ/ℒ`` (its selection at kinks), the velocity ``V = -ΠG`` (``Π`` the projection onto the
    sliding surfaces, the identity off them) and, on request, ``dV = ∂V/∂θ``.

    With ``w_n = ℓ'(q_n)/ℒ``, ``h_n = ℓ''(q_n)/ℒ`` and ``J`` the per-point margin gradients,
    ``G = Jᵀw`` and ``∂G/∂θ = Jᵀdiag(h)J − GGᵀ + Σ_n w_n∇²q_n`` (``∂w_n/∂q_k = h_nδ_nk − w_nw_k``);
    within a piece the side's selections are constant, so this is the exact Jacobian of the
    piece's field."""

    log_total: float
    G: np.ndarray
    V: np.ndarray
    dV: np.ndarray | None = None


@dataclass(frozen=True)
class Classifier:
    """``ℒ(θ) = Σ_n ℓ(y_n f(x_n; θ))`` on float64 data, with ``θ`` a flat parameter vector.

    Margins, gradients and Hessians come from the network's vectorised kernel
    (:func:`checker.margin_kernels.margin_kernel`: one forward pass per point ``θ``, reused)."""

    net: AbstractNetwork
    X: np.ndarray
    y: np.ndarray  # (m, 1), entries ±1
    loss: Loss

    @cached_property
    def kinks(self) -> LinearKinks | None:
        return LinearKinks.of(self.net, self.X)

    @cached_property
    def kernel(self) -> Kernel:
        return margin_kernel(self.net, self.X, self.y)

    def margins(self, theta: np.ndarray) -> np.ndarray:
        """``q_n = y_n f(x_n; θ)`` (length ``m``)."""
        return self.kernel.forward(theta).q

    def log_loss(self, theta: np.ndarray) -> float:
        """``log ℒ(θ)`` (logsumexp of the log terms: no underflow)."""
        return _logsumexp(self.loss.log_terms(self.margins(theta)))

    def normalised_cotangent(self, q: np.ndarray) -> tuple[float, np.ndarray]:
        """``log ℒ`` and ``(∂ℒ/∂f)/ℒ = y·ℓ'(q_n)/ℒ`` (``m × 1``) from the margins."""
        log_total, w, _ = self.loss.normalised_derivatives(q)
        return log_total, self.y * w.reshape(-1, 1)

    def log_loss_and_normalised_gradient(self, theta: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``log ℒ(θ)``, ``∇ℒ(θ)/ℒ(θ)`` (the network's own selection at kinks) and the normalised
        output cotangent, from one forward and one backward pass."""
        p = self.kernel.forward(theta)
        log_total, w, _ = self.loss.normalised_derivatives(p.q)
        return log_total, self.kernel.gradient(p, w), self.y * w.reshape(-1, 1)

    def normalised_gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇ℒ(θ)/ℒ(θ)`` with the network's own (autodiff) selection at kinks."""
        return self.log_loss_and_normalised_gradient(theta)[1]

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        """``∇ℒ(θ) = ℒ·(∇ℒ/ℒ)`` (underflows to 0 once ``ℒ < 1e-308``, as it should)."""
        log_total, G, _ = self.log_loss_and_normalised_gradient(theta)
        return math.exp(log_total) * G

    def side_slopes(self, pre: np.ndarray | None, signs: np.ndarray) -> np.ndarray | None:
        """The selections ``φ'(z_i)`` of one side of every kink: ``high`` where ``signs_i > 0``,
        ``low`` where ``signs_i < 0`` and the network's own value where ``signs_i = 0``, whatever the
        sign of the pre-activation ``z_i`` (``pre``): the field of a piece extends smoothly across its
        surfaces, so a trial step of the integrator that overshoots a surface sees no jump (the
        event then locates the crossing).  None without kinks."""
        kinks = self.kinks
        if kinks is None:
            return None
        slopes = np.where(signs > 0, kinks.high, kinks.low)
        on = signs == 0
        if on.any():
            slopes[on] = kinks.selection(pre[on])
        return slopes

    def side_gradient(self, theta: np.ndarray, signs: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``log ℒ``, ``∇ℒ/ℒ`` of the smooth field of one side of every kink (:meth:`side_slopes`),
        and those selections (empty without kinks)."""
        p = self.kernel.forward(theta)
        slopes = self.side_slopes(p.pre, signs)
        log_total, w, _ = self.loss.normalised_derivatives(p.q)
        return log_total, self.kernel.gradient(p, w, slopes), np.zeros(0) if slopes is None else slopes

    def flow_point(self, theta: np.ndarray, piece: "Piece", jacobian: bool = False) -> FlowPoint:
        """The field of ``piece`` at ``θ`` (:class:`FlowPoint`), with ``∂V/∂θ`` when ``jacobian``."""
        kernel = self.kernel
        p = kernel.forward(theta)
        slopes = self.side_slopes(p.pre, piece.signs)
        log_total, w, h = self.loss.normalised_derivatives(p.q)
        G = kernel.gradient(p, w, slopes)
        sliding = piece.sliding
        V = -(self.kinks.project(G, sliding) if sliding else G)
        if not jacobian:
            return FlowPoint(log_total, G, V)
        J = kernel.jacobian(p, slopes)
        dG = (J.T * h) @ J - np.outer(G, G) + kernel.hessian(p, w, slopes)
        dV = -(self.kinks.project(dG, sliding) if sliding else dG)
        return FlowPoint(log_total, G, V, dV)

    def piece_velocity(self, theta: np.ndarray, piece: "Piece") -> tuple[float, np.ndarray]:
        """``log ℒ`` and the gradient-flow velocity ``-∇ℒ/ℒ`` on ``piece``: the side field,
        projected onto the surfaces the flow slides on (the Clarke/Filippov velocity)."""
        point = self.flow_point(theta, piece)
        return point.log_total, point.V

    def selections(self, theta: np.ndarray, piece: "Piece") -> np.ndarray:
        """The Clarke selections ``σ_i = φ'(z_i)``, ``i`` in ``piece.sliding``, that make the flow
        tangent to the sliding surfaces (admissible while each lies in ``[low, high]``):
        projecting ``G`` subtracts ``N_Sᵀc``, i.e. changes ``φ'(z_i)`` by ``-c_i/w_i``."""
        kinks = self.kinks
        p = self.kernel.forward(theta)
        wanted = self.side_slopes(p.pre, piece.signs)
        _, w_loss, _ = self.loss.normalised_derivatives(p.q)
        G = self.kernel.gradient(p, w_loss, wanted)
        idx = list(piece.sliding)
        coeff = kinks.coefficients(piece.sliding)[1] @ G
        w = kinks.unit_weights(theta, self.y * w_loss.reshape(-1, 1))[idx]
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
        point, since ``σ`` depends on the loss weights, which rescaling changes)."""
        p = self.kernel.forward(theta)
        slopes = self.side_slopes(p.pre, piece.signs) if self.kinks is not None else None
        if slopes is not None and piece.sliding:
            slopes[list(piece.sliding)] = self.selections(theta, piece) if sigma is None else sigma
        return self.kernel.jacobian(p, slopes)


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
    """``θ = e^r u`` from a clock state ``(u, r, ℓ)``."""
    return math.exp(state[P]) * state[:P]


def initial_state(theta0: np.ndarray) -> np.ndarray:
    """The clock state ``(u, r, ℓ) = (θ₀/‖θ₀‖, log‖θ₀‖, 0)`` at ``t = 1``, with ``θ = e^r u`` and
    ``ℓ = log(1 + log t)`` (:class:`ClockField`)."""
    theta0 = np.asarray(theta0, dtype=float)
    rho = float(np.linalg.norm(theta0))
    return np.concatenate([theta0 / rho, [math.log(rho), 0.0]])


def homogeneity_degree(net: AbstractNetwork) -> int | None:
    """``K`` with ``f(cθ; x) = c^K f(θ; x)`` for ``c > 0``, or None (not homogeneous)."""
    if isinstance(net, MLP):
        return net.homogeneity()
    if isinstance(net, Conv1D):
        return None if net.act.degree is None else net.act.degree + 1
    return None


def log_clock_factor(clock: str, power: float, log_total: float, V: np.ndarray) -> float:
    """``log c₀`` of a clock's base factor (:class:`ClockField`): ``-½ log‖V‖²`` for arc length,
    ``-a log|log ℒ|`` for the rescaled loss clock (``+∞`` while ``ℒ ≥ 1``, where it is undefined)."""
    if clock == "arc":
        return -0.5 * math.log(float(V @ V))
    if power:
        return -power * math.log(-log_total) if log_total < 0 else math.inf
    return 0.0


class ClockField:
    """The right-hand side in ``clock`` of the state ``(u, r, ℓ)`` — ``θ = e^r u``, ``ℓ = log(1 + log t)``
    — on one piece of the flow (:meth:`__call__`), and its exact Jacobian (:meth:`jacobian`).

    With ``V = -∇ℒ/ℒ`` (the Clarke velocity on the piece) a clock is a factor ``c > 0`` with
    ``dθ/ds = cV`` and ``dt/ds = c/ℒ``, so ``d(log t)/ds = c·exp(-log t - log ℒ)``.  Its base factor
    ``c₀`` is loss-normalised time, ``c₀ = |log ℒ|^{-a}`` with ``a = 1 - 2/K`` for a
    ``K``-homogeneous network (0 otherwise): since ``ℒ ≈ 1/(t (log t)^{2-2/K})`` late in training
    (LL-T4.3's rate), ``s`` then grows like ``log log t`` for every ``K`` (plain loss-normalised time,
    ``a = 0``, does so only for ``K = 2``; for ``K ≥ 3`` it reaches ``log t = ∞`` at a finite ``s``);
    or arc length, ``c₀ = 1/‖V‖``.  The factor used is

        ``1/c = 1/c₀ + e^{-log t - log ℒ}/(1 + log t)``,

    the harmonic combination of ``c₀`` with the factor for which ``dℓ/ds = 1``.  So
    ``dℓ/ds = D/(1 + log t + D) < 1`` with ``D = c₀e^{-log t - log ℒ}`` the rate of ``log t`` in
    ``c₀``: no overflow however small ``ℒ(θ₀)`` is (``ℒ ≈ e^{-800}`` starts with ``D ≈ e^{800}``);
    early, while ``θ`` is frozen to rounding and ``log t`` climbs to ``-log ℒ(θ₀)``, ``ℓ`` grows
    linearly in ``s`` (in ``c₀`` alone ``log t ≈ log s + const``, a ramp of hundreds of
    geometrically growing steps); late in training ``D/(1 + log t)`` tends to a constant, so
    ``dℓ/ds`` and ``c/c₀`` do too and ``s`` grows like ``log log t``.  ``c`` is finite where ``c₀``
    is not (``ℒ ≥ 1``): ``c = (1 + log t)tℒ`` there.

    **Coordinates.**  The direction ``u`` (kept near the unit sphere) and ``r = log‖θ‖`` are
    integrated instead of ``θ``, whose norm grows without bound while some of its coordinates stay
    near 0: relative and absolute tolerances then mean the same thing on every coordinate.
    Exactly: ``du/ds = (cV - u⟨u,cV⟩/‖u‖²)/e^r``, ``dr/ds = ⟨u,cV⟩/(‖u‖²e^r)`` (so
    ``d(e^r u)/ds = cV``).  ``ℓ`` instead of ``log t``: an absolute error ``δ`` of ``ℓ`` is a relative
    error ``δ`` of ``1 + log t`` whatever the horizon (no precision wall as ``log t`` grows), and
    ``ℓ`` is nearly linear in ``s`` both early and late, where ``log t`` grows exponentially.

    **Jacobian.**  From :meth:`Classifier.flow_point`'s ``∂V/∂θ`` (exact: per-point margin
    gradients and the weighted Hessian of the margins, :mod:`checker.margin_kernels`) by the chain
    rule through ``θ = e^r u``, ``log t = e^ℓ − 1``: ``log c = ℓ − log(e^α + e^β)`` with
    ``α = ℓ − log c₀``, ``β = −log ℒ − log t``, ``π_α = e^α/(e^α + e^β)``, ``π_β = 1 − π_α``, so
    ``dℓ/ds = π_β``, ``∂log c/∂θ = π_α∂log c₀/∂θ + π_β∇ℒ/ℒ``, ``∂log c/∂ℓ = π_β(1 + e^ℓ)``,
    ``∂π_β/∂θ = π_απ_β(∂log c₀/∂θ − ∇ℒ/ℒ)``, ``∂π_β/∂ℓ = −π_απ_β(1 + e^ℓ)``; ``∂log c₀/∂θ`` is
    ``a(∇ℒ/ℒ)/|log ℒ|`` (loss) or ``−Vᵀ(∂V/∂θ)/‖V‖²`` (arc).  (The earlier Jacobian by forward
    differences, ``P + 1`` field evaluations each, had to pick its increment against the margins'
    rounding ``ε|q|``, which grows with the horizon.)
    """

    def __init__(self, problem: Classifier, clock: str, piece: Piece | None = None):
        if clock not in CLOCKS:
            raise ValueError(f"unknown clock {clock!r}; choose one of {', '.join(CLOCKS)}")
        self.problem, self.clock, self.piece = problem, clock, piece or Piece.smooth()
        self.P = problem.net.size
        K = homogeneity_degree(problem.net)
        self.power = 1.0 - 2.0 / K if K else 0.0

    def __call__(self, s: float, state: np.ndarray) -> np.ndarray:
        return _finite(self.evaluate(state)[0])

    def jacobian(self, s: float, state: np.ndarray) -> np.ndarray:
        return _finite(self.evaluate(state, True)[1])

    def evaluate(self, state: np.ndarray, jacobian: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """The field at ``state`` and, when ``jacobian``, its Jacobian (``(P+2) × (P+2)``)."""
        P = self.P
        u, r, ell = state[:P], float(state[P]), float(state[P + 1])
        out = np.empty_like(state)
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):  # inf/nan on a wild Newton iterate: retried
            er, logt = float(np.exp(r)), float(np.expm1(ell))
            theta = er * u
            point = self.problem.flow_point(theta, self.piece, jacobian)
            V, lam = point.V, -point.log_total
            log_c0 = log_clock_factor(self.clock, self.power, point.log_total, V)
            alpha, beta = ell - log_c0, lam - logt
            top = max(alpha, beta)
            M = top + math.log1p(math.exp(-abs(alpha - beta))) if math.isfinite(top) else top
            c = float(np.exp(ell - M))
            uu = float(u @ u)
            W = c * V
            rad = float(u @ W) / uu
            fu = (W - rad * u) / er
            out[:P] = fu
            out[P] = rad / er
            out[P + 1] = pb = float(np.exp(beta - M))
            if not jacobian:
                return out, None
            G, dV = point.G, point.dV
            if self.clock == "arc":
                g0 = -(V @ dV) / float(V @ V)
            else:
                g0 = self.power * G / lam if (self.power and lam > 0) else np.zeros(P)
            pa = float(np.exp(alpha - M)) if math.isfinite(alpha) else 0.0
            dlogc = pa * g0 + pb * G  # ∂log c/∂θ
            dlogc_ell = pb * (1.0 + logt + 1.0)  # ∂log c/∂ℓ = π_β(1 + e^ℓ)
            dW = c * (dV + np.outer(V, dlogc))  # ∂W/∂θ
            dW_u, dW_r, dW_ell = er * dW, dW @ theta, W * dlogc_ell
            drad_u = (W + u @ dW_u) / uu - 2.0 * rad * u / uu
            drad_r, drad_ell = float(u @ dW_r) / uu, float(u @ dW_ell) / uu
            Jm = np.empty((P + 2, P + 2))
            Jm[:P, :P] = (dW_u - np.outer(u, drad_u) - rad * np.eye(P)) / er
            Jm[:P, P] = (dW_r - u * drad_r) / er - fu
            Jm[:P, P + 1] = (dW_ell - u * drad_ell) / er
            Jm[P, :P] = drad_u / er
            Jm[P, P] = drad_r / er - out[P]
            Jm[P, P + 1] = drad_ell / er
            dlogf = pa * (g0 - G)  # ∂log π_β/∂θ
            Jm[P + 1, :P] = pb * er * dlogf
            Jm[P + 1, P] = pb * float(dlogf @ theta)
            Jm[P + 1, P + 1] = -pb * pa * (logt + 2.0)  # ∂π_β/∂ℓ = −π_βπ_α(1 + e^ℓ)
        return out, Jm


WILD = 1e100  # what a non-finite field value is returned as (_finite)


def _finite(values: np.ndarray) -> np.ndarray:
    """``values`` with every non-finite entry replaced by ``±WILD``.  A trial state far off the
    flow (an extrapolating step, a wild Newton iterate) can overflow the field (``c = (1 + log t)tℒ``
    where ``ℒ ≥ 1``); a huge finite value fails every solver's error test, so the step is retried
    smaller, whereas a NaN is carried on by LSODA's Fortran code and ends the run."""
    if math.isfinite(float(values.sum())):  # (an overflowing sum of finite values takes the long way: same result)
        return values
    return np.where(np.isfinite(values), values, np.where(values < 0, -WILD, WILD))


def clock_field(problem: Classifier, clock: str, piece: Piece | None = None) -> ClockField:
    """The right-hand side ``f(s, state)`` of the flow in ``clock`` on ``piece`` (:class:`ClockField`)."""
    return ClockField(problem, clock, piece)


def clock_jacobian(problem: Classifier, clock: str, piece: Piece | None = None) -> Callable[[float, np.ndarray], np.ndarray]:
    """The exact Jacobian ``∂f/∂state`` of :func:`clock_field` (:meth:`ClockField.jacobian`)."""
    return ClockField(problem, clock, piece).jacobian


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


ELL_TOP = math.log1p(1e8)  # ℓ = log(1 + log t) up to which log t has relative accuracy rtol (FlowRun)
SOLVERS = {"BDF": BDF, "LSODA": LSODA, "Radau": Radau, "RK45": RK45, "DOP853": DOP853}


class FlowRun:
    """One integration of gradient flow from ``θ(t=1) = θ₀`` in ``clock``, continued on demand:
    :meth:`trajectory` samples a ladder of rungs of ``log t``, stepping the solver only past the
    rungs not sampled yet, so a longer ladder that extends a shorter one (an escalation) costs only
    its new rungs, and its values on the common rungs are the same numbers (the solver's steps do
    not depend on the ladder: rungs are read off its dense output).

    ``method`` is a ``scipy.integrate`` solver (BDF, LSODA, Radau with the exact Jacobian of
    :class:`ClockField`; RK45, DOP853 for non-stiff checks).  Its tolerance ``rtol`` means the
    error ``rtol(1 + |y|/(1 + ℓ⁺))`` on ``u`` and ``r`` and ``rtol(1 + ℓ)/(1 + ℓ⁺)`` on ``ℓ``, with
    ``ℓ⁺ = log(1 + 10⁸)`` (:data:`ELL_TOP`): relative accuracy ``rtol`` on ``1 + log t`` up to
    ``log t = 10⁸`` (scipy's solvers take one relative tolerance, ``rtol/(1 + ℓ⁺)``, and an
    absolute tolerance per coordinate).  The tolerance is never below the arithmetic's noise floor
    :func:`noise_floor`: from the decade of ``log t`` where the floor exceeds ``rtol`` (``log t >
    10⁷`` at ``rtol = 1e-8``, ``log t > 10⁶`` at ``1e-9``) the solver restarts at each decade with
    the floor of its top.  The path length of ``θ̂`` is the arc length of the solver's dense output,
    step by step (:func:`_arc`), not a state: its integrand ``‖du/ds‖`` is the slow
    drift of a stiff flow, which at a state off the slow manifold by the tolerance ``δ`` is wrong by
    ``‖∂f/∂u‖δ`` (comparable to the drift itself late in training), so as a state it stalls the
    Newton iterations of the implicit solvers; the dense output is the smooth computed trajectory.
    The solver is stepped here so that events are located on its dense output by bisection: a rung
    crossing of ``log t``, a watched pre-activation reaching 0 from its side, a
    sliding selection ``σ`` leaving ``[low, high]``.  A kink event is *armed* only once its value is
    clearly on the right side (above :data:`ARMED`), so a piece that starts on a surface (just
    crossed, or a unit frozen exactly at its kink) does not fire at once; until then it fires only
    when its value is clearly on the wrong side (below ``−ARMED``: the flow leaves the surface
    the other way than the piece assumed, and would otherwise follow the wrong side's field).  The
    field then changes (a jump), so the solver restarts from the event.  More than ``max_switches`` kink events
    (chattering, which the Filippov construction should have removed) raise :class:`FlowError`, as
    do more than ``max_steps`` solver steps in all (a work budget, not a clock: the same run
    succeeds or fails on an idle and on a loaded machine) and a failed step (then for good)."""

    def __init__(self, problem: Classifier, theta0: np.ndarray, *, clock: str = "loss", rtol: float = 1e-8,
                 method: str = "BDF", max_switches: int = 500):
        self.problem, self.clock, self.rtol, self.method, self.max_switches = problem, clock, rtol, method, max_switches
        self.P = P = problem.net.size
        theta0 = np.asarray(theta0, dtype=float)
        self.state = initial_state(theta0)
        kinks = problem.kinks
        self.piece = _start_piece(problem, theta0) if kinks else Piece.smooth()
        if kinks:
            self.state[:P] = kinks.project(self.state[:P], self.piece.sliding)
        self.s, self.path = 0.0, 0.0
        self.tol = rtol
        self.solver = None
        self.samples: dict[float, tuple[np.ndarray, float, tuple[int, ...], tuple[int, int, int]]] = {}
        self.reached = -math.inf  # ℓ up to which rungs have been looked for
        self.steps = self.evaluations = self.switches = 0
        self.seconds = 0.0
        self.failure: str | None = None
        self.interrupted = False

    def _start(self) -> None:
        field = clock_field(self.problem, self.clock, self.piece)
        options = {"jac": field.jacobian} if self.method in ("LSODA", "Radau", "BDF") else {}
        scaled = self.tol / (1.0 + ELL_TOP)
        atol = np.full(self.P + 2, self.tol)
        atol[self.P + 1] = scaled
        self.solver = SOLVERS[self.method](field, self.s, self.state, 1e300, rtol=scaled, atol=atol, **options)
        if self.method == "BDF":
            _lapack_lu(self.solver)
        self.kink_values = _kink_values(self.problem, self.piece) if self.problem.kinks else None
        self.armed = _armed(self.kink_values(self.state)) if self.kink_values else None

    def _fail(self, message: str) -> None:
        self.failure = message
        raise FlowError(message)

    def extends(self, ladder: np.ndarray) -> bool:
        """Whether every rung of ``ladder`` is sampled already or still ahead of the run."""
        return all(float(h) in self.samples or math.log1p(float(h)) > self.reached for h in ladder)

    def trajectory(self, ladder: np.ndarray, max_steps: int | None = None) -> Trajectory:
        """The run sampled on ``ladder`` (rungs of ``log t``, increasing).  A ``ValueError`` when a
        rung not sampled yet lies behind the run (a ladder that does not extend the earlier ones)."""
        ladder = np.asarray(ladder, dtype=float)
        if not self.extends(ladder):
            raise ValueError(f"a rung of the ladder is behind this run (log t = {math.expm1(self.reached):g})")
        pending = [float(h) for h in ladder if float(h) not in self.samples]
        if self.failure:
            raise FlowError(self.failure)
        start = time.perf_counter()
        try:
            self._advance(pending, max_steps)
        except FlowError:
            raise
        except BaseException:  # interrupted between a step and its bookkeeping (a time guard's async
            self.interrupted = True  # exception): never continued, lest a rung be read off the wrong step
            raise
        finally:
            self.seconds += time.perf_counter() - start
        rows = [self.samples[float(h)] for h in ladder]
        Y = np.array([y for y, _, _, _ in rows])
        P = self.P
        steps, evaluations, switches, tol = rows[-1][3]
        return Trajectory(logt=np.expm1(Y[:, P + 1]), thetas=np.exp(Y[:, P])[:, None] * Y[:, :P],
                          path=np.array([p for _, p, _, _ in rows]), sliding=[sl for _, _, sl, _ in rows],
                          rtol=tol, method=self.method, clock_name=self.clock,
                          steps=steps, evaluations=evaluations, switches=switches, seconds=self.seconds)

    def _advance(self, pending: list[float], max_steps: int | None) -> None:
        P = self.P
        kinks = self.problem.kinks
        targets = [math.log1p(h) for h in pending]
        while targets:
            if self.solver is None:
                self.tol = max(self.tol, noise_floor(math.expm1(self.state[P + 1])))
                self._start()
            solver = self.solver
            if max_steps is not None and self.steps >= max_steps:
                raise FlowError(f"more than {max_steps} solver steps by log t = {math.expm1(solver.y[P + 1]):.4g} (work budget)")
            try:
                message = solver.step()
            except (ValueError, FloatingPointError) as exc:  # non-finite values inside the solver
                self._fail(f"{self.method} failed at log t = {math.expm1(solver.t):.6g}: {exc}")
            self.steps += 1
            if solver.status == "failed" or not np.all(np.isfinite(solver.y)):
                self._fail(f"{self.method} failed at log t = {math.expm1(self.state[P + 1]):.6g}: {message}")
            dense = solver.dense_output()
            t_old, t_new = solver.t_old, solver.t
            fired = None
            if kinks:
                g = self.kink_values(solver.y)
                hits = np.flatnonzero(np.where(self.armed, g <= 0, g < -ARMED))
                if hits.size:
                    roots = [_root(lambda t, k=k: self.kink_values(dense(t))[k], t_old, t_new) for k in hits]
                    fired = (min(roots), int(hits[int(np.argmin(roots))]))
                    t_new = fired[0]
                self.armed |= _armed(g)
            end = dense(t_new)
            counters = (self.steps, self.evaluations + int(solver.nfev), self.switches, self.tol)
            while targets and end[P + 1] >= targets[0]:
                h, target = pending.pop(0), targets.pop(0)
                t_h = _root(lambda t: dense(t)[P + 1] - target, t_old, t_new)
                self.samples[h] = (dense(t_h), self.path + _arc(dense, t_old, t_h, P), self.piece.sliding, counters)
            self.reached = float(end[P + 1])
            self.path += _arc(dense, t_old, t_new, P)
            self.s, self.state = t_new, end.copy()
            if fired is not None or noise_floor(math.expm1(end[P + 1])) > self.tol:
                self.evaluations += int(solver.nfev)
                self.solver = None
            if fired is not None:
                self.switches += 1
                if self.switches > self.max_switches:
                    self._fail(f"more than {self.max_switches} kink events by log t = {math.expm1(end[P + 1]):.4g} (chattering)")
                self.piece = _next_piece(self.problem, state_theta(self.state, P), self.piece, fired[1])
                self.state[:P] = kinks.project(self.state[:P], self.piece.sliding)


def noise_floor(logt: float) -> float:
    """The smallest tolerance the flow is integrated at on the decade of ``log t`` that holds
    ``logt``: ``ε·10^k`` with ``10^k`` the top of that decade.  The field is a softmax of margins
    ``q ≈ log t`` computed with rounding errors ``ε|q|``, so its relative noise is ``ε·log t``, and
    no tolerance below it means anything; an implicit solver's Newton iterations stall some way
    above it (BDF at ``rtol = 1e-8`` crawled past ``log t ≈ 2·10⁹``, where ``ε·log t ≈ 4e-7``)."""
    if logt <= 1.0:
        return EPS * 10.0
    return EPS * 10.0 ** math.ceil(math.log10(logt))


def integrate_flow(problem: Classifier, theta0: np.ndarray, ladder: np.ndarray, *, clock: str = "loss",
                   rtol: float = 1e-8, method: str = "BDF", max_switches: int = 500,
                   max_steps: int | None = None) -> Trajectory:
    """Integrate gradient flow from ``θ(t=1) = θ₀`` in ``clock`` until ``log t`` reaches
    ``ladder[-1]``, sampling ``θ`` where ``log t`` crosses each rung (a fresh :class:`FlowRun`)."""
    return FlowRun(problem, theta0, clock=clock, rtol=rtol, method=method, max_switches=max_switches).trajectory(
        ladder, max_steps)


@shared(256)
def flow_run(problem: Classifier, theta0: np.ndarray, *, clock: str = "loss", rtol: float = 1e-8,
             method: str = "BDF") -> FlowRun:
    """The one :class:`FlowRun` of a start and its options, shared by every ladder asked of it
    (memoised by :func:`checker.cache.shared`; the run is continued in place)."""
    return FlowRun(problem, theta0, clock=clock, rtol=rtol, method=method)


def shared_trajectory(problem: Classifier, theta0: np.ndarray, ladder: np.ndarray, *, clock: str, rtol: float,
                      method: str, max_steps: int | None) -> Trajectory:
    """:func:`flow_run`'s trajectory on ``ladder``, or a fresh run's when the ladder does not extend
    the rungs the shared run has passed or the shared run was interrupted."""
    run = flow_run(problem, theta0, clock=clock, rtol=rtol, method=method)
    if run.interrupted or not run.extends(ladder):
        run = FlowRun(problem, theta0, clock=clock, rtol=rtol, method=method)
    return run.trajectory(ladder, max_steps)


def _lapack_lu(solver: BDF) -> None:
    """Give a BDF solver its LU factorisations and solves straight from LAPACK (``dgetrf``,
    ``dgetrs``): the routines ``scipy.linalg.lu_factor``/``lu_solve`` call, so the same numbers,
    without their per-call argument checks, which cost as much as the solve on a ``(P+2)``-square
    matrix (the matrix is finite: :func:`_finite`)."""

    def lu(A: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        solver.nlu += 1
        factor, pivots, _ = dgetrf(A, overwrite_a=True)
        return factor, pivots

    def solve_lu(LU: tuple[np.ndarray, np.ndarray], b: np.ndarray) -> np.ndarray:
        return dgetrs(LU[0], LU[1], b, overwrite_b=True)[0]

    solver.lu, solver.solve_lu = lu, solve_lu


def _arc(dense: Callable[[np.ndarray], np.ndarray], a: float, b: float, P: int) -> float:
    """The length of the path of ``û = u/‖u‖`` on a dense output over ``[a, b]``: the chord sums
    ``S₈``, ``S₄`` on 8 and 4 equal sub-intervals, Richardson-extrapolated, ``S₈ + (S₈ − S₄)/3``
    (a chord of a smooth curve falls short of its arc by ``O(Δ³)``, so the sums' error is ``O(Δ²)``
    in the sub-interval ``Δ`` and the extrapolation's ``O(Δ⁴)``)."""
    if b <= a:
        return 0.0
    U = dense(a + (b - a) * _EIGHTHS)[:P]
    U = U / np.sqrt(np.einsum("ij,ij->j", U, U))
    d1, d2 = U[:, 1:] - U[:, :-1], U[:, 2::2] - U[:, :-2:2]
    fine = float(np.sqrt(np.einsum("ij,ij->j", d1, d1)).sum())
    coarse = float(np.sqrt(np.einsum("ij,ij->j", d2, d2)).sum())
    return fine + (fine - coarse) / 3.0


_EIGHTHS = np.arange(9) / 8.0


def _root(f: Callable[[float], float], a: float, b: float) -> float:
    """A zero of ``f`` on ``[a, b]`` (brentq), or ``b`` when the dense output's values at the ends do
    not bracket one (rounding: the step's own values did)."""
    fa, fb = f(a), f(b)
    if fa == 0:
        return a
    if fa * fb > 0:
        return b
    return brentq(f, a, b, xtol=1e-14 * max(1.0, abs(b)), rtol=4 * np.finfo(float).eps)


ARMED = 1e-12  # a kink event's value beyond which it is clearly on one side of 0


def _armed(values: np.ndarray) -> np.ndarray:
    return values > ARMED


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
ESCALATION_STEPS = 10_000  # solver steps per integration of an escalated (longer) run, in all: about
# fourteen times the most a run to log t = 10⁷ of the default profile's 32 flow instances takes (460 BDF
# steps at rtol 1e-8, 702 at the check's 1e-9; 2026-12-02)


def ladder_top(level: int) -> float:
    """``log t`` at the top of the ladder at escalation ``level``: ``10⁶``, then ``10⁷``, the decades
    on which the flows are integrated at the profile's tolerance: past ``10⁷`` the field's rounding
    noise ``ε·log t`` sets the tolerance (:func:`noise_floor`), and the run and its check then differ
    by about that floor."""
    return 10.0 ** (6 + min(level, 1))


def ladder_rtol(rtol: float) -> float:
    """The integration tolerance for a profile's ``rtol``: a hundred times it, never below ``1e-8``,
    a hundred times the noise floor on ``log t ≤ 10⁶`` (:func:`noise_floor`: ``4ε·10⁶ ≈ 9e-10``) and
    above it on ``log t ≤ 10⁷``."""
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
                 check_method: str = "BDF", max_steps: int | None = None) -> CheckedFlow:
    """The integrator for classification flows: gradient flow of ``problem`` from ``θ(t=1) = θ₀``
    to each rung of ``ladder`` (in ``log t``), with its error estimate.

    Options: the reparametrised ``clock`` (``loss``: rescaled loss-normalised time; ``arc``: arc
    length; :func:`clock_field`), the stiff ``method`` (scipy's BDF, LSODA or Radau, with the
    exact Jacobian of :func:`clock_jacobian`) and, for kinked networks, the Clarke/Filippov
    flow through kink events (:func:`integrate_flow`: crossings, sliding, leaving).  The run
    (``method`` at ``rtol``) is repeated by its check (``check_method`` at ``check_rtol``, default
    ``rtol/10``) on the same ladder; the difference of any quantity between the two is its error
    estimate (:class:`CheckedFlow`): one integrator at two tolerances a decade apart (BDF by
    default: the difference is then the coarser run's error, up to the finer one's, about ten
    times smaller), or two independent error-controlled integrators at one tolerance.  Memoised
    (:func:`checker.cache.shared`) on
    the problem, the start, the ladder and the options, so every statement about the same instance
    reuses one pair of runs; and the two runs are shared :class:`FlowRun` s (:func:`flow_run`), so
    a longer ladder that extends this one (an escalation) continues them instead of starting over.

    Tolerances have a narrow useful range late in training: the field is a softmax of margins
    ``q ≈ log t``, whose rounding noise (``ε·log t`` relative) bounds them from below
    (:func:`noise_floor`: on the escalated decade ``10⁶ < log t ≤ 10⁷`` the check's ``1e-9`` is
    raised to ``2.2e-9``), while much above ``1e-8`` the stiff steps become so long that the
    predictor reorders the margins and the step is rejected over and over.  (LSODA, the check
    until the exact Jacobian made BDF's tighter tolerance cheap, can stay in its non-stiff Adams
    mode on a stiff stretch and crawl: 82,000 steps on one instance where BDF takes 300.)"""
    run = shared_trajectory(problem, theta0, ladder, clock=clock, rtol=rtol, method=method, max_steps=max_steps)
    check = shared_trajectory(problem, theta0, ladder, clock=clock, rtol=rtol / 10 if check_rtol is None else check_rtol,
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
