"""Du, Hu & Lee, the systems: decaying-step rank-r factorisation (DHL-T3.1) and constant-step rank-one
factorisation (DHL-T3.2), their instances, runs and measured quantities (see the package docstring)."""
from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, fmpq
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker import matfact as mf
from checker.arith import rational, working_precision
from checker.cache import shared
from checker.matfact import rationals_between
from checker.quantities import quantity

#: The enlarged constants at which DHL-T3.1 is checked (THEOREMS.md: "test the qualitative claim
#: with larger constants, flagged outside the theorem's constants").
ENLARGED = dict(step_range=("1/8", "1/2"), step_offset=16, delta_range=("1/8", "1/2"))

# =========================================================================== DHL-T3.1
@dataclass(frozen=True)
class DecayParams:
    """The parameters of :func:`mf_decaying_steps` that measurements depend on."""

    init_power: int
    step_constant: int
    step_offset: int
    horizon: int
    stop_fraction: str
    certificate_horizon: int
    max_ball_bits: int


@dataclass(frozen=True)
class DecayProblem:
    """One decoded DHL-T3.1 instance: target, initial point, step schedule, accuracy ε/‖M⋆‖_F."""

    target: mf.Target
    Mf: np.ndarray
    U0: np.ndarray
    V0: np.ndarray
    schedule: mf.PowerSchedule
    eps: fmpq
    init_std: float
    init_bound: float  # √(ε/poly(d)): the theorem's initial standard deviation

    @property
    def sigma1(self) -> fmpq:
        return self.target.sigmas[0]

    @property
    def width(self) -> int:
        return self.U0.shape[1]

    @property
    def norm_m_float(self) -> float:
        return math.sqrt(sum(float(s) ** 2 for s in self.target.sigmas))

    def norm_m(self) -> arb:
        """‖M⋆‖_F = (Σσ_i²)^{1/2}, enclosed at the working precision."""
        return arb(sum((s * s for s in self.target.sigmas), fmpq(0))).sqrt()


@shared(maxsize=256)
def decay_problem(inst: dict, params: DecayParams) -> DecayProblem:
    """Decode a DHL-T3.1 instance (deterministic in its seed).

    Initialisation: "theorem" means i.i.d. N(0, ε/d^p) entries with ε = eps·‖M⋆‖_F, d = max(d1, d2),
    p = ``init_power`` (THEOREMS.md: "N(0, ε/poly(d))"); a rational s means standard deviation
    s·(σ1/d)^{1/2}.  With unbalance a, U0 is scaled by a and V0 by 1/a.
    Steps η_t = η_0(1 + t/t0)^{−(1/2+δ)} with t0 = ``step_offset`` (t0 = 1: η_0(t+1)^{−(1/2+δ)}):
    c = "theorem" is THEOREMS.md's η_0 = √(ε/r)/(K‖M⋆‖_F^{3/2}) with K = ``step_constant``; a
    rational c means η_0 = c/σ1.
    """
    d1, d2, r = inst["d1"], inst["d2"], inst["rank"]
    sigmas = [rational(s) for s in inst["sigma"]]
    target = mf.planted_target(d1, d2, sigmas, np.random.default_rng([inst["seed"], 0]))
    eps = rational(inst["eps"])
    d = max(d1, d2)
    norm_m = math.sqrt(sum(float(s) ** 2 for s in sigmas))
    init_bound = math.sqrt(float(eps) * norm_m / d ** params.init_power)
    std = init_bound if inst["init"] == "theorem" else float(rational(inst["init"])) * math.sqrt(float(sigmas[0]) / d)
    a = float(rational(inst["unbalance"]))
    rng = np.random.default_rng([inst["seed"], 1])
    U0 = a * std * rng.standard_normal((d1, r))
    V0 = std / a * rng.standard_normal((d2, r))
    exponent = fmpq(1, 2) + rational(inst["delta"])
    with working_precision(512):
        if inst["c"] == "theorem":
            eta0 = (arb(eps) / (r * sum((s * s for s in sigmas), fmpq(0)))).sqrt() / params.step_constant
        else:
            eta0 = arb(rational(inst["c"]) / sigmas[0])
        scale = eta0 * arb(params.step_offset) ** arb(exponent)  # η_0(1 + t/t0)^{−s} = η_0 t0^s (t + t0)^{−s}
    schedule = mf.PowerSchedule(scale, exponent, params.step_offset)
    return DecayProblem(target, mf.to_float(target.M), U0, V0, schedule, eps, std, init_bound)


