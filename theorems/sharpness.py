"""Marion & Chizat: deep linear networks for regression are implicitly regularised towards flat minima.

P. Marion, L. Chizat, "Deep linear networks for regression are implicitly regularized towards flat
minima", NeurIPS 2024, arXiv:2405.13456 (THEOREMS.md §3; only "Theorem 1" is a confirmed number).

Setting (THEOREMS.md §3.0).  Data ``X ∈ ℝ^{n×d}``, ``y``; network ``x ↦ pᵀW_L⋯W_1x`` (``p = 1`` for
the plain net, a fixed unit vector for the residual net); risk ``R¹(w) = ‖y − Xw‖²/n`` of the
end-to-end vector ``w = (pᵀW_L⋯W_1)ᵀ`` (the authors' convention), so ``Σ := ½∇²R¹ = XᵀX/n``;
``w⋆ = Σ⁻¹Xᵀy/n``; ``λ ≤ Λ`` the extreme eigenvalues of Σ; ``a := w⋆ᵀΣw⋆/‖w⋆‖²``; sharpness
``S(W) := λ_max(∇²R(W))`` (signed); ``S_min`` its infimum over global minimisers.

Measurement (checker/linear.py, checker/spectra.py).
* At a global minimiser, formula (H): ``S = 2·λ_max(GΣ)``, ``G = Σ_k ‖a_k‖²B_kᵀB_k``, a ``d × d``
  problem, exact on rational minimisers (largest root of the exact characteristic polynomial,
  an ``fmpq`` when rational).  Elsewhere the full Hessian (``hvp`` columns), exactly.
* ``S_min`` by the 1-D convex minimisation of MC-T1-UP, enclosed from both sides: every aligned
  rank-one minimiser with rational parameter ``t`` is an exact upper bound, and every density
  ``ρ`` gives the exact lower bound ``2L(tr ρΣ)^{1/L}(tr ρM)^{1−1/L}`` (``M = Σ^{½}w⋆w⋆ᵀΣ^{½}``;
  minimax duality of the convex problem, derived below); the float64 optimum supplies both.
* Gradient flow in float64 (LSODA with the exact Hessian as Jacobian, two tolerances, stopped at
  ``‖w − w⋆‖ ≤ tol/10``): every limit quantity is an *estimate* whose error adds the
  two-tolerance difference, the change since the flow was 100× farther from ``w⋆`` (linear
  convergence leaves about 1% of that), and for ``S`` the Weyl bound on the Hessian's residual
  term.  A run that does not converge is an error (or, for ``dist``, an undecided enclosure),
  never a refutation.

Instances.  ``w⋆ = q^L·û`` with ``û`` a rational point of the unit sphere (stereographic, dense)
and ``q`` rational; ``y = Xw⋆ + ξ`` with ``ξ ⟂ col(X)``.  Then ``‖w⋆‖^{2−2/L} = q^{2L−2}`` and the
balanced minimiser (``t = q``) are rational, so the equality cases of the bounds (``w⋆`` an
eigenvector of Σ, ``d = 1``) are decided exactly instead of straddling in balls.
"""
from __future__ import annotations

import json
import math
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property, lru_cache
from pathlib import Path
from typing import Any, Callable, Sequence

import numpy as np
from flint import arb, arb_mat, fmpq, fmpq_mat, fmpz
from hypothesis import assume
from hypothesis import strategies as st
from scipy.linalg import eigh
from scipy.optimize import minimize_scalar

from checker import Enclosure, MeasurementError, Precision, System, system_family, theorem
from checker import linear as lin
from checker.proofs import deep_linear_hessian_proof
from checker.arith import rational, rational_array, rational_power, rational_root, to_jsonable, working_precision
from checker.spectra import top_eigenvalue_ball, top_eigenvalue_dense, top_eigenvalue_exact
from checker.strategies import matrices, rationals, vectors

SOURCE = "Marion & Chizat, NeurIPS 2024, arXiv:2405.13456"
Range = tuple[int, int]
Number = Any  # fmpq (exact) or arb (ball)

# ============================================================================ exact helpers


def _ball(x: Number, bits: int) -> arb:
    with working_precision(bits):
        return x if isinstance(x, arb) else arb(x)


def _enclosure(x: Number, note: str) -> Enclosure:
    return Enclosure.exact(x, note) if isinstance(x, fmpq) else Enclosure.ball(x, note)


def _fmpq_mat(A: np.ndarray) -> fmpq_mat:
    return fmpq_mat(np.asarray(A, dtype=object).tolist())


