"""The public way to state a theorem or a conjecture in a few lines.

``theorem(...)`` registers a statement for ``python -m checker list/check/report``.
``conjecture(...)`` does the same and also defines ``test_<id>`` in the calling module, so the
file that states it is a pytest file: ``pytest my_conjectures.py`` checks it (under the profile
named by the environment variable ``CHECKER_PROFILE``, default ``quick``).  A conjecture stated
with ``expect="fails"`` is a test that passes only when the checker refutes it.
"""
from __future__ import annotations

import inspect
import os
import re
from typing import Any, Callable

from .registry import register
from .search import run_statement
from .statements import Proof, Statement
from .systems import System
from .profiles import profile as get_profile


def theorem(id: str, *, system: System, conclusion: Any, title: str = "", source: str = "",
            hypotheses: Any = (), expect: str = "holds", proof: Callable[[], Proof] | None = None,
            notes: str = "", figures: tuple = (), origin: str | None = None) -> Statement:
    """Register a statement: ``conclusion`` (a SymPy relation or a string) over ``system``'s quantities."""
    if origin is None:
        origin = inspect.getmodule(inspect.stack()[1].frame).__name__
    stmt = Statement(id=id, title=title or id, source=source, system=system, conclusion=conclusion,
                     hypotheses=hypotheses, expect=expect, proof=proof, notes=notes,
                     figures=tuple(figures), origin=origin)
    return register(stmt)


def conjecture(id: str, *, system: System, conclusion: Any, source: str = "a conjecture",
               expect: str = "holds", hypotheses: Any = (), title: str = "", notes: str = "") -> Statement:
    """State a conjecture; registers it and defines the pytest test ``test_<id>`` beside it.

    Example (in any Python file)::

        from checker import conjecture
        from theorems.balance import mlp
        conjecture("tanh-balance", system=mlp(activation="tanh"),
                   conclusion="in_dot == out_dot", expect="fails")
    """
    frame = inspect.stack()[1].frame
    path = frame.f_globals.get("__file__", "<interactive>")
    stmt = theorem(id, system=system, conclusion=conclusion, title=title, source=source,
                   hypotheses=hypotheses, expect=expect, notes=notes, origin=os.path.relpath(path) if path.endswith(".py") else path)

    def test() -> None:
        result = run_statement(stmt, get_profile(os.environ.get("CHECKER_PROFILE", "quick")), seed=0)
        assert result.as_expected, (
            f"{stmt.id}: expected the claim to {'hold' if stmt.expect == 'holds' else 'be refuted'}, "
            f"verdict {result.verdict}: {result.message}"
            + (f"\n  replay: {result.reproduce}" if result.reproduce else "")
        )

    test.__name__ = "test_" + re.sub(r"\W", "_", id)
    test.__doc__ = f"{id}: {stmt.relation} (expect {expect})"
    frame.f_globals[test.__name__] = test
    return stmt
