"""Lyu–Li and Ji–Telgarsky: margins, directions and alignment of homogeneous networks.

K. Lyu, J. Li, "Gradient descent maximizes the margin of homogeneous neural networks", ICLR 2020,
arXiv:1906.05890 (numbers from the ICLR version); Z. Ji, M. Telgarsky, "Directional convergence
and alignment in deep learning", NeurIPS 2020, arXiv:2006.06657 (theorem numbers unconfirmed).
THEOREMS.md §2 is the specification; its notation is used throughout.

Setting (§2.0): a positively ``K``-homogeneous classifier ``Φ(θ; x)``, margins ``q_n = y_nΦ(θ; x_n)``,
``ℒ = Σ_n ℓ(q_n)`` (a sum) with ``ℓ(q) = e^{-q}`` or ``log(1 + e^{-q})``, ``g = -ℓ'``, ``ρ = ‖θ‖``,
normalised margin ``γ̄ = q_min/ρ^K``, smoothed margin ``γ̃ = ℓ^{-1}(ℒ)/ρ^K``.  The hypothesis
``ℒ(θ₀) < ℓ(0)`` is checked in ball arithmetic on every instance; instances failing it are
*hypotheses-unsatisfied*.

Evidence (THEOREMS.md §0.2):

* **pointwise (class b)** — LL-M and LL-T4.1 are inequalities at a point; they are evaluated
  with exact rational data and weights, margins exact, exponentials and logarithms in arb balls:
  *certified* at best.
* **asymptotic (class c)** — LL-T4.3 (and -LOSS, -RHO, -RATE), LL-T4.4, JT-T3.1, JT-T3.1-FL, JT-T4.1,
  JT-LIN (and -MARGIN) and JT-SQRELU are ``limit(...)`` statements over the trajectory quantities of
  :func:`margin_flows`.  Each instance's gradient flow (the Clarke/Filippov flow on kinks) is
  integrated in a reparametrised clock with ``log t`` as a state (:mod:`checker.clocks`) on a
  geometric ladder of ``log t`` up to ``10⁶`` (``10⁷`` after escalation), twice (BDF and LSODA:
  the difference is each rung's error); :mod:`checker.limits` extrapolates the limit (with the
  theorem's rate form where the paper gives one) and estimates its error from the ladder.  So a
  finite horizon makes a claim *passed* or *inconclusive* (and escalates the horizon), never
  *refuted*: refutations of asymptotic claims come only from closed forms (the mutations below).

The package: :mod:`.instances` (the classifiers, the instance strategies of §0.4 and the hypotheses),
:mod:`.points` (the pointwise systems of LL-M, LL-T4.1 and JT-SQRELU-KKT), :mod:`.flows` (the trajectory
quantities, each with how it is measured on a rung of the flow, and :func:`margin_flows`),
:mod:`.closed_forms` (the flows with exact limits behind the mutations), :mod:`.figures`, and here
the statements.  Engine: :mod:`checker.classification` (exact margins, ℒ, γ̃, γ̄ and ∇ℒ in balls),
:mod:`checker.clocks` (the classification-flow integrator), :mod:`checker.limits` (the limit judge,
the least-squares limit), :mod:`checker.svm` (the hard-margin SVM and the KKT residual of (P)).
"""
from __future__ import annotations

from checker import theorem
from checker.registry import register
from checker.statements import Statement

from .closed_forms import output_bias_limits, sliding_rays, square_loss_limits
from .figures import figure_alignment, figure_gd_steps, figure_margins, figure_start_margins, figure_svm, ladder_figure
from .flows import margin_flows
from .instances import SMOOTH_ARCHS
from .points import margin_vectors, network_points
from .reviewers import bias_flows, cubic_unit_limits, gd_runs, random_start_flows, random_starts

SOURCE_LL = "Lyu & Li, ICLR 2020, arXiv:1906.05890"
SOURCE_JT = "Ji & Telgarsky, NeurIPS 2020, arXiv:2006.06657"

# ------------------------------------------------------------------------------ statements

ASYMPTOTIC = ("Class (c), a limit along the trajectory: gradient flow integrated on a geometric ladder of log t "
              "(4 rungs a decade, 10 to 10⁶; 10⁷ on escalation), BDF checked by LSODA at rtol 1e-8, each rung's "
              "value an estimate whose radius is the two integrators' difference plus rounding. checker.limits "
              "extrapolates the limit from the ladder (with the theorem's rate form where it gives one) and "
              "encloses it with the extrapolants' disagreement plus the samples' noise; a ladder whose error does "
              "not shrink is undecided and escalates the horizon. The verdict is at best *passed*: an "
              "extrapolation is never a witness that no horizon can fake (THEOREMS.md §0.2 (c)). The figure shows "
              "the ladder, the extrapolants and their error on three representative flows.")

