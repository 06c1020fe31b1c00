"""Pointwise systems (class b): exact margin vectors for LL-M, and exact points of homogeneous
classifiers with their gradient-flow derivatives in arb balls for LL-T4.1 and JT-SQRELU-KKT."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, fmpq
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker.arith import rational, rational_array, rational_str, working_precision
from checker.classification import Classification, gap_bits
from checker.losses import loss
from checker.quantities import quantity
from checker.strategies import positive_rationals

from .instances import (ARCHS, DEGREE, LOSSES, classification_features, classification_instances, classification_scope, exact_problem,
                        weights)

# ------------------------------------------------------------------------------ LL-M: scalar inequality

MARGIN_VECTOR_QUANTITIES = {q.name: q for q in (
    quantity("sum_gq", "Σ_n g(q_n)·q_n (the mean (1/N)Σ_n g(q_n)q_n under the 'mean' convention)",
             r"\sum_n g(q_n)\,q_n"),
    quantity("gz_z", "g(z)·z with z = ℓ^{-1}(ℒ_sum) (ℓ^{-1}(ℒ_sum/N) under the 'mean' convention)", r"g(z)\,z"),
    quantity("z", "z, the margin whose loss is the total loss", "z"),
    quantity("loss_sum", "ℒ_sum = Σ_n ℓ(q_n)", r"\mathcal{L}_{\mathrm{sum}}"),
)}


def loss_scope(q: np.ndarray, lossname: str, bits: int) -> str | None:
    """None when ``ℒ_sum = Σ ℓ(q_n) < ℓ(0)`` is certified (THEOREMS.md §2.0), else the reason."""
    lossfn = loss(lossname)
    with working_precision(bits):
        total = lossfn.ball_total(q)
        if total < lossfn.ball_ell0():
            return None
        return (f"ℒ_sum = {total.mid().str(5, radius=False)} is not certified below ℓ(0) "
                f"(THEOREMS.md §2.0 (A4); §2 (i))")


@system_family(MARGIN_VECTOR_QUANTITIES)
def margin_vectors(convention: str = "sum", losses: tuple[str, ...] = LOSSES) -> System:
    """Margin vectors ``q ∈ ℚ^N`` (``N = 2..8``) with ``ℒ_sum = Σ ℓ(q_n) < ℓ(0)``, measured in arb
    balls from exact rationals; the first margin is repeated 0–2 times (ties among margins, where
    the smallest margins are equal).  ``convention="mean"`` transcribes (M) with the mean loss
    ``(1/N)Σℓ(q_n) = ℓ(z)`` of Ji–Telgarsky's normalisation (§2.0) in place of the sum."""
    if convention not in ("sum", "mean"):
        raise ValueError("convention is 'sum' or 'mean'")

    @st.composite
    def draw(dr: Any) -> dict:
        shift = dr(st.integers(0, 4))
        q = dr(st.lists(positive_rationals(), min_size=2, max_size=6))
        q = q + [q[0]] * dr(st.integers(0, 2))
        return {"loss": dr(st.sampled_from(losses)), "q": [rational_str(Fraction(c) + shift) for c in q]}

    def features(inst: dict) -> dict[str, Any]:
        q = rational_array(inst["q"])
        return {"loss": inst["loss"], "N": len(q), "ties": len(q) - len(set(q))}

    def scope(inst: dict, precision: Precision) -> str | None:
        return loss_scope(rational_array(inst["q"]), inst["loss"], precision.bits)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        q, lossfn = list(rational_array(inst["q"])), loss(inst["loss"])
        bits = precision.bits + gap_bits(q)
        with working_precision(bits):
            total = lossfn.ball_total(q)
            lhs = sum((lossfn.ball_g(x) * x for x in q), arb(0))
            if convention == "mean":
                total_conv, lhs = total / len(q), lhs / len(q)
            else:
                total_conv = total
            z = lossfn.ball_inverse(total_conv)
            rhs = lossfn.ball_g(z) * z
        note = f"arb balls at {bits} bits from exact margins"
        return {"sum_gq": Enclosure.ball(lhs, note), "gz_z": Enclosure.ball(rhs, note),
                "z": Enclosure.ball(z, note), "loss_sum": Enclosure.ball(total, note)}

    return System(f"margin_vectors({convention})",
                  "exact margin vectors q with Σℓ(q_n) < ℓ(0); (M) evaluated in arb balls",
                  MARGIN_VECTOR_QUANTITIES, draw(), measure, scope,
                  ("ℒ_sum = Σ_n ℓ(q_n) < ℓ(0), certified in balls (§2.0)",), {"convention": convention, "losses": losses},
                  features=features)


