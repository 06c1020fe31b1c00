"""Homogeneous networks (and the non-homogeneous variants where claims break).

Every network maps parameters ``params`` (a list of arrays) and data ``X`` (``m × d``) to
outputs ``F`` (``m × p``), and back-propagates an output cotangent ``G = ∂L/∂F`` to
``∂L/∂params``.  The same code runs on

* float64 arrays (fast screening, trajectories),
* object arrays of python-flint ``fmpq`` (exact rationals) or ``arb`` (balls),
* :class:`Dual` arrays (value + tangent), which turn a gradient into a Hessian-vector product
  (forward-over-reverse, exact: no finite differences), or a batch of them in one pass
  (:meth:`AbstractNetwork.hvps`: tangents with a leading batch axis; a full Hessian is one pass).

Networks (THEOREMS.md §1.0): :class:`MLP`, ``f(x) = W^(N) φ(W^(N-1) ⋯ φ(W^(1) x))``, optionally
with biases; :class:`Conv1D`, ``f(x) = Σ_j a_j φ((k ⋆ x)_j)`` with one shared kernel ``k``;
:class:`WeightNormMLP` (weight-normalised hidden layers); :class:`ResidualMLP`,
``x ↦ (I + N_L)⋯(I + N_1)x`` (linear blocks) or ``h ↦ h + φ(N_k h)`` (activated blocks), with an
optional readout; :class:`FixedReadout`, a network whose last layer is a constant (not a
parameter); :class:`NearHomogeneous`, ``f = Σ_j c_j f_j`` (a homogeneous top-degree part plus
lower-degree terms), and :class:`Homogenised`, the top-degree part of a network with biases.
An :class:`Activation` is ``k``-homogeneous when ``z φ'(z) = k φ(z)`` for all ``z``; a network is
``K``-homogeneous when ``f(c·θ) = c^K f(θ)`` for every ``c > 0`` (:meth:`AbstractNetwork.homogeneity`),
and near-homogeneous of top degree ``K`` when ``f(c·θ) = c^K f_top(θ) + O(c^{K-1})`` as ``c → ∞``
(``.degree`` and ``.homogenised()`` give ``K`` and ``f_top`` on the same parameters).
"""
from __future__ import annotations

from abc import ABC, abstractmethod
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from flint import arb, fmpq

from .arith import rational, rational_array

# ---------------------------------------------------------------------------- dual numbers


