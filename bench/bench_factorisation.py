"""Benchmarks for matrix factorisation under gradient descent (checker.matfact; issue 5 targets).

* 10⁵ float64 gradient-descent steps of a 20×20, rank-2 factorisation (target: under 2 s);
* 10⁴ ball-arithmetic steps at 128 bits of the same problem, with the certified drift bound and
  the running maximum of the imbalance (target: under 60 s).

Run: ``python bench/bench_factorisation.py``; prints one line per measurement.
"""
from __future__ import annotations

import time

import numpy as np
from flint import fmpq

from checker import matfact as mf


def problem(d: int = 20, r: int = 2, seed: int = 0) -> tuple[mf.Target, np.ndarray, np.ndarray, mf.PowerSchedule]:
    """A 20×20 rank-2 target (σ = 3/2, 1), the small initialisation and η_t = (1/4)(t+1)^{−3/4}."""
    rng = np.random.default_rng(seed)
    target = mf.planted_target(d, d, [fmpq(3, 2), fmpq(1)], rng)
    U0 = 0.01 * rng.standard_normal((d, r))
    V0 = 0.01 * rng.standard_normal((d, r))
    return target, U0, V0, mf.PowerSchedule(fmpq(1, 4), fmpq(3, 4))


def best_of(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def main() -> None:
    target, U0, V0, schedule = problem()
    M = mf.to_float(target.M)
    steps = 100_000
    etas = schedule.floats(steps)
    seconds, run = best_of(lambda: mf.gd_float(U0, V0, M, etas, imbalance_every=steps + 1), 3)
    print(f"float64 GD, 20x20 rank 2, {steps} steps: {seconds:.3f} s ({1e6 * seconds / steps:.2f} us/step), "
          f"final relative error {run.residual[-1] / np.linalg.norm(M):.2e}  [target < 2 s]")
    steps = 10_000
    seconds, ball = best_of(lambda: mf.gd_ball(U0, V0, target.M, schedule, steps, 128), 1)
    print(f"ball GD at 128 bits, 20x20 rank 2, {steps} steps with certified drift bound: {seconds:.2f} s "
          f"({1e6 * seconds / steps:.0f} us/step); imbalance {ball.imbalance0.str(5, radius=False)} -> "
          f"{ball.imbalance.str(5, radius=False)}, drift bound {ball.drift.str(5, radius=False)} ± "
          f"{float(ball.drift.rad()):.1e}, "
          f"residual radius {float(ball.residual.rad()):.1e}  [target < 60 s]")
    small = mf.planted_target(6, 6, [fmpq(3, 2), fmpq(1)], np.random.default_rng(1))
    u0, v0 = 0.05 * np.random.default_rng(2).standard_normal((2, 6, 2))
    seconds, _ = best_of(lambda: mf.gd_ball(u0, v0, small.M, schedule, steps, 128), 1)
    print(f"ball GD at 128 bits, 6x6 rank 2 (checker instance size), {steps} steps: {seconds:.2f} s "
          f"({1e6 * seconds / steps:.0f} us/step)")


if __name__ == "__main__":
    main()
