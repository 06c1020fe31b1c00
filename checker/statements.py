"""SymPy statements over measured quantities, and their evaluation with interval semantics.

A statement's conclusion is a SymPy relation (``Eq``, ``Ge``, ``Gt``, ``Le``, ``Lt``) whose free
symbols are quantity names of its system.  On an instance, every symbol is replaced by its
:class:`~checker.arith.Enclosure` and the relation's *margin* is enclosed:

* ``lhs >= rhs`` / ``lhs > rhs``: margin ``lhs - rhs``;  ``lhs <= rhs`` / ``lhs < rhs``: ``rhs - lhs``;
* ``Eq(lhs, rhs)``: margin ``-|lhs - rhs|`` (never positive; zero means the identity holds).

Expressions over exact inputs using only field operations, ``Abs``, ``Max``, ``Min`` and powers
whose value is rational (integer exponents, or e.g. ``(16/81)^(3/4) = 8/27``) are evaluated in exact
rationals; anything else (irrational powers, ``exp``, ``log``, ball or estimated inputs) in arb balls
at the working precision.

A conclusion or hypothesis may contain ``limit(EXPR)`` or ``limit(EXPR, RATE)``: the limit of EXPR
along the system's trajectory as the horizon ``H → ∞``.  EXPR is over the system's
``trajectory_quantities``; RATE, an expression in the horizon symbol ``H``, is the theorem's rate
form ``EXPR(H) = L + c·RATE(H) + o(RATE(H))``.  Symbols outside ``limit(...)`` are ordinary
quantities.  Each ``limit`` node is measured as one more quantity, named ``str(node)``, whose
enclosure is the extrapolated limit (:mod:`checker.evaluation`, :func:`checker.limits.judge_limit`).
"""
from __future__ import annotations

import functools
import operator
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

import sympy
from flint import arb, fmpq
from sympy.parsing.sympy_parser import parse_expr, standard_transformations

from .arith import Enclosure, rational_root, weakest, working_precision
from .limits import HORIZON
from .systems import System

RELATIONS = (sympy.Eq, sympy.Ge, sympy.Gt, sympy.Le, sympy.Lt)


class StatementError(ValueError):
    """A statement is malformed (bad syntax, unknown quantity, not a relation)."""


class limit(sympy.Function):
    """``limit(EXPR)`` / ``limit(EXPR, RATE)``: the limit of EXPR along the trajectory as ``H → ∞``,
    with the optional rate form RATE(H) (see the module docstring).  Never evaluated by SymPy."""

    nargs = (1, 2)

    @property
    def expr(self) -> sympy.Expr:
        return self.args[0]

    @property
    def rate(self) -> sympy.Expr | None:
        return self.args[1] if len(self.args) == 2 else None

    def _latex(self, printer: Any) -> str:
        body = printer._print(self.expr)
        rate = "" if self.rate is None else rf"\ \left(\text{{rate }} {printer._print(self.rate)}\right)"
        return rf"\lim_{{H \to \infty}} \left({body}\right){rate}"


def _compound(latex: str) -> bool:
    """Whether a display name has a ``+`` or ``−`` (a leading sign too) outside every group (``{}``, ``\\left( \\right)``,
    ``\\langle \\rangle``), so that it needs brackets as a factor or a power's base."""
    depth = 0
    for k, ch in enumerate(latex):
        if ch == "{" or latex.startswith((r"\left", r"\langle"), k):
            depth += 1
        elif ch == "}" or latex.startswith((r"\right", r"\rangle"), k):
            depth -= 1
        elif ch in "+-" and depth == 0:
            return True
    return False


def render_latex(expr: sympy.Basic, names: dict[str, str]) -> str:
    """``expr`` in LaTeX with each symbol named in ``names`` shown by its LaTeX display name; a
    compound display name (a sum or difference) is bracketed, so ``2βQ`` with ``Q = a − b`` reads
    ``2β(a − b)``."""
    shown = {s: (rf"\left({names[s.name]}\right)" if _compound(names[s.name]) else names[s.name])
             for s in expr.free_symbols if s.name in names}
    return sympy.latex(expr, symbol_names=shown)


def limits_of(*rels: sympy.Basic) -> list[limit]:
    """The ``limit`` nodes of ``rels``, each once, in a deterministic order (by their string form)."""
    return sorted(set().union(*(r.atoms(limit) for r in rels)), key=str)


