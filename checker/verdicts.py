"""Verdict kinds, per-instance outcomes and their aggregation (DESIGN.md contract).

Per instance, the enclosed margin ``m`` of the conclusion decides (for an identity ``lhs == rhs``
the margin is ``m = −|lhs − rhs|``, never positive):

========================  ==========================================================
outcome (evidence)        condition
========================  ==========================================================
``holds`` (exact)         exact ``m >= 0`` (``> 0`` for strict relations; ``m = 0`` for identities)
``holds`` (ball)          an inequality whose rigorous ball has ``m >= 0`` (``m > 0``) entirely
``holds`` (estimate)      an inequality whose estimated ball has ``m >= 0`` (``m > 0``) entirely;
                          an identity whose non-exact enclosure contains 0 and whose radius is
                          within its budget: for balls the rounding budget
                          ``2^{-bits/2}·(1 + Σ|q|)`` of ball arithmetic at ``bits``, for
                          estimates the budget their measurement stated
                          (:attr:`checker.arith.Enclosure.budget`, propagated through the
                          relation); an estimate identity with no stated budget is undecided,
                          whatever its radius.  An identity is never better than ``estimate``
                          in balls: a ball cannot show that a difference is exactly 0
``violated`` (its kind)   ``m < 0`` entirely (``m <= 0`` for strict inequalities); the evidence
                          is the margin's kind, so a refutation resting only on float
                          estimates is labelled ``estimate`` (a violated estimate on a limit is
                          undecided instead, :mod:`checker.evaluation`)
``undecided``             the enclosure straddles the threshold: escalate precision first
``out_of_scope``          a hypothesis of the system or statement is false
``error``                 the measurement broke (NaN, overflow, timeout, exception)
========================  ==========================================================

Aggregated over instances: any violation → ``refuted``; else any error → ``error``; else any
undecided → ``inconclusive``; else no in-scope instance → ``vacuous``; else ``certified`` when
every in-scope instance held with exact or rigorous evidence (``passed`` otherwise), upgraded to
``proved`` when the statement's symbolic proof holds.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

from .arith import Enclosure, Precision


class Verdict(str, enum.Enum):
    PROVED = "proved"
    CERTIFIED = "certified"
    PASSED = "passed"
    INCONCLUSIVE = "inconclusive"
    REFUTED = "refuted"
    VACUOUS = "vacuous"
    ERROR = "error"

    def __str__(self) -> str:
        return self.value


class Outcome(str, enum.Enum):
    HOLDS = "holds"
    VIOLATED = "violated"
    UNDECIDED = "undecided"
    OUT_OF_SCOPE = "out_of_scope"
    ERROR = "error"


@dataclass
class InstanceResult:
    """What one instance showed: its outcome, margin, evidence strength and what reproduces it."""

    instance: dict
    outcome: Outcome
    margin: Enclosure | None = None
    evidence: str = ""  # "exact", "ball" or "estimate" for in-scope instances
    precision: Precision = field(default_factory=Precision)
    reason: str = ""
    values: dict[str, Enclosure] = field(default_factory=dict)
    seconds: float = 0.0
    limits: dict[str, dict] = field(default_factory=dict)  # str(EXPR) -> the limit judgement's detail

    @property
    def margin_value(self) -> float | None:
        return None if self.margin is None else self.margin.mid

    def to_json(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "margin": None if self.margin is None else self.margin.to_json(),
            "evidence": self.evidence,
            "precision_bits": self.precision.bits,
            "rtol": self.precision.rtol,
            "reason": self.reason,
            "values": {k: v.to_json() for k, v in self.values.items()},
            "instance": self.instance,
            "limits": self.limits,
        }


def classify(margin: Enclosure, is_identity: bool, strict: bool, scale: float, bits: int) -> tuple[Outcome, str]:
    """Outcome and evidence strength of one enclosed margin (see the module table)."""
    if margin.kind == "exact":
        m = margin.value
        ok = (m == 0) if is_identity else (m > 0 if strict else m >= 0)
        return (Outcome.HOLDS if ok else Outcome.VIOLATED), "exact"
    ball = margin.value
    if (ball <= 0) if (strict and not is_identity) else (ball < 0):
        return Outcome.VIOLATED, margin.kind
    if is_identity:
        budget = margin.budget if margin.kind == "estimate" else 2.0 ** (-bits / 2) * (1.0 + scale)
        if budget is not None and float(ball.rad()) <= budget:
            return Outcome.HOLDS, "estimate"  # an identity in balls is never better than passed
        return Outcome.UNDECIDED, margin.kind
    if (ball > 0) if strict else (ball >= 0):
        return Outcome.HOLDS, margin.kind
    return Outcome.UNDECIDED, margin.kind


def aggregate(results: list[InstanceResult], proof_holds: bool) -> Verdict:
    """The statement verdict from its instance results (see the module docstring)."""
    outcomes = {r.outcome for r in results}
    if Outcome.VIOLATED in outcomes:
        return Verdict.REFUTED
    if Outcome.ERROR in outcomes:
        return Verdict.ERROR
    if Outcome.UNDECIDED in outcomes:
        return Verdict.INCONCLUSIVE
    held = [r for r in results if r.outcome is Outcome.HOLDS]
    if not held:
        return Verdict.VACUOUS
    if proof_holds:
        return Verdict.PROVED
    if all(r.evidence in ("exact", "ball") for r in held):
        return Verdict.CERTIFIED
    return Verdict.PASSED
