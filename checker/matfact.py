"""Asymmetric matrix factorisation under gradient descent, in float64 and in arb balls.

The objective is f(U, V) = ½‖UVᵀ − M‖_F² with U ∈ ℝ^{d1×k}, V ∈ ℝ^{d2×k}; write R = UVᵀ − M.
Gradient descent with steps η_t is

    U_{t+1} = U_t − η_t R_t V_t,        V_{t+1} = V_t − η_t R_tᵀ U_t.

The *imbalance* G = UᵀU − VᵀV changes by exactly (expand the squares; the first-order terms
cancel because UᵀRV = (VᵀRᵀU)ᵀ)

    G_{t+1} − G_t = η_t² D_t,        D_t = V_tᵀR_tᵀR_tV_t − U_tᵀR_tR_tᵀU_t,                (I2)

so ‖G_T − G_0‖_F ≤ Σ_{t<T} η_t²‖D_t‖_F (the a-posteriori drift bound).  This module provides

* planted targets M = P diag(σ) Qᵀ with *exactly* orthonormal rational P, Q (products of
  Householder reflections of integer vectors), so the singular values are exactly σ;
* power-law step schedules η_t = c·(t + t0)^{−s} with rigorous clocks Σ η_t (Hurwitz zeta);
* the objective as the oracle of :mod:`checker.dynamics` (:class:`Factorisation`); gradient descent
  in float64 (:func:`gd_float`, that rule iterated by :func:`checker.integrators.iterate`, with
  its error estimate) and in arb balls (:func:`gd_ball`, enclosures of the exact iterates,
  imbalance and drift bound);
* a-priori bounds for the rest of a run with a finite remaining clock (:func:`iterate_bound`,
  :func:`movement_bound`, :func:`remaining_movement`) and the limit they enclose
  (:func:`limit_residual`), the dense Hessian (:func:`hessian`) and its exact top eigenvalue
  (:func:`exact_top_eigenvalue`), the exact rank-one minimiser nearest a point
  (:func:`rank_one_minimiser`), and a least-squares linear rate (:func:`linear_rate`);
* the strategy :func:`rationals_between` the factorisation instances draw their constants with.

Nothing here knows any paper; the theorems that use it live in ``theorems/``.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable

import numpy as np
from flint import arb, arb_mat, fmpq, fmpq_mat, fmpq_poly
from hypothesis import strategies as st
from scipy import stats

from .arith import working_precision
from .dynamics import gradient_descent
from .integrators import iterate


# --------------------------------------------------------------------------- instance constants
def rationals_between(lo: Any, hi: Any, *, max_den: int = 8, open_lo: bool = False) -> st.SearchStrategy[str]:
    """Rationals p/q with q ≤ ``max_den`` in [lo, hi] (in (lo, hi] when ``open_lo``), as "p/q" strings."""
    lo, hi = Fraction(str(lo)), Fraction(str(hi))

    def numerators(q: int) -> tuple[int, int]:
        return (math.floor(lo * q) + 1 if open_lo else math.ceil(lo * q)), math.floor(hi * q)

    dens = [q for q in range(1, max_den + 1) if numerators(q)[0] <= numerators(q)[1]]
    if not dens:
        raise ValueError(f"no rational with denominator <= {max_den} in the range ({lo}, {hi})")
    return st.sampled_from(dens).flatmap(lambda q: st.integers(*numerators(q)).map(lambda p: str(Fraction(p, q))))


# --------------------------------------------------------------------------- targets
def rational_orthonormal(d: int, k: int, rng: np.random.Generator) -> fmpq_mat:
    """A d×k rational matrix with exactly orthonormal columns.

    The first k columns of H(w_1)⋯H(w_k), where H(w) = I − 2wwᵀ/(wᵀw) is the Householder
    reflection of a random integer vector w ∈ {−3, …, 3}^d (exactly orthogonal and rational).
    """
    if not 1 <= k <= d:
        raise ValueError(f"need 1 <= k <= d, got k={k}, d={d}")
    Q = fmpq_mat(d, d, [fmpq(int(i == j)) for i in range(d) for j in range(d)])
    for _ in range(k):
        w = np.zeros(d, dtype=int)
        while not w.any():
            w = rng.integers(-3, 4, size=d)
        ww = int(w @ w)
        H = fmpq_mat(d, d, [fmpq(int(i == j)) - fmpq(2 * int(w[i]) * int(w[j]), ww)
                            for i in range(d) for j in range(d)])
        Q = Q * H
    return fmpq_mat(d, k, [Q[i, j] for i in range(d) for j in range(k)])


@dataclass(frozen=True)
class Target:
    """A planted target M = P diag(σ) Qᵀ with exactly orthonormal rational P, Q."""

    M: fmpq_mat
    P: fmpq_mat
    Q: fmpq_mat
    sigmas: tuple


def planted_target(d1: int, d2: int, sigmas: list[Any], rng: np.random.Generator) -> Target:
    """M = P diag(σ) Qᵀ, P (d1×r) and Q (d2×r) exactly orthonormal: its singular values are σ."""
    r = len(sigmas)
    P = rational_orthonormal(d1, r, rng)
    Q = rational_orthonormal(d2, r, rng)
    S = fmpq_mat(r, r, [fmpq(sigmas[i]) if i == j else fmpq(0) for i in range(r) for j in range(r)])
    return Target(P * S * Q.transpose(), P, Q, tuple(fmpq(s) for s in sigmas))


def to_float(A: fmpq_mat | arb_mat) -> np.ndarray:
    """A float64 array (nearest rounding of exact entries, midpoints of balls)."""
    rows = A.tolist()
    return np.array([[float(x.mid()) if isinstance(x, arb) else float(x) for x in row] for row in rows],
                    dtype=float).reshape(A.nrows(), A.ncols())


# --------------------------------------------------------------------------- step sizes
@dataclass(frozen=True)
class PowerSchedule:
    """Step sizes η_t = scale·(t + offset)^{−exponent}, t = 0, 1, … (exponent 0: a constant step).

    ``scale`` is an exact rational (``fmpq``) or an ``arb`` enclosing an irrational scale;
    ``offset`` ≥ 1 is an integer (offset 1 gives scale·(t+1)^{−exponent}).
    """

    scale: Any
    exponent: fmpq
    offset: int = 1

    def floats(self, n: int) -> np.ndarray:
        """η_0, …, η_{n−1} in float64."""
        c = float(self.scale.mid()) if isinstance(self.scale, arb) else float(self.scale)
        return c * (np.arange(self.offset, n + self.offset, dtype=float) ** -float(self.exponent))

    def ball(self, t: int) -> arb:
        """An enclosure of η_t at the current working precision."""
        if self.exponent == 0:
            return arb(self.scale)
        return arb(self.scale) * arb(t + self.offset) ** (-arb(self.exponent))

    def _power_sum(self, start: int, stop: int | None) -> arb:
        """Σ_{start ≤ k < stop} k^{−s}, s = exponent (stop None: to ∞), by Hurwitz zeta differences
        ζ(s, start) − ζ(s, stop) (valid for every s ≠ 1 by analytic continuation) or ψ(stop) − ψ(start) (s = 1)."""
        s = self.exponent
        if s == 1:
            return arb(stop).digamma() - arb(start).digamma()
        head = arb(s).zeta(arb(start))
        return head if stop is None else head - arb(s).zeta(arb(stop))

    def clock(self, n: int) -> arb:
        """τ_n = Σ_{t<n} η_t (enclosed)."""
        return arb(self.scale) * self._power_sum(self.offset, self.offset + n)

    def tail(self, n: int) -> arb | None:
        """Σ_{t≥n} η_t (enclosed), or None when the total clock is infinite (exponent ≤ 1)."""
        if self.exponent <= 1:
            return None
        return arb(self.scale) * self._power_sum(self.offset + n, None)


# --------------------------------------------------------------------------- pointwise pieces
def residual(U: np.ndarray, V: np.ndarray, M: np.ndarray) -> np.ndarray:
    """R = UVᵀ − M."""
    return U @ V.T - M


def gradients(U: np.ndarray, V: np.ndarray, M: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(∂f/∂U, ∂f/∂V) = (RV, RᵀU)."""
    R = residual(U, V, M)
    return R @ V, R.T @ U


