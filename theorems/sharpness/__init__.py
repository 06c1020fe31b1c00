"""Marion & Chizat: deep linear networks for regression are implicitly regularised towards flat minima.

P. Marion, L. Chizat, "Deep linear networks for regression are implicitly regularized towards flat
minima", NeurIPS 2024, arXiv:2405.13456 (THEOREMS.md §3; only "Theorem 1" is a confirmed number).

Setting (THEOREMS.md §3.0).  Data ``X ∈ ℝ^{n×d}``, ``y``; network ``x ↦ pᵀW_L⋯W_1x`` (``p = 1`` for
the plain net, a fixed unit vector for the residual net); risk ``R¹(w) = ‖y − Xw‖²/n`` of the
end-to-end vector ``w = (pᵀW_L⋯W_1)ᵀ`` (the authors' convention), so ``Σ := ½∇²R¹ = XᵀX/n``;
``w⋆ = Σ⁻¹Xᵀy/n``; ``λ ≤ Λ`` the extreme eigenvalues of Σ; ``a := w⋆ᵀΣw⋆/‖w⋆‖²``; sharpness
``S(W) := λ_max(∇²R(W))`` (signed); ``S_min`` its infimum over global minimisers.

The package: :mod:`.minimisers` (exact data and minimisers), :mod:`.flows` (gradient flow and
descent runs), :mod:`.figures`, and here the statements.  Measurement (engine:
:mod:`checker.linear`, :mod:`checker.sharpness`, :mod:`checker.regression`):

* At a global minimiser, formula (H): ``S = 2·λ_max(GΣ)``, ``G = Σ_k ‖a_k‖²B_kᵀB_k``, exact on
  rational minimisers.  Elsewhere the full Hessian (Dual-number HVP columns of the network), exactly.
* ``S_min`` by the 1-D convex minimisation of MC-T1-UP, enclosed from both sides (exact upper
  bounds at aligned rank-one minimisers, exact dual lower bounds from densities).
* Gradient flow in float64 (LSODA, two tolerances, stopped at
  ``‖w − w⋆‖ ≤ tol/10``): every limit quantity is an *estimate* whose error adds the
  two-tolerance difference, the change since the flow was 100× farther from ``w⋆`` (linear
  convergence leaves about 1% of that), and for ``S`` the Weyl bound on the Hessian's residual
  term.  A run that does not converge is an error (or, for ``dist``, an undecided enclosure),
  never a refutation.  Gradient descent runs carry the difference to extended precision.
"""
from __future__ import annotations

from checker import theorem
from checker.proofs import deep_linear_hessian_proof

from .figures import (figure_descent_vs_step, figure_gd_sharpness_vs_step, figure_ratio_vs_depth,
                      figure_residual_constant, figure_sharpness_vs_scale)
from .flows import descent, residual_flow, small_init_flow
from .minimisers import minimisers

SOURCE = "Marion & Chizat, NeurIPS 2024, arXiv:2405.13456"

MIN = minimisers()
ANYWHERE = minimisers(at_minimiser=False)
BOUND = "2*L*a*wnorm**(2-2/L)"
T1 = f"{SOURCE}, Theorem 1"

theorem(
    "MC-H", system=MIN, conclusion="hess_gap + spec_gap == 0",
    title="Exact Hessian at every global minimiser: ∇²R = Jᵀ(2Σ)J, so S = 2λ_max(GΣ)",
    source=f"THEOREMS.md MC-H [derived], used with {T1}",
    notes="The Hessian is assembled column by column from exact Hessian-vector products (forward-mode "
          "derivatives of the gradient) and compared entrywise with Jᵀ(2Σ)J built from the Jacobian's closed form "
          "(`hess_gap`); the characteristic polynomial of the P × P Hessian is compared with x^{P−d} times that "
          "of the d × d matrix 2GΣ (`spec_gap`), so the two have the same spectrum and S = 2λ_max(GΣ). Both gaps are "
          "exact rationals (both are ≥ 0, so their sum is 0 iff both are). **Proof for all depths and widths**: "
          "`checker.proofs.deep_linear_hessian_proof` reduces, in noncommutative matrix algebra with one abstract "
          "layer standing for every layer, the Jacobian, its adjoint, JJᵀ = Σ_k‖a_k‖²B_kᵀB_k and the vanishing of "
          "the residual term at minimisers; that JᵀMJ and M^{½}JJᵀM^{½} share their nonzero spectrum (Sylvester, "
          "hence S = 2λ_max(GΣ)) is stated there, not reduced.",
    proof=deep_linear_hessian_proof)
