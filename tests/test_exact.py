"""checker/exact.py and checker/regression.py: exact linear algebra and least-squares data."""
from __future__ import annotations

import numpy as np
from flint import arb, fmpq

from checker.arith import rational_array
from checker.exact import ball, enclosure, floats, householder, pseudo_solve, rational_unit_vector, solve
from checker.regression import Regression, regression


def test_solves_reflections_and_unit_vectors_are_exact():
    A = rational_array([[2, 1], [1, 3]])
    b = rational_array(["1/2", -1])
    assert all(x == 0 for x in A @ solve(A, b) - b)
    H = householder(rational_array([1, -2, 2]))
    assert all(x == (i == j) for (i, j), x in np.ndenumerate(H @ H.T))
    for r, pos, sign in (([fmpq(1, 2), fmpq(-3)], 0, 1), ([fmpq(2, 7)], 1, -1), ([], 0, 1)):
        u = rational_unit_vector(r, pos, sign)
        assert u @ u == 1
    S = rational_array([[1, 1], [1, 1]])  # singular: the minimum-norm solution lies in the row space
    w = pseudo_solve(S, rational_array([2, 2]))
    assert list(w) == [1, 1]


def test_conversions():
    assert list(floats(rational_array(["1/3", "-2"]))) == [1 / 3, -2.0]
    assert floats(np.array([arb(2.5)], dtype=object))[0] == 2.5
    assert enclosure(fmpq(1, 3), "").kind == "exact" and enclosure(arb(2).sqrt(), "").kind == "ball"
    assert abs(float(ball(fmpq(1, 3), 64).mid()) - 1 / 3) < 1e-16 and ball(arb(2), 64) == arb(2)


def test_regression_moments_target_and_spectrum():
    X = rational_array([[1, 0], [0, 2], [1, 1]])
    w = rational_array(["1/2", -1])
    reg = Regression(X, X @ w)
    assert not reg.singular and reg.scope is None and list(reg.w_star) == list(w)
    assert reg.wnorm2 == fmpq(5, 4) and reg.a == (w @ reg.sigma @ w) / reg.wnorm2
    assert reg.Lambda(128) >= reg.lam(128)
    inst = {"X": [["1", "0"], ["0", "2"], ["1", "1"]], "y": ["1/2", "-2", "-1/2"]}
    assert regression(inst) is regression(dict(inst))  # shared across statements
    assert "singular" in Regression(rational_array([[1, 1], [2, 2]]), rational_array([1, 2])).scope
