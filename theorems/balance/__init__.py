"""Du, Hu & Lee: layers of homogeneous networks are automatically balanced.

S. S. Du, W. Hu, J. D. Lee, "Algorithmic regularization in learning deep homogeneous models:
layers are automatically balanced", NeurIPS 2018, arXiv:1806.00900.  Theorem numbers are
unconfirmed (THEOREMS.md §1); every identity below is [derived (proof sketch given)].

Setting (THEOREMS.md §1.0): ``f(x; W) = W^(N) φ(W^(N-1) ⋯ φ(W^(1) x))``, no biases, φ positively
homogeneous (``z φ'(z) = k φ(z)``).  For a hidden neuron ``(h, i)``: incoming weights
``in = W^(h)[i, :]``, outgoing weights ``out = W^(h+1)[:, i]``, balance
``Q = ‖in‖² − ‖out‖²``.  Gradient flow ``dW/dt = −∂L/∂W`` (squared loss here; the identities
hold for every differentiable loss by the chain rule, and the proofs use a free cotangent).

Evidence (THEOREMS.md §0.2):

* **pointwise identities (class a)** — every quantity is measured in exact rationals (python-flint
  ``fmpq``; rates along gradient flow and heavy-ball flow exactly through dual numbers), so an
  identity is *certified* on the drawn instances and *proved* where a symbolic proof for every
  width, depth and number of inputs holds (:mod:`.proofs`).  tanh networks and weight
  normalisation are measured in arb balls: an identity there is *passed* at best.
* **bounds (class b)** — DHL-MF-bound, DHL-REV-GD-DEPTH and the rank-one closed forms
  (DHL-REV-RATIO-*) compare exact rationals or balls: *certified* at best.
* **trajectories (class c)** — DHL-T2.1-GF and DHL-REV-HB-DRIFT integrate float64 DOP853 flows whose
  error is the difference of two tolerances, propagated to the quantity: *passed* at best.
* **refutations** — every mutation (and every refuted reviewers' claim) is refuted by the checker's
  own search with an exact rational or ball witness (trajectory mutations: an estimate).

The package: :mod:`.networks` (feed-forward, weight-normalised and convolutional networks, one GD
step of a linear network, gradient-flow trajectories), :mod:`.factorisation` (matrix factorisation
steps and the rank-one closed forms), :mod:`.momentum` (heavy-ball flow and steps, heavy-ball
trajectories), :mod:`.residual` (residual parametrisations), :mod:`.proofs` (the symbolic proofs
for every size), :mod:`.figures`, and here the statements, in the order of the paper, then the
reviewers' questions.
"""
from __future__ import annotations

from checker import theorem

from .factorisation import factorisation_step, rank_one_balance
from .figures import (figure_flow_drift, figure_gd_depth, figure_gd_drift, figure_momentum, figure_ratio,
                      figure_residual)
from .momentum import HB_GAMMA, HEAVY_BALL, HEAVY_BALL_FLOW, heavy_ball_trajectory
from .networks import activation_degree, conv, linear_step, mlp, mlp_flow, mlp_network, weightnorm_mlp
from .proofs import (K, conv_proof, gd_expansion_proof, gd_proof, gram_proof, heavy_ball_flow_proof,
                     heavy_ball_step_proof, layer_proof, linear_layer_proof, linear_network, mf_proof, neuron_proof,
                     residual_proof)
from .residual import RESIDUAL_BLOCKS_FLOW, RESIDUAL_FLOW, residual_system

SOURCE = "Du, Hu & Lee, NeurIPS 2018, arXiv:1806.00900"

__all__ = ["SOURCE", "HB_GAMMA", "HEAVY_BALL", "HEAVY_BALL_FLOW", "K", "RESIDUAL_BLOCKS_FLOW", "RESIDUAL_FLOW",
           "activation_degree", "conv", "conv_proof", "factorisation_step",
           "gd_expansion_proof", "heavy_ball_flow_proof", "heavy_ball_step_proof", "heavy_ball_trajectory",
           "linear_layer_proof", "linear_network", "linear_step", "mf_proof", "mlp", "mlp_flow", "mlp_network",
           "neuron_proof", "rank_one_balance", "residual_system", "weightnorm_mlp"]

# ------------------------------------------------------------------------ feed-forward networks

