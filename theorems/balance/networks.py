"""The networks of Du, Hu & Lee and their pointwise measurements (THEOREMS.md §1.0).

Feed-forward networks ``f(x; W) = W^(N) φ(W^(N-1) ⋯ φ(W^(1) x))`` (:func:`mlp`: DHL-I1, T2.1, C2.1,
LIN, K, GD and their mutations), one weight-normalised hidden layer (:func:`weightnorm_mlp`), a 1-D
convolution with a shared kernel (:func:`conv`, DHL-T2.3), one exact gradient-descent step of a
linear network (:func:`linear_step`, the reviewers' η and depth questions), and float64 gradient-flow
trajectories with the integrator's error estimate (:func:`mlp_flow`, DHL-T2.1-GF).  For a hidden
neuron ``(h, i)``: ``in = W^(h)[i, :]``, ``out = W^(h+1)[:, i]``.  Every quantity is measured in
exact rationals (python-flint ``fmpq``), except on tanh networks and under weight normalisation,
which are measured in arb balls; gradients are the engine's back-propagation (:mod:`checker.nets`).
"""
from __future__ import annotations

from typing import Any

import numpy as np
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family
from checker.arith import ball_array, rational, rational_array, working_precision
from checker.dynamics import gradient_flow
from checker.integrators import solve
from checker.losses import loss
from checker.nets import Conv1D, MLP, WeightNormMLP, activation
from checker.objectives import Objective
from checker.quantities import quantity
from checker.strategies import NETWORK_CASES, conv_instances, mlp_instances, orthogonal_part

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
            if all(activation_degree(a) is not None for a in inst["activations"][:inst["layer"] - 1]):
                _make_kink(inst, bias)
            else:  # the input to layer h is transcendental (tanh): no exact kink to build
                inst["case"] = "generic"
        return inst

    return draw()


def _make_kink(inst: dict, bias: bool) -> None:
    h, i, step = inst["layer"], inst["neuron"], 2 if bias else 1
    net = mlp_network(inst, bias)
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


def mlp_features(inst: dict) -> dict[str, Any]:
    """The features an instance is tabulated by: depth, widest hidden layer, the neuron's activation, the case."""
    return {"depth": len(inst["widths"]) - 1, "max width": max(inst["widths"][1:-1]),
            "activation": inst["activations"][inst["layer"] - 1], "case": inst["case"]}


def activation_degree(name: str) -> int | None:
    """Homogeneity degree of the activation ``name`` (None when it is not homogeneous)."""
    return activation(name, slope="1/2").degree


def mlp_network(inst: dict, bias: bool) -> MLP:
    """The MLP of an instance: its widths and per-layer activations (with the drawn leaky slopes and φ'(0));
    biases iff ``bias``."""
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
        activation_degree(a)  # validates the names now, with a clear error

    def scope(inst: dict, precision: Precision) -> str | None:
        if not enforce_hypotheses:
            return None
        for a in inst["activations"]:
            if activation_degree(a) is None:
                return f"activation {a} is not positively homogeneous (THEOREMS.md §1.0)"
        if bias and not count_bias:
            return "biases are not counted as incoming weights (THEOREMS.md DHL-I1 (i))"
        return None

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net = mlp_network(inst, bias)
        ball = any(activation_degree(a) is None for a in inst["activations"])
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
        degree = activation_degree(inst["activations"][h - 1])
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
                  features=mlp_features)


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
        net = WeightNormMLP(mlp_network(inst, False))
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
                  features=mlp_features)


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


# ---------------------------------------------------------------------- gradient-flow trajectories

FLOW_QUANTITIES = {q.name: q for q in (
    quantity("Q_start", "‖in_{h,i}‖² − k‖out_{h,i}‖² at t = 0 (exact; k the degree of φ_h)", "Q(0)", "exact"),
    quantity("Q_end", "‖in_{h,i}‖² − k‖out_{h,i}‖² at the horizon, with the integrator's error estimate", "Q(T)", "estimate"),
    quantity("horizon", "integration horizon T", "T", "exact"),
)}


def neuron_balance(params: list, h: int, i: int, k: int) -> Any:
    """``‖in_{h,i}‖² − k‖out_{h,i}‖²`` (h 1-based, no biases): the quantity DHL-K conserves."""
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
        net = mlp_network(inst, False)
        params = [rational_array(p) for p in inst["params"]]
        params = [p / (2 * max(1, *(abs(x) for x in p.reshape(-1)))) for p in params]  # entries in [-1/2, 1/2]
        X, Y = rational_array(inst["X"]), rational_array(inst["Y"])
        h, i = inst["layer"], inst["neuron"]
        k = activation_degree(inst["activations"][h - 1]) or 1
        Xf = X.astype(float) / max(1.0, float(np.abs(X.astype(float)).max()))  # inputs in [-1, 1]: non-stiff
        T = float(rational(horizon))
        flow = solve(gradient_flow(), Objective(net, Xf, Y.astype(float), SQUARED),
                     net.flatten([p.astype(float) for p in params]), [T], precision.rtol)
        end, e = net.unflatten(flow.theta), float(flow.error[-1])  # e: max-norm error estimate of θ(T)
        q_end = float(neuron_balance(end, h, i, k))
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
        return {"Q_start": Enclosure.exact(neuron_balance(params, h, i, k)),
                "Q_end": Enclosure.estimate(q_end, radius, f"{flow.method}; error = tolerance-difference estimate",
                                            budget=budget),
                "horizon": Enclosure.exact(rational(horizon))}

    return System(f"mlp_flow({'+'.join(activations)}, depth {depth}, width {width}, T {horizon})",
                  "gradient-flow trajectory of a small network (float64 DOP853 with error estimate)",
                  FLOW_QUANTITIES, base.strategy, measure, base.scope, base.hypotheses,
                  {"activations": activations, "depth": depth, "width": width, "horizon": horizon},
                  features=mlp_features, dynamical=True)


# -------------------------------------------- one gradient-descent step of a linear network (reviewers)

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
        net = mlp_network(inst, False)
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
                  features=mlp_features)


