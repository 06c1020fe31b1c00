"""Symbolic proofs of identities for fixed sizes: SymPy for abstract activations, flint for polynomials.

Two tools, both returning a :class:`~checker.statements.Proof`:

* :func:`prove_homogeneous_identity` — the identity holds for *every* positively ``k``-homogeneous
  activation φ.  φ is an undefined SymPy function; its derivative, wherever it appears, is
  rewritten by Euler's relation ``φ'(u) = k·φ(u)/u`` (valid for ``u ≠ 0``; at ``u = 0`` both
  sides of the DHL identities vanish, THEOREMS.md DHL-I1), and the difference is cancelled to 0.
* :func:`prove_polynomial_identity` — polynomial identities (linear networks, matrix
  factorisation) expanded exactly with python-flint ``fmpq_mpoly`` (SymPy's ``expand`` is orders of
  magnitude slower at these sizes: DESIGN.md §Numbers).

Networks are built with the engine's own forward pass on object arrays of symbols (so the
*statement* is about the same network the checks measure), but every derivative is taken by
``sympy.diff`` / ``fmpq_mpoly.derivative``, independently of the engine's back-propagation.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import sympy
from flint import fmpq_mpoly_ctx
from sympy.core.function import AppliedUndef

from .statements import Proof

@dataclass(frozen=True)
class AbstractActivation:
    """An undefined activation ``name`` for symbolic forward passes (derivatives are SymPy's)."""

    name: str = "phi"

    def value(self, z: np.ndarray) -> np.ndarray:
        phi = sympy.Function(self.name)
        out = np.empty(z.shape, dtype=object)
        for idx in np.ndindex(z.shape):
            out[idx] = phi(z[idx])
        return out


def symbol_array(prefix: str, shape: tuple[int, ...]) -> np.ndarray:
    """An object array of real SymPy symbols ``prefix_i_j``."""
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        out[idx] = sympy.Symbol(f"{prefix}_{'_'.join(map(str, idx))}", real=True)
    return out


def euler_rewrite(expr: sympy.Expr, degree: Any) -> sympy.Expr:
    """Replace every ``φ'(u)`` of an undefined function φ by ``degree·φ(u)/u`` (Euler's relation)."""
    subs = {}
    for s in expr.atoms(sympy.Subs):
        inner = s.expr
        if isinstance(inner, sympy.Derivative) and isinstance(inner.expr, AppliedUndef) and len(inner.variables) == 1:
            subs[s] = degree * inner.expr.func(s.point[0]) / s.point[0]
    for d in expr.atoms(sympy.Derivative):
        f = d.expr
        if isinstance(f, AppliedUndef) and len(d.variables) == 1 and f.args == (d.variables[0],):
            subs[d] = degree * f / d.variables[0]
    return expr.xreplace(subs)


def prove_homogeneous_identity(differences: Iterable[sympy.Expr], degree: Any, scope: str) -> Proof:
    """Proof that every expression in ``differences`` vanishes for all ``degree``-homogeneous φ."""
    start = time.perf_counter()
    diffs = list(differences)
    for k, d in enumerate(diffs):
        reduced = sympy.cancel(sympy.together(euler_rewrite(d, degree)))
        if reduced != 0:
            return Proof(False, "SymPy, abstract φ with Euler's relation", scope,
                         f"difference {k} reduces to {sympy.sstr(reduced)[:300]} ≠ 0", time.perf_counter() - start)
    return Proof(True, "SymPy, abstract φ with Euler's relation", scope,
                 f"{len(diffs)} difference(s) cancel to 0 after φ'(u) → {degree}·φ(u)/u",
                 time.perf_counter() - start)


class PolynomialRing:
    """Exact multivariate polynomials over ℚ (flint ``fmpq_mpoly``) with named matrix variables."""

    def __init__(self, blocks: Sequence[tuple[str, tuple[int, ...]]]):
        names: list[str] = []
        self._slices: dict[str, tuple[int, tuple[int, ...]]] = {}
        for prefix, shape in blocks:
            self._slices[prefix] = (len(names), shape)
            names += [f"{prefix}_{'_'.join(map(str, idx))}" for idx in np.ndindex(shape)]
        self.ctx = fmpq_mpoly_ctx.get(tuple(names), "degrevlex")
        self.gens = self.ctx.gens()
        self.names = names

    def array(self, prefix: str) -> np.ndarray:
        """The object array of generators named ``prefix``."""
        start, shape = self._slices[prefix]
        out = np.empty(shape, dtype=object)
        for k, idx in enumerate(np.ndindex(shape)):
            out[idx] = self.gens[start + k]
        return out

    def derivative(self, poly: Any, prefix: str) -> np.ndarray:
        """``∂poly/∂(prefix)`` as an object array of the block's shape."""
        start, shape = self._slices[prefix]
        out = np.empty(shape, dtype=object)
        for k, idx in enumerate(np.ndindex(shape)):
            out[idx] = poly.derivative(start + k)
        return out


def prove_polynomial_identity(build: Callable[[], Iterable[tuple[Any, Any]]], scope: str) -> Proof:
    """Proof that each pair ``(lhs, rhs)`` returned by ``build()`` is equal as exact polynomials
    (object arrays are compared entry by entry)."""
    start = time.perf_counter()
    terms = 0
    for k, (lhs, rhs) in enumerate(build()):
        diff = np.asarray(lhs, dtype=object) - np.asarray(rhs, dtype=object)
        for idx in np.ndindex(diff.shape):
            if diff[idx] != 0:
                return Proof(False, "flint fmpq_mpoly expansion", scope,
                             f"pair {k}, entry {idx}: difference {str(diff[idx])[:300]} ≠ 0", time.perf_counter() - start)
        terms += sum(len(np.asarray(lhs, dtype=object)[idx]) if hasattr(np.asarray(lhs, dtype=object)[idx], "__len__") else 1
                     for idx in np.ndindex(np.shape(lhs)))
    return Proof(True, "flint fmpq_mpoly expansion", scope,
                 f"both sides expand to the same polynomials ({terms} terms)", time.perf_counter() - start)
