"""Symbolic proofs of identities, for every size: noncommutative matrix algebra and abstract neurons.

Three tools, each returning a :class:`~checker.statements.Proof`:

* :class:`MatrixAlgebra` with :meth:`MatrixAlgebra.prove` — identities between products of
  matrices and their transposes, proved *dimension-free*.  A matrix is a noncommuting SymPy
  symbol with a shape of symbolic dimensions (``n_h``; the literal 1 for vectors), its transpose
  another symbol, and ``ᵀ`` an involution with ``(AB)ᵀ = BᵀAᵀ``.  An expression is reduced to a
  normal form: SymPy expands it (noncommutatively) and collects like words; every subword of shape
  1×1 is a scalar, so it commutes out and is replaced by its *trace class* (the word up to
  rotation and transposition: ``tr(XY) = tr(YX)``, ``tr(Xᵀ) = tr(X)``); :meth:`MatrixAlgebra.trace`
  maps a square expression to a sum of trace classes.  Each rewrite is an identity of real
  matrices of every compatible size, and shapes are checked on symbols, so an expression that
  reduces to 0 is 0 for all sizes.  :meth:`MatrixAlgebra.derivative` is the product rule on words
  (a directional derivative), so gradients are proved, not assumed: ``tr(Gᵀ E) ≡ dF[E]``.
* :func:`prove_rescaling_identity` — per-neuron (or per-block) identities of homogeneous
  networks for every width, depth and number of inputs.  ``⟨∂F/∂w, w⟩ = d/dc F(c·w)|_{c=1}``
  (the chain rule along the ray through ``w``), and the rest of the network enters only as an
  undefined SymPy function of what the scaling touches, inside indexed sums of symbolic length.
  Euler's relation ``u·φ'(u) = k·φ(u)`` for a positively ``k``-homogeneous φ — valid at ``u = 0``
  too, for every choice of ``φ'(0)``, since ``φ(0) = 0`` — is applied to the product, never
  by division.
* :func:`prove_polynomial_identity` with :class:`PolynomialRing` — fixed-size polynomial
  identities expanded by python-flint ``fmpq_mpoly``.  No theorem uses it (the two tools above
  cover every size); it remains as the fixed-size reference that ``bench/bench_balance.py`` times
  against SymPy's ``expand`` (issue 11, item 3).

:func:`combine_proofs` joins the parts of a proof (e.g. a per-neuron lemma and an expansion that
uses it) into one :class:`Proof` that holds when every part holds.
"""
from __future__ import annotations

import time
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import sympy
from flint import fmpq_mpoly_ctx
from sympy.core.function import AppliedUndef

from .statements import Proof

ALL_SIZES = "all sizes"


def symbol_array(prefix: str, shape: tuple[int, ...]) -> np.ndarray:
    """An object array of real SymPy symbols ``prefix_i_j``."""
    out = np.empty(shape, dtype=object)
    for idx in np.ndindex(shape):
        out[idx] = sympy.Symbol(f"{prefix}_{'_'.join(map(str, idx))}", real=True)
    return out


def combine_proofs(parts: Sequence[tuple[str, Proof]], scope: str) -> Proof:
    """One proof made of named parts; it holds when every part holds (the first failure is reported)."""
    seconds = sum(p.seconds for _, p in parts)
    for name, p in parts:
        if not p.holds:
            return Proof(False, p.method, scope, f"part '{name}' fails: {p.detail}", seconds)
    methods = "; ".join(dict.fromkeys(p.method for _, p in parts))
    detail = "\n".join(f"[{name}] ({p.scope}) {p.detail}" for name, p in parts)
    return Proof(True, methods, scope, detail, seconds)


# ----------------------------------------------------------------- noncommutative matrix algebra


