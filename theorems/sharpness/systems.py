"""Marion & Chizat, the systems: exact regression data and minimisers, and gradient-flow and descent
runs of deep linear regression, with the quantities measured on each (see the package docstring).

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

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker import linear as lin
from checker.arith import rational, rational_array, rational_power, rational_root, to_jsonable, working_precision
from checker.cache import shared
from checker.exact import ball, enclosure, floats, householder, rational_unit_vector, solve
from checker.quantities import quantity
from checker.regression import Regression, regression
from checker.sharpness import (rayleigh_certificate, hessian_gap, sharpness_at_minimiser, sharpness_balanced,
                               sharpness_float, sharpness_full, smin_enclosure, smin_float_optimum, spectrum_gap)
from checker.spectra import misalignment, second_singular_value, sin_angle, singular
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
    "L": "depth (number of weight matrices)",
    "d": "input dimension",
    "n": "number of samples",
    "width": "narrowest hidden width (d when L = 1)",
    "P": "number of parameters",
    "lam": "λ, smallest eigenvalue of Σ = XᵀX/n",
    "Lambda": "Λ, largest eigenvalue of Σ",
    "a": "a = w⋆ᵀΣw⋆/‖w⋆‖²",
    "wnorm": "‖w⋆‖",
    "S": "sharpness λ_max(∇²R(W)) (signed): formula (H) at minimisers, the full Hessian elsewhere; exact or certified ball",
    "S_H": "2λ_max(GΣ), formula (H) at W (the sharpness only at minimisers)",
    "cR": "Rayleigh certificate 2(Σw⋆)ᵀG(Σw⋆)/(w⋆ᵀΣw⋆) ≤ S, exact",
    "S_min": "infimum of the sharpness over all global minimisers (MC-T1-UP), exact or certified ball",
    "S_bal": "sharpness of the balanced aligned rank-one minimiser",
    "hess_gap": "max |∇²R − Jᵀ(2Σ)J| over entries, exact",
    "spec_gap": "max |coefficient| of charpoly(∇²R) − x^{P−d}·charpoly(2GΣ), exact",
    "dist": "‖w(W) − w⋆‖ (0 at minimisers)",
    "eta": "step size η = eta_factor/(L·a·‖w⋆‖^{2−2/L}) (eta_factor drawn in [1/2, 2])",
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
            "eta": lambda: _step(self.eta_factor, reg, L, bits),
        }
        return enclosure(makers[name](), "exact rationals / isolated algebraic roots")


def _measured(case: Any, names: frozenset[str], bits: int) -> dict[str, Enclosure]:
    """``case.quantity(name, bits)`` for every name, with every ball operation at ``bits``."""
    with working_precision(bits):
        return {name: case.quantity(name, bits) for name in names}


def _step(factor: fmpq, reg: Regression, L: int, bits: int) -> Number:
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
        return _measured(minimiser_case(instance), names, precision.bits)

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


# ============================================================================ systems: gradient flow and descent

FLOW_ENTRIES = (3, 3)  # data entries p/q with |p|, q ≤ 3 for the dynamical systems
MAX_CONDITION = 100.0


FLOW_QUANTITIES = {
    "L": "depth", "d": "input dimension", "n": "number of samples", "width": "narrowest hidden width",
    "lam": "λ, smallest eigenvalue of Σ", "Lambda": "Λ, largest eigenvalue of Σ", "a": "a = w⋆ᵀΣw⋆/‖w⋆‖²",
    "wnorm": "‖w⋆‖",
    "S": "sharpness of the GF limit: (H) at the end of the run + Weyl budget of the residual term + integration and tail estimates",
    "S_bal": "sharpness of the balanced aligned rank-one minimiser (exact or certified)",
    "S_min": "minimal sharpness over global minimisers (exact or certified)",
    "dist": "‖w − w⋆‖ of the GF limit: the end of the run, or, if the run did not reach tol, only known to lie in [0, √((R(T)−R⋆)/λ)]",
    "converged": "1 if the run reached ‖w − w⋆‖ ≤ tol before its horizon, else 0",
    "tol": "the convergence tolerance of the claim on ‖w − w⋆‖ (the run goes on to tol/10)",
    "log_t": "log10 of the time at which the run stopped",
    "sigma2": "max over layers of the second singular value σ₂(W_k) at the limit",
    "sigma_ratio": "max over layers of σ₂(W_k)/σ₁(W_k) at the limit",
    "imbalance": "√(Σ_k ‖W_kW_kᵀ − W_{k+1}ᵀW_{k+1}‖₂) at initialisation (conserved by GF)",
    "gap": "min over layers k ≥ 2 of σ₁(W_k)² − σ₂(W_k)² at the limit",
    "misalign": "max over k of sin∠(top right singular vector of W_{k+1}, top left singular vector of W_k) at the limit",
    "misalign_u": "sin∠(top right singular vector of W_1, w⋆) at the limit",
}

SMALL_QUANTITIES = {**FLOW_QUANTITIES, "scale": "initialisation scale ε (entries ε·N(0,1))",
                    "gain": "extra factor on the first layer at initialisation (1: plain Gaussian)",
                    "C_small": "the flatness constant of MC-SMALL (parameter)"}
RESIDUAL_QUANTITIES = {**FLOW_QUANTITIES, "s": "residual scale: W_k(0) = I + (s/√(Ld))N_k",
                       "C_res": "the flatness constant of MC-RES (parameter, unconfirmed)"}
GD_QUANTITIES = {k: v for k, v in SMALL_QUANTITIES.items() if k not in ("C_small",)}
GD_QUANTITIES.update({"eta": "GD step η = eta_factor/(L·a·‖w⋆‖^{2−2/L})",
                      "converged": "1 if GD reached ‖w − w⋆‖ ≤ tol within its step budget, else 0",
                      "dist": "‖w − w⋆‖ where GD stopped (∞ encoded as 1e300 when it diverged)"})


@dataclass(frozen=True)
class FlowSetting:
    """How a flow instance is run: the claim's tolerance ``tol`` on ‖w − w⋆‖ (the run goes on to
    ``tol/10``, so that a converged run meets the claim by a margin its error estimate cannot eat)
    and the step budget at precision level 0 (×4 per escalation)."""

    tol: float = 1e-8
    max_steps: int = 50_000

    @property
    def run_tol(self) -> float:
        return self.tol / 10


@dataclass(frozen=True)
class FlowCase:
    """A gradient-flow (or descent) run on an instance, and the limit quantities measured on it."""

    reg: Regression
    readout: np.ndarray
    init: list[np.ndarray]
    run: lin.FlowRun
    tol: float
    extra: dict[str, Enclosure]

    @property
    def L(self) -> int:
        return len(self.init)

    def _limit(self, f: Callable[[list[np.ndarray]], float], extra_error: float = 0.0, note: str = "") -> Enclosure:
        """``f`` at the end of the run, with error: two-tolerance difference + change since the
        checkpoint (100·tol) + ``extra_error`` + rounding."""
        if not self.run.converged:
            raise MeasurementError(f"the flow did not reach ‖w − w⋆‖ ≤ {self.tol / 10:g} (stopped at t = {self.run.time:.3g}, "
                                   f"‖w − w⋆‖ = {self.run.distance:.3g}): the limit is unknown")
        v = f(self.run.layers)
        err = abs(v - f(self.run.coarse)) + abs(v - f(self.run.checkpoint)) + extra_error + 1e-12 * (1 + abs(v))
        return Enclosure.estimate(v, err, note or f"limit estimate: {self.run.method}; + change since ‖w − w⋆‖ ≤ {10 * self.tol:g}")

    def quantity(self, name: str, bits: int) -> Enclosure:
        reg, run = self.reg, self.run
        sigma_f = reg.floats[0]
        if name in self.extra:
            return self.extra[name]
        if name in ("L", "d", "n", "width"):
            return Enclosure.exact({"L": self.L, "d": reg.d, "n": reg.n, "width": min(W.shape[1] for W in self.init)}[name])
        exact: dict[str, Callable[[], Number]] = {
            "lam": lambda: reg.lam(bits), "Lambda": lambda: reg.Lambda(bits), "a": lambda: reg.a,
            "wnorm": lambda: reg.wnorm(bits), "S_bal": lambda: sharpness_balanced(reg, self.L, bits),
            "S_min": lambda: smin_enclosure(reg, self.L, bits),
        }
        if name in exact:
            return enclosure(exact[name](), "exact rationals / isolated algebraic roots")
        if name == "S":
            p = self.readout
            return self._limit(lambda Ws: sharpness_float(Ws, p, sigma_f),
                               lin.residual_curvature_bound(run.layers, p, sigma_f, reg.floats[1]),
                               f"(H) at the end of the run + Weyl budget of the residual term; {run.method}")
        if name == "dist":
            return self._distance(bits)
        if name == "converged":
            return Enclosure.estimate(float(run.converged), 0.0, run.method)
        if name == "tol":
            return Enclosure.exact(rational(self.tol))
        if name == "log_t":
            return Enclosure.estimate(math.log10(max(run.time, 1e-300)), 0.0, run.method)
        if name == "imbalance":
            return Enclosure.estimate(_imbalance(self.init), 1e-13, "float64 at initialisation")
        if name == "misalign_u":
            u = reg.floats[2] / np.linalg.norm(reg.floats[2])
            return self._limit(lambda Ws: sin_angle(singular(Ws[0])[2][0], u))
        return self._limit(SPECTRAL[name])

    def _distance(self, bits: int) -> Enclosure:
        run = self.run
        if run.converged:
            _, _, w_f = self.reg.floats
            coarse = float(np.linalg.norm(lin.end_to_end(run.coarse, self.readout) - w_f))
            return Enclosure.estimate(run.distance, abs(run.distance - coarse) + 1e-15, run.method)
        # Not converged: R is non-increasing along GF, so the limit's (w − w⋆)ᵀΣ(w − w⋆) ≤ its value now.
        sigma_f, _, w_f = self.reg.floats
        e = lin.end_to_end(run.layers, self.readout) - w_f
        bound = math.sqrt(max(float(e @ sigma_f @ e), 0.0) / float(ball(self.reg.lam(bits), bits).mid()))
        return Enclosure.estimate(bound / 2, bound / 2, f"not converged by t = {run.time:.3g}: the limit distance lies in "
                                  f"[0, √((R(T) − R⋆)/λ)] = [0, {bound:.3g}] (R non-increasing)")


def _imbalance(Ws: list[np.ndarray]) -> float:
    return math.sqrt(sum(float(np.linalg.norm(D, 2)) for D in lin.imbalances([np.asarray(W, float) for W in Ws])))


SPECTRAL: dict[str, Callable[[list[np.ndarray]], float]] = {
    "sigma2": lambda Ws: max(second_singular_value(W) for W in Ws),
    "sigma_ratio": lambda Ws: max(second_singular_value(W) / float(singular(W)[1][0]) for W in Ws),
    "gap": lambda Ws: min(float(singular(W)[1][0]) ** 2 - second_singular_value(W) ** 2 for W in Ws[1:]),
    "misalign": misalignment,
}


def float_layers(shapes_: Sequence[tuple[int, int]], rng: np.random.Generator) -> list[np.ndarray]:
    return [rng.standard_normal(s) for s in shapes_]


def _flow_case(instance: dict, precision: Precision, init: list[np.ndarray], readout: np.ndarray,
               setting: FlowSetting, extra: dict[str, Enclosure]) -> FlowCase:
    reg = regression(instance)
    (X, y), w_f = reg.data_floats, reg.floats[2]
    run = lin.gradient_flow_to_minimiser(init, readout, X, y, w_f, setting.run_tol, precision.rtol,
                                         max_steps=setting.max_steps * 4 ** precision.level)
    return FlowCase(reg, readout, init, run, setting.tol, extra)


@st.composite
def flow_instances(draw: Any, depth: Range, dim: Range, width: Range, scales: tuple[str, ...],
                   gains: tuple[str, ...]) -> dict:
    L = draw(lin.mostly_at_least_two(*depth))
    data = draw(regression_data(L, dim, entry=FLOW_ENTRIES))
    assume(regression(data).scope is None)
    widths = [len(data["X"][0])] + [draw(st.integers(*width)) for _ in range(L - 1)] + [1]
    return {**data, "widths": widths, "scale": draw(st.sampled_from(scales)), "gain": draw(st.sampled_from(gains)),
            "seed": draw(st.integers(0, 2 ** 16))}


def small_init(instance: dict) -> list[np.ndarray]:
    """``W_k(0) = ε·N_k`` (``N_k`` standard Gaussian from ``seed``), the first layer times ``gain``."""
    widths = instance["widths"]
    rng = np.random.default_rng(instance["seed"])
    eps, gain = _to_float(instance["scale"]), _to_float(instance.get("gain", "1"))
    layers = [eps * N for N in float_layers([(widths[k + 1], widths[k]) for k in range(len(widths) - 1)], rng)]
    layers[0] = gain * layers[0]
    return layers


def _to_float(x: Any) -> float:
    q = rational(x)
    return int(q.p) / int(q.q)


@shared(maxsize=512)
def _small_case(inst: dict, precision: Precision, setting: FlowSetting, C_small: str) -> FlowCase:
    extra = {"scale": Enclosure.exact(rational(inst["scale"])), "gain": Enclosure.exact(rational(inst.get("gain", "1"))),
             "C_small": Enclosure.exact(rational(C_small))}
    return _flow_case(inst, precision, small_init(inst), np.ones(1), setting, extra)


def _conditioning_reason(reg: Regression) -> str | None:
    """The dynamical systems take κ(Σ) ≤ MAX_CONDITION: the theorems hold for every κ, but the
    time to converge (and the cost of a run) grows with κ."""
    kappa = float(np.linalg.cond(reg.floats[0]))
    return f"κ(Σ) = {kappa:.3g} > {MAX_CONDITION:g} (the runs' cost grows with κ)" if kappa > MAX_CONDITION else None


def _flow_scope(instance: dict, precision: Precision) -> str | None:
    reg = regression(instance)
    if reg.scope:
        return reg.scope
    if instance["widths"][0] != reg.d or instance["widths"][-1] != 1:
        return "widths must start at d and end at 1"
    return _conditioning_reason(reg)


def _flow_features(instance: dict) -> dict[str, Any]:
    return {**data_features(instance, len(instance["widths"]) - 1), "init scale": instance["scale"]}


@system_family(quantities=SMALL_QUANTITIES)
def small_init_flow(depth: Range = (2, 4), dim: Range = (1, 3), width: Range = (1, 3),
                    scales: tuple[str, ...] = ("1/32", "1/16", "1/8"), gains: tuple[str, ...] = ("1",),
                    C_small: str = "8", tol: float = 1e-8) -> System:
    """Gradient flow of deep linear regression from W_k(0) = ε·N_k (first layer × gain), run to
    ‖w − w⋆‖ ≤ tol (THEOREMS.md MC-SMALL, §0.3-4).

    ``scales``: the initialisation scales ε drawn (ε < ε₀ is an unconfirmed hypothesis: a
    parameter); ``gains`` > 1 make the initialisation unbalanced (outside MC-SMALL's hypotheses);
    ``C_small``: the flatness constant (default 8, from the authors' code, unconfirmed as the
    paper's).
    """
    setting = FlowSetting(tol)

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        case = _small_case(instance, Precision(rtol=precision.rtol, level=precision.level), setting, C_small)
        return _measured(case, names, precision.bits)

    return System(
        name=f"small_init_flow(depth={depth}, dim={dim}, width={width}, scales={scales}, gains={gains}, C_small={C_small})",
        description="gradient flow of deep linear regression from a small Gaussian initialisation, to convergence",
        quantities=SMALL_QUANTITIES, strategy=flow_instances(depth, dim, width, scales, gains),
        measure=measure, scope=_flow_scope, features=_flow_features, dynamical=True,
        hypotheses=("Σ ≻ 0", "w⋆ ≠ 0", f"κ(Σ) ≤ {MAX_CONDITION:g}", f"initialisation scale ε ∈ {scales} (ε < ε₀ unconfirmed)",
                    f"first-layer gain ∈ {gains}"),
        parameters={"depth": depth, "dim": dim, "width": width, "scales": scales, "gains": gains, "C_small": C_small,
                    "tol": tol},
    )


@st.composite
def residual_instances(draw: Any, depth: Range, dim: Range, s_values: tuple[str, ...], unit_target: bool) -> dict:
    L = draw(lin.mostly_at_least_two(*depth))
    # targets of any norm include the tiny and huge scales (‖w⋆‖ = 8^{±L}), where the norm matters most
    data = draw(regression_data(L, dim, entry=FLOW_ENTRIES, structured=not unit_target, unit_target=unit_target))
    reg = regression(data)
    assume(reg.scope is None)
    p = rational_unit_vector(draw(vectors(reg.d - 1)), draw(st.integers(0, reg.d - 1)), draw(st.sampled_from([1, -1])))
    return {**data, "L": L, "s": draw(st.sampled_from(s_values)), "p": to_jsonable(p), "seed": draw(st.integers(0, 2 ** 16))}


def residual_init(instance: dict) -> list[np.ndarray]:
    """``W_k(0) = I + (s/√(L·d))·N_k`` (``N_k`` standard Gaussian from ``seed``)."""
    L, d = instance["L"], len(instance["X"][0])
    rng = np.random.default_rng(instance["seed"])
    c = _to_float(instance["s"]) / math.sqrt(L * d)
    return [np.eye(d) + c * N for N in float_layers([(d, d)] * L, rng)]


@shared(maxsize=512)
def _residual_case(inst: dict, precision: Precision, setting: FlowSetting, C_res: str) -> FlowCase:
    p = floats(rational_array(inst["p"]))
    return _flow_case(inst, precision, residual_init(inst), p, setting,
                      {"s": Enclosure.exact(rational(inst["s"])), "C_res": Enclosure.exact(rational(C_res))})


def _residual_scope(instance: dict, precision: Precision) -> str | None:
    reg = regression(instance)
    if reg.scope:
        return reg.scope
    p = rational_array(instance["p"])
    if len(p) != reg.d or p @ p != 1:
        return "the readout p must be a unit vector of dimension d"
    return _conditioning_reason(reg)


@system_family(quantities=RESIDUAL_QUANTITIES)
def residual_flow(depth: Range = (2, 4), dim: Range = (1, 3), s_values: tuple[str, ...] = ("1/4", "1/2", "1"),
                  tol: float = 1e-8, C_res: str = "8", unit_target: bool = True) -> System:
    """Gradient flow of the deep linear residual network x ↦ pᵀW_L⋯W_1x (all W_k ∈ ℝ^{d×d} trained,
    p a fixed rational unit vector) from W_k(0) = I + (s/√(Ld))N_k (THEOREMS.md MC-RES, setup from
    the authors' code), run to ‖w − w⋆‖ ≤ tol.  ``C_res`` is the flatness constant of the claim
    S ≤ C_res·LΛ‖w⋆‖^{2−2/L} [unconfirmed — a parameter; the default 8 is MC-SMALL's constant from
    the authors' code, borrowed].  ``unit_target``: ‖w⋆‖ = 1, as in the authors' code (the residual
    initialisation has scale 1 whatever ‖w⋆‖ is, so the bound's factor ‖w⋆‖^{2−2/L} is only
    meaningful at that normalisation)."""
    setting = FlowSetting(tol)

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        case = _residual_case(instance, Precision(rtol=precision.rtol, level=precision.level), setting, C_res)
        return _measured(case, names, precision.bits)

    return System(
        name=f"residual_flow(depth={depth}, dim={dim}, s_values={s_values}, C_res={C_res}, unit_target={unit_target})",
        description="gradient flow of a deep linear residual network with a fixed unit readout, to convergence",
        quantities=RESIDUAL_QUANTITIES, strategy=residual_instances(depth, dim, s_values, unit_target),
        measure=measure, scope=_residual_scope, dynamical=True,
        features=lambda inst: {**data_features(inst, inst["L"]), "s": inst["s"]},
        hypotheses=("Σ ≻ 0", "w⋆ ≠ 0", f"κ(Σ) ≤ {MAX_CONDITION:g}", "‖p‖ = 1", f"s ∈ {s_values}")
        + (("‖w⋆‖ = 1",) if unit_target else ()),
        parameters={"depth": depth, "dim": dim, "s_values": s_values, "tol": tol, "C_res": C_res,
                    "unit_target": unit_target},
    )


@st.composite
def descent_instances(draw: Any, depth: Range, dim: Range, width: Range, scales: tuple[str, ...]) -> dict:
    inst = draw(flow_instances(depth, dim, width, scales, ("1",)))
    inst["eta_factor"] = f"{draw(st.integers(4, 12))}/8"
    return inst


@shared(maxsize=512)
def _descent_case(inst: dict, bits: int, tol: float, max_steps: int) -> FlowCase:
    reg = regression(inst)
    init = small_init(inst)
    L = len(init)
    with working_precision(bits):
        eta = _step(rational(inst["eta_factor"]), reg, L, bits)
    (X, y), w_f = reg.data_floats, reg.floats[2]
    run = lin.gradient_descent_run(init, np.ones(1), X, y, w_f, float(ball(eta, bits).mid()), max_steps, tol)
    extra = {"eta": enclosure(eta, "exact"), "scale": Enclosure.exact(rational(inst["scale"])),
             "gain": Enclosure.exact(1),
             "converged": Enclosure.estimate(float(run.converged), 0.0, f"{run.method}, {run.steps} steps"),
             "dist": Enclosure.estimate(min(run.distance, 1e300), run.error if math.isfinite(run.distance) else 0.0,
                                        f"{run.method}, {run.steps} steps; radius: the run's parameter error estimate")}
    return FlowCase(reg, np.ones(1), init, run, tol, extra)


@shared(maxsize=512)
def _ball_replay(inst: dict, bits: int, tol: float, max_steps: int) -> dict[str, Enclosure]:
    """``dist`` and ``converged`` of a converged float64 GD run, certified by replaying the exact
    iteration (exact η, the float start read exactly) in balls, at ``bits``, 4·bits, 16·bits until
    the radii allow it; empty when the run did not converge or even 16·bits do not suffice (the
    float estimates stand)."""
    case = _descent_case(inst, bits, tol, max_steps)
    if not case.run.converged:
        return {}
    eta, steps = case.extra["eta"].value, case.run.steps
    reg = case.reg
    for b in (bits, 4 * bits, 16 * bits):
        _, dist = lin.gradient_descent_ball(case.init, np.array([fmpq(1)], dtype=object), reg.X, reg.y, reg.w_star,
                                            eta, steps, b)
        if dist.is_finite() and dist.upper() <= tol:
            note = f"exact GD iteration replayed in arb balls at {b} bits: ‖w_T − w⋆‖ ≤ {float(dist.upper()):.3g} at T = {steps}"
            return {"dist": Enclosure.ball(dist, note), "converged": Enclosure.exact(1, note)}
    return {}


@system_family(quantities=GD_QUANTITIES)
def descent(depth: Range = (2, 3), dim: Range = (1, 3), width: Range = (1, 3), scales: tuple[str, ...] = ("1/8", "1/4", "1/2"),
            tol: float = 1e-8, max_steps: int = 4000, converged_only: bool = False) -> System:
    """Gradient descent W ← W − η∇R(W) (float64) of deep linear regression from W_k(0) = ε·N_k, with
    η = eta_factor/(L·a·‖w⋆‖^{2−2/L}), eta_factor ∈ [1/2, 3/2] (THEOREMS.md MC-LR); stops at
    ‖w − w⋆‖ ≤ tol, at divergence, or after max_steps.  With ``converged_only`` a run that does
    not converge is outside the scope (it has no limit whose sharpness ``S`` could be measured)."""

    def case(instance: dict, precision: Precision) -> FlowCase:
        return _descent_case(instance, precision.bits, tol, max_steps * 4 ** precision.level)

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        values = _measured(case(instance, precision), names, precision.bits)
        if names & {"converged", "dist"}:
            replay = _ball_replay(instance, precision.bits, tol, max_steps * 4 ** precision.level)
            values.update({k: v for k, v in replay.items() if k in names})
        return values

    def scope(instance: dict, precision: Precision) -> str | None:
        reason = _flow_scope(instance, precision)
        if reason is None and converged_only and not case(instance, precision).run.converged:
            run = case(instance, precision).run
            return f"GD did not converge ({run.method}, {run.steps} steps): no limit"
        return reason

    return System(
        name=f"descent(depth={depth}, dim={dim}, width={width}, scales={scales}"
             + (", converged_only=True)" if converged_only else ")"),
        description="gradient descent with step η on deep linear regression from a small Gaussian initialisation",
        quantities=GD_QUANTITIES, strategy=descent_instances(depth, dim, width, scales),
        measure=measure, scope=scope, features=_flow_features, dynamical=True,
        hypotheses=("Σ ≻ 0", "w⋆ ≠ 0", f"κ(Σ) ≤ {MAX_CONDITION:g}") + (("GD converges (‖w − w⋆‖ ≤ tol)",)
                                                                        if converged_only else ()),
        parameters={"depth": depth, "dim": dim, "width": width, "scales": scales, "tol": tol, "max_steps": max_steps,
                    "converged_only": converged_only},
    )

