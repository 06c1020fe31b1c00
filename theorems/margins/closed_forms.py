"""Closed-form limits (the mutations of the asymptotic claims): flows whose limit is known exactly,
so a violated claim about the limit is a certified witness whatever the horizon."""
from __future__ import annotations

from fractions import Fraction
from typing import Any

import numpy as np
from flint import arb, fmpq, fmpq_mat
from hypothesis import strategies as st

from checker import Enclosure, Precision, System, system_family
from checker.arith import rational_array, rational_str, working_precision
from checker.classification import Classification
from checker.limits import least_squares_limit
from checker.nets import MLP, activation
from checker.quantities import quantity
from checker.strategies import vectors
from checker.svm import exact_dot, hard_margin_svm

from .instances import LOSSES, _planted_points, exact_problem, weights

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
        problem = Classification.of(net, inst["X"], inst["y"], inst["loss"], K=2)  # ℒ < ℓ(0) (§2.0 (A4))
        return problem.scope(net.flatten(params), precision.bits)

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
        return reason or ex.scope(weights(inst), precision.bits)

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
