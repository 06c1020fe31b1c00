"""Du, Hu & Lee: layers of homogeneous networks are automatically balanced.

S. S. Du, W. Hu, J. D. Lee, "Algorithmic regularization in learning deep homogeneous models:
layers are automatically balanced", NeurIPS 2018, arXiv:1806.00900.  Theorem numbers are
unconfirmed (THEOREMS.md §1); every identity below is [derived (proof sketch given)].

Setting (THEOREMS.md §1.0): ``f(x; W) = W^(N) φ(W^(N-1) ⋯ φ(W^(1) x))``, no biases, φ positively
homogeneous (``z φ'(z) = k φ(z)``).  For a hidden neuron ``(h, i)``: incoming weights
``in = W^(h)[i, :]``, outgoing weights ``out = W^(h+1)[:, i]``, balance
``Q = ‖in‖² − ‖out‖²``.  Gradient flow ``dW/dt = −∂L/∂W`` (squared loss here; the identities
hold for every differentiable loss by the chain rule, and the proofs use a free cotangent).

Every quantity is measured in exact rationals (python-flint ``fmpq``), except on tanh networks,
which are measured in arb balls; gradients are the engine's back-propagation, checked against
SymPy and finite differences in ``tests/test_nets.py``.
"""
from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import numpy as np
import sympy
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, Proof, System, system_family, theorem
from checker.arith import ball_array, rational, rational_array, rational_str, working_precision
from checker.dynamics import gradient_descent, gradient_flow, heavy_ball, heavy_ball_flow
from checker.integrators import iterate, solve
from checker.losses import loss
from checker.matfact import drift_term, imbalance
from checker.nets import Conv1D, MLP, ResidualMLP, WeightNormMLP, activation
from checker.objectives import Objective
from checker.quantities import quantity
from checker.proofs import ALL_SIZES, MatrixAlgebra, combine_proofs, prove_rescaling_identity
from checker.training import (frobenius_sq, layer_imbalance, momentum_imbalance, observable, parameter_instances,
                              training_system, velocity_imbalance)
from checker.strategies import FACTORISATION_CASES, NETWORK_CASES, conv_instances, factorisation_instances, mlp_instances, orthogonal_part

SOURCE = "Du, Hu & Lee, NeurIPS 2018, arXiv:1806.00900"
SQUARED = loss("squared")

# ------------------------------------------------------------------------------------------ MLP

IN, OUT = r"\mathrm{in}_{h,i}", r"\mathrm{out}_{h,i}"
ETA_Q = quantity("eta", "gradient-descent step size", r"\eta", "exact")
MLP_QUANTITIES = {q.name: q for q in (
    quantity("in_dot", "⟨∂(G·f)/∂in_{h,i}, in_{h,i}⟩ for the drawn output functional G (biases included iff count_bias)",
             rf"\langle \partial f/\partial {IN}, {IN}\rangle", "exact"),
    quantity("out_dot", "⟨∂(G·f)/∂out_{h,i}, out_{h,i}⟩", rf"\langle \partial f/\partial {OUT}, {OUT}\rangle", "exact"),
    quantity("k", "homogeneity degree of the activation after layer h", "k", "exact"),
    quantity("d_in_sq", "d/dt ‖in_{h,i}‖² under gradient flow on the squared loss",
             rf"\tfrac{{d}}{{dt}}\lVert {IN}\rVert^2", "exact"),
    quantity("d_out_sq", "d/dt ‖out_{h,i}‖² under gradient flow", rf"\tfrac{{d}}{{dt}}\lVert {OUT}\rVert^2", "exact"),
    quantity("d_layer_sq", "d/dt ‖W^(h)‖_F² under gradient flow (plus ‖b^(h)‖² iff count_bias)",
             r"\tfrac{d}{dt}\lVert W^{(h)}\rVert_F^2", "exact"),
    quantity("d_next_sq", "d/dt ‖W^(h+1)‖_F² under gradient flow", r"\tfrac{d}{dt}\lVert W^{(h+1)}\rVert_F^2", "exact"),
    quantity("d_gram_in", "⟨C, d/dt W^(h) W^(h)ᵀ⟩ for the drawn test matrix C",
             r"\langle C, \tfrac{d}{dt} W^{(h)} W^{(h)\top}\rangle", "exact"),
    quantity("d_gram_out", "⟨C, d/dt W^(h+1)ᵀ W^(h+1)⟩", r"\langle C, \tfrac{d}{dt} W^{(h+1)\top} W^{(h+1)}\rangle", "exact"),
    ETA_Q,
    quantity("gd_d_in_sq", "change of ‖in_{h,i}‖² in one gradient-descent step W ← W − η ∂L/∂W",
             rf"\Delta\lVert {IN}\rVert^2", "exact"),
    quantity("gd_d_out_sq", "change of ‖out_{h,i}‖² in the same step", rf"\Delta\lVert {OUT}\rVert^2", "exact"),
    quantity("g_in_sq", "‖∂L/∂in_{h,i}‖² at the current iterate", rf"\lVert \partial L/\partial {IN}\rVert^2", "exact"),
    quantity("g_out_sq", "‖∂L/∂out_{h,i}‖² at the current iterate", rf"\lVert \partial L/\partial {OUT}\rVert^2", "exact"),
)}


def _mlp_strategy(activations: tuple[str, ...], depth: Any, width: Any, bias: bool,
                  cases: tuple[str, ...] = NETWORK_CASES) -> st.SearchStrategy:
    """Networks with per-layer activations, mixing in the boundary ``cases`` (default
    :data:`checker.strategies.NETWORK_CASES`); a "kink" makes the checked neuron's pre-activation
    on the first input exactly 0 (its incoming row, bias included, made orthogonal to its input)."""
    @st.composite
    def draw(d: Any) -> dict:
        inst = d(mlp_instances(depth=depth, width=width, bias=bias, cases=cases))
        hidden = len(inst["widths"]) - 2
        inst["activations"] = [d(st.sampled_from(activations)) for _ in range(hidden)]
        inst["slopes"] = [d(st.integers(1, 6).map(lambda n: f"{n}/7")) for _ in range(hidden)]
        inst["at_zero"] = [d(st.integers(0, 4).map(lambda n: f"{n}/4")) for _ in range(hidden)]
        if inst["case"] == "kink":
            if all(_degree(a) is not None for a in inst["activations"][:inst["layer"] - 1]):
                _make_kink(inst, bias)
            else:  # the input to layer h is transcendental (tanh): no exact kink to build
                inst["case"] = "generic"
        return inst

    return draw()


def _make_kink(inst: dict, bias: bool) -> None:
    h, i, step = inst["layer"], inst["neuron"], 2 if bias else 1
    net = _network(inst, bias)
    params = [rational_array(p) for p in inst["params"]]
    A = rational_array(inst["X"][:1])
    for k in range(h - 1):  # the input a^(h-1) of layer h; later (maybe transcendental) layers untouched
        A = net.activations[k].value(A @ params[k * step].T + (params[k * step + 1] if bias else 0))
    a = list(A[0])
    W = inst["params"][(h - 1) * step]
    if bias:
        b = inst["params"][(h - 1) * step + 1]
        row = orthogonal_part(W[i] + [b[i]], a + [1])
        W[i], b[i] = row[:-1], row[-1]
    else:
        W[i] = orthogonal_part(W[i], a)


def _mlp_features(inst: dict) -> dict[str, Any]:
    return {"depth": len(inst["widths"]) - 1, "max width": max(inst["widths"][1:-1]),
            "activation": inst["activations"][inst["layer"] - 1], "case": inst["case"]}


