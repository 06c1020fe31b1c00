"""The size-free provers of checker/proofs.py: the noncommutative normal form is sound on known
identities, rejects false and ill-typed ones, and the ready deep-linear Hessian proof (MC-H) holds
while its mutations fail."""
from __future__ import annotations

import pytest
import sympy

from checker.proofs import ALL_SIZES, MatrixAlgebra, deep_linear_hessian_proof, euler_rewrite, prove_rescaling_identity


def test_matrix_algebra_normal_form():
    alg = MatrixAlgebra()
    n, m = sympy.symbols("n m", positive=True, integer=True)
    A, B, C = alg.matrix("A", n, m), alg.matrix("B", m, n), alg.matrix("C", n, n)
    u, v, w = (alg.matrix(x, n, 1) for x in "uvw")
    assert alg.normal_form(alg.T(A * B) - alg.T(B) * alg.T(A)) == 0
    assert alg.trace(A * B) == alg.trace(B * A) == alg.trace(alg.T(A * B))
    assert alg.normal_form(u * alg.T(v) * w - alg.trace(alg.T(w) * v) * u) == 0  # 1×1 words commute out
    assert alg.trace(u * alg.T(v)) == alg.normal_form(alg.T(v) * u)
    assert alg.normal_form(A * B * C - C * A * B) != 0
    assert alg.trace(A * B * C * C) != alg.trace(A * B * alg.T(C) * C)
    with pytest.raises(sympy.ShapeError):
        alg.normal_form(A * A)
    with pytest.raises(sympy.ShapeError):
        alg.normal_form(A * B - B * A)


def test_symmetric_matrices_are_their_own_transpose():
    alg = MatrixAlgebra()
    n = sympy.Symbol("n", positive=True, integer=True)
    S, X = alg.matrix("S", n, n, symmetric=True), alg.matrix("X", n, n)
    assert alg.normal_form(alg.T(X * S) - S * alg.T(X)) == 0
    assert alg.normal_form(alg.T(X * X) - X * X) != 0


def test_deep_linear_hessian_proof_and_its_mutations():
    proof = deep_linear_hessian_proof()
    assert proof.holds and proof.scope == ALL_SIZES, proof.detail
    alg = MatrixAlgebra()
    d, p, q = sympy.symbols("d p q", positive=True, integer=True)
    a, B, v = alg.matrix("a", q, 1), alg.matrix("B", p, d), alg.matrix("v", d, 1)
    J = lambda D: alg.T(B) * alg.T(D) * a  # noqa: E731
    adjoint = a * alg.T(v) * alg.T(B)
    assert alg.prove([("ok", J(adjoint) - alg.trace(alg.T(a) * a) * alg.T(B) * B * v)], "").holds
    assert not alg.prove([("missing ‖a‖²", J(adjoint) - alg.T(B) * B * v)], "").holds
    assert not alg.prove([("wrong transpose", J(adjoint) - alg.trace(alg.T(a) * a) * B * alg.T(B) * v)], "").holds


def test_rescaling_proof_needs_euler_with_the_right_degree():
    c, z, k = sympy.Symbol("c", positive=True), sympy.Symbol("z"), sympy.Symbol("k", positive=True)
    phi, psi = sympy.Function("phi"), sympy.Function("psi")
    assert prove_rescaling_identity(psi(phi(c * z)), psi(c * phi(z)), c, [phi], k, "").holds
    assert not prove_rescaling_identity(psi(phi(c * z)), psi(c * phi(z)), c, [phi], k, "", factor=1).holds
    assert not prove_rescaling_identity(psi(phi(c * z)), psi(c * phi(z)), c, [psi], k, "").holds  # φ not declared homogeneous


def test_euler_rewrite_applies_to_the_product_only():
    z, k = sympy.Symbol("z"), sympy.Symbol("k")
    phi = sympy.Function("phi")
    d = sympy.diff(phi(z), z)
    assert euler_rewrite(z * d, [phi], k) == k * phi(z)
    assert euler_rewrite(d, [phi], k) == d  # no division by z: u = 0 is never excluded
