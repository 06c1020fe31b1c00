"""Exact maximum margins of linear classifiers in the ℓ₁ and ℓ∞ norms (tiny exact LPs).

For rows ``a_n = y_n x_n`` (rational, separable data) the ``p``-norm maximum margin is

    γ⋆_p = max_{‖w‖_p ≤ 1} min_n ⟨w, a_n⟩ = 1 / min{‖w‖_p : ⟨w, a_n⟩ ≥ 1 ∀n},

the value the limit direction of ``p``-steepest descent attains on a linear model (Tsilivis, Vardi,
Kempe, ICLR 2025, arXiv:2410.22069, Claim 2 for ``K = 1``, where generalised KKT points are global
optima: the problem is convex).  For ℓ∞ and ℓ₁ the inner problem is a linear program,

    ℓ∞:  min t        s.t. ⟨w, a_n⟩ ≥ 1,  t ± w_i ≥ 0;
    ℓ₁:  min Σ_i s_i  s.t. ⟨w, a_n⟩ ≥ 1,  s_i ± w_i ≥ 0,

whose feasible polyhedron is pointed (the rows ``t ± w_i`` or ``s_i ± w_i`` have full column rank)
and whose objective is bounded below by 0, so the minimum is attained at a vertex.
:func:`lp_minimum` enumerates every vertex exactly (each choice of as many tight constraints as
variables, solved in rationals, kept when every constraint holds exactly): the result is an exact
rational optimum with its exhaustive certificate.  Sizes: a handful of points in dimension ≤ 4.
"""
from __future__ import annotations

from itertools import combinations
from typing import Any, Sequence

import numpy as np
from flint import fmpq, fmpq_mat

from .arith import rational, rational_array, rational_str
from .cache import shared


def lp_minimum(c: Sequence[Any], A: Sequence[Sequence[Any]], b: Sequence[Any]) -> tuple[fmpq, list[fmpq]]:
    """``min cᵀx s.t. Ax ≥ b`` over a pointed polyhedron with a bounded-below objective, exactly,
    by enumerating the vertices; ``(value, x)``.  ``ValueError`` when the polyhedron is empty."""
    A = [[fmpq(v) if not isinstance(v, fmpq) else v for v in row] for row in A]
    b = [fmpq(v) if not isinstance(v, fmpq) else v for v in b]
    c = [fmpq(v) if not isinstance(v, fmpq) else v for v in c]
    n = len(c)
    best: tuple[fmpq, list[fmpq]] | None = None
    for rows in combinations(range(len(A)), n):
        M = fmpq_mat([A[r] for r in rows])
        if M.rank() < n:
            continue
        sol = M.solve(fmpq_mat([[b[r]] for r in rows]))
        x = [sol[i, 0] for i in range(n)]
        if all(sum((a * v for a, v in zip(row, x)), fmpq(0)) >= rhs for row, rhs in zip(A, b)):
            value = sum((a * v for a, v in zip(c, x)), fmpq(0))
            if best is None or value < best[0]:
                best = (value, x)
    if best is None:
        raise ValueError("the linear program is infeasible (no vertex satisfies every constraint)")
    return best


@shared(maxsize=1024)
def _max_margin(rows: tuple[tuple[str, ...], ...], p: str) -> tuple[str, list[str]]:
    a = rational_array([list(r) for r in rows])
    m, d = a.shape
    zero, one = fmpq(0), fmpq(1)
    A, b = [], []
    for n in range(m):  # ⟨w, a_n⟩ ≥ 1
        A.append(list(a[n]) + [zero] * (1 if p == "linf" else d))
        b.append(one)
    for i in range(d):
        for sign in (1, -1):
            row = [zero] * d
            row[i] = fmpq(sign)
            extra = [one] if p == "linf" else [one if j == i else zero for j in range(d)]
            A.append(row + extra)  # t ± w_i ≥ 0 (ℓ∞) or s_i ± w_i ≥ 0 (ℓ₁)
            b.append(zero)
    c = [zero] * d + ([one] if p == "linf" else [one] * d)
    value, x = lp_minimum(c, A, b)
    return rational_str(1 / value), [rational_str(v) for v in x[:d]]


def max_margin(rows: Any, p: str) -> tuple[fmpq, np.ndarray]:
    """``(γ⋆_p, w⋆)`` for the rows ``a_n = y_nx_n`` (``p`` in ``l1``, ``linf``): the exact maximum
    ``p``-margin and a minimiser ``w⋆`` of ``‖w‖_p`` s.t. ``⟨w, a_n⟩ ≥ 1`` (so ``γ⋆_p = 1/‖w⋆‖_p``)."""
    if p not in ("l1", "linf"):
        raise ValueError(f"exact maximum margins by linear programming exist for l1 and linf, not {p!r}")
    key = tuple(tuple(rational_str(v) for v in row) for row in np.asarray(rows, dtype=object))
    gamma, w = _max_margin(key, p)
    return rational(gamma), rational_array(w)
