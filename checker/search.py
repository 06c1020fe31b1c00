"""Counterexample search: draw instances with Hypothesis, measure, classify, escalate, shrink, replay.

One statement is checked by seeded Hypothesis searches over its system's strategy, split into
*work units* (shards).  Each drawn instance is measured and classified (:mod:`checker.verdicts`);
the violation ``-margin`` is passed to :func:`hypothesis.target` so the search climbs toward
counterexamples, and a violated instance raises, so Hypothesis shrinks it.  Hypothesis shrinks
toward *simple* instances, not toward the boundary of the claim, so the largest violation reached
(``best_violation``) is reported next to the shrunk instance.  Undecided instances are re-measured
at escalated precision (:meth:`checker.arith.Precision.escalated`) before they count as
inconclusive.

**Reproducibility contract.**  For a seed and a profile, the instances drawn, the counts and every
verdict are the same on an idle or a loaded machine and however many workers run the units:

* the profile fixes the number of shards; shard ``k`` draws ``profile.shard_examples(k)``
  instances with the Hypothesis seed :func:`shard_seed` ``(seed, k)``;
* work is bounded by counts (instances per shard, escalations, ``profile.shard_shrink_steps(k)``
  shrink candidates), never by the clock;
* a time guard that still fires (``statement_seconds``, ``shrink_seconds``) is recorded in
  ``budget``; a cut generation makes the verdict ``inconclusive`` ("inconclusive: budget, 7 of
  25 instances"), a cut shrink keeps the refutation and says so;
* :func:`merge` combines the units in shard order (the first refuting shard's counterexample is
  reported; an instance drawn by two shards counts once, under the lower shard), whatever order
  or place they ran in.

``instances`` counts the distinct instances the search decided on (drawn before and including
the first violation of each shard, or the whole plan); candidates measured while shrinking are
counted in ``statistics["shrink_steps"]``, accepted smaller violations in ``shrinks``.

**Example database.**  A refuting run stores its counterexample under the statement id in the
Hypothesis example database directory (``.hypothesis/checker`` by default).  The next run
replays the stored instances first (shard 0, before its search) and counts them in
``statistics["replayed_from_database"]``; one that still violates refutes the statement even
when the seeded search misses it (the message says so), one that no longer violates is deleted.
The replay is outside the seeded draws, so it never changes the instances drawn or their counts.
"""
from __future__ import annotations

import base64
import contextlib
import ctypes
import hashlib
import json
import random
import signal
import threading
import time
import traceback
import zlib
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Iterator

import hypothesis
from hypothesis import Phase, given, settings
from hypothesis.database import DirectoryBasedExampleDatabase

from .arith import Enclosure
from .evaluation import measure_instance
from .fingerprint import fingerprint
from .profiles import Profile, hypothesis_settings
from .statements import Proof, Statement
from .twins import derive as derive_twins
from .twins import judge as judge_twin
from .twins import summarise as summarise_twins
from .verdicts import InstanceResult, Outcome, Verdict, aggregate

DATABASE_DIR = ".hypothesis/checker"
MAX_RECORDS = 500
IN_SCOPE = (Outcome.HOLDS.value, Outcome.VIOLATED.value, Outcome.UNDECIDED.value)
class InstanceTimeout(TimeoutError):
    """One measurement ran past the profile's ``instance_seconds``."""

    def __init__(self, message: str = "measurement exceeded the profile's instance_seconds"):
        super().__init__(message)


@contextlib.contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Raise :class:`InstanceTimeout` in the block after ``seconds``.

    In the main thread a ``SIGALRM`` timer interrupts the block; in any other thread (Dask and
    thread-pool workers, where signals cannot be used) a timer thread raises the exception in the
    block's thread through CPython's ``PyThreadState_SetAsyncExc``, which takes effect at the next
    bytecode (a long call into compiled code finishes first).  Only while the block runs: the
    timer and the block's exit share a lock."""
    if seconds <= 0:
        yield
        return
    if threading.current_thread() is threading.main_thread():
        def _raise(signum: int, frame: Any) -> None:
            raise InstanceTimeout(f"measurement exceeded {seconds:g} s")

        old = signal.signal(signal.SIGALRM, _raise)
        signal.setitimer(signal.ITIMER_REAL, seconds)
        try:
            yield
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, old)
        return
    target, lock, inside = threading.get_ident(), threading.Lock(), [True]

    def _interrupt() -> None:
        with lock:
            if inside[0]:
                ctypes.pythonapi.PyThreadState_SetAsyncExc(ctypes.c_ulong(target), ctypes.py_object(InstanceTimeout))

    timer = threading.Timer(seconds, _interrupt)
    timer.daemon = True
    timer.start()
    try:
        yield
    finally:
        with lock:
            inside[0] = False
        timer.cancel()


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


