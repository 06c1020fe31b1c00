"""Matrix factorisation ``f(U, V) = ½‖UVᵀ − M⋆‖_F²``: exact gradient-descent steps (DHL-MF, identity
(I2), and its a-posteriori drift bound) and the rank-one flow's closed forms from the conserved
imbalance (the reviewers' question of 'balanced' as a ratio)."""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from checker import Enclosure, Precision, System, system_family
from checker.arith import rational, rational_array, rational_str, working_precision
from checker.dynamics import gradient_descent
from checker.integrators import iterate
from checker.matfact import Factorisation, drift_term, imbalance
from checker.quantities import quantity
from checker.strategies import FACTORISATION_CASES, factorisation_instances

from .networks import ETA_Q


MF_QUANTITIES = {q.name: q for q in (
    ETA_Q,
    quantity("d_imbalance", "⟨C, (U'ᵀU' − V'ᵀV') − (UᵀU − VᵀV)⟩ after one step U' = U − ηRV, V' = V − ηRᵀU",
             r"\langle C, \Delta(U^\top U - V^\top V)\rangle", "exact"),
    quantity("drift_term", "⟨C, VᵀRᵀRV − UᵀRRᵀU⟩ with R = UVᵀ − M⋆",
             r"\langle C, V^\top R^\top R V - U^\top R R^\top U\rangle", "exact"),
    quantity("imbalance_change", "‖(U_TᵀU_T − V_TᵀV_T) − (U_0ᵀU_0 − V_0ᵀV_0)‖_F after T steps (exact iterates, ball norm)",
             r"\lVert G_T - G_0\rVert_F"),
    quantity("drift_bound", "Σ_{t<T} η_t²‖V_tᵀR_tᵀR_tV_t − U_tᵀR_tR_tᵀU_t‖_F (exact iterates, ball norm)",
             r"\textstyle\sum_{t<T}\eta_t^2\lVert D_t\rVert_F"),
)}


def _frobenius(A: np.ndarray) -> Any:
    """``‖A‖_F`` in balls at the working precision (a square root of an exact sum)."""
    from flint import arb

    return arb(sum((A * A).reshape(-1), rational(0))).sqrt()


@system_family(MF_QUANTITIES)
def factorisation_step(d1: Any = (1, 4), d2: Any = (1, 4), rank: Any = (1, 3), steps: Any = (2, 4)) -> System:
    """Asymmetric matrix factorisation ``½‖UVᵀ − M⋆‖_F²`` with exact rational U, V, M⋆, η and a few
    exact gradient-descent steps (step sizes η/(t+1))."""

    @st.composite
    def draw(dr: Any) -> dict:
        inst = dr(factorisation_instances(d1=d1, d2=d2, rank=rank, cases=FACTORISATION_CASES))
        inst["steps"] = dr(st.integers(*(steps if isinstance(steps, tuple) else (steps, steps))))
        return inst

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        U, V, M, C = (rational_array(inst[k]) for k in ("U", "V", "M", "C"))
        eta = rational(inst["eta"])
        objective = Factorisation(M, *U.shape)
        steps = inst["steps"] if names & {"imbalance_change", "drift_bound"} else 1
        run = iterate(gradient_descent(lambda t: eta / (t + 1)), objective, np.concatenate([U.ravel(), V.ravel()]),
                      range(steps + 1))  # exact rationals: every iterate exact
        iterates = [objective.split(theta) for theta in run.thetas]
        out = {
            "eta": Enclosure.exact(eta),
            "d_imbalance": Enclosure.exact((C * (imbalance(*iterates[1]) - imbalance(U, V))).sum()),
            "drift_term": Enclosure.exact((C * drift_term(U, V, M)).sum()),
        }
        if names & {"imbalance_change", "drift_bound"}:
            with working_precision(precision.bits):
                out["imbalance_change"] = Enclosure.ball(_frobenius(imbalance(*iterates[-1]) - imbalance(U, V)))
                out["drift_bound"] = Enclosure.ball(sum((eta / (t + 1)) ** 2 * _frobenius(drift_term(Ut, Vt, M))
                                                        for t, (Ut, Vt) in enumerate(iterates[:-1])))
        return out

    return System(f"factorisation_step(d1 {d1}, d2 {d2}, rank {rank}, steps {steps})",
                  "matrix factorisation, exact gradient-descent steps", MF_QUANTITIES, draw(), measure,
                  parameters={"d1": d1, "d2": d2, "rank": rank, "steps": steps},
                  features=lambda inst: {"d1": len(inst["U"]), "d2": len(inst["V"]), "rank": len(inst["U"][0]),
                                         "case": inst["case"]})



