"""Training rules: what moves the parameters, separate from how it is solved.

Two tiny protocols (in the spirit of optax's ``init``/``update``):

:class:`Flow` — a continuous-time rule ``dθ/dt = v(θ, a)``, ``da/dt = w(θ, a)`` with an optional
    auxiliary state ``a`` (a velocity, say).  ``init(θ₀) -> a₀`` and ``field(oracle, θ, a) ->
    (dθ/dt, da/dt)``.
:class:`Step` — a discrete rule ``(θ_{k+1}, a_{k+1}) = step(oracle, θ_k, a_k, k)`` with
    ``init(θ₀) -> a₀``.

The auxiliary state is a tuple of flat arrays (empty for memoryless rules); every array is in the
number type of ``θ``, so the same rule runs on float64, on exact rationals (``fmpq`` object arrays:
every iterate exact) and on arb balls.  The *oracle* gives the gradient: ``oracle.gradient(θ)`` of
the full objective and, for stochastic rules, ``oracle.sample_gradient(θ, indices)`` of the sum over
the chosen samples and ``oracle.samples`` (their number) — :class:`checker.objectives.Objective`
is one.  Integrators (:mod:`checker.integrators`) solve a Flow or iterate a Step and return the
result with its error estimate.

Rules here (each a few lines on the protocols):

* :func:`gradient_flow` ``dθ/dt = −∇ℒ``; :func:`gradient_descent` ``θ − η_k∇ℒ`` (constant or
  scheduled ``η_k``);
* :func:`heavy_ball_flow` ``θ̈ + γθ̇ = −∇ℒ`` (state: the velocity) and :func:`heavy_ball`
  (Polyak) ``θ_{k+1} = θ_k − η∇ℒ(θ_k) + β(θ_k − θ_{k−1})`` (state: the last displacement);
* :func:`steepest_descent_flow` for the ℓ₁, ℓ₂ and ℓ∞ norms, ``dθ/dt = ‖∇ℒ‖_*·u``,
  ``u ∈ argmax_{‖u‖≤1}⟨u, −∇ℒ⟩`` (Tsilivis–Vardi–Kempe, ICLR 2025: ℓ₂ is gradient flow, ℓ∞ sign
  flow ``−‖∇ℒ‖₁ sign ∇ℒ``, ℓ₁ coordinate flow along the largest ``|∂_iℒ|``), and
  :func:`steepest_descent`, its discrete step ``θ + η‖∇ℒ‖_*u``;
* :func:`normalised_gd` ``θ − η∇ℒ/‖∇ℒ‖₂`` (floats or balls: it needs a square root);
* :func:`sgd` ``θ − η∇ℓ_{n_k}(θ)`` with samples ``n_k`` drawn from ``(seed, k)`` alone, so any step
  replays on its own.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Protocol, Sequence

import numpy as np

from .arith import certain_sign

Aux = tuple[Any, ...]


class Oracle(Protocol):
    """What a rule may ask of the objective (see :class:`checker.objectives.Objective`)."""

    samples: int

    def gradient(self, theta: Any) -> Any: ...

    def sample_gradient(self, theta: Any, indices: Sequence[int]) -> Any: ...


def _no_state(theta: Any) -> Aux:
    return ()


@dataclass(frozen=True)
class Flow:
    """A continuous-time training rule: ``field(oracle, θ, a) -> (dθ/dt, da/dt)``, ``init(θ₀) -> a₀``."""

    name: str
    latex: str
    field: Callable[[Oracle, Any, Aux], tuple[Any, Aux]]
    init: Callable[[Any], Aux] = _no_state
    parameters: dict[str, Any] = field(default_factory=dict)
    smooth: bool = True  # False: the field jumps (sign flows), so adaptive solvers chatter

    continuous = True


@dataclass(frozen=True)
class Step:
    """A discrete training rule: ``step(oracle, θ, a, k) -> (θ', a')``, ``init(θ₀) -> a₀``."""

    name: str
    latex: str
    step: Callable[[Oracle, Any, Aux, int], tuple[Any, Aux]]
    init: Callable[[Any], Aux] = _no_state
    parameters: dict[str, Any] = field(default_factory=dict)

    continuous = False


Rule = Flow | Step


# ---------------------------------------------------------------------------- gradient flow and descent


def gradient_flow() -> Flow:
    """``dθ/dt = −∇ℒ(θ)``."""
    return Flow("gradient flow", r"\dot\theta = -\nabla\mathcal{L}(\theta)", lambda o, th, a: (-o.gradient(th), ()))


def gradient_descent(eta: Any) -> Step:
    """``θ_{k+1} = θ_k − η_k∇ℒ(θ_k)``; ``eta`` is a constant or a schedule ``k -> η_k``."""
    rate = eta if callable(eta) else (lambda k: eta)
    return Step("gradient descent", r"\theta_{k+1} = \theta_k - \eta_k \nabla\mathcal{L}(\theta_k)",
                lambda o, th, a, k: (th - rate(k) * o.gradient(th), ()), parameters={"eta": eta})


# ---------------------------------------------------------------------------- momentum


def _zeros_like(theta: Any) -> Any:
    return theta * 0


def heavy_ball_flow(gamma: Any) -> Flow:
    """``θ̈ + γθ̇ = −∇ℒ(θ)`` as ``θ̇ = v``, ``v̇ = −γv − ∇ℒ(θ)``, from rest (``v₀ = 0``) unless the
    caller's ``init`` state says otherwise."""
    return Flow("heavy-ball flow", r"\ddot\theta + \gamma\dot\theta = -\nabla\mathcal{L}(\theta)",
                lambda o, th, a: (a[0], (-gamma * a[0] - o.gradient(th),)),
                init=lambda th: (_zeros_like(th),), parameters={"gamma": gamma})