theorem(
    "MUT-MC-H-anywhere", system=ANYWHERE, conclusion="hess_gap + spec_gap == 0", expect="fails",
    title="Mutation: formula (H) at arbitrary points (the hypothesis ∇R¹(w) = 0 dropped)",
    source="mutation of MC-H")

theorem(
    "MC-T1", system=MIN, conclusion=f"S >= {BOUND}",
    title="Every global minimiser is at least as sharp as 2La‖w⋆‖^{2−2/L}",
    source=f"{T1} (camera-ready form, confirmed from the v2 code)",
    notes="S is exact (rational top root of the characteristic polynomial of GΣ) or a certified ball of an "
          "isolated algebraic root; the data make ‖w⋆‖^{2−2/L} rational, so equality cases (d = 1, or w⋆ a top "
          "eigenvector of Σ with a balanced minimiser) are decided exactly.",
    figures=(figure_ratio_vs_depth,))
theorem(
    "MC-T1-v1", system=MIN, conclusion="S >= 2*L*lam*wnorm**(2-2/L)",
    title="v1 form of the lower bound: S ≥ 2Lλ‖w⋆‖^{2−2/L} (weaker, since a ≥ λ)",
    source=f"{T1} (arXiv v1 form, confirmed from the v1 code)")
GENERIC = minimisers(structured=False)  # mutations that fail only where Λ > a: no equality cases
theorem("MUT-MC-T1-Lambda", system=GENERIC, conclusion="S >= 2*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: Λ in place of a in the lower bound", source="mutation of MC-T1")
theorem("MUT-MC-T1-flat", system=MIN, conclusion=f"S <= 10*{BOUND}", expect="fails",
        title="Mutation: every minimiser is flat (S ≤ 10 × the lower bound)",
        source="mutation of MC-T1 (the paper: minimisers can be arbitrarily sharp)")
theorem("MUT-MC-T1-exponent", system=MIN, conclusion="S >= 2*L*a*wnorm**2", expect="fails",
        title="Mutation: exponent 2 instead of 2 − 2/L on ‖w⋆‖", source="mutation of MC-T1")
theorem("MUT-MC-T1-v1-anywhere", system=ANYWHERE, conclusion="S >= 2*L*lam*wnorm**(2-2/L)", expect="fails",
        title="Mutation: the v1 bound at arbitrary points (not minimisers)", source="mutation of MC-T1-v1")

theorem(
    "MC-T1-UP", system=MIN, hypotheses=("L >= 2",), conclusion="S_min <= 2*L*a*(Lambda/a)**(1/L)*wnorm**(2-2/L)",
    title="The flattest minimiser: S_min ≤ 2LΛ^{1/L}a^{1−1/L}‖w⋆‖^{2−2/L} (so S_min/(2L‖w⋆‖^{2−2/L}) → a)",
    source=f"THEOREMS.md MC-T1-UP [derived], complements {T1}",
    notes="S_min is the exact minimum of the 1-D convex problem 2·min_x λ_max(xΣ + (L−1)x^{−1/(L−1)}Σ^{½}w⋆w⋆ᵀΣ^{½}), "
          "enclosed between an exact upper bound (an aligned rank-one minimiser at a rational parameter near the "
          "float optimum, exact characteristic polynomial) and an exact dual lower bound "
          "2L(tr ρΣ)^{1/L}(tr ρM)^{1−1/L} (a rational density ρ from the top eigenvectors at the optimum); when the two "
          "meet exactly (e.g. w⋆ an eigenvector of Σ) S_min is an exact rational. For L = 1 the only minimiser is "
          "w⋆ᵀ and every bound of this family is the identity S_min = 2Λ: an equality of irrational numbers, which no "
          "ball enclosure can certify, so the statements take L ≥ 2.")
