"""Limits along a ladder of horizons (DESIGN.md, "Limits" contract).

A system that integrates a trajectory reports its trajectory quantities at a geometric ladder of
horizons ``H_0 < H_1 < …`` (a :class:`Ladder`).  A statement's ``limit(EXPR)`` is judged from the
values ``x_k`` of EXPR on that ladder by :func:`judge_limit`, in three steps, none of which uses a
tolerance:

1. **Extrapolants.**  With the theorem's rate form ``R(H)`` (``limit(EXPR, RATE)``: ``x(H) = L +
   c·R(H) + o(R)``), each pair of consecutive rungs is solved for ``(L, c)``:
   ``L_k = (x_k R_{k-1} − x_{k-1} R_k)/(R_{k-1} − R_k)``.  Without a rate form, each triple is
   Aitken's Δ² extrapolant ``L_k = x_k + Δx_k·a_k/(1 − a_k)``, ``a_k = Δx_k/Δx_{k-1}``, which is
   exact for ``x(H) = L + c·H^{-p}`` on a geometric ladder (``x_k − L`` is then geometric); where the
   triple is not geometric-convergent (``a_k ∉ (0, 1)``) it is ``L_k = x_k``.  The samples' radii
   ``r_k`` propagate linearly into a noise radius ``n_k`` of ``L_k`` (the extrapolant is a linear
   combination of the samples with coefficients read off the formula).
2. **Truncation error from the ladder itself.**  The extrapolants' successive disagreements
   ``δ_k = |L_k − L_{k-1}|`` over the tail (the last half of the ladder) are fitted two ways by
   least squares: geometrically, ``δ_k ∝ r^k``, and algebraically in ``κ = log H`` counted in
   rungs, ``δ_k ∝ κ_k^{-s}``; the latest local ratio (over the last two rungs) and local power
   replace the fitted ones when they are worse, so a decay that stalls at the top is not hidden
   by an earlier fast one.  When ``r < 1`` and ``s > 1`` the rest of the series is bounded by
   the larger of the two tails, ``|δ_last|/(1 − r)`` (the geometric series including the last
   disagreement) and ``|δ_last|·κ_last/(s − 1)`` (the integral of ``κ^{-s}`` from ``κ_last``), so a
   slow algebraic decay is not mistaken for a fast geometric one.  When the last disagreement is
   within the noise of its two extrapolants (``δ_last ≤ n_last + n_prev``), the truncation is not
   visible above the integrator's error and the error is that disagreement.
3. **Enclosure.**  ``L_last ± (truncation + n_last)``, of kind ``estimate`` (an extrapolation is
   never rigorous).  ``converging`` is True when the truncation error shrinks along the ladder
   (``r < 1``, ``s > 1`` and the error at the top below the error at the start of the tail) or is
   below the samples' noise; otherwise the ladder does not support a limit and the evaluation
   escalates the horizon.

Scope of the generic extrapolation: sequences that approach their limit algebraically in ``H``
(``H^{-p}``, ``log H/H``, …).  A limit approached like ``1/log H`` needs its rate form; an
oscillation whose period in ``log H`` is as long as the ladder is indistinguishable from
convergence on that ladder (a longer horizon, i.e. escalation, is the only remedy).

The error estimate at every tail rung is in ``detail["errors"]``, so a page shows how it shrank.

**Closed-form limits.**  Where a flow's limit is known exactly no ladder is needed, and a claim
about it can be refuted whatever the horizon: :func:`least_squares_limit` is the exact limit of
gradient flow on a linear least-squares problem.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import sympy
from flint import fmpq, fmpq_mat

from .arith import Enclosure, working_precision

HORIZON = sympy.Symbol("H")  # the horizon symbol of a rate form


@dataclass(frozen=True)
class Ladder:
    """Trajectory quantities at increasing horizons: ``values[name][k]`` is measured at ``horizons[k]``."""

    horizons: tuple[float, ...]
    values: Mapping[str, tuple[Enclosure, ...]]
    clock: str = "log t"
    note: str = ""


@dataclass(frozen=True)
class LimitJudgement:
    """The enclosed limit of one expression along a ladder.

    ``enclosure`` is of kind ``estimate`` unless a witness that no horizon can fake (an exact
    identity, a certified monotone bound, a closed form) makes it ``exact`` or ``ball``;
    ``converging`` is True when the error estimate shrinks along the ladder; ``detail`` is
    JSON-serialisable (horizons, values, extrapolants, errors, method) for report pages.
    """

    enclosure: Enclosure
    converging: bool
    detail: dict[str, Any] = field(default_factory=dict)


def rate_values(rate: sympy.Expr, horizons: Sequence[float], bits: int) -> list[float]:
    """``R(H_k)`` for a rate form in the horizon symbol ``H`` (evaluated at ``bits`` of precision)."""
    extra = sorted(s.name for s in rate.free_symbols if s.name != HORIZON.name)
    if extra:
        raise ValueError(f"a rate form is an expression in H only; it also uses {', '.join(extra)}")
    sym = next(iter(rate.free_symbols), HORIZON)
    digits = max(15, int(bits * math.log10(2)))
    with working_precision(bits):
        return [float(rate.subs(sym, sympy.Float(h, digits)).evalf(digits)) for h in horizons]


def _rate_extrapolants(x: list[float], r: list[float], R: list[float]) -> tuple[list[float], list[float]]:
    """``L_k`` of ``x = L + c·R`` through rungs ``k − 1, k`` and its noise radius, ``k = 1..n−1``."""
    L, noise = [], []
    for k in range(1, len(x)):
        den = R[k - 1] - R[k]
        if den == 0:
            raise ValueError("the rate form takes the same value on two rungs: it cannot separate L from c·R")
        L.append((x[k] * R[k - 1] - x[k - 1] * R[k]) / den)
        noise.append((abs(R[k - 1]) * r[k] + abs(R[k]) * r[k - 1]) / abs(den))
    return L, noise


def _aitken_extrapolants(x: list[float], r: list[float]) -> tuple[list[float], list[float]]:
    """Aitken's ``L_k`` through rungs ``k − 2, k − 1, k`` and its noise radius, ``k = 2..n−1``.

    ``L_k = x_k + Δ_k a/(1 − a) = x_k + Δ_k²/(Δ_{k−1} − Δ_k)``; to first order in the samples'
    errors its noise is ``Σ |∂L/∂x_i| r_i`` with ``∂L/∂Δ_k = (2Δ_kΔ_{k−1} − Δ_k²)/D²``,
    ``∂L/∂Δ_{k−1} = −Δ_k²/D²``, ``D = Δ_{k−1} − Δ_k``."""
    L, noise = [], []
    for k in range(2, len(x)):
        d1, d0 = x[k] - x[k - 1], x[k - 1] - x[k - 2]
        a = d1 / d0 if d0 != 0 else math.nan
        if 0 < a < 1:
            D = d0 - d1
            g1 = (2 * d1 * d0 - d1 * d1) / (D * D)  # ∂L/∂Δ_k
            g0 = -d1 * d1 / (D * D)  # ∂L/∂Δ_{k−1}
            # x_k enters with 1 + g1, x_{k−1} with g0 − g1, x_{k−2} with −g0
            n = abs(1 + g1) * r[k] + abs(g0 - g1) * r[k - 1] + abs(g0) * r[k - 2]
            if n <= abs(d1):  # the correction is known beyond the noise it brings (else a ≈ 1 is noise)
                L.append(x[k] + d1 * d1 / D)
                noise.append(n)
                continue
        L.append(x[k])
        noise.append(r[k])
    return L, noise


def _slope(u: list[float], v: list[float]) -> float:
    """The least-squares slope of ``v`` against ``u``."""
    mu, mv = sum(u) / len(u), sum(v) / len(v)
    return sum((a - mu) * (b - mv) for a, b in zip(u, v)) / sum((a - mu) ** 2 for a in u)


def _truncation(L: list[float], noise: list[float], kappa: list[float]) -> tuple[float, float, bool]:
    """``(error, ratio, converging)`` of the extrapolants ``L`` at positions ``kappa`` (``log H`` in
    rungs), see the module docstring, step 2."""
    delta = [abs(L[k] - L[k - 1]) for k in range(1, len(L))]
    last = delta[-1]
    if last <= noise[-1] + noise[-2]:
        return last, 0.0, True
    tail = [k for k in range(max(0, len(delta) - 1 - max(2, len(delta) // 2)), len(delta))]
    if any(delta[k] == 0 for k in tail):
        return math.inf, math.inf, False
    logd = [math.log(delta[k]) for k in tail]
    ratio = math.exp(_slope([float(k) for k in tail], logd))
    if delta[-3] != 0:  # the latest local ratio, when larger: a decay that has stalled at the top
        ratio = max(ratio, math.sqrt(last / delta[-3]))
    power = -_slope([math.log(kappa[k + 1]) for k in tail], logd)
    if ratio >= 1 or power <= 1:
        return math.inf, ratio, False
    return max(last / (1 - ratio), last * kappa[-1] / (power - 1)), ratio, True


def judge_limit(samples: Sequence[Enclosure], horizons: Sequence[float], rate: sympy.Expr | None,
                bits: int) -> LimitJudgement:
    """The limit of a sequence ``samples[k]`` measured at ``horizons[k]`` (see the module docstring).

    At least five rungs are needed: three extrapolants from the rate form (four from Aitken's
    triples) give the two differences whose ratio says whether the error shrinks."""
    if len(samples) != len(horizons):
        raise ValueError(f"{len(samples)} samples on {len(horizons)} horizons")
    if len(samples) < 5:
        raise ValueError("a limit needs at least five rungs of the ladder")
    x = [s.mid for s in samples]
    r = [s.radius for s in samples]
    if not all(math.isfinite(v) for v in x + r):
        raise ArithmeticError("a sample of the limit is not finite")
    if rate is not None:
        L, noise = _rate_extrapolants(x, r, rate_values(rate, horizons, bits))
        method = f"fit L + c·({sympy.sstr(rate)}) through consecutive rungs"
    else:
        L, noise = _aitken_extrapolants(x, r)
        method = "Aitken Δ² through consecutive triples (exact for L + c·H^(-p) on a geometric ladder)"
    offset = len(samples) - len(L)
    tail_start = max(2, len(L) // 2)  # the last half of the ladder's extrapolants (at least 3)
    errors, ratios = [], []
    converging = False
    kappa = [math.log(horizons[k + offset]) / math.log(horizons[k + offset] / horizons[k + offset - 1])
             for k in range(len(L))]
    for j in range(tail_start, len(L)):
        trunc, ratio, converging = _truncation(L[: j + 1], noise[: j + 1], kappa[: j + 1])
        errors.append(trunc + noise[j])
        ratios.append(ratio)
    converging = converging and (ratios[-1] == 0.0 or errors[-1] < errors[0])  # noise-limited, or shrinking
    error = errors[-1]
    if not converging:  # no limit from this ladder: the spread of its tail's extrapolants, for the page
        error = max(L[tail_start:]) - min(L[tail_start:]) + noise[-1]
    detail = {
        "method": method,
        "horizons": [float(h) for h in horizons],
        "values": x,
        "radii": r,
        "extrapolants": {str(float(horizons[k + offset])): L[k] for k in range(len(L))},
        "errors": {str(float(horizons[j + offset])): (e if math.isfinite(e) else None)
                   for e, j in zip(errors, range(tail_start, len(L)))},
        "ratios": [q if math.isfinite(q) else None for q in ratios],
        "limit": L[-1],
        "error": error,
        "converging": converging,
    }
    note = (f"{method}: L = {L[-1]:.10g} ± {error:.2g} over H ≤ {horizons[-1]:.3g}"
            + ("" if converging else "; the extrapolants do not settle (ladder not converging)"))
    return LimitJudgement(Enclosure.estimate(L[-1], error, note), converging, detail)


def least_squares_limit(X: np.ndarray, Y: np.ndarray, w0: np.ndarray) -> np.ndarray:
    """The limit of gradient flow on ``½‖Xw − Y‖²`` from ``w₀``, exactly (``fmpq`` data): ``w₀``
    moves only in the row space of ``X`` (``dw/dt = -Xᵀ(Xw − Y)``), where it converges to the
    least-squares solution; so ``w_∞ = w₀ + Bᵀc`` with ``B`` a basis of the row space and
    ``(BXᵀXBᵀ)c = BXᵀ(Y − Xw₀)``."""
    M = fmpq_mat([[c for c in row] for row in X])
    rref, rank = M.rref()
    B = fmpq_mat([[rref[i, j] for j in range(M.ncols())] for i in range(rank)])
    XB = M * B.transpose()
    residual = fmpq_mat([[Y[n] - sum((a * b for a, b in zip(X[n], w0)), fmpq(0))] for n in range(X.shape[0])])
    c = (XB.transpose() * XB).solve(XB.transpose() * residual)
    shift = B.transpose() * c
    return np.array([w0[i] + shift[i, 0] for i in range(len(w0))], dtype=object)
