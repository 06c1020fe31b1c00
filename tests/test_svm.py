"""checker/svm.py: the hard-margin SVM is exact and optimal, and the KKT residual of (P) vanishes at
its solution and not elsewhere."""
from __future__ import annotations

import numpy as np
from flint import fmpq

from checker.clocks import Classifier, Piece
from checker.losses import loss
from checker.nets import MLP
from checker.svm import exact_dot, hard_margin_svm, kkt_residual, unit_sin2

X = np.array([[fmpq(1), fmpq(1, 2)], [fmpq(2, 3), fmpq(-1)], [fmpq(-1), fmpq(1, 3)], [fmpq(-1, 2), fmpq(-1)]], dtype=object)
Y = np.array([1, 1, -1, -1])


def test_svm_is_exact_and_optimal() -> None:
    """The polished hard-margin SVM satisfies its KKT conditions exactly, and no direction drawn at
    random has a larger margin."""
    svm = hard_margin_svm(X, Y)
    assert svm.exact
    assert min(int(Y[n]) * exact_dot(X[n], svm.w) for n in range(len(Y))) == 1
    Xf = X.astype(float)
    best = (Y[:, None] * Xf @ svm.direction()).min()
    rng = np.random.default_rng(0)
    for u in rng.normal(size=(2000, 2)):
        assert (Y[:, None] * Xf @ (u / np.linalg.norm(u))).min() <= best + 1e-12
    assert abs(svm.gamma_star() - best) < 1e-15
    assert svm.sin2(2 * svm.direction()) < 1e-30


def test_kkt_residual_vanishes_at_the_svm_only() -> None:
    """For a linear predictor (K = 1), (P) is the SVM: the residual is 0 at any positive multiple of
    w_SVM and positive at another separating direction."""
    problem = Classifier(MLP((2, 1), ()), X.astype(float), Y.reshape(-1, 1).astype(float), loss("exp"))
    w = np.array([float(c) for c in hard_margin_svm(X, Y).w])
    assert kkt_residual(problem, 3 * w, Piece.smooth(), 1) < 1e-12
    other = w + np.array([0.0, 0.3])
    assert problem.margins(other).min() > 0
    assert kkt_residual(problem, other, Piece.smooth(), 1) > 1e-3


def test_unit_sin2() -> None:
    assert unit_sin2(np.array([1.0, 0.0]), np.array([0.0, 5.0])) == 1.0
    assert abs(unit_sin2(np.array([1.0, 1.0]), np.array([1.0, 0.0])) - 0.5) < 1e-15
