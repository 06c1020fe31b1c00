"""Running statements: here, on a local process pool, or on any ``concurrent.futures.Executor``.

A *job* is (statement id, the conjecture file that defines it, profile, seed) and comes back as the
result's JSON, so a worker looks the statement up by id (``@given`` functions and systems do not
pickle) and nothing unpicklable crosses the boundary.  The same jobs run in this process
(``jobs=1``), in worker processes (``jobs > 1``) or on a caller's executor (a Dask client, see
:mod:`checker.dask_executor`), and the results are put back in the statements' order, so where a job
ran never changes the result.  ``on_result`` is called in this process as each statement finishes
(the report's journal).
"""
from __future__ import annotations

import sys
from concurrent.futures import Executor, Future, ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable, Iterable

from . import registry
from .profiles import Profile
from .search import StatementResult, run_statement, versions
from .statements import Statement
from .verdicts import Verdict


@dataclass(frozen=True)
class Job:
    """One statement to check: everything a worker needs, picklable."""

    sid: str
    origin: str  # the conjecture file defining the statement, or "" for a built-in theorem
    profile: Profile
    seed: int | None


def job_of(stmt: Statement, profile: Profile, seed: int | None) -> Job:
    return Job(stmt.id, stmt.origin if stmt.origin.endswith(".py") else "", profile, seed)


def execute(job: Job) -> dict:
    """Run one job (in whatever process this is) and return the result's JSON."""
    if job.origin:
        registry.load_file(job.origin)
    stmt = registry.statements()[job.sid]
    return run_statement(stmt, job.profile, job.seed).to_json()


def error_result(stmt: Statement, profile: Profile, seed: int | None, message: str) -> StatementResult:
    """An ``error`` row for a statement whose job broke before the search could report anything."""
    return StatementResult(id=stmt.id, title=stmt.title, source=stmt.source, system=stmt.system.name,
                           statement=str(stmt.relation), latex=stmt.latex(), expect=stmt.expect,
                           verdict=Verdict.ERROR, message=message, seed=seed, profile=profile.name,
                           versions=versions(), precision_bits=profile.precision.bits)


def run(stmts: list[Statement], profile: Profile, seed: int | None, *, jobs: int = 1,
        executor: Executor | None = None, on_result: Callable[[StatementResult], None] | None = None,
        progress: bool = False) -> list[StatementResult]:
    """Check ``stmts`` and return their results in the same order.

    ``jobs > 1`` runs them on a local process pool of that size, ``executor`` on any executor
    (which the caller owns); otherwise here.  A job that raises becomes an ``error`` row naming
    the exception; ``KeyboardInterrupt`` cancels the jobs not yet started and propagates, after
    ``on_result`` has seen every finished statement.
    """
    work = [job_of(s, profile, seed) for s in stmts]
    done: dict[str, StatementResult] = {}

    def finish(stmt: Statement, outcome: Callable[[], dict]) -> None:
        try:
            res = StatementResult.from_json(outcome())
        except Exception as exc:  # noqa: BLE001 - one broken job never stops the others
            res = error_result(stmt, profile, seed, f"the check of {stmt.id} broke: {type(exc).__name__}: {exc}")
        done[stmt.id] = res
        if on_result is not None:
            on_result(res)
        if progress:
            _progress(len(done), len(stmts), res)

    if executor is None and jobs <= 1:
        for stmt, job in zip(stmts, work):
            finish(stmt, lambda: execute(job))
    else:
        pool = executor or ProcessPoolExecutor(max_workers=jobs)
        futures: dict[Future, Statement] = {pool.submit(execute, job): s for s, job in zip(stmts, work)}
        try:
            for fut in as_completed(futures):
                finish(futures[fut], fut.result)
        except BaseException:
            for fut in futures:
                fut.cancel()
            if executor is None:
                _stop(pool)
            raise
        if executor is None:
            pool.shutdown()
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
