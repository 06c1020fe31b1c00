"""Running statements: here, on a local process pool, or on any ``concurrent.futures.Executor``.

A statement's search is split into *units* (:func:`checker.search.plan_units`: instance shards whose
number the profile fixes, never the number of workers).  A *job* is one unit plus the id of its
statement and the conjecture file that defines it, and comes back as the unit's JSON, so a worker
looks the statement up by id (``@given`` functions and systems do not pickle) and nothing
unpicklable crosses the boundary.  When every unit of a statement is back, :func:`checker.search.merge`
makes its result, deterministically whatever the order or place the units ran: the same jobs run
in this process (``jobs=1``), on worker processes (``jobs > 1``, so one long statement uses them
all) or on a caller's executor (a Dask client, see :mod:`checker.dask_executor`) with the same
results.  ``on_result`` is called in this process as each statement finishes (the report's journal).

**Placement.**  Measurements are memoised per process and shared by the statements of a family
(:mod:`checker.cache`), so where a job runs decides how much it recomputes, never what it finds.  A
local pool is a :class:`FamilyPool`: each family's jobs go to one worker in order (its parents'
flows are then at hand for its mutations, twins and figures), the largest families first, and an
idle worker with no family left takes jobs from the tail of the busiest one, so a single long
statement still has its shards on every core.
"""
from __future__ import annotations

import sys
from collections import deque
from concurrent.futures import FIRST_COMPLETED, BrokenExecutor, Executor, Future, ProcessPoolExecutor, as_completed, wait
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

from . import registry
from .profiles import Profile
from .search import StatementResult, Unit, merge, plan_units, run_unit, versions
from .statements import Statement
from .verdicts import Verdict


@dataclass(frozen=True)
class Job:
    """One unit of one statement's search (``unit.statement`` is its id): everything a worker needs,
    picklable."""

    origin: str  # the conjecture file defining the statement, or "" for a built-in theorem
    unit: Unit


def origin(stmt: Statement) -> str:
    """The conjecture file defining ``stmt`` ("" for a built-in theorem): where a worker finds it."""
    return stmt.origin if stmt.origin.endswith(".py") else ""


def family(origin: str) -> str:
    """The family a defining module belongs to (``theorems.margins.reviewers`` -> ``theorems.margins``);
    a conjecture file is its own family."""
    return ".".join(origin.split(".")[:2]) if not origin.endswith(".py") else origin


@dataclass(frozen=True)
class Task:
    """A call ``fn(arg)`` for a :class:`FamilyPool`: ``fn`` and ``arg`` picklable, ``weight`` the
    expected seconds (a hint for placement only)."""

    family: str
    weight: float
    fn: Callable[[Any], Any]
    arg: Any