# ------------------------------------------------------------------------------ LL-T4.1: pointwise monotonicity

POINT_QUANTITIES = {q.name: q for q in (
    DEGREE,
    quantity("gamma_tilde", "smoothed margin γ̃ = ℓ^{-1}(ℒ)/ρ^K at θ", r"\tilde\gamma"),
    quantity("gamma_bar", "normalised margin γ̄ = q_min/ρ^K at θ", r"\bar\gamma"),
    quantity("dlog_gamma_tilde", "d/dt log γ̃ along gradient flow at θ: ‖∇ℒ‖²/(g(z)z) − K⟨θ,−∇ℒ⟩/ρ², z = ℓ^{-1}(ℒ)",
             r"\tfrac{d}{dt}\log\tilde\gamma"),
    quantity("dlog_rho", "d/dt log ρ = ⟨θ̂, −∇ℒ⟩/ρ", r"\tfrac{d}{dt}\log\rho"),
    quantity("dtheta_hat", "‖dθ̂/dt‖ = ‖(I − θ̂θ̂ᵀ)∇ℒ‖/ρ", r"\lVert\tfrac{d\hat\theta}{dt}\rVert"),
    quantity("lemma_gap", "d/dt log γ̃ − K (d/dt log ρ)^{-1}‖dθ̂/dt‖² (Lemma 5.1's slack), at the precision its "
             "cancellation needs", r"\tfrac{d}{dt}\log\tilde\gamma - K\lVert\tfrac{d\hat\theta}{dt}\rVert^2"
             r"\big/\tfrac{d}{dt}\log\rho"),
    quantity("eta", "gradient-descent step η of the instance", r"\eta", "exact"),
    quantity("gamma_tilde_gd", "γ̃ after one gradient-descent step θ − η∇ℒ(θ)",
             r"\tilde\gamma(\theta - \eta\nabla\mathcal{L})"),
    quantity("neuron_identity", "max_{j,n} |⟨v_j, ∂q_n/∂v_j⟩ − c·a_j ∂q_n/∂a_j| (squared-ReLU networks; exact; "
             "c = identity_factor, 2)",
             r"\max_{j,n}\lvert\langle v_j,\partial_{v_j}q_n\rangle - c\,a_j\partial_{a_j}q_n\rvert", "exact"),
)}


def _neuron_identity(ex: Classification, theta: np.ndarray, factor: int) -> fmpq:
    """``max_{j,n} |⟨v_j, ∂q_n/∂v_j⟩ − factor·a_j ∂q_n/∂a_j|`` exactly (JT-SQRELU's per-neuron
    identity for ``factor = 2``, whose sum against KKT multipliers gives ``‖v_j‖² = 2a_j²`` at KKT
    points)."""
    params = ex.net.unflatten(theta)
    worst = fmpq(0)
    for n in range(ex.X.shape[0]):
        G = np.array([[fmpq(0)] for _ in range(ex.X.shape[0])], dtype=object)
        G[n, 0] = fmpq(int(ex.y[n, 0]))
        dV, da = ex.net.backward(params, ex.X, G)
        V, a = params
        for j in range(V.shape[0]):
            gap = sum((V[j, i] * dV[j, i] for i in range(V.shape[1])), fmpq(0)) - factor * a[0, j] * da[0, j]
            worst = max(worst, abs(gap))
    return worst


