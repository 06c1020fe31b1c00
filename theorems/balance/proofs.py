"""The symbolic proofs of the balance family, for every width, depth and number of inputs
(:mod:`checker.proofs`: rescaling identities in SymPy, noncommutative matrix algebra).

Per-neuron identities (DHL-I1, T2.1, C2.1, K, T2.3, the per-neuron DHL-GD): for a block of
weights w, ⟨∂F/∂w, w⟩ = d/dc F(c·w)|_{c=1}.  Scaling the incoming row in_{h,i} by c scales the
pre-activations z_{s,i} = Σ_j in_j a^(h-1)_{s,j} (a^(h-1) does not depend on layers h, h+1);
scaling the outgoing column out_{h,i} by c changes the next pre-activations out·a_{s,i} + r_s
exactly as scaling the neuron's output a_{s,i} = φ(z_{s,i}) would.  So with
Λ(t, s, i) := the loss term of input s as a function of neuron i's output t (every other weight
fixed: the rest of the network, any width and depth, any loss), F(c·in) = Σ_s Λ(φ(c z_{s,i}))
and F(c·out) = Σ_s Λ(c φ(z_{s,i})).  Λ' enters both sides only as the back-propagated factor
out·δ^(h+1), so any selection of φ'(0) in the network behind the neuron is covered.

Linear layers (DHL-LIN, the matrix form of DHL-GD, DHL-MF, the residual effective weights) and the
momentum laws (DHL-REV-HB-*) are identities in noncommutative matrix algebra with the layers
outside h, h+1 abstract.
"""
from __future__ import annotations

from typing import Any

import sympy

from checker import Proof
from checker.proofs import ALL_SIZES, MatrixAlgebra, combine_proofs, prove_rescaling_identity

SCALE = sympy.Symbol("c", positive=True)
K = sympy.Symbol("k", positive=True)
ETA = sympy.Symbol("eta", positive=True)
PHI = sympy.Function("phi")
_j, _s, _i, _t = sympy.symbols("j s i t", integer=True)
_n_prev, _n_h, _m = sympy.symbols("n_{h-1} n_h m", integer=True, positive=True)
NEURON_ARGUMENT = (
    "⟨∂F/∂w, w⟩ = d/dc F(c·w)|_{c=1}. Neuron (h, i) of any network: u = in_{h,i} (length n_{h-1}), "
    "a[s, ·] = a^(h-1)(x_s) for m inputs, z_{s,i} = Σ_j u[i, j]·a[s, j]; Λ(t, s, i) = the loss term of input s as a "
    "function of the neuron's output t (the rest of the network, abstract). F(c·in) = Σ_s Λ(φ(c·z_{s,i})), "
    "F(c·out) = Σ_s Λ(c·φ(z_{s,i})) (scaling out_{h,i} scales what the neuron feeds forward).")


def _neuron_curves(layer: bool) -> tuple[sympy.Expr, sympy.Expr]:
    """``(F(c·in), F(c·out))`` for neuron ``i`` of layer h; with ``layer``, summed over the n_h
    neurons (``Σ_i ⟨∂F/∂in_i, in_i⟩ = ⟨∂F/∂W^(h), W^(h)⟩``, and likewise for the columns of W^(h+1))."""
    u, a, lam = sympy.IndexedBase("u"), sympy.IndexedBase("a"), sympy.Function("Lambda")
    z = lambda c: sympy.Sum(c * u[_i, _j] * a[_s, _j], (_j, 1, _n_prev))  # noqa: E731
    curve_in = sympy.Sum(lam(PHI(z(SCALE)), _s, _i), (_s, 1, _m))
    curve_out = sympy.Sum(lam(SCALE * PHI(z(1)), _s, _i), (_s, 1, _m))
    if layer:
        curve_in, curve_out = sympy.Sum(curve_in, (_i, 1, _n_h)), sympy.Sum(curve_out, (_i, 1, _n_h))
    return curve_in, curve_out


