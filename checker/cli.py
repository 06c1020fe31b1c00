"""``python -m checker list | systems | check | report`` (the command-line contract of DESIGN.md).

Exit status, the same for ``check`` and ``report``: 0 when every verdict is the expected one (a
theorem proved, certified or passed; a claim stated with ``expect="fails"`` refuted), 1 when some
verdict is not, 2 for bad usage or input (unknown id, malformed conjecture file, duplicate id,
damaged or foreign replay blob, a journal from another run); the targets that could be used still
run.  130 when interrupted (``report`` keeps every finished statement: ``report --resume``).
"""
from __future__ import annotations

import argparse
import contextlib
import dataclasses
import json
import os
import sys
from concurrent.futures import Executor
from pathlib import Path
from typing import Iterator, Mapping, Sequence

from hypothesis import Phase, find, settings

from . import registry, runner
from .profiles import PROFILES, Profile, profile as get_profile
from .search import StatementResult, decode_instance, replay
from .statements import Statement
from .quantities import Quantity, as_quantities
from .systems import System, SystemFamily, families
from .verdicts import Verdict

TARGETS_HELP = ("an id, a glob of ids ('DHL-*'), a conjecture file (all its conjectures) or FILE::PATTERN "
                "(the conjectures of FILE whose ids match the glob PATTERN)")


def _cores() -> int:
    """The cores this process may run on (the report's default ``--jobs``)."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def _parser() -> argparse.ArgumentParser:
    doc = __doc__.split("\n\n")
    p = argparse.ArgumentParser(prog="python -m checker", description=doc[0],
                                epilog=doc[1].replace("\n", " "))
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("list", help="every registered theorem and conjecture")
    y = sub.add_parser("systems", help="every system family with its parameters and quantities, or the systems of FILEs",
                       description="Without FILE: every built-in system family, its parameters and quantities. "
                                   "With FILEs: the systems each file defines or its statements use, and the "
                                   "families it registers, with their quantities (name, error model, LaTeX, description).")
    y.add_argument("files", nargs="*", metavar="FILE", help="a Python file defining systems or conjectures")
    c = sub.add_parser("check", help="check statements by id, glob of ids, or conjecture file",
                       epilog=p.epilog, description="Check statements; TARGET is " + TARGETS_HELP + ".")
    c.add_argument("targets", nargs="+", metavar="TARGET")
    c.add_argument("--json", action="store_true", help="one JSON array on stdout")
    c.add_argument("--replay", metavar="ID:BLOB", action="append", default=[],
                   help="replay one stored instance of ID (among the targets) instead of searching it; "
                        "the other targets are checked as usual (repeatable)")
    r = sub.add_parser("report", help="run every registered statement and write markdown reports",
                       epilog=p.epilog, description="Run statements (default: all) and write the report.")
    r.add_argument("targets", nargs="*", metavar="TARGET", help="restrict to these: " + TARGETS_HELP)
    r.add_argument("--out", default="reports")
    r.add_argument("--resume", action="store_true",
                   help="finish an interrupted report: keep the statements its journal holds, run the rest")
    r.add_argument("--reuse", action="store_true",
                   help="reuse the rows of OUT/results.json whose fingerprint (statement, system, profile) "
                        "and seed are unchanged")
    for q, jobs, said in ((c, 1, "1"), (r, _cores(), f"every core this process may use: {_cores()}")):
        q.add_argument("--profile", default="default", choices=sorted(PROFILES))
        q.add_argument("--seed", type=int, default=0)
        q.add_argument("--jobs", type=int, default=jobs,
                       help=f"local worker processes (default {said}); the results are the same with any number")
        q.add_argument("--executor", choices=("local", "dask"), default="local",
                       help="where jobs run: local processes (--jobs) or a Dask cluster (pip install '.[dask]')")
        q.add_argument("--scheduler", metavar="ADDRESS",
                       help="Dask scheduler address (default: start a local cluster of --jobs workers)")
        q.add_argument("--instance-seconds", type=float, metavar="S",
                       help="time limit of one measurement (overrides the profile's)")
        q.add_argument("--statement-seconds", type=float, metavar="S",
                       help="search budget of one statement (overrides the profile's; a cut search is inconclusive)")
    return p


def profile_of(args: argparse.Namespace) -> Profile:
    """The named profile with the command line's time limits applied."""
    prof = get_profile(args.profile)
    limits = {k: getattr(args, k) for k in ("instance_seconds", "statement_seconds") if getattr(args, k) is not None}
    return dataclasses.replace(prof, **limits)


