"""One instance, measured and judged: scope, quantities, limits, extra hypotheses, the enclosed margin.

:func:`measure_instance` is the whole per-instance semantics of a statement at one precision; the
search (:mod:`checker.search`) draws instances, escalates precision and aggregates.

Limits.  For a statement with ``limit(EXPR[, RATE])`` nodes, the system's trajectory is measured
once per instance (:meth:`checker.systems.System.ladder`, horizons ``H_0 < … < H_n`` growing with
``precision.level``); EXPR is enclosed on every rung and :func:`checker.limits.judge_limit`
extrapolates the limit with its error.  The node then stands for that enclosure (a quantity named
``str(node)``), whose error is also its stated budget, so an identity ``limit(EXPR) == c`` passes
exactly when ``c`` lies inside the extrapolated limit's error.  Two rules keep limits honest:

* a ladder whose error does not shrink (``converging`` False) leaves the instance *undecided*
  ("ladder not converging"), so the search escalates to a longer horizon;
* a violated margin whose evidence is only ``estimate`` and rests on an estimated limit is
  *undecided* ("float evidence cannot refute a limit"): an extrapolation from finitely many
  horizons is no witness that no horizon can fake (THEOREMS.md §0.2(c)).  A limit refutes only
  when its enclosure is ``exact`` or ``ball`` (a closed form, a certified bound).
"""
from __future__ import annotations

import dataclasses
from typing import Any

import sympy

from .arith import Enclosure, Precision
from .limits import LimitJudgement, judge_limit
from .statements import Statement, enclose, limit, margin, without_limits
from .verdicts import InstanceResult, Outcome, classify


def _scale(rel: Any, values: dict) -> float:
    """``Σ |q|`` over the quantities of ``rel``: the magnitude an identity's budget is relative to."""
    return sum(abs(values[s.name].mid) for s in rel.free_symbols)


FLOAT_LIMIT = "float evidence cannot refute a limit"


def judge_relation(rel: sympy.core.relational.Relational, values: dict[str, Enclosure],
                   precision: Precision, conclusion: bool = True) -> tuple[Enclosure, Outcome, str, str]:
    """The enclosed margin of ``rel`` on measured ``values`` (each ``limit`` node already judged and
    filed under its string), its outcome, evidence and the reason it was left undecided (or "").  A violation resting only on float estimates
    of a limit is *undecided*, never violated: a finite ladder extrapolated in floats cannot rule out
    what a longer one would show (a limit is refuted only by exact or certified witnesses).  That rule
is for conclusions: an extra hypothesis (``conclusion=False``) failing on such evidence puts the
instance out of scope, which refutes nothing."""
    flat = without_limits(rel)
    m = margin(flat, values, precision.bits)
    out, evidence = classify(m, flat.rel_op == "==", flat.rel_op in ("<", ">"), _scale(flat, values), precision.bits)
    if conclusion and out is Outcome.VIOLATED and evidence == "estimate" and any(
            values[str(node)].kind == "estimate" for node in rel.atoms(limit)):
        return m, Outcome.UNDECIDED, evidence, FLOAT_LIMIT
    return m, out, evidence, ""


def _stated(limit_enclosure: Enclosure) -> Enclosure:
    """A limit's enclosure with its budget stated: an estimated limit's error, from a ladder on which
    it shrinks, is the budget an identity on that limit is held to (DESIGN.md: *passed* when the
    claimed value lies inside the extrapolated limit's error and that error shrinks)."""
    if limit_enclosure.kind != "estimate" or limit_enclosure.budget is not None:
        return limit_enclosure
    return dataclasses.replace(limit_enclosure, budget=limit_enclosure.radius)


def judge_limits(stmt: Statement, instance: dict, precision: Precision) -> dict[limit, LimitJudgement]:
    """Every ``limit`` node of ``stmt`` judged on one trajectory ladder of ``instance``."""
    ladder = stmt.system.ladder(instance, precision, stmt.trajectory_symbols)
    judged = {}
    for node in stmt.limits:
        samples = [enclose(node.expr, {n: column[k] for n, column in ladder.values.items()}, precision.bits)
                   for k in range(len(ladder.horizons))]
        judged[node] = judge_limit(samples, ladder.horizons, node.rate, precision.bits)
    return judged


def measure_instance(stmt: Statement, instance: dict, precision: Precision) -> InstanceResult:
    """The outcome of ``stmt`` on ``instance`` at ``precision`` (no escalation; exceptions propagate)."""
    system = stmt.system
    reason = system.scope(instance, precision)
    if reason:
        return InstanceResult(instance, Outcome.OUT_OF_SCOPE, precision=precision, reason=reason)
    names = stmt.symbols
    values = {k: v for k, v in system.measured(instance, precision, names).items() if k in names} if names else {}
    limits: dict[str, dict] = {}
    if stmt.limits:
        judged = judge_limits(stmt, instance, precision)
        values.update({str(node): _stated(j.enclosure) for node, j in judged.items()})
        limits = {str(node.expr): j.detail for node, j in judged.items()}
        stalled = [str(node) for node, j in judged.items() if not j.converging]
        if stalled:
            return InstanceResult(instance, Outcome.UNDECIDED, precision=precision, values=values, limits=limits,
                                  reason=f"ladder not converging: {', '.join(stalled)}")
    for hyp in stmt.hypothesis_relations:
        m, out, _, _ = judge_relation(hyp, values, precision, conclusion=False)
        if out is Outcome.VIOLATED:
            return InstanceResult(instance, Outcome.OUT_OF_SCOPE, m, precision=precision,
                                  reason=f"hypothesis {hyp} fails", values=values, limits=limits)
        if out is Outcome.UNDECIDED:
            return InstanceResult(instance, Outcome.UNDECIDED, m, precision=precision,
                                  reason=f"hypothesis {hyp} undecided", values=values, limits=limits)
    m, out, evidence, reason = judge_relation(stmt.relation, values, precision)
    return InstanceResult(instance, out, m, evidence, precision, values=values, limits=limits, reason=reason)
