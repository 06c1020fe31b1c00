"""Recent papers' claims about margins under other training rules (THEOREMS.md §4): CONJ-SD, CONJ-SGD, CONJ-NH.

* **CONJ-SD** — N. Tsilivis, G. Vardi, J. Kempe (arXiv v3 adds E. Gronich), "Flavors of margin:
  implicit bias of steepest descent in homogeneous neural networks", ICLR 2025, arXiv:2410.22069
  [confirmed, abstract].  Steepest-descent flow ``θ̇ = ‖∇ℒ‖_*·u``, ``u ∈ argmax_{‖u‖≤1}⟨u, −∇ℒ⟩`` for
  ℓ₁ (coordinate descent), ℓ₂ (gradient flow) and ℓ∞ (sign flow), ``K``-homogeneous networks,
  exponential-type loss.  Claim 1: after perfect accuracy the smoothed margin ``ℓ^{-1}(ℒ)/‖θ‖^K``
  *in the algorithm's norm* is non-decreasing.  Claim 2: limit points of ``θ/‖θ‖`` are along
  generalised KKT points of ``min ‖θ‖ s.t. q_n(θ) ≥ 1``.
* **CONJ-SGD** — S. Schechtman, N. Schreuder, "The late-stage training dynamics of (stochastic)
  subgradient descent on homogeneous neural networks", COLT 2025 (PMLR 291), arXiv:2502.05668
  [confirmed, abstract].  Constant-step SGD, binary classification, homogeneous networks, exp or
  logistic loss, once the data are classified with positive normalised margin: the normalised
  iterates converge to the Clarke critical points of the normalised margin on the sphere.
* **CONJ-NH** — Y. Cai, K. Zhou, J. Wu, S. Mei, M. Lindsey, P. L. Bartlett, "Implicit bias of
  gradient descent for non-homogeneous deep networks", ICML 2025, arXiv:2502.16075 [confirmed,
  abstract].  Exponential loss, near-homogeneous networks, risk below a threshold set by the
  non-homogeneity: a normalised margin increases *nearly* monotonically.  The threshold's form and
  that the normalisation is by the top degree are [unconfirmed — make it a parameter].

Notation (THEOREMS.md §2.0; :mod:`checker.classification`): margins ``q_n = y_nΦ(θ; x_n)``,
``ℒ = Σ_n ℓ(q_n)``, ``g = −ℓ'``, ``z = ℓ^{-1}(ℒ)``, ``γ̃_p = z/‖θ‖_p^K``, ``γ̄_p = q_min/‖θ‖_p^K``.

Evidence (THEOREMS.md §0.2):

* **pointwise (class b)** — CONJ-SD, CONJ-SGD-DRIFT, CONJ-NH: rates along the rule's velocity at
  generated ``θ`` with ``ℒ(θ) < ℓ(0)``, from exact data and weights with ``exp``/``log`` in arb
  balls (:class:`checker.classification.MarginState`); the sign- and coordinate-flow velocities
  have their selections certified (exact zeros and ties decided exactly).  *certified* at best.
* **asymptotic (class c)** — CONJ-SD-KKT and CONJ-SGD are ``limit(...)`` statements over
  trajectories of the discrete rules (:func:`checker.integrators.iterate`), judged by
  :mod:`checker.limits`: *passed* or *inconclusive*, never refuted by a finite horizon.
* **mutations** — refuted by the search: pointwise ones by certified balls of the wrong sign,
  limit ones by closed-form limits in exact rationals on solvable families (``witness_family``).
"""
from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from flint import arb, fmpq
from hypothesis import strategies as st

from checker import Enclosure, Precision, System, system_family, theorem
from checker.arith import rational, rational_array, rational_str, working_precision
from checker.cache import shared
from checker.classification import (Classification, NormalisedObjective, exact_strings, gap_bits, norm, planted_data,
                                    scaled_below_threshold)
from checker.clocks import Classifier
from checker.dynamics import NORMS, sgd, steepest_descent
from checker.figures import axes, save
from checker.integrators import iterate
from checker.limits import Ladder
from checker.maxmargin import max_margin
from checker.nets import MLP, AbstractNetwork, NearHomogeneous, ResidualMLP, activation
from checker.quantities import quantity
from checker.strategies import rationals, vectors
from checker.svm import kkt_residual

SOURCE_SD = "Tsilivis, Vardi & Kempe, ICLR 2025, arXiv:2410.22069"
SOURCE_SGD = "Schechtman & Schreuder, COLT 2025 (PMLR 291), arXiv:2502.05668"
SOURCE_NH = "Cai, Zhou, Wu, Mei, Lindsey & Bartlett, ICML 2025, arXiv:2502.16075"
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
        u = [Fraction(int(c.p), int(c.q)) for c in max_margin(_rows(X, y), inst["norm"])[1]]
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


def _rows(X: list, y: list) -> np.ndarray:
    """``a_n = y_n x_n`` (exact)."""
    return rational_array([[rational_str(Fraction(yn) * Fraction(c)) for c in x] for x, yn in zip(X, y)])


def features(inst: dict) -> dict[str, Any]:
    """The instance mix: case, architecture, loss, rule's norm, top degree, dimension, points."""
    out = {"case": inst.get("case", "generic"), "architecture": inst["arch"], "loss": inst["loss"],
           "K": network(inst).degree, "d": len(inst["X"][0]), "n": len(inst["X"])}
    if "norm" in inst:
        out["norm"] = inst["norm"]
    return out


def _scope(requirement: str, archs: tuple[str, ...], homogeneous: bool) -> Any:
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


def _undecided(names: frozenset[str], exc: ArithmeticError) -> dict[str, Enclosure]:
    """Every requested quantity as an undecided ball (the search escalates the precision)."""
    return {n: Enclosure.ball(arb(0, 1e300), f"undecided at this precision: {exc}") for n in names}


# ------------------------------------------------------------------------------ CONJ-SD: pointwise


