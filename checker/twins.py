"""Nearby false twins of a statement: its power to fail, judged on the values already measured.

From a statement's conclusion ``lhs ⋈ rhs`` the engine derives *twins*, relations that differ from
it by a small, definite perturbation:

* each numeric constant ``c`` (outside exponents and limits; not a sign ``-1``, not ``0``)
  replaced by ``c·(1 - 1/100)``, ``c·(1 + 1/100)`` and ``2c``;
* each exponent ``e`` of a power (not a division's ``-1``) replaced by ``e - 1`` and ``e + 1``;
* a non-strict bound ``>=`` / ``<=`` (which claims the bound is attained) made strict;
* when no constant is there to perturb, a scaled side: ``lhs ⋈ (1 ± 1/100)·rhs``, or
  ``lhs ⋈ rhs ± 1/100`` when ``rhs`` is ``0`` (both ways, so one of them tightens a bound).

Each twin is judged on the parent's own in-scope instances with the parent's measured enclosures
(no new measurement, a ``limit(...)`` node standing for its judged enclosure): per instance its
margin is classified exactly as the parent's (:func:`checker.evaluation.judge_relation`), an undecided
twin margin counts as undecided, a violated one refutes the twin — except that float evidence
on a limit refutes no twin either (undecided, as for the parent) — and the twin's verdict is
:func:`checker.verdicts.aggregate` of those outcomes.  An instance the parent left undecided is
undecided for every twin.

Twins come in *sites*: the three perturbations of one constant, the two of one exponent, the
strict twin, the scaled side.  Moving a bound's constant one way weakens it (``a² + b² ≥ 1.98ab``
is true), so a site is *discriminated* when at least one of its twins fails on some instance: violated there, or
undecided on an instance where the parent *held* (the measurement that confirmed the claim could not
confirm the twin: for a limit on float evidence, which refutes nothing, this is how a twin fails).
An instance the parent left undecided shows nothing, so a twin undecided only there does not
count, and a statement that held on no instance has no ``discriminates`` (None).  A statement
**discriminates** when every site but the strict one is: the strict twin says whether the bound
is *attained* on the drawn instances (refuted: equality occurs), which a bound not claimed tight
need not be, so it is shown for information only.  It **does not discriminate** when some site is not (every
twin of it passed too): on the instances drawn, the check could not tell the claim from a claim that
is false by that perturbation (it would also have been green for the twin), so its green verdict
says less than it seems — the instances are too easy, the measurement too coarse, or the claimed
constant is not sharp.  For a bound, the smallest perturbation that is refuted is the *empirical
tightness* of the bound on the drawn instances: a bound whose ``×(1 + 1/100)`` twin is refuted is
within 1 % of attained; one whose ``×2`` twin still holds is off by a factor of 2 or more.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import sympy

from .arith import Enclosure, Precision
from .evaluation import judge_relation
from .statements import render_latex
from .statements import Statement
from .verdicts import InstanceResult, Outcome, aggregate

#: Expression heads a twin may perturb inside; any other head (``limit(...)``, a user function)
#: is opaque, since perturbing inside it would need a new measurement.
_TRANSPARENT = (sympy.Add, sympy.Mul, sympy.Pow, sympy.Abs, sympy.Max, sympy.Min,
                sympy.exp, sympy.log, sympy.sin, sympy.cos, sympy.tanh)
_STRICT = {sympy.Ge: sympy.Gt, sympy.Le: sympy.Lt}
#: Relative perturbations of a constant, with their descriptions.
_FACTORS = ((sympy.Rational(99, 100), "×(1 - 1/100)"), (sympy.Rational(101, 100), "×(1 + 1/100)"),
            (sympy.Integer(2), "×2"))
MAX_TWINS = 24
#: The site of the strict twin: it tells whether the bound is *attained* on the drawn instances
#: (refuted: equality occurs), shown for information; a bound not claimed tight need not be
#: attained, so this site does not count for ``discriminates``.
STRICT_SITE = "strict"
_ONE_PERCENT = sympy.Rational(1, 100)


@dataclass(frozen=True)
class Twin:
    """One perturbed relation and what was perturbed."""

    relation: sympy.core.relational.Relational
    perturbation: str
    site: str


Path = tuple[int, ...]


def _nodes(expr: sympy.Basic, path: Path = ()) -> Iterator[tuple[Path, sympy.Basic]]:
    """Every (path, node) reachable through transparent heads, in pre-order (a power's exponent
    is not entered: it is perturbed as a whole)."""
    yield path, expr
    if isinstance(expr, _TRANSPARENT):
        for k, arg in enumerate(expr.args[:1] if isinstance(expr, sympy.Pow) else expr.args):
            yield from _nodes(arg, path + (k,))


def _replace(expr: sympy.Basic, path: Path, new: sympy.Basic) -> sympy.Basic:
    """``expr`` with the node at ``path`` replaced by ``new`` (the rest rebuilt unchanged)."""
    if not path:
        return new
    args = list(expr.args)
    args[path[0]] = _replace(args[path[0]], path[1:], new)
    return expr.func(*args)


def _perturbations(rel: sympy.core.relational.Relational) -> Iterator[tuple[int, Path, sympy.Basic, str]]:
    """(side, path, new node, description) for every constant and exponent perturbation; the
    perturbed node's site is (side, path)."""
    for side, expr in enumerate((rel.lhs, rel.rhs)):
        for path, node in _nodes(expr):
            if isinstance(node, sympy.Pow) and node.exp != -1:
                for step, word in ((-1, "- 1"), (1, "+ 1")):
                    yield side, path + (1,), node.exp + step, f"exponent ({node.exp}) {word}"
            if node.is_Rational and node not in (0, -1):
                for factor, word in _FACTORS:
                    yield side, path, node * factor, f"constant {node} {word}"


