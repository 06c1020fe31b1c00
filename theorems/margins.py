"""Lyu–Li and Ji–Telgarsky: margins, directions and alignment of homogeneous networks.

K. Lyu, J. Li, "Gradient descent maximizes the margin of homogeneous neural networks", ICLR 2020,
arXiv:1906.05890 (numbers from the ICLR version); Z. Ji, M. Telgarsky, "Directional convergence
and alignment in deep learning", NeurIPS 2020, arXiv:2006.06657 (theorem numbers unconfirmed).
THEOREMS.md §2 is the specification; its notation is used throughout.

Setting (§2.0): a positively ``K``-homogeneous classifier ``Φ(θ; x)``, margins ``q_n = y_nΦ(θ; x_n)``,
``ℒ = Σ_n ℓ(q_n)`` (a sum) with ``ℓ(q) = e^{-q}`` or ``log(1 + e^{-q})``, ``g = -ℓ'``, ``ρ = ‖θ‖``,
normalised margin ``γ̄ = q_min/ρ^K``, smoothed margin ``γ̃ = ℓ^{-1}(ℒ)/ρ^K``.  The hypothesis
``ℒ(θ₀) < ℓ(0)`` is checked in ball arithmetic on every instance; instances failing it are
*hypotheses-unsatisfied*.

Evidence (THEOREMS.md §0.2):

* **pointwise (class b)** — LL-M and LL-T4.1 are inequalities at a point; they are evaluated
  with exact rational data and weights, margins exact, exponentials and logarithms in arb balls:
  *certified* at best.
* **asymptotic (class c)** — LL-T4.3 (and -LOSS, -RHO, -RATE), LL-T4.4, JT-T3.1, JT-T3.1-FL, JT-T4.1,
  JT-LIN (and -MARGIN) and JT-SQRELU are ``limit(...)`` statements over the trajectory quantities of
  :func:`margin_flows`.  Each instance's gradient flow (the Clarke/Filippov flow on kinks) is
  integrated in a reparametrised clock with ``log t`` as a state (:mod:`checker.clocks`) on a
  geometric ladder of ``log t`` up to ``10⁶`` (``10⁷`` after escalation), twice (BDF and LSODA:
  the difference is each rung's error); :mod:`checker.limits` extrapolates the limit (with the
  theorem's rate form where the paper gives one) and estimates its error from the ladder.  So a
  finite horizon makes a claim *passed* or *inconclusive* (and escalates the horizon), never
  *refuted*: refutations of asymptotic claims come only from closed forms (the mutations below).
"""
from __future__ import annotations

import math
import re
from fractions import Fraction
from pathlib import Path
from typing import Any, Callable

import numpy as np
import sympy
from flint import arb, fmpq, fmpq_mat
from hypothesis import strategies as st

from checker import Enclosure, MeasurementError, Precision, System, system_family, theorem
from checker.arith import rational, rational_array, rational_str, working_precision
from checker.cache import shared
from checker.clocks import (ESCALATION_SECONDS, PER_DECADE, Classifier, FlowError, Rung, Trajectory, checked_flow,
                            homogeneity_degree, horizon_ladder, ladder_rtol, ladder_top, rungs)
from checker.figures import axes, ladder_panel, save
from checker.limits import HORIZON, Ladder as LimitLadder, judge_limit, least_squares_limit
from checker.quantities import quantity
from checker.classification import Classification, gap_bits, scaled_below_threshold
from checker.losses import loss
from checker.nets import AbstractNetwork, Conv1D, MLP, activation
from checker.registry import register
from checker.statements import Statement, enclose
from checker.strategies import positive_rationals, rationals, vectors
from checker.svm import SVM, exact_dot, hard_margin_svm, kkt_residual

SOURCE_LL = "Lyu & Li, ICLR 2020, arXiv:1906.05890"
SOURCE_JT = "Ji & Telgarsky, NeurIPS 2020, arXiv:2006.06657"
ARCHS = ("linear", "relu", "leaky", "sqrelu", "conv")
SMOOTH_ARCHS = ("linear", "sqrelu")  # locally Lipschitz gradient (JT-T4.1)
CASES = ("generic", "tie", "kink", "tiny", "huge")  # boundary instances (classification_instances)
LOSSES = ("exp", "logistic")

# ------------------------------------------------------------------------------ networks


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


def loss_scope(q: np.ndarray, lossname: str, bits: int) -> str | None:
    """None when ``ℒ_sum = Σ ℓ(q_n) < ℓ(0)`` is certified (THEOREMS.md §2.0), else the reason."""
    lossfn = loss(lossname)
    with working_precision(bits):
        total = lossfn.ball_total(q)
        if total < lossfn.ball_ell0():
            return None
        return (f"ℒ_sum = {total.mid().str(5, radius=False)} is not certified below ℓ(0) "
                f"(THEOREMS.md §2.0 (A4); §2 (i))")


# ------------------------------------------------------------------------------ strategies


def _nonzero_vectors(n: int) -> st.SearchStrategy[list[str]]:
    return st.lists(rationals(nonzero=True), min_size=n, max_size=n)


@st.composite
def _planted_points(draw: Any, d: int, n: int, u: list[Fraction], tau: Fraction) -> tuple[list, list]:
    """Points ``x`` and labels ``y = ±1`` with ``y⟨u⋆, x⟩ ≥ τ``: a drawn point that misses the margin
    is moved along ``y·u⋆`` by the fewest whole steps (THEOREMS.md §0.4 plants ``u⋆``)."""
    uu = sum(c * c for c in u)
    X, y = [], []
    for _ in range(n):
        x = [Fraction(c) for c in draw(vectors(d))]
        label = draw(st.sampled_from((1, -1)))
        gap = tau - label * sum(a * b for a, b in zip(u, x))
        if gap > 0:
            steps = math.ceil(gap / uu)
            x = [a + label * steps * b for a, b in zip(x, u)]
        X.append(x)
        y.append(label)
    return X, y


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


# ------------------------------------------------------------------------------ LL-M: scalar inequality

DEGREE = quantity("K", "homogeneity degree K of the network (exact)", "K", "exact")

MARGIN_VECTOR_QUANTITIES = {q.name: q for q in (
    quantity("sum_gq", "Σ_n g(q_n)·q_n (the mean (1/N)Σ_n g(q_n)q_n under the 'mean' convention)",
             r"\sum_n g(q_n)\,q_n"),
    quantity("gz_z", "g(z)·z with z = ℓ^{-1}(ℒ_sum) (ℓ^{-1}(ℒ_sum/N) under the 'mean' convention)", r"g(z)\,z"),
    quantity("z", "z, the margin whose loss is the total loss", "z"),
    quantity("loss_sum", "ℒ_sum = Σ_n ℓ(q_n)", r"\mathcal{L}_{\mathrm{sum}}"),
)}