theorem("MUT-MC-T1-UP-tight", system=MIN, hypotheses=("L >= 2",), conclusion=f"S_min <= {BOUND}", expect="fails",
        title="Mutation: the lower bound is attained (S_min = 2La‖w⋆‖^{2−2/L})", source="mutation of MC-T1-UP")
theorem(
    "MC-T1-UP-BAL", system=MIN, hypotheses=("L >= 2",), conclusion="S_bal <= 2*(Lambda + (L-1)*a)*wnorm**(2-2/L)",
    title="The balanced rank-one minimiser: S_bal ≤ 2(Λ + (L−1)a)‖w⋆‖^{2−2/L}",
    source="THEOREMS.md MC-T1-UP [derived]",
    notes="S_bal is the sharpness (H) of the exact balanced minimiser W_k = ‖w⋆‖^{1/L}u_{k+1}u_kᵀ built layer by layer.")
theorem("MUT-MC-T1-UP-BAL-optimal", system=MIN, hypotheses=("L >= 2",), conclusion="S_bal <= S_min", expect="fails",
        title="Mutation: the balanced minimiser is the flattest", source="mutation of MC-T1-UP")
theorem(
    "MC-T1-UP-CS", system=MIN, hypotheses=("L >= 2",), conclusion="S_min <= 2*wnorm**(2-2/L)*sqrt(L*(Lambda**2 + (L-1)*a**2))",
    title="Reported construction value 2‖w⋆‖^{2−2/L}√(L(Λ² + (L−1)a²)) bounds S_min",
    source="THEOREMS.md MC-T1-UP (value reported for the paper's construction [unconfirmed]; the bound is derived)")
theorem("MUT-MC-T1-UP-CS-lam", system=MIN, hypotheses=("L >= 2",), conclusion="S_min <= 2*wnorm**(2-2/L)*sqrt(L*(lam**2 + (L-1)*a**2))",
        expect="fails", title="Mutation: λ in place of Λ in the construction value", source="mutation of MC-T1-UP-CS")
theorem(
    "MC-T1-SMIN", system=MIN, hypotheses=("L >= 2",), conclusion="S >= S_min",
    title="No global minimiser is flatter than the exact S_min", source="THEOREMS.md MC-T1-UP [derived]")
theorem("MUT-MC-T1-SMIN-balanced", system=GENERIC, hypotheses=("L >= 2",), conclusion="S >= S_bal", expect="fails",
        title="Mutation: no minimiser is flatter than the balanced one", source="mutation of MC-T1-SMIN")

FLAT = minimisers(depth=(2, 4), draws=("flattest", "balanced"))
theorem(
    "MC-LR", system=FLAT, conclusion="eta*S > 2", hypotheses=("eta*S_min > 2",),
    title="Above η = 2/S_min every global minimiser is a linearly unstable fixed point of GD (1 − ηS < −1)",
    source=f"THEOREMS.md MC-LR [derived]; threshold (La‖w⋆‖^{{2−2/L}})⁻¹ plotted in {SOURCE}, Figure 2",
    notes="η = eta_factor/(L·a·‖w⋆‖^{2−2/L}) is exact; the hypothesis η·S_min > 2 is decided on the exact or "
          "certified S_min, so the conclusion is certified. The minimisers are the aligned rank-one family "
          "(near-flattest and balanced), where the claim is tight. That GD then converges only from a measure-zero set "
          "(centre–stable manifold) is not checked; MC-LR-GD runs GD.",
    figures=(figure_descent_vs_step,))
theorem("MUT-MC-LR-Lambda", system=minimisers(depth=(2, 4), draws=("flattest", "balanced"), structured=False), conclusion="eta*S > 2", hypotheses=("eta*2*L*Lambda*wnorm**(2-2/L) > 2",),
        expect="fails", title="Mutation: the threshold 1/(LΛ‖w⋆‖^{2−2/L}) (Λ in place of a) already destabilises every minimiser",
        source="mutation of MC-LR")

