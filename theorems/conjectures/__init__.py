"""Recent papers' claims about margins under other training rules (THEOREMS.md §4): CONJ-SD, CONJ-SGD, CONJ-NH.

* **CONJ-SD** — N. Tsilivis, G. Vardi, J. Kempe (arXiv v3 adds E. Gronich), "Flavors of margin:
  implicit bias of steepest descent in homogeneous neural networks", ICLR 2025, arXiv:2410.22069
  [confirmed, abstract].  Steepest-descent flow ``θ̇ = ‖∇ℒ‖_*·u``, ``u ∈ argmax_{‖u‖≤1}⟨u, −∇ℒ⟩`` for
  ℓ₁ (coordinate descent), ℓ₂ (gradient flow) and ℓ∞ (sign flow), ``K``-homogeneous networks,
  exponential-type loss.  Claim 1: after perfect accuracy the smoothed margin ``ℓ^{-1}(ℒ)/‖θ‖^K``
  *in the algorithm's norm* is non-decreasing.  Claim 2: limit points of ``θ/‖θ‖`` are along
  generalised KKT points of ``min ‖θ‖ s.t. q_n(θ) ≥ 1``.
* **CONJ-SGD** — S. Schechtman, N. Schreuder, "The late-stage training dynamics of (stochastic)
  subgradient descent on homogeneous neural networks", COLT 2025 (PMLR 291), arXiv:2502.05668
  [confirmed, abstract].  Constant-step SGD, binary classification, homogeneous networks, exp or
  logistic loss, once the data are classified with positive normalised margin: the normalised
  iterates converge to the Clarke critical points of the normalised margin on the sphere.
* **CONJ-NH** — Y. Cai, K. Zhou, J. Wu, S. Mei, M. Lindsey, P. L. Bartlett, "Implicit bias of
  gradient descent for non-homogeneous deep networks", ICML 2025, arXiv:2502.16075 [confirmed,
  abstract].  Exponential loss, near-homogeneous networks, risk below a threshold set by the
  non-homogeneity: a normalised margin increases *nearly* monotonically.  The threshold's form and
  that the normalisation is by the top degree are [unconfirmed — make it a parameter].

Notation (THEOREMS.md §2.0; :mod:`checker.classification`): margins ``q_n = y_nΦ(θ; x_n)``,
``ℒ = Σ_n ℓ(q_n)``, ``g = −ℓ'``, ``z = ℓ^{-1}(ℒ)``, ``γ̃_p = z/‖θ‖_p^K``, ``γ̄_p = q_min/‖θ‖_p^K``.

Evidence (THEOREMS.md §0.2):

* **pointwise (class b)** — CONJ-SD, CONJ-SGD-DRIFT, CONJ-NH: rates along the rule's velocity at
  generated ``θ`` with ``ℒ(θ) < ℓ(0)``, from exact data and weights with ``exp``/``log`` in arb
  balls (:class:`checker.classification.MarginState`); the sign- and coordinate-flow velocities
  have their selections certified (exact zeros and ties decided exactly).  *certified* at best.
* **asymptotic (class c)** — CONJ-SD-KKT and CONJ-SGD are ``limit(...)`` statements over
  trajectories of the discrete rules (:func:`checker.integrators.iterate`), judged by
  :mod:`checker.limits`: *passed* or *inconclusive*, never refuted by a finite horizon.
* **mutations** — refuted by the search: pointwise ones by certified balls of the wrong sign,
  limit ones by closed-form limits in exact rationals on solvable families (``witness_family``).

Modules: :mod:`.instances` (networks, exact problems, instance strategies), :mod:`.steepest` (CONJ-SD:
pointwise rates, discrete steepest descent against the exact LP margin, closed-form limits),
:mod:`.sgd` (CONJ-SGD), :mod:`.near` (CONJ-NH), :mod:`.figures`; this module holds the sources and the
statements.
"""
from __future__ import annotations



from checker import theorem

from .figures import figure_steepest_margins
from .near import near_points
from .sgd import sgd_limits, sgd_points
from .steepest import SD_STEP, closed_form_limits, normalised_data, steepest_limits, steepest_points  # noqa: F401
from .figures import FIGURE_INSTANCE  # noqa: F401  re-exported: tests and users
from .instances import problem  # noqa: F401

SOURCE_SD = "Tsilivis, Vardi & Kempe, ICLR 2025, arXiv:2410.22069"
SOURCE_SGD = "Schechtman & Schreuder, COLT 2025 (PMLR 291), arXiv:2502.05668"
SOURCE_NH = "Cai, Zhou, Wu, Mei, Lindsey & Bartlett, ICML 2025, arXiv:2502.16075"

