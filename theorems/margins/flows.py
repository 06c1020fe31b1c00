"""Gradient-flow trajectories (class c): the trajectory quantities of the asymptotic claims, each with
how it is measured on a rung of the flow, and the system :func:`margin_flows` whose ladder the
``limit(...)`` statements are judged on."""
from __future__ import annotations

from typing import Callable

import numpy as np
from flint import arb

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker.arith import rational_array, working_precision
from checker.cache import shared
from checker.clocks import (ESCALATION_STEPS, PER_DECADE, FlowError, Rung, checked_flow, horizon_ladder, ladder_rtol,
                            ladder_top)
from checker.limits import Ladder as LimitLadder
from checker.nets import MLP
from checker.quantities import quantity
from checker.svm import SVM, exact_dot, hard_margin_svm, kkt_residual

from .instances import (ARCHS, DEGREE, LOSSES, classification_features, classification_instances, classification_scope, degree,
                        exact_problem, floats, weights)

# ------------------------------------------------------------------------------ trajectories


def end_to_end(net: MLP, theta: np.ndarray) -> np.ndarray:
    """``(W_L⋯W_1)ᵀ`` of a deep linear network."""
    out = None
    for W in net.weights(net.unflatten(theta)):
        out = W if out is None else W @ out
    return out.reshape(-1)


@shared()
def data_svm(X: list, y: list) -> SVM:
    """The hard-margin SVM of an instance's exact data (:func:`checker.svm.hard_margin_svm`)."""
    return hard_margin_svm(rational_array(X), np.array(y))


def _only(archs: tuple[str, ...], fn: Callable[[Rung, dict], float]) -> Callable[[Rung, dict], float]:
    """A rung measurement defined for the architectures ``archs`` only."""
    fn.archs = archs  # type: ignore[attr-defined]
    return fn


def _one_minus_cos(unit: np.ndarray, V: np.ndarray) -> float:
    """``1 − cos∠(θ, V) = ½‖θ̂ − V̂‖²`` (THEOREMS.md §0.3-5)."""
    return 0.5 * float(np.sum((unit - V / np.linalg.norm(V)) ** 2))


def _layers(r: Rung) -> list[np.ndarray]:
    return r.problem.net.unflatten(r.theta)


