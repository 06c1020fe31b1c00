"""CONJ-SD systems: pointwise rates along ℓ₁/ℓ₂/ℓ∞ steepest-descent flow, discrete steepest descent on linear classifiers against the exact LP maximum margin, and the closed-form limits behind the mutations."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, fmpq
from hypothesis import strategies as st

from checker import Enclosure, Precision, System, system_family
from checker.arith import rational, rational_str, working_precision
from checker.cache import shared
from checker.classification import NormalisedObjective, exact_strings, gap_bits, norm, scaled_below_threshold
from checker.dynamics import NORMS, steepest_descent
from checker.integrators import iterate
from checker.limits import Ladder
from checker.maxmargin import max_margin
from checker.quantities import quantity
from checker.strategies import rationals, vectors

from .instances import (HOMOGENEOUS, LOSSES, NORM_TEX, label_rows, requirement_scope, undecided_values, features,
                        instances, problem, theta_of)

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
            return {"K": Enclosure.exact(P.K), **undecided_values(names - {"K"}, exc)}
        out = {"K": Enclosure.exact(P.K), **{k: Enclosure.ball(v, note) for k, v in values.items()}}
        if state.one_point_log_rate(p, m) == 0:  # one point: the rate is g(q)·β with β rational, here exactly 0
            zero = "exactly 0: one point, d/dt log γ̃ = g(q)·β with β = 0 in rationals"
            out["dgamma_tilde"] = out["dlog_gamma_tilde"] = Enclosure.exact(0, zero)
        return out

    label = f"steepest_points(rule {rule or 'drawn'}; margin {margin or 'the rule’s norm'})"
    return System(label, "exact points θ with ℒ(θ) < ℓ(0); margins and their rates along the steepest-descent flow, in balls",
                  _sd_quantities(rule, margin), instances(archs, LOSSES, norms, points), measure,
                  requirement_scope("homogeneous architectures only", archs, True),
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


def normalised_data(inst: dict) -> dict:
    """The instance with its data scaled by ``1/A`` and ``w₀`` by ``A`` (every margin unchanged),
    ``A = max_n‖y_nx_n‖_*`` in the dual of the rule's norm (exact: ``‖·‖_∞`` or ``‖·‖₁`` of
    rationals); the claim is invariant under scaling the data."""
    rows = label_rows([[Fraction(c) for c in x] for x in inst["X"]], inst["y"])
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
        reason = requirement_scope("linear classifiers only", ("linear",), True)(inst, precision)
        if reason is None and _condition(inst) > max_condition:
            return (f"condition κ = A/γ⋆ = {float(_condition(inst)):.3g} > {max_condition}: the ladder would need "
                    f"{max(_steps(inst))} steps")
        return reason

    return System("steepest_limits", "sign / coordinate descent of linear classifiers in loss-normalised time: γ̄_p along a ladder",
                  _sd_limit_quantities(), instances(("linear",), ("exp",), ("l1", "linf"), points=(2, 5), cases=SD_CASES, tau=Fraction(8),
                                                      random_theta=False).map(normalised_data),
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
        rows = label_rows([[Fraction(c) for c in x] for x in inst["X"]], inst["y"])
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