def heavy_ball(eta: Any, beta: Any) -> Step:
    """Polyak's heavy ball ``m_{k+1} = βm_k − η∇ℒ(θ_k)``, ``θ_{k+1} = θ_k + m_{k+1}`` (``m₀ = 0``),
    i.e. ``θ_{k+1} = θ_k − η∇ℒ(θ_k) + β(θ_k − θ_{k−1})``."""

    def step(o: Oracle, th: Any, a: Aux, k: int) -> tuple[Any, Aux]:
        m = beta * a[0] - eta * o.gradient(th)
        return th + m, (m,)

    return Step("heavy ball", r"\theta_{k+1} = \theta_k - \eta\nabla\mathcal{L}(\theta_k) + \beta(\theta_k - \theta_{k-1})",
                step, init=lambda th: (_zeros_like(th),), parameters={"eta": eta, "beta": beta})


# ---------------------------------------------------------------------------- steepest descent

NORMS = ("l1", "l2", "linf")


def _largest(g: Any, certify: bool = True) -> int:
    """The first index maximising ``|g_i|`` (by midpoints on balls, where with ``certify`` it must be
    certainly largest against every earlier index and at least as large as every later one)."""
    i = max(range(len(g)), key=lambda j: (float(abs(g[j]).mid()) if hasattr(g[j], "mid") else abs(g[j]), -j))
    if certify and hasattr(g[i], "mid") and not all(abs(g[i]) > abs(g[j]) if j < i else abs(g[i]) >= abs(g[j])
                                        for j in range(len(g)) if j != i):
        raise ArithmeticError("the largest |∂_iℒ| is not decided at this precision (ℓ1 steepest-descent selection)")
    return i


def steepest_direction(g: Any, norm: str, certify: bool = True) -> Any:
    """``‖g‖_*·u`` with ``u ∈ argmax_{‖u‖≤1}⟨u, −g⟩`` for the norm ``l1``, ``l2`` or ``linf``:
    ``−g`` (ℓ₂), ``−‖g‖₁ sign g`` (ℓ∞), ``−g_i e_i`` at the first ``i`` maximising ``|g_i|`` (ℓ₁;
    the argmax is a set at ties, and the first index is the selection).  Exact on rationals: no
    square root is taken.  On balls the selection must be decided (every sign for ℓ∞, the largest
    coordinate for ℓ₁), else ``ArithmeticError``: more precision decides it.  A caller that certifies
    an ℓ₁ selection itself (an exact tie on balls, where every point of the face is admissible:
    :func:`checker.classification.steepest_velocity`) passes ``certify=False``."""
    if norm == "l2":
        return -g
    g = np.asarray(g)
    if norm == "linf":
        signs = np.array([certain_sign(x) for x in g])
        return -sum((abs(x) for x in g), g[0] * 0) * signs
    if norm == "l1":
        i = _largest(g, certify)
        out = g * 0
        out[i] = -g[i]
        return out
    raise ValueError(f"unknown norm {norm!r}; choose one of {', '.join(NORMS)}")


