"""Exact classification instances and their margin quantities, in exact and ball arithmetic.

Setting (THEOREMS.md §2.0): a network ``Φ(θ; x)`` (:mod:`checker.nets`), exact rational data
``x_n`` with labels ``y_n = ±1``, margins ``q_n = y_nΦ(θ; x_n)``, a classification loss
``ℒ = Σ_n ℓ(q_n)`` (a sum; :mod:`checker.losses`), ``g = −ℓ'`` and ``z = ℓ^{-1}(ℒ)``.  For a norm
``p ∈ {l1, l2, linf}`` and a degree ``K`` (the homogeneity degree, or the top degree of a
near-homogeneous network):

* smoothed margin ``γ̃_p = ℓ^{-1}(ℒ)/‖θ‖_p^K`` (Lyu–Li eqs. (2)–(3) for ``p = 2``; Tsilivis–Vardi–Kempe,
  ICLR 2025, in the algorithm's norm),
* normalised margin ``γ̄_p = q_min/‖θ‖_p^K``,
* their rates along an arbitrary velocity ``v`` (``θ̇ = v``): with ``D⁺N[v]`` the one-sided
  directional derivative of ``N = ‖θ‖_p`` (the norm is not differentiable where a coordinate of
  ``θ`` vanishes (ℓ₁) or the largest ``|θ_i|`` is tied (ℓ∞)),

      d/dt log γ̃_p = −⟨∇ℒ, v⟩/(g(z)·z) − K·D⁺N[v]/N            (since dz/dt = −⟨∇ℒ, v⟩/g(z))
      d/dt γ̄_p = D⁺q_min[v]/N^K − K·γ̄_p·D⁺N[v]/N,   D⁺q_min[v] = min_{n: q_n = q_min}⟨∇q_n, v⟩

  where ``D⁺N[v]`` is ``⟨θ, v⟩/‖θ‖₂`` (ℓ₂), ``Σ_{θ_i≠0} sign(θ_i)v_i + Σ_{θ_i=0}|v_i|`` (ℓ₁) and
  ``max_{i: |θ_i| = ‖θ‖∞} sign(θ_i)v_i`` (ℓ∞).  On kinks of the network, ``∇q_n`` is the network's
  fixed autodiff selection.

Arithmetic: data, weights and margins are exact rationals (``fmpq``); every quantity through
``exp``/``log`` (``ℒ``, ``z``, ``∇ℒ``) is an arb ball at the caller's precision, so a sign decided
here is *certified*.  A decision that a ball cannot make (the sign of a gradient coordinate for the
ℓ∞ velocity, the largest coordinate for ℓ₁, a kink at a ball point) raises ``ArithmeticError``:
callers report the instance as undecided, which escalates the precision.

:func:`steepest_velocity` is the steepest-descent velocity ``‖∇ℒ‖_*·u`` of
:func:`checker.dynamics.steepest_direction` with its selection certified on balls.
:class:`NormalisedObjective` is the oracle of loss-normalised time (``∇ℒ/ℒ``, finite however small
``ℒ`` is) for float trajectories (the KKT residual of (P) is :func:`checker.svm.kkt_residual`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np
from flint import arb, fmpq
from hypothesis import strategies as st

from .arith import certain_sign, rational_array, rational_str, working_precision
from .dynamics import NORMS, steepest_direction
from .losses import Loss, loss as loss_named
from .nets import AbstractNetwork
from .objectives import Objective
from .strategies import vectors


def _dot(a: Sequence[Any], b: Sequence[Any]) -> Any:
    return sum((x * y for x, y in zip(a, b)), 0 * a[0] * b[0])


# ---------------------------------------------------------------------------- norms


def norm(theta: Sequence[Any], p: str) -> Any:
    """``‖θ‖_p``: exact for ℓ₁ and ℓ∞ on rationals, a ball for ℓ₂ (a square root)."""
    theta = np.asarray(theta, dtype=object)
    if p == "l2":
        return arb(_dot(theta, theta)).sqrt()
    if p == "l1":
        return sum((abs(t) for t in theta), 0 * theta[0])
    if p == "linf":
        return _maximum([abs(t) for t in theta])
    raise ValueError(f"unknown norm {p!r}; choose one of {', '.join(NORMS)}")


def norm_power(theta: Sequence[Any], p: str, K: int) -> Any:
    """``‖θ‖_p^K``: exact on rationals for ℓ₁, ℓ∞, and ℓ₂ with ``K`` even; a ball otherwise."""
    theta = np.asarray(theta, dtype=object)
    if p == "l2" and K % 2 == 0:
        return _dot(theta, theta) ** (K // 2)
    return norm(theta, p) ** K


def norm_rate(theta: Sequence[Any], v: Sequence[Any], p: str) -> Any:
    """The one-sided directional derivative ``D⁺‖θ‖_p[v] = lim_{h↓0}(‖θ + hv‖_p − ‖θ‖_p)/h``
    (formulas in the module docstring); ``θ ≠ 0``."""
    theta, v = np.asarray(theta, dtype=object), np.asarray(v, dtype=object)
    if p == "l2":
        return _dot(theta, v) / norm(theta, "l2")
    signs = [certain_sign(t) for t in theta]
    if p == "l1":
        return sum((s * c if s else abs(c) for s, c in zip(signs, v)), 0 * v[0])
    if p == "linf":
        top = norm(theta, "linf")
        return _maximum([signs[i] * v[i] for i, t in enumerate(theta) if certain_sign(abs(t) - top) == 0])
    raise ValueError(f"unknown norm {p!r}; choose one of {', '.join(NORMS)}")


def steepest_velocity(grad: Sequence[Any], p: str, vanishes: Callable[[np.ndarray], bool] | None = None) -> np.ndarray:
    """``‖∇ℒ‖_*·u`` with ``u ∈ argmax_{‖u‖_p≤1}⟨u, −∇ℒ⟩`` (:func:`checker.dynamics.steepest_direction`),
    its selection certified when ``grad`` holds balls.  ``vanishes(c)``, when given, decides exactly
    whether ``⟨c, ∇ℒ⟩ = 0`` (:meth:`MarginState.vanishes`).  ℓ∞: a coordinate that is exactly 0 may take
    any ``u_i ∈ [−1, 1]`` (0 is chosen: the ball is replaced by an exact 0), every other sign must be
    certain; ℓ₁: the chosen coordinate must be certainly largest in ``|∂_iℒ|`` or exactly tied with
    each competitor (at an exact tie every point of the face is admissible).  ``ArithmeticError``
    when a ball cannot decide the selection (more precision decides it)."""
    grad = np.array(grad, dtype=object)
    size = len(grad)

    def unit(i: int, j: int | None = None, sign: int = 1) -> np.ndarray:
        c = np.array([0] * size, dtype=object)
        c[i] = 1
        if j is not None:
            c[j] = sign
        return c

    if vanishes is not None:
        for i, c in enumerate(grad):
            if isinstance(c, arb) and c.contains(0) and not c.is_zero() and vanishes(unit(i)):
                grad[i] = arb(0)
    if p == "linf":
        for c in grad:
            certain_sign(c)
    v = steepest_direction(grad, p, certify=False)  # the ℓ1 selection is certified below (exact ties too)
    if p == "l1":
        for i in [j for j, c in enumerate(v) if not _is_zero(c)]:  # at most one coordinate moves
            for j, c in enumerate(grad):
                if j == i:
                    continue
                try:
                    wrong = certain_sign(abs(grad[i]) - abs(c)) < 0
                except ArithmeticError:
                    if vanishes is None or not (vanishes(unit(i, j, -1)) or vanishes(unit(i, j, 1))):
                        raise ArithmeticError(f"the largest |∂ℒ/∂θ_i| is not decided: {grad[i]} vs {c}") from None
                    wrong = False  # an exact tie |∂_iℒ| = |∂_jℒ|
                if wrong:
                    raise ArithmeticError(f"the selection {i} is not a largest |∂ℒ/∂θ_i| ({grad[i]} < {c})")
    return v


def _is_zero(x: Any) -> bool:
    return bool(x.is_zero()) if isinstance(x, arb) else x == 0


def _maximum(xs: Sequence[Any]) -> Any:
    out = xs[0]
    for x in xs[1:]:
        out = arb.max(arb(out), arb(x)) if isinstance(x, arb) or isinstance(out, arb) else max(out, x)
    return out


# ---------------------------------------------------------------------------- instances


@dataclass(frozen=True)
class Classification:
    """An exact classification instance: network, rational data ``X`` (``m × d``), labels ``y``
    (``m × 1``, ±1), loss, and the degree ``K`` the margins are normalised with."""

    net: AbstractNetwork
    X: np.ndarray
    y: np.ndarray
    loss: Loss
    K: int

    @staticmethod
    def of(net: AbstractNetwork, X: Any, y: Sequence[int], loss: "Loss | str", K: int | None = None) -> "Classification":
        """From rational strings (or numbers) ``X``, labels ``y`` and a loss name; ``K`` defaults to the
        network's (top) degree ``net.degree`` (its homogeneity degree when it is homogeneous)."""
        K = net.degree if K is None else K
        if K is None:
            raise ValueError("the network has no (top) degree: give the degree K to normalise margins with")
        return Classification(net, rational_array(X), np.array([int(c) for c in y], dtype=object).reshape(-1, 1),
                              loss_named(loss) if isinstance(loss, str) else loss, int(K))

    @property
    def samples(self) -> int:
        return int(self.X.shape[0])

    @property
    def homogeneous(self) -> bool:
        """True when the network is positively ``K``-homogeneous (Euler's identity holds)."""
        return self.net.homogeneity() == self.K

    def objective(self) -> Objective:
        """The oracle of :mod:`checker.dynamics` rules (``∇ℒ`` in balls on exact or ball ``θ``)."""
        return Objective(self.net, self.X, self.y, self.loss)

    def float_objective(self) -> Objective:
        """The same objective on float64 data (float trajectories of :mod:`checker.dynamics` rules)."""
        return Objective(self.net, self.X.astype(float), self.y.astype(float), self.loss)

    def margins(self, theta: Sequence[Any]) -> np.ndarray:
        """``q_n = y_nΦ(θ; x_n)``: exact for rational ``θ``, balls for ball ``θ``."""
        theta = np.asarray(theta, dtype=object)
        return (self.net.forward(self.net.unflatten(theta), self.X) * self.y).reshape(-1)

    def margin_gradients(self, theta: Sequence[Any]) -> list[np.ndarray]:
        """``∇q_n(θ)`` for every ``n`` (exact for rational ``θ``; kinks: the network's selection)."""
        theta = np.asarray(theta, dtype=object)
        params = self.net.unflatten(theta)
        out = []
        for n in range(self.samples):
            G = np.array([[fmpq(0)] for _ in range(self.samples)], dtype=object)
            G[n, 0] = fmpq(int(self.y[n, 0]))
            out.append(self.net.flatten(self.net.backward(params, self.X, G)))
        return out

    def euler_defects(self, theta: Sequence[Any]) -> np.ndarray:
        """``r_n = K·q_n − ⟨θ, ∇q_n⟩``: identically 0 for a ``K``-homogeneous network (Euler's
        identity), the measure of non-homogeneity otherwise (exact on rationals)."""
        theta = np.asarray(theta, dtype=object)
        q = self.margins(theta)
        return np.array([self.K * q[n] - _dot(theta, gn) for n, gn in enumerate(self.margin_gradients(theta))],
                        dtype=object)

    def total(self, q: Sequence[Any]) -> arb:
        """``ℒ = Σ_n ℓ(q_n)`` in balls (at the current working precision)."""
        return self.loss.ball_total(q)

    def scope(self, theta: Sequence[Any], bits: int) -> str | None:
        """None when every point is classified correctly and ``ℒ(θ) < ℓ(0)`` is certified (THEOREMS.md
        §2.0 (A4): then every ``q_n > z > 0``), else the reason."""
        q = self.margins(theta)
        if not all(certain_sign(x) > 0 for x in q):
            return "a point is not classified correctly, so ℒ ≥ ℓ(0) (THEOREMS.md §2 (i))"
        with working_precision(bits):
            total = self.total(q)
            if total < self.loss.ball_ell0():
                return None
        return f"ℒ = {total.mid().str(5, radius=False)} is not certified below ℓ(0) (THEOREMS.md §2.0 (A4))"

    def state(self, theta: Sequence[Any], bits: int) -> "MarginState":
        """Everything the margin quantities need at ``θ``, in ``bits``-bit balls."""
        theta = np.asarray(theta, dtype=object)
        with working_precision(bits):
            q = self.margins(theta)
            total = self.total(q)
            z = self.loss.ball_inverse(total)
            grad = self.objective().gradient(theta)
        return MarginState(self, theta, q, total, z, grad, bits)

    def sample_gradient(self, theta: Sequence[Any], indices: Sequence[int], bits: int) -> np.ndarray:
        """``∇(Σ_{n ∈ indices} ℓ(q_n))(θ)`` in balls (the step of stochastic rules)."""
        with working_precision(bits):
            return self.objective().sample_gradient(np.asarray(theta, dtype=object), indices)