theorem(
    "LL-M", title="The scalar inequality behind monotone smoothed margins: Σ g(q_n)q_n ≥ g(z)z",
    source=f"{SOURCE_LL}, the inequality behind Lemma 5.1 and Thm 4.1 (THEOREMS.md LL-M, derived)",
    system=margin_vectors(), conclusion="sum_gq >= gz_z",
    notes="Class (b): exact margins, exponentials and logarithms in arb balls, so *certified*. N ≥ 2 "
          "(with one margin (M) is an equality, which balls cannot certify); then every q_n > z and the "
          "inequality is strict. *Does not discriminate (twins):* for the exponential loss "
          "Σ g(q_n)q_n − g(z)z = ℓ(z)·H(w), H the entropy of the weights w_n = ℓ(q_n)/ℓ(z), so the ratio of "
          "the sides is 1 + H(w)/z: the ×(1 + 1/100) twin fails only where z > 100·H(w), beyond the margins "
          "drawn; the lemma is strict, and its scale is not what it claims.",
)
theorem(
    "MUT-LL-M-mean", title="(mutation) (M) with the mean loss in place of the sum",
    source="mutation of LL-M (THEOREMS.md §2.0: Ji–Telgarsky normalise by the mean)",
    system=margin_vectors("mean"), conclusion="sum_gq >= gz_z", expect="fails",
    notes="With ℓ(z) = (1/N)Σℓ(q_n), (1/N)Σ e^{-q_n}q_n − e^{-z}z = (ℒ/N)(H(π) − log N) for the exponential "
          "loss (π the softmax weights, H their entropy), negative unless all margins are equal. The witness "
          "is a certified ball of the wrong sign (class b).",
)
theorem(
    "LL-T4.1", title="Monotone smoothed margin: d/dt log γ̃ − K (d/dt log ρ)^{-1} ‖dθ̂/dt‖² ≥ 0 (so dγ̃/dt ≥ 0)",
    source=f"{SOURCE_LL}, Thm 4.1 and Lemma 5.1 (general losses: Thm A.7)",
    system=network_points(), conclusion="lemma_gap >= 0",
    notes="lemma_gap = d/dt log γ̃ − K(d/dt log ρ)^{-1}‖dθ̂/dt‖², the slack of Lemma 5.1, evaluated in one "
          "piece at the precision its cancellation needs (the slack is of relative size Δ·e^{-Δ}, Δ the gap "
          "between the two smallest margins; the engine evaluates relations at the profile's 128 bits, so the "
          "difference of the quantities dlog_gamma_tilde and K*dtheta_hat**2/dlog_rho, also reported, would "
          "stay undecided on well-separated margins). "
          "The pointwise form of THEOREMS.md LL-T4.1 at generated θ with ℒ(θ) < ℓ(0) (class b): "
          "d/dt log γ̃ = ‖∇ℒ‖²/(g(z)z) − K v/ρ and, by (M), this is ≥ K‖u‖²/(vρ), which is Lemma 5.1 "
          "(v = ⟨θ̂, −∇ℒ⟩ = ρ d/dt log ρ, ‖u‖ = ρ‖dθ̂/dt‖). Exact data and weights, ∇ℒ in arb balls: *certified*. "
          "Kinks: the network's fixed selection (Euler's identity holds for every selection). The trajectory "
          "figure shows γ̃ along a run.",
    figures=(figure_margins,),
)
theorem(
    "MUT-LL-T4.1-GD", title="(mutation) monotone smoothed margin under gradient descent with a large step",
    source="mutation of LL-T4.1 (THEOREMS.md §2 (iii))",
    system=network_points(), conclusion="gamma_tilde_gd >= gamma_tilde", expect="fails",
    notes="One step θ − η∇ℒ(θ) from a point with ℒ < ℓ(0), with a rational η that moves θ by 2^k·p/q "
          "(k = 0..6) times its own norm (so 'large' is scale-free). The witness is the "
          "one-step inequality with a certified ball of the wrong sign (class b), which no horizon changes: "
          "the claim 'γ̃ never decreases along GD' fails at that step. Lyu–Li's GD results need a small step (S5).",
)
theorem(
    "LL-T4.3", title="Asymptotic margin: q_min/log t → 1",
    source=f"{SOURCE_LL}, Thm 4.3 (ℒ = Θ(1/(t (log t)^{{2−2/K}}))); the constant derived in THEOREMS.md LL-T4.3",
    system=margin_flows(), conclusion="limit(qmin/logt, log(H)/H) == 1",
    notes=ASYMPTOTIC + " Rate form: Thm 4.3 gives q_min = log t + (2 − 2/K) log log t + O(1), so "
          "q_min/log t = 1 + c·log log t/log t + O(1/log t); with H = log t the rate is log(H)/H.",
    figures=(ladder_figure("qmin/logt", "log(H)/H"),),
)
theorem(
    "LL-T4.3-LOSS", title="Asymptotic loss: log ℒ/log t → −1",
    source=f"{SOURCE_LL}, Thm 4.3; the constant derived in THEOREMS.md LL-T4.3",
    system=margin_flows(), conclusion="limit(log_loss/logt, log(H)/H) == -1",
    notes=ASYMPTOTIC + " Rate form: log ℒ = −log t − (2 − 2/K) log log t + O(1) (Thm 4.3), so the rate in H = log t "
          "is log(H)/H.",
    figures=(ladder_figure("log_loss/logt", "log(H)/H"),),
)
theorem(
    "LL-T4.3-RHO", title="Asymptotic norm: ρ^K/log t → 1/γ̄_∞",
    source=f"{SOURCE_LL}, Thm 4.3 (ρ = Θ((log t)^{{1/K}})) and Thm 4.1 (γ̄ converges); constant in THEOREMS.md LL-T4.3",
    system=margin_flows(), conclusion="limit(rho**K/logt) == 1/limit(gamma_bar)",
    notes=ASYMPTOTIC + " Both limits by the generic extrapolation (Aitken's Δ²): the paper gives no rate for γ̄.",
    figures=(ladder_figure("rho**K*gamma_bar/logt", "log(H)/H"),),
)
theorem(
    "LL-T4.3-RATE", title="The Θ-rate of the loss: (log ℒ + log t)/log log t → −(2 − 2/K)",
    source=f"{SOURCE_LL}, Thm 4.3: ℒ = Θ(1/(t (log t)^{{2−2/K}}))",
    system=margin_flows(), conclusion="limit((log_loss + logt)/log(logt), 1/log(H)) == -(2 - 2/K)",
    notes=ASYMPTOTIC + " ℒ·t·(log t)^{2−2/K} = Θ(1) means log ℒ + log t = −(2 − 2/K) log log t + O(1), so the "
          "quotient converges to −(2 − 2/K) at the rate 1/log log t, i.e. 1/log(H) in H = log t: the exponent "
          "2 − 2/K is what is checked (a wrong exponent leaves the extrapolated limit elsewhere).",
    figures=(ladder_figure("(log_loss + logt)/log(logt)", "1/log(H)"),),
)
theorem(
    "MUT-LL-T4.3-square", title="(mutation) q_min/log t → 1, so q_min → ∞, for the squared loss",
    source="mutation of LL-T4.3 (THEOREMS.md §2 (iv))",
    system=square_loss_limits(), conclusion="1/(1 + Abs(qmin_limit)) == 0", expect="fails",
    notes="LL-T4.3's q_min/log t → 1 implies q_min → ∞, i.e. lim 1/(1 + |q_min|) = 0. The witness is a closed "
          "form: the squared-loss flow of a linear predictor converges to the exact least-squares limit w_∞ "
          "(least_squares_limit), so lim q_min(t) = q_min(w_∞) is an exact rational and 1/(1 + |q_min(w_∞)|) > 0.",
)
theorem(
    "LL-T4.4", title="Limit directions are KKT points of min ½‖θ‖² s.t. q_n(θ) ≥ 1",
    source=f"{SOURCE_LL}, Thm 4.4 and Cor 4.5",
    system=margin_flows(), conclusion="limit(kkt) == 0",
    notes=ASYMPTOTIC + " The residual is THEOREMS.md LL-T4.4's NNLS after rescaling to q_min = 1, in Lyu–Li's "
          "(ε, δ)-approximate-KKT form (checker.svm.kkt_residual): min over λ ≥ 0 of "
          "√(‖θ̃ − Σλ_n∇q_n‖² + (Σλ_n(q_n − 1))²)/‖θ̃‖, complementary slackness penalised instead of an "
          "active-set threshold. On kinks the flow's Clarke selection. No rate in the paper: generic extrapolation.",
    figures=(ladder_figure("kkt", None),),
)
theorem(
    "MUT-LL-T4.4-bias", title="(mutation) limit directions are KKT points for a network with an output bias",
    source="mutation of LL-T4.4 (THEOREMS.md §2 (ii): non-homogeneous predictors)",
    system=output_bias_limits(), conclusion="kkt_limit == 0", expect="fails",
    notes="The witness is a closed form, which no finite horizon can fake: gradient flow of a two-layer linear "
          "network with biases on one point is solvable (see the system), its limit direction has output bias "
          "0 while ∂q/∂c = y, so no multiple of it is a KKT point of (P): the residual at the scale q = 1, "
          "1/√(1 + 2‖x̃‖) (x̃ = (x, 1)), is enclosed in balls away from 0.",
)
theorem(
    "JT-T3.1", title="Directional convergence: ‖θ̂(log t) − θ̂(log t/10)‖ → 0",
    source=f"{SOURCE_JT}, Thm 3.1 (number unconfirmed)",
    system=margin_flows(), conclusion="limit(dtheta_decade) == 0",
    notes=ASYMPTOTIC + " The change of θ̂ = θ/‖θ‖ over the last decade of log t, the finite-horizon face of "
          "'θ̂ is Cauchy'. No rate in the theorem: generic extrapolation.",
    figures=(ladder_figure("dtheta_decade", None),),
)
theorem(
    "JT-T3.1-FL", title="Finite length of θ/‖θ‖ (optional predicate): its path length over a decade of log t → 0",
    source=f"{SOURCE_JT}, Thm 3.1 (finite length unconfirmed: THEOREMS.md makes it a separate predicate)",
    system=margin_flows(), conclusion="limit(path_decade) == 0",
    notes=ASYMPTOTIC + " The path length of θ̂ is a state of the integration (error-controlled); its increments over "
          "decades vanish when the total length is finite. The figure also shows that the total length "
          "path_length has a limit.",
    figures=(ladder_figure("path_decade", None), ladder_figure("path_length", None)),
)
theorem(
    "JT-T4.1", title="Alignment: 1 − cos∠(θ, −∇ℒ) → 0 for networks with a locally Lipschitz gradient",
    source=f"{SOURCE_JT}, Thm 4.1 (number unconfirmed; formula unconfirmed)",
    system=margin_flows(SMOOTH_ARCHS, "JT-T4.1 needs a locally Lipschitz gradient: ReLU kinks are excluded"),
    conclusion="limit(one_minus_cos) == 0",
    notes=ASYMPTOTIC + " Deep linear and two-layer squared-ReLU networks (C¹ with locally Lipschitz gradient). "
          "1 − cos is computed as ½‖θ̂ − ĝ‖² (THEOREMS.md §0.3-5). No rate in the theorem: generic extrapolation.",
    figures=(figure_alignment, ladder_figure("one_minus_cos", None, SMOOTH_ARCHS)),
)
register(Statement(
    "MUT-JT-T4.1-autodiff", title="(mutation) alignment for ReLU networks with the autodiff subgradient",
    source="mutation of JT-T4.1 (THEOREMS.md §2 (v))",
    system=sliding_rays(), conclusion="one_minus_cos_limit == 0", expect="fails", origin=__name__,
    witness_family="exact self-similar Clarke rays of a two-layer ReLU network, drawn around a rational template "
                   "(RAY_TEMPLATE: rotations, scalings, the push p, the loss)",
    notes="The witness is a closed form: an exact self-similar Clarke solution θ(t) = r(t)θ₀ of a two-layer ReLU "
          "network that slides on a kink (unit j with ⟨v_j, x_n⟩ = 0 is pushed towards activity by the point "
          "x_m and back by x_n; the Clarke selection σ = p ∈ (0, 1) keeps it on the kink). All margins are "
          "equal, so the loss weights stay equal and the Clarke velocity — the autodiff field projected onto "
          "the kink — is a positive multiple of θ₀ (verified in rationals): the direction converges (it is "
          "constant), while the autodiff gradient (ReLU'(0) = 0) keeps a component along x_n that the flow "
          "never follows, so 1 − cos∠(θ, −∇ℒ) is a positive constant for all t, computed exactly. Template: "
          "units (a, v) = (5, (4, −3)), (−4, (0, 4)); points (1, 0) ×16 and (0, −4/3) ×9 with y = +1, (p, 5/4) ×16 "
          "with y = −1; every margin 20; the strategy draws p, rotations through Pythagorean angles, scalings "
          "and the loss, and instances that are not exact rays (p < 0) are out of scope.",
))
theorem(
    "JT-LIN", title="Deep linear networks: the end-to-end direction → u_SVM",
    source=f"{SOURCE_JT}, margin-maximisation consequence for deep linear networks (statement unconfirmed); "
           "THEOREMS.md JT-LIN (derived)",
    system=margin_flows(("linear",), "JT-LIN is about deep linear networks"),
    conclusion="limit(svm_sin2) == 0",
    notes=ASYMPTOTIC + " sin²∠(u_t, u_SVM) with u_t = (W_L⋯W_1)ᵀ; u_SVM is solved independently of the network "
          "(SLSQP on the primal, then an exact active-set polish with the KKT conditions verified in rationals).",
    figures=(figure_svm, ladder_figure("svm_sin2", None, ("linear",))),
)
theorem(
    "JT-LIN-MARGIN", title="Deep linear networks: the normalised margin γ̄ → γ⋆K^{−K/2}",
    source=f"{SOURCE_JT}, margin-maximisation consequence for deep linear networks (statement unconfirmed); "
           "THEOREMS.md JT-LIN (derived)",
    system=margin_flows(("linear",), "JT-LIN is about deep linear networks"),
    conclusion="limit(gamma_bar) == gamma_star*K**(-K/2)",
    notes=ASYMPTOTIC + " γ⋆ = 1/‖w_SVM‖ from the exactly polished SVM, in balls; at the limit the K layers are "
          "balanced with ‖W_h‖ = ρ/√K, so the end-to-end margin γ⋆(ρ²/K)^{K/2} over ρ^K is γ⋆K^{−K/2}.",
    figures=(ladder_figure("gamma_bar", None, ("linear",)),),
)
theorem(
    "MUT-JT-LIN-square", title="(mutation) maximum-margin direction for the squared loss",
    source="mutation of JT-LIN (THEOREMS.md §2 (iv))",
    system=square_loss_limits(), conclusion="Max(svm_sin2_limit, margin_gap_limit) == 0", expect="fails",
    notes="The witness is a closed form: gradient flow of a linear predictor on the squared loss is linear and "
          "converges to the least-squares solution nearest w₀ in the row space, computed exactly; its angle to "
          "the exactly polished SVM direction is an exact rational (sin²) and its margin gap a ball.",
)
theorem(
    "JT-SQRELU", title="Two-layer squared-ReLU networks: (Σ_j‖v_j‖² − 2Σ_j a_j²)/ρ² → 0",
    source=f"{SOURCE_JT}, squared-ReLU example (statement unconfirmed); consequences derived in THEOREMS.md JT-SQRELU",
    system=margin_flows(("sqrelu",), "JT-SQRELU is about two-layer squared-ReLU networks"),
    conclusion="limit((sum_v2 - 2*sum_a2)/rho**2) == 0",
    notes=ASYMPTOTIC + " What this checks, stated as it is: ‖v_j‖² − 2a_j² is conserved by gradient flow (DHL-K, "
          "k = 2), so the numerator is constant and the quotient vanishes because ρ → ∞ — the limit holds for "
          "that reason, not through the KKT conditions (their exact per-neuron identity is JT-SQRELU-KKT). The "
          "factor 2 is in the statement, so it can fail: with 2(1 ± 1/100) the limit is ∓(2/100)·lim Σa_j²/ρ² "
          "≈ ∓1/150, and for ReLU nets (degree 1, where ‖v_j‖² − a_j² is the conserved one) the same "
          "expression tends to −1/2.",
    figures=(figure_alignment, ladder_figure("(sum_v2 - 2*sum_a2)/rho**2", None, ("sqrelu",))),
)
theorem(
    "JT-SQRELU-KKT", title="Squared ReLU: ⟨v_j, ∂q_n/∂v_j⟩ = 2a_j ∂q_n/∂a_j, hence ‖v_j‖² = 2a_j² at KKT points",
    source="THEOREMS.md JT-SQRELU (derived)",
    system=network_points(("sqrelu",)), conclusion="neuron_identity == 0",
    notes="Class (a) on every generated point: exact rationals. Summing the identity against KKT multipliers "
          "λ_n (θ = Σλ_n∇q_n) gives ‖v_j‖² = 2a_j² at every KKT point of (P).",
)
theorem(
    "MUT-JT-SQRELU-KKT-factor", title="(mutation) the squared-ReLU neuron identity with factor 1",
    source="mutation of JT-SQRELU-KKT", system=network_points(("sqrelu",), identity_factor=1),
    conclusion="neuron_identity == 0", expect="fails",
    notes="⟨v_j, ∂q_n/∂v_j⟩ = 2a_j∂q_n/∂a_j (degree 2 of ReLU²): with factor 1 an exact nonzero difference at "
          "any point with an active unit.",
)