def neuron_proof(degree: Any, factor: Any = None, layer: bool = False) -> Proof:
    """⟨∂F/∂in, in⟩ = factor·⟨∂F/∂out, out⟩ for every ``degree``-homogeneous φ (per neuron, or summed over a layer)."""
    curve_in, curve_out = _neuron_curves(layer)
    what = "summed over the n_h neurons of layer h: " if layer else ""
    return prove_rescaling_identity(curve_in, curve_out, SCALE, [PHI], degree, what + NEURON_ARGUMENT, factor)


def gd_expansion_proof(eta_power: int = 2) -> Proof:
    """One step (w, g) ↦ w − ηg of two blocks: Δ(‖u‖² − k‖v‖²) − η^p(‖g_u‖² − k‖g_v‖²) = −2η(⟨g_u, u⟩ − k⟨g_v, v⟩),
    for vectors of any lengths (p = 2 is the claim)."""
    alg = MatrixAlgebra()
    n, n_next = sympy.symbols("n_{h-1} n_{h+1}", integer=True, positive=True)
    u, gu, v, gv = alg.matrix("u", n, 1), alg.matrix("g_u", n, 1), alg.matrix("v", n_next, 1), alg.matrix("g_v", n_next, 1)
    sq = lambda x: alg.T(x) * x  # noqa: E731
    delta = sq(u - ETA * gu) - sq(u) - K * (sq(v - ETA * gv) - sq(v))
    claim = delta - ETA ** eta_power * (sq(gu) - K * sq(gv)) + 2 * ETA * (alg.T(gu) * u - K * alg.T(gv) * v)
    return alg.prove([("Δ(‖u‖² − k‖v‖²) − η²(‖g_u‖² − k‖g_v‖²) + 2η(⟨g_u, u⟩ − k⟨g_v, v⟩)", claim)],
                     "u = in_{h,i}, v = out_{h,i} (column vectors), g_u, g_v their gradients; the step is w ← w − η·g.")


def linear_network(eta: Any = ETA) -> dict[str, Any]:
    """Layers h, h+1 of a linear network of any depth and widths, in noncommutative algebra.

    ``P = A·W_{h+1}·W_h·B`` with ``A = W^(N)⋯W^(h+2)`` and ``B = W^(h-1)⋯W^(1)`` (abstract
    matrices; the identity or absent layers are special cases), ``D = ∂L/∂P`` any cotangent (any
    loss), ``F = tr(DᵀP)``.  Returns the algebra, the matrices, the gradients
    ``G_h = (A W_{h+1})ᵀ D Bᵀ``, ``G_{h+1} = Aᵀ D (W_h B)ᵀ``, the claims that they are the
    gradients (``tr(Gᵀ E) ≡ dF[E]`` for a free direction E) and the one-step iterates with step ``eta``.
    """
    alg = MatrixAlgebra()
    n0, n1, n2, n3, nN = sympy.symbols("n_0 n_{h-1} n_h n_{h+1} n_N", integer=True, positive=True)
    B, Wh, Wn, A = alg.matrix("B", n1, n0), alg.matrix("W_h", n2, n1), alg.matrix("W_{h+1}", n3, n2), alg.matrix("A", nN, n3)
    D = alg.matrix("D", nN, n0)
    P = A * Wn * Wh * B
    F = lambda X: alg.trace(alg.T(D) * X)  # noqa: E731
    Gh, Gn = alg.T(A * Wn) * D * alg.T(B), alg.T(A) * D * alg.T(Wh * B)
    Eh, En = alg.matrix("E_h", n2, n1), alg.matrix("E_{h+1}", n3, n2)
    gradients = [("G_h is ∂F/∂W_h: tr(G_hᵀE) − dF[E]", alg.trace(alg.T(Gh) * Eh) - F(alg.derivative(P, Wh, Eh))),
                 ("G_{h+1} is ∂F/∂W_{h+1}", alg.trace(alg.T(Gn) * En) - F(alg.derivative(P, Wn, En)))]
    return {"alg": alg, "A": A, "B": B, "D": D, "Wh": Wh, "Wn": Wn, "Gh": Gh, "Gn": Gn, "gradients": gradients,
            "step": {Wh: Wh - eta * Gh, Wn: Wn - eta * Gn}}


