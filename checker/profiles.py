"""Check profiles: how hard one run looks (instances, precision ladder, budgets).

``quick`` is the test suite's profile, ``default`` the committed reports', ``thorough`` the long run's.
"""
from __future__ import annotations

from dataclasses import dataclass

from .arith import Precision


@dataclass(frozen=True)
class Profile:
    """How hard to look: instances per statement, precision ladder, time limits.

    ``escalations`` is how many times an undecided instance is re-measured at
    :meth:`Precision.escalated`; ``instance_seconds`` the time limit of one measurement;
    ``statement_seconds`` the budget after which the search of one statement stops drawing;
    ``shrink_seconds`` how long a found counterexample is shrunk (the smallest violating instance
    found by then is reported, with the largest violation reached).
    """

    name: str
    max_examples: int
    precision: Precision
    escalations: int
    instance_seconds: float
    statement_seconds: float
    shrink_seconds: float


PROFILES: dict[str, Profile] = {
    "quick": Profile("quick", 25, Precision(bits=128, rtol=1e-10), 2, 20.0, 40.0, 4.0),
    "default": Profile("default", 60, Precision(bits=128, rtol=1e-10), 2, 60.0, 120.0, 20.0),
    "thorough": Profile("thorough", 400, Precision(bits=128, rtol=1e-11), 3, 300.0, 1800.0, 300.0),
}


def profile(name: str) -> Profile:
    """The named profile; a ``ValueError`` lists the valid names."""
    try:
        return PROFILES[name]
    except KeyError:
        raise ValueError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}") from None
