"""Residual parametrisations (the reviewers' question on Cor 2.1 for x ↦ Π(I + N_k)x; issue 9 item 5):
gradient flow of residual networks, exact rates by dual numbers (:func:`checker.training.training_system`).

Residual parametrisation x ↦ R(I + N_L)⋯(I + N_1)x: with W_k = I + N_k it is a deep linear network
and ∂ℒ/∂N_k = ∂ℒ/∂W_k, Ẇ_k = Ṅ_k, so the effective layers are balanced (DHL-C2.1, trace of DHL-LIN),
while ‖I + N‖² = ‖N‖² + 2 tr N + dim makes d/dt(‖N_1‖² − ‖N_2‖²) = −2 d/dt(tr N_1 − tr N_2) ≠ 0.

Two-matrix blocks h + U_k φ(N_k h): the hidden units of a block are neurons (incoming rows of N_k,
outgoing columns of U_k) and the skip bypasses them, so DHL's layer identity holds inside a block.
"""
from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from checker import System
from checker.dynamics import gradient_flow
from checker.nets import ResidualMLP, activation
from checker.training import frobenius_sq, layer_imbalance, observable, parameter_instances, training_system

RESIDUAL_OBSERVABLES = {"n_balance": layer_imbalance(1, symbol="N"), "w_balance": layer_imbalance(1, shift=1, symbol="N")}


def _residual_instances(activations: tuple[str, ...], hidden: bool) -> st.SearchStrategy:
    """Residual networks on ℝ^dim (dim ≤ 3, 2–3 blocks, no readout or one of 1–2 outputs; with ``hidden``,
    two-matrix blocks of 1–3 hidden units), the block activation drawn from ``activations``, exact data and θ."""
    @st.composite
    def draw(d: Any) -> dict:
        inst = {"dim": d(st.integers(1, 3)), "blocks": d(st.integers(2, 3)), "readout": d(st.sampled_from([None, 1, 2])),
                "activation": d(st.sampled_from(activations))}
        if hidden:  # and the leaky slope and φ'(0), drawn
            inst.update(hidden=d(st.integers(1, 3)), slope=d(st.integers(1, 6).map(lambda n: f"{n}/7")),
                        at_zero=d(st.integers(0, 4).map(lambda n: f"{n}/4")))
        inst.update(d(parameter_instances(_residual_network(inst), inputs=inst["dim"], outputs=inst["readout"] or inst["dim"])))
        return inst

    return draw()


def _residual_network(inst: dict) -> ResidualMLP:
    act = activation(inst["activation"], **({"slope": inst["slope"], "at_zero": inst["at_zero"]} if "slope" in inst else {}))
    return ResidualMLP(inst["dim"], inst["blocks"], act, inst["readout"], hidden=inst.get("hidden"))


def residual_system(activations: tuple[str, ...], hidden: bool = False, observables: dict = RESIDUAL_OBSERVABLES) -> System:
    label = "+".join(activations)
    block = "(I + N_k)x" if activations == ("linear",) else f"h + {'U_k ' if hidden else ''}φ(N_k h), φ ∈ {{{label}}}"
    return training_system(f"residual({label}{', two-matrix' if hidden else ''} blocks, gradient flow)",
                           network=_residual_network, instances=_residual_instances(activations, hidden),
                           rule=gradient_flow(), observables=observables,
                           description=f"gradient flow of a residual network with blocks {block}, exact θ drawn",
                           features=lambda inst: {"blocks": inst["blocks"], "dim": inst["dim"], "activation": inst["activation"],
                                                  "readout": inst["readout"] or "none"})


RESIDUAL_FLOW = residual_system(("linear",))

BLOCK_OBSERVABLES = {
    "block_balance": observable(lambda net, p: frobenius_sq(p[0]) - frobenius_sq(p[1]), "‖N1‖_F² − ‖U1‖_F² (block 1)",
                                r"\lVert N_1\rVert_F^2 - \lVert U_1\rVert_F^2"),
    "across_balance": observable(lambda net, p: frobenius_sq(p[0]) - frobenius_sq(p[2]), "‖N1‖_F² − ‖N2‖_F² (blocks 1, 2)",
                                 r"\lVert N_1\rVert_F^2 - \lVert N_2\rVert_F^2"),
}
RESIDUAL_BLOCKS_FLOW = residual_system(("relu", "leaky_relu", "linear"), hidden=True, observables=BLOCK_OBSERVABLES)