# ------------------------------------------------------------------------------ statements

SD_PROOF = ("Derived (proof sketch): along θ̇ = v = ‖∇ℒ‖_*u, ⟨∇ℒ, v⟩ = −‖∇ℒ‖_*² for every selection u, and "
            "D⁺‖θ‖[v] ≤ ‖v‖ = ‖∇ℒ‖_* (a norm is 1-Lipschitz), so d/dt log γ̃ ≥ ‖∇ℒ‖_*(‖∇ℒ‖_*/(g(z)z) − K/‖θ‖); "
            "and ‖∇ℒ‖_*‖θ‖ ≥ ⟨θ, −∇ℒ⟩ = KΣ_n g(q_n)q_n ≥ Kg(z)z by Euler's identity and LL-M, so the bracket is ≥ 0.")

theorem(
    "CONJ-SD", title="Steepest descent: the smoothed margin in the algorithm's own norm never decreases (ℓ₁, ℓ₂, ℓ∞)",
    source=f"{SOURCE_SD}, Claim 1 (abstract: the algorithm-dependent smoothed margin is non-decreasing after perfect "
           "accuracy); THEOREMS.md §4 CONJ-SD",
    system=steepest_points(), conclusion="dgamma_tilde >= 0",
    notes="Class (b), pointwise: at every generated θ with ℒ(θ) < ℓ(0) and a drawn rule norm p ∈ {ℓ₁, ℓ₂, ℓ∞}, "
          "d/dt γ̃_p along the p-steepest-descent flow, with one-sided derivatives of the norm on its kinks (a zero "
          "coordinate for ℓ₁, tied largest coordinates for ℓ∞: the norm_kink case). " + SD_PROOF + " So the claim "
          "holds for every selection of the flow's differential inclusion; the checker evaluates the selection of "
          "checker.dynamics.steepest_direction, certified in balls (signs of ∇ℒ and the largest |∂_iℒ| decided, "
          "exact zeros and ties by exact arithmetic). ℓ₂ is LL-T4.1.",
)
theorem(
    "MUT-CONJ-SD-l2-sign", title="(mutation) the ℓ₂ smoothed margin never decreases along sign (ℓ∞) flow",
    source=f"mutation of CONJ-SD ({SOURCE_SD}: the margin is algorithm-dependent)",
    system=steepest_points(rule="linf", margin="l2", archs=("linear", "deep_linear"), points=(1, 2)),
    conclusion="dgamma_tilde >= 0", expect="fails",
    notes="The same rates with the margin measured in ℓ₂ while the rule is sign flow. For a linear model on one point "
          "a = yx it reads ‖a‖₁‖w‖₂² ≥ ⟨w, a⟩⟨w, sign a⟩, false for w between sign(a) and a (e.g. a = (1, 3), "
          "w = (1, 2)); the search finds such points itself (the `late` case draws θ near the ℓ∞ max-margin "
          "direction, where sign flow goes; linear and deep linear nets on one or two points, where the violations are "
          "common — on wider families they are rarer, and the claim is no less false). The witness is a certified "
          "ball of the wrong sign (class b).",
)
theorem(
    "CONJ-SD-KKT", title="Steepest descent of linear classifiers: γ̄_p → γ⋆_p, the maximum margin in the algorithm's norm",
    source=f"{SOURCE_SD}, Claim 2 (limit directions are generalised KKT points of min ‖θ‖ s.t. q_n ≥ 1; for K = 1 the "
           "problem is convex, so they are its minimisers); THEOREMS.md §4 CONJ-SD",
    system=steepest_limits(), conclusion="limit(gamma_bar, 1/H) == gamma_star",
    notes="Class (c), a limit along a trajectory. Linear classifiers (K = 1), exponential loss, ℓ₁ (coordinate) and "
          "ℓ∞ (sign) steepest descent followed in loss-normalised time s (ds = ℒ dt, the flow's own path) by Euler "
          f"steps h = {SD_STEP} on ∇ℒ/ℒ (data scaled so that A = max_n‖y_nx_n‖_* = 1, hence hA² ≤ 1/2: a step moves no "
          "margin by more than 1/2), on the ladder H = s/κ² = 4 … 128 (11 rungs, two per octave; 256 and 512 on escalation; κ = A/γ⋆_p ≤ 3, "
          "beyond which the steps needed, growing like κ², are out of scope); each rung's γ̄_p is "
          "the h/2 run's with the difference to the h run as its radius (the discretisation error). γ⋆_p is exact "
          "(checker.maxmargin: the LP by vertex enumeration). Rate form 1/H, derived for the flow: with G = "
          "‖∇ℒ/ℒ‖_* ≥ γ⋆_p (minimax), d(−log ℒ)/ds = G² and d‖w‖_p/ds ≤ G give γ⋆_p ≥ γ̄_p ≥ γ̃_p ≥ γ⋆_p − O(1/s). "
          "What the horizon shows: the extrapolated limit agrees with γ⋆_p within an error that shrinks along the "
          "ladder (passed), or the ladder is not decided (inconclusive); a finite horizon never refutes. The ℓ₂ case "
          "is LL-T4.4/JT-LIN. For deep networks (K ≥ 2) the generalised KKT condition is not checked here.",
    figures=(figure_steepest_margins,),
)
theorem(
    "CONJ-SD-KKT-ORTHANT", title="Sign flow on data in one orthant: the exact limit direction attains γ⋆_∞",
    source=f"{SOURCE_SD}, Claim 2 for ℓ∞, on an exactly solvable family (derived)",
    system=closed_form_limits("linf"), conclusion="gamma_bar_limit_linf == gamma_star_linf",
    witness_family="linear classifiers on data with every y_nx_n in one open orthant (sign flow's path is w₀ + s(t)σ)",
    notes="Exact (class a) on a solvable family: the sign of ∇ℒ never changes, the path is w₀ + s(t)σ with s → ∞, so "
          "the limit direction is σ; its ℓ∞ margin min_n‖a_n‖₁ is compared with the exact LP value.",
)
theorem(
    "MUT-CONJ-SD-KKT-l1", title="(mutation) sign-flow limit directions maximise the ℓ₁ margin",
    source="mutation of CONJ-SD-KKT (the KKT problem in another norm than the algorithm's)",
    system=closed_form_limits("linf"), conclusion="gamma_bar_limit_l1 == gamma_star_l1", expect="fails",
    witness_family="linear classifiers on data with every y_nx_n in one open orthant (sign flow's path is w₀ + s(t)σ)",
    notes="The witness is a closed form, which no horizon can fake: the sign flow's limit direction σ has ℓ₁ margin "
          "min_n‖a_n‖₁/d, below the exact LP maximum ℓ₁ margin unless the data say otherwise (exact rationals).",
)
theorem(
    "CONJ-SGD", title="Late-stage SGD: the normalised iterates approach the critical set of γ̄ (KKT residual → 0)",
    source=f"{SOURCE_SGD}, main result (abstract: normalised SGD iterates converge to the critical points of the "
           "normalised margin); THEOREMS.md §4 CONJ-SGD",
    system=sgd_limits(), conclusion="limit(kkt) == 0",
    notes="Class (c). Constant-step SGD (η = 1/(2 max_n‖∇q_n(θ₀)‖²), one sample per step, checker.dynamics.sgd with seed 0: every "
          "step replays alone) of linear and two-layer ReLU classifiers from θ₀ with ℒ(θ₀) < ℓ(0) (positive "
          "normalised margin), exponential loss, on the ladder k = 16 … 256 steps (512 on escalation); the residual is Lyu–Li's "
          "(ε, δ)-KKT residual of min ½‖θ‖² s.t. q_n ≥ 1 (checker.svm.kkt_residual; its zeros along θ are the "
          "critical points of γ̄ on the sphere), each rung's radius its change under a perturbation of θ of the "
          "iterate's float error size. What the horizon shows, plainly: with a constant step on the exponential loss "
          "the steps shrink like ℒ, ‖θ_k‖ grows like log k and the direction moves by O(1/log k) per decade, so a "
          "few hundred steps rarely settle a limit: the honest verdict is mostly inconclusive (ladder not converging), "
          "never refuted by a finite horizon.",
)
theorem(
    "CONJ-SGD-DRIFT", title="SGD's mean drift increases the smoothed margin: (1/m)Σ_n d/dt γ̃ along −∇ℓ_n ≥ 0",
    source=f"{SOURCE_SGD} (the normalised iterates follow the conservative field of the normalised margin); derived "
           "from Lyu & Li, ICLR 2020, arXiv:1906.05890, Thm 4.1",
    system=sgd_points(), conclusion="drift >= 0",
    notes="Class (b), pointwise: the expected first-order change of γ̃ in one SGD step with a uniformly drawn sample is "
          "η·drift, and drift = (1/m)·d/dt γ̃ along gradient flow ≥ 0 (LL-T4.1: the rate is linear in the velocity), "
          "certified in balls at every generated late-stage point. Individual steps do not share it (the mutation).",
)
theorem(
    "MUT-CONJ-SGD-step", title="(mutation) every small SGD step increases the smoothed margin",
    source="mutation of CONJ-SGD / CONJ-SGD-DRIFT (one sample's step in place of the mean drift)",
    system=sgd_points(("linear", "deep_linear")), conclusion="gamma_tilde_step >= gamma_tilde", expect="fails",
    notes="One exact-data SGD step θ − η∇ℓ_n(θ) with a small rational η (moving θ by 2^{-k} of its norm, k = 3..12) "
          "at a late-stage point, γ̃ before and after in balls: a sample other than the binding one pushes θ where the "
          "smoothed margin decreases (to first order the sign is that of ⟨Σ_m π_m∇q_m, ∇q_n⟩/z − K²q_n/ρ², π the "
          "loss weights: negative for a well-classified point nearly orthogonal to the binding ones). Drawn on "
          "linear and deep linear classifiers, whose data directions vary most; the witness is a certified ball "
          "of the wrong sign.",
)
theorem(
    "MUT-CONJ-SGD-linf", title="(mutation) SGD limit directions are critical for the ℓ∞ normalised margin",
    source="mutation of CONJ-SGD (the sphere of another norm)",
    system=closed_form_limits("sgd"), conclusion="gamma_bar_limit_linf == gamma_star_linf", expect="fails",
    witness_family="linear classifiers on one training point (SGD is GD; w_k = w₀ + c_k a, limit direction a)",
    notes="The witness is a closed form: on one point a = yx, w_k = w₀ + c_ka with c_k → ∞, so the limit direction is "
          "a, whose ℓ∞ margin ‖a‖₂²/‖a‖_∞ is below the maximum ℓ∞ margin ‖a‖₁ unless every |a_i| is equal (exact).",
)
theorem(
    "CONJ-NH", title="Near-homogeneous networks: d/dt log γ̃ ≥ −σ_NH, a slack set by the Euler defects",
    source=f"{SOURCE_NH}, Claim 1 (abstract: a normalised margin increases nearly monotonically below a risk "
           "threshold); the inequality derived here (THEOREMS.md §4 CONJ-NH)",
    system=near_points(), conclusion="dlog_gamma_tilde >= -slack",
    notes="Class (b), pointwise along gradient flow, K the top degree. Derived (proof sketch): with v = ⟨θ̂, −∇ℒ⟩ and "
          "the Euler defects r_n = Kq_n − ⟨θ, ∇q_n⟩, vρ = KΣ g(q_n)q_n − Σ g(q_n)r_n; d/dt log γ̃ = ‖∇ℒ‖²/(g(z)z) − "
          "Kv/ρ ≥ v(v − Kg(z)z/ρ)/(g(z)z), which is ≥ 0 when v ≤ 0 and, by LL-M, ≥ −vΣ g(q_n)r_n⁺/(g(z)zρ) when "
          "v > 0. For near-homogeneous nets r_n = O(ρ^{K−1}) while q_n ~ ρ^K, so the slack is O(d/dt log ρ/ρ) and "
          "integrates to a finite total: 'nearly monotone'. The paper's threshold and margin normalisation are "
          "parameters (threshold, default 1·ℓ(0); K = top degree), default unconfirmed. *Does not discriminate "
          "(twins):* the slack bounds the decrease, and the bound is attained only where θ ∥ −∇ℒ with one point "
          "carrying ℒ and r_n ≥ 0 (equality in Cauchy–Schwarz and in LL-M) — an equality of transcendental numbers, "
          "which balls cannot certify, so the drawn instances keep away from it and the ×(1 ± 1/100) twins of the "
          "slack pass; MUT-CONJ-NH-exact (slack 0) shows that the slack is needed.",
)
theorem(
    "MUT-CONJ-NH-exact", title="(mutation) the smoothed margin of a near-homogeneous network is exactly monotone",
    source="mutation of CONJ-NH (the homogeneous LL-T4.1 applied without homogeneity, THEOREMS.md §2 (ii))",
    system=near_points(("relu_bias",), points=(1, 2)), conclusion="dlog_gamma_tilde >= 0", expect="fails",
    notes="LL-T4.1's conclusion for a network with biases or a residual connection, just below ℒ = ℓ(0).  On one point "
          "with exp loss it reads ‖∇q‖²/q ≥ K(Kq − r)/ρ², which fails when the output bias carries much of the margin: "
          "the search found a two-unit ReLU net with biases on x = (0, 3/4), v = ±(0, 3/8), a = ±1/2, output bias 1 "
          "(d/dt log γ̃ = −0.048); the mutation is drawn on ReLU nets with biases on one or two points, where an output bias "
          "can carry the margin (on the residual and f₂ + ½f₁ families the quick search finds no violation). "
          "The search draws output biases that carry part of the margin; the witness is a certified ball of the "
          "wrong sign. Far beyond the threshold the top degree dominates and the slack vanishes, as the paper says.",
)