def _solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A⁻¹b`` exactly (``A`` invertible rational)."""
    x = _fmpq_mat(A).solve(fmpq_mat([[v] for v in b]))
    return np.array(x.entries(), dtype=object)


def _float(A: Any) -> np.ndarray:
    return np.vectorize(lambda x: float(x.mid()) if isinstance(x, arb) else int(x.p) / int(x.q), otypes=[float])(
        np.asarray(A, dtype=object))


def _exact_float(x: float) -> fmpq:
    n, d = float(x).as_integer_ratio()
    return fmpq(n, d)


def rational_unit_vector(r: Sequence[Any], position: int, sign: int) -> np.ndarray:
    """A rational point of the unit sphere of ℝ^{len(r)+1} by inverse stereographic projection.

    ``(2r, ‖r‖² − 1)/(‖r‖² + 1)`` (dense in the sphere), its last coordinate rolled to
    ``position``, times ``sign``.
    """
    r = rational_array(list(r)) if len(r) else np.zeros(0, dtype=object)
    s = sum(r * r, fmpq(0))
    v = np.array([*(2 * r / (s + 1)), (s - 1) / (s + 1)], dtype=object)
    return np.roll(v, position + 1) * sign


# ============================================================================ the regression


@dataclass(frozen=True)
class Regression:
    """Exact data ``(X, y)``, ``Σ = XᵀX/n``, ``b = Xᵀy/n`` and (when Σ ≻ 0) ``w⋆ = Σ⁻¹b``."""

    X: np.ndarray
    y: np.ndarray

    @cached_property
    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        sigma, b, _ = lin.square_loss_moments(self.X, self.y)
        return sigma, b

    @property
    def sigma(self) -> np.ndarray:
        return self.moments[0]

    @property
    def b(self) -> np.ndarray:
        return self.moments[1]

    @property
    def d(self) -> int:
        return self.X.shape[1]

    @property
    def n(self) -> int:
        return self.X.shape[0]

    @cached_property
    def singular(self) -> bool:
        return self.n < self.d or _fmpq_mat(self.X).rank() < self.d

    @cached_property
    def scope(self) -> str | None:
        """Why the data are outside the hypotheses (Σ ≻ 0 and Xw⋆ ≠ 0), or None."""
        if self.singular:
            return "Σ = XᵀX/n is singular (X has rank < d): w⋆ is not unique"
        return self.scope_allowing_singular

    @cached_property
    def scope_allowing_singular(self) -> str | None:
        """Why the data are outside the hypotheses of the singular extension (Xw⋆_mn ≠ 0), or None."""
        return "w⋆ = 0 (Xw⋆ = 0): every bound is 0" if all(v == 0 for v in self.w_star) else None

    @cached_property
    def w_star(self) -> np.ndarray:
        """``w⋆ = Σ⁻¹b``; for singular Σ the minimum-norm solution ``w⋆_mn = Σ⁺b`` (exact)."""
        if not self.singular:
            return _solve(self.sigma, self.b)
        return lin.pseudo_solve(self.sigma, self.b)

    @cached_property
    def wnorm2(self) -> fmpq:
        return self.w_star @ self.w_star

    @cached_property
    def a(self) -> fmpq:
        """``a = w⋆ᵀΣw⋆/‖w⋆‖²``, exact."""
        return (self.w_star @ self.sigma @ self.w_star) / self.wnorm2

    def Lambda(self, bits: int) -> Number:
        return top_eigenvalue_exact(_fmpq_mat(self.sigma), bits)

    def lam(self, bits: int) -> Number:
        return -top_eigenvalue_exact(_fmpq_mat(-self.sigma), bits)

    def wnorm_power(self, L: int, bits: int) -> Number:
        """``‖w⋆‖^{2−2/L} = (‖w⋆‖²)^{(L−1)/L}``, exact when rational."""
        return rational_power(self.wnorm2, L - 1, L, bits)

    def wnorm(self, bits: int) -> Number:
        return rational_power(self.wnorm2, 1, 2, bits)

    @cached_property
    def floats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        return _float(self.sigma), _float(self.b), _float(self.w_star)


@lru_cache(maxsize=4096)
def _regression(X: str, y: str) -> Regression:
    return Regression(rational_array(json.loads(X)), rational_array(json.loads(y)))


def regression(instance: dict) -> Regression:
    return _regression(json.dumps(instance["X"]), json.dumps(instance["y"]))


#: The data cases of :func:`regression_data` (THEOREMS.md §0.4: where claims hold with equality).
DATA_CASES = ("generic", "w⋆ eigenvector", "Σ ∝ I", "repeated eigenvalues")
#: Scales of ``‖w⋆‖^{1/L}`` and of the data: ordinary, tiny and huge (equality cases at every scale).
SCALES = ("ordinary", "tiny", "huge")


@st.composite
def regression_data(draw: Any, L: int, dim: Range, extra_rows: Range = (0, 2), entry: tuple[int, int] = (9, 7),
                    structured: bool = False, degenerate: bool = False, unit_target: bool = False) -> dict:
    """Exact overdetermined data with ``‖w⋆‖ = q^L`` (see the module docstring).

    ``generic``: ``X`` stacks a lower-triangular ``d × d`` block with nonzero diagonal (so rank d;
    its Gram matrices are every SPD matrix) and ``n − d`` free rows, entries ``p/q`` with
    ``(|p|, q) ≤ entry``; ``y = Xw⋆ + ξ``, ``ξ ⟂ col(X)``; ``w⋆ = q^L·û``, ``û`` a rational unit vector.

    With ``structured`` (and d ≥ 2) the draw may instead be one of the boundary cases of
    THEOREMS.md §0.4, with ``X = [DH; …; DH]`` (1 or 2 copies), ``H`` a rational Householder
    reflection, ``D = diag(c)``, so ``Σ = H D² H/d`` has the exact rational eigenvectors ``He_j``:
    ``Σ ∝ I`` (equal ``c``), ``repeated eigenvalues`` (one value of ``c`` repeated ≥ 2 times),
    ``w⋆ eigenvector`` (``û = ±He_j``, often the top one).  Scales: ``q`` and the data are
    ordinary, tiny (``q = 1/8``, data ×1/16) or huge (``q = 8``, data ×16).  With ``degenerate``
    the data are singular or near-singular instead (:func:`degenerate_data`); with ``unit_target``
    ``‖w⋆‖ = 1`` (the authors' normalisation).
    """
    d = draw(lin.mostly_at_least_two(*dim))
    if degenerate:
        return draw(degenerate_data(L, d, entry))
    case = draw(lin.near_uniform(DATA_CASES)) if structured and d >= 2 else (
        "generic" if d >= 2 else "d = 1")
    scale = draw(lin.near_uniform(SCALES[:1] * 2 + SCALES)) if structured else "ordinary"
    q = {"ordinary": fmpq(draw(st.integers(1, 3)), draw(st.integers(1, 2))) if not unit_target else fmpq(1),
         "tiny": fmpq(1, 8), "huge": fmpq(8)}[scale]
    size = {"ordinary": fmpq(1), "tiny": fmpq(1, 16), "huge": fmpq(16)}[scale]
    if case in ("generic", "d = 1"):
        n = d + draw(st.integers(*extra_rows))
        T = [[draw(rationals(*entry, nonzero=True)) if j == i else (draw(rationals(*entry)) if j < i else "0")
              for j in range(d)] for i in range(d)]
        X = rational_array(T + draw(st.lists(st.lists(rationals(*entry), min_size=d, max_size=d), min_size=n - d,
                                             max_size=n - d)))
        u = rational_unit_vector(draw(vectors(d - 1)), draw(st.integers(0, d - 1)), draw(st.sampled_from([1, -1])))
    else:
        H = lin.householder(rational_array(draw(st.lists(st.integers(-3, 3), min_size=d, max_size=d))))
        values = [rational(draw(rationals(*entry, nonzero=True))) for _ in range(2)]
        c = {"Σ ∝ I": [values[0]] * d,
             "repeated eigenvalues": [values[0]] * (k := draw(st.integers(2, d))) + [values[1]] * (d - k),
             "w⋆ eigenvector": [rational(draw(rationals(*entry, nonzero=True))) for _ in range(d)]}[case]
        block = np.array([[c[i] * H[i, j] for j in range(d)] for i in range(d)], dtype=object)
        X = np.concatenate([block] * draw(st.integers(1, 2)))
        if case == "w⋆ eigenvector":
            j = draw(lin.near_uniform(["top", "any", "top"]))
            j = int(np.argmax([abs(x) for x in c])) if j == "top" else draw(st.integers(0, d - 1))
            u = H[:, j] * draw(st.sampled_from([1, -1]))
        else:
            u = rational_unit_vector(draw(vectors(d - 1)), draw(st.integers(0, d - 1)), draw(st.sampled_from([1, -1])))
    X = X * size
    z = rational_array(draw(vectors(X.shape[0])))
    xi = z - X @ _solve(X.T @ X, X.T @ z)
    return {"X": to_jsonable(X), "y": to_jsonable(X @ (u * q ** L) + xi), "case": case, "scale": scale}


@st.composite
def degenerate_data(draw: Any, L: int, d: int, entry: tuple[int, int]) -> dict:
    """Singular or near-singular data (THEOREMS.md MC-T1, singular covariance; d ≥ 2).

    ``X = X₀H`` with ``H`` a rational Householder reflection and ``X₀`` generic ``n × (d−1)``
    (``n = d + 1``) plus a last column that is 0 (``singular``: Σ has the null vector ``He_d``, and
    ``w⋆_mn = q^L·H(û, 0)`` lies in its row space) or ``1/1000`` times a free column
    (``near-singular``: Σ ≻ 0 with a tiny λ, ``w⋆ = q^L·û``).
    """
    case = draw(lin.near_uniform(("singular", "near-singular")))
    n = d + 1
    X0 = rational_array(draw(st.lists(st.lists(rationals(*entry), min_size=d - 1, max_size=d - 1), min_size=n,
                                      max_size=n)))
    last = (fmpq(0) if case == "singular" else fmpq(1, 1000)) * rational_array(draw(vectors(n)))
    H = lin.householder(rational_array(draw(st.lists(st.integers(-3, 3), min_size=d, max_size=d))))
    X = np.concatenate([X0, last[:, None]], axis=1) @ H
    q = fmpq(draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    u0 = rational_unit_vector(draw(vectors(d - 2)), draw(st.integers(0, d - 2)), draw(st.sampled_from([1, -1])))
    u = H @ np.concatenate([u0, [fmpq(0)]]) if case == "singular" else rational_unit_vector(
        draw(vectors(d - 1)), draw(st.integers(0, d - 1)), 1)
    return {"X": to_jsonable(X), "y": to_jsonable(X @ (u * q ** L)), "case": case, "scale": "ordinary"}


def data_features(instance: dict, L: int) -> dict[str, Any]:
    """The instance mix of the regression systems: depth, dimension, data case and scale."""
    return {"L": L, "d": len(instance["X"][0]), "case": instance.get("case", "generic"),
            "scale": instance.get("scale", "ordinary")}


# ============================================================================ sharpness at minimisers


def sharpness_at_minimiser(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, bits: int) -> Number:
    """``S = 2λ_max(GΣ)`` (formula (H), MC-H), exact for rational layers, a ball for ``arb`` layers."""
    with working_precision(bits):
        GS = lin.gram(layers, readout) @ sigma
        if isinstance(GS.flat[0], fmpq):
            return 2 * top_eigenvalue_exact(_fmpq_mat(GS), bits)
        return 2 * top_eigenvalue_ball(arb_mat(GS.tolist()), bits)


def sharpness_full(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray,
                   bits: int) -> Number:
    """``λ_max(∇²R(W))`` of the full exact Hessian (any point, not only minimisers)."""
    return top_eigenvalue_exact(_fmpq_mat(lin.hessian(layers, readout, sigma, b)), bits)


def sharpness_float(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray) -> float:
    """Formula (H) in float64: ``2λ_max(Σ^{½}GΣ^{½})`` (the symmetric form of ``2λ_max(GΣ)``)."""
    vals, vecs = np.linalg.eigh(np.asarray(sigma, dtype=float))
    root = vecs @ np.diag(np.sqrt(np.clip(vals, 0, None))) @ vecs.T
    G = lin.gram([np.asarray(W, dtype=float) for W in layers], np.asarray(readout, dtype=float))
    return 2 * top_eigenvalue_dense(root @ G @ root)


def hessian_gap(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray) -> fmpq:
    """``max |∇²R − Jᵀ(2Σ)J|`` entrywise, exact (the Hessian from HVP columns, ``J`` from its formula)."""
    diff = lin.hessian(layers, readout, sigma, b) - lin.gauss_newton(layers, readout, sigma)
    return max((abs(x) for x in diff.ravel()), default=fmpq(0))


def spectrum_gap(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray) -> fmpq:
    """``max |coefficients of charpoly(∇²R) − x^{P−d}·charpoly(2GΣ)|``, exact.

    Zero iff the ``P × P`` Hessian and the ``d × d`` matrix ``2GΣ`` have the same spectrum up to
    ``P − d`` zeros (Sylvester), so in particular ``S = 2λ_max(GΣ)``.
    """
    H = _fmpq_mat(lin.hessian(layers, readout, sigma, b))
    small = _fmpq_mat(2 * lin.gram(layers, readout) @ sigma)
    diff = H.charpoly() - small.charpoly().left_shift(H.nrows() - small.nrows())
    return max((abs(c) for c in diff.coeffs()), default=fmpq(0))


def rayleigh_certificate(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray,
                         w_star: np.ndarray) -> fmpq:
    """``c_R = 2(Σw⋆)ᵀG(Σw⋆)/(w⋆ᵀΣw⋆) ≤ S``: the Rayleigh quotient of ``Σ^{½}GΣ^{½}`` at ``Σ^{½}w⋆``."""
    v = sigma @ w_star
    return 2 * (v @ lin.gram(layers, readout) @ v) / (w_star @ v)


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
        to_ball = np.vectorize(arb, otypes=[object])
        return lin.aligned_rank_one(to_ball(reg.w_star), [to_ball(u) for u in units], t, to_ball(readout))


def sharpness_balanced(reg: Regression, L: int, bits: int) -> Number:
    """``S_bal``: the sharpness (H) of :func:`balanced_minimiser` (hidden widths 1 suffice: S does
    not depend on them)."""
    with working_precision(bits):
        layers = balanced_minimiser(reg, [reg.d] + [1] * L, bits)
        readout = np.array([layers[-1].flat[0] ** 0], dtype=object)
        exact = isinstance(layers[0].flat[0], fmpq)
        sigma = reg.sigma if exact else np.vectorize(lambda x: _ball(x, bits), otypes=[object])(reg.sigma)
        return sharpness_at_minimiser(layers, readout, sigma, bits)


# ============================================================================ S_min (MC-T1-UP)


def smin_objective_matrix(reg: Regression, L: int, t: fmpq) -> fmpq_mat:
    """``(t^{L−1}I + (L−1)t^{−1}w⋆w⋆ᵀ)Σ``: similar to ``xΣ + (L−1)x^{−1/(L−1)}Σ^{½}w⋆w⋆ᵀΣ^{½}`` at
    ``x = t^{L−1}``; its top eigenvalue is half the sharpness of the aligned rank-one minimiser
    with ``‖W_L⋯W_2‖² = x`` (rational in ``t``)."""
    d = reg.d
    eye = np.array([[fmpq(int(i == j)) for j in range(d)] for i in range(d)], dtype=object)
    return _fmpq_mat((t ** (L - 1) * eye + (L - 1) * np.multiply.outer(reg.w_star, reg.w_star) / t) @ reg.sigma)


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
    zetas = [reg.w_star] + [rational_array([_exact_float(c) for c in z]) for z in directions]
    zetas += [_simple_direction(z, 10 ** k) for z in directions for k in range(1, 5)]
    sm = [((z @ reg.sigma @ reg.sigma @ z) / (z @ reg.sigma @ z), (reg.w_star @ reg.sigma @ z) ** 2 / (z @ reg.sigma @ z))
          for z in zetas]
    lowers = [_dual_bound(s, m, L, bits) for s, m in sm if m != 0]
    if len(directions) == 2:
        (s1, m1), (s2, m2) = sm[1], sm[2]
        mix = minimize_scalar(lambda al: -(al * float(s1) + (1 - al) * float(s2)) ** (1 / L)
                              * max(al * float(m1) + (1 - al) * float(m2), 0.0) ** (1 - 1 / L),
                              bounds=(0.0, 1.0), method="bounded", options={"xatol": 1e-14})
        al = _exact_float(float(mix.x))
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
        lo = max((_ball(x, bits).lower() for x in lowers), key=lambda a: float(a))
        hi = min((_ball(x, bits).upper() for x in uppers), key=lambda a: float(a))
        if not arb(lo) <= arb(hi):
            raise MeasurementError(f"S_min enclosure is empty: lower {lo} > upper {hi} (a bug)")
        return arb(lo).union(arb(hi))


# ============================================================================ system: minimisers

MINIMISER_QUANTITIES = {
    "L": "depth (number of weight matrices)",
    "d": "input dimension",
    "n": "number of samples",
    "width": "narrowest hidden width (d when L = 1)",
    "P": "number of parameters",
    "lam": "λ, smallest eigenvalue of Σ = XᵀX/n",
    "Lambda": "Λ, largest eigenvalue of Σ",
    "a": "a = w⋆ᵀΣw⋆/‖w⋆‖²",
    "wnorm": "‖w⋆‖",
    "S": "sharpness λ_max(∇²R(W)) (signed): formula (H) at minimisers, the full Hessian elsewhere; exact or certified ball",
    "S_H": "2λ_max(GΣ), formula (H) at W (the sharpness only at minimisers)",
    "cR": "Rayleigh certificate 2(Σw⋆)ᵀG(Σw⋆)/(w⋆ᵀΣw⋆) ≤ S, exact",
    "S_min": "infimum of the sharpness over all global minimisers (MC-T1-UP), exact or certified ball",
    "S_bal": "sharpness of the balanced aligned rank-one minimiser",
    "hess_gap": "max |∇²R − Jᵀ(2Σ)J| over entries, exact",
    "spec_gap": "max |coefficient| of charpoly(∇²R) − x^{P−d}·charpoly(2GΣ), exact",
    "dist": "‖w(W) − w⋆‖ (0 at minimisers)",
    "eta": "step size η = eta_factor/(L·a·‖w⋆‖^{2−2/L}) (eta_factor drawn in [1/2, 2])",
}

DRAWS = ("generic", "rescaled", "rank_one", "balanced", "flattest")


def _hidden_unit(draw: Any, m: int) -> np.ndarray:
    r = draw(st.lists(rationals(4, 3), min_size=m - 1, max_size=m - 1))
    return rational_unit_vector(r, draw(st.integers(0, m - 1)), 1)


def _draw_layers(draw: Any, kind: str, widths: list[int], reg: Regression) -> list[np.ndarray]:
    """Layers of the given ``kind``: a global minimiser (generic, rescaled, rank_one, balanced) or
    an arbitrary point (``anywhere``)."""
    L = len(widths) - 1
    one = np.array([fmpq(1)], dtype=object)
    if kind in ("balanced", "rank_one", "flattest"):
        units = [_hidden_unit(draw, m) for m in widths[1:-1]]
        return lin.aligned_rank_one(reg.w_star, units, _rank_one_scale(draw, kind, reg, L), one)
    layers = [rational_array(draw(matrices(widths[k + 1], widths[k]))) for k in range(L)]
    if kind == "anywhere":
        size = rational(draw(st.sampled_from(["0", "1/8", "1/2", "1"])))
        return [size * W for W in layers]
    a1 = lin.left_vectors(layers, one)[0]
    assume(any(x != 0 for x in a1))
    layers = lin.complete_minimiser(layers[1:], layers[0], reg.w_star, one)
    if kind == "rescaled":  # per-layer factors p/q, or extreme (10^{±3}): strongly unbalanced minimisers
        factors = [draw(st.sampled_from([fmpq(1, 1000), fmpq(1000)])) if draw(st.booleans())
                   else fmpq(draw(st.integers(1, 9)), draw(st.integers(1, 9))) for _ in range(L - 1)]
        first = fmpq(1)
        for c in factors:
            first /= c
        layers = [c * W for c, W in zip([first, *factors], layers)]
    return layers


def _rank_one_scale(draw: Any, kind: str, reg: Regression, L: int) -> fmpq:
    """``t`` of an aligned rank-one minimiser: ``‖w⋆‖^{1/L}`` (balanced), the float optimum of
    MC-T1-UP rounded to a denominator ≤ 16 (flattest: near S_min, not at it), or random."""
    if kind == "balanced" and rational_root(reg.wnorm2, 2 * L) is not None:
        return rational_root(reg.wnorm2, 2 * L)
    if kind == "flattest" and L >= 2:
        t = Fraction(math.exp(smin_float_optimum(reg, L)[0] / (2 * L - 2))).limit_denominator(16)  # x = t^{2(L−1)}
        return fmpq(max(t, Fraction(1, 16)).numerator, max(t, Fraction(1, 16)).denominator)
    return fmpq(draw(st.integers(1, 4)), draw(st.integers(1, 4)))


@st.composite
def minimiser_instances(draw: Any, depth: Range, dim: Range, width: Range, draws: tuple[str, ...],
                        degenerate: bool = False, structured: bool = True) -> dict:
    """Exact data, exact layers of one of ``draws`` and a step factor (see :func:`_draw_layers`)."""
    L = draw(lin.mostly_at_least_two(*depth))
    data = draw(regression_data(L, dim, structured=structured, degenerate=degenerate))
    reg = regression(data)
    assume((reg.scope_allowing_singular if degenerate else reg.scope) is None)
    widths = [reg.d] + [draw(st.integers(*width)) for _ in range(L - 1)] + [1]
    kind = draw(lin.near_uniform(draws))
    layers = _draw_layers(draw, kind, widths, reg)
    return {**data, "draw": kind, "layers": to_jsonable(layers), "eta_factor": f"{draw(st.integers(4, 16))}/8"}


@dataclass
class MinimiserCase:
    """One instance of :func:`minimisers`: its regression, exact layers and lazily measured quantities."""

    reg: Regression
    layers: list[np.ndarray]
    eta_factor: fmpq

    @property
    def L(self) -> int:
        return len(self.layers)

    @cached_property
    def readout(self) -> np.ndarray:
        return np.array([fmpq(1)], dtype=object)

    @cached_property
    def residual(self) -> np.ndarray:
        return lin.end_to_end(self.layers, self.readout) - self.reg.w_star

    @property
    def at_minimiser(self) -> bool:
        return all(x == 0 for x in self.residual)

    def quantity(self, name: str, bits: int) -> Enclosure:
        reg, L = self.reg, self.L
        if name in ("L", "d", "n", "P", "width"):
            return Enclosure.exact({"L": L, "d": reg.d, "n": reg.n, "P": sum(W.size for W in self.layers),
                                    "width": min(W.shape[1] for W in self.layers)}[name])
        if name == "S":
            if self.at_minimiser:
                return _enclosure(sharpness_at_minimiser(self.layers, self.readout, reg.sigma, bits),
                                  "formula (H): exact characteristic polynomial of GΣ, top root isolated")
            return _enclosure(sharpness_full(self.layers, self.readout, reg.sigma, reg.b, bits),
                              "full exact Hessian (HVP columns), top root of its characteristic polynomial isolated")
        makers: dict[str, Callable[[], Number]] = {
            "lam": lambda: reg.lam(bits),
            "Lambda": lambda: reg.Lambda(bits),
            "a": lambda: reg.a,
            "wnorm": lambda: reg.wnorm(bits),
            "S_H": lambda: sharpness_at_minimiser(self.layers, self.readout, reg.sigma, bits),
            "cR": lambda: rayleigh_certificate(self.layers, self.readout, reg.sigma, reg.w_star),
            "S_min": lambda: smin_enclosure(reg, L, bits),
            "S_bal": lambda: sharpness_balanced(reg, L, bits),
            "hess_gap": lambda: hessian_gap(self.layers, self.readout, reg.sigma, reg.b),
            "spec_gap": lambda: spectrum_gap(self.layers, self.readout, reg.sigma, reg.b),
            "dist": lambda: rational_power(self.residual @ self.residual, 1, 2, bits),
            "eta": lambda: _step(self.eta_factor, reg, L, bits),
        }
        return _enclosure(makers[name](), "exact rationals / isolated algebraic roots")


def _measured(case: Any, names: frozenset[str], bits: int) -> dict[str, Enclosure]:
    """``case.quantity(name, bits)`` for every name, with every ball operation at ``bits``."""
    with working_precision(bits):
        return {name: case.quantity(name, bits) for name in names}


def _step(factor: fmpq, reg: Regression, L: int, bits: int) -> Number:
    """``η = factor / (L·a·‖w⋆‖^{2−2/L})`` (the plotted threshold of MC-LR times ``factor``)."""
    with working_precision(bits):
        scale = reg.wnorm_power(L, bits)
        return factor / (L * reg.a * scale) if isinstance(scale, fmpq) else _ball(factor, bits) / (L * reg.a * scale)


@lru_cache(maxsize=2048)
def _minimiser_case(blob: str) -> MinimiserCase:
    inst = json.loads(blob)
    return MinimiserCase(regression(inst), [rational_array(W) for W in inst["layers"]], rational(inst.get("eta_factor", 1)))


def minimiser_case(instance: dict) -> MinimiserCase:
    return _minimiser_case(json.dumps(instance, sort_keys=True))


def _layer_shapes_reason(layers: Sequence[np.ndarray], d: int) -> str | None:
    if not layers or layers[0].ndim != 2 or layers[0].shape[1] != d:
        return f"the first layer must have d = {d} columns"
    for k, (W, V) in enumerate(zip(layers[:-1], layers[1:]), start=1):
        if V.ndim != 2 or V.shape[1] != W.shape[0]:
            return f"layers {k} and {k + 1} do not compose"
    if layers[-1].shape[0] != 1:
        return "the last layer must have one row (scalar output)"
    return None


@system_family(quantities=MINIMISER_QUANTITIES)
def minimisers(depth: Range = (1, 4), dim: Range = (1, 4), width: Range = (1, 3),
               draws: tuple[str, ...] = DRAWS, at_minimiser: bool = True, degenerate: bool = False,
               structured: bool = True) -> System:
    """Global minimisers of deep linear regression (exact rationals), drawn several ways.

    ``draws``: ``generic`` (random upper layers, first layer completing the product to w⋆),
    ``rescaled`` (generic with per-layer factors multiplying to 1: strongly unbalanced),
    ``rank_one`` (aligned rank-one, random scale t), ``balanced`` (aligned rank-one with equal
    layer norms ‖w⋆‖^{1/L}), ``flattest`` (aligned rank-one at a simple rational t near the
    optimum of MC-T1-UP: S within ~1e-3 of S_min).  With ``at_minimiser=False`` every layer is
    random, times a size in {0, 1/8, 1/2, 1} (``anywhere``): the points are not minimisers (for
    refuting claims that need that hypothesis).  With ``degenerate`` the data are singular or
    near-singular (:func:`degenerate_data`; ``flattest`` needs Σ ≻ 0 and is not drawn), singular
    Σ is in scope, and ``a``, ``wnorm`` refer to the minimum-norm solution ``w⋆_mn``.  With
    ``structured=False`` only generic data are drawn (no equality cases: for claims that fail only
    when Λ > a, such as mutations trading a for Λ).
    """
    chosen = tuple(k for k in draws if not (degenerate and k == "flattest")) if at_minimiser else ("anywhere",)

    def scope(instance: dict, precision: Precision) -> str | None:
        case = minimiser_case(instance)
        reason = ((case.reg.scope_allowing_singular if degenerate else case.reg.scope)
                  or _layer_shapes_reason(case.layers, case.reg.d))
        if reason is None and at_minimiser and not case.at_minimiser:
            reason = "w(W) ≠ w⋆ exactly: not a global minimiser"
        return reason

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        return _measured(minimiser_case(instance), names, precision.bits)

    where = "global minimisers" if at_minimiser else "arbitrary points"
    return System(
        name=f"minimisers(depth={depth}, dim={dim}, width={width}, draws={chosen}"
             + (", degenerate=True" if degenerate else "") + ("" if structured else ", structured=False") + ")",
        description=f"deep linear regression, {where} ({', '.join(chosen)}), exact rational layers and data",
        quantities=MINIMISER_QUANTITIES,
        strategy=minimiser_instances(depth, dim, width, chosen, degenerate, structured),
        measure=measure, scope=scope,
        features=lambda inst: {**data_features(inst, len(inst["layers"])), "draw": inst.get("draw", "given")},
        hypotheses=(("Σ = XᵀX/n ⪰ 0 singular or near-singular, w⋆ := w⋆_mn = Σ⁺b",) if degenerate else
                    ("Σ = XᵀX/n ≻ 0 (n ≥ d, rank d)",)) + ("w⋆ ≠ 0 (Xw⋆ ≠ 0)",) + (
            ("w(W) = w⋆ exactly (global minimiser)",) if at_minimiser else ()),
        parameters={"depth": depth, "dim": dim, "width": width, "draws": chosen, "at_minimiser": at_minimiser,
                    "degenerate": degenerate, "structured": structured},
    )


# ============================================================================ systems: gradient flow and descent

FLOW_ENTRIES = (3, 3)  # data entries p/q with |p|, q ≤ 3 for the dynamical systems
MAX_CONDITION = 100.0


FLOW_QUANTITIES = {
    "L": "depth", "d": "input dimension", "n": "number of samples", "width": "narrowest hidden width",
    "lam": "λ, smallest eigenvalue of Σ", "Lambda": "Λ, largest eigenvalue of Σ", "a": "a = w⋆ᵀΣw⋆/‖w⋆‖²",
    "wnorm": "‖w⋆‖",
    "S": "sharpness of the GF limit: (H) at the end of the run + Weyl budget of the residual term + integration and tail estimates",
    "S_bal": "sharpness of the balanced aligned rank-one minimiser (exact or certified)",
    "S_min": "minimal sharpness over global minimisers (exact or certified)",
    "dist": "‖w − w⋆‖ of the GF limit: the end of the run, or, if the run did not reach tol, only known to lie in [0, √((R(T)−R⋆)/λ)]",
    "converged": "1 if the run reached ‖w − w⋆‖ ≤ tol before its horizon, else 0",
    "tol": "the convergence tolerance of the claim on ‖w − w⋆‖ (the run goes on to tol/10)",
    "log_t": "log10 of the time at which the run stopped",
    "sigma2": "max over layers of the second singular value σ₂(W_k) at the limit",
    "sigma_ratio": "max over layers of σ₂(W_k)/σ₁(W_k) at the limit",
    "imbalance": "√(Σ_k ‖W_kW_kᵀ − W_{k+1}ᵀW_{k+1}‖₂) at initialisation (conserved by GF)",
    "gap": "min over layers k ≥ 2 of σ₁(W_k)² − σ₂(W_k)² at the limit",
    "misalign": "max over k of sin∠(top right singular vector of W_{k+1}, top left singular vector of W_k) at the limit",
    "misalign_u": "sin∠(top right singular vector of W_1, w⋆) at the limit",
}

SMALL_QUANTITIES = {**FLOW_QUANTITIES, "scale": "initialisation scale ε (entries ε·N(0,1))",
                    "gain": "extra factor on the first layer at initialisation (1: plain Gaussian)",
                    "C_small": "the flatness constant of MC-SMALL (parameter)"}
RESIDUAL_QUANTITIES = {**FLOW_QUANTITIES, "s": "residual scale: W_k(0) = I + (s/√(Ld))N_k",
                       "C_res": "the flatness constant of MC-RES (parameter, unconfirmed)"}
GD_QUANTITIES = {k: v for k, v in SMALL_QUANTITIES.items() if k not in ("C_small",)}
GD_QUANTITIES.update({"eta": "GD step η = eta_factor/(L·a·‖w⋆‖^{2−2/L})",
                      "converged": "1 if GD reached ‖w − w⋆‖ ≤ tol within its step budget, else 0",
                      "dist": "‖w − w⋆‖ where GD stopped (∞ encoded as 1e300 when it diverged)"})


@dataclass(frozen=True)
class FlowSetting:
    """How a flow instance is run: the claim's tolerance ``tol`` on ‖w − w⋆‖ (the run goes on to
    ``tol/10``, so that a converged run meets the claim by a margin its error estimate cannot eat)
    and the step budget at precision level 0 (×4 per escalation)."""

    tol: float = 1e-8
    max_steps: int = 50_000

    @property
    def run_tol(self) -> float:
        return self.tol / 10


@dataclass
class FlowCase:
    """A gradient-flow (or descent) run on an instance, and the limit quantities measured on it."""

    reg: Regression
    readout: np.ndarray
    init: list[np.ndarray]
    run: lin.FlowRun
    tol: float
    extra: dict[str, Enclosure]

    @cached_property
    def L(self) -> int:
        return len(self.init)

    def _limit(self, f: Callable[[list[np.ndarray]], float], extra_error: float = 0.0, note: str = "") -> Enclosure:
        """``f`` at the end of the run, with error: two-tolerance difference + change since the
        checkpoint (100·tol) + ``extra_error`` + rounding."""
        if not self.run.converged:
            raise MeasurementError(f"the flow did not reach ‖w − w⋆‖ ≤ {self.tol / 10:g} (stopped at t = {self.run.time:.3g}, "
                                   f"‖w − w⋆‖ = {self.run.distance:.3g}): the limit is unknown")
        v = f(self.run.layers)
        err = abs(v - f(self.run.coarse)) + abs(v - f(self.run.checkpoint)) + extra_error + 1e-12 * (1 + abs(v))
        return Enclosure.estimate(v, err, note or f"limit estimate: {self.run.method}; + change since ‖w − w⋆‖ ≤ {10 * self.tol:g}")

    def quantity(self, name: str, bits: int) -> Enclosure:
        reg, run = self.reg, self.run
        sigma_f = reg.floats[0]
        if name in self.extra:
            return self.extra[name]
        if name in ("L", "d", "n", "width"):
            return Enclosure.exact({"L": self.L, "d": reg.d, "n": reg.n, "width": min(W.shape[1] for W in self.init)}[name])
        exact: dict[str, Callable[[], Number]] = {
            "lam": lambda: reg.lam(bits), "Lambda": lambda: reg.Lambda(bits), "a": lambda: reg.a,
            "wnorm": lambda: reg.wnorm(bits), "S_bal": lambda: sharpness_balanced(reg, self.L, bits),
            "S_min": lambda: smin_enclosure(reg, self.L, bits),
        }
        if name in exact:
            return _enclosure(exact[name](), "exact rationals / isolated algebraic roots")
        if name == "S":
            p = self.readout
            return self._limit(lambda Ws: sharpness_float(Ws, p, sigma_f),
                               lin.residual_curvature_bound(run.layers, p, sigma_f, reg.floats[1]),
                               f"(H) at the end of the run + Weyl budget of the residual term; {run.method}")
        if name == "dist":
            return self._distance(bits)
        if name == "converged":
            return Enclosure.estimate(float(run.converged), 0.0, run.method)
        if name == "tol":
            return Enclosure.exact(_exact_float(self.tol))
        if name == "log_t":
            return Enclosure.estimate(math.log10(max(run.time, 1e-300)), 0.0, run.method)
        if name == "imbalance":
            return Enclosure.estimate(_imbalance(self.init), 1e-13, "float64 at initialisation")
        if name == "misalign_u":
            u = reg.floats[2] / np.linalg.norm(reg.floats[2])
            return self._limit(lambda Ws: _sin(_singular(Ws[0])[2][0], u))
        return self._limit(SPECTRAL[name])

    def _distance(self, bits: int) -> Enclosure:
        run = self.run
        if run.converged:
            _, _, w_f = self.reg.floats
            coarse = float(np.linalg.norm(lin.end_to_end(run.coarse, self.readout) - w_f))
            return Enclosure.estimate(run.distance, abs(run.distance - coarse) + 1e-15, run.method)
        # Not converged: R is non-increasing along GF, so the limit's (w − w⋆)ᵀΣ(w − w⋆) ≤ its value now.
        sigma_f, _, w_f = self.reg.floats
        e = lin.end_to_end(run.layers, self.readout) - w_f
        bound = math.sqrt(max(float(e @ sigma_f @ e), 0.0) / float(_ball(self.reg.lam(bits), bits).mid()))
        return Enclosure.estimate(bound / 2, bound / 2, f"not converged by t = {run.time:.3g}: the limit distance lies in "
                                  f"[0, √((R(T) − R⋆)/λ)] = [0, {bound:.3g}] (R non-increasing)")


def _singular(W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    return np.linalg.svd(np.asarray(W, dtype=float))


def _sigma2(W: np.ndarray) -> float:
    s = _singular(W)[1]
    return float(s[1]) if s.size > 1 else 0.0


def _sin(u: np.ndarray, v: np.ndarray) -> float:
    """``sin∠(u, v)`` of unit vectors, stably (``‖u − (uᵀv)v‖``)."""
    return float(np.linalg.norm(u - (u @ v) * v))


def _misalign(Ws: list[np.ndarray]) -> float:
    """max_k sin∠(v₁(W_{k+1}), u₁(W_k)) over consecutive layers."""
    out = 0.0
    for W, V in zip(Ws[:-1], Ws[1:]):
        u = _singular(W)[0][:, 0]
        v = _singular(V)[2][0]
        out = max(out, _sin(u, v))
    return out


def _imbalance(Ws: list[np.ndarray]) -> float:
    return math.sqrt(sum(float(np.linalg.norm(D, 2)) for D in lin.imbalances([np.asarray(W, float) for W in Ws])))


SPECTRAL: dict[str, Callable[[list[np.ndarray]], float]] = {
    "sigma2": lambda Ws: max(_sigma2(W) for W in Ws),
    "sigma_ratio": lambda Ws: max(_sigma2(W) / float(_singular(W)[1][0]) for W in Ws),
    "gap": lambda Ws: min(float(_singular(W)[1][0]) ** 2 - _sigma2(W) ** 2 for W in Ws[1:]),
    "misalign": _misalign,
}


def _float_layers(shapes_: Sequence[tuple[int, int]], rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.standard_normal(s) for s in shapes_]


def _flow_case(instance: dict, precision: Precision, init: list[np.ndarray], readout: np.ndarray,
               setting: FlowSetting, extra: dict[str, Enclosure]) -> FlowCase:
    reg = regression(instance)
    sigma_f, b_f, w_f = reg.floats
    run = lin.gradient_flow_to_minimiser(init, readout, sigma_f, b_f, w_f, setting.run_tol, precision.rtol,
                                         max_steps=setting.max_steps * 4 ** precision.level)
    return FlowCase(reg, readout, init, run, setting.tol, extra)


@st.composite
def flow_instances(draw: Any, depth: Range, dim: Range, width: Range, scales: tuple[str, ...],
                   gains: tuple[str, ...]) -> dict:
    L = draw(lin.mostly_at_least_two(*depth))
    data = draw(regression_data(L, dim, entry=FLOW_ENTRIES))
    assume(regression(data).scope is None)
    widths = [len(data["X"][0])] + [draw(st.integers(*width)) for _ in range(L - 1)] + [1]
    return {**data, "widths": widths, "scale": draw(st.sampled_from(scales)), "gain": draw(st.sampled_from(gains)),
            "seed": draw(st.integers(0, 2 ** 16))}


def small_init(instance: dict) -> list[np.ndarray]:
    """``W_k(0) = ε·N_k`` (``N_k`` standard Gaussian from ``seed``), the first layer times ``gain``."""
    widths = instance["widths"]
    rng = np.random.default_rng(instance["seed"])
    eps, gain = _to_float(instance["scale"]), _to_float(instance.get("gain", "1"))
    layers = [eps * N for N in _float_layers([(widths[k + 1], widths[k]) for k in range(len(widths) - 1)], rng)]
    layers[0] = gain * layers[0]
    return layers


def _to_float(x: Any) -> float:
    q = rational(x)
    return int(q.p) / int(q.q)


@lru_cache(maxsize=512)
def _small_case(blob: str, rtol: float, level: int, tol: float, max_steps: int, C_small: str) -> FlowCase:
    inst = json.loads(blob)
    extra = {"scale": Enclosure.exact(rational(inst["scale"])), "gain": Enclosure.exact(rational(inst.get("gain", "1"))),
             "C_small": Enclosure.exact(rational(C_small))}
    return _flow_case(inst, Precision(rtol=rtol, level=level), small_init(inst), np.ones(1), FlowSetting(tol, max_steps), extra)


def _conditioning_reason(reg: Regression) -> str | None:
    """The dynamical systems take κ(Σ) ≤ MAX_CONDITION: the theorems hold for every κ, but the
    time to converge (and the cost of a run) grows with κ."""
    kappa = float(np.linalg.cond(reg.floats[0]))
    return f"κ(Σ) = {kappa:.3g} > {MAX_CONDITION:g} (the runs' cost grows with κ)" if kappa > MAX_CONDITION else None


def _flow_scope(instance: dict, precision: Precision) -> str | None:
    reg = regression(instance)
    if reg.scope:
        return reg.scope
    if instance["widths"][0] != reg.d or instance["widths"][-1] != 1:
        return "widths must start at d and end at 1"
    return _conditioning_reason(reg)


def _flow_features(instance: dict) -> dict[str, Any]:
    return {**data_features(instance, len(instance["widths"]) - 1), "init scale": instance["scale"]}


@system_family(quantities=SMALL_QUANTITIES)
def small_init_flow(depth: Range = (2, 4), dim: Range = (1, 3), width: Range = (1, 3),
                    scales: tuple[str, ...] = ("1/32", "1/16", "1/8"), gains: tuple[str, ...] = ("1",),
                    C_small: str = "8", tol: float = 1e-8) -> System:
    """Gradient flow of deep linear regression from W_k(0) = ε·N_k (first layer × gain), run to
    ‖w − w⋆‖ ≤ tol (THEOREMS.md MC-SMALL, §0.3-4).

    ``scales``: the initialisation scales ε drawn (ε < ε₀ is an unconfirmed hypothesis: a
    parameter); ``gains`` > 1 make the initialisation unbalanced (outside MC-SMALL's hypotheses);
    ``C_small``: the flatness constant (default 8, from the authors' code, unconfirmed as the
    paper's).
    """
    setting = FlowSetting(tol)

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        case = _small_case(json.dumps(instance, sort_keys=True), precision.rtol, precision.level, setting.tol,
                           setting.max_steps, C_small)
        return _measured(case, names, precision.bits)

    return System(
        name=f"small_init_flow(depth={depth}, dim={dim}, width={width}, scales={scales}, gains={gains}, C_small={C_small})",
        description="gradient flow of deep linear regression from a small Gaussian initialisation, to convergence",
        quantities=SMALL_QUANTITIES, strategy=flow_instances(depth, dim, width, scales, gains),
        measure=measure, scope=_flow_scope, features=_flow_features, dynamical=True,
        hypotheses=("Σ ≻ 0", "w⋆ ≠ 0", f"κ(Σ) ≤ {MAX_CONDITION:g}", f"initialisation scale ε ∈ {scales} (ε < ε₀ unconfirmed)",
                    f"first-layer gain ∈ {gains}"),
        parameters={"depth": depth, "dim": dim, "width": width, "scales": scales, "gains": gains, "C_small": C_small,
                    "tol": tol},
    )


@st.composite
def residual_instances(draw: Any, depth: Range, dim: Range, s_values: tuple[str, ...], unit_target: bool) -> dict:
    L = draw(lin.mostly_at_least_two(*depth))
    # targets of any norm include the tiny and huge scales (‖w⋆‖ = 8^{±L}), where the norm matters most
    data = draw(regression_data(L, dim, entry=FLOW_ENTRIES, structured=not unit_target, unit_target=unit_target))
    reg = regression(data)
    assume(reg.scope is None)
    p = rational_unit_vector(draw(vectors(reg.d - 1)), draw(st.integers(0, reg.d - 1)), draw(st.sampled_from([1, -1])))
    return {**data, "L": L, "s": draw(st.sampled_from(s_values)), "p": to_jsonable(p), "seed": draw(st.integers(0, 2 ** 16))}


def residual_init(instance: dict) -> list[np.ndarray]:
    """``W_k(0) = I + (s/√(L·d))·N_k`` (``N_k`` standard Gaussian from ``seed``)."""
    L, d = instance["L"], len(instance["X"][0])
    rng = np.random.default_rng(instance["seed"])
    c = _to_float(instance["s"]) / math.sqrt(L * d)
    return [np.eye(d) + c * N for N in _float_layers([(d, d)] * L, rng)]


@lru_cache(maxsize=512)
def _residual_case(blob: str, rtol: float, level: int, tol: float, max_steps: int, C_res: str) -> FlowCase:
    inst = json.loads(blob)
    p = _float(rational_array(inst["p"]))
    return _flow_case(inst, Precision(rtol=rtol, level=level), residual_init(inst), p, FlowSetting(tol, max_steps),
                      {"s": Enclosure.exact(rational(inst["s"])), "C_res": Enclosure.exact(rational(C_res))})


def _residual_scope(instance: dict, precision: Precision) -> str | None:
    reg = regression(instance)
    if reg.scope:
        return reg.scope
    p = rational_array(instance["p"])
    if len(p) != reg.d or p @ p != 1:
        return "the readout p must be a unit vector of dimension d"
    return _conditioning_reason(reg)


@system_family(quantities=RESIDUAL_QUANTITIES)
def residual_flow(depth: Range = (2, 4), dim: Range = (1, 3), s_values: tuple[str, ...] = ("1/4", "1/2", "1"),
                  tol: float = 1e-8, C_res: str = "8", unit_target: bool = True) -> System:
    """Gradient flow of the deep linear residual network x ↦ pᵀW_L⋯W_1x (all W_k ∈ ℝ^{d×d} trained,
    p a fixed rational unit vector) from W_k(0) = I + (s/√(Ld))N_k (THEOREMS.md MC-RES, setup from
    the authors' code), run to ‖w − w⋆‖ ≤ tol.  ``C_res`` is the flatness constant of the claim
    S ≤ C_res·LΛ‖w⋆‖^{2−2/L} [unconfirmed — a parameter; the default 8 is MC-SMALL's constant from
    the authors' code, borrowed].  ``unit_target``: ‖w⋆‖ = 1, as in the authors' code (the residual
    initialisation has scale 1 whatever ‖w⋆‖ is, so the bound's factor ‖w⋆‖^{2−2/L} is only
    meaningful at that normalisation)."""
    setting = FlowSetting(tol)

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        case = _residual_case(json.dumps(instance, sort_keys=True), precision.rtol, precision.level, setting.tol,
                              setting.max_steps, C_res)
        return _measured(case, names, precision.bits)

    return System(
        name=f"residual_flow(depth={depth}, dim={dim}, s_values={s_values}, C_res={C_res}, unit_target={unit_target})",
        description="gradient flow of a deep linear residual network with a fixed unit readout, to convergence",
        quantities=RESIDUAL_QUANTITIES, strategy=residual_instances(depth, dim, s_values, unit_target),
        measure=measure, scope=_residual_scope, dynamical=True,
        features=lambda inst: {**data_features(inst, inst["L"]), "s": inst["s"]},
        hypotheses=("Σ ≻ 0", "w⋆ ≠ 0", f"κ(Σ) ≤ {MAX_CONDITION:g}", "‖p‖ = 1", f"s ∈ {s_values}")
        + (("‖w⋆‖ = 1",) if unit_target else ()),
        parameters={"depth": depth, "dim": dim, "s_values": s_values, "tol": tol, "C_res": C_res,
                    "unit_target": unit_target},
    )


@st.composite
def descent_instances(draw: Any, depth: Range, dim: Range, width: Range, scales: tuple[str, ...]) -> dict:
    inst = draw(flow_instances(depth, dim, width, scales, ("1",)))
    inst["eta_factor"] = f"{draw(st.integers(4, 12))}/8"
    return inst


@lru_cache(maxsize=512)
def _descent_case(blob: str, bits: int, tol: float, max_steps: int) -> FlowCase:
    inst = json.loads(blob)
    reg = regression(inst)
    init = small_init(inst)
    L = len(init)
    with working_precision(bits):
        eta = _step(rational(inst["eta_factor"]), reg, L, bits)
    sigma_f, b_f, w_f = reg.floats
    run = lin.gradient_descent_run(init, np.ones(1), sigma_f, b_f, w_f, float(_ball(eta, bits).mid()), max_steps, tol)
    extra = {"eta": _enclosure(eta, "exact"), "scale": Enclosure.exact(rational(inst["scale"])),
             "gain": Enclosure.exact(1),
             "converged": Enclosure.estimate(float(run.converged), 0.0, f"{run.method}, {run.steps} steps"),
             "dist": Enclosure.estimate(min(run.distance, 1e300), 0.0, f"{run.method}, {run.steps} steps")}
    return FlowCase(reg, np.ones(1), init, run, tol, extra)


@lru_cache(maxsize=512)
def _ball_replay(blob: str, bits: int, tol: float, max_steps: int) -> dict[str, Enclosure]:
    """``dist`` and ``converged`` of a converged float64 GD run, certified by replaying the exact
    iteration (exact η, the float start read exactly) in balls, at ``bits``, 4·bits, 16·bits until
    the radii allow it; empty when the run did not converge or even 16·bits do not suffice (the
    float estimates stand)."""
    case = _descent_case(blob, bits, tol, max_steps)
    if not case.run.converged:
        return {}
    eta, steps = case.extra["eta"].value, case.run.steps
    reg = case.reg
    for b in (bits, 4 * bits, 16 * bits):
        _, dist = lin.gradient_descent_ball(case.init, np.array([fmpq(1)], dtype=object), reg.sigma, reg.b, reg.w_star,
                                            eta, steps, b)
        if dist.is_finite() and dist.upper() <= tol:
            note = f"exact GD iteration replayed in arb balls at {b} bits: ‖w_T − w⋆‖ ≤ {float(dist.upper()):.3g} at T = {steps}"
            return {"dist": Enclosure.ball(dist, note), "converged": Enclosure.exact(1, note)}
    return {}


@system_family(quantities=GD_QUANTITIES)
def descent(depth: Range = (2, 3), dim: Range = (1, 3), width: Range = (1, 3), scales: tuple[str, ...] = ("1/8", "1/4", "1/2"),
            tol: float = 1e-8, max_steps: int = 4000, converged_only: bool = False) -> System:
    """Gradient descent W ← W − η∇R(W) (float64) of deep linear regression from W_k(0) = ε·N_k, with
    η = eta_factor/(L·a·‖w⋆‖^{2−2/L}), eta_factor ∈ [1/2, 3/2] (THEOREMS.md MC-LR); stops at
    ‖w − w⋆‖ ≤ tol, at divergence, or after max_steps.  With ``converged_only`` a run that does
    not converge is outside the scope (it has no limit whose sharpness ``S`` could be measured)."""

    def case(instance: dict, precision: Precision) -> FlowCase:
        return _descent_case(json.dumps(instance, sort_keys=True), precision.bits, tol, max_steps * 4 ** precision.level)

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        values = _measured(case(instance, precision), names, precision.bits)
        if names & {"converged", "dist"}:
            replay = _ball_replay(json.dumps(instance, sort_keys=True), precision.bits, tol, max_steps * 4 ** precision.level)
            values.update({k: v for k, v in replay.items() if k in names})
        return values

    def scope(instance: dict, precision: Precision) -> str | None:
        reason = _flow_scope(instance, precision)
        if reason is None and converged_only and not case(instance, precision).run.converged:
            run = case(instance, precision).run
            return f"GD did not converge ({run.method}, {run.steps} steps): no limit"
        return reason

    return System(
        name=f"descent(depth={depth}, dim={dim}, width={width}, scales={scales}"
             + (", converged_only=True)" if converged_only else ")"),
        description="gradient descent with step η on deep linear regression from a small Gaussian initialisation",
        quantities=GD_QUANTITIES, strategy=descent_instances(depth, dim, width, scales),
        measure=measure, scope=scope, features=_flow_features, dynamical=True,
        hypotheses=("Σ ≻ 0", "w⋆ ≠ 0", f"κ(Σ) ≤ {MAX_CONDITION:g}") + (("GD converges (‖w − w⋆‖ ≤ tol)",)
                                                                        if converged_only else ()),
        parameters={"depth": depth, "dim": dim, "width": width, "scales": scales, "tol": tol, "max_steps": max_steps,
                    "converged_only": converged_only},
    )


# ============================================================================ figures


def _example(L: int, d: int = 3, n: int = 8, seed: int = 0) -> dict:
    """A fixed exact regression instance for figures: integer X, ``w⋆`` a rational unit vector, y = Xw⋆."""
    rng = np.random.default_rng(seed)
    X = rational_array(rng.integers(-3, 4, size=(n, d)).tolist())
    u = rational_unit_vector([fmpq(1, 2), fmpq(-1, 3)][: d - 1], 0, 1)
    return {"X": to_jsonable(X), "y": to_jsonable(X @ u)}


def _bounds(reg: Regression, L: int, C_small: float = 8.0) -> dict[str, float]:
    bits = 64
    a, Lam, c = float(reg.a), float(_ball(reg.Lambda(bits), bits).mid()), float(_ball(reg.wnorm_power(L, bits), bits).mid())
    return {"lower": 2 * L * a * c, "S_min": float(_ball(smin_enclosure(reg, L, bits), bits).mid()),
            "S_bal": float(_ball(sharpness_balanced(reg, L, bits), bits).mid()),
            "upper": 2 * L * Lam ** (1 / L) * a ** (1 - 1 / L) * c, "C_small": C_small * L * Lam * c}


def _axes() -> tuple[Any, Any]:
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    return plt.subplots(figsize=(6.4, 4.2))


def figure_sharpness_vs_scale(path: Path) -> str:
    """Final sharpness of GF from W_k(0) = ε·N_k against ε, with the bounds (MC-T1, MC-T1-UP, MC-SMALL)."""
    L, seeds, scales = 4, range(3), np.geomspace(1 / 64, 2, 10)
    data = _example(L)
    reg = regression(data)
    sigma_f, b_f, w_f = reg.floats
    fig, ax = _axes()
    for seed in seeds:
        S = []
        for eps in scales:
            rng = np.random.default_rng(seed)
            init = [eps * N for N in _float_layers([(3, 3)] * (L - 1) + [(1, 3)], rng)]
            run = lin.gradient_flow_to_minimiser(init, np.ones(1), sigma_f, b_f, w_f, 1e-9, 1e-10)
            S.append(sharpness_float(run.layers, np.ones(1), sigma_f) if run.converged else np.nan)
        ax.plot(scales, S, "o-", ms=4, label=f"GF limit, seed {seed}")
    styles = {"lower": ("k", "--", "2La‖w⋆‖^{2−2/L} (MC-T1)"), "S_min": ("tab:green", "-", "S_min (exact)"),
              "S_bal": ("tab:blue", ":", "S_bal (balanced rank one)"),
              "upper": ("tab:purple", "-.", "2LΛ^{1/L}a^{1−1/L}‖w⋆‖^{2−2/L}"), "C_small": ("tab:red", "--", "8LΛ‖w⋆‖^{2−2/L} (MC-SMALL)")}
    for key, value in _bounds(reg, L).items():
        colour, ls, label = styles[key]
        ax.axhline(value, color=colour, ls=ls, lw=1, label=label)
    ax.set(xscale="log", yscale="log", xlabel="initialisation scale ε", ylabel="sharpness S of the GF limit",
           title=f"deep linear regression, L = {L}, d = 3 (integer X, ‖w⋆‖ = 1)")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return (f"Sharpness of the gradient-flow limit against the initialisation scale ε (L = {L}, widths 3, "
            f"three Gaussian seeds, each run to ‖w − w⋆‖ ≤ 1e-9 by LSODA). As ε → 0 the limit tends to the balanced "
            f"minimiser's S_bal, inside [S_min, 2LΛ^(1/L)a^(1−1/L)] and far below 8LΛ; large ε gives sharper limits.")


def figure_ratio_vs_depth(path: Path) -> str:
    """S/(2La‖w⋆‖^{2−2/L}) against depth: S_min, S_bal, the upper bound and random minimisers (MC-T1)."""
    depths = range(1, 11)
    fig, ax = _axes()
    rows = {"S_min": [], "S_bal": [], "upper": []}
    rng = np.random.default_rng(0)
    for L in depths:
        reg = regression(_example(L))
        b = _bounds(reg, L)
        for key in rows:
            rows[key].append(b[key] / b["lower"])
        one = np.array([fmpq(1)], dtype=object)
        for _ in range(4):
            upper = [rational_array(rng.integers(-2, 3, size=(3, 3)).tolist()) for _ in range(L - 2)]
            upper += [rational_array(rng.integers(-2, 3, size=(1, 3)).tolist())] if L > 1 else []
            if L > 1 and all(x == 0 for x in lin.left_vectors([upper[0], *upper], one)[0]):
                continue
            M = rational_array(rng.integers(-2, 3, size=(3 if L > 1 else 1, 3)).tolist())
            layers = lin.complete_minimiser(upper, M, reg.w_star, one)
            S = float(_ball(sharpness_at_minimiser(layers, one, reg.sigma, 64), 64).mid())
            ax.plot(L, S / b["lower"], "x", color="grey", ms=4)
    ax.plot(depths, rows["S_min"], "o-", color="tab:green", label="S_min (exact 1-D minimisation)")
    ax.plot(depths, rows["S_bal"], "s:", color="tab:blue", label="balanced rank-one minimiser")
    ax.plot(depths, rows["upper"], "-.", color="tab:purple", label="(Λ/a)^{1/L} (MC-T1-UP)")
    ax.plot([], [], "x", color="grey", label="random minimisers (completed first layer)")
    ax.axhline(1, color="k", ls="--", lw=1, label="MC-T1 lower bound")
    ax.set(yscale="log", xlabel="depth L", ylabel="S / (2La‖w⋆‖^{2−2/L})", title="sharpness of minimisers relative to Theorem 1")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return ("Ratio of the sharpness to the Theorem 1 lower bound 2La‖w⋆‖^{2−2/L} against depth (d = 3, integer X). "
            "Every minimiser lies above 1; S_min/(2L‖w⋆‖^{2−2/L}) → a, squeezed by (Λ/a)^{1/L} → 1; random "
            "minimisers are arbitrarily sharper (no upper bound).")


def figure_descent_vs_step(path: Path) -> str:
    """Fraction of GD runs that converge against η·S_min/2 (MC-LR)."""
    L, factors, seeds = 3, np.linspace(0.6, 1.4, 13), range(4)
    data = _example(L, d=2, n=6, seed=1)
    reg = regression(data)
    sigma_f, b_f, w_f = reg.floats
    s_min = float(_ball(smin_enclosure(reg, L, 64), 64).mid())
    fig, ax = _axes()
    for eps in (0.1, 0.5):
        frac = []
        for f in factors:
            hits = 0
            for seed in seeds:
                rng = np.random.default_rng(seed)
                init = [eps * N for N in _float_layers([(2, 2)] * (L - 1) + [(1, 2)], rng)]
                hits += lin.gradient_descent_run(init, np.ones(1), sigma_f, b_f, w_f, f * 2 / s_min, 4000, 1e-8).converged
            frac.append(hits / len(seeds))
        ax.plot(factors, frac, "o-", ms=4, label=f"init scale ε = {eps}")
    ax.axvline(1, color="k", ls="--", lw=1, label="η = 2/S_min")
    ax.set(xlabel="η · S_min / 2", ylabel="fraction of GD runs converged (4000 steps, tol 1e-8)",
           title=f"gradient descent on deep linear regression, L = {L}, d = 2")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return ("Fraction of gradient-descent runs reaching ‖w − w⋆‖ ≤ 1e-8 within 4000 steps against the step size "
            "in units of the exact threshold 2/S_min, for two initialisation scales and four seeds. Above 1 every "
            "global minimiser is linearly unstable (MC-LR) and no run converges; below it, runs converge.")


# ---------------------------------------------------------------------------- reviewers' questions (figures)


def figure_gd_sharpness_vs_step(path: Path) -> str:
    """Reviewers' question (b): sharpness of the GD limit against the step η, with 2/η (MC-REV-GD)."""
    L, factors, seeds, eps, steps = 3, np.linspace(0.3, 1.3, 11), range(4), 0.1, 20000
    reg = regression(_example(L, d=2, n=6, seed=1))
    sigma_f, b_f, w_f = reg.floats
    bound = _bounds(reg, L)
    s_min, s_bal = bound["S_min"], bound["S_bal"]
    fig, ax = _axes()
    rows = []
    for f in factors:
        eta = f * 2 / s_min
        limits = []
        for seed in seeds:
            rng = np.random.default_rng(seed)
            init = [eps * N for N in _float_layers([(2, 2)] * (L - 1) + [(1, 2)], rng)]
            run = lin.gradient_descent_run(init, np.ones(1), sigma_f, b_f, w_f, eta, steps, 1e-9)
            if run.converged:
                limits.append(sharpness_float(run.layers, np.ones(1), sigma_f))
        ax.plot([eta] * len(limits), limits, "o", color="tab:blue", ms=4)
        rows.append(f"η·S_min/2 = {f:.1f}: " + (f"S ∈ [{min(limits):.4g}, {max(limits):.4g}] ({len(limits)}/4 converged)"
                                              if limits else "no run converged"))
    etas = np.linspace(factors[0], factors[-1], 200) * 2 / s_min
    ax.plot(etas, 2 / etas, "k--", lw=1, label="2/η (linear stability of GD)")
    ax.axhline(s_min, color="tab:green", lw=1, label=f"S_min = {s_min:.4g}")
    ax.axhline(s_bal, color="tab:blue", ls=":", lw=1, label=f"S_bal = {s_bal:.4g} (GF limit as ε → 0)")
    ax.plot([], [], "o", color="tab:blue", ms=4, label="GD limits (4 seeds, ε = 0.1)")
    ax.set(xlabel="step size η", ylabel="sharpness S of the GD limit", ylim=(0, 1.6 * s_bal),
           title=f"GD against GF at large η, L = {L}, d = 2")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return (f"Sharpness of the limit of gradient descent (float64, {steps} steps, ‖w − w⋆‖ ≤ 1e-9) against η, around the "
            f"critical step 2/S_min. For η < 2/S_bal GD ends near the small-initialisation GF limit S_bal; for "
            f"2/S_bal < η < 2/S_min it ends at flatter minimisers, just below 2/η (edge of stability: no converged "
            f"limit lies above the dashed curve); above 2/S_min no run converges (MC-LR). Values: " + "; ".join(rows) + ".")


def residual_ratio_table(s_values: Sequence[float], examples: Sequence[tuple[int, int]],
                         seeds: Sequence[int]) -> dict[tuple[int, int], list[float]]:
    """max over seeds of S(W_∞)/(2La‖w⋆‖^{2−2/L}) for the residual GF limit, per example (L, d) and s
    (float64 runs to ‖w − w⋆‖ ≤ 1e-9; NaN where a run did not converge)."""
    out = {}
    for L, d in examples:
        data = _example(L, d=d)
        reg = regression(data)
        sigma_f, b_f, w_f = reg.floats
        p = _float(rational_unit_vector([fmpq(2, 3), fmpq(1, 5)][: d - 1], min(1, d - 1), 1))
        lower = _bounds(reg, L)["lower"]
        row = []
        for s in s_values:
            ratios = []
            for seed in seeds:
                inst = {"X": data["X"], "L": L, "s": str(_exact_float(float(s))), "seed": seed}
                run = lin.gradient_flow_to_minimiser(residual_init(inst), p, sigma_f, b_f, w_f, 1e-9, 1e-10)
                ratios.append(sharpness_float(run.layers, p, sigma_f) / lower if run.converged else np.nan)
            row.append(float(np.max(ratios)))
        out[(L, d)] = row
    return out


def figure_residual_constant(path: Path) -> str:
    """Reviewers' question (c): the largest residual scale s at which a constant C_res holds (MC-REV-RES)."""
    s_values, examples, seeds = np.linspace(0, 3, 13), [(2, 2), (3, 3), (4, 3)], range(3)
    table = residual_ratio_table(s_values, examples, seeds)
    fig, ax = _axes()
    rows = []
    for (L, d), ratios in table.items():
        bound = _bounds(regression(_example(L, d=d)), L)
        c8 = bound["C_small"] / bound["lower"]  # 8LΛ/(2La) = 4Λ/a
        line = ax.plot(s_values, ratios, "o-", ms=4, label=f"L = {L}, d = {d}")[0]
        ax.axhline(c8, color=line.get_color(), ls=":", lw=1)
        held = [s for k, s in enumerate(s_values) if all(r <= c8 for r in ratios[:k + 1])]
        rows.append(f"L = {L}, d = {d}: ratio {ratios[0]:.3g} at s = 0 to {ratios[-1]:.3g} at s = {s_values[-1]:g}; "
                    f"C_res = 8 (S ≤ 8LΛ‖w⋆‖^{{2−2/L}}, ratio ≤ 4Λ/a = {c8:.3g}) "
                    + (f"holds for every s ≤ {held[-1]:g} on the grid" if held else "fails already at s = 0"))
    ax.set(yscale="log", xlabel="residual scale s", ylabel="max over 3 seeds of S / (2La‖w⋆‖^{2−2/L})",
           title="residual initialisation: flatness constant against s (empirical)")
    ax.plot([], [], "k:", lw=1, label="C_res = 8 in the form 8LΛ‖w⋆‖^{2−2/L}")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    return ("EMPIRICAL (float64 gradient-flow runs on three fixed instances, three seeds each; no theorem): the "
            "sharpness of the residual GF limit relative to the Theorem 1 bound grows with the residual scale s, so "
            "no constant C_res holds for every s. " + "; ".join(rows) + ".")


# ============================================================================ statements

MIN = minimisers()
ANYWHERE = minimisers(at_minimiser=False)
BOUND = "2*L*a*wnorm**(2-2/L)"
T1 = f"{SOURCE}, Theorem 1"

theorem(
    "MC-H", system=MIN, conclusion="hess_gap + spec_gap == 0",
    title="Exact Hessian at every global minimiser: ∇²R = Jᵀ(2Σ)J, so S = 2λ_max(GΣ)",
    source=f"THEOREMS.md MC-H [derived], used with {T1}",
    notes="The Hessian is assembled column by column from exact Hessian-vector products (forward-mode "
          "derivatives of the gradient) and compared entrywise with Jᵀ(2Σ)J built from the Jacobian's closed form "
          "(`hess_gap`); the characteristic polynomial of the P × P Hessian is compared with x^{P−d} times that "
          "of the d × d matrix 2GΣ (`spec_gap`), so the two have the same spectrum and S = 2λ_max(GΣ). Both gaps are "
          "exact rationals (both are ≥ 0, so their sum is 0 iff both are). **Proof for all depths and widths**: "
          "`checker.proofs.deep_linear_hessian_proof` reduces, in noncommutative matrix algebra with one abstract "
          "layer standing for every layer, the Jacobian, its adjoint, JJᵀ = Σ_k‖a_k‖²B_kᵀB_k and the vanishing of "
          "the residual term at minimisers; that JᵀMJ and M^{½}JJᵀM^{½} share their nonzero spectrum (Sylvester, "
          "hence S = 2λ_max(GΣ)) is stated there, not reduced.",
    proof=deep_linear_hessian_proof)
theorem(
    "MUT-MC-H-anywhere", system=ANYWHERE, conclusion="hess_gap + spec_gap == 0", expect="fails",
    title="Mutation: formula (H) at arbitrary points (the hypothesis ∇R¹(w) = 0 dropped)",
    source="mutation of MC-H")

theorem(
    "MC-T1", system=MIN, conclusion=f"S >= {BOUND}",
    title="Every global minimiser is at least as sharp as 2La‖w⋆‖^{2−2/L}",
    source=f"{T1} (camera-ready form, confirmed from the v2 code)",
    notes="S is exact (rational top root of the characteristic polynomial of GΣ) or a certified ball of an "
          "isolated algebraic root; the data make ‖w⋆‖^{2−2/L} rational, so equality cases (d = 1, or w⋆ a top "
          "eigenvector of Σ with a balanced minimiser) are decided exactly.",
    figures=(figure_ratio_vs_depth,))
theorem(
    "MC-T1-v1", system=MIN, conclusion="S >= 2*L*lam*wnorm**(2-2/L)",
    title="v1 form of the lower bound: S ≥ 2Lλ‖w⋆‖^{2−2/L} (weaker, since a ≥ λ)",
    source=f"{T1} (arXiv v1 form, confirmed from the v1 code)")
GENERIC = minimisers(structured=False)  # mutations that fail only where Λ > a: no equality cases
theorem("MUT-MC-T1-Lambda", system=GENERIC, conclusion="S >= 2*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: Λ in place of a in the lower bound", source="mutation of MC-T1")
theorem("MUT-MC-T1-flat", system=MIN, conclusion=f"S <= 10*{BOUND}", expect="fails",
        title="Mutation: every minimiser is flat (S ≤ 10 × the lower bound)",
        source="mutation of MC-T1 (the paper: minimisers can be arbitrarily sharp)")
theorem("MUT-MC-T1-exponent", system=MIN, conclusion="S >= 2*L*a*wnorm**2", expect="fails",
        title="Mutation: exponent 2 instead of 2 − 2/L on ‖w⋆‖", source="mutation of MC-T1")
theorem("MUT-MC-T1-v1-anywhere", system=ANYWHERE, conclusion="S >= 2*L*lam*wnorm**(2-2/L)", expect="fails",
        title="Mutation: the v1 bound at arbitrary points (not minimisers)", source="mutation of MC-T1-v1")

theorem(
    "MC-T1-UP", system=MIN, hypotheses=("L >= 2",), conclusion="S_min <= 2*L*a*(Lambda/a)**(1/L)*wnorm**(2-2/L)",
    title="The flattest minimiser: S_min ≤ 2LΛ^{1/L}a^{1−1/L}‖w⋆‖^{2−2/L} (so S_min/(2L‖w⋆‖^{2−2/L}) → a)",
    source=f"THEOREMS.md MC-T1-UP [derived], complements {T1}",
    notes="S_min is the exact minimum of the 1-D convex problem 2·min_x λ_max(xΣ + (L−1)x^{−1/(L−1)}Σ^{½}w⋆w⋆ᵀΣ^{½}), "
          "enclosed between an exact upper bound (an aligned rank-one minimiser at a rational parameter near the "
          "float optimum, exact characteristic polynomial) and an exact dual lower bound "
          "2L(tr ρΣ)^{1/L}(tr ρM)^{1−1/L} (a rational density ρ from the top eigenvectors at the optimum); when the two "
          "meet exactly (e.g. w⋆ an eigenvector of Σ) S_min is an exact rational. For L = 1 the only minimiser is "
          "w⋆ᵀ and every bound of this family is the identity S_min = 2Λ: an equality of irrational numbers, which no "
          "ball enclosure can certify, so the statements take L ≥ 2.")
theorem("MUT-MC-T1-UP-tight", system=MIN, hypotheses=("L >= 2",), conclusion=f"S_min <= {BOUND}", expect="fails",
        title="Mutation: the lower bound is attained (S_min = 2La‖w⋆‖^{2−2/L})", source="mutation of MC-T1-UP")
theorem(
    "MC-T1-UP-BAL", system=MIN, hypotheses=("L >= 2",), conclusion="S_bal <= 2*(Lambda + (L-1)*a)*wnorm**(2-2/L)",
    title="The balanced rank-one minimiser: S_bal ≤ 2(Λ + (L−1)a)‖w⋆‖^{2−2/L}",
    source="THEOREMS.md MC-T1-UP [derived]",
    notes="S_bal is the sharpness (H) of the exact balanced minimiser W_k = ‖w⋆‖^{1/L}u_{k+1}u_kᵀ built layer by layer.")
theorem("MUT-MC-T1-UP-BAL-optimal", system=MIN, hypotheses=("L >= 2",), conclusion="S_bal <= S_min", expect="fails",
        title="Mutation: the balanced minimiser is the flattest", source="mutation of MC-T1-UP")
theorem(
    "MC-T1-UP-CS", system=MIN, hypotheses=("L >= 2",), conclusion="S_min <= 2*wnorm**(2-2/L)*sqrt(L*(Lambda**2 + (L-1)*a**2))",
    title="Reported construction value 2‖w⋆‖^{2−2/L}√(L(Λ² + (L−1)a²)) bounds S_min",
    source="THEOREMS.md MC-T1-UP (value reported for the paper's construction [unconfirmed]; the bound is derived)")
theorem("MUT-MC-T1-UP-CS-lam", system=MIN, hypotheses=("L >= 2",), conclusion="S_min <= 2*wnorm**(2-2/L)*sqrt(L*(lam**2 + (L-1)*a**2))",
        expect="fails", title="Mutation: λ in place of Λ in the construction value", source="mutation of MC-T1-UP-CS")
theorem(
    "MC-T1-SMIN", system=MIN, hypotheses=("L >= 2",), conclusion="S >= S_min",
    title="No global minimiser is flatter than the exact S_min", source="THEOREMS.md MC-T1-UP [derived]")
theorem("MUT-MC-T1-SMIN-balanced", system=GENERIC, hypotheses=("L >= 2",), conclusion="S >= S_bal", expect="fails",
        title="Mutation: no minimiser is flatter than the balanced one", source="mutation of MC-T1-SMIN")

FLAT = minimisers(depth=(2, 4), draws=("flattest", "balanced"))
theorem(
    "MC-LR", system=FLAT, conclusion="eta*S > 2", hypotheses=("eta*S_min > 2",),
    title="Above η = 2/S_min every global minimiser is a linearly unstable fixed point of GD (1 − ηS < −1)",
    source=f"THEOREMS.md MC-LR [derived]; threshold (La‖w⋆‖^{{2−2/L}})⁻¹ plotted in {SOURCE}, Figure 2",
    notes="η = eta_factor/(L·a·‖w⋆‖^{2−2/L}) is exact; the hypothesis η·S_min > 2 is decided on the exact or "
          "certified S_min, so the conclusion is certified. The minimisers are the aligned rank-one family "
          "(near-flattest and balanced), where the claim is tight. That GD then converges only from a measure-zero set "
          "(centre–stable manifold) is not checked; MC-LR-GD runs GD.",
    figures=(figure_descent_vs_step,))
theorem("MUT-MC-LR-Lambda", system=minimisers(depth=(2, 4), draws=("flattest", "balanced"), structured=False), conclusion="eta*S > 2", hypotheses=("eta*2*L*Lambda*wnorm**(2-2/L) > 2",),
        expect="fails", title="Mutation: the threshold 1/(LΛ‖w⋆‖^{2−2/L}) (Λ in place of a) already destabilises every minimiser",
        source="mutation of MC-LR")

GD = descent()
theorem(
    "MC-LR-GD", system=GD, conclusion="converged <= 0", hypotheses=("eta*S_min > 2",),
    title="GD with η > 2/S_min does not converge to a global minimiser",
    source=f"THEOREMS.md MC-LR (class c); {SOURCE}, Figure 2",
    notes="Float64 GD from W_k(0) = ε·N_k, stopped at ‖w − w⋆‖ ≤ 1e-8, at overflow, or after 4000 steps "
          "(×4 per escalation): evidence is at most *passed*. Below the threshold convergence is possible, not a theorem.")
theorem("MUT-MC-LR-GD-below", system=GD, conclusion="converged <= 0", hypotheses=("eta*S_min < 2",), expect="fails",
        title="Mutation: GD does not converge below the threshold either", source="mutation of MC-LR-GD",
        notes="Refuted by a GD run that reaches ‖w − w⋆‖ ≤ 1e-8: the float64 run is replayed in arb balls (the exact "
              "GD iteration from the same start with the exact step), so `converged` = 1 is certified as the "
              "finite-horizon fact it denotes (‖w_T − w⋆‖ ≤ 1e-8 at the run's T). That is convergence evidence, not a "
              "proof of convergence.")

SMALL = small_init_flow()
UNBALANCED = small_init_flow(scales=("1/2", "1", "2"), gains=("1", "4"))
theorem(
    "MC-SMALL", system=SMALL, conclusion="S <= C_small*L*Lambda*wnorm**(2-2/L)",
    title="GF from small initialisation converges to a minimiser with S ≤ C_small·LΛ‖w⋆‖^{2−2/L} (C_small = 8)",
    source=f"{SOURCE}, small-initialisation theorem (number unconfirmed); C_small = 8 from the authors' code",
    notes="Gradient flow from W_k(0) = ε·N_k, ε ∈ {1/32, 1/16, 1/8}, integrated by LSODA with the exact Hessian as "
          "Jacobian to ‖w − w⋆‖ ≤ 1e-9 (rtol ≤ 1e-11, repeated at 1000× tighter tolerance). S is formula (H) at the "
          "end of the run; its error adds the two-tolerance difference, the change since ‖w − w⋆‖ ≤ 1e-7, and the Weyl "
          "bound of the Hessian's residual term. A run that does not converge is an error, never a refutation.",
    figures=(figure_sharpness_vs_scale,))
theorem("MUT-MC-SMALL-large", system=UNBALANCED, conclusion="S <= C_small*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: the small-initialisation bound for large or unbalanced initialisations (ε ≥ 1/2, first layer × 4)",
        source="mutation of MC-SMALL (THEOREMS.md: the conserved imbalance persists)")
theorem(
    "MC-SMALL-RANK1", system=SMALL, conclusion="sigma2 <= imbalance",
    title="The GF limit is rank one up to the conserved imbalance: max_k σ₂(W_k) ≤ √(Σ_k‖D_k(0)‖₂) = O(ε) "
          "(holds along any GF path)",
    source=f"{SOURCE} (rank-one claim of the abstract); quantitative form derived in THEOREMS.md MC-SMALL",
    notes="Derived: D_k = W_kW_kᵀ − W_{k+1}ᵀW_{k+1} is conserved by GF (DHL-LIN) and W_L has rank one, so Weyl's "
          "inequality gives σ₂(W_k)² ≤ σ₂(W_{k+1})² + ‖D_k‖₂ ≤ Σ_{j≥k}‖D_j(0)‖₂. Small initialisation makes the "
          "right side O(ε²). **What this check is**: the bound holds at every point of every gradient-flow path "
          "(it uses only the conservation law), not only at the limit and not only from small initialisations; "
          "measured at the limit it checks that the integrator kept D_k and that the limit is rank one up to "
          "√(Σ‖D_j(0)‖₂) = O(ε). A twin with the constant perturbed by 1% passes unless the Weyl chain is nearly tight; "
          "the exponent twin (MUT-MC-SMALL-RANK1-exponent) is refuted.")
theorem("MUT-MC-SMALL-RANK1-exponent", system=SMALL, conclusion="sigma2 <= imbalance**2", expect="fails",
        title="Mutation: σ₂ = O(ε²) instead of O(ε)", source="mutation of MC-SMALL-RANK1")
theorem(
    "MC-SMALL-ALIGN", system=SMALL, conclusion="misalign <= 2*imbalance**2/gap",
    title="Consecutive layers of the GF limit are aligned: sin∠(v₁(W_{k+1}), u₁(W_k)) ≤ 2Σ_j‖D_j(0)‖₂/gap "
          "(holds along any GF path)",
    source=f"{SOURCE} (alignment claim of the abstract); quantitative form derived (Davis–Kahan)",
    notes="W_kW_kᵀ = W_{k+1}ᵀW_{k+1} + D_k with D_k conserved, so the top eigenvectors of the two differ by "
          "sin θ ≤ 2‖D_k‖₂/(σ₁(W_{k+1})² − σ₂(W_{k+1})²) (Davis–Kahan in the Yu–Wang–Samworth form). **What this "
          "check is**: like MC-SMALL-RANK1, a consequence of the conservation law that holds at every point of every "
          "gradient-flow path with a spectral gap, measured at the limit; small initialisation only makes it O(ε²). "
          "The Davis–Kahan constant 2 is not tight, so twins with a perturbed constant pass; the exponent twin "
          "(MUT-MC-SMALL-ALIGN-exponent) is refuted.")
theorem("MUT-MC-SMALL-ALIGN-exponent", system=SMALL, conclusion="misalign <= imbalance**4/gap**2", expect="fails",
        title="Mutation: misalignment O(ε⁴) instead of O(ε²)", source="mutation of MC-SMALL-ALIGN")

RES = residual_flow()
LARGE_RES = residual_flow(s_values=("3", "4"))
theorem(
    "MC-RES", system=RES, conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)",
    title="GF from residual initialisation W_k = I + (s/√(Ld))N_k, s ≤ 1, converges to a flat minimiser: "
          "S ≤ C_res·LΛ‖w⋆‖^{2−2/L} (C_res = 8, unconfirmed)",
    source=f"{SOURCE}, residual-initialisation theorem (number unconfirmed); setup from the authors' code",
    notes="The theorem's flatness constant C_res and its admissible scales s have no confirmed value (THEOREMS.md "
          "MC-RES: the user must supply C_res). The statement checks the flatness guarantee in the form of the "
          "small-initialisation theorem, S ≤ C_res·LΛ‖w⋆‖^{2−2/L}, with C_res = 8 (MC-SMALL's constant from the authors' "
          "code, borrowed: a parameter of `residual_flow`) on s ∈ {1/4, 1/2, 1}. Convergence is part of the claim: a "
          "run that does not reach ‖w − w⋆‖ ≤ 1e-9 is an error, never a pass. Targets have ‖w⋆‖ = 1, the authors' "
          "normalisation (MUT-MC-RES-any-norm drops it and is refuted); so ‖w⋆‖^{2−2/L} = 1 and the exponent twins "
          "coincide with the statement and pass. *Tightness*: the bound has slack at s ≤ 1 "
          "(see MC-REV-RES's figure), so the twins C_res × (1 ± 1/100) may also pass: the statement need not discriminate the "
          "constant, which is unconfirmed anyway; "
          "MUT-MC-RES-large-s shows that it fails for large s, and MC-REV-RES measures the largest s at which C_res "
          "= 8 holds (its figure). (The former form, ‖w − w⋆‖ ≤ tol, held by construction: the run stops at tol/10.)")
theorem("MUT-MC-RES-any-norm", system=residual_flow(unit_target=False), conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)",
        expect="fails", title="Mutation: the residual flatness bound for targets of any norm (tiny, ordinary and huge ‖w⋆‖)",
        source="mutation of MC-RES (the normalisation ‖w⋆‖ = 1 of the authors' code dropped)",
        notes="W_k(0) = I + O(s) has scale 1 whatever ‖w⋆‖ is, so for small ‖w⋆‖ the limit stays near scale 1 and its "
              "sharpness is not O(‖w⋆‖^{2−2/L}): the constant depends on ‖w⋆‖ (THEOREMS.md lists that dependence as "
              "unconfirmed). Float64 gradient-flow limits: estimate evidence.")
theorem("MUT-MC-RES-large-s", system=LARGE_RES, conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: the residual flatness bound (C_res = 8) at large residual scales s ∈ {3, 4}",
        source="mutation of MC-RES (THEOREMS.md: a constant independent of s can fail for large s)",
        notes="Float64 gradient-flow limits (estimate evidence, dynamical system): the refutation is an estimate.")
theorem("MUT-MC-RES-flattest", system=RES, conclusion=f"S <= {BOUND}", expect="fails",
        title="Mutation: the residual limit attains the lower bound", source="mutation of MC-RES")
theorem(
    "MC-RES-T1", system=RES, conclusion=f"S >= {BOUND}",
    title="The residual-network limit obeys the Theorem 1 lower bound (a_L = p, ‖p‖ = 1)",
    source=f"THEOREMS.md MC-RES [derived]: MC-H and MC-T1 hold with a_L = p; {T1}",
    notes="*Does not discriminate the exponent (twins):* the residual system draws targets with ‖w⋆‖ = 1 (the "
          "authors' normalisation), so ‖w⋆‖^{2−2/L} = 1 and the exponent twins coincide with the statement; "
          "MC-T1 discriminates the exponent on minimisers of every norm.")
theorem("MUT-MC-RES-T1-Lambda", system=RES, conclusion="S >= 2*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: Λ in place of a at the residual limit", source="mutation of MC-RES-T1")


# ============================================================================ reviewers' questions
# Issue 12, item 3 (Marion & Chizat): each question is a statement or a figure, with its verdict or values.

REBUTTAL = "2*wnorm**(2-2/L)*sqrt(L*(Lambda**2 + (L-1)*a**2))"
theorem(
    "MC-REV-BAL-EQ", system=MIN, hypotheses=("L >= 2",), conclusion=f"S_bal == {REBUTTAL}", expect="fails",
    title="Reviewers' question (a): the rebuttal's sharpness of the balanced minimiser, "
          "S_bal = 2‖w⋆‖^{2−2/L}√(L(Λ² + (L−1)a²)), as an equality",
    source="Marion–Chizat rebuttal (value reported [unconfirmed]); THEOREMS.md MC-T1-UP",
    notes="Refuted by the checker's own search: S_bal = 2‖w⋆‖^{2−2/L}λ_max((I + (L−1)uuᵀ)Σ) exactly (the exact "
          "balanced minimiser, formula (H)), while the formula is only its Cauchy–Schwarz upper bound "
          "(MC-REV-BAL-UP). A hand-checkable instance: L = 2, Σ = diag(1/4, 1/16), w⋆ = e₂ (Λ = 1/4, a = 1/16): "
          "S_bal = 1/2 exactly, the formula gives 2√(34)/16 ≈ 0.729 (tests/test_sharpness.py replays it).")
theorem(
    "MC-REV-BAL-UP", system=MIN, hypotheses=("L >= 2",), conclusion=f"S_bal <= {REBUTTAL}",
    title="Reviewers' question (a): the rebuttal's formula is an upper bound on the balanced minimiser's sharpness",
    source="THEOREMS.md MC-T1-UP [derived]: S_bal ≤ 2(Λ + (L−1)a)‖w⋆‖^{2−2/L} ≤ 2‖w⋆‖^{2−2/L}√(L(Λ² + (L−1)a²))",
    notes="Equality holds when Λ = a (Σ ∝ I, d = 1, or w⋆ a top eigenvector), which the structured instances draw: "
          "both sides are then the same rational and the verdict is exact.")

GD_LIMITS = descent(converged_only=True, max_steps=5000)
theorem(
    "MC-REV-GD", system=GD_LIMITS, conclusion="eta*S <= 2",
    title="Reviewers' question (b): the limit of gradient descent with step η has sharpness at most 2/η",
    source=f"THEOREMS.md MC-LR and §0.3-6 (GD is not GF); {SOURCE}, Figure 2",
    notes="Where GF from a small initialisation ends near S_bal, GD with a large step ends at a minimiser with "
          "S ≤ 2/η: GD converges (from a set of positive measure) only to linearly stable minimisers, 1 − ηS ≥ −1. "
          "Float64 GD runs (estimate evidence, dynamical system: at best passed) with η = eta_factor/(La‖w⋆‖^{2−2/L}), "
          "eta_factor ∈ [1/2, 3/2], i.e. around the critical step 2/S_min; runs that do not converge within 5000 "
          "steps are out of scope (no limit). The figure plots the GD limit's S against η with the curve 2/η: "
          "between 2/S_bal and 2/S_min the limits sit just below 2/η (edge of stability), so the tightened twin "
          "with 2 × (1 − 1/100) fails exactly on runs that end within 1% of 2/η; draws that miss that window "
          "(most runs end at S_bal, far below 2/η) leave it passing, and then the statement does not discriminate "
          "on those draws.",
    figures=(figure_gd_sharpness_vs_step,))

REV_RES = residual_flow(s_values=("0", "1/2", "1", "3/2", "2", "3"))
theorem(
    "MC-REV-RES", system=REV_RES, conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)", expect="fails",
    title="Reviewers' question (c): no constant C_res = 8 holds for every residual scale s ∈ [0, 3] (empirical)",
    source=f"{SOURCE}, residual-initialisation theorem (C_res, s_max unconfirmed); THEOREMS.md MC-RES",
    notes="EMPIRICAL: float64 gradient-flow limits (estimate evidence). The figure gives S(W_∞)/(2La‖w⋆‖^{2−2/L}) "
          "against s on three fixed instances and, for each, the largest s on the grid up to which C_res = 8 "
          "(in the form S ≤ 8LΛ‖w⋆‖^{2−2/L}) holds on every seed; the search refutes the claim at large s.",
    figures=(figure_residual_constant,))

DEGENERATE = minimisers(dim=(2, 4), degenerate=True)
theorem(
    "MC-REV-SINGULAR-T1", system=DEGENERATE, hypotheses=("lam > 0",), conclusion=f"S >= {BOUND}",
    title="Reviewers' question (d): Theorem 1 on near-singular covariance (λ > 0 tiny); singular Σ fails its hypothesis",
    source=f"{T1}; THEOREMS.md MC-T1 (singular covariance)",
    notes="Singular and near-singular data (X = X₀H with a zero or 1/1000-scaled last column). The singular instances "
          "fail Theorem 1's hypothesis Σ ≻ 0 (here the statement hypothesis λ > 0) and are counted as "
          "hypotheses-unsatisfied; on the near-singular ones the bound 2La‖w⋆‖^{2−2/L} is certified (it does not "
          "depend on λ), while the v1 form 2Lλ‖w⋆‖^{2−2/L} becomes nearly vacuous.")
theorem(
    "MC-REV-SINGULAR", system=DEGENERATE, conclusion=f"S >= {BOUND}",
    title="Reviewers' question (d): on singular covariance every global minimiser obeys S ≥ 2La_mn‖w⋆_mn‖^{2−2/L}",
    source="THEOREMS.md MC-T1, singular covariance [derived]: Σ^{½}w = Σ^{½}w⋆_mn at every global minimiser",
    notes="w⋆_mn = Σ⁺b is the minimum-norm solution (exact pseudo-inverse) and a_mn = w⋆_mnᵀΣw⋆_mn/‖w⋆_mn‖². The "
          "minimisers drawn have w(W) = w⋆_mn exactly; formula (H) holds at every global minimiser, singular Σ included.")
theorem("MUT-MC-REV-SINGULAR-Lambda", system=DEGENERATE, conclusion="S >= 2*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: Λ in place of a on singular covariance", source="mutation of MC-REV-SINGULAR")
