"""Figures of the balance family's pages: small float64 instances that illustrate the statements
(the verdicts come from the drawn instances).  No figure needs an error estimate of its own: the
gradient-descent runs are unshadowed (``iterate(..., shadow=False)``) and the flows' curves are
drawn far above the solvers' tolerances (the flow-drift figure shows the estimate it is compared with)."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from checker.dynamics import gradient_descent, gradient_flow, heavy_ball_flow
from checker.figures import axes, save
from checker.integrators import iterate, solve
from checker.matfact import Factorisation
from checker.nets import MLP, ResidualMLP, activation
from checker.objectives import Objective

from .networks import SQUARED, activation_degree, neuron_balance

def _float_instance(widths: tuple[int, ...], act: str, seed: int) -> tuple[MLP, list, np.ndarray, np.ndarray]:
    """An MLP of ``widths`` with activation ``act``, Gaussian layers of scale 0.7 and six Gaussian samples (seeded)."""
    rng = np.random.default_rng(seed)
    net = MLP(widths, tuple(activation(act) for _ in widths[1:-1]))
    return net, [rng.standard_normal(s) * 0.7 for s in net.shapes()], rng.standard_normal((6, widths[0])), rng.standard_normal((6, widths[-1]))


def _finish(fig: Any, ax: Any, path: Path, xlabel: str, ylabel: str | None = None, **legend: Any) -> None:
    """Label the axes, draw the legend (``legend``: its options) and save the figure at ``path``."""
    ax.set_xlabel(xlabel)
    if ylabel is not None:
        ax.set_ylabel(ylabel)
    ax.legend(**legend)
    save(fig, path)


def figure_gd_drift(path: Path) -> str:
    """|ΔQ| of one GD step against η on a ReLU network: slope 2 (DHL-GD)."""
    net, params, X, Y = _float_instance((3, 4, 4, 1), "relu", 1)
    grad = net.backward(params, X, SQUARED.cotangent(net.forward(params, X), Y))
    etas = np.logspace(-4, -0.5, 15)
    drift = [abs(((params[0][0] - e * grad[0][0]) ** 2).sum() - (params[0][0] ** 2).sum()
                 - ((params[1][:, 0] - e * grad[1][:, 0]) ** 2).sum() + (params[1][:, 0] ** 2).sum()) for e in etas]
    slope = np.polyfit(np.log(etas), np.log(drift), 1)[0]
    fig, ax = axes((5, 3.5))
    ax.loglog(etas, drift, "o-", label=f"|ΔQ| per step (fitted slope {slope:.3f})")
    ax.loglog(etas, drift[-1] * (etas / etas[-1]) ** 2, "--", label="η² reference")
    _finish(fig, ax, path, "step size η", "|ΔQ| of neuron (1, 0)")
    return f"One gradient-descent step on a ReLU network (widths 3-4-4-1): the balance changes by η²(…), fitted log-log slope {slope:.3f}."


def figure_flow_drift(path: Path) -> str:
    """|Q(t) − Q(0)| along gradient flow for z² (within the integrator's error) and tanh (DHL-T2.1-GF)."""
    fig, ax = axes((5, 3.5))
    for act in ("square", "tanh"):
        net, params, X, Y = _float_instance((3, 4, 1), act, 2)
        k = activation_degree(act) or 1
        th0 = net.flatten(params)
        Q = lambda th: float(neuron_balance(net.unflatten(th), 1, 0, k))  # noqa: E731
        ts = np.linspace(0.05, 2, 12)
        flow = solve(gradient_flow(), Objective(net, X, Y, SQUARED), th0, ts, 1e-9)
        drift = [abs(Q(th) - Q(th0)) + 1e-18 for th in flow.thetas]
        errs = [2 * e * (1 + k) * float(np.abs(th).sum()) + 1e-18 for th, e in zip(flow.thetas, flow.error)]  # ≥ Q's error
        ax.semilogy(ts, drift, "o-", label=f"|Q(t) − Q(0)|, {act}")
        if act == "square":
            ax.semilogy(ts, errs, ":", label="integrator error estimate (z²)")
    _finish(fig, ax, path, "t", None, fontsize=8, loc="center right")
    return ("Gradient flow (DOP853, widths 3-4-1): for φ(z) = z² the balance ‖in‖² − 2‖out‖² drifts only within the "
            "integrator's error estimate; for tanh (not homogeneous) ‖in‖² − ‖out‖² drifts by O(1).")


def figure_momentum(path: Path) -> str:
    """|D(t) − D(0)| along gradient flow and heavy-ball flow from rest, with the bound 2E(0)/γ² (DHL-REV-HB-DRIFT)."""
    net, params, X, Y = _float_instance((3, 3, 3, 1), "linear", 5)
    objective, theta0 = Objective(net, X, Y, SQUARED), net.flatten(params)
    D = lambda th: (net.unflatten(th)[0] ** 2).sum() - (net.unflatten(th)[1] ** 2).sum()  # noqa: E731
    energy0 = float(objective.value(theta0))  # from rest: E(0) = ℒ(θ₀), Q(0) = 0
    ts = np.linspace(0.1, 12, 60)
    fig, ax = axes((5, 3.5))
    gf = solve(gradient_flow(), objective, theta0, ts, 1e-10)
    ax.semilogy(ts, [abs(D(th) - D(theta0)) + 1e-16 for th in gf.thetas], "k-", label="gradient flow")
    for gamma, colour in ((0.5, "C0"), (1.5, "C1"), (4.0, "C2")):
        hb = solve(heavy_ball_flow(gamma), objective, theta0, ts, 1e-10)
        ax.semilogy(ts, [abs(D(th) - D(theta0)) + 1e-16 for th in hb.thetas], color=colour, label=f"heavy ball, γ = {gamma:g}")
        ax.axhline(2 * energy0 / gamma ** 2, color=colour, ls=":", lw=0.8)
    _finish(fig, ax, path, "t", "|D(t) − D(0)|, D = ‖W₁‖² − ‖W₂‖²", fontsize=7, loc="lower right")
    return ("A linear network (widths 3-3-3-1) from rest: gradient flow keeps D within round-off; heavy-ball flow moves "
            "it, by less than the bound 2E(0)/γ² (dotted, Q(0) = 0 at rest) that DHL-REV-HB-DRIFT states, and less "
            "the larger the friction γ.")


def figure_residual(path: Path) -> str:
    """Block balance against effective-weight balance along gradient flow of a residual network (DHL-REV-RES-W)."""
    rng = np.random.default_rng(7)
    net = ResidualMLP(3, 3, readout=1)
    params = [0.3 * rng.standard_normal(s) for s in net.shapes()]
    X, Y = rng.standard_normal((6, 3)), rng.standard_normal((6, 1))
    ts = np.linspace(0.05, 3, 40)
    flow = solve(gradient_flow(), Objective(net, X, Y, SQUARED), net.flatten(params), ts, 1e-10)
    sq = lambda A: float((A * A).sum())  # noqa: E731
    n_bal = lambda ps: sq(ps[0]) - sq(ps[1])  # noqa: E731
    w_bal = lambda ps: n_bal(net.effective(ps))  # noqa: E731
    fig, ax = axes((5, 3.5))
    for name, fn in (("‖N₁‖² − ‖N₂‖²", n_bal), ("‖I + N₁‖² − ‖I + N₂‖²", w_bal)):
        ax.semilogy(ts, [abs(fn(net.unflatten(th)) - fn(params)) + 1e-16 for th in flow.thetas], "o-", ms=3,
                    label=f"|Δ({name})|")
    _finish(fig, ax, path, "t", None, fontsize=8)
    return ("Gradient flow of a residual network x ↦ R(I + N₃)(I + N₂)(I + N₁)x (dim 3, Gaussian N_k of scale 0.3): the "
            "balance of the blocks N_k drifts, the balance of the effective weights I + N_k stays at round-off.")


def figure_ratio(path: Path) -> str:
    """‖u(t)‖²/‖v(t)‖² along rank-one factorisation flows from four initial scales (DHL-REV-RATIO-*)."""
    rng = np.random.default_rng(3)
    M = rng.standard_normal((3, 2))
    u0, v0 = rng.standard_normal(3), rng.standard_normal(2)
    objective = Factorisation(M, 3, 1)
    ratio = lambda U, V: float((U ** 2).sum() / (V ** 2).sum())  # noqa: E731

    fig, ax = axes((5, 3.5))
    ts = np.linspace(0, 12, 61)
    for scale in (1e-3, 1e-1, 1.0, 2.0):
        U0, V0 = scale * u0.reshape(3, 1), scale * v0.reshape(2, 1)
        flow = solve(gradient_flow(), objective, np.concatenate([U0.ravel(), V0.ravel()]), ts[1:], 1e-9)
        ratios = [ratio(U0, V0)] + [ratio(*objective.split(th)) for th in flow.thetas]
        ax.semilogy(ts, ratios, label=f"scale {scale:g}")
    ax.axhline(1, color="k", lw=0.5)
    _finish(fig, ax, path, "t", "‖u(t)‖² / ‖v(t)‖²", fontsize=8)
    return ("Gradient flow on ½‖uvᵀ − M⋆‖² (M⋆ 3×2, one start at four scales): the ratio of the layer norms "
            "ends near 1 only from small starts, after the norms have grown; from order-1 starts the conserved "
            "difference keeps it away from 1.")


def figure_gd_depth(path: Path) -> str:
    """Drift of the layer balance over GD runs to flow time 1 against η, depths 2–6 (DHL-REV-GD-LAYER)."""
    etas = np.logspace(-3.5, -1.5, 6)
    fig, ax = axes((5, 3.5))
    constants = []
    for depth in (2, 3, 4, 5, 6):
        net, params, X, Y = _float_instance((3,) * depth + (1,), "linear", depth)
        params = [p * (0.9 / np.linalg.norm(p, 2)) for p in params]  # operator norms 0.9: GD stable at these η
        Q = lambda ps: (ps[0] ** 2).sum() - (ps[1] ** 2).sum()  # noqa: E731
        objective, theta0 = Objective(net, X, Y, SQUARED), net.flatten(params)
        drift = []
        for eta in etas:  # int(1/η) steps: gradient-flow time τ = 1
            run = iterate(gradient_descent(eta), objective, theta0, [int(round(1 / eta))], shadow=False)
            drift.append(abs(Q(net.unflatten(run.theta)) - Q(params)) + 1e-300)
        constants.append(drift[0] / etas[0])
        ax.loglog(etas, drift, "o-", label=f"N = {depth}: drift/η ≈ {constants[-1]:.3g}")
    ax.loglog(etas, etas * constants[0], "k--", lw=0.7, label="slope 1")
    _finish(fig, ax, path, "step size η (GD run to time τ = 1)", "|ΔQ| of layers 1, 2 over the run", fontsize=7)
    return ("Gradient descent to a fixed flow time τ = 1 on linear networks of depth 2–6 (width 3, Gaussian "
            "layers scaled to operator norm 0.9): the drift of ‖W^(1)‖² − ‖W^(2)‖² is first order in η at fixed τ (η² per step, 1/η "
            f"steps), with a constant that depends on depth through the layer norms ({', '.join(f'{c:.3g}' for c in constants)}).")