GD = descent()
theorem(
    "MC-LR-GD", system=GD, conclusion="converged <= 0", hypotheses=("eta*S_min > 2",),
    title="GD with η > 2/S_min does not converge to a global minimiser",
    source=f"THEOREMS.md MC-LR (class c); {SOURCE}, Figure 2",
    notes="Float64 GD from W_k(0) = ε·N_k, stopped at ‖w − w⋆‖ ≤ 1e-8, at overflow, or after 4000 steps "
          "(×4 per escalation): evidence is at most *passed*. Below the threshold convergence is possible, not a theorem.")
theorem("MUT-MC-LR-GD-below", system=GD, conclusion="converged <= 0", hypotheses=("eta*S_min < 2",), expect="fails",
        title="Mutation: GD does not converge below the threshold either", source="mutation of MC-LR-GD",
        notes="Refuted by a GD run that reaches ‖w − w⋆‖ ≤ 1e-8: the float64 run is replayed in arb balls (the exact "
              "GD iteration from the same start with the exact step), so `converged` = 1 is certified as the "
              "finite-horizon fact it denotes (‖w_T − w⋆‖ ≤ 1e-8 at the run's T). That is convergence evidence, not a "
              "proof of convergence.")

SMALL = small_init_flow()
UNBALANCED = small_init_flow(scales=("1/2", "1", "2"), gains=("1", "4"))
theorem(
    "MC-SMALL", system=SMALL, conclusion="S <= C_small*L*Lambda*wnorm**(2-2/L)",
    title="GF from small initialisation converges to a minimiser with S ≤ C_small·LΛ‖w⋆‖^{2−2/L} (C_small = 8)",
    source=f"{SOURCE}, small-initialisation theorem (number unconfirmed); C_small = 8 from the authors' code",
    notes="Gradient flow from W_k(0) = ε·N_k, ε ∈ {1/32, 1/16, 1/8}, integrated by LSODA (the "
          "rule of checker.dynamics on the network's risk) to ‖w − w⋆‖ ≤ 1e-9 (rtol ≤ 1e-11, repeated at 1000× tighter tolerance). S is formula (H) at the "
          "end of the run; its error adds the two-tolerance difference, the change since ‖w − w⋆‖ ≤ 1e-7, and the Weyl "
          "bound of the Hessian's residual term. A run that does not converge is an error, never a refutation.",
    figures=(figure_sharpness_vs_scale,))
theorem("MUT-MC-SMALL-large", system=UNBALANCED, conclusion="S <= C_small*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: the small-initialisation bound for large or unbalanced initialisations (ε ≥ 1/2, first layer × 4)",
        source="mutation of MC-SMALL (THEOREMS.md: the conserved imbalance persists)")
theorem(
    "MC-SMALL-RANK1", system=SMALL, conclusion="sigma2 <= imbalance",
    title="The GF limit is rank one up to the conserved imbalance: max_k σ₂(W_k) ≤ √(Σ_k‖D_k(0)‖₂) = O(ε) "
          "(holds along any GF path)",
    source=f"{SOURCE} (rank-one claim of the abstract); quantitative form derived in THEOREMS.md MC-SMALL",
    notes="Derived: D_k = W_kW_kᵀ − W_{k+1}ᵀW_{k+1} is conserved by GF (DHL-LIN) and W_L has rank one, so Weyl's "
          "inequality gives σ₂(W_k)² ≤ σ₂(W_{k+1})² + ‖D_k‖₂ ≤ Σ_{j≥k}‖D_j(0)‖₂. Small initialisation makes the "
          "right side O(ε²). **What this check is**: the bound holds at every point of every gradient-flow path "
          "(it uses only the conservation law), not only at the limit and not only from small initialisations; "
          "measured at the limit it checks that the integrator kept D_k and that the limit is rank one up to "
          "√(Σ‖D_j(0)‖₂) = O(ε). A twin with the constant perturbed by 1% passes unless the Weyl chain is nearly tight; "
          "the exponent twin (MUT-MC-SMALL-RANK1-exponent) is refuted.")