@contextlib.contextmanager
def executor_of(args: argparse.Namespace) -> Iterator[Executor | None]:
    """The executor named on the command line (None: the runner's own local pool or this process)."""
    if args.executor == "dask":
        from .dask_executor import dask_executor

        with dask_executor(args.scheduler, args.jobs) as ex:
            yield ex
    else:
        if args.scheduler:
            raise ValueError("--scheduler needs --executor dask")
        yield None


def _report_errors(errors: list[str]) -> int:
    for e in errors:
        print(f"error: {e}", file=sys.stderr)
    return 2 if errors else 0


def _cmd_list() -> int:
    for sid, s in sorted(registry.statements().items()):
        print(f"{sid:28} {s.expect:6} {s.title}\n{'':28} system: {s.system.name}\n{'':28} source: {s.source}")
    return _report_errors(registry.builtin_errors())


def _print_quantities(table: Mapping[str, Quantity | str], indent: str = "    ") -> None:
    """One entry per quantity: name, error model and LaTeX display name, then its description."""
    for name, q in as_quantities(table).items():
        print(f"{indent}{name:16} {q.error:9} {q.latex or '-'}")
        print(f"{indent}{'':27}{q.description}")


def _print_family(name: str, fam: SystemFamily) -> None:
    print(f"{name}({', '.join(f'{k}={v}' for k, v in fam.parameters().items())})")
    if fam.doc:
        print("    " + fam.doc.splitlines()[0])
    _print_quantities(fam.quantities)
    print()


def _print_system(system: System, labels: list[str]) -> None:
    print(f"{system.name}: {system.description}")
    for label in labels:
        print(f"    {label}")
    if system.hypotheses:
        print(f"    hypotheses: {'; '.join(system.hypotheses)}")
    _print_quantities(system.quantities)
    if system.trajectory_quantities:
        print("    inside limit(...):")
        _print_quantities(system.trajectory_quantities, "      ")
    print()


def _file_systems(path: str) -> list[tuple[System, list[str]]]:
    """The systems of a user's file, in order: those bound to its module-level names, then those
    its statements use; each with how the file refers to it."""
    module = registry.load_module(path)
    found: dict[int, tuple[System, list[str]]] = {}
    for var, value in vars(module).items():
        if isinstance(value, System):
            found.setdefault(id(value), (value, []))[1].append(f"defined as {var} in {path}")
    for stmt in registry.file_statements(path):
        found.setdefault(id(stmt.system), (stmt.system, []))[1].append(f"used by {stmt.id}")
    return list(found.values())


def _cmd_systems(files: list[str]) -> int:
    errors = registry.load_builtin()
    if not files:
        for name, fam in sorted(families().items()):
            _print_family(name, fam)
        return _report_errors(errors)
    for path in files:
        try:
            systems = _file_systems(path)
        except registry.LoadError as exc:
            errors.append(str(exc))
            continue
        module = registry.load_module(path)
        own = {n: f for n, f in sorted(families().items()) if f.build.__module__ == module.__name__}
        if not systems and not own:
            errors.append(f"{path}: defines no System, system family or conjecture")
        for system, labels in systems:
            _print_system(system, _merged(labels))
        for name, fam in own.items():
            _print_family(name.replace(module.__name__, Path(path).stem, 1), fam)
    return _report_errors(errors)


def _merged(labels: list[str]) -> list[str]:
    """``used by a``, ``used by b`` → ``used by a, b``."""
    used = [label.removeprefix("used by ") for label in labels if label.startswith("used by ")]
    return [label for label in labels if not label.startswith("used by ")] + ([f"used by {', '.join(used)}"] if used else [])