@system_family(MARGIN_VECTOR_QUANTITIES)
def margin_vectors(convention: str = "sum", losses: tuple[str, ...] = LOSSES) -> System:
    """Margin vectors ``q ∈ ℚ^N`` (``N = 2..8``) with ``ℒ_sum = Σ ℓ(q_n) < ℓ(0)``, measured in arb
    balls from exact rationals; the first margin is repeated 0–2 times (ties among margins, where
    the smallest margins are equal).  ``convention="mean"`` transcribes (M) with the mean loss
    ``(1/N)Σℓ(q_n) = ℓ(z)`` of Ji–Telgarsky's normalisation (§2.0) in place of the sum."""
    if convention not in ("sum", "mean"):
        raise ValueError("convention is 'sum' or 'mean'")

    @st.composite
    def draw(dr: Any) -> dict:
        shift = dr(st.integers(0, 4))
        q = dr(st.lists(positive_rationals(), min_size=2, max_size=6))
        q = q + [q[0]] * dr(st.integers(0, 2))
        return {"loss": dr(st.sampled_from(losses)), "q": [rational_str(Fraction(c) + shift) for c in q]}

    def features(inst: dict) -> dict[str, Any]:
        q = rational_array(inst["q"])
        return {"loss": inst["loss"], "N": len(q), "ties": len(q) - len(set(q))}

    def scope(inst: dict, precision: Precision) -> str | None:
        return loss_scope(rational_array(inst["q"]), inst["loss"], precision.bits)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        q, lossfn = list(rational_array(inst["q"])), loss(inst["loss"])
        bits = precision.bits + gap_bits(q)
        with working_precision(bits):
            total = lossfn.ball_total(q)
            lhs = sum((lossfn.ball_g(x) * x for x in q), arb(0))
            if convention == "mean":
                total_conv, lhs = total / len(q), lhs / len(q)
            else:
                total_conv = total
            z = lossfn.ball_inverse(total_conv)
            rhs = lossfn.ball_g(z) * z
        note = f"arb balls at {bits} bits from exact margins"
        return {"sum_gq": Enclosure.ball(lhs, note), "gz_z": Enclosure.ball(rhs, note),
                "z": Enclosure.ball(z, note), "loss_sum": Enclosure.ball(total, note)}

    return System(f"margin_vectors({convention})",
                  "exact margin vectors q with Σℓ(q_n) < ℓ(0); (M) evaluated in arb balls",
                  MARGIN_VECTOR_QUANTITIES, draw(), measure, scope,
                  ("ℒ_sum = Σ_n ℓ(q_n) < ℓ(0), certified in balls (§2.0)",), {"convention": convention, "losses": losses},
                  features=features)


# ------------------------------------------------------------------------------ LL-T4.1: pointwise monotonicity

POINT_QUANTITIES = {q.name: q for q in (
    DEGREE,
    quantity("gamma_tilde", "smoothed margin γ̃ = ℓ^{-1}(ℒ)/ρ^K at θ", r"\tilde\gamma"),
    quantity("gamma_bar", "normalised margin γ̄ = q_min/ρ^K at θ", r"\bar\gamma"),
    quantity("dlog_gamma_tilde", "d/dt log γ̃ along gradient flow at θ: ‖∇ℒ‖²/(g(z)z) − K⟨θ,−∇ℒ⟩/ρ², z = ℓ^{-1}(ℒ)",
             r"\tfrac{d}{dt}\log\tilde\gamma"),
    quantity("dlog_rho", "d/dt log ρ = ⟨θ̂, −∇ℒ⟩/ρ", r"\tfrac{d}{dt}\log\rho"),
    quantity("dtheta_hat", "‖dθ̂/dt‖ = ‖(I − θ̂θ̂ᵀ)∇ℒ‖/ρ", r"\lVert\tfrac{d\hat\theta}{dt}\rVert"),
    quantity("lemma_gap", "d/dt log γ̃ − K (d/dt log ρ)^{-1}‖dθ̂/dt‖² (Lemma 5.1's slack), at the precision its "
             "cancellation needs", r"\tfrac{d}{dt}\log\tilde\gamma - K\lVert\tfrac{d\hat\theta}{dt}\rVert^2"
             r"\big/\tfrac{d}{dt}\log\rho"),
    quantity("eta", "gradient-descent step η of the instance", r"\eta", "exact"),
    quantity("gamma_tilde_gd", "γ̃ after one gradient-descent step θ − η∇ℒ(θ)",
             r"\tilde\gamma(\theta - \eta\nabla\mathcal{L})"),
    quantity("neuron_identity", "max_{j,n} |⟨v_j, ∂q_n/∂v_j⟩ − c·a_j ∂q_n/∂a_j| (squared-ReLU networks; exact; "
             "c = identity_factor, 2)",
             r"\max_{j,n}\lvert\langle v_j,\partial_{v_j}q_n\rangle - c\,a_j\partial_{a_j}q_n\rvert", "exact"),
)}


def _neuron_identity(ex: Classification, theta: np.ndarray, factor: int) -> fmpq:
    """``max_{j,n} |⟨v_j, ∂q_n/∂v_j⟩ − factor·a_j ∂q_n/∂a_j|`` exactly (JT-SQRELU's per-neuron
    identity for ``factor = 2``, whose sum against KKT multipliers gives ``‖v_j‖² = 2a_j²`` at KKT
    points)."""
    params = ex.net.unflatten(theta)
    worst = fmpq(0)
    for n in range(ex.X.shape[0]):
        G = np.array([[fmpq(0)] for _ in range(ex.X.shape[0])], dtype=object)
        G[n, 0] = fmpq(int(ex.y[n, 0]))
        dV, da = ex.net.backward(params, ex.X, G)
        V, a = params
        for j in range(V.shape[0]):
            gap = sum((V[j, i] * dV[j, i] for i in range(V.shape[1])), fmpq(0)) - factor * a[0, j] * da[0, j]
            worst = max(worst, abs(gap))
    return worst


@system_family(POINT_QUANTITIES)
def network_points(archs: tuple[str, ...] = ARCHS, losses: tuple[str, ...] = LOSSES, identity_factor: int = 2) -> System:
    """Generated points ``θ`` of homogeneous classifiers with ``ℒ(θ) < ℓ(0)`` (THEOREMS.md §0.4
    instances), each with a gradient-descent step ``η``.  Data, weights and margins are exact;
    ``∇ℒ``, ``γ̃`` and the flow derivatives are arb balls (``∇ℒ = Σ_n -g(q_n)∇q_n`` by
    back-propagation of the cotangent ``-y g(q)``; kinks use the network's fixed selection).
    ``identity_factor`` is the factor of ``neuron_identity`` (2 for squared ReLU)."""

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        ex, theta = exact_problem(inst), weights(inst)
        bits = precision.bits + gap_bits(ex.margins(theta))
        note = f"arb balls at {bits} bits from exact data and weights"
        out: dict[str, Enclosure] = {"K": Enclosure.exact(ex.K), "eta": Enclosure.exact(rational(inst["eta"]))}
        if "neuron_identity" in names:
            if inst["arch"] != "sqrelu":
                raise MeasurementError("neuron_identity is defined for squared-ReLU networks only")
            out["neuron_identity"] = Enclosure.exact(_neuron_identity(ex, theta, identity_factor))
        if names <= set(out):
            return out
        state = ex.state(theta, bits)  # q, ℒ, z = ℓ^{-1}(ℒ) and ∇ℒ in balls
        q, z, grad, lossfn = state.q, state.z, state.grad, ex.loss
        with working_precision(bits):
            rho2 = sum((arb(c) * c for c in theta), arb(0))
            rho = rho2.sqrt()
            grad2 = sum((c * c for c in grad), arb(0))
            v = -sum((c * t for c, t in zip(grad, theta)), arb(0)) / rho  # ⟨θ̂, −∇ℒ⟩
            u2 = grad2 - v * v  # ‖(I − θ̂θ̂ᵀ)∇ℒ‖²
            out["dlog_gamma_tilde"] = Enclosure.ball(grad2 / (lossfn.ball_g(z) * z) - ex.K * v / rho, note)
            out["dlog_rho"] = Enclosure.ball(v / rho, note)
            out["dtheta_hat"] = Enclosure.ball(u2.nonnegative_part().sqrt() / rho, note)
            out["lemma_gap"] = Enclosure.ball(grad2 / (lossfn.ball_g(z) * z) - ex.K * v / rho - ex.K * u2 / (v * rho), note)
            out["gamma_tilde"] = Enclosure.ball(state.smoothed_margin("l2"), note)
            out["gamma_bar"] = Enclosure.ball(state.normalised_margin("l2"), note)
            if "gamma_tilde_gd" in names:
                step = theta - rational(inst["eta"]) * grad
                try:
                    out["gamma_tilde_gd"] = Enclosure.ball(ex.state(step, bits).smoothed_margin("l2"), note)
                except ArithmeticError as exc:  # a kink of the stepped point undecided at this precision
                    out["gamma_tilde_gd"] = Enclosure.ball(arb(0, 1e300), f"{note}; {exc}")
        return out

    return System(f"network_points({'+'.join(archs)}; {'+'.join(losses)}" + (f"; factor {identity_factor})" if identity_factor != 2 else ")"),
                  "exact points θ of homogeneous classifiers with ℒ(θ) < ℓ(0); flow derivatives in arb balls",
                  POINT_QUANTITIES, classification_instances(archs, losses, step=True), measure, classification_scope,
                  ("every point classified correctly and ℒ_sum(θ) < ℓ(0), certified in balls (§2.0 (A4))",
                   "Φ positively K-homogeneous (no biases, homogeneous activations) (A2)"),
                  {"archs": archs, "losses": losses, "identity_factor": identity_factor},
                  features=classification_features)