def _degree(name: str) -> int | None:
    """Homogeneity degree of the activation ``name`` (None when it is not homogeneous)."""
    return activation(name, slope="1/2").degree


def _network(inst: dict, bias: bool) -> MLP:
    acts = tuple(activation(a, slope=s, at_zero=z) for a, s, z in zip(inst["activations"], inst["slopes"], inst["at_zero"]))
    return MLP(tuple(inst["widths"]), acts, bias=bias)


def _numbers(rows: Any, ball: bool, bits: int) -> np.ndarray:
    """Exact rationals, or balls at ``bits`` when the network needs transcendental functions."""
    return ball_array(rows, bits) if ball else rational_array(rows)


def _enclose(x: Any, note: str) -> Enclosure:
    from flint import arb

    if isinstance(x, np.ndarray):
        x = x.item()
    return Enclosure.ball(x, note) if isinstance(x, arb) else Enclosure.exact(x, note)


def _neuron_blocks(net: MLP, params: list, h: int, i: int, count_bias: bool) -> tuple[list, list]:
    """``(in, out)`` of neuron ``(h, i)`` (h is 1-based) as lists of (array, index) selections."""
    step = 2 if net.bias else 1
    W_in, W_out = (h - 1) * step, h * step
    ins = [(W_in, (i, slice(None)))] + ([(W_in + 1, (i,))] if net.bias and count_bias else [])
    return ins, [(W_out, (slice(None), i))]


def _dot(a: list, b: list, sel: list) -> Any:
    total = 0
    for k, idx in sel:
        total = total + np.sum(np.asarray(a[k][idx]) * np.asarray(b[k][idx]))
    return total


@system_family(MLP_QUANTITIES)
def mlp(activations: tuple[str, ...] = ("linear", "relu", "leaky_relu"), depth: Any = (2, 4), width: Any = (1, 5),
        bias: bool = False, count_bias: bool = False, enforce_hypotheses: bool = True) -> System:
    """Feed-forward networks with exact rational weights, data, output functional and test matrix.

    Per hidden layer the activation is drawn from ``activations`` (leaky-ReLU slopes and the
    sub-gradient chosen at 0 are drawn too).  With ``enforce_hypotheses`` an instance with a
    non-homogeneous activation, or with biases not counted as incoming weights, is out of scope
    (THEOREMS.md §1.0); without it, the claim is checked anyway (to show where it breaks).
    """
    for a in activations:
        _degree(a)  # validates the names now, with a clear error

    def scope(inst: dict, precision: Precision) -> str | None:
        if not enforce_hypotheses:
            return None
        for a in inst["activations"]:
            if _degree(a) is None:
                return f"activation {a} is not positively homogeneous (THEOREMS.md §1.0)"
        if bias and not count_bias:
            return "biases are not counted as incoming weights (THEOREMS.md DHL-I1 (i))"
        return None

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = _network(inst, bias)
        ball = any(_degree(a) is None for a in inst["activations"])
        num = lambda rows: _numbers(rows, ball, precision.bits)  # noqa: E731
        params = [num(p) for p in inst["params"]]
        X, Y = num(inst["X"]), num(inst["Y"])
        h, i = inst["layer"], inst["neuron"]
        note = f"ball arithmetic at {precision.bits} bits" if ball else "exact rationals"
        out: dict[str, Enclosure] = {}
        ins, outs = _neuron_blocks(net, params, h, i, count_bias)
        with working_precision(precision.bits):
            if names & {"in_dot", "out_dot"}:
                grad_f = net.backward(params, X, num(inst["G"]))
                out["in_dot"] = _enclose(_dot(grad_f, params, ins), note)
                out["out_dot"] = _enclose(_dot(grad_f, params, outs), note)
            if names - {"in_dot", "out_dot", "k"}:
                grad = net.backward(params, X, SQUARED.cotangent(net.forward(params, X), Y))
                out["d_in_sq"] = _enclose(-2 * _dot(grad, params, ins), note)
                out["d_out_sq"] = _enclose(-2 * _dot(grad, params, outs), note)
                step = 2 if bias else 1
                Wh, Wn = (h - 1) * step, h * step
                layer_sel = [(Wh, (slice(None),))] + ([(Wh + 1, (slice(None),))] if bias and count_bias else [])
                out["d_layer_sq"] = _enclose(-2 * _dot(grad, params, layer_sel), note)
                out["d_next_sq"] = _enclose(-2 * _dot(grad, params, [(Wn, (slice(None),))]), note)
                C = num(inst["C"])
                gram_in = -(grad[Wh] @ params[Wh].T + params[Wh] @ grad[Wh].T)
                gram_out = -(grad[Wn].T @ params[Wn] + params[Wn].T @ grad[Wn])
                out["d_gram_in"] = _enclose((C * gram_in).sum(), note)
                out["d_gram_out"] = _enclose((C * gram_out).sum(), note)
                eta = num(inst["eta"])
                stepped = [p - eta * g for p, g in zip(params, grad)]
                out["eta"] = _enclose(eta, note)
                out["gd_d_in_sq"] = _enclose(_dot(stepped, stepped, ins) - _dot(params, params, ins), note)
                out["gd_d_out_sq"] = _enclose(_dot(stepped, stepped, outs) - _dot(params, params, outs), note)
                out["g_in_sq"] = _enclose(_dot(grad, grad, ins), note)
                out["g_out_sq"] = _enclose(_dot(grad, grad, outs), note)
        degree = _degree(inst["activations"][h - 1])
        if "k" in names and degree is None:
            raise MeasurementError(f"k: activation {inst['activations'][h - 1]} has no homogeneity degree")
        out["k"] = Enclosure.exact(degree or 1, "activation degree")
        return out

    label = "+".join(activations)
    name = f"mlp({label}, depth {depth}, width {width}{', biases' if bias else ''}{' counted' if count_bias else ''})"
    return System(name, "feed-forward network, exact weights and data", MLP_QUANTITIES,
                  _mlp_strategy(tuple(activations), depth, width, bias), measure, scope,
                  hypotheses=("no biases (or biases counted as incoming weights)", "positively homogeneous activations"),
                  parameters={"activations": activations, "depth": depth, "width": width, "bias": bias,
                              "count_bias": count_bias, "enforce_hypotheses": enforce_hypotheses},
                  features=_mlp_features)


WEIGHTNORM_QUANTITIES = {q.name: q for q in (
    quantity("in_dot", "⟨∂(G·f)/∂in_i, in_i⟩ with in_i = v_i (and the gain g_i iff count_gain)",
             r"\langle \partial f/\partial \mathrm{in}_i, \mathrm{in}_i\rangle"),
    quantity("out_dot", "⟨∂(G·f)/∂out_i, out_i⟩ with out_i = W^(2)[:, i]",
             r"\langle \partial f/\partial \mathrm{out}_i, \mathrm{out}_i\rangle"),
    quantity("v_dot", "⟨∂(G·f)/∂v_i, v_i⟩ (the direction alone)", r"\langle \partial f/\partial v_i, v_i\rangle"),
    quantity("gain_dot", "g_i·∂(G·f)/∂g_i", r"g_i\,\partial f/\partial g_i"),
    quantity("eta", "gradient-descent step size", r"\eta"),
    quantity("gd_d_v_sq", "change of ‖v_i‖² in one GD step on the squared loss", r"\Delta\lVert v_i\rVert^2"),
    quantity("g_v_sq", "‖∂L/∂v_i‖² (squared loss) at the current iterate", r"\lVert \partial L/\partial v_i\rVert^2"),
)}


