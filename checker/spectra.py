"""The signed top eigenvalue ``λ_max`` of a matrix with real spectrum (a Hessian, or ``GΣ``).

Sharpness is the *largest* eigenvalue, never the largest ``|eigenvalue|``: away from minimisers
the two differ (THEOREMS.md §0.3-5).  Four methods, from fastest to strongest evidence:

* :func:`top_eigenvalue_dense` — float64 (``numpy.linalg.eigvalsh``), no error bound.
* :func:`top_eigenvalue_lanczos` — float64 Lanczos (``scipy.sparse.linalg.eigsh``, ``which="LA"``)
  on a ``LinearOperator`` (e.g. Hessian-vector products), with the residual ``‖Hv − θv‖``: some
  eigenvalue lies within it of ``θ``; that it is the *top* one is Lanczos' convergence, an
  estimate, not a bound.
* :func:`top_eigenvalue_ball` — rigorous, for matrices of balls: ``acb_mat.eig(multiple=True)``
  encloses every eigenvalue (clusters included) and the top one is the ball maximum.
  :func:`top_eigenvalue_gershgorin` is a second rigorous method for symmetric ball matrices, in
  C-level ball matrix products: with ``Q`` the float eigenvectors, a Rayleigh quotient bounds
  ``λ_max`` below, and Gershgorin discs of ``Qᵀ(μI − H)Q`` prove ``μI − H ≻ 0`` above.
* :func:`top_eigenvalue_exact` — rigorous, for exact rational matrices: the largest real root of
  the exact characteristic polynomial (``fmpq_mat.charpoly``, isolated by
  ``fmpq_poly.complex_roots``), returned as an exact ``fmpq`` when it is rational.

Singular structure of float64 layers (:func:`second_singular_value`, :func:`sin_angle`,
:func:`misalignment`): the rank-one and alignment measurements of trained linear layers.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
from flint import acb_mat, arb, arb_mat, fmpq, fmpq_mat
from scipy.sparse.linalg import LinearOperator, eigsh

from .arith import working_precision


def top_eigenvalue_dense(H: np.ndarray) -> float:
    """``λ_max`` of a symmetric float matrix (its symmetric part), float64."""
    H = np.asarray(H, dtype=float)
    return float(np.linalg.eigvalsh((H + H.T) / 2)[-1])


@dataclass(frozen=True)
class LanczosResult:
    """``value`` (Ritz value), ``residual`` ``‖Hv − θv‖`` of the unit Ritz vector ``vector``, and cost."""

    value: float
    residual: float
    vector: np.ndarray
    matvecs: int


def top_eigenvalue_lanczos(matvec: Callable[[np.ndarray], np.ndarray], n: int, tol: float = 0.0,
                           seed: int = 0) -> LanczosResult:
    """``λ_max`` of the symmetric operator ``v ↦ matvec(v)`` on ``ℝⁿ`` by implicitly restarted Lanczos.

    ``which="LA"`` (largest algebraic), never ``"LM"``.  The residual is recomputed from one
    extra product; ``[θ − ‖r‖, θ + ‖r‖]`` contains an eigenvalue (Weyl), which is the top one when
    Lanczos has converged to it: an estimate.
    """
    count = [0]

    def mv(v: np.ndarray) -> np.ndarray:
        count[0] += 1
        return matvec(np.asarray(v, dtype=float).ravel())

    if n <= 2:  # ARPACK needs n > k + 1: use the dense matrix of the operator
        H = np.stack([mv(e) for e in np.eye(n)], axis=1)
        vals, vecs = np.linalg.eigh((H + H.T) / 2)
        theta, v = float(vals[-1]), vecs[:, -1]
    else:
        v0 = np.random.default_rng(seed).standard_normal(n)
        op = LinearOperator((n, n), matvec=mv, dtype=float)
        vals, vecs = eigsh(op, k=1, which="LA", tol=tol, v0=v0, ncv=min(n, 20))
        theta, v = float(vals[0]), vecs[:, 0] / np.linalg.norm(vecs[:, 0])
    r = float(np.linalg.norm(mv(v) - theta * v))
    return LanczosResult(theta, r, v, count[0])


def top_eigenvalue_exact(M: Any, bits: int) -> fmpq | arb:
    """``λ_max`` of a rational square matrix whose eigenvalues are all real, exactly.

    The characteristic polynomial is exact; its roots are isolated by ``complex_roots`` at
    ``bits`` (rigorous balls, real roots flagged by an exactly zero imaginary part).  If the top
    root is rational it is returned as an ``fmpq``; otherwise its ball.  A non-real root whose
    real part reaches the top real root means the premise (real spectrum) fails: ``ValueError``.
    """
    M = M if isinstance(M, fmpq_mat) else fmpq_mat([[fmpq(x) if not isinstance(x, fmpq) else x for x in row] for row in np.asarray(M, dtype=object).tolist()])
    poly = M.charpoly()
    with working_precision(bits):
        roots = [z for z, _ in poly.complex_roots()]
        real = [z.real for z in roots if z.imag == 0]
        if len(real) != len(roots):
            raise ValueError("the matrix has non-real eigenvalues; λ_max is undefined")
        top = max(real, key=lambda r: float(r.mid()))  # isolated, disjoint balls: midpoints order them
        for q, _ in poly.roots():  # rational roots, exact
            if _dyadic(top.lower()) <= q <= _dyadic(top.upper()):
                return q
        return top


def _dyadic(x: arb) -> fmpq:
    """The exact rational value of an exact (dyadic) ball endpoint."""
    man, exp = x.mid().man_exp()
    return fmpq(int(man)) * fmpq(2) ** int(exp)


def top_eigenvalue_ball(M: arb_mat, bits: int) -> arb:
    """Rigorous ball containing ``λ_max`` of a matrix of balls with real spectrum (e.g. symmetric).

    ``acb_mat.eig(multiple=True)`` returns enclosures each containing at least one eigenvalue and
    jointly all of them, so the ball maximum (``arb.max``) of their real parts contains ``λ_max``.
    Where it cannot isolate the spectrum (it fails on some exactly repeated eigenvalues, e.g.
    ``diag(3, 3, 3, 1)``) a symmetric matrix falls back to :func:`top_eigenvalue_gershgorin`;
    otherwise ``ArithmeticError``.
    """
    with working_precision(bits):
        try:
            eig = acb_mat(M).eig(multiple=True)
        except ValueError as exc:
            entries = np.array(M.tolist(), dtype=object)
            if all((entries[i, j] - entries[j, i]).contains(0) for i in range(M.nrows()) for j in range(i)):
                return top_eigenvalue_gershgorin(entries, bits)
            raise ArithmeticError(f"eigenvalues not enclosed at {bits} bits: {exc}") from None
        top = eig[0].real
        for z in eig[1:]:
            top = top.max(z.real)
        return top


def top_eigenvalue_gershgorin(H: Any, bits: int) -> arb:
    """Rigorous ball containing ``λ_max`` of a symmetric matrix of balls (``arb_mat``, or a square
    object array of balls or exact numbers), by a congruence and Gershgorin discs, in C-level ball
    matrix products.

    ``Q`` is the float64 eigenvector matrix of the midpoints rounded to multiples of ``2⁻⁵²`` (any
    ``Q`` serves; on one exponent grid the ball products are several times faster), ``G = QᵀQ`` and
    ``T = QᵀHQ`` in balls (so they contain the values for the true symmetric ``H`` inside the balls).
    Lower end: ``T_tt/G_tt``, the Rayleigh quotient of the top column ``q_t``.  Upper end: with
    ``R^G_i := Σ_{j≠i}|G_ij| < G_ii`` (Q nearly orthogonal) and ``R^T_i := Σ_{j≠i}|T_ij|``, the row
    ``i`` of ``K = Qᵀ(μI − H)Q = μG − T`` is strictly diagonally dominant with a positive diagonal once
    ``μG_ii − |μ|R^G_i > b_i := T_ii + R^T_i``, i.e. (the left side increases with μ) for
    ``μ > μ_i := b_i/(G_ii ∓ R^G_i)`` (− when ``b_i ≥ 0``, + otherwise).  For ``μ > max_i μ_i``,
    ``K ≻ 0``, so ``Q`` is invertible and ``μI − H ≻ 0`` (Sylvester's law of inertia), i.e.
    ``λ_max < μ``: so ``λ_max ≤ max_i μ_i``.  The radius is about ``n``
    times the float eigendecomposition's residual plus the balls' radii; repeated or clustered top
    eigenvalues need no gap.  ``ArithmeticError`` if ``Q`` is too far from orthogonal to certify.
    """
    with working_precision(bits):
        M = H if isinstance(H, arb_mat) else arb_mat(np.asarray(H, dtype=object).tolist())
        n = M.nrows()
        mid = np.array([float(x.mid()) for x in M.entries()]).reshape(n, n)
        vals, vecs = np.linalg.eigh((mid + mid.T) / 2)
        Q = arb_mat(np.ldexp(np.round(np.ldexp(vecs, 52)), -52).tolist())  # one exponent grid: faster products
        QT = Q.transpose()
        G, T = (QT * Q).entries(), (QT * M * Q).entries()
        zero = arb(0)
        upper = None
        for i in range(n):
            row = slice(i * n, (i + 1) * n)
            off_G = sum((abs(x) for x in G[row]), zero) - abs(G[i * n + i])
            off_T = sum((abs(x) for x in T[row]), zero) - abs(T[i * n + i])
            if not G[i * n + i] - off_G > 0:
                raise ArithmeticError(f"QᵀQ is not diagonally dominant in row {i} at {bits} bits: no certificate")
            b = arb((T[i * n + i] + off_T).upper())
            bound = (b / (G[i * n + i] - off_G) if b >= 0 else b / (G[i * n + i] + off_G)).upper()
            upper = bound if upper is None else upper.max(bound)
        t = int(np.argmax(vals))
        lower = (T[t * n + t] / G[t * n + t]).lower()
        return arb(lower).union(arb(upper))


# ---------------------------------------------------------------------------- singular structure (float64)


def singular(W: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(U, s, Vᵀ)`` of ``W`` in float64 (``numpy.linalg.svd``)."""
    return np.linalg.svd(np.asarray(W, dtype=float))


def second_singular_value(W: np.ndarray) -> float:
    """``σ₂(W)`` (0 for a matrix with one row or column)."""
    s = singular(W)[1]
    return float(s[1]) if s.size > 1 else 0.0


def sin_angle(u: np.ndarray, v: np.ndarray) -> float:
    """``sin∠(u, v)`` of unit vectors, stably (``‖u − (uᵀv)v‖``)."""
    return float(np.linalg.norm(u - (u @ v) * v))


def misalignment(layers: list[np.ndarray]) -> float:
    """``max_k sin∠(v₁(W_{k+1}), u₁(W_k))`` over consecutive layers: the top right singular vector of
    each layer against the top left singular vector of the one below."""
    out = 0.0
    for W, V in zip(layers[:-1], layers[1:]):
        out = max(out, sin_angle(singular(W)[0][:, 0], singular(V)[2][0]))
    return out
