"""Side by side: SymPy's ``expand`` against the project's proofs of the layer-balance identity.

The identity (Du–Hu–Lee, linear layers; DHL-LIN): for a 3-layer linear network ``x ↦ W3W2W1x`` of
width ``w`` with the squared loss ``L = (W3W2W1x − y)²`` on symbolic data,
``W_{h+1}ᵀ ∂L/∂W_{h+1} = ∂L/∂W_h W_hᵀ`` (h = 1, 2), as polynomials in the ``2w² + w + w + 1`` symbols.

Per width ``w = 2..8`` (one run each):

* anchor — SymPy: differentiate and ``expand`` every entry of both sides (``bench_balance.bench_sympy``),
  in a child process killed after ``--timeout`` seconds (printed as "> timeout");
* ours — flint: the same fixed-size identity expanded exactly by python-flint ``fmpq_mpoly``
  (``checker.proofs.prove_polynomial_identity`` on ``bench_balance.squared_loss_balance_pairs``);

and once, for every width and depth at the same time: the project's dimension-free proof of DHL-LIN
(SymPy noncommutative normal form, ``checker.proofs.MatrixAlgebra``), as the checker runs it.

Once SymPy exceeds the timeout at one width, wider ones are not run (they only grow) unless ``--all``.

Run: ``python bench/peers_sympy_flint.py [--timeout 120] [--widths 2-8] [--all]``.
"""
from __future__ import annotations

import argparse
import multiprocessing
import os
import time

from bench_balance import bench_sympy, squared_loss_balance_pairs

from checker import registry
from checker.proofs import prove_polynomial_identity
from timeouts import child_result


def _sympy_child(width: int, queue: multiprocessing.Queue) -> None:
    queue.put(bench_sympy(width))


def sympy_seconds(width: int, timeout: float) -> float | None:
    """SymPy's time at ``width``, or None when it did not finish within ``timeout`` seconds."""
    return child_result(_sympy_child, (width,), timeout)


def flint_seconds(width: int) -> tuple[float, str]:
    start = time.perf_counter()
    proof = prove_polynomial_identity(lambda: squared_loss_balance_pairs(width), f"width {width}")
    seconds = time.perf_counter() - start
    if not proof.holds:
        raise AssertionError(proof.detail)
    return seconds, proof.detail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--timeout", type=float, default=120.0, help="seconds per SymPy width")
    parser.add_argument("--widths", default="2-8")
    parser.add_argument("--all", action="store_true", help="run SymPy at every width even after a timeout")
    args = parser.parse_args()
    lo, hi = (int(v) for v in args.widths.split("-"))
    print(f"{time.strftime('%Y-%m-%d %H:%M:%S')}  load average {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} "
          f"{os.getloadavg()[2]:.2f} on {os.cpu_count()} cores; SymPy timeout {args.timeout:g} s")
    print(f"{'width':>5} | {'SymPy expand (anchor)':>22} | {'flint fmpq_mpoly (ours)':>24} | {'ratio':>9} | terms")
    timed_out = None
    for width in range(lo, hi + 1):
        ours, detail = flint_seconds(width)
        if timed_out is None or args.all:
            anchor = sympy_seconds(width, args.timeout)
            if anchor is None:
                timed_out = width
                shown, ratio = f"> {args.timeout:g} s", f"> {args.timeout / ours:.0f}×"
            else:
                shown, ratio = f"{anchor:.2f} s", f"{anchor / ours:.0f}×"
        else:
            shown, ratio = f"> {args.timeout:g} s (*)", f"> {args.timeout / ours:.0f}×"
        terms = detail[detail.find("(") + 1:detail.find(" terms")]
        print(f"{width:>5} | {shown:>22} | {ours:>22.3f} s | {ratio:>9} | {terms}", flush=True)
    if timed_out is not None and not args.all:
        print(f"(*) not run: SymPy already exceeded the timeout at width {timed_out}")
    registry.load_builtin()
    stmt = registry.statements()["DHL-LIN"]
    start = time.perf_counter()
    proof = stmt.proof()
    seconds = time.perf_counter() - start
    print(f"DHL-LIN dimension-free proof (every width and depth, {proof.method}): {seconds:.2f} s, "
          f"holds = {proof.holds}, scope: {proof.scope}")


if __name__ == "__main__":
    main()
