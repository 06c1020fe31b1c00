"""Du, Hu & Lee, the figures: imbalance and error along decaying-step runs, the rank-one escape and
linear phase, the stability limit of the constant step, and the drift against the step."""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np

from checker import matfact as mf
from checker.figures import axes, save

from .systems import ENLARGED, DecayParams, DecayProblem, decay_problem, mf_decaying_steps, mf_rank_one, rank_one_problem

#: The fixed instances the figures are drawn from.
FIGURE_DECAY_INSTANCE = {"d1": 5, "d2": 4, "rank": 2, "sigma": ["3/2", "1"], "eps": "1/10", "delta": "1/4",
                         "c": "1/4", "init": "theorem", "unbalance": "1", "seed": 0}
FIGURE_RANK_ONE_INSTANCE = {"d1": 5, "d2": 4, "sigma1": "1", "eps": "1/100", "c_step": "1/4", "seed": 0}


def _figure_decay_problem(**changes: Any) -> tuple[DecayProblem, DecayParams]:
    """The figure instance (with ``changes``) decoded at the parameters of DHL-T3.1's system."""
    system = mf_decaying_steps(**ENLARGED)
    params = DecayParams(**{f: system.parameters[f] for f in DecayParams.__dataclass_fields__})
    return decay_problem({**FIGURE_DECAY_INSTANCE, **changes}, params), params


def _rank_one_figure_problem() -> Any:
    return rank_one_problem(FIGURE_RANK_ONE_INSTANCE, mf_rank_one().parameters["c_init"])


def figure_imbalance(path: Path) -> str:
    """Imbalance ‖U_tᵀU_t − V_tᵀV_t‖_F against t, with ‖G_0‖_F + the running drift bound."""
    prob, _ = _figure_decay_problem()
    run = mf.gd_float(prob.U0, prob.V0, prob.Mf, prob.schedule.floats(20000),
                      stop_below=1e-8 * prob.norm_m_float, imbalance_every=1)
    t = run.imbalance_steps
    bound = run.imbalance[0] + run.drift_bound[t]
    fig, ax = axes((6.4, 4))
    ax.semilogx(t + 1, run.imbalance, label=r"$\|U_t^\top U_t - V_t^\top V_t\|_F$")
    ax.semilogx(t + 1, bound, "--", label=r"$\|G_0\|_F + \sum_{s<t}\eta_s^2\|D_s\|_F$")
    ax.set_xlabel("t + 1")
    ax.set_ylabel("imbalance")
    ax.legend()
    save(fig, path, dpi=120)
    return (f"Imbalance along a decaying-step run (d1=5, d2=4, r=2, σ=(3/2, 1), δ=1/4, c=1/4, t0=16) with the "
            f"a-posteriori bound: {run.imbalance[0]:.4g} at t=0, {run.imbalance[-1]:.4g} at t={run.steps} "
            f"(relative error {run.residual[-1] / prob.norm_m_float:.1e}); bound {bound[-1]:.4g}.  Float64 run; "
            f"the statement's values come from ball arithmetic.")


def figure_error_decaying(path: Path) -> str:
    """log relative error against t for decaying steps, one curve per δ."""
    fig, ax = axes((6.4, 4))
    ends = []
    for delta in ("1/8", "1/4", "1/2"):
        prob, _ = _figure_decay_problem(delta=delta, c="1/8")
        run = mf.gd_float(prob.U0, prob.V0, prob.Mf, prob.schedule.floats(20000),
                          stop_below=1e-10 * prob.norm_m_float, imbalance_every=20001)
        ax.semilogy(run.residual / prob.norm_m_float, label=f"δ = {delta}")
        ends.append(f"δ={delta}: {run.residual[-1] / prob.norm_m_float:.1e} at t={run.steps}")
    ax.set_xscale("symlog", linthresh=100)
    ax.set_xlabel("t")
    ax.set_ylabel(r"$\|U_tV_t^\top - M^\star\|_F / \|M^\star\|_F$")
    ax.legend()
    save(fig, path, dpi=120)
    return ("Relative error against t for η_t = (1/(8σ1))(1 + t/16)^{−(1/2+δ)} from the theorem's small "
            "initialisation: a plateau while escaping the saddle at 0, then a decay that slows as the steps "
            "shrink; " + "; ".join(ends) + ".")