@system_family(WEIGHTNORM_QUANTITIES)
def weightnorm_mlp(activations: tuple[str, ...] = ("relu", "linear"), width: Any = (1, 5), count_gain: bool = False) -> System:
    """One hidden layer with weight normalisation, ``W^(1)[i, :] = g_i v_i/‖v_i‖``, no biases;
    measured in arb balls (the row norms are square roots).  An instance with some ``v_i = 0`` is out
    of scope (the normalisation is undefined there).  No "kink" or "dead neuron" cases: an exactly
    zero pre-activation behind a square-root normalisation is a ball around 0 whose sign no
    precision decides, and a zero row is out of scope."""

    @st.composite
    def draw(d: Any) -> dict:
        inst = d(_mlp_strategy(tuple(activations), 2, width, False,
                               tuple(c for c in NETWORK_CASES if c not in ("kink", "dead neuron"))))
        inst["gains"] = [d(st.integers(1, 9).map(str)) for _ in range(inst["widths"][1])]
        return inst

    def scope(inst: dict, precision: Precision) -> str | None:
        V = rational_array(inst["params"][0])
        if any(all(x == 0 for x in row) for row in V):
            return "a weight-normalised row v_i is 0"
        if inst["activations"][0] != "linear" and any(z == 0 for z in (rational_array(inst["X"]) @ V.T).reshape(-1)):
            return ("a pre-activation is exactly 0 (a kink): its sign behind the square-root normalisation is a ball "
                    "around 0 that no precision decides")
        return None

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = WeightNormMLP(_network(inst, False))
        bits = precision.bits
        with working_precision(bits):
            V, W2 = (ball_array(p, bits) for p in inst["params"])
            params = [V, ball_array(inst["gains"], bits), W2]
            grads = net.backward(params, ball_array(inst["X"], bits), ball_array(inst["G"], bits))
            i = inst["neuron"]
            v_dot, gain_dot = (grads[0][i] * V[i]).sum(), grads[1][i] * params[1][i]
            out = {"in_dot": v_dot + (gain_dot if count_gain else 0), "out_dot": (grads[2][:, i] * W2[:, i]).sum(),
                   "v_dot": v_dot, "gain_dot": gain_dot}
            if names & {"eta", "gd_d_v_sq", "g_v_sq"}:
                X = ball_array(inst["X"], bits)
                gv = net.backward(params, X, SQUARED.cotangent(net.forward(params, X), ball_array(inst["Y"], bits)))[0][i]
                eta = ball_array([inst["eta"]], bits)[0]
                out.update(eta=eta, gd_d_v_sq=((V[i] - eta * gv) ** 2).sum() - (V[i] ** 2).sum(), g_v_sq=(gv * gv).sum())
        note = f"ball arithmetic at {bits} bits"
        return {k: Enclosure.ball(v, note) for k, v in out.items()}

    return System(f"weightnorm_mlp({'+'.join(activations)}, width {width}{', gain counted' if count_gain else ''})",
                  "one weight-normalised hidden layer", WEIGHTNORM_QUANTITIES, draw(), measure, scope,
                  hypotheses=("every normalised row v_i ≠ 0",),
                  parameters={"activations": activations, "width": width, "count_gain": count_gain},
                  features=_mlp_features)


# ------------------------------------------------------------------ proofs for every size
#
# Per-neuron identities (DHL-I1, T2.1, C2.1, K, T2.3, the per-neuron DHL-GD): for a block of
# weights w, ⟨∂F/∂w, w⟩ = d/dc F(c·w)|_{c=1}.  Scaling the incoming row in_{h,i} by c scales the
# pre-activations z_{s,i} = Σ_j in_j a^(h-1)_{s,j} (a^(h-1) does not depend on layers h, h+1);
# scaling the outgoing column out_{h,i} by c changes the next pre-activations out·a_{s,i} + r_s
# exactly as scaling the neuron's output a_{s,i} = φ(z_{s,i}) would.  So with
# Λ(t, s, i) := the loss term of input s as a function of neuron i's output t (every other weight
# fixed: the rest of the network, any width and depth, any loss), F(c·in) = Σ_s Λ(φ(c z_{s,i}))
# and F(c·out) = Σ_s Λ(c φ(z_{s,i})).  Λ' enters both sides only as the back-propagated factor
# out·δ^(h+1), so any selection of φ'(0) in the network behind the neuron is covered.

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


def _proof_LIN() -> Proof:
    net = linear_network()
    return net["alg"].prove(net["gradients"] + [("d/dt(W_hW_hᵀ − W_{h+1}ᵀW_{h+1})", _gram_flow(net))], LINEAR_ARGUMENT)


def linear_layer_proof(argument: str = LINEAR_ARGUMENT) -> Proof:
    """d/dt(‖W_h‖² − ‖W_{h+1}‖²) = 0 for linear layers of any depth and widths: the trace of DHL-LIN."""
    net = linear_network()
    return net["alg"].prove(net["gradients"] + [("d/dt(‖W_h‖² − ‖W_{h+1}‖²) = tr of the matrix flow",
                                                  net["alg"].trace(_gram_flow(net)))], argument)


def _proof_C21() -> Proof:
    return combine_proofs([("every 1-homogeneous φ: per-neuron law summed over the layer", neuron_proof(1, layer=True)),
                           ("linear layers: trace of the DHL-LIN matrix identity", linear_layer_proof())], ALL_SIZES)


def _proof_GD() -> Proof:
    net = linear_network()
    alg, Wh, Wn, Gh, Gn = net["alg"], net["Wh"], net["Wn"], net["Gh"], net["Gn"]
    Q = Wh * alg.T(Wh) - alg.T(Wn) * Wn
    matrix = alg.prove(net["gradients"] + [("Δ(W_hW_hᵀ − W_{h+1}ᵀW_{h+1}) − η²(G_hG_hᵀ − G_{h+1}ᵀG_{h+1})",
                                            alg.substitute(Q, net["step"]) - Q - ETA ** 2 * (Gh * alg.T(Gh) - alg.T(Gn) * Gn))],
                       LINEAR_ARGUMENT + " One step W ← W − ηG.")
    return combine_proofs([("expansion of one step", gd_expansion_proof()),
                           ("⟨g_u, u⟩ = k⟨g_v, v⟩ for every k-homogeneous φ (DHL-K)", neuron_proof(K)),
                           ("linear networks, full matrix form (THEOREMS.md DHL-MF)", matrix)], ALL_SIZES)


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
    proof=_proof_C21,
    notes="The per-neuron law summed over the n_h neurons of layer h (rows of W^(h), columns of W^(h+1)), "
          "for every 1-homogeneous activation; for linear layers also the trace of DHL-LIN's matrix identity.",
)

theorem(
    "DHL-LIN",
    title="Linear networks conserve W^(h)W^(h)ᵀ − W^(h+1)ᵀW^(h+1)",
    source=f"{SOURCE}, §2 (statement and number unconfirmed)",
    system=mlp(activations=("linear",)),
    conclusion="d_gram_in == d_gram_out",
    proof=_proof_LIN,
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
    proof=_proof_GD,
    notes="Exact in rationals: the first-order terms cancel by (I1)/(DHL-K), so finite steps change the "
          "balance by exactly η²(…) — it is not conserved (see the figure and the mutation MUT-DHL-GD-conserved). "
          "Proved for every size in three parts: the expansion of ‖w − ηg‖² in vectors of symbolic length, the "
          "DHL-K lemma, and (linear networks) the full matrix form Δ(W_hW_hᵀ − W_{h+1}ᵀW_{h+1}) = "
          "η²(G_hG_hᵀ − G_{h+1}ᵀG_{h+1}).",
    figures=(lambda path: _figure_gd_drift(path),),
)