@shared(maxsize=256)
def decay_float_run(inst: dict, params: DecayParams, level: int) -> mf.FloatRun:
    """The float64 run: until ‖R_t‖_F ≤ stop_fraction·ε, for at most horizon·4^level steps.

    With a finite total clock (δ > 1/2) the run is extended over a doubling ladder of horizons
    (64, 128, …, at most certificate_horizon·4^level) and stops at the first one after which
    UVᵀ can move by at most ‖M⋆‖_F/4^{level+2} (:func:`mf.iterate_bound`, :func:`mf.movement_bound`,
    screened in float64; the measurement re-checks them in balls).
    """
    prob = decay_problem(inst, params)
    finite_clock = prob.schedule.tail(0) is not None
    cap = (params.certificate_horizon if finite_clock else params.horizon) * 4 ** level
    etas = prob.schedule.floats(cap)
    options = dict(stop_below=float(prob.eps * rational(params.stop_fraction)) * prob.norm_m_float,
                   imbalance_every=cap + 1)
    if not finite_clock:
        return mf.gd_float(prob.U0, prob.V0, prob.Mf, etas, **options)
    tolerance = prob.norm_m_float / 4 ** (level + 2)
    return mf.gd_float_settled(prob.U0, prob.V0, prob.Mf, etas, cap,
                               lambda run: mf.remaining_movement(run.U, run.V, prob.sigma1, prob.norm_m(), prob.width,
                                                                   prob.schedule.tail(run.steps)) <= tolerance, **options)


@shared(maxsize=256)
def decay_ball_run(inst: dict, params: DecayParams, steps: int, bits: int) -> mf.BallRun:
    prob = decay_problem(inst, params)
    return mf.gd_ball(prob.U0, prob.V0, prob.target.M, prob.schedule, steps, bits)


def _limit_error(prob: DecayProblem, run: mf.FloatRun, ball: mf.BallRun | None, norm_m: arb) -> Enclosure:
    """The relative error of the limit, ‖U_∞V_∞ᵀ − M⋆‖_F/‖M⋆‖_F.

    Finite total clock and an a-priori bound S on the rest of the run (:func:`mf.iterate_bound`):
    a rigorous ball [‖R_T‖ − move, ‖R_T‖ + move]/‖M⋆‖_F around the enclosed ‖R_T‖_F, where move
    bounds how far UVᵀ can still travel (:func:`mf.movement_bound`); the limit exists because the
    remaining path length is finite.  Otherwise (infinite clock, or no bound): the finite-horizon
    proxy [0, err_T], an *estimate* that assumes gradient descent keeps descending after T.
    """
    if ball is not None:
        limit = mf.limit_residual(ball, prob.sigma1, norm_m, prob.width, prob.schedule.tail(ball.steps))
        if limit is not None:
            return Enclosure.ball(*limit)
    err_t = float(run.residual[-1]) / prob.norm_m_float
    return Enclosure.estimate(err_t / 2, err_t / 2,
                              f"finite-horizon proxy [0, err_T] at T={run.steps} (assumes descent continues)")


