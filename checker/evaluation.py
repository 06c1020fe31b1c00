"""One instance, measured and judged: scope, quantities, extra hypotheses, the enclosed margin.

:func:`measure_instance` is the whole per-instance semantics of a statement at one precision; the
search (:mod:`checker.search`) draws instances, escalates precision and aggregates.
"""
from __future__ import annotations

from typing import Any

from .arith import Precision
from .statements import Statement, margin
from .verdicts import InstanceResult, Outcome, classify


def _scale(rel: Any, values: dict) -> float:
    """``Σ |q|`` over the quantities of ``rel``: the magnitude an identity's budget is relative to."""
    return sum(abs(values[s.name].mid) for s in rel.free_symbols)


def measure_instance(stmt: Statement, instance: dict, precision: Precision) -> InstanceResult:
    """The outcome of ``stmt`` on ``instance`` at ``precision`` (no escalation; exceptions propagate)."""
    system = stmt.system
    reason = system.scope(instance, precision)
    if reason:
        return InstanceResult(instance, Outcome.OUT_OF_SCOPE, precision=precision, reason=reason)
    values = {k: v for k, v in system.measured(instance, precision, stmt.symbols).items() if k in stmt.symbols}
    for k, hyp in enumerate(stmt.hypothesis_relations):
        m = margin(hyp, values, precision.bits)
        out, _ = classify(m, hyp.rel_op == "==", hyp.rel_op in ("<", ">"), _scale(hyp, values), precision.bits)
        if out is Outcome.VIOLATED:
            return InstanceResult(instance, Outcome.OUT_OF_SCOPE, m, precision=precision,
                                  reason=f"hypothesis {hyp} fails", values=values)
        if out is Outcome.UNDECIDED:
            return InstanceResult(instance, Outcome.UNDECIDED, m, precision=precision,
                                  reason=f"hypothesis {hyp} undecided", values=values)
    rel = stmt.relation
    m = margin(rel, values, precision.bits)
    out, evidence = classify(m, rel.rel_op == "==", rel.rel_op in ("<", ">"), _scale(rel, values), precision.bits)
    return InstanceResult(instance, out, m, evidence, precision, values=values)

