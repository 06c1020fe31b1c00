"""Systems: families of instances plus the functions that measure named quantities on them.

A :class:`System` is what a statement is *about*.  It holds

* a Hypothesis strategy drawing JSON-serialisable instances (dicts of rationals, ints, strings),
* ``quantities``: the symbols a statement may use, each a :class:`checker.quantities.Quantity`
  (description, LaTeX display name, error model; a plain description string is accepted),
* ``measure(instance, precision, names)``: a dict ``name -> Enclosure`` for the requested names,
* ``scope(instance, precision)``: ``None`` when the instance satisfies the system's hypotheses,
  otherwise the reason it does not (the instance is then *hypotheses-unsatisfied*).

Systems whose quantities rest on trajectories may also carry

* ``trajectory(instance, precision, names)``: a :class:`checker.limits.Ladder` holding the requested
  ``trajectory_quantities`` at a geometric ladder of horizons ``H_0 < H_1 < …``; a statement's
  ``limit(EXPR)`` is judged from EXPR on that ladder.  ``precision.level`` (0, 1, 2, …) is the
  escalation level: a system lengthens its horizon with it, so an undecided limit is re-judged on
  a longer ladder;
* ``trajectory_quantities``: the symbols usable inside ``limit(...)``, each with a description;
* ``features(instance)``: the instance mix shown on pages and in statistics (depth, dimension,
  activation, structured case, …), JSON-serialisable;
* ``dynamical``: True when the quantities rest on trajectories (THEOREMS.md §0.2(c)): a refutation
  resting only on float estimates of such a system is reported with evidence ``estimate``.

Systems are built by *families*, functions registered with :func:`system_family`, whose keyword
arguments are the system's parameters (``python -m checker systems`` lists them).
"""
from __future__ import annotations

import inspect
from dataclasses import dataclass, field, replace
from typing import Any, Callable, Mapping

from hypothesis.strategies import SearchStrategy

from .arith import Enclosure, Precision
from .limits import Ladder
from .quantities import Quantity, as_quantities, latex_names

Instance = dict[str, Any]
Measure = Callable[[Instance, Precision, frozenset[str]], Mapping[str, Enclosure]]
Scope = Callable[[Instance, Precision], "str | None"]
Trajectory = Callable[[Instance, Precision, frozenset[str]], Ladder]
Features = Callable[[Instance], Mapping[str, Any]]


class MeasurementError(ArithmeticError):
    """A measurement broke (NaN, overflow, a solver failure); the message names the quantity."""


def _always_in_scope(instance: Instance, precision: Precision) -> None:
    return None


