"""Side by side: the Marion–Chizat headline experiment, with the published JAX code and with this tool.

The experiment (Marion & Chizat 2024, "Deep linear networks for regression are implicitly
regularized towards flat minima", NeurIPS; code https://github.com/PierreMarion23/implicit-reg-sharpness,
commit 5188f6a, ``run_experiment.py linear``): deep linear regression, n = 50, d = 5, L = 10
(230 parameters), learning rate 0.02, two runs of 10,000 gradient-descent steps from Gaussian
initialisations (scales 0.25 and 0.289, their first two), the sharpness tracked along the run.

* anchor — the published code itself (float32 GD; sharpness by their 20-step power iteration on
  JAX Hessian-vector products every 5 steps), run by ``bench/peers_marion_chizat_jax.py`` in the
  separate environment ``/work/venv-jax`` (``jax==0.4.27``; JAX is never a dependency of the
  project).  Its in-process seconds for the two runs, their compilation part, and the same runs
  without the sharpness tracking (their ``update`` only).
* ours — from the very same data and initial layers (float32 values, exact in float64): 10,000
  steps of ``checker.dynamics.gradient_descent`` on the ``checker.linear`` risk (its closed-form
  gradient) by ``checker.integrators.iterate`` in float64 (timed without, and in a separate row
  with, the extended-precision shadow that estimates its error: the anchor estimates none),
  then a *certified* ``λ_max`` of the full 230 × 230 Hessian at the final iterate: the exact Hessian
  in ``--bits``-bit balls by its closed form in ``arb_mat`` products
  (``checker.linear.hessian_closed_form``), enclosed by ``checker.spectra.top_eigenvalue_gershgorin``
  (Rayleigh quotient below, Gershgorin discs of ``Qᵀ(μI − H)Q`` above).  With ``--ball-steps N`` also the exact iteration enclosed in balls
  (``checker.linear.gradient_descent_ball``) for N steps and its certified sharpness: interval
  arithmetic's wrapping makes the radii grow by a roughly constant factor per step (≈ 1.3 here), so
  only a few hundred steps stay finite at 64–128 bits, not 10,000.

Printed: anchor time, our time, the ratio anchor/ours (issue 11's target: ≥ 10× with a certified
sharpness), and the values (final sharpness and squared distance to w⋆, both sides).  The load
average is printed before and after (2-core machine, possibly shared).

Run: ``python bench/peers_marion_chizat.py [--python /work/venv-jax/bin/python]
[--code /work/venv-jax/src/implicit-reg-sharpness] [--bits 64] [--ball-steps 0]``; the code checkout:
``git clone https://github.com/PierreMarion23/implicit-reg-sharpness`` (commit 5188f6a).
"""
from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from flint import arb_mat

from checker import linear as lin
from checker.arith import working_precision
from checker.dynamics import gradient_descent
from checker.exact import balls
from checker.integrators import iterate
from checker.spectra import top_eigenvalue_gershgorin

DRIVER = Path(__file__).resolve().parent / "peers_marion_chizat_jax.py"


def load() -> str:
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.2f} {five:.2f} {fifteen:.2f}"


def anchor(python: str, code: str, runs: int, mode: str) -> tuple[dict, float]:
    """The published code's output (JSON) and the wall seconds of its whole process."""
    start = time.perf_counter()
    proc = subprocess.run([python, str(DRIVER), code, str(runs), mode], capture_output=True, text=True)
    if proc.returncode:
        sys.exit(f"the JAX run failed:\n{proc.stderr[-2000:]}")
    return json.loads(proc.stdout), time.perf_counter() - start


def certified_sharpness(layers: list[np.ndarray], X: np.ndarray, y: np.ndarray, bits: int):
    """A ball containing λ_max of the exact Hessian of the exact risk at ``layers`` (exact or balls)."""
    with working_precision(bits):
        H = lin.hessian_closed_form([balls(W, bits) for W in layers], balls(np.ones(1), bits), balls(X, bits),
                                    balls(y, bits), arb_mat)
    return top_eigenvalue_gershgorin(H, bits)


def ours(data: dict, run: dict, bits: int) -> dict:
    """Float64 GD and the certified λ_max at its last iterate (timed together, as the anchor's run is),
    then the same GD again with its extended-precision shadow (the error estimate; the float64 run
    is the same arithmetic, so the same last iterate), timed on its own."""
    X, y, w_star = (np.asarray(data[k], dtype=float) for k in ("X", "y", "w_star"))
    config = data["config"]
    layers0 = [np.asarray(W, dtype=float) for W in run["init"]]
    rule = gradient_descent(config["step_size"])
    start = time.perf_counter()
    oracle, theta0 = lin.risk(layers0, np.ones(1), X, y)
    sol = iterate(rule, oracle, theta0, [config["steps"]], shadow=False)
    layers = oracle.net.unflatten(sol.theta)
    gd = time.perf_counter() - start
    S = certified_sharpness(layers, X, y, bits)
    seconds = time.perf_counter() - start
    start = time.perf_counter()
    shadowed = iterate(rule, oracle, theta0, [config["steps"]])
    gd_shadow = time.perf_counter() - start
    if not np.array_equal(shadowed.theta, sol.theta):
        sys.exit("the shadowed float64 run ended elsewhere (a bug)")
    w = lin.end_to_end(layers, np.ones(1))
    return {"seconds": seconds, "gd": gd, "gd_shadow": gd_shadow, "sharpness": S, "error": float(shadowed.error[-1]),
            "distance": float(np.mean((w - w_star) ** 2))}