LINEAR_ARGUMENT = ("Linear network of any depth N and widths: P = A·W_{h+1}·W_h·B with A = W^(N)⋯W^(h+2), "
                   "B = W^(h-1)⋯W^(1) abstract, D = ∂L/∂P any cotangent (chain rule: any differentiable loss), "
                   "F = tr(DᵀP); gradient flow Ẇ = −G.")


def _gram_flow(net: dict) -> sympy.Expr:
    """d/dt (W_h W_hᵀ − W_{h+1}ᵀ W_{h+1}) along Ẇ = −G."""
    alg, Wh, Wn = net["alg"], net["Wh"], net["Wn"]
    Q = Wh * alg.T(Wh) - alg.T(Wn) * Wn
    return alg.derivative(Q, Wh, -net["Gh"]) + alg.derivative(Q, Wn, -net["Gn"])


def gram_proof() -> Proof:
    """DHL-LIN: d/dt(W_hW_hᵀ − W_{h+1}ᵀW_{h+1}) = 0 for linear layers of any depth and widths."""
    net = linear_network()
    return net["alg"].prove(net["gradients"] + [("d/dt(W_hW_hᵀ − W_{h+1}ᵀW_{h+1})", _gram_flow(net))], LINEAR_ARGUMENT)


def linear_layer_proof(argument: str = LINEAR_ARGUMENT) -> Proof:
    """d/dt(‖W_h‖² − ‖W_{h+1}‖²) = 0 for linear layers of any depth and widths: the trace of DHL-LIN."""
    net = linear_network()
    return net["alg"].prove(net["gradients"] + [("d/dt(‖W_h‖² − ‖W_{h+1}‖²) = tr of the matrix flow",
                                                  net["alg"].trace(_gram_flow(net)))], argument)


def residual_proof() -> Proof:
    """DHL-REV-RES-W: the effective weights ``W_k = I + N_k`` of a linear residual network are balanced,
    for every size, as the layers of the deep linear network they form (:func:`linear_layer_proof`)."""
    return linear_layer_proof(
        LINEAR_ARGUMENT + " Residual blocks: W_k = I + N_k is affine in N_k, so ∂ℒ/∂N_k = ∂ℒ/∂W_k and Ẇ_k = Ṅ_k = −G_k: "
        "the flow of the N_k is the gradient flow of the deep linear network in the W_k (A, B: the other blocks I + N_k "
        "and the readout).")


def layer_proof() -> Proof:
    """DHL-C2.1: the per-neuron law summed over a layer (every 1-homogeneous φ), and for linear layers the trace
    of DHL-LIN."""
    return combine_proofs([("every 1-homogeneous φ: per-neuron law summed over the layer", neuron_proof(1, layer=True)),
                           ("linear layers: trace of the DHL-LIN matrix identity", linear_layer_proof())], ALL_SIZES)


def gd_proof() -> Proof:
    """DHL-GD: the expansion of one step, the DHL-K lemma, and (linear networks) the full matrix form
    Δ(W_hW_hᵀ − W_{h+1}ᵀW_{h+1}) = η²(G_hG_hᵀ − G_{h+1}ᵀG_{h+1})."""
    net = linear_network()
    alg, Wh, Wn, Gh, Gn = net["alg"], net["Wh"], net["Wn"], net["Gh"], net["Gn"]
    Q = Wh * alg.T(Wh) - alg.T(Wn) * Wn
    matrix = alg.prove(net["gradients"] + [("Δ(W_hW_hᵀ − W_{h+1}ᵀW_{h+1}) − η²(G_hG_hᵀ − G_{h+1}ᵀG_{h+1})",
                                            alg.substitute(Q, net["step"]) - Q - ETA ** 2 * (Gh * alg.T(Gh) - alg.T(Gn) * Gn))],
                       LINEAR_ARGUMENT + " One step W ← W − ηG.")
    return combine_proofs([("expansion of one step", gd_expansion_proof()),
                           ("⟨g_u, u⟩ = k⟨g_v, v⟩ for every k-homogeneous φ (DHL-K)", neuron_proof(K)),
                           ("linear networks, full matrix form (THEOREMS.md DHL-MF)", matrix)], ALL_SIZES)


