"""Losses: squared (regression), exponential and logistic (classification), in the log domain.

Classification losses are functions of the margins ``q_n = y_n f(x_n)``: ``ℓ(q) = e^{-q}`` or
``ℓ(q) = log(1 + e^{-q})``; ``g = -ℓ'``.  The total ``ℒ = Σ_n ℓ(q_n)`` (a sum, THEOREMS.md §2.0)
underflows float64 long before training ends, so it is only ever handled as
``log ℒ = logsumexp_n log ℓ(q_n)``.  ``cotangent(F, y)`` is ``∂ℒ/∂F``, the seed of back-propagation.
The same functions in arb balls (``ball_ell``, ``ball_g``, ``ball_inverse``, ``ball_ell0``,
``ball_total``) serve certified margins computed from exact data.
"""
from __future__ import annotations

from dataclasses import dataclass
import math
from typing import Any

import numpy as np
from flint import arb
from scipy.special import expit, logsumexp


def log_softplus(x: np.ndarray) -> np.ndarray:
    """``log(log(1 + e^x))`` without overflow or underflow (``≈ x`` for ``x → -∞``)."""
    x = np.asarray(x, dtype=float)
    out = np.empty_like(x)
    small = x < -30.0
    out[small] = x[small] - 0.5 * np.exp(x[small])  # log(e^x - e^{2x}/2 + …), error < e^{2x}
    out[~small] = np.log(np.logaddexp(0.0, x[~small]))
    return out


@dataclass(frozen=True)
class Loss:
    """A loss by name: ``squared`` ``½(f - y)²``, ``exp`` ``e^{-yf}``, ``logistic`` ``log(1 + e^{-yf})``."""

    name: str

    @property
    def classification(self) -> bool:
        return self.name in ("exp", "logistic")

    @property
    def ell0(self) -> float:
        """``ℓ(0)``: 1 for exp, ``log 2`` for logistic (the threshold of THEOREMS.md §2.0)."""
        return {"exp": 1.0, "logistic": float(np.log(2.0))}[self.name]

    def log_terms(self, q: np.ndarray) -> np.ndarray:
        """``log ℓ(q_n)`` for classification margins ``q``."""
        return -q if self.name == "exp" else log_softplus(-q)

    def log_total(self, q: np.ndarray) -> float:
        """``log ℒ = log Σ_n ℓ(q_n)``."""
        return float(logsumexp(self.log_terms(np.asarray(q, dtype=float))))

    def normalised_derivatives(self, q: np.ndarray) -> tuple[float, np.ndarray, np.ndarray]:
        """``log ℒ``, ``ℓ'(q_n)/ℒ`` and ``ℓ''(q_n)/ℒ`` from classification margins, each ratio computed
        as the exponential of a difference of logs, so finite however small ``ℒ`` is: for exp
        ``ℓ' = -ℓ``, ``ℓ'' = ℓ`` (``-softmax(-q)`` and ``softmax(-q)``); for logistic
        ``log(-ℓ'(q)) = -log(1 + e^q)`` and ``log ℓ''(q) = -log(1 + e^q) - log(1 + e^{-q})``."""
        terms = self.log_terms(q)
        top = float(terms.max())
        log_total = top + math.log(float(np.exp(terms - top).sum()))
        if self.name == "exp":
            p = np.exp(terms - log_total)
            return log_total, -p, p
        log_g = -np.logaddexp(0.0, q)
        return log_total, -np.exp(log_g - log_total), np.exp(log_g - np.logaddexp(0.0, -q) - log_total)

    def g(self, q: np.ndarray) -> np.ndarray:
        """``g(q) = -ℓ'(q)``: ``e^{-q}`` or ``1/(1 + e^{q})``."""
        return np.exp(-q) if self.name == "exp" else expit(-q)

    def inverse(self, log_value: float) -> float:
        """``ℓ^{-1}(ℒ)`` from ``log ℒ``: ``-log ℒ`` (exp) or ``-log(e^{ℒ} - 1)`` (logistic), the latter
        as ``-log ℒ - log(expm1(ℒ)/ℒ)`` so that it stays finite when ``ℒ`` underflows
        (``expm1(ℒ)/ℒ = 1 + ℒ/2 + …``)."""
        if self.name == "exp":
            return -log_value
        value = math.exp(log_value)
        return -log_value - (math.log(math.expm1(value) / value) if value > 0 else 0.0)

    def ball_ell(self, q: Any) -> arb:
        """``ℓ(q)`` in arb balls."""
        q = arb(q)
        return (-q).exp() if self.name == "exp" else (-q).exp().log1p()

    def ball_g(self, q: Any) -> arb:
        """``g(q) = -ℓ'(q)`` in arb balls."""
        q = arb(q)
        return (-q).exp() if self.name == "exp" else 1 / (1 + q.exp())

    def ball_inverse(self, value: arb) -> arb:
        """``ℓ^{-1}(v)`` in arb balls: ``-log v`` or ``-log(e^v - 1)``."""
        return -value.log() if self.name == "exp" else -value.expm1().log()

    def ball_total(self, q: Any) -> arb:
        """``ℒ = Σ_n ℓ(q_n)`` in arb balls (at the working precision)."""
        return sum((self.ball_ell(x) for x in q), arb(0))

    def ball_ell0(self) -> arb:
        """``ℓ(0)`` in arb balls: 1 or ``log 2``."""
        return arb(1) if self.name == "exp" else arb(2).log()

    def cotangent(self, F: Any, y: Any) -> Any:
        """``∂ℒ/∂F`` for outputs ``F`` (``m × 1``) and targets ``y`` (``m × 1``).

        Exact for ``squared`` on any number type (rationals, balls, duals); float64 for
        classification losses.
        """
        if self.name == "squared":
            return F - y
        q = np.asarray(F, dtype=float) * y
        return -y * self.g(q)

    def normalised_cotangent(self, F: np.ndarray, y: np.ndarray) -> np.ndarray:
        """``∂ℒ/∂F / ℒ`` (``= -y·softmax(-q)`` for exp), finite however small ``ℒ`` is."""
        q = np.asarray(F, dtype=float) * y
        lt = self.log_terms(q)
        weights = np.exp(lt - logsumexp(lt))  # ℓ(q_n)/ℒ
        ratio = np.ones_like(q) if self.name == "exp" else np.exp(-np.logaddexp(0.0, q) - lt)  # g/ℓ, in logs
        return -y * weights * ratio

    def value(self, F: Any, y: Any) -> Any:
        """``ℒ`` itself (squared loss only: classification losses are handled as logs)."""
        if self.name != "squared":
            raise ValueError("use log_total for classification losses (ℒ underflows float64)")
        r = F - y
        return (r * r).sum() / 2


def loss(name: str) -> Loss:
    """The loss called ``name`` (squared, exp, logistic); a ``ValueError`` lists the valid names."""
    if name not in ("squared", "exp", "logistic"):
        raise ValueError(f"unknown loss {name!r}; choose squared, exp or logistic")
    return Loss(name)