class Dual:
    """An array pair ``value + ε·tangent`` with ``ε² = 0``; ``@``, ``+``, ``-``, ``*`` propagate tangents.

    With ``batched``, ``tangent`` carries a leading batch axis: ``tangent[b]`` is the tangent of the
    ``b``-th direction (``tangent.ndim == value.ndim + 1``, broadcastable), so one pass propagates
    many directions at once (:meth:`AbstractNetwork.hvps`); every slice is computed by the same
    operations as an unbatched pass with that direction."""

    __array_priority__ = 1000

    def __init__(self, value: Any, tangent: Any, batched: bool = False):
        self.value, self.tangent, self.batched = value, tangent, batched

    def _lift(self, t: Any, ndim: int) -> Any:
        """A batched tangent ``t`` with axes inserted after the batch axis to face a value of ``ndim`` axes."""
        if not self.batched or np.ndim(t) == 0 or np.ndim(t) - 1 >= ndim:
            return t
        return t.reshape(t.shape[:1] + (1,) * (ndim - np.ndim(t) + 1) + t.shape[1:])

    def _parts(self, x: Any) -> tuple[Any, Any, Any]:
        """``x``'s value and tangent, and this one's tangent, the tangents aligned for broadcasting."""
        v, t = (x.value, x.tangent) if isinstance(x, Dual) else (x, 0)
        if not self.batched:
            return v, t, self.tangent
        nd = max(np.ndim(self.value), np.ndim(v))
        return v, self._lift(t, nd), self._lift(self.tangent, nd)

    def __add__(self, o: Any) -> "Dual":
        v, t, s = self._parts(o)
        return Dual(self.value + v, s + t, self.batched)

    __radd__ = __add__

    def __sub__(self, o: Any) -> "Dual":
        v, t, s = self._parts(o)
        return Dual(self.value - v, s - t, self.batched)

    def __rsub__(self, o: Any) -> "Dual":
        v, t, s = self._parts(o)
        return Dual(v - self.value, t - s, self.batched)

    def __neg__(self) -> "Dual":
        return Dual(-self.value, -self.tangent, self.batched)

    def __mul__(self, o: Any) -> "Dual":
        v, t, s = self._parts(o)
        return Dual(self.value * v, self.value * t + s * v, self.batched)

    __rmul__ = __mul__

    def _mm(self, a: Any, b: Any, batched_left: bool) -> Any:
        """``a @ b`` where the batched tangent is ``a`` (``batched_left``) or ``b``: a vector operand (1-D
        value) is multiplied slice by slice, so each slice is the unbatched product (a matrix-vector one)."""
        t, other = (a, b) if batched_left else (b, a)
        if np.ndim(t) == 0 or (np.ndim(t) > 2 and np.ndim(other) > 1):
            return a @ b
        return np.stack([(t[k] @ other) if batched_left else (other @ t[k]) for k in range(len(t))])

    def __matmul__(self, o: Any) -> "Dual":
        if not self.batched:  # the common case, without the slice-by-slice products of _mm
            return Dual(self.value @ o, self.tangent @ o) if not isinstance(o, Dual) else \
                Dual(self.value @ o.value, self.value @ o.tangent + self.tangent @ o.value)
        if not isinstance(o, Dual):
            return Dual(self.value @ o, self._mm(self.tangent, o, True), self.batched)
        return Dual(self.value @ o.value, self._mm(self.value, o.tangent, False) + self._mm(self.tangent, o.value, True),
                    self.batched)

    def __rmatmul__(self, o: Any) -> "Dual":
        return Dual(o @ self.value, self._mm(o, self.tangent, False) if self.batched else o @ self.tangent, self.batched)

    @property
    def T(self) -> "Dual":
        if self.batched and np.ndim(self.tangent) > 1:
            tangent = np.swapaxes(self.tangent, -1, -2) if np.ndim(self.value) == 2 else self.tangent
            return Dual(self.value.T, tangent, self.batched)
        return Dual(self.value.T, _transpose(self.tangent), self.batched)

    def _full(self) -> Any:
        """The batched tangent broadcast to ``(batch, *value.shape)``."""
        return np.broadcast_to(self.tangent, self.tangent.shape[:1] + np.shape(self.value))

    def sum(self, axis: int | None = None) -> "Dual":
        if self.batched and np.ndim(self.tangent) > 0:
            axes = tuple(range(1, self.tangent.ndim)) if axis is None else axis + 1 if axis >= 0 else axis
            return Dual(self.value.sum(axis=axis), self._full().sum(axis=axes), self.batched)
        return Dual(self.value.sum(axis=axis), _sum(self.tangent, axis), self.batched)

    def reshape(self, *shape: Any) -> "Dual":
        value = self.value.reshape(*shape)
        if self.batched and np.ndim(self.tangent) > 0:
            return Dual(value, self._full().reshape(self.tangent.shape[:1] + value.shape), self.batched)
        return Dual(value, self.tangent.reshape(*shape), self.batched)

    def __getitem__(self, idx: Any) -> "Dual":
        if self.batched and np.ndim(self.tangent) > 0:
            return Dual(self.value[idx], self._full()[(slice(None),) + (idx if isinstance(idx, tuple) else (idx,))],
                        self.batched)
        return Dual(self.value[idx], self.tangent[idx], self.batched)


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
            return Dual(self.value(z.value), self.derivative(z.value) * z.tangent, z.batched)
        return _elementwise(self._scalar_value, z) if z.dtype == object else self._float_value(z)

    def derivative(self, z: Any) -> Any:
        if isinstance(z, Dual):
            return Dual(self.derivative(z.value), self.second(z.value) * z.tangent, z.batched)
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
        if self.power == 1:  # (leaky) ReLU: the same values without the power
            return np.where(z > 0, z, float(self.slope) * z)
        return np.where(z > 0, np.maximum(z, 0) ** self.power, float(self.slope) * z)

    def _float_derivative(self, z: np.ndarray) -> np.ndarray:
        if self.name == "linear":
            return np.ones_like(z)
        if self.name == "tanh":
            return 1 - np.tanh(z) ** 2
        if self.name == "square":
            return 2 * z
        if self.power == 1:
            return np.where(z > 0, 1.0, np.where(z < 0, float(self.slope), float(self.at_zero)))
        pos = self.power * np.maximum(z, 0) ** (self.power - 1)
        return np.where(z > 0, pos, np.where(z < 0, float(self.slope), 0.0))

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

    def homogeneity(self) -> int | None:
        """The degree ``K`` with ``f(c·θ) = c^K f(θ)`` for all ``c > 0``, or None (not homogeneous)."""
        return None

    @property
    def degree(self) -> int | None:
        """The top degree ``K``: ``f(c·θ)/c^K → f_top(θ)`` as ``c → ∞`` (:meth:`homogenised`); for a
        homogeneous network its degree of homogeneity."""
        return self.homogeneity()

    def homogenised(self) -> "AbstractNetwork":
        """``f_top``, the top-degree part on the same parameters (a homogeneous network is its own)."""
        if self.homogeneity() is None:
            raise ValueError(f"{type(self).__name__} is neither homogeneous nor near-homogeneous")
        return self

    def hvp(self, params: Sequence[Any], X: Any, loss_cotangent: Callable[[Any], Any],
            direction: Sequence[Any]) -> list[Any]:
        """Hessian-vector product ``∇²L(params)·direction`` by forward-over-reverse dual numbers.

        ``loss_cotangent(F)`` returns ``∂L/∂F``; it must accept :class:`Dual` arrays.
        """
        dual = [Dual(p, d) for p, d in zip(params, direction)]
        F = self.forward(dual, X)
        grads = self.backward(dual, X, loss_cotangent(F))
        return [g.tangent if isinstance(g, Dual) else g * 0 for g in grads]

    def hvps(self, params: Sequence[Any], X: Any, loss_cotangent: Callable[[Any], Any],
             directions: Sequence[Any]) -> list[Any]:
        """``∇²L(params)·v_b`` for a batch of directions in one dual pass: ``directions[j]`` has shape
        ``(B, *shapes()[j])`` and so has each returned array; slice ``b`` equals :meth:`hvp` with
        direction ``[d[b] for d in directions]`` (the same operations on each slice).  With the
        ``B = size`` unit directions it is the full Hessian (row ``b`` = column ``b``)."""
        dual = [Dual(p, np.asarray(d), batched=True) for p, d in zip(params, directions)]
        F = self.forward(dual, X)
        grads = self.backward(dual, X, loss_cotangent(F))
        B = len(directions[0])
        return [np.broadcast_to(g.tangent, (B,) + np.shape(g.value)).copy() if isinstance(g, Dual)
                else np.stack([np.asarray(g) * 0] * B) for g in grads]


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
        return None if self.bias else self.degree

    @property
    def degree(self) -> int | None:
        """``K = k_{N−1}(⋯k_2(k_1 + 1) + 1 ⋯) + 1``, the degree of the bias-free network (None when some
        φ is not homogeneous).  With biases f is near-homogeneous of this top degree: ``b^(1)`` scales
        with ``W^(1)`` (it is the weight of a constant input), the later biases enter at lower degree."""
        if any(a.degree is None for a in self.activations):
            return None
        K = 1
        for a in self.activations:
            K = K * a.degree + 1
        return K

    def homogenised(self) -> AbstractNetwork:
        """Without biases, the network itself; with biases, ``f_top = lim_{c→∞} f(c·θ)/c^K``: the same
        network with ``b^(2), …, b^(N)`` held at 0 (:class:`Homogenised`), homogeneous of degree K in
        ``(W^(1), b^(1), …, W^(N))``."""
        if self.degree is None:
            raise ValueError("an MLP with a non-homogeneous activation has no top-degree part")
        if not self.bias:
            return self
        return Homogenised(self, tuple(2 * h + 1 for h in range(1, self.depth)), self.degree)

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

    def deltas(self, params: Sequence[Any], X: Any, G: Any,
               layers: tuple[list[Any], list[Any]] | None = None) -> tuple[list[Any], list[Any]]:
        """Back-propagated ``δ^(h) = ∂L/∂Z^(h)`` for every layer, and the activations ``A^(h)``;
        ``layers`` is :meth:`layers` ``(Zs, As)`` of the same ``params`` and ``X`` when the caller has
        it already (the forward pass that gave ``F``, hence ``G``), so it is not computed twice."""
        Ws = self.weights(params)
        Zs, As = self.layers(params, X) if layers is None else layers
        deltas = [None] * self.depth
        delta = G
        for h in range(self.depth - 1, -1, -1):
            deltas[h] = delta
            if h > 0:
                delta = self.activations[h - 1].derivative(Zs[h - 1]) * (delta @ Ws[h])
        return deltas, As

    def backward(self, params: Sequence[Any], X: Any, G: Any,
                 layers: tuple[list[Any], list[Any]] | None = None) -> list[Any]:
        """``∂⟨G, F⟩/∂params``; ``layers``: the forward pass's ``(Zs, As)`` to reuse (see :meth:`deltas`)."""
        deltas, As = self.deltas(params, X, G, layers)
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

    def homogeneity(self) -> int | None:
        """``k + 1`` for a ``k``-homogeneous φ (kernel degree k, output weights degree 1)."""
        return None if self.act.degree is None else self.act.degree + 1

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
    return Dual(np.einsum("mj,mjs->s", delta.value, P), np.einsum("...mj,mjs->...s", delta.tangent, P), delta.batched)


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


