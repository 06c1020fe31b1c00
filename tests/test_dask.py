"""Jobs on a Dask cluster (two local worker processes) give the JSON of a local run, timings aside.
Marked ``dask`` (cluster start-up and worker imports take ~20 s): ``python -m pytest -m dask``, run by CI."""
from __future__ import annotations

import json

import pytest

from checker.cli import main

distributed = pytest.importorskip("distributed")
pytestmark = pytest.mark.dask


def _rows(capsys, *args: str) -> list[dict]:
    assert main(["check", "MC-T1*", "--profile", "quick", "--seed", "2", "--json", *args]) == 0
    rows = json.loads(capsys.readouterr().out)
    for row in rows:
        row.pop("seconds")
        row.pop("statistics", None)
        if row.get("proof"):
            row["proof"].pop("seconds", None)
    return rows


def test_a_two_worker_cluster_gives_the_json_of_one_job(capsys):
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, dashboard_address=":0") as cluster:
        on_cluster = _rows(capsys, "--executor", "dask", "--scheduler", cluster.scheduler_address)
        with distributed.Client(cluster) as client:
            ran_on = {w for w in client.run(lambda: True)}
    assert len(ran_on) == 2
    assert on_cluster == _rows(capsys, "--jobs", "1") and len(on_cluster) >= 6