def outer_symbols(expr: sympy.Basic) -> set[sympy.Symbol]:
    """The free symbols of ``expr`` outside its ``limit`` nodes (the ordinary quantities)."""
    if isinstance(expr, limit):
        return set()
    if expr.is_Symbol:
        return {expr}
    return set().union(*(outer_symbols(a) for a in expr.args))


def without_limits(rel: sympy.core.relational.Relational) -> sympy.core.relational.Relational:
    """``rel`` with every ``limit`` node replaced by the symbol named ``str(node)`` (its measured value)."""
    subs = {node: sympy.Symbol(str(node)) for node in rel.atoms(limit)}
    return rel.func(*(a.xreplace(subs) for a in rel.args), evaluate=False)


def parse_relation(text: Any, names: set[str], where: str,
                   trajectory_names: frozenset[str] = frozenset()) -> sympy.core.relational.Relational:
    """A SymPy relation from a string (``==`` allowed) or a relation, over the symbols ``names``.

    Every name is read as a plain real symbol, so quantity names such as ``S``, ``E``, ``N`` or
    ``gamma`` never collide with SymPy's constants and functions.  Inside ``limit(EXPR, RATE)``,
    EXPR may use only ``trajectory_names`` and RATE only the horizon ``H``.  Float literals are
    rejected (a statement's constants are exact rationals).
    """
    if isinstance(text, sympy.logic.boolalg.BooleanAtom):
        raise StatementError(f"{where}: the relation is identically {text} (SymPy decided it from the symbols' "
                             f"assumptions): there is nothing to check")
    if isinstance(text, sympy.core.relational.Relational):
        rel = text
    elif isinstance(text, str):
        local = {n: sympy.Symbol(n) for n in {*names, *trajectory_names, HORIZON.name}}
        local["limit"] = limit
        parts = re.split(r"(?<![<>=!])==(?!=)", text)
        try:
            if len(parts) == 2:
                rel = sympy.Eq(*(parse_expr(p, local_dict=local, transformations=standard_transformations) for p in parts), evaluate=False)
            elif len(parts) == 1:
                rel = parse_expr(text, local_dict=local, transformations=standard_transformations, evaluate=False)
            else:
                raise StatementError(f"{where}: more than one '==' in {text!r}")
        except (SyntaxError, TypeError, ValueError, sympy.SympifyError, TokenError_) as exc:
            if isinstance(exc, StatementError):
                raise
            raise StatementError(f"{where}: cannot parse {text!r}: {exc}") from None
    else:
        raise StatementError(f"{where}: expected a string or a SymPy relation, got {type(text).__name__}")
    if isinstance(rel, sympy.logic.boolalg.BooleanAtom):
        raise StatementError(f"{where}: {text!r} is identically {rel}: there is nothing to check")
    if not isinstance(rel, RELATIONS):
        raise StatementError(
            f"{where}: {text!r} is not a relation; write it as lhs >= rhs, lhs <= rhs, lhs > rhs, "
            f"lhs < rhs or lhs == rhs"
        )
    # Symbols carry no assumptions, so SymPy never decides a relation (e.g. a**2 >= 0) by itself:
    # the checker measures it.  Relations built by users with assumptions are re-expressed.
    rel = rel.func(*(a.xreplace({s: sympy.Symbol(s.name) for s in rel.free_symbols}) for a in rel.args), evaluate=False)
    floats = sorted(repr(float(f)) for f in rel.atoms(sympy.Float))
    if floats:
        raise StatementError(f"{where}: float literal {', '.join(floats)} in {text!r}: write it as a rational "
                             f"(e.g. 1/10), so the statement means one exact number")
    unknown = sorted(s.name for s in outer_symbols(rel) if s.name not in names)
    if unknown:
        raise StatementError(f"{where}: unknown quantity {', '.join(map(repr, unknown))}; known: {', '.join(sorted(names))}")
    for node in limits_of(rel):
        _check_limit(node, trajectory_names, where)
    return rel


def _check_limit(node: limit, trajectory_names: frozenset[str], where: str) -> None:
    """Raise a ``StatementError`` unless ``node`` is ``limit(EXPR[, RATE(H)])`` over trajectory quantities."""
    if node.expr.atoms(limit) or (node.rate is not None and node.rate.atoms(limit)):
        raise StatementError(f"{where}: nested limit in {node}")
    if not trajectory_names:
        raise StatementError(f"{where}: {node}: the system measures no trajectory, so it has no limits")
    outside = sorted(s.name for s in node.expr.free_symbols if s.name not in trajectory_names)
    if outside:
        raise StatementError(f"{where}: {node}: {', '.join(map(repr, outside))} is not a trajectory quantity; "
                             f"trajectory quantities: {', '.join(sorted(trajectory_names))}")
    if node.rate is not None and node.rate.free_symbols - {HORIZON}:
        raise StatementError(f"{where}: {node}: the rate form must be an expression in the horizon H alone")


