"""Sharpness of deep linear regression: formula (H), the full Hessian, certificates, and the
infimum ``S_min`` over global minimisers enclosed from both sides.

Sharpness is ``S(W) := λ_max(∇²R(W))`` (signed, :mod:`checker.spectra`) of the risk of
:mod:`checker.linear` on a :class:`checker.regression.Regression`.

* At a global minimiser, formula (H): ``S = 2·λ_max(GΣ)``, ``G = Σ_k ‖a_k‖²B_kᵀB_k``, a ``d × d``
  problem, exact on rational minimisers (the largest root of the exact characteristic polynomial,
  an ``fmpq`` when rational); elsewhere the full Hessian from Dual-number HVP columns, exactly.
* Certificates: the gaps ``∇²R − Jᵀ(2Σ)J`` and ``charpoly(∇²R) − x^{P−d}charpoly(2GΣ)`` (exact), the
  Rayleigh quotient ``c_R ≤ S``.
* ``S_min`` by the 1-D convex minimisation of THEOREMS.md MC-T1-UP (:func:`smin_enclosure`):
  every aligned rank-one minimiser with rational parameter is an exact upper bound and every
  density gives an exact dual lower bound; the float64 optimum supplies candidates for both.
"""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any, Sequence

import numpy as np
from flint import arb, arb_mat, fmpq, fmpq_mat
from scipy.linalg import eigh
from scipy.optimize import minimize_scalar

from . import linear as lin
from .arith import rational, rational_array, rational_power, working_precision
from .exact import ball, balls, fmpq_matrix
from .regression import Regression
from .spectra import top_eigenvalue_ball, top_eigenvalue_dense, top_eigenvalue_exact
from .systems import MeasurementError

Number = Any  # fmpq (exact) or arb (ball)


# ---------------------------------------------------------------------------- at a point


def sharpness_at_minimiser(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, bits: int) -> Number:
    """``S = 2λ_max(GΣ)`` (formula (H), MC-H), exact for rational layers, a ball for ``arb`` layers."""
    with working_precision(bits):
        GS = lin.gram(layers, readout) @ sigma
        if isinstance(GS.flat[0], fmpq):
            return 2 * top_eigenvalue_exact(fmpq_matrix(GS), bits)
        return 2 * top_eigenvalue_ball(arb_mat(GS.tolist()), bits)


def sharpness_full(layers: Sequence[np.ndarray], readout: np.ndarray, reg: Regression, bits: int) -> Number:
    """``λ_max(∇²R(W))`` of the full exact Hessian (any point, not only minimisers)."""
    return top_eigenvalue_exact(fmpq_matrix(lin.hessian(layers, readout, reg.X, reg.y)), bits)


