"""CONJ-SGD systems: one constant-step SGD step at a point (drift, the step mutation) and seeded late-stage SGD trajectories (the KKT residual as a limit)."""
from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
from flint import arb, fmpq

from checker import Enclosure, Precision, System, system_family
from checker.arith import rational, working_precision
from checker.cache import shared
from checker.classification import Classification, gap_bits
from checker.clocks import Classifier
from checker.dynamics import sgd
from checker.integrators import iterate
from checker.limits import Ladder
from checker.quantities import quantity
from checker.svm import kkt_residual

from .instances import HOMOGENEOUS, LOSSES, requirement_scope, undecided_values, features, instances, problem, theta_of

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
                    out.update(undecided_values(frozenset({"gamma_tilde_step"}), exc))
        return out

    return System(f"sgd_points({'+'.join(archs)})", "exact points θ with ℒ(θ) < ℓ(0) and one small SGD step, in balls",
                  _sgd_point_quantities(), instances(archs, LOSSES, step=True), measure,
                  requirement_scope("homogeneous architectures only", archs, True),
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
                  requirement_scope("the architectures of the SGD runs", archs, True),
                  ("every point classified correctly and ℒ(θ₀) < ℓ(0), certified in balls (positive normalised margin)",
                   "Φ positively K-homogeneous", "constant step η = 1/(2 max_n‖∇q_n(θ₀)‖²), one sample per step"),
                  {"archs": archs}, trajectory=sgd_trajectory, trajectory_quantities=_sgd_trajectory_quantities(),
                  features=features, dynamical=True)