theorem(
    "DHL-I1",
    title="Per-neuron identity ⟨∂f/∂in, in⟩ = ⟨∂f/∂out, out⟩",
    source=f"{SOURCE}; the identity behind Thm 2.1 (number unconfirmed)",
    system=mlp(),
    conclusion="in_dot == out_dot",
    proof=lambda: neuron_proof(1),
    notes="For every hidden neuron, input and linear functional of the output, with any choice of φ'(0) "
          "in the sub-differential (drawn). Proved for every width, depth and number of inputs: SymPy "
          "differentiates F along the rays c·in and c·out with the rest of the network an abstract function "
          "of the neuron's output, and Euler's relation u·φ'(u) = φ(u) closes it. The drawn instances mix "
          "generic networks with exact ReLU kinks (zero pre-activation at the neuron), dead neurons, "
          "extreme imbalance (×1000 / ÷1000) and tiny and huge scales.",
)

theorem(
    "DHL-T2.1",
    title="Gradient flow conserves ‖in‖² − ‖out‖² per neuron (pointwise)",
    source=f"{SOURCE}, Thm 2.1 (number unconfirmed)",
    system=mlp(),
    conclusion="d_in_sq == d_out_sq",
    proof=lambda: neuron_proof(1),
    notes="Pointwise form dQ/dt = −2(⟨∂L/∂in, in⟩ − ⟨∂L/∂out, out⟩) = 0 at drawn points (THEOREMS.md §0.3-1); "
          "the proof is DHL-I1's with F = L (d/dt‖w‖² = 2⟨w, ẇ⟩ = −2⟨∂L/∂w, w⟩). The trajectory form with the "
          "integrator's own error is DHL-T2.1-GF.",
)

theorem(
    "DHL-C2.1",
    title="Gradient flow conserves ‖W^(h)‖_F² − ‖W^(h+1)‖_F²",
    source=f"{SOURCE}, Cor 2.1 (number unconfirmed)",
    system=mlp(),
    conclusion="d_layer_sq == d_next_sq",
    proof=layer_proof,
    notes="The per-neuron law summed over the n_h neurons of layer h (rows of W^(h), columns of W^(h+1)), "
          "for every 1-homogeneous activation; for linear layers also the trace of DHL-LIN's matrix identity.",
)

theorem(
    "DHL-LIN",
    title="Linear networks conserve W^(h)W^(h)ᵀ − W^(h+1)ᵀW^(h+1)",
    source=f"{SOURCE}, §2 (statement and number unconfirmed)",
    system=mlp(activations=("linear",)),
    conclusion="d_gram_in == d_gram_out",
    proof=gram_proof,
    notes="The full n_h × n_h matrix is tested through ⟨C, ·⟩ with a drawn rational test matrix C "
          "(a nonzero matrix is detected by almost every C). Proved in noncommutative matrix algebra for every "
          "depth and width: the layers before and after h, h+1 are abstract matrices B and A, the gradients "
          "are proved from F = tr(DᵀAW_{h+1}W_hB) by the product rule, and the flow of the Gram difference "
          "reduces to the zero word.",
)

theorem(
    "DHL-K",
    title="Degree-k activations: ⟨∂f/∂in, in⟩ = k⟨∂f/∂out, out⟩",
    source=f"extends {SOURCE}, Thm 2.1 (not confirmed to be in the paper)",
    system=mlp(activations=("relu2", "square", "relu")),
    conclusion="in_dot == k*out_dot",
    proof=lambda: neuron_proof(K),
    notes="Hence gradient flow conserves ‖in‖² − k‖out‖². Activations drawn per layer among squared ReLU, "
          "z² (k = 2) and ReLU (k = 1); k is the degree of φ_h at the neuron's layer.",
)

theorem(
    "DHL-GD",
    title="One gradient-descent step: ΔQ = η²(‖G_in‖² − k‖G_out‖²)",
    source=f"discrete-time counterpart of {SOURCE}, Thm 2.1 (number unconfirmed)",
    system=mlp(activations=("linear", "relu", "leaky_relu", "relu2")),
    conclusion="gd_d_in_sq - k*gd_d_out_sq == eta**2*(g_in_sq - k*g_out_sq)",
    proof=gd_proof,
    notes="Exact in rationals: the first-order terms cancel by (I1)/(DHL-K), so finite steps change the "
          "balance by exactly η²(…) — it is not conserved (see the figure and the mutation MUT-DHL-GD-conserved). "
          "Proved for every size in three parts: the expansion of ‖w − ηg‖² in vectors of symbolic length, the "
          "DHL-K lemma, and (linear networks) the full matrix form Δ(W_hW_hᵀ − W_{h+1}ᵀW_{h+1}) = "
          "η²(G_hG_hᵀ − G_{h+1}ᵀG_{h+1}).",
    figures=(figure_gd_drift,),
)


# ------------------------------------------------------------------------------- convolution