DECAY_QUANTITIES = {
    "eps": quantity("eps", 'ε/‖M⋆‖_F, the accuracy of the theorem (exact)',
                   r"\varepsilon", "exact"),
    "err": quantity("err", 'relative error of the limit ‖U_∞V_∞ᵀ − M⋆‖_F/‖M⋆‖_F: a rigorous ball when the remaining clock is finite and an a-priori bound holds, else the finite-horizon estimate [0, err_T]',
                   r"\mathrm{err}_\infty", "ball"),
    "errT": quantity("errT", 'relative error ‖U_TV_Tᵀ − M⋆‖_F/‖M⋆‖_F at the horizon T (ball run)',
                   r"\mathrm{err}_T", "ball"),
    "imb0": quantity("imb0", '‖U_0ᵀU_0 − V_0ᵀV_0‖_F (ball)',
                   r"\lVert G_0\rVert_F", "ball"),
    "imbT": quantity("imbT", '‖U_TᵀU_T − V_TᵀV_T‖_F at the horizon T (ball run)',
                   r"\lVert G_T\rVert_F", "ball"),
    "imbmax": quantity("imbmax", 'max over t ≤ T of ‖U_tᵀU_t − V_tᵀV_t‖_F (ball run)',
                   r"\max_{t\le T}\lVert G_t\rVert_F", "ball"),
    "drift": quantity("drift", 'the a-posteriori drift bound Σ_{t<T} η_t²‖V_tᵀR_tᵀR_tV_t − U_tᵀR_tR_tᵀU_t‖_F (ball run)',
                   r"\sum_{t<T}\eta_t^2\lVert D_t\rVert_F", "ball"),
    "init2": quantity("init2", '‖U_0‖_F² + ‖V_0‖_F² (exact: the float64 initial point is a rational point)',
                   r"\lVert U_0\rVert_F^2 + \lVert V_0\rVert_F^2", "exact"),
    "normM": quantity("normM", '‖M⋆‖_F (ball)',
                   r"\lVert M^\star\rVert_F", "ball"),
    "tau": quantity("tau", 'the gradient-descent clock τ_T = Σ_{t<T} η_t (ball)',
                   r"\tau_T", "ball"),
    "T": quantity("T", 'the horizon: first step with ‖R_t‖_F ≤ stop_fraction·ε, or the step cap (exact)',
                   r"T", "exact"),
    "width": quantity("width", 'the factor width r (columns of U and V; exact)',
                   r"r", "exact"),
    "escape": quantity("escape", 'first step with ‖R_t‖_F ≤ ½‖M⋆‖_F, the end of the escape from the saddle at 0 (float run)',
                   r"t_{\mathrm{esc}}", "estimate"),
    "lam": quantity("lam", 'λ_max(∇²f) at the horizon iterate (float64 dense Hessian; estimate)',
                   r"\lambda_{\max}", "estimate"),
}

DECAY_HYPOTHESES = {
    "decay": "0 < δ ≤ delta_max: Σ η_t² < ∞ (drift summable) and Σ η_t = ∞ (the clock reaches ∞)",
    "init": "i.i.d. balanced Gaussian initialisation with variance ≤ ε/d^p",
    "eps": "0 < ε < ‖M⋆‖_F",
}


