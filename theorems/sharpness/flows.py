"""Marion & Chizat, the dynamical systems: gradient flow from small and residual initialisations and
gradient descent on deep linear regression, run to a neighbourhood of the minimiser set, with the
limit quantities measured on each run and their error budgets (see the package docstring)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from flint import fmpq
from hypothesis import assume
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker import linear as lin
from checker.arith import rational, rational_array, to_jsonable, working_precision
from checker.cache import shared
from checker.exact import ball, enclosure, floats, rational_unit_vector
from checker.quantities import quantity
from checker.regression import Regression, regression
from checker.sharpness import sharpness_balanced, sharpness_float, smin_enclosure
from checker.spectra import misalignment, second_singular_value, sin_angle, singular
from checker.strategies import vectors

from .minimisers import MINIMISER_QUANTITIES, Number, Range, data_features, measured, regression_data, step_size

# ============================================================================ systems: gradient flow and descent

FLOW_ENTRIES = (3, 3)  # data entries p/q with |p|, q ≤ 3 for the dynamical systems
MAX_CONDITION = 100.0


FLOW_QUANTITIES = {
    **{k: MINIMISER_QUANTITIES[k] for k in ("L", "d", "n", "lam", "Lambda", "a", "wnorm")},
    "width": quantity("width", 'narrowest hidden width',
                   r"m_{\min}", "exact"),
    "S": quantity("S", 'sharpness of the GF limit: (H) at the end of the run + Weyl budget of the residual term + integration and tail estimates',
                   r"S", "estimate"),
    "S_bal": quantity("S_bal", 'sharpness of the balanced aligned rank-one minimiser (exact or certified)',
                   r"S_{\mathrm{bal}}", "ball"),
    "S_min": quantity("S_min", 'minimal sharpness over global minimisers (exact or certified)',
                   r"S_{\min}", "ball"),
    "dist": quantity("dist", '‖w − w⋆‖ of the GF limit: the end of the run, or, if the run did not reach tol, only known to lie in [0, √((R(T)−R⋆)/λ)]',
                   r"\lVert w - w^\star\rVert", "estimate"),
    "converged": quantity("converged", '1 if the run reached ‖w − w⋆‖ ≤ tol before its horizon, else 0',
                   r"\mathbb{1}_{\mathrm{conv}}", "estimate"),
    "tol": quantity("tol", 'the convergence tolerance of the claim on ‖w − w⋆‖ (the run goes on to tol/10)',
                   r"\mathrm{tol}", "exact"),
    "log_t": quantity("log_t", 'log10 of the time at which the run stopped',
                   r"\log_{10} t", "estimate"),
    "sigma2": quantity("sigma2", 'max over layers of the second singular value σ₂(W_k) at the limit',
                   r"\sigma_2", "estimate"),
    "sigma_ratio": quantity("sigma_ratio", 'max over layers of σ₂(W_k)/σ₁(W_k) at the limit',
                   r"\sigma_2/\sigma_1", "estimate"),
    "imbalance": quantity("imbalance", '√(Σ_k ‖W_kW_kᵀ − W_{k+1}ᵀW_{k+1}‖₂) at initialisation (conserved by GF)',
                   r"\Delta_0", "estimate"),
    "gap": quantity("gap", 'min over layers k ≥ 2 of σ₁(W_k)² − σ₂(W_k)² at the limit',
                   r"g_\sigma", "estimate"),
    "misalign": quantity("misalign", 'max over k of sin∠(top right singular vector of W_{k+1}, top left singular vector of W_k) at the limit',
                   r"\sin\theta_{k,k+1}", "estimate"),
    "misalign_u": quantity("misalign_u", 'sin∠(top right singular vector of W_1, w⋆) at the limit',
                   r"\sin\theta_{w^\star}", "estimate"),
}

SMALL_QUANTITIES = {**FLOW_QUANTITIES,
    "scale": quantity("scale", 'initialisation scale ε (entries ε·N(0,1))',
                   r"\varepsilon", "exact"),
    "gain": quantity("gain", 'extra factor on the first layer at initialisation (1: plain Gaussian)',
                   r"g", "exact"),
    "C_small": quantity("C_small", 'the flatness constant of MC-SMALL (parameter)',
                   r"C_{\mathrm{small}}", "exact"),
}
RESIDUAL_QUANTITIES = {**FLOW_QUANTITIES,
    "s": quantity("s", 'residual scale: W_k(0) = I + (s/√(Ld))N_k',
                   r"s", "exact"),
    "C_res": quantity("C_res", 'the flatness constant of MC-RES (parameter, unconfirmed)',
                   r"C_{\mathrm{res}}", "exact"),
}
GD_QUANTITIES = {k: v for k, v in SMALL_QUANTITIES.items() if k not in ("C_small",)}
GD_QUANTITIES.update({
    "eta": quantity("eta", 'GD step η = eta_factor/(L·a·‖w⋆‖^{2−2/L})',
                   r"\eta", "ball"),
    "converged": quantity("converged", '1 if GD reached ‖w − w⋆‖ ≤ tol within its step budget, else 0',
                   r"\mathbb{1}_{\mathrm{conv}}", "estimate"),
    "dist": quantity("dist", '‖w − w⋆‖ where GD stopped (∞ encoded as 1e300 when it diverged)',
                   r"\lVert w - w^\star\rVert", "estimate"),
})


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


def _flow_measure(case: Callable[..., FlowCase], setting: FlowSetting, constant: str) -> Callable[..., dict[str, Enclosure]]:
    """The measure of a flow system: the shared run of ``case(instance, precision, setting, constant)``
    (keyed by the tolerance and escalation level only), then the requested quantities on it."""

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        run = case(instance, Precision(rtol=precision.rtol, level=precision.level), setting, constant)
        return measured(run, names, precision.bits)

    return measure


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
    return System(
        name=f"small_init_flow(depth={depth}, dim={dim}, width={width}, scales={scales}, gains={gains}, C_small={C_small})",
        description="gradient flow of deep linear regression from a small Gaussian initialisation, to convergence",
        quantities=SMALL_QUANTITIES, strategy=flow_instances(depth, dim, width, scales, gains),
        measure=_flow_measure(_small_case, FlowSetting(tol), C_small), scope=_flow_scope, features=_flow_features, dynamical=True,
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
    return System(
        name=f"residual_flow(depth={depth}, dim={dim}, s_values={s_values}, C_res={C_res}, unit_target={unit_target})",
        description="gradient flow of a deep linear residual network with a fixed unit readout, to convergence",
        quantities=RESIDUAL_QUANTITIES, strategy=residual_instances(depth, dim, s_values, unit_target),
        measure=_flow_measure(_residual_case, FlowSetting(tol), C_res), scope=_residual_scope, dynamical=True,
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
        eta = step_size(rational(inst["eta_factor"]), reg, L, bits)
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
        values = measured(case(instance, precision), names, precision.bits)
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