# Each trajectory quantity with how it is measured on a rung ``r`` of the flow of instance ``inst``
# (THEOREMS.md §2.0 notation; kinks: the flow's Clarke selection): float64 on the run and on its
# check, the difference being the error (checker.clocks.CheckedFlow.ladder).
TRAJECTORY_QUANTITIES = {q.name: q for q in (
    DEGREE,
    quantity("logt", "log t on the rung (t counted from θ(1) = θ₀): the ladder's horizon H", r"\log t", "estimate"),
    quantity("rho", "ρ = ‖θ‖", r"\rho", "estimate", measure=lambda r, inst: r.rho),
    quantity("qmin", "q_min = min_n y_nΦ(θ; x_n)", r"q_{\min}", "estimate",
             measure=lambda r, inst: float(r.margins.min())),
    quantity("log_loss", "log ℒ, ℒ = Σ_n ℓ(q_n) (the sum)", r"\log\mathcal{L}", "estimate",
             measure=lambda r, inst: r.log_loss),
    quantity("gamma_bar", "normalised margin γ̄ = q_min/ρ^K", r"\bar\gamma", "estimate",
             measure=lambda r, inst: float(r.margins.min()) / r.rho ** degree(inst)),
    quantity("gamma_tilde", "smoothed margin γ̃ = ℓ^{-1}(ℒ)/ρ^K", r"\tilde\gamma", "estimate",
             measure=lambda r, inst: r.problem.loss.inverse(r.log_loss) / r.rho ** degree(inst)),
    quantity("one_minus_cos", "1 − cos∠(θ, velocity) = ½‖θ̂ − V̂‖² (velocity −∇ℒ, the Clarke velocity on kinks)",
             r"1-\cos\angle(\theta,-\nabla\mathcal{L})", "estimate",
             measure=lambda r, inst: _one_minus_cos(r.unit, r.velocity)),
    quantity("one_minus_cos_autodiff", "the same with the network's autodiff gradient (ReLU'(0) = 0) in place of "
             "the flow's velocity", r"1-\cos\angle(\theta,-\nabla_{\mathrm{AD}}\mathcal{L})", "estimate",
             measure=lambda r, inst: _one_minus_cos(r.unit, r.autodiff_velocity)),
    quantity("kkt", "(ε, δ)-KKT residual of min ½‖θ‖² s.t. q_n ≥ 1 at θ/q_min^{1/K} (checker.svm.kkt_residual)",
             r"\varepsilon_{\mathrm{KKT}}", "estimate",
             measure=lambda r, inst: kkt_residual(r.problem, r.theta, r.piece, degree(inst))),
    quantity("path_length", "length of the path of θ̂ from θ₀", r"\mathrm{len}(\hat\theta)", "estimate",
             measure=lambda r, inst: r.path),
    quantity("dtheta_decade", "‖θ̂(H) − θ̂(H/10)‖, the change of direction over the last decade of log t (θ̂₀ in "
             "the first)", r"\lVert\hat\theta(H)-\hat\theta(H/10)\rVert", "estimate",
             measure=lambda r, inst: float(np.linalg.norm(r.unit - r.earlier_unit))),
    quantity("path_decade", "path length of θ̂ over the last decade of log t", r"\mathrm{len}_{[H/10,\,H]}(\hat\theta)",
             "estimate", measure=lambda r, inst: r.path - r.earlier_path),
    quantity("svm_sin2", "deep linear nets: sin²∠(u_t, u_SVM), u_t the end-to-end vector W_L⋯W_1",
             r"\sin^2\angle(u_t,u_{\mathrm{SVM}})", "estimate",
             measure=_only(("linear",), lambda r, inst: data_svm(inst["X"], inst["y"]).sin2(end_to_end(r.problem.net, r.theta)))),
    quantity("sum_v2", "two-layer nets: Σ_j ‖v_j‖² (first-layer weights)", r"\sum_j\lVert v_j\rVert^2", "estimate",
             measure=_only(("relu", "leaky", "sqrelu"), lambda r, inst: float(np.sum(_layers(r)[0] ** 2)))),
    quantity("sum_a2", "two-layer nets: Σ_j a_j² (output weights)", r"\sum_j a_j^2", "estimate",
             measure=_only(("relu", "leaky", "sqrelu"), lambda r, inst: float(np.sum(_layers(r)[1] ** 2)))),
)}
FLOW_QUANTITIES = {q.name: q for q in (
    DEGREE,
    quantity("gamma_star", "deep linear nets: the hard-margin SVM margin γ⋆ = 1/‖w_SVM‖ of the data (balls from "
             "the exact SVM)", r"\gamma^\star"),
)}