# ------------------------------------------------------------------------------ trajectories


def end_to_end(net: MLP, theta: np.ndarray) -> np.ndarray:
    """``(W_L⋯W_1)ᵀ`` of a deep linear network."""
    out = None
    for W in net.weights(net.unflatten(theta)):
        out = W if out is None else W @ out
    return out.reshape(-1)


@shared()
def data_svm(X: list, y: list) -> SVM:
    """The hard-margin SVM of an instance's exact data (:func:`checker.svm.hard_margin_svm`)."""
    return hard_margin_svm(rational_array(X), np.array(y))


def _only(archs: tuple[str, ...], fn: Callable[[Rung, dict], float]) -> Callable[[Rung, dict], float]:
    """A rung measurement defined for the architectures ``archs`` only."""
    fn.archs = archs  # type: ignore[attr-defined]
    return fn


def _one_minus_cos(unit: np.ndarray, V: np.ndarray) -> float:
    """``1 − cos∠(θ, V) = ½‖θ̂ − V̂‖²`` (THEOREMS.md §0.3-5)."""
    return 0.5 * float(np.sum((unit - V / np.linalg.norm(V)) ** 2))


def _layers(r: Rung) -> list[np.ndarray]:
    return r.problem.net.unflatten(r.theta)


# Each trajectory quantity with how it is measured on a rung ``r`` of the flow of instance ``inst``
# (THEOREMS.md §2.0 notation; kinks: the flow's Clarke selection): float64 on the run and on its
# check, the difference being the error (checker.clocks.CheckedFlow.ladder).
TRAJECTORY_QUANTITIES = {q.name: q for q in (
    DEGREE,
    quantity("logt", "log t on the rung (t counted from θ(1) = θ₀): the ladder's horizon H", r"\log t", "estimate"),
    quantity("rho", "ρ = ‖θ‖", r"\rho", "estimate", measure=lambda r, inst: r.rho),
    quantity("qmin", "q_min = min_n y_nΦ(θ; x_n)", r"q_{\min}", "estimate",
             measure=lambda r, inst: float(r.margins.min())),
    quantity("log_loss", "log ℒ, ℒ = Σ_n ℓ(q_n) (the sum)", r"\log\mathcal{L}", "estimate",
             measure=lambda r, inst: r.log_loss),
    quantity("gamma_bar", "normalised margin γ̄ = q_min/ρ^K", r"\bar\gamma", "estimate",
             measure=lambda r, inst: float(r.margins.min()) / r.rho ** degree(inst)),
    quantity("gamma_tilde", "smoothed margin γ̃ = ℓ^{-1}(ℒ)/ρ^K", r"\tilde\gamma", "estimate",
             measure=lambda r, inst: r.problem.loss.inverse(r.log_loss) / r.rho ** degree(inst)),
    quantity("one_minus_cos", "1 − cos∠(θ, velocity) = ½‖θ̂ − V̂‖² (velocity −∇ℒ, the Clarke velocity on kinks)",
             r"1-\cos\angle(\theta,-\nabla\mathcal{L})", "estimate",
             measure=lambda r, inst: _one_minus_cos(r.unit, r.velocity)),
    quantity("one_minus_cos_autodiff", "the same with the network's autodiff gradient (ReLU'(0) = 0) in place of "
             "the flow's velocity", r"1-\cos\angle(\theta,-\nabla_{\mathrm{AD}}\mathcal{L})", "estimate",
             measure=lambda r, inst: _one_minus_cos(r.unit, r.autodiff_velocity)),
    quantity("kkt", "(ε, δ)-KKT residual of min ½‖θ‖² s.t. q_n ≥ 1 at θ/q_min^{1/K} (checker.svm.kkt_residual)",
             r"\varepsilon_{\mathrm{KKT}}", "estimate",
             measure=lambda r, inst: kkt_residual(r.problem, r.theta, r.piece, degree(inst))),
    quantity("path_length", "length of the path of θ̂ from θ₀", r"\mathrm{len}(\hat\theta)", "estimate",
             measure=lambda r, inst: r.path),
    quantity("dtheta_decade", "‖θ̂(H) − θ̂(H/10)‖, the change of direction over the last decade of log t (θ̂₀ in "
             "the first)", r"\lVert\hat\theta(H)-\hat\theta(H/10)\rVert", "estimate",
             measure=lambda r, inst: float(np.linalg.norm(r.unit - r.earlier_unit))),
    quantity("path_decade", "path length of θ̂ over the last decade of log t", r"\mathrm{len}_{[H/10,\,H]}(\hat\theta)",
             "estimate", measure=lambda r, inst: r.path - r.earlier_path),
    quantity("svm_sin2", "deep linear nets: sin²∠(u_t, u_SVM), u_t the end-to-end vector W_L⋯W_1",
             r"\sin^2\angle(u_t,u_{\mathrm{SVM}})", "estimate",
             measure=_only(("linear",), lambda r, inst: data_svm(inst["X"], inst["y"]).sin2(end_to_end(r.problem.net, r.theta)))),
    quantity("sum_v2", "two-layer nets: Σ_j ‖v_j‖² (first-layer weights)", r"\sum_j\lVert v_j\rVert^2", "estimate",
             measure=_only(("relu", "leaky", "sqrelu"), lambda r, inst: float(np.sum(_layers(r)[0] ** 2)))),
    quantity("sum_a2", "two-layer nets: Σ_j a_j² (output weights)", r"\sum_j a_j^2", "estimate",
             measure=_only(("relu", "leaky", "sqrelu"), lambda r, inst: float(np.sum(_layers(r)[1] ** 2)))),
)}
FLOW_QUANTITIES = {q.name: q for q in (
    DEGREE,
    quantity("gamma_star", "deep linear nets: the hard-margin SVM margin γ⋆ = 1/‖w_SVM‖ of the data (balls from "
             "the exact SVM)", r"\gamma^\star"),
)}


