"""Counterexample search: draw instances with Hypothesis, measure, classify, escalate, shrink, replay.

One statement is checked by a Hypothesis property over its system's strategy.  Each drawn
instance is measured and classified (:mod:`checker.verdicts`); the violation ``-margin`` is
passed to :func:`hypothesis.target` so the search climbs toward counterexamples, and a violated
instance raises, so Hypothesis shrinks it.  Hypothesis shrinks toward *simple* instances, not
toward the boundary of the claim, so the largest violation reached (``best_violation``) is
reported next to the shrunk instance.  Undecided instances are re-measured at escalated precision
(:meth:`checker.arith.Precision.escalated`) before they count as inconclusive.
"""
from __future__ import annotations

import base64
import contextlib
import json
import re
import signal
import threading
import time
import traceback
import zlib
from dataclasses import dataclass, field
from typing import Any, Iterator

import hypothesis
from hypothesis import HealthCheck, Phase, Verbosity, given, settings
from hypothesis.database import DirectoryBasedExampleDatabase, InMemoryExampleDatabase

from .arith import Precision
from .evaluation import measure_instance
from .statements import Proof, Statement
from .profiles import Profile
from .verdicts import InstanceResult, Outcome, Verdict, aggregate


class InstanceTimeout(TimeoutError):
    """One measurement ran past the profile's ``instance_seconds``."""


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`InstanceTimeout` in the block after ``seconds`` (main thread only; else no limit)."""
    if threading.current_thread() is not threading.main_thread() or seconds <= 0:
        yield
        return

    def _raise(signum: int, frame: Any) -> None:
        raise InstanceTimeout(f"measurement exceeded {seconds:g} s")

    old = signal.signal(signal.SIGALRM, _raise)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)


def encode_instance(instance: dict) -> str:
    """A compact, URL-safe blob that :func:`decode_instance` turns back into the instance."""
    raw = json.dumps(instance, sort_keys=True, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(zlib.compress(raw, 9)).decode().rstrip("=")


def decode_instance(blob: str) -> dict:
    """The instance encoded by :func:`encode_instance`; a ``ValueError`` if the blob is damaged."""
    try:
        padded = blob + "=" * (-len(blob) % 4)
        return json.loads(zlib.decompress(base64.urlsafe_b64decode(padded)))
    except Exception as exc:  # noqa: BLE001 - any decoding failure is the same user error
        raise ValueError(f"cannot decode the replay blob ({exc}); copy it whole from the report") from None


def check_instance(stmt: Statement, instance: dict, profile: Profile) -> InstanceResult:
    """Measure and classify one instance, escalating precision while it stays undecided.

    Every exception (a NaN, an overflow, a solver failure, a timeout) becomes an ``error``
    outcome carrying the instance and the message; nothing propagates.
    """
    precision = profile.precision
    start = time.perf_counter()
    result: InstanceResult | None = None
    for _ in range(profile.escalations + 1):
        try:
            with time_limit(profile.instance_seconds):
                result = measure_instance(stmt, instance, precision)
        except InstanceTimeout as exc:
            result = InstanceResult(instance, Outcome.ERROR, precision=precision, reason=f"timeout: {exc}")
        except Exception as exc:  # noqa: BLE001 - reported with the instance, never raised
            where = traceback.extract_tb(exc.__traceback__)[-1]
            result = InstanceResult(
                instance, Outcome.ERROR, precision=precision,
                reason=f"{type(exc).__name__}: {exc} (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})",
            )
        if result.outcome is not Outcome.UNDECIDED:
            break
        precision = precision.escalated()
    assert result is not None
    result.seconds = time.perf_counter() - start
    return result


class _ShrinkBudgetSpent(BaseException):
    """Raised through Hypothesis (not an ``Exception``, so not a test failure) to end shrinking."""


class _Violation(Exception):
    def __init__(self, result: InstanceResult):
        super().__init__(f"violated with margin {result.margin}")
        self.result = result


@dataclass
class StatementResult:
    """The serialisable outcome of checking one statement (the ``--json`` contract, plus detail)."""

    id: str
    title: str
    source: str
    system: str
    statement: str
    latex: str
    expect: str
    verdict: Verdict
    instances: int = 0
    in_scope: int = 0
    out_of_scope: int = 0
    worst_margin: float | None = None
    error_bound: float | None = None
    precision_bits: int = 0
    seconds: float = 0.0
    shrinks: int = 0
    best_violation: float | None = None
    counterexample: dict | None = None
    reproduce: str | None = None
    message: str = ""
    proof: dict | None = None
    evidence: dict = field(default_factory=dict)
    scope_reasons: dict = field(default_factory=dict)
    errors: list = field(default_factory=list)
    margins: list = field(default_factory=list)
    seed: int | None = None
    profile: str = ""
    versions: dict = field(default_factory=dict)

    @property
    def as_expected(self) -> bool:
        """True when a holding claim is not refuted/error and a failing claim is refuted."""
        if self.expect == "fails":
            return self.verdict is Verdict.REFUTED
        return self.verdict in (Verdict.PROVED, Verdict.CERTIFIED, Verdict.PASSED)

    def to_json(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["verdict"] = self.verdict.value
        return out

    @staticmethod
    def from_json(data: dict[str, Any]) -> "StatementResult":
        data = dict(data)
        data["verdict"] = Verdict(data["verdict"])
        return StatementResult(**data)


def versions() -> dict[str, str]:
    """Versions of the libraries a verdict depends on (reproducibility)."""
    import platform

    import flint
    import numpy
    import scipy
    import sympy

    return {
        "python": platform.python_version(),
        "numpy": numpy.__version__,
        "scipy": scipy.__version__,
        "sympy": sympy.__version__,
        "python-flint": flint.__version__,
        "hypothesis": hypothesis.__version__,
    }


def reproduce_command(stmt: Statement, instance: dict) -> str:
    """The shell command replaying ``instance`` against ``stmt``."""
    target = stmt.origin if stmt.origin.endswith(".py") else stmt.id
    return f"python -m checker check {target} --replay {stmt.id}:{encode_instance(instance)}"


def _result_skeleton(stmt: Statement, profile: Profile, seed: int | None) -> StatementResult:
    return StatementResult(
        id=stmt.id, title=stmt.title, source=stmt.source, system=stmt.system.name,
        statement=str(stmt.relation), latex=stmt.latex(), expect=stmt.expect,
        verdict=Verdict.VACUOUS, seed=seed, profile=profile.name, versions=versions(),
        precision_bits=profile.precision.bits,
    )


def _summarise(res: StatementResult, stmt: Statement, results: list[InstanceResult],
               proof: Proof | None, violation: InstanceResult | None) -> None:
    in_scope = [r for r in results if r.outcome in (Outcome.HOLDS, Outcome.VIOLATED, Outcome.UNDECIDED)]
    res.instances = len(results)
    res.in_scope = len(in_scope)
    res.out_of_scope = sum(r.outcome is Outcome.OUT_OF_SCOPE for r in results)
    for r in results:
        if r.outcome is Outcome.OUT_OF_SCOPE:
            key = r.reason.split(":")[0][:120]
            res.scope_reasons[key] = res.scope_reasons.get(key, 0) + 1
        if r.outcome is Outcome.ERROR and len(res.errors) < 5:
            res.errors.append({"reason": r.reason, "instance": r.instance,
                               "reproduce": reproduce_command(stmt, r.instance)})
    res.evidence = {}
    for r in in_scope:
        key = r.evidence or "undecided"
        res.evidence[key] = res.evidence.get(key, 0) + 1
    measured = [r for r in in_scope if r.margin is not None]
    if measured:
        worst = min(measured, key=lambda r: r.margin.mid)
        res.worst_margin = worst.margin.mid
        res.error_bound = worst.margin.radius
        res.precision_bits = max(r.precision.bits for r in measured)
        res.margins = [r.margin.mid for r in measured][:2000]
        res.best_violation = max((-r.margin.mid for r in measured if r.outcome is Outcome.VIOLATED), default=None)
    proof_holds = bool(proof and proof.holds is True)
    res.verdict = aggregate(results, proof_holds)
    if proof is not None:
        res.proof = {"holds": proof.holds, "method": proof.method, "scope": proof.scope,
                     "detail": proof.detail, "seconds": proof.seconds}
        if proof.holds is False and res.verdict is not Verdict.REFUTED:
            res.verdict = Verdict.REFUTED
            res.message = f"the symbolic proof found the identity false: {proof.detail}"
    if violation is not None:
        res.counterexample = violation.instance
        res.reproduce = reproduce_command(stmt, violation.instance)
        res.message = (f"violated with margin {violation.margin} at {violation.precision.bits} bits; "
                       f"values: " + ", ".join(f"{k}={v}" for k, v in sorted(violation.values.items())))
    elif res.verdict is Verdict.ERROR:
        res.message = f"{sum(r.outcome is Outcome.ERROR for r in results)} instance(s) failed to measure; first: {res.errors[0]['reason']}"
    elif res.verdict is Verdict.INCONCLUSIVE:
        und = next(r for r in results if r.outcome is Outcome.UNDECIDED)
        res.message = (f"margin {und.margin} stayed inside its error budget up to {und.precision.bits} bits "
                       f"(rtol {und.precision.rtol:g}){'; ' + und.reason if und.reason else ''}")
        res.counterexample = und.instance
        res.reproduce = reproduce_command(stmt, und.instance)
    elif res.verdict is Verdict.VACUOUS:
        res.message = "no drawn instance satisfied the hypotheses: " + "; ".join(
            f"{k} ({v}×)" for k, v in res.scope_reasons.items())


def _run_proof(stmt: Statement) -> Proof | None:
    if stmt.proof is None:
        return None
    start = time.perf_counter()
    try:
        proof = stmt.proof()
    except Exception as exc:  # noqa: BLE001 - a broken proof is an undecided proof, reported
        return Proof(None, "error", "", f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    return proof


def run_statement(stmt: Statement, profile: Profile, seed: int | None = 0,
                  database_dir: str | None = ".hypothesis/checker") -> StatementResult:
    """Check ``stmt`` on instances drawn by Hypothesis (seeded), shrinking any violation."""
    res = _result_skeleton(stmt, profile, seed)
    start = time.perf_counter()
    proof = _run_proof(stmt)
    results: list[InstanceResult] = []
    violations: list[InstanceResult] = []
    deadline = start + profile.statement_seconds
    first_violation = [0.0]
    known: dict[str, InstanceResult] = {}

    def outcome_of(instance: dict) -> InstanceResult | None:
        key = json.dumps(instance, sort_keys=True)
        if key in known:  # Hypothesis replays the final example: answer as before, whatever the clock
            return known[key]
        now = time.perf_counter()
        if now > deadline and not violations:
            return None  # out of search time: stop measuring (the result records how many were drawn)
        if violations and now > first_violation[0] + profile.shrink_seconds:
            raise _ShrinkBudgetSpent  # out of shrink time: the last (smallest) violation is reported
        r = check_instance(stmt, instance, profile)
        results.append(r)
        if r.margin is not None and r.outcome in (Outcome.HOLDS, Outcome.VIOLATED):
            hypothesis.target(min(max(-r.margin.mid, -1e300), 1e300), label="violation")
        if r.outcome is Outcome.VIOLATED:
            if not violations:
                first_violation[0] = time.perf_counter()
            violations.append(r)
            known[key] = r
        return r

    def probe(instance: dict) -> None:
        r = outcome_of(instance)
        if r is not None and r.outcome is Outcome.VIOLATED:
            raise _Violation(r)  # the only raise: Hypothesis keys failures by their origin

    probe.__name__ = "probe_" + re.sub(r"\W", "_", stmt.id)
    db = DirectoryBasedExampleDatabase(database_dir) if database_dir else InMemoryExampleDatabase()
    test = settings(
        max_examples=profile.max_examples, database=db, deadline=None, verbosity=Verbosity.quiet,
        suppress_health_check=list(HealthCheck), report_multiple_bugs=False,
        phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
    )(given(stmt.system.strategy)(probe))
    test.hypothesis.inner_test._hypothesis_internal_add_digest = stmt.id.encode()
    if seed is not None:
        test = hypothesis.seed(seed)(test)
    final: InstanceResult | None = None
    try:
        test()
    except _Violation as v:
        final = v.result
    except _ShrinkBudgetSpent:
        final = violations[-1]  # each accepted shrink is a new, smaller violation: the last is the best
    except Exception as exc:  # noqa: BLE001 - e.g. a strategy that cannot draw
        res.verdict = Verdict.ERROR
        res.message = f"the search itself failed: {type(exc).__name__}: {exc}"
        res.seconds = time.perf_counter() - start
        return res
    _summarise(res, stmt, results, proof, final)
    res.shrinks = max(len(violations) - 1, 0)
    res.seconds = time.perf_counter() - start
    return res


def replay(stmt: Statement, instance: dict, profile: Profile) -> StatementResult:
    """Check ``stmt`` on exactly one stored instance (a replayed counterexample)."""
    res = _result_skeleton(stmt, profile, None)
    start = time.perf_counter()
    r = check_instance(stmt, instance, profile)
    _summarise(res, stmt, [r], None, r if r.outcome is Outcome.VIOLATED else None)
    res.seconds = time.perf_counter() - start
    return res