# ------------------------------------------------------------------------------- convolution

CONV_QUANTITIES = {q.name: q for q in (
    quantity("d_kernel_sq", "d/dt ‖k‖² (shared kernel, each weight counted once) under gradient flow",
             r"\tfrac{d}{dt}\lVert k\rVert^2", "exact"),
    quantity("d_out_sq", "d/dt ‖a‖² (output weights)", r"\tfrac{d}{dt}\lVert a\rVert^2", "exact"),
    quantity("d_toeplitz_sq", "d/dt ‖T(k)‖_F² of the expanded Toeplitz matrix (shared weights counted J times)",
             r"\tfrac{d}{dt}\lVert T(k)\rVert_F^2", "exact"),
    quantity("d_out_j_sq", "d/dt a_j² for the drawn output neuron j (per-neuron balance under sharing)",
             r"\tfrac{d}{dt}a_j^2", "exact"),
)}


@system_family(CONV_QUANTITIES)
def conv(activations: tuple[str, ...] = ("relu", "leaky_relu", "linear"), d: Any = (2, 6), kernel: Any = (1, 3)) -> System:
    """1-D convolution with one shared kernel and no biases, ``x ↦ Σ_j a_j φ((k ⋆ x)_j)``, squared loss."""

    @st.composite
    def draw(dr: Any) -> dict:
        inst = dr(conv_instances(d=d, kernel=kernel))
        inst["activation"] = dr(st.sampled_from(activations))
        inst["slope"] = dr(st.integers(1, 6).map(lambda n: f"{n}/7"))
        return inst

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = Conv1D(inst["d"], inst["kernel"], activation(inst["activation"], slope=inst["slope"]))
        k, a = (rational_array(p) for p in inst["params"])
        X, Y = rational_array(inst["X"]), rational_array(inst["Y"])
        gk, ga = net.backward([k, a], X, SQUARED.cotangent(net.forward([k, a], X), Y))
        T, dT = net.toeplitz(k), net.toeplitz(gk)
        j = inst["neuron"]
        return {
            "d_kernel_sq": Enclosure.exact(-2 * (gk * k).sum()),
            "d_out_sq": Enclosure.exact(-2 * (ga * a).sum()),
            "d_toeplitz_sq": Enclosure.exact(-2 * (dT * T).sum()),
            "d_out_j_sq": Enclosure.exact(-2 * ga[j] * a[j]),
        }

    return System(f"conv({'+'.join(activations)}, d {d}, kernel {kernel})", "1-D convolution with a shared kernel",
                  CONV_QUANTITIES, draw(), measure, hypotheses=("no biases", "1-homogeneous activation"),
                  parameters={"activations": activations, "d": d, "kernel": kernel},
                  features=lambda inst: {"d": inst["d"], "kernel": inst["kernel"], "activation": inst["activation"]})


def _conv_proof(degree: Any = 1, factor: Any = None) -> Proof:
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


theorem(
    "DHL-T2.3",
    title="Shared weights counted once: ‖w^(h)‖² − ‖w^(h+1)‖² conserved",
    source=f"{SOURCE}, Thm 2.3 (number unconfirmed; formulation a parameter)",
    system=conv(),
    conclusion="d_kernel_sq == d_out_sq",
    proof=_conv_proof,
    notes="Layer h = the free kernel parameters (each shared weight counted once), layer h+1 = the output "
          "weights. Mutations: the per-neuron law under sharing, and norms of the expanded Toeplitz matrix.",
)


# ------------------------------------------------------------------------ matrix factorisation

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


def factorisation_objective(M: np.ndarray, rank: int) -> Objective:
    """``f(U, V) = ½‖UVᵀ − M⋆‖_F²`` as the two-layer linear network ``x ↦ UVᵀx`` on the inputs
    ``X = I_{d2}`` (rows) with targets ``M⋆ᵀ``: the outputs are ``F = VUᵀ``, so ``F − Y = Rᵀ`` and
    back-propagation gives ``∂f/∂U = RV``, ``∂f/∂V = RᵀU``.  Parameters ``θ = (Vᵀ, U)`` flattened
    (:func:`_factors` reads them back)."""
    d1, d2 = M.shape
    return Objective(MLP((d2, rank, d1), (activation("linear"),)), np.eye(d2, dtype=M.dtype), M.T, SQUARED)


def _factors(objective: Objective, theta: Any) -> tuple[Any, Any]:
    """``(U, V)`` from ``θ = (Vᵀ, U)``."""
    Vt, U = objective.net.unflatten(theta)
    return U, Vt.T


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
        objective = factorisation_objective(M, U.shape[1])
        steps = inst["steps"] if names & {"imbalance_change", "drift_bound"} else 1
        run = iterate(gradient_descent(lambda t: eta / (t + 1)), objective, objective.net.flatten([V.T, U]),
                      range(steps + 1))  # exact rationals: every iterate exact
        iterates = [_factors(objective, theta) for theta in run.thetas]
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

FLOW_QUANTITIES = {q.name: q for q in (
    quantity("Q_start", "‖in_{h,i}‖² − k‖out_{h,i}‖² at t = 0 (exact; k the degree of φ_h)", "Q(0)", "exact"),
    quantity("Q_end", "‖in_{h,i}‖² − k‖out_{h,i}‖² at the horizon, with the integrator's error estimate", "Q(T)", "estimate"),
    quantity("horizon", "integration horizon T", "T", "exact"),
)}


def _flow_balance(params: list, h: int, i: int, k: int) -> Any:
    return (params[h - 1][i, :] ** 2).sum() - k * (params[h][:, i] ** 2).sum()