class _StopSearch(BaseException):
    """Raised through Hypothesis (not an ``Exception``, so not a test failure) to end a search."""


class _Violation(Exception):
    def __init__(self, result: InstanceResult):
        super().__init__(f"violated with margin {result.margin}")
        self.result = result


@dataclass
class StatementResult:
    """The serialisable outcome of checking one statement (the ``--json`` contract, plus detail).

    Beyond DESIGN.md's fields: ``fingerprint`` (:mod:`checker.fingerprint`), ``twins`` and
    ``discriminates`` (:mod:`checker.twins`), ``statistics`` (instance mix by feature, scope
    reasons, seconds per phase, shards, shrink steps, ``replayed_from_database``), ``budget``
    (set when a time guard cut the search), ``refutation_evidence`` (the counterexample's
    evidence: exact, ball or estimate), ``limits`` (the decisive or worst instance's limit
    judgements), ``records`` (per-instance records, at most ``MAX_RECORDS``), ``warnings`` and
    ``witness_family`` (copied from the statement).
    """

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
    fingerprint: str = ""
    twins: list = field(default_factory=list)
    discriminates: bool | None = None
    statistics: dict = field(default_factory=dict)
    budget: dict | None = None
    refutation_evidence: str | None = None
    limits: dict = field(default_factory=dict)
    records: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    witness_family: str = ""

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
        """The result ``to_json`` wrote; keys this version does not know are ignored."""
        known = {f for f in StatementResult.__dataclass_fields__}
        data = {k: v for k, v in data.items() if k in known}
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
    target = f"{stmt.origin}::{stmt.id}" if stmt.origin.endswith(".py") else stmt.id
    return f"python -m checker check {target} --replay {stmt.id}:{encode_instance(instance)}"


def _key(instance: dict) -> str:
    return json.dumps(instance, sort_keys=True, default=str)


def _enclosure_json(e: Enclosure) -> list:
    """``[mid, radius, kind]`` of an enclosure (the record format)."""
    return [e.mid, e.radius, e.kind]


def _features(stmt: Statement, instance: dict) -> dict[str, str]:
    """The system's description of ``instance`` (``System.features``), values as strings."""
    features = getattr(stmt.system, "features", None)
    if features is None:
        return {}
    try:
        return {str(k): str(v) for k, v in dict(features(instance)).items()}
    except Exception as exc:  # noqa: BLE001 - a broken description never breaks a check
        return {"features error": type(exc).__name__}


def record(stmt: Statement, r: InstanceResult) -> dict[str, Any]:
    """The JSON record of one instance: ``{instance, outcome, values: {name: [mid, rad, kind]},
    margin: [mid, rad, kind] | None, evidence, reason, bits, rtol, features, limits}``."""
    return {
        "instance": r.instance, "outcome": r.outcome.value,
        "values": {k: _enclosure_json(v) for k, v in sorted(r.values.items())},
        "margin": None if r.margin is None else _enclosure_json(r.margin),
        "evidence": r.evidence, "reason": r.reason, "bits": r.precision.bits, "rtol": r.precision.rtol,
        "features": _features(stmt, r.instance), "limits": dict(getattr(r, "limits", None) or {}),
    }


def _describe(r: InstanceResult) -> str:
    """The message of a decisive instance: its margin, precision and values."""
    if r.outcome is Outcome.VIOLATED:
        return (f"violated with margin {r.margin} at {r.precision.bits} bits; values: "
                + ", ".join(f"{k}={v}" for k, v in sorted(r.values.items())))
    return (f"margin {r.margin} stayed inside its error budget up to {r.precision.bits} bits "
            f"(rtol {r.precision.rtol:g}){'; ' + r.reason if r.reason else ''}")