# ---------------------------------------------------------------------------- residual networks


@dataclass(frozen=True)
class ResidualMLP(AbstractNetwork):
    """A residual network of ``blocks`` blocks on ``ℝ^dim``: ``h_0 = x`` and

    * one-matrix blocks (default): ``h_k = h_{k−1} + φ(N_k h_{k−1})``, ``N_k ∈ ℝ^{dim×dim}``;
      parameters ``[N_1, …, N_L]``;
    * two-matrix blocks (``hidden = n``): ``h_k = h_{k−1} + U_k φ(N_k h_{k−1})``, ``N_k ∈ ℝ^{n×dim}``,
      ``U_k ∈ ℝ^{dim×n}``; parameters ``[N_1, U_1, …, N_L, U_L]``;

    output ``f(x) = h_L`` or, with a trainable readout of ``readout = p`` outputs, ``f(x) = R h_L``
    (``R ∈ ℝ^{p×dim}``, the last parameter).

    Linear one-matrix blocks (φ the identity, the default) give ``f(x) = R(I + N_L)⋯(I + N_1)x``: a deep
    linear network in the effective weights ``W_k = I + N_k`` (:meth:`effective`), with
    ``∂f/∂N_k = ∂f/∂W_k``.  The hidden units of a two-matrix block are ordinary neurons (incoming row
    ``N_k[i, :]``, outgoing column ``U_k[:, i]``; the skip bypasses them), so DHL's per-neuron identity
    holds inside each block.  The identity makes f non-homogeneous; it is near-homogeneous of top degree
    ``K`` (``d_0 = 0``, ``d_k = k_φ(d_{k−1} + 1)``, ``+ 1`` per block with ``U_k``, ``K = d_L`` (+1 with a
    readout) for a ``k_φ``-homogeneous φ), its top-degree part the chain without skips
    (``skip=False``, :meth:`homogenised`).
    """

    dim: int
    blocks: int
    act: Activation = activation("linear")
    readout: int | None = None
    skip: bool = True
    hidden: int | None = None

    def __post_init__(self) -> None:
        if self.dim < 1 or self.blocks < 1 or (self.hidden is not None and self.hidden < 1):
            raise ValueError(f"a residual network needs dim, blocks (and hidden) ≥ 1, got {self.dim}, {self.blocks}, {self.hidden}")

    @property
    def _per_block(self) -> int:
        return 2 if self.hidden else 1

    def shapes(self) -> list[tuple[int, ...]]:
        block = [(self.hidden, self.dim), (self.dim, self.hidden)] if self.hidden else [(self.dim, self.dim)]
        return block * self.blocks + ([(self.readout, self.dim)] if self.readout else [])

    @property
    def degree(self) -> int | None:
        if self.act.degree is None:
            return None
        d = 0
        for _ in range(self.blocks):
            d = self.act.degree * (d + 1) + (1 if self.hidden else 0)
        return d + (1 if self.readout else 0)

    def homogeneity(self) -> int | None:
        return None if self.skip else self.degree

    def homogenised(self) -> "ResidualMLP":
        """The chain without skip connections, ``h_k = (U_k) φ(N_k h_{k−1})``: ``lim_{c→∞} f(c·θ)/c^K``."""
        if self.degree is None:
            raise ValueError(f"activation {self.act.name} is not homogeneous: no top-degree part")
        return ResidualMLP(self.dim, self.blocks, self.act, self.readout, skip=False, hidden=self.hidden)

    def effective(self, params: Sequence[Any]) -> list[Any]:
        """The effective weights ``[I + N_1, …, I + N_L]`` (+ ``R``) of linear one-matrix blocks: the
        same function as ``MLP((dim,)*(L+1) (+ (p,)), linear)`` with these weights."""
        if self.act.name != "linear" or not self.skip or self.hidden:
            raise ValueError("effective weights I + N_k exist for linear residual blocks only (one matrix per block)")
        eye = np.eye(self.dim, dtype=int)
        return [N + eye for N in params[:self.blocks]] + list(params[self.blocks:])

    def _blocks(self, params: Sequence[Any]) -> list[tuple[Any, ...]]:
        n = self._per_block
        return [tuple(params[n * k:n * (k + 1)]) for k in range(self.blocks)]

    def states(self, params: Sequence[Any], X: Any) -> tuple[list[Any], list[Any]]:
        """Block pre-activations ``Z_k = h_{k−1} N_kᵀ`` and states ``h_0 = X, …, h_L`` (rows: samples)."""
        H, Zs, Hs = X, [], [X]
        for block in self._blocks(params):
            Z = H @ block[0].T
            branch = self.act.value(Z) @ block[1].T if self.hidden else self.act.value(Z)
            H = H + branch if self.skip else branch
            Zs.append(Z)
            Hs.append(H)
        return Zs, Hs

    def forward(self, params: Sequence[Any], X: Any) -> Any:
        H = self.states(params, X)[1][-1]
        return H @ params[-1].T if self.readout else H

    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        Zs, Hs = self.states(params, X)
        tail: list[Any] = []
        delta = G  # ∂L/∂h_L
        if self.readout:
            tail, delta = [G.T @ Hs[-1]], G @ params[-1]
        grads: list[Any] = []
        for k, block in reversed(list(enumerate(self._blocks(params)))):
            if self.hidden:  # branch U φ(Z): ∂L/∂U = δᵀφ(Z), ∂L/∂φ(Z) = δU
                grads = [delta.T @ self.act.value(Zs[k])] + grads
                D = self.act.derivative(Zs[k]) * (delta @ block[1])
            else:
                D = self.act.derivative(Zs[k]) * delta  # ∂L/∂Z_k
            grads = [D.T @ Hs[k]] + grads
            delta = delta + D @ block[0] if self.skip else D @ block[0]
        return grads + tail


