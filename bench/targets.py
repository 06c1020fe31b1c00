"""Issue 11's speed targets, measured on this machine: target, measured, met or missed (by how much).

1. The main job: ``python -m checker report --profile default --jobs J --out DIR`` (every statement;
   ``DIR`` a fresh temporary directory — never ``reports/``).                      target ≤ 90 s
2. The same command with ``--reuse`` and nothing changed.                            target ≤ 10 s
3. Every asymptotic statement (a conclusion with ``limit(...)``) at the default profile: its
   ``seconds`` in ``DIR/results.json`` of run 1.                                    target ≤ 10 s each
4. The default test run: ``python -m pytest -n 2 -q -p no:cacheprovider``.          target ≤ 120 s
5. A cProfile of the slowest asymptotic statement (``bench/profile_statement.py``).

Wall-clock seconds of one run each, with the load average before and after every step (the machine
has 2 cores and may be shared: a loaded machine gives upper bounds).  ``--results DIR`` reads an
earlier run's ``results.json`` instead of running the report again (steps 1–2 skipped).

Run: ``python bench/targets.py [--jobs 2] [--out DIR] [--results DIR] [--skip-tests] [--skip-profile]
[TARGET ...]`` (targets restrict the report, for a quick try; the targets are for the full run).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load {one:.2f} {five:.2f} {fifteen:.2f}"


def timed(cmd: list[str], label: str) -> tuple[float, int, str]:
    """Run ``cmd`` in the repository root; (wall seconds, exit status, last lines of its output)."""
    print(f"[{time.strftime('%H:%M:%S')}] {label}: {' '.join(cmd)}  ({load()})", flush=True)
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    seconds = time.perf_counter() - start
    lines = (proc.stdout + proc.stderr).strip().splitlines()
    results = [x for x in lines if " passed" in x or " failed" in x or " error" in x]  # pytest's summary line
    tail = "\n".join(lines[-3:] + results[-1:])
    print(f"[{time.strftime('%H:%M:%S')}]   {seconds:.1f} s, exit {proc.returncode}  ({load()})\n    "
          + tail.replace("\n", "\n    "), flush=True)
    return seconds, proc.returncode, tail


def verdict(measured: float, target: float) -> str:
    if measured <= target:
        return f"met ({target - measured:.1f} s to spare)"
    return f"missed by {measured - target:.1f} s ({measured / target:.1f}× the target)"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("targets", nargs="*", help="restrict the report to these statements (a quick try)")
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--out", default=None, help="report directory (default: a new temporary directory)")
    parser.add_argument("--results", default=None, help="use DIR/results.json of an earlier run (no report run)")
    parser.add_argument("--skip-tests", action="store_true")
    parser.add_argument("--skip-profile", action="store_true")
    args = parser.parse_args()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {os.cpu_count()} cores, {load()}; git "
          + subprocess.run(["git", "log", "-1", "--format=%h %s"], cwd=ROOT, capture_output=True, text=True).stdout[:80])
    rows: list[tuple[str, str, float | None, str]] = []
    if args.results:
        out = Path(args.results)
    else:
        out = Path(args.out or tempfile.mkdtemp(prefix="checker-report-"))
        if out.resolve() == (ROOT / "reports").resolve():
            sys.exit("refusing to write the committed reports/")
        report = [sys.executable, "-m", "checker", "report", *args.targets, "--profile", "default",
                  "--jobs", str(args.jobs), "--out", str(out)]
        seconds, status, _ = timed(report, "main job")
        rows.append((f"main job, default profile, --jobs {args.jobs}", "≤ 90 s", seconds, verdict(seconds, 90)
                     + ("" if status == 0 else f"; exit {status}")))
        seconds, status, _ = timed(report + ["--reuse"], "report --reuse, nothing changed")
        rows.append(("report --reuse, nothing changed", "≤ 10 s", seconds, verdict(seconds, 10)
                     + ("" if status == 0 else f"; exit {status}")))
    results = json.loads((out / "results.json").read_text())
    asymptotic = sorted((r for r in results if r.get("limits")), key=lambda r: -r["seconds"])
    for r in asymptotic:
        rows.append((f"{r['id']} ({r['verdict']}, {r['instances']} instances)", "≤ 10 s", r["seconds"],
                     verdict(r["seconds"], 10)))
    if asymptotic:
        total = sum(r["seconds"] for r in asymptotic)
        met = sum(r["seconds"] <= 10 for r in asymptotic)
        rows.append((f"all {len(asymptotic)} asymptotic statements", "each ≤ 10 s", total,
                     f"{met} of {len(asymptotic)} met"))
    if not args.skip_tests:
        seconds, status, tail = timed([sys.executable, "-m", "pytest", "-n", "2", "-q", "-p", "no:cacheprovider"],
                                      "default test run")
        summary = tail.splitlines()[-1] if tail else ""
        rows.append(("default test run (pytest -n 2)", "≤ 120 s", seconds, verdict(seconds, 120) + f"; {summary}"))
    print(f"\nreport directory: {out}\n")
    print(f"| {'target':<58} | {'goal':<12} | {'measured':>9} | outcome")
    print(f"|{'-' * 60}|{'-' * 14}|{'-' * 11}|{'-' * 40}")
    for name, goal, seconds, outcome in rows:
        shown = f"{seconds:.1f} s" if seconds is not None else "—"
        print(f"| {name:<58} | {goal:<12} | {shown:>9} | {outcome}")
    print(f"\n({load()} at the end)", flush=True)
    if asymptotic and not args.skip_profile:
        slowest = asymptotic[0]["id"]
        print(f"\ncProfile of the slowest asymptotic statement, {slowest}:", flush=True)
        subprocess.run([sys.executable, str(BENCH / "profile_statement.py"), slowest, "--profile", "default"], cwd=ROOT)


if __name__ == "__main__":
    main()
