"""The command-line contract: list, systems, check (--json, exit codes, replay), bad input, and
conjecture files collected by pytest."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
JSON_KEYS = {"id", "verdict", "instances", "in_scope", "worst_margin", "error_bound", "precision_bits",
             "seconds", "shrinks", "best_violation", "counterexample", "reproduce"}


def run(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "checker", *args], cwd=cwd, capture_output=True, text=True, timeout=300)


def test_list_names_every_balance_theorem():
    out = run("list").stdout
    for sid in ("DHL-I1", "DHL-T2.1", "DHL-C2.1", "DHL-LIN", "DHL-T2.3", "DHL-K", "DHL-GD", "DHL-MF"):
        assert sid in out


def test_systems_document_every_quantity_symbol():
    out = run("systems").stdout
    for sym in ("in_dot", "out_dot", "d_gram_in", "d_kernel_sq", "d_toeplitz_sq", "drift_bound", "Q_end"):
        assert sym in out


def test_check_json_contract_and_exit_status():
    ok = run("check", "DHL-I1", "DHL-MF", "--json", "--profile", "quick")
    assert ok.returncode == 0, ok.stderr
    rows = json.loads(ok.stdout)
    assert [r["id"] for r in rows] == ["DHL-I1", "DHL-MF"] and all(JSON_KEYS <= set(r) for r in rows)
    assert {r["verdict"] for r in rows} <= {"proved", "certified", "passed"}


def test_a_refutation_exits_1_and_its_replay_reproduces_it():
    res = run("check", "MUT-DHL-K-k1", "--json", "--profile", "quick")
    assert res.returncode == 1
    row = json.loads(res.stdout)[0]
    assert row["verdict"] == "refuted" and row["counterexample"] is not None
    cmd = row["reproduce"].split()
    assert cmd[:4] == ["python", "-m", "checker", "check"]
    again = run(*cmd[3:], "--json")
    assert again.returncode == 1 and json.loads(again.stdout)[0]["counterexample"] == row["counterexample"]


def test_unknown_ids_and_damaged_blobs_are_usage_errors():
    res = run("check", "NO-SUCH-*")
    assert res.returncode == 2 and "no statement matches 'NO-SUCH-*'" in res.stderr
    res = run("check", "DHL-K", "--replay", "DHL-K:not-a-blob")
    assert res.returncode == 2 and "cannot decode the replay blob" in res.stderr


@pytest.mark.parametrize("body,message", [
    ("from checker import conjecture\nfrom theorems.balance import mlp\n"
     "conjecture('c1', system=mlp(), conclusion='in_dot == nonsense')\n", "unknown quantity 'nonsense'"),
    ("from checker import conjecture\nconjecture('c1', system=None, conclusion='a >= b'\n", "SyntaxError"),
    ("x = 1\n", "defines no conjecture"),
    ("from theorems.balance import mlp\nmlp(activations=('gelu',))\n", "unknown activation 'gelu'"),
])
def test_malformed_conjecture_files_name_the_file_and_do_not_stop_the_rest(tmp_path, body, message):
    bad = tmp_path / "bad_conjectures.py"
    bad.write_text(body)
    res = run("check", str(bad), "DHL-MF", "--json", "--profile", "quick")
    assert res.returncode == 2 and message in res.stderr and "bad_conjectures.py" in res.stderr
    rows = json.loads(res.stdout)
    assert any(r["id"] == "DHL-MF" and r["verdict"] == "proved" for r in rows)
    assert any(r["verdict"] == "error" and message in r["message"] for r in rows)


def test_conjecture_files_are_checked_and_collected_by_pytest(tmp_path):
    example = ROOT / "examples" / "my_conjectures.py"
    res = run("check", str(example), "--json", "--profile", "quick")
    verdicts = {r["id"]: r["verdict"] for r in json.loads(res.stdout)}
    assert verdicts == {"deep-relu-balance": "certified", "gd-balance-step-bound": "certified", "tanh-balance": "refuted"}
    tests = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(example)],
                           cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert tests.returncode == 0 and "3 passed" in tests.stdout, tests.stdout


def test_a_conjecture_expected_to_hold_fails_its_pytest_test_when_refuted(tmp_path):
    f = tmp_path / "test_wrong.py"
    f.write_text("from checker import conjecture\nfrom theorems.balance import mlp\n"
                 "conjecture('wrong-k', system=mlp(activations=('relu2',)), conclusion='in_dot == out_dot')\n")
    res = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", str(f)],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert res.returncode == 1 and "verdict refuted" in res.stdout and "replay: python -m checker" in res.stdout


def test_report_writes_index_pages_and_results(tmp_path):
    res = subprocess.run([sys.executable, "-m", "checker", "report", "--profile", "quick", "--out", str(tmp_path),
                          "DHL-GD", "MUT-DHL-GD-conserved"], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert res.returncode == 0, res.stderr
    index = (tmp_path / "index.md").read_text()
    assert "[DHL-GD](DHL-GD.md)" in index and "**proved**" in index and "**refuted**" in index
    page = (tmp_path / "DHL-GD.md").read_text()
    assert "$$" in page and "figures/DHL-GD-1.png" in page and (tmp_path / "figures" / "DHL-GD-1.png").exists()
    assert "--replay MUT-DHL-GD-conserved:" in (tmp_path / "MUT-DHL-GD-conserved.md").read_text()
    assert len(json.loads((tmp_path / "results.json").read_text())) == 2


def test_any_executor_runs_the_same_units():
    from concurrent.futures import ThreadPoolExecutor

    from checker import registry
    from checker.cli import run_many

    stmts = [registry.statements()[i] for i in ("DHL-MF", "MUT-DHL-MF-eta")]
    with ThreadPoolExecutor(2) as pool:
        results = run_many(stmts, [], "quick", 0, 1, executor=pool)
    assert [r.verdict.value for r in results] == ["proved", "refuted"]
