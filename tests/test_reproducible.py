"""Evidence does not depend on load or on how many processes run it (issue 8, item 3).

For one seed and profile, the instances drawn, the counts and every verdict must be identical on an
idle machine, under a concurrent CPU load, and with the shards of a search run in one process or
in two parallel processes.  Timings (``seconds``, the phases' seconds, a proof's seconds) and the
library versions are the only fields allowed to differ.
"""
from __future__ import annotations

import dataclasses
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager

import pytest

from checker import registry
from checker.profiles import profile
from checker.search import merge, plan_units, run_statement, run_unit

QUICK = profile("quick")
TWO_SHARDS = dataclasses.replace(QUICK, name="quick-2", shards=2)
#: A fast subset of ``check 'DHL-*' 'MC-*'``: proved, certified, passed, refuted (with shrinking)
#: and non-discriminating statements of both families.
SUBSET = ["DHL-I1", "DHL-MF-bound", "DHL-REV-RATIO-LARGE", "MC-T1", "MUT-DHL-MF-bound-half",
          "MUT-DHL-T3.1-no-drift"]


def evidence(result) -> dict:
    """A result's JSON without its timings and versions."""
    data = result.to_json()
    for key in ("seconds", "versions"):
        data.pop(key)
    data["statistics"] = {k: v for k, v in data["statistics"].items() if k != "phases"}
    if data["proof"]:
        data["proof"] = {k: v for k, v in data["proof"].items() if k != "seconds"}
    return data


def _busy(stop) -> None:
    while not stop.is_set():
        sum(i * i for i in range(10_000))


@contextmanager
def cpu_load(processes: int = 3):
    """Busy-loop processes competing for the CPU during the block."""
    stop = multiprocessing.Event()
    procs = [multiprocessing.Process(target=_busy, args=(stop,), daemon=True) for _ in range(processes)]
    for p in procs:
        p.start()
    try:
        yield
    finally:
        stop.set()
        for p in procs:
            p.join(5)


def _unit_by_id(unit) -> dict:
    return run_unit(registry.statements()[unit.statement], unit)


def check_all(ids, prof, seed=3, pool=None) -> list[dict]:
    """``check IDS --seed SEED --json`` equivalent; the units run on ``pool`` when given."""
    out = []
    for sid in ids:
        stmt = registry.statements()[sid]
        units = plan_units(stmt, prof, seed, database_dir=None)
        results = list(pool.map(_unit_by_id, units)) if pool else [run_unit(stmt, u) for u in units]
        out.append(evidence(merge(stmt, prof, seed, results[::-1])))  # any order merges alike
    return out


def test_the_same_evidence_idle_and_under_cpu_load():
    idle = check_all(SUBSET, QUICK)
    with cpu_load():
        loaded = check_all(SUBSET, QUICK)
    assert loaded == idle
    assert {r["verdict"] for r in idle} >= {"proved", "certified", "refuted"}


def test_the_same_evidence_with_shards_in_one_or_two_processes():
    serial = check_all(SUBSET, TWO_SHARDS)
    with ProcessPoolExecutor(2) as pool:
        parallel = check_all(SUBSET, TWO_SHARDS, pool=pool)
    assert parallel == serial
    assert all(r["statistics"]["shards"] == 2 for r in serial)


def test_run_statement_is_the_merge_of_its_units():
    stmt = registry.statements()["MC-T1"]
    assert evidence(run_statement(stmt, TWO_SHARDS, 3, database_dir=None)) == check_all(["MC-T1"], TWO_SHARDS)[0]


@pytest.mark.slow
def test_the_whole_check_is_the_same_under_load_and_in_two_processes():
    """The issue's command: ``check 'DHL-*' 'MC-*' --seed 3 --json``, at the default profile."""
    ids = [s.id for s in registry.select(["DHL-*", "MC-*"])[0]]
    prof = profile("default")
    idle = check_all(ids, prof)
    with cpu_load():
        loaded = check_all(ids, prof)
    with ProcessPoolExecutor(2) as pool:
        parallel = check_all(ids, prof, pool=pool)
    assert loaded == idle == parallel