theorem(
    "DHL-T2.3",
    title="Shared weights counted once: ‖w^(h)‖² − ‖w^(h+1)‖² conserved",
    source=f"{SOURCE}, Thm 2.3 (number unconfirmed; formulation a parameter)",
    system=conv(),
    conclusion="d_kernel_sq == d_out_sq",
    proof=conv_proof,
    notes="Layer h = the free kernel parameters (each shared weight counted once), layer h+1 = the output "
          "weights. Mutations: the per-neuron law under sharing, and norms of the expanded Toeplitz matrix.",
)


# ------------------------------------------------------------------------ matrix factorisation

theorem(
    "DHL-MF",
    title="Matrix factorisation, one GD step: Δ(UᵀU − VᵀV) = η²(VᵀRᵀRV − UᵀRRᵀU)",
    source=f"supports {SOURCE}, Thms 3.1-3.2 (numbers unconfirmed)",
    system=factorisation_step(),
    conclusion="d_imbalance == eta**2*drift_term",
    proof=mf_proof,
    notes="Identity (I2), tested through ⟨C, ·⟩ with a drawn test matrix C; proved in noncommutative matrix "
          "algebra for every d1, d2, r (and that the step is gradient descent on ½‖UVᵀ − M⋆‖²).",
)

theorem(
    "DHL-MF-bound",
    title="A-posteriori imbalance drift bound over T gradient-descent steps",
    source=f"supports {SOURCE}, Thms 3.1-3.2 (numbers unconfirmed)",
    system=factorisation_step(),
    conclusion="imbalance_change <= drift_bound",
    notes="Iterates are exact rationals (steps η_t = η/(t+1)); the Frobenius norms are enclosed in balls, so "
          "the comparison is certified. T ≥ 2 steps: for T = 1 the bound is an equality (it is (I2), DHL-MF), "
          "which balls cannot certify. Does not discriminate by the automatic twin 'rhs ×(1 + 1/100)': scaling "
          "an upper bound up weakens it, so that twin cannot fail; the bound is a triangle inequality, tight "
          "only when the per-step drifts are aligned, so a tightened twin (×99/100) holds on most instances too. "
          "Its power to fail is shown by MUT-DHL-MF-bound-half, refuted by the search.",
)


# ---------------------------------------------------------------------- gradient-flow trajectories

theorem(
    "DHL-T2.1-GF",
    title="Per-neuron balance along gradient-flow trajectories, within the integrator's error",
    source=f"{SOURCE}, Thm 2.1 (number unconfirmed), with DHL-K for degree-k activations",
    system=mlp_flow(),
    conclusion="Q_end == Q_start",
    notes="Class (c) evidence next to the pointwise proof of DHL-T2.1: DOP853 does not preserve quadratic "
          "invariants, so Q(T) staying within the integrator's own error estimate (difference of two "
          "tolerances, propagated to Q) is a meaningful second witness (THEOREMS.md §0.3-2). The estimate must also stay "
          "within its budget: the requested tolerance rtol·(|θ_j| + 1)·max(1, T) per component, propagated to Q the "
          "same way. At best passed. "
          "Smooth activations only (linear, z², squared ReLU; Q uses their degree k): explicit integrators "
          "stall on the sliding modes of ReLU flows, whose balance is covered pointwise.",
    figures=(figure_flow_drift,),
)


# ---------------------------------------------------------------------------------- mutations

theorem("MUT-DHL-I1-tanh", title="(mutation) per-neuron identity for tanh networks", source="mutation of DHL-I1",
        system=mlp(activations=("tanh",), enforce_hypotheses=False), conclusion="in_dot == out_dot", expect="fails",
        notes="tanh is not homogeneous (THEOREMS.md DHL-I1 (ii)).")
theorem("MUT-DHL-I1-bias", title="(mutation) per-neuron identity with biases not counted", source="mutation of DHL-I1",
        system=mlp(activations=("relu", "linear"), bias=True, enforce_hypotheses=False), conclusion="in_dot == out_dot",
        expect="fails", notes="Counting b_i in in_{h,i} restores (I1): see DHL-I1-bias-counted.")
theorem("DHL-I1-bias-counted", title="Per-neuron identity with biases counted as incoming weights",
        source=f"{SOURCE}; THEOREMS.md DHL-I1 (i)",
        system=mlp(activations=("relu", "linear", "leaky_relu"), bias=True, count_bias=True), conclusion="in_dot == out_dot")
theorem("MUT-DHL-I1-weightnorm", title="(mutation) per-neuron identity with a weight-normalised direction as incoming weights",
        source="mutation of DHL-I1", system=weightnorm_mlp(), conclusion="in_dot == out_dot", expect="fails",
        notes="f is invariant under v_i ↦ c·v_i, so ⟨∂f/∂v_i, v_i⟩ = 0 (THEOREMS.md DHL-I1 (iv)).")
