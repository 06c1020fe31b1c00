"""A numerical checker for theorems of deep-learning theory.

State a claim as a SymPy relation over the measured quantities of a system; the checker draws
instances with Hypothesis, measures each quantity as an enclosure (exact rational, rigorous ball
or estimate with its error), and returns a verdict: proved, certified, passed, inconclusive,
refuted (with a shrunk, replayable counterexample), vacuous or error.  From Python,
``checker.check(target)`` returns result objects with per-instance records.
"""
from .api import Result, check, conjecture, theorem
from .arith import Enclosure, Precision
from .quantities import Quantity, quantity
from .statements import Proof, Statement
from .systems import MeasurementError, System, system_family
from .verdicts import Verdict

__all__ = [
    "Enclosure", "MeasurementError", "Precision", "Proof", "Quantity", "Result", "Statement", "System", "Verdict",
    "check", "conjecture", "quantity", "system_family", "theorem",
]