def _sd_quantities(rule: str | None, margin: str | None) -> dict:
    r = NORM_TEX.get(rule or "", "p")
    p = NORM_TEX.get(margin or rule or "", "p")
    return {q.name: q for q in (
        quantity("K", "homogeneity degree of the network", "K", "exact"),
        quantity("gamma_tilde", f"smoothed margin γ̃ = ℓ⁻¹(ℒ)/‖θ‖^K in the {margin or 'rule'}'s norm",
                 rf"\tilde\gamma_{{{p}}}"),
        quantity("gamma_bar", "normalised margin γ̄ = q_min/‖θ‖^K in the same norm", rf"\bar\gamma_{{{p}}}"),
        quantity("dgamma_tilde", f"d/dt γ̃ along the {rule or 'drawn'} steepest-descent flow θ̇ = ‖∇ℒ‖_*u "
                 "(one-sided where the norm has a kink)", rf"\tfrac{{d}}{{dt}}\tilde\gamma_{{{p}}}\big|_{{{r}\text{{-flow}}}}"),
        quantity("dlog_gamma_tilde", "d/dt log γ̃ along the same flow: −⟨∇ℒ, θ̇⟩/(g(z)z) − K D⁺‖θ‖[θ̇]/‖θ‖",
                 rf"\tfrac{{d}}{{dt}}\log\tilde\gamma_{{{p}}}"),
        quantity("dgamma_bar", "one-sided d/dt γ̄ along the same flow", rf"\tfrac{{d}}{{dt}}\bar\gamma_{{{p}}}"),
        quantity("dual_norm", "‖∇ℒ‖_* in the rule's dual norm (the flow's speed ‖θ̇‖)",
                 rf"\lVert\nabla\mathcal{{L}}\rVert_{{{r},*}}"),
    )}


@system_family(_sd_quantities(None, None))
def steepest_points(rule: str | None = None, margin: str | None = None, archs: tuple[str, ...] = HOMOGENEOUS,
                    points: tuple[int, int] = (1, 5)) -> System:
    """Generated points ``θ`` of homogeneous classifiers with ``ℒ(θ) < ℓ(0)``, each with a rule norm
    ``p`` drawn from ℓ₁, ℓ₂, ℓ∞ (or fixed: ``rule``); quantities along the ``p``-steepest-descent
    flow ``θ̇ = ‖∇ℒ‖_*u`` (:meth:`checker.classification.MarginState.steepest_velocity`: the selection
    of :func:`checker.dynamics.steepest_direction`, certified) of the margins in the norm ``margin``
    (default: the rule's own).  Exact data and weights, ``∇ℒ`` and the rates in arb balls at the
    profile's bits plus :func:`checker.classification.gap_bits`."""
    norms = (rule,) if rule else NORMS

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        P, theta = problem(inst), theta_of(inst)
        p, m = inst["norm"], margin or inst["norm"]
        bits = precision.bits + gap_bits(P.margins(theta))
        note = f"arb balls at {bits} bits from exact data and weights"
        state = P.state(theta, bits)
        try:
            v = state.steepest_velocity(p)
            with working_precision(bits):
                dual = norm(v, p)  # ‖θ̇‖_p = ‖∇ℒ‖_*
                values = {"gamma_tilde": state.smoothed_margin(m), "gamma_bar": state.normalised_margin(m),
                          "dgamma_tilde": state.smoothed_margin_rate(v, m),
                          "dlog_gamma_tilde": state.log_smoothed_margin_rate(v, m),
                          "dgamma_bar": state.normalised_margin_rate(v, m), "dual_norm": arb(dual)}
        except ArithmeticError as exc:
            return {"K": Enclosure.exact(P.K), **_undecided(names - {"K"}, exc)}
        out = {"K": Enclosure.exact(P.K), **{k: Enclosure.ball(v, note) for k, v in values.items()}}
        if state.one_point_log_rate(p, m) == 0:  # one point: the rate is g(q)·β with β rational, here exactly 0
            zero = "exactly 0: one point, d/dt log γ̃ = g(q)·β with β = 0 in rationals"
            out["dgamma_tilde"] = out["dlog_gamma_tilde"] = Enclosure.exact(0, zero)
        return out

    label = f"steepest_points(rule {rule or 'drawn'}; margin {margin or 'the rule’s norm'})"
    return System(label, "exact points θ with ℒ(θ) < ℓ(0); margins and their rates along the steepest-descent flow, in balls",
                  _sd_quantities(rule, margin), instances(archs, LOSSES, norms, points), measure,
                  _scope("homogeneous architectures only", archs, True),
                  ("every point classified correctly and ℒ(θ) < ℓ(0), certified in balls (perfect accuracy)",
                   "Φ positively K-homogeneous (no biases, homogeneous activations)",
                   "exponential-type loss (exp or logistic)"),
                  {"rule": rule, "margin": margin, "archs": archs, "points": points}, features=features)


# ------------------------------------------------------------------------------ CONJ-SD: limits (linear models)

