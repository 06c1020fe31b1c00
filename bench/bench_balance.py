"""Benchmarks of the layer-balance family (run: ``python bench/bench_balance.py [--sympy]``).

1. The exact check of the per-neuron identity DHL-I1 on random linear / ReLU / leaky-ReLU networks
   of depth 2-4 and widths 2-9 (every hidden neuron, 4 inputs, exact rationals): ms per instance.
2. The exact polynomial proof of the layer-balance identity for a 3-layer linear network of width 6
   with the squared loss and symbolic data (``W^(h+1)ᵀ ∂L/∂W^(h+1) = ∂L/∂W^(h) W^(h)ᵀ``), with flint.
   ``--sympy`` also times SymPy's ``expand`` on the same identity at width 3 (it is slow).
"""
from __future__ import annotations

import sys
import time

import numpy as np

from checker.arith import rational_array
from checker.losses import loss
from checker.nets import MLP, activation
from checker.proofs import PolynomialRing, prove_polynomial_identity

SQ = loss("squared")


def random_instance(rng: np.random.Generator) -> tuple[MLP, list, np.ndarray, np.ndarray]:
    depth = int(rng.integers(2, 5))
    widths = [int(rng.integers(2, 10)) for _ in range(depth + 1)]
    acts = tuple(activation(str(rng.choice(["linear", "relu", "leaky_relu"])), slope="1/3") for _ in range(depth - 1))
    net = MLP(tuple(widths), acts)
    frac = lambda *shape: rational_array(  # noqa: E731
        np.vectorize(lambda p, q: f"{p}/{q}")(rng.integers(-9, 10, shape), rng.integers(1, 8, shape)))
    return net, [frac(*s) for s in net.shapes()], frac(4, widths[0]), frac(4, widths[-1])


def check_all_neurons(net: MLP, params: list, X: np.ndarray, G: np.ndarray) -> bool:
    grads = net.backward(params, X, G)
    for h in range(1, net.depth):
        lhs = (grads[h - 1] * params[h - 1]).sum(axis=1)
        rhs = (grads[h] * params[h]).sum(axis=0)
        if any(a != b for a, b in zip(lhs, rhs)):
            return False
    return True


def bench_exact_identity(n: int = 200) -> float:
    rng = np.random.default_rng(0)
    instances = [random_instance(rng) for _ in range(n)]
    start = time.perf_counter()
    assert all(check_all_neurons(*inst) for inst in instances)
    return (time.perf_counter() - start) / n


def squared_loss_balance_pairs(width: int, depth: int = 3) -> list:
    widths = [width] * depth + [1]
    ring = PolynomialRing([(f"W{h + 1}", (widths[h + 1], widths[h])) for h in range(depth)] + [("x", (width, 1)), ("y", (1,))])
    Ws = [ring.array(f"W{h + 1}") for h in range(depth)]
    out = ring.array("x")
    for W in Ws:
        out = W @ out
    r = out[0, 0] - ring.array("y")[0]
    L = r * r
    grads = [ring.derivative(L, f"W{h + 1}") for h in range(depth)]
    return [(Ws[h + 1].T @ grads[h + 1], grads[h] @ Ws[h].T) for h in range(depth - 1)]


def bench_polynomial_proof(width: int) -> tuple[float, str]:
    start = time.perf_counter()
    proof = prove_polynomial_identity(lambda: squared_loss_balance_pairs(width), f"width {width}")
    assert proof.holds, proof.detail
    return time.perf_counter() - start, proof.detail


def bench_sympy(width: int) -> float:
    import sympy

    widths = [width] * 3 + [1]
    Ws = [sympy.Matrix(widths[h + 1], widths[h], lambda i, j, h=h: sympy.Symbol(f"w{h}_{i}_{j}")) for h in range(3)]
    x = sympy.Matrix(width, 1, lambda i, j: sympy.Symbol(f"x{i}"))
    L = ((Ws[2] * Ws[1] * Ws[0] * x)[0, 0] - sympy.Symbol("y")) ** 2
    start = time.perf_counter()
    for h in range(2):
        G1 = Ws[h + 1].applyfunc(lambda w: sympy.diff(L, w))
        G0 = Ws[h].applyfunc(lambda w: sympy.diff(L, w))
        assert (Ws[h + 1].T * G1 - G0 * Ws[h].T).applyfunc(sympy.expand) == sympy.zeros(width, width)
    return time.perf_counter() - start


if __name__ == "__main__":
    print(f"DHL-I1 exact check, depth 2-4, widths 2-9, all neurons, 4 inputs: {1e3 * bench_exact_identity():.2f} ms/instance")
    for w in (4, 6):
        t, detail = bench_polynomial_proof(w)
        print(f"balance identity, 3-layer linear width {w}, squared loss, symbolic data (flint): {t:.2f} s — {detail}")
    if "--sympy" in sys.argv:
        print(f"same identity, width 3, SymPy expand: {bench_sympy(3):.2f} s")