try:  # the tokenizer error type moved between Python versions
    from tokenize import TokenError as TokenError_
except ImportError:  # pragma: no cover
    TokenError_ = SyntaxError


def _is_exact_op(expr: sympy.Expr) -> bool:
    return isinstance(expr, (sympy.Add, sympy.Mul, sympy.Abs, sympy.Max, sympy.Min, sympy.Pow))


def _sum_or_product(expr: sympy.Expr, args: list[Any]) -> Any:
    """The sum (``Add``) or product (``Mul``) of the already evaluated ``args``, in their order."""
    return _fold(operator.add if isinstance(expr, sympy.Add) else operator.mul, args)


def _exact(expr: sympy.Expr, values: Mapping[str, fmpq]) -> fmpq | None:
    """Exact rational value of ``expr``, or None when it needs a non-rational operation."""
    if expr.is_Symbol:
        return values[expr.name]
    if expr.is_Rational:
        return fmpq(int(expr.p), int(expr.q))
    if not _is_exact_op(expr):
        return None
    args = [_exact(a, values) for a in expr.args]
    if any(a is None for a in args):
        return None
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return _sum_or_product(expr, args)
    if isinstance(expr, sympy.Pow):
        base, exp = args
        if base == 0 and exp < 0:
            raise ZeroDivisionError(f"0 raised to a negative power in {expr}")
        if exp.q == 1:
            return base ** int(exp.p)
        root = rational_root(base, int(exp.q))  # a rational power of a rational, when it is rational
        return None if root is None else root ** int(exp.p)
    if isinstance(expr, sympy.Abs):
        return abs(args[0])
    if isinstance(expr, sympy.Max):
        return max(args)
    return min(args)


_BALL_FUNCS: dict[type, Callable[[arb], arb]] = {
    sympy.exp: lambda a: a.exp(),
    sympy.log: lambda a: a.log(),
    sympy.Abs: abs,
    sympy.sin: lambda a: a.sin(),
    sympy.cos: lambda a: a.cos(),
    sympy.tanh: lambda a: a.tanh(),
}


def _ball(expr: sympy.Expr, values: Mapping[str, arb]) -> arb:
    """Ball enclosure of ``expr`` (inputs are balls at the current precision)."""
    if expr.is_Symbol:
        return values[expr.name]
    if expr.is_Rational:
        return arb(fmpq(int(expr.p), int(expr.q)))
    if expr is sympy.pi:
        return arb.pi()
    if expr is sympy.E:
        return arb(1).exp()
    if expr.is_Float:
        raise StatementError(f"float literal {expr} in a statement: write it as a rational (e.g. 1/10)")
    args = [_ball(a, values) for a in expr.args]
    if isinstance(expr, (sympy.Add, sympy.Mul)):
        return _sum_or_product(expr, args)
    if isinstance(expr, sympy.Pow):
        base, exp = args
        if expr.exp.is_Integer:
            return base ** int(expr.exp)
        if expr.exp == sympy.Rational(1, 2):
            return base.sqrt()
        return (exp * base.log()).exp()  # base must be positive; arb returns nan otherwise
    if isinstance(expr, sympy.Max):
        return _fold(arb.max, args)
    if isinstance(expr, sympy.Min):
        return _fold(arb.min, args)
    for func, impl in _BALL_FUNCS.items():
        if isinstance(expr, func):
            return impl(args[0])
    raise StatementError(f"no ball evaluation for {type(expr).__name__} in {expr}")


def _fold(op: Callable[[arb, arb], arb], args: list[arb]) -> arb:
    out = args[0]
    for a in args[1:]:
        out = op(out, a)
    return out