@system_family(FLOW_QUANTITIES)
def mlp_flow(activations: tuple[str, ...] = ("linear", "square", "relu2"), depth: Any = (2, 3), width: Any = (1, 4),
             horizon: str = "1", enforce_hypotheses: bool = True) -> System:
    """Gradient flow of a small network on the squared loss, integrated in float64 by DOP853 (an
    explicit method that does not preserve quadratic invariants).  Each drawn weight matrix is
    scaled to entries in [−1/2, 1/2] and the inputs to [−1, 1], so the flow is not stiff.

    The default activations are smooth (C¹ at least): at a ReLU kink the flow can enter a sliding
    mode on which an explicit integrator stalls, so ReLU balance is checked pointwise (DHL-T2.1)."""
    base = mlp(activations, depth, width, enforce_hypotheses=enforce_hypotheses)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = _network(inst, False)
        params = [rational_array(p) for p in inst["params"]]
        params = [p / (2 * max(1, *(abs(x) for x in p.reshape(-1)))) for p in params]  # entries in [-1/2, 1/2]
        X, Y = rational_array(inst["X"]), rational_array(inst["Y"])
        h, i = inst["layer"], inst["neuron"]
        k = _degree(inst["activations"][h - 1]) or 1
        Xf = X.astype(float) / max(1.0, float(np.abs(X.astype(float)).max()))  # inputs in [-1, 1]: non-stiff
        T = float(rational(horizon))
        flow = solve(gradient_flow(), Objective(net, Xf, Y.astype(float), SQUARED),
                     net.flatten([p.astype(float) for p in params]), [T], precision.rtol)
        end, e = net.unflatten(flow.theta), float(flow.error[-1])  # e: max-norm error estimate of θ(T)
        q_end = float(_flow_balance(end, h, i, k))
        if not np.isfinite(q_end):
            raise MeasurementError(f"non-finite trajectory ({flow.method})")
        # first-order propagation of the state error into Q, its square, and float64 round-off
        w_in, w_out = end[h - 1][i, :], end[h][:, i]
        radius = float(2 * e * (np.abs(w_in).sum() + k * np.abs(w_out).sum()) + e ** 2 * (w_in.size + k * w_out.size)) \
            + 8 * np.finfo(float).eps * (1 + abs(q_end)) * flow.evaluations
        # budget: the same propagation of the error the solver was asked for, rtol·(|θ_j| + 1) per component
        # over the horizon T (relative and absolute tolerances, one unit of global error per unit time)
        tol_in, tol_out = (precision.rtol * (np.abs(w) + 1) * max(1.0, T) for w in (w_in, w_out))
        budget = float(2 * (np.abs(w_in) * tol_in).sum() + 2 * k * (np.abs(w_out) * tol_out).sum()
                       + (tol_in ** 2).sum() + k * (tol_out ** 2).sum()) \
            + 8 * np.finfo(float).eps * (1 + abs(q_end)) * flow.evaluations
        return {"Q_start": Enclosure.exact(_flow_balance(params, h, i, k)),
                "Q_end": Enclosure.estimate(q_end, radius, f"{flow.method}; error = tolerance-difference estimate",
                                            budget=budget),
                "horizon": Enclosure.exact(rational(horizon))}

    return System(f"mlp_flow({'+'.join(activations)}, depth {depth}, width {width}, T {horizon})",
                  "gradient-flow trajectory of a small network (float64 DOP853 with error estimate)",
                  FLOW_QUANTITIES, base.strategy, measure, base.scope, base.hypotheses,
                  {"activations": activations, "depth": depth, "width": width, "horizon": horizon},
                  features=_mlp_features, dynamical=True)


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
    figures=(lambda path: _figure_flow_drift(path),),
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


# ------------------------------------------------------------------------------------ figures


def _float_instance(widths: tuple[int, ...], act: str, seed: int) -> tuple[MLP, list, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    net = MLP(widths, tuple(activation(act) for _ in widths[1:-1]))
    return net, [rng.standard_normal(s) * 0.7 for s in net.shapes()], rng.standard_normal((6, widths[0])), rng.standard_normal((6, widths[-1]))


def _figure_gd_drift(path: Path) -> str:
    import matplotlib.pyplot as plt

    net, params, X, Y = _float_instance((3, 4, 4, 1), "relu", 1)
    grad = net.backward(params, X, SQUARED.cotangent(net.forward(params, X), Y))
    etas = np.logspace(-4, -0.5, 15)
    drift = [abs(((params[0][0] - e * grad[0][0]) ** 2).sum() - (params[0][0] ** 2).sum()
                 - ((params[1][:, 0] - e * grad[1][:, 0]) ** 2).sum() + (params[1][:, 0] ** 2).sum()) for e in etas]
    slope = np.polyfit(np.log(etas), np.log(drift), 1)[0]
    fig, ax = plt.subplots(figsize=(5, 3.5))
    ax.loglog(etas, drift, "o-", label=f"|ΔQ| per step (fitted slope {slope:.3f})")
    ax.loglog(etas, drift[-1] * (etas / etas[-1]) ** 2, "--", label="η² reference")
    ax.set_xlabel("step size η")
    ax.set_ylabel("|ΔQ| of neuron (1, 0)")
    ax.legend()
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return f"One gradient-descent step on a ReLU network (widths 3-4-4-1): the balance changes by η²(…), fitted log-log slope {slope:.3f}."


def _figure_flow_drift(path: Path) -> str:
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5, 3.5))
    for act in ("square", "tanh"):
        net, params, X, Y = _float_instance((3, 4, 1), act, 2)
        k = _degree(act) or 1
        th0 = net.flatten(params)
        Q = lambda th: float(_flow_balance(net.unflatten(th), 1, 0, k))  # noqa: E731
        ts = np.linspace(0.05, 2, 12)
        flow = solve(gradient_flow(), Objective(net, X, Y, SQUARED), th0, ts, 1e-9)
        drift = [abs(Q(th) - Q(th0)) + 1e-18 for th in flow.thetas]
        errs = [2 * e * (1 + k) * float(np.abs(th).sum()) + 1e-18 for th, e in zip(flow.thetas, flow.error)]  # ≥ Q's error
        ax.semilogy(ts, drift, "o-", label=f"|Q(t) − Q(0)|, {act}")
        if act == "square":
            ax.semilogy(ts, errs, ":", label="integrator error estimate (z²)")
    ax.set_xlabel("t")
    ax.legend(fontsize=8, loc="center right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ("Gradient flow (DOP853, widths 3-4-1): for φ(z) = z² the balance ‖in‖² − 2‖out‖² drifts only within the "
            "integrator's error estimate; for tanh (not homogeneous) ‖in‖² − ‖out‖² drifts by O(1).")


# ------------------------------------------------------------------------- Reviewers' questions
#
# Issue 12, item 1 (Du, Hu & Lee): (a) "balanced" as a ratio ‖W^(h)‖²/‖W^(h+1)‖² rather than a
# difference; (b) how fast Corollary 2.1's conservation degrades with the GD step η, and with
# depth; (c) weight normalisation: what gradient flow conserves and what GD drifts.

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
    figures=(lambda path: _figure_ratio(path),),
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

LINEAR_STEP_QUANTITIES = {q.name: q for q in (
    ETA_Q,
    quantity("gd_d_layer", "change of ‖W^(h)‖_F² − ‖W^(h+1)‖_F² in one exact GD step W ← W − η∂L/∂W (squared loss)",
             r"\Delta(\lVert W^{(h)}\rVert_F^2 - \lVert W^{(h+1)}\rVert_F^2)", "exact"),
    quantity("g_diff", "‖∂L/∂W^(h)‖_F² − ‖∂L/∂W^(h+1)‖_F² at the current iterate",
             r"(\lVert G_h\rVert_F^2 - \lVert G_{h+1}\rVert_F^2)", "exact"),
    quantity("cot_sq", "‖∂L/∂P‖_F², P = W^(N)⋯W^(1) the end-to-end matrix", r"\lVert \partial L/\partial P\rVert_F^2", "exact"),
    quantity("others_sq", "max over j ∈ {h, h+1} of Π_{k≠j} ‖W^(k)‖_F²",
             r"\max_j \textstyle\prod_{k\ne j}\lVert W^{(k)}\rVert_F^2", "exact"),
    quantity("depth", "number of layers N", "N", "exact"),
)}


