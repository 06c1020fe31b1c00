"""The systems behind the reviewers' questions on Lyu–Li and Ji–Telgarsky (issue 12, item 2): where
the run starts, discrete-time step counts, and networks beyond homogeneity.  The statements are in
:mod:`.reviewers`.

(a) **Where the run starts.**  Lyu–Li's results assume ``ℒ(θ₀) < ℓ(0)``; every other instance of the
family starts from a scaled teacher.  :func:`random_starts` starts gradient flow from a Gaussian
``θ₀ = σ·N(0, I)`` (dyadic, fixed seeds) and measures the first time ``τ`` with ``ℒ(θ(τ)) = ℓ(0)``;
for the linear predictor (``K = 1``, a convex loss) it also gives the two-sided bound derived in the
statements' notes.  :func:`random_start_flows` then hands the run over to the family's ladder
(:func:`.flows.flow_trajectory`) at the first time ``ℒ ≤ e^{-1/64}ℓ(0)``, so the asymptotic claims
are judged from random starts.

(b) **Discrete-time step counts.**  :func:`gd_runs`: gradient descent with a stated step on the
linear predictor with the exponential loss, iterated in arb balls, against a derived lower bound on
the normalised margin after every step (hence an upper bound on the steps to reach a fraction of the
exact SVM margin ``γ⋆``).

(c) **Beyond homogeneity.**  :func:`bias_flows`: two-layer nets with hidden and output biases on the
family's ladder (directional convergence and alignment judged numerically); :func:`cubic_unit_limits`:
a linear unit with a cubic residual branch whose flow stops at a finite point, where alignment fails
in closed form.
"""
from __future__ import annotations

import functools
import math
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, arb_mat, fmpq
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker.arith import rational, rational_array, rational_str, working_precision
from checker.cache import shared
from checker.classification import Classification, planted_points, scaled_below_threshold
from checker.clocks import ESCALATION_STEPS, PER_DECADE, Classifier, FlowError, checked_flow, horizon_ladder, ladder_rtol, ladder_top
from checker.losses import loss
from checker.nets import MLP, activation
from checker.quantities import quantity
from checker.strategies import vectors
from checker.svm import exact_dot

from .flows import FLOW_QUANTITIES, TRAJECTORY_QUANTITIES, data_svm, flow_trajectory
from .instances import DEGREE, LOSSES, classification_scope, exact_problem, floats, network

# ------------------------------------------------------------------------------ (a) random starts
#
# The start grid: two fixed separable data sets (the figures' four points, and three points in
# the plane), Gaussian starts of scale σ with fixed seeds.  A grid, not a search:
# each start costs a flow to log t = 10⁶, and the question is how the results depend on the start.

START_DATA = (
    ([["1", "1/2"], ["2/3", "-1"], ["-1", "1/3"], ["-1/2", "-1"]], [1, 1, -1, -1]),
    ([["2", "1"], ["1", "-1"], ["-1", "-2"]], [1, 1, -1]),
)
START_ARCHS = {"predictor": {"arch": "linear", "depth": 1, "width": 1}, "linear": {"arch": "linear", "depth": 2, "width": 2},
               "relu": {"arch": "relu", "width": 3}, "sqrelu": {"arch": "sqrelu", "width": 3}}
SCALES = ("1/16", "1/4", "1")
SEEDS = (0, 1, 2)
FLOW_SEEDS = (0, 1)  # the ladder statements' sub-grid: the first data set, two seeds (each start costs a flow to 10⁶)
HORIZON_T = 10_000.0  # the hitting phase is integrated to t = 10⁴ (hit_time is censored there)
HORIZON_EARLY = 100.0  # where the hitting phase stops when both runs are past the hand-over by then
HANDOFF = Fraction(1, 64)  # the ladder starts once ℒ ≤ e^{-1/64}ℓ(0): certified below ℓ(0) after rounding θ


def gaussian_start(size: int, sigma: str, seed: int) -> list[Fraction]:
    """``σ·N(0, I)`` from NumPy's generator with ``seed``, rounded to multiples of ``2⁻¹²`` (exact, replayable)."""
    z = np.random.default_rng(seed).standard_normal(size) * float(Fraction(sigma))
    return [Fraction(round(c * 4096), 4096) for c in z]


def start_instance(name: str, data: int, lossname: str, sigma: str, seed: int) -> dict:
    """One start of the grid: architecture ``name`` (:data:`START_ARCHS`), data set ``data`` of
    :data:`START_DATA`, the loss, and ``θ₀ = σ·N(0, I)`` from ``seed`` (:func:`gaussian_start`)."""
    X, y = START_DATA[data]
    inst: dict[str, Any] = {**START_ARCHS[name], "name": name, "loss": lossname, "X": X, "y": y, "sigma": sigma, "seed": seed}
    inst["theta0"] = [rational_str(c) for c in gaussian_start(network(inst).size, sigma, seed)]
    return inst