RANK_ONE_QUANTITIES = {q.name: q for q in (
    quantity("q0", "‖u₀‖² − ‖v₀‖², conserved along gradient flow (DHL-C2.1 with N = 2)", "q_0", "exact"),
    quantity("sigma1", "σ₁(M⋆), the top singular value of the target (exact or ball)", r"\sigma_1(M_\star)"),
    quantity("ratio_limit", "‖u‖²/‖v‖² at every global minimiser with ‖u‖² − ‖v‖² = q0: 1 + 2q0/(√(q0² + 4σ₁²) − q0) (ball)",
             r"\lVert u_\infty\rVert^2/\lVert v_\infty\rVert^2"),
    quantity("gap_floor", "|q0|/B, B = (√(q0² + 4P²) − q0)/2, P = ‖M⋆‖_F + √(2f(u₀, v₀)): a lower bound on "
                          "|‖u(t)‖²/‖v(t)‖² − 1| valid at every time t ≥ 0 of the gradient flow (ball)", r"\lvert q_0\rvert/B"),
)}


@system_family(RANK_ONE_QUANTITIES)
def rank_one_balance(scale: str = "1", d1: Any = (1, 3), d2: Any = (1, 3)) -> System:
    """Rank-one factorisation ``f(u, v) = ½‖uvᵀ − M⋆‖_F²`` under gradient flow from
    ``(u₀, v₀) = scale·(drawn rationals)``, measured in closed form (no integrator).

    Along the flow ``q = ‖u‖² − ‖v‖²`` is conserved and ``f`` does not increase, so
    ``‖u‖‖v‖ = ‖uvᵀ‖_F ≤ ‖M⋆‖_F + √(2f(0)) = P``; ``y = ‖v‖²`` then satisfies ``y(y + q) ≤ P²``,
    i.e. ``y ≤ B``, and ``|‖u‖²/‖v‖² − 1| = |q|/y ≥ |q|/B`` at every t.  At a global minimiser
    ``‖uvᵀ‖_F = σ₁`` (Eckart–Young), so ``x = ‖v‖²`` solves ``x(x + q) = σ₁²`` and the ratio is
    ``1 + q/x = 1 + 2q/(√(q² + 4σ₁²) − q)``.  Out of scope: ``u₀ = 0`` or ``v₀ = 0`` (no ratio)."""
    from flint import arb

    from checker.spectra import top_eigenvalue_exact

    @st.composite
    def draw(dr: Any) -> dict:
        inst = dr(factorisation_instances(d1=d1, d2=d2, rank=1))
        c = rational(scale)
        inst["U"], inst["V"] = ([[rational_str(rational(x) * c) for x in row] for row in inst[k]] for k in ("U", "V"))
        return {k: inst[k] for k in ("U", "V", "M")}

    def scope(inst: dict, precision: Precision) -> str | None:
        if any(all(rational(x) == 0 for row in inst[k] for x in row) for k in ("U", "V")):
            return "u₀ = 0 or v₀ = 0: the ratio ‖u‖²/‖v‖² is undefined"
        return None

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        U, V, M = (rational_array(inst[k]) for k in ("U", "V", "M"))
        q = (U * U).sum() - (V * V).sum()
        R = U @ V.T - M
        with working_precision(precision.bits):
            s2 = arb(top_eigenvalue_exact(M.T @ M, precision.bits))
            sigma = s2.sqrt()
            P = arb((M * M).sum()).sqrt() + arb((R * R).sum()).sqrt()  # √(2f) = ‖R‖_F
            qa = arb(q)
            B = ((qa * qa + 4 * P * P).sqrt() - qa) / 2
            ratio = 1 + 2 * qa / ((qa * qa + 4 * s2).sqrt() - qa)
        note = f"closed form in balls at {precision.bits} bits"
        return {"q0": Enclosure.exact(q), "sigma1": Enclosure.ball(sigma, note),
                "ratio_limit": Enclosure.ball(ratio, note), "gap_floor": Enclosure.ball(abs(qa) / B, note)}

    return System(f"rank_one_balance(scale {scale}, d1 {d1}, d2 {d2})",
                  "rank-one factorisation under gradient flow, closed forms from the conserved imbalance",
                  RANK_ONE_QUANTITIES, draw(), measure, scope, hypotheses=("u₀ ≠ 0 and v₀ ≠ 0",),
                  parameters={"scale": scale, "d1": d1, "d2": d2},
                  features=lambda inst: {"d1": len(inst["U"]), "d2": len(inst["V"])}, dynamical=True)


