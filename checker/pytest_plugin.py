"""The pytest plugin (entry point ``checker`` of group ``pytest11``: loaded whenever the package is
installed; ``pytest -p checker`` names it explicitly).

* ``--checker-profile NAME`` (else ``$CHECKER_PROFILE``, else ``quick``) and ``--checker-seed N``
  (else pytest's ``--hypothesis-seed``, else a seed drawn once per session and printed in the header,
  shared with pytest-xdist workers) set what every conjecture test runs with.
* the ``checker`` marker is on every conjecture test (``pytest -m checker`` selects them).
* a conjecture with ``expect="fails"`` is xfail-strict: *xfailed* when refuted, failed otherwise.
* a conjecture's failure is reported as its message alone: the conjecture's file and line, the
  verdict, the replay command and the seed, not a traceback through the checker.
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


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo) -> Any:
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and call.excinfo is not None and call.excinfo.errisinstance(api.ConjectureFailure):
        rep.longrepr = str(call.excinfo.value)