def _decide_algebraic(expr: sympy.Expr, values: Mapping[str, fmpq], bits: int) -> Enclosure | None:
    """An enclosure of ``expr`` at exact inputs whose ball contains 0, decided exactly when the value
    is an algebraic number (rational powers of rationals, field operations, …); None otherwise.

    The value ``α`` is a SymPy number; its minimal polynomial ``p`` over ℚ decides it: ``p = x``
    means ``α = 0`` exactly, degree 1 means ``α`` is the rational root of ``p``.  Otherwise ``α`` is
    irrational, hence ``α ≠ 0``, and the ball precision is doubled until the ball excludes 0: that
    terminates because the radius of a ball evaluation at exact inputs tends to 0 with the
    precision, and the result is a rigorous ball of certain sign.
    """
    number = expr.xreplace({sympy.Symbol(n): sympy.Rational(int(q.p), int(q.q)) for n, q in values.items()}).doit()
    if number.is_Rational:
        return Enclosure.exact(number, "exact rational (algebraic simplification)")
    if number.is_algebraic is not True:
        return None
    x = sympy.Dummy("x")
    try:
        poly = sympy.Poly(sympy.minimal_polynomial(number, x), x)
    except sympy.polys.polyerrors.NotAlgebraic:  # a form minimal_polynomial cannot handle: stay a ball
        return None
    if poly.degree() == 1:
        c1, c0 = poly.all_coeffs()
        return Enclosure.exact(sympy.Rational(-c0, c1), f"exact: algebraic number with minimal polynomial {poly.as_expr()}")
    precision = bits
    while True:
        precision *= 2
        with working_precision(precision):
            ball = _ball(expr, {n: arb(q) for n, q in values.items()})
        if not ball.contains(0):
            return Enclosure(ball, "ball", f"irrational algebraic number (minimal polynomial of degree {poly.degree()}): "
                                           f"sign certain at {precision} bits")


def enclose(expr: sympy.Expr, values: Mapping[str, Enclosure], bits: int) -> Enclosure:
    """Enclosure of ``expr`` with each free symbol replaced by its measured enclosure."""
    names = {s.name for s in expr.free_symbols}
    kind = weakest([values[n].kind for n in names])
    if kind == "exact":
        q = _exact(expr, {n: values[n].value for n in names})
        if q is not None:
            return Enclosure.exact(q)
    with working_precision(bits):
        ball = _ball(expr, {n: values[n].as_ball() for n in names})
    if not ball.is_finite():
        raise ArithmeticError(f"non-finite enclosure of {expr} (a log or power of a non-positive value?)")
    if kind == "exact":
        if ball.contains(0):
            decided = _decide_algebraic(expr, {n: values[n].value for n in names}, bits)
            if decided is not None:
                return decided
        return Enclosure(ball, "ball", f"ball arithmetic at {bits} bits on exact inputs")
    notes = sorted({values[n].note for n in names if values[n].kind == kind and values[n].note})
    return Enclosure(ball, kind, "; ".join(notes) or f"ball arithmetic at {bits} bits", _budget(expr, values, bits))


def _budget(expr: sympy.Expr, values: Mapping[str, Enclosure], bits: int) -> float | None:
    """The stated budget of an estimated ``expr``: the radius of ``expr`` evaluated in balls with every
    estimate input widened to its own budget (so budgets propagate as errors do); None unless every
    estimate input states one."""
    names = {s.name for s in expr.free_symbols}
    estimates = [n for n in names if values[n].kind == "estimate"]
    if not estimates or any(values[n].budget is None for n in estimates):
        return None
    balls = {n: arb(values[n].value.mid(), values[n].budget) if n in estimates else values[n].as_ball() for n in names}
    with working_precision(bits):
        return float(_ball(expr, balls).rad())


def margin(rel: sympy.core.relational.Relational, values: Mapping[str, Enclosure], bits: int) -> Enclosure:
    """The enclosed margin of ``rel`` (positive or zero: holds; negative: violated)."""
    if isinstance(rel, sympy.Eq):
        diff = enclose(rel.lhs - rel.rhs, values, bits)
        if diff.kind == "exact":
            return Enclosure.exact(-abs(diff.value))
        return Enclosure(-abs(diff.value), diff.kind, diff.note, diff.budget)
    expr = rel.lhs - rel.rhs if isinstance(rel, (sympy.Ge, sympy.Gt)) else rel.rhs - rel.lhs
    return enclose(expr, values, bits)


