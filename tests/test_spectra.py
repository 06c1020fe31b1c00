"""checker/spectra.py: the signed top eigenvalue by four methods, cross-checked against each other."""
from __future__ import annotations

import numpy as np
import pytest
from flint import arb, arb_mat, fmpq, fmpq_mat

from checker import linear as lin
from checker.arith import working_precision
from checker.spectra import (top_eigenvalue_ball, top_eigenvalue_dense, top_eigenvalue_exact, top_eigenvalue_gershgorin,
                             top_eigenvalue_lanczos)

BITS = 128


def _symmetric(rng: np.random.Generator, n: int, shift: int) -> np.ndarray:
    A = rng.integers(-4, 5, size=(n, n))
    return A + A.T - shift * np.eye(n, dtype=int)


def _balls(H: np.ndarray) -> np.ndarray:
    with working_precision(BITS):
        return np.array([[arb(int(x)) for x in row] for row in H], dtype=object)


@pytest.mark.parametrize("n, shift", [(1, 0), (2, 3), (5, 0), (8, 20), (12, 5)])
def test_the_four_methods_agree(n, shift):
    H = _symmetric(np.random.default_rng(n), n, shift)
    exact = top_eigenvalue_exact(fmpq_mat(H.tolist()), BITS)
    with working_precision(BITS):
        ball = top_eigenvalue_ball(arb_mat(H.tolist()), BITS)
        gersh = top_eigenvalue_gershgorin(_balls(H), BITS)
        exact_ball = arb(exact)
        assert ball.overlaps(exact_ball) and gersh.overlaps(exact_ball)
        assert gersh.contains(exact_ball) if isinstance(exact, fmpq) else gersh.overlaps(exact_ball)
        assert float(ball.rad()) < 1e-30 and float(gersh.rad()) < 1e-12 * (1 + abs(float(ball.mid())))
    dense = top_eigenvalue_dense(H)
    lanczos = top_eigenvalue_lanczos(lambda v: H @ v, n)
    assert abs(dense - float(exact_ball.mid())) < 1e-10 * (1 + abs(dense))
    assert abs(lanczos.value - dense) <= lanczos.residual + 1e-9 * (1 + abs(dense))


def test_signed_top_not_largest_magnitude():
    H = np.diag([-1, -7, 2, -9])
    assert top_eigenvalue_exact(fmpq_mat(H.tolist()), BITS) == 2
    assert top_eigenvalue_lanczos(lambda v: H @ v, 4).value == pytest.approx(2)
    negative = -np.diag([1, 5, 9])
    assert top_eigenvalue_exact(fmpq_mat(negative.tolist()), BITS) == -1
    with working_precision(BITS):
        assert top_eigenvalue_ball(arb_mat(negative.tolist()), BITS).contains(-1)


def test_rational_top_eigenvalue_is_exact_and_irrational_is_a_ball():
    assert top_eigenvalue_exact(fmpq_mat([[fmpq(733, 36)]]), BITS) == fmpq(733, 36)
    assert top_eigenvalue_exact(fmpq_mat([[2, 1], [1, 2]]), BITS) == 3
    golden = top_eigenvalue_exact(fmpq_mat([[1, 1], [1, 0]]), BITS)
    with working_precision(BITS):
        assert isinstance(golden, arb) and golden.overlaps((1 + arb(5).sqrt()) / 2) and float(golden.rad()) < 1e-35


def test_repeated_top_eigenvalue():
    H = np.diag([3, 3, 3, 1])
    assert top_eigenvalue_exact(fmpq_mat(H.tolist()), BITS) == 3
    with working_precision(BITS):
        assert top_eigenvalue_ball(arb_mat(H.tolist()), BITS).contains(3)
        assert top_eigenvalue_gershgorin(_balls(H), BITS).contains(3)
        assert top_eigenvalue_gershgorin(arb_mat(H.tolist()), BITS).contains(3)


def test_non_real_spectrum_is_refused():
    with pytest.raises(ValueError, match="non-real"):
        top_eigenvalue_exact(fmpq_mat([[0, -1], [1, 0]]), BITS)


def test_gershgorin_encloses_every_matrix_in_the_balls():
    """Negative definite (μ < 0 branch), and a ball matrix of radius 10⁻⁶ around a symmetric one: the
    enclosure contains λ_max of the centre and of a symmetric perturbation inside the balls."""
    with working_precision(BITS):
        assert top_eigenvalue_gershgorin(arb_mat((-np.diag([1, 5, 9])).tolist()), BITS).contains(-1)
        H = _symmetric(np.random.default_rng(7), 6, 2).astype(float)
        E = np.random.default_rng(8).uniform(-1e-6, 1e-6, (6, 6))
        E = (E + E.T) / 2
        wide = arb_mat([[arb(x, 1e-6) for x in row] for row in H.tolist()])
        top = top_eigenvalue_gershgorin(wide, BITS)
        for M in (H, H + E):
            assert top.contains(top_eigenvalue_exact(fmpq_mat([[_q(x) for x in row] for row in M.tolist()]), BITS))
        assert float(top.rad()) < 1e-4


def _q(x: float) -> fmpq:
    n, d = float(x).as_integer_ratio()
    return fmpq(n, d)


def test_hessian_of_a_deep_linear_net_by_every_method():
    """Lanczos on exact HVPs (float64), the dense float Hessian, and the exact characteristic polynomial."""
    rng = np.random.default_rng(3)
    widths = [3, 2, 3, 1]
    q = lambda A: np.vectorize(lambda x: fmpq(int(x), 2), otypes=[object])(A)  # noqa: E731
    layers = [q(rng.integers(-3, 4, size=(widths[k + 1], widths[k]))) for k in range(3)]
    X, y = q(rng.integers(-3, 4, size=(5, 3))), q(rng.integers(-3, 4, size=5))
    p = np.array([fmpq(1)], dtype=object)
    exact = top_eigenvalue_exact(fmpq_mat(lin.hessian(layers, p, X, y).tolist()), BITS)
    f = lambda A: np.asarray(A, dtype=float)  # noqa: E731
    oracle, theta = lin.risk([f(W) for W in layers], f(p), f(X), f(y))
    lanczos = top_eigenvalue_lanczos(lambda v: oracle.hvp(theta, v), theta.size)
    dense = top_eigenvalue_dense(oracle.hessian(theta))
    value = float(arb(exact).mid()) if isinstance(exact, arb) else int(exact.p) / int(exact.q)
    assert dense == pytest.approx(value, rel=1e-12)
    assert abs(lanczos.value - value) <= lanczos.residual + 1e-10 * abs(value)