def start_instances(archs: tuple[str, ...], losses: tuple[str, ...] = LOSSES, data: tuple[int, ...] = (0, 1),
                    seeds: tuple[int, ...] = SEEDS) -> st.SearchStrategy:
    """The start grid (:func:`start_instance`) over ``archs``, ``losses``, the data sets ``data``,
    :data:`SCALES` and ``seeds``."""
    return st.builds(start_instance, st.sampled_from(archs), st.sampled_from(data), st.sampled_from(losses),
                     st.sampled_from(SCALES), st.sampled_from(seeds))


HITTING_STEPS = 20_000  # solver steps per run of the hitting phase (a work budget, not a clock)
HITTING_RUNGS = 100  # rungs per decade of log t in the hitting phase: τ is bracketed to a relative width ≈ 2.3%·log t


class Hitting:
    """The hitting phase of one start: gradient flow from ``θ(t=1) = θ₀`` (the Clarke/Filippov flow on
    ReLU kinks) by :func:`checker.clocks.checked_flow` in the arc-length clock (defined while
    ``ℒ ≥ 1``, unlike the loss clock), BDF at rtol 1e-10 checked by BDF at a tenth of it, sampled on 100 rungs per
    decade of ``log t`` from ``10⁻³`` to ``log(1 + 10²)``, and on to ``log(1 + 10⁴)`` (the same runs,
    continued) unless both are past the hand-over by then: ℒ decreases along the flow, so stopping
    there changes none of the values below.  ``tau`` is the first time ``τ = t − 1``
    with ``ℒ(θ(t)) ≤ ℓ(0)``, bracketed between consecutive rungs of both runs (``tau`` the bracket's
    midpoint, ``tau_error`` its half-width; ``inf`` when neither run gets there by ``τ = 10⁴``;
    undecided, infinite error, when only one does); ``theta`` the run's parameters at the first rung with
    ``ℒ ≤ e^{-1/64}ℓ(0)`` (the hand-over; None when not reached)."""

    def __init__(self, inst: dict):
        problem = floats(exact_problem({**inst, "theta": inst["theta0"]}))
        theta0 = np.array([float(Fraction(c)) for c in inst["theta0"]])
        log_ell0 = math.log(problem.loss.ell0)
        if problem.log_loss(theta0) <= log_ell0 - float(HANDOFF):
            self.tau, self.tau_error, self.theta = 0.0, 0.0, theta0
            return
        try:  # to t = 10² first; on to 10⁴ (the same runs, continued) unless both are past the hand-over
            for top in (HORIZON_EARLY, HORIZON_T):
                ladder = horizon_ladder(math.log1p(top), HITTING_RUNGS, first=1e-3)
                flow = checked_flow(problem, theta0, ladder, clock="arc", rtol=1e-10, max_steps=HITTING_STEPS)
                if all(problem.log_loss(run.thetas[-1]) <= log_ell0 - float(HANDOFF) for run in (flow.run, flow.check)):
                    break
        except FlowError as exc:
            raise MeasurementError(f"hitting phase undecided: {exc}") from None
        brackets = []
        for run in (flow.run, flow.check):
            k = next((i for i, th in enumerate(run.thetas) if problem.log_loss(th) <= log_ell0), None)
            brackets.append(None if k is None else (math.expm1(ladder[k - 1]) if k else 0.0, math.expm1(ladder[k])))
        if brackets[0] is None and brackets[1] is None:
            self.tau, self.tau_error = math.inf, 0.0
        elif brackets[0] is None or brackets[1] is None:
            self.tau, self.tau_error = math.inf, math.inf
        else:
            low, high = min(b[0] for b in brackets), max(b[1] for b in brackets)
            self.tau, self.tau_error = (low + high) / 2, (high - low) / 2
        handoff = next((th for th in flow.run.thetas if problem.log_loss(th) <= log_ell0 - float(HANDOFF)), None)
        self.theta = handoff


@shared()
def hitting(inst: dict) -> Hitting:
    """The hitting phase of a start (:class:`Hitting`), shared by every statement on it."""
    return Hitting(inst)