def flow_trajectory(inst: dict, precision: Precision, names: frozenset[str]) -> LimitLadder:
    """The instance's gradient flow on the geometric ladder ``log t = 10·10^{k/4}`` up to
    :func:`checker.clocks.ladder_top` (``10⁶``, ``10⁷`` from escalation level 1), the requested
    :data:`TRAJECTORY_QUANTITIES` on every rung as estimates whose radius is the difference between
    the BDF run and its LSODA check plus float64 rounding (:meth:`checker.clocks.CheckedFlow.ladder`).
    The pair of runs is shared by every statement on the instance (:func:`checker.clocks.checked_flow`
    is memoised).  An escalated run that fails or takes more than ``ESCALATION_SECONDS`` returns the
    first level's ladder, on which the limit stays undecided."""
    wanted = [TRAJECTORY_QUANTITIES[name] for name in sorted(names)]
    for q in wanted:
        archs = getattr(q.measure, "archs", None)
        if archs and inst["arch"] not in archs:
            raise MeasurementError(f"{q.name} is defined for {'/'.join(archs)} networks only")
    ex = exact_problem(inst)
    problem = floats(ex)
    theta0 = np.array([float(c) for c in weights(inst)])
    ladder = horizon_ladder(ladder_top(precision.level), PER_DECADE)
    try:
        flow = checked_flow(problem, theta0, ladder, rtol=ladder_rtol(precision.rtol),
                            max_seconds=ESCALATION_SECONDS if precision.level else math.inf)
    except FlowError as exc:
        if precision.level > 0:
            return flow_trajectory(inst, Precision(precision.bits, precision.rtol, 0), names)
        raise MeasurementError(f"gradient flow integration failed: {exc}") from None
    svm = data_svm(inst["X"], inst["y"]) if inst["arch"] == "linear" else None
    note = (f"{flow.run.describe()}; radius = difference to {flow.check.method} at rtol {flow.check.rtol:g} plus rounding"
            + (f"; u_SVM {svm.note}" if svm else ""))
    measures = {q.name: (lambda r, q=q: q.measure(r, inst)) for q in wanted if q.measure is not None}
    return flow.ladder(theta0, measures, {"K": Enclosure.exact(ex.K)}, note)


FLOW_STRATEGY = classification_instances(ARCHS, LOSSES)


@system_family(FLOW_QUANTITIES)
def margin_flows(archs: tuple[str, ...] = ARCHS, requirement: str = "") -> System:
    """Gradient flow of homogeneous classifiers (THEOREMS.md §0.4 instances) on the ladder of
    :func:`flow_trajectory`: ``log t = 10 … 10⁶`` (``10⁷`` on escalation) in the rescaled
    loss-normalised clock with ``log t`` as a state (:mod:`checker.clocks`: BDF with a
    margin-scaled difference Jacobian, the Filippov flow on ReLU kinks), 4 rungs per decade,
    checked by LSODA.  Statements take limits of its :data:`TRAJECTORY_QUANTITIES` along the
    ladder (``limit(qmin/logt) == 1``); its ordinary quantities are ``K`` and, for deep linear
    nets, ``gamma_star``.

    Every such system draws from the same strategy (all architectures, both losses), so the
    asymptotic statements share their trajectories; architectures outside ``archs`` are out of
    scope for the reason ``requirement``."""

    def scope(inst: dict, precision: Precision) -> str | None:
        if inst["arch"] not in archs:
            return requirement or f"architecture {inst['arch']} is not one of {', '.join(archs)}"
        return classification_scope(inst, precision)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        out: dict[str, Enclosure] = {"K": Enclosure.exact(degree(inst))}
        if "gamma_star" in names:
            if inst["arch"] != "linear":
                raise MeasurementError("gamma_star is defined for deep linear networks only")
            svm = data_svm(inst["X"], inst["y"])
            with working_precision(precision.bits):
                out["gamma_star"] = (Enclosure.ball(1 / arb(exact_dot(svm.w, svm.w)).sqrt(), svm.note) if svm.exact else
                                     Enclosure.estimate(svm.gamma_star(), 1e-10, svm.note))
        return out

    hypotheses = ("every point classified correctly and ℒ_sum(θ₀) < ℓ(0), certified in balls (§2.0 (A4))",
                  "Φ positively K-homogeneous (no biases, homogeneous activations) (A2)",
                  "gradient flow; on ReLU kinks the Clarke (Filippov) flow")
    return System(f"margin_flows({'+'.join(archs)})",
                  "gradient-flow trajectories on a ladder of log t to 1e6 in a reparametrised clock, BDF checked by LSODA",
                  FLOW_QUANTITIES, FLOW_STRATEGY, measure, scope,
                  hypotheses + ((requirement,) if requirement else ()), {"archs": archs},
                  trajectory=flow_trajectory, trajectory_quantities=TRAJECTORY_QUANTITIES,
                  features=classification_features, dynamical=True)


# ------------------------------------------------------------------------------ closed-form limits (mutations)
#
# A finite horizon cannot refute an asymptotic claim (THEOREMS.md §0.2 (c)).  Each system below
# knows the limit of its flow in closed form, so the claim's limit quantity is measured exactly
# (or in balls) and a violation is a certified witness, whatever the horizon.

SQUARE_QUANTITIES = {q.name: q for q in (
    quantity("qmin_limit", "lim q_min(t) = q_min(w_∞) of the closed-form limit w_∞ (exact)", r"q_{\min}(w_\infty)",
             "exact"),
    quantity("svm_sin2_limit", "sin²∠(lim u_t, u_SVM), exact from the closed-form limit",
             r"\sin^2\angle(w_\infty,u_{\mathrm{SVM}})", "exact"),
    quantity("margin_gap_limit", "|γ̄(lim) K^{K/2}/γ⋆ − 1| of the closed-form limit direction",
             r"\lvert\bar\gamma(w_\infty)K^{K/2}/\gamma^\star-1\rvert"),
)}
BIAS_QUANTITIES = {"kkt_limit": quantity("kkt_limit", "KKT residual of (P) at the closed-form limit direction, at "
                                         "the scale where q = 1", r"\varepsilon_{\mathrm{KKT}}(\hat\theta_\infty)")}
RAY_QUANTITIES = {"one_minus_cos_limit": quantity("one_minus_cos_limit", "1 − cos∠(θ, −∇ℒ) along the closed-form "
                                                  "solution (constant on a ray)",
                                                  r"\lim\,1-\cos\angle(\theta,-\nabla_{\mathrm{AD}}\mathcal{L})")}


@system_family(SQUARE_QUANTITIES)
def square_loss_limits() -> System:
    """A linear predictor ``f(x) = ⟨w, x⟩`` (the depth-1 deep linear network, ``K = 1``) trained by
    gradient flow on the *squared* loss ``½Σ(f(x_n) − y_n)²`` from a rational ``w₀`` on planted
    separable data: the flow is linear, its limit is exact (:func:`least_squares_limit`), and so
    is its angle to the hard-margin SVM direction (THEOREMS.md §2 (iv))."""

    @st.composite
    def draw(dr: Any) -> dict:
        d = dr(st.integers(2, 3))
        u = [Fraction(c) for c in dr(vectors(d).filter(lambda v: any(Fraction(c) != 0 for c in v)))]
        X, y = dr(_planted_points(d, dr(st.integers(2, 5)), u, Fraction(1, 2)))
        return {"loss": "squared", "X": [[rational_str(c) for c in x] for x in X], "y": y, "w0": dr(vectors(d))}

    def limit(inst: dict) -> np.ndarray:
        X = rational_array(inst["X"])
        return least_squares_limit(X, rational_array(inst["y"]), rational_array(inst["w0"]))

    def scope(inst: dict, precision: Precision) -> str | None:
        return None if any(c != 0 for c in limit(inst)) else "the flow converges to w = 0: no limit direction"

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        X, y = rational_array(inst["X"]), np.array(inst["y"])
        w = limit(inst)
        svm = hard_margin_svm(X, y)
        out: dict[str, Enclosure] = {}
        with working_precision(precision.bits):
            if svm.exact:
                cos2 = exact_dot(w, svm.w) ** 2 / (exact_dot(w, w) * exact_dot(svm.w, svm.w))
                out["svm_sin2_limit"] = Enclosure.exact(1 - cos2, "exact rational limit and exact SVM")
            else:
                out["svm_sin2_limit"] = Enclosure.estimate(svm.sin2(np.array([float(c) for c in w])),
                                                           1e-10, svm.note)
            qmin = min(int(y[n]) * exact_dot(X[n], w) for n in range(len(y)))
            gamma_bar = arb(qmin) / arb(exact_dot(w, w)).sqrt()
            gamma_star = arb(1) / arb(exact_dot(svm.w, svm.w)).sqrt() if svm.exact else arb(svm.gamma_star(), 1e-10)
            out["margin_gap_limit"] = Enclosure.ball(abs(gamma_bar / gamma_star - 1), "ball arithmetic on the exact limit")
        out["qmin_limit"] = Enclosure.exact(qmin, "q_min(w_∞) of the exact least-squares limit")
        return out

    return System("square_loss_limits", "gradient flow of a linear predictor on the squared loss: exact limit",
                  SQUARE_QUANTITIES, draw(), measure, scope,
                  ("planted separable data (§0.4); squared loss instead of exp/logistic (§2 (iv))",), {})