@system_family(LINEAR_STEP_QUANTITIES)
def linear_step(depth: Any = (2, 5), width: Any = (1, 3)) -> System:
    """Linear networks ``P = W^(N)⋯W^(1)`` with exact weights and data, one exact GD step on the
    squared loss.  ``∂L/∂W^(h) = (W^(N)⋯W^(h+1))ᵀ D (W^(h−1)⋯W^(1))ᵀ`` with ``D = ∂L/∂P`` (proved
    for every size in DHL-LIN), so ``‖∂L/∂W^(j)‖_F ≤ ‖D‖_F Π_{k≠j}‖W^(k)‖_F``: the η² constant of
    DHL-GD is at most ``η²‖D‖_F² max_j Π_{k≠j}‖W^(k)‖_F²``, a product of N − 1 layer norms."""
    base = mlp(("linear",), depth, width)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = _network(inst, False)
        params = [rational_array(p) for p in inst["params"]]
        X, Y = rational_array(inst["X"]), rational_array(inst["Y"])
        h = inst["layer"]
        G = SQUARED.cotangent(net.forward(params, X), Y)
        grad = net.backward(params, X, G)
        eta = rational(inst["eta"])
        sq = lambda A: (A * A).sum()  # noqa: E731
        Q = lambda ps: sq(ps[h - 1]) - sq(ps[h])  # noqa: E731
        stepped = [p - eta * g for p, g in zip(params, grad)]
        norms = [sq(W) for W in params]
        prod = lambda j: np.prod([norms[k] for k in range(len(params)) if k != j], dtype=object) if len(params) > 1 else 1  # noqa: E731
        return {"eta": Enclosure.exact(eta), "gd_d_layer": Enclosure.exact(Q(stepped) - Q(params)),
                "g_diff": Enclosure.exact(sq(grad[h - 1]) - sq(grad[h])),
                "cot_sq": Enclosure.exact(sq(G.T @ X)), "others_sq": Enclosure.exact(max(prod(h - 1), prod(h))),
                "depth": Enclosure.exact(len(params))}

    return System(f"linear_step(depth {depth}, width {width})", "one exact gradient-descent step of a linear network",
                  LINEAR_STEP_QUANTITIES, base.strategy, measure, parameters={"depth": depth, "width": width},
                  features=_mlp_features)


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
    figures=(lambda path: _figure_gd_depth(path),),
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


# (c) Momentum and residual parametrisations (issue 9 item 5; issue 12 item 1(c)).  Heavy-ball flow
# θ̇ = V, V̇ = −γV − ∇ℒ and Polyak's heavy ball m' = βm − η∇ℒ, θ' = θ + m', at drawn positions and
# velocities; for a pair of layers (h, h+1) = (1, 2) of a network with 1-homogeneous activations,
#   D = ‖W_h‖² − ‖W_{h+1}‖²,  Q = ⟨W_h, V_h⟩ − ⟨W_{h+1}, V_{h+1}⟩,  P = ‖V_h‖² − ‖V_{h+1}‖².
# Flow: Ḋ = 2Q (θ̇ = V) and Q̇ = P + ⟨W_h, V̇_h⟩ − ⟨W_{h+1}, V̇_{h+1}⟩ = P − γQ − (⟨W_h, ∇_hℒ⟩ −
# ⟨W_{h+1}, ∇_{h+1}ℒ⟩) = P − γQ, the bracket vanishing by DHL's layer identity (the lemma of DHL-C2.1).
# So D̈ + γḊ = 2P: the balance is a damped oscillator driven by the kinetic imbalance, conserved only
# while P and Q vanish (at rest it is stationary to second order, not conserved).  Discrete, with
# (θ, m) the state before a step and primes after it: ΔD = 2⟨W_h, m'_h⟩ + ‖m'_h‖² − (h+1 terms)
# = 2βQ + P' − 2η·(bracket) = 2βQ + P', and Q' = ⟨W_h + m'_h, m'_h⟩ − … = βQ + P' (β = 0 is DHL-GD).

HB_GAMMA, HB_ETA, HB_BETA = rational("3/2"), rational("1/3"), rational("9/10")
MOMENTUM_OBSERVABLES = {  # D, Q, P as display names: compound ones would print unbracketed inside products
    "balance": dataclasses.replace(layer_imbalance(1), latex="D"),
    "cross": dataclasses.replace(momentum_imbalance(1), latex="Q"),
    "kinetic": dataclasses.replace(velocity_imbalance(1), latex="P"),
}
HB_ARGUMENT = ("Layers h, h+1 of any network: W_h (n_h × n_{h−1}), W_{h+1} (n_{h+1} × n_h), velocities V (same shapes), "
               "gradients G_h = ∂ℒ/∂W_h, G_{h+1} abstract; D = tr(W_hᵀW_h) − tr(W_{h+1}ᵀW_{h+1}), Q = tr(W_hᵀV_h) − "
               "tr(W_{h+1}ᵀV_{h+1}), P = tr(V_hᵀV_h) − tr(V_{h+1}ᵀV_{h+1}), B = tr(W_hᵀG_h) − tr(W_{h+1}ᵀG_{h+1}).")


def _momentum_instances(activations: tuple[str, ...], depth: tuple[int, int], width: tuple[int, int]) -> st.SearchStrategy:
    """Feed-forward networks (activations per hidden layer from ``activations``, leaky slopes and φ'(0)
    drawn) with exact data, parameters θ and a velocity (or last displacement) drawn independently."""
    @st.composite
    def draw(d: Any) -> dict:
        N = d(st.integers(*depth))
        inst = {"widths": [d(st.integers(1, 3))] + [d(st.integers(*width)) for _ in range(N - 1)] + [d(st.integers(1, 2))],
                "activations": [d(st.sampled_from(activations)) for _ in range(N - 1)],
                "slopes": [d(st.integers(1, 6).map(lambda n: f"{n}/7")) for _ in range(N - 1)],
                "at_zero": [d(st.integers(0, 4).map(lambda n: f"{n}/4")) for _ in range(N - 1)]}
        inst.update(d(parameter_instances(_network(inst, False), aux=1)))
        return inst

    return draw()


def _momentum_system(rule: Any, activations: tuple[str, ...] = ("linear", "relu", "leaky_relu")) -> System:
    return training_system(f"momentum_mlp({rule.name}, {'+'.join(activations)})", network=lambda inst: _network(inst, False),
                           instances=_momentum_instances(activations, (2, 3), (1, 3)), rule=rule,
                           observables=MOMENTUM_OBSERVABLES,
                           description=f"{rule.name} on a feed-forward network, exact position and velocity drawn",
                           hypotheses=("no biases", "1-homogeneous activations"),
                           features=lambda inst: {"depth": len(inst["widths"]) - 1, "activation": inst["activations"][0]})


HEAVY_BALL_FLOW = _momentum_system(heavy_ball_flow(HB_GAMMA))
HEAVY_BALL = _momentum_system(heavy_ball(HB_ETA, HB_BETA))


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


HB_TRAJECTORY_QUANTITIES = {q.name: q for q in (
    quantity("drift", "|D(T) − D(0)|, D = ‖W₁‖² − ‖W₂‖², along heavy-ball flow (float64 DOP853; its error estimate "
                      "propagated to D)", r"\lvert D(T) - D(0)\rvert", "estimate"),
    quantity("cross0", "Q(0) = ⟨W₁, V₁⟩ − ⟨W₂, V₂⟩ at the start (exact)", "Q(0)", "exact"),
    quantity("energy0", "E(0) = ℒ(θ₀) + ½‖V₀‖² (squared loss, exact)", "E(0)", "exact"),
    quantity("gamma", "friction γ of the heavy-ball flow", r"\gamma", "exact"),
    quantity("horizon", "integration horizon T", "T", "exact"),
)}


def _unit_box(A: np.ndarray, half: bool = True) -> np.ndarray:
    """``A`` divided by ``max(1, max|A_ij|)`` (×½ with ``half``): exact, entries in [−½, ½] (or [−1, 1])."""
    return A / ((2 if half else 1) * max(1, *(abs(x) for x in A.reshape(-1))))


