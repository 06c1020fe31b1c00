"""Networks and losses: gradients and Hessian-vector products against SymPy and high-precision
finite differences; exact arithmetic stays exact; losses stay finite in the log domain."""
from __future__ import annotations

import mpmath
import numpy as np
import pytest
import sympy
from hypothesis import given, settings
from hypothesis import strategies as st

from flint import arb

from checker.arith import ball_array, rational_array, working_precision
from checker.losses import loss, log_softplus
from checker.nets import Conv1D, MLP, WeightNormMLP, activation
from checker.proofs import symbol_array
from checker.strategies import mlp_instances

SQ = loss("squared")


def _sympy_activation(name):
    """The same activation as a SymPy expression (for smooth ones, or piecewise on a fixed sign)."""
    return {"linear": lambda z: z, "square": lambda z: z ** 2, "tanh": sympy.tanh}[name]


@pytest.mark.parametrize("act", ["linear", "square", "tanh"])
def test_gradient_and_hessian_match_sympy(act):
    widths = (2, 2, 1) if act == "tanh" else (2, 2, 2, 1)
    net = MLP(widths, tuple(activation(act) for _ in widths[2:]))
    syms = [symbol_array(f"w{k}", s) for k, s in enumerate(net.shapes())]
    X = np.array([[sympy.Rational(1, 2), -1], [2, sympy.Rational(1, 3)]], dtype=object)
    y = np.array([[1], [-2]], dtype=object)
    phi = _sympy_activation(act)
    A = X
    for W in syms[:-1]:
        A = np.vectorize(phi, otypes=[object])(A @ W.T)
    F = A @ syms[-1].T
    L = sum((F - y).reshape(-1) ** 2) / 2
    flat = [s for W in syms for s in W.reshape(-1)]
    rng = np.random.default_rng(0)
    point = {s: sympy.Rational(int(rng.integers(-5, 6)), int(rng.integers(1, 4))) for s in flat}
    grad_sym = np.array([float(sympy.diff(L, s).subs(point)) for s in flat])
    params = [np.vectorize(lambda s: float(point[s]))(W) for W in syms]
    Xf, yf = X.astype(float), y.astype(float)
    grad = net.flatten(net.backward(params, Xf, SQ.cotangent(net.forward(params, Xf), yf)))
    np.testing.assert_allclose(grad, grad_sym, rtol=1e-12, atol=1e-12)
    v = rng.standard_normal(len(flat))
    H = sympy.hessian(L, flat).subs(point)
    hv_sym = np.array(H.evalf(30), dtype=float) @ v
    hv = net.flatten(net.hvp(params, Xf, lambda F_: SQ.cotangent(F_, yf), net.unflatten(v)))
    np.testing.assert_allclose(hv, hv_sym, rtol=1e-10, atol=1e-10)


@settings(max_examples=10, deadline=None)
@given(mlp_instances(depth=(2, 3), width=(1, 4), bias=True), st.sampled_from(["relu", "leaky_relu", "linear"]))
def test_exact_gradient_matches_200_bit_finite_differences(inst, act):
    """Central differences in 200-bit balls with step 2^-80 have truncation error O(2^-160)."""
    net = MLP(tuple(inst["widths"]), tuple(activation(act, slope="1/3") for _ in inst["widths"][2:]), bias=True)
    params = [rational_array(p) for p in inst["params"]]
    X, Y = rational_array(inst["X"]), rational_array(inst["Y"])
    grad = net.flatten(net.backward(params, X, SQ.cotangent(net.forward(params, X), Y)))
    assert all(type(g).__name__ == "fmpq" for g in grad)
    Zs, _ = net.layers(params, X)
    assume_no_kink = all(z != 0 for Z in Zs[:-1] for z in Z.reshape(-1))
    with working_precision(200):
        theta = np.array([arb(t) for t in net.flatten(params)], dtype=object)
        Xb, Yb = ball_array(inst["X"], 200), ball_array(inst["Y"], 200)
        h = arb(2) ** -80
        f = lambda t: SQ.value(net.forward(net.unflatten(t), Xb), Yb)  # noqa: E731
        for j in range(len(theta)):
            e = np.array([arb(0)] * len(theta), dtype=object)
            e[j] = h
            if not assume_no_kink:
                return  # a pre-activation sits on the kink: the one-sided derivatives differ
            fd = (f(theta + e) - f(theta - e)) / (2 * h)
            assert abs(fd - arb(grad[j])) < arb(2) ** -60 * (1 + abs(fd))