def ours_ball(data: dict, run: dict, steps: int, bits: int) -> dict:
    """The exact iteration from the same start, enclosed in balls, and (while the balls are finite)
    its certified sharpness."""
    X, y, w_star = (np.asarray(data[k], dtype=float) for k in ("X", "y", "w_star"))
    start = time.perf_counter()
    layers, _ = lin.gradient_descent_ball([np.asarray(W, dtype=float) for W in run["init"]], np.ones(1), X, y, w_star,
                                          data["config"]["step_size"], steps, bits)
    gd = time.perf_counter() - start
    radius = max(float(x.rad()) for W in layers for x in W.ravel())
    S = certified_sharpness(layers, X, y, bits) if np.isfinite(radius) else None
    return {"seconds": time.perf_counter() - start, "gd": gd, "sharpness": S, "radius": radius}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default="/work/venv-jax/bin/python", help="the JAX environment's interpreter")
    parser.add_argument("--code", default="/work/venv-jax/src/implicit-reg-sharpness", help="checkout of the published code")
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--bits", type=int, default=64, help="ball precision of the certified sharpness")
    parser.add_argument("--ball-steps", type=int, default=0, help="also the exact iteration in balls for N steps")
    args = parser.parse_args()
    if not Path(args.python).exists() or not (Path(args.code) / "utils.py").exists():
        sys.exit(f"needs the JAX environment {args.python} and the published code in {args.code} (see the docstring)")
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  {os.cpu_count()} cores, {load()}", flush=True)
    data, wall = anchor(args.python, args.code, args.runs, "track")
    plain, plain_wall = anchor(args.python, args.code, args.runs, "plain")
    c = data["config"]
    print(f"anchor: jax {data['versions']['jax']} (numpy {data['versions']['numpy']}) on {data['devices'][0]}, "
          f"{c['dtype']}; n = {c['n']}, d = {c['d']}, L = {c['L']}, η = {c['step_size']}, {c['steps']} steps × "
          f"{args.runs} runs; sharpness: {c['power_iterations']}-step power iteration every {c['sharpness_every']} steps",
          flush=True)
    mine = [ours(data, run, args.bits) for run in data["runs"]]
    print(f"ours: float64 GD (checker.integrators.iterate) + certified λ_max of the full Hessian at {args.bits} bits "
          f"(closed-form ball Hessian, Rayleigh quotient / Gershgorin)  ({load()})\n", flush=True)
    a_runs, a_compile, p_runs = data["seconds"]["runs"], data["seconds"]["compile"], plain["seconds"]["runs"]
    o_total, o_gd = sum(m["seconds"] for m in mine), sum(m["gd"] for m in mine)
    o_shadow = sum(m["seconds"] - m["gd"] + m["gd_shadow"] for m in mine)
    rows = [
        (f"{args.runs} runs, sharpness tracked (anchor) / certified at the end (ours)", a_runs, o_total),
        ("  the same, anchor without its compilation", a_runs - a_compile, o_total),
        ("  the anchor's whole process (Python start, import jax)", wall, o_total),
        ("  ours with the GD error estimate (extended-precision shadow)", a_runs, o_shadow),
        (f"gradient descent only (anchor: update × {c['steps']:,}, no sharpness)", p_runs, o_gd),
    ]
    print(f"| {'experiment':<68} | {'anchor (JAX)':>12} | {'ours':>9} | {'ratio':>7} |")
    print(f"|{'-' * 70}|{'-' * 14}|{'-' * 11}|{'-' * 9}|")
    for name, a, o in rows:
        print(f"| {name:<68} | {a:>10.2f} s | {o:>7.2f} s | {a / o:>6.2f}× |")
    print(f"\n(anchor compilation {a_compile:.2f} s; ours per run: "
          + "; ".join(f"GD {m['gd']:.2f} s (shadowed {m['gd_shadow']:.2f} s) + certified λ_max {m['seconds'] - m['gd']:.2f} s"
                      for m in mine) + ")")
    print("\nvalues per run (anchor float32 estimate | ours certified ball; mean squared distance of w to w⋆):")
    for run, m in zip(data["runs"], mine):
        S = m["sharpness"]
        print(f"  scale {run['scale']:.3f}: sharpness {run['final_sharpness']:.8g} | {float(S.mid()):.12g} ± {float(S.rad()):.1e}; "
              f"distance {run['final_distance']:.3e} | {m['distance']:.3e} (float64 GD error estimate "
              f"{m['error']:.1e})")
    if args.ball_steps:
        print(f"\nthe exact iteration enclosed in {args.bits}-bit balls, {args.ball_steps} steps per run "
              f"(checker.linear.gradient_descent_ball) + certified λ_max:", flush=True)
        for run in data["runs"]:
            b = ours_ball(data, run, args.ball_steps, args.bits)
            S = b["sharpness"]
            value = (f"sharpness {float(S.mid()):.12g} ± {float(S.rad()):.1e}" if S is not None else
                     "the balls lost all accuracy (interval arithmetic's wrapping: radii grow by a factor per step)")
            print(f"  scale {run['scale']:.3f}: {b['seconds']:.2f} s (GD {b['gd']:.2f} s), largest parameter radius "
                  f"{b['radius']:.1e}, {value}", flush=True)
    print(f"\n({load()} at the end)")


if __name__ == "__main__":
    main()