@dataclass(frozen=True)
class System:
    """A family of instances and the quantities measured on each (see the module docstring)."""

    name: str
    description: str
    quantities: Mapping[str, Quantity | str]
    strategy: SearchStrategy
    measure: Measure
    scope: Scope = _always_in_scope
    hypotheses: tuple[str, ...] = ()
    parameters: Mapping[str, Any] = field(default_factory=dict)
    trajectory: Trajectory | None = None
    trajectory_quantities: Mapping[str, Quantity | str] = field(default_factory=dict)
    features: Features | None = None
    dynamical: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "quantities", as_quantities(self.quantities))
        object.__setattr__(self, "trajectory_quantities", as_quantities(self.trajectory_quantities))
        if self.trajectory_quantities and self.trajectory is None:
            raise ValueError(f"system {self.name} names trajectory quantities but has no trajectory function")

    def check_names(self, names: set[str], where: str) -> None:
        """Raise a ``ValueError`` naming every symbol of ``where`` that is not a quantity here."""
        unknown = sorted(set(names) - set(self.quantities))
        if unknown:
            raise ValueError(
                f"{where}: unknown quantity {', '.join(map(repr, unknown))} for system {self.name}; "
                f"its quantities are {', '.join(sorted(self.quantities))} "
                f"(`python -m checker systems` documents them)"
            )

    def measured(self, instance: Instance, precision: Precision, names: set[str]) -> dict[str, Enclosure]:
        """The requested quantities, checked to be present and to be enclosures."""
        values = dict(self.measure(instance, precision, frozenset(names)))
        missing = sorted(set(names) - set(values))
        if missing:
            raise MeasurementError(f"system {self.name} did not measure {', '.join(missing)}")
        for name in names:
            if not isinstance(values[name], Enclosure):
                raise MeasurementError(f"quantity {name} of {self.name} is not an Enclosure: {values[name]!r}")
        return values

    def ladder(self, instance: Instance, precision: Precision, names: set[str]) -> Ladder:
        """The requested trajectory quantities along the ladder, checked: present, one enclosure per
        horizon, horizons strictly increasing."""
        if self.trajectory is None:
            raise MeasurementError(f"system {self.name} measures no trajectory")
        ladder = self.trajectory(instance, precision, frozenset(names))
        if not isinstance(ladder, Ladder):
            raise MeasurementError(f"trajectory of {self.name} is not a Ladder: {ladder!r}")
        h = list(ladder.horizons)
        if any(b <= a for a, b in zip(h, h[1:])):
            raise MeasurementError(f"trajectory of {self.name}: horizons {h} are not increasing")
        missing = sorted(set(names) - set(ladder.values))
        if missing:
            raise MeasurementError(f"trajectory of {self.name} did not measure {', '.join(missing)}")
        for name in names:
            column = ladder.values[name]
            if len(column) != len(h) or not all(isinstance(v, Enclosure) for v in column):
                raise MeasurementError(f"trajectory quantity {name} of {self.name} is not one Enclosure per horizon")
        return ladder

    def latex_names(self) -> dict[str, str]:
        """``symbol name -> LaTeX display name`` of every quantity that has one."""
        return latex_names(self.quantities, self.trajectory_quantities)

    def with_quantity(self, q: Quantity) -> "System":
        """This system with one more quantity, measured by ``q.measure(instance, precision)``
        (an :class:`~checker.arith.Enclosure`); every other quantity is measured as before.

        The documented way to add a quantity to an existing system::

            system = mlp().with_quantity(quantity("w1_norm_sq", "‖W^(1)‖_F²", r"\lVert W^{(1)}\rVert_F^2",
                                                  "exact", measure=lambda inst, prec: ...))
        """
        if not isinstance(q, Quantity) or q.measure is None:
            raise TypeError("with_quantity needs a checker.quantity(...) with a measure function")
        if q.name in self.quantities:
            raise ValueError(f"system {self.name} already has a quantity {q.name!r}; choose another name")
        base = self.measure

        def measure(instance: Instance, precision: Precision, names: frozenset[str]) -> dict[str, Enclosure]:
            out = dict(base(instance, precision, names - {q.name})) if names - {q.name} else {}
            if q.name in names:
                out[q.name] = q.measure(instance, precision)
            return out

        return replace(self, name=f"{self.name}+{q.name}", quantities={**self.quantities, q.name: q}, measure=measure)

    def features_of(self, instance: Instance) -> dict[str, Any]:
        """The instance's features (empty when the system declares none)."""
        return {} if self.features is None else dict(self.features(instance))


@dataclass(frozen=True)
class SystemFamily:
    """A registered system constructor: its name, documentation, parameters and quantity symbols."""

    name: str
    build: Callable[..., System]
    doc: str
    quantities: Mapping[str, Quantity | str]

    def parameters(self) -> dict[str, str]:
        sig = inspect.signature(self.build)
        return {
            p.name: ("required" if p.default is inspect.Parameter.empty else repr(p.default))
            for p in sig.parameters.values()
        }


_FAMILIES: dict[str, SystemFamily] = {}


def system_family(quantities: Mapping[str, Quantity | str]) -> Callable[[Callable[..., System]], Callable[..., System]]:
    """Register a system constructor; ``quantities`` documents the symbols its systems measure."""

    def register(build: Callable[..., System]) -> Callable[..., System]:
        name = f"{build.__module__}.{build.__name__}"
        _FAMILIES[name] = SystemFamily(name, build, inspect.getdoc(build) or "", dict(quantities))
        return build

    return register


def families() -> dict[str, SystemFamily]:
    """Every registered system family by qualified name."""
    return dict(_FAMILIES)
