"""Du, Hu & Lee: gradient descent balances and solves asymmetric matrix factorisation.

THEOREMS.md §1, ids **DHL-T3.1** (rank r, decaying steps) and **DHL-T3.2** (rank one, constant
step).  The identity (I2) they rest on, DHL-MF, is stated in ``theorems/balance.py``.

Problem: f(U, V) = ½‖UVᵀ − M⋆‖_F² with rank(M⋆) = r, U ∈ ℝ^{d1×r}, V ∈ ℝ^{d2×r}, gradient
descent U ← U − η_t RV, V ← V − η_t RᵀU with R = UVᵀ − M⋆.  Targets are planted as
M⋆ = P diag(σ) Qᵀ with exactly orthonormal rational P, Q (:func:`checker.matfact.planted_target`),
so σ are exactly its singular values.  Initial points are seeded Gaussians in float64; those
floats are exact rationals, so the ball-arithmetic runs enclose the *exact* gradient-descent
iterates from exactly the stated initial point with exactly the stated step sizes.

Every constant of both theorems is [unconfirmed — a parameter] (THEOREMS.md §0.1); each system
family takes them as keyword arguments whose defaults are THEOREMS.md's values, and the notes of
each statement say which values it is checked at and whether those are outside the theorem's.
"""
from __future__ import annotations

import functools
import json
import math
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from flint import arb, fmpq
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family, theorem
from checker import matfact as mf
from checker.arith import rational, working_precision
from checker.matfact import rationals_between

SOURCE = ("S. S. Du, W. Hu, J. D. Lee, \"Algorithmic regularization in learning deep homogeneous models: "
          "layers are automatically balanced\", NeurIPS 2018, arXiv:1806.00900")
SOURCE_31 = SOURCE + ", Thm 3.1 (number unconfirmed); THEOREMS.md DHL-T3.1"
SOURCE_32 = SOURCE + ", Thm 3.2 (number unconfirmed); THEOREMS.md DHL-T3.2"


# =========================================================================== helpers
def _key(instance: dict) -> str:
    return json.dumps(instance, sort_keys=True)


def _first_below(values: np.ndarray, level: float) -> int | None:
    hits = np.flatnonzero(values <= level)
    return int(hits[0]) if hits.size else None


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


@functools.lru_cache(maxsize=256)
def _decay_problem(key: str, params: DecayParams) -> DecayProblem:
    """Decode a DHL-T3.1 instance (deterministic in its seed).

    Initialisation: "theorem" means i.i.d. N(0, ε/d^p) entries with ε = eps·‖M⋆‖_F, d = max(d1, d2),
    p = ``init_power`` (THEOREMS.md: "N(0, ε/poly(d))"); a rational s means standard deviation
    s·(σ1/d)^{1/2}.  With unbalance a, U0 is scaled by a and V0 by 1/a.
    Steps η_t = η_0(1 + t/t0)^{−(1/2+δ)} with t0 = ``step_offset`` (t0 = 1: η_0(t+1)^{−(1/2+δ)}):
    c = "theorem" is THEOREMS.md's η_0 = √(ε/r)/(K‖M⋆‖_F^{3/2}) with K = ``step_constant``; a
    rational c means η_0 = c/σ1.
    """
    inst = json.loads(key)
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


def _remaining_movement(prob: DecayProblem, run: mf.FloatRun) -> float:
    """Float64 screening of :func:`mf.movement_bound` after ``run``: how far UVᵀ can still move
    (inf when :func:`mf.iterate_bound` finds no bound for the remaining clock)."""
    tail = prob.schedule.tail(run.steps)
    with working_precision(64):
        S = mf.iterate_bound(arb(np.linalg.norm(run.U)), arb(np.linalg.norm(run.V)), arb(prob.sigma1), tail)
        return math.inf if S is None else float(mf.movement_bound(S, prob.norm_m(), prob.width, tail).upper())


@functools.lru_cache(maxsize=256)
def _decay_float_run(key: str, params: DecayParams, level: int) -> mf.FloatRun:
    """The float64 run: until ‖R_t‖_F ≤ stop_fraction·ε, for at most horizon·4^level steps.

    With a finite total clock (δ > 1/2) the run is extended over a doubling ladder of horizons
    (64, 128, …, at most certificate_horizon·4^level) and stops at the first one after which
    UVᵀ can move by at most ‖M⋆‖_F/4^{level+2} (:func:`mf.iterate_bound`, :func:`mf.movement_bound`,
    screened in float64; the measurement re-checks them in balls).
    """
    prob = _decay_problem(key, params)
    finite_clock = prob.schedule.tail(0) is not None
    cap = (params.certificate_horizon if finite_clock else params.horizon) * 4 ** level
    etas = prob.schedule.floats(cap)
    options = dict(stop_below=float(prob.eps * rational(params.stop_fraction)) * prob.norm_m_float,
                   imbalance_every=cap + 1)
    if not finite_clock:
        return mf.gd_float(prob.U0, prob.V0, prob.Mf, etas, **options)
    tolerance = prob.norm_m_float / 4 ** (level + 2)
    return mf.gd_float_settled(prob.U0, prob.V0, prob.Mf, etas, cap,
                               lambda run: _remaining_movement(prob, run) <= tolerance, **options)