def sharpness_float(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray) -> float:
    """Formula (H) in float64: ``2λ_max(Σ^{½}GΣ^{½})`` (the symmetric form of ``2λ_max(GΣ)``)."""
    vals, vecs = np.linalg.eigh(np.asarray(sigma, dtype=float))
    root = vecs @ np.diag(np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    G = lin.gram([np.asarray(W, dtype=float) for W in layers], np.asarray(readout, dtype=float))
    return 2 * top_eigenvalue_dense(root @ G @ root)


def hessian_gap(layers: Sequence[np.ndarray], readout: np.ndarray, reg: Regression) -> fmpq:
    """``max |∇²R − Jᵀ(2Σ)J|`` entrywise, exact (the Hessian from HVP columns, ``J`` from its formula)."""
    diff = lin.hessian(layers, readout, reg.X, reg.y) - lin.gauss_newton(layers, readout, reg.sigma)
    return max((abs(x) for x in diff.ravel()), default=fmpq(0))


def spectrum_gap(layers: Sequence[np.ndarray], readout: np.ndarray, reg: Regression) -> fmpq:
    """``max |coefficients of charpoly(∇²R) − x^{P−d}·charpoly(2GΣ)|``, exact.

    Zero iff the ``P × P`` Hessian and the ``d × d`` matrix ``2GΣ`` have the same spectrum up to
    ``P − d`` zeros (Sylvester), so in particular ``S = 2λ_max(GΣ)``.
    """
    H = fmpq_matrix(lin.hessian(layers, readout, reg.X, reg.y))
    small = fmpq_matrix(2 * lin.gram(layers, readout) @ reg.sigma)
    diff = H.charpoly() - small.charpoly().left_shift(H.nrows() - small.nrows())
    return max((abs(c) for c in diff.coeffs()), default=fmpq(0))


def rayleigh_certificate(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray,
                         w_star: np.ndarray) -> fmpq:
    """``c_R = 2(Σw⋆)ᵀG(Σw⋆)/(w⋆ᵀΣw⋆) ≤ S``: the Rayleigh quotient of ``Σ^{½}GΣ^{½}`` at ``Σ^{½}w⋆``."""
    v = sigma @ w_star
    return 2 * (v @ lin.gram(layers, readout) @ v) / (w_star @ v)


# ---------------------------------------------------------------------------- the balanced minimiser


def balanced_minimiser(reg: Regression, widths: Sequence[int], bits: int) -> list[np.ndarray]:
    """The balanced aligned rank-one minimiser ``W_k = ‖w⋆‖^{1/L}u_{k+1}u_kᵀ`` (``u_1 = w⋆/‖w⋆‖``).

    Hidden unit vectors are ``e_1``.  Exact when ``‖w⋆‖^{1/L}`` is rational, else in balls.
    """
    L = len(widths) - 1
    t = rational_power(reg.wnorm2, 1, 2 * L, bits)
    units = [np.array([fmpq(1)] + [fmpq(0)] * (m - 1), dtype=object) for m in widths[1:-1]]
    readout = np.array([fmpq(1)], dtype=object)
    if isinstance(t, fmpq):
        return lin.aligned_rank_one(reg.w_star, units, t, readout)
    with working_precision(bits):
        return lin.aligned_rank_one(balls(reg.w_star, bits), [balls(u, bits) for u in units], t, balls(readout, bits))


def sharpness_balanced(reg: Regression, L: int, bits: int) -> Number:
    """``S_bal``: the sharpness (H) of :func:`balanced_minimiser` (hidden widths 1 suffice: S does
    not depend on them)."""
    with working_precision(bits):
        layers = balanced_minimiser(reg, [reg.d] + [1] * L, bits)
        readout = np.array([layers[-1].flat[0] ** 0], dtype=object)
        exact = isinstance(layers[0].flat[0], fmpq)
        return sharpness_at_minimiser(layers, readout, reg.sigma if exact else balls(reg.sigma, bits), bits)


# ---------------------------------------------------------------------------- S_min (MC-T1-UP)


def smin_objective_matrix(reg: Regression, L: int, t: fmpq) -> fmpq_mat:
    """``(t^{L−1}I + (L−1)t^{−1}w⋆w⋆ᵀ)Σ``: similar to ``xΣ + (L−1)x^{−1/(L−1)}Σ^{½}w⋆w⋆ᵀΣ^{½}`` at
    ``x = t^{L−1}``; its top eigenvalue is half the sharpness of the aligned rank-one minimiser
    with ``‖W_L⋯W_2‖² = x`` (rational in ``t``)."""
    d = reg.d
    eye = np.array([[fmpq(int(i == j)) for j in range(d)] for i in range(d)], dtype=object)
    return fmpq_matrix((t ** (L - 1) * eye + (L - 1) * np.multiply.outer(reg.w_star, reg.w_star) / t) @ reg.sigma)


def _dual_bound(s: fmpq, m: fmpq, L: int, bits: int) -> Number:
    """``2L·s^{1/L}·m^{1−1/L} = 2L(s·m^{L−1})^{1/L}``, exact when rational."""
    return 2 * L * rational_power(s * m ** (L - 1), 1, L, bits)


def smin_enclosure(reg: Regression, L: int, bits: int) -> Number:
    """``S_min`` (THEOREMS.md MC-T1-UP), exact when the two certified sides meet, else a ball.

    For ``L = 1`` the only minimiser is ``w⋆ᵀ`` and ``S_min = 2Λ``.  For ``L ≥ 2``,
    ``S_min = 2 min_x f(x)``, ``f(x) = λ_max(xΣ + (L−1)x^{−1/(L−1)}M)``, ``M = Σ^{½}w⋆w⋆ᵀΣ^{½}``.

    * Upper: ``2f(t^{L−1})`` at rational ``t`` (exact top eigenvalue of
      :func:`smin_objective_matrix`) — the float64 optimum, its simple rational approximations
      (so that a rational optimum is hit exactly), and the balanced point ``S_bal``.
    * Lower [derived]: for a density ``ρ`` (PSD, trace 1), ``f(x) ≥ tr(ρA(x)) = x·s +
      (L−1)x^{−1/(L−1)}m`` with ``s = tr ρΣ``, ``m = tr ρM``, whose minimum over x is
      ``L·s^{1/L}m^{1−1/L}``; so ``S_min ≥ 2L·s^{1/L}m^{1−1/L}`` (equality at the optimal ρ by
      minimax: f is convex in x, the bound concave in ρ).  With ``z = Σ^{½}ζ``, a rank-one
      ``ρ = zzᵀ/‖z‖²`` has rational ``s = ζᵀΣ²ζ/ζᵀΣζ``, ``m = (w⋆ᵀΣζ)²/ζᵀΣζ``.  Candidates: ``ζ = w⋆``
      (giving MC-T1), the top two eigenvectors at the float optimum, their simple rational
      approximations (so that a rational optimal direction is hit exactly), and mixtures
      ``αρ₁ + (1−α)ρ₂`` of the two (a kink where two eigenvalues cross needs both).
    """
    with working_precision(bits):
        return _smin_enclosure(reg, L, bits)


def _smin_enclosure(reg: Regression, L: int, bits: int) -> Number:
    if L == 1:
        return 2 * reg.Lambda(bits)
    log_x, directions = smin_float_optimum(reg, L)
    t = Fraction(math.exp(log_x / (L - 1)))
    candidates = {t, *(t.limit_denominator(10 ** k) for k in range(5))}  # a simple rational optimum is hit exactly
    uppers = [2 * top_eigenvalue_exact(smin_objective_matrix(reg, L, fmpq(c.numerator, c.denominator)), bits)
              for c in candidates if c > 0] + [sharpness_balanced(reg, L, bits)]
    zetas = [reg.w_star] + [rational_array([rational(float(c)) for c in z]) for z in directions]
    zetas += [_simple_direction(z, 10 ** k) for z in directions for k in range(1, 5)]
    sm = [((z @ reg.sigma @ reg.sigma @ z) / (z @ reg.sigma @ z), (reg.w_star @ reg.sigma @ z) ** 2 / (z @ reg.sigma @ z))
          for z in zetas]
    lowers = [_dual_bound(s, m, L, bits) for s, m in sm if m != 0]
    if len(directions) == 2:
        (s1, m1), (s2, m2) = sm[1], sm[2]
        mix = minimize_scalar(lambda al: -(al * float(s1) + (1 - al) * float(s2)) ** (1 / L)
                              * max(al * float(m1) + (1 - al) * float(m2), 0.0) ** (1 - 1 / L),
                              bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-14})
        al = rational(float(mix.x))
        lowers.append(_dual_bound(al * s1 + (1 - al) * s2, al * m1 + (1 - al) * m2, L, bits))
    return _between_bounds(lowers, uppers, bits)