def test_conv_gradient_and_hvp_match_finite_differences():
    rng = np.random.default_rng(3)
    net = Conv1D(6, 3, activation("square"))
    p = [rng.standard_normal(3), rng.standard_normal(4)]
    X, y = rng.standard_normal((4, 6)), rng.standard_normal((4, 1))
    th = net.flatten(p)
    grad = lambda t: net.flatten(net.backward(net.unflatten(t), X, SQ.cotangent(net.forward(net.unflatten(t), X), y)))  # noqa: E731
    f = lambda t: SQ.value(net.forward(net.unflatten(t), X), y)  # noqa: E731
    eps = 1e-6
    fd = np.array([(f(th + eps * e) - f(th - eps * e)) / (2 * eps) for e in np.eye(len(th))])
    np.testing.assert_allclose(grad(th), fd, rtol=1e-7, atol=1e-7)
    v = rng.standard_normal(len(th))
    hv = net.flatten(net.hvp(p, X, lambda F: SQ.cotangent(F, y), net.unflatten(v)))
    np.testing.assert_allclose(hv, (grad(th + eps * v) - grad(th - eps * v)) / (2 * eps), rtol=1e-6, atol=1e-6)


def test_toeplitz_rows_are_shifted_kernels():
    net = Conv1D(4, 2, activation("relu"))
    np.testing.assert_array_equal(net.toeplitz(np.array([1.0, 2.0])), [[1, 2, 0, 0], [0, 1, 2, 0], [0, 0, 1, 2]])


def test_homogeneity_degrees():
    assert MLP((2, 3, 3, 1), (activation("relu"), activation("linear"))).homogeneity() == 3
    assert MLP((2, 3, 1), (activation("relu2"),)).homogeneity() == 3
    assert MLP((2, 3, 1), (activation("tanh"),)).homogeneity() is None
    assert MLP((2, 3, 1), (activation("relu"),), bias=True).homogeneity() is None


def test_bad_activation_names_and_slopes_are_clear_errors():
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        activation("gelu")
    with pytest.raises(ValueError, match="slope in"):
        activation("leaky_relu", slope=2)


def test_log_domain_losses_never_underflow():
    q = np.array([800.0, 900.0, 1000.0])
    assert np.isfinite(loss("exp").log_total(q)) and abs(loss("exp").log_total(q) + 800) < 1e-12
    assert abs(loss("logistic").log_total(q) + 800) < 1e-12
    with mpmath.workdps(40):
        for x in (-50.0, -1.0, 0.0, 3.0):
            assert abs(log_softplus(np.array([x]))[0] - float(mpmath.log(mpmath.log1p(mpmath.exp(x))))) < 1e-14 * (1 + abs(x))


def test_normalised_cotangent_is_gradient_over_loss():
    F, y = np.array([[0.3], [-1.2], [2.0]]), np.array([[1.0], [-1.0], [1.0]])
    for name in ("exp", "logistic"):
        L = loss(name)
        total = np.exp(L.log_total((F * y).reshape(-1)))
        np.testing.assert_allclose(L.normalised_cotangent(F, y), L.cotangent(F, y) / total, rtol=1e-12)


