"""Benchmarks of the sharpness family (issue 3): prints numbers, asserts nothing.

1. Certified sharpness at an exact minimiser, d = 5, L = 10 (formula (H): exact characteristic
   polynomial of GΣ, top root isolated).                                        target < 50 ms
2. Lanczos sharpness of a network with ~10⁵ parameters in float64 (eigsh on exact
   Hessian-vector products, with its residual), checked against formula (H).    target < 5 s
3. Gradient flow from small initialisation, n = 50, d = 5, L = 10, scale 0.25, to
   ‖w − w⋆‖ < 1e-10, with the final sharpness.                                  target < 10 s

Run: ``python bench/bench_sharpness.py``.
"""
from __future__ import annotations

import time

import numpy as np
from flint import fmpq

from checker import linear as lin
from checker.arith import rational_array
from checker.exact import enclosure, rational_unit_vector
from checker.regression import Regression
from checker.sharpness import sharpness_at_minimiser, sharpness_float, smin_enclosure
from checker.spectra import top_eigenvalue_lanczos
from theorems.sharpness.figures import bounds_of_example


def best_of(fn, repeats: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - start)
    return min(times), out


def certified_sharpness_at_minimiser(d: int = 5, L: int = 10) -> None:
    rng = np.random.default_rng(0)
    X = rational_array(rng.integers(-3, 4, size=(d + 3, d)).tolist())
    w_star = rational_array([fmpq(int(v), 2) for v in rng.integers(-3, 4, size=d)])
    reg = Regression(X, X @ w_star)
    one = np.array([fmpq(1)], dtype=object)
    upper = [rational_array(rng.integers(-2, 3, size=(d, d)).tolist()) for _ in range(L - 2)]
    upper.append(rational_array(rng.integers(-2, 3, size=(1, d)).tolist()))
    layers = lin.complete_minimiser(upper, rational_array(rng.integers(-2, 3, size=(d, d)).tolist()), reg.w_star, one)
    assert all(v == 0 for v in lin.end_to_end(layers, one) - reg.w_star)
    seconds, S = best_of(lambda: sharpness_at_minimiser(layers, one, reg.sigma, 128), 5)
    S = enclosure(S, "")
    print(f"1. certified S at an exact minimiser (d={d}, L={L}, {sum(W.size for W in layers)} parameters): "
          f"{seconds * 1e3:.1f} ms  (S = {S.mid:.12g} ± {S.radius:.1e}, {S.kind})")
    seconds, smin = best_of(lambda: smin_enclosure(reg, L, 128), 3)
    smin = enclosure(smin, "")
    print(f"   S_min enclosure for the same data: {seconds * 1e3:.1f} ms  (S_min = {smin.mid:.12g} ± {smin.radius:.1e})")


def lanczos_sharpness(d: int = 105, L: int = 10) -> None:
    rng = np.random.default_rng(1)
    X = rng.standard_normal((2 * d, d))
    w_star = rng.standard_normal(d) / np.sqrt(d)
    sigma = X.T @ X / X.shape[0]
    p = np.ones(1)
    upper = [rng.standard_normal((d, d)) / np.sqrt(d) for _ in range(L - 2)] + [rng.standard_normal((1, d)) / np.sqrt(d)]
    layers = lin.complete_minimiser(upper, rng.standard_normal((d, d)) / np.sqrt(d), w_star, p)
    oracle, theta = lin.risk(layers, p, X, X @ w_star)
    start = time.perf_counter()
    result = top_eigenvalue_lanczos(lambda v: oracle.hvp(theta, v), theta.size)
    n = theta.size
    seconds = time.perf_counter() - start
    formula = sharpness_float(layers, p, sigma)
    print(f"2. Lanczos S, {n} parameters (d={d}, L={L}, float64): {seconds:.2f} s, {result.matvecs} HVPs; "
          f"S = {result.value:.10g} ± {result.residual:.1e} (residual); formula (H): {formula:.10g}; "
          f"relative difference {abs(result.value - formula) / formula:.1e}")


def gradient_flow_from_small_init(n: int = 50, d: int = 5, L: int = 10, scale: float = 0.25) -> None:
    rng = np.random.default_rng(2)
    X = rational_array(rng.integers(-3, 4, size=(n, d)).tolist())
    u = rational_unit_vector([fmpq(1, 2), fmpq(-1, 3), fmpq(2, 5), fmpq(0)], 0, 1)  # ‖w⋆‖ = 1
    reg = Regression(X, X @ u)
    sigma, _, w = reg.floats
    Xf, yf = reg.data_floats
    init = [scale * rng.standard_normal(s) for s in [(d, d)] * (L - 1) + [(1, d)]]
    for method in ("DOP853", "LSODA"):
        start = time.perf_counter()
        run = lin.gradient_flow_to_minimiser(init, np.ones(1), Xf, yf, w, tol=1e-10, rtol=1e-10, method=method)
        S = sharpness_float(run.layers, np.ones(1), sigma)
        seconds = time.perf_counter() - start
        print(f"3. GF from small init (n={n}, d={d}, L={L}, ε={scale}), {method}: {seconds:.2f} s to ‖w − w⋆‖ = "
              f"{run.distance:.1e} at t = {run.time:.4g} ({run.steps} field evaluations, both tolerances), final S = {S:.8g}")
    bounds = bounds_of_example(reg, L)
    print("   bounds: " + ", ".join(f"{k} = {v:.8g}" for k, v in bounds.items()))


if __name__ == "__main__":
    certified_sharpness_at_minimiser()
    lanczos_sharpness()
    gradient_flow_from_small_init()