class MatrixAlgebra:
    """Words in noncommuting matrix symbols of symbolic shape, with a transpose involution.

    ``A = alg.matrix("A", n, m)`` is an ``n × m`` matrix for every ``n, m`` (dimensions are
    SymPy symbols, or ``1`` for vectors); scalars are ordinary commutative SymPy symbols.  Build
    expressions with ``*``, ``+``, ``-`` and :meth:`T`; :meth:`normal_form` and :meth:`trace`
    reduce them as the module docstring describes.
    """

    METHOD = "SymPy noncommutative normal form (expand, (AB)ᵀ = BᵀAᵀ, 1×1 words and traces up to rotation and ᵀ)"

    def __init__(self) -> None:
        self._shape: dict[sympy.Symbol, tuple[Any, Any]] = {}
        self._partner: dict[sympy.Symbol, sympy.Symbol] = {}

    def matrix(self, name: str, rows: Any, cols: Any, symmetric: bool = False) -> sympy.Symbol:
        """A new ``rows × cols`` matrix symbol (its transpose is ``name + 'ᵀ'``, or itself when ``symmetric``)."""
        rows, cols = sympy.sympify(rows), sympy.sympify(cols)
        if symmetric and rows != cols:
            raise sympy.ShapeError(f"symmetric matrix {name} must be square, got {rows}×{cols}")
        a = sympy.Symbol(name, commutative=False)
        at = a if symmetric else sympy.Symbol(name + "ᵀ", commutative=False)
        if a in self._shape:
            raise ValueError(f"matrix {name} already exists")
        self._shape[a], self._shape[at] = (rows, cols), (cols, rows)
        self._partner[a], self._partner[at] = at, a
        return a

    # -- structure
    def _word(self, nc: Iterable[sympy.Expr]) -> list[sympy.Symbol]:
        word: list[sympy.Symbol] = []
        for f in nc:
            if isinstance(f, sympy.Pow) and f.base in self._shape and f.exp.is_Integer and f.exp > 0:
                word += [f.base] * int(f.exp)
            elif f in self._shape:
                word.append(f)
            else:
                raise ValueError(f"{f} is not a matrix of this algebra (noncommutative factor)")
        return word

    def _terms(self, expr: Any) -> list[tuple[sympy.Expr, list[sympy.Symbol]]]:
        """``expr`` expanded into (commutative coefficient, word) pairs."""
        out = []
        for term in sympy.Add.make_args(sympy.expand(sympy.sympify(expr))):
            c, nc = term.args_cnc()
            out.append((sympy.Mul(*c), self._word(nc)))
        return out

    def _word_shape(self, word: list[sympy.Symbol]) -> tuple[Any, Any] | None:
        if not word:
            return None
        for a, b in zip(word, word[1:]):
            if self._shape[a][1] != self._shape[b][0]:
                raise sympy.ShapeError(f"{a} ({self._shape[a][0]}×{self._shape[a][1]}) times {b} "
                                       f"({self._shape[b][0]}×{self._shape[b][1]}): inner dimensions differ")
        return self._shape[word[0]][0], self._shape[word[-1]][1]

    def shape(self, expr: Any) -> tuple[Any, Any] | None:
        """The shape of ``expr`` (None for a scalar); raises ``ShapeError`` when the sizes do not fit."""
        shapes = {s for _, w in self._terms(expr) if (s := self._word_shape(w)) is not None}
        if len(shapes) > 1:
            raise sympy.ShapeError(f"terms of different shapes {sorted(map(str, shapes))} are added")
        return next(iter(shapes), None)

    def T(self, expr: Any) -> sympy.Expr:
        """The transpose: ``(c·X₁⋯X_n)ᵀ = c·X_nᵀ⋯X₁ᵀ``, extended linearly."""
        return sympy.Add(*(c * sympy.Mul(*(self._partner[x] for x in reversed(w))) for c, w in self._terms(expr)))

    # -- normal forms
    def _cycle_class(self, word: list[sympy.Symbol]) -> sympy.Symbol:
        """The commutative symbol of ``tr(word)``: the least rotation of the word or of its transpose."""
        transposed = [self._partner[x] for x in reversed(word)]
        candidates = [tuple(w[j:] + w[:j]) for w in (word, transposed) for j in range(len(w))]
        best = min(candidates, key=lambda w: tuple(str(x) for x in w))
        return sympy.Symbol("tr(" + "·".join(map(str, best)) + ")")

    def _split(self, word: list[sympy.Symbol]) -> tuple[list[sympy.Symbol], list[sympy.Symbol]]:
        """``(scalars, rest)``: the 1×1 subwords between inner dimensions equal to 1 commute out."""
        cuts = [p for p in range(len(word) - 1) if self._shape[word[p]][1] == 1]
        pieces = [word[a + 1:b + 1] for a, b in zip([-1] + cuts, cuts + [len(word) - 1])]
        scalars, rest = [], []
        for k, piece in enumerate(pieces):
            is_scalar = 0 < k < len(pieces) - 1 or (self._shape[piece[0]][0] == 1 and self._shape[piece[-1]][1] == 1)
            if is_scalar:
                scalars.append(self._cycle_class(piece))
            else:
                rest += piece
        return scalars, rest

    def normal_form(self, expr: Any) -> sympy.Expr:
        """``expr`` with like words collected and every 1×1 subword replaced by its trace class."""
        self.shape(expr)
        total = sympy.Integer(0)
        for c, w in self._terms(expr):
            scalars, rest = self._split(w) if w else ([], [])
            total += c * sympy.Mul(*scalars) * sympy.Mul(*rest)
        return sympy.expand(total)

    def trace(self, expr: Any) -> sympy.Expr:
        """``tr(expr)`` for a square ``expr``, as a commutative sum of trace classes."""
        shape = self.shape(expr)
        if shape is not None and shape[0] != shape[1]:
            raise sympy.ShapeError(f"trace of a non-square {shape[0]}×{shape[1]} expression")
        total = sympy.Integer(0)
        for c, w in self._terms(expr):
            ones = [j for j, x in enumerate(w) if self._shape[x][0] == 1]
            if not w:
                total += c
            elif ones:  # rotate a dimension 1 to the boundary: tr(u vᵀ) = vᵀu, a product of 1×1 words
                w = w[ones[0]:] + w[:ones[0]]
                total += c * sympy.Mul(*self._split(w)[0])
            else:
                total += c * self._cycle_class(w)
        return sympy.expand(total)

    def substitute(self, expr: Any, values: dict[sympy.Symbol, Any]) -> sympy.Expr:
        """``expr`` with each matrix ``X`` in ``values`` replaced by ``values[X]`` and ``Xᵀ`` by its transpose."""
        rules = {}
        for x, v in values.items():
            if self.shape(v) != self._shape[x]:
                raise sympy.ShapeError(f"{x} ({self._shape[x]}) replaced by an expression of shape {self.shape(v)}")
            rules[x], rules[self._partner[x]] = v, self.T(v)
        return sympy.expand(sympy.sympify(expr).xreplace(rules))

    def derivative(self, expr: Any, matrix: sympy.Symbol, direction: Any) -> sympy.Expr:
        """The directional derivative of ``expr`` in ``matrix`` along ``direction`` (product rule on words)."""
        if self.shape(direction) != self._shape[matrix]:
            raise sympy.ShapeError(f"direction of shape {self.shape(direction)} for {matrix} of shape {self._shape[matrix]}")
        rules = {matrix: direction, self._partner[matrix]: self.T(direction)}
        total = sympy.Integer(0)
        for c, w in self._terms(expr):
            for j, x in enumerate(w):
                if x in rules:
                    total += c * sympy.Mul(*w[:j]) * rules[x] * sympy.Mul(*w[j + 1:])
        return sympy.expand(total)

    def prove(self, claims: Sequence[tuple[str, Any]], argument: str, scope: str = ALL_SIZES) -> Proof:
        """Proof that each claimed difference ``(label, lhs − rhs)`` has normal form 0.

        ``argument`` (the mathematics the claims implement) opens the proof's detail, followed by
        each claim and its reduced form."""
        start = time.perf_counter()
        lines = [argument]
        for label, diff in claims:
            try:
                reduced = self.normal_form(diff)
            except sympy.ShapeError as exc:
                return Proof(False, self.METHOD, scope, f"{label}: ill-formed for general sizes: {exc}",
                             time.perf_counter() - start)
            if reduced != 0:
                return Proof(False, self.METHOD, scope,
                             f"{label}: the difference reduces to {sympy.sstr(reduced)[:400]} ≠ 0",
                             time.perf_counter() - start)
            lines.append(f"• {label}: ≡ 0")
        dims = sorted({str(d) for s in self._shape.values() for d in s if d != 1})
        lines.append(f"Dimensions {', '.join(dims)} are symbols: the normal form is the same for every size.")
        return Proof(True, self.METHOD, scope, "\n".join(lines), time.perf_counter() - start)


