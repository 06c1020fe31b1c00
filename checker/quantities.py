"""Quantities: the measured symbols a statement is written in, as first-class objects.

A :class:`Quantity` is a symbol name with

* ``description`` — one line of mathematics, shown by ``python -m checker systems`` and on pages;
* ``latex`` — its display name (``\\tilde\\gamma``, ``\\lVert\\theta\\rVert``); pages and statements
  render this instead of the identifier;
* ``error`` — its error model, the strongest evidence it can carry: ``exact`` (rational
  arithmetic), ``ball`` (rigorous arb enclosure), or ``estimate`` (a float measurement whose
  radius is an estimated error, e.g. an integrator's);
* ``measure`` — optionally, the one function that measures it.  For a system's ordinary
  ``quantities`` it is ``measure(instance, precision) -> Enclosure`` (what
  :meth:`checker.System.with_quantity` calls); for ``trajectory_quantities`` it is the family's
  per-rung function, whose arguments the family's ``trajectory`` defines (the engine never calls it).

Systems declare their quantities as a mapping ``name -> Quantity`` (a plain description string is
still accepted and becomes a quantity without a display name).  ``quantity(...)`` builds one.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Mapping

ERROR_MODELS = ("exact", "ball", "estimate")


@dataclass(frozen=True)
class Quantity:
    """A measured symbol: its name, description, LaTeX display name, error model and measurement."""

    name: str
    description: str
    latex: str = ""
    error: str = "ball"
    measure: Callable[..., Any] | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ValueError(f"quantity name {self.name!r} must be a Python identifier (it is a SymPy symbol)")
        if self.error not in ERROR_MODELS:
            raise ValueError(f"quantity {self.name}: error model {self.error!r} is not one of {', '.join(ERROR_MODELS)}")

    @property
    def display(self) -> str:
        """The LaTeX display name (the identifier in ``\\mathrm`` when none was given)."""
        return self.latex or r"\mathrm{" + self.name.replace("_", r"\_") + "}"

    def __str__(self) -> str:  # documentation tables print quantities next to their names
        return self.description


def quantity(name: str, description: str, latex: str = "", error: str = "ball",
             measure: Callable[..., Any] | None = None) -> Quantity:
    """A :class:`Quantity` (the documented way to declare one)."""
    return Quantity(name, description, latex, error, measure)


def as_quantities(table: Mapping[str, "Quantity | str"]) -> dict[str, Quantity]:
    """``table`` with every plain description turned into a :class:`Quantity` of the same name;
    a Quantity filed under another name is an error (the name is the symbol)."""
    out: dict[str, Quantity] = {}
    for name, spec in table.items():
        if isinstance(spec, Quantity):
            if spec.name != name:
                raise ValueError(f"quantity {spec.name!r} is filed under the name {name!r}")
            out[name] = spec
        elif isinstance(spec, str):
            out[name] = Quantity(name, spec)
        else:
            raise TypeError(f"quantity {name!r}: expected a Quantity or a description string, got {type(spec).__name__}")
    return out


def latex_names(*tables: Mapping[str, Quantity]) -> dict[str, str]:
    """``name -> LaTeX display name`` for every quantity with one (for ``sympy.latex(symbol_names=…)``)."""
    return {name: q.latex for table in tables for name, q in table.items() if q.latex}