def handed_over(inst: dict) -> dict | None:
    """The family's instance ``{…, "theta": θ(τ')}`` at the hand-over time ``τ'`` (``θ`` rounded to
    rationals with denominators ≤ 2³⁰), or None when the flow does not reach ``e^{-1/64}ℓ(0)`` by ``t = 10⁴``."""
    h = hitting(inst)
    if h.theta is None:
        return None
    return {**inst, "theta": [rational_str(Fraction(float(c)).limit_denominator(2 ** 30)) for c in h.theta]}


START_QUANTITIES = {q.name: q for q in (
    DEGREE,
    quantity("hit_time", "min(τ, 10⁴), τ the first time with ℒ(θ(τ)) ≤ ℓ(0) along gradient flow from θ₀ (0 "
             "when ℒ(θ₀) ≤ e^{-1/64}ℓ(0)): measured, bracketed between rungs of a BDF run and its check (BDF at a tenth of the tolerance) "
             "(Hitting)", r"\tau_{\ell(0)}", "estimate"),
    quantity("hit_upper", "linear predictor: ‖w₀ − c·w_SVM‖²/ℓ(0), c = ℓ^{-1}(ℓ(0)/(2N)) (the convex "
             "gradient-flow bound with the comparator c·w_SVM)", r"\bar\tau"),
    quantity("hit_lower", "linear predictor: max(0, 1/ℓ(0) − 1/ℒ(w₀))/R², R = max_n‖x_n‖ (from ‖∇ℒ‖ ≤ Rℒ)",
             r"\underline\tau"),
    quantity("loss0", "ℒ(θ₀) at the random start (balls)", r"\mathcal{L}(\theta_0)"),
    quantity("ell0", "ℓ(0)", r"\ell(0)"),
    quantity("sigma", "scale σ of the Gaussian start (exact)", r"\sigma", "exact"),
)}


def _bounds(inst: dict, bits: int) -> tuple[arb, arb]:
    """``(hit_lower, hit_upper)`` of a linear-predictor start, in balls (their derivation is in the
    notes of LL-REV-START-LIN-UP and -LOW)."""
    ex = exact_problem({**inst, "theta": inst["theta0"]})
    w0 = rational_array(inst["theta0"])
    svm = data_svm(inst["X"], inst["y"])
    if not svm.exact:
        raise MeasurementError(f"the SVM is not exact ({svm.note}): no exact comparator")
    lossfn, N = ex.loss, ex.X.shape[0]
    with working_precision(bits):
        ell0 = lossfn.ball_ell0()
        c = lossfn.ball_inverse(ell0 / (2 * N))
        dist2 = sum(((arb(a) - c * arb(b)) ** 2 for a, b in zip(w0, svm.w)), arb(0))
        upper = dist2 / ell0
        R2 = max(exact_dot(x, x) for x in ex.X)
        loss0 = ex.total(ex.margins(w0))
        lower = arb.max(arb(0), (1 / ell0 - 1 / loss0) / arb(R2))
    return lower, upper


@system_family(START_QUANTITIES)
def random_starts(archs: tuple[str, ...] = ("predictor",), losses: tuple[str, ...] = LOSSES) -> System:
    """Gradient flow from Gaussian starts of the grid (:func:`start_instances`): the hitting time of
    ``ℒ = ℓ(0)`` (:class:`Hitting`), ``ℒ(θ₀)``, and for the linear predictor the bounds of
    :func:`_bounds`.  No hypothesis on ``θ₀``: the question is whether the flow gets below ``ℓ(0)``."""

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        ex = exact_problem({**inst, "theta": inst["theta0"]})
        out: dict[str, Enclosure] = {"K": Enclosure.exact(ex.K), "sigma": Enclosure.exact(rational(inst["sigma"]))}
        note = f"arb balls at {precision.bits} bits from the exact start"
        with working_precision(precision.bits):
            out["loss0"] = Enclosure.ball(ex.total(ex.margins(rational_array(inst["theta0"]))), note)
            out["ell0"] = Enclosure.ball(ex.loss.ball_ell0(), note)
        if "hit_time" in names:
            h = hitting(inst)
            censored = " (not reached by t = 10⁴: censored, τ > 10⁴)" if math.isinf(h.tau) else ""
            out["hit_time"] = Enclosure.estimate(min(h.tau, HORIZON_T), h.tau_error, censored + "arc-length clock, BDF "
                                                 "at rtol 1e-10 checked at 1e-11; radius the half-width of the bracket")
        if names & {"hit_upper", "hit_lower"}:
            if inst["name"] != "predictor":
                raise MeasurementError("the hitting-time bounds are derived for the linear predictor only")
            lower, upper = _bounds(inst, precision.bits)
            out["hit_lower"], out["hit_upper"] = Enclosure.ball(lower, note), Enclosure.ball(upper, note)
        return out

    def features(inst: dict) -> dict[str, Any]:
        return {"architecture": inst["name"], "loss": inst["loss"], "sigma": inst["sigma"], "n": len(inst["X"])}

    return System(f"random_starts({'+'.join(archs)}; {'+'.join(losses)})",
                  "gradient flow from Gaussian starts σ·N(0, I): the first time ℒ = ℓ(0)",
                  START_QUANTITIES, start_instances(archs, losses), measure, lambda inst, precision: None,
                  ("separable data; θ₀ = σ·N(0, I) rounded to 2⁻¹² (σ ∈ {1/16, 1/4, 1}, seeds 0–2)",
                   "gradient flow in its own time t from θ₀ (integrated to t = 10⁴)"),
                  {"archs": archs, "losses": losses}, features=features)