def tautology_warnings(rel: sympy.core.relational.Relational) -> tuple[str, ...]:
    """Why ``rel`` cannot fail, if it cannot: it uses no measured quantity, or SymPy decides it for
    every real value of its symbols (each ``limit`` node counted as one real unknown).

    Decided means: for ``lhs == rhs``, ``lhs − rhs`` simplifies to 0; for ``lhs >= rhs``
    (``>``), SymPy's assumptions show ``lhs − rhs`` non-negative (positive) for real symbols, e.g.
    ``x**2 >= 0``; ``<=``/``<`` likewise with ``rhs − lhs``.
    """
    if not rel.free_symbols:
        return (f"{rel} uses no measured quantity: its verdict says nothing about the system",)
    real = {s: sympy.Symbol(s.name, real=True) for s in outer_symbols(rel)}
    real.update({node: sympy.Symbol(str(node), real=True) for node in rel.atoms(limit)})
    lhs, rhs = (a.xreplace(real) for a in rel.args)
    if isinstance(rel, sympy.Eq):
        decided = sympy.simplify(lhs - rhs) == 0
    else:
        gap = lhs - rhs if isinstance(rel, (sympy.Ge, sympy.Gt)) else rhs - lhs
        decided = (gap.is_positive if rel.rel_op in ("<", ">") else gap.is_nonnegative) is True
    if decided:
        return (f"tautology: {rel} holds for every real value of its symbols (SymPy decides it), "
                f"so no measurement can refute it",)
    return ()


@dataclass(frozen=True)
class Proof:
    """The outcome of a symbolic proof: ``holds`` is True only for an identity shown exactly.

    ``scope`` says for which family the proof holds (e.g. "widths 2-3-2, depth 3").
    """

    holds: bool
    method: str
    scope: str
    detail: str = ""
    seconds: float = 0.0


@dataclass
class Statement:
    """A theorem or conjecture: a relation over a system's quantities, with its provenance.

    ``expect`` is ``"holds"`` for claims believed true and ``"fails"`` for mutated or false
    claims (a test of such a statement passes only when the checker refutes it).
    ``witness_family`` is non-empty (it says which) when a mutated claim is refuted on a hand-built
    family of instances rather than by the open search.  ``warnings`` (computed) flags a conclusion
    that no measurement can refute (:func:`tautology_warnings`).
    """

    id: str
    title: str
    source: str
    system: System
    conclusion: Any
    hypotheses: tuple[Any, ...] = ()
    expect: str = "holds"
    proof: Callable[[], Proof] | None = None
    notes: str = ""
    figures: tuple[Callable[[Any], Any], ...] = ()
    origin: str = ""
    witness_family: str = ""
    relation: sympy.core.relational.Relational = field(init=False)
    hypothesis_relations: tuple[sympy.core.relational.Relational, ...] = field(init=False)

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_.\-]*", self.id or ""):
            raise StatementError(f"statement id {self.id!r}: use letters, digits, '.', '_' and '-'")
        if not isinstance(self.system, System):
            raise StatementError(f"{self.id}: system must be a checker System, got {type(self.system).__name__}")
        if self.expect not in ("holds", "fails"):
            raise StatementError(f"{self.id}: expect must be 'holds' or 'fails', got {self.expect!r}")
        names = set(self.system.quantities)
        trajectory = frozenset(self.system.trajectory_quantities)
        self.relation = parse_relation(self.conclusion, names, f"{self.id} conclusion", trajectory)
        hyps = (self.hypotheses,) if isinstance(self.hypotheses, (str, sympy.Basic)) else tuple(self.hypotheses)
        self.hypothesis_relations = tuple(
            parse_relation(h, names, f"{self.id} hypothesis {k + 1}", trajectory) for k, h in enumerate(hyps)
        )

    @functools.cached_property
    def warnings(self) -> tuple[str, ...]:
        """The conclusion's tautology warnings (:func:`tautology_warnings`), computed when first read:
        their ``simplify`` would otherwise cost every process that merely imports the statements."""
        return tautology_warnings(self.relation)

    @property
    def symbols(self) -> set[str]:
        """Every quantity name the conclusion and the extra hypotheses use outside ``limit(...)``."""
        return {s.name for r in (self.relation, *self.hypothesis_relations) for s in outer_symbols(r)}

    @property
    def limits(self) -> list[limit]:
        """Every ``limit`` node of the conclusion and the extra hypotheses (each once, ordered)."""
        return limits_of(self.relation, *self.hypothesis_relations)

    @property
    def trajectory_symbols(self) -> set[str]:
        """Every trajectory quantity name used inside the ``limit(...)`` nodes."""
        return {s.name for n in self.limits for s in n.expr.free_symbols}

    def latex(self) -> str:
        """The conclusion in LaTeX, each quantity under its display name."""
        return render_latex(self.relation, self.system.latex_names())
