"""Figures of the margin family's pages: representative flows on a fine ladder, and the limit judge's
ladder of a statement's expression."""
from __future__ import annotations

import re
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