def shard_seed(seed: int, shard: int) -> int:
    """The Hypothesis seed of shard ``shard`` of a search seeded ``seed``: ``seed`` itself for
    shard 0 (a one-shard search is the plain seeded search), 64 bits of a sha256 otherwise."""
    if shard == 0:
        return seed
    return int.from_bytes(hashlib.sha256(f"checker-shard:{seed}:{shard}".encode()).digest()[:8], "big")


def draw_seed() -> int:
    """A fresh seed for a search the caller did not seed (recorded in the result)."""
    return random.SystemRandom().randrange(2 ** 32)


@dataclass(frozen=True)
class Unit:
    """One shard of one statement's search: picklable, run anywhere by :func:`run_unit`.

    ``seed`` is the statement's seed (``shard_seed(seed, shard)`` seeds the shard's Hypothesis
    search), ``examples`` the instances it draws, ``seconds`` its share of the
    ``statement_seconds`` guard, ``database_dir`` the example database (None: none).
    """

    statement: str
    shard: int
    shards: int
    seed: int
    examples: int
    seconds: float
    profile: Profile
    database_dir: str | None = DATABASE_DIR


def plan_units(stmt: Statement, profile: Profile, seed: int | None,
               database_dir: str | None = DATABASE_DIR) -> list[Unit]:
    """The units of ``stmt``'s search: ``profile.shards`` of them (a ``None`` seed is drawn here)."""
    seed = draw_seed() if seed is None else seed
    share = profile.statement_seconds / max(profile.max_examples, 1)
    return [Unit(stmt.id, k, profile.shards, seed, profile.shard_examples(k), share * profile.shard_examples(k),
                 profile, database_dir) for k in range(profile.shards)]


def _db_key(stmt: Statement) -> bytes:
    return b"checker-counterexample:" + stmt.id.encode()


def _replay_database(stmt: Statement, unit: Unit) -> tuple[int, InstanceResult | None]:
    """Replay the counterexamples stored for ``stmt``: (how many, the first that still violates).

    Stored instances that no longer violate (or no longer decode) are deleted."""
    if unit.database_dir is None:
        return 0, None
    db = DirectoryBasedExampleDatabase(unit.database_dir)
    key = _db_key(stmt)
    stored = sorted(db.fetch(key))
    found: InstanceResult | None = None
    for value in stored:
        try:
            r = check_instance(stmt, decode_instance(value.decode()), unit.profile)
        except ValueError:
            r = None
        if r is not None and r.outcome is Outcome.VIOLATED:
            found = found or r
        else:
            db.delete(key, value)
    return len(stored), found


def _run_proof(stmt: Statement) -> dict | None:
    """The statement's symbolic proof as a JSON dict (a broken proof is an undecided one)."""
    if stmt.proof is None:
        return None
    start = time.perf_counter()
    try:
        proof = stmt.proof()
    except Exception as exc:  # noqa: BLE001 - reported, never raised
        proof = Proof(None, "error", "", f"{type(exc).__name__}: {exc}", time.perf_counter() - start)
    return {"holds": proof.holds, "method": proof.method, "scope": proof.scope, "detail": proof.detail,
            "seconds": proof.seconds}