def dual_norm(g: Any, norm: str) -> Any:
    """``‖g‖_*``: ``‖g‖_∞`` for ℓ₁, ``‖g‖₁`` for ℓ∞; for ℓ₂, ``‖g‖₂²`` is exact but ``‖g‖₂`` needs a
    square root (floats and balls only)."""
    g = np.asarray(g)
    if norm == "l1":
        return abs(g[_largest(g)])
    if norm == "linf":
        return sum((abs(x) for x in g), g[0] * 0)
    if norm == "l2":
        sq = sum((x * x for x in g), g[0] * 0)
        return sq.sqrt() if hasattr(sq, "sqrt") else float(np.sqrt(sq))
    raise ValueError(f"unknown norm {norm!r}; choose one of {', '.join(NORMS)}")


_NORM_TEX = {"l1": r"\ell_1", "l2": r"\ell_2", "linf": r"\ell_\infty"}


def steepest_descent_flow(norm: str) -> Flow:
    """Steepest-descent flow for ``norm``: ``dθ/dt = ‖∇ℒ‖_*·u``, ``u ∈ argmax_{‖u‖≤1}⟨u, −∇ℒ⟩``
    (:func:`steepest_direction`).  For ℓ₁ and ℓ∞ the field jumps where a coordinate of ``∇ℒ``
    changes sign or the largest one changes (``smooth`` is False): state pointwise claims along the
    field, or follow its discrete :func:`steepest_descent`; an adaptive solver would chatter."""
    steepest_direction(np.zeros(1), norm)  # an unknown norm fails here, at construction
    return Flow(f"{norm} steepest-descent flow", rf"\dot\theta = \lVert\nabla\mathcal{{L}}\rVert_*\,"
                rf"\arg\max_{{\lVert u\rVert_{{{_NORM_TEX[norm][3:]}}}\le 1}}\langle u, -\nabla\mathcal{{L}}\rangle",
                lambda o, th, a: (steepest_direction(o.gradient(th), norm), ()), parameters={"norm": norm},
                smooth=norm == "l2")


def steepest_descent(norm: str, eta: Any) -> Step:
    """``θ_{k+1} = θ_k + η‖∇ℒ‖_*u_k`` (the Euler step of :func:`steepest_descent_flow`; ℓ∞ is sign
    descent scaled by ``‖∇ℒ‖₁``)."""
    steepest_direction(np.zeros(1), norm)
    return Step(f"{norm} steepest descent", rf"\theta_{{k+1}} = \theta_k + \eta\lVert\nabla\mathcal{{L}}\rVert_* u_k\ ({_NORM_TEX[norm]})",
                lambda o, th, a, k: (th + eta * steepest_direction(o.gradient(th), norm), ()),
                parameters={"norm": norm, "eta": eta})


def normalised_gd(eta: Any) -> Step:
    """``θ_{k+1} = θ_k − η∇ℒ/‖∇ℒ‖₂`` (floats or balls)."""
    return Step("normalised gradient descent", r"\theta_{k+1} = \theta_k - \eta\,\nabla\mathcal{L}/\lVert\nabla\mathcal{L}\rVert_2",
                lambda o, th, a, k: (th - eta * (g := o.gradient(th)) / dual_norm(g, "l2"), ()), parameters={"eta": eta})


# ---------------------------------------------------------------------------- stochastic


def sample_indices(seed: int, k: int, samples: int, batch: int) -> list[int]:
    """The samples of SGD step ``k``: ``batch`` distinct indices drawn by NumPy's PCG64 seeded with
    ``(seed, k)``, so step ``k`` is reproducible on its own, whatever ran before it."""
    rng = np.random.default_rng([seed, k])
    return sorted(int(i) for i in rng.choice(samples, size=batch, replace=False))


def sgd(eta: Any, seed: int, batch: int = 1) -> Step:
    """``θ_{k+1} = θ_k − η∇(Σ_{n∈B_k} ℓ_n)(θ_k)`` with ``B_k = sample_indices(seed, k, …)``."""
    return Step("stochastic gradient descent", r"\theta_{k+1} = \theta_k - \eta\nabla\ell_{n_k}(\theta_k)",
                lambda o, th, a, k: (th - eta * o.sample_gradient(th, sample_indices(seed, k, o.samples, batch)), ()),
                parameters={"eta": eta, "seed": seed, "batch": batch})
