"""Homogeneous networks (and the non-homogeneous variants where claims break).

Every network maps parameters ``params`` (a list of arrays) and data ``X`` (``m × d``) to
outputs ``F`` (``m × p``), and back-propagates an output cotangent ``G = ∂L/∂F`` to
``∂L/∂params``.  The same code runs on

* float64 arrays (fast screening, trajectories),
* object arrays of python-flint ``fmpq`` (exact rationals) or ``arb`` (balls),
* :class:`Dual` arrays (value + tangent), which turn a gradient into a Hessian-vector product
  (forward-over-reverse, exact: no finite differences).

Networks (THEOREMS.md §1.0): :class:`MLP`, ``f(x) = W^(N) φ(W^(N-1) ⋯ φ(W^(1) x))``, optionally
with biases; :class:`Conv1D`, ``f(x) = Σ_j a_j φ((k ⋆ x)_j)`` with one shared kernel ``k``.
An :class:`Activation` is ``k``-homogeneous when ``z φ'(z) = k φ(z)`` for all ``z``.
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from flint import arb, fmpq

from .arith import rational

# ---------------------------------------------------------------------------- dual numbers


class Dual:
    """An array pair ``value + ε·tangent`` with ``ε² = 0``; ``@``, ``+``, ``-``, ``*`` propagate tangents."""

    __array_priority__ = 1000

    def __init__(self, value: Any, tangent: Any):
        self.value, self.tangent = value, tangent

    @staticmethod
    def _parts(x: Any) -> tuple[Any, Any]:
        return (x.value, x.tangent) if isinstance(x, Dual) else (x, 0)

    def __add__(self, o: Any) -> "Dual":
        v, t = Dual._parts(o)
        return Dual(self.value + v, self.tangent + t)

    __radd__ = __add__

    def __sub__(self, o: Any) -> "Dual":
        v, t = Dual._parts(o)
        return Dual(self.value - v, self.tangent - t)

    def __rsub__(self, o: Any) -> "Dual":
        v, t = Dual._parts(o)
        return Dual(v - self.value, t - self.tangent)

    def __neg__(self) -> "Dual":
        return Dual(-self.value, -self.tangent)

    def __mul__(self, o: Any) -> "Dual":
        v, t = Dual._parts(o)
        return Dual(self.value * v, self.value * t + self.tangent * v)

    __rmul__ = __mul__

    def __matmul__(self, o: Any) -> "Dual":
        if not isinstance(o, Dual):
            return Dual(self.value @ o, self.tangent @ o)
        return Dual(self.value @ o.value, self.value @ o.tangent + self.tangent @ o.value)

    def __rmatmul__(self, o: Any) -> "Dual":
        return Dual(o @ self.value, o @ self.tangent)

    @property
    def T(self) -> "Dual":
        return Dual(self.value.T, _transpose(self.tangent))

    def sum(self, axis: int | None = None) -> "Dual":
        return Dual(self.value.sum(axis=axis), _sum(self.tangent, axis))

    def reshape(self, *shape: Any) -> "Dual":
        return Dual(self.value.reshape(*shape), self.tangent.reshape(*shape))

    def __getitem__(self, idx: Any) -> "Dual":
        return Dual(self.value[idx], self.tangent[idx])


def _transpose(x: Any) -> Any:
    return x.T if hasattr(x, "T") else x


def _sum(x: Any, axis: int | None) -> Any:
    return x.sum(axis=axis) if hasattr(x, "sum") else x


def _elementwise(fn: Callable[[Any], Any], z: np.ndarray) -> np.ndarray:
    if z.dtype == object:
        return np.frompyfunc(fn, 1, 1)(z).astype(object) if z.size else z.copy()
    return fn(z)


# ---------------------------------------------------------------------------- activations


@dataclass(frozen=True)
class Activation:
    """A coordinate-wise activation φ with its first and second derivatives.

    ``degree`` is ``k`` when φ is positively ``k``-homogeneous (``z φ'(z) = k φ(z)``), ``None``
    otherwise.  ``at_zero`` is the chosen element of the sub-differential at 0 for kinked φ
    (THEOREMS.md §1.0: the identities hold for every choice).
    """

    name: str
    degree: int | None
    slope: fmpq = fmpq(0)  # negative-side slope (leaky ReLU); 0 for ReLU
    power: int = 1  # ReLU^power on the positive side
    at_zero: fmpq = fmpq(0)

    def value(self, z: np.ndarray) -> np.ndarray:
        if isinstance(z, Dual):
            return Dual(self.value(z.value), self.derivative(z.value) * z.tangent)
        return _elementwise(self._scalar_value, z) if z.dtype == object else self._float_value(z)

    def derivative(self, z: Any) -> Any:
        if isinstance(z, Dual):
            return Dual(self.derivative(z.value), self.second(z.value) * z.tangent)
        return _elementwise(self._scalar_derivative, z) if z.dtype == object else self._float_derivative(z)

    def second(self, z: np.ndarray) -> np.ndarray:
        return _elementwise(self._scalar_second, z) if z.dtype == object else self._float_second(z)

    # scalar rules (exact rationals, balls); floats use the vectorised versions below
    def _scalar_value(self, z: Any) -> Any:
        if self.name == "linear":
            return z
        if self.name == "tanh":
            return z.tanh()
        if self.name == "square":
            return z * z
        return z ** self.power if _positive(z) else self.slope * z

    def _scalar_derivative(self, z: Any) -> Any:
        if self.name == "linear":
            return z * 0 + 1
        if self.name == "tanh":
            return 1 - z.tanh() ** 2
        if self.name == "square":
            return 2 * z
        if _is_zero(z):
            return z * 0 + (self.at_zero if self.power == 1 else 0)
        return self.power * z ** (self.power - 1) if _positive(z) else z * 0 + self.slope

    def _scalar_second(self, z: Any) -> Any:
        if self.name == "tanh":
            t = z.tanh()
            return -2 * t * (1 - t * t)
        if self.name == "square":
            return z * 0 + 2
        if self.power >= 2 and _positive(z):
            return self.power * (self.power - 1) * z ** (self.power - 2)
        return z * 0

    def _float_value(self, z: np.ndarray) -> np.ndarray:
        if self.name == "linear":
            return z
        if self.name == "tanh":
            return np.tanh(z)
        if self.name == "square":
            return z * z
        return np.where(z > 0, np.maximum(z, 0) ** self.power, float(self.slope) * z)

    def _float_derivative(self, z: np.ndarray) -> np.ndarray:
        if self.name == "linear":
            return np.ones_like(z)
        if self.name == "tanh":
            return 1 - np.tanh(z) ** 2
        if self.name == "square":
            return 2 * z
        pos = self.power * np.maximum(z, 0) ** (self.power - 1)
        at0 = float(self.at_zero) if self.power == 1 else 0.0
        return np.where(z > 0, pos, np.where(z < 0, float(self.slope), at0))

    def _float_second(self, z: np.ndarray) -> np.ndarray:
        if self.name == "tanh":
            t = np.tanh(z)
            return -2 * t * (1 - t * t)
        if self.name == "square":
            return np.full_like(z, 2.0)
        if self.power >= 2:
            return np.where(z > 0, self.power * (self.power - 1) * np.maximum(z, 0) ** (self.power - 2), 0.0)
        return np.zeros_like(z)


def _positive(z: Any) -> bool:
    if isinstance(z, arb):
        if z > 0:
            return True
        if z < 0 or z == 0:
            return False
        raise ArithmeticError(f"the sign of {z} is not decided at this precision (kinked activation)")
    return z > 0


def _is_zero(z: Any) -> bool:
    return (z == 0) is True if not isinstance(z, arb) else bool(z == 0)


def activation(name: str, slope: Any = 0, at_zero: Any = None) -> Activation:
    """The activation called ``name``: linear, relu, leaky_relu (rational ``slope``), relu2
    (squared ReLU, degree 2), relu3, square (``z²``, degree 2) or tanh (not homogeneous)."""
    slope = rational(slope)
    at_zero = (slope if name == "leaky_relu" else fmpq(0)) if at_zero is None else rational(at_zero)  # in the Clarke set
    table = {
        "linear": Activation("linear", 1, fmpq(1), 1, fmpq(1)),
        "relu": Activation("relu", 1, fmpq(0), 1, at_zero),
        "leaky_relu": Activation("leaky_relu", 1, slope, 1, at_zero),
        "relu2": Activation("relu2", 2, fmpq(0), 2),
        "relu3": Activation("relu3", 3, fmpq(0), 3),
        "square": Activation("square", 2, fmpq(0), 2),
        "tanh": Activation("tanh", None),
    }
    if name not in table:
        raise ValueError(f"unknown activation {name!r}; choose one of {', '.join(table)}")
    if name == "leaky_relu" and not (0 < slope < 1):
        raise ValueError(f"leaky_relu needs a slope in (0, 1), got {slope}")
    return table[name]


# ---------------------------------------------------------------------------- networks


class AbstractNetwork(ABC):
    """A network: ``forward(params, X) -> F`` and ``backward(params, X, G) -> ∂L/∂params``."""

    @abstractmethod
    def shapes(self) -> list[tuple[int, ...]]:
        """Shapes of the parameter arrays, in order."""

    @abstractmethod
    def forward(self, params: Sequence[Any], X: Any) -> Any:
        """Outputs ``F`` (``m × p``)."""

    @abstractmethod
    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        """``∂L/∂params`` for the output cotangent ``G = ∂L/∂F`` (same shapes as ``params``)."""

    def flatten(self, params: Sequence[Any]) -> np.ndarray:
        return np.concatenate([np.asarray(p).reshape(-1) for p in params])

    def unflatten(self, theta: np.ndarray) -> list[np.ndarray]:
        out, k = [], 0
        for shape in self.shapes():
            n = int(np.prod(shape))
            out.append(theta[k:k + n].reshape(shape))
            k += n
        return out

    @property
    def size(self) -> int:
        return sum(int(np.prod(s)) for s in self.shapes())

    def hvp(self, params: Sequence[Any], X: Any, loss_cotangent: Callable[[Any], Any],
            direction: Sequence[Any]) -> list[Any]:
        """Hessian-vector product ``∇²L(params)·direction`` by forward-over-reverse dual numbers.

        ``loss_cotangent(F)`` returns ``∂L/∂F``; it must accept :class:`Dual` arrays.
        """
        dual = [Dual(p, d) for p, d in zip(params, direction)]
        F = self.forward(dual, X)
        grads = self.backward(dual, X, loss_cotangent(F))
        return [g.tangent if isinstance(g, Dual) else g * 0 for g in grads]


@dataclass(frozen=True)
class MLP(AbstractNetwork):
    """``f(x) = W^(N) φ_{N-1}(⋯ φ_1(W^(1) x + b^(1)) ⋯) + b^(N)``; biases only when ``bias``.

    Parameters are ``[W^(1), (b^(1)), …, W^(N), (b^(N))]`` with ``W^(h) ∈ ℝ^{n_h × n_{h-1}}``.
    Homogeneous of degree ``Π_h k_h`` when there are no biases and every φ_h is ``k_h``-homogeneous.
    """

    widths: tuple[int, ...]
    activations: tuple[Activation, ...]
    bias: bool = False

    def __post_init__(self) -> None:
        if len(self.widths) < 2:
            raise ValueError("an MLP needs at least input and output widths")
        if len(self.activations) != len(self.widths) - 2:
            raise ValueError(f"{len(self.widths) - 2} hidden layers need as many activations, got {len(self.activations)}")

    @property
    def depth(self) -> int:
        return len(self.widths) - 1

    def shapes(self) -> list[tuple[int, ...]]:
        out: list[tuple[int, ...]] = []
        for h in range(self.depth):
            out.append((self.widths[h + 1], self.widths[h]))
            if self.bias:
                out.append((self.widths[h + 1],))
        return out

    def weights(self, params: Sequence[Any]) -> list[Any]:
        return list(params[:: 2 if self.bias else 1])

    def biases(self, params: Sequence[Any]) -> list[Any]:
        return list(params[1::2]) if self.bias else []

    def homogeneity(self) -> int | None:
        """The degree ``K`` with ``f(c·θ) = c^K f(θ)``, or None when f is not homogeneous."""
        if self.bias or any(a.degree is None for a in self.activations):
            return None
        K = 1
        for a in self.activations:
            K = K * a.degree + 1
        return K

    def layers(self, params: Sequence[Any], X: Any) -> tuple[list[Any], list[Any]]:
        """Pre-activations ``Z^(h)`` and activations ``A^(h)`` (``A^(0) = X``; the last Z is F)."""
        Ws, bs = self.weights(params), self.biases(params)
        A, Zs, As = X, [], [X]
        for h, W in enumerate(Ws):
            Z = A @ W.T
            if self.bias:
                Z = Z + bs[h]
            Zs.append(Z)
            if h < self.depth - 1:
                A = self.activations[h].value(Z)
                As.append(A)
        return Zs, As

    def forward(self, params: Sequence[Any], X: Any) -> Any:
        return self.layers(params, X)[0][-1]

    def deltas(self, params: Sequence[Any], X: Any, G: Any) -> tuple[list[Any], list[Any]]:
        """Back-propagated ``δ^(h) = ∂L/∂Z^(h)`` for every layer, and the activations ``A^(h)``."""
        Ws = self.weights(params)
        Zs, As = self.layers(params, X)
        deltas = [None] * self.depth
        delta = G
        for h in range(self.depth - 1, -1, -1):
            deltas[h] = delta
            if h > 0:
                delta = self.activations[h - 1].derivative(Zs[h - 1]) * (delta @ Ws[h])
        return deltas, As

    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        deltas, As = self.deltas(params, X, G)
        out: list[Any] = []
        for h in range(self.depth):
            out.append(deltas[h].T @ As[h])
            if self.bias:
                out.append(deltas[h].sum(axis=0))
        return out


@dataclass(frozen=True)
class Conv1D(AbstractNetwork):
    """``f(x) = Σ_j a_j φ(Σ_s k_s x_{j+s})``: one shared kernel ``k`` (length ``s``), ``J = d-s+1``
    output weights ``a`` (THEOREMS.md DHL-T2.3).  Parameters ``[k, a]``.

    The expanded (Toeplitz) first-layer matrix has ``J`` rows, each a shifted copy of ``k``.
    """

    d: int
    kernel: int
    act: Activation

    @property
    def outputs(self) -> int:
        return self.d - self.kernel + 1

    def shapes(self) -> list[tuple[int, ...]]:
        return [(self.kernel,), (self.outputs,)]

    def patches(self, X: Any) -> Any:
        """``P[m, j, s] = X[m, j + s]``."""
        idx = np.arange(self.outputs)[:, None] + np.arange(self.kernel)[None, :]
        return X[:, idx]

    def forward(self, params: Sequence[Any], X: Any) -> Any:
        k, a = params
        Z = self.patches(X) @ k
        return (self.act.value(Z) @ a).reshape(-1, 1)

    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        k, a = params
        P = self.patches(X)
        Z = P @ k
        g = G.reshape(-1)
        A = self.act.value(Z)
        delta = self.act.derivative(Z) * (g.reshape(-1, 1) * a.reshape(1, -1))
        dk = np.einsum("mj,mjs->s", delta, P) if not isinstance(delta, Dual) else _dual_einsum(delta, P)
        return [dk, A.T @ g]

    def toeplitz(self, k: Any) -> np.ndarray:
        """The expanded ``J × d`` matrix whose rows are shifted copies of ``k``."""
        T = np.zeros((self.outputs, self.d), dtype=object if np.asarray(k).dtype == object else float)
        if T.dtype == object:
            T[:] = k[0] * 0
        for j in range(self.outputs):
            T[j, j:j + self.kernel] = k
        return T


def _dual_einsum(delta: Dual, P: Any) -> Dual:
    return Dual(np.einsum("mj,mjs->s", delta.value, P), np.einsum("mj,mjs->s", delta.tangent, P))


def _row_norms(V: np.ndarray) -> np.ndarray:
    sq = (V * V).sum(axis=1)
    return np.frompyfunc(lambda s: s.sqrt(), 1, 1)(sq).astype(object) if sq.dtype == object else np.sqrt(sq)


@dataclass(frozen=True)
class WeightNormMLP(AbstractNetwork):
    """An :class:`MLP` whose hidden layers are weight-normalised: ``W^(h)[i, :] = g_i v_i/‖v_i‖``.

    Parameters ``[V^(1), g^(1), …, V^(N-1), g^(N-1), W^(N)]``.  ``f`` is invariant under
    ``v_i ↦ c v_i``, so ``⟨∂f/∂v_i, v_i⟩ = 0``: the direction ``v_i`` alone is not a homogeneous
    block, which is where the balance laws break (THEOREMS.md DHL-I1 (iv)).  The row norms need
    square roots: use float64 or arb balls, not exact rationals.
    """

    base: MLP

    def shapes(self) -> list[tuple[int, ...]]:
        shapes = self.base.shapes()
        out: list[tuple[int, ...]] = []
        for s in shapes[:-1]:
            out += [s, (s[0],)]
        return out + [shapes[-1]]

    def effective(self, params: Sequence[Any]) -> list[Any]:
        """The plain MLP weights ``W^(h) = diag(g/‖v‖) V``."""
        Ws = []
        for h in range(self.base.depth - 1):
            V, g = params[2 * h], params[2 * h + 1]
            Ws.append(V * (g / _row_norms(V)).reshape(-1, 1))
        return Ws + [params[-1]]

    def forward(self, params: Sequence[Any], X: Any) -> Any:
        return self.base.forward(self.effective(params), X)

    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        dW = self.base.backward(self.effective(params), X, G)
        out: list[Any] = []
        for h in range(self.base.depth - 1):
            V, g = params[2 * h], params[2 * h + 1]
            s = _row_norms(V).reshape(-1, 1)
            radial = (dW[h] * V).sum(axis=1).reshape(-1, 1) / s  # ⟨∂L/∂W_i, v_i⟩/‖v_i‖
            out += [(g.reshape(-1, 1) / s) * (dW[h] - radial * V / s), radial.reshape(-1)]
        return out + [dW[-1]]