def deep_linear_hessian_proof() -> Proof:
    """Formula (H) for a deep linear network ``x ↦ W_L⋯W_1 x`` (any depth L, any widths, W_L a row),
    at any minimiser of a quadratic risk ``R¹(w) = (w − w⋆)ᵀΣ(w − w⋆) + r₀`` with ``Σ = Σᵀ``
    (THEOREMS.md MC-H): ``∇²R^L = Jᵀ(2Σ)J`` and ``JJᵀ = Σ_k ‖a_k‖² B_kᵀB_k``.

    Layer k sees ``wᵀ = a_kᵀ W_k B_k`` with ``a_kᵀ = W_L⋯W_{k+1}`` (1×m_k) and ``B_k = W_{k−1}⋯W_1``
    (m_{k−1}×d) abstract, so one layer stands for every layer of every depth.  Claims: (1) the
    derivative of w in W_k along Δ is ``J_kΔ = B_kᵀΔᵀa_k``; (2) its adjoint is ``J_kᵀv = a_k vᵀB_kᵀ``
    (``⟨J_kΔ, v⟩ = ⟨Δ, J_kᵀv⟩``); (3) ``J_kJ_kᵀv = ‖a_k‖² B_kᵀB_k v``; (4) along any curve
    ``w(ε) = w + εẇ + ε²ẅ/2 + O(ε³)``, ``d²R¹/dε² = 2ẇᵀΣẇ + ∇R¹(w)ᵀẅ``, whose residual term vanishes
    at minimisers (∇R¹ = 0), so the Hessian is the Gauss–Newton form ``(JΔ)ᵀ2Σ(JΔ)`` with
    ``J = [J_1 ⋯ J_L]`` and ``JJᵀ = Σ_k J_kJ_kᵀ``.  That ``JᵀMJ`` and ``M^{1/2}JJᵀM^{1/2}`` have the same
    nonzero spectrum (so S = 2λ_max(GΣ)) is standard linear algebra, stated, not reduced here."""
    alg = MatrixAlgebra()
    d, m_prev, m_k, eps = (*sympy.symbols("d m_{k-1} m_k", integer=True, positive=True), sympy.Symbol("epsilon"))
    a, Wk, Bk = alg.matrix("a_k", m_k, 1), alg.matrix("W_k", m_k, m_prev), alg.matrix("B_k", m_prev, d)
    Delta, v = alg.matrix("Delta", m_k, m_prev), alg.matrix("v", d, 1)
    S = alg.matrix("Sigma", d, d, symmetric=True)
    w, w_star, w1, w2 = (alg.matrix(n, d, 1) for n in ("w", "w_star", "w_dot", "w_ddot"))
    J = lambda D: alg.T(Bk) * alg.T(D) * a  # noqa: E731
    J_adjoint = a * alg.T(v) * alg.T(Bk)
    curve = w + eps * w1 + eps ** 2 * w2 / 2 - w_star
    risk = alg.normal_form(alg.T(curve) * S * curve)
    claims = [
        ("(1) d/dW_k of w = (a_kᵀW_kB_k)ᵀ along Δ is B_kᵀΔᵀa_k", alg.derivative(alg.T(alg.T(a) * Wk * Bk), Wk, Delta) - J(Delta)),
        ("(2) ⟨J_kΔ, v⟩ = ⟨Δ, a_kvᵀB_kᵀ⟩", alg.trace(alg.T(J(Delta)) * v) - alg.trace(alg.T(Delta) * J_adjoint)),
        ("(3) J_kJ_kᵀv = ‖a_k‖²B_kᵀB_kv", J(J_adjoint) - alg.trace(alg.T(a) * a) * alg.T(Bk) * Bk * v),
        ("(4) d²R¹/dε² = 2ẇᵀΣẇ + ∇R¹ᵀẅ with ∇R¹ = 2Σ(w − w⋆)",
         2 * risk.coeff(eps, 2) - 2 * alg.T(w1) * S * w1 - alg.T(2 * S * (w - w_star)) * w2),
    ]
    return alg.prove(claims, "Deep linear network of any depth and widths; layer k: wᵀ = a_kᵀW_kB_k; "
                             "quadratic risk R¹(w) = (w − w⋆)ᵀΣ(w − w⋆) + r₀, Σ symmetric.")


