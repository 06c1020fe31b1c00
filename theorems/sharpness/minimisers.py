"""Marion & Chizat, the static systems: exact regression data (with the equality cases drawn) and
exact global minimisers of deep linear regression, drawn several ways, with the quantities measured
on each (see the package docstring).

Instances.  ``w⋆ = q^L·û`` with ``û`` a rational point of the unit sphere (stereographic, dense)
and ``q`` rational; ``y = Xw⋆ + ξ`` with ``ξ ⟂ col(X)``.  Then ``‖w⋆‖^{2−2/L} = q^{2L−2}`` and the
balanced minimiser (``t = q``) are rational, so the equality cases of the bounds (``w⋆`` an
eigenvector of Σ, ``d = 1``) are decided exactly instead of straddling in balls.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Callable, Sequence

import numpy as np
from flint import fmpq
from hypothesis import assume
from hypothesis import strategies as st

from checker import Enclosure, Precision, System, system_family
from checker import linear as lin
from checker.arith import rational, rational_array, rational_power, rational_root, to_jsonable, working_precision
from checker.cache import shared
from checker.exact import ball, enclosure, householder, rational_unit_vector, solve
from checker.quantities import quantity
from checker.regression import Regression, regression
from checker.sharpness import (hessian_gap, rayleigh_certificate, sharpness_at_minimiser, sharpness_balanced,
                               sharpness_full, smin_enclosure, smin_float_optimum, spectrum_gap)
from checker.strategies import matrices, rationals, vectors

Range = tuple[int, int]
Number = Any  # fmpq (exact) or arb (ball)

# ============================================================================ regression data


#: The data cases of :func:`regression_data` (THEOREMS.md §0.4: where claims hold with equality).
DATA_CASES = ("generic", "w⋆ eigenvector", "Σ ∝ I", "repeated eigenvalues")
#: Scales of ``‖w⋆‖^{1/L}`` and of the data: ordinary, tiny and huge (equality cases at every scale).
SCALES = ("ordinary", "tiny", "huge")


@st.composite
def regression_data(draw: Any, L: int, dim: Range, extra_rows: Range = (0, 2), entry: tuple[int, int] = (9, 7),
                    structured: bool = False, degenerate: bool = False, unit_target: bool = False) -> dict:
    """Exact overdetermined data with ``‖w⋆‖ = q^L`` (see the module docstring).

    ``generic``: ``X`` stacks a lower-triangular ``d × d`` block with nonzero diagonal (so rank d;
    its Gram matrices are every SPD matrix) and ``n − d`` free rows, entries ``p/q`` with
    ``(|p|, q) ≤ entry``; ``y = Xw⋆ + ξ``, ``ξ ⟂ col(X)``; ``w⋆ = q^L·û``, ``û`` a rational unit vector.

    With ``structured`` (and d ≥ 2) the draw may instead be one of the boundary cases of
    THEOREMS.md §0.4, with ``X = [DH; …; DH]`` (1 or 2 copies), ``H`` a rational Householder
    reflection, ``D = diag(c)``, so ``Σ = H D² H/d`` has the exact rational eigenvectors ``He_j``:
    ``Σ ∝ I`` (equal ``c``), ``repeated eigenvalues`` (one value of ``c`` repeated ≥ 2 times),
    ``w⋆ eigenvector`` (``û = ±He_j``, often the top one).  Scales: ``q`` and the data are
    ordinary, tiny (``q = 1/8``, data ×1/16) or huge (``q = 8``, data ×16).  With ``degenerate``
    the data are singular or near-singular instead (:func:`degenerate_data`); with ``unit_target``
    ``‖w⋆‖ = 1`` (the authors' normalisation).
    """
    d = draw(lin.mostly_at_least_two(*dim))
    if degenerate:
        return draw(degenerate_data(L, d, entry))
    case = draw(lin.near_uniform(DATA_CASES)) if structured and d >= 2 else (
        "generic" if d >= 2 else "d = 1")
    scale = draw(lin.near_uniform(SCALES[:1] * 2 + SCALES)) if structured else "ordinary"
    q = {"ordinary": fmpq(draw(st.integers(1, 3)), draw(st.integers(1, 2))) if not unit_target else fmpq(1),
         "tiny": fmpq(1, 8), "huge": fmpq(8)}[scale]
    size = {"ordinary": fmpq(1), "tiny": fmpq(1, 16), "huge": fmpq(16)}[scale]
    if case in ("generic", "d = 1"):
        n = d + draw(st.integers(*extra_rows))
        T = [[draw(rationals(*entry, nonzero=True)) if j == i else (draw(rationals(*entry)) if j < i else "0")
              for j in range(d)] for i in range(d)]
        X = rational_array(T + draw(st.lists(st.lists(rationals(*entry), min_size=d, max_size=d), min_size=n - d,
                                             max_size=n - d)))
        u = rational_unit_vector(draw(vectors(d - 1)), draw(st.integers(0, d - 1)), draw(st.sampled_from([1, -1])))
    else:
        H = householder(rational_array(draw(st.lists(st.integers(-3, 3), min_size=d, max_size=d))))
        values = [rational(draw(rationals(*entry, nonzero=True))) for _ in range(2)]
        c = {"Σ ∝ I": [values[0]] * d,
             "repeated eigenvalues": [values[0]] * (k := draw(st.integers(2, d))) + [values[1]] * (d - k),
             "w⋆ eigenvector": [rational(draw(rationals(*entry, nonzero=True))) for _ in range(d)]}[case]
        block = np.array([[c[i] * H[i, j] for j in range(d)] for i in range(d)], dtype=object)
        X = np.concatenate([block] * draw(st.integers(1, 2)))
        if case == "w⋆ eigenvector":
            j = draw(lin.near_uniform(["top", "any", "top"]))
            j = int(np.argmax([abs(x) for x in c])) if j == "top" else draw(st.integers(0, d - 1))
            u = H[:, j] * draw(st.sampled_from([1, -1]))
        else:
            u = rational_unit_vector(draw(vectors(d - 1)), draw(st.integers(0, d - 1)), draw(st.sampled_from([1, -1])))
    X = X * size
    z = rational_array(draw(vectors(X.shape[0])))
    xi = z - X @ solve(X.T @ X, X.T @ z)
    return {"X": to_jsonable(X), "y": to_jsonable(X @ (u * q ** L) + xi), "case": case, "scale": scale}


@st.composite
def degenerate_data(draw: Any, L: int, d: int, entry: tuple[int, int]) -> dict:
    """Singular or near-singular data (THEOREMS.md MC-T1, singular covariance; d ≥ 2).

    ``X = X₀H`` with ``H`` a rational Householder reflection and ``X₀`` generic ``n × (d−1)``
    (``n = d + 1``) plus a last column that is 0 (``singular``: Σ has the null vector ``He_d``, and
    ``w⋆_mn = q^L·H(û, 0)`` lies in its row space) or ``1/1000`` times a free column
    (``near-singular``: Σ ≻ 0 with a tiny λ, ``w⋆ = q^L·û``).
    """
    case = draw(lin.near_uniform(("singular", "near-singular")))
    n = d + 1
    X0 = rational_array(draw(st.lists(st.lists(rationals(*entry), min_size=d - 1, max_size=d - 1), min_size=n,
                                      max_size=n)))
    last = (fmpq(0) if case == "singular" else fmpq(1, 1000)) * rational_array(draw(vectors(n)))
    H = householder(rational_array(draw(st.lists(st.integers(-3, 3), min_size=d, max_size=d))))
    X = np.concatenate([X0, last[:, None]], axis=1) @ H
    q = fmpq(draw(st.integers(1, 3)), draw(st.integers(1, 2)))
    u0 = rational_unit_vector(draw(vectors(d - 2)), draw(st.integers(0, d - 2)), draw(st.sampled_from([1, -1])))
    u = H @ np.concatenate([u0, [fmpq(0)]]) if case == "singular" else rational_unit_vector(
        draw(vectors(d - 1)), draw(st.integers(0, d - 1)), 1)
    return {"X": to_jsonable(X), "y": to_jsonable(X @ (u * q ** L)), "case": case, "scale": "ordinary"}


def data_features(instance: dict, L: int) -> dict[str, Any]:
    """The instance mix of the regression systems: depth, dimension, data case and scale."""
    return {"L": L, "d": len(instance["X"][0]), "case": instance.get("case", "generic"),
            "scale": instance.get("scale", "ordinary")}



# ============================================================================ system: minimisers

MINIMISER_QUANTITIES = {
    "L": quantity("L", 'depth (number of weight matrices)',
                   r"L", "exact"),
    "d": quantity("d", 'input dimension',
                   r"d", "exact"),
    "n": quantity("n", 'number of samples',
                   r"n", "exact"),
    "width": quantity("width", 'narrowest hidden width (d when L = 1)',
                   r"m_{\min}", "exact"),
    "P": quantity("P", 'number of parameters',
                   r"P", "exact"),
    "lam": quantity("lam", 'λ, smallest eigenvalue of Σ = XᵀX/n',
                   r"\lambda", "ball"),
    "Lambda": quantity("Lambda", 'Λ, largest eigenvalue of Σ',
                   r"\Lambda", "ball"),
    "a": quantity("a", 'a = w⋆ᵀΣw⋆/‖w⋆‖²',
                   r"a", "exact"),
    "wnorm": quantity("wnorm", '‖w⋆‖',
                   r"\lVert w^\star\rVert", "ball"),
    "S": quantity("S", 'sharpness λ_max(∇²R(W)) (signed): formula (H) at minimisers, the full Hessian elsewhere; exact or certified ball',
                   r"S", "ball"),
    "S_H": quantity("S_H", '2λ_max(GΣ), formula (H) at W (the sharpness only at minimisers)',
                   r"S_{\mathrm{H}}", "ball"),
    "cR": quantity("cR", 'Rayleigh certificate 2(Σw⋆)ᵀG(Σw⋆)/(w⋆ᵀΣw⋆) ≤ S, exact',
                   r"c_R", "exact"),
    "S_min": quantity("S_min", 'infimum of the sharpness over all global minimisers (MC-T1-UP), exact or certified ball',
                   r"S_{\min}", "ball"),
    "S_bal": quantity("S_bal", 'sharpness of the balanced aligned rank-one minimiser',
                   r"S_{\mathrm{bal}}", "ball"),
    "hess_gap": quantity("hess_gap", 'max |∇²R − Jᵀ(2Σ)J| over entries, exact',
                   r"\mathrm{gap}_{\nabla^2}", "exact"),
    "spec_gap": quantity("spec_gap", 'max |coefficient| of charpoly(∇²R) − x^{P−d}·charpoly(2GΣ), exact',
                   r"\mathrm{gap}_{\chi}", "exact"),
    "dist": quantity("dist", '‖w(W) − w⋆‖ (0 at minimisers)',
                   r"\lVert w - w^\star\rVert", "ball"),
    "eta": quantity("eta", 'step size η = eta_factor/(L·a·‖w⋆‖^{2−2/L}) (eta_factor drawn in [1/2, 2])',
                   r"\eta", "ball"),
}

DRAWS = ("generic", "rescaled", "rank_one", "balanced", "flattest")


def _hidden_unit(draw: Any, m: int) -> np.ndarray:
    r = draw(st.lists(rationals(4, 3), min_size=m - 1, max_size=m - 1))
    return rational_unit_vector(r, draw(st.integers(0, m - 1)), 1)


def _draw_layers(draw: Any, kind: str, widths: list[int], reg: Regression) -> list[np.ndarray]:
    """Layers of the given ``kind``: a global minimiser (generic, rescaled, rank_one, balanced) or
    an arbitrary point (``anywhere``)."""
    L = len(widths) - 1
    one = np.array([fmpq(1)], dtype=object)
    if kind in ("balanced", "rank_one", "flattest"):
        units = [_hidden_unit(draw, m) for m in widths[1:-1]]
        return lin.aligned_rank_one(reg.w_star, units, _rank_one_scale(draw, kind, reg, L), one)
    layers = [rational_array(draw(matrices(widths[k + 1], widths[k]))) for k in range(L)]
    if kind == "anywhere":
        size = rational(draw(st.sampled_from(["0", "1/8", "1/2", "1"])))
        return [size * W for W in layers]
    a1 = lin.left_vectors(layers, one)[0]
    assume(any(x != 0 for x in a1))
    layers = lin.complete_minimiser(layers[1:], layers[0], reg.w_star, one)
    if kind == "rescaled":  # per-layer factors p/q, or extreme (10^{±3}): strongly unbalanced minimisers
        factors = [draw(st.sampled_from([fmpq(1, 1000), fmpq(1000)])) if draw(st.booleans())
                   else fmpq(draw(st.integers(1, 9)), draw(st.integers(1, 9))) for _ in range(L - 1)]
        first = fmpq(1)
        for c in factors:
            first /= c
        layers = [c * W for c, W in zip([first, *factors], layers)]
    return layers


def _rank_one_scale(draw: Any, kind: str, reg: Regression, L: int) -> fmpq:
    """``t`` of an aligned rank-one minimiser: ``‖w⋆‖^{1/L}`` (balanced), the float optimum of
    MC-T1-UP rounded to a denominator ≤ 16 (flattest: near S_min, not at it), or random."""
    if kind == "balanced" and rational_root(reg.wnorm2, 2 * L) is not None:
        return rational_root(reg.wnorm2, 2 * L)
    if kind == "flattest" and L >= 2:
        t = Fraction(math.exp(smin_float_optimum(reg, L)[0] / (2 * L - 2))).limit_denominator(16)  # x = t^{2(L−1)}
        return fmpq(max(t, Fraction(1, 16)).numerator, max(t, Fraction(1, 16)).denominator)
    return fmpq(draw(st.integers(1, 4)), draw(st.integers(1, 4)))


@st.composite
def minimiser_instances(draw: Any, depth: Range, dim: Range, width: Range, draws: tuple[str, ...],
                        degenerate: bool = False, structured: bool = True) -> dict:
    """Exact data, exact layers of one of ``draws`` and a step factor (see :func:`_draw_layers`)."""
    L = draw(lin.mostly_at_least_two(*depth))
    data = draw(regression_data(L, dim, structured=structured, degenerate=degenerate))
    reg = regression(data)
    assume((reg.scope_allowing_singular if degenerate else reg.scope) is None)
    widths = [reg.d] + [draw(st.integers(*width)) for _ in range(L - 1)] + [1]
    kind = draw(lin.near_uniform(draws))
    layers = _draw_layers(draw, kind, widths, reg)
    return {**data, "draw": kind, "layers": to_jsonable(layers), "eta_factor": f"{draw(st.integers(4, 16))}/8"}


@dataclass(frozen=True)
class MinimiserCase:
    """One instance of :func:`minimisers`: its regression, exact layers (readout ``p = 1``), the
    residual ``w(W) − w⋆`` and the step factor."""

    reg: Regression
    layers: list[np.ndarray]
    eta_factor: fmpq
    readout: np.ndarray
    residual: np.ndarray

    @property
    def L(self) -> int:
        return len(self.layers)

    @property
    def at_minimiser(self) -> bool:
        return all(x == 0 for x in self.residual)

    def quantity(self, name: str, bits: int) -> Enclosure:
        reg, L = self.reg, self.L
        if name in ("L", "d", "n", "P", "width"):
            return Enclosure.exact({"L": L, "d": reg.d, "n": reg.n, "P": sum(W.size for W in self.layers),
                                    "width": min(W.shape[1] for W in self.layers)}[name])
        if name == "S":
            if self.at_minimiser:
                return enclosure(sharpness_at_minimiser(self.layers, self.readout, reg.sigma, bits),
                                  "formula (H): exact characteristic polynomial of GΣ, top root isolated")
            return enclosure(sharpness_full(self.layers, self.readout, reg, bits),
                              "full exact Hessian (HVP columns), top root of its characteristic polynomial isolated")
        makers: dict[str, Callable[[], Number]] = {
            "lam": lambda: reg.lam(bits),
            "Lambda": lambda: reg.Lambda(bits),
            "a": lambda: reg.a,
            "wnorm": lambda: reg.wnorm(bits),
            "S_H": lambda: sharpness_at_minimiser(self.layers, self.readout, reg.sigma, bits),
            "cR": lambda: rayleigh_certificate(self.layers, self.readout, reg.sigma, reg.w_star),
            "S_min": lambda: smin_enclosure(reg, L, bits),
            "S_bal": lambda: sharpness_balanced(reg, L, bits),
            "hess_gap": lambda: hessian_gap(self.layers, self.readout, reg),
            "spec_gap": lambda: spectrum_gap(self.layers, self.readout, reg),
            "dist": lambda: rational_power(self.residual @ self.residual, 1, 2, bits),
            "eta": lambda: step_size(self.eta_factor, reg, L, bits),
        }
        return enclosure(makers[name](), "exact rationals / isolated algebraic roots")


def measured(case: Any, names: frozenset[str], bits: int) -> dict[str, Enclosure]:
    """``case.quantity(name, bits)`` for every name, with every ball operation at ``bits``."""
    with working_precision(bits):
        return {name: case.quantity(name, bits) for name in names}


def step_size(factor: fmpq, reg: Regression, L: int, bits: int) -> Number:
    """``η = factor / (L·a·‖w⋆‖^{2−2/L})`` (the plotted threshold of MC-LR times ``factor``)."""
    with working_precision(bits):
        scale = reg.wnorm_power(L, bits)
        return factor / (L * reg.a * scale) if isinstance(scale, fmpq) else ball(factor, bits) / (L * reg.a * scale)


@shared(maxsize=2048)
def minimiser_case(instance: dict) -> MinimiserCase:
    """The decoded instance, shared by every statement about it."""
    reg = regression(instance)
    layers = [rational_array(W) for W in instance["layers"]]
    readout = np.array([fmpq(1)], dtype=object)
    residual = lin.end_to_end(layers, readout) - reg.w_star if layers and layers[0].shape[-1] == reg.d else reg.w_star
    return MinimiserCase(reg, layers, rational(instance.get("eta_factor", 1)), readout, residual)


def _layer_shapes_reason(layers: Sequence[np.ndarray], d: int) -> str | None:
    if not layers or layers[0].ndim != 2 or layers[0].shape[1] != d:
        return f"the first layer must have d = {d} columns"
    for k, (W, V) in enumerate(zip(layers[:-1], layers[1:]), start=1):
        if V.ndim != 2 or V.shape[1] != W.shape[0]:
            return f"layers {k} and {k + 1} do not compose"
    if layers[-1].shape[0] != 1:
        return "the last layer must have one row (scalar output)"
    return None


@system_family(quantities=MINIMISER_QUANTITIES)
def minimisers(depth: Range = (1, 4), dim: Range = (1, 4), width: Range = (1, 3),
               draws: tuple[str, ...] = DRAWS, at_minimiser: bool = True, degenerate: bool = False,
               structured: bool = True) -> System:
    """Global minimisers of deep linear regression (exact rationals), drawn several ways.

    ``draws``: ``generic`` (random upper layers, first layer completing the product to w⋆),
    ``rescaled`` (generic with per-layer factors multiplying to 1: strongly unbalanced),
    ``rank_one`` (aligned rank-one, random scale t), ``balanced`` (aligned rank-one with equal
    layer norms ‖w⋆‖^{1/L}), ``flattest`` (aligned rank-one at a simple rational t near the
    optimum of MC-T1-UP: S within ~1e-3 of S_min).  With ``at_minimiser=False`` every layer is
    random, times a size in {0, 1/8, 1/2, 1} (``anywhere``): the points are not minimisers (for
    refuting claims that need that hypothesis).  With ``degenerate`` the data are singular or
    near-singular (:func:`degenerate_data`; ``flattest`` needs Σ ≻ 0 and is not drawn), singular
    Σ is in scope, and ``a``, ``wnorm`` refer to the minimum-norm solution ``w⋆_mn``.  With
    ``structured=False`` only generic data are drawn (no equality cases: for claims that fail only
    when Λ > a, such as mutations trading a for Λ).
    """
    chosen = tuple(k for k in draws if not (degenerate and k == "flattest")) if at_minimiser else ("anywhere",)

    def scope(instance: dict, precision: Precision) -> str | None:
        case = minimiser_case(instance)
        reason = ((case.reg.scope_allowing_singular if degenerate else case.reg.scope)
                  or _layer_shapes_reason(case.layers, case.reg.d))
        if reason is None and at_minimiser and not case.at_minimiser:
            reason = "w(W) ≠ w⋆ exactly: not a global minimiser"
        return reason

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        return measured(minimiser_case(instance), names, precision.bits)

    where = "global minimisers" if at_minimiser else "arbitrary points"
    return System(
        name=f"minimisers(depth={depth}, dim={dim}, width={width}, draws={chosen}"
             + (", degenerate=True" if degenerate else "") + ("" if structured else ", structured=False") + ")",
        description=f"deep linear regression, {where} ({', '.join(chosen)}), exact rational layers and data",
        quantities=MINIMISER_QUANTITIES,
        strategy=minimiser_instances(depth, dim, width, chosen, degenerate, structured),
        measure=measure, scope=scope,
        features=lambda inst: {**data_features(inst, len(inst["layers"])), "draw": inst.get("draw", "given")},
        hypotheses=(("Σ = XᵀX/n ⪰ 0 singular or near-singular, w⋆ := w⋆_mn = Σ⁺b",) if degenerate else
                    ("Σ = XᵀX/n ≻ 0 (n ≥ d, rank d)",)) + ("w⋆ ≠ 0 (Xw⋆ ≠ 0)",) + (
            ("w(W) = w⋆ exactly (global minimiser)",) if at_minimiser else ()),
        parameters={"depth": depth, "dim": dim, "width": width, "draws": chosen, "at_minimiser": at_minimiser,
                    "degenerate": degenerate, "structured": structured},
    )