class FamilyPool:
    """``jobs`` worker processes, each running one task at a time, with family affinity (see the
    module's "Placement"): a family stays on the worker that first ran it, for the statements and
    then for the figures, as long as the pool lives.  Use as a context manager; pass it as the
    ``executor`` of :func:`run`, :func:`draw_figures` and :func:`checker.report.write_reports`."""

    def __init__(self, jobs: int) -> None:
        self.workers = [ProcessPoolExecutor(max_workers=1) for _ in range(max(jobs, 1))]
        self.home: dict[str, int] = {}

    def __enter__(self) -> "FamilyPool":
        return self

    def __exit__(self, kind: Any, *_: Any) -> None:
        if kind is None:
            self.shutdown()
        else:
            self.stop()

    def shutdown(self) -> None:
        for w in self.workers:
            w.shutdown()

    def stop(self) -> None:
        """Stop every worker now (an interruption: the running tasks' results are lost anyway)."""
        for w in self.workers:
            _stop(w)

    def completed(self, tasks: list[Task]) -> Iterator[tuple[Task, Future]]:
        """Each task with its finished future, as they finish.  A task that kills its worker process
        comes back with a future raising ``BrokenProcessPool``, and a new process takes the worker's
        place for the tasks after it."""
        groups: dict[str, deque[Task]] = {}
        for t in tasks:
            groups.setdefault(t.family, deque()).append(t)
        queues: list[deque[Task]] = [deque() for _ in self.workers]
        for fam in [f for f in groups if f in self.home]:
            queues[self.home[fam]].extend(groups.pop(fam))
        fresh = sorted(groups.values(), key=lambda g: -sum(t.weight or 1.0 for t in g))
        running: dict[Future, tuple[int, Task]] = {}

        def feed(k: int) -> None:
            if not queues[k] and fresh:
                queues[k].extend(fresh.pop(0))
                self.home.setdefault(queues[k][0].family, k)
            if not queues[k]:
                busiest = max(range(len(queues)), key=lambda j: sum(t.weight or 1.0 for t in queues[j]))
                if queues[busiest]:
                    queues[k].append(queues[busiest].pop())
            if queues[k]:
                t = queues[k].popleft()
                try:
                    fut = self.workers[k].submit(t.fn, t.arg)
                except BrokenExecutor:  # the previous task killed the process: a new one takes its place
                    self.workers[k] = ProcessPoolExecutor(max_workers=1)
                    fut = self.workers[k].submit(t.fn, t.arg)
                running[fut] = (k, t)

        for k in range(len(self.workers)):
            feed(k)
        while running:
            finished, _ = wait(list(running), return_when=FIRST_COMPLETED)
            for fut in finished:
                k, t = running.pop(fut)
                feed(k)
                yield t, fut


def _statement(sid: str, file: str) -> Statement:
    if file:
        registry.load_file(file)
    return registry.statements()[sid]


def execute(job: Job) -> dict:
    """Run one job (in whatever process this is) and return the unit's JSON."""
    return run_unit(_statement(job.unit.statement, job.origin), job.unit)


@dataclass(frozen=True)
class FigureJob:
    """Figure ``index`` of a statement's ``figures``, to be drawn into ``path``: picklable, so figures
    are drawn on the same workers as the statements (each is a function of its statement alone)."""

    origin: str
    statement: str
    index: int
    path: str


def draw(job: FigureJob) -> str:
    """Draw one figure (in whatever process this is) and return its caption."""
    return _statement(job.statement, job.origin).figures[job.index](Path(job.path))


def draw_figures(figures: list[FigureJob], *, jobs: int = 1,
                 executor: Executor | FamilyPool | None = None) -> list[str | Exception]:
    """Each figure's caption, or the exception its drawing raised (one broken figure never stops the
    others), drawn here, on a local :class:`FamilyPool` of ``jobs`` processes, or on ``executor``."""
    def outcome(call: Callable[[], str]) -> str | Exception:
        try:
            return call()
        except Exception as exc:  # noqa: BLE001 - reported on the statement's page
            return exc

    if executor is None and (jobs <= 1 or len(figures) <= 1):
        return [outcome(lambda: draw(f)) for f in figures]
    if not isinstance(executor, Executor):
        with _family_pool(executor, jobs) as pool:
            tasks = [Task(family(f.origin or _statement(f.statement, "").origin), 1.0, draw, f) for f in figures]
            drawn = {id(t.arg): outcome(fut.result) for t, fut in pool.completed(tasks)}
        return [drawn[id(f)] for f in figures]
    futures = [executor.submit(draw, f) for f in figures]
    return [outcome(fut.result) for fut in futures]


class _family_pool:
    """``pool`` itself (the caller owns it), or a new :class:`FamilyPool` of ``jobs`` workers owned
    by this block."""

    def __init__(self, pool: FamilyPool | None, jobs: int) -> None:
        self.pool, self.owned = (pool, False) if pool is not None else (FamilyPool(jobs), True)

    def __enter__(self) -> FamilyPool:
        return self.pool

    def __exit__(self, kind: Any, *_: Any) -> None:
        if self.owned:
            self.pool.__exit__(kind)
        elif kind is not None:
            self.pool.stop()