# ------------------------------------------------------------------------- homogeneous neurons


def euler_rewrite(expr: sympy.Expr, activations: Sequence[sympy.FunctionClass], degree: Any) -> sympy.Expr:
    """Replace every product ``u·φ'(u)`` (φ among ``activations``) by ``degree·φ(u)``.

    Euler's relation for a positively ``degree``-homogeneous φ; it holds at ``u = 0`` for every
    choice of ``φ'(0)`` (both sides vanish), so no case is excluded.  A derivative that does not
    meet its own argument as a factor is left alone (the proof then fails rather than guesses).
    """
    def derivative_point(f: sympy.Expr) -> sympy.Expr | None:
        if isinstance(f, sympy.Subs) and isinstance(f.expr, sympy.Derivative):
            inner = f.expr
            if isinstance(inner.expr, AppliedUndef) and inner.expr.func in activations and len(inner.variables) == 1 \
                    and inner.expr.args == inner.variables:
                return f.point[0]
        if isinstance(f, sympy.Derivative) and isinstance(f.expr, AppliedUndef) and f.expr.func in activations \
                and len(f.variables) == 1 and f.expr.args == f.variables:
            return f.variables[0]
        return None

    def rewrite(m: sympy.Mul) -> sympy.Expr:
        factors = list(m.args)
        for j, f in enumerate(factors):
            u = derivative_point(f)
            if u is not None and u in factors[:j] + factors[j + 1:]:
                phi = (f.expr.expr if isinstance(f, sympy.Subs) else f.expr).func
                factors.remove(u)
                factors[factors.index(f)] = degree * phi(u)
                return sympy.Mul(*factors)
        return m

    previous = None
    while previous != expr:
        previous, expr = expr, expr.replace(lambda e: isinstance(e, sympy.Mul), rewrite)
    return expr


