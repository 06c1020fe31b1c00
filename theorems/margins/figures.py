"""Figures of the margin family's pages: representative flows on a fine ladder, and the limit judge's
ladder of a statement's expression."""
from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Callable

import numpy as np
import sympy

from checker import Precision
from checker.clocks import Trajectory, checked_flow, horizon_ladder, rungs
from checker.figures import axes, ladder_panel, save
from checker.limits import HORIZON, judge_limit
from checker.statements import enclose

from .flows import TRAJECTORY_QUANTITIES, data_svm, flow_trajectory
from .instances import exact_problem, floats, weights
from .reviewer_systems import FLOW_SEEDS, GD_FIGURE_DATA, SCALES, START_DATA, handed_over, start_instance

# ------------------------------------------------------------------------------ figures
#
# Each figure integrates one fixed, representative instance on a fine ladder (8 rungs per decade
# from log t = 1): they illustrate the statements; the verdicts come from the drawn instances.

FIGURE_INSTANCES = {
    "relu": {"arch": "relu", "loss": "exp", "width": 3, "X": [["1", "1/2"], ["2/3", "-1"], ["-1", "1/3"], ["-1/2", "-1"]],
             "y": [1, 1, -1, -1], "theta": ["2", "1/4", "-2", "-1/4", "1/3", "-1/5", "2", "-2", "1/7"]},
    "sqrelu": {"arch": "sqrelu", "loss": "exp", "width": 3, "X": [["1", "1/2"], ["2/3", "-1"], ["-1", "1/3"], ["-1/2", "-1"]],
               "y": [1, 1, -1, -1], "theta": ["2", "1/2", "-2", "-1/2", "2/3", "-2/5", "2", "-2", "2/7"]},
    "linear": {"arch": "linear", "loss": "exp", "depth": 2, "width": 2, "X": [["1", "1/2"], ["2/3", "-1"], ["-1", "1/3"], ["-1/2", "-1"]],
               "y": [1, 1, -1, -1], "theta": ["2", "1/2", "1/5", "-1/3", "2", "1/4"]},
}


def figure_series(name: str, quantities: tuple[str, ...], top: float = 1e6) -> tuple[Trajectory, dict[str, np.ndarray]]:
    """The representative flow ``name`` integrated at rtol 1e-8 on 8 rungs per decade from log t = 1
    (:func:`checker.clocks.checked_flow`, memoised), and the trajectory quantities ``quantities``
    on its rungs, measured as the statements measure them (:data:`TRAJECTORY_QUANTITIES`)."""
    inst = FIGURE_INSTANCES[name]
    theta0 = np.array([float(c) for c in weights(inst)])
    problem = floats(exact_problem(inst))
    run = checked_flow(problem, theta0, horizon_ladder(top, 8, first=1.0), rtol=1e-8).run
    on = rungs(problem, run, theta0, per_decade=8)
    return run, {q: np.array([TRAJECTORY_QUANTITIES[q].measure(r, inst) for r in on]) for q in quantities}


def figure_margins(path: Path) -> str:
    """γ̃ and γ̄ against log t for a two-layer ReLU network (LL-T4.1, LL-T4.3)."""
    run, seq = figure_series("relu", ("gamma_bar", "gamma_tilde"))
    fig, ax = axes()
    ax.semilogx(run.logt, seq["gamma_bar"], label="γ̄ = q_min/ρ^K")
    ax.semilogx(run.logt, seq["gamma_tilde"], "--", label="γ̃ = ℓ⁻¹(ℒ)/ρ^K")
    ax.set_xlabel("log t")
    ax.set_ylabel("margin")
    ax.legend()
    save(fig, path)
    return (f"Smoothed and normalised margins of a two-layer ReLU network (4 points, exp loss) along gradient "
            f"flow to log t = 10⁶ ({run.describe()}): γ̃ increases and γ̄ − γ̃ → 0.")