@system_family(quantities=DECAY_QUANTITIES)
def mf_decaying_steps(dims: tuple[int, int] = (2, 6), max_rank: int = 3, sigma_range: tuple[str, str] = ("1", "2"),
                      kappa_max: str = "3/2", eps_range: tuple[str, str] = ("1/20", "1/2"),
                      delta_range: tuple[str, str] = ("1/2", "1/2"), delta_open: bool = False,
                      step_range: tuple[str, str] | None = None, step_constant: int = 100, step_offset: int = 1,
                      init_power: int = 4, init_range: tuple[str, str] | None = None,
                      unbalance_range: tuple[str, str] = ("1", "1"), delta_max: str = "1/2",
                      hypotheses: tuple[str, ...] = ("decay", "init", "eps"), horizon: int = 20000,
                      stop_fraction: str = "1/4", certificate_horizon: int = 1024,
                      max_ball_bits: int = 256) -> System:
    """Rank-r asymmetric matrix factorisation by gradient descent with decaying steps (DHL-T3.1).

    Instances: d1, d2 in ``dims``; rank r ≤ ``max_rank`` (factors of width r); σ1 in
    ``sigma_range`` and the other singular values in [σ1/κ, σ1] with κ = ``kappa_max``; ε/‖M⋆‖_F
    in ``eps_range``; δ in ``delta_range`` (open at the left end when ``delta_open``).
    Steps η_t = η_0(1 + t/t0)^{−(1/2+δ)}, t0 = ``step_offset``: with ``step_range`` None (the
    default) THEOREMS.md's η_0 = √(ε/r)/(K‖M⋆‖_F^{3/2}), K = ``step_constant`` = 100, t0 = 1 and
    δ = 1/2; otherwise η_0 = c/σ1 with c in ``step_range``.  Initialisation i.i.d. N(0, ε/d^p),
    d = max(d1, d2), p = ``init_power`` (THEOREMS.md: "ε/poly(d)"), or standard deviation
    s·(σ1/d)^{1/2} with s in ``init_range``; U0 is scaled by a and V0 by 1/a, a in
    ``unbalance_range``.  ``hypotheses`` lists the theorem hypotheses checked (a mutation drops
    one).  Horizon T: the first step with ‖R_t‖_F ≤ stop_fraction·ε, capped at horizon·4^level;
    with a finite total clock (δ > 1/2) the first step on a doubling ladder (capped at
    certificate_horizon·4^level) after which the rest of the run is bounded a priori.  Ball runs use
    the profile's precision up to ``max_ball_bits``: at 128 bits their radii stay below 1e-20
    after 10⁴ steps, so an undecided instance needs a longer horizon, not more bits.
    """
    params = DecayParams(init_power, step_constant, step_offset, horizon, stop_fraction, certificate_horizon,
                         max_ball_bits)
    lo_kappa = Fraction(1) / Fraction(kappa_max)

    @st.composite
    def instances(draw: Any) -> dict:
        d1 = draw(st.integers(*dims))
        d2 = draw(st.integers(*dims))
        r = draw(st.integers(1, min(d1, d2, max_rank)))
        s1 = Fraction(draw(rationals_between(*sigma_range)))
        ratios = sorted((Fraction(draw(rationals_between(lo_kappa, 1))) for _ in range(r - 1)), reverse=True)
        return {
            "d1": d1, "d2": d2, "rank": r, "sigma": [str(s1)] + [str(s1 * q) for q in ratios],
            "eps": draw(rationals_between(*eps_range)),
            "delta": draw(rationals_between(*delta_range, open_lo=delta_open)),
            "c": "theorem" if step_range is None else draw(rationals_between(*step_range)),
            "init": "theorem" if init_range is None else draw(rationals_between(*init_range)),
            "unbalance": draw(rationals_between(*unbalance_range)),
            "seed": draw(st.integers(0, 2 ** 16 - 1)),
        }

    def scope(instance: dict, precision: Precision) -> str | None:
        prob = decay_problem(instance, params)
        delta = rational(instance["delta"])
        if "decay" in hypotheses and not 0 < delta <= rational(delta_max):
            return f"decay: δ = {instance['delta']} outside (0, {delta_max}]"
        if "init" in hypotheses and (rational(instance["unbalance"]) != 1 or prob.init_std > prob.init_bound * (1 + 1e-12)):
            return (f"init: standard deviation {prob.init_std:.3g} (unbalance {instance['unbalance']}) "
                    f"exceeds the theorem's √(ε/d^{init_power}) = {prob.init_bound:.3g}")
        if "eps" in hypotheses and not 0 < prob.eps < 1:
            return f"eps: ε/‖M⋆‖_F = {instance['eps']} not in (0, 1)"
        return None

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        return _measure_decay(instance, params, precision, names)

    return System(
        name="mf_decaying_steps", description=mf_decaying_steps.__doc__.splitlines()[0],
        quantities=DECAY_QUANTITIES, strategy=instances(), measure=measure, scope=scope, dynamical=True,
        features=lambda inst: {"d": max(inst["d1"], inst["d2"]), "rank": inst["rank"], "delta": inst["delta"],
                               "init": inst["init"], "unbalance": inst["unbalance"]},
        hypotheses=tuple(DECAY_HYPOTHESES[h] for h in hypotheses),
        parameters=dict(dims=dims, max_rank=max_rank, sigma_range=sigma_range, kappa_max=kappa_max,
                        eps_range=eps_range, delta_range=delta_range, delta_open=delta_open,
                        step_range=step_range, step_constant=step_constant, step_offset=step_offset,
                        init_power=init_power, init_range=init_range, unbalance_range=unbalance_range,
                        delta_max=delta_max, hypotheses=hypotheses, horizon=horizon,
                        stop_fraction=stop_fraction, certificate_horizon=certificate_horizon,
                        max_ball_bits=max_ball_bits),
    )


