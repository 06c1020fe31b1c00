"""The instances of THEOREMS.md §0.4 for the margin family: homogeneous classifiers (deep linear,
two-layer ReLU / leaky ReLU / squared ReLU, a ReLU convolution), planted separable data, a teacher plus
a perturbation scaled below ``ℓ(0)``, the boundary cases, and the hypotheses of §2.0 on them."""
from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

import numpy as np
from hypothesis import strategies as st

from checker import Precision
from checker.arith import rational_array, rational_str
from checker.classification import Classification, planted_points, scaled_below_threshold
from checker.clocks import Classifier, homogeneity_degree
from checker.nets import AbstractNetwork, Conv1D, MLP, activation
from checker.quantities import quantity
from checker.strategies import positive_rationals, rationals, vectors


ARCHS = ("linear", "relu", "leaky", "sqrelu", "conv")
SMOOTH_ARCHS = ("linear", "sqrelu")  # locally Lipschitz gradient (JT-T4.1)
CASES = ("generic", "tie", "kink", "tiny", "huge")  # boundary instances (classification_instances)
LOSSES = ("exp", "logistic")


# ------------------------------------------------------------------------------ sources and evidence text of the statements

SOURCE_LL = "Lyu & Li, ICLR 2020, arXiv:1906.05890"
SOURCE_JT = "Ji & Telgarsky, NeurIPS 2020, arXiv:2006.06657"


ASYMPTOTIC = ("Class (c), a limit along the trajectory: gradient flow integrated on a geometric ladder of log t "
              "(4 rungs a decade, 10 to 10⁶; 10⁷ on escalation), BDF at rtol 1e-8 checked by BDF at 1e-9 (with the exact "
              "Jacobian), each rung's value an estimate whose radius is the two runs' difference plus rounding. checker.limits "
              "extrapolates the limit from the ladder (with the theorem's rate form where it gives one) and "
              "encloses it with the extrapolants' disagreement plus the samples' noise; a ladder whose error does "
              "not shrink is undecided and escalates the horizon. The verdict is at best *passed*: an "
              "extrapolation is never a witness that no horizon can fake (THEOREMS.md §0.2 (c)). The figure shows "
              "the ladder, the extrapolants and their error on three representative flows.")


# ------------------------------------------------------------------------------ networks

DEGREE = quantity("K", "homogeneity degree K of the network (exact)", "K", "exact")  # a quantity of every system


def network(inst: dict) -> AbstractNetwork:
    """The classifier of an instance (THEOREMS.md §2.0), ``K``-homogeneous for every ``arch``:

    ``linear``: ``W_L⋯W_1x`` (depth ``L = K``); ``relu``, ``leaky``, ``sqrelu``: ``Σ_j a_j φ(⟨v_j, x⟩)``
    (``K = 2, 2, 3``); ``conv``: ``Σ_j a_j ReLU(⟨k, x_{j:j+s}⟩)`` with one shared kernel (``K = 2``).
    Kinked activations use the usual autodiff selection at 0 (``φ'(0) = 0`` for ReLU, the slope
    for leaky ReLU)."""
    d, arch = len(inst["X"][0]), inst["arch"]
    if arch == "linear":
        L, h = inst["depth"], inst["width"]
        return MLP((d,) + (h,) * (L - 1) + (1,), (activation("linear"),) * (L - 1))
    if arch == "conv":
        return Conv1D(d, inst["kernel"], activation("relu"))
    act = {"relu": lambda: activation("relu"),
           "leaky": lambda: activation("leaky_relu", slope=inst["slope"], at_zero=inst["slope"]),
           "sqrelu": lambda: activation("relu2")}[arch]()
    return MLP((d, inst["width"], 1), (act,))


def degree(inst: dict) -> int:
    """The homogeneity degree ``K`` of the instance's network."""
    return homogeneity_degree(network(inst))


def teacher(inst: dict, u: list[Fraction], conv_teacher: list[Fraction]) -> list[Fraction]:
    """A separating parameter vector (THEOREMS.md §0.4): a factorisation ``e₁u⋆ᵀ, e₁e₁ᵀ, …, e₁ᵀ``
    of ``u⋆`` for linear nets; neurons ``±u⋆`` with output weights ``±1`` for two-layer nets
    (``φ(z) - φ(-z)`` has the sign of ``z``), the other neurons 0; for ``conv`` the teacher
    ``(k⋆, a⋆)`` that labelled the data."""
    net = network(inst)
    arch = inst["arch"]
    if arch == "conv":
        return list(conv_teacher)
    params = [np.zeros(s, dtype=object) for s in net.shapes()]
    for p in params:
        p[...] = Fraction(0)
    if arch == "linear":
        params[0][0, :] = u
        for W in params[1:-1]:
            W[0, 0] = Fraction(1)
        params[-1][0, 0] = Fraction(1)
    else:
        params[0][0, :] = u
        params[0][1, :] = [-x for x in u]
        params[1][0, :2] = [Fraction(1), Fraction(-1)]
    return list(net.flatten(params))