theorem("DHL-I1-weightnorm-gain", title="Per-neuron identity under weight normalisation, gain counted as incoming",
        source=f"{SOURCE}; THEOREMS.md DHL-I1 (iv)", system=weightnorm_mlp(count_gain=True), conclusion="in_dot == out_dot",
        notes="With the gain g_i in in_i, f is invariant under (g_i, out_i) ↦ (c·g_i, out_i/c): the identity holds. "
              "Square roots force balls, so an identity is at best passed.")
theorem("MUT-DHL-T2.1-tanh", title="(mutation) balance under gradient flow for tanh networks", source="mutation of DHL-T2.1",
        system=mlp(activations=("tanh",), enforce_hypotheses=False), conclusion="d_in_sq == d_out_sq", expect="fails")
theorem("MUT-DHL-C2.1-bias", title="(mutation) layer balance with uncounted biases", source="mutation of DHL-C2.1",
        system=mlp(activations=("relu",), bias=True, enforce_hypotheses=False), conclusion="d_layer_sq == d_next_sq",
        expect="fails")
theorem("MUT-DHL-LIN-relu", title="(mutation) the full matrix invariant for ReLU networks", source="mutation of DHL-LIN",
        system=mlp(activations=("relu",)), conclusion="d_gram_in == d_gram_out", expect="fails",
        notes="For ReLU only the diagonal holds (it is DHL-T2.1); the off-diagonal entries drift.")
theorem("MUT-DHL-K-k1", title="(mutation) the degree-1 law for squared ReLU", source="mutation of DHL-K",
        system=mlp(activations=("relu2",)), conclusion="in_dot == out_dot", expect="fails")
theorem("MUT-DHL-GD-conserved", title="(mutation) exact conservation under finite-step gradient descent",
        source="mutation of DHL-GD", system=mlp(activations=("linear", "relu")),
        conclusion="gd_d_in_sq == gd_d_out_sq", expect="fails")
theorem("MUT-DHL-T2.3-toeplitz", title="(mutation) conv balance with the expanded Toeplitz norm",
        source="mutation of DHL-T2.3", system=conv(), conclusion="d_toeplitz_sq == d_out_sq", expect="fails")
theorem("MUT-DHL-T2.3-per-neuron", title="(mutation) per-neuron balance under weight sharing",
        source="mutation of DHL-T2.3", system=conv(), conclusion="d_kernel_sq == d_out_j_sq", expect="fails")
theorem("MUT-DHL-MF-eta", title="(mutation) identity (I2) with η in place of η²", source="mutation of DHL-MF",
        system=factorisation_step(), conclusion="d_imbalance == eta*drift_term", expect="fails")
theorem("MUT-DHL-MF-bound-half", title="(mutation) half the a-posteriori drift bound", source="mutation of DHL-MF-bound",
        system=factorisation_step(), conclusion="2*imbalance_change <= drift_bound", expect="fails")
theorem("MUT-DHL-T2.1-GF-tanh", title="(mutation) balance along gradient-flow trajectories of tanh networks",
        source="mutation of DHL-T2.1-GF", system=mlp_flow(activations=("tanh",), enforce_hypotheses=False),
        conclusion="Q_end == Q_start", expect="fails")


# ------------------------------------------------------------------------- Reviewers' questions
#
# Issue 12, item 1 (Du, Hu & Lee): (a) "balanced" as a ratio ‖W^(h)‖²/‖W^(h+1)‖² rather than a
# difference; (b) how fast Corollary 2.1's conservation degrades with the GD step η, and with
# depth; (c) weight normalisation: what gradient flow conserves and what GD drifts.

theorem(
    "DHL-REV-RATIO-SMALL",
    title="(reviewers) From a small start, the layer-norm ratio at the limit is 1 + O(scale²)",
    source=f"reviewers' question on {SOURCE}: 'balanced' as a ratio; THEOREMS.md DHL-C2.1",
    system=rank_one_balance(scale="1/1000"),
    hypotheses=("Abs(q0) < 2*sigma1",),
    conclusion="Abs(ratio_limit - 1) <= Abs(q0)/(sigma1 - Abs(q0)/2)",
    notes="At every global minimiser reached from (u₀, v₀), ‖v‖² = x with x(x + q₀) = σ₁², and x ≥ σ₁ − |q₀|/2, so "
          "|‖u‖²/‖v‖² − 1| = |q₀|/x ≤ |q₀|/(σ₁ − |q₀|/2): since q₀ = O(scale²), the ratio tends to 1 as the initial "
          "scale tends to 0 (here 1/1000), at rate scale². The bound is sharp to first order in q₀/σ₁; its twins that "
          "raise the constant 1/2 weaken it, and it is strict whenever q₀ ≠ 0, so those twins and '<= made strict' "
          "cannot fail (the twins perturbing the 1 are refuted). The ratio tends to 1 only in this double limit (t → ∞, "
          "then scale → 0): for any fixed unbalanced start it stays away from 1 (DHL-REV-RATIO-LARGE). "
          "Reproduce: `python -m checker check DHL-REV-RATIO-SMALL`.",
    figures=(figure_ratio,),
)

