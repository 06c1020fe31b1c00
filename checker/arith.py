"""Number back ends and enclosures.

Every measured quantity is an :class:`Enclosure`: a value together with what is known about its
error.  Three kinds exist, ordered by the strength of the evidence they carry:

``exact``
    an exact rational (python-flint ``fmpq``); the error is zero.
``ball``
    a python-flint ``arb`` ball; the true value lies in ``[mid - rad, mid + rad]`` rigorously.
``estimate``
    a float64 (or higher-precision) value with an *estimated* error radius, e.g. an ODE
    integrator's own error estimate.  Arithmetic on it is done in balls, but the result is only
    ever as good as the estimate.

Precision is always a parameter (:class:`Precision`), never a constant inside a function.
"""
from __future__ import annotations

import contextlib
import math
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Iterator

import flint
import numpy as np
from flint import arb, fmpq, fmpz

KINDS = ("estimate", "ball", "exact")  # weakest first


@dataclass(frozen=True)
class Precision:
    """The working precision of one measurement.

    ``bits`` is the ball-arithmetic precision; ``rtol`` the relative tolerance requested from
    adaptive integrators; ``level`` counts escalations (0 = the profile's first attempt).
    """

    bits: int = 128
    rtol: float = 1e-10
    level: int = 0

    def escalated(self) -> "Precision":
        """The next precision on the ladder: four times the bits, a thousandth of the tolerance."""
        return Precision(bits=self.bits * 4, rtol=max(self.rtol * 1e-3, 1e-15), level=self.level + 1)


@contextlib.contextmanager
def working_precision(bits: int) -> Iterator[None]:
    """Run a block with python-flint's ball precision set to ``bits`` (restored afterwards)."""
    old = flint.ctx.prec
    flint.ctx.prec = bits
    try:
        yield
    finally:
        flint.ctx.prec = old


def rational(x: Any) -> fmpq:
    """An exact rational from an int, Fraction, fmpq, SymPy Rational or a string ``"p/q"``.

    Floats are converted exactly (their binary value), never rounded to a nearby fraction.
    """
    if isinstance(x, fmpq):
        return x
    if isinstance(x, (bool, np.bool_)):
        raise TypeError(f"cannot read a boolean as a rational: {x!r}")
    if isinstance(x, (int, np.integer, fmpz)):
        return fmpq(int(x))
    if isinstance(x, Fraction):
        return fmpq(x.numerator, x.denominator)
    if isinstance(x, str):
        f = Fraction(x.strip())
        return fmpq(f.numerator, f.denominator)
    if isinstance(x, (float, np.floating)):
        if not math.isfinite(float(x)):
            raise ValueError(f"not a finite number: {x!r}")
        f = Fraction(float(x))
        return fmpq(f.numerator, f.denominator)
    if hasattr(x, "p") and hasattr(x, "q"):  # sympy.Rational / Integer
        return fmpq(int(x.p), int(x.q))
    raise TypeError(f"cannot read {x!r} ({type(x).__name__}) as an exact rational")


def rational_root(q: fmpq, n: int) -> fmpq | None:
    """The exact ``n``-th root of a rational ``q ≥ 0`` when it is rational, else None."""
    if q < 0:
        return None
    num, den = fmpz(q.p).root(n), fmpz(q.q).root(n)
    return fmpq(num, den) if num ** n == q.p and den ** n == q.q else None


def rational_power(q: fmpq, num: int, den: int, bits: int) -> "fmpq | arb":
    """``q^{num/den}`` for ``q > 0``: exact when the ``den``-th root is rational, else a ball at ``bits``."""
    root = rational_root(q, den)
    if root is not None:
        return root ** num
    with working_precision(bits):
        return arb(q).root(den) ** num


def rational_str(q: Any) -> str:
    """The canonical JSON form of an exact rational: ``"p/q"`` or ``"p"``."""
    q = rational(q)
    return str(q.p) if q.q == 1 else f"{q.p}/{q.q}"


def rational_array(rows: Any) -> np.ndarray:
    """An object array of ``fmpq`` from nested lists of rationals (strings, ints, Fractions)."""
    arr = np.asarray(rows, dtype=object)
    out = np.empty(arr.shape, dtype=object)
    for idx in np.ndindex(arr.shape):
        out[idx] = rational(arr[idx])
    return out


def ball_array(rows: Any, bits: int) -> np.ndarray:
    """An object array of ``arb`` balls holding the exact values of ``rows`` at ``bits`` precision."""
    exact = rational_array(rows)
    out = np.empty(exact.shape, dtype=object)
    with working_precision(bits):
        for idx in np.ndindex(exact.shape):
            out[idx] = arb(exact[idx])
    return out


def float_array(rows: Any) -> np.ndarray:
    """A float64 array from nested lists of rationals (rounded to nearest)."""
    exact = rational_array(rows)
    return np.vectorize(lambda q: int(q.p) / int(q.q), otypes=[float])(exact) if exact.size else np.zeros(exact.shape)