def test_weight_normalised_gradient_matches_finite_differences_and_is_scale_invariant():
    rng = np.random.default_rng(4)
    net = WeightNormMLP(MLP((3, 4, 2, 1), (activation("tanh"), activation("square"))))
    p = [rng.standard_normal(s) for s in net.shapes()]
    X, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 1))
    th = net.flatten(p)
    f = lambda t: SQ.value(net.forward(net.unflatten(t), X), y)  # noqa: E731
    grad = net.backward(p, X, SQ.cotangent(net.forward(p, X), y))
    fd = np.array([(f(th + 1e-6 * e) - f(th - 1e-6 * e)) / 2e-6 for e in np.eye(len(th))])
    np.testing.assert_allclose(net.flatten(grad), fd, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose((grad[0] * p[0]).sum(axis=1), 0, atol=1e-12)  # ⟨∂L/∂v_i, v_i⟩ = 0


def test_logistic_normalised_cotangent_stays_finite_past_float64_underflow():
    F, y = np.array([[800.0], [-900.0], [1000.0]]), np.array([[1.0], [-1.0], [1.0]])
    out = loss("logistic").normalised_cotangent(F, y)
    assert np.all(np.isfinite(out)) and abs(out[0, 0] + 1.0) < 1e-12  # the smallest margin carries all the weight


# ---------------------------------------------------------------- residual, fixed readout, near-homogeneous

import zlib  # noqa: E402

from flint import fmpq  # noqa: E402

from checker.nets import Dual, FixedReadout, NearHomogeneous, ResidualMLP  # noqa: E402


def _rng(name):
    """A generator seeded by the test's network name: the same draws whatever the test order (xdist)."""
    return np.random.default_rng(zlib.crc32(name.encode()))


def _rationals(rng, *shape):
    """Nonzero rationals ±p/q (p ≤ 97, q ≤ 50): an exactly zero pre-activation (a kink, undecidable in balls)
    would need an exact cancellation."""
    signs = rng.choice([-1, 1], shape)
    return rational_array(np.vectorize(lambda s, p, q: f"{s * p}/{q}")(signs, rng.integers(1, 98, shape), rng.integers(1, 51, shape)))


NEW_NETWORKS = {
    "residual linear": ResidualMLP(3, 3),
    "residual linear, readout": ResidualMLP(2, 2, readout=1),
    "residual relu, readout": ResidualMLP(3, 2, activation("relu"), readout=2),
    "residual square": ResidualMLP(2, 2, activation("square")),
    "residual no skip": ResidualMLP(2, 3, activation("leaky_relu", slope="1/3"), skip=False),
    "residual two-matrix relu": ResidualMLP(2, 2, activation("relu"), readout=1, hidden=3),
    "residual two-matrix square": ResidualMLP(3, 2, activation("square"), hidden=2),
    "fixed readout mlp": FixedReadout(MLP((2, 3, 3, 1), (activation("linear"), activation("relu"))), [["1/2", "-1", "2"]]),
    "fixed readout residual": FixedReadout(ResidualMLP(2, 2, readout=1), [["1", "-1/3"]]),
    "f_3 + c f_2 (separate)": NearHomogeneous(((1, MLP((2, 2, 2, 1), (activation("linear"),) * 2)),
                                               ("-1/2", MLP((2, 3, 1), (activation("relu"),))))),
    "f_3 + c f_2 (shared)": NearHomogeneous(((1, MLP((2, 2, 1), (activation("square"),))),
                                             ("1/3", MLP((2, 2, 1), (activation("linear"),)))), shared=True),
    "mlp with biases": NearHomogeneous(((1, MLP((2, 3, 2, 1), (activation("relu"), activation("linear")), bias=True)),)),
}


def _instance(net, rng):
    params = [_rationals(rng, *s) for s in net.shapes()]
    d = 2 if not isinstance(net, (ResidualMLP, FixedReadout)) else net.shapes()[0][1]
    X = _rationals(rng, 4, d)
    G = _rationals(rng, *net.forward(params, X).shape)
    return params, X, G


def _kinked(net):
    """Whether some activation of ``net`` has a kink (ReLU-type), where balls and finite differences stop."""
    parts = [net.base] if isinstance(net, FixedReadout) else [n for _, n in net.terms] if isinstance(net, NearHomogeneous) else [net]
    acts = [a for n in parts for a in (getattr(n, "activations", ()) or (getattr(n, "act", None),)) if a is not None]
    return any(a.name in ("relu", "leaky_relu") for a in acts)


@pytest.mark.parametrize("name", sorted(NEW_NETWORKS))
def test_backward_is_the_exact_directional_derivative_of_the_dual_forward(name):
    """⟨G, F(θ + εv)⟩ in dual numbers has tangent ⟨∂(G·F)/∂θ, v⟩ exactly, on rationals."""
    net, rng = NEW_NETWORKS[name], _rng(name)
    params, X, G = _instance(net, rng)
    direction = [_rationals(rng, *s) for s in net.shapes()]
    F = net.forward([Dual(p, v) for p, v in zip(params, direction)], X)
    grads = net.backward(params, X, G)
    assert all(type(x).__name__ == "fmpq" for g in grads for x in np.asarray(g).reshape(-1))
    assert (G * F.tangent).sum() == sum((g * v).sum() for g, v in zip(grads, direction))
    assert np.all(F.value == net.forward(params, X))


@pytest.mark.parametrize("name", sorted(NEW_NETWORKS))
def test_float_ball_and_hvp_agree_with_exact(name):
    net, rng = NEW_NETWORKS[name], _rng(name)
    params, X, G = _instance(net, rng)
    exact = net.flatten(net.backward(params, X, G))
    flt = net.flatten(net.backward([p.astype(float) for p in params], X.astype(float), G.astype(float)))
    np.testing.assert_allclose(flt, exact.astype(float), rtol=1e-12, atol=1e-12)
    with working_precision(100):
        balls = net.flatten(net.backward([ball_array(p.tolist(), 100) for p in params], ball_array(X.tolist(), 100),
                                         ball_array(G.tolist(), 100)))
        assert all(b.overlaps(arb(e)) and b.rad() < 1e-20 * (1 + abs(float(e))) for b, e in zip(balls, exact))
    if _kinked(net):
        return  # below: an exact central difference, which a kink within the step would spoil
    # Hessian-vector product (dual over reverse) against an exact central difference of exact gradients at the
    # rational step h = 10⁻¹²: for smooth activations the gradient is polynomial along the line, so the
    # difference is the HVP + O(h²)
    Y = _rationals(rng, *G.shape)
    v = [_rationals(rng, *s) for s in net.shapes()]
    hv = net.flatten(net.hvp(params, X, lambda F_: SQ.cotangent(F_, Y), v))
    h = fmpq(1, 10 ** 12)
    grad = lambda ps: net.flatten(net.backward(ps, X, SQ.cotangent(net.forward(ps, X), Y)))  # noqa: E731
    fd = (grad([p + h * d for p, d in zip(params, v)]) - grad([p - h * d for p, d in zip(params, v)])) / (2 * h)
    assert all(abs(a - b) < fmpq(1, 10 ** 6) * (1 + abs(b)) for a, b in zip(hv, fd))


@pytest.mark.parametrize("name", sorted(NEW_NETWORKS))
def test_top_degree_part_is_homogeneous_and_the_limit_of_the_rescaled_network(name):
    """f_top(c·θ) = c^K f_top(θ) exactly, and f(c·θ)/c^K − f_top(θ) shrinks like 1/c."""
    net = NEW_NETWORKS[name]
    params, X, _ = _instance(net, _rng(name))
    top, K = net.homogenised(), net.degree
    assert top.homogeneity() == K and top.shapes() == net.shapes()
    c = fmpq(7, 3)
    assert np.all(top.forward([c * p for p in params], X) == c ** K * top.forward(params, X))
    gap = lambda c: max(abs(x) for x in (net.forward([c * p for p in params], X) / c ** K  # noqa: E731
                                         - top.forward(params, X)).reshape(-1))
    g3, g6 = gap(fmpq(10 ** 3)), gap(fmpq(10 ** 6))
    assert g6 <= g3 / 100 or g6 == 0
    if net.homogeneity() is not None:
        assert g3 == 0


def test_linear_residual_network_is_the_deep_linear_network_of_its_effective_weights():
    net = ResidualMLP(3, 3, readout=2)
    params, X, G = _instance(net, _rng("effective"))
    W = net.effective(params)
    plain = MLP((3, 3, 3, 3, 2), (activation("linear"),) * 3)
    assert np.all(net.forward(params, X) == plain.forward(W, X))
    assert all(np.all(a == b) for a, b in zip(net.backward(params, X, G), plain.backward(W, X, G)))
    assert net.degree == 4 and net.homogeneity() is None
    with pytest.raises(ValueError, match="linear residual blocks"):
        ResidualMLP(2, 2, activation("relu")).effective(params)


def test_fixed_readout_and_near_homogeneous_degrees_and_errors():
    base = MLP((2, 3, 1), (activation("relu2"),))
    assert FixedReadout(base, [["1", "2", "3"]]).homogeneity() == base.homogeneity() - 1 == 2
    assert NEW_NETWORKS["f_3 + c f_2 (separate)"].degree == 3
    assert NEW_NETWORKS["f_3 + c f_2 (separate)"].homogeneity() is None
    assert NEW_NETWORKS["mlp with biases"].degree == 3
    with pytest.raises(ValueError, match="shape"):
        FixedReadout(base, [["1", "2"]])
    with pytest.raises(TypeError, match="linear readout"):
        FixedReadout(MLP((2, 3, 1), (activation("relu"),), bias=True), [["1", "2", "3"]])
    with pytest.raises(ValueError, match="no top degree"):
        NearHomogeneous(((1, MLP((2, 2, 1), (activation("tanh"),))),))
    with pytest.raises(ValueError, match="equal parameter shapes"):
        NearHomogeneous(((1, MLP((2, 2, 1), (activation("relu"),))), (1, MLP((2, 3, 1), (activation("relu"),)))), shared=True)



def _same_bits(a, b):
    a, b = np.asarray(a), np.asarray(b)
    return a.shape == b.shape and (all(str(x) == str(y) for x, y in zip(a.reshape(-1), b.reshape(-1)))
                                   if a.dtype == object else a.tobytes() == b.tobytes())


@pytest.mark.parametrize("bias", [False, True])
def test_mlp_backward_reusing_the_forward_pass_is_bit_identical(bias):
    """``backward(params, X, G, layers=net.layers(params, X))`` (one forward pass for F and the gradient) gives
    the same arrays, bit for bit, as ``backward(params, X, G)``: float64, exact rationals and dual numbers."""
    net = MLP((3, 4, 3, 2), (activation("relu"), activation("square")), bias=bias)
    rng = _rng(f"layers reuse {bias}")
    params, X, Y = [_rationals(rng, *s) for s in net.shapes()], _rationals(rng, 5, 3), _rationals(rng, 5, 2)
    duals = [Dual(p, _rationals(rng, *p.shape)) for p in params]
    for ps, Xs, Ys in ((params, X, Y), ([p.astype(float) for p in params], X.astype(float), Y.astype(float)),
                       (duals, X, Y)):
        layers = net.layers(ps, Xs)
        G = SQ.cotangent(layers[0][-1], Ys)
        for a, b in zip(net.backward(ps, Xs, G), net.backward(ps, Xs, G, layers=layers)):
            parts = [(a.value, b.value), (a.tangent, b.tangent)] if isinstance(a, Dual) else [(a, b)]
            assert all(_same_bits(x, y) for x, y in parts)


HVP_NETWORKS = {**NEW_NETWORKS, "mlp relu": MLP((2, 4, 2), (activation("relu"),)),
                "mlp with biases, square": MLP((2, 3, 3, 1), (activation("square"), activation("linear")), bias=True),
                "conv square": Conv1D(2, 2, activation("square"))}


@pytest.mark.parametrize("name", sorted(HVP_NETWORKS))
def test_batched_hvp_is_bit_identical_to_one_hvp_per_direction(name):
    """``hvps`` (one dual pass, tangents with a leading batch axis of 3 directions) equals ``hvp`` direction by
    direction, bit for bit, on exact rationals and on float64; with the unit directions it is the full Hessian."""
    net, rng = HVP_NETWORKS[name], _rng(f"hvps {name}")
    params, X, G = _instance(net, rng)
    Y = _rationals(rng, *G.shape)
    directions = [_rationals(rng, 3, *s) for s in net.shapes()]
    floats = ([p.astype(float) for p in params], X.astype(float), Y.astype(float), [d.astype(float) for d in directions])
    for ps, Xs, Ys, ds in ((params, X, Y, directions), floats):
        cot = lambda F: SQ.cotangent(F, Ys)  # noqa: E731
        batch = net.hvps(ps, Xs, cot, ds)
        for b in range(3):
            assert all(_same_bits(x[b], y) for x, y in zip(batch, net.hvp(ps, Xs, cot, [d[b] for d in ds])))
    ps, Xs, Ys, _ = floats
    eye = np.eye(net.size)
    units = [np.stack([u.reshape(s) for u in block.T]) for block, s in
             zip(np.split(eye, np.cumsum([int(np.prod(s)) for s in net.shapes()])[:-1]), net.shapes())]
    H = np.concatenate([h.reshape(net.size, -1) for h in net.hvps(ps, Xs, lambda F: SQ.cotangent(F, Ys), units)], axis=1)
    cols = np.stack([net.flatten(net.hvp(ps, Xs, lambda F: SQ.cotangent(F, Ys), net.unflatten(e))) for e in eye])
    assert H.tobytes() == cols.tobytes()