# ------------------------------------------------------------------------------ exact and ball evaluation


def exact_problem(inst: dict) -> Classification:
    """The instance's classification problem in exact rationals (:class:`checker.classification.Classification`:
    network, data, labels, loss and the homogeneity degree ``K``)."""
    net = network(inst)
    return Classification.of(net, inst["X"], inst["y"], inst["loss"], homogeneity_degree(net))


def weights(inst: dict) -> np.ndarray:
    """The instance's parameters ``θ₀``, exact (flat ``fmpq``)."""
    return rational_array(inst["theta"])


def floats(problem: Classification) -> Classifier:
    """The same problem in float64, for gradient-flow integration (:class:`checker.clocks.Classifier`)."""
    return Classifier(problem.net, problem.X.astype(float), problem.y.astype(float), problem.loss)


# ------------------------------------------------------------------------------ strategies


def _nonzero_vectors(n: int) -> st.SearchStrategy[list[str]]:
    return st.lists(rationals(nonzero=True), min_size=n, max_size=n)


@st.composite
def _planted_points(draw: Any, d: int, n: int, u: list[Fraction], tau: Fraction) -> tuple[list, list]:
    """:func:`checker.classification.planted_points` as a strategy (a given planted ``u⋆``, drawn first)."""
    return planted_points(draw, d, n, u, tau)


def _conv_points(draw: Any, d: int, n: int, k: list[Fraction], a: list[Fraction], tau: Fraction) -> tuple[list, list]:
    """Points labelled by the sign of a teacher convolution ``Σ_j a_j ReLU(⟨k, x_{j:j+s}⟩)``,
    scaled by a whole factor until ``|f⋆(x)| ≥ τ`` (``f⋆`` is 1-homogeneous in ``x``)."""
    s = len(k)

    def f(x: list[Fraction]) -> Fraction:
        return sum((aj * max(Fraction(0), sum(k[i] * x[j + i] for i in range(s))) for j, aj in enumerate(a)), Fraction(0))

    X, y = [], []
    for _ in range(n):
        x = draw(vectors(d).map(lambda v: [Fraction(c) for c in v]).filter(lambda v: f(v) != 0))
        value = f(x)
        scale = max(1, math.ceil(tau / abs(value)))
        X.append([c * scale for c in x])
        y.append(1 if value > 0 else -1)
    return X, y


def _nudge_off_kinks(inst: dict, theta: list[Fraction]) -> list[Fraction]:
    """Move first-layer weights by ``1/97`` until no pre-activation of a kinked unit is exactly 0
    (the flow's integrator starts off the switching surfaces)."""
    net = network(inst)
    if inst["arch"] not in ("relu", "leaky", "conv"):
        return theta
    X = rational_array([[rational_str(c) for c in x] for x in inst["X"]])
    first = int(np.prod(net.shapes()[0]))
    for _ in range(8):
        params = net.unflatten(rational_array([rational_str(c) for c in theta]))
        Z = net.patches(X) @ params[0] if isinstance(net, Conv1D) else X @ params[0].T
        if all(z != 0 for z in np.asarray(Z).reshape(-1)):
            break
        theta = [c + Fraction(1, 97) if i < first else c for i, c in enumerate(theta)]
    return theta