@dataclass(frozen=True)
class MarginState:
    """The margins ``q``, ``ℒ``, ``z = ℓ^{-1}(ℒ)`` and ``∇ℒ`` of an instance at ``θ`` (balls at ``bits``)."""

    problem: Classification
    theta: np.ndarray
    q: np.ndarray
    total: arb
    z: arb
    grad: np.ndarray
    bits: int

    def vanishes(self, c: Sequence[Any]) -> bool:
        """Whether ``⟨c, ∇ℒ(θ)⟩ = 0`` exactly, for a rational vector ``c`` and exact ``θ`` with every
        ``q_n > 0``.  ``∇ℒ = −Σ_v g(v)·C_v`` with ``C_v = Σ_{n: q_n = v}∇q_n`` over the distinct margin
        values ``v``; the numbers ``g(v)`` are linearly independent over ℚ — for ``e^{−v}`` by
        Lindemann–Weierstrass, for ``1/(1 + e^v)`` because with ``t = e^{1/Q}`` (``Q`` a common
        denominator, ``t`` transcendental) they are the rational functions ``1/(1 + t^k)`` of distinct
        ``k > 0``, whose poles at the primitive ``2k``-th roots of unity separate them — so the sum
        vanishes exactly when every ``⟨c, C_v⟩`` does."""
        if any(isinstance(x, arb) for x in self.theta) or not all(x > 0 for x in self.q):
            raise ArithmeticError("exact vanishing needs exact parameters and positive margins")
        groups: dict[Any, Any] = {}
        for qn, gn in zip(self.q, self.problem.margin_gradients(self.theta)):
            groups[qn] = groups[qn] + gn if qn in groups else gn
        c = np.asarray(c, dtype=object)
        return all(_dot(c, C) == 0 for C in groups.values())

    def steepest_velocity(self, p: str) -> np.ndarray:
        """The ``p``-steepest-descent velocity at ``θ`` (:func:`steepest_velocity`, exact zeros and ties
        decided by :meth:`vanishes`)."""
        with working_precision(self.bits):
            return steepest_velocity(self.grad, p, self.vanishes)

    def one_point_log_rate(self, rule: str, p: str) -> fmpq | None:
        """For one data point, ``d/dt log γ̃_p`` along the ``rule``-steepest flow is ``g(q)·β`` with ``β``
        an exact rational (None for more points, or ``θ`` in balls): then ``∇ℒ = −g(q)∇q`` and ``z = q``,
        so ``θ̇ = g(q)w`` with ``w = ‖∇q‖_*u`` (:func:`checker.dynamics.steepest_direction` of ``−∇q``,
        exact) and ``β = ⟨∇q, w⟩/q − K·D⁺‖θ‖_p[w]/‖θ‖_p`` (rational for every ``p``: for ℓ₂ the ratio is
        ``⟨θ, w⟩/‖θ‖₂²``).  Its sign is the rate's, decided exactly — equality cases included."""
        if self.problem.samples != 1 or any(isinstance(x, arb) for x in self.theta):
            return None
        grad_q = self.problem.margin_gradients(self.theta)[0]
        w = steepest_direction(-grad_q, rule)
        ratio = (_dot(self.theta, w) / _dot(self.theta, self.theta) if p == "l2"
                 else norm_rate(self.theta, w, p) / norm(self.theta, p))
        return _dot(grad_q, w) / self.q[0] - self.problem.K * ratio

    def smoothed_margin(self, p: str) -> arb:
        """``γ̃_p = ℓ^{-1}(ℒ)/‖θ‖_p^K``."""
        with working_precision(self.bits):
            return self.z / arb(norm_power(self.theta, p, self.problem.K))

    def normalised_margin(self, p: str) -> arb:
        """``γ̄_p = q_min/‖θ‖_p^K``."""
        with working_precision(self.bits):
            return arb(_minimum(self.q)) / arb(norm_power(self.theta, p, self.problem.K))

    def loss_rate(self, v: Sequence[Any]) -> arb:
        """``dℒ/dt = ⟨∇ℒ, v⟩``."""
        with working_precision(self.bits):
            return arb(_dot(self.grad, np.asarray(v, dtype=object)))

    def log_smoothed_margin_rate(self, v: Sequence[Any], p: str) -> arb:
        """``d/dt log γ̃_p = −⟨∇ℒ, v⟩/(g(z)z) − K·D⁺‖θ‖_p[v]/‖θ‖_p`` along ``θ̇ = v`` (needs ``z > 0``)."""
        with working_precision(self.bits):
            gz = self.problem.loss.ball_g(self.z) * self.z
            return -self.loss_rate(v) / gz - self.problem.K * arb(norm_rate(self.theta, v, p)) / arb(norm(self.theta, p))

    def smoothed_margin_rate(self, v: Sequence[Any], p: str) -> arb:
        """``d/dt γ̃_p = γ̃_p · d/dt log γ̃_p`` along ``θ̇ = v``."""
        with working_precision(self.bits):
            return self.smoothed_margin(p) * self.log_smoothed_margin_rate(v, p)

    def normalised_margin_rate(self, v: Sequence[Any], p: str) -> arb:
        """``D⁺γ̄_p[v] = D⁺q_min[v]/‖θ‖_p^K − K·γ̄_p·D⁺‖θ‖_p[v]/‖θ‖_p`` (one-sided)."""
        v = np.asarray(v, dtype=object)
        qmin = _minimum(self.q)
        grads = self.problem.margin_gradients(self.theta)
        with working_precision(self.bits):
            rates = [arb(_dot(grads[n], v)) for n in range(len(self.q)) if certain_sign(self.q[n] - qmin) == 0]
            dq = rates[0]
            for r in rates[1:]:
                dq = arb.min(dq, r)
            N = arb(norm(self.theta, p))
            return dq / arb(norm_power(self.theta, p, self.problem.K)) - self.problem.K * self.normalised_margin(p) * \
                arb(norm_rate(self.theta, v, p)) / N