def figure_alignment(path: Path) -> str:
    """1 − cos∠(θ, −∇ℒ) against log t, log-log (JT-T4.1), with the Clarke velocity on ReLU kinks."""
    fig, ax = axes()
    for name, style in (("sqrelu", "-"), ("linear", "-."), ("relu", "--")):
        run, seq = figure_series(name, ("one_minus_cos",))
        ax.loglog(run.logt, seq["one_minus_cos"], style, label=f"{name}")
    ax.set_xlabel("log t")
    ax.set_ylabel("1 − cos∠(θ, −∇ℒ)")
    ax.legend()
    save(fig, path)
    return ("Alignment of the weights with the negative gradient (Clarke velocity on kinks) along gradient flow "
            "for a squared-ReLU, a deep linear and a ReLU network: 1 − cos decays like a power of 1/log t.")


def figure_svm(path: Path) -> str:
    """Angle of a deep linear network's end-to-end vector to the SVM direction (JT-LIN)."""
    run, seq = figure_series("linear", ("svm_sin2",))
    inst = FIGURE_INSTANCES["linear"]
    fig, ax = axes()
    ax.loglog(run.logt, np.arcsin(np.sqrt(np.minimum(1.0, seq["svm_sin2"]))))
    ax.set_xlabel("log t")
    ax.set_ylabel("∠(u_t, u_SVM) (rad)")
    save(fig, path)
    return (f"Angle between the end-to-end vector of a depth-2 linear network and the hard-margin SVM direction "
            f"({data_svm(inst['X'], inst['y']).note}) along gradient flow: it decays like a power of 1/log t.")


def ladder_figure(expr: str, rate: str | None, archs: tuple[str, ...] = ("relu", "sqrelu", "linear")) -> Callable[[Path], str]:
    """A figure of the limit judge on ``expr`` along the ladder of each representative flow in
    ``archs`` (:data:`FIGURE_INSTANCES`, at the profiles' precision; :func:`checker.figures.ladder_panel`);
    ``rate`` is the statement's rate form in ``H``."""
    local = {n: sympy.Symbol(n) for n in TRAJECTORY_QUANTITIES} | {"H": HORIZON}
    parsed = sympy.sympify(expr, locals=local)
    rate_form = None if rate is None else sympy.sympify(rate, locals=local)

    def figure(path: Path) -> str:
        fig, ax = axes()
        lines = []
        for name in archs:
            precision = Precision()
            ladder = flow_trajectory(FIGURE_INSTANCES[name], precision, frozenset(s.name for s in parsed.free_symbols))
            samples = [enclose(parsed, {k: v[i] for k, v in ladder.values.items()}, precision.bits)
                       for i in range(len(ladder.horizons))]
            judgement = judge_limit(samples, ladder.horizons, rate_form, precision.bits)
            lines.append(ladder_panel(ax, samples, ladder.horizons, judgement, name))
        ax.set_xlabel("H = log t")
        ax.set_ylabel(f"distance to the extrapolated limit of {expr}")
        ax.legend(fontsize=6)
        save(fig, path)
        return (f"The ladder of {expr} ({'rate form ' + rate if rate else 'generic extrapolation'}) on three "
                f"representative flows: distance of the samples and of the extrapolants to the extrapolated limit, "
                f"and the error estimate on the tail rungs. " + "; ".join(lines) + ".")

    figure.__name__ = f"ladder_{re.sub('[^a-z0-9]+', '_', expr.lower()).strip('_')}"
    figure.__doc__ = f"The limit judge's ladder of {expr}."
    return figure


