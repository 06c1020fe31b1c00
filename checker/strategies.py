"""Hypothesis strategies for data, architectures and initialisations (THEOREMS.md §0.4).

Instances are JSON-serialisable: rationals are canonical strings ``"p/q"`` (|p| ≤ 9 and
1 ≤ q ≤ 7 by default), so every drawn instance is exact, shrinks toward small integers, and
replays bit for bit.  Each strategy takes its ranges as ``(low, high)`` pairs.

Boundary cases (issue 8, item 4) are mixed into the draws as a named ``case``, so pages can show
the mix: for networks, a ReLU kink (a zero pre-activation at the neuron checked, built exactly by
:func:`orthogonal_part`), a dead neuron (incoming weights 0: the extreme imbalance
``Q = −‖out‖²``), extreme imbalance (incoming ×1000, outgoing ÷1000), and tiny and huge scales
(every weight ×1/1000 or ×1000); for factorisations, the same scales and imbalance on (U, V).
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


#: Boundary cases of network instances; "generic" twice, so that half of the draws stay generic.
NETWORK_CASES = ("generic", "generic", "kink", "dead neuron", "imbalanced", "tiny", "huge")
FACTORISATION_CASES = ("generic", "generic", "imbalanced", "tiny", "huge")
_SCALES = {"tiny": (Fraction(1, 1000), Fraction(1, 1000)), "huge": (Fraction(1000), Fraction(1000)),
           "imbalanced": (Fraction(1000), Fraction(1, 1000))}


def _scaled(rows: Any, factor: Fraction) -> Any:
    if isinstance(rows, list):
        return [_scaled(r, factor) for r in rows]
    return rational_str(Fraction(rows) * factor)


def orthogonal_part(row: list[str], a: list[Any]) -> list[str]:
    """``row − (⟨row, a⟩/⟨a, a⟩)·a`` in exact rationals: a row whose pre-activation on the input
    ``a`` is exactly 0 (``row`` itself when ``a = 0``)."""
    r, v = [Fraction(x) for x in row], [Fraction(str(x)) for x in a]
    vv = sum(x * x for x in v)
    if vv == 0:
        return list(row)
    c = sum(x * y for x, y in zip(r, v)) / vv
    return [rational_str(x - c * y) for x, y in zip(r, v)]


@st.composite
def mlp_instances(draw: Any, depth: Range | int = (2, 4), width: Range | int = (1, 6), in_dim: Range | int = (1, 6),
                  out_dim: Range | int = (1, 2), samples: Range | int = (1, 4), bias: bool = False,
                  cases: tuple[str, ...] = ("generic",)) -> dict:
    """A multilayer network with data: ``widths`` (``d = n_0, …, n_N = p``), exact weights
    ``params`` (``[W1, (b1), …]`` as :meth:`checker.nets.MLP.shapes` orders them), inputs ``X``
    (``m × d``), targets ``Y`` (``m × p``), an output cotangent ``G`` (``m × p``: a linear
    functional of the outputs), a hidden neuron ``(layer, index)``, a test matrix ``C``
    (``n_h × n_h``) for matrix identities and a ``case`` drawn from ``cases``
    (:data:`NETWORK_CASES`).  The scale cases and the dead neuron are applied here; a "kink"
    needs the activations, so the caller applies :func:`orthogonal_part` to the neuron's row."""
    N = draw(_between(depth))
    widths = [draw(_between(in_dim))] + [draw(_between(width)) for _ in range(N - 1)] + [draw(_between(out_dim))]
    m = draw(_between(samples))
    params: list[Any] = []
    for h in range(N):
        params.append(draw(matrices(widths[h + 1], widths[h])))
        if bias:
            params.append(draw(vectors(widths[h + 1])))
    layer = draw(st.integers(1, N - 1))
    neuron = draw(st.integers(0, widths[layer] - 1))
    case = draw(st.sampled_from(cases))
    step = 2 if bias else 1
    if case in _SCALES:
        c_in, c_out = _SCALES[case]
        params = [_scaled(p, c_out if case == "imbalanced" and k >= layer * step else c_in) for k, p in enumerate(params)]
    elif case == "dead neuron":
        params[(layer - 1) * step][neuron] = ["0"] * widths[layer - 1]
    return {
        "widths": widths,
        "params": params,
        "case": case,
        "X": draw(matrices(m, widths[0])),
        "Y": draw(matrices(m, widths[-1])),
        "G": draw(matrices(m, widths[-1])),
        "layer": layer,
        "neuron": neuron,
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
def factorisation_instances(draw: Any, d1: Range | int = (1, 4), d2: Range | int = (1, 4), rank: Range | int = (1, 3),
                            cases: tuple[str, ...] = ("generic",)) -> dict:
    """Matrix factorisation ``½‖UVᵀ − M⋆‖²``: exact ``U`` (``d1 × r``), ``V`` (``d2 × r``), ``M⋆``,
    a step ``eta``, a test matrix ``C`` (``r × r``) and a ``case`` from ``cases``
    (:data:`FACTORISATION_CASES`: U and V ×1/1000, ×1000, or U ×1000 and V ÷1000)."""
    a, b, r = draw(_between(d1)), draw(_between(d2)), draw(_between(rank))
    U, V, case = draw(matrices(a, r)), draw(matrices(b, r)), draw(st.sampled_from(cases))
    if case in _SCALES:
        U, V = _scaled(U, _SCALES[case][0]), _scaled(V, _SCALES[case][1])
    return {
        "U": U, "V": V, "M": draw(matrices(a, b)), "case": case,
        "eta": draw(positive_rationals()), "C": draw(matrices(r, r)),
    }