class _Search:
    """The seeded Hypothesis search of one unit, bounded by counts, guarded by the clock."""

    def __init__(self, stmt: Statement, unit: Unit):
        self.stmt, self.unit, self.profile = stmt, unit, unit.profile
        self.drawn: list[InstanceResult] = []  # distinct instances decided by generation, in order
        self.known: dict[str, InstanceResult] = {}
        self.violations: list[InstanceResult] = []  # the first violation, then each smaller one
        self.shrink_steps = 0
        self.budget: dict | None = None
        self.phases = {"generate": 0.0, "shrink": 0.0}
        self.deadline = time.perf_counter() + unit.seconds
        self.shrink_deadline = 0.0

    def outcome_of(self, instance: dict) -> InstanceResult:
        key = _key(instance)
        if key in self.known:  # Hypothesis replays examples: answer as before, whatever the clock
            return self.known[key]
        now = time.perf_counter()
        if self.violations:
            if self.shrink_steps >= self.profile.shard_shrink_steps(self.unit.shard):
                raise _StopSearch
            if now > self.shrink_deadline:
                self.budget = {"kind": "shrink_seconds", "seconds": self.profile.shrink_seconds,
                               "shrink_steps": self.shrink_steps, "planned": self.profile.shard_shrink_steps(self.unit.shard)}
                raise _StopSearch
            self.shrink_steps += 1
        elif now > self.deadline:
            self.budget = {"kind": "statement_seconds", "seconds": self.unit.seconds,
                           "drawn": len(self.drawn), "planned": self.unit.examples}
            raise _StopSearch
        r = check_instance(self.stmt, instance, self.profile)
        self.known[key] = r
        if not self.violations:
            self.drawn.append(r)
        if r.margin is not None and r.outcome in (Outcome.HOLDS, Outcome.VIOLATED) and not self.stmt.trajectory_symbols:
            # not for a limit, which skips targeting: Hypothesis's generate-phase mutator also keys on
            # target scores, so its draws would follow measured values (and the shared ladders differ)
            hypothesis.target(_target_score(r.margin.mid, r.margin.radius), label="violation")
        if r.outcome is Outcome.VIOLATED:
            if not self.violations:
                self.shrink_deadline = time.perf_counter() + self.profile.shrink_seconds
                self.phases["generate"] = time.perf_counter() - self.started
            self.violations.append(r)
        return r

    def phases_of_search(self) -> list[Phase]:
        """Hypothesis's phases.  A statement with ``limit(...)`` skips targeting: float evidence
        on a limit refutes nothing, so climbing its margin only draws new instances (each a new
        long trajectory) where the drawn ones share their cached ladders."""
        climbing = [] if self.stmt.trajectory_symbols else [Phase.target]
        return [Phase.explicit, Phase.generate, *climbing, Phase.shrink]

    def run(self) -> InstanceResult | None:
        """Search; the final (smallest) violation, or None.  Exceptions of the search propagate."""
        def probe(instance: dict) -> None:
            r = self.outcome_of(instance)
            if r.outcome is Outcome.VIOLATED:
                raise _Violation(r)  # the only raise: Hypothesis keys failures by their origin

        test = settings(hypothesis_settings(self.profile), max_examples=max(self.unit.examples, 1),
                        phases=self.phases_of_search())(
            given(self.stmt.system.strategy)(probe))
        test = hypothesis.seed(shard_seed(self.unit.seed, self.unit.shard))(test)
        self.started = time.perf_counter()
        final: InstanceResult | None = None
        try:
            if self.unit.examples > 0:
                with _draws_independent_of_loaded_modules():
                    test()
        except _Violation as v:
            final = v.result
        except _StopSearch:
            final = self.violations[-1] if self.violations else None
        finally:
            elapsed = time.perf_counter() - self.started
            if self.violations:
                self.phases["shrink"] = elapsed - self.phases["generate"]
            else:
                self.phases["generate"] = elapsed
        return final


def _twin_outcome(twin: Any, r: InstanceResult) -> list:
    """``[outcome, evidence, margin]`` of a twin on the in-scope instance ``r`` (undecided where
    ``r`` is: its scope or conclusion was not decided)."""
    if r.outcome is Outcome.UNDECIDED:
        return [Outcome.UNDECIDED.value, "", None]
    outcome, evidence, mid = judge_twin(twin, r.values, r.precision)
    return [outcome.value, evidence, mid]


def _unit_result(stmt: Statement, unit: Unit, drawn: list[InstanceResult], final: InstanceResult | None,
                 **extra: Any) -> dict[str, Any]:
    """The JSON a unit returns: its records (with the twins' outcomes), decisive instance, counts."""
    start = time.perf_counter()
    twins = derive_twins(stmt) if stmt.expect == "holds" else []
    records = []
    for r in drawn:
        rec = record(stmt, r)
        if r.outcome.value in IN_SCOPE:
            rec["twins"] = [_twin_outcome(t, r) for t in twins]
        records.append(rec)
    undecided = next((r for r in drawn if r.outcome is Outcome.UNDECIDED), None)
    out = {
        "statement": stmt.id, "shard": unit.shard, "seed": unit.seed, "planned": unit.examples,
        "database_dir": unit.database_dir, "records": records,
        "counterexample": None if final is None else {"record": record(stmt, final), "message": _describe(final)},
        "undecided": None if undecided is None else {"record": record(stmt, undecided), "message": _describe(undecided)},
        "shrinks": 0, "shrink_steps": 0, "best_violation": None, "budget": None, "proof": None,
        "replayed_from_database": 0, "database_counterexample": None, "error": None,
        "phases": {}, "seconds": 0.0,
    }
    out.update(extra)
    out["phases"] = {**out["phases"], "twins": time.perf_counter() - start}
    return out