@system_family(BIAS_QUANTITIES)
def output_bias_limits(losses: tuple[str, ...] = LOSSES) -> System:
    """A two-layer *linear* network with biases, ``f(x) = Σ_j a_j(⟨v_j, x⟩ + b_j) + c``, on one
    training point: the output bias ``c`` makes it non-homogeneous (degree 2 plus degree 1,
    THEOREMS.md §2 (ii)).  Gradient flow is solvable: with ``x̃ = (x, 1)``, ``ṽ_j = (v_j, b_j)``,
    ``s_j = y⟨ṽ_j, x̃⟩/‖x̃‖`` and ``τ = ∫ g(q) dt → ∞``, ``(s_j ± a_j)(τ) = (s_j ± a_j)(0)e^{±‖x̃‖τ}``, the
    rest of ``ṽ_j`` is constant and ``c = c₀ + yτ``; so ``θ/‖θ‖`` tends to the direction with
    ``ṽ_j = β_j y x̃/‖x̃‖``, ``a_j = β_j``, ``c = 0``, ``β_j = s_j(0) + a_j(0)``.  At every multiple of
    it, ``∂q/∂c = y ≠ 0 = c``, so no multiple is a KKT point of (P)."""

    @st.composite
    def draw(dr: Any) -> dict:
        d, m = dr(st.integers(1, 3)), dr(st.integers(1, 3))
        x = dr(vectors(d))
        size = MLP((d, m, 1), (activation("linear"),), bias=True).size
        return {"loss": dr(st.sampled_from(losses)), "X": [x], "y": [dr(st.sampled_from((1, -1)))],
                "width": m, "theta": dr(vectors(size)), "scale": 2 ** dr(st.integers(0, 4))}

    def parts(inst: dict) -> tuple[MLP, list, np.ndarray, int]:
        d, m = len(inst["X"][0]), inst["width"]
        net = MLP((d, m, 1), (activation("linear"),), bias=True)
        theta = rational_array(inst["theta"]) * inst["scale"]
        return net, net.unflatten(theta), rational_array(inst["X"]), int(inst["y"][0])

    def scope(inst: dict, precision: Precision) -> str | None:
        net, params, X, y = parts(inst)
        q = (net.forward(params, X) * y).reshape(-1)
        if q[0] <= 0:
            return "the initial network misclassifies the point (§2 (i))"
        W1, b1, W2, _ = params
        xt = list(X[0]) + [fmpq(1)]
        if all(y * (exact_dot(list(W1[j]) + [b1[j]], xt)) == 0 and W2[0, j] == 0 for j in range(W1.shape[0])):
            return "every β_j = s_j(0) + a_j(0) vanishes: no limit direction"
        return loss_scope(q, inst["loss"], precision.bits)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        net, params, X, y = parts(inst)
        W1, b1, W2, _ = params
        m, d = W1.shape
        with working_precision(precision.bits):
            xt = [arb(c) for c in X[0]] + [arb(1)]
            norm = sum((c * c for c in xt), arb(0)).sqrt()
            beta = [y * exact_dot(list(W1[j]) + [b1[j]], xt) / norm + W2[0, j] for j in range(m)]
            lim_W1 = np.array([[b * y * xt[i] / norm for i in range(d)] for b in beta], dtype=object)
            lim_b1 = np.array([b * y * xt[d] / norm for b in beta], dtype=object)
            lim = [lim_W1, lim_b1, np.array([beta], dtype=object), np.array([arb(0)], dtype=object)]
            q2 = (net.forward(lim, X) * y).reshape(-1)[0]  # degree 2 only: c = 0
            alpha = 1 / q2.sqrt()
            scaled = [p * alpha for p in lim]
            grad = net.flatten(net.backward(scaled, X, np.array([[arb(y)]], dtype=object)))
            theta = net.flatten(scaled)
            tt, tg, gg = (sum((a * b for a, b in zip(u, v)), arb(0)) for u, v in ((theta, theta), (theta, grad), (grad, grad)))
            residual2 = tt - (tg * tg / gg if tg > 0 else arb(0))  # distance² to the ray {λ∇q: λ ≥ 0}
            kkt = residual2.nonnegative_part().sqrt() / tt.sqrt()
        return {"kkt_limit": Enclosure.ball(kkt, "closed-form limit direction, ball arithmetic")}

    return System(f"output_bias_limits({'+'.join(losses)})",
                  "two-layer linear network with an output bias on one point: closed-form limit direction",
                  BIAS_QUANTITIES, draw(), measure, scope,
                  ("ℒ(θ₀) < ℓ(0), certified in balls; the output bias breaks homogeneity (§2 (ii))",), {"losses": losses})


# Self-similar Clarke solutions of a two-layer ReLU network sliding on a kink.  The template (its
# derivation is in the notes of MUT-JT-T4.1-autodiff): hidden units k = (a 5, v (4, −3)) and
# j = (a −4, v (0, 4)); points x_n = (1, 0) ×16 (y = +1), x_o = (0, −4/3) ×9 (y = +1),
# x_m = (p, 5/4) ×16 (y = −1).  Every margin is 20; unit j sits on the kink of x_n.
RAY_TEMPLATE = {"V": [["4", "-3"], ["0", "4"]], "a": ["5", "-4"],
                "points": [(["1", "0"], 1, 16), (["0", "-4/3"], 1, 9), (None, -1, 16)]}


