"""The CONJ page figures."""
from __future__ import annotations

from pathlib import Path


from checker.figures import axes, save
from checker.maxmargin import max_margin

from .instances import problem
from .steepest import SD_HORIZONS, normalised_data, steepest_run

# ------------------------------------------------------------------------------ figures

FIGURE_INSTANCE = {"arch": "linear", "loss": "exp", "X": [["1", "1"], ["1", "1/2"], ["-1", "-1/3"], ["-1/2", "-1"]],
                   "y": [1, 1, -1, -1], "theta": ["4", "2"]}


def figure_steepest_margins(path: Path) -> str:
    """γ̄_p along ℓ₁ and ℓ∞ steepest descent of a linear classifier, against the exact γ⋆_p (CONJ-SD-KKT)."""
    fig, ax = axes()
    lines = []
    for p, style in (("l1", "-"), ("linf", "--")):
        inst = normalised_data({**FIGURE_INSTANCE, "norm": p})
        coarse, fine, _ = steepest_run(inst)
        gamma = float(max_margin(problem(inst).X * problem(inst).y, p)[0])
        s = [float(H) for H in SD_HORIZONS]
        ax.loglog(s, [max(gamma - x, 1e-16) for x in fine], style, label=f"{p}: γ⋆ − γ̄ (step h/2)")
        ax.loglog(s, [max(abs(a - b), 1e-16) for a, b in zip(coarse, fine)], style, alpha=0.5, label=f"{p}: |h − h/2| error")
        lines.append(f"{p}: γ⋆ = {gamma:.6g}, γ̄(s = {s[-1]:g}) = {fine[-1]:.6g}")
    ax.set_xlabel("H = s/κ² (loss-normalised time in units of the condition)")
    ax.set_ylabel("margin deficit")
    ax.legend(fontsize=7)
    save(fig, path)
    return ("Deficit of the normalised margin in the algorithm's own norm along coordinate (ℓ₁) and sign (ℓ∞) descent "
            "of a linear classifier on 4 points, against the exact LP maximum margin, with the step-halving error: "
            "it decays like 1/s (the rate form of CONJ-SD-KKT). " + "; ".join(lines) + ".")