def derive(stmt: Statement) -> list[Twin]:
    """The twins of ``stmt``'s conclusion (see the module docstring), at most :data:`MAX_TWINS`."""
    rel = stmt.relation
    twins: list[Twin] = []
    for side, path, new, word in _perturbations(rel):
        sides = [rel.lhs, rel.rhs]
        sides[side] = _replace(sides[side], path, new)
        twins.append(Twin(rel.func(*sides, evaluate=False), word, f"{'lr'[side]}{list(path)}"))
    if not twins:  # both ways: one of them tightens a bound whichever its direction and sign
        shifts = ((rel.rhs - _ONE_PERCENT, "rhs - 1/100"), (rel.rhs + _ONE_PERCENT, "rhs + 1/100")) if rel.rhs == 0 \
            else tuple((factor * rel.rhs, f"rhs {word}") for factor, word in _FACTORS[:2])
        twins += [Twin(rel.func(rel.lhs, scaled, evaluate=False), word, "scaled side") for scaled, word in shifts]
    if type(rel) in _STRICT:
        twins.append(Twin(_STRICT[type(rel)](rel.lhs, rel.rhs, evaluate=False), f"{rel.rel_op} made strict", STRICT_SITE))
    unique: dict[str, Twin] = {}
    for t in twins:
        if t.relation != rel:
            unique.setdefault(str(t.relation), t)
    return list(unique.values())[:MAX_TWINS]


def judge(twin: Twin, values: dict[str, Enclosure], precision: Precision) -> tuple[Outcome, str, float | None]:
    """Outcome, evidence and margin midpoint of ``twin`` on one instance's measured ``values``.

    A margin that cannot be enclosed on these values (e.g. a perturbed power of a non-positive
    quantity) is undecided.
    """
    try:
        m, out, evidence, _ = judge_relation(twin.relation, values, precision)
    except (ArithmeticError, KeyError, ValueError, TypeError, ZeroDivisionError):
        return Outcome.UNDECIDED, "", None
    return out, evidence, m.mid


def summarise(stmt: Statement, twins: list[Twin], outcomes: list[list[list[Any]]],
              parent: list[str]) -> tuple[list[dict], bool | None]:
    """Each twin's row and whether ``stmt`` discriminates.

    ``outcomes[k]`` lists the twin ``k``'s ``[outcome, evidence, margin]`` on each in-scope
    instance of the parent, and ``parent`` the parent's own outcome there.  ``discriminates`` is
    None without twins or without an instance where the parent held, else True exactly when
    every site but the strict one (:data:`STRICT_SITE`, attainment, shown for information) has a
    twin that fails (see the module docstring).
    """
    rows = []
    for k, (twin, per_instance) in enumerate(zip(twins, outcomes)):
        results = [InstanceResult({}, Outcome(o), evidence=e) for o, e, _ in per_instance]
        verdict = aggregate(results, False)
        margins = [m for o, _, m in per_instance if m is not None]
        violated = [e for o, e, _ in per_instance if o == Outcome.VIOLATED.value]
        rows.append({
            "id": f"{stmt.id}~{k + 1}", "relation": str(twin.relation), "latex": render_latex(twin.relation, stmt.system.latex_names()),
            "perturbation": twin.perturbation, "site": twin.site, "verdict": verdict.value,
            "worst_margin": min(margins) if margins else None,
            "evidence": violated[0] if violated else _evidence(results),
        })
    counted = [k for k, twin in enumerate(twins) if twin.site != STRICT_SITE]
    if not counted or Outcome.HOLDS.value not in parent:
        return rows, None
    failed = {twins[k].site for k in counted if any(_fails(o, p) for (o, _, _), p in zip(outcomes[k], parent))}
    return rows, failed == {twins[k].site for k in counted}


def _fails(twin: str, parent: str) -> bool:
    """Whether a twin's outcome on one instance tells it from its parent's there."""
    return twin == Outcome.VIOLATED.value or (twin == Outcome.UNDECIDED.value and parent == Outcome.HOLDS.value)


def _evidence(results: list[InstanceResult]) -> str:
    """The weakest evidence among the held instances ("" when none held)."""
    held = {r.evidence for r in results if r.outcome is Outcome.HOLDS}
    return next((k for k in ("estimate", "ball", "exact") if k in held), "")