def _measure_decay(inst: dict, params: DecayParams, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
    """Every requested DHL-T3.1 quantity of one instance (the runs are shared across statements)."""
    prob = decay_problem(inst, params)
    run = decay_float_run(inst, params, precision.level)
    if run.diverged:
        raise MeasurementError(f"gradient descent diverged at step {run.steps}")
    init2 = sum((rational(x) ** 2 for x in np.concatenate([prob.U0.ravel(), prob.V0.ravel()])), fmpq(0))
    out = {"eps": Enclosure.exact(prob.eps), "T": Enclosure.exact(run.steps), "width": Enclosure.exact(prob.width),
           "init2": Enclosure.exact(init2)}
    finite_clock = prob.schedule.tail(0) is not None
    ball = None
    if names & {"imb0", "imbT", "imbmax", "drift", "tau", "errT"} or ("err" in names and finite_clock):
        ball = decay_ball_run(inst, params, run.steps, min(precision.bits, params.max_ball_bits))
    with working_precision(precision.bits):
        norm_m = prob.norm_m()
        out["normM"] = Enclosure.ball(norm_m)
        if ball is not None:
            note = f"ball run of {ball.steps} exact GD steps at {ball.bits} bits"
            out.update(imb0=Enclosure.ball(ball.imbalance0, note), imbT=Enclosure.ball(ball.imbalance, note),
                       imbmax=Enclosure.ball(ball.imbalance_max, note), drift=Enclosure.ball(ball.drift, note),
                       tau=Enclosure.ball(ball.clock, note), errT=Enclosure.ball(ball.residual / norm_m, note))
        if "err" in names:
            out["err"] = _limit_error(prob, run, ball if finite_clock else None, norm_m)
    if "escape" in names:
        t = mf.first_below(run.residual, prob.norm_m_float / 2)
        if t is None:
            raise MeasurementError(f"no escape from the saddle at 0 within {run.steps} steps")
        out["escape"] = Enclosure.estimate(t, 1, "float64 run; ±1 step")
    if "lam" in names:
        lam = float(np.linalg.eigvalsh(mf.hessian(run.U, run.V, prob.Mf))[-1])
        out["lam"] = Enclosure.estimate(lam, 1e-9 * (1 + abs(lam)), "float64 dense Hessian at the horizon iterate")
    return out


# =========================================================================== DHL-T3.2
@dataclass(frozen=True)
class RankOneParams:
    """The parameters of :func:`mf_rank_one` that measurements depend on."""

    c_init: str
    rate_constant: str
    seeds: int
    horizon: int


@dataclass(frozen=True)
class RankOneProblem:
    """One decoded DHL-T3.2 instance: M⋆ = σ1u⋆v⋆ᵀ, constant step c_step/σ1, accuracy ε/σ1."""

    target: mf.Target
    Mf: np.ndarray
    sigma1: fmpq
    eps: fmpq
    c_step: fmpq
    init_std: float
    seed: int

    @property
    def d(self) -> int:
        return max(self.Mf.shape)

    def init(self, k: int) -> tuple[np.ndarray, np.ndarray]:
        """The k-th seeded initial point: u0, v0 with i.i.d. N(0, init_std²) entries."""
        rng = np.random.default_rng([self.seed, 1, k])
        d1, d2 = self.Mf.shape
        return self.init_std * rng.standard_normal((d1, 1)), self.init_std * rng.standard_normal((d2, 1))

    def steps(self, n: int) -> np.ndarray:
        return np.full(n, float(self.c_step / self.sigma1))


@shared(maxsize=256)
def rank_one_problem(inst: dict, c_init: str) -> RankOneProblem:
    """Decode a DHL-T3.2 instance; initial scale δ0 = c_init·(σ1/d)^{1/2} (taken as a standard deviation)."""
    sigma1 = rational(inst["sigma1"])
    target = mf.planted_target(inst["d1"], inst["d2"], [sigma1], np.random.default_rng([inst["seed"], 0]))
    d = max(inst["d1"], inst["d2"])
    return RankOneProblem(target, mf.to_float(target.M), sigma1, rational(inst["eps"]), rational(inst["c_step"]),
                          float(rational(c_init)) * math.sqrt(float(sigma1) / d), inst["seed"])


def _step_bound(prob: RankOneProblem, rate_constant: str) -> int:
    """T_ε = ⌈C_T·(log d + log(σ1/ε))/c_step⌉ (ε = eps·σ1, so σ1/ε = 1/eps)."""
    with working_precision(128):
        value = arb(rational(rate_constant)) * (arb(prob.d).log() - arb(prob.eps).log()) / arb(prob.c_step)
        return int(value.upper().ceil().unique_fmpz())


@dataclass(frozen=True)
class RankOneRuns:
    """Float64 runs of one DHL-T3.2 instance: ``trials`` to T_ε from every seed, ``long`` from seed 0."""

    bound: int
    trials: tuple
    long: mf.FloatRun


@shared(maxsize=256)
def rank_one_runs(inst: dict, params: RankOneParams, level: int) -> RankOneRuns:
    prob = rank_one_problem(inst, params.c_init)
    bound = _step_bound(prob, params.rate_constant)
    eps_abs = float(prob.eps * prob.sigma1)
    trials = tuple(mf.gd_float(*prob.init(k), prob.Mf, prob.steps(bound), stop_below=eps_abs, imbalance_every=bound + 1,
                               blowup=1e6 * float(prob.sigma1)) for k in range(params.seeds))
    n = params.horizon * 4 ** level
    long = mf.gd_float(*prob.init(0), prob.Mf, prob.steps(n), stop_below=1e-10 * float(prob.sigma1),
                       imbalance_every=n + 1, blowup=1e6 * float(prob.sigma1))
    return RankOneRuns(bound, trials, long)


RANK_ONE_QUANTITIES = {
    "success": quantity("success", 'fraction of the seeded runs with ‖u_Tv_Tᵀ − M⋆‖_F ≤ ε within T_ε steps (estimate)',
                   r"\hat p", "estimate"),
    "p_min": quantity("p_min", "the theorem's 'constant probability' (parameter, exact)",
                   r"p_{\min}", "exact"),
    "Tbound": quantity("Tbound", 'T_ε = ⌈C_T·(log d + log(σ1/ε))/c_step⌉, the step budget (exact)',
                   r"T_\varepsilon", "exact"),
    "Teps": quantity("Teps", 'steps the seed-0 run needs to reach ‖R_t‖_F ≤ ε (float run)',
                   r"t_\varepsilon", "estimate"),
    "escape": quantity("escape", 'first step with ‖R_t‖_F ≤ σ1/2 (seed-0 run)',
                   r"t_{\mathrm{esc}}", "estimate"),
    "rate": quantity("rate", 'least-squares slope of log‖R_t‖_F per step after the escape (seed-0 run; 99% error bar)',
                   r"\rho", "estimate"),
    "eta": quantity("eta", 'the constant step c_step/σ1 (exact)',
                   r"\eta", "exact"),
    "sigma1": quantity("sigma1", 'σ1(M⋆) (exact)',
                   r"\sigma_1", "exact"),
    "lam": quantity("lam", "λ_max(∇²f) at the exact global minimiser nearest the seed-0 run's end (exact characteristic polynomial)",
                   r"\lambda_{\max}", "ball"),
    "unorm2": quantity("unorm2", '‖u‖² at that minimiser (exact)',
                   r"\lVert u\rVert^2", "exact"),
    "vnorm2": quantity("vnorm2", '‖v‖² at that minimiser (exact)',
                   r"\lVert v\rVert^2", "exact"),
}

RANK_ONE_HYPOTHESES = {
    "step": "constant step η = c_step/σ1 with c_step ≤ step_max (a small constant)",
    "eps": "0 < ε < σ1",
}


@system_family(quantities=RANK_ONE_QUANTITIES)
def mf_rank_one(dims: tuple[int, int] = (2, 6), sigma_range: tuple[str, str] = ("1/2", "2"),
                eps_range: tuple[str, str] = ("1/100", "1/4"), step_range: tuple[str, str] = ("1/20", "1/2"),
                step_open: bool = False, step_max: str = "1/2", c_init: str = "1/10", p_min: str = "1/2",
                rate_constant: str = "4", seeds: int = 16, hypotheses: tuple[str, ...] = ("step", "eps"),
                horizon: int = 20000) -> System:
    """Rank-one asymmetric matrix factorisation by gradient descent with a constant step (DHL-T3.2).

    M⋆ = σ1u⋆v⋆ᵀ (u⋆, v⋆ exact rational unit vectors), d1, d2 in ``dims``, σ1 in ``sigma_range``,
    ε/σ1 in ``eps_range``, η = c_step/σ1 with c_step in ``step_range`` (the theorem's hypothesis:
    c_step ≤ ``step_max``, "a small constant"); u0, v0 i.i.d. N(0, δ0²) with δ0 = c_init·(σ1/d)^{1/2}.
    ``seeds`` initial points per instance estimate the theorem's "constant probability" ``p_min``;
    the step budget is T_ε = ⌈C_T(log d + log(σ1/ε))/c_step⌉ with C_T = ``rate_constant``.
    Every default is [unconfirmed]; THEOREMS.md only says the constants are small.
    """
    params = RankOneParams(c_init, rate_constant, seeds, horizon)

    @st.composite
    def instances(draw: Any) -> dict:
        return {
            "d1": draw(st.integers(*dims)), "d2": draw(st.integers(*dims)),
            "sigma1": draw(rationals_between(*sigma_range)), "eps": draw(rationals_between(*eps_range, max_den=100)),
            "c_step": draw(rationals_between(*step_range, max_den=20, open_lo=step_open)),
            "seed": draw(st.integers(0, 2 ** 16 - 1)),
        }

    def scope(instance: dict, precision: Precision) -> str | None:
        if "step" in hypotheses and not 0 < rational(instance["c_step"]) <= rational(step_max):
            return f"step: c_step = {instance['c_step']} outside (0, {step_max}]"
        if "eps" in hypotheses and not 0 < rational(instance["eps"]) < 1:
            return f"eps: ε/σ1 = {instance['eps']} not in (0, 1)"
        return None

    def measure(instance: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        prob = rank_one_problem(instance, c_init)
        runs = rank_one_runs(instance, params, precision.level)
        out = {"p_min": Enclosure.exact(rational(p_min)), "eta": Enclosure.exact(prob.c_step / prob.sigma1),
               "sigma1": Enclosure.exact(prob.sigma1), "Tbound": Enclosure.exact(runs.bound)}
        out.update(_rank_one_run_quantities(prob, runs, names))
        if names & {"lam", "unorm2", "vnorm2"}:
            U = runs.long.U
            u, v = mf.rank_one_minimiser(prob.target, float(np.linalg.norm(U)) if np.all(np.isfinite(U)) else math.nan)
            lam, how = mf.exact_top_eigenvalue(mf.hessian(u, v, u @ v.T))
            out["lam"] = Enclosure.exact(lam, how) if isinstance(lam, fmpq) else Enclosure.ball(lam, how)
            out["unorm2"] = Enclosure.exact((u.T @ u)[0, 0])
            out["vnorm2"] = Enclosure.exact((v.T @ v)[0, 0])
        return out

    return System(
        name="mf_rank_one", description=mf_rank_one.__doc__.splitlines()[0], quantities=RANK_ONE_QUANTITIES,
        strategy=instances(), measure=measure, scope=scope, dynamical=True,
        features=lambda inst: {"d": max(inst["d1"], inst["d2"]), "c_step": inst["c_step"]},
        hypotheses=tuple(RANK_ONE_HYPOTHESES[h] for h in hypotheses),
        parameters=dict(dims=dims, sigma_range=sigma_range, eps_range=eps_range, step_range=step_range,
                        step_open=step_open, step_max=step_max, c_init=c_init, p_min=p_min,
                        rate_constant=rate_constant, seeds=seeds, hypotheses=hypotheses, horizon=horizon),
    )


def _rank_one_run_quantities(prob: RankOneProblem, runs: RankOneRuns, names: frozenset[str]) -> dict[str, Enclosure]:
    """success, Teps, escape and rate from the float runs of one instance."""
    eps_abs = float(prob.eps * prob.sigma1)
    out: dict[str, Enclosure] = {}
    ends = np.array([r.residual[-1] if not r.diverged else np.inf for r in runs.trials])
    near = np.sum(np.abs(ends - eps_abs) <= 1e-9 * float(prob.sigma1))
    k = len(ends)
    out["success"] = Enclosure.estimate(np.sum(ends <= eps_abs) / k, near / k,
                                        f"{k} seeded runs of {runs.bound} steps; radius: runs within rounding of ε")
    res = runs.long.residual
    if "Teps" in names:
        t = mf.first_below(res, eps_abs)
        if t is None:
            raise MeasurementError(f"the seed-0 run did not reach ε within {runs.long.steps} steps")
        out["Teps"] = Enclosure.estimate(t, 1, "float64 run; ±1 step")
    if names & {"escape", "rate"}:
        esc = mf.first_below(res, float(prob.sigma1) / 2)
        start = mf.first_below(res, float(prob.sigma1) / 10)
        if esc is None or start is None:
            raise MeasurementError(f"the seed-0 run did not escape the saddle at 0 within {runs.long.steps} steps")
        out["escape"] = Enclosure.estimate(esc, 1, "float64 run; ±1 step")
        fit = mf.linear_rate(res, start, runs.long.steps)
        if fit is None:
            raise MeasurementError("fewer than 4 steps in the linear phase; no rate")
        out["rate"] = Enclosure.estimate(fit.slope, fit.error, f"least squares on steps {fit.start}..{fit.stop}, 99% interval")
    return out