def print_table(results: list[StatementResult]) -> None:
    """The human table of ``check``: one line per statement, then its message, warnings and replay."""
    for r in results:
        line = f"{r.id:28} {r.verdict.value.upper():12} {r.in_scope}/{r.instances} in scope"
        if r.worst_margin is not None:
            line += f"; worst margin {r.worst_margin:.3g} ± {r.error_bound:.1g}"
        if r.shrinks:
            line += f" ({r.shrinks} shrinks)"
        if not r.as_expected:
            line += f"  (expected the claim to {'be refuted' if r.expect == 'fails' else 'hold'})"
        print(line)
        for w in getattr(r, "warnings", None) or []:
            print(f"{'':28} warning: {w}")
        if r.message and r.verdict is not Verdict.PROVED and r.verdict is not Verdict.CERTIFIED:
            print(f"{'':28} {r.message[:400]}")
        if r.counterexample is not None:
            print(f"{'':28} counterexample: {json.dumps(r.counterexample)[:400]}")
            print(f"{'':28} replay: {r.reproduce}")


def _foreign_blob(stmt: Statement, instance: dict) -> str | None:
    """Why ``instance`` cannot be one of ``stmt``'s system (its keys differ from a drawn instance's), or None."""
    sample = find(stmt.system.strategy, lambda _: True,
                  settings=settings(database=None, max_examples=1, phases=[Phase.generate]))
    if isinstance(sample, dict) and isinstance(instance, dict) and set(sample) != set(instance):
        return (f"--replay {stmt.id}:…: the blob holds an instance with keys {', '.join(sorted(instance))}, "
                f"but system {stmt.system.name} draws instances with keys {', '.join(sorted(sample))}: the blob "
                f"was made for another statement; copy the replay command of {stmt.id}'s own row")
    return None


def _replays(specs: list[str], stmts: list[Statement], prof: Profile) -> tuple[dict[str, StatementResult], list[str]]:
    """Replay ``ID:BLOB`` specs against the selected statements: results by id, and usage errors."""
    by_id = {s.id: s for s in stmts}
    out: dict[str, StatementResult] = {}
    errors: list[str] = []
    for spec in specs:
        sid, _, blob = spec.partition(":")
        if sid not in by_id or not blob:
            errors.append(f"--replay {spec[:40]}…: expected ID:BLOB with ID among the targets "
                          f"({', '.join(by_id) or 'none could be loaded'})")
            continue
        try:
            instance = decode_instance(blob)
        except ValueError as exc:
            errors.append(f"--replay {sid}: {exc}")
            continue
        res = replay(by_id[sid], instance, prof)
        foreign = _foreign_blob(by_id[sid], instance) if res.verdict is Verdict.ERROR else None
        if foreign:
            errors.append(foreign)
        else:
            out[sid] = res
    return out, errors


def _cmd_check(args: argparse.Namespace) -> int:
    prof = profile_of(args)
    stmts, errors = registry.select(args.targets)
    replayed, replay_errors = _replays(args.replay, stmts, prof)
    errors += replay_errors
    named = {spec.partition(":")[0] for spec in args.replay}
    search = [s for s in stmts if s.id not in named]
    with executor_of(args) as ex:
        found = runner.run(search, prof, args.seed, jobs=args.jobs, executor=ex, progress=not args.json)
    by_id = {r.id: r for r in [*found, *replayed.values()]}
    results = [by_id[s.id] for s in stmts if s.id in by_id]
    if args.json:
        failed = [{"id": None, "verdict": "error", "message": e} for e in errors]
        json.dump([r.to_json() for r in results] + failed, sys.stdout, indent=1, default=str)
        print()
    else:
        print_table(results)
    return _report_errors(errors) or (1 if runner.unexpected(results) else 0)


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        if args.command == "list":
            return _cmd_list()
        if args.command == "systems":
            return _cmd_systems(args.files)
        if args.command == "check":
            return _cmd_check(args)
        from .report import write_reports

        with executor_of(args) as ex:
            return write_reports(args.targets or ["*"], profile_of(args), args.seed, args.out, jobs=args.jobs,
                                 executor=ex, resume=args.resume, reuse=args.reuse)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except (registry.LoadError, LookupError, ValueError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