#: The discrete rule followed in loss-normalised time (``ds = ℒ dt``): step ``h`` on ``∇ℒ/ℒ``, data
#: scaled so that ``A = max_n‖a_n‖_{p,*} = 1`` (then ``h·A² ≤ 1/2``: one step moves every margin by at
#: most 1/2), horizons ``H = s/κ²`` in units of the condition ``κ² = (A/γ⋆_p)²`` (the flow's deficit is
#: ``O(κ‖w₀‖/s)`` with ``‖w₀‖ ~ κ log N``).
SD_STEP = Fraction(1, 2)
def sd_horizons(level: int = 0) -> tuple[Fraction, ...]:
    """``H ≈ 4·√2^j`` (``√2 ≈ 17/12``) up to 128, one octave more per escalation level (levels 1, 2: to 512)."""
    return tuple(Fraction(4 * 2 ** (j // 2)) * (1 if j % 2 == 0 else Fraction(17, 12)) for j in range(11 + 2 * level))


SD_HORIZONS = sd_horizons()
SD_MAX_CONDITION = 2
SD_CASES = ("generic", "tie", "norm_kink", "late")  # not "huge": the deficit grows with ‖w₀‖ (see the notes)


def _sd_trajectory_quantities() -> dict:
    return {q.name: q for q in (
        quantity("H", "horizon H = s/κ² of the rung: loss-normalised time s in units of κ² = (A/γ⋆_p)²", "H", "estimate"),
        quantity("gamma_bar", "normalised margin γ̄_p = q_min/‖w‖_p in the rule's norm p", r"\bar\gamma_p", "estimate"),
    )}


def _sd_limit_quantities() -> dict:
    return {"gamma_star": quantity("gamma_star", "the exact maximum p-margin γ⋆_p = max_{‖w‖_p≤1} min_n y_n⟨w, x_n⟩ "
                                   "(checker.maxmargin, exact LP)", r"\gamma^\star_p", "exact")}


def _normalised_data(inst: dict) -> dict:
    """The instance with its data scaled by ``1/A`` and ``w₀`` by ``A`` (every margin unchanged),
    ``A = max_n‖y_nx_n‖_*`` in the dual of the rule's norm (exact: ``‖·‖_∞`` or ``‖·‖₁`` of
    rationals); the claim is invariant under scaling the data."""
    rows = _rows([[Fraction(c) for c in x] for x in inst["X"]], inst["y"])
    A = max(norm(r, "linf" if inst["norm"] == "l1" else "l1") for r in rows)
    X = [[rational_str(rational(c) / A) for c in x] for x in inst["X"]]
    return {**inst, "X": X, "theta": [rational_str(rational(c) * A) for c in inst["theta"]]}


def _condition(inst: dict) -> fmpq:
    """``κ = 1/γ⋆_p`` of the normalised data (``A = 1``), exact."""
    P = problem(inst)
    return 1 / max_margin(P.X * P.y, inst["norm"])[0]


def _steps(inst: dict, level: int = 0) -> list[int]:
    """Step counts of the rungs: ``k = κ²H/h``."""
    kappa2 = _condition(inst) ** 2
    return [max(1, int((kappa2 * rational(H) / rational(SD_STEP)).floor())) for H in sd_horizons(level)]


@shared(maxsize=512)
def steepest_run(inst: dict, level: int = 0) -> tuple[list[float], list[float], str]:
    """``γ̄_p`` on the rungs of :func:`_steps` of the discrete ``p``-steepest descent in loss-normalised
    time from ``w₀ = θ`` (:func:`checker.dynamics.steepest_descent` on
    :class:`checker.classification.NormalisedObjective`, :func:`checker.integrators.iterate`),
    with step ``h`` and again with ``h/2`` at the same times ``s = kh``; returns the two sequences."""
    P, p = problem(inst), inst["norm"]
    oracle = NormalisedObjective(P)
    w0 = np.array([float(c) for c in theta_of(inst)])
    rows = (P.X * P.y).astype(float)
    h, steps = float(SD_STEP), _steps(inst, level)
    runs = [iterate(steepest_descent(p, h / j), oracle, w0, [j * k for k in steps]) for j in (1, 2)]
    size = (lambda w: np.abs(w).sum()) if p == "l1" else (lambda w: np.abs(w).max())
    values = [[float((rows @ w).min() / size(w)) for w in run.thetas] for run in runs]
    return values[0], values[1], f"{runs[1].method}; checked against step h = {h:g}"


def steepest_trajectory(inst: dict, precision: Precision, names: frozenset[str]) -> Ladder:
    """The ladder of :func:`steepest_run`: each rung's ``γ̄_p`` is the ``h/2`` run's, with the
    difference to the ``h`` run (the discretisation error, first order) plus float64 rounding
    ``8ε(1 + |x|)`` as its radius."""
    level = min(precision.level, 2)  # the ladder's last extension (sd_horizons), so the run is shared
    coarse, fine, note = steepest_run(inst, level)
    eps = float(np.finfo(float).eps)
    horizons = tuple(float(H) for H in sd_horizons(level))
    values = {"gamma_bar": tuple(Enclosure.estimate(b, abs(a - b) + 8 * eps * (1 + abs(b)), note) for a, b in zip(coarse, fine)),
              "H": tuple(Enclosure.estimate(H, 8 * eps * H, "the rung") for H in horizons)}
    return Ladder(horizons, values, "H = s/κ² (loss-normalised time in units of the condition)", note)


@system_family(_sd_limit_quantities())
def steepest_limits(max_condition: int = SD_MAX_CONDITION) -> System:
    """Linear classifiers ``⟨w, x⟩`` (``K = 1``) on planted data scaled to ``A = max_n‖a_n‖_* = 1``,
    exponential loss, trained by ℓ₁ (coordinate) or ℓ∞ (sign) steepest descent in loss-normalised
    time (the flow's path, ``ds = ℒ dt``; step ``h`` = :data:`SD_STEP`) on the horizons
    :func:`sd_horizons` ``H = s/κ²`` (4 … 128, two per octave; to 256 and 512 on escalation).  For ``K = 1`` the problem
    ``min ‖w‖_p s.t. q_n ≥ 1`` is convex, its generalised KKT points are its minimisers, and the
    claim says ``γ̄_p → γ⋆_p``, the exact LP value (:func:`checker.maxmargin.max_margin`).  Data with a
    condition ``κ = A/γ⋆_p > max_condition`` are out of scope (the steps needed grow like ``κ²``)."""

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        return {"gamma_star": Enclosure.exact(1 / _condition(inst), "exact LP (vertex enumeration)")}

    def scope(inst: dict, precision: Precision) -> str | None:
        reason = _scope("linear classifiers only", ("linear",), True)(inst, precision)
        if reason is None and _condition(inst) > max_condition:
            return (f"condition κ = A/γ⋆ = {float(_condition(inst)):.3g} > {max_condition}: the ladder would need "
                    f"{max(_steps(inst))} steps")
        return reason

    return System("steepest_limits", "sign / coordinate descent of linear classifiers in loss-normalised time: γ̄_p along a ladder",
                  _sd_limit_quantities(), instances(("linear",), ("exp",), ("l1", "linf"), points=(2, 5), cases=SD_CASES, tau=Fraction(8),
                                                      random_theta=False).map(_normalised_data),
                  measure, scope,
                  ("linear classifier (K = 1) on separable data scaled to A = 1, ℒ(w₀) < ℓ(0) certified in balls",
                   "exponential loss", f"condition κ = A/γ⋆_p ≤ {max_condition}",
                   f"the flow followed by its Euler steps in loss-normalised time, step h = {SD_STEP} (and h/2 as the check)"),
                  {"max_condition": max_condition}, trajectory=steepest_trajectory,
                  trajectory_quantities=_sd_trajectory_quantities(), features=features, dynamical=True)


# ------------------------------------------------------------------------------ closed-form limits (mutations)


def _closed_quantities() -> dict:
    return {q.name: q for q in (
        quantity("gamma_bar_limit_l1", "ℓ₁ normalised margin of the closed-form limit direction", r"\bar\gamma_{\ell_1}(\hat w_\infty)", "exact"),
        quantity("gamma_bar_limit_linf", "ℓ∞ normalised margin of the closed-form limit direction",
                 r"\bar\gamma_{\ell_\infty}(\hat w_\infty)", "exact"),
        quantity("gamma_star_l1", "exact maximum ℓ₁ margin (LP)", r"\gamma^\star_{\ell_1}", "exact"),
        quantity("gamma_star_linf", "exact maximum ℓ∞ margin (LP)", r"\gamma^\star_{\ell_\infty}", "exact"),
    )}


@system_family(_closed_quantities())
def closed_form_limits(rule: str) -> System:
    """Linear classifiers whose training path is solvable, so the limit direction is exact:

    * ``rule="linf"`` (sign flow/descent): every ``a_n = y_nx_n`` in one open orthant ``σ``.  Then
      ``∇ℒ = −Σ_n g(q_n)a_n`` has sign ``−σ`` for ever, so ``w(t) = w₀ + s(t)σ`` with ``ṡ = ‖∇ℒ‖₁ > 0``
      and ``s → ∞`` (the margins grow like ``s``): the limit direction is ``σ``.
    * ``rule="sgd"``: one training point, where SGD is gradient descent and every step adds
      ``ηg(q_k)a``: ``w_k = w₀ + c_ka`` with ``c_k → ∞``: the limit direction is ``a``.

    Margins of the limit and the maximum margins (exact LPs) are exact rationals."""

    @st.composite
    def draw(dr: Any) -> dict:
        d = dr(st.integers(2, 3))
        n = 1 if rule == "sgd" else dr(st.integers(1, 4))
        sigma = [dr(st.sampled_from((1, -1))) for _ in range(d)]
        pos = rationals(nonzero=True).map(lambda c: abs(Fraction(c)))
        X, y = [], []
        for _ in range(n):
            label = dr(st.sampled_from((1, -1)))
            X.append([rational_str(label * s * dr(pos)) for s in sigma])
            y.append(label)
        w0 = [s + Fraction(c) / 10 for s, c in zip(sigma, dr(vectors(d)))]  # near σ: classifies every point
        inst = {"arch": "linear", "loss": dr(st.sampled_from(LOSSES)), "X": X, "y": y, "rule": rule}
        inst["theta"] = exact_strings(scaled_below_threshold(problem({**inst, "theta": w0}), w0))
        return inst

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        rows = _rows([[Fraction(c) for c in x] for x in inst["X"]], inst["y"])
        limit = [fmpq(1 if c > 0 else -1) for c in rows[0]] if rule == "linf" else list(rows[0])
        margin = min(sum((a * b for a, b in zip(r, limit)), fmpq(0)) for r in rows)
        out = {}
        for p in ("l1", "linf"):
            out[f"gamma_bar_limit_{p}"] = Enclosure.exact(margin / norm(limit, p), "closed-form limit direction, exact")
            out[f"gamma_star_{p}"] = Enclosure.exact(max_margin(rows, p)[0], "exact LP (vertex enumeration)")
        return out

    def scope(inst: dict, precision: Precision) -> str | None:
        P = problem(inst)
        return P.scope(theta_of(inst), precision.bits)

    return System(f"closed_form_limits({rule})",
                  "linear classifiers with an exactly solvable path: "
                  + ("sign flow on data in one orthant (limit σ)" if rule == "linf" else "SGD on one point (limit a)"),
                  _closed_quantities(), draw(), measure, scope,
                  ("linear classifier, ℒ(w₀) < ℓ(0) certified in balls",
                   "every y_nx_n in one open orthant" if rule == "linf" else "one training point"), {"rule": rule})


# ------------------------------------------------------------------------------ CONJ-SGD


def _sgd_point_quantities() -> dict:
    return {q.name: q for q in (
        quantity("gamma_tilde", "smoothed margin γ̃ = ℓ⁻¹(ℒ)/‖θ‖₂^K at θ", r"\tilde\gamma"),
        quantity("gamma_tilde_step", "γ̃ after one SGD step θ − η∇ℓ_n(θ) on the drawn sample n (balls)",
                 r"\tilde\gamma(\theta - \eta\nabla\ell_n)"),
        quantity("eta", "the SGD step η (moves θ by 2^{-k} of its norm, k = 3..12)", r"\eta", "exact"),
        quantity("drift", "(1/m)Σ_n d/dt γ̃ along θ̇ = −∇ℓ_n: the first-order expected change of γ̃ per unit step",
                 r"\tfrac{1}{m}\sum_n \tfrac{d}{dt}\tilde\gamma\big|_{-\nabla\ell_n}"),
    )}


def _sgd_eta(P: Classification, theta: np.ndarray, n: int, ratio: Fraction) -> fmpq:
    """A rational ``η ≈ ratio·‖θ‖/‖∇ℓ_n(θ)‖`` (a step moving ``θ`` by ``ratio`` of its norm)."""
    g = [float(c.mid()) for c in P.sample_gradient(theta, [n], 64)]
    size = math.sqrt(sum(c * c for c in g))
    rho = math.sqrt(sum(float(c) ** 2 for c in theta))
    eta = Fraction(float(ratio) * rho / size).limit_denominator(10 ** 12) if size > 0 else Fraction(1)
    return rational(eta if eta > 0 else Fraction(1, 10 ** 12))


@system_family(_sgd_point_quantities())
def sgd_points(archs: tuple[str, ...] = HOMOGENEOUS) -> System:
    """Generated points ``θ`` of homogeneous classifiers with ``ℒ(θ) < ℓ(0)`` (late stage), each with
    a drawn sample ``n`` and a small step ``η``: one exact-data SGD step ``θ − η∇ℓ_n(θ)`` in balls
    (:meth:`checker.classification.Classification.sample_gradient`), and the mean over samples of
    the rates of ``γ̃`` along ``−∇ℓ_n`` (:meth:`checker.classification.MarginState.smoothed_margin_rate`)."""

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        P, theta = problem(inst), theta_of(inst)
        bits = precision.bits + gap_bits(P.margins(theta))
        note = f"arb balls at {bits} bits from exact data and weights"
        state = P.state(theta, bits)
        n, eta = inst["sample"], _sgd_eta(P, theta, inst["sample"], Fraction(inst["step_ratio"]))
        out = {"eta": Enclosure.exact(eta), "gamma_tilde": Enclosure.ball(state.smoothed_margin("l2"), note)}
        with working_precision(bits):
            if "drift" in names:
                rates = [state.smoothed_margin_rate(-P.sample_gradient(theta, [k], bits), "l2") for k in range(P.samples)]
                out["drift"] = Enclosure.ball(sum(rates, arb(0)) / P.samples, note)
            if "gamma_tilde_step" in names:
                stepped = theta - eta * P.sample_gradient(theta, [n], bits)
                try:
                    out["gamma_tilde_step"] = Enclosure.ball(P.state(stepped, bits).smoothed_margin("l2"), note)
                except ArithmeticError as exc:  # a kink of the stepped point undecided at this precision
                    out.update(_undecided(frozenset({"gamma_tilde_step"}), exc))
        return out

    return System(f"sgd_points({'+'.join(archs)})", "exact points θ with ℒ(θ) < ℓ(0) and one small SGD step, in balls",
                  _sgd_point_quantities(), instances(archs, LOSSES, step=True), measure,
                  _scope("homogeneous architectures only", archs, True),
                  ("every point classified correctly and ℒ(θ) < ℓ(0), certified in balls (the late stage)",
                   "Φ positively K-homogeneous", "exp or logistic loss; one sample per step"),
                  {"archs": archs}, features=features)


def sgd_ladder(level: int = 0) -> tuple[int, ...]:
    """``16·√2^j`` steps up to 256, and one octave more (512) at escalation level 1: a constant step's late stage
    moves the direction by O(1/log k) per decade, so longer ladders cost more than they can show."""
    return tuple(int(round(16 * 2 ** (j / 2))) for j in range(9 + 2 * level))


def sgd_step(inst: dict) -> fmpq:
    """The constant step ``η = 1/(2L₀)``, ``L₀ = max_n‖∇q_n(θ₀)‖²`` (exact): with ``ℓ_n ≤ ℒ < 1`` the
    sample losses' curvature along their gradients is ``ℓ_n‖∇q_n‖²`` at ``θ₀``, so a step moves no
    sample's margin by more than about 1/2 at the start (a step from the data, not a tuned one)."""
    P = problem(inst)
    return 1 / (2 * max(sum((c * c for c in g), fmpq(0)) for g in P.margin_gradients(theta_of(inst))))


def _sgd_trajectory_quantities() -> dict:
    return {q.name: q for q in (
        quantity("k", "SGD steps taken (the ladder's horizon H)", "k", "estimate"),
        quantity("kkt", "(ε, δ)-KKT residual of min ½‖θ‖² s.t. q_n ≥ 1 at θ_k (checker.svm.kkt_residual): 0 exactly at "
                 "critical points of γ̄ on the sphere", r"\mathrm{kkt}(\theta_k)", "estimate"),
        quantity("gamma_bar", "normalised margin γ̄ = q_min/‖θ_k‖^K", r"\bar\gamma(\theta_k)", "estimate"),
    )}


@shared(maxsize=512)
def sgd_run(inst: dict, level: int = 0) -> tuple[list[float], list[float], list[float], str]:
    """Constant-step SGD ``θ_{k+1} = θ_k − η∇ℓ_{n_k}(θ_k)`` (:func:`checker.dynamics.sgd`, seed 0, one
    sample per step: replayable) from ``θ₀`` on the float objective, recorded on :func:`sgd_ladder`
    (:func:`checker.integrators.iterate`, float64 shadowed in extended precision); the KKT residual
    (and its change under a perturbation of θ of the iterate's error size), and ``γ̄``, per rung."""
    P = problem(inst)
    theta0 = np.array([float(c) for c in theta_of(inst)])
    sol = iterate(sgd(float(sgd_step(inst)), seed=0), P.float_objective(), theta0, sgd_ladder(level))
    clf = Classifier(P.net, P.X.astype(float), P.y.astype(float), P.loss)
    kkt, moved, gbar = [], [], []
    for theta, err in zip(sol.thetas, sol.error):
        piece = clf.piece_at(theta)
        kkt.append(kkt_residual(clf, theta, piece, P.K))
        moved.append(kkt_residual(clf, theta + err * np.sign(theta), piece, P.K))
        gbar.append(float(clf.margins(theta).min() / np.linalg.norm(theta) ** P.K))
    return kkt, moved, gbar, sol.describe()


def sgd_trajectory(inst: dict, precision: Precision, names: frozenset[str]) -> Ladder:
    """The ladder of :func:`sgd_run`: each rung's residual with the residual's change under the
    iterate's error as its radius, plus rounding ``8ε(1 + |x|)``."""
    level = min(precision.level, 1)  # the ladder's last extension (sgd_ladder), so the run is shared
    kkt, moved, gbar, note = sgd_run(inst, level)
    ladder = sgd_ladder(level)
    eps = float(np.finfo(float).eps)
    values = {"kkt": tuple(Enclosure.estimate(a, abs(a - b) + 8 * eps * (1 + a), note) for a, b in zip(kkt, moved)),
              "gamma_bar": tuple(Enclosure.estimate(g, 8 * eps * (1 + abs(g)), note) for g in gbar),
              "k": tuple(Enclosure.exact(k) for k in ladder)}
    return Ladder(tuple(float(k) for k in ladder), values, "SGD steps k", note)


@system_family({})
def sgd_limits(archs: tuple[str, ...] = ("linear", "relu")) -> System:
    """Late-stage constant-step SGD (step ``η`` = :func:`sgd_step`, one sample per step, seed 0) of
    homogeneous classifiers from ``θ₀`` with ``ℒ(θ₀) < ℓ(0)``, on the ladder :func:`sgd_ladder` of step
    counts; trajectory quantities ``kkt`` (sphere criticality of ``γ̄``) and ``gamma_bar``."""
    return System(f"sgd_limits({'+'.join(archs)})", "constant-step SGD on a ladder of step counts, float64 shadowed",
                  {}, instances(archs, ("exp",), points=(2, 4)), lambda inst, prec, names: {},
                  _scope("the architectures of the SGD runs", archs, True),
                  ("every point classified correctly and ℒ(θ₀) < ℓ(0), certified in balls (positive normalised margin)",
                   "Φ positively K-homogeneous", "constant step η = 1/(2 max_n‖∇q_n(θ₀)‖²), one sample per step"),
                  {"archs": archs}, trajectory=sgd_trajectory, trajectory_quantities=_sgd_trajectory_quantities(),
                  features=features, dynamical=True)


# ------------------------------------------------------------------------------ CONJ-NH


def _nh_quantities() -> dict:
    return {q.name: q for q in (
        quantity("K", "top degree of the near-homogeneous network", "K", "exact"),
        quantity("dlog_gamma_tilde", "d/dt log γ̃ along gradient flow, γ̃ = ℓ⁻¹(ℒ)/‖θ‖₂^K with K the top degree",
                 r"\tfrac{d}{dt}\log\tilde\gamma"),
        quantity("slack", "max(v, 0)·Σ_n g(q_n) max(r_n, 0)/(g(z)·z·ρ): v = ⟨θ̂, −∇ℒ⟩, r_n = Kq_n − ⟨θ, ∇q_n⟩ the "
                 "Euler defects (0 for homogeneous nets)", r"\sigma_{\mathrm{NH}}"),
        quantity("defect", "max_n |r_n|/q_n, the relative Euler defect (exact)", r"\max_n |r_n|/q_n", "exact"),
    )}


@system_family(_nh_quantities())
def near_points(archs: tuple[str, ...] = NEAR_HOMOGENEOUS, threshold: str = "1", points: tuple[int, int] = (1, 3)) -> System:
    """Generated points ``θ`` of near-homogeneous classifiers (an MLP with hidden and output biases;
    a linear residual block with a readout; a ReLU net plus a linear term) with ``ℒ(θ) < threshold·ℓ(0)`` (``threshold`` = 1 by
    default: the derived inequality needs only ``ℒ < ℓ(0)``; Cai et al.'s threshold set by the
    non-homogeneity is [unconfirmed — a parameter]).  ``K`` is the top degree (``net.degree``;
    [unconfirmed — the normalisation of the paper's margin]).  Rates along gradient flow in balls."""
    factor = rational(threshold)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        P, theta = problem(inst), theta_of(inst)
        q = P.margins(theta)
        bits = precision.bits + gap_bits(q)
        note = f"arb balls at {bits} bits from exact data and weights"
        state = P.state(theta, bits)
        r = P.euler_defects(theta)
        with working_precision(bits):
            rho = arb(sum((c * c for c in theta), fmpq(0))).sqrt()
            v = -sum((g * c for g, c in zip(state.grad, theta)), arb(0)) / rho
            gz = P.loss.ball_g(state.z) * state.z
            push = sum((P.loss.ball_g(qn) * max(rn, fmpq(0)) for qn, rn in zip(q, r)), arb(0))
            slack = arb.max(v, arb(0)) * push / (gz * rho)
            rate = state.log_smoothed_margin_rate(-state.grad, "l2")
        return {"K": Enclosure.exact(P.K), "dlog_gamma_tilde": Enclosure.ball(rate, note),
                "slack": Enclosure.ball(slack, note),
                "defect": Enclosure.exact(max(abs(rn) / qn for rn, qn in zip(r, q)))}

    def scope(inst: dict, precision: Precision) -> str | None:
        reason = _scope("near-homogeneous architectures only", archs, False)(inst, precision)
        if reason is not None or factor == 1:
            return reason
        P = problem(inst)
        with working_precision(precision.bits):
            if P.total(P.margins(theta_of(inst))) < factor * P.loss.ball_ell0():
                return None
        return f"ℒ(θ) not certified below {threshold}·ℓ(0) (the risk threshold parameter)"

    return System(f"near_points({'+'.join(archs)}; threshold {threshold})",
                  "exact points θ of near-homogeneous classifiers with ℒ(θ) below the threshold; GF rates in balls",
                  _nh_quantities(), instances(archs, LOSSES, points=points), measure, scope,
                  ("every point classified correctly and ℒ(θ) < threshold·ℓ(0), certified in balls",
                   "Φ near-homogeneous: a homogeneous top-degree part K plus lower-degree terms (net.degree)",
                   "gradient flow; exponential-type loss"),
                  {"archs": archs, "threshold": threshold, "points": points}, features=features)


# ------------------------------------------------------------------------------ figures

FIGURE_INSTANCE = {"arch": "linear", "loss": "exp", "X": [["1", "1"], ["1", "1/2"], ["-1", "-1/3"], ["-1/2", "-1"]],
                   "y": [1, 1, -1, -1], "theta": ["4", "2"]}


def figure_steepest_margins(path: Path) -> str:
    """γ̄_p along ℓ₁ and ℓ∞ steepest descent of a linear classifier, against the exact γ⋆_p (CONJ-SD-KKT)."""
    fig, ax = axes()
    lines = []
    for p, style in (("l1", "-"), ("linf", "--")):
        inst = _normalised_data({**FIGURE_INSTANCE, "norm": p})
        coarse, fine, _ = steepest_run(inst)
        gamma = float(max_margin(problem(inst).X * problem(inst).y, p)[0])
        s = [float(H) for H in SD_HORIZONS]
        ax.loglog(s, [max(gamma - x, 1e-16) for x in fine], style, label=f"{p}: γ⋆ − γ̄ (step h/2)")
        ax.loglog(s, [max(abs(a - b), 1e-16) for a, b in zip(coarse, fine)], style, alpha=0.5, label=f"{p}: |h − h/2| error")
        lines.append(f"{p}: γ⋆ = {gamma:.6g}, γ̄(s = {s[-1]:g}) = {fine[-1]:.6g}")
    ax.set_xlabel("H = s/κ² (loss-normalised time in units of the condition)")
    ax.set_ylabel("margin deficit")
    ax.legend(fontsize=7)
    save(fig, path)
    return ("Deficit of the normalised margin in the algorithm's own norm along coordinate (ℓ₁) and sign (ℓ∞) descent "
            "of a linear classifier on 4 points, against the exact LP maximum margin, with the step-halving error: "
            "it decays like 1/s (the rate form of CONJ-SD-KKT). " + "; ".join(lines) + ".")


# ------------------------------------------------------------------------------ statements

SD_PROOF = ("Derived (proof sketch): along θ̇ = v = ‖∇ℒ‖_*u, ⟨∇ℒ, v⟩ = −‖∇ℒ‖_*² for every selection u, and "
            "D⁺‖θ‖[v] ≤ ‖v‖ = ‖∇ℒ‖_* (a norm is 1-Lipschitz), so d/dt log γ̃ ≥ ‖∇ℒ‖_*(‖∇ℒ‖_*/(g(z)z) − K/‖θ‖); "
            "and ‖∇ℒ‖_*‖θ‖ ≥ ⟨θ, −∇ℒ⟩ = KΣ_n g(q_n)q_n ≥ Kg(z)z by Euler's identity and LL-M, so the bracket is ≥ 0.")

theorem(
    "CONJ-SD", title="Steepest descent: the smoothed margin in the algorithm's own norm never decreases (ℓ₁, ℓ₂, ℓ∞)",
    source=f"{SOURCE_SD}, Claim 1 (abstract: the algorithm-dependent smoothed margin is non-decreasing after perfect "
           "accuracy); THEOREMS.md §4 CONJ-SD",
    system=steepest_points(), conclusion="dgamma_tilde >= 0",
    notes="Class (b), pointwise: at every generated θ with ℒ(θ) < ℓ(0) and a drawn rule norm p ∈ {ℓ₁, ℓ₂, ℓ∞}, "
          "d/dt γ̃_p along the p-steepest-descent flow, with one-sided derivatives of the norm on its kinks (a zero "
          "coordinate for ℓ₁, tied largest coordinates for ℓ∞: the norm_kink case). " + SD_PROOF + " So the claim "
          "holds for every selection of the flow's differential inclusion; the checker evaluates the selection of "
          "checker.dynamics.steepest_direction, certified in balls (signs of ∇ℒ and the largest |∂_iℒ| decided, "
          "exact zeros and ties by exact arithmetic). ℓ₂ is LL-T4.1.",
)
theorem(
    "MUT-CONJ-SD-l2-sign", title="(mutation) the ℓ₂ smoothed margin never decreases along sign (ℓ∞) flow",
    source=f"mutation of CONJ-SD ({SOURCE_SD}: the margin is algorithm-dependent)",
    system=steepest_points(rule="linf", margin="l2", archs=("linear", "deep_linear"), points=(1, 2)),
    conclusion="dgamma_tilde >= 0", expect="fails",
    notes="The same rates with the margin measured in ℓ₂ while the rule is sign flow. For a linear model on one point "
          "a = yx it reads ‖a‖₁‖w‖₂² ≥ ⟨w, a⟩⟨w, sign a⟩, false for w between sign(a) and a (e.g. a = (1, 3), "
          "w = (1, 2)); the search finds such points itself (the `late` case draws θ near the ℓ∞ max-margin "
          "direction, where sign flow goes; linear and deep linear nets on one or two points, where the violations are "
          "common — on wider families they are rarer, and the claim is no less false). The witness is a certified "
          "ball of the wrong sign (class b).",
)
theorem(
    "CONJ-SD-KKT", title="Steepest descent of linear classifiers: γ̄_p → γ⋆_p, the maximum margin in the algorithm's norm",
    source=f"{SOURCE_SD}, Claim 2 (limit directions are generalised KKT points of min ‖θ‖ s.t. q_n ≥ 1; for K = 1 the "
           "problem is convex, so they are its minimisers); THEOREMS.md §4 CONJ-SD",
    system=steepest_limits(), conclusion="limit(gamma_bar, 1/H) == gamma_star",
    notes="Class (c), a limit along a trajectory. Linear classifiers (K = 1), exponential loss, ℓ₁ (coordinate) and "
          "ℓ∞ (sign) steepest descent followed in loss-normalised time s (ds = ℒ dt, the flow's own path) by Euler "
          f"steps h = {SD_STEP} on ∇ℒ/ℒ (data scaled so that A = max_n‖y_nx_n‖_* = 1, hence hA² ≤ 1/2: a step moves no "
          "margin by more than 1/2), on the ladder H = s/κ² = 4 … 128 (11 rungs, two per octave; 256 and 512 on escalation; κ = A/γ⋆_p ≤ 3, "
          "beyond which the steps needed, growing like κ², are out of scope); each rung's γ̄_p is "
          "the h/2 run's with the difference to the h run as its radius (the discretisation error). γ⋆_p is exact "
          "(checker.maxmargin: the LP by vertex enumeration). Rate form 1/H, derived for the flow: with G = "
          "‖∇ℒ/ℒ‖_* ≥ γ⋆_p (minimax), d(−log ℒ)/ds = G² and d‖w‖_p/ds ≤ G give γ⋆_p ≥ γ̄_p ≥ γ̃_p ≥ γ⋆_p − O(1/s). "
          "What the horizon shows: the extrapolated limit agrees with γ⋆_p within an error that shrinks along the "
          "ladder (passed), or the ladder is not decided (inconclusive); a finite horizon never refutes. The ℓ₂ case "
          "is LL-T4.4/JT-LIN. For deep networks (K ≥ 2) the generalised KKT condition is not checked here.",
    figures=(figure_steepest_margins,),
)
theorem(
    "CONJ-SD-KKT-ORTHANT", title="Sign flow on data in one orthant: the exact limit direction attains γ⋆_∞",
    source=f"{SOURCE_SD}, Claim 2 for ℓ∞, on an exactly solvable family (derived)",
    system=closed_form_limits("linf"), conclusion="gamma_bar_limit_linf == gamma_star_linf",
    witness_family="linear classifiers on data with every y_nx_n in one open orthant (sign flow's path is w₀ + s(t)σ)",
    notes="Exact (class a) on a solvable family: the sign of ∇ℒ never changes, the path is w₀ + s(t)σ with s → ∞, so "
          "the limit direction is σ; its ℓ∞ margin min_n‖a_n‖₁ is compared with the exact LP value.",
)
theorem(
    "MUT-CONJ-SD-KKT-l1", title="(mutation) sign-flow limit directions maximise the ℓ₁ margin",
    source="mutation of CONJ-SD-KKT (the KKT problem in another norm than the algorithm's)",
    system=closed_form_limits("linf"), conclusion="gamma_bar_limit_l1 == gamma_star_l1", expect="fails",
    witness_family="linear classifiers on data with every y_nx_n in one open orthant (sign flow's path is w₀ + s(t)σ)",
    notes="The witness is a closed form, which no horizon can fake: the sign flow's limit direction σ has ℓ₁ margin "
          "min_n‖a_n‖₁/d, below the exact LP maximum ℓ₁ margin unless the data say otherwise (exact rationals).",
)
theorem(
    "CONJ-SGD", title="Late-stage SGD: the normalised iterates approach the critical set of γ̄ (KKT residual → 0)",
    source=f"{SOURCE_SGD}, main result (abstract: normalised SGD iterates converge to the critical points of the "
           "normalised margin); THEOREMS.md §4 CONJ-SGD",
    system=sgd_limits(), conclusion="limit(kkt) == 0",
    notes="Class (c). Constant-step SGD (η = 1/(2 max_n‖∇q_n(θ₀)‖²), one sample per step, checker.dynamics.sgd with seed 0: every "
          "step replays alone) of linear and two-layer ReLU classifiers from θ₀ with ℒ(θ₀) < ℓ(0) (positive "
          "normalised margin), exponential loss, on the ladder k = 16 … 256 steps (512 on escalation); the residual is Lyu–Li's "
          "(ε, δ)-KKT residual of min ½‖θ‖² s.t. q_n ≥ 1 (checker.svm.kkt_residual; its zeros along θ are the "
          "critical points of γ̄ on the sphere), each rung's radius its change under a perturbation of θ of the "
          "iterate's float error size. What the horizon shows, plainly: with a constant step on the exponential loss "
          "the steps shrink like ℒ, ‖θ_k‖ grows like log k and the direction moves by O(1/log k) per decade, so a "
          "few hundred steps rarely settle a limit: the honest verdict is mostly inconclusive (ladder not converging), "
          "never refuted by a finite horizon.",
)
theorem(
    "CONJ-SGD-DRIFT", title="SGD's mean drift increases the smoothed margin: (1/m)Σ_n d/dt γ̃ along −∇ℓ_n ≥ 0",
    source=f"{SOURCE_SGD} (the normalised iterates follow the conservative field of the normalised margin); derived "
           "from Lyu & Li, ICLR 2020, arXiv:1906.05890, Thm 4.1",
    system=sgd_points(), conclusion="drift >= 0",
    notes="Class (b), pointwise: the expected first-order change of γ̃ in one SGD step with a uniformly drawn sample is "
          "η·drift, and drift = (1/m)·d/dt γ̃ along gradient flow ≥ 0 (LL-T4.1: the rate is linear in the velocity), "
          "certified in balls at every generated late-stage point. Individual steps do not share it (the mutation).",
)
theorem(
    "MUT-CONJ-SGD-step", title="(mutation) every small SGD step increases the smoothed margin",
    source="mutation of CONJ-SGD / CONJ-SGD-DRIFT (one sample's step in place of the mean drift)",
    system=sgd_points(("linear", "deep_linear")), conclusion="gamma_tilde_step >= gamma_tilde", expect="fails",
    notes="One exact-data SGD step θ − η∇ℓ_n(θ) with a small rational η (moving θ by 2^{-k} of its norm, k = 3..12) "
          "at a late-stage point, γ̃ before and after in balls: a sample other than the binding one pushes θ where the "
          "smoothed margin decreases (to first order the sign is that of ⟨Σ_m π_m∇q_m, ∇q_n⟩/z − K²q_n/ρ², π the "
          "loss weights: negative for a well-classified point nearly orthogonal to the binding ones). Drawn on "
          "linear and deep linear classifiers, whose data directions vary most; the witness is a certified ball "
          "of the wrong sign.",
)
theorem(
    "MUT-CONJ-SGD-linf", title="(mutation) SGD limit directions are critical for the ℓ∞ normalised margin",
    source="mutation of CONJ-SGD (the sphere of another norm)",
    system=closed_form_limits("sgd"), conclusion="gamma_bar_limit_linf == gamma_star_linf", expect="fails",
    witness_family="linear classifiers on one training point (SGD is GD; w_k = w₀ + c_k a, limit direction a)",
    notes="The witness is a closed form: on one point a = yx, w_k = w₀ + c_ka with c_k → ∞, so the limit direction is "
          "a, whose ℓ∞ margin ‖a‖₂²/‖a‖_∞ is below the maximum ℓ∞ margin ‖a‖₁ unless every |a_i| is equal (exact).",
)
theorem(
    "CONJ-NH", title="Near-homogeneous networks: d/dt log γ̃ ≥ −σ_NH, a slack set by the Euler defects",
    source=f"{SOURCE_NH}, Claim 1 (abstract: a normalised margin increases nearly monotonically below a risk "
           "threshold); the inequality derived here (THEOREMS.md §4 CONJ-NH)",
    system=near_points(), conclusion="dlog_gamma_tilde >= -slack",
    notes="Class (b), pointwise along gradient flow, K the top degree. Derived (proof sketch): with v = ⟨θ̂, −∇ℒ⟩ and "
          "the Euler defects r_n = Kq_n − ⟨θ, ∇q_n⟩, vρ = KΣ g(q_n)q_n − Σ g(q_n)r_n; d/dt log γ̃ = ‖∇ℒ‖²/(g(z)z) − "
          "Kv/ρ ≥ v(v − Kg(z)z/ρ)/(g(z)z), which is ≥ 0 when v ≤ 0 and, by LL-M, ≥ −vΣ g(q_n)r_n⁺/(g(z)zρ) when "
          "v > 0. For near-homogeneous nets r_n = O(ρ^{K−1}) while q_n ~ ρ^K, so the slack is O(d/dt log ρ/ρ) and "
          "integrates to a finite total: 'nearly monotone'. The paper's threshold and margin normalisation are "
          "parameters (threshold, default 1·ℓ(0); K = top degree), default unconfirmed. *Does not discriminate "
          "(twins):* the slack bounds the decrease, and the bound is attained only where θ ∥ −∇ℒ with one point "
          "carrying ℒ and r_n ≥ 0 (equality in Cauchy–Schwarz and in LL-M) — an equality of transcendental numbers, "
          "which balls cannot certify, so the drawn instances keep away from it and the ×(1 ± 1/100) twins of the "
          "slack pass; MUT-CONJ-NH-exact (slack 0) shows that the slack is needed.",
)
theorem(
    "MUT-CONJ-NH-exact", title="(mutation) the smoothed margin of a near-homogeneous network is exactly monotone",
    source="mutation of CONJ-NH (the homogeneous LL-T4.1 applied without homogeneity, THEOREMS.md §2 (ii))",
    system=near_points(("relu_bias",), points=(1, 2)), conclusion="dlog_gamma_tilde >= 0", expect="fails",
    notes="LL-T4.1's conclusion for a network with biases or a residual connection, just below ℒ = ℓ(0).  On one point "
          "with exp loss it reads ‖∇q‖²/q ≥ K(Kq − r)/ρ², which fails when the output bias carries much of the margin: "
          "the search found a two-unit ReLU net with biases on x = (0, 3/4), v = ±(0, 3/8), a = ±1/2, output bias 1 "
          "(d/dt log γ̃ = −0.048); the mutation is drawn on ReLU nets with biases on one or two points, where an output bias "
          "can carry the margin (on the residual and f₂ + ½f₁ families the quick search finds no violation). "
          "The search draws output biases that carry part of the margin; the witness is a certified ball of the "
          "wrong sign. Far beyond the threshold the top degree dominates and the slack vanishes, as the paper says.",
)