def _simple_direction(z: np.ndarray, max_denominator: int) -> np.ndarray:
    """The direction of ``z`` with simple rational coordinates (a rational optimum is hit exactly)."""
    ratios = z / z[np.argmax(np.abs(z))]
    return rational_array([Fraction(float(c)).limit_denominator(max_denominator) for c in ratios])


def smin_float_optimum(reg: Regression, L: int) -> tuple[float, list[np.ndarray]]:
    """Float64 ``log x*`` minimising ``f(x) = λ_max(xΣ + (L−1)x^{−1/(L−1)}M)`` (``L ≥ 2``), and the
    top one or two eigenvectors ``z`` of the matrix at ``x*`` written as ``ζ = Σ^{−½}z``.

    The bracket comes from ``f(x) ≥ xΛ`` and ``f(x) ≥ (L−1)x^{−1/(L−1)}‖Σ^{½}w⋆‖²`` with
    ``f(x*) ≤ f(x_bal)``; f is convex in x, so bounded Brent on ``log x`` finds the minimum.
    """
    sigma_f, _, w_f = reg.floats
    evals, evecs = eigh(sigma_f)
    root = evecs @ np.diag(np.sqrt(evals)) @ evecs.T
    v = root @ w_f
    M = np.outer(v, v)

    def matrix(log_x: float) -> np.ndarray:
        return math.exp(log_x) * sigma_f + (L - 1) * math.exp(-log_x / (L - 1)) * M

    def f(log_x: float) -> float:
        return float(np.linalg.eigvalsh(matrix(log_x))[-1])

    F = f((1 - 1 / L) * math.log(float(w_f @ w_f)))
    lo = (L - 1) * math.log((L - 1) * float(v @ v) / F)
    hi = math.log(F / evals[-1])
    log_x = float(minimize_scalar(f, bounds=(min(lo, hi) - 1e-9, max(lo, hi) + 1e-9), method="bounded",
                                  options={"xatol": 1e-12}).x)
    vecs = np.linalg.eigh(matrix(log_x))[1]
    inv_root = evecs @ np.diag(1 / np.sqrt(evals)) @ evecs.T
    return log_x, [inv_root @ vecs[:, -k] for k in (1, 2)[:reg.d]]


def _between_bounds(lowers: list[Number], uppers: list[Number], bits: int) -> Number:
    """The enclosure ``[max lower, min upper]``; exact when an exact lower equals an exact upper."""
    exact_lo = [x for x in lowers if isinstance(x, fmpq)]
    exact_hi = [x for x in uppers if isinstance(x, fmpq)]
    if exact_lo and exact_hi and max(exact_lo) == min(exact_hi):
        return max(exact_lo)
    with working_precision(bits):
        lo = max((ball(x, bits).lower() for x in lowers), key=lambda a: float(a))
        hi = min((ball(x, bits).upper() for x in uppers), key=lambda a: float(a))
        if not arb(lo) <= arb(hi):
            raise MeasurementError(f"S_min enclosure is empty: lower {lo} > upper {hi} (a bug)")
        return arb(lo).union(arb(hi))
