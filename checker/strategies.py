"""Hypothesis strategies for data, architectures and initialisations (THEOREMS.md §0.4).

Instances are JSON-serialisable: rationals are canonical strings ``"p/q"`` (|p| ≤ 9 and
1 ≤ q ≤ 7 by default), so every drawn instance is exact, shrinks toward small integers, and
replays bit for bit.  Each strategy takes its ranges as ``(low, high)`` pairs.
"""
from __future__ import annotations

from fractions import Fraction
from functools import lru_cache
from typing import Any

from hypothesis import strategies as st

from .arith import rational_str

Range = tuple[int, int]


@lru_cache(maxsize=None)
def rationals(max_numerator: int = 9, max_denominator: int = 7, nonzero: bool = False) -> st.SearchStrategy[str]:
    """Rationals ``p/q`` with ``|p| ≤ max_numerator``, ``1 ≤ q ≤ max_denominator``, as strings."""
    base = st.builds(Fraction, st.integers(-max_numerator, max_numerator), st.integers(1, max_denominator))
    if nonzero:
        base = base.filter(lambda f: f != 0)
    return base.map(rational_str)


@lru_cache(maxsize=None)
def positive_rationals(max_numerator: int = 9, max_denominator: int = 7) -> st.SearchStrategy[str]:
    """Rationals ``p/q`` with ``1 ≤ p ≤ max_numerator`` and ``1 ≤ q ≤ max_denominator``."""
    return st.builds(Fraction, st.integers(1, max_numerator), st.integers(1, max_denominator)).map(rational_str)


@lru_cache(maxsize=None)
def matrices(rows: int, cols: int, elements: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[list[list[str]]]:
    """``rows × cols`` matrices of rationals (nested lists of strings); strategies are cached, since
    building them inside ``@composite`` draws dominates the cost of shrinking."""
    elements = elements if elements is not None else rationals()
    return st.lists(st.lists(elements, min_size=cols, max_size=cols), min_size=rows, max_size=rows)


@lru_cache(maxsize=None)
def vectors(n: int, elements: st.SearchStrategy[str] | None = None) -> st.SearchStrategy[list[str]]:
    return st.lists(elements if elements is not None else rationals(), min_size=n, max_size=n)


@lru_cache(maxsize=None)
def _between(r: Range | int) -> st.SearchStrategy[int]:
    lo, hi = (r, r) if isinstance(r, int) else r
    return st.integers(lo, hi)


@st.composite
def mlp_instances(draw: Any, depth: Range | int = (2, 4), width: Range | int = (1, 6), in_dim: Range | int = (1, 6),
                  out_dim: Range | int = (1, 2), samples: Range | int = (1, 4), bias: bool = False) -> dict:
    """A multilayer network with data: ``widths`` (``d = n_0, …, n_N = p``), exact weights
    ``params`` (``[W1, (b1), …]`` as :meth:`checker.nets.MLP.shapes` orders them), inputs ``X``
    (``m × d``), targets ``Y`` (``m × p``), an output cotangent ``G`` (``m × p``: a linear
    functional of the outputs), a hidden neuron ``(layer, index)`` and a test matrix ``C``
    (``n_h × n_h``) for matrix identities."""
    N = draw(_between(depth))
    widths = [draw(_between(in_dim))] + [draw(_between(width)) for _ in range(N - 1)] + [draw(_between(out_dim))]
    m = draw(_between(samples))
    params: list[Any] = []
    for h in range(N):
        params.append(draw(matrices(widths[h + 1], widths[h])))
        if bias:
            params.append(draw(vectors(widths[h + 1])))
    layer = draw(st.integers(1, N - 1))
    return {
        "widths": widths,
        "params": params,
        "X": draw(matrices(m, widths[0])),
        "Y": draw(matrices(m, widths[-1])),
        "G": draw(matrices(m, widths[-1])),
        "layer": layer,
        "neuron": draw(st.integers(0, widths[layer] - 1)),
        "C": draw(matrices(widths[layer], widths[layer])),
        "eta": draw(positive_rationals()),
    }


@st.composite
def conv_instances(draw: Any, d: Range | int = (2, 6), kernel: Range | int = (1, 3), samples: Range | int = (1, 3)) -> dict:
    """A 1-D convolution ``x ↦ Σ_j a_j φ((k ⋆ x)_j)``: kernel ``k``, output weights ``a``, data,
    targets and an output neuron ``j``."""
    dim = draw(_between(d))
    s = draw(st.integers(min(_lo(kernel), dim), min(_hi(kernel), dim)))
    m = draw(_between(samples))
    J = dim - s + 1
    return {
        "d": dim, "kernel": s,
        "params": [draw(vectors(s)), draw(vectors(J))],
        "X": draw(matrices(m, dim)), "Y": draw(matrices(m, 1)),
        "neuron": draw(st.integers(0, J - 1)),
    }


def _lo(r: Range | int) -> int:
    return r if isinstance(r, int) else r[0]


def _hi(r: Range | int) -> int:
    return r if isinstance(r, int) else r[1]


@st.composite
def factorisation_instances(draw: Any, d1: Range | int = (1, 4), d2: Range | int = (1, 4), rank: Range | int = (1, 3)) -> dict:
    """Matrix factorisation ``½‖UVᵀ − M⋆‖²``: exact ``U`` (``d1 × r``), ``V`` (``d2 × r``), ``M⋆``,
    a step ``eta`` and a test matrix ``C`` (``r × r``)."""
    a, b, r = draw(_between(d1)), draw(_between(d2)), draw(_between(rank))
    return {
        "U": draw(matrices(a, r)), "V": draw(matrices(b, r)), "M": draw(matrices(a, b)),
        "eta": draw(positive_rationals()), "C": draw(matrices(r, r)),
    }