theorem(
    "DHL-REV-RATIO-LARGE",
    title="(reviewers) 'Balanced' as a ratio from order-1 unbalanced starts: does ‖u‖²/‖v‖² → 1? (refuted)",
    source=f"reviewers' question on {SOURCE}: 'balanced' as a ratio",
    system=rank_one_balance(scale="1"),
    conclusion="gap_floor <= 0",
    expect="fails",
    notes="If ‖u(t)‖²/‖v(t)‖² → 1 then liminf |ratio − 1| = 0, so every lower bound on |ratio(t) − 1| valid for all t "
          "is ≤ 0. gap_floor = |q₀|/B is such a bound, from the conserved difference q₀ and the bounded norms "
          "(‖u‖‖v‖ ≤ ‖M⋆‖_F + √(2f(0)) since the loss does not increase), certified in balls: a witness no horizon "
          "can fake (THEOREMS.md §0.2(c)). 'Balanced' in the paper's sense is the difference, not the ratio.",
)


theorem(
    "DHL-REV-GD-LAYER",
    title="(reviewers) GD degrades Corollary 2.1 by exactly η²(‖G_h‖² − ‖G_{h+1}‖²) per step",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: how fast does conservation degrade with η",
    system=linear_step(),
    conclusion="gd_d_layer == eta**2*g_diff",
    notes="The layer form of DHL-GD (the per-neuron law summed over the layer): the first-order terms cancel, so "
          "the change per step is η² times the difference of the squared gradient norms. Over a GD run of length "
          "τ = Tη in gradient-flow time, the drift is η·Σ_t η(‖G_h‖² − ‖G_{h+1}‖²)_t = O(η·τ): first order in η "
          "at fixed τ (the figure). Reproduce: `python -m checker check DHL-REV-GD-LAYER DHL-REV-GD-DEPTH`.",
    figures=(figure_gd_depth,),
)

theorem(
    "DHL-REV-GD-DEPTH",
    title="(reviewers) The η² constant is at most ‖∂L/∂P‖_F² times a product of N − 1 layer norms",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: dependence on depth",
    system=linear_step(),
    conclusion="Abs(gd_d_layer) <= eta**2*cot_sq*others_sq",
    notes="|ΔQ| = η²|‖G_h‖² − ‖G_{h+1}‖²| ≤ η² max_j ‖G_j‖² ≤ η²‖D‖_F² max_j Π_{k≠j}‖W^(k)‖_F² (submultiplicativity). "
          "With layers of norm s the constant grows like s^{2(N−1)}: exponentially in depth for s ≠ 1. Exact "
          "rationals, certified. An upper bound through Frobenius norms is loose (it uses ‖AB‖ ≤ ‖A‖‖B‖ N − 1 "
          "times), so its scaled twins hold as well: it is an a-priori bound, not a sharp constant; the sharp "
          "constant is DHL-REV-GD-LAYER's.",
)

theorem(
    "DHL-REV-WN-DIRECTION",
    title="(reviewers) Weight normalisation: gradient flow conserves each direction's norm ‖v_i‖",
    source=f"reviewers' question on {SOURCE}: batch or weight normalisation",
    system=weightnorm_mlp(),
    conclusion="v_dot == 0",
    notes="f is invariant under v_i ↦ c·v_i, so ⟨∂f/∂v_i, v_i⟩ = 0 and d‖v_i‖²/dt = −2⟨∂L/∂v_i, v_i⟩ = 0 (any loss). "
          "Under GD it drifts upward: ‖v_i − η∂L/∂v_i‖² = ‖v_i‖² + η²‖∂L/∂v_i‖² (DHL-REV-WN-GD). Balls (square roots): "
          "passed at best.",
)

theorem(
    "DHL-REV-WN-GAIN",
    title="(reviewers) Weight normalisation: gradient flow conserves g_i² − ‖out_i‖²",
    source=f"reviewers' question on {SOURCE}: batch or weight normalisation",
    system=weightnorm_mlp(),
    conclusion="gain_dot == out_dot",
    notes="f is invariant under (g_i, out_i) ↦ (c·g_i, out_i/c), so the gain takes the place of the incoming weights "
          "in the balance law: g_i² − ‖out_i‖² is conserved, while ‖v_i‖² − ‖out_i‖² is not (MUT-DHL-I1-weightnorm).",
)

