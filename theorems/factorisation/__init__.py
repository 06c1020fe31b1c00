"""Du, Hu & Lee: gradient descent balances and solves asymmetric matrix factorisation.

THEOREMS.md §1, ids **DHL-T3.1** (rank r, decaying steps) and **DHL-T3.2** (rank one, constant
step).  The identity (I2) they rest on, DHL-MF, is stated in ``theorems/balance/`` (its system is
``theorems.balance.factorisation.factorisation_step``).

Problem: f(U, V) = ½‖UVᵀ − M⋆‖_F² with rank(M⋆) = r, U ∈ ℝ^{d1×r}, V ∈ ℝ^{d2×r}, gradient
descent U ← U − η_t RV, V ← V − η_t RᵀU with R = UVᵀ − M⋆.  Targets are planted as
M⋆ = P diag(σ) Qᵀ with exactly orthonormal rational P, Q (:func:`checker.matfact.planted_target`),
so σ are exactly its singular values.  Initial points are seeded Gaussians in float64; those
floats are exact rationals, so the ball-arithmetic runs enclose the *exact* gradient-descent
iterates from exactly the stated initial point with exactly the stated step sizes.

Every constant of both theorems is [unconfirmed — a parameter] (THEOREMS.md §0.1); each system
family takes them as keyword arguments whose defaults are THEOREMS.md's values, and the notes of
each statement say which values it is checked at and whether those are outside the theorem's.

The package: :mod:`.systems` (instances, runs and quantities; engine: :mod:`checker.matfact`),
:mod:`.figures`, and here the statements.
"""
from __future__ import annotations

from checker import theorem

from .figures import (figure_drift_against_step, figure_error_constant, figure_error_decaying, figure_imbalance,
                      figure_stability)
from .systems import ENLARGED, mf_decaying_steps, mf_rank_one

SOURCE = ("S. S. Du, W. Hu, J. D. Lee, \"Algorithmic regularization in learning deep homogeneous models: "
          "layers are automatically balanced\", NeurIPS 2018, arXiv:1806.00900")
SOURCE_31 = SOURCE + ", Thm 3.1 (number unconfirmed); THEOREMS.md DHL-T3.1"
SOURCE_32 = SOURCE + ", Thm 3.2 (number unconfirmed); THEOREMS.md DHL-T3.2"


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