def imbalance(U: np.ndarray, V: np.ndarray) -> np.ndarray:
    """G = UᵀU − VᵀV (conserved by gradient flow)."""
    return U.T @ U - V.T @ V


def drift_term(U: np.ndarray, V: np.ndarray, M: np.ndarray) -> np.ndarray:
    """D = VᵀRᵀRV − UᵀRRᵀU, the η² coefficient of the one-step change of G in (I2)."""
    gu, gv = gradients(U, V, M)
    return gu.T @ gu - gv.T @ gv


def hessian(U: Any, V: Any, M: Any) -> np.ndarray:
    """The dense Hessian of f at (U, V), in the coordinates (vec U, vec V), rows of U then rows of V.

    d²f[(A, B)] = ‖AVᵀ + UBᵀ‖_F² + 2⟨R, ABᵀ⟩ gives the blocks H_UU = I ⊗ VᵀV, H_VV = I ⊗ UᵀU and
    H_UV[(i,k),(j,l)] = U_il V_jk + δ_kl R_ij.  Works on float arrays and on object arrays of
    ``fmpq`` (then the result is exact).
    """
    U, V, M = (np.asarray(x) for x in (U, V, M))
    exact = U.dtype == object
    d1, k = U.shape
    d2 = V.shape[0]

    def eye(n: int) -> np.ndarray:
        if exact:
            return np.array([[fmpq(int(i == j)) for j in range(n)] for i in range(n)], dtype=object)
        return np.eye(n)

    R = U @ V.T - M
    huu = np.kron(eye(d1), V.T @ V)
    hvv = np.kron(eye(d2), U.T @ U)
    huv = U[:, None, None, :] * V.T[None, :, :, None] + R[:, None, :, None] * eye(k)[None, :, None, :]
    huv = huv.reshape(d1 * k, d2 * k)
    return np.block([[huu, huv], [huv.T, hvv]])