@system_family(RAY_QUANTITIES)
def sliding_rays(losses: tuple[str, ...] = LOSSES) -> System:
    """Two-layer ReLU networks whose Clarke gradient flow is an exact ray ``θ(t) = r(t)θ₀``: every
    margin is equal (so the loss weights are equal and stay equal) and the Clarke velocity — the
    autodiff field projected onto the kinks the flow slides on, with admissible selections
    ``σ ∈ [0, 1]`` — is a positive multiple of ``θ₀``, all checked in exact rationals.  Along such a
    solution ``1 − cos∠(θ, −∇ℒ)`` is constant, so its limit is its value at ``θ₀`` (exact).
    Instances are drawn around a rational template (:data:`RAY_TEMPLATE`) by rotations through
    Pythagorean angles, scalings, the push ``p`` of the third point and the loss; those that are
    not exact rays are out of scope (THEOREMS.md §0.4 violating strategy for §2 (v))."""

    @st.composite
    def draw(dr: Any) -> dict:
        m, n = dr(st.integers(1, 3)), dr(st.integers(0, 2))
        rot = [[Fraction(m * m - n * n, m * m + n * n), Fraction(-2 * m * n, m * m + n * n)],
               [Fraction(2 * m * n, m * m + n * n), Fraction(m * m - n * n, m * m + n * n)]]
        kappa = Fraction(dr(st.integers(1, 4)), dr(st.integers(1, 3)))
        p = Fraction(dr(st.integers(-3, 14)), 16)
        turn = lambda v: [sum(rot[i][k] * Fraction(v[k]) for k in range(2)) for i in range(2)]  # noqa: E731
        X, y = [], []
        for point, label, count in RAY_TEMPLATE["points"]:
            x = turn(point or [p, Fraction(5, 4)])
            X += [[rational_str(kappa * c) for c in x]] * count
            y += [label] * count
        V = [turn(v) for v in RAY_TEMPLATE["V"]]
        theta = [rational_str(c) for c in [*V[0], *V[1], *map(Fraction, RAY_TEMPLATE["a"])]]
        return {"arch": "relu", "width": 2, "loss": dr(st.sampled_from(losses)), "X": X, "y": y, "theta": theta}

    def ray(inst: dict) -> tuple[Classification, np.ndarray, np.ndarray, str | None]:
        """The exact autodiff field ``F = Σ_n ∇q_n`` (equal weights), its Clarke projection, and
        why the instance is not an exact ray (None when it is)."""
        ex, theta = exact_problem(inst), weights(inst)
        q = ex.margins(theta)
        if any(c != q[0] for c in q):
            return ex, None, None, "unequal margins: the loss weights change along the flow"
        params = ex.net.unflatten(theta)
        m = ex.X.shape[0]
        F = ex.net.flatten(ex.net.backward(params, ex.X, np.array([[fmpq(int(c))] for c in ex.y[:, 0]], dtype=object)))
        W1, W2 = params
        d, units = ex.X.shape[1], W1.shape[0]
        kinks = [(n, j) for n in range(m) for j in range(units) if exact_dot(W1[j], ex.X[n]) == 0]
        normals = []
        for n, j in kinks:
            row = np.array([fmpq(0)] * ex.net.size, dtype=object)
            row[j * d:(j + 1) * d] = ex.X[n]
            if not any(exact_dot(row, r) == exact_dot(row, row) and exact_dot(r, r) == exact_dot(row, row) for r in normals):
                normals.append(row)
        Fs = F.copy()
        if normals:
            N = fmpq_mat([list(r) for r in normals])
            coeff = (N * N.transpose()).solve(N * fmpq_mat([[c] for c in F]))
            Fs = np.array([F[i] - sum((normals[k][i] * coeff[k, 0] for k in range(len(normals))), fmpq(0))
                           for i in range(len(F))], dtype=object)
            # admissible Clarke selections: each kink's correction is σ − 0 = −coeff/(y_n a_j Σ…)
            for k, (n, j) in enumerate(kinks[: len(normals)]):
                weight = sum((int(ex.y[nn, 0]) for nn in range(m) if all(ex.X[nn] == ex.X[n])), 0) * W2[0, j]
                sigma = -coeff[k, 0] / weight
                if not (0 <= sigma <= 1):
                    return ex, F, Fs, f"the selection σ = {sigma} at a kink is not in [0, 1]: the flow does not slide"
        lam = exact_dot(Fs, theta) / exact_dot(theta, theta)
        if lam <= 0 or any(Fs[i] != lam * theta[i] for i in range(len(Fs))):
            return ex, F, Fs, "the Clarke velocity is not along θ₀: not a self-similar solution"
        return ex, F, Fs, None

    def scope(inst: dict, precision: Precision) -> str | None:
        ex, _, _, reason = ray(inst)
        return reason or loss_scope(ex.margins(weights(inst)), inst["loss"], precision.bits)

    def measure(inst: dict, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
        ex, F, _, _ = ray(inst)
        theta = weights(inst)
        cos2 = exact_dot(F, theta) ** 2 / (exact_dot(F, F) * exact_dot(theta, theta))
        with working_precision(precision.bits):
            value = 1 - arb(cos2).sqrt()
        return {"one_minus_cos_limit": Enclosure.ball(value, f"exact ray solution; cos² = {cos2} exactly")}

    return System(f"sliding_rays({'+'.join(losses)})",
                  "two-layer ReLU networks whose Clarke gradient flow is an exact ray sliding on a kink",
                  RAY_QUANTITIES, draw(), measure, scope,
                  ("θ₀ starts an exact self-similar Clarke solution (equal margins, Clarke velocity ∥ θ₀), "
                   "verified in rationals", "ℒ(θ₀) < ℓ(0), certified in balls"), {"losses": losses})


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


# ------------------------------------------------------------------------------ statements

ASYMPTOTIC = ("Class (c), a limit along the trajectory: gradient flow integrated on a geometric ladder of log t "
              "(4 rungs a decade, 10 to 10⁶; 10⁷ on escalation), BDF checked by LSODA at rtol 1e-8, each rung's "
              "value an estimate whose radius is the two integrators' difference plus rounding. checker.limits "
              "extrapolates the limit from the ladder (with the theorem's rate form where it gives one) and "
              "encloses it with the extrapolants' disagreement plus the samples' noise; a ladder whose error does "
              "not shrink is undecided and escalates the horizon. The verdict is at best *passed*: an "
              "extrapolation is never a witness that no horizon can fake (THEOREMS.md §0.2 (c)). The figure shows "
              "the ladder, the extrapolants and their error on three representative flows.")

theorem(
    "LL-M", title="The scalar inequality behind monotone smoothed margins: Σ g(q_n)q_n ≥ g(z)z",
    source=f"{SOURCE_LL}, the inequality behind Lemma 5.1 and Thm 4.1 (THEOREMS.md LL-M, derived)",
    system=margin_vectors(), conclusion="sum_gq >= gz_z",
    notes="Class (b): exact margins, exponentials and logarithms in arb balls, so *certified*. N ≥ 2 "
          "(with one margin (M) is an equality, which balls cannot certify); then every q_n > z and the "
          "inequality is strict. *Does not discriminate (twins):* for the exponential loss "
          "Σ g(q_n)q_n − g(z)z = ℓ(z)·H(w), H the entropy of the weights w_n = ℓ(q_n)/ℓ(z), so the ratio of "
          "the sides is 1 + H(w)/z: the ×(1 + 1/100) twin fails only where z > 100·H(w), beyond the margins "
          "drawn; the lemma is strict, and its scale is not what it claims.",
)
theorem(
    "MUT-LL-M-mean", title="(mutation) (M) with the mean loss in place of the sum",
    source="mutation of LL-M (THEOREMS.md §2.0: Ji–Telgarsky normalise by the mean)",
    system=margin_vectors("mean"), conclusion="sum_gq >= gz_z", expect="fails",
    notes="With ℓ(z) = (1/N)Σℓ(q_n), (1/N)Σ e^{-q_n}q_n − e^{-z}z = (ℒ/N)(H(π) − log N) for the exponential "
          "loss (π the softmax weights, H their entropy), negative unless all margins are equal. The witness "
          "is a certified ball of the wrong sign (class b).",
)
theorem(
    "LL-T4.1", title="Monotone smoothed margin: d/dt log γ̃ − K (d/dt log ρ)^{-1} ‖dθ̂/dt‖² ≥ 0 (so dγ̃/dt ≥ 0)",
    source=f"{SOURCE_LL}, Thm 4.1 and Lemma 5.1 (general losses: Thm A.7)",
    system=network_points(), conclusion="lemma_gap >= 0",
    notes="lemma_gap = d/dt log γ̃ − K(d/dt log ρ)^{-1}‖dθ̂/dt‖², the slack of Lemma 5.1, evaluated in one "
          "piece at the precision its cancellation needs (the slack is of relative size Δ·e^{-Δ}, Δ the gap "
          "between the two smallest margins; the engine evaluates relations at the profile's 128 bits, so the "
          "difference of the quantities dlog_gamma_tilde and K*dtheta_hat**2/dlog_rho, also reported, would "
          "stay undecided on well-separated margins). "
          "The pointwise form of THEOREMS.md LL-T4.1 at generated θ with ℒ(θ) < ℓ(0) (class b): "
          "d/dt log γ̃ = ‖∇ℒ‖²/(g(z)z) − K v/ρ and, by (M), this is ≥ K‖u‖²/(vρ), which is Lemma 5.1 "
          "(v = ⟨θ̂, −∇ℒ⟩ = ρ d/dt log ρ, ‖u‖ = ρ‖dθ̂/dt‖). Exact data and weights, ∇ℒ in arb balls: *certified*. "
          "Kinks: the network's fixed selection (Euler's identity holds for every selection). The trajectory "
          "figure shows γ̃ along a run.",
    figures=(figure_margins,),
)
theorem(
    "MUT-LL-T4.1-GD", title="(mutation) monotone smoothed margin under gradient descent with a large step",
    source="mutation of LL-T4.1 (THEOREMS.md §2 (iii))",
    system=network_points(), conclusion="gamma_tilde_gd >= gamma_tilde", expect="fails",
    notes="One step θ − η∇ℒ(θ) from a point with ℒ < ℓ(0), with a rational η that moves θ by 2^k·p/q "
          "(k = 0..6) times its own norm (so 'large' is scale-free). The witness is the "
          "one-step inequality with a certified ball of the wrong sign (class b), which no horizon changes: "
          "the claim 'γ̃ never decreases along GD' fails at that step. Lyu–Li's GD results need a small step (S5).",
)
theorem(
    "LL-T4.3", title="Asymptotic margin: q_min/log t → 1",
    source=f"{SOURCE_LL}, Thm 4.3 (ℒ = Θ(1/(t (log t)^{{2−2/K}}))); the constant derived in THEOREMS.md LL-T4.3",
    system=margin_flows(), conclusion="limit(qmin/logt, log(H)/H) == 1",
    notes=ASYMPTOTIC + " Rate form: Thm 4.3 gives q_min = log t + (2 − 2/K) log log t + O(1), so "
          "q_min/log t = 1 + c·log log t/log t + O(1/log t); with H = log t the rate is log(H)/H.",
    figures=(ladder_figure("qmin/logt", "log(H)/H"),),
)
theorem(
    "LL-T4.3-LOSS", title="Asymptotic loss: log ℒ/log t → −1",
    source=f"{SOURCE_LL}, Thm 4.3; the constant derived in THEOREMS.md LL-T4.3",
    system=margin_flows(), conclusion="limit(log_loss/logt, log(H)/H) == -1",
    notes=ASYMPTOTIC + " Rate form: log ℒ = −log t − (2 − 2/K) log log t + O(1) (Thm 4.3), so the rate in H = log t "
          "is log(H)/H.",
    figures=(ladder_figure("log_loss/logt", "log(H)/H"),),
)
theorem(
    "LL-T4.3-RHO", title="Asymptotic norm: ρ^K/log t → 1/γ̄_∞",
    source=f"{SOURCE_LL}, Thm 4.3 (ρ = Θ((log t)^{{1/K}})) and Thm 4.1 (γ̄ converges); constant in THEOREMS.md LL-T4.3",
    system=margin_flows(), conclusion="limit(rho**K/logt) == 1/limit(gamma_bar)",
    notes=ASYMPTOTIC + " Both limits by the generic extrapolation (Aitken's Δ²): the paper gives no rate for γ̄.",
    figures=(ladder_figure("rho**K*gamma_bar/logt", "log(H)/H"),),
)
theorem(
    "LL-T4.3-RATE", title="The Θ-rate of the loss: (log ℒ + log t)/log log t → −(2 − 2/K)",
    source=f"{SOURCE_LL}, Thm 4.3: ℒ = Θ(1/(t (log t)^{{2−2/K}}))",
    system=margin_flows(), conclusion="limit((log_loss + logt)/log(logt), 1/log(H)) == -(2 - 2/K)",
    notes=ASYMPTOTIC + " ℒ·t·(log t)^{2−2/K} = Θ(1) means log ℒ + log t = −(2 − 2/K) log log t + O(1), so the "
          "quotient converges to −(2 − 2/K) at the rate 1/log log t, i.e. 1/log(H) in H = log t: the exponent "
          "2 − 2/K is what is checked (a wrong exponent leaves the extrapolated limit elsewhere).",
    figures=(ladder_figure("(log_loss + logt)/log(logt)", "1/log(H)"),),
)
theorem(
    "MUT-LL-T4.3-square", title="(mutation) q_min/log t → 1, so q_min → ∞, for the squared loss",
    source="mutation of LL-T4.3 (THEOREMS.md §2 (iv))",
    system=square_loss_limits(), conclusion="1/(1 + Abs(qmin_limit)) == 0", expect="fails",
    notes="LL-T4.3's q_min/log t → 1 implies q_min → ∞, i.e. lim 1/(1 + |q_min|) = 0. The witness is a closed "
          "form: the squared-loss flow of a linear predictor converges to the exact least-squares limit w_∞ "
          "(least_squares_limit), so lim q_min(t) = q_min(w_∞) is an exact rational and 1/(1 + |q_min(w_∞)|) > 0.",
)
theorem(
    "LL-T4.4", title="Limit directions are KKT points of min ½‖θ‖² s.t. q_n(θ) ≥ 1",
    source=f"{SOURCE_LL}, Thm 4.4 and Cor 4.5",
    system=margin_flows(), conclusion="limit(kkt) == 0",
    notes=ASYMPTOTIC + " The residual is THEOREMS.md LL-T4.4's NNLS after rescaling to q_min = 1, in Lyu–Li's "
          "(ε, δ)-approximate-KKT form (checker.clocks.kkt_residual): min over λ ≥ 0 of "
          "√(‖θ̃ − Σλ_n∇q_n‖² + (Σλ_n(q_n − 1))²)/‖θ̃‖, complementary slackness penalised instead of an "
          "active-set threshold. On kinks the flow's Clarke selection. No rate in the paper: generic extrapolation.",
    figures=(ladder_figure("kkt", None),),
)
theorem(
    "MUT-LL-T4.4-bias", title="(mutation) limit directions are KKT points for a network with an output bias",
    source="mutation of LL-T4.4 (THEOREMS.md §2 (ii): non-homogeneous predictors)",
    system=output_bias_limits(), conclusion="kkt_limit == 0", expect="fails",
    notes="The witness is a closed form, which no finite horizon can fake: gradient flow of a two-layer linear "
          "network with biases on one point is solvable (see the system), its limit direction has output bias "
          "0 while ∂q/∂c = y, so no multiple of it is a KKT point of (P): the residual at the scale q = 1, "
          "1/√(1 + 2‖x̃‖) (x̃ = (x, 1)), is enclosed in balls away from 0.",
)
theorem(
    "JT-T3.1", title="Directional convergence: ‖θ̂(log t) − θ̂(log t/10)‖ → 0",
    source=f"{SOURCE_JT}, Thm 3.1 (number unconfirmed)",
    system=margin_flows(), conclusion="limit(dtheta_decade) == 0",
    notes=ASYMPTOTIC + " The change of θ̂ = θ/‖θ‖ over the last decade of log t, the finite-horizon face of "
          "'θ̂ is Cauchy'. No rate in the theorem: generic extrapolation.",
    figures=(ladder_figure("dtheta_decade", None),),
)
theorem(
    "JT-T3.1-FL", title="Finite length of θ/‖θ‖ (optional predicate): its path length over a decade of log t → 0",
    source=f"{SOURCE_JT}, Thm 3.1 (finite length unconfirmed: THEOREMS.md makes it a separate predicate)",
    system=margin_flows(), conclusion="limit(path_decade) == 0",
    notes=ASYMPTOTIC + " The path length of θ̂ is a state of the integration (error-controlled); its increments over "
          "decades vanish when the total length is finite. The figure also shows that the total length "
          "path_length has a limit.",
    figures=(ladder_figure("path_decade", None), ladder_figure("path_length", None)),
)
theorem(
    "JT-T4.1", title="Alignment: 1 − cos∠(θ, −∇ℒ) → 0 for networks with a locally Lipschitz gradient",
    source=f"{SOURCE_JT}, Thm 4.1 (number unconfirmed; formula unconfirmed)",
    system=margin_flows(SMOOTH_ARCHS, "JT-T4.1 needs a locally Lipschitz gradient: ReLU kinks are excluded"),
    conclusion="limit(one_minus_cos) == 0",
    notes=ASYMPTOTIC + " Deep linear and two-layer squared-ReLU networks (C¹ with locally Lipschitz gradient). "
          "1 − cos is computed as ½‖θ̂ − ĝ‖² (THEOREMS.md §0.3-5). No rate in the theorem: generic extrapolation.",
    figures=(figure_alignment, ladder_figure("one_minus_cos", None, SMOOTH_ARCHS)),
)
register(Statement(
    "MUT-JT-T4.1-autodiff", title="(mutation) alignment for ReLU networks with the autodiff subgradient",
    source="mutation of JT-T4.1 (THEOREMS.md §2 (v))",
    system=sliding_rays(), conclusion="one_minus_cos_limit == 0", expect="fails", origin=__name__,
    witness_family="exact self-similar Clarke rays of a two-layer ReLU network, drawn around a rational template "
                   "(RAY_TEMPLATE: rotations, scalings, the push p, the loss)",
    notes="The witness is a closed form: an exact self-similar Clarke solution θ(t) = r(t)θ₀ of a two-layer ReLU "
          "network that slides on a kink (unit j with ⟨v_j, x_n⟩ = 0 is pushed towards activity by the point "
          "x_m and back by x_n; the Clarke selection σ = p ∈ (0, 1) keeps it on the kink). All margins are "
          "equal, so the loss weights stay equal and the Clarke velocity — the autodiff field projected onto "
          "the kink — is a positive multiple of θ₀ (verified in rationals): the direction converges (it is "
          "constant), while the autodiff gradient (ReLU'(0) = 0) keeps a component along x_n that the flow "
          "never follows, so 1 − cos∠(θ, −∇ℒ) is a positive constant for all t, computed exactly. Template: "
          "units (a, v) = (5, (4, −3)), (−4, (0, 4)); points (1, 0) ×16 and (0, −4/3) ×9 with y = +1, (p, 5/4) ×16 "
          "with y = −1; every margin 20; the strategy draws p, rotations through Pythagorean angles, scalings "
          "and the loss, and instances that are not exact rays (p < 0) are out of scope.",
))
theorem(
    "JT-LIN", title="Deep linear networks: the end-to-end direction → u_SVM",
    source=f"{SOURCE_JT}, margin-maximisation consequence for deep linear networks (statement unconfirmed); "
           "THEOREMS.md JT-LIN (derived)",
    system=margin_flows(("linear",), "JT-LIN is about deep linear networks"),
    conclusion="limit(svm_sin2) == 0",
    notes=ASYMPTOTIC + " sin²∠(u_t, u_SVM) with u_t = (W_L⋯W_1)ᵀ; u_SVM is solved independently of the network "
          "(SLSQP on the primal, then an exact active-set polish with the KKT conditions verified in rationals).",
    figures=(figure_svm, ladder_figure("svm_sin2", None, ("linear",))),
)
theorem(
    "JT-LIN-MARGIN", title="Deep linear networks: the normalised margin γ̄ → γ⋆K^{−K/2}",
    source=f"{SOURCE_JT}, margin-maximisation consequence for deep linear networks (statement unconfirmed); "
           "THEOREMS.md JT-LIN (derived)",
    system=margin_flows(("linear",), "JT-LIN is about deep linear networks"),
    conclusion="limit(gamma_bar) == gamma_star*K**(-K/2)",
    notes=ASYMPTOTIC + " γ⋆ = 1/‖w_SVM‖ from the exactly polished SVM, in balls; at the limit the K layers are "
          "balanced with ‖W_h‖ = ρ/√K, so the end-to-end margin γ⋆(ρ²/K)^{K/2} over ρ^K is γ⋆K^{−K/2}.",
    figures=(ladder_figure("gamma_bar", None, ("linear",)),),
)
theorem(
    "MUT-JT-LIN-square", title="(mutation) maximum-margin direction for the squared loss",
    source="mutation of JT-LIN (THEOREMS.md §2 (iv))",
    system=square_loss_limits(), conclusion="Max(svm_sin2_limit, margin_gap_limit) == 0", expect="fails",
    notes="The witness is a closed form: gradient flow of a linear predictor on the squared loss is linear and "
          "converges to the least-squares solution nearest w₀ in the row space, computed exactly; its angle to "
          "the exactly polished SVM direction is an exact rational (sin²) and its margin gap a ball.",
)
theorem(
    "JT-SQRELU", title="Two-layer squared-ReLU networks: (Σ_j‖v_j‖² − 2Σ_j a_j²)/ρ² → 0",
    source=f"{SOURCE_JT}, squared-ReLU example (statement unconfirmed); consequences derived in THEOREMS.md JT-SQRELU",
    system=margin_flows(("sqrelu",), "JT-SQRELU is about two-layer squared-ReLU networks"),
    conclusion="limit((sum_v2 - 2*sum_a2)/rho**2) == 0",
    notes=ASYMPTOTIC + " What this checks, stated as it is: ‖v_j‖² − 2a_j² is conserved by gradient flow (DHL-K, "
          "k = 2), so the numerator is constant and the quotient vanishes because ρ → ∞ — the limit holds for "
          "that reason, not through the KKT conditions (their exact per-neuron identity is JT-SQRELU-KKT). The "
          "factor 2 is in the statement, so it can fail: with 2(1 ± 1/100) the limit is ∓(2/100)·lim Σa_j²/ρ² "
          "≈ ∓1/150, and for ReLU nets (degree 1, where ‖v_j‖² − a_j² is the conserved one) the same "
          "expression tends to −1/2.",
    figures=(figure_alignment, ladder_figure("(sum_v2 - 2*sum_a2)/rho**2", None, ("sqrelu",))),
)
theorem(
    "JT-SQRELU-KKT", title="Squared ReLU: ⟨v_j, ∂q_n/∂v_j⟩ = 2a_j ∂q_n/∂a_j, hence ‖v_j‖² = 2a_j² at KKT points",
    source="THEOREMS.md JT-SQRELU (derived)",
    system=network_points(("sqrelu",)), conclusion="neuron_identity == 0",
    notes="Class (a) on every generated point: exact rationals. Summing the identity against KKT multipliers "
          "λ_n (θ = Σλ_n∇q_n) gives ‖v_j‖² = 2a_j² at every KKT point of (P).",
)
theorem(
    "MUT-JT-SQRELU-KKT-factor", title="(mutation) the squared-ReLU neuron identity with factor 1",
    source="mutation of JT-SQRELU-KKT", system=network_points(("sqrelu",), identity_factor=1),
    conclusion="neuron_identity == 0", expect="fails",
    notes="⟨v_j, ∂q_n/∂v_j⟩ = 2a_j∂q_n/∂a_j (degree 2 of ReLU²): with factor 1 an exact nonzero difference at "
          "any point with an active unit.",
)
