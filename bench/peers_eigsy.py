"""Side by side: mpmath's ``eigsy`` on the full ``p × p`` Hessian against formula (H) in balls.

At an exact global minimiser of deep linear regression (depth ``L``, every hidden width ``d``, data
``X ∈ ℤ^{(d+3)×d}``, ``y = Xw⋆`` with rational ``w⋆``; the layers from
``checker.linear.complete_minimiser`` on random integer upper layers) the sharpness is
``S = λ_max(∇²R) = 2λ_max(GΣ)`` (formula (H), MC-H), a ``d × d`` eigenproblem instead of a
``p × p`` one (``p = (L − 1)d² + d`` parameters).  Per ``d``:

* anchor — mpmath: every eigenvalue of the full Hessian (float64 Hessian from
  ``checker.linear.hessian``, converted to an ``mpmath.matrix`` outside the timing) by
  ``mpmath.eigsy`` at mpmath's default 53-bit precision (its fastest; no error bound), in a child
  process killed after ``--timeout`` seconds;
* ours — ``checker.sharpness.sharpness_at_minimiser`` on the layers as 128-bit balls: ``G`` and
  ``GΣ`` in balls, every eigenvalue enclosed (``checker.spectra.top_eigenvalue_ball``), ``S`` a
  certified ball.

The two values are compared (mpmath's top eigenvalue must lie in our ball up to its own rounding).
After a timeout, larger ``d`` are not run; their anchor time is extrapolated as ``p³`` from the
largest measured size (labelled).  Also printed: the time to build the exact full Hessian, which
the anchor would need on top of ``eigsy`` to be exact.

Run: ``python bench/peers_eigsy.py [--depth 3] [--dims 5,10,15,20,30,40] [--timeout 120]``.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import time

import mpmath
import numpy as np
from flint import fmpq

from checker import linear as lin
from checker.arith import rational_array
from checker.exact import balls
from checker.regression import square_loss_moments
from checker.sharpness import sharpness_at_minimiser
from timeouts import child_result

BITS = 128


def minimiser(d: int, L: int, seed: int) -> tuple[list[np.ndarray], np.ndarray, np.ndarray, np.ndarray]:
    """An exact global minimiser ``[W_1, …, W_L]`` (hidden widths d) of the risk of (X, y), and X, y, w⋆."""
    rng = np.random.default_rng(seed)
    X = rational_array(rng.integers(-3, 4, size=(d + 3, d)).tolist())
    w_star = rational_array([fmpq(int(v), 2) for v in rng.integers(-3, 4, size=d)])
    one = rational_array([1])
    upper = [rational_array(rng.integers(-2, 3, size=(d, d)).tolist()) for _ in range(L - 2)]
    upper.append(rational_array(rng.integers(-2, 3, size=(1, d)).tolist()))
    layers = lin.complete_minimiser(upper, rational_array(rng.integers(-2, 3, size=(d, d)).tolist()), w_star, one)
    return layers, X, X @ w_star, w_star


def _eigsy_child(H: np.ndarray, queue: multiprocessing.Queue) -> None:
    A = mpmath.matrix(H.tolist())
    start = time.perf_counter()
    values = mpmath.eigsy(A, eigvals_only=True)
    seconds = time.perf_counter() - start
    queue.put((seconds, float(max(values))))


def eigsy_top(H: np.ndarray, timeout: float) -> tuple[float, float] | None:
    """(seconds, λ_max) of mpmath.eigsy on H, or None past ``timeout``."""
    return child_result(_eigsy_child, (H,), timeout)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--depth", type=int, default=3)
    parser.add_argument("--dims", default="5,10,15,20,30,40")
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per mpmath run")
    args = parser.parse_args()
    L = args.depth
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
          f"{os.cpu_count()} cores; depth L = {L}; mpmath {mpmath.__version__} at {mpmath.mp.prec} bits, "
          f"timeout {args.timeout:g} s; ours at {BITS} bits")
    print(f"{'d':>3} {'p':>5} | {'mpmath eigsy (anchor)':>26} | {'formula (H), balls (ours)':>26} | {'ratio':>9} | "
          f"S (ours) | mpmath − S | exact full Hessian")
    measured: tuple[int, float] | None = None
    timed_out = None
    for d in (int(v) for v in args.dims.split(",")):
        layers, X, y, _ = minimiser(d, L, seed=d)
        p = sum(W.size for W in layers)
        sigma = square_loss_moments(X, y)[0]
        one = rational_array([1])
        start = time.perf_counter()
        S = sharpness_at_minimiser([balls(W, BITS) for W in layers], balls(one, BITS), balls(sigma, BITS), BITS)
        ours = time.perf_counter() - start
        start = time.perf_counter()
        H_exact = lin.hessian(layers, one, X, y) if p <= 300 else None
        exact_seconds = f"{time.perf_counter() - start:.2f} s" if H_exact is not None else "not built (p > 300)"
        anchor = None
        if timed_out is None:
            H = lin.hessian([W.astype(float) for W in layers], np.ones(1), X.astype(float), y.astype(float))
            anchor = eigsy_top(H, args.timeout)
            if anchor is None:
                timed_out = d
        if anchor is not None:
            seconds, top = anchor
            measured = (p, seconds)
            shown, ratio, diff = f"{seconds:.2f} s", f"{seconds / ours:.0f}×", f"{top - float(S.mid()):+.1e}"
        elif timed_out == d:
            shown, ratio, diff = f"> {args.timeout:g} s (timeout)", f"> {args.timeout / ours:.0f}×", "—"
        else:
            guess = measured[1] * (p / measured[0]) ** 3 if measured else float("nan")
            shown, ratio, diff = f"≈ {guess:.3g} s (p³, not run)", f"≈ {guess / ours:.0f}×", "—"
        print(f"{d:>3} {p:>5} | {shown:>26} | {ours * 1e3:>23.1f} ms | {ratio:>9} | {float(S.mid()):.10g} ± "
              f"{float(S.rad()):.1e} | {diff} | {exact_seconds}", flush=True)


if __name__ == "__main__":
    main()
