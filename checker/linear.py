"""Deep linear networks for regression: the network, its risk, the paper's closed forms, minimisers
and runs of gradient flow and descent.

Network: ``x ↦ pᵀW_L⋯W_1x`` with ``W_k ∈ ℝ^{m_k × m_{k−1}}``, ``m_0 = d``, and a *fixed* readout
``p ∈ ℝ^{m_L}`` (``p = (1,)`` and ``m_L = 1`` for the plain network): :func:`network` is the
:class:`checker.nets.MLP` with linear activations (inside :class:`checker.nets.FixedReadout` when
``p ≠ (1,)``), so forward passes and Dual-number Hessian-vector products are the one network
stack of :mod:`checker.nets`.  Parameters are ``θ = net.flatten([W_1, …, W_L])``.

Risk: ``R(W) = ‖y − Xw‖²/n`` of the end-to-end vector ``w(W) := (pᵀW_L⋯W_1)ᵀ`` (the authors'
convention), i.e. ``(2/n)·ℒ`` for the squared-loss :class:`checker.objectives.Objective`
``ℒ = ½Σ_i(f(x_i) − y_i)²``.  :class:`Risk` is that oracle for :mod:`checker.dynamics`: its
gradient is the deep-linear closed form (identical to the network's on rationals), its Hessian the
network's HVP columns (the independent measurement MC-H compares with the closed forms); exact on
rationals, balls on ``arb``.  With ``Σ = XᵀX/n``,
``b = Xᵀy/n`` (:func:`checker.regression.square_loss_moments`), ``∇R¹(w) = 2(Σw − b)``.

Closed forms of the paper (Marion & Chizat), in the notation ``a_kᵀ := pᵀW_L⋯W_{k+1}``
(``a_L = p``), ``B_k := W_{k−1}⋯W_1`` (``B_1 = I_d``), so ``wᵀ = a_kᵀW_kB_k`` for every ``k``:

* the Jacobian ``∂w/∂W_k·Δ = B_kᵀΔᵀa_k`` and ``JJᵀ = G := Σ_k ‖a_k‖²B_kᵀB_k`` (formula (H):
  ``S = 2λ_max(GΣ)`` at global minimisers);
* ``∇²R = Jᵀ(2Σ)J + Σ_j ∂_jR¹∇²w_j``: the Gauss–Newton term (the whole Hessian at minimisers),
  the whole Hessian from small factors (:func:`hessian_factors`, :func:`hessian_closed_form`: NumPy,
  ``fmpq_mat`` or ``arb_mat`` products; the Jacobian of the gradient flow's stiff solver and the
  certified ball Hessian) and a Weyl bound on the residual term (:func:`residual_curvature_bound`);
* global minimisers through given upper layers, and the aligned rank-one family.

Runs: gradient flow to a neighbourhood of the minimiser set (:func:`gradient_flow_to_minimiser`)
and gradient descent (:func:`gradient_descent_run`, float64; :func:`gradient_descent_ball`, the
exact iteration in balls) are :func:`checker.dynamics.gradient_flow` /
:func:`checker.dynamics.gradient_descent` on :class:`Risk`; every run carries its error estimate.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any, Sequence

import numpy as np
from flint import fmpq
from hypothesis import strategies as st

from .arith import rational_array, working_precision
from .dynamics import gradient_descent, gradient_flow
from .exact import balls
from .integrators import CHECK_FACTOR, iterate, solve_until
from .losses import Loss
from .nets import MLP, AbstractNetwork, FixedReadout, activation
from .objectives import Objective

Layers = list[np.ndarray]
SQUARED = Loss("squared")
LINEAR = activation("linear")


def _eye(n: int, like: np.ndarray) -> np.ndarray:
    """The identity in the number type of ``like`` (object arrays keep python-flint scalars)."""
    if like.dtype == object:
        one, zero = like.flat[0] ** 0 if like.size else 1, like.flat[0] * 0 if like.size else 0
        out = np.full((n, n), zero, dtype=object)
        for i in range(n):
            out[i, i] = one
        return out
    return np.eye(n, dtype=like.dtype)


def _is_unit_readout(readout: np.ndarray) -> bool:
    return np.size(readout) == 1 and np.asarray(readout).reshape(-1)[0] == 1


# ---------------------------------------------------------------------------- the network and its risk


def network(widths: Sequence[int], readout: np.ndarray) -> AbstractNetwork:
    """``x ↦ pᵀW_L⋯W_1x`` for layer widths ``[d, m_1, …, m_L]``: an MLP with linear activations,
    followed by the fixed readout layer ``pᵀ`` (:class:`checker.nets.FixedReadout`) unless ``p = (1,)``
    (then ``W_L`` is the output row).  ``p`` is exact, or a float64 vector (read exactly)."""
    widths = tuple(int(m) for m in widths)
    if _is_unit_readout(readout):
        return MLP(widths, (LINEAR,) * (len(widths) - 2))
    rows = rational_array(np.asarray(readout, dtype=object).reshape(1, -1).tolist())
    return FixedReadout(MLP(widths + (1,), (LINEAR,) * (len(widths) - 1)), rows)


def layer_widths(layers: Sequence[np.ndarray]) -> list[int]:
    return [layers[0].shape[1]] + [W.shape[0] for W in layers]


@dataclass(frozen=True)
class Risk:
    """``R(θ) = ‖y − f(X; θ)‖²/n = (2/n)·ℒ(θ)``, ``ℒ`` the squared-loss :class:`Objective`: the
    oracle of the regression rules (``gradient``, ``sample_gradient``, ``samples``), with
    ``hvp`` and ``hessian`` by forward-over-reverse Dual numbers (exact on rationals).

    The gradient is the deep-linear closed form (the chain rule through ``w``, a few vector
    products): with ``a_L = p``, ``a_k = W_{k+1}ᵀa_{k+1}``, ``w = W_1ᵀa_1``, ``g = (2/n)Xᵀ(Xw − y)``
    (``= ∇R¹(w)``), ``c_1 = g``, ``c_{k+1} = W_kc_k``, it is ``∂R/∂W_k = a_kc_kᵀ`` (``c_k = B_kg``).
    The same arithmetic serves float64 (about ``3L`` small NumPy products, against the network's
    forward and backward passes over the ``n`` samples: the same value up to rounding, tested
    against the network's gradient within the rounding bound of both), exact rationals (identical
    to the network's) and balls.  ``readout`` is ``p`` exactly (``(1,)`` for the plain network).
    """

    objective: Objective
    readout: np.ndarray

    @staticmethod
    def of(net: AbstractNetwork, X: np.ndarray, y: np.ndarray, readout: np.ndarray) -> "Risk":
        p = np.array([fmpq(1)], dtype=object) if _is_unit_readout(readout) else \
            rational_array(np.asarray(readout, dtype=object).reshape(-1).tolist())
        return Risk(Objective(net, X, np.asarray(y).reshape(-1, 1), SQUARED), p)

    @property
    def net(self) -> AbstractNetwork:
        return self.objective.net

    @property
    def samples(self) -> int:
        return self.objective.samples

    @cached_property
    def _float_readout(self) -> np.ndarray:
        return self.readout.astype(float)

    @cached_property
    def _data(self) -> tuple[Any, Any, Any]:
        """``(X, Xᵀ, y)`` with ``y`` a vector."""
        X = self.objective.X
        return X, X.T, self.objective.Y.reshape(-1)

    @cached_property
    def _n(self) -> int:
        return self.objective.samples

    @cached_property
    def _groups(self) -> list[tuple[int, int, tuple[int, int]]]:
        """Runs of consecutive layers of one shape ``(m, n)``: ``(offset in θ, layers, (m, n))``."""
        out: list[tuple[int, int, tuple[int, int]]] = []
        offset = 0
        for shape in self.net.shapes():
            m, n = shape
            if out and out[-1][2] == (m, n):
                out[-1] = (out[-1][0], out[-1][1] + 1, (m, n))
            else:
                out.append((offset, 1, (m, n)))
            offset += m * n
        return out

    def _scale(self, theta: Any) -> Any:
        return fmpq(2, self.samples) if np.asarray(theta).dtype == object else 2.0 / self.samples

    def _left(self, theta: Any) -> tuple[list[Any], list[Any], bool]:
        """The layers ``[W_1, …, W_L]`` (views of ``θ``: one ``count × m × n`` view per run of equal
        shapes), ``[a_L, …, a_1]`` in the number type of ``θ`` (note the order), and whether it is exact
        or balls (``ndarray.dot`` throughout: on these tiny arrays a third of the cost of ``@``)."""
        theta = np.asarray(theta)
        Ws: list[Any] = []
        for offset, count, (m, n) in self._groups:
            block = theta[offset:offset + count * m * n]
            if count == 1:
                Ws.append(block.reshape(m, n))
            else:
                Ws.extend(block.reshape(count, m, n))
        exact = theta.dtype == object
        a = self.readout if exact else self._float_readout
        down = [a]
        for W in Ws[:0:-1]:
            a = a.dot(W)
            down.append(a)
        return Ws, down, exact

    def end_to_end(self, theta: Any) -> Any:
        """``w(θ) = W_1ᵀa_1``."""
        Ws, down, _ = self._left(theta)
        return down[-1].dot(Ws[0])

    def _gradient(self, theta: Any, X: Any, XT: Any, y: Any) -> Any:
        Ws, down, exact = self._left(theta)
        c = XT.dot(X.dot(down[-1].dot(Ws[0])) - y) * (fmpq(2, self._n) if exact else 2.0 / self._n)
        ups = []
        for W in Ws:
            ups.append(c)
            c = W.dot(c)
        blocks, k = [], 0  # a_kc_kᵀ for every layer, one broadcast product per run of equal shapes
        for _, count, _ in self._groups:
            if count == 1:
                blocks.append(np.multiply.outer(down[-1 - k], ups[k]))
            else:
                A, C = np.array(down[-1 - k:-1 - k - count:-1]), np.array(ups[k:k + count])
                blocks.append(A[:, :, None] * C[:, None, :])
            k += count
        return np.concatenate(blocks, axis=None)  # each a_kc_kᵀ flattened row-major, in θ's order

    def gradient(self, theta: Any) -> Any:
        """``∇R(θ)`` (the closed form of the class docstring)."""
        return self._gradient(theta, *self._data)

    def sample_gradient(self, theta: Any, indices: Sequence[int]) -> Any:
        """``(2/n)∇_θ Σ_{i ∈ indices} (f(x_i) − y_i)²/2``: the closed form on the chosen rows."""
        X, _, y = self._data
        idx = list(indices)
        return self._gradient(theta, X[idx], X[idx].T, y[idx])

    def hvp(self, theta: Any, v: Any) -> Any:
        """``∇²R(θ)·v``: the directional derivative of the gradient along ``v`` (no finite differences)."""
        c, Y = self._scale(theta), self.objective.Y
        net = self.net
        out = net.hvp(net.unflatten(theta), self.objective.X, lambda F: c * (F - Y), net.unflatten(v))
        return net.flatten(out)

    def hessian(self, theta: Any) -> np.ndarray:
        """The full ``P × P`` Hessian: the ``P`` unit directions in one batched dual pass
        (:meth:`checker.nets.AbstractNetwork.hvps`, the same arithmetic as :meth:`hvp` column by column)."""
        theta = np.asarray(theta)
        P, net = theta.size, self.net
        one = theta.flat[0] ** 0 if theta.dtype == object else 1.0
        eye = np.array([[one if i == j else one * 0 for j in range(P)] for i in range(P)], dtype=theta.dtype)
        directions, k = [], 0
        for shape in net.shapes():
            n = int(np.prod(shape))
            directions.append(eye[:, k:k + n].reshape((P, *shape)))
            k += n
        c, Y = self._scale(theta), self.objective.Y
        rows = net.hvps(net.unflatten(theta), self.objective.X, lambda F: c * (F - Y), directions)
        return np.concatenate([r.reshape(P, -1) for r in rows], axis=1).T


def risk(layers: Sequence[np.ndarray], readout: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[Risk, np.ndarray]:
    """The :class:`Risk` of the network of ``layers`` on ``(X, y)`` and the flat parameters of ``layers``."""
    net = network(layer_widths(layers), readout)
    return Risk.of(net, X, y, readout), net.flatten(list(layers))


def hessian(layers: Sequence[np.ndarray], readout: np.ndarray, X: np.ndarray, y: np.ndarray) -> np.ndarray:
    """``∇²R`` at ``layers`` (parameters flattened layer by layer, row-major), exact on rationals."""
    oracle, theta = risk(layers, readout, X, y)
    return oracle.hessian(theta)


# ---------------------------------------------------------------------------- the paper's closed forms


def left_vectors(layers: Sequence[np.ndarray], readout: np.ndarray) -> list[np.ndarray]:
    """``[a_1, …, a_L]`` with ``a_kᵀ = pᵀW_L⋯W_{k+1}`` and ``a_L = p``."""
    a = [readout]
    for W in reversed(layers[1:]):
        a.append(a[-1] @ W)
    return a[::-1]


def right_products(layers: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``[B_1, …, B_L]`` with ``B_k = W_{k−1}⋯W_1`` and ``B_1 = I_d``."""
    B = [_eye(layers[0].shape[1], layers[0])]
    for W in layers[:-1]:
        B.append(W @ B[-1])
    return B


def end_to_end(layers: Sequence[np.ndarray], readout: np.ndarray) -> np.ndarray:
    """``w = (pᵀW_L⋯W_1)ᵀ``."""
    out = readout
    for W in reversed(layers):
        out = out @ W
    return out


def gram(layers: Sequence[np.ndarray], readout: np.ndarray) -> np.ndarray:
    """``G = J Jᵀ = Σ_k ‖a_k‖² B_kᵀB_k`` (``d × d``), the matrix of formula (H)."""
    a, B = left_vectors(layers, readout), right_products(layers)
    terms = [(ak @ ak) * (Bk.T @ Bk) for ak, Bk in zip(a, B)]
    return sum(terms[1:], terms[0])


def _zeros(shape: tuple[int, int], like: np.ndarray) -> np.ndarray:
    """Zeros in the number type of ``like`` (object arrays: ``fmpq(0)``, which multiplies any ball)."""
    return np.full(shape, fmpq(0), dtype=object) if like.dtype == object else np.zeros(shape, like.dtype)


def _offsets(sizes: Sequence[int]) -> list[int]:
    return [0, *np.cumsum(sizes).tolist()]


def _spread(layers: Sequence[np.ndarray], a: Sequence[np.ndarray]) -> np.ndarray:
    """``𝒜 = blockdiag_k(a_k ⊗ I_{m_{k−1}})`` (``P × Σ_k m_{k−1}``): row ``(k, i, j)`` is ``a_k[i]·e_{(k, j)}``."""
    ins = [W.shape[1] for W in layers]
    rows, cols = _offsets([W.size for W in layers]), _offsets(ins)
    out = _zeros((rows[-1], cols[-1]), layers[0])
    for k, (ak, W) in enumerate(zip(a, layers)):
        out[rows[k]:rows[k + 1], cols[k]:cols[k + 1]] = (ak[:, None, None] * _eye(W.shape[1], W)).reshape(-1, W.shape[1])
    return out


def jacobian(layers: Sequence[np.ndarray], readout: np.ndarray) -> np.ndarray:
    """``J = ∂w/∂vec(W)`` (``d × P``, parameters flattened layer by layer, row-major).

    Column ``(k, i, j)`` is ``a_k[i] · B_k[j, :]ᵀ`` since ``∂w/∂(W_k)_{ij} = B_kᵀ e_j a_k[i]``: ``Jᵀ = 𝒜ℬ``
    with ``𝒜 = blockdiag_k(a_k ⊗ I)`` and ``ℬ`` the ``B_k`` stacked.
    """
    a, B = left_vectors(layers, readout), right_products(layers)
    return (_spread(layers, a) @ np.concatenate(B, axis=0)).T


def gauss_newton(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``Jᵀ(2Σ)J`` (``P × P``), the Hessian of the risk at a global minimiser (MC-H)."""
    J = jacobian(layers, readout)
    return J.T @ (2 * sigma) @ J


def imbalances(layers: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``D_k = W_kW_kᵀ − W_{k+1}ᵀW_{k+1}`` for ``k = 1..L−1``, each conserved by gradient flow."""
    return [W @ W.T - V.T @ V for W, V in zip(layers[:-1], layers[1:])]


def _middles(layers: Sequence[np.ndarray]) -> list[tuple[int, int, np.ndarray]]:
    """``(k, l, W_{l−1}⋯W_{k+1})`` for every ``k < l`` (the identity when ``l = k + 1``)."""
    out = []
    for k in range(len(layers)):
        middle = _eye(layers[k].shape[0], layers[k])
        for l in range(k + 1, len(layers)):
            out.append((k, l, middle))
            middle = layers[l] @ middle
    return out


def hessian_factors(layers: Sequence[np.ndarray], readout: np.ndarray, X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, ...]:
    """``(𝒜ℬ, 2Σ, 𝒜, 𝒩, 𝒞)``, so that ``∇²R = (𝒜ℬ)(2Σ)(𝒜ℬ)ᵀ + 𝒰 + 𝒰ᵀ`` with ``𝒰 = 𝒜𝒩𝒞`` (exact on
    rationals, balls on balls).

    ``∇²R = Jᵀ(2Σ)J + ∇²(gᵀw)`` with ``g = ∇R¹(w) = (2/n)Xᵀ(Xw − y)`` frozen and ``Jᵀ = 𝒜ℬ``
    (:func:`jacobian`).  ``gᵀw = a_lᵀW_l M_{lk} W_k c_k`` with ``M_{lk} = W_{l−1}⋯W_{k+1}`` and
    ``c_k = B_kg``; it is linear in each layer, so its Hessian has zero diagonal blocks and block
    ``(l, k)``, ``k < l``, with entries ``a_l[i]·M_{lk}[j, r]·c_k[s]`` at ``((l, i, j), (k, r, s))``:
    ``(a_l ⊗ I)·M_{lk}·(I ⊗ c_kᵀ)``.  So ``𝒰 = 𝒜𝒩𝒞`` with ``𝒩`` the strictly block-lower matrix of the
    ``M_{lk}`` and ``𝒞 = blockdiag_k(I_{m_k} ⊗ c_kᵀ)``.  The factors are small (``P × Σm``, ``Σm × Σm``,
    ``Σm × P``); their products are a few matrix multiplications (:func:`hessian_closed_form`).
    """
    W = list(layers)
    a, B = left_vectors(W, readout), right_products(W)
    scale = fmpq(2, X.shape[0]) if W[0].dtype == object else 2.0 / X.shape[0]
    g = (X.T @ (X @ end_to_end(W, readout) - y)) * scale
    A = _spread(W, a)
    ins, outs = [V.shape[1] for V in W], [V.shape[0] for V in W]
    q_in, q_out, rows = _offsets(ins), _offsets(outs), _offsets([V.size for V in W])
    N = _zeros((q_in[-1], q_out[-1]), W[0])
    for k, l, middle in _middles(W):
        N[q_in[l]:q_in[l + 1], q_out[k]:q_out[k + 1]] = middle
    C = _zeros((q_out[-1], rows[-1]), W[0])
    for k, Bk in enumerate(B):
        C[q_out[k]:q_out[k + 1], rows[k]:rows[k + 1]] = (_eye(outs[k], W[k])[:, :, None] * (Bk @ g)).reshape(outs[k], -1)
    return A @ np.concatenate(B, axis=0), (X.T @ X) * scale, A, N, C


def hessian_closed_form(layers: Sequence[np.ndarray], readout: np.ndarray, X: np.ndarray, y: np.ndarray,
                        matrix: Any = None) -> Any:
    """``∇²R`` by the closed form of :func:`hessian_factors`: NumPy products (float64) when ``matrix``
    is None, else products of python-flint matrices ``matrix`` (``arb_mat`` for balls: every product
    a C-level ball matrix multiplication, so the result encloses the exact Hessian of the exact
    inputs; ``fmpq_mat`` for exact rationals)."""
    JT, S2, A, N, C = hessian_factors(layers, readout, X, y)
    if matrix is None:
        U = A @ (N @ C)
        return JT @ S2 @ JT.T + U + U.T
    JT, S2, A, N, C = (matrix(F.tolist()) for F in (JT, S2, A, N, C))
    U = A * (N * C)
    return JT * S2 * JT.transpose() + U + U.transpose()


def residual_curvature_bound(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray,
                             b: np.ndarray) -> float:
    """A float64 bound on ``‖Σ_j ∂_jR¹ ∇²w_j‖_op``, the term of ``∇²R`` that vanishes at minimisers.

    The term is ``∇²(gᵀw)`` with ``g = ∇R¹(w)`` frozen.  Its block ``(l, k)``, ``k < l``, is
    ``(a_l ⊗ I)·M_{lk}·(I ⊗ (B_kg)ᵀ)`` (:func:`hessian_factors`), of operator norm
    ``‖a_l‖·‖M_{lk}‖₂·‖B_k g‖``; the diagonal blocks vanish (``w`` is linear in each
    layer), and the operator norm of a block matrix is at most the spectral norm of the matrix of
    its block norms (Weyl's inequality then bounds how far the top eigenvalue of ``∇²R`` is from
    that of ``Jᵀ(2Σ)J``: THEOREMS.md MC-H, near-minimisers).  Computed in float64 (an estimate to
    rounding, not a certified bound).
    """
    W = [np.asarray(x, dtype=float) for x in layers]
    p = np.asarray(readout, dtype=float)
    L = len(W)
    a, B = left_vectors(W, p), right_products(W)
    g = 2 * (np.asarray(sigma, float) @ end_to_end(W, p) - np.asarray(b, float))
    norms = np.zeros((L, L))
    for k, l, middle in _middles(W):
        norms[l, k] = norms[k, l] = np.linalg.norm(a[l]) * np.linalg.norm(middle, 2) * np.linalg.norm(B[k] @ g)
    return float(np.linalg.norm(norms, 2)) if L > 1 else 0.0


def complete_minimiser(upper: Sequence[np.ndarray], M: np.ndarray, w_star: np.ndarray, readout: np.ndarray) -> Layers:
    """A global minimiser ``[W_1, W_2, …, W_L]`` through given upper layers ``W_2..W_L``.

    With ``a_1ᵀ = pᵀW_L⋯W_2 ≠ 0``: ``W_1 = a_1w⋆ᵀ/‖a_1‖² + (I − a_1a_1ᵀ/‖a_1‖²)M``, so
    ``a_1ᵀW_1 = w⋆ᵀ`` for every ``M`` (``m_1 × d``).  Exact on rationals.
    """
    a1 = left_vectors([M, *upper], readout)[0]
    n2 = a1 @ a1
    if n2 == 0:
        raise ValueError("pᵀW_L⋯W_2 = 0: no first layer makes this a minimiser")
    P = _eye(a1.size, M) - np.multiply.outer(a1, a1) / n2
    return [np.multiply.outer(a1, w_star) / n2 + P @ M, *upper]


def aligned_rank_one(w_star: np.ndarray, units: Sequence[np.ndarray], t: Any, readout: np.ndarray) -> Layers:
    """The aligned rank-one minimiser ``W_k = t·u_{k+1}u_kᵀ`` (``k ≥ 2``), ``W_1 = t^{−(L−1)}u_2w⋆ᵀ``.

    ``units = [u_2, …, u_L]`` are unit vectors of the hidden widths; ``u_{L+1} := p/‖p‖²`` so
    that ``pᵀu_{L+1} = 1``.  Then ``w(W) = w⋆`` and ``‖W_L⋯W_2‖² = t^{2(L−1)}‖u_{L+1}‖²``.
    With ``‖p‖ = 1`` and ``t = ‖w⋆‖^{1/L}`` the layers are balanced (``‖W_k‖ = ‖w⋆‖^{1/L}``).
    Exact on rationals when ``t`` and the unit vectors are rational.
    """
    top = readout / (readout @ readout)
    chain = [*units, top]
    L = len(chain)
    layers = [np.multiply.outer(chain[0], w_star) / t ** (L - 1)]
    layers += [t * np.multiply.outer(chain[k + 1], chain[k]) for k in range(L - 1)]
    return layers


# ---------------------------------------------------------------------------- strategies


def mostly_at_least_two(lo: int, hi: int) -> st.SearchStrategy[int]:
    """Integers in [lo, hi] with every value ≥ 2 listed twice (so they make most draws, and
    shrinking goes to 2, not 1): for depths and dimensions of claims about depth and dimension."""
    big = [v for v in range(lo, hi + 1) if v >= 2]
    values = big + [v for v in range(lo, hi + 1) if v < 2] + big
    return near_uniform(values)


def near_uniform(values: Sequence[Any]) -> st.SearchStrategy[Any]:
    """One of ``values``, close to uniformly, shrinking to ``values[0]``.

    ``sampled_from`` follows Hypothesis's preference for the ends of a range and for repeating
    earlier choices, which skews an instance mix; a wide integer taken modulo ``len(values)``
    spreads the draws while keeping replay and shrinking.
    """
    return st.integers(0, 2 ** 16 - 1).map(lambda i: values[i % len(values)])


# ---------------------------------------------------------------------------- runs


@dataclass(frozen=True)
class FlowRun:
    """The end of a gradient-flow or gradient-descent run on a deep linear regression.

    ``layers`` is the final state; ``time`` the final time (GF: ``t``; GD: ``η × steps``);
    ``distance`` is ``‖w − w⋆‖`` there; ``converged`` says whether ``distance ≤ tol`` was reached
    before the horizon.  ``error`` estimates the largest parameter error of ``layers`` (GF: the
    difference to the same run at a 1000× looser tolerance, whose end is ``coarse``; GD: the
    difference to the same iteration in extended precision), of kind ``error_kind``.  For GF,
    ``checkpoint`` is the state when ``‖w − w⋆‖`` first dropped below ``checkpoint_factor × tol``
    (its difference to ``layers`` bounds, in the linear-convergence phase, what is left of the way
    to the limit); for GD both ``coarse`` and ``checkpoint`` are ``layers``.  ``steps`` counts
    gradient evaluations (GF) or iterations (GD).
    """

    layers: Layers
    coarse: Layers
    checkpoint: Layers
    time: float
    distance: float
    converged: bool
    error: float
    steps: int
    method: str
    error_kind: str = "estimate"


def gradient_flow_to_minimiser(layers0: Sequence[np.ndarray], readout: np.ndarray, X: np.ndarray, y: np.ndarray,
                               w_star: np.ndarray, tol: float, rtol: float, horizon: float = 1e12,
                               max_steps: int = 200_000, checkpoint_factor: float = 100.0,
                               method: str = "LSODA") -> FlowRun:
    """Gradient flow ``dθ/dt = −∇R(θ)`` (:func:`checker.dynamics.gradient_flow` on :class:`Risk`)
    from ``layers0`` until ``‖w − w⋆‖ ≤ tol`` (or ``horizon``).

    Clock.  From a small initialisation of scale ε the flow sits on an escape plateau of length
    about ε^{−(L−2)} (THEOREMS.md §0.3-4) before it converges linearly.  It is integrated in
    ``t`` by an adaptive solver with *relative* error control (``atol = rtol·10⁻³·max|θ(0)|``): on
    the plateau the field is tiny and smooth and the step grows geometrically with ``t`` (the
    clock is effectively ``log t``), so the plateau costs about a hundred steps whatever its
    length.  The converging phase is stiff (stiffness ratio ≈ S/μ, large for ill-conditioned Σ),
    so the default is LSODA, which switches to BDF there; its Newton iterations get the Jacobian
    ``−∇²R`` from :func:`hessian_closed_form` in float64 (a few small products, where the solver's own
    finite differences cost P gradients; the Jacobian only steers the Newton iterations, not the error
    control); an explicit method
    (``"DOP853"``) is cheaper for well-conditioned problems with many parameters.  The run stops at the first step end with
    ``‖w − w⋆‖ ≤ tol`` (or after ``max_steps`` steps: not converged).  An explicit solver at its
    stability limit keeps an error floor of about ``rtol·‖θ‖``, so ``rtol`` is lowered to
    ``tol/100`` (but not below ``10⁻¹²``).  The run is made at ``rtol/10`` (at least
    ``3·10⁻¹⁴``, scipy's floor) and checked by a run at ``rtol`` evaluated at the same times, whose
    final state is ``coarse``; the largest parameter difference is ``error`` (neither solver preserves
    the conserved imbalances, so their drift along the run is evidence within that difference).  This
    is :func:`checker.integrators.solve_until` on the :func:`~checker.dynamics.gradient_flow` rule.
    """
    f64 = lambda x: np.asarray(x, dtype=float)  # noqa: E731
    p, ws = f64(readout), f64(w_star)
    oracle, theta0 = risk([f64(W) for W in layers0], p, f64(X), f64(y))
    net = oracle.net

    last: list[Any] = [None, 0.0]  # the solver hands `mark` and `until` the same θ each step: measured once

    def distance(theta: np.ndarray) -> float:
        if theta is not last[0]:
            e = oracle.end_to_end(theta) - ws
            last[0], last[1] = theta, math.sqrt(e.dot(e))
        return last[1]

    scale = max(float(np.max(np.abs(theta0))), 1e-300)
    rtol = max(min(rtol, tol * 1e-2), 1e-12)
    fine = max(rtol / CHECK_FACTOR, 3e-14)  # scipy's floor is 100·eps
    Xf, yf = f64(X), f64(y).reshape(-1)
    sol = solve_until(gradient_flow(), oracle, theta0, lambda th: distance(th) <= tol, horizon, fine,
                      method=method, jac=lambda th: -hessian_closed_form(oracle.objective.params(th), p, Xf, yf),
                      atol=fine * 1e-3 * scale, max_steps=max_steps,
                      mark=lambda th: distance(th) <= checkpoint_factor * tol)
    d = distance(sol.theta)
    return FlowRun(net.unflatten(sol.theta), net.unflatten(sol.checks[-1]), net.unflatten(sol.thetas[0]),
                   float(sol.times[-1]), d, sol.stop == "until", float(sol.error[-1]), sol.evaluations,
                   f"gradient flow, {sol.method} (error estimate: the difference), stopped at "
                   f"{'‖w − w⋆‖ ≤ %g' % tol if sol.stop == 'until' else sol.stop} (t = {sol.times[-1]:.4g})")


def gradient_descent_run(layers0: Sequence[np.ndarray], readout: np.ndarray, X: np.ndarray, y: np.ndarray,
                         w_star: np.ndarray, eta: float, steps: int, tol: float, shadow: bool = True) -> FlowRun:
    """Gradient descent ``θ ← θ − η∇R(θ)`` in float64 (:func:`checker.dynamics.gradient_descent` on
    :class:`Risk`, by :func:`checker.integrators.iterate`) for at most ``steps`` iterations.

    Stops at the first iterate with ``‖w − w⋆‖ ≤ tol`` (converged) or outside float64 range
    (diverged, ``distance = inf``).  The error estimate is the difference to the same iteration in
    extended precision, run in lockstep (so the amplification of early errors along the run counts);
    ``shadow=False`` skips it (the same float64 run, error ``nan``) for a caller that reads no error.
    """
    f64 = lambda x: np.asarray(x, dtype=float)  # noqa: E731
    p, ws = f64(readout), f64(w_star)
    oracle, theta0 = risk([f64(W) for W in layers0], p, f64(X), f64(y))
    net = oracle.net

    def distance(theta: np.ndarray) -> float:  # inf when θ or w is not finite
        e = oracle.end_to_end(theta) - ws
        d = math.sqrt(e.dot(e))
        return d if math.isfinite(d) else np.inf

    with np.errstate(over="ignore", invalid="ignore"):
        sol = iterate(gradient_descent(float(eta)), oracle, theta0, [steps], shadow=shadow,
                      until=lambda th: (d := distance(th)) <= tol or d == np.inf)
        k, d = int(sol.times[-1]), distance(sol.theta)
    if d == np.inf:
        return _gd_run(net.unflatten(sol.theta), eta * k, np.inf, False, k, np.inf, "GD (diverged)")
    return _gd_run(net.unflatten(sol.theta), eta * k, d, d <= tol, k, float(sol.error[-1]), "GD")


def _gd_run(layers: Layers, time: float, distance: float, converged: bool, steps: int, error: float,
            method: str) -> FlowRun:
    return FlowRun(layers, layers, layers, time, distance, converged, error, steps,
                   f"{method}, {steps} steps in float64 (error: difference to extended precision)")


def gradient_descent_ball(layers0: Sequence[np.ndarray], readout: np.ndarray, X: np.ndarray, y: np.ndarray,
                          w_star: np.ndarray, eta: Any, steps: int, bits: int) -> tuple[Layers, Any]:
    """``steps`` iterations of exact gradient descent ``θ ← θ − η∇R(θ)`` enclosed in arb balls
    (:func:`checker.integrators.iterate` on ball parameters).

    The inputs are exact (rationals, or floats, which are exact binary rationals) or balls
    (``eta`` may be an irrational step enclosed in a ball); every product is a ball operation at
    ``bits``, so the returned layers and ``‖w − w⋆‖`` enclose the exact iterate after ``steps`` steps
    from exactly ``layers0``: a float64 run's finite-horizon outcome, replayed rigorously.  Radii
    grow geometrically along the run (interval arithmetic bounds the step's Jacobian entrywise in
    absolute value, which can expand where the exact map contracts), so long runs need more
    ``bits``; a run whose balls lose all accuracy returns a non-finite or huge distance ball.
    """
    with working_precision(bits):
        W0 = [balls(M, bits) for M in layers0]
        p, ws, step = balls(readout, bits), balls(w_star, bits), balls(eta, bits)[()]
        oracle, theta0 = risk(W0, p, np.asarray(X, dtype=object), np.asarray(y, dtype=object))
        sol = iterate(gradient_descent(step), oracle, theta0, [steps], bits=bits)
        W = oracle.net.unflatten(sol.theta)
        e = end_to_end(W, p) - ws
        return W, (e @ e).sqrt()
