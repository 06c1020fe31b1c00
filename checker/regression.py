"""Least-squares regression data, exactly: moments, the target, the spectrum of the covariance.

For data ``X ∈ ℝ^{n×d}``, ``y ∈ ℝⁿ`` (exact rationals) the risk of a linear predictor is
``R¹(w) = ‖y − Xw‖²/n = wᵀΣw − 2bᵀw + c`` with ``Σ = XᵀX/n`` (so ``Σ = ½∇²R¹``), ``b = Xᵀy/n``,
``c = yᵀy/n``; its minimiser is ``w⋆ = Σ⁻¹b`` (for singular Σ the minimum-norm ``Σ⁺b``).
:class:`Regression` holds these exactly and derives ``λ ≤ Λ`` (extreme eigenvalues of Σ, exact
algebraic numbers: rationals or isolated balls), ``a = w⋆ᵀΣw⋆/‖w⋆‖²`` and the powers of ``‖w⋆‖``
the deep-linear bounds are written in.  :func:`regression` builds one from an instance's ``X``
and ``y`` (shared by every statement about the same data).
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from flint import fmpq

from .arith import rational_array, rational_power
from .cache import shared
from .exact import floats, fmpq_matrix, pseudo_solve, solve
from .spectra import top_eigenvalue_exact

Number = Any  # fmpq (exact) or arb (ball)


def square_loss_moments(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """``(Σ, b, c)`` with ``‖y − Xw‖²/n = wᵀΣw − 2bᵀw + c``."""
    n = X.shape[0]
    return (X.T @ X) / n, (X.T @ y) / n, (y @ y) / n


@dataclass(frozen=True)
class Regression:
    """Exact data ``(X, y)``, ``Σ = XᵀX/n``, ``b = Xᵀy/n`` and ``w⋆ = Σ⁻¹b`` (``Σ⁺b`` when singular).

    Derived values are computed once per object (``cached_property``: lazy attributes of an
    immutable value, not a measurement cache)."""

    X: np.ndarray
    y: np.ndarray

    @cached_property
    def moments(self) -> tuple[np.ndarray, np.ndarray]:
        sigma, b, _ = square_loss_moments(self.X, self.y)
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
        return self.n < self.d or fmpq_matrix(self.X).rank() < self.d

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
        return pseudo_solve(self.sigma, self.b) if self.singular else solve(self.sigma, self.b)

    @cached_property
    def wnorm2(self) -> fmpq:
        return self.w_star @ self.w_star

    @cached_property
    def a(self) -> fmpq:
        """``a = w⋆ᵀΣw⋆/‖w⋆‖²``, exact."""
        return (self.w_star @ self.sigma @ self.w_star) / self.wnorm2

    def Lambda(self, bits: int) -> Number:
        """``Λ = λ_max(Σ)``, exact when rational, else an isolated ball."""
        return top_eigenvalue_exact(fmpq_matrix(self.sigma), bits)

    def lam(self, bits: int) -> Number:
        """``λ = λ_min(Σ)``."""
        return -top_eigenvalue_exact(fmpq_matrix(-self.sigma), bits)

    def wnorm_power(self, L: int, bits: int) -> Number:
        """``‖w⋆‖^{2−2/L} = (‖w⋆‖²)^{(L−1)/L}``, exact when rational."""
        return rational_power(self.wnorm2, L - 1, L, bits)

    def wnorm(self, bits: int) -> Number:
        return rational_power(self.wnorm2, 1, 2, bits)

    @cached_property
    def floats(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(Σ, b, w⋆)`` in float64."""
        return floats(self.sigma), floats(self.b), floats(self.w_star)

    @cached_property
    def data_floats(self) -> tuple[np.ndarray, np.ndarray]:
        """``(X, y)`` in float64."""
        return floats(self.X), floats(self.y)


@shared(maxsize=4096)
def _regression(X: Any, y: Any) -> Regression:
    return Regression(rational_array(X), rational_array(y))


def regression(instance: dict) -> Regression:
    """The regression of an instance's ``X`` and ``y`` (rational strings), shared across statements."""
    return _regression(instance["X"], instance["y"])