theorem(
    "DHL-REV-WN-GD",
    title="(reviewers) Weight normalisation under GD: ‖v_i‖² grows by exactly η²‖∂L/∂v_i‖² per step",
    source=f"reviewers' question on {SOURCE}: batch or weight normalisation",
    system=weightnorm_mlp(),
    conclusion="gd_d_v_sq == eta**2*g_v_sq",
    notes="The first-order term −2η⟨∂L/∂v_i, v_i⟩ vanishes by scale invariance, so the direction's norm only grows "
          "under GD (the effective step on the direction shrinks like 1/‖v_i‖²). Squared loss; balls.",
)


# (c) Momentum (:mod:`.momentum`): D = ‖W₁‖² − ‖W₂‖², Q = ⟨W₁, V₁⟩ − ⟨W₂, V₂⟩, P = ‖V₁‖² − ‖V₂‖²; along
# heavy-ball flow Ḋ = 2Q and Q̇ + γQ = P, over one heavy-ball step ΔD = 2βQ + P' and Q' = βQ + P'.

theorem(
    "DHL-REV-HB",
    title="(reviewers) Momentum: heavy-ball flow conserves the layer balance ‖W₁‖² − ‖W₂‖² (refuted)",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: momentum",
    system=HEAVY_BALL_FLOW,
    conclusion="d_balance == 0",
    expect="fails",
    notes="Along θ̈ + γθ̇ = −∇ℒ (γ = 3/2) at a drawn position and velocity, Ḋ = 2Q = 2(⟨W₁, V₁⟩ − ⟨W₂, V₂⟩), which "
          "no homogeneity makes vanish: the search finds an exact rational instance. What holds instead is "
          "DHL-REV-HB-LAW. Reproduce: `python -m checker check 'DHL-REV-HB*' 'MUT-DHL-REV-HB*'`.",
)

theorem(
    "DHL-REV-HB-RATE",
    title="(reviewers) Momentum: the balance moves at twice the cross term, Ḋ = 2(⟨W₁, V₁⟩ − ⟨W₂, V₂⟩)",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: momentum (derived)",
    system=HEAVY_BALL_FLOW,
    conclusion="d_balance == 2*cross",
    proof=heavy_ball_flow_proof,
    notes="Kinematics (θ̇ = V, d/dt‖W‖² = 2⟨W, V⟩): exact rates by dual numbers at exact instances, proved for every "
          "size in noncommutative matrix algebra.",
)

theorem(
    "DHL-REV-HB-LAW",
    title="(reviewers) Momentum: the cross term obeys Q̇ + γQ = ‖V₁‖² − ‖V₂‖² (what replaces conservation)",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: momentum (derived)",
    system=HEAVY_BALL_FLOW,
    conclusion="d_cross + gamma*cross == kinetic",
    proof=heavy_ball_flow_proof,
    notes="With D = ‖W₁‖² − ‖W₂‖², Q = ⟨W₁, V₁⟩ − ⟨W₂, V₂⟩, P = ‖V₁‖² − ‖V₂‖²: Q̇ = P − γQ − (⟨W₁, ∇₁ℒ⟩ − ⟨W₂, ∇₂ℒ⟩) and "
          "the bracket is 0 by DHL's identity, so D̈ + γḊ = 2P: the balance is a damped oscillator driven by the "
          "kinetic imbalance of the layers. It is conserved only where Q and P vanish (at rest it is stationary, "
          "D̈ = 0, but not conserved), and Q(t) = e^{−γt}Q(0) + ∫₀ᵗ e^{−γ(t−s)}P(s)ds, so since ∫|P| ≤ ∫‖V‖² ≤ "
          "(ℒ(0) + ½‖V(0)‖²)/γ (the energy decreases at rate γ‖V‖²), |D(t) − D(0)| ≤ 2|Q(0)|/γ + 2(ℒ(0) + ½‖V(0)‖²)/γ²: "
          "the drift vanishes as the friction grows (the gradient-flow limit). Pointwise, exact (dual numbers on "
          "rationals, γ = 3/2, ReLU / leaky ReLU with drawn φ'(0) / linear layers), proved for every size.",
)

theorem(
    "DHL-REV-HB-GD",
    title="(reviewers) Momentum: one discrete heavy-ball step conserves ‖W₁‖² − ‖W₂‖² (refuted)",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: momentum",
    system=HEAVY_BALL,
    conclusion="d_balance == 0",
    expect="fails",
    notes="Polyak's heavy ball m' = βm − η∇ℒ, θ' = θ + m' (η = 1/3, β = 9/10) from a drawn state (θ, m): ΔD = 2βQ + P' "
          "(DHL-REV-HB-GD-D), nonzero in general; already without momentum it is η²(‖G₁‖² − ‖G₂‖²) (DHL-GD).",
)