@system_family(HB_TRAJECTORY_QUANTITIES)
def heavy_ball_trajectory(depth: Any = (2, 3), width: Any = (1, 3), horizon: str = "4") -> System:
    """Heavy-ball flow ``θ̈ + γθ̇ = −∇ℒ`` (γ = 3/2) of a deep linear network on the squared loss from a
    drawn position and velocity, each scaled exactly to entries in [−½, ½] (inputs to [−1, 1]: the flow
    is not stiff), integrated to ``horizon`` by :func:`checker.integrators.solve` (float64 DOP853, two
    tolerances).  Linear layers only: ReLU flows have sliding modes on which explicit solvers stall."""
    T = rational(horizon)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = _network(inst, False)
        theta, v0 = _unit_box(rational_array(inst["theta"])), _unit_box(rational_array(inst["aux"][0]))
        X, Y = _unit_box(rational_array(inst["X"]), half=False), rational_array(inst["Y"])
        D = lambda ps: (ps[0] * ps[0]).sum() - (ps[1] * ps[1]).sum()  # noqa: E731
        P, V = net.unflatten(theta), net.unflatten(v0)
        flow = solve(heavy_ball_flow(float(HB_GAMMA)), Objective(net, X.astype(float), Y.astype(float), SQUARED),
                     theta.astype(float), [float(T)], precision.rtol, aux0=(v0.astype(float),))
        end, e = net.unflatten(flow.theta), float(flow.error[-1])
        drift = abs(float(D(end)) - float(D(P)))
        if not np.isfinite(drift):
            raise MeasurementError(f"non-finite trajectory ({flow.method})")
        # first-order propagation of the max-norm state error into D, its square, and float64 round-off
        radius = 2 * e * float(np.abs(end[0]).sum() + np.abs(end[1]).sum()) + e * e * (end[0].size + end[1].size) \
            + 8 * np.finfo(float).eps * (1 + drift) * flow.evaluations
        return {"drift": Enclosure.estimate(drift, radius, f"{flow.method}; error = tolerance-difference estimate"),
                "cross0": Enclosure.exact((P[0] * V[0]).sum() - (P[1] * V[1]).sum()),
                "energy0": Enclosure.exact(Objective(net, X, Y, SQUARED).value(theta) + (v0 * v0).sum() / 2),
                "gamma": Enclosure.exact(HB_GAMMA), "horizon": Enclosure.exact(T)}

    return System(f"heavy_ball_trajectory(depth {depth}, width {width}, T {horizon})",
                  "heavy-ball flow trajectory of a deep linear network (float64 DOP853 with error estimate)",
                  HB_TRAJECTORY_QUANTITIES, _momentum_instances(("linear",), depth, width), measure,
                  hypotheses=("linear layers", "squared loss (ℒ ≥ 0)"),
                  parameters={"depth": depth, "width": width, "horizon": horizon},
                  features=lambda inst: {"depth": len(inst["widths"]) - 1, "samples": len(inst["X"])}, dynamical=True)


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
    figures=(lambda path: _figure_momentum(path),),
)

theorem("MUT-DHL-REV-HB-DRIFT-no-energy", title="(mutation) the heavy-ball drift bound without its energy term",
        source="mutation of DHL-REV-HB-DRIFT", system=heavy_ball_trajectory(),
        conclusion="drift <= 2*Abs(cross0)/gamma", expect="fails",
        notes="From rest Q(0) = 0, yet the kinetic imbalance the flow builds up moves D: refuted on a float "
              "trajectory (estimate evidence).")

# Residual parametrisation x ↦ R(I + N_L)⋯(I + N_1)x: with W_k = I + N_k it is a deep linear network
# and ∂ℒ/∂N_k = ∂ℒ/∂W_k, Ẇ_k = Ṅ_k, so the effective layers are balanced (DHL-C2.1, trace of DHL-LIN),
# while ‖I + N‖² = ‖N‖² + 2 tr N + dim makes d/dt(‖N_1‖² − ‖N_2‖²) = −2 d/dt(tr N_1 − tr N_2) ≠ 0.

RESIDUAL_OBSERVABLES = {"n_balance": layer_imbalance(1, symbol="N"), "w_balance": layer_imbalance(1, shift=1, symbol="N")}


def _residual_instances(activations: tuple[str, ...], hidden: bool) -> st.SearchStrategy:
    """Residual networks on ℝ^dim (dim ≤ 3, 2–3 blocks, no readout or one of 1–2 outputs; with ``hidden``,
    two-matrix blocks of 1–3 hidden units), the block activation drawn from ``activations``, exact data and θ."""
    @st.composite
    def draw(d: Any) -> dict:
        inst = {"dim": d(st.integers(1, 3)), "blocks": d(st.integers(2, 3)), "readout": d(st.sampled_from([None, 1, 2])),
                "activation": d(st.sampled_from(activations))}
        if hidden:  # and the leaky slope and φ'(0), drawn
            inst.update(hidden=d(st.integers(1, 3)), slope=d(st.integers(1, 6).map(lambda n: f"{n}/7")),
                        at_zero=d(st.integers(0, 4).map(lambda n: f"{n}/4")))
        inst.update(d(parameter_instances(_residual_network(inst), inputs=inst["dim"], outputs=inst["readout"] or inst["dim"])))
        return inst

    return draw()


def _residual_network(inst: dict) -> ResidualMLP:
    act = activation(inst["activation"], **({"slope": inst["slope"], "at_zero": inst["at_zero"]} if "slope" in inst else {}))
    return ResidualMLP(inst["dim"], inst["blocks"], act, inst["readout"], hidden=inst.get("hidden"))


def _residual_system(activations: tuple[str, ...], hidden: bool = False, observables: dict = RESIDUAL_OBSERVABLES) -> System:
    label = "+".join(activations)
    block = "(I + N_k)x" if activations == ("linear",) else f"h + {'U_k ' if hidden else ''}φ(N_k h), φ ∈ {{{label}}}"
    return training_system(f"residual({label}{', two-matrix' if hidden else ''} blocks, gradient flow)",
                           network=_residual_network, instances=_residual_instances(activations, hidden),
                           rule=gradient_flow(), observables=observables,
                           description=f"gradient flow of a residual network with blocks {block}, exact θ drawn",
                           features=lambda inst: {"blocks": inst["blocks"], "dim": inst["dim"], "activation": inst["activation"],
                                                  "readout": inst["readout"] or "none"})


RESIDUAL_FLOW = _residual_system(("linear",))

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
    proof=lambda: linear_layer_proof(
        LINEAR_ARGUMENT + " Residual blocks: W_k = I + N_k is affine in N_k, so ∂ℒ/∂N_k = ∂ℒ/∂W_k and Ẇ_k = Ṅ_k = −G_k: "
        "the flow of the N_k is the gradient flow of the deep linear network in the W_k (A, B: the other blocks I + N_k "
        "and the readout)."),
    notes="The effective weights W_k = I + N_k form a deep linear network with the same gradients, so DHL's conservation "
          "holds for them (and for the full matrices W_kW_kᵀ − W_{k+1}ᵀW_{k+1}, DHL-LIN): residual networks are "
          "balanced around the identity, not around 0. Exact rates by dual numbers; proved for every size. Activated "
          "blocks h + φ(N_k h) break it (MUT-DHL-REV-RES-W-relu).",
    figures=(lambda path: _figure_residual(path),),
)

theorem("MUT-DHL-REV-RES-W-relu", title="(mutation) effective-weight balance for ReLU residual blocks h + relu(N_k h)",
        source="mutation of DHL-REV-RES-W", system=_residual_system(("relu",)), conclusion="d_w_balance == 0",
        expect="fails", notes="With the activation inside the block there is no deep linear network in I + N_k.")