# ---------------------------------------------------------------------------- fixed readout


def _number_type(x: Any) -> Any:
    return np.asarray(x.value if isinstance(x, Dual) else x)


_LINEAR_READOUT = (MLP, Conv1D, WeightNormMLP, ResidualMLP)


@dataclass(frozen=True, eq=False)
class FixedReadout(AbstractNetwork):
    """``base`` with its last parameter array (its readout) held at the constant ``readout``:
    ``f(x; θ) = base(x; θ, R)``, parameters those of ``base`` but the last: e.g. a deep linear network
    ``x ↦ R W_{L−1}⋯W_1 x`` whose last layer is not trained (the fixed-readout setting of Marion &
    Chizat's deep linear regression).  ``readout`` is exact (rationals); it is used as float64 when
    the parameters are float64.

    The base's readout must enter f linearly as its outermost layer (an :class:`MLP` without biases,
    :class:`Conv1D`, :class:`WeightNormMLP`, a :class:`ResidualMLP` with a readout), so a ``K``-
    homogeneous base gives a ``(K − 1)``-homogeneous network, and likewise for top degrees."""

    base: AbstractNetwork
    readout: Any

    def __post_init__(self) -> None:
        if not isinstance(self.base, _LINEAR_READOUT) or getattr(self.base, "bias", False) \
                or (isinstance(self.base, ResidualMLP) and not self.base.readout):
            raise TypeError("FixedReadout needs a base whose last parameter is a linear readout "
                            "(MLP without biases, Conv1D, WeightNormMLP, ResidualMLP with a readout)")
        R = rational_array(np.asarray(self.readout, dtype=object).tolist())
        if R.shape != tuple(self.base.shapes()[-1]):
            raise ValueError(f"readout of shape {R.shape}, the base's last layer is {self.base.shapes()[-1]}")
        object.__setattr__(self, "readout", R)
        object.__setattr__(self, "_float", R.astype(float))

    def __eq__(self, other: Any) -> bool:
        return isinstance(other, FixedReadout) and self.base == other.base and bool(np.all(self.readout == other.readout))

    __hash__ = None  # type: ignore[assignment]

    def _full(self, params: Sequence[Any]) -> list[Any]:
        exact = _number_type(params[0]).dtype == object
        return list(params) + [self.readout if exact else self._float]

    def shapes(self) -> list[tuple[int, ...]]:
        return self.base.shapes()[:-1]

    def forward(self, params: Sequence[Any], X: Any) -> Any:
        return self.base.forward(self._full(params), X)

    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        return self.base.backward(self._full(params), X, G)[:-1]

    def homogeneity(self) -> int | None:
        K = self.base.homogeneity()
        return None if K is None else K - 1

    @property
    def degree(self) -> int | None:
        K = self.base.degree
        return None if K is None else K - 1

    def homogenised(self) -> "FixedReadout":
        return self if self.homogeneity() is not None else FixedReadout(self.base.homogenised(), self.readout)