def _start_trajectory(inst: dict, precision: Precision, names: frozenset[str]) -> Any:
    start = handed_over(inst)
    if start is None:
        raise MeasurementError("the flow does not reach ℒ < ℓ(0) by t = 10⁴")
    return flow_trajectory(start, precision, names)


@system_family({**FLOW_QUANTITIES, **TRAJECTORY_QUANTITIES})
def random_start_flows(archs: tuple[str, ...], losses: tuple[str, ...] = LOSSES) -> System:
    """The family's ladder (:func:`.flows.flow_trajectory`: log t = 10…10⁶, BDF checked by BDF at a tenth of the tolerance)
    started where the flow from a Gaussian start of the sub-grid (the first data set, :data:`SCALES`,
    :data:`FLOW_SEEDS`) first has ``ℒ ≤ e^{-1/64}ℓ(0)``
    (:func:`handed_over`); its clock restarts there (``t = 1``).  In scope: starts whose flow gets
    there by ``t = 10⁴`` with ``ℒ < ℓ(0)`` certified at the rounded hand-over."""

    def scope(inst: dict, precision: Precision) -> str | None:
        start = handed_over(inst)
        if start is None:
            return "gradient flow from this start does not reach ℒ < ℓ(0) by t = 10⁴ (LL's hypothesis never met)"
        return classification_scope(start, precision)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        ex = exact_problem({**inst, "theta": inst["theta0"]})
        out: dict[str, Enclosure] = {"K": Enclosure.exact(ex.K)}
        if "gamma_star" in names:
            svm = data_svm(inst["X"], inst["y"])
            with working_precision(precision.bits):
                out["gamma_star"] = Enclosure.ball(1 / arb(exact_dot(svm.w, svm.w)).sqrt(), svm.note)
        return out

    def features(inst: dict) -> dict[str, Any]:
        return {"architecture": inst["name"], "loss": inst["loss"], "sigma": inst["sigma"], "n": len(inst["X"])}

    return System(f"random_start_flows({'+'.join(archs)}; {'+'.join(losses)})",
                  "the family's gradient-flow ladder from Gaussian starts, handed over once ℒ < ℓ(0)",
                  FLOW_QUANTITIES, start_instances(archs, losses, (0,), FLOW_SEEDS), measure, scope,
                  ("θ₀ = σ·N(0, I) on the start sub-grid (first data set, seeds 0–1); the flow reaches ℒ ≤ e^{-1/64}ℓ(0) by t = 10⁴ and ℒ < ℓ(0) is "
                   "certified in balls at the rounded hand-over point", "Φ positively K-homogeneous (A2)",
                   "gradient flow; on ReLU kinks the Clarke (Filippov) flow"),
                  {"archs": archs, "losses": losses}, trajectory=_start_trajectory,
                  trajectory_quantities=TRAJECTORY_QUANTITIES, features=features, dynamical=True)


# ------------------------------------------------------------------------------ (b) gradient-descent step counts
#
# The bound (derived; THEOREMS.md has no discrete-time rate).  Linear predictor, exponential loss,
# z_n = y_n x_n, R² = max‖z_n‖², ψ = −log ℒ, u the unit SVM direction, γ⋆ = min_n⟨z_n, u⟩.
#   ∇ψ = Σ p_n z_n (p = softmax(−q)) and ∇²ψ = −Zᵀ(diag p − ppᵀ)Z ⪰ −R²I, so ψ(w + Δ) ≥ ψ(w) + ⟨∇ψ, Δ⟩ − R²‖Δ‖²/2.
#   A GD step is Δ_k = ηℒ_k∇ψ_k, hence ψ_{k+1} − ψ_k ≥ ‖Δ_k‖‖∇ψ_k‖a_k with a_k = 1 − ηR²ℒ_k/2.
#   If ηR²ℒ₀ ≤ 2 then a_k ≥ 0 for every k (ℒ never increases, by induction) and ‖∇ψ_k‖ ≥ ⟨∇ψ_k, u⟩ ≥ γ⋆, so
#   ψ_k ≥ ψ₀ + γ⋆Σ_{j<k} a_j‖Δ_j‖; with q_min ≥ ψ (ℒ ≥ e^{−q_min}) this is
#       γ̄_k = q_min(w_k)/‖w_k‖ ≥ B_k = (ψ₀ + γ⋆Σ_{j<k} a_j‖Δ_j‖)/‖w_k‖          for every k ≥ 1.
#   Gradient flow satisfies the same with a ≡ 1 (dψ = ℒ‖∇ψ‖²dt ≥ γ⋆‖dw‖): the mutation applies that
#   flow bound to GD with a large step.

