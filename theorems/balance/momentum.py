"""Momentum (the reviewers' question on Cor 2.1; issue 9 item 5, issue 12 item 1(c)): heavy-ball flow and
Polyak's heavy ball on feed-forward networks, pointwise with exact rates, and heavy-ball trajectories.

Heavy-ball flow θ̇ = V, V̇ = −γV − ∇ℒ and Polyak's heavy ball m' = βm − η∇ℒ, θ' = θ + m', at drawn
positions and velocities; for a pair of layers (h, h+1) = (1, 2) of a network with 1-homogeneous activations,
  D = ‖W_h‖² − ‖W_{h+1}‖²,  Q = ⟨W_h, V_h⟩ − ⟨W_{h+1}, V_{h+1}⟩,  P = ‖V_h‖² − ‖V_{h+1}‖².
Flow: Ḋ = 2Q (θ̇ = V) and Q̇ = P + ⟨W_h, V̇_h⟩ − ⟨W_{h+1}, V̇_{h+1}⟩ = P − γQ − (⟨W_h, ∇_hℒ⟩ −
⟨W_{h+1}, ∇_{h+1}ℒ⟩) = P − γQ, the bracket vanishing by DHL's layer identity (the lemma of DHL-C2.1).
So D̈ + γḊ = 2P: the balance is a damped oscillator driven by the kinetic imbalance, conserved only
while P and Q vanish (at rest it is stationary to second order, not conserved).  Discrete, with
(θ, m) the state before a step and primes after it: ΔD = 2⟨W_h, m'_h⟩ + ‖m'_h‖² − (h+1 terms)
= 2βQ + P' − 2η·(bracket) = 2βQ + P', and Q' = ⟨W_h + m'_h, m'_h⟩ − … = βQ + P' (β = 0 is DHL-GD).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker.arith import rational, rational_array
from checker.dynamics import heavy_ball, heavy_ball_flow
from checker.integrators import solve
from checker.objectives import Objective
from checker.quantities import quantity
from checker.training import layer_imbalance, momentum_imbalance, parameter_instances, training_system, velocity_imbalance

from .networks import SQUARED, mlp_network

HB_GAMMA, HB_ETA, HB_BETA = rational("3/2"), rational("1/3"), rational("9/10")
MOMENTUM_OBSERVABLES = {  # D, Q, P as display names: compound ones would print unbracketed inside products
    "balance": dataclasses.replace(layer_imbalance(1), latex="D"),
    "cross": dataclasses.replace(momentum_imbalance(1), latex="Q"),
    "kinetic": dataclasses.replace(velocity_imbalance(1), latex="P"),
}


def _momentum_instances(activations: tuple[str, ...], depth: tuple[int, int], width: tuple[int, int]) -> st.SearchStrategy:
    """Feed-forward networks (activations per hidden layer from ``activations``, leaky slopes and φ'(0)
    drawn) with exact data, parameters θ and a velocity (or last displacement) drawn independently."""
    @st.composite
    def draw(d: Any) -> dict:
        N = d(st.integers(*depth))
        inst = {"widths": [d(st.integers(1, 3))] + [d(st.integers(*width)) for _ in range(N - 1)] + [d(st.integers(1, 2))],
                "activations": [d(st.sampled_from(activations)) for _ in range(N - 1)],
                "slopes": [d(st.integers(1, 6).map(lambda n: f"{n}/7")) for _ in range(N - 1)],
                "at_zero": [d(st.integers(0, 4).map(lambda n: f"{n}/4")) for _ in range(N - 1)]}
        inst.update(d(parameter_instances(mlp_network(inst, False), aux=1)))
        return inst

    return draw()


def _momentum_system(rule: Any, activations: tuple[str, ...] = ("linear", "relu", "leaky_relu")) -> System:
    return training_system(f"momentum_mlp({rule.name}, {'+'.join(activations)})", network=lambda inst: mlp_network(inst, False),
                           instances=_momentum_instances(activations, (2, 3), (1, 3)), rule=rule,
                           observables=MOMENTUM_OBSERVABLES,
                           description=f"{rule.name} on a feed-forward network, exact position and velocity drawn",
                           hypotheses=("no biases", "1-homogeneous activations"),
                           features=lambda inst: {"depth": len(inst["widths"]) - 1, "activation": inst["activations"][0]})


HEAVY_BALL_FLOW = _momentum_system(heavy_ball_flow(HB_GAMMA))
HEAVY_BALL = _momentum_system(heavy_ball(HB_ETA, HB_BETA))


HB_TRAJECTORY_QUANTITIES = {q.name: q for q in (
    quantity("drift", "|D(T) − D(0)|, D = ‖W₁‖² − ‖W₂‖², along heavy-ball flow (float64 DOP853; its error estimate "
                      "propagated to D)", r"\lvert D(T) - D(0)\rvert", "estimate"),
    quantity("cross0", "Q(0) = ⟨W₁, V₁⟩ − ⟨W₂, V₂⟩ at the start (exact)", "Q(0)", "exact"),
    quantity("energy0", "E(0) = ℒ(θ₀) + ½‖V₀‖² (squared loss, exact)", "E(0)", "exact"),
    quantity("gamma", "friction γ of the heavy-ball flow", r"\gamma", "exact"),
    quantity("horizon", "integration horizon T", "T", "exact"),
)}


def _unit_box(A: np.ndarray, half: bool = True) -> np.ndarray:
    """``A`` divided by ``max(1, max|A_ij|)`` (×½ with ``half``): exact, entries in [−½, ½] (or [−1, 1])."""
    return A / ((2 if half else 1) * max(1, *(abs(x) for x in A.reshape(-1))))


@system_family(HB_TRAJECTORY_QUANTITIES)
def heavy_ball_trajectory(depth: Any = (2, 3), width: Any = (1, 3), horizon: str = "4") -> System:
    """Heavy-ball flow ``θ̈ + γθ̇ = −∇ℒ`` (γ = 3/2) of a deep linear network on the squared loss from a
    drawn position and velocity, each scaled exactly to entries in [−½, ½] (inputs to [−1, 1]: the flow
    is not stiff), integrated to ``horizon`` by :func:`checker.integrators.solve` (float64 DOP853, two
    tolerances).  Linear layers only: ReLU flows have sliding modes on which explicit solvers stall."""
    T = rational(horizon)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = mlp_network(inst, False)
        theta, v0 = _unit_box(rational_array(inst["theta"])), _unit_box(rational_array(inst["aux"][0]))
        X, Y = _unit_box(rational_array(inst["X"]), half=False), rational_array(inst["Y"])
        D = lambda ps: (ps[0] * ps[0]).sum() - (ps[1] * ps[1]).sum()  # noqa: E731
        P, V = net.unflatten(theta), net.unflatten(v0)
        flow = solve(heavy_ball_flow(float(HB_GAMMA)), Objective(net, X.astype(float), Y.astype(float), SQUARED),
                     theta.astype(float), [float(T)], precision.rtol, aux0=(v0.astype(float),))
        end, e = net.unflatten(flow.theta), float(flow.error[-1])
        drift = abs(float(D(end)) - float(D(P)))
        if not np.isfinite(drift):
            raise MeasurementError(f"non-finite trajectory ({flow.method})")
        # first-order propagation of the max-norm state error into D, its square, and float64 round-off
        radius = 2 * e * float(np.abs(end[0]).sum() + np.abs(end[1]).sum()) + e * e * (end[0].size + end[1].size) \
            + 8 * np.finfo(float).eps * (1 + drift) * flow.evaluations
        return {"drift": Enclosure.estimate(drift, radius, f"{flow.method}; error = tolerance-difference estimate"),
                "cross0": Enclosure.exact((P[0] * V[0]).sum() - (P[1] * V[1]).sum()),
                "energy0": Enclosure.exact(Objective(net, X, Y, SQUARED).value(theta) + (v0 * v0).sum() / 2),
                "gamma": Enclosure.exact(HB_GAMMA), "horizon": Enclosure.exact(T)}

    return System(f"heavy_ball_trajectory(depth {depth}, width {width}, T {horizon})",
                  "heavy-ball flow trajectory of a deep linear network (float64 DOP853 with error estimate)",
                  HB_TRAJECTORY_QUANTITIES, _momentum_instances(("linear",), depth, width), measure,
                  hypotheses=("linear layers", "squared loss (ℒ ≥ 0)"),
                  parameters={"depth": depth, "width": width, "horizon": horizon},
                  features=lambda inst: {"depth": len(inst["widths"]) - 1, "samples": len(inst["X"])}, dynamical=True)