# ---------------------------------------------------------------------------- near-homogeneous networks


@dataclass(frozen=True)
class Homogenised(AbstractNetwork):
    """``base`` with the parameter arrays at the indices ``zeroed`` held at 0 (their gradient is 0):
    the top-degree part of a near-homogeneous ``base`` on the same parameters, homogeneous of
    ``degree`` (the constructor's claim, e.g. :meth:`MLP.homogenised`; tests check
    ``f(c·θ) = c^K f(θ)`` exactly)."""

    base: AbstractNetwork
    zeroed: tuple[int, ...]
    top_degree: int

    def shapes(self) -> list[tuple[int, ...]]:
        return self.base.shapes()

    def _kept(self, params: Sequence[Any]) -> list[Any]:
        return [p * 0 if j in self.zeroed else p for j, p in enumerate(params)]

    def forward(self, params: Sequence[Any], X: Any) -> Any:
        return self.base.forward(self._kept(params), X)

    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        return self._kept(self.base.backward(self._kept(params), X, G))

    def homogeneity(self) -> int | None:
        return self.top_degree


@dataclass(frozen=True)
class NearHomogeneous(AbstractNetwork):
    """``f(x; θ) = Σ_j c_j f_j(x; θ_j)`` for ``terms = ((c_1, f_1), (c_2, f_2), …)`` with rational
    ``c_j`` and networks ``f_j`` of top degrees ``K_j`` (:attr:`AbstractNetwork.degree`): e.g.
    ``f = f_K + c·f_{K'}`` with ``K' < K``, the predictor ``θ₁ + θ₂³``, or one MLP with biases.
    Parameters: the concatenation ``[θ_1…, θ_2…, …]`` of the terms' parameter lists, or with
    ``shared`` one list common to every term (equal shapes), as in ``f(θ) = f_K(θ) + c·f_{K'}(θ)``.

    :attr:`degree` is ``K = max{K_j : c_j ≠ 0}``; :meth:`homogenised` keeps the terms of degree
    ``K`` (their own top-degree parts) and sets the others' coefficients to 0, on the same
    parameters, so ``f(c·θ)/c^K → f_top(θ)`` as ``c → ∞`` (Cai et al.'s homogenised network).
    """

    terms: tuple[tuple[Any, AbstractNetwork], ...]
    shared: bool = False

    def __post_init__(self) -> None:
        terms = tuple((rational(c), net) for c, net in self.terms)
        if not terms:
            raise ValueError("a near-homogeneous network needs at least one term")
        for j, (c, net) in enumerate(terms):
            if net.degree is None:
                raise ValueError(f"term {j} ({type(net).__name__}) has no top degree (a non-homogeneous activation)")
        if self.shared and any(net.shapes() != terms[0][1].shapes() for _, net in terms):
            raise ValueError("shared parameters need terms of equal parameter shapes")
        if all(c == 0 for c, _ in terms):
            raise ValueError("every coefficient is 0")
        object.__setattr__(self, "terms", terms)

    def _split(self, params: Sequence[Any]) -> list[list[Any]]:
        if self.shared:
            return [list(params)] * len(self.terms)
        out, k = [], 0
        for _, net in self.terms:
            n = len(net.shapes())
            out.append(list(params[k:k + n]))
            k += n
        return out

    def shapes(self) -> list[tuple[int, ...]]:
        return self.terms[0][1].shapes() if self.shared else [s for _, net in self.terms for s in net.shapes()]

    @staticmethod
    def _times(A: Any, c: fmpq) -> Any:
        return A * (c if _number_type(A).dtype == object else float(c))

    def forward(self, params: Sequence[Any], X: Any) -> Any:
        total = None
        for (c, net), ps in zip(self.terms, self._split(params)):
            F = self._times(net.forward(ps, X), c)
            total = F if total is None else total + F
        return total

    def backward(self, params: Sequence[Any], X: Any, G: Any) -> list[Any]:
        parts = [net.backward(ps, X, self._times(G, c)) for (c, net), ps in zip(self.terms, self._split(params))]
        if self.shared:
            return [sum(gs[1:], gs[0]) for gs in zip(*parts)]
        return [g for gs in parts for g in gs]

    @property
    def degree(self) -> int:
        return max(net.degree for c, net in self.terms if c != 0)

    def homogeneity(self) -> int | None:
        live = [net for c, net in self.terms if c != 0]
        return self.degree if all(net.homogeneity() == self.degree for net in live) else None

    def homogenised(self) -> "NearHomogeneous":
        K = self.degree
        return NearHomogeneous(tuple((c, net.homogenised()) if net.degree == K and c != 0 else (fmpq(0), net)
                                     for c, net in self.terms), self.shared)