def to_jsonable(arr: Any) -> Any:
    """Nested lists of canonical rational strings (exact) or floats, for instances and reports."""
    if isinstance(arr, np.ndarray):
        return [to_jsonable(a) for a in arr] if arr.ndim else to_jsonable(arr.item())
    if isinstance(arr, (list, tuple)):
        return [to_jsonable(a) for a in arr]
    if isinstance(arr, (fmpq, fmpz, Fraction, int, np.integer)) and not isinstance(arr, bool):
        return rational_str(arr)
    if isinstance(arr, (float, np.floating)):
        return float(arr)
    return arr


def decimal_str(x: arb, digits: int) -> str:
    """The exact point ``x`` (an arb midpoint or radius) in decimal to ``digits`` significant digits:
    float64's ``g`` format inside its range, arb's own decimal outside it (underflow to 0, overflow)."""
    f = float(x)
    if (f == 0 and not x.is_zero()) or not math.isfinite(f):
        return x.str(digits, radius=False)
    return f"{f:.{digits}g}"


@dataclass(frozen=True)
class Enclosure:
    """A measured value with its error: ``exact`` (fmpq), ``ball`` (arb) or ``estimate``.

    ``value`` is an ``fmpq`` for exact enclosures and an ``arb`` otherwise (for estimates the
    ball's radius is the estimated error).  ``note`` says where the error bound comes from.

    ``budget`` (estimates only) is the error the estimate was required to stay within, stated a
    priori by whoever measured it: an integrator's tolerance propagated over the horizon, a float
    fallback's rounding bound ``1e-12·(1 + |lhs| + |rhs|)·#terms`` (THEOREMS.md §0.2(a)), a limit
    judge's error shown to shrink along the ladder.  An identity over estimates holds only within
    a stated budget (:func:`checker.verdicts.classify`).
    """

    value: Any
    kind: str
    note: str = ""
    budget: float | None = None

    @staticmethod
    def exact(q: Any, note: str = "exact rational") -> "Enclosure":
        return Enclosure(rational(q), "exact", note)

    @staticmethod
    def ball(a: arb, note: str = "ball arithmetic") -> "Enclosure":
        if not isinstance(a, arb):
            raise TypeError(f"Enclosure.ball needs an arb, got {type(a).__name__}")
        if not a.is_finite():
            raise ArithmeticError(f"non-finite ball {a}")
        return Enclosure(a, "ball", note)

    @staticmethod
    def estimate(value: float, error: float, note: str = "estimated error", budget: float | None = None) -> "Enclosure":
        value, error = float(value), float(error)
        if not (math.isfinite(value) and math.isfinite(error)):
            raise ArithmeticError(f"non-finite estimate {value} ± {error}")
        if budget is not None and not (math.isfinite(budget) and budget >= 0):
            raise ValueError(f"an error budget is a finite non-negative number, got {budget!r}")
        return Enclosure(arb(value, abs(error)), "estimate", note, budget)

    def as_ball(self) -> arb:
        return arb(self.value) if self.kind == "exact" else self.value

    @property
    def mid(self) -> float:
        if self.kind == "exact":
            return int(self.value.p) / int(self.value.q)
        return float(self.value.mid())

    @property
    def radius(self) -> float:
        return 0.0 if self.kind == "exact" else float(self.value.rad())

    @property
    def mid_str(self) -> str:
        """The midpoint to 6 significant digits (see :func:`decimal_str`)."""
        if self.kind == "exact" and self.value.q < 10**6:
            return rational_str(self.value)
        return decimal_str(self.as_ball().mid(), 6)

    @property
    def radius_str(self) -> str:
        """The radius to 2 significant digits: ``2e-614`` stays ``2e-614`` where a float64 prints 0."""
        return "0" if self.kind == "exact" else decimal_str(self.value.rad(), 2)

    def to_json(self) -> dict:
        out = {"kind": self.kind, "value": self.mid, "radius": self.radius, "radius_str": self.radius_str}
        if self.budget is not None:
            out["budget"] = self.budget
        if self.kind == "exact":
            out["exact"] = rational_str(self.value)
        if self.note:
            out["note"] = self.note
        return out

    def __str__(self) -> str:
        if self.kind == "exact":
            return self.mid_str if self.value.q < 10**6 else f"{self.mid_str} (exact)"
        return f"{self.mid_str} ± {self.radius_str} ({self.kind})"


def certain_sign(x: Any) -> int:
    """The sign of an exact number, a float or a ball that excludes 0 (an exact zero ball has sign 0);
    ``ArithmeticError`` when a ball contains 0 but is not 0 (more precision may decide it)."""
    if x > 0:
        return 1
    if x < 0:
        return -1
    if x == 0:
        return 0
    raise ArithmeticError(f"the sign of {x} is not decided at this precision")


def weakest(kinds: list[str]) -> str:
    """The weakest evidence kind among ``kinds`` (an expression is only as good as its worst input)."""
    return min(kinds, key=KINDS.index) if kinds else "exact"
