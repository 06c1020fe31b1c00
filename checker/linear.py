"""Deep linear networks with the square loss: end-to-end vector, gradient, Hessian-vector products,
exact Hessians, the Gram matrix of the Jacobian, minimiser constructions, gradient flow and descent;
exact Householder reflections and the instance-mix strategies the regression families draw with.

Network: ``x ↦ pᵀ W_L ⋯ W_1 x`` with ``W_k ∈ ℝ^{m_k × m_{k−1}}``, ``m_0 = d``, and a *fixed* readout
``p ∈ ℝ^{m_L}`` (``p = (1,)`` and ``m_L = 1`` for the plain network).  The end-to-end vector is
``w(W) := (pᵀW_L⋯W_1)ᵀ ∈ ℝ^d``.

Risk: a quadratic ``R¹(w) = wᵀΣw − 2bᵀw + c`` (for data ``X ∈ ℝ^{n×d}, y``, :func:`square_loss_moments`
gives ``Σ = XᵀX/n``, ``b = Xᵀy/n``, ``c = yᵀy/n``, i.e. ``R¹(w) = ‖y − Xw‖²/n``), so ``Σ = ½∇²R¹``
and ``∇R¹(w) = 2(Σw − b)``.  The network risk is ``R(W) = R¹(w(W))``.

Per-layer notation: ``a_kᵀ := pᵀW_L⋯W_{k+1}`` (``a_L = p``) and ``B_k := W_{k−1}⋯W_1`` (``B_1 = I_d``),
so ``wᵀ = a_kᵀ W_k B_k`` for every ``k`` and

* ``∂w/∂W_k · Δ = B_kᵀ Δᵀ a_k`` (the Jacobian ``J``), ``J Jᵀ = G := Σ_k ‖a_k‖² B_kᵀB_k``;
* ``∇_{W_k} R = a_k (B_k ∇R¹(w))ᵀ``;
* ``∇²R = Jᵀ(2Σ)J + Σ_j ∂_jR¹ ∇²w_j``.

Every function here is written on numpy arrays and works in any number type numpy can multiply:
float64, or object arrays of python-flint ``fmpq`` (exact) or ``arb`` (balls).  The Hessian-vector
product is forward-mode differentiation of the gradient (tangents of ``a_k`` and ``B_k``), exact
in exact arithmetic: no finite differences.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
import scipy.integrate
from flint import fmpq
from hypothesis import strategies as st

Layers = list[np.ndarray]


def _eye(n: int, like: np.ndarray) -> np.ndarray:
    """The identity in the number type of ``like`` (object arrays keep python-flint scalars)."""
    if like.dtype == object:
        one, zero = like.flat[0] ** 0 if like.size else 1, like.flat[0] * 0 if like.size else 0
        out = np.full((n, n), zero, dtype=object)
        for i in range(n):
            out[i, i] = one
        return out
    return np.eye(n, dtype=like.dtype)


def square_loss_moments(X: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, Any]:
    """``(Σ, b, c)`` with ``‖y − Xw‖²/n = wᵀΣw − 2bᵀw + c`` (the authors' risk convention)."""
    n = X.shape[0]
    return (X.T @ X) / n, (X.T @ y) / n, (y @ y) / n


def householder(v: np.ndarray) -> np.ndarray:
    """``H = I − 2vvᵀ/vᵀv`` (``I`` for ``v = 0``): an exactly orthogonal, symmetric rational matrix
    for a rational ``v``, whose columns ``He_j`` are the exact eigenvectors of every ``H D H``."""
    v = np.asarray([fmpq(x) if not isinstance(x, fmpq) else x for x in v], dtype=object)
    eye = np.array([[fmpq(int(i == j)) for j in range(v.size)] for i in range(v.size)], dtype=object)
    vv = v @ v
    return eye if vv == 0 else eye - 2 * np.multiply.outer(v, v) / vv


def pseudo_solve(A: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``A⁺b`` for a symmetric PSD rational ``A`` and ``b ∈ col(A)``, exactly: the minimum-norm
    solution of ``Aw = b`` (SymPy's exact pseudo-inverse; for the small ``d × d`` covariances here)."""
    import sympy

    to_sym = lambda x: sympy.Rational(int(x.p), int(x.q))  # noqa: E731
    w = sympy.Matrix([[to_sym(x) for x in row] for row in A]).pinv() * sympy.Matrix([to_sym(x) for x in b])
    return np.array([fmpq(int(x.p), int(x.q)) for x in w], dtype=object)


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


def jacobian(layers: Sequence[np.ndarray], readout: np.ndarray) -> np.ndarray:
    """``J = ∂w/∂vec(W)`` (``d × P``, parameters flattened layer by layer, row-major).

    Column ``(k, i, j)`` is ``a_k[i] · B_k[j, :]ᵀ`` since ``∂w/∂(W_k)_{ij} = B_kᵀ e_j a_k[i]``.
    """
    a, B = left_vectors(layers, readout), right_products(layers)
    blocks = [np.multiply.outer(Bk.T, ak).transpose(0, 2, 1).reshape(Bk.shape[1], -1) for ak, Bk in zip(a, B)]
    return np.concatenate(blocks, axis=1)


def flatten(layers: Sequence[np.ndarray]) -> np.ndarray:
    """All parameters as one vector (layer by layer, row-major)."""
    return np.concatenate([W.ravel() for W in layers])


def shapes(layers: Sequence[np.ndarray]) -> list[tuple[int, int]]:
    return [W.shape for W in layers]


def unflatten(theta: np.ndarray, layer_shapes: Sequence[tuple[int, int]]) -> Layers:
    """The layers of a flat parameter vector (inverse of :func:`flatten`)."""
    out, start = [], 0
    for r, c in layer_shapes:
        out.append(theta[start:start + r * c].reshape(r, c))
        start += r * c
    return out


def gradient(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray) -> Layers:
    """``∇_{W_k}R = a_k (B_k g)ᵀ`` with ``g = ∇R¹(w) = 2(Σw − b)``."""
    a, B = left_vectors(layers, readout), right_products(layers)
    g = 2 * (sigma @ end_to_end(layers, readout) - b)
    return [np.multiply.outer(ak, Bk @ g) for ak, Bk in zip(a, B)]


def hvp(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray,
        tangent: Sequence[np.ndarray]) -> Layers:
    """``∇²R · V`` layer by layer: the directional derivative of :func:`gradient` along ``V``.

    Forward mode: ``ȧ_{k−1}ᵀ = ȧ_kᵀW_k + a_kᵀV_k`` (``ȧ_L = 0``), ``Ḃ_{k+1} = V_kB_k + W_kḂ_k``
    (``Ḃ_1 = 0``), ``ẇᵀ = ȧ_0ᵀ``, ``ġ = 2Σẇ``; then
    ``(∇²R·V)_k = ȧ_k(B_kg)ᵀ + a_k(Ḃ_kg + B_kġ)ᵀ``.
    """
    L = len(layers)
    a, B = left_vectors(layers, readout), right_products(layers)
    da = [None] * L
    da[L - 1] = readout * 0
    for k in range(L - 1, 0, -1):  # layer k+1 (index k) feeds a_k (index k-1)
        da[k - 1] = da[k] @ layers[k] + a[k] @ tangent[k]
    dw = da[0] @ layers[0] + a[0] @ tangent[0]
    dB = [B[0] * 0]
    for k in range(L - 1):
        dB.append(tangent[k] @ B[k] + layers[k] @ dB[k])
    w = a[0] @ layers[0]
    g = 2 * (sigma @ w - b)
    dg = 2 * (sigma @ dw)
    return [np.multiply.outer(da[k], B[k] @ g) + np.multiply.outer(a[k], dB[k] @ g + B[k] @ dg) for k in range(L)]


def hessian(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The full ``P × P`` Hessian ``∇²R``, column by column from :func:`hvp` (exact in exact arithmetic)."""
    sh = shapes(layers)
    theta = flatten(layers)
    zero = theta * 0
    cols = []
    for i in range(theta.size):
        e = zero.copy()
        e[i] = theta.flat[0] ** 0 if theta.dtype == object else 1.0
        cols.append(flatten(hvp(layers, readout, sigma, b, unflatten(e, sh))))
    return np.stack(cols, axis=1)


def hessian_explicit(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray) -> np.ndarray:
    """The full Hessian assembled block by block from its closed form (a second code path to :func:`hessian`).

    ``∇²R = Jᵀ(2Σ)J + ∇²(gᵀw)`` with ``g = ∇R¹(w)`` frozen; the second term's block ``(l, k)``,
    ``k < l``, has entries ``a_l[i]·(W_{l−1}⋯W_{k+1})[j, r]·(B_kg)[s]`` at row ``(l, i, j)``, column
    ``(k, r, s)``, and the diagonal blocks vanish (``w`` is linear in each layer).
    """
    L = len(layers)
    a, B = left_vectors(layers, readout), right_products(layers)
    g = 2 * (sigma @ end_to_end(layers, readout) - b)
    H = gauss_newton(layers, readout, sigma)
    offsets = np.cumsum([0] + [W.size for W in layers])
    for k in range(L):
        c = B[k] @ g
        middle = _eye(layers[k].shape[0], layers[k])
        for l in range(k + 1, L):
            block = np.multiply.outer(np.multiply.outer(a[l], middle), c).reshape(layers[l].size, layers[k].size)
            H[offsets[l]:offsets[l + 1], offsets[k]:offsets[k + 1]] += block
            H[offsets[k]:offsets[k + 1], offsets[l]:offsets[l + 1]] += block.T
            middle = layers[l] @ middle
    return H


def gauss_newton(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray) -> np.ndarray:
    """``Jᵀ(2Σ)J`` (``P × P``), the Hessian of the risk at a global minimiser (MC-H)."""
    J = jacobian(layers, readout)
    return J.T @ (2 * sigma) @ J


def imbalances(layers: Sequence[np.ndarray]) -> list[np.ndarray]:
    """``D_k = W_kW_kᵀ − W_{k+1}ᵀW_{k+1}`` for ``k = 1..L−1``, each conserved by gradient flow."""
    return [W @ W.T - V.T @ V for W, V in zip(layers[:-1], layers[1:])]


def residual_curvature_bound(layers: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray,
                             b: np.ndarray) -> float:
    """A float64 bound on ``‖Σ_j ∂_jR¹ ∇²w_j‖_op``, the term of ``∇²R`` that vanishes at minimisers.

    The term is ``∇²(gᵀw)`` with ``g = ∇R¹(w)`` frozen.  Its block ``(l, k)``, ``k < l``, maps
    ``V_k ↦ a_l (W_{l−1}⋯W_{k+1} V_k B_k g)ᵀ`` and has operator norm
    ``‖a_l‖·‖W_{l−1}⋯W_{k+1}‖₂·‖B_k g‖``; the operator norm of a block matrix is at most the
    spectral norm of the matrix of its block norms (Weyl's inequality then bounds how far the top
    eigenvalue of ``∇²R`` is from that of ``Jᵀ(2Σ)J``: THEOREMS.md MC-H, near-minimisers).
    Computed in float64 (an estimate to rounding, not a certified bound).
    """
    W = [np.asarray(x, dtype=float) for x in layers]
    p = np.asarray(readout, dtype=float)
    L = len(W)
    a, B = left_vectors(W, p), right_products(W)
    g = 2 * (np.asarray(sigma, float) @ end_to_end(W, p) - np.asarray(b, float))
    norms = np.zeros((L, L))
    for k in range(L):
        middle = np.eye(W[k].shape[0])
        for l in range(k + 1, L):
            norms[l, k] = norms[k, l] = np.linalg.norm(a[l]) * np.linalg.norm(middle, 2) * np.linalg.norm(B[k] @ g)
            middle = W[l] @ middle
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


@dataclass(frozen=True)
class FlowRun:
    """The end of a gradient-flow or gradient-descent run on a deep linear regression.

    ``layers`` is the final state; ``time`` the final time (GF: ``t``; GD: ``η × steps``);
    ``distance`` is ``‖w − w⋆‖`` there; ``converged`` says whether ``distance ≤ tol`` was reached
    before the horizon.  For GF, ``coarse`` is the final state of the same run at a 1000× looser
    tolerance (its difference to ``layers`` estimates the integration error, also summarised in
    ``error``, the largest parameter difference), and ``checkpoint`` the state when
    ``‖w − w⋆‖`` first dropped below ``checkpoint_factor × tol`` (its difference to ``layers``
    bounds, in the linear-convergence phase, what is left of the way to the limit).  For GD both
    are ``layers`` and ``error`` is 0.  ``steps`` counts field evaluations (GF) or iterations (GD).
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


def _field(layer_shapes: Sequence[tuple[int, int]], readout: np.ndarray, sigma: np.ndarray,
           b: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
    def grad(theta: np.ndarray) -> np.ndarray:
        return flatten(gradient(unflatten(theta, layer_shapes), readout, sigma, b))
    return grad


def gradient_flow_to_minimiser(layers0: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray,
                               b: np.ndarray, w_star: np.ndarray, tol: float, rtol: float,
                               horizon: float = 1e12, max_steps: int = 200_000, checkpoint_factor: float = 100.0,
                               method: str = "LSODA") -> FlowRun:
    """Gradient flow ``dW/dt = −∇R(W)`` from ``layers0`` until ``‖w − w⋆‖ ≤ tol`` (or ``horizon``).

    Clock.  From a small initialisation of scale ε the flow sits on an escape plateau of length
    about ε^{−(L−2)} (THEOREMS.md §0.3-4) before it converges linearly.  It is integrated in
    ``t`` by an adaptive solver with *relative* error control (``atol = rtol·10⁻³·max|θ(0)|``): on
    the plateau the field is tiny and smooth and the step grows geometrically with ``t`` (the
    clock is effectively ``log t``), so the plateau costs about a hundred steps whatever its
    length (measured: ε = 0.01, L = 5, plateau to t ≈ 4·10⁴ in ≈ 100 field evaluations).  The
    converging phase is stiff (stiffness ratio ≈ S/μ, large for ill-conditioned Σ), so the
    default is LSODA, which switches to BDF there, with the exact Hessian
    (:func:`hessian_explicit`) as the Jacobian; an explicit method (``"DOP853"``) is cheaper for
    well-conditioned problems with many parameters.  The run stops at the first step end with
    ``‖w − w⋆‖ ≤ tol`` (or after ``max_steps`` steps: not converged).  An explicit solver at its
    stability limit keeps an error floor of about ``rtol·‖θ‖``, so ``rtol`` is lowered to
    ``tol/100`` (but not below ``10⁻¹²``).  The run is repeated at ``rtol/1000`` (at least
    ``3·10⁻¹⁴``, scipy's floor) and the tighter run
    is returned, with the looser one's final state as ``coarse`` (neither solver preserves the
    conserved imbalances, so their drift along the run is evidence within that difference).
    """
    layer_shapes = shapes(layers0)
    f64 = lambda x: np.asarray(x, dtype=float)  # noqa: E731
    p, S, bb, ws = f64(readout), f64(sigma), f64(b), f64(w_star)
    grad = _field(layer_shapes, p, S, bb)
    theta0 = flatten([f64(W) for W in layers0])

    def distance(theta: np.ndarray) -> float:
        return float(np.linalg.norm(end_to_end(unflatten(theta, layer_shapes), p) - ws))

    def jacobian_of_field(t: float, theta: np.ndarray) -> np.ndarray:
        return -hessian_explicit(unflatten(theta, layer_shapes), p, S, bb)

    options = {} if method in ("RK23", "RK45", "DOP853") else {"jac": jacobian_of_field}
    scale = max(float(np.max(np.abs(theta0))), 1e-300)
    rtol = max(min(rtol, tol * 1e-2), 1e-12)
    fine = max(rtol * 1e-3, 3e-14)  # scipy's floor is 100·eps
    (theta_c, _, _, n_c), (theta_f, mid_f, t_f, n_f) = (
        _flow_until(grad, distance, theta0, tol, checkpoint_factor * tol, r, r * 1e-3 * scale, horizon, max_steps, method,
                    options) for r in (rtol, fine))
    d = distance(theta_f)
    return FlowRun(unflatten(theta_f, layer_shapes), unflatten(theta_c, layer_shapes), unflatten(mid_f, layer_shapes),
                   t_f, d, d <= tol, float(np.max(np.abs(theta_f - theta_c))), n_c + n_f,
                   f"{method} in t at rtol {fine:g} (error estimate: difference to the run at rtol {rtol:g}), "
                   f"stopped at ‖w − w⋆‖ ≤ {tol:g} (t = {t_f:.4g})")


def _flow_until(grad: Callable[[np.ndarray], np.ndarray], distance: Callable[[np.ndarray], float],
                theta0: np.ndarray, tol: float, checkpoint: float, rtol: float, atol: float, horizon: float,
                max_steps: int, method: str, options: dict) -> tuple[np.ndarray, np.ndarray, float, int]:
    """Step the solver until ``distance(θ) ≤ tol``, ``t = horizon`` or ``max_steps``.

    Returns the final state, the first state with ``distance ≤ checkpoint``, the final time and
    the number of field evaluations.
    """
    solver = getattr(scipy.integrate, method)(lambda t, th: -grad(th), 0.0, theta0, horizon, rtol=rtol, atol=atol,
                                              **options)
    steps, mid = 0, None
    while solver.status == "running" and steps < max_steps:
        dist = distance(solver.y)
        if mid is None and dist <= checkpoint:
            mid = solver.y.copy()
        if dist <= tol:
            break
        solver.step()
        steps += 1
    if solver.status == "failed" or not np.all(np.isfinite(solver.y)):
        raise ArithmeticError(f"{method} failed at t = {solver.t:g} (rtol {rtol:g})")
    return solver.y, (solver.y if mid is None else mid), float(solver.t), solver.nfev


def gradient_descent_run(layers0: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray,
                         w_star: np.ndarray, eta: float, steps: int, tol: float) -> FlowRun:
    """Gradient descent ``W ← W − η∇R(W)`` in float64 for at most ``steps`` iterations.

    Stops when ``‖w − w⋆‖ ≤ tol`` (converged) or when the iterate leaves float64 range
    (diverged, ``distance = inf``).
    """
    layer_shapes = shapes(layers0)
    f64 = lambda x: np.asarray(x, dtype=float)  # noqa: E731
    p, S, bb, ws = f64(readout), f64(sigma), f64(b), f64(w_star)
    grad = _field(layer_shapes, p, S, bb)
    theta = flatten([f64(W) for W in layers0])
    d = np.inf
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(1, steps + 1):
            theta = theta - eta * grad(theta)
            if not np.all(np.isfinite(theta)):
                return _gd_run(unflatten(theta, layer_shapes), eta * k, np.inf, False, k, "GD (diverged)")
            d = float(np.linalg.norm(end_to_end(unflatten(theta, layer_shapes), p) - ws))
            if d <= tol:
                return _gd_run(unflatten(theta, layer_shapes), eta * k, d, True, k, "GD")
    return _gd_run(unflatten(theta, layer_shapes), eta * steps, d, False, steps, "GD")


def gradient_descent_ball(layers0: Sequence[np.ndarray], readout: np.ndarray, sigma: np.ndarray, b: np.ndarray,
                          w_star: np.ndarray, eta: Any, steps: int, bits: int) -> tuple[Layers, Any]:
    """``steps`` iterations of exact gradient descent ``W ← W − η∇R(W)`` enclosed in arb balls.

    The inputs are exact (rationals, or floats, which are exact binary rationals) or balls
    (``eta`` may be an irrational step enclosed in a ball); every product is a ball operation at
    ``bits``, so the returned layers and ``‖w − w⋆‖`` enclose the exact iterate after ``steps`` steps
    from exactly ``layers0``: a float64 run's finite-horizon outcome, replayed rigorously.  Radii
    grow geometrically along the run (interval arithmetic bounds the step's Jacobian entrywise in
    absolute value, which can expand where the exact map contracts), so long runs need more
    ``bits``; a run whose balls lose all accuracy returns a non-finite or huge distance ball.
    """
    from flint import arb

    from .arith import working_precision

    with working_precision(bits):
        ball = np.vectorize(lambda x: x if isinstance(x, arb) else arb(x), otypes=[object])
        W = [ball(np.asarray(M, dtype=object)) for M in layers0]
        p, S, bb, ws, step = ball(np.asarray(readout, dtype=object)), ball(sigma), ball(b), ball(w_star), ball(eta)[()]
        for _ in range(steps):
            W = [Wk - step * Gk for Wk, Gk in zip(W, gradient(W, p, S, bb))]
        e = end_to_end(W, p) - ws
        return W, (e @ e).sqrt()


def _gd_run(layers: Layers, time: float, distance: float, converged: bool, steps: int, method: str) -> FlowRun:
    return FlowRun(layers, layers, layers, time, distance, converged, 0.0, steps, method)
