"""Margins of a classifier with their per-point gradients and weighted Hessians, vectorised.

For a network ``f(x; θ)`` on float64 data ``(X, y)`` the *margins* are ``q_n = y_n f(x_n; θ)``.  The
classification flows (:mod:`checker.clocks`) need, at every field evaluation, ``q``, the
back-propagated ``Σ_n c_n ∇q_n`` for a cotangent ``c``, and for their stiff integrator's Jacobian
the per-point gradients ``J = (∇q_n)_n`` (``m × P``) and the weighted Hessian ``Σ_n c_n ∇²q_n``
(``P × P``).  On the small networks of the margin family the generic per-call network stack
(:mod:`checker.nets`: parameter lists, ``unflatten``, dual numbers) costs several times the
arithmetic, so :func:`margin_kernel` returns a kernel with the same mathematics on flat ``θ`` in
plain NumPy:

* :class:`MLPKernel` — a bias-free MLP ``Z_h = A_{h-1}W_hᵀ``, ``A_h = φ_h(Z_h)``, ``F = Z_L``.
  Back-propagation ``δ_L = c⊙y``, ``δ_{h-1} = φ'(Z_{h-1}) ⊙ (δ_h W_h)`` gives ``∂/∂W_h = δ_hᵀA_{h-1}``;
  with ``c = 1`` the rows ``δ_h[n] ⊗ A_{h-1}[n]`` are the per-point gradients.  The weighted Hessian
  is forward-over-reverse along all ``P`` unit directions at once (tangents with a leading axis of
  length ``P``): ``dZ_h = dA_{h-1}W_hᵀ + A_{h-1}dW_hᵀ``, ``dA_h = φ'(Z_h)dZ_h``,
  ``dδ_{h-1} = φ''(Z_{h-1})dZ_{h-1}⊙(δ_hW_h) + φ'(Z_{h-1})⊙(dδ_hW_h + δ_h dW_h)``,
  ``d(∂/∂W_h) = dδ_hᵀA_{h-1} + δ_hᵀdA_{h-1}``.
* :class:`ConvKernel` — :class:`~checker.nets.Conv1D`, ``f = Σ_j a_j φ(⟨k, x_{j:j+s}⟩)``:
  ``∇_k q_n = y_n Σ_j a_jφ'(z_nj)P_nj``, ``∇_a q_n = y_nφ(z_n)``, and
  ``∂²/∂k² = y_nΣ_j a_jφ''(z_nj)P_njP_njᵀ``,
  ``∂²/∂k∂a_j = y_nφ'(z_nj)P_nj``, ``∂²/∂a² = 0``.
* :class:`NetworkKernel` — any other network, through its own ``forward``/``backward`` (per-point
  gradients by ``m`` backward passes, the Hessian by one batched dual pass, ``nets.hvps``).

A kernel evaluates at a :class:`Pass` (one forward pass, reused by the backward ones).  ``slopes``
replaces ``φ'`` on the *kinked* pre-activations — the first hidden layer of a two-layer MLP, the
convolution's units; point-major, ``(n, j) ↦ n·width + j`` as in :class:`checker.clocks.LinearKinks`
— by the one-sided derivatives of a piece of the Clarke flow; there ``φ'' = 0`` (the activation is
linear on each side).  Activations are the networks' own (:class:`checker.nets.Activation`), so the
selection at a kink is the one back-propagation makes.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .nets import AbstractNetwork, Conv1D, MLP


@dataclass
class Pass:
    """One forward pass at ``θ``: the margins ``q``, the kinked pre-activations ``pre`` (flat,
    point-major; None for a network without kinks) and what the backward passes reuse."""

    theta: np.ndarray
    q: np.ndarray
    pre: np.ndarray | None
    parts: Any


def _blocks(shapes: list[tuple[int, ...]]) -> list[tuple[int, int, tuple[int, ...]]]:
    out, k = [], 0
    for shape in shapes:
        n = int(np.prod(shape))
        out.append((k, k + n, shape))
        k += n
    return out


class MLPKernel:
    """A bias-free :class:`~checker.nets.MLP` (module docstring)."""

    def __init__(self, net: MLP, X: np.ndarray, y: np.ndarray):
        self.net, self.X, self.y = net, X, y.reshape(-1)
        self.blocks = _blocks(net.shapes())
        self.size = net.size
        self.kinked = any(a.name in ("relu", "leaky_relu") for a in net.activations)

    def forward(self, theta: np.ndarray) -> Pass:
        Ws = [theta[a:b].reshape(s) for a, b, s in self.blocks]
        A, Zs, As = self.X, [], [self.X]
        last = len(Ws) - 1
        for h, W in enumerate(Ws):
            Z = A @ W.T
            Zs.append(Z)
            if h < last:
                A = self.net.activations[h].value(Z)
                As.append(A)
        return Pass(theta, Zs[-1][:, 0] * self.y, Zs[0].reshape(-1) if self.kinked else None, (Ws, Zs, As))

    def _derivatives(self, p: Pass, slopes: np.ndarray | None) -> list[np.ndarray]:
        Ws, Zs, _ = p.parts
        return [slopes.reshape(Zs[0].shape) if (h == 0 and slopes is not None) else self.net.activations[h].derivative(Zs[h])
                for h in range(len(Ws) - 1)]

    def _deltas(self, p: Pass, c: np.ndarray, ds: list[np.ndarray]) -> list[np.ndarray]:
        Ws = p.parts[0]
        delta = (c * self.y)[:, None]
        out = [delta]
        for h in range(len(Ws) - 1, 0, -1):
            delta = ds[h - 1] * (delta @ Ws[h])
            out.append(delta)
        return out[::-1]

    def gradient(self, p: Pass, c: np.ndarray, slopes: np.ndarray | None = None) -> np.ndarray:
        """``Σ_n c_n ∇q_n``."""
        deltas, As = self._deltas(p, c, self._derivatives(p, slopes)), p.parts[2]
        return np.concatenate([(d.T @ A).reshape(-1) for d, A in zip(deltas, As)])

    def jacobian(self, p: Pass, slopes: np.ndarray | None = None) -> np.ndarray:
        """The per-point gradients ``∇q_n`` as rows (``m × P``)."""
        deltas, As = self._deltas(p, np.ones_like(self.y), self._derivatives(p, slopes)), p.parts[2]
        m = self.y.size
        return np.concatenate([(d[:, :, None] * A[:, None, :]).reshape(m, -1) for d, A in zip(deltas, As)], axis=1)

    def hessian(self, p: Pass, c: np.ndarray, slopes: np.ndarray | None = None) -> np.ndarray:
        """``Σ_n c_n ∇²q_n`` (forward-over-reverse along the ``P`` unit directions)."""
        Ws, Zs, As = p.parts
        L = len(Ws)
        ds = self._derivatives(p, slopes)
        seconds = [np.zeros_like(Zs[0]) if (slopes is not None and h == 0) else self.net.activations[h].second(Zs[h])
                   for h in range(L - 1)]
        eye = np.eye(self.size)
        dWs = [eye[:, a:b].reshape((self.size,) + s) for a, b, s in self.blocks]
        dAs = [np.zeros((self.size,) + self.X.shape)]
        dZs = []
        for h in range(L):
            dZ = dAs[h] @ Ws[h].T + As[h] @ dWs[h].transpose(0, 2, 1)
            dZs.append(dZ)
            if h < L - 1:
                dAs.append(ds[h] * dZ)
        deltas = self._deltas(p, c, ds)
        d_delta = np.zeros((self.size,) + deltas[-1].shape)
        out = [None] * L
        for h in range(L - 1, -1, -1):
            out[h] = d_delta.transpose(0, 2, 1) @ As[h] + deltas[h].T @ dAs[h]
            if h > 0:
                back = deltas[h] @ Ws[h]
                d_delta = seconds[h - 1] * dZs[h - 1] * back + ds[h - 1] * (d_delta @ Ws[h] + deltas[h] @ dWs[h])
        return np.concatenate([o.reshape(self.size, -1) for o in out], axis=1)


class ConvKernel:
    """:class:`~checker.nets.Conv1D` (module docstring)."""

    def __init__(self, net: Conv1D, X: np.ndarray, y: np.ndarray):
        self.net, self.y = net, y.reshape(-1)
        self.patches = net.patches(X)  # (m, J, s)
        self.s = net.kernel
        self.size = net.size
        self.kinked = net.act.name in ("relu", "leaky_relu")

    def forward(self, theta: np.ndarray) -> Pass:
        k, a = theta[:self.s], theta[self.s:]
        Z = self.patches @ k
        A = self.net.act.value(Z)
        return Pass(theta, (A @ a) * self.y, Z.reshape(-1) if self.kinked else None, (Z, A))

    def _slopes(self, p: Pass, slopes: np.ndarray | None) -> np.ndarray:
        Z = p.parts[0]
        return self.net.act.derivative(Z) if slopes is None else slopes.reshape(Z.shape)

    def gradient(self, p: Pass, c: np.ndarray, slopes: np.ndarray | None = None) -> np.ndarray:
        cy = c * self.y
        a = p.theta[self.s:]
        dk = np.einsum("mj,mjs->s", cy[:, None] * a[None, :] * self._slopes(p, slopes), self.patches)
        return np.concatenate([dk, p.parts[1].T @ cy])

    def jacobian(self, p: Pass, slopes: np.ndarray | None = None) -> np.ndarray:
        a = p.theta[self.s:]
        dk = np.einsum("mj,mjs->ms", self.y[:, None] * a[None, :] * self._slopes(p, slopes), self.patches)
        return np.concatenate([dk, self.y[:, None] * p.parts[1]], axis=1)

    def hessian(self, p: Pass, c: np.ndarray, slopes: np.ndarray | None = None) -> np.ndarray:
        cy = c * self.y
        Z = p.parts[0]
        a = p.theta[self.s:]
        H = np.zeros((self.size, self.size))
        if slopes is None:
            w = cy[:, None] * a[None, :] * self.net.act.second(Z)
            H[:self.s, :self.s] = np.einsum("mj,mjs,mjt->st", w, self.patches, self.patches)
        cross = np.einsum("mj,mjs->sj", cy[:, None] * self._slopes(p, slopes), self.patches)
        H[:self.s, self.s:] = cross
        H[self.s:, :self.s] = cross.T
        return H


class NetworkKernel:
    """Any network through its own ``forward``/``backward`` (no kinked pre-activations: the flows'
    kinks are those of two-layer MLPs and convolutions)."""

    def __init__(self, net: AbstractNetwork, X: np.ndarray, y: np.ndarray):
        self.net, self.X, self.Y, self.y = net, X, y.reshape(-1, 1), y.reshape(-1)
        self.blocks = _blocks(net.shapes())
        self.size = net.size

    def _params(self, theta: np.ndarray) -> list[np.ndarray]:
        return [theta[a:b].reshape(s) for a, b, s in self.blocks]

    def forward(self, theta: np.ndarray) -> Pass:
        params = self._params(theta)
        return Pass(theta, (self.net.forward(params, self.X) * self.Y).reshape(-1), None, params)

    def gradient(self, p: Pass, c: np.ndarray, slopes: np.ndarray | None = None) -> np.ndarray:
        return self.net.flatten(self.net.backward(p.parts, self.X, (c * self.y)[:, None]))

    def jacobian(self, p: Pass, slopes: np.ndarray | None = None) -> np.ndarray:
        return np.array([self.gradient(p, np.eye(self.y.size)[n]) for n in range(self.y.size)])

    def hessian(self, p: Pass, c: np.ndarray, slopes: np.ndarray | None = None) -> np.ndarray:
        cot = (c * self.y)[:, None]
        eye = np.eye(self.size)
        units = [eye[:, a:b].reshape((self.size,) + s) for a, b, s in self.blocks]
        rows = self.net.hvps(p.parts, self.X, lambda F: cot, units)
        return np.concatenate([r.reshape(self.size, -1) for r in rows], axis=1)


Kernel = MLPKernel | ConvKernel | NetworkKernel


def margin_kernel(net: AbstractNetwork, X: np.ndarray, y: np.ndarray) -> Kernel:
    """The fastest kernel for ``net`` on ``(X, y)``: :class:`MLPKernel` for bias-free MLPs,
    :class:`ConvKernel` for convolutions, :class:`NetworkKernel` otherwise."""
    if isinstance(net, MLP) and not net.bias:
        return MLPKernel(net, X, y)
    if isinstance(net, Conv1D):
        return ConvKernel(net, X, y)
    return NetworkKernel(net, X, y)
