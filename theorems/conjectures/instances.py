"""CONJ instances: the networks (homogeneous and near-homogeneous), exact classification problems and the instance strategies (THEOREMS.md §0.4 kinds)."""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb
from hypothesis import strategies as st

from checker import Enclosure, Precision
from checker.arith import rational_array, rational_str
from checker.classification import Classification, exact_strings, planted_data, scaled_below_threshold
from checker.maxmargin import max_margin
from checker.nets import MLP, AbstractNetwork, NearHomogeneous, ResidualMLP, activation
from checker.strategies import vectors


LOSSES = ("exp", "logistic")
HOMOGENEOUS = ("linear", "deep_linear", "relu", "sqrelu")
NEAR_HOMOGENEOUS = ("relu_bias", "residual", "mixed")
NORM_TEX = {"l1": r"\ell_1", "l2": r"\ell_2", "linf": r"\ell_\infty"}

# ------------------------------------------------------------------------------ networks and instances


def network(inst: dict) -> AbstractNetwork:
    """The classifier of an instance: ``linear`` ``⟨w, x⟩`` (``K = 1``); ``deep_linear`` ``W₂W₁x``
    (width 2, ``K = 2``); ``relu``/``sqrelu`` ``Σ_j a_jφ(⟨v_j, x⟩)`` (``K = 2, 3``); ``relu_bias`` the
    same with hidden and output biases (near-homogeneous of top degree 2); ``residual``
    ``R(I + N)x`` (one linear residual block with a readout, near-homogeneous of top degree 2);
    ``mixed`` ``f₂ + ½f₁`` (a two-layer ReLU net plus a linear term on its own parameters,
    :class:`checker.nets.NearHomogeneous`, top degree 2)."""
    d, arch, w = len(inst["X"][0]), inst["arch"], inst.get("width", 2)
    if arch == "linear":
        return MLP((d, 1), ())
    if arch == "deep_linear":
        return MLP((d, 2, 1), (activation("linear"),))
    if arch == "residual":
        return ResidualMLP(d, 1, readout=1)
    if arch == "mixed":
        return NearHomogeneous(((1, MLP((d, w, 1), (activation("relu"),))), ("1/2", MLP((d, 1), ()))))
    act = activation("relu2" if arch == "sqrelu" else "relu")
    return MLP((d, w, 1), (act,), bias=arch == "relu_bias")


def problem(inst: dict) -> Classification:
    """The exact classification instance (``K`` the network's top degree)."""
    return Classification.of(network(inst), inst["X"], inst["y"], inst["loss"])


def theta_of(inst: dict) -> np.ndarray:
    return rational_array(inst["theta"])


def _teacher(inst: dict, u: list[Fraction]) -> list[Fraction]:
    """A separating parameter vector built from ``u`` (THEOREMS.md §0.4): ``u`` itself (linear),
    the factorisation ``e₁uᵀ, e₁ᵀ`` (deep linear), neurons ``±u`` with output weights ``±1``
    (two-layer nets; biases 0; ``mixed`` also ``u`` for its linear term), ``N = 0`` with readout ``uᵀ``
    (residual: ``R(I + N)x = ⟨u, x⟩``)."""
    arch, d = inst["arch"], len(u)
    zero = [Fraction(0)] * d
    if arch == "linear":
        return list(u)
    if arch == "deep_linear":
        return list(u) + zero + [Fraction(1), Fraction(0)]
    if arch == "residual":
        return [Fraction(0)] * (d * d) + list(u)
    w = inst["width"]
    V = list(u) + [-c for c in u] + zero * (w - 2)
    a = [Fraction(1), Fraction(-1)] + [Fraction(0)] * (w - 2)
    if arch == "relu_bias":
        return V + [Fraction(0)] * w + a + [Fraction(0)]
    if arch == "mixed":
        return V + a + list(u)
    return V + a


#: Boundary instances: ``tie`` a repeated point (equal margins); ``norm_kink`` θ on a kink of the
#: norm (a zero coordinate for ℓ₁/ℓ₂, two tied largest |θ_i| for ℓ∞), where only one-sided
#: derivatives exist; ``late`` θ near the exact max-margin direction in the rule's norm (linear
#: programs, ℓ₁/ℓ∞), where the rule itself goes; ``huge`` every margin ×2⁶ beyond what ℒ < ℓ(0) needs.
CASES = ("generic", "tie", "norm_kink", "late", "huge")


