"""The committed reports match the code (issue 8, item 7).

Every registered statement has a row in ``reports/results.json`` whose ``fingerprint`` equals
:func:`checker.fingerprint.fingerprint` of the statement at the default profile; a changed claim,
system, measurement module or tolerance makes the committed report stale and this test fail
until the reports are regenerated (``python -m checker report``).
"""
from __future__ import annotations

import json
from importlib.metadata import entry_points
from pathlib import Path

from checker import registry
from checker.fingerprint import fingerprint
from checker.profiles import profile

RESULTS = Path(__file__).resolve().parent.parent / "reports" / "results.json"


def _builtin_statements() -> dict:
    """The statements of the theorem modules (``checker.theorems`` entry points) that the report
    runs; conjectures that other tests register in the same process are not part of it."""
    modules = {ep.value for ep in entry_points(group="checker.theorems")}
    return {sid: s for sid, s in registry.statements().items() if s.origin in modules}


def test_every_registered_statement_has_a_fresh_row():
    rows = {r["id"]: r for r in json.loads(RESULTS.read_text())}
    default = profile("default")
    builtin = _builtin_statements()
    missing = sorted(set(builtin) - set(rows))
    stale = sorted(sid for sid, stmt in builtin.items()
                   if sid in rows and rows[sid].get("fingerprint") != fingerprint(stmt, default))
    assert not missing and not stale, (f"reports/results.json is stale: no row for {missing}, "
                                       f"changed since the report: {stale}; run `python -m checker report`")