def conv_proof(degree: Any = 1, factor: Any = None) -> Proof:
    """DHL-T2.3 for a 1-D convolution of any input length d and kernel length S (J = d − S + 1
    outputs), m inputs, any per-input loss ℓ: scaling the shared kernel scales every pre-activation
    z_{s,j} = Σ_t κ_t x_{s,j+t} at once; scaling the output weights scales the output."""
    kappa, x, a, ell = sympy.IndexedBase("kappa"), sympy.IndexedBase("x"), sympy.IndexedBase("a"), sympy.Function("ell")
    S, J = sympy.symbols("S J", integer=True, positive=True)
    z = lambda c: sympy.Sum(c * kappa[_t] * x[_s, _j + _t], (_t, 0, S - 1))  # noqa: E731
    out = lambda ck, ca: sympy.Sum(ca * a[_j] * PHI(z(ck)), (_j, 1, J))  # noqa: E731
    curve_kernel = sympy.Sum(ell(out(SCALE, 1), _s), (_s, 1, _m))
    curve_out = sympy.Sum(ell(out(1, SCALE), _s), (_s, 1, _m))
    return prove_rescaling_identity(curve_kernel, curve_out, SCALE, [PHI], degree,
                                    "⟨∂F/∂w, w⟩ = d/dc F(c·w)|_{c=1}; f(x_s) = Σ_j a_j φ(Σ_t κ_t x_{s,j+t}), F = Σ_s ℓ(f(x_s), s); "
                                    "each shared weight κ_t is one free parameter.", factor)


def mf_proof(eta_power: int = 2) -> Proof:
    """Identity (I2) for U (d1×r), V (d2×r), M⋆ (d1×d2) of every size, and that the step is gradient
    descent on f = ½‖UVᵀ − M⋆‖_F² (∂f/∂U = RV, ∂f/∂V = RᵀU, checked as tr(GᵀE) ≡ df[E]); ``eta_power``
    is 2 in the claim."""
    alg = MatrixAlgebra()
    d1, d2, r = sympy.symbols("d_1 d_2 r", integer=True, positive=True)
    U, V, M = alg.matrix("U", d1, r), alg.matrix("V", d2, r), alg.matrix("M", d1, d2)
    EU, EV = alg.matrix("E_U", d1, r), alg.matrix("E_V", d2, r)
    R = U * alg.T(V) - M
    df = lambda X, E: alg.trace(alg.derivative(alg.T(R) * R, X, E)) / 2  # noqa: E731
    imbalance = lambda X, Y: alg.T(X) * X - alg.T(Y) * Y  # noqa: E731
    U1, V1 = U - ETA * R * V, V - ETA * alg.T(R) * U
    claims = [("∂f/∂U = RV", alg.trace(alg.T(R * V) * EU) - df(U, EU)),
              ("∂f/∂V = RᵀU", alg.trace(alg.T(alg.T(R) * U) * EV) - df(V, EV)),
              ("(I2): Δ(UᵀU − VᵀV) − η²(VᵀRᵀRV − UᵀRRᵀU)",
               imbalance(U1, V1) - imbalance(U, V) - ETA ** eta_power * (alg.T(V) * alg.T(R) * R * V - alg.T(U) * R * alg.T(R) * U))]
    return alg.prove(claims, "f = ½ tr(RᵀR), R = UVᵀ − M⋆; one step U' = U − ηRV, V' = V − ηRᵀU.")


HB_ARGUMENT = ("Layers h, h+1 of any network: W_h (n_h × n_{h−1}), W_{h+1} (n_{h+1} × n_h), velocities V (same shapes), "
               "gradients G_h = ∂ℒ/∂W_h, G_{h+1} abstract; D = tr(W_hᵀW_h) − tr(W_{h+1}ᵀW_{h+1}), Q = tr(W_hᵀV_h) − "
               "tr(W_{h+1}ᵀV_{h+1}), P = tr(V_hᵀV_h) − tr(V_{h+1}ᵀV_{h+1}), B = tr(W_hᵀG_h) − tr(W_{h+1}ᵀG_{h+1}).")