def error_result(stmt: Statement, profile: Profile, seed: int | None, message: str) -> StatementResult:
    """An ``error`` row for a statement whose job broke before the search could report anything."""
    return StatementResult(id=stmt.id, title=stmt.title, source=stmt.source, system=stmt.system.name,
                           statement=str(stmt.relation), latex=stmt.latex(), expect=stmt.expect,
                           verdict=Verdict.ERROR, message=message, seed=seed, profile=profile.name,
                           versions=versions(), precision_bits=profile.precision.bits)


def run(stmts: list[Statement], profile: Profile, seed: int | None, *, jobs: int = 1,
        executor: Executor | FamilyPool | None = None, on_result: Callable[[StatementResult], None] | None = None,
        progress: bool = False, expected_seconds: Mapping[str, float] | None = None) -> list[StatementResult]:
    """Check ``stmts`` and return their results in the same order.

    ``jobs > 1`` runs them on a local :class:`FamilyPool` of that size, ``executor`` on a
    caller's ``FamilyPool`` or any executor (which the caller owns); otherwise here.  On a family
    pool the families ``expected_seconds`` (e.g. an earlier run's timings) says are longest start
    first, so that no long one is left running alone at the end; a hint only, since the results
    never depend on the order or the placement.  A job that raises
    becomes an ``error`` row naming the exception; ``KeyboardInterrupt`` cancels the jobs not yet
    started and propagates, after ``on_result`` has seen every finished statement.
    """
    work = [Job(origin(s), u) for s in stmts for u in plan_units(s, profile, seed)]
    by_id = {s.id: s for s in stmts}
    pending = {s.id: sum(j.unit.statement == s.id for j in work) for s in stmts}
    units: dict[str, list[dict]] = {s.id: [] for s in stmts}
    broken: dict[str, str] = {}
    done: dict[str, StatementResult] = {}

    def finish(job: Job, outcome: Callable[[], dict]) -> None:
        sid = job.unit.statement
        try:
            units[sid].append(outcome())
        except Exception as exc:  # noqa: BLE001 - one broken job never stops the others
            broken.setdefault(sid, f"the check of {sid} broke: {type(exc).__name__}: {exc}")
        pending[sid] -= 1
        if pending[sid]:
            return
        stmt = by_id[sid]
        res = error_result(stmt, profile, seed, broken[sid]) if sid in broken else merge(stmt, profile, seed, units.pop(sid))
        done[sid] = res
        if on_result is not None:
            on_result(res)
        if progress:
            _progress(len(done), len(stmts), res)

    if executor is None and (jobs <= 1 or len(work) <= 1):
        for job in work:
            finish(job, lambda: execute(job))
    elif isinstance(executor, Executor):
        futures: dict[Future, Job] = {executor.submit(execute, job): job for job in work}
        try:
            for fut in as_completed(futures):
                finish(futures[fut], fut.result)
        except BaseException:
            for fut in futures:
                fut.cancel()
            raise
    else:
        hint = expected_seconds or {}
        tasks = [Task(family(by_id[j.unit.statement].origin), hint.get(j.unit.statement, 0.0) / j.unit.shards, execute, j)
                 for j in work]
        with _family_pool(executor, jobs) as pool:
            for task, fut in pool.completed(tasks):
                finish(task.arg, fut.result)
    return [done[s.id] for s in stmts]


def _stop(pool: ProcessPoolExecutor) -> None:
    """Stop a local pool now: the running statements are lost anyway (their results were not kept),
    so their processes are terminated rather than waited for."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in processes:
        proc.terminate()


def _progress(k: int, n: int, res: StatementResult) -> None:
    bar = "━" * (20 * k // n) + " " * (20 - 20 * k // n)
    print(f"\r{bar} {k}/{n}  {res.id}: {res.verdict} ({res.seconds:.1f}s)" + " " * 10, file=sys.stderr,
          end="\n" if k == n or not sys.stderr.isatty() else "", flush=True)


def unexpected(results: Iterable[StatementResult]) -> list[str]:
    """Ids whose verdict is not the expected one (a theorem not proved/certified/passed, or a
    mutated claim not refuted): the exit status of ``check`` and ``report`` is 1 when any exist."""
    return [r.id for r in results if not r.as_expected]