GD_FIGURE_DATA = ([["1", "0"], ["1", "1/4"], ["1", "-1/4"], ["3", "3"]], [1, 1, 1, -1])  # the figure's data: three
# points near one direction and a support vector far from the mean direction, so the first step is far from u_SVM
GD_STEPS = 4096  # steps iterated per instance (step counts beyond are censored: GD_STEPS + 1)
MUTATION_STEPS = 64  # the large-step mutation fails within the first steps: a short run suffices
GD_RATIOS = ("1/4", "1/2", "1", "2")  # ηR²ℒ₀ within the bound's hypothesis (≤ 2)
GD_LARGE = ("8", "16", "32", "64")

GD_QUANTITIES = {q.name: q for q in (
    quantity("step_ratio", "ηR²ℒ(w₀), the step in units of the loss's local smoothness (exact)", r"\eta R^2\mathcal{L}_0",
             "exact"),
    quantity("bound_gap", "min over the run's steps k ≥ 1 of γ̄_k − B_k, B_k the derived GD bound (balls)",
             r"\min_k(\bar\gamma_k - B_k)"),
    quantity("flow_gap", "min over the run's steps k ≥ 1 of γ̄_k − (ψ₀ + γ⋆Σ_{j<k}‖Δ_j‖)/‖w_k‖, gradient flow's bound applied "
             "to GD (balls)", r"\min_k(\bar\gamma_k - B^{\mathrm{GF}}_k)"),
    quantity("steps_half", "measured: the first k with γ̄_k > γ⋆/2 certified (steps + 1 when not within the run: censored)",
             r"k_{1/2}", "exact"),
    quantity("steps_half_bound", "the first k with B_k > γ⋆/2 certified (steps + 1 when not within the run: censored): the bound's step count",
             r"\bar k_{1/2}", "exact"),
    quantity("steps_nine_tenths", "measured: the first k with γ̄_k > 9γ⋆/10 certified (steps + 1 when not within the run: censored)",
             r"k_{9/10}", "exact"),
)}


def gd_instances(ratios: tuple[str, ...]) -> st.SearchStrategy:
    """Planted separable data (``d = 2..3``, ``N = 2..5``, THEOREMS.md §0.4), ``w₀ = 0`` and the step
    ``η = r/(R²ℒ(w₀)) = r/(R²N)`` for a drawn ``r`` of ``ratios``."""

    @st.composite
    def draw(dr: Any) -> dict:
        d = dr(st.integers(2, 3))
        u = [Fraction(c) for c in dr(vectors(d).filter(lambda v: any(Fraction(c) != 0 for c in v)))]
        X, y = planted_points(dr, d, dr(st.integers(2, 5)), u, Fraction(1, 2))
        return {"X": [[rational_str(c) for c in x] for x in X], "y": y, "ratio": dr(st.sampled_from(ratios))}

    return draw()


def _first(flags: list[bool], steps: int) -> int:
    """The first step ``k ≥ 1`` whose flag is set, ``steps + 1`` when none is (censored)."""
    return next((k + 1 for k, f in enumerate(flags) if f), steps + 1)


def _least(balls: list[arb]) -> arb:
    """A ball containing the least of the numbers the balls enclose (arb's own minimum)."""
    return functools.reduce(lambda a, b: a.min(b), balls)


