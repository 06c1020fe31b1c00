"""The max-margin problem (P) ``min ½‖θ‖² s.t. q_n(θ) ≥ 1`` and its solvers.

* :func:`hard_margin_svm` — (P) for a linear predictor, the hard-margin SVM ``w = argmin ½‖w‖²
  s.t. y_n⟨w, x_n⟩ ≥ 1``: SLSQP on the primal, then an exact active-set polish whose KKT conditions
  are verified in rationals (:class:`SVM`: ``u_SVM = w/‖w‖``, ``γ⋆ = 1/‖w‖``).
* :func:`kkt_residual` — the (ε, δ)-approximate-KKT residual of (P) at a network's parameters
  (Lyu–Li, ICLR 2020, Def. C.4 and Thm 4.4): one non-negative least-squares problem.
* :func:`unit_sin2` — ``sin²∠(a, b)``, computed stably from unit vectors (directions against
  ``u_SVM``).
* :func:`exact_dot` — ``Σ a_i b_i`` in the number type of the entries (rationals stay exact).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from flint import fmpq, fmpq_mat
from scipy.optimize import minimize, nnls

from .clocks import Classifier, Piece
from .systems import MeasurementError


def exact_dot(a: Any, b: Any) -> Any:
    """``Σ_i a_i b_i`` starting from the rational 0 (exact on ``fmpq``, balls on ``arb``)."""
    return sum((x * y for x, y in zip(a, b)), fmpq(0))


def unit_sin2(a: np.ndarray, b: np.ndarray) -> float:
    """``sin²∠(a, b)`` from unit vectors, stably: ``‖â − b̂‖²(1 − ‖â − b̂‖²/4)``."""
    d2 = float(np.sum((a / np.linalg.norm(a) - b / np.linalg.norm(b)) ** 2))
    return d2 * (1 - d2 / 4)


@dataclass(frozen=True)
class SVM:
    """The hard-margin SVM ``w = argmin ½‖w‖² s.t. y_n⟨w, x_n⟩ ≥ 1`` (so ``u_SVM = w/‖w‖`` and
    ``γ⋆ = 1/‖w‖``), exact when the active-set polish verifies the KKT conditions in rationals."""

    w: np.ndarray  # fmpq when exact, float otherwise
    exact: bool
    note: str

    def direction(self) -> np.ndarray:
        """``u_SVM`` in float64."""
        w = np.array([float(c) for c in self.w])
        return w / np.linalg.norm(w)

    def gamma_star(self) -> float:
        """``γ⋆ = 1/‖w‖`` in float64."""
        return 1.0 / float(np.linalg.norm([float(c) for c in self.w]))

    def sin2(self, v: np.ndarray) -> float:
        """``sin²∠(v, u_SVM)`` in float64."""
        return unit_sin2(np.asarray(v, dtype=float), self.direction())


def _independent_rows(A: np.ndarray, rows: list[int]) -> list[int]:
    """A maximal linearly independent subset of ``rows`` of ``A`` (exact), in order."""
    kept: list[int] = []
    for n in rows:
        if fmpq_mat([list(A[k]) for k in kept + [n]]).rank() == len(kept) + 1:
            kept.append(n)
    return kept


def hard_margin_svm(X: np.ndarray, y: np.ndarray) -> SVM:
    """Solve the hard-margin SVM of exact data ``X`` (rows ``x_n``) and labels ``y_n = ±1``,
    independently of any network: SLSQP on the primal, then an exact polish — the Gram system
    ``(y_m y_n⟨x_m, x_n⟩) α = 1`` of a maximal independent set of active constraints solved in
    rationals, ``w = Σ α_n y_n x_n`` — kept when ``α ≥ 0`` and every constraint holds exactly (the
    KKT conditions of a convex problem, hence sufficient).  An error when SLSQP fails and
    the polish does not verify (a :class:`~checker.MeasurementError`)."""
    A = np.array([[int(y[n]) * c for c in X[n]] for n in range(X.shape[0])], dtype=object)  # rows y_n x_n
    Af = A.astype(float)
    res = minimize(lambda w: 0.5 * w @ w, Af.mean(axis=0), jac=lambda w: w, method="SLSQP", tol=1e-14,
                   constraints={"type": "ineq", "fun": lambda w: Af @ w - 1, "jac": lambda w: Af})
    w = res.x
    active = _independent_rows(A, [n for n in range(A.shape[0]) if Af[n] @ w <= 1 + 1e-6])
    if active:
        rows = [list(A[n]) for n in active]
        gram = fmpq_mat([[exact_dot(r, s) for s in rows] for r in rows])
        try:
            alpha = gram.solve(fmpq_mat([[1] for _ in active]))
            coeffs = [alpha[i, 0] for i in range(len(active))]
            w_exact = np.array([sum((coeffs[i] * rows[i][c] for i in range(len(active))), fmpq(0))
                                for c in range(A.shape[1])], dtype=object)
            if all(a >= 0 for a in coeffs) and all(exact_dot(A[n], w_exact) >= 1 for n in range(A.shape[0])):
                return SVM(w_exact, True, f"exact (active set {active}, KKT verified in rationals)")
        except ZeroDivisionError:
            pass
    if not res.success:
        raise MeasurementError(f"SLSQP failed on the hard-margin SVM: {res.message}")
    return SVM(w, False, "SLSQP (tolerance 1e-14), not polished to an exact KKT point")


def kkt_residual(problem: Classifier, theta: np.ndarray, piece: Piece, K: int) -> float:
    """Lyu–Li's (ε, δ)-approximate-KKT residual of (P) (ICLR 2020, Def. C.4 and Thm 4.4; THEOREMS.md
    LL-T4.4) without an active-set threshold: rescale ``θ̃ = θ/q_min^{1/K}`` (so ``q_min = 1``) and
    return

        min_{λ ≥ 0} √(‖θ̃ − Σ_n λ_n∇q_n(θ̃)‖² + (Σ_n λ_n (q_n(θ̃) − 1))²) / ‖θ̃‖

    (stationarity and complementary slackness; one NNLS), 0 exactly at KKT points.  A hard
    threshold ``λ_n = 0`` for ``q_n > 1 + τ`` would make the residual jump whenever a point leaves
    the active set.  Kinks use the flow's Clarke selection at ``θ``
    (:meth:`checker.clocks.Classifier.margin_gradients`)."""
    q = problem.margins(theta)
    qmin = float(q.min())
    scaled = theta / qmin ** (1.0 / K)
    sigma = problem.selections(theta, piece) if piece.sliding else None
    A = np.vstack([problem.margin_gradients(scaled, piece, sigma).T, (q / qmin - 1.0)[None, :]])
    _, residual = nnls(A, np.concatenate([scaled, [0.0]]))
    return residual / float(np.linalg.norm(scaled))