# ------------------------------------------------------------------------------ Reviewers' questions
#
# Issue 12, item 2 (Lyu & Li, Ji & Telgarsky): (a) is ℒ < ℓ(0) reached from random and small starts,
# and how do the later results depend on the start; (b) discrete-time step counts; (c) a
# non-homogeneous network where directional convergence holds, and one where alignment fails.
# Systems and derivations: .reviewers.

START = ("Measured, not proved: gradient flow in its own time t from θ₀ = σ·N(0, I) (rounded to 2⁻¹², σ ∈ {1/16, 1/4, 1}, "
         "seeds 0–2, on two fixed separable data sets; a grid, because each start is a run), integrated by LSODA at "
         "rtol 1e-10 and again at 1e-7; the first crossing of ℒ = ℓ(0) is located on the dense output, and its "
         "error is the two runs' difference. ")

theorem(
    "LL-REV-START-LIN-UP",
    title="(reviewers) From a Gaussian start the linear predictor reaches ℒ < ℓ(0) by τ̄ = ‖w₀ − c·w_SVM‖²/ℓ(0)",
    source=f"reviewers' question on {SOURCE_LL}: is ℒ(θ₀) < ℓ(0) reached from random starts (bound derived)",
    system=random_starts(("predictor",)), conclusion="hit_time <= hit_upper",
    notes=START + "The bound (derived): ℒ(w) = Σℓ(⟨z_n, w⟩) is convex, and gradient flow satisfies "
          "ℒ(w(T)) − ℒ(w⋆) ≤ ‖w₀ − w⋆‖²/(2T) for every comparator w⋆. With w⋆ = c·w_SVM (the exact SVM, margins ≥ 1) "
          "and c = ℓ^{-1}(ℓ(0)/(2N)), ℒ(w⋆) ≤ Nℓ(c) = ℓ(0)/2, so ℒ(w(T)) ≤ ℓ(0) at T = ‖w₀ − c·w_SVM‖²/ℓ(0), and ℒ "
          "decreases strictly, so the first hitting time τ is at most that. Answers (a) for K = 1: yes, from every "
          "start, within a horizon computable from the data (the bound grows like log²N/γ⋆² for small σ). *passed* at "
          "best (τ is a float measurement). Reproduce: `python -m checker check 'LL-REV-START-*'`.",
)
theorem(
    "LL-REV-START-LIN-LOW",
    title="(reviewers) …and not before τ = (1/ℓ(0) − 1/ℒ(w₀))/R²",
    source=f"reviewers' question on {SOURCE_LL}: hitting time of ℒ < ℓ(0) (bound derived)",
    system=random_starts(("predictor",)), conclusion="hit_time >= hit_lower",
    notes=START + "The bound (derived): ‖∇ℒ‖ = ‖Σ g(q_n)z_n‖ ≤ RΣg(q_n) ≤ Rℒ (g ≤ ℓ for both losses), so "
          "d(1/ℒ)/dt = ‖∇ℒ‖²/ℒ² ≤ R² and 1/ℒ(t) ≤ 1/ℒ(w₀) + R²t: ℒ cannot reach ℓ(0) before (1/ℓ(0) − 1/ℒ(w₀))/R². "
          "With LL-REV-START-LIN-UP the hitting time is bracketed; small starts have ℒ(w₀) ≈ Nℓ(0), so τ ≥ (1 − 1/N)/(ℓ(0)R²) > 0: "
          "the hypothesis ℒ < ℓ(0) is never met at a small random start (MUT-LL-REV-START-init).",
)
theorem(
    "MUT-LL-REV-START-init",
    title="(mutation) a random Gaussian start already satisfies ℒ(θ₀) < ℓ(0)",
    source=f"mutation of {SOURCE_LL}'s hypothesis (A4) read as a property of random initialisation",
    system=random_starts(("predictor", "linear", "relu", "sqrelu")), conclusion="loss0 < ell0", expect="fails",
    notes="ℒ(θ₀) and ℓ(0) in balls from the exact start: near 0 every margin is small, so ℒ(θ₀) ≈ Nℓ(0) > ℓ(0). "
          "Lyu–Li's results start only once the flow has got below ℓ(0) (LL-REV-START-LIN-UP, LL-REV-START-DEEP).",
)
theorem(
    "LL-REV-START-DEEP",
    title="(reviewers) Depth-2 linear nets from Gaussian starts reach ℒ < ℓ(0) by t = 100 (measured)",
    source=f"reviewers' question on {SOURCE_LL}: is ℒ(θ₀) < ℓ(0) reached from random and small starts",
    system=random_starts(("linear",)), conclusion="hit_time <= 100",
    notes=START + "An empirical statement about the grid (no theorem gives a horizon for K ≥ 2: the origin is a "
          "saddle, and the escape time from scale σ grows like log(1/σ) for K = 2 and like σ^{2−K} for K ≥ 3). The horizon "
          "100 is part of the claim; a start that does not get there (a dead ReLU start, a stationary point above "
          "ℓ(0)) refutes it by a finite-horizon measurement, which is legitimate for a finite-horizon claim "
          "(LL-REV-START-SQRELU). A start whose run spends 20,000 solver steps before t = 10⁴ is undecided (error). "
          "Two-layer ReLU starts are not checked: the plain field chatters on kinks before ℒ < ℓ(0) (a Filippov "
          "hitting phase is left to do). The figure of LL-REV-START-SVM shows where the runs go afterwards.",
)
theorem(
    "LL-REV-START-SQRELU",
    title="(reviewers) Two-layer squared-ReLU nets from Gaussian starts reach ℒ < ℓ(0) by t = 100 (refuted, measured)",
    source=f"reviewers' question on {SOURCE_LL}: is ℒ(θ₀) < ℓ(0) reached from random and small starts",
    system=random_starts(("sqrelu",)), conclusion="hit_time <= 100", expect="fails",
    notes=START + "A finite-horizon claim, so a measured run can refute it: some Gaussian starts of the grid (the three-point "
          "data set) are still above ℓ(0) at t = 10⁴ in both runs (hit_time is min(τ, 10⁴)), i.e. the flow has "
          "settled near a point that does not classify the data (width 3, K = 3). Whether it gets below ℓ(0) ever "
          "is not decided here; that it does not by t = 100, or by 10⁴, is measured. So Lyu–Li's hypothesis is not "
          "reached from every random start of a non-linear net: their results are conditional on it.",
)
theorem(
    "LL-REV-START-SVM",
    title="(reviewers) From every Gaussian start the linear predictor's normalised margin → γ⋆ (start-independent)",
    source=f"reviewers' question on {SOURCE_LL}: dependence of the limit on the start; K = 1, Thm 4.4 with a convex (P)",
    system=random_start_flows(("predictor",)), conclusion="limit(gamma_bar, 1/H) == gamma_star",
    notes=ASYMPTOTIC + " Here the ladder starts at the hand-over, the first time ℒ ≤ e^{−1/64}ℓ(0) along the flow "
          "from the Gaussian start (its θ rounded to rationals, ℒ < ℓ(0) certified there), so Lyu–Li's clock restarts "
          "there. For K = 1 (P) is convex and its KKT points are the SVM, so the limit is γ⋆ = 1/‖w_SVM‖ whatever the "
          "start (exact SVM, balls): the answer to 'does the limit depend on the start' is no for K = 1. Rate form 1/H "
          "(H = log t): w(t) = w_SVM·log t + O(1) (Soudry, Hoffer, Nacson, Gunasekar & Srebro, JMLR 2018, Thm 3, "
          "for almost every data set), so γ̄ = (log t + O(1))/(‖w_SVM‖log t + O(1)) = γ⋆ + O(1/log t).",
    figures=(figure_start_margins,),
)
theorem(
    "LL-REV-START-KKT",
    title="(reviewers) From Gaussian starts, limit directions of deep nets are still KKT points of (P)",
    source=f"reviewers' question on {SOURCE_LL}, Thm 4.4: results from random starts",
    system=random_start_flows(("linear", "sqrelu"), ("exp",)), conclusion="limit(kkt) == 0",
    notes=ASYMPTOTIC + " From the hand-over of LL-REV-START-SVM (Gaussian starts of the grid, exponential loss). "
          "Thm 4.4 needs only ℒ < ℓ(0) at some time, so it applies from the hand-over; the KKT point reached depends "
          "on the start for K ≥ 2 (the figure: the measured γ̄ at log t = 10⁶ against σ and the seed).",
    figures=(figure_start_margins,),
)
theorem(
    "JT-REV-START-DIR",
    title="(reviewers) From Gaussian starts, θ/‖θ‖ still converges (the decade change → 0)",
    source=f"reviewers' question on {SOURCE_JT}, Thm 3.1: results from random starts",
    system=random_start_flows(("linear", "sqrelu"), ("exp",)), conclusion="limit(dtheta_decade) == 0",
    notes=ASYMPTOTIC + " From the hand-over of LL-REV-START-SVM; as JT-T3.1 otherwise.",
)
theorem(
    "LL-REV-GD-BOUND",
    title="(reviewers) GD with ηR²ℒ₀ ≤ 2: γ̄_k ≥ (ψ₀ + γ⋆Σ_{j<k}(1 − ηR²ℒ_j/2)‖Δ_j‖)/‖w_k‖ at every step",
    source=f"reviewers' question on {SOURCE_LL} (GD, §S5): discrete-time margins; bound derived (.reviewers)",
    system=gd_runs(), hypotheses=("step_ratio <= 2",), conclusion="bound_gap >= 0",
    notes="Linear predictor, exponential loss, w₀ = 0, η = r/(R²N), 4096 GD steps in arb balls from exact data "
          "(class b on a finite run: *certified*). Derivation: ψ = −log ℒ has ∇²ψ ⪰ −R²I, so a step Δ = ηℒ∇ψ gains "
          "ψ_{k+1} − ψ_k ≥ ‖Δ_k‖‖∇ψ_k‖(1 − ηR²ℒ_k/2) ≥ γ⋆‖Δ_k‖(1 − ηR²ℒ_k/2) (‖∇ψ‖ ≥ ⟨∇ψ, u_SVM⟩ ≥ γ⋆, and the factor "
          "stays ≥ 0 when ηR²ℒ₀ ≤ 2, ℒ then being non-increasing); q_min ≥ ψ. So the first k with B_k > fγ⋆ bounds the "
          "steps to reach fγ⋆ (LL-REV-GD-STEPS). B_k → γ⋆ only like 1/‖w_k‖ ~ 1/log k, so the steps to 9γ⋆/10 are "
          "exponential in the data's log N/γ⋆: most drawn instances do not reach it in 4096 steps (steps_nine_tenths = "
          "4097, censored; measured counts in the figure). Reproduce: `python -m checker check 'LL-REV-GD-*' 'MUT-LL-REV-GD-*'`.",
    figures=(figure_gd_steps,),
)
theorem(
    "LL-REV-GD-STEPS",
    title="(reviewers) Steps of GD to γ̄ > γ⋆/2: measured k_{1/2} ≤ the bound's k̄_{1/2}",
    source=f"reviewers' question on {SOURCE_LL}: how many GD steps until γ̄ is within a factor of its limit",
    system=gd_runs(), hypotheses=("step_ratio <= 2",), conclusion="steps_half <= steps_half_bound",
    notes="Both counts are exact integers from the ball iteration of LL-REV-GD-BOUND (4097 = not within 4096 steps). "
          "A consequence of that bound, stated separately because it is the step count the question asks for: "
          "k̄_{1/2} is computable along the run, k_{1/2} is the measured count; for the linear predictor the limit "
          "γ⋆ is exact (checker.svm), so 'within a factor 1/2 of the limit' is decided in balls.",
    figures=(figure_gd_steps,),
)
theorem(
    "MUT-LL-REV-GD-flow-bound",
    title="(mutation) gradient flow's margin bound γ̄ ≥ (ψ₀ + γ⋆·len)/‖w‖ for GD with a large step",
    source="mutation of LL-REV-GD-BOUND (the step-size hypothesis and the curvature factor dropped)",
    system=gd_runs(("8", "16", "32", "64")), conclusion="flow_gap >= 0", expect="fails",
    notes="For gradient flow dψ = ℒ‖∇ψ‖²dt ≥ γ⋆‖dw‖, so ψ(t) ≥ ψ₀ + γ⋆·(path length), exactly the GD bound with the "
          "factor 1 − ηR²ℒ/2 replaced by 1. With ηR²ℒ₀ ∈ {8, …, 64} one step overshoots: from w₀ = 0 the first iterate "
          "is along the mean of the z_n, whose margin is below γ⋆ while the flow bound tends to γ⋆ as the step grows. "
          "The witness is a certified ball of the wrong sign on a finite run (class b).",
)
theorem(
    "JT-REV-BIAS-DIR",
    title="(reviewers) Non-homogeneous nets (hidden and output biases): θ/‖θ‖ still converges numerically",
    source=f"reviewers' question on {SOURCE_JT}, Thm 3.1 beyond homogeneity (§2 (ii))",
    system=bias_flows(), conclusion="limit(dtheta_decade) == 0",
    notes=ASYMPTOTIC + " Two-layer linear nets Σa_j(⟨v_j, x⟩ + b_j) + c with hidden and output biases (degrees 2 and "
          "1), from a perturbed teacher with nonzero biases scaled below ℓ(0); no homogeneity degree, so the clock is "
          "plain loss-normalised time (squared ReLU with biases, top degree 3, was tried and left out: LSODA fails near "
          "log t = 10⁵ in that clock). Outside JT's hypotheses: a numerical answer (passed at best), not the theorem; "
          "the limit judge's verdict on these ladders is what is reported, inconclusive included. The output-bias "
          "closed form (MUT-LL-T4.4-bias) has a convergent direction that is not a KKT point.",
)
theorem(
    "JT-REV-BIAS-ALIGN",
    title="(reviewers) …and aligns with −∇ℒ numerically (1 − cos → 0)",
    source=f"reviewers' question on {SOURCE_JT}, Thm 4.1 beyond homogeneity",
    system=bias_flows(), conclusion="limit(one_minus_cos) == 0",
    notes=ASYMPTOTIC + " The same flows as JT-REV-BIAS-DIR. When ‖θ‖ → ∞ and the velocity's direction converges, "
          "θ̂ converges to it (Stolz–Cesàro), so alignment follows wherever the flow escapes to infinity along a "
          "convergent velocity; it fails where the flow stops at a finite point (JT-REV-CUBIC-ALIGN).",
)
theorem(
    "JT-REV-CUBIC-ALIGN",
    title="(reviewers) Alignment fails for a unit with a cubic residual branch, f = s − s³/3 (refuted, closed form)",
    source=f"reviewers' question on {SOURCE_JT}, Thm 4.1 beyond homogeneity: where alignment fails",
    system=cubic_unit_limits(), conclusion="one_minus_cos_limit == 0", expect="fails",
    notes="The claim 'alignment holds for non-homogeneous nets from ℒ < ℓ(0)'. The witness is a closed form, which no "
          "horizon can fake: on one point the loss depends on w only through s = ⟨w, x⟩, −∇ℒ = g(q)(1 − s²)x, so w moves "
          "along x and stops at s = 1, the local maximum of the margin s − s³/3 (q = 2/3 > 0: ℒ < ℓ(0) all along). A "
          "homogeneous net has no such point (⟨θ, −∇ℒ⟩ = KΣg(q_n)q_n > 0 once ℒ < ℓ(0)); here ‖w‖ stays bounded, "
          "the velocity keeps the direction ±x, and 1 − cos∠(w, −∇ℒ) → 1 ∓ 1/(‖w_∞‖‖x‖) > 0 unless w₀ − s₀x/‖x‖² = 0.",
)