@contextlib.contextmanager
def _draws_independent_of_loaded_modules() -> Iterator[None]:
    """Hypothesis (≥ 6.131) mixes literal constants of every loaded non-library module into its
    draws, so the same seed would draw other instances in a process that imported another module
    (the CLI against a Dask worker).  The search draws from Hypothesis's fixed global constants
    only; a Hypothesis without that feature is left as it is."""
    from hypothesis.internal.conjecture import providers

    if not hasattr(providers, "_get_local_constants"):
        yield
        return
    original = providers._get_local_constants
    empty = type(providers._local_constants)(integers=providers.SortedSet(),
                                             floats=providers.SortedSet(key=providers.float_to_int),
                                             bytes=providers.SortedSet(), strings=providers.SortedSet())
    providers._get_local_constants = lambda: empty
    try:
        yield
    finally:
        providers._get_local_constants = original


def _frame_of(exc: BaseException) -> str:
    """`` at FILE:LINE`` of the innermost traceback frame outside the checker and the libraries
    (the user's strategy or theorem module), or ``""``."""
    own = (f"{__package__}/", "site-packages/", "/lib/python")
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if not any(p in f.filename for p in own)]
    return f" at {frames[-1].filename}:{frames[-1].lineno}" if frames else ""


def run_unit(stmt: Statement, unit: Unit) -> dict[str, Any]:
    """Run one unit here and return its JSON (see :func:`merge`); shard 0 also runs the proof and
    replays the example database.  Nothing raises: a failing search is the unit's ``error``."""
    start = time.perf_counter()
    extra: dict[str, Any] = {"phases": {}}
    if unit.shard == 0:
        t = time.perf_counter()
        extra["proof"] = _run_proof(stmt)
        extra["phases"]["proof"] = time.perf_counter() - t
        t = time.perf_counter()
        replayed, found = _replay_database(stmt, unit)
        extra["replayed_from_database"] = replayed
        if found is not None:
            extra["database_counterexample"] = {"record": record(stmt, found), "message": _describe(found)}
        extra["phases"]["database"] = time.perf_counter() - t
    search = _Search(stmt, unit)
    try:
        final = search.run()
    except Exception as exc:  # noqa: BLE001 - e.g. a strategy that cannot draw
        extra["error"] = (f"{stmt.id}: the instance generator or the search failed{_frame_of(exc)} (shard "
                          f"{unit.shard} of {unit.shards}, seed {unit.seed}, after {len(search.drawn)} "
                          f"instance(s)): {type(exc).__name__}: {exc}")
        final = None
    violated = [-r.margin.mid for r in search.violations]
    extra.update(shrinks=max(len(search.violations) - 1, 0), shrink_steps=search.shrink_steps,
                 best_violation=max(violated, default=None), budget=search.budget)
    extra["phases"].update(search.phases)
    out = _unit_result(stmt, unit, search.drawn, final, **extra)
    out["seconds"] = time.perf_counter() - start
    return out


def _result_skeleton(stmt: Statement, profile: Profile, seed: int | None) -> StatementResult:
    return StatementResult(
        id=stmt.id, title=stmt.title, source=stmt.source, system=stmt.system.name,
        statement=str(stmt.relation), latex=stmt.latex(), expect=stmt.expect,
        verdict=Verdict.VACUOUS, seed=seed, profile=profile.name, versions=versions(),
        precision_bits=profile.precision.bits, fingerprint=fingerprint(stmt, profile),
        warnings=list(getattr(stmt, "warnings", ()) or ()), witness_family=getattr(stmt, "witness_family", "") or "",
    )