theorem(
    "DHL-REV-HB-GD-D",
    title="(reviewers) Momentum, discrete: ΔD = 2βQ + P' over one heavy-ball step",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: momentum (derived)",
    system=HEAVY_BALL,
    conclusion="d_balance == 2*beta*cross + kinetic + d_kinetic",
    proof=heavy_ball_step_proof,
    notes="State (θ, m) before the step, m the last displacement (the system's 'velocity'), primes after it: "
          "ΔD = 2⟨W₁, m'₁⟩ + ‖m'₁‖² − (layer 2) = 2βQ − 2η(⟨W₁, ∇₁ℒ⟩ − ⟨W₂, ∇₂ℒ⟩) + P' = 2βQ + P' with "
          "P' = kinetic + d_kinetic. β = 0 gives DHL-GD's η²(‖G₁‖² − ‖G₂‖²). The flow law is its limit "
          "(β = 1 − γh, η = h², m ≈ hV). Exact rationals, proved for every size.",
)

theorem(
    "DHL-REV-HB-GD-Q",
    title="(reviewers) Momentum, discrete: the cross term obeys Q' = βQ + P'",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: momentum (derived)",
    system=HEAVY_BALL,
    conclusion="cross + d_cross == beta*cross + kinetic + d_kinetic",
    proof=heavy_ball_step_proof,
    notes="Q' = ⟨W₁ + m'₁, m'₁⟩ − ⟨W₂ + m'₂, m'₂⟩ = β(⟨W₁, m₁⟩ − ⟨W₂, m₂⟩) − η(⟨W₁, ∇₁ℒ⟩ − ⟨W₂, ∇₂ℒ⟩) + P' = βQ + P': "
          "the discrete damped oscillator (with DHL-REV-HB-GD-D, D_{k+1} − D_k = Q_{k+1} + βQ_k).",
)

theorem("MUT-DHL-REV-HB-LAW-no-gamma", title="(mutation) the momentum law without the friction term, Q̇ = P",
        source="mutation of DHL-REV-HB-LAW", system=HEAVY_BALL_FLOW, conclusion="d_cross == kinetic", expect="fails")
theorem("MUT-DHL-REV-HB-RATE-half", title="(mutation) the balance rate without its factor 2, Ḋ = Q",
        source="mutation of DHL-REV-HB-RATE", system=HEAVY_BALL_FLOW, conclusion="d_balance == cross", expect="fails")
theorem("MUT-DHL-REV-HB-GD-D-no-kinetic", title="(mutation) the discrete balance law without the kinetic term, ΔD = 2βQ",
        source="mutation of DHL-REV-HB-GD-D", system=HEAVY_BALL, conclusion="d_balance == 2*beta*cross", expect="fails")
theorem("MUT-DHL-REV-HB-GD-Q-undamped", title="(mutation) the discrete cross law with β replaced by 1, Q' = Q + P'",
        source="mutation of DHL-REV-HB-GD-Q", system=HEAVY_BALL, conclusion="d_cross == kinetic + d_kinetic",
        expect="fails")


theorem(
    "DHL-REV-HB-DRIFT",
    title="(reviewers) Momentum: the balance drifts by at most 2|Q(0)|/γ + 2E(0)/γ² along heavy-ball flow",
    source=f"reviewers' question on {SOURCE}, Cor 2.1: momentum (derived from DHL-REV-HB-LAW)",
    system=heavy_ball_trajectory(),
    hypotheses=("energy0 > 0",),
    conclusion="drift <= 2*Abs(cross0)/gamma + 2*energy0/gamma**2",
    notes="E(0) = 0 is a stationary start (a global minimiser at rest: nothing moves), left out so that no float "
          "comparison is asked to decide 0 ≤ 0. From DHL-REV-HB-LAW, Q(t) = e^{−γt}Q(0) + ∫₀ᵗ e^{−γ(t−s)}P(s)ds, so ∫₀ᵀ|Q| ≤ |Q(0)|/γ + (1/γ)∫₀ᵀ|P|; "
          "|P| ≤ ‖V‖² and the energy E = ℒ + ½‖V‖² decreases at rate γ‖V‖², so ∫₀ᵀ‖V‖² ≤ E(0)/γ (ℒ ≥ 0); with "
          "Ḋ = 2Q, |D(T) − D(0)| ≤ 2|Q(0)|/γ + 2E(0)/γ² for every T. Momentum costs balance at most this much, which "
          "vanishes as the friction grows. Class (c) evidence: the drift is measured along a DOP853 trajectory "
          "(T = 4, γ = 3/2) with the integrator's error estimate, so passed at best. An a-priori bound, loose on "
          "most instances: its tightened twins hold too (the energy term is a worst case). Its power to fail is "
          "MUT-DHL-REV-HB-DRIFT-no-energy.",
    figures=(figure_momentum,),
)