@st.composite
def instances(draw: Any, archs: tuple[str, ...], losses: tuple[str, ...] = LOSSES, norms: tuple[str, ...] = (),
              points: tuple[int, int] = (1, 5), step: bool = False, cases: tuple[str, ...] = CASES,
              tau: Fraction = Fraction(1, 2), random_theta: bool = True) -> dict:
    """A separable classification instance (THEOREMS.md §0.4): planted data (1–5 points in
    dimension 2–3), a separating teacher plus a rational perturbation (or, one time in four, a
    random ``θ``), scaled by the least power of 2 that brings ``ℒ`` below ``ℓ(0)``; mixed with the
    boundary ``cases`` (default :data:`CASES`); ``tau`` is the planted margin of the data and
    ``random_theta`` allows the random ``θ``.  ``norms``: the rule's norm is drawn from them.  Near-homogeneous
    architectures draw an output bias carrying part of the margin (``relu_bias``: ``±κ`` towards the
    majority label, ``κ ∈ {0, 1, 2, 4}``, with the teacher shrunk by ``λ ∈ {1, 1/16, 1/64}``).  ``step``:
    a sample index ``n`` and an SGD step ``η`` moving ``θ`` by ``2^{-k}`` of its norm (``k = 3..12``)."""
    arch = draw(st.sampled_from(archs))
    inst: dict[str, Any] = {"arch": arch, "loss": draw(st.sampled_from(losses))}
    if norms:
        inst["norm"] = draw(st.sampled_from(norms))
    case = draw(st.sampled_from(cases))
    inst["case"] = case
    d = draw(st.integers(2, 3))
    X, y, u = draw(planted_data(d, draw(st.integers(*points)), tau))
    if case == "tie":
        X, y = X + [X[0]], y + [y[0]]
    if arch in ("relu", "sqrelu", "relu_bias", "mixed"):
        inst["width"] = draw(st.integers(2, 3))
    inst["X"], inst["y"] = [exact_strings(x) for x in X], y
    if case == "late" and inst.get("norm") in ("l1", "linf"):
        u = [Fraction(int(c.p), int(c.q)) for c in max_margin(label_rows(X, y), inst["norm"])[1]]
    net = network(inst)
    if random_theta and case != "late" and draw(st.integers(0, 3)) == 0:
        theta = [Fraction(c) for c in draw(vectors(net.size))]
    else:
        scale = Fraction(1, draw(st.sampled_from((1, 16, 64)))) if arch == "relu_bias" else Fraction(1)
        size = Fraction(1, 100) if case == "late" else Fraction(1, 10)
        theta = [scale * (b + size * Fraction(c)) for b, c in zip(_teacher(inst, u), draw(vectors(net.size)))]
        if arch == "relu_bias":
            theta[-1] = (1 if sum(y) >= 0 else -1) * Fraction(draw(st.sampled_from((0, 1, 2, 4))))
    if case == "norm_kink":
        j = draw(st.integers(0, len(theta) - 1))
        top = max(abs(c) for c in theta)
        theta[j] = (top if theta[j] >= 0 else -top) if inst.get("norm") == "linf" else Fraction(0)
    theta = scaled_below_threshold(problem(inst), theta)
    if case == "huge":
        theta = [c * 2 ** math.ceil(6 / net.degree) for c in theta]
    inst["theta"] = exact_strings(theta)
    if step:
        inst["sample"] = draw(st.integers(0, len(X) - 1))
        inst["step_ratio"] = f"1/{2 ** draw(st.integers(3, 12))}"
    return inst


def label_rows(X: list, y: list) -> np.ndarray:
    """``a_n = y_n x_n`` (exact)."""
    return rational_array([[rational_str(Fraction(yn) * Fraction(c)) for c in x] for x, yn in zip(X, y)])


def features(inst: dict) -> dict[str, Any]:
    """The instance mix: case, architecture, loss, rule's norm, top degree, dimension, points."""
    out = {"case": inst.get("case", "generic"), "architecture": inst["arch"], "loss": inst["loss"],
           "K": network(inst).degree, "d": len(inst["X"][0]), "n": len(inst["X"])}
    if "norm" in inst:
        out["norm"] = inst["norm"]
    return out


def requirement_scope(requirement: str, archs: tuple[str, ...], homogeneous: bool) -> Any:
    """Out of scope: an architecture outside ``archs`` (the reason ``requirement``), a
    non-homogeneous network where homogeneity is a hypothesis, or ℒ(θ) not certified below ℓ(0)."""

    def scope(inst: dict, precision: Precision) -> str | None:
        if inst["arch"] not in archs:
            return requirement
        P = problem(inst)
        if homogeneous and not P.homogeneous:
            return "Φ is not positively K-homogeneous (THEOREMS.md §2 (ii))"
        return P.scope(theta_of(inst), precision.bits)

    return scope


def undecided_values(names: frozenset[str], exc: ArithmeticError) -> dict[str, Enclosure]:
    """Every requested quantity as an undecided ball (the search escalates the precision)."""
    return {n: Enclosure.ball(arb(0, 1e300), f"undecided at this precision: {exc}") for n in names}
