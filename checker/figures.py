"""Figure plumbing for statement pages: a matplotlib canvas off screen, saving it, and the picture of
the limit judge along a ladder (:func:`ladder_panel`).

A page's figure is a function ``figure(path) -> caption`` that draws one PNG at ``path``; families
build theirs from :func:`axes` and :func:`save`.
"""
from __future__ import annotations

from pathlib import Path
from typing import Any, Sequence

import numpy as np

from .arith import Enclosure
from .limits import LimitJudgement


def axes(figsize: tuple[float, float] = (5.5, 3.6)) -> tuple[Any, Any]:
    """A figure and its axes on the non-interactive Agg backend."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt.subplots(figsize=figsize)


def save(fig: Any, path: Path, dpi: int = 110) -> None:
    """Lay out, write ``path`` and close the figure."""
    import matplotlib.pyplot as plt

    fig.tight_layout()
    fig.savefig(path, dpi=dpi)
    plt.close(fig)


def ladder_panel(ax: Any, samples: Sequence[Enclosure], horizons: Sequence[float], judgement: LimitJudgement,
                 label: str) -> str:
    """Draw the limit judge on one ladder (:func:`checker.limits.judge_limit`) on log-log axes:
    ``|x(H) − L|`` of the samples, ``|L_k − L|`` of the extrapolants and the error estimate on the
    tail rungs, against ``H``; return the line ``label: L = … ± …`` for the caption."""
    L, H = judgement.enclosure.mid, np.array(horizons)
    floor = max(judgement.enclosure.radius, 1e-300)
    detail = judgement.detail
    ax.loglog(H, np.maximum([abs(x.mid - L) for x in samples], floor), "-", label=f"{label}: |x(H) − L|")
    ax.loglog([float(h) for h in detail["extrapolants"]],
              np.maximum([abs(v - L) for v in detail["extrapolants"].values()], floor), ".", label=f"{label}: |L_k − L|")
    ax.loglog([float(h) for h, e in detail["errors"].items() if e is not None],
              [e for e in detail["errors"].values() if e is not None], "--", label=f"{label}: error")
    return f"{label}: L = {L:.8g} ± {judgement.enclosure.radius:.2g}" + ("" if judgement.converging else " (not converging)")