def _two_layers(alg: MatrixAlgebra) -> dict[str, Any]:
    n0, n1, n2 = sympy.symbols("n_{h-1} n_h n_{h+1}", integer=True, positive=True)
    m = {f"{x}{k}": alg.matrix(f"{x}_{{{'h' if k == 0 else 'h+1'}}}", *((n1, n0) if k == 0 else (n2, n1)))
         for x in "WVG" for k in (0, 1)}
    inner = lambda A, B: alg.trace(alg.T(A) * B)  # noqa: E731
    pair = lambda A, B: inner(m[f"{A}0"], m[f"{B}0"]) - inner(m[f"{A}1"], m[f"{B}1"])  # noqa: E731
    return {**m, "inner": inner, "D": pair("W", "W"), "Q": pair("W", "V"), "P": pair("V", "V"), "B": pair("W", "G")}


def heavy_ball_flow_proof(gamma: Any = sympy.Symbol("gamma", positive=True)) -> Proof:
    """Ḋ = 2Q and Q̇ + γQ = P along θ̇ = V, V̇ = −γV − G, for layers of every size and any network
    with 1-homogeneous activations: an expansion (with the bracket B kept) and DHL's layer lemma B = 0.
    ``gamma`` is the damping written into the claim (a different one makes the proof fail)."""
    g = sympy.Symbol("gamma", positive=True)
    alg = MatrixAlgebra()
    x = _two_layers(alg)

    def rate(k: int, word: Any) -> Any:  # d/dt of a word in W_k, V_k along the heavy-ball field
        W, V, G = x[f"W{k}"], x[f"V{k}"], x[f"G{k}"]
        return alg.derivative(word, W, V) + alg.derivative(word, V, -g * V - G)

    d_dt = lambda A, B: alg.trace(rate(0, alg.T(x[f"{A}0"]) * x[f"{B}0"])) - alg.trace(rate(1, alg.T(x[f"{A}1"]) * x[f"{B}1"]))  # noqa: E731
    expansion = alg.prove([("Ḋ − 2Q", d_dt("W", "W") - 2 * x["Q"]),
                           ("Q̇ + γQ − P + B", d_dt("W", "V") + gamma * x["Q"] - x["P"] + x["B"])],
                          HB_ARGUMENT + " Heavy-ball flow Ẇ = V, V̇ = −γV − G.")
    return combine_proofs([("expansion along the heavy-ball field", expansion),
                           ("B = 0 for every 1-homogeneous φ (DHL-C2.1's layer lemma)", neuron_proof(1, layer=True))],
                          ALL_SIZES)


def heavy_ball_step_proof(beta: Any = sympy.Symbol("beta", positive=True)) -> Proof:
    """ΔD = 2βQ + P' and Q' = βQ + P' for one step m' = βm − ηG, W' = W + m' (state (W, m) before the
    step, primes after it), layers of every size; ``beta`` is the momentum written into the claims."""
    b = sympy.Symbol("beta", positive=True)
    alg = MatrixAlgebra()
    x = _two_layers(alg)
    m1 = [b * x[f"V{k}"] - ETA * x[f"G{k}"] for k in (0, 1)]
    w1 = [x[f"W{k}"] + m1[k] for k in (0, 1)]
    pair = lambda A, B: x["inner"](A[0], B[0]) - x["inner"](A[1], B[1])  # noqa: E731
    P1 = pair(m1, m1)
    expansion = alg.prove([("ΔD − 2βQ − P' + 2ηB", pair(w1, w1) - x["D"] - 2 * beta * x["Q"] - P1 + 2 * ETA * x["B"]),
                           ("Q' − βQ − P' + ηB", pair(w1, m1) - beta * x["Q"] - P1 + ETA * x["B"])],
                          HB_ARGUMENT + " One heavy-ball step m' = βV − ηG, W' = W + m' (V: the last displacement m).")
    return combine_proofs([("expansion of one heavy-ball step", expansion),
                           ("B = 0 for every 1-homogeneous φ (DHL-C2.1's layer lemma)", neuron_proof(1, layer=True))],
                          ALL_SIZES)
