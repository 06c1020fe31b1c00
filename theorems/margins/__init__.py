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
  geometric ladder of ``log t`` up to ``10⁶`` (``10⁷`` after escalation), twice (BDF at rtol 1e-8
  and at a tenth of it: the difference is each rung's error); :mod:`checker.limits` extrapolates the limit (with the
  theorem's rate form where the paper gives one) and estimates its error from the ladder.  So a
  finite horizon makes a claim *passed* or *inconclusive* (and escalates the horizon), never
  *refuted*: refutations of asymptotic claims come only from closed forms (the mutations below).

The package: :mod:`.instances` (the classifiers, the instance strategies of §0.4 and the hypotheses),
:mod:`.points` (the pointwise systems of LL-M, LL-T4.1 and JT-SQRELU-KKT), :mod:`.flows` (the trajectory
quantities, each with how it is measured on a rung of the flow, and :func:`margin_flows`),
:mod:`.closed_forms` (the flows with exact limits behind the mutations), :mod:`.figures`, and here
the statements; :mod:`.reviewers` holds the reviewers' questions (issue 12 item 2: LL-REV-*, JT-REV-* and their
mutations, with their derivations), :mod:`.reviewer_systems` their systems.  Engine: :mod:`checker.classification` (exact margins, ℒ, γ̃, γ̄ and ∇ℒ in balls),
:mod:`checker.clocks` (the classification-flow integrator), :mod:`checker.limits` (the limit judge,
the least-squares limit), :mod:`checker.svm` (the hard-margin SVM and the KKT residual of (P)).
"""
from __future__ import annotations

from checker import theorem
from checker.registry import register
from checker.statements import Statement

from .closed_forms import output_bias_limits, sliding_rays, square_loss_limits
from .figures import figure_alignment, figure_margins, figure_svm, ladder_figure
from .flows import margin_flows
from .instances import ASYMPTOTIC, SMOOTH_ARCHS, SOURCE_JT, SOURCE_LL
from .points import margin_vectors, network_points
from . import reviewers  # noqa: F401  (registers the reviewers' questions, LL-REV-*/JT-REV-*)

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