@shared()
def gd_run(inst: dict, bits: int, steps: int) -> dict[str, Any]:
    """GD from ``w₀ = 0`` for ``steps`` steps in ``bits``-bit balls from the exact data (matrix-vector
    products by ``arb_mat``), with ``B_k``, the flow bound and the step counts of :data:`GD_QUANTITIES`."""
    X, y = rational_array(inst["X"]), inst["y"]
    Z = [[int(y[n]) * c for c in X[n]] for n in range(len(y))]
    svm = data_svm(inst["X"], inst["y"])
    if not svm.exact:
        raise MeasurementError(f"the SVM is not exact ({svm.note})")
    N, d = len(Z), len(Z[0])
    R2 = max(exact_dot(z, z) for z in Z)
    eta = rational(inst["ratio"]) / (R2 * N)
    with working_precision(bits):
        gstar = 1 / arb(exact_dot(svm.w, svm.w)).sqrt()
        Zm = arb_mat([[arb(c) for c in z] for z in Z])
        Zt = Zm.transpose()
        w = arb_mat(d, 1)
        psi0 = -arb(N).log()
        S = S_flow = arb(0)
        gaps, flow_gaps, half, half_bound, nine = [], [], [], [], []
        for _ in range(steps):
            e = arb_mat([[(-x).exp()] for x in (Zm * w).entries()])
            delta = (Zt * e) * arb(eta)  # −η∇ℒ
            step = sum((c * c for c in delta.entries()), arb(0)).sqrt()
            S += (1 - arb(eta * R2) * sum(e.entries(), arb(0)) / 2) * step
            S_flow += step
            w = w + delta
            rho = sum((c * c for c in w.entries()), arb(0)).sqrt()
            if not rho.is_finite():
                raise MeasurementError("the GD iterates left floating-point range")
            gbar = _least(list((Zm * w).entries())) / rho
            bound = (psi0 + gstar * S) / rho
            gaps.append(gbar - bound)
            flow_gaps.append(gbar - (psi0 + gstar * S_flow) / rho)
            half.append(gbar > gstar / 2)
            half_bound.append(bound > gstar / 2)
            nine.append(gbar > 9 * gstar / 10)
        return {"eta": eta, "bound_gap": _least(gaps), "flow_gap": _least(flow_gaps), "steps_half": _first(half, steps),
                "steps_half_bound": _first(half_bound, steps), "steps_nine_tenths": _first(nine, steps)}


@system_family(GD_QUANTITIES)
def gd_runs(ratios: tuple[str, ...] = GD_RATIOS, steps: int = GD_STEPS) -> System:
    """Gradient descent ``w_{k+1} = w_k − η∇ℒ(w_k)`` of the linear predictor ``⟨w, x⟩`` (``K = 1``)
    with the exponential loss from ``w₀ = 0``, step ``η = r/(R²N)``, on planted separable data
    (:func:`gd_instances`), iterated ``steps`` steps in arb balls (:func:`gd_run`); ``γ⋆`` is the exact SVM margin."""

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        run = gd_run(inst, precision.bits, steps)
        note = f"GD in arb balls at {precision.bits} bits from exact data, η = {run['eta']}, {steps} steps"
        out: dict[str, Enclosure] = {"step_ratio": Enclosure.exact(rational(inst["ratio"]))}
        for name in ("bound_gap", "flow_gap"):
            out[name] = Enclosure.ball(run[name], note)
        for name in ("steps_half", "steps_half_bound", "steps_nine_tenths"):
            out[name] = Enclosure.exact(fmpq(run[name]), note)
        return out

    def features(inst: dict) -> dict[str, Any]:
        return {"ratio": inst["ratio"], "d": len(inst["X"][0]), "n": len(inst["X"])}

    return System(f"gd_runs({'+'.join(ratios)}; {steps} steps)",
                  "GD on a linear predictor with the exponential loss from 0, in arb balls, against the exact SVM",
                  GD_QUANTITIES, gd_instances(ratios), measure, lambda inst, precision: None,
                  ("linearly separable data (planted margin 1/2)", "exponential loss, w₀ = 0, η = r/(R²N)"),
                  {"ratios": ratios, "steps": steps}, features=features)


# ------------------------------------------------------------------------------ (c) beyond homogeneity

BIAS_ARCHS = ("linear",)  # squared ReLU with biases (top degree 3) was tried: the flow failed near log t = 10⁵ (with the LSODA check of the time) in the
# plain loss-normalised clock, which reaches log t = ∞ at a finite clock time for degree 3 (checker.clocks.clock_field)


def bias_network(inst: dict) -> MLP:
    """A two-layer net ``Σ_j a_jφ(⟨v_j, x⟩ + b_j) + c`` with hidden and output biases (``φ`` linear:
    :data:`BIAS_ARCHS`), top degree 2 and not homogeneous (``a_j b_j`` has degree 2, ``c`` degree 1)."""
    return MLP((len(inst["X"][0]), inst["width"], 1), (activation(inst["arch"]),), bias=True)


def bias_problem(inst: dict) -> Classification:
    net = bias_network(inst)
    return Classification.of(net, inst["X"], inst["y"], inst["loss"], net.degree)


