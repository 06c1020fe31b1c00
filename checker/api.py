"""The public way to state a theorem or a conjecture in a few lines, and to check it from Python.

``theorem(...)`` registers a statement for ``python -m checker list/check/report``.

``conjecture(...)`` does the same and, called at module level, also defines ``test_<id>`` in the
calling module, so the file that states it is a pytest file; called inside a test function (for
example one under ``pytest.mark.parametrize``) it checks the conjecture right away, so each
parameter cell is one test.  A conjecture stated with ``expect="fails"`` is an expected failure
with xfail-strict semantics: *xfailed* when the checker refutes it, a failure otherwise.  The
profile and seed come from the pytest plugin (:mod:`checker.pytest_plugin`: ``--checker-profile``,
``--checker-seed``, else pytest's ``--hypothesis-seed``, else a drawn seed it prints).

``check(target, profile=..., seed=...)`` returns :class:`Result` objects for notebooks: every field
of the statement's result, its per-instance ``records``, ``.table()`` and ``.plot(x, y)``.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from typing import Any, Callable, Mapping

from . import registry, runner
from .profiles import Profile, profile as get_profile
from .registry import register
from .search import StatementResult, run_statement
from .statements import Proof, Statement
from .systems import System
from .verdicts import Verdict


def theorem(id: str, *, system: System, conclusion: Any, title: str = "", source: str = "",
            hypotheses: Any = (), expect: str = "holds", proof: Callable[[], Proof] | None = None,
            notes: str = "", figures: tuple = (), origin: str | None = None, witness_family: str = "") -> Statement:
    """Register a statement: ``conclusion`` (a SymPy relation or a string) over ``system``'s quantities.

    ``figures`` are callables ``f(path) -> caption`` drawing a PNG at ``path`` for the report page;
    ``witness_family`` (non-empty) says which hand-built family of instances refutes a mutated claim
    when the open search does not (pages and index label the row so)."""
    if origin is None:
        origin = sys._getframe(1).f_globals["__name__"]  # inspect.stack() reads every frame's source: seconds
    stmt = Statement(id=id, title=title or id, source=source, system=system, conclusion=conclusion,
                     hypotheses=hypotheses, expect=expect, proof=proof, notes=notes,
                     figures=tuple(figures), origin=origin, witness_family=witness_family)
    return register(stmt)


@dataclass
class TestSettings:
    """The profile and seed conjecture tests run with (set by the pytest plugin)."""

    profile: Profile
    seed: int


TEST_SETTINGS = TestSettings(get_profile(os.environ.get("CHECKER_PROFILE", "quick")), 0)
#: Every conjecture result checked by a test in this process, in order (the plugin's statistics).
CHECKED: list[StatementResult] = []


class ConjectureFailure(AssertionError):
    """A conjecture's verdict is not the expected one; the message starts with the conjecture's line."""


class Refuted(ConjectureFailure):
    """The checker refuted the conjecture (the expected failure of an ``expect="fails"`` conjecture)."""


def _verify(stmt: Statement, where: str) -> StatementResult:
    """Check ``stmt`` under :data:`TEST_SETTINGS`; raise :class:`Refuted` when it is refuted and
    :class:`ConjectureFailure` for any other verdict that is not proved, certified or passed."""
    __tracebackhide__ = True
    res = run_statement(stmt, TEST_SETTINGS.profile, TEST_SETTINGS.seed)
    CHECKED.append(res)
    if res.verdict in (Verdict.PROVED, Verdict.CERTIFIED, Verdict.PASSED):
        return res
    kind = Refuted if res.verdict is Verdict.REFUTED else ConjectureFailure
    expected = "be refuted" if stmt.expect == "fails" else "hold"
    raise kind(f"{where}: conjecture {stmt.id!r} (expected to {expected}): verdict {res.verdict}: {res.message}"
               + (f"\n  replay: {res.reproduce}" if res.reproduce else "")
               + f"\n  profile {TEST_SETTINGS.profile.name}, seed {TEST_SETTINGS.seed} "
                 f"(rerun with --checker-seed {TEST_SETTINGS.seed})")


def conjecture(id: str, *, system: System, conclusion: Any, source: str = "a conjecture",
               expect: str = "holds", hypotheses: Any = (), title: str = "", notes: str = "",
               figures: tuple = ()) -> Statement:
    """State a conjecture and register it; at module level define its pytest test ``test_<id>``,
    inside a function check it now (see the module docstring).

    Example (in any Python file)::

        from checker import conjecture
        from theorems.balance import mlp
        conjecture("tanh-balance", system=mlp(activations=("tanh",)),
                   conclusion="in_dot == out_dot", expect="fails")

    ``figures`` are callables ``f(path) -> caption`` for the report page; without any, a report
    draws the margin distribution and the worst instance.
    """
    frame = sys._getframe(1)
    path = frame.f_globals.get("__file__", "<interactive>")
    origin = os.path.relpath(path) if path.endswith(".py") else path
    where = f"{origin}:{frame.f_lineno}"
    stmt = theorem(id, system=system, conclusion=conclusion, title=title, source=source,
                   hypotheses=hypotheses, expect=expect, notes=notes, figures=figures, origin=origin)
    if frame.f_code.co_name != "<module>":  # inside a test: one check per call (per parameter cell)
        _check_now(stmt, where)
        return stmt

    def test() -> None:
        __tracebackhide__ = True
        _verify(stmt, where)

    import pytest

    test.__name__ = "test_" + re.sub(r"\W", "_", id)
    test.__doc__ = f"{id}: {stmt.relation} (expect {expect})"
    test.pytestmark = [pytest.mark.checker] + (
        [pytest.mark.xfail(strict=True, raises=Refuted, reason=f"{id} is expected to be refuted")]
        if expect == "fails" else [])
    frame.f_globals[test.__name__] = test
    return stmt


def _check_now(stmt: Statement, where: str) -> None:
    """A conjecture inside a running test: refuted as expected is ``pytest.xfail``; not refuted
    although expected to be is a failure (xfail-strict)."""
    __tracebackhide__ = True
    import pytest

    if stmt.expect == "holds":
        _verify(stmt, where)
        return
    try:
        res = _verify(stmt, where)
    except Refuted as exc:
        pytest.xfail(str(exc))
    raise ConjectureFailure(f"{where}: conjecture {stmt.id!r} was expected to be refuted, verdict {res.verdict} "
                            f"(xfail strict)")


def _mid(x: Any) -> float | None:
    """The midpoint of a record's value: ``[mid, rad, kind]``, ``{"mid": …}`` or a number."""
    if isinstance(x, (list, tuple)):
        return _mid(x[0]) if x else None
    if isinstance(x, dict):
        return _mid(x.get("mid"))
    return None if x is None else float(x)