theorem("MUT-MC-SMALL-RANK1-exponent", system=SMALL, conclusion="sigma2 <= imbalance**2", expect="fails",
        title="Mutation: σ₂ = O(ε²) instead of O(ε)", source="mutation of MC-SMALL-RANK1")
theorem(
    "MC-SMALL-ALIGN", system=SMALL, conclusion="misalign <= 2*imbalance**2/gap",
    title="Consecutive layers of the GF limit are aligned: sin∠(v₁(W_{k+1}), u₁(W_k)) ≤ 2Σ_j‖D_j(0)‖₂/gap "
          "(holds along any GF path)",
    source=f"{SOURCE} (alignment claim of the abstract); quantitative form derived (Davis–Kahan)",
    notes="W_kW_kᵀ = W_{k+1}ᵀW_{k+1} + D_k with D_k conserved, so the top eigenvectors of the two differ by "
          "sin θ ≤ 2‖D_k‖₂/(σ₁(W_{k+1})² − σ₂(W_{k+1})²) (Davis–Kahan in the Yu–Wang–Samworth form). **What this "
          "check is**: like MC-SMALL-RANK1, a consequence of the conservation law that holds at every point of every "
          "gradient-flow path with a spectral gap, measured at the limit; small initialisation only makes it O(ε²). "
          "The Davis–Kahan constant 2 is not tight, so twins with a perturbed constant pass; the exponent twin "
          "(MUT-MC-SMALL-ALIGN-exponent) is refuted.")
theorem("MUT-MC-SMALL-ALIGN-exponent", system=SMALL, conclusion="misalign <= imbalance**4/gap**2", expect="fails",
        title="Mutation: misalignment O(ε⁴) instead of O(ε²)", source="mutation of MC-SMALL-ALIGN")

RES = residual_flow()
LARGE_RES = residual_flow(s_values=("3", "4"))
theorem(
    "MC-RES", system=RES, conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)",
    title="GF from residual initialisation W_k = I + (s/√(Ld))N_k, s ≤ 1, converges to a flat minimiser: "
          "S ≤ C_res·LΛ‖w⋆‖^{2−2/L} (C_res = 8, unconfirmed)",
    source=f"{SOURCE}, residual-initialisation theorem (number unconfirmed); setup from the authors' code",
    notes="The theorem's flatness constant C_res and its admissible scales s have no confirmed value (THEOREMS.md "
          "MC-RES: the user must supply C_res). The statement checks the flatness guarantee in the form of the "
          "small-initialisation theorem, S ≤ C_res·LΛ‖w⋆‖^{2−2/L}, with C_res = 8 (MC-SMALL's constant from the authors' "
          "code, borrowed: a parameter of `residual_flow`) on s ∈ {1/4, 1/2, 1}. Convergence is part of the claim: a "
          "run that does not reach ‖w − w⋆‖ ≤ 1e-9 is an error, never a pass. Targets have ‖w⋆‖ = 1, the authors' "
          "normalisation (MUT-MC-RES-any-norm drops it and is refuted); so ‖w⋆‖^{2−2/L} = 1 and the exponent twins "
          "coincide with the statement and pass. *Tightness*: the bound has slack at s ≤ 1 "
          "(see MC-REV-RES's figure), so the twins C_res × (1 ± 1/100) may also pass: the statement need not discriminate the "
          "constant, which is unconfirmed anyway; "
          "MUT-MC-RES-large-s shows that it fails for large s, and MC-REV-RES measures the largest s at which C_res "
          "= 8 holds (its figure). (The former form, ‖w − w⋆‖ ≤ tol, held by construction: the run stops at tol/10.)")
theorem("MUT-MC-RES-any-norm", system=residual_flow(unit_target=False), conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)",
        expect="fails", title="Mutation: the residual flatness bound for targets of any norm (tiny, ordinary and huge ‖w⋆‖)",
        source="mutation of MC-RES (the normalisation ‖w⋆‖ = 1 of the authors' code dropped)",
        notes="W_k(0) = I + O(s) has scale 1 whatever ‖w⋆‖ is, so for small ‖w⋆‖ the limit stays near scale 1 and its "
              "sharpness is not O(‖w⋆‖^{2−2/L}): the constant depends on ‖w⋆‖ (THEOREMS.md lists that dependence as "
              "unconfirmed). Float64 gradient-flow limits: estimate evidence.")