# Two-matrix blocks h + U_k φ(N_k h): the hidden units of a block are neurons (incoming rows of N_k,
# outgoing columns of U_k) and the skip bypasses them, so DHL's layer identity holds inside a block.
BLOCK_OBSERVABLES = {
    "block_balance": observable(lambda net, p: frobenius_sq(p[0]) - frobenius_sq(p[1]), "‖N1‖_F² − ‖U1‖_F² (block 1)",
                                r"\lVert N_1\rVert_F^2 - \lVert U_1\rVert_F^2"),
    "across_balance": observable(lambda net, p: frobenius_sq(p[0]) - frobenius_sq(p[2]), "‖N1‖_F² − ‖N2‖_F² (blocks 1, 2)",
                                 r"\lVert N_1\rVert_F^2 - \lVert N_2\rVert_F^2"),
}
RESIDUAL_BLOCKS_FLOW = _residual_system(("relu", "leaky_relu", "linear"), hidden=True, observables=BLOCK_OBSERVABLES)

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


def _figure_momentum(path: Path) -> str:
    import matplotlib.pyplot as plt

    net, params, X, Y = _float_instance((3, 3, 3, 1), "linear", 5)
    objective, theta0 = Objective(net, X, Y, SQUARED), net.flatten(params)
    D = lambda th: (net.unflatten(th)[0] ** 2).sum() - (net.unflatten(th)[1] ** 2).sum()  # noqa: E731
    energy0 = float(objective.value(theta0))  # from rest: E(0) = ℒ(θ₀), Q(0) = 0
    ts = np.linspace(0.1, 12, 60)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    gf = solve(gradient_flow(), objective, theta0, ts, 1e-10)
    ax.semilogy(ts, [abs(D(th) - D(theta0)) + 1e-16 for th in gf.thetas], "k-", label="gradient flow")
    for gamma, colour in ((0.5, "C0"), (1.5, "C1"), (4.0, "C2")):
        hb = solve(heavy_ball_flow(gamma), objective, theta0, ts, 1e-10)
        ax.semilogy(ts, [abs(D(th) - D(theta0)) + 1e-16 for th in hb.thetas], color=colour, label=f"heavy ball, γ = {gamma:g}")
        ax.axhline(2 * energy0 / gamma ** 2, color=colour, ls=":", lw=0.8)
    ax.set_xlabel("t")
    ax.set_ylabel("|D(t) − D(0)|, D = ‖W₁‖² − ‖W₂‖²")
    ax.legend(fontsize=7, loc="lower right")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ("A linear network (widths 3-3-3-1) from rest: gradient flow keeps D within round-off; heavy-ball flow moves "
            "it, by less than the bound 2E(0)/γ² (dotted, Q(0) = 0 at rest) that DHL-REV-HB-DRIFT states, and less "
            "the larger the friction γ.")


def _figure_residual(path: Path) -> str:
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(7)
    net = ResidualMLP(3, 3, readout=1)
    params = [0.3 * rng.standard_normal(s) for s in net.shapes()]
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    ts = np.linspace(0.05, 3, 40)
    flow = solve(gradient_flow(), Objective(net, X, Y, SQUARED), net.flatten(params), ts, 1e-10)
    sq = lambda A: float((A * A).sum())  # noqa: E731
    n_bal = lambda ps: sq(ps[0]) - sq(ps[1])  # noqa: E731
    w_bal = lambda ps: n_bal(net.effective(ps))  # noqa: E731
    fig, ax = plt.subplots(figsize=(5, 3.5))
    for name, fn in (("‖N₁‖² − ‖N₂‖²", n_bal), ("‖I + N₁‖² − ‖I + N₂‖²", w_bal)):
        ax.semilogy(ts, [abs(fn(net.unflatten(th)) - fn(params)) + 1e-16 for th in flow.thetas], "o-", ms=3,
                    label=f"|Δ({name})|")
    ax.set_xlabel("t")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ("Gradient flow of a residual network x ↦ R(I + N₃)(I + N₂)(I + N₁)x (dim 3, Gaussian N_k of scale 0.3): the "
            "balance of the blocks N_k drifts, the balance of the effective weights I + N_k stays at round-off.")


def _figure_ratio(path: Path) -> str:
    import matplotlib.pyplot as plt

    rng = np.random.default_rng(3)
    M = rng.standard_normal((3, 2))
    u0, v0 = rng.standard_normal(3), rng.standard_normal(2)
    objective = factorisation_objective(M, 1)
    ratio = lambda U, V: float((U ** 2).sum() / (V ** 2).sum())  # noqa: E731

    fig, ax = plt.subplots(figsize=(5, 3.5))
    ts = np.linspace(0, 12, 61)
    for scale in (1e-3, 1e-1, 1.0, 2.0):
        U0, V0 = scale * u0.reshape(3, 1), scale * v0.reshape(2, 1)
        flow = solve(gradient_flow(), objective, objective.net.flatten([V0.T, U0]), ts[1:], 1e-9)
        ratios = [ratio(U0, V0)] + [ratio(*_factors(objective, th)) for th in flow.thetas]
        ax.semilogy(ts, ratios, label=f"scale {scale:g}")
    ax.axhline(1, color="k", lw=0.5)
    ax.set_xlabel("t")
    ax.set_ylabel("‖u(t)‖² / ‖v(t)‖²")
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ("Gradient flow on ½‖uvᵀ − M⋆‖² (M⋆ 3×2, one start at four scales): the ratio of the layer norms "
            "ends near 1 only from small starts, after the norms have grown; from order-1 starts the conserved "
            "difference keeps it away from 1.")


def _figure_gd_depth(path: Path) -> str:
    import matplotlib.pyplot as plt

    etas = np.logspace(-3.5, -1.5, 6)
    fig, ax = plt.subplots(figsize=(5, 3.5))
    constants = []
    for depth in (2, 3, 4, 5, 6):
        net, params, X, Y = _float_instance((3,) * depth + (1,), "linear", depth)
        params = [p * (0.9 / np.linalg.norm(p, 2)) for p in params]  # operator norms 0.9: GD stable at these η
        Q = lambda ps: (ps[0] ** 2).sum() - (ps[1] ** 2).sum()  # noqa: E731
        objective, theta0 = Objective(net, X, Y, SQUARED), net.flatten(params)
        drift = []
        for eta in etas:  # int(1/η) steps: gradient-flow time τ = 1
            run = iterate(gradient_descent(eta), objective, theta0, [int(round(1 / eta))])
            drift.append(abs(Q(net.unflatten(run.theta)) - Q(params)) + 1e-300)
        constants.append(drift[0] / etas[0])
        ax.loglog(etas, drift, "o-", label=f"N = {depth}: drift/η ≈ {constants[-1]:.3g}")
    ax.loglog(etas, etas * constants[0], "k--", lw=0.7, label="slope 1")
    ax.set_xlabel("step size η (GD run to time τ = 1)")
    ax.set_ylabel("|ΔQ| of layers 1, 2 over the run")
    ax.legend(fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return ("Gradient descent to a fixed flow time τ = 1 on linear networks of depth 2–6 (width 3, Gaussian "
            "layers scaled to operator norm 0.9): the drift of ‖W^(1)‖² − ‖W^(2)‖² is first order in η at fixed τ (η² per step, 1/η "
            f"steps), with a constant that depends on depth through the layer norms ({', '.join(f'{c:.3g}' for c in constants)}).")