def bias_instances(losses: tuple[str, ...] = LOSSES) -> st.SearchStrategy:
    """Planted separable data (``d = 2``, ``N = 2..4``), a teacher ``v = ±u⋆``, ``a = ±1`` plus a
    rational perturbation of every weight and bias (biases nonzero), scaled by the least power of
    2 that brings ``ℒ`` below ``ℓ(0)`` (THEOREMS.md §0.4)."""

    @st.composite
    def draw(dr: Any) -> dict:
        u = [Fraction(c) for c in dr(vectors(2).filter(lambda v: any(Fraction(c) != 0 for c in v)))]
        X, y = planted_points(dr, 2, dr(st.integers(2, 4)), u, Fraction(1, 2))
        inst: dict[str, Any] = {"arch": dr(st.sampled_from(BIAS_ARCHS)), "loss": dr(st.sampled_from(losses)), "width": 2,
                                "X": [[rational_str(c) for c in x] for x in X], "y": y}
        net = bias_network(inst)
        params = [np.zeros(shape, dtype=object) for shape in net.shapes()]
        for p in params:
            p[...] = Fraction(0)
        params[0][0, :], params[0][1, :] = u, [-c for c in u]
        params[2][0, :] = [Fraction(1), Fraction(-1)]
        base = net.flatten(params)
        noise = [Fraction(c) / 10 for c in dr(vectors(net.size))]
        theta = [Fraction(b) + c for b, c in zip(base, noise)]
        bias_slots = [2 * 2, 2 * 2 + 1, net.size - 1]  # b_1, b_2, c in MLP.flatten order (W1, b1, W2, b2)
        for i in bias_slots:
            theta[i] = theta[i] or Fraction(1, 8)
        inst["theta"] = [rational_str(c) for c in scaled_below_threshold(bias_problem(inst), theta)]
        return inst

    return draw()


def _bias_trajectory(inst: dict, precision: Precision, names: frozenset[str]) -> Any:
    """The non-homogeneous net's gradient flow on the family's ladder of log t, 10 to 10⁶ (10⁷ on escalation;
    :func:`checker.clocks.checked_flow`, loss-normalised clock: no homogeneity degree), the requested
    direction quantities on every rung; an escalated run that fails returns the first level's ladder."""
    ex = bias_problem(inst)
    problem = Classifier(ex.net, ex.X.astype(float), ex.y.astype(float), ex.loss)
    theta0 = np.array([float(Fraction(c)) for c in inst["theta"]])
    try:
        flow = checked_flow(problem, theta0, horizon_ladder(ladder_top(precision.level), PER_DECADE),
                            rtol=ladder_rtol(precision.rtol), max_steps=ESCALATION_STEPS if precision.level else None)
    except FlowError as exc:
        if precision.level > 0:
            return _bias_trajectory(inst, Precision(precision.bits, precision.rtol, 0), names)
        raise MeasurementError(f"gradient flow integration failed: {exc}") from None
    measures = {name: (lambda r, q=TRAJECTORY_QUANTITIES[name]: q.measure(r, inst)) for name in sorted(names)}
    return flow.ladder(theta0, measures, {}, f"{flow.run.describe()}; radius = difference to {flow.check.method}")


BIAS_TRAJECTORY = {name: TRAJECTORY_QUANTITIES[name] for name in ("dtheta_decade", "one_minus_cos", "rho")}


@system_family(BIAS_TRAJECTORY)
def bias_flows(losses: tuple[str, ...] = LOSSES) -> System:
    """Gradient flow of two-layer nets with hidden and output biases (:func:`bias_network`,
    :func:`bias_instances`) on the ladder ``log t = 10 … 10⁶`` (``10⁷`` on escalation), BDF checked by
    BDF at a tenth of the tolerance; direction quantities of :data:`.flows.TRAJECTORY_QUANTITIES` on its rungs."""

    def scope(inst: dict, precision: Precision) -> str | None:
        if len(set(inst["y"])) < 2:
            return ("every label is equal: the output bias alone classifies the data, a separate regime in which the "
                    "direction converges only logarithmically slowly (JT-REV-BIAS-DIR's notes)")
        ex = bias_problem(inst)
        return ex.scope(rational_array(inst["theta"]), precision.bits)

    def features(inst: dict) -> dict[str, Any]:
        return {"architecture": f"{inst['arch']}+biases", "loss": inst["loss"], "n": len(inst["X"])}

    return System(f"bias_flows({'+'.join(losses)})",
                  "gradient flow of two-layer nets with biases (not homogeneous) on a ladder of log t to 1e6",
                  {}, bias_instances(losses), lambda inst, precision, names: {}, scope,
                  ("every point classified correctly and ℒ(θ₀) < ℓ(0), certified in balls", "labels of both signs",
                   "Φ with hidden and output biases: not homogeneous (degrees 2 and 1)", "gradient flow"),
                  {"losses": losses}, trajectory=_bias_trajectory, trajectory_quantities=BIAS_TRAJECTORY,
                  features=features, dynamical=True)