theorem("MUT-MC-RES-large-s", system=LARGE_RES, conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: the residual flatness bound (C_res = 8) at large residual scales s ∈ {3, 4}",
        source="mutation of MC-RES (THEOREMS.md: a constant independent of s can fail for large s)",
        notes="Float64 gradient-flow limits (estimate evidence, dynamical system): the refutation is an estimate.")
theorem("MUT-MC-RES-flattest", system=RES, conclusion=f"S <= {BOUND}", expect="fails",
        title="Mutation: the residual limit attains the lower bound", source="mutation of MC-RES")
theorem(
    "MC-RES-T1", system=RES, conclusion=f"S >= {BOUND}",
    title="The residual-network limit obeys the Theorem 1 lower bound (a_L = p, ‖p‖ = 1)",
    source=f"THEOREMS.md MC-RES [derived]: MC-H and MC-T1 hold with a_L = p; {T1}",
    notes="*Does not discriminate the exponent (twins):* the residual system draws targets with ‖w⋆‖ = 1 (the "
          "authors' normalisation), so ‖w⋆‖^{2−2/L} = 1 and the exponent twins coincide with the statement; "
          "MC-T1 discriminates the exponent on minimisers of every norm.")
theorem("MUT-MC-RES-T1-Lambda", system=RES, conclusion="S >= 2*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: Λ in place of a at the residual limit", source="mutation of MC-RES-T1")


# ============================================================================ reviewers' questions
# Issue 12, item 3 (Marion & Chizat): each question is a statement or a figure, with its verdict or values.

REBUTTAL = "2*wnorm**(2-2/L)*sqrt(L*(Lambda**2 + (L-1)*a**2))"
theorem(
    "MC-REV-BAL-EQ", system=MIN, hypotheses=("L >= 2",), conclusion=f"S_bal == {REBUTTAL}", expect="fails",
    title="Reviewers' question (a): the rebuttal's sharpness of the balanced minimiser, "
          "S_bal = 2‖w⋆‖^{2−2/L}√(L(Λ² + (L−1)a²)), as an equality",
    source="Marion–Chizat rebuttal (value reported [unconfirmed]); THEOREMS.md MC-T1-UP",
    notes="Refuted by the checker's own search: S_bal = 2‖w⋆‖^{2−2/L}λ_max((I + (L−1)uuᵀ)Σ) exactly (the exact "
          "balanced minimiser, formula (H)), while the formula is only its Cauchy–Schwarz upper bound "
          "(MC-REV-BAL-UP). A hand-checkable instance: L = 2, Σ = diag(1/4, 1/16), w⋆ = e₂ (Λ = 1/4, a = 1/16): "
          "S_bal = 1/2 exactly, the formula gives 2√(34)/16 ≈ 0.729 (tests/test_sharpness.py replays it).")
theorem(
    "MC-REV-BAL-UP", system=MIN, hypotheses=("L >= 2",), conclusion=f"S_bal <= {REBUTTAL}",
    title="Reviewers' question (a): the rebuttal's formula is an upper bound on the balanced minimiser's sharpness",
    source="THEOREMS.md MC-T1-UP [derived]: S_bal ≤ 2(Λ + (L−1)a)‖w⋆‖^{2−2/L} ≤ 2‖w⋆‖^{2−2/L}√(L(Λ² + (L−1)a²))",
    notes="Equality holds when Λ = a (Σ ∝ I, d = 1, or w⋆ a top eigenvector), which the structured instances draw: "
          "both sides are then the same rational and the verdict is exact.")

