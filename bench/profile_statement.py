"""Where one statement's time goes: a cProfile of ``checker.api.check(ID)``, top functions by cumulative time.

The statement is checked in this process (one worker, no pool), with the same profile and seed as
the report; the theorem modules are imported before the profiler starts (their import time is
printed on its own), so the profile shows the search, the measurements and the integrators.  Prints the wall time, the verdict, and the ``--top`` functions by cumulative time (and
by own time, which names the hot loops); ``--save FILE`` keeps the raw profile for ``snakeviz`` or
``pstats``.

Run: ``python bench/profile_statement.py ID [--profile default] [--seed 0] [--top 15] [--save FILE]``.
"""
from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import time

from checker import registry
from checker.api import check


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("id")
    parser.add_argument("--profile", default="default")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--save", default=None)
    args = parser.parse_args()
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
          f"{os.cpu_count()} cores; check {args.id} --profile {args.profile} --seed {args.seed}")
    start = time.perf_counter()
    errors = registry.load_builtin()
    print(f"loading the theorem modules (outside the profile): {time.perf_counter() - start:.1f} s"
          + "".join(f"\n  {e}" for e in errors))
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    results = check(args.id, profile=args.profile, seed=args.seed)
    profiler.disable()
    seconds = time.perf_counter() - start
    for r in results:
        print(f"{r.id}: {r.verdict}, {r.instances} instances, {r.seconds:.1f} s in the statement; {seconds:.1f} s "
              f"under the profiler")
    if args.save:
        profiler.dump_stats(args.save)
    for key in ("cumulative", "tottime"):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out).strip_dirs().sort_stats(key)
        stats.print_stats(args.top)
        text = out.getvalue()
        print(f"--- top {args.top} by {key} time ---")
        print(text[text.find("   ncalls"):].rstrip())


if __name__ == "__main__":
    main()