class Result:
    """One checked statement for notebooks: the :class:`~checker.search.StatementResult`'s fields
    (``verdict``, ``worst_margin``, ``counterexample``, …), its per-instance ``records``,
    :meth:`table` and :meth:`plot`."""

    def __init__(self, result: StatementResult):
        self.result = result

    def __getattr__(self, name: str) -> Any:
        return getattr(self.result, name)

    def __repr__(self) -> str:
        r = self.result
        return f"<{r.id}: {r.verdict} on {r.in_scope}/{r.instances} in scope, worst margin {r.worst_margin}>"

    @property
    def records(self) -> list[dict]:
        return list(getattr(self.result, "records", None) or [])

    def table(self) -> list[dict[str, Any]]:
        """One flat row per instance: outcome, margin, evidence, reason, the features of the
        instance and the midpoint of every measured value (``pandas.DataFrame(result.table())``)."""
        return [{"outcome": rec.get("outcome"), "margin": _mid(rec.get("margin")), "evidence": rec.get("evidence"),
                 "reason": rec.get("reason"), **(rec.get("features") or {}),
                 **{k: _mid(v) for k, v in (rec.get("values") or {}).items()}} for rec in self.records]

    def plot(self, x: str, y: str, ax: Any = None) -> Any:
        """Scatter ``y`` against ``x`` (columns of :meth:`table`) over the instances, one colour
        per outcome, axes labelled by the quantities' display names; returns the matplotlib axes."""
        import matplotlib.pyplot as plt

        rows = self.table()
        if rows and (x not in rows[0] or y not in rows[0]):
            raise KeyError(f"plot({x!r}, {y!r}): the columns are {', '.join(rows[0])}")
        ax = ax or plt.figure(figsize=(5, 3.5)).add_subplot()
        for outcome in sorted({r["outcome"] for r in rows}):
            pts = [(r[x], r[y]) for r in rows if r["outcome"] == outcome and r[x] is not None and r[y] is not None]
            ax.scatter([p[0] for p in pts], [p[1] for p in pts], s=12, label=outcome)
        stmt = registry.statements().get(self.result.id)
        names = stmt.system.latex_names() if stmt is not None else {}
        ax.set_xlabel(mathtext_label(x, names.get(x, "")))
        ax.set_ylabel(mathtext_label(y, names.get(y, "")))
        ax.set_title(f"{self.result.id}: {self.result.verdict}")
        if rows:
            ax.legend(fontsize=8)
        return ax