@system_family(POINT_QUANTITIES)
def network_points(archs: tuple[str, ...] = ARCHS, losses: tuple[str, ...] = LOSSES, identity_factor: int = 2) -> System:
    """Generated points ``θ`` of homogeneous classifiers with ``ℒ(θ) < ℓ(0)`` (THEOREMS.md §0.4
    instances), each with a gradient-descent step ``η``.  Data, weights and margins are exact;
    ``∇ℒ``, ``γ̃`` and the flow derivatives are arb balls (``∇ℒ = Σ_n -g(q_n)∇q_n`` by
    back-propagation of the cotangent ``-y g(q)``; kinks use the network's fixed selection).
    ``identity_factor`` is the factor of ``neuron_identity`` (2 for squared ReLU)."""

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        ex, theta = exact_problem(inst), weights(inst)
        bits = precision.bits + gap_bits(ex.margins(theta))
        note = f"arb balls at {bits} bits from exact data and weights"
        out: dict[str, Enclosure] = {"K": Enclosure.exact(ex.K), "eta": Enclosure.exact(rational(inst["eta"]))}
        if "neuron_identity" in names:
            if inst["arch"] != "sqrelu":
                raise MeasurementError("neuron_identity is defined for squared-ReLU networks only")
            out["neuron_identity"] = Enclosure.exact(_neuron_identity(ex, theta, identity_factor))
        if names <= set(out):
            return out
        state = ex.state(theta, bits)  # q, ℒ, z = ℓ^{-1}(ℒ) and ∇ℒ in balls
        z, grad, lossfn = state.z, state.grad, ex.loss
        with working_precision(bits):
            rho2 = sum((arb(c) * c for c in theta), arb(0))
            rho = rho2.sqrt()
            grad2 = sum((c * c for c in grad), arb(0))
            v = -sum((c * t for c, t in zip(grad, theta)), arb(0)) / rho  # ⟨θ̂, −∇ℒ⟩
            u2 = grad2 - v * v  # ‖(I − θ̂θ̂ᵀ)∇ℒ‖²
            out["dlog_gamma_tilde"] = Enclosure.ball(grad2 / (lossfn.ball_g(z) * z) - ex.K * v / rho, note)
            out["dlog_rho"] = Enclosure.ball(v / rho, note)
            out["dtheta_hat"] = Enclosure.ball(u2.nonnegative_part().sqrt() / rho, note)
            out["lemma_gap"] = Enclosure.ball(grad2 / (lossfn.ball_g(z) * z) - ex.K * v / rho - ex.K * u2 / (v * rho), note)
            out["gamma_tilde"] = Enclosure.ball(state.smoothed_margin("l2"), note)
            out["gamma_bar"] = Enclosure.ball(state.normalised_margin("l2"), note)
            if "gamma_tilde_gd" in names:
                step = theta - rational(inst["eta"]) * grad
                try:
                    out["gamma_tilde_gd"] = Enclosure.ball(ex.state(step, bits).smoothed_margin("l2"), note)
                except ArithmeticError as exc:  # a kink of the stepped point undecided at this precision
                    out["gamma_tilde_gd"] = Enclosure.ball(arb(0, 1e300), f"{note}; {exc}")
        return out

    return System(f"network_points({'+'.join(archs)}; {'+'.join(losses)}" + (f"; factor {identity_factor})" if identity_factor != 2 else ")"),
                  "exact points θ of homogeneous classifiers with ℒ(θ) < ℓ(0); flow derivatives in arb balls",
                  POINT_QUANTITIES, classification_instances(archs, losses, step=True), measure, classification_scope,
                  ("every point classified correctly and ℒ_sum(θ) < ℓ(0), certified in balls (§2.0 (A4))",
                   "Φ positively K-homogeneous (no biases, homogeneous activations) (A2)"),
                  {"archs": archs, "losses": losses, "identity_factor": identity_factor},
                  features=classification_features)