def _counts(res: StatementResult, stmt: Statement, records: list[dict]) -> None:
    """Instance counts, scope reasons, errors, evidence and margins from the records."""
    in_scope = [r for r in records if r["outcome"] in IN_SCOPE]
    res.instances = len(records)
    res.in_scope = len(in_scope)
    res.out_of_scope = sum(r["outcome"] == Outcome.OUT_OF_SCOPE.value for r in records)
    for r in records:
        if r["outcome"] == Outcome.OUT_OF_SCOPE.value:
            key = r["reason"].split(":")[0][:120]
            res.scope_reasons[key] = res.scope_reasons.get(key, 0) + 1
        if r["outcome"] == Outcome.ERROR.value and len(res.errors) < 5:
            res.errors.append({"reason": r["reason"], "instance": r["instance"],
                               "reproduce": reproduce_command(stmt, r["instance"])})
    for r in in_scope:
        key = r["evidence"] or "undecided"
        res.evidence[key] = res.evidence.get(key, 0) + 1
    measured = [r for r in in_scope if r["margin"] is not None]
    if measured:
        worst = min(measured, key=lambda r: r["margin"][0])
        res.worst_margin, res.error_bound = worst["margin"][0], worst["margin"][1]
        res.precision_bits = max(r["bits"] for r in measured)
        res.margins = [r["margin"][0] for r in measured][:2000]
        res.limits = worst["limits"]


def _statistics(units: list[dict], records: list[dict], res: StatementResult, profile: Profile) -> dict:
    """The instance mix by feature, scope reasons, seconds per phase and the search's counters."""
    mix: dict[str, Counter] = {}
    for r in records:
        for name, value in r["features"].items():
            mix.setdefault(name, Counter())[value] += 1
    phases: Counter = Counter()
    for u in units:
        phases.update(u["phases"])
    return {
        "mix": {name: dict(sorted(c.items())) for name, c in sorted(mix.items())},
        "scope_reasons": dict(res.scope_reasons),
        "phases": dict(sorted(phases.items())),
        "replayed_from_database": sum(u["replayed_from_database"] for u in units),
        "shards": len(units), "planned": profile.max_examples,
        "drawn_per_shard": [len(u["records"]) for u in units],
        "shrink_steps": sum(u["shrink_steps"] for u in units),
    }


def _merged_budget(units: list[dict], res: StatementResult, profile: Profile) -> dict | None:
    """The guards that fired, as one ``budget`` dict (None when none fired)."""
    cut = [u for u in units if u["budget"] is not None]
    if not cut:
        return None
    kinds = sorted({u["budget"]["kind"] for u in cut})
    return {"kind": kinds[0] if len(kinds) == 1 else "+".join(kinds), "drawn": res.instances,
            "planned": profile.max_examples, "shards": [u["shard"] for u in cut]}


def _save_counterexample(stmt: Statement, units: list[dict], instance: dict) -> None:
    directory = units[0]["database_dir"] if units else None
    if directory is not None:
        DirectoryBasedExampleDatabase(directory).save(_db_key(stmt), encode_instance(instance).encode())


def _target_score(margin: float, error: float) -> float:
    """How far an instance is towards a violation, for Hypothesis' targeting: ``-margin`` to three
    significant digits, and 0 for a margin within ten times its own error bound, so that where the
    search goes does not depend on round-off, which differs between machines (only a margin within
    round-off of a 3-digit boundary could still tell)."""
    if not abs(margin) > 10 * error:
        return 0.0
    return float(f"{min(max(-margin, -1e300), 1e300):.3g}")