def figure_start_margins(path: Path) -> str:
    """The normalised margin at log t = 10⁶ against the start (reviewers' question (a)): the Gaussian starts
    of the ladder statements (:func:`.reviewer_systems.start_instance`, first data set, seeds 0–1, exponential loss), each run handed
    over once ℒ ≤ e^{-1/64}ℓ(0) and integrated on the family's ladder."""
    fig, ax = axes()
    lines, ends = [], {}
    for name, marker in (("predictor", "o"), ("linear", "s"), ("relu", "v"), ("sqrelu", "^")):
        for seed in FLOW_SEEDS:
            sig, top = [], []
            for sigma in SCALES:
                start = handed_over(start_instance(name, 0, "exp", sigma, seed))
                if start is None:
                    continue
                ladder = flow_trajectory(start, Precision(), frozenset({"gamma_bar"}))
                sig.append(float(Fraction(sigma)))
                top.append(ladder.values["gamma_bar"][-1].mid)
            ax.semilogx(sig, top, marker + "-", label=f"{name}, seed {seed}", markersize=4)
            lines.append(f"{name} seed {seed}: " + ", ".join(f"σ={s:g}: {g:.4f}" for s, g in zip(sig, top)))
            ends.setdefault(name, []).extend(top)
    gstar = data_svm(*START_DATA[0]).gamma_star()
    ax.axhline(gstar, color="k", linewidth=0.5)
    ax.set_xlabel("scale σ of the Gaussian start")
    ax.set_ylabel("γ̄ at log t = 10⁶ (measured)")
    ax.legend(fontsize=5)
    save(fig, path)
    spread = "; ".join(f"{name}: {min(v):.4f} to {max(v):.4f} over {len(v)} starts" for name, v in ends.items())
    return ("Measured normalised margin γ̄ = q_min/ρ^K at log t = 10⁶ against the scale σ and seed of the Gaussian start "
            f"(4 points, exp loss; the line is the SVM margin γ⋆ = {gstar:.4f}, the linear predictor's limit, and "
            f"γ⋆K^{{−K/2}} = γ⋆/2 is the depth-2 linear net's, JT-LIN-MARGIN). Range of the end values per network: {spread} "
            "(starts without a hand-over by t = 10⁴ are missing). Values: " + "; ".join(lines) + ".")


def figure_gd_steps(path: Path) -> str:
    """γ̄_k/γ⋆ and the bound B_k/γ⋆ of LL-REV-GD-BOUND along GD (float64, measured) for three steps, with
    the step counts to 1/2 and 9/10 of γ⋆ (reviewers' question (b))."""
    X, y = GD_FIGURE_DATA
    Z = np.array([[float(Fraction(c)) * yn for c in x] for x, yn in zip(X, y)])
    gstar, R2, N = data_svm(X, y).gamma_star(), float(np.max(np.sum(Z * Z, axis=1))), len(y)
    steps = 100_000
    marks = np.unique(np.logspace(0, np.log10(steps), 200).astype(int))
    fig, ax = axes()
    lines = []
    for ratio, style in ((0.25, "-"), (1.0, "--"), (2.0, ":")):
        eta, w, S = ratio / (R2 * N), np.zeros(Z.shape[1]), 0.0
        psi0, gb, bd, k_half, k_nine = -math.log(N), [], [], None, None
        for k in range(1, steps + 1):
            e = np.exp(-(Z @ w))
            delta = eta * (e @ Z)
            S += (1 - eta * R2 * e.sum() / 2) * float(np.linalg.norm(delta))
            w = w + delta
            rho = float(np.linalg.norm(w))
            g = float((Z @ w).min()) / rho
            k_half = k_half or (k if g > gstar / 2 else None)
            k_nine = k_nine or (k if g > 0.9 * gstar else None)
            if len(gb) < len(marks) and k == marks[len(gb)]:
                gb.append(g / gstar)
                bd.append((psi0 + gstar * S) / rho / gstar)
        ax.semilogx(marks[:len(gb)], gb, style, label=f"γ̄_k/γ⋆, ηR²ℒ₀ = {ratio:g}")
        ax.semilogx(marks[:len(bd)], bd, style, alpha=0.5, label=f"B_k/γ⋆, ηR²ℒ₀ = {ratio:g}")
        lines.append(f"ηR²ℒ₀ = {ratio:g}: k_1/2 = {k_half}, k_9/10 = {k_nine or f'> {steps}'}")
    for level in (0.5, 0.9):
        ax.axhline(level, color="k", linewidth=0.4)
    ax.set_xlabel("GD step k")
    ax.set_ylabel("normalised margin / γ⋆")
    ax.set_ylim(-1, 1.05)
    ax.legend(fontsize=5)
    save(fig, path)
    return (f"Gradient descent on the linear predictor (the 4 points {X} with labels {y}, exp loss, w₀ = 0) for 10⁵ steps in float64 "
            "(measured values, not the certified statement's ball runs): normalised margin over the exact SVM margin "
            "and the derived lower bound B_k of LL-REV-GD-BOUND; measured step counts " + "; ".join(lines) + ".")
