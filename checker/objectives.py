"""Training objectives ``ℒ(θ) = Σ_n ℓ(f(x_n; θ), y_n)`` over a flat parameter vector ``θ``.

An :class:`Objective` joins a network (:mod:`checker.nets`), data and a loss (:mod:`checker.losses`)
and is the *oracle* every training rule of :mod:`checker.dynamics` asks for gradients: the full
gradient ``∇ℒ(θ)`` and the gradient of the sum over chosen samples (stochastic rules).  It runs in
the number type of ``θ``: float64, exact rationals (squared loss: every gradient exact) or arb
balls (exponential and logistic losses on exact or ball parameters: ``g = −ℓ'`` in balls).
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np

from .losses import Loss
from .nets import AbstractNetwork


@dataclass(frozen=True)
class Objective:
    """``ℒ(θ) = Σ_n ℓ(f(x_n; θ), y_n)`` for ``net`` on data ``X`` (``m × d``), targets ``Y`` (``m × p``)."""

    net: AbstractNetwork
    X: Any
    Y: Any
    loss: Loss

    @cached_property
    def _blocks(self) -> list[tuple[int, int, tuple[int, ...]]]:
        out, k = [], 0
        for shape in self.net.shapes():
            n = math.prod(shape)
            out.append((k, k + n, tuple(shape)))
            k += n
        return out

    def params(self, theta: Any) -> list[Any]:
        """The network's parameter arrays as views of the flat ``θ`` (``net.unflatten`` with the
        offsets computed once: on small float64 networks the shape arithmetic dominates a gradient)."""
        theta = np.asarray(theta)
        return [theta[a:b].reshape(shape) for a, b, shape in self._blocks]

    @property
    def samples(self) -> int:
        return int(np.shape(self.X)[0])

    def outputs(self, theta: Any, X: Any | None = None) -> Any:
        """``F = f(X; θ)``."""
        return self.net.forward(self.params(theta), self.X if X is None else X)

    def _cotangent(self, F: Any, Y: Any) -> Any:
        if self.loss.name == "squared" or F.dtype != object:
            return self.loss.cotangent(F, Y)
        return np.array([[-Y[n, 0] * self.loss.ball_g(F[n, 0] * Y[n, 0])] for n in range(F.shape[0])], dtype=object)

    def _gradient(self, theta: Any, X: Any, Y: Any) -> Any:
        params = self.params(theta)
        F = self.net.forward(params, X)
        return self.net.flatten(self.net.backward(params, X, self._cotangent(F, Y)))

    def gradient(self, theta: Any) -> Any:
        """``∇ℒ(θ)``."""
        return self._gradient(theta, self.X, self.Y)

    def sample_gradient(self, theta: Any, indices: Sequence[int]) -> Any:
        """``∇(Σ_{n ∈ indices} ℓ_n)(θ)``."""
        idx = list(indices)
        return self._gradient(theta, self.X[idx], self.Y[idx])

    def value(self, theta: Any) -> Any:
        """``ℒ(θ)`` (squared loss; classification losses: ``log ℒ`` via :meth:`Loss.log_total`)."""
        F = self.outputs(theta)
        if self.loss.name == "squared":
            return self.loss.value(F, self.Y)
        return self.loss.log_total((np.asarray(F, dtype=float) * np.asarray(self.Y, dtype=float)).reshape(-1))