def merge(stmt: Statement, profile: Profile, seed: int | None, unit_results: list[dict]) -> StatementResult:
    """The statement's result from its units' JSON, in any order (deterministic: see the module
    docstring).  ``seed`` is the statement's seed; when None, the units' seed is reported."""
    units = sorted(unit_results, key=lambda u: u["shard"])
    res = _result_skeleton(stmt, profile, units[0]["seed"] if seed is None and units else seed)
    records: list[dict] = []
    seen: set[str] = set()
    for u in units:
        for rec in u["records"]:
            key = _key(rec["instance"])
            if key not in seen:
                seen.add(key)
                records.append(rec)
    _counts(res, stmt, records)
    proof = next((u["proof"] for u in units if u["proof"] is not None), None)
    res.proof = proof
    results = [InstanceResult(r["instance"], Outcome(r["outcome"]), evidence=r["evidence"]) for r in records]
    res.verdict = aggregate(results, bool(proof and proof["holds"] is True))
    found = next((u["counterexample"] for u in units if u["counterexample"] is not None), None)
    stored = next((u["database_counterexample"] for u in units if u["database_counterexample"]), None)
    res.shrinks = sum(u["shrinks"] for u in units)
    res.best_violation = max((u["best_violation"] for u in units if u["best_violation"] is not None), default=None)
    failed = next((u["error"] for u in units if u["error"]), None)
    decisive = found or stored
    if decisive is not None:
        res.verdict = Verdict.REFUTED
        rec = decisive["record"]
        res.counterexample, res.reproduce = rec["instance"], reproduce_command(stmt, rec["instance"])
        res.refutation_evidence, res.limits = rec["evidence"], rec["limits"]
        res.message = decisive["message"]
        if found is None:
            res.message = "a counterexample stored in the example database still violates (not drawn at this seed): " + res.message
            res.best_violation = max(res.best_violation or 0.0, -rec["margin"][0])
            if res.worst_margin is None or rec["margin"][0] < res.worst_margin:  # the row shows what refutes it
                res.worst_margin, res.error_bound = rec["margin"][0], rec["margin"][1]
        else:
            _save_counterexample(stmt, units, rec["instance"])
    elif failed is not None:
        res.verdict, res.message = Verdict.ERROR, failed
    elif proof is not None and proof["holds"] is False and res.verdict is not Verdict.REFUTED:
        res.verdict = Verdict.REFUTED
        res.message = f"the symbolic proof found the identity false: {proof['detail']}"
    elif res.verdict is Verdict.ERROR:
        res.message = (f"{sum(r['outcome'] == Outcome.ERROR.value for r in records)} instance(s) failed to measure; "
                       f"first: {res.errors[0]['reason']}")
    elif res.verdict is Verdict.INCONCLUSIVE:
        und = next(u["undecided"] for u in units if u["undecided"] is not None)
        res.message = und["message"]
        res.counterexample, res.reproduce = und["record"]["instance"], reproduce_command(stmt, und["record"]["instance"])
        res.limits = und["record"]["limits"]
    elif res.verdict is Verdict.VACUOUS:
        res.message = "no drawn instance satisfied the hypotheses: " + "; ".join(
            f"{k} ({v}×)" for k, v in res.scope_reasons.items())
    res.budget = _merged_budget(units, res, profile)
    if res.budget is not None:
        if res.verdict is Verdict.REFUTED:
            res.message += f" (the {res.budget['kind']} guard cut the search; the refutation stands)"
        elif res.verdict is not Verdict.ERROR:
            res.verdict = Verdict.INCONCLUSIVE
            res.message = (f"inconclusive: budget, {res.instances} of {profile.max_examples} instances "
                           f"(the {res.budget['kind']} guard fired)")
    twins = derive_twins(stmt) if stmt.expect == "holds" else []
    in_scope = [r for r in records if r["outcome"] in IN_SCOPE]
    res.twins, res.discriminates = summarise_twins(stmt, twins, [[r["twins"][k] for r in in_scope]
                                                                 for k in range(len(twins))],
                                                   [r["outcome"] for r in in_scope])
    res.records = [{k: v for k, v in r.items() if k != "twins"} for r in records[:MAX_RECORDS]]
    res.statistics = _statistics(units, records, res, profile)
    res.seconds = sum(u["seconds"] for u in units)
    return res


def run_statement(stmt: Statement, profile: Profile, seed: int | None = 0,
                  database_dir: str | None = DATABASE_DIR) -> StatementResult:
    """Check ``stmt``: every unit of :func:`plan_units` run here, then :func:`merge` (a ``None``
    seed is drawn and recorded in the result)."""
    units = plan_units(stmt, profile, seed, database_dir)
    return merge(stmt, profile, units[0].seed, [run_unit(stmt, u) for u in units])


def replay(stmt: Statement, instance: dict, profile: Profile) -> StatementResult:
    """Check ``stmt`` on exactly one stored instance (a replayed counterexample)."""
    start = time.perf_counter()
    r = check_instance(stmt, instance, profile)
    unit = Unit(stmt.id, 0, 1, 0, 1, profile.statement_seconds, profile, None)
    out = _unit_result(stmt, unit, [r], r if r.outcome is Outcome.VIOLATED else None)
    out["seconds"] = time.perf_counter() - start
    res = merge(stmt, profile, None, [out])
    res.seed = None
    return res
