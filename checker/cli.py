"""``python -m checker list | systems | check | report`` (the command-line contract of DESIGN.md).

Exit status: 0 when nothing is refuted or in error, 1 when something is refuted (or in error),
2 for bad usage or input (unknown id, malformed conjecture file, damaged replay blob).
"""
from __future__ import annotations

import argparse
import json
import sys
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Sequence

from . import registry
from .search import StatementResult, decode_instance, replay, run_statement
from .systems import families
from .profiles import PROFILES, profile as get_profile
from .verdicts import Verdict


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m checker", description=__doc__.splitlines()[0])
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every registered theorem and conjecture")
    sub.add_parser("systems", help="every system family with its parameters and quantity symbols")
    c = sub.add_parser("check", help="check statements by id, glob of ids, or conjecture file")
    c.add_argument("targets", nargs="+", metavar="TARGET")
    c.add_argument("--profile", default="default", choices=sorted(PROFILES))
    c.add_argument("--seed", type=int, default=0)
    c.add_argument("--json", action="store_true", help="one JSON array on stdout")
    c.add_argument("--replay", metavar="ID:BLOB", help="replay one stored instance")
    c.add_argument("--jobs", type=int, default=1, help="worker processes (default 1)")
    r = sub.add_parser("report", help="run every registered statement and write markdown reports")
    r.add_argument("--profile", default="default", choices=sorted(PROFILES))
    r.add_argument("--seed", type=int, default=0)
    r.add_argument("--out", default="reports")
    r.add_argument("--jobs", type=int, default=1)
    r.add_argument("targets", nargs="*", metavar="TARGET", help="restrict to these ids or globs")
    return p


def _report_errors(errors: list[str]) -> int:
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    return 2 if errors else 0


def _cmd_list() -> int:
    for sid, s in sorted(registry.statements().items()):
        print(f"{sid:28} {s.expect:6} {s.title}\n{'':28} system: {s.system.name}\n{'':28} source: {s.source}")
    return _report_errors(registry.builtin_errors())


def _cmd_systems() -> int:
    errors = registry.load_builtin()
    for name, fam in sorted(families().items()):
        print(f"{name}({', '.join(f'{k}={v}' for k, v in fam.parameters().items())})")
        if fam.doc:
            print("    " + fam.doc.splitlines()[0])
        for sym, doc in fam.quantities.items():
            print(f"    {sym:14} {doc}")
        print()
    return _report_errors(errors)


def _check_one(job: tuple[str, list[str], str, int]) -> dict:
    sid, paths, profile_name, seed = job
    for path in paths:
        registry.load_file(path)
    stmt = registry.statements()[sid]
    return run_statement(stmt, get_profile(profile_name), seed).to_json()


def run_many(stmts: list, paths: list[str], profile_name: str, seed: int, jobs: int,
             progress: bool = False, executor: Executor | None = None) -> list[StatementResult]:
    """Check statements, in worker processes when ``jobs > 1`` or on any ``concurrent.futures``
    ``Executor`` (e.g. a Dask distributed client's): a unit of work is (statement id, conjecture
    files to load, profile, seed) and comes back as the result's JSON, so workers look statements
    up by id and nothing unpicklable crosses the boundary."""
    work = [(s.id, paths, profile_name, seed) for s in stmts]
    out: list[StatementResult] = []
    if executor is not None or jobs > 1:
        pool = executor or ProcessPoolExecutor(max_workers=jobs)
        try:
            for k, data in enumerate(pool.map(_check_one, work), 1):
                out.append(StatementResult.from_json(data))
                if progress:
                    _progress(k, len(work), out[-1])
        finally:
            if executor is None:
                pool.shutdown()
    else:
        for k, (s, job) in enumerate(zip(stmts, work), 1):
            out.append(run_statement(s, get_profile(profile_name), seed))
            if progress:
                _progress(k, len(work), out[-1])
    return out


def _progress(k: int, n: int, res: StatementResult) -> None:
    bar = "━" * (20 * k // n) + " " * (20 - 20 * k // n)
    print(f"\r{bar} {k}/{n}  {res.id}: {res.verdict} ({res.seconds:.1f}s)" + " " * 10, file=sys.stderr,
          end="\n" if k == n or not sys.stderr.isatty() else "", flush=True)


def _print_table(results: list[StatementResult]) -> None:
    for r in results:
        line = f"{r.id:28} {r.verdict.value.upper():12} {r.in_scope}/{r.instances} in scope"
        if r.worst_margin is not None:
            line += f"; worst margin {r.worst_margin:.3g} ± {r.error_bound:.1g}"
        if r.shrinks:
            line += f" ({r.shrinks} shrinks)"
        print(line)
        if r.message and r.verdict is not Verdict.PROVED and r.verdict is not Verdict.CERTIFIED:
            print(f"{'':28} {r.message[:400]}")
        if r.counterexample is not None:
            print(f"{'':28} counterexample: {json.dumps(r.counterexample)[:400]}")
            print(f"{'':28} replay: {r.reproduce}")


def _exit_status(results: list[StatementResult]) -> int:
    return 1 if any(r.verdict in (Verdict.REFUTED, Verdict.ERROR) for r in results) else 0


def _cmd_check(args: argparse.Namespace) -> int:
    paths = [t for t in args.targets if t.endswith(".py")]
    stmts, errors = registry.select(args.targets)
    if args.replay:
        sid, _, blob = args.replay.partition(":")
        match = [s for s in stmts if s.id == sid]
        if not match or not blob:
            raise LookupError(f"--replay {args.replay[:40]}…: expected ID:BLOB with ID among the targets")
        results = [replay(match[0], decode_instance(blob), get_profile(args.profile))]
    else:
        results = run_many(stmts, paths, args.profile, args.seed, args.jobs, progress=not args.json)
    if args.json:
        failed = [{"id": None, "verdict": "error", "message": e} for e in errors]
        json.dump([r.to_json() for r in results] + failed, sys.stdout, indent=1, default=str)
        print()
    else:
        _print_table(results)
    return _report_errors(errors) or _exit_status(results)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _cmd_list()
        if args.command == "systems":
            return _cmd_systems()
        if args.command == "check":
            return _cmd_check(args)
        from .report import write_reports

        return write_reports(args.targets or ["*"], get_profile(args.profile), args.seed, args.out, args.jobs)
    except (registry.LoadError, LookupError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
