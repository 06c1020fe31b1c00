"""Exact rational linear algebra, and the conversions between exact, ball and float values.

Everything here works on NumPy object arrays of python-flint ``fmpq`` (exact rationals) or ``arb``
(balls):

* :func:`fmpq_matrix`, :func:`solve` (``A⁻¹b`` exactly), :func:`pseudo_solve` (``A⁺b`` exactly,
  the minimum-norm solution for a PSD ``A``);
* :func:`householder` ``I − 2vvᵀ/vᵀv`` — exactly orthogonal and rational, so ``H D H`` has the
  exact eigenvectors ``He_j``; :func:`rational_unit_vector` — a rational point of the unit sphere
  (inverse stereographic projection, dense in the sphere);
* :func:`floats` (nearest float64 of exact entries, midpoints of balls), :func:`ball` (a value as a
  ball at a precision) and :func:`enclosure` (an exact value or a ball as an :class:`Enclosure`).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np
from flint import arb, fmpq, fmpq_mat

from .arith import Enclosure, rational_array, working_precision

Number = Any  # fmpq (exact) or arb (ball)


def fmpq_matrix(A: Any) -> fmpq_mat:
    """The python-flint matrix of a 2-D object array of rationals."""
    return fmpq_mat(np.asarray(A, dtype=object).tolist())


def solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A⁻¹b`` exactly (``A`` an invertible rational matrix, ``b`` a rational vector)."""
    x = fmpq_matrix(A).solve(fmpq_mat([[v] for v in b]))
    return np.array(x.entries(), dtype=object)


def pseudo_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A⁺b`` for a symmetric PSD rational ``A`` and ``b ∈ col(A)``, exactly: the minimum-norm
    solution of ``Aw = b`` (SymPy's exact pseudo-inverse; for small ``d × d`` matrices)."""
    import sympy

    to_sym = lambda x: sympy.Rational(int(x.p), int(x.q))  # noqa: E731
    w = sympy.Matrix([[to_sym(x) for x in row] for row in A]).pinv() * sympy.Matrix([to_sym(x) for x in b])
    return np.array([fmpq(int(x.p), int(x.q)) for x in w], dtype=object)


def householder(v: np.ndarray) -> np.ndarray:
    """``H = I − 2vvᵀ/vᵀv`` (``I`` for ``v = 0``): an exactly orthogonal, symmetric rational matrix
    for a rational ``v``, whose columns ``He_j`` are the exact eigenvectors of every ``H D H``."""
    v = np.asarray([fmpq(x) if not isinstance(x, fmpq) else x for x in v], dtype=object)
    eye = np.array([[fmpq(int(i == j)) for j in range(v.size)] for i in range(v.size)], dtype=object)
    vv = v @ v
    return eye if vv == 0 else eye - 2 * np.multiply.outer(v, v) / vv


def rational_unit_vector(r: Sequence[Any], position: int, sign: int) -> np.ndarray:
    """A rational point of the unit sphere of ℝ^{len(r)+1} by inverse stereographic projection:
    ``(2r, ‖r‖² − 1)/(‖r‖² + 1)`` (dense in the sphere), its last coordinate rolled to
    ``position``, times ``sign``."""
    r = rational_array(list(r)) if len(r) else np.zeros(0, dtype=object)
    s = sum(r * r, fmpq(0))
    v = np.array([*(2 * r / (s + 1)), (s - 1) / (s + 1)], dtype=object)
    return np.roll(v, position + 1) * sign


def floats(A: Any) -> np.ndarray:
    """Float64 of an object array of ``fmpq`` (nearest) or ``arb`` (midpoints)."""
    return np.vectorize(lambda x: float(x.mid()) if isinstance(x, arb) else int(x.p) / int(x.q), otypes=[float])(
        np.asarray(A, dtype=object))


def ball(x: Number, bits: int) -> arb:
    """``x`` (exact or a ball) as a ball at ``bits``."""
    with working_precision(bits):
        return x if isinstance(x, arb) else arb(x)


def balls(A: Any, bits: int) -> np.ndarray:
    """Every entry of ``A`` as a ball at ``bits`` (balls are kept as they are)."""
    with working_precision(bits):
        return np.vectorize(lambda x: x if isinstance(x, arb) else arb(x), otypes=[object])(np.asarray(A, dtype=object))


def enclosure(x: Number, note: str) -> Enclosure:
    """An exact rational as an exact enclosure, a ball as a ball enclosure."""
    return Enclosure.exact(x, note) if isinstance(x, fmpq) else Enclosure.ball(x, note)