@functools.lru_cache(maxsize=256)
def _decay_ball_run(key: str, params: DecayParams, steps: int, bits: int) -> mf.BallRun:
    prob = _decay_problem(key, params)
    return mf.gd_ball(prob.U0, prob.V0, prob.target.M, prob.schedule, steps, bits)


def _limit_error(prob: DecayProblem, run: mf.FloatRun, ball: mf.BallRun | None, norm_m: arb) -> Enclosure:
    """The relative error of the limit, ‖U_∞V_∞ᵀ − M⋆‖_F/‖M⋆‖_F.

    Finite total clock and an a-priori bound S on the rest of the run (:func:`mf.iterate_bound`):
    a rigorous ball [‖R_T‖ − move, ‖R_T‖ + move]/‖M⋆‖_F around the enclosed ‖R_T‖_F, where move
    bounds how far UVᵀ can still travel (:func:`mf.movement_bound`); the limit exists because the
    remaining path length is finite.  Otherwise (infinite clock, or no bound): the finite-horizon
    proxy [0, err_T], an *estimate* that assumes gradient descent keeps descending after T.
    """
    sched = prob.schedule
    if ball is not None:
        tail = sched.tail(ball.steps)
        S = mf.iterate_bound(mf.frobenius(ball.U), mf.frobenius(ball.V), arb(prob.sigma1), tail)
        if S is not None:
            move = mf.movement_bound(S, norm_m, prob.width, tail)
            res = ball.residual
            lo = arb(res.lower()) - arb(move.upper())
            hi = arb(res.upper()) + arb(move.upper())
            return Enclosure.ball(lo.union(hi).nonnegative_part() / norm_m,
                                  f"rigorous: ball run to T={ball.steps}, remaining clock ≤ {float(tail.upper()):.3g}, "
                                  f"iterates ≤ {float(S.upper()):.3g}, limit within {float(move.upper()):.2g}")
    err_t = float(run.residual[-1]) / prob.norm_m_float
    return Enclosure.estimate(err_t / 2, err_t / 2,
                              f"finite-horizon proxy [0, err_T] at T={run.steps} (assumes descent continues)")