theorem("MUT-DHL-REV-HB-DRIFT-no-energy", title="(mutation) the heavy-ball drift bound without its energy term",
        source="mutation of DHL-REV-HB-DRIFT", system=heavy_ball_trajectory(),
        conclusion="drift <= 2*Abs(cross0)/gamma", expect="fails",
        notes="From rest Q(0) = 0, yet the kinetic imbalance the flow builds up moves D: refuted on a float "
              "trajectory (estimate evidence).")


# Residual parametrisations (:mod:`.residual`): balanced around the identity, and inside blocks.

theorem(
    "DHL-REV-RES-N",
    title="(reviewers) Residual parametrisation: gradient flow conserves ‖N₁‖² − ‖N₂‖² (refuted)",
    source=f"reviewers' question on {SOURCE}, Cor 2.1, for x ↦ Π(I + N_k)x",
    system=RESIDUAL_FLOW,
    conclusion="d_n_balance == 0",
    expect="fails",
    notes="f(x) = R(I + N_L)⋯(I + N_1)x (linear blocks, optional readout R) is not homogeneous in the N_k: the identity "
          "is a degree-0 term. With W_k = I + N_k, ‖W_k‖² = ‖N_k‖² + 2 tr N_k + dim, so d/dt(‖N₁‖² − ‖N₂‖²) = "
          "2(tr ∂ℒ/∂W₂ − tr ∂ℒ/∂W₁), nonzero in general: the search finds an exact instance. What is conserved is the "
          "balance of the effective weights, DHL-REV-RES-W.",
)

theorem(
    "DHL-REV-RES-W",
    title="(reviewers) Residual parametrisation: gradient flow conserves ‖I + N₁‖² − ‖I + N₂‖²",
    source=f"reviewers' question on {SOURCE}, Cor 2.1 and §2 (linear networks), for x ↦ Π(I + N_k)x",
    system=RESIDUAL_FLOW,
    conclusion="d_w_balance == 0",
    proof=residual_proof,
    notes="The effective weights W_k = I + N_k form a deep linear network with the same gradients, so DHL's conservation "
          "holds for them (and for the full matrices W_kW_kᵀ − W_{k+1}ᵀW_{k+1}, DHL-LIN): residual networks are "
          "balanced around the identity, not around 0. Exact rates by dual numbers; proved for every size. Activated "
          "blocks h + φ(N_k h) break it (MUT-DHL-REV-RES-W-relu).",
    figures=(figure_residual,),
)

theorem("MUT-DHL-REV-RES-W-relu", title="(mutation) effective-weight balance for ReLU residual blocks h + relu(N_k h)",
        source="mutation of DHL-REV-RES-W", system=residual_system(("relu",)), conclusion="d_w_balance == 0",
        expect="fails", notes="With the activation inside the block there is no deep linear network in I + N_k.")


theorem(
    "DHL-REV-RES-BLOCK",
    title="(reviewers) Residual blocks h + U φ(N h): gradient flow conserves ‖N_k‖² − ‖U_k‖² inside each block",
    source=f"reviewers' question on {SOURCE}, Thm 2.1 and Cor 2.1, for residual networks",
    system=RESIDUAL_BLOCKS_FLOW,
    conclusion="d_block_balance == 0",
    proof=lambda: neuron_proof(1, layer=True),
    notes="What is conserved with activated residual blocks: the hidden units of a block are neurons with incoming rows "
          "N_k[i, :] and outgoing columns U_k[:, i], and the skip connection bypasses them (the block's input h_{k−1} "
          "does not depend on N_k, U_k; scaling U_k[:, i] scales what unit i adds to h_k), so DHL's per-neuron identity, "
          "summed over the block, gives d/dt(‖N_k‖² − ‖U_k‖²) = 0 for every 1-homogeneous φ (ReLU, leaky ReLU with "
          "φ'(0) any choice, linear). Across blocks nothing is conserved (MUT-DHL-REV-RES-BLOCK-across). Exact rates "
          "by dual numbers; proved for every size.",
)

theorem("MUT-DHL-REV-RES-BLOCK-across", title="(mutation) balance across residual blocks, ‖N₁‖² − ‖N₂‖²",
        source="mutation of DHL-REV-RES-BLOCK", system=RESIDUAL_BLOCKS_FLOW, conclusion="d_across_balance == 0",
        expect="fails")
