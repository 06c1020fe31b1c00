"""The pytest plugin (entry point ``checker`` of group ``pytest11``: loaded whenever the package is
installed; ``pytest -p checker`` names it explicitly).

* ``--checker-profile NAME`` (else ``$CHECKER_PROFILE``, else ``quick``) and ``--checker-seed N``
  (else pytest's ``--hypothesis-seed``, else a seed drawn once per session and printed in the header,
  shared with pytest-xdist workers) set what every conjecture test runs with.
* the ``checker`` marker is on every conjecture test (``pytest -m checker`` selects them).
* a conjecture with ``expect="fails"`` is xfail-strict: *xfailed* when refuted, failed otherwise.
* a conjecture's failure is reported as its message alone: the conjecture's file and line, the
  verdict, the replay command and the seed, not a traceback through the checker.
* with Hypothesis's ``--hypothesis-show-statistics``, each conjecture's statistics (seed, instances,
  counterexamples replayed first from the example database, instance mix, scope reasons, seconds
  per phase) are printed at the end of the run (also from pytest-xdist workers).
"""
from __future__ import annotations

import os
import random
from typing import Any

import pytest

from . import api
from .profiles import PROFILES, profile


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("checker", "theorem checker conjectures")
    group.addoption("--checker-profile", choices=sorted(PROFILES), default=None,
                    help="profile of conjecture tests (default: $CHECKER_PROFILE, else quick)")
    group.addoption("--checker-seed", type=int, default=None,
                    help="seed of conjecture tests (default: --hypothesis-seed, else drawn and printed)")


def _seed(config: pytest.Config) -> int:
    for value in (config.getoption("checker_seed"), config.getoption("hypothesis_seed", None),
                  getattr(config, "workerinput", {}).get("checker_seed")):
        if value is not None:
            try:
                return int(value)
            except ValueError:
                raise pytest.UsageError(f"the checker needs an integer seed, got {value!r}") from None
    return random.SystemRandom().randrange(2**32)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "checker: a conjecture checked by the theorem checker")
    name = config.getoption("checker_profile") or os.environ.get("CHECKER_PROFILE", "quick")
    api.TEST_SETTINGS = api.TestSettings(profile(name), _seed(config))


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist: every worker runs with the controller's seed."""
    node.workerinput["checker_seed"] = api.TEST_SETTINGS.seed


def pytest_report_header(config: pytest.Config) -> str:
    s = api.TEST_SETTINGS
    return f"checker: profile {s.profile.name}, seed {s.seed} (rerun with --checker-seed {s.seed})"


_FIRST_RESULT = pytest.StashKey[int]()


def pytest_runtest_setup(item: pytest.Item) -> None:
    item.stash[_FIRST_RESULT] = len(api.CHECKED)


def _statistics(res: Any) -> str:
    stats = res.statistics or {}
    mix = "; ".join(f"{k}: " + ", ".join(f"{v} ×{n}" for v, n in sorted(c.items())) for k, c in stats.get("mix", {}).items())
    phases = ", ".join(f"{k} {v:.2f} s" for k, v in stats.get("phases", {}).items())
    return (f"{res.id}: {res.verdict.value}; profile {res.profile}, seed {res.seed}; {res.instances} instances "
            f"({res.in_scope} in scope); replayed first from the example database: "
            f"{stats.get('replayed_from_database', 0)}\n  instance mix: {mix or '—'}\n  scope reasons: "
            f"{res.scope_reasons or '—'}\n  phases: {phases or '—'}")


def pytest_terminal_summary(terminalreporter: Any, config: pytest.Config) -> None:
    if not config.getoption("hypothesis_show_statistics", False):
        return
    lines = [text for reports in terminalreporter.stats.values() for rep in reports
             for name, text in getattr(rep, "user_properties", ()) if name == "checker_statistics"]
    if lines:
        terminalreporter.section("checker statistics")
        for text in lines:
            terminalreporter.write_line(text)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    rep = outcome.get_result()
    if call.when == "call":
        for res in api.CHECKED[item.stash.get(_FIRST_RESULT, len(api.CHECKED)):]:
            rep.user_properties.append(("checker_statistics", _statistics(res)))
    if rep.failed and call.excinfo is not None and call.excinfo.errisinstance(api.ConjectureFailure):
        rep.longrepr = str(call.excinfo.value)