DECAY_QUANTITIES = {
    "eps": "ε/‖M⋆‖_F, the accuracy of the theorem (exact)",
    "err": "relative error of the limit ‖U_∞V_∞ᵀ − M⋆‖_F/‖M⋆‖_F: a rigorous ball when the remaining clock is "
           "finite and an a-priori bound holds, else the finite-horizon estimate [0, err_T]",
    "errT": "relative error ‖U_TV_Tᵀ − M⋆‖_F/‖M⋆‖_F at the horizon T (ball run)",
    "imb0": "‖U_0ᵀU_0 − V_0ᵀV_0‖_F (ball)",
    "imbT": "‖U_TᵀU_T − V_TᵀV_T‖_F at the horizon T (ball run)",
    "imbmax": "max over t ≤ T of ‖U_tᵀU_t − V_tᵀV_t‖_F (ball run)",
    "drift": "the a-posteriori drift bound Σ_{t<T} η_t²‖V_tᵀR_tᵀR_tV_t − U_tᵀR_tR_tᵀU_t‖_F (ball run)",
    "init2": "‖U_0‖_F² + ‖V_0‖_F² (exact: the float64 initial point is a rational point)",
    "normM": "‖M⋆‖_F (ball)",
    "tau": "the gradient-descent clock τ_T = Σ_{t<T} η_t (ball)",
    "T": "the horizon: first step with ‖R_t‖_F ≤ stop_fraction·ε, or the step cap (exact)",
    "width": "the factor width r (columns of U and V; exact)",
    "escape": "first step with ‖R_t‖_F ≤ ½‖M⋆‖_F, the end of the escape from the saddle at 0 (float run)",
    "lam": "λ_max(∇²f) at the horizon iterate (float64 dense Hessian; estimate)",
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
        prob = _decay_problem(_key(instance), params)
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
        return _measure_decay(_key(instance), params, precision, names)

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


def _measure_decay(key: str, params: DecayParams, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
    """Every requested DHL-T3.1 quantity of one instance (the runs are cached across statements)."""
    prob = _decay_problem(key, params)
    run = _decay_float_run(key, params, precision.level)
    if run.diverged:
        raise MeasurementError(f"gradient descent diverged at step {run.steps}")
    init2 = sum((rational(x) ** 2 for x in np.concatenate([prob.U0.ravel(), prob.V0.ravel()])), fmpq(0))
    out = {"eps": Enclosure.exact(prob.eps), "T": Enclosure.exact(run.steps), "width": Enclosure.exact(prob.width),
           "init2": Enclosure.exact(init2)}
    finite_clock = prob.schedule.tail(0) is not None
    ball = None
    if names & {"imb0", "imbT", "imbmax", "drift", "tau", "errT"} or ("err" in names and finite_clock):
        ball = _decay_ball_run(key, params, run.steps, min(precision.bits, params.max_ball_bits))
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
        t = _first_below(run.residual, prob.norm_m_float / 2)
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


@functools.lru_cache(maxsize=256)
def _rank_one_problem(key: str, c_init: str) -> RankOneProblem:
    """Decode a DHL-T3.2 instance; initial scale δ0 = c_init·(σ1/d)^{1/2} (taken as a standard deviation)."""
    inst = json.loads(key)
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


@functools.lru_cache(maxsize=256)
def _rank_one_runs(key: str, params: RankOneParams, level: int) -> RankOneRuns:
    prob = _rank_one_problem(key, params.c_init)
    bound = _step_bound(prob, params.rate_constant)
    eps_abs = float(prob.eps * prob.sigma1)
    trials = tuple(mf.gd_float(*prob.init(k), prob.Mf, prob.steps(bound), stop_below=eps_abs, imbalance_every=bound + 1,
                               blowup=1e6 * float(prob.sigma1)) for k in range(params.seeds))
    n = params.horizon * 4 ** level
    long = mf.gd_float(*prob.init(0), prob.Mf, prob.steps(n), stop_below=1e-10 * float(prob.sigma1),
                       imbalance_every=n + 1, blowup=1e6 * float(prob.sigma1))
    return RankOneRuns(bound, trials, long)


def nearest_minimiser(prob: RankOneProblem, u: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The exact global minimiser (s·u⋆, (σ1/s)·v⋆) with s = ‖u‖ rounded to a rational (denominator ≤ 10⁶).

    When u is not finite or not of a sensible size (a diverged run), s = √σ1 rounded, the balanced one.
    """
    size = float(np.linalg.norm(u)) if np.all(np.isfinite(u)) else float("nan")
    root = math.sqrt(float(prob.sigma1))
    if not 1e-3 * root <= size <= 1e3 * root:
        size = root
    f = Fraction(size).limit_denominator(10 ** 6)
    s = fmpq(f.numerator, f.denominator)
    ustar = np.array([[x] for x in prob.target.P.entries()], dtype=object)
    vstar = np.array([[x] for x in prob.target.Q.entries()], dtype=object)
    return ustar * s, vstar * (prob.sigma1 / s)


RANK_ONE_QUANTITIES = {
    "success": "fraction of the seeded runs with ‖u_Tv_Tᵀ − M⋆‖_F ≤ ε within T_ε steps (estimate)",
    "p_min": "the theorem's 'constant probability' (parameter, exact)",
    "Tbound": "T_ε = ⌈C_T·(log d + log(σ1/ε))/c_step⌉, the step budget (exact)",
    "Teps": "steps the seed-0 run needs to reach ‖R_t‖_F ≤ ε (float run)",
    "escape": "first step with ‖R_t‖_F ≤ σ1/2 (seed-0 run)",
    "rate": "least-squares slope of log‖R_t‖_F per step after the escape (seed-0 run; 99% error bar)",
    "eta": "the constant step c_step/σ1 (exact)",
    "sigma1": "σ1(M⋆) (exact)",
    "lam": "λ_max(∇²f) at the exact global minimiser nearest the seed-0 run's end (exact characteristic polynomial)",
    "unorm2": "‖u‖² at that minimiser (exact)",
    "vnorm2": "‖v‖² at that minimiser (exact)",
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
        key = _key(instance)
        prob = _rank_one_problem(key, c_init)
        runs = _rank_one_runs(key, params, precision.level)
        out = {"p_min": Enclosure.exact(rational(p_min)), "eta": Enclosure.exact(prob.c_step / prob.sigma1),
               "sigma1": Enclosure.exact(prob.sigma1), "Tbound": Enclosure.exact(runs.bound)}
        out.update(_rank_one_run_quantities(prob, runs, names))
        if names & {"lam", "unorm2", "vnorm2"}:
            u, v = nearest_minimiser(prob, runs.long.U)
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
        t = _first_below(res, eps_abs)
        if t is None:
            raise MeasurementError(f"the seed-0 run did not reach ε within {runs.long.steps} steps")
        out["Teps"] = Enclosure.estimate(t, 1, "float64 run; ±1 step")
    if names & {"escape", "rate"}:
        esc = _first_below(res, float(prob.sigma1) / 2)
        start = _first_below(res, float(prob.sigma1) / 10)
        if esc is None or start is None:
            raise MeasurementError(f"the seed-0 run did not escape the saddle at 0 within {runs.long.steps} steps")
        out["escape"] = Enclosure.estimate(esc, 1, "float64 run; ±1 step")
        fit = mf.linear_rate(res, start, runs.long.steps)
        if fit is None:
            raise MeasurementError("fewer than 4 steps in the linear phase; no rate")
        out["rate"] = Enclosure.estimate(fit.slope, fit.error, f"least squares on steps {fit.start}..{fit.stop}, 99% interval")
    return out


# =========================================================================== figures
#: The fixed instances the figures are drawn from.
FIGURE_DECAY_INSTANCE = {"d1": 5, "d2": 4, "rank": 2, "sigma": ["3/2", "1"], "eps": "1/10", "delta": "1/4",
                         "c": "1/4", "init": "theorem", "unbalance": "1", "seed": 0}
FIGURE_RANK_ONE_INSTANCE = {"d1": 5, "d2": 4, "sigma1": "1", "eps": "1/100", "c_step": "1/4", "seed": 0}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _decay_params(system: System) -> DecayParams:
    return DecayParams(**{f: system.parameters[f] for f in DecayParams.__dataclass_fields__})


def _figure_decay_problem(**changes: Any) -> tuple[DecayProblem, DecayParams]:
    params = _decay_params(_T31)
    return _decay_problem(_key({**FIGURE_DECAY_INSTANCE, **changes}), params), params


def _save(plt: Any, fig: Any, path: Path) -> None:
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def figure_imbalance(path: Path) -> str:
    """Imbalance ‖U_tᵀU_t − V_tᵀV_t‖_F against t, with ‖G_0‖_F + the running drift bound."""
    prob, _ = _figure_decay_problem()
    run = mf.gd_float(prob.U0, prob.V0, prob.Mf, prob.schedule.floats(20000),
                      stop_below=1e-8 * prob.norm_m_float, imbalance_every=1)
    t = run.imbalance_steps
    bound = run.imbalance[0] + run.drift_bound[t]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.semilogx(t + 1, run.imbalance, label=r"$\|U_t^\top U_t - V_t^\top V_t\|_F$")
    ax.semilogx(t + 1, bound, "--", label=r"$\|G_0\|_F + \sum_{s<t}\eta_s^2\|D_s\|_F$")
    ax.set_xlabel("t + 1")
    ax.set_ylabel("imbalance")
    ax.legend()
    _save(plt, fig, path)
    return (f"Imbalance along a decaying-step run (d1=5, d2=4, r=2, σ=(3/2, 1), δ=1/4, c=1/4, t0=16) with the "
            f"a-posteriori bound: {run.imbalance[0]:.4g} at t=0, {run.imbalance[-1]:.4g} at t={run.steps} "
            f"(relative error {run.residual[-1] / prob.norm_m_float:.1e}); bound {bound[-1]:.4g}.  Float64 run; "
            f"the statement's values come from ball arithmetic.")


def figure_error_decaying(path: Path) -> str:
    """log relative error against t for decaying steps, one curve per δ."""
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ends = []
    for delta in ("1/8", "1/4", "1/2"):
        prob, _ = _figure_decay_problem(delta=delta, c="1/8")
        run = mf.gd_float(prob.U0, prob.V0, prob.Mf, prob.schedule.floats(20000),
                          stop_below=1e-10 * prob.norm_m_float, imbalance_every=20001)
        ax.semilogy(run.residual / prob.norm_m_float, label=f"δ = {delta}")
        ends.append(f"δ={delta}: {run.residual[-1] / prob.norm_m_float:.1e} at t={run.steps}")
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlabel("t")
    ax.set_ylabel(r"$\|U_tV_t^\top - M^\star\|_F / \|M^\star\|_F$")
    ax.legend()
    _save(plt, fig, path)
    return ("Relative error against t for η_t = (1/(8σ1))(1 + t/16)^{−(1/2+δ)} from the theorem's small "
            "initialisation: a plateau while escaping the saddle at 0, then a decay that slows as the steps "
            "shrink; " + "; ".join(ends) + ".")


def figure_error_constant(path: Path) -> str:
    """log error against t for rank one with a constant step: escape, then a linear phase (fitted)."""
    prob = _rank_one_problem(_key(FIGURE_RANK_ONE_INSTANCE), _T32.parameters["c_init"])
    run = mf.gd_float(*prob.init(0), prob.Mf, prob.steps(5000), stop_below=1e-12, imbalance_every=5001)
    res = run.residual / float(prob.sigma1)
    esc = _first_below(res, 0.5)
    start = _first_below(res, 0.1)
    fit = mf.linear_rate(run.residual, start, run.steps)
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.semilogy(res, ".-", ms=3, label="gradient descent")
    t = np.arange(fit.start, fit.stop + 1)
    ax.semilogy(t, np.exp(fit.intercept + fit.slope * t) / float(prob.sigma1), "--",
                label=f"fit: slope {fit.slope:.3f} ± {fit.error:.1g}")
    ax.axvline(esc, color="gray", lw=0.8)
    ax.text(esc, res.max(), " escape", va="top")
    ax.set_xlabel("t")
    ax.set_ylabel(r"$\|u_tv_t^\top - M^\star\|_F / \sigma_1$")
    ax.legend()
    _save(plt, fig, path)
    return (f"Rank one, d1=5, d2=4, σ1=1, η = 1/(4σ1), δ0 = (1/10)(σ1/d)^{{1/2}}: escape from the saddle at 0 "
            f"ends at t={esc}, then log‖R_t‖ falls linearly with slope {fit.slope:.4f} ± {fit.error:.1g} per step "
            f"(99%, steps {fit.start}..{fit.stop}).  The contraction e^{{slope}} = {math.exp(fit.slope):.3f} per step matches "
            f"1 − ησ1 = 1 − c_step = 0.75, the slowest mode: at a balanced minimiser the Hessian has eigenvalue "
            f"‖v‖² = ‖u‖² = σ1 on the directions (δu ⊥ u, δv ⊥ v), besides λ_max = 2σ1.")


def figure_stability(path: Path) -> str:
    """Fraction of seeded runs that converge against c_step, around the stability limit c_step = 1."""
    prob = _rank_one_problem(_key(FIGURE_RANK_ONE_INSTANCE), _T32.parameters["c_init"])
    cs = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3, 1.4, 1.5])
    seeds, steps = 12, 2000
    fractions = []
    for c in cs:
        eta = np.full(steps, c / float(prob.sigma1))
        runs = [mf.gd_float(*prob.init(k), prob.Mf, eta, stop_below=1e-8, imbalance_every=steps + 1, blowup=1e6)
                for k in range(seeds)]
        fractions.append(np.mean([r.residual[-1] <= 1e-8 for r in runs]))
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.plot(cs, fractions, "o-")
    ax.axvline(1.0, color="gray", lw=0.8, ls="--")
    ax.set_xlabel(r"step multiplier $c$ ($\eta = c/\sigma_1$)")
    ax.set_ylabel(f"fraction converged (‖R‖ ≤ 1e-8 within {steps} steps)")
    _save(plt, fig, path)
    last = max((c for c, f in zip(cs, fractions) if f > 0), default=None)
    return (f"Rank one (d1=5, d2=4, σ1=1): fraction of {seeds} seeded small initialisations that converge, against "
            f"c = ησ1.  Every global minimiser has λ_max ≥ 2σ1, so none is linearly stable for c > 1 (dashed); "
            f"largest c with any converged run: {last}.")


def figure_drift_against_step(path: Path) -> str:
    """Imbalance drift ‖G_T − G_0‖_F and its bound against a constant step η, log-log, with fitted slopes."""
    prob, _ = _figure_decay_problem()
    sigma1 = float(prob.sigma1)
    cs = 2.0 ** -np.arange(1, 9)
    G0 = mf.imbalance(prob.U0, prob.V0)
    drifts, bounds, errors = [], [], []
    for c in cs:
        eta = np.full(int(60 / c), c / sigma1)
        run = mf.gd_float(prob.U0, prob.V0, prob.Mf, eta, stop_below=1e-9 * prob.norm_m_float, imbalance_every=len(eta) + 1)
        drifts.append(np.linalg.norm(mf.imbalance(run.U, run.V) - G0))
        bounds.append(run.drift_bound[-1])
        errors.append(run.residual[-1] / prob.norm_m_float)
    etas = cs / sigma1
    slope_d = np.polyfit(np.log(etas), np.log(drifts), 1)[0]
    slope_b = np.polyfit(np.log(etas), np.log(bounds), 1)[0]
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6.4, 4))
    ax.loglog(etas, drifts, "o-", label=f"‖G_T − G_0‖_F (slope {slope_d:.2f})")
    ax.loglog(etas, bounds, "s--", label=f"Σ η²‖D_t‖_F (slope {slope_b:.2f})")
    ax.set_xlabel(r"constant step $\eta$")
    ax.set_ylabel("imbalance drift over the whole run")
    ax.legend()
    _save(plt, fig, path)
    return (f"Total imbalance drift of a run to convergence against a constant step η (d1=5, d2=4, r=2, σ=(3/2, 1), "
            f"theorem's small initialisation): log-log slope {slope_d:.2f} for the drift and {slope_b:.2f} for the "
            f"bound (final relative errors ≤ {max(errors):.0e}).  A run needs ~1/η steps, each moving G by O(η²), so "
            f"the drift vanishes linearly in η.")


# =========================================================================== statements
#: The enlarged constants at which DHL-T3.1 is checked (THEOREMS.md: "test the qualitative claim
#: with larger constants, flagged outside the theorem's constants").
ENLARGED = dict(step_range=("1/8", "1/2"), step_offset=16, delta_range=("1/8", "1/2"))
GOOD_EVENT = "init2 <= eps*normM/2"

_T31 = mf_decaying_steps(**ENLARGED)
_T31_FAST = mf_decaying_steps(**{**ENLARGED, "delta_range": ("1/2", "2")}, delta_open=True, hypotheses=("init", "eps"))
_T31_UNBALANCED = mf_decaying_steps(**ENLARGED, init_range=("1/8", "1/4"), unbalance_range=("2", "3"),
                                    hypotheses=("decay", "eps"))
_T32 = mf_rank_one()
_T32_LARGE_STEP = mf_rank_one(step_range=("1", "2"), step_open=True, hypotheses=("eps",))

_CONSTANTS_31 = """
**Constants — outside the theorem's.** THEOREMS.md's steps are η_t = √(ε/r)/(100(t+1)‖M⋆‖_F^{3/2})
(δ = 1/2), i.e. η_0 ≤ 0.007/σ1 here, and the clock τ_T = Σ η_t grows like η_0 log T.  Escaping the
saddle at 0 from scale σ₀ needs τ ≈ log(1/σ₀)/σ_r, and fitting to ε/4 another ≈ log(1/ε)/(2σ_r):
the clock the runs below need would take, with the theorem's constants, log T = τ/η_0 ≈ 400 to
7500 (median 2000; 300 draws), i.e. e^{400} steps or more — astronomically long.  The claim is therefore
checked at **η_t = (c/σ1)(1 + t/16)^{−(1/2+δ)}, c ∈ [1/8, 1/2], δ ∈ [1/8, 1/2]** (still Θ(t^{−(1/2+δ)}),
the footnote's form; c ≤ 1/2 keeps every step below the stability limit 1/σ1), on d1, d2 ∈ 2..6,
r ≤ 3, σ1 ∈ [1, 2], σ_r ≥ σ1/κ with κ = 3/2, ε/‖M⋆‖_F ∈ [1/20, 1/2].  Initialisation: i.i.d.
N(0, ε/d⁴) (THEOREMS.md: "ε/poly(d)", poly(d) = d⁴ is a default, unconfirmed); "with high
probability" is read as the event the proof works on, checked as the statement hypothesis
‖U_0‖_F² + ‖V_0‖_F² ≤ ε/2 (instances outside it are hypotheses-unsatisfied, and counted).
"""

theorem(
    "DHL-T3.1", system=_T31, conclusion="err <= eps", hypotheses=(GOOD_EVENT,),
    title="Decaying steps: gradient descent reaches an ε/4-approximate global minimiser within its step budget "
          "(reading 1, finite-horizon evidence only; outside the theorem's constants)",
    source=SOURCE_31, figures=(figure_error_decaying,),
    notes="""
Reading 1 of DHL-T3.1: with 0 < δ ≤ 1/2, lim_t U_tV_tᵀ exists and ‖ŪV̄ᵀ − M⋆‖_F ≤ ε.

**What this check is.** On every run that reaches ‖R_T‖_F ≤ ε/4 (where the run stops) the enclosure
[0, err_T] of the limit error lies below ε *by construction*, so the conclusion `err <= eps` cannot
fail there and its nearby twins (ε × (1 ± 1/100), ε/2) cannot fail either: the statement does not
discriminate, and says only that gradient descent reaches an ε/4-approximate global minimiser within
the step budget.  What could fail — a run that does not get there — is undecided (no finite horizon
refutes convergence).  The parts of DHL-T3.1 that can fail are checked elsewhere: the range of δ by
`MUT-DHL-T3.1-fast-decay` (a certified refutation), the balance mechanism by `DHL-T3.1-drift` (tight
for rank one) and its mutation `MUT-DHL-T3.1-no-drift`.

**Evidence — passed at best (an asymptotic claim).** `err` is the relative error of the limit.
For δ ≤ 1/2 the clock is infinite and no finite run encloses the limit: `err` is the finite-horizon
estimate [0, err_T] (valid while gradient descent keeps descending after T), with the horizon
**T = the first step with ‖R_t‖_F ≤ ε/4**, capped at 20000·4^level steps (an undecided instance is
re-run with a four times longer horizon).  A run that has not reached ε by the cap is inconclusive,
never refuted: no finite horizon can refute convergence.
""" + _CONSTANTS_31 + """
**Mutation** `MUT-DHL-T3.1-fast-decay` (δ > 1/2): the total clock is finite, and the limit error is
then enclosed rigorously (a ball run to T, then an a-priori bound on the rest of the run,
`checker.matfact.iterate_bound`/`movement_bound`), so the refutation is certified.
""")

theorem(
    "DHL-T3.1-balanced", system=_T31, conclusion="imbT <= eps*normM", hypotheses=(GOOD_EVENT,),
    title="Decaying steps: at the ε/4-approximate minimiser the factors are ε-balanced, ‖U_TᵀU_T − V_TᵀV_T‖_F ≤ ε "
          "(reading 2; implied by the good event up to the drift; outside the theorem's constants)",
    source=SOURCE_31,
    notes="""
Reading 2 of DHL-T3.1: gradient descent reaches a global minimiser with ε-approximate balance,
‖ŪᵀŪ − V̄ᵀV̄‖_F ≤ ε (the O(ε) of the proof with constant 1, a default, unconfirmed).

**What this check is.** The good event (hypothesis ‖U_0‖_F² + ‖V_0‖_F² ≤ ε/2, the event the proof
works on) already forces ‖U_0ᵀU_0 − V_0ᵀV_0‖_F ≤ ‖U_0‖_F² + ‖V_0‖_F² ≤ ε‖M⋆‖_F/2, so the conclusion
holds whenever the drift up to T stays below ε‖M⋆‖_F/2: a consequence of the hypothesis and the
drift bound (`DHL-T3.1-drift`, which is tight and discriminating), not an independent check.  Its
twins with a constant within a factor 2 (ε/2 included, in the limit) pass as well, so it does not
discriminate; the unbalanced mutation below shows the hypothesis is needed.

**Evidence — certified at the horizon.** `imbT` is enclosed by a ball-arithmetic run of the exact
gradient-descent iteration (python-flint `arb_mat`, 128 bits, every rounding accounted for) from the
exact initial point with the exact steps, to the horizon **T = the first step with ‖R_t‖_F ≤ ε/4**
(an ε/4-approximate minimiser).  The limit differs from step T by the tail drift Σ_{t≥T} η_t²‖D_t‖_F,
which is not enclosed (it needs the iterates bounded for all t, the theorem's own conclusion); see
`DHL-T3.1-drift` for the drift up to T.
""" + _CONSTANTS_31 + """
**Mutation** `MUT-DHL-T3.1-unbalanced-init`: from a large unbalanced initialisation (U0 scaled by
a ∈ [2, 3], V0 by 1/a) the imbalance is conserved up to the drift, so the limit is not balanced —
a certified refutation found by search.
""")

theorem(
    "DHL-T3.1-drift", system=_T31, conclusion="imbT <= imb0 + drift", hypotheses=("width >= 2",),
    title="Decaying steps: the imbalance moves by at most the a-posteriori drift bound Σ η_t²‖VᵀRᵀRV − UᵀRRᵀU‖_F",
    source=SOURCE_31 + "; DHL-MF drift bound", figures=(figure_imbalance, figure_drift_against_step),
    notes="""
THEOREMS.md class (b) for DHL-T3.1: ‖U_TᵀU_T − V_TᵀV_T‖_F ≤ ‖U_0ᵀU_0 − V_0ᵀV_0‖_F + Σ_{t<T} η_t²‖D_t‖_F,
D_t = V_tᵀR_tᵀR_tV_t − U_tᵀR_tR_tᵀU_t — the summed identity (I2) (DHL-MF) plus the triangle
inequality.  It is what makes decaying steps balance: δ > 0 makes Σ η_t² finite.

*Does not discriminate (twins):* the triangle inequality sums the per-step drifts ‖η_t²D_t‖_F whatever
their directions, so the bound has slack wherever the drifts partly cancel; on the drawn runs the
±1/100 rescaled bounds hold too.  The identity behind it (DHL-MF, exact per step) is what discriminates;
this bound is an a-posteriori certificate, not a tight claim.

**Evidence — certified.** All three quantities come from one ball-arithmetic run (128 bits, every
rounding enclosed) of the exact iteration from the exact initial point with the exact steps, to the
horizon T = the first step with ‖R_t‖_F ≤ ε/4.  Constants as in DHL-T3.1 (outside the theorem's, see there).

**Scope.** Factor width r ≥ 2 (statement hypothesis `width >= 2`): for r = 1 the imbalance is a
scalar, and whenever every D_t has the sign of G_0 (about one rank-one draw in ten) the bound is
attained with *equality*, which ball arithmetic can enclose but never certify; the rank-one case
is exactly the identity (I2), checked by DHL-MF.

**Mutation** `MUT-DHL-T3.1-no-drift`: "gradient descent conserves the imbalance as gradient flow
does" (drop the drift term) — refuted with certified evidence.  The figure of the drift against η
answers how fast the drift vanishes as the step shrinks.
""")

theorem(
    "MUT-DHL-T3.1-fast-decay", system=_T31_FAST, conclusion="err <= eps", hypotheses=(GOOD_EVENT,),
    expect="fails", source=SOURCE_31 + " — mutated: δ > 1/2",
    title="Mutation: steps decaying too fast (δ > 1/2) still converge to within ε",
    notes="""
DHL-T3.1 with the hypothesis δ ≤ 1/2 dropped (δ ∈ (1/2, 2]).  The total clock Σ η_t is finite;
from a small initialisation gradient descent may not escape the saddle at 0 before the clock runs
out.  The limit's error is then enclosed rigorously: a ball run to the first T on a doubling ladder
after which U_tV_tᵀ can move by at most ‖M⋆‖_F/16, where max(‖U_t‖₂, ‖V_t‖₂) ≤ S for all t ≥ T
(m_{t+1} ≤ m_t(1 + η_t(m_t² + σ1)), verified in balls) bounds the remaining movement by
2S²(‖M⋆‖_F + √r S²)Σ_{t≥T} η_t.  Instances where no such T is found within the horizon get the
finite-horizon estimate and can only hold or stay undecided, never be refuted.
""")

theorem(
    "MUT-DHL-T3.1-unbalanced-init", system=_T31_UNBALANCED, conclusion="imbT <= eps*normM", expect="fails",
    source=SOURCE_31 + " — mutated: large unbalanced initialisation",
    title="Mutation: from a large unbalanced initialisation the limit is still ε-balanced",
    notes="""
DHL-T3.1 reading 2 with the small balanced initialisation dropped: U0, V0 have standard deviations
a·s(σ1/d)^{1/2} and s(σ1/d)^{1/2}/a with s ∈ [1/8, 1/4], a ∈ [2, 3].  The imbalance U_0ᵀU_0 − V_0ᵀV_0
is conserved up to the O(Σ η_t²) drift, so the limit stays unbalanced; certified by the ball run.
""")

theorem(
    "MUT-DHL-T3.1-no-drift", system=_T31, conclusion="imbT <= imb0", hypotheses=("width >= 2",), expect="fails",
    source=SOURCE_31 + " — mutated: the drift term dropped",
    title="Mutation: gradient descent conserves the imbalance exactly, as gradient flow does",
    notes="DHL-T3.1-drift without its η² term: under gradient descent the imbalance does move (I2), "
          "and the search finds instances where it grows, certified by the ball run.")

_CONSTANTS_32 = """
**Constants [unconfirmed — parameters].** THEOREMS.md: M⋆ = σ1u⋆v⋆ᵀ, u_0, v_0 i.i.d. N(0, δ₀²)
with δ₀ = c_init·(σ1/d)^{1/2} (read as a standard deviation), η = c_step/σ1, "small constants".
Checked at c_init = 1/10, c_step ∈ [1/20, 1/2], d1, d2 ∈ 2..6, σ1 ∈ [1/2, 2], ε/σ1 ∈ [1/100, 1/4]
(u⋆, v⋆ exact rational unit vectors).
"""

theorem(
    "DHL-T3.2", system=_T32, conclusion="success >= p_min",
    title="Rank one, constant step: with constant probability ‖u_Tv_Tᵀ − M⋆‖_F ≤ ε after T = O(log d + log(σ1/ε)) steps",
    source=SOURCE_32, figures=(figure_error_constant,),
    notes="""
"With constant probability, ‖u_Tv_Tᵀ − M⋆‖_F ≤ ε after T = O(log d + log(σ1/ε)) steps": a short
escape, then linear contraction.  Per instance, 16 seeded initial points are run for
**T_ε = ⌈C_T(log d + log(σ1/ε))/c_step⌉ steps**, C_T = 4 (THEOREMS.md gives no value for the O(·)
constant: a default, unconfirmed; the 1/c_step makes the step count scale-free), and `success`, the
fraction reaching ε, must be at least `p_min` = 1/2 (the "constant probability", unconfirmed).

**Evidence — passed** (float64 runs; the radius of `success` counts runs ending within rounding of
ε).  The seed-0 run also gives `escape`, `Teps` and the fitted linear `rate` with its 99% error
bar (see the figure).

*Does not discriminate (twins):* `success` is a fraction of 16 runs and is 1 on the drawn instances, so
`p_min`·(1 ± 1/100) cannot be told apart from `p_min` = 1/2: the unconfirmed "constant probability" is
not what this check measures; the content is that the runs reach ε within T_ε steps (the C_T constant).
""" + _CONSTANTS_32)

theorem(
    "DHL-T3.2-stable", system=_T32, conclusion="lam >= 2*sigma1",
    title="Rank one: every global minimiser has λ_max(∇²f) ≥ 2σ1, so gradient descent can converge only if "
          "η ≤ 1/σ1 (tight at balanced minimisers)",
    source=SOURCE_32 + "; necessary step condition (derived)", figures=(figure_stability,),
    notes="""
Gradient descent can converge (from a set of positive measure) only to a minimiser where the
iteration map's eigenvalue 1 − ηλ_max(∇²f) is ≥ −1.  At every global minimiser uvᵀ = M⋆,
λ_max = ‖u‖² + ‖v‖² ≥ 2‖u‖‖v‖ = 2σ1, so the theorem's step needs c_step ≤ 1 (derived, THEOREMS.md).

**Why this form.** The former conclusion 1 − ηλ_max ≥ −1 could not fail: with c_step ≤ 1/2 and
λ_max ≈ 2σ1 its margin is ≈ 2 − 2c_step ≥ 1 by the choice of the step.  The bound λ_max ≥ 2σ1 is the
content of the step condition and is tight: gradient descent from a small initialisation ends nearly
balanced, so λ_max exceeds 2σ1 by (‖u‖ − ‖v‖)², and the twin 2σ1 × (1 + 1/100) fails.

**Evidence — certified, exact.** `lam` is λ_max of the exact Hessian at the exact global minimiser
(s·u⋆, (σ1/s)·v⋆), s = the seed-0 run's final ‖u‖ rounded to a rational: the largest root of the
exact characteristic polynomial (python-flint), an exact rational here.
""" + _CONSTANTS_32 + """
**Mutation** `MUT-DHL-T3.2-large-step` (c_step ∈ (1, 2]): the exact instability eigenvalue
1 − ηλ_max < −1 at the minimiser, and at every other one since λ_max ≥ 2σ1 — a certified refutation.
""")

theorem(
    "DHL-T3.2-hessian", system=_T32, conclusion="lam == unorm2 + vnorm2",
    title="Rank one: λ_max(∇²f) = ‖u‖² + ‖v‖² at global minimisers",
    source=SOURCE_32 + "; Hessian formula (derived)",
    notes="""
∇²f = JᵀJ at a minimiser, J(δu, δv) = δu vᵀ + u δvᵀ, and JJᵀE = Evvᵀ + uuᵀE equals (‖u‖² + ‖v‖²)E
at E = ûv̂ᵀ (THEOREMS.md DHL-T3.2).  **Certified, exact**: the largest root of the exact
characteristic polynomial of the Hessian at an exact rational minimiser (the one nearest the run's
end) equals ‖u‖² + ‖v‖².  Mutation `MUT-DHL-T3.2-balanced-hessian` (λ_max = 2σ1, true only at
balanced minimisers) is refuted exactly.
""")

theorem(
    "MUT-DHL-T3.2-large-step", system=_T32_LARGE_STEP, conclusion="1 - eta*lam >= -1", expect="fails",
    source=SOURCE_32 + " — mutated: c_step > 1",
    title="Mutation: a constant step above the stability limit (η > 1/σ1) still converges",
    notes="The consequence of DHL-T3.2-stable, 1 − ηλ_max ≥ −1 (linear stability of the limit), with the step "
          "hypothesis dropped (c_step ∈ (1, 2]): refuted exactly by the instability eigenvalue 1 − ηλ_max < −1.")

theorem(
    "MUT-DHL-T3.2-balanced-hessian", system=_T32, conclusion="lam == 2*sigma1", expect="fails",
    source=SOURCE_32 + " — mutated: balanced value",
    title="Mutation: λ_max(∇²f) = 2σ1 at every global minimiser",
    notes="True only at balanced minimisers ‖u‖ = ‖v‖; gradient descent from a small random "
          "initialisation ends slightly unbalanced, and the exact λ_max differs from 2σ1.")