def _minimum(q: Sequence[Any]) -> Any:
    out = q[0]
    for x in q[1:]:
        out = arb.min(arb(out), arb(x)) if isinstance(x, arb) or isinstance(out, arb) else min(out, x)
    return out


def gap_bits(q: Sequence[Any]) -> int:
    """Extra working bits for differences of margin quantities that cancel like ``Δ·e^{−Δ}``, ``Δ``
    the gap between the two smallest margins (so ``Δ/log 2`` bits cancel out): 16 plus those."""
    values = sorted(float(x.mid()) if isinstance(x, arb) else float(x) for x in q)
    return 16 + (math.ceil((values[1] - values[0]) / math.log(2)) if len(values) > 1 else 0)


# ---------------------------------------------------------------------------- float trajectories


@dataclass(frozen=True)
class NormalisedObjective:
    """The oracle of loss-normalised time ``ds = ℒ dt``: ``gradient(θ) = ∇ℒ(θ)/ℒ(θ)`` (and the same for
    the sum over chosen samples, normalised by the *full* ``ℒ``), on float64 or ``np.longdouble``
    arrays, in the log domain so that it stays finite when ``ℒ`` underflows.  A rule of
    :mod:`checker.dynamics` run on it follows the same path as on ``ℒ`` itself, in the clock ``s``
    (exponential loss; the logistic weights ``g(q_n)/ℒ`` likewise)."""

    problem: Classification
    data: dict = field(init=False, repr=False, compare=False)  # (X, y) per float dtype, converted once

    def __post_init__(self) -> None:
        X, y = self.problem.X.astype(float), self.problem.y.astype(float)
        object.__setattr__(self, "data", {np.dtype(t): (X.astype(t), y.astype(t)) for t in (np.float64, np.longdouble)})

    @property
    def samples(self) -> int:
        return self.problem.samples

    def _weights(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The margins and the weights ``g(q_n)/ℒ`` in the dtype of ``θ``."""
        X, y = self.data[theta.dtype]
        net = self.problem.net
        q = (net.forward(net.unflatten(theta), X) * y).reshape(-1)
        if self.problem.loss.name == "exp":
            log_ell = log_g = -q
        else:  # log g = −log(1 + e^q); log ℓ = log log(1 + e^{−q}), ≈ −q − e^{−q}/2 for large q
            log_g = -np.logaddexp(np.zeros_like(q), q)
            with np.errstate(divide="ignore", over="ignore"):
                log_ell = np.where(q > 30, -q - np.exp(-np.minimum(q, 700)) / 2, np.log(np.log1p(np.exp(-q))))
        top = np.max(log_ell)
        log_total = top + np.log(np.sum(np.exp(log_ell - top)))
        return q, np.exp(log_g - log_total)

    def _gradient(self, theta: np.ndarray, indices: Sequence[int]) -> np.ndarray:
        theta = np.asarray(theta)
        _, w = self._weights(theta)
        X, y = self.data[theta.dtype]
        G = np.zeros((self.samples, 1), dtype=theta.dtype)
        idx = list(indices)
        G[idx, 0] = -y[idx, 0] * w[idx]
        net = self.problem.net
        return net.flatten(net.backward(net.unflatten(theta), X, G))

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        return self._gradient(theta, range(self.samples))

    def sample_gradient(self, theta: np.ndarray, indices: Sequence[int]) -> np.ndarray:
        return self._gradient(theta, indices)

    def log_loss(self, theta: np.ndarray) -> float:
        """``log ℒ(θ)`` (float)."""
        net = self.problem.net
        q = (net.forward(net.unflatten(np.asarray(theta, dtype=float)), self.problem.X.astype(float))
             * self.problem.y.astype(float)).reshape(-1)
        return self.problem.loss.log_total(q)


# ---------------------------------------------------------------------------- instances (strategies)


def planted_points(draw: Any, d: int, n: int, u: Sequence[Fraction], tau: Fraction) -> tuple[list[list[Fraction]], list[int]]:
    """``n`` points ``x`` with labels ``y = ±1`` and ``y⟨u⋆, x⟩ ≥ τ`` for a given nonzero ``u⋆``, drawn
    with Hypothesis's ``draw`` (inside a composite strategy): a drawn point that misses the margin is
    moved along ``y·u⋆`` by the fewest whole steps (THEOREMS.md §0.4 plants ``u⋆``)."""
    uu = sum(c * c for c in u)
    X, y = [], []
    for _ in range(n):
        x = [Fraction(c) for c in draw(vectors(d))]
        label = draw(st.sampled_from((1, -1)))
        gap = tau - label * sum(a * b for a, b in zip(u, x))
        if gap > 0:
            steps = math.ceil(gap / uu)
            x = [a + label * steps * b for a, b in zip(x, u)]
        X.append(x)
        y.append(label)
    return X, y


@st.composite
def planted_data(draw: Any, d: int, n: int, tau: Fraction = Fraction(1, 2)) -> tuple[list[list[Fraction]], list[int], list[Fraction]]:
    """Separable data (THEOREMS.md §0.4): a planted nonzero ``u⋆`` and ``n`` points of
    :func:`planted_points`; returns ``(X, y, u⋆)`` as Fractions and ints."""
    u = [Fraction(c) for c in draw(vectors(d).filter(lambda v: any(Fraction(c) != 0 for c in v)))]
    X, y = planted_points(draw, d, n, u, tau)
    return X, y, u


def scaled_below_threshold(problem: Classification, theta: Sequence[Fraction], max_doublings: int = 12) -> list[Fraction]:
    """``2^j·θ`` with the least ``j ≤ max_doublings`` making ``log ℒ < log ℓ(0)`` in float64 (the
    certified check is :meth:`Classification.scope`); ``θ`` itself when none does (a misclassified
    point stays misclassified under scaling).  For a ``K``-homogeneous network scaling multiplies
    every margin by ``2^{jK}``."""
    X, y = problem.X.astype(float), problem.y.astype(float)
    base = np.array([float(c) for c in theta])
    net = problem.net
    for j in range(max_doublings + 1):
        q = (net.forward(net.unflatten(base * 2.0 ** j), X) * y).reshape(-1)
        if q.min() > 0 and problem.loss.log_total(q) < math.log(problem.loss.ell0) - 1e-9:
            return [Fraction(c) * 2 ** j for c in theta]
    return list(theta)


def exact_strings(values: Sequence[Any]) -> list[str]:
    """Canonical rational strings (instances are JSON)."""
    return [rational_str(c) for c in values]
