"""Quantities as objects (display names, error models), System.with_quantity, and shared caches."""
import numpy as np
import pytest
from flint import fmpq
from hypothesis import strategies as st

from checker import Enclosure, Precision, Statement, System
from checker.cache import shared
from checker.quantities import Quantity, as_quantities, quantity


def _system() -> System:
    def measure(inst, prec, names):
        return {"x": Enclosure.exact(inst["x"])}

    return System("toy", "one rational", {"x": quantity("x", "the drawn rational", r"\xi", "exact")},
                  st.fixed_dictionaries({"x": st.sampled_from(["1/2", "2"])}), measure)


def test_plain_descriptions_become_quantities_and_names_must_agree():
    table = as_quantities({"a": "first", "b": quantity("b", "second", r"\beta")})
    assert table["a"] == Quantity("a", "first") and table["b"].display == r"\beta"
    assert table["a"].display == r"\mathrm{a}"
    with pytest.raises(ValueError, match="filed under"):
        as_quantities({"c": quantity("b", "second")})
    with pytest.raises(ValueError, match="error model"):
        quantity("d", "bad", error="guess")


def test_statements_render_quantities_by_their_display_names():
    stmt = Statement("TOY-LATEX", "toy", "a test", _system(), "x**2 >= 0")
    assert r"\xi" in stmt.latex() and "x^" not in stmt.latex()


def test_with_quantity_adds_one_measured_symbol_and_refuses_a_clash():
    sys2 = _system().with_quantity(quantity("x2", "x squared", r"\xi^2", "exact",
                                            measure=lambda inst, prec: Enclosure.exact(fmpq(1, 4) if inst["x"] == "1/2" else 4)))
    values = sys2.measured({"x": "1/2"}, Precision(), {"x", "x2"})
    assert values["x2"].value == fmpq(1, 4) and values["x"].value == fmpq(1, 2)
    assert sys2.latex_names()["x2"] == r"\xi^2"
    with pytest.raises(ValueError, match="already has"):
        sys2.with_quantity(quantity("x", "again", measure=lambda i, p: Enclosure.exact(0)))
    with pytest.raises(TypeError, match="measure function"):
        sys2.with_quantity(quantity("y", "no measure"))


def test_shared_cache_keys_on_canonical_arguments():
    calls = []

    @shared(maxsize=2)
    def build(instance, rtol):
        calls.append(1)
        return len(instance["w"])

    assert build({"w": ["1", "2"], "s": 1}, 1e-3) == build({"s": 1, "w": ["1", "2"]}, 1e-3) == 2
    assert len(calls) == 1
    build({"w": np.array([1.0])}, 1e-3)
    build({"w": np.array([2.0])}, 1e-3)
    build({"w": ["1", "2"], "s": 1}, 1e-3)  # evicted (maxsize 2): built again
    assert len(calls) == 4


def test_compound_display_names_are_bracketed():
    import sympy

    from checker.statements import render_latex

    beta, cross = sympy.symbols("beta cross")
    shown = render_latex(2 * beta * cross, {"beta": r"\beta", "cross": r"\langle W_1, V_1\rangle - \langle W_2, V_2\rangle"})
    assert shown == r"2 \beta \left(\langle W_1, V_1\rangle - \langle W_2, V_2\rangle\right)"
    assert render_latex(cross**2, {"cross": r"\lVert \theta\rVert_{2}"}) == r"\lVert \theta\rVert_{2}^{2}"