def check(target: str | list[str], profile: str | Profile = "quick", seed: int = 0, jobs: int = 1) -> list[Result]:
    """Check the statements named by ``target`` (ids, globs, conjecture files, ``FILE::PATTERN``)
    and return their :class:`Result` objects; a target that cannot be loaded raises
    :class:`~checker.registry.LoadError` with the message the CLI would print."""
    stmts, errors = registry.select([target] if isinstance(target, str) else list(target))
    if errors:
        raise registry.LoadError("; ".join(errors))
    prof = get_profile(profile) if isinstance(profile, str) else profile
    return [Result(r) for r in runner.run(stmts, prof, seed, jobs=jobs)]


_MATHTEXT = ((r"\lVert", r"\Vert "), (r"\rVert", r"\Vert "), (r"\tfrac", r"\frac"), (r"\left(", "("), (r"\right)", ")"))


def mathtext_label(name: str, latex: str = "") -> str:
    """``$latex$`` for a matplotlib label when matplotlib's mathtext can draw it (after mapping the
    few commands it lacks, ``\\lVert``, ``\\tfrac``, …), else the identifier ``name``."""
    if not latex:
        return name
    from matplotlib.mathtext import MathTextParser

    for old, new in _MATHTEXT:
        latex = latex.replace(old, new)
    try:
        MathTextParser("path").parse(f"${latex}$")
    except ValueError:
        return name
    return f"${latex}$"


def default_figures(result: StatementResult, names: Mapping[str, str] | None = None) -> list[Callable[[Any], str]]:
    """The figures of a user's conjecture without its own: the distribution of the in-scope margins
    and the measured values at the worst instance, labelled by the quantities' display names
    (``names``: identifier -> LaTeX, :meth:`checker.systems.System.latex_names`)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    def margins(path: Any) -> str:
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.hist(result.margins, bins=30)
        ax.axvline(0, color="k", lw=0.8)
        ax.set_xlabel("margin (≥ 0: holds)")
        ax.set_ylabel("instances")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        return f"{result.id}: margins of the {len(result.margins)} measured in-scope instances"

    measured = [r for r in Result(result).records if _mid(r.get("margin")) is not None]

    def worst(path: Any) -> str:
        rec = min(measured, key=lambda r: _mid(r["margin"]))
        shown = sorted(rec.get("values") or {})
        fig, ax = plt.subplots(figsize=(5, 3))
        ax.bar([mathtext_label(n, (names or {}).get(n, "")) for n in shown], [_mid(rec["values"][n]) for n in shown])
        ax.set_ylabel("measured value")
        fig.tight_layout()
        fig.savefig(path, dpi=90)
        plt.close(fig)
        return (f"{result.id}: the quantities at the worst instance (margin {_mid(rec['margin']):.3g}, "
                f"{rec.get('outcome')})")

    return ([margins] if result.margins else []) + ([worst] if measured else [])