def figure_error_constant(path: Path) -> str:
    """log error against t for rank one with a constant step: escape, then a linear phase (fitted)."""
    prob = _rank_one_figure_problem()
    run = mf.gd_float(*prob.init(0), prob.Mf, prob.steps(5000), stop_below=1e-12, imbalance_every=5001)
    res = run.residual / float(prob.sigma1)
    esc = mf.first_below(res, 0.5)
    start = mf.first_below(res, 0.1)
    fit = mf.linear_rate(run.residual, start, run.steps)
    fig, ax = axes((6.4, 4))
    ax.semilogy(res, ".-", ms=3, label="gradient descent")
    t = np.arange(fit.start, fit.stop + 1)
    ax.semilogy(t, np.exp(fit.intercept + fit.slope * t) / float(prob.sigma1), "--",
                label=f"fit: slope {fit.slope:.3f} ± {fit.error:.1g}")
    ax.axvline(esc, color="gray", lw=0.8)
    ax.text(esc, res.max(), " escape", va="top")
    ax.set_xlabel("t")
    ax.set_ylabel(r"$\|u_tv_t^\top - M^\star\|_F / \sigma_1$")
    ax.legend()
    save(fig, path, dpi=120)
    return (f"Rank one, d1=5, d2=4, σ1=1, η = 1/(4σ1), δ0 = (1/10)(σ1/d)^{{1/2}}: escape from the saddle at 0 "
            f"ends at t={esc}, then log‖R_t‖ falls linearly with slope {fit.slope:.4f} ± {fit.error:.1g} per step "
            f"(99%, steps {fit.start}..{fit.stop}).  The contraction e^{{slope}} = {math.exp(fit.slope):.3f} per step matches "
            f"1 − ησ1 = 1 − c_step = 0.75, the slowest mode: at a balanced minimiser the Hessian has eigenvalue "
            f"‖v‖² = ‖u‖² = σ1 on the directions (δu ⊥ u, δv ⊥ v), besides λ_max = 2σ1.")


def figure_stability(path: Path) -> str:
    """Fraction of seeded runs that converge against c_step, around the stability limit c_step = 1."""
    prob = _rank_one_figure_problem()
    cs = np.array([0.5, 0.6, 0.7, 0.8, 0.9, 0.95, 1.0, 1.05, 1.1, 1.2, 1.3, 1.4, 1.5])
    seeds, steps = 12, 2000
    fractions = []
    for c in cs:
        eta = np.full(steps, c / float(prob.sigma1))
        runs = [mf.gd_float(*prob.init(k), prob.Mf, eta, stop_below=1e-8, imbalance_every=steps + 1, blowup=1e6)
                for k in range(seeds)]
        fractions.append(np.mean([r.residual[-1] <= 1e-8 for r in runs]))
    fig, ax = axes((6.4, 4))
    ax.plot(cs, fractions, "o-")
    ax.axvline(1.0, color="gray", lw=0.8, ls="--")
    ax.set_xlabel(r"step multiplier $c$ ($\eta = c/\sigma_1$)")
    ax.set_ylabel(f"fraction converged (‖R‖ ≤ 1e-8 within {steps} steps)")
    save(fig, path, dpi=120)
    last = max((c for c, f in zip(cs, fractions) if f > 0), default=None)
    return (f"Rank one (d1=5, d2=4, σ1=1): fraction of {seeds} seeded small initialisations that converge, against "
            f"c = ησ1.  Every global minimiser has λ_max ≥ 2σ1, so none is linearly stable for c > 1 (dashed); "
            f"largest c with any converged run: {last}.")


def figure_drift_against_step(path: Path) -> str:
    """Imbalance drift ‖G_T − G_0‖_F and its bound against a constant step η, log-log, with fitted slopes."""
    prob, _ = _figure_decay_problem()
    sigma1 = float(prob.sigma1)
    cs = 2.0 ** -np.arange(1, 9)
    G0 = mf.imbalance(prob.U0, prob.V0)
    drifts, bounds, errors = [], [], []
    for c in cs:
        eta = np.full(int(60 / c), c / sigma1)
        run = mf.gd_float(prob.U0, prob.V0, prob.Mf, eta, stop_below=1e-9 * prob.norm_m_float, imbalance_every=len(eta) + 1)
        drifts.append(np.linalg.norm(mf.imbalance(run.U, run.V) - G0))
        bounds.append(run.drift_bound[-1])
        errors.append(run.residual[-1] / prob.norm_m_float)
    etas = cs / sigma1
    slope_d = np.polyfit(np.log(etas), np.log(drifts), 1)[0]
    slope_b = np.polyfit(np.log(etas), np.log(bounds), 1)[0]
    fig, ax = axes((6.4, 4))
    ax.loglog(etas, drifts, "o-", label=f"‖G_T − G_0‖_F (slope {slope_d:.2f})")
    ax.loglog(etas, bounds, "s--", label=f"Σ η²‖D_t‖_F (slope {slope_b:.2f})")
    ax.set_xlabel(r"constant step $\eta$")
    ax.set_ylabel("imbalance drift over the whole run")
    ax.legend()
    save(fig, path, dpi=120)
    return (f"Total imbalance drift of a run to convergence against a constant step η (d1=5, d2=4, r=2, σ=(3/2, 1), "
            f"theorem's small initialisation): log-log slope {slope_d:.2f} for the drift and {slope_b:.2f} for the "
            f"bound (final relative errors ≤ {max(errors):.0e}).  A run needs ~1/η steps, each moving G by O(η²), so "
            f"the drift vanishes linearly in η.")