CUBIC_QUANTITIES = {q.name: q for q in (
    quantity("one_minus_cos_limit", "lim 1 − cos∠(w(t), −∇ℒ(w(t))) along the closed-form flow of the cubic unit",
             r"\lim\,1-\cos\angle(w,-\nabla\mathcal{L})"),
    quantity("rho_limit", "lim ‖w(t)‖ = ‖w_∞‖ of the closed-form flow (finite)", r"\lVert w_\infty\rVert"),
)}


@system_family(CUBIC_QUANTITIES)
def cubic_unit_limits(losses: tuple[str, ...] = LOSSES) -> System:
    """A linear unit with a cubic residual branch, ``f(w; x) = s − s³/3`` with ``s = ⟨w, x⟩`` (degrees 1
    and 3, not homogeneous), on one point ``x`` with ``y = +1``, from ``w₀`` with ``s₀ ∈ (0, √3)``
    (then ``q > 0`` and ``ℒ(w₀) < ℓ(0)``).  ``∇ℒ = −g(q)(1 − s²)x``: the flow moves along ``x`` only,
    ``s`` tends monotonically to the stationary value 1 (``1 − s²`` changes sign there), so
    ``w(t) → w_∞ = w₀ + ((1 − s₀)/‖x‖²)x`` exactly, and the velocity keeps the direction ``sign(1 − s₀)x``:
    ``1 − cos∠(w, −∇ℒ) → 1 − sign(1 − s₀)/(‖w_∞‖‖x‖)`` (``⟨w_∞, x⟩ = 1``), in balls from exact rationals."""

    @st.composite
    def draw(dr: Any) -> dict:
        x = [Fraction(c) for c in dr(vectors(2).filter(lambda v: any(Fraction(c) != 0 for c in v)))]
        w = [Fraction(c) for c in dr(vectors(2))]
        return {"loss": dr(st.sampled_from(losses)), "x": [rational_str(c) for c in x], "w0": [rational_str(c) for c in w]}

    def parts(inst: dict) -> tuple[list, list, Fraction]:
        x, w = [Fraction(c) for c in inst["x"]], [Fraction(c) for c in inst["w0"]]
        return x, w, sum((a * b for a, b in zip(w, x)), Fraction(0))

    def scope(inst: dict, precision: Precision) -> str | None:
        x, w, s0 = parts(inst)
        if s0 == 1:
            return "s₀ = 1: w₀ is stationary (no velocity to align with)"
        if not (0 < s0 and s0 * s0 < 3):
            return "s₀ ∉ (0, √3): the point is not classified correctly (q₀ ≤ 0), so ℒ(w₀) ≥ ℓ(0)"
        q0 = s0 - s0 ** 3 / 3
        with working_precision(precision.bits):
            if loss(inst["loss"]).ball_ell(fmpq(q0.numerator, q0.denominator)) < loss(inst["loss"]).ball_ell0():
                return None
        return "ℒ(w₀) < ℓ(0) not certified"

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        x, w, s0 = parts(inst)
        xx = sum((c * c for c in x), Fraction(0))
        w_inf = [a + (1 - s0) / xx * b for a, b in zip(w, x)]
        ww = sum((c * c for c in w_inf), Fraction(0))
        sign = 1 if s0 < 1 else -1
        note = f"closed-form limit w_∞ = {[rational_str(c) for c in w_inf]} (exact), ⟨w_∞, x⟩ = 1"
        with working_precision(precision.bits):
            return {"one_minus_cos_limit": Enclosure.ball(1 - sign / (arb(fmpq(ww.numerator, ww.denominator)) *
                                                                     arb(fmpq(xx.numerator, xx.denominator))).sqrt(), note),
                    "rho_limit": Enclosure.ball(arb(fmpq(ww.numerator, ww.denominator)).sqrt(), note)}

    return System(f"cubic_unit_limits({'+'.join(losses)})",
                  "a linear unit with a cubic residual branch on one point: the flow stops at a finite w_∞ (closed form)",
                  CUBIC_QUANTITIES, draw(), measure, scope,
                  ("one point x with y = +1; ℒ(w₀) < ℓ(0), certified in balls", "f = s − s³/3: not homogeneous"),
                  {"losses": losses})