def flow_trajectory(inst: dict, precision: Precision, names: frozenset[str]) -> LimitLadder:
    """The instance's gradient flow on the geometric ladder ``log t = 10·10^{k/4}`` up to
    :func:`checker.clocks.ladder_top` (``10⁶``, ``10⁷`` from escalation level 1), the requested
    :data:`TRAJECTORY_QUANTITIES` on every rung as estimates whose radius is the difference between
    the BDF run and its check (BDF at a tenth of the tolerance) plus float64 rounding
    (:meth:`checker.clocks.CheckedFlow.ladder`).
    The pair of runs is shared by every statement on the instance (:func:`checker.clocks.checked_flow`
    is memoised).  An escalated run that fails or takes more than ``ESCALATION_STEPS`` solver steps returns the
    first level's ladder, on which the limit stays undecided."""
    wanted = [TRAJECTORY_QUANTITIES[name] for name in sorted(names)]
    for q in wanted:
        archs = getattr(q.measure, "archs", None)
        if archs and inst["arch"] not in archs:
            raise MeasurementError(f"{q.name} is defined for {'/'.join(archs)} networks only")
    ex = exact_problem(inst)
    problem = floats(ex)
    theta0 = np.array([float(c) for c in weights(inst)])
    ladder = horizon_ladder(ladder_top(precision.level), PER_DECADE)
    try:
        flow = checked_flow(problem, theta0, ladder, rtol=ladder_rtol(precision.rtol),
                            max_steps=ESCALATION_STEPS if precision.level else None)
    except FlowError as exc:
        if precision.level > 0:
            return flow_trajectory(inst, Precision(precision.bits, precision.rtol, 0), names)
        raise MeasurementError(f"gradient flow integration failed: {exc}") from None
    svm = data_svm(inst["X"], inst["y"]) if inst["arch"] == "linear" else None
    note = (f"{flow.run.describe()}; radius = difference to {flow.check.method} at rtol {flow.check.rtol:g} plus rounding"
            + (f"; u_SVM {svm.note}" if svm else ""))
    measures = {q.name: (lambda r, q=q: q.measure(r, inst)) for q in wanted if q.measure is not None}
    return flow.ladder(theta0, measures, {"K": Enclosure.exact(ex.K)}, note)


FLOW_STRATEGY = classification_instances(ARCHS, LOSSES)


@system_family({**FLOW_QUANTITIES, **TRAJECTORY_QUANTITIES})  # the second table: the symbols of limit(...)
def margin_flows(archs: tuple[str, ...] = ARCHS, requirement: str = "") -> System:
    """Gradient flow of homogeneous classifiers (THEOREMS.md §0.4 instances) on the ladder of
    :func:`flow_trajectory`: ``log t = 10 … 10⁶`` (``10⁷`` on escalation) in the rescaled
    loss-normalised clock with ``log t`` as a state (:mod:`checker.clocks`: BDF with the exact
    Jacobian, the Filippov flow on ReLU kinks), 4 rungs per decade, checked by BDF at a tenth of the
    tolerance.  Statements take limits of its :data:`TRAJECTORY_QUANTITIES` along the ladder
    (``limit(qmin/logt) == 1``); its ordinary quantities are ``K`` and, for deep linear nets,
    ``gamma_star``.

    Every such system draws from the same strategy (all architectures, both losses), so the
    asymptotic statements share their trajectories; architectures outside ``archs`` are out of
    scope for the reason ``requirement``."""

    def scope(inst: dict, precision: Precision) -> str | None:
        if inst["arch"] not in archs:
            return requirement or f"architecture {inst['arch']} is not one of {', '.join(archs)}"
        return classification_scope(inst, precision)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        out: dict[str, Enclosure] = {"K": Enclosure.exact(degree(inst))}
        if "gamma_star" in names:
            if inst["arch"] != "linear":
                raise MeasurementError("gamma_star is defined for deep linear networks only")
            svm = data_svm(inst["X"], inst["y"])
            with working_precision(precision.bits):
                out["gamma_star"] = (Enclosure.ball(1 / arb(exact_dot(svm.w, svm.w)).sqrt(), svm.note) if svm.exact else
                                     Enclosure.estimate(svm.gamma_star(), 1e-10, svm.note))
        return out

    hypotheses = ("every point classified correctly and ℒ_sum(θ₀) < ℓ(0), certified in balls (§2.0 (A4))",
                  "Φ positively K-homogeneous (no biases, homogeneous activations) (A2)",
                  "gradient flow; on ReLU kinks the Clarke (Filippov) flow")
    return System(f"margin_flows({'+'.join(archs)})",
                  "gradient-flow trajectories on a ladder of log t to 1e6 in a reparametrised clock, "
                  "BDF checked by BDF at a tenth of its tolerance",
                  FLOW_QUANTITIES, FLOW_STRATEGY, measure, scope,
                  hypotheses + ((requirement,) if requirement else ()), {"archs": archs},
                  trajectory=flow_trajectory, trajectory_quantities=TRAJECTORY_QUANTITIES,
                  features=classification_features, dynamical=True)
