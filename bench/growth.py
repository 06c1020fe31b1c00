"""Growth exponents of the exact checks with width and depth: fit ``log time = c + α·log size``.

Three exact computations, each timed at a ladder of sizes with the other size fixed:

* ``DHL-I1`` — the per-neuron balance identity on a random leaky-ReLU MLP (slope 1/3: no unit dies,
  so depth costs what it should) with rational weights, exact
  back-propagation of 4 rational inputs and the check at every hidden neuron
  (``bench_balance.check_all_neurons``; ``checker.nets.MLP`` on ``fmpq``);
* ``formula (H), exact`` — the sharpness ``2λ_max(GΣ)`` at an exact rational minimiser of deep linear
  regression (``checker.sharpness.sharpness_at_minimiser``: exact Gram matrix, exact characteristic
  polynomial, isolated top root), minimisers from ``peers_eigsy.minimiser``;
* ``flint proof`` — the fixed-size polynomial expansion of the layer-balance identity (width only,
  3 layers; ``peers_sympy_flint.flint_seconds``).

Each size is repeated until 0.3 s have passed (the minimum per call is kept).  Printed: the times,
the fitted exponent α over the whole ladder, and the local exponent of the last two sizes (the
asymptotic regime).  Exact rationals grow in size along products, so the depth exponent of an exact
check exceeds the operation count's.

Run: ``python bench/growth.py``.
"""
from __future__ import annotations

import os
import time
from typing import Callable

import numpy as np

from bench_balance import check_all_neurons
from peers_eigsy import minimiser
from peers_sympy_flint import flint_seconds

from checker.arith import rational_array
from checker.nets import MLP, activation
from checker.regression import square_loss_moments
from checker.sharpness import sharpness_at_minimiser

LEAKY = activation("leaky_relu", slope="1/3")


def per_call(fn: Callable[[], object], budget: float = 0.3) -> float:
    """The fastest of repeated calls of ``fn`` within about ``budget`` seconds (at least one)."""
    best, spent = float("inf"), 0.0
    while spent < budget or best == float("inf"):
        start = time.perf_counter()
        fn()
        elapsed = time.perf_counter() - start
        best, spent = min(best, elapsed), spent + elapsed
    return best


def leaky_instance(widths: list[int], seed: int) -> tuple[MLP, list, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    net = MLP(tuple(widths), (LEAKY,) * (len(widths) - 2))
    frac = lambda *shape: rational_array(  # noqa: E731
        np.vectorize(lambda p, q: f"{p}/{q}")(rng.integers(-9, 10, shape), rng.integers(1, 8, shape)))
    return net, [frac(*s) for s in net.shapes()], frac(4, widths[0]), frac(4, widths[-1])


def dhl_i1(width: int, depth: int) -> float:
    inst = leaky_instance([width] * depth + [1], seed=width * 100 + depth)
    assert check_all_neurons(*inst)
    return per_call(lambda: check_all_neurons(*inst))


def formula_h(d: int, L: int) -> float:
    layers, X, y, _ = minimiser(d, L, seed=d * 100 + L)
    sigma = square_loss_moments(X, y)[0]
    one = rational_array([1])
    return per_call(lambda: sharpness_at_minimiser(layers, one, sigma, 128))


def fit(sizes: list[int], seconds: list[float]) -> tuple[float, float]:
    """(exponent over the whole ladder, local exponent of the last two sizes)."""
    x, y = np.log(sizes), np.log(seconds)
    return float(np.polyfit(x, y, 1)[0]), float((y[-1] - y[-2]) / (x[-1] - x[-2]))


def ladder(name: str, variable: str, sizes: list[int], run: Callable[[int], float]) -> None:
    seconds = []
    for s in sizes:
        seconds.append(run(s))
    whole, last = fit(sizes, seconds)
    cells = ", ".join(f"{s}: {t * 1e3:.3g} ms" for s, t in zip(sizes, seconds))
    print(f"{name:<44} | {variable:<16} | α = {whole:5.2f} (last pair {last:5.2f}) | {cells}", flush=True)


def main() -> None:
    load = os.getloadavg()
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  load average {load[0]:.2f} {load[1]:.2f} {load[2]:.2f} on "
          f"{os.cpu_count()} cores")
    print(f"{'exact check':<44} | {'size':<16} | exponent of time in size | times")
    ladder("DHL-I1 exact, leaky MLP, 4 inputs (depth 3)", "width", [2, 4, 8, 16, 32], lambda w: dhl_i1(w, 3))
    ladder("DHL-I1 exact, leaky MLP, 4 inputs (width 4)", "depth", [2, 4, 8, 16, 32], lambda L: dhl_i1(4, L))
    ladder("formula (H) exact at a minimiser (L = 3)", "d", [2, 4, 8, 16], lambda d: formula_h(d, 3))
    ladder("formula (H) exact at a minimiser (d = 4)", "depth L", [2, 4, 8, 16, 32], lambda L: formula_h(4, L))
    ladder("flint proof, balance identity (3 layers)", "width", [2, 3, 4, 5, 6], lambda w: flint_seconds(w)[0])


if __name__ == "__main__":
    main()