def prove_rescaling_identity(curve_a: sympy.Expr, curve_b: sympy.Expr, c: sympy.Symbol,
                             activations: Sequence[sympy.FunctionClass], degree: Any, argument: str,
                             factor: Any = None, scope: str = ALL_SIZES) -> Proof:
    """Proof that ``d/dc curve_a|_{c=1} = factor · d/dc curve_b|_{c=1}`` for every positively
    ``degree``-homogeneous φ in ``activations`` (``factor`` defaults to ``degree``).

    ``curve_a(c) = F(c·w_A)`` and ``curve_b(c) = F(c·w_B)`` for two blocks of weights, so the
    claim is ``⟨∂F/∂w_A, w_A⟩ = factor·⟨∂F/∂w_B, w_B⟩``.  SymPy differentiates (under indexed sums
    of symbolic length), Euler's relation is applied to every ``u·φ'(u)``, and the difference
    must simplify to 0."""
    start = time.perf_counter()
    factor = degree if factor is None else factor
    one = lambda e: sympy.diff(e, c).subs(c, 1)  # noqa: E731
    raw = one(curve_a) - factor * one(curve_b)
    reduced = sympy.simplify(euler_rewrite(raw.doit(), activations, degree))
    method = "SymPy, abstract activation and rest of the network, Euler's relation u·φ'(u) = k·φ(u)"
    shown = f"{argument}\nd/dc F(c·w_A) at c = 1:  {sympy.sstr(one(curve_a))}\nd/dc F(c·w_B) at c = 1:  {sympy.sstr(one(curve_b))}"
    if reduced != 0:
        return Proof(False, method, scope, f"{shown}\nthe difference reduces to {sympy.sstr(reduced)[:400]} ≠ 0",
                     time.perf_counter() - start)
    return Proof(True, method, scope, f"{shown}\nafter u·φ'(u) → {degree}·φ(u) the difference simplifies to 0",
                 time.perf_counter() - start)


# --------------------------------------------------------------------- fixed-size polynomials


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
    (object arrays are compared entry by entry); ``scope`` names the fixed sizes."""
    start = time.perf_counter()
    terms = 0
    for k, (lhs, rhs) in enumerate(build()):
        lhs, rhs = np.asarray(lhs, dtype=object), np.asarray(rhs, dtype=object)
        diff = lhs - rhs
        for idx in np.ndindex(diff.shape):
            if diff[idx] != 0:
                return Proof(False, "flint fmpq_mpoly expansion", scope,
                             f"pair {k}, entry {idx}: difference {str(diff[idx])[:300]} ≠ 0", time.perf_counter() - start)
        terms += sum(len(lhs[idx]) if hasattr(lhs[idx], "__len__") else 1 for idx in np.ndindex(lhs.shape))
    return Proof(True, "flint fmpq_mpoly expansion", scope,
                 f"both sides expand to the same polynomials ({terms} terms)", time.perf_counter() - start)