@st.composite
def classification_instances(draw: Any, archs: tuple[str, ...] = ARCHS, losses: tuple[str, ...] = LOSSES,
                             step: bool = False) -> dict:
    """A separable classification instance (THEOREMS.md §0.4): planted ``u⋆`` (or a teacher
    convolution), 2–5 points in dimension 2–3 (3–4 for ``conv``), a separating teacher plus a
    small rational perturbation — or, one time in four, a random rational ``θ`` — scaled by the
    least power of 2 that brings ``ℒ`` below ``ℓ(0)``.  With ``step``, a gradient-descent step
    ``η`` that moves ``θ`` by ``2^k·p/q`` (``k = 0..6``) times its norm.

    ``case`` mixes in the boundary instances where claims hold with equality or break
    (:data:`CASES`): ``tie``, a repeated point, so two margins are exactly equal; ``kink``, a
    hidden unit of a two-layer ReLU/leaky-ReLU net made exactly orthogonal to a point (a zero
    pre-activation at θ₀, where the flow starts on a switching surface); ``tiny``, the data scaled
    by 2⁻⁶ (the weights' scaling then compensates); ``huge``, the weights scaled so that every
    margin is at least 2⁶ times what ``ℒ < ℓ(0)`` needs (``ℒ(θ₀)`` astronomically small).  Elsewhere pre-activations are nudged off 0."""
    arch = draw(st.sampled_from(archs))
    case = draw(st.sampled_from(CASES if arch in ("relu", "leaky") else tuple(c for c in CASES if c != "kink")))
    inst: dict[str, Any] = {"arch": arch, "loss": draw(st.sampled_from(losses)), "case": case}
    tau = Fraction(1, 2)
    if arch == "conv":
        d, s = draw(st.integers(3, 4)), 2
        inst["kernel"] = s
        k = [Fraction(c) for c in draw(_nonzero_vectors(s))]
        a = [Fraction(c) for c in draw(_nonzero_vectors(d - s + 1))]
        X, y = _conv_points(draw, d, draw(st.integers(2, 5)), k, a, tau)
        u, teach = k, k + a
    else:
        d = draw(st.integers(2, 3))
        u = [Fraction(c) for c in draw(vectors(d).filter(lambda v: any(Fraction(c) != 0 for c in v)))]
        X, y = draw(_planted_points(d, draw(st.integers(2, 5)), u, tau))
        teach = []
        if arch == "linear":
            inst["depth"], inst["width"] = draw(st.integers(2, 3)), draw(st.integers(1, 2))
        else:
            inst["width"] = draw(st.integers(2, 3))
        if arch == "leaky":
            inst["slope"] = draw(st.sampled_from(("1/10", "1/5", "1/2")))
    if case == "tie":
        X, y = X + [X[0]], y + [y[0]]
    elif case == "tiny":
        X = [[c / 64 for c in x] for x in X]
    inst["X"], inst["y"] = X, y
    size = network(inst).size
    if draw(st.integers(0, 3)) == 0:
        theta = [Fraction(c) for c in draw(vectors(size))]
    else:
        base = teacher(inst, u, teach)
        theta = [b + Fraction(c) / 10 for b, c in zip(base, draw(vectors(size)))]
    if case == "kink":  # the last hidden unit orthogonal to the first point: v ← v − (⟨v, x⟩/‖x‖²)x
        j, x = inst["width"] - 1, X[0]
        v = theta[j * d:(j + 1) * d]
        c = sum(a * b for a, b in zip(v, x)) / sum(b * b for b in x)
        theta[j * d:(j + 1) * d] = [a - c * b for a, b in zip(v, x)]
    else:
        theta = _nudge_off_kinks(inst, theta)
    theta = scaled_below_threshold(exact_problem(inst), theta)
    if case == "huge":  # every margin 2⁶ times larger (Φ is K-homogeneous)
        theta = [c * 2 ** math.ceil(6 / degree(inst)) for c in theta]
    inst["X"] = [[rational_str(c) for c in x] for x in X]
    inst["theta"] = [rational_str(c) for c in theta]
    if step:
        inst["eta"] = _relative_step(inst, Fraction(draw(positive_rationals())) * 2 ** draw(st.integers(0, 6)))
    return inst


def _relative_step(inst: dict, ratio: Fraction) -> str:
    """A rational step ``η ≈ ratio·‖θ‖/‖∇ℒ(θ)‖``: the step moves ``θ`` by ``ratio`` times its own norm,
    so "large" means the same on every instance, whatever the scale of ``ℒ``."""
    problem = floats(exact_problem(inst))
    theta = np.array([float(Fraction(c)) for c in inst["theta"]])
    log_total, G, _ = problem.log_loss_and_normalised_gradient(theta)  # ∇ℒ = ℒ·G, in logs
    rho, gnorm = float(np.linalg.norm(theta)), float(np.linalg.norm(G))
    if rho == 0 or gnorm == 0:  # θ = 0 (out of scope) or a critical point: no scale to be relative to
        return "1"
    log_eta = math.log(float(ratio) * rho) - log_total - math.log(gnorm)
    eta = Fraction(math.exp(min(log_eta, 700.0))).limit_denominator(10 ** 6)
    return rational_str(eta or Fraction(1, 10 ** 6))


def classification_scope(inst: dict, precision: Precision) -> str | None:
    """Hypotheses of THEOREMS.md §2.0 on the initial parameters: every point classified
    correctly and ``ℒ_sum(θ₀) < ℓ(0)`` (certified in balls)."""
    return exact_problem(inst).scope(weights(inst), precision.bits)


def classification_features(inst: dict) -> dict[str, Any]:
    """The instance mix: case (:data:`CASES`), architecture, loss, homogeneity degree, depth, width,
    dimension, points."""
    return {"case": inst.get("case", "generic"), "architecture": inst["arch"], "loss": inst["loss"], "K": degree(inst),
            "depth": inst.get("depth", 2), "width": inst.get("width", inst.get("kernel")),
            "d": len(inst["X"][0]), "n": len(inst["X"])}