GD_LIMITS = descent(converged_only=True, max_steps=5000)
theorem(
    "MC-REV-GD", system=GD_LIMITS, conclusion="eta*S <= 2",
    title="Reviewers' question (b): the limit of gradient descent with step η has sharpness at most 2/η",
    source=f"THEOREMS.md MC-LR and §0.3-6 (GD is not GF); {SOURCE}, Figure 2",
    notes="Where GF from a small initialisation ends near S_bal, GD with a large step ends at a minimiser with "
          "S ≤ 2/η: GD converges (from a set of positive measure) only to linearly stable minimisers, 1 − ηS ≥ −1. "
          "Float64 GD runs (estimate evidence, dynamical system: at best passed) with η = eta_factor/(La‖w⋆‖^{2−2/L}), "
          "eta_factor ∈ [1/2, 3/2], i.e. around the critical step 2/S_min; runs that do not converge within 5000 "
          "steps are out of scope (no limit). The figure plots the GD limit's S against η with the curve 2/η: "
          "between 2/S_bal and 2/S_min the limits sit just below 2/η (edge of stability), so the tightened twin "
          "with 2 × (1 − 1/100) fails exactly on runs that end within 1% of 2/η; draws that miss that window "
          "(most runs end at S_bal, far below 2/η) leave it passing, and then the statement does not discriminate "
          "on those draws.",
    figures=(figure_gd_sharpness_vs_step,))

REV_RES = residual_flow(s_values=("0", "1/2", "1", "3/2", "2", "3"))
theorem(
    "MC-REV-RES", system=REV_RES, conclusion="S <= C_res*L*Lambda*wnorm**(2-2/L)", expect="fails",
    title="Reviewers' question (c): no constant C_res = 8 holds for every residual scale s ∈ [0, 3] (empirical)",
    source=f"{SOURCE}, residual-initialisation theorem (C_res, s_max unconfirmed); THEOREMS.md MC-RES",
    notes="EMPIRICAL: float64 gradient-flow limits (estimate evidence). The figure gives S(W_∞)/(2La‖w⋆‖^{2−2/L}) "
          "against s on three fixed instances and, for each, the largest s on the grid up to which C_res = 8 "
          "(in the form S ≤ 8LΛ‖w⋆‖^{2−2/L}) holds on every seed; the search refutes the claim at large s.",
    figures=(figure_residual_constant,))

DEGENERATE = minimisers(dim=(2, 4), degenerate=True)
theorem(
    "MC-REV-SINGULAR-T1", system=DEGENERATE, hypotheses=("lam > 0",), conclusion=f"S >= {BOUND}",
    title="Reviewers' question (d): Theorem 1 on near-singular covariance (λ > 0 tiny); singular Σ fails its hypothesis",
    source=f"{T1}; THEOREMS.md MC-T1 (singular covariance)",
    notes="Singular and near-singular data (X = X₀H with a zero or 1/1000-scaled last column). The singular instances "
          "fail Theorem 1's hypothesis Σ ≻ 0 (here the statement hypothesis λ > 0) and are counted as "
          "hypotheses-unsatisfied; on the near-singular ones the bound 2La‖w⋆‖^{2−2/L} is certified (it does not "
          "depend on λ), while the v1 form 2Lλ‖w⋆‖^{2−2/L} becomes nearly vacuous.")
theorem(
    "MC-REV-SINGULAR", system=DEGENERATE, conclusion=f"S >= {BOUND}",
    title="Reviewers' question (d): on singular covariance every global minimiser obeys S ≥ 2La_mn‖w⋆_mn‖^{2−2/L}",
    source="THEOREMS.md MC-T1, singular covariance [derived]: Σ^{½}w = Σ^{½}w⋆_mn at every global minimiser",
    notes="w⋆_mn = Σ⁺b is the minimum-norm solution (exact pseudo-inverse) and a_mn = w⋆_mnᵀΣw⋆_mn/‖w⋆_mn‖². The "
          "minimisers drawn have w(W) = w⋆_mn exactly; formula (H) holds at every global minimiser, singular Σ included.")
theorem("MUT-MC-REV-SINGULAR-Lambda", system=DEGENERATE, conclusion="S >= 2*L*Lambda*wnorm**(2-2/L)", expect="fails",
        title="Mutation: Λ in place of a on singular covariance", source="mutation of MC-REV-SINGULAR")
