"""CONJ-NH system: near-homogeneous networks, the rate of the normalised margin against the slack of the Euler defects."""
from __future__ import annotations


from flint import arb, fmpq

from checker import Enclosure, Precision, System, system_family
from checker.arith import rational, working_precision
from checker.classification import gap_bits
from checker.quantities import quantity

from .instances import LOSSES, NEAR_HOMOGENEOUS, requirement_scope, features, instances, problem, theta_of

# ------------------------------------------------------------------------------ CONJ-NH


def _nh_quantities() -> dict:
    return {q.name: q for q in (
        quantity("K", "top degree of the near-homogeneous network", "K", "exact"),
        quantity("dlog_gamma_tilde", "d/dt log γ̃ along gradient flow, γ̃ = ℓ⁻¹(ℒ)/‖θ‖₂^K with K the top degree",
                 r"\tfrac{d}{dt}\log\tilde\gamma"),
        quantity("slack", "max(v, 0)·Σ_n g(q_n) max(r_n, 0)/(g(z)·z·ρ): v = ⟨θ̂, −∇ℒ⟩, r_n = Kq_n − ⟨θ, ∇q_n⟩ the "
                 "Euler defects (0 for homogeneous nets)", r"\sigma_{\mathrm{NH}}"),
        quantity("defect", "max_n |r_n|/q_n, the relative Euler defect (exact)", r"\max_n |r_n|/q_n", "exact"),
    )}


@system_family(_nh_quantities())
def near_points(archs: tuple[str, ...] = NEAR_HOMOGENEOUS, threshold: str = "1", points: tuple[int, int] = (1, 3)) -> System:
    """Generated points ``θ`` of near-homogeneous classifiers (an MLP with hidden and output biases;
    a linear residual block with a readout; a ReLU net plus a linear term) with ``ℒ(θ) < threshold·ℓ(0)`` (``threshold`` = 1 by
    default: the derived inequality needs only ``ℒ < ℓ(0)``; Cai et al.'s threshold set by the
    non-homogeneity is [unconfirmed — a parameter]).  ``K`` is the top degree (``net.degree``;
    [unconfirmed — the normalisation of the paper's margin]).  Rates along gradient flow in balls."""
    factor = rational(threshold)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        P, theta = problem(inst), theta_of(inst)
        q = P.margins(theta)
        bits = precision.bits + gap_bits(q)
        note = f"arb balls at {bits} bits from exact data and weights"
        state = P.state(theta, bits)
        r = P.euler_defects(theta)
        with working_precision(bits):
            rho = arb(sum((c * c for c in theta), fmpq(0))).sqrt()
            v = -sum((g * c for g, c in zip(state.grad, theta)), arb(0)) / rho
            gz = P.loss.ball_g(state.z) * state.z
            push = sum((P.loss.ball_g(qn) * max(rn, fmpq(0)) for qn, rn in zip(q, r)), arb(0))
            slack = arb.max(v, arb(0)) * push / (gz * rho)
            rate = state.log_smoothed_margin_rate(-state.grad, "l2")
        return {"K": Enclosure.exact(P.K), "dlog_gamma_tilde": Enclosure.ball(rate, note),
                "slack": Enclosure.ball(slack, note),
                "defect": Enclosure.exact(max(abs(rn) / qn for rn, qn in zip(r, q)))}

    def scope(inst: dict, precision: Precision) -> str | None:
        reason = requirement_scope("near-homogeneous architectures only", archs, False)(inst, precision)
        if reason is not None or factor == 1:
            return reason
        P = problem(inst)
        with working_precision(precision.bits):
            if P.total(P.margins(theta_of(inst))) < factor * P.loss.ball_ell0():
                return None
        return f"ℒ(θ) not certified below {threshold}·ℓ(0) (the risk threshold parameter)"

    return System(f"near_points({'+'.join(archs)}; threshold {threshold})",
                  "exact points θ of near-homogeneous classifiers with ℒ(θ) below the threshold; GF rates in balls",
                  _nh_quantities(), instances(archs, LOSSES, points=points), measure, scope,
                  ("every point classified correctly and ℒ(θ) < threshold·ℓ(0), certified in balls",
                   "Φ near-homogeneous: a homogeneous top-degree part K plus lower-degree terms (net.degree)",
                   "gradient flow; exponential-type loss"),
                  {"archs": archs, "threshold": threshold, "points": points}, features=features)