def exact_top_eigenvalue(H: np.ndarray) -> tuple[Any, str]:
    """λ_max of a symmetric rational matrix: an exact ``fmpq`` when it is rational, else an ``arb``.

    The characteristic polynomial P is computed exactly (python-flint).  A rational root q is
    λ_max exactly when P(x + q)/x^m (m its multiplicity) has no sign change among its
    coefficients, so no root above q (Descartes' rule of signs; P is real-rooted).  Otherwise the
    largest of the isolated real roots is returned as a ball.  The second value says which.
    """
    n = H.shape[0]
    P = fmpq_mat(n, n, [fmpq(x) for x in H.ravel()]).charpoly()
    for q, m in sorted(P.roots(), key=lambda qm: qm[0], reverse=True):
        shifted = [c for c in P(fmpq_poly([q, 1])).coeffs()[m:] if c != 0]
        if all(c > 0 for c in shifted) or all(c < 0 for c in shifted):
            return q, "exact: rational root of the characteristic polynomial with no root above it"
    roots = [z.real for z, _ in P.complex_roots()]  # all real (H is symmetric)
    return max(roots, key=lambda b: b.mid()), "largest isolated root of the exact characteristic polynomial"


# --------------------------------------------------------------------------- the objective as an oracle
@dataclass(frozen=True)
class Factorisation:
    """f(U, V) = ½‖UVᵀ − M‖_F² over θ = (vec U, vec V) (rows of U, then rows of V): the oracle of the
    training rules of :mod:`checker.dynamics` (``gradient`` = (RV, RᵀU) flattened)."""

    M: np.ndarray
    d1: int
    k: int

    samples = 1

    def split(self, theta: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        n = self.d1 * self.k
        return theta[:n].reshape(self.d1, self.k), theta[n:].reshape(-1, self.k)

    def gradient(self, theta: np.ndarray) -> np.ndarray:
        gu, gv = gradients(*self.split(theta), self.M)
        return np.concatenate([gu.ravel(), gv.ravel()])

    def sample_gradient(self, theta: np.ndarray, indices: Any) -> np.ndarray:
        return self.gradient(theta)


# --------------------------------------------------------------------------- float64 runs
@dataclass
class FloatRun:
    """A float64 gradient-descent run: final iterate and per-step records.

    ``residual[t]`` = ‖R_t‖_F for t = 0…steps; ``drift[t]`` = ‖D_t‖_F and ``etas[t]`` = η_t for
    t < steps; ``imbalance[j]`` = ‖G‖_F at step ``imbalance_steps[j]`` (every ``imbalance_every``
    steps and at the end).  ``diverged`` is True when the iterates left float64 or blew up.
    ``error`` estimates the largest error of the final (U, V) (the difference to the same iteration
    in extended precision, :func:`checker.integrators.iterate`; inf for a diverged run).
    """

    U: np.ndarray
    V: np.ndarray
    steps: int
    residual: np.ndarray
    drift: np.ndarray
    etas: np.ndarray
    imbalance: np.ndarray
    imbalance_steps: np.ndarray
    diverged: bool = False
    error: float = 0.0

    @property
    def drift_bound(self) -> np.ndarray:
        """Cumulative Σ_{s<t} η_s²‖D_s‖_F for t = 0…steps."""
        return np.concatenate([[0.0], np.cumsum(self.etas ** 2 * self.drift)])

    @property
    def clock(self) -> np.ndarray:
        """τ_t = Σ_{s<t} η_s for t = 0…steps."""
        return np.concatenate([[0.0], np.cumsum(self.etas)])


def gd_float(U0: np.ndarray, V0: np.ndarray, M: np.ndarray, etas: np.ndarray, *,
             stop_below: float = 0.0, imbalance_every: int = 1, blowup: float = 1e100) -> FloatRun:
    """Gradient descent (:func:`checker.dynamics.gradient_descent` with the schedule ``etas`` on
    :class:`Factorisation`, by :func:`checker.integrators.iterate`) in float64 for ``len(etas)``
    steps, or until ‖R_t‖_F ≤ ``stop_below``; a residual above ``blowup`` or a non-finite one stops
    the run with ``diverged`` set.

    The iteration runs in chunks of doubling length (64, 128, …), each continuing from the last
    (``iterate`` has no stopping rule yet); the records (residuals, drift terms ‖D_t‖_F, imbalances)
    are formed from the iterates afterwards, and ``error`` sums the chunks' differences to extended
    precision (local errors added up; their amplification along the run is not counted).
    """
    d1, k = U0.shape
    oracle = Factorisation(np.ascontiguousarray(M, dtype=float), d1, k)
    M = oracle.M
    n = len(etas)
    states = [np.concatenate([np.asarray(U0, float).ravel(), np.asarray(V0, float).ravel()])]
    checked, done, chunk, error, stop = 0, 0, 64, 0.0, None
    with np.errstate(over="ignore", invalid="ignore"):
        while True:
            res = _residual_norms(oracle, states[checked:])
            bad = np.flatnonzero(~(res <= blowup) | (res <= stop_below))
            if bad.size:
                stop = checked + int(bad[0])
                break
            checked = len(states)
            if done == n:
                stop = done
                break
            rule = gradient_descent(lambda t, offset=done: etas[offset + t])
            sol = iterate(rule, oracle, states[-1], range(1, min(chunk, n - done) + 1))
            states += sol.thetas
            done, chunk, error = done + len(sol.thetas), 2 * chunk, error + float(sol.error[-1])
        Th = np.array(states[:stop + 1])
        Us, Vs = Th[:, :d1 * k].reshape(-1, d1, k), Th[:, d1 * k:].reshape(len(Th), -1, k)
        R = Us @ Vs.transpose(0, 2, 1) - M
        residual = np.sqrt(np.einsum("tij,tij->t", R, R))
        gu, gv = R[:-1] @ Vs[:-1], R[:-1].transpose(0, 2, 1) @ Us[:-1]
        D = gu.transpose(0, 2, 1) @ gu - gv.transpose(0, 2, 1) @ gv
        marks = sorted(set(range(0, stop + 1, imbalance_every)) | {stop})
        G = Us[marks].transpose(0, 2, 1) @ Us[marks] - Vs[marks].transpose(0, 2, 1) @ Vs[marks]
    diverged = not residual[-1] <= blowup
    return FloatRun(
        U=Us[-1].copy(), V=Vs[-1].copy(), steps=stop, residual=residual,
        drift=np.sqrt(np.einsum("tij,tij->t", D, D)), etas=np.asarray(etas[:stop], dtype=float),
        imbalance=np.sqrt(np.einsum("tij,tij->t", G, G)), imbalance_steps=np.array(marks),
        diverged=diverged, error=math.inf if diverged else error,
    )


def _residual_norms(oracle: Factorisation, states: list[np.ndarray]) -> np.ndarray:
    Th = np.array(states)
    d1, k = oracle.d1, oracle.k
    R = Th[:, :d1 * k].reshape(-1, d1, k) @ Th[:, d1 * k:].reshape(len(Th), -1, k).transpose(0, 2, 1) - oracle.M
    return np.sqrt(np.einsum("tij,tij->t", R, R))


def gd_float_resume(run: FloatRun, M: np.ndarray, etas: np.ndarray, **options: Any) -> FloatRun:
    """Continue ``run`` from its last iterate for ``len(etas)`` more steps (options as for
    :func:`gd_float`); the records are concatenated, so the result equals one uninterrupted run."""
    more = gd_float(run.U, run.V, M, etas, **options)
    return FloatRun(
        U=more.U, V=more.V, steps=run.steps + more.steps,
        residual=np.concatenate([run.residual[:-1], more.residual]),
        drift=np.concatenate([run.drift, more.drift]), etas=np.concatenate([run.etas, more.etas]),
        imbalance=np.concatenate([run.imbalance[:-1], more.imbalance]),
        imbalance_steps=np.concatenate([run.imbalance_steps[:-1], more.imbalance_steps + run.steps]),
        diverged=more.diverged, error=run.error + more.error,
    )


def gd_float_settled(U0: np.ndarray, V0: np.ndarray, M: np.ndarray, etas: np.ndarray, cap: int,
                     settled: Callable[[FloatRun], bool], *, stop_below: float = 0.0,
                     imbalance_every: int = 1) -> FloatRun:
    """Gradient descent along a doubling ladder of horizons 64, 128, … ≤ ``cap`` (``etas`` holds at
    least ``cap`` steps): stops at the first horizon where ‖R_t‖_F ≤ ``stop_below``, the run diverged,
    or ``settled(run)`` — e.g. an a-priori bound on how far the rest of the schedule can still move
    UVᵀ is below its tolerance (:func:`iterate_bound`, :func:`movement_bound`)."""
    options = dict(stop_below=stop_below, imbalance_every=imbalance_every)
    run = gd_float(U0, V0, M, etas[:64], **options)
    while run.steps < cap and not run.diverged and run.residual[-1] > stop_below and not settled(run):
        run = gd_float_resume(run, M, etas[run.steps:2 * run.steps], **options)
    return run


# --------------------------------------------------------------------------- ball runs
def frobenius(A: arb_mat) -> arb:
    """‖A‖_F enclosed: √tr(AᵀA), the square root taken of the non-negative part."""
    return (A.transpose() * A).trace().nonnegative_part().sqrt()


@dataclass
class BallRun:
    """Enclosures from a ball-arithmetic run of ``steps`` exact gradient-descent steps.

    ``imbalance0`` = ‖G_0‖_F, ``imbalance`` = ‖G_T‖_F, ``imbalance_max`` = max_{t≤T} ‖G_t‖_F,
    ``drift`` = Σ_{t<T} η_t²‖D_t‖_F, ``clock`` = Σ_{t<T} η_t, ``residual`` = ‖R_T‖_F; ``U``, ``V``
    enclose the exact iterate at T.  Every ball contains the exact value for the exact iteration
    from the given (exactly representable) initial point with the exact step sizes.
    """

    steps: int
    bits: int
    U: arb_mat
    V: arb_mat
    imbalance0: arb
    imbalance: arb
    imbalance_max: arb
    drift: arb
    clock: arb
    residual: arb


def _arb_mat(A: Any) -> arb_mat:
    if isinstance(A, (arb_mat, fmpq_mat)):
        return arb_mat(A)
    A = np.asarray(A)
    return arb_mat(A.tolist() if A.dtype == object else A.astype(float).tolist())  # float64 values are exact in arb


def gd_ball(U0: Any, V0: Any, M: Any, schedule: PowerSchedule, steps: int, bits: int) -> BallRun:
    """Enclose ``steps`` steps of exact gradient descent from (U0, V0) on target M at ``bits`` bits:
    :func:`checker.dynamics.gradient_descent` with the schedule's ball steps on :class:`Factorisation`
    over arb balls, iterated by :func:`checker.integrators.iterate` (error kind ``ball``: every
    rounding is in the radii).  The drift bound Σ η_t²‖D_t‖_F and the running maximum of ‖G_t‖_F are
    then enclosed from the iterates (``arb_mat`` products).  A non-finite ball (radius blow-up)
    raises ``ArithmeticError``.
    """
    with working_precision(bits):
        Ub, Vb, Mb = _arb_mat(U0), _arb_mat(V0), _arb_mat(M)
        d1, k = Ub.nrows(), Ub.ncols()
        oracle = Factorisation(np.array(Mb.tolist(), dtype=object), d1, k)
        theta0 = np.array(Ub.entries() + Vb.entries(), dtype=object)
        rule = gradient_descent(schedule.ball)
        states = [theta0] + (iterate(rule, oracle, theta0, range(1, steps + 1), bits=bits).thetas if steps else [])
        mats = [(arb_mat(d1, k, list(th[:d1 * k])), arb_mat(Vb.nrows(), k, list(th[d1 * k:]))) for th in states]
        imbalances = [frobenius(U.transpose() * U - V.transpose() * V) for U, V in mats]
        drift, imb_max = arb(0), imbalances[0]
        for t, (U, V) in enumerate(mats[:-1]):
            R = U * V.transpose() - Mb
            gu, gv = R * V, R.transpose() * U
            eta = schedule.ball(t)
            drift += eta * eta * frobenius(gu.transpose() * gu - gv.transpose() * gv)
            imb_max = imb_max.max(imbalances[t + 1])
        U, V = mats[-1]
        res = frobenius(U * V.transpose() - Mb)
        if not all(x.is_finite() for x in (res, drift, imb_max)):
            raise ArithmeticError(f"ball gradient descent lost all accuracy within {steps} steps at {bits} bits")
        return BallRun(steps, bits, U, V, imbalances[0], imbalances[-1], imb_max, drift, schedule.clock(steps), res)


# --------------------------------------------------------------------------- a-priori bounds
def iterate_bound(norm_u: arb, norm_v: arb, sigma: arb, tail_clock: arb) -> arb | None:
    """S with max(‖U_t‖₂, ‖V_t‖₂) ≤ S for every later step, when the remaining clock is finite.

    With m_t = max(‖U_t‖₂, ‖V_t‖₂) and ‖M‖₂ ≤ σ, ‖R_t‖₂ ≤ m_t² + σ gives
    m_{t+1} ≤ m_t(1 + η_t(m_t² + σ)).  If m_T·exp((S² + σ)·Σ_{t≥T} η_t) ≤ S then by induction
    m_t ≤ S for all t ≥ T.  ``norm_u``, ``norm_v`` are upper bounds (e.g. Frobenius norms) at
    T; the smallest S found by fixed-point iteration is verified in ball arithmetic; None if
    the iteration does not settle (the remaining clock is too long for this argument).
    """
    m = max(float(norm_u.upper()), float(norm_v.upper()))
    tau, sig = float(tail_clock.upper()), float(sigma.upper())
    s = m
    for _ in range(200):
        nxt = m * math.exp(min((s * s + sig) * tau, 700.0))
        if nxt > 1e6 * (1.0 + m + sig):
            return None
        if abs(nxt - s) <= 1e-12 * nxt:
            break
        s = nxt
    S = arb(s * (1 + 1e-6) + 1e-300)
    mb = norm_u.upper().max(norm_v.upper())
    ok = mb * ((S * S + sigma.upper()) * tail_clock.upper()).exp() <= S
    return S if ok else None


def movement_bound(S: arb, norm_m: arb, width: int, tail_clock: arb) -> arb:
    """How far UVᵀ can still move in a run whose iterates stay below S in spectral norm.

    ‖U_{t+1}V_{t+1}ᵀ − U_tV_tᵀ‖_F ≤ ‖ΔU‖_F‖V_{t+1}‖₂ + ‖U_t‖₂‖ΔV‖_F ≤ 2η_tS²‖R_t‖_F, and
    ‖R_t‖_F ≤ ‖M‖_F + √k·S² (k = ``width`` ≥ rank(UVᵀ)); summed over the remaining steps,
    ‖U_∞V_∞ᵀ − U_TV_Tᵀ‖_F ≤ 2S²(‖M‖_F + √k S²)·Σ_{t≥T} η_t (and the limit exists).
    """
    return 2 * S * S * (norm_m + arb(width).sqrt() * S * S) * tail_clock


def remaining_movement(U: np.ndarray, V: np.ndarray, sigma1: Any, norm_m: arb, width: int, tail_clock: arb | None,
                       bits: int = 64) -> float:
    """Float screening of :func:`movement_bound` after a run ending at (U, V) with remaining clock
    ``tail_clock``: how far UVᵀ can still move (inf when the clock is infinite or
    :func:`iterate_bound` finds no bound)."""
    if tail_clock is None:
        return math.inf
    with working_precision(bits):
        S = iterate_bound(arb(np.linalg.norm(U)), arb(np.linalg.norm(V)), arb(sigma1), tail_clock)
        return math.inf if S is None else float(movement_bound(S, norm_m, width, tail_clock).upper())


def limit_residual(ball: BallRun, sigma1: Any, norm_m: arb, width: int, tail_clock: arb) -> tuple[arb, str] | None:
    """An enclosure of ‖U_∞V_∞ᵀ − M‖_F/‖M‖_F from a ball run and the remaining clock: the enclosed
    ‖R_T‖_F widened by :func:`movement_bound` (the limit exists: the remaining path is finite), with
    a note; None when :func:`iterate_bound` finds no a-priori bound for the rest of the run."""
    S = iterate_bound(frobenius(ball.U), frobenius(ball.V), arb(sigma1), tail_clock)
    if S is None:
        return None
    move = movement_bound(S, norm_m, width, tail_clock)
    lo = arb(ball.residual.lower()) - arb(move.upper())
    hi = arb(ball.residual.upper()) + arb(move.upper())
    return lo.union(hi).nonnegative_part() / norm_m, (
        f"rigorous: ball run to T={ball.steps}, remaining clock ≤ {float(tail_clock.upper()):.3g}, "
        f"iterates ≤ {float(S.upper()):.3g}, limit within {float(move.upper()):.2g}")


def rank_one_minimiser(target: Target, size: float) -> tuple[np.ndarray, np.ndarray]:
    """The exact global minimiser (s·u⋆, (σ1/s)·v⋆) of a rank-one target M = σ1u⋆v⋆ᵀ nearest a
    point with ‖u‖ = ``size``: s = ``size`` rounded to a rational (denominator ≤ 10⁶); a size that is
    not finite or not within a factor 10³ of √σ1 (a diverged run) gives the balanced one, s ≈ √σ1."""
    sigma1 = target.sigmas[0]
    root = math.sqrt(float(sigma1))
    if not (math.isfinite(size) and 1e-3 * root <= size <= 1e3 * root):
        size = root
    f = Fraction(size).limit_denominator(10 ** 6)
    s = fmpq(f.numerator, f.denominator)
    ustar = np.array([[x] for x in target.P.entries()], dtype=object)
    vstar = np.array([[x] for x in target.Q.entries()], dtype=object)
    return ustar * s, vstar * (sigma1 / s)


def first_below(values: np.ndarray, level: float) -> int | None:
    """The first index t with values[t] ≤ level, or None."""
    hits = np.flatnonzero(values <= level)
    return int(hits[0]) if hits.size else None


# --------------------------------------------------------------------------- rates
@dataclass(frozen=True)
class Rate:
    """Least-squares fit log‖R_t‖ ≈ intercept + slope·t on [start, stop], with the slope's error bar."""

    slope: float
    error: float
    intercept: float
    start: int
    stop: int


def linear_rate(residual: np.ndarray, start: int, stop: int, confidence: float = 0.99) -> Rate | None:
    """Fit log residual[t] = a + slope·t on start ≤ t ≤ stop; the error bar is the two-sided
    ``confidence`` Student-t interval of the slope.  None with fewer than 4 points."""
    t = np.arange(start, stop + 1)
    y = np.log(residual[start:stop + 1])
    if len(t) < 4 or not np.all(np.isfinite(y)):
        return None
    fit = stats.linregress(t, y)
    q = stats.t.ppf(0.5 + confidence / 2, len(t) - 2)
    return Rate(float(fit.slope), float(q * fit.stderr), float(fit.intercept), int(start), int(stop))
