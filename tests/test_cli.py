"""The command-line contract: list, systems, check (--json, targets, exit codes, replay, time limits),
bad input (each naming file, line and statement), and the runner behind it (pools, executors)."""
from __future__ import annotations

import json
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from checker import registry, runner
from checker.cli import main
from checker.profiles import profile

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "my_conjectures.py"
JSON_KEYS = {"id", "verdict", "instances", "in_scope", "worst_margin", "error_bound", "precision_bits",
             "seconds", "shrinks", "best_violation", "counterexample", "reproduce"}
HEAD = "from checker import conjecture\nfrom theorems.balance import mlp\n"


def cli(capsys, *args: str) -> tuple[int, str, str]:
    """``python -m checker ARGS`` in this process: (exit status, stdout, stderr)."""
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def check_json(capsys, *args: str) -> tuple[int, list[dict], str]:
    code, out, err = cli(capsys, "check", *args, "--json", "--profile", "quick")
    return code, json.loads(out), err


def test_list_names_every_balance_theorem(capsys):
    out = cli(capsys, "list")[1]
    for sid in ("DHL-I1", "DHL-T2.1", "DHL-C2.1", "DHL-LIN", "DHL-T2.3", "DHL-K", "DHL-GD", "DHL-MF"):
        assert sid in out


def test_systems_document_every_quantity_symbol(capsys):
    out = cli(capsys, "systems")[1]
    for sym in ("in_dot", "out_dot", "d_gram_in", "d_kernel_sq", "d_toeplitz_sq", "drift_bound", "Q_end"):
        assert sym in out


MY_SYSTEMS = '''from hypothesis import strategies as st
from checker import System, system_family
from checker.quantities import quantity
from theorems.balance import mlp

WIDE = mlp(width=(4, 6))
X = {"x": quantity("x", "the drawn number", "x", "exact")}


@system_family(X)
def numbers(top: int = 3) -> System:
    """Integers up to top."""
    return System("numbers", "integers", X, st.integers(0, top), lambda i, p, n: {})
'''


def test_systems_of_a_users_file_list_their_quantities_with_latex_and_error_model(capsys, tmp_path):
    code, out, err = cli(capsys, "systems", str(ROOT / "examples" / "heavy_ball.py"), str(ROOT / "examples" / "residual.py"))
    assert code == (2 if registry.builtin_errors() else 0), err
    assert "heavy-ball ReLU network: heavy-ball flow on MLP, squared loss" in out
    assert "defined as heavy_ball in" in out and "used by heavy-ball-balance, heavy-ball-law" in out
    assert "linear residual network" in out and "used by residual-n-balance, residual-m-balance" in out
    lines = out.splitlines()
    row = next(i for i, line in enumerate(lines) if line.split()[:2] == ["balance", "exact"])
    assert lines[row].split()[2:] == [r"\lVert", r"W_{1}\rVert_F^2", "-", r"\lVert", r"W_{2}\rVert_F^2"]
    assert lines[row + 1].strip() == "‖W1‖_F² − ‖W2‖_F² (weight blocks 1 and 2)"
    assert "gamma            exact     \\gamma" in out
    # a file of systems only (no conjecture) with a registered family
    f = tmp_path / "my_systems.py"
    f.write_text(MY_SYSTEMS)
    code, out, err = cli(capsys, "systems", str(f))
    assert code == (2 if registry.builtin_errors() else 0), err
    assert "defined as WIDE in" in out and "in_dot" in out
    assert "my_systems.numbers(top=3)" in out and "Integers up to top." in out and "the drawn number" in out
    empty = tmp_path / "empty.py"
    empty.write_text("x = 1\n")
    code, out, err = cli(capsys, "systems", str(empty))
    assert code == 2 and "defines no System, system family or conjecture" in err
    code, out, err = cli(capsys, "systems", str(tmp_path / "missing.py"))
    assert code == 2 and "no such conjecture file" in err


def test_help_states_the_exit_status_of_check_and_report():
    for cmd in ("check", "report"):
        res = subprocess.run([sys.executable, "-m", "checker", cmd, "--help"], cwd=ROOT, capture_output=True, text=True)
        text = " ".join(res.stdout.split())
        assert "0 when every verdict is the expected one" in text and "1 when some verdict is not" in text
        assert "2 for bad usage or input" in text


def test_check_json_contract_and_exit_status(capsys):
    code, rows, err = check_json(capsys, "DHL-I1", "DHL-MF")
    assert code == 0, err
    assert [r["id"] for r in rows] == ["DHL-I1", "DHL-MF"] and all(JSON_KEYS <= set(r) for r in rows)
    assert {r["verdict"] for r in rows} <= {"proved", "certified", "passed"}


def test_an_expected_refutation_exits_0_and_its_replay_reproduces_it(capsys):
    code, rows, _ = check_json(capsys, "MUT-DHL-K-k1")
    assert code == 0 and rows[0]["verdict"] == "refuted" and rows[0]["counterexample"] is not None
    cmd = rows[0]["reproduce"].split()
    assert cmd[:4] == ["python", "-m", "checker", "check"]
    code, again, _ = check_json(capsys, *cmd[4:])
    assert code == 0 and again[0]["counterexample"] == rows[0]["counterexample"]


def test_an_unexpected_refutation_exits_1(capsys, tmp_path):
    f = tmp_path / "wrong.py"
    f.write_text(HEAD + "conjecture('wrong-k', system=mlp(activations=('relu2',)), conclusion='in_dot == out_dot')\n")
    code, rows, _ = check_json(capsys, str(f))
    assert code == 1 and rows[0]["verdict"] == "refuted"


def test_file_targets_select_ids_by_glob(capsys):
    code, rows, _ = check_json(capsys, f"{EXAMPLE}::gd-balance-step-bound")
    assert code == 0 and [r["id"] for r in rows] == ["gd-balance-step-bound"]
    code, rows, _ = check_json(capsys, f"{EXAMPLE}::*relu*")
    assert [r["id"] for r in rows] == ["deep-relu-balance"]
    code, rows, err = check_json(capsys, f"{EXAMPLE}::nothing-*", "DHL-MF")
    assert code == 2 and "defines no statement matching 'nothing-*'" in err and "tanh-balance" in err
    assert [r["id"] for r in rows if r["id"]] == ["DHL-MF"]


def test_unknown_ids_damaged_and_foreign_blobs_are_usage_errors(capsys):
    code, _, err = cli(capsys, "check", "NO-SUCH-*")
    assert code == 2 and "no statement matches 'NO-SUCH-*'" in err
    code, _, err = cli(capsys, "check", "DHL-K", "--replay", "DHL-K:not-a-blob")
    assert code == 2 and "cannot decode the replay blob" in err
    blob = check_json(capsys, "MUT-DHL-MF-eta")[1][0]["reproduce"].rsplit(":", 1)[1]  # a factorisation instance
    code, rows, err = check_json(capsys, "DHL-K", "--replay", f"DHL-K:{blob}")
    assert code == 2 and "made for another statement" in err and "KeyError" not in err


def test_replay_keeps_the_other_targets(capsys):
    row = check_json(capsys, "MUT-DHL-K-k1")[1][0]
    code, rows, _ = check_json(capsys, "MUT-DHL-K-k1", "DHL-MF", "--replay", row["reproduce"].split("--replay ")[1])
    assert code == 0 and [(r["id"], r["instances"]) for r in rows] == [("MUT-DHL-K-k1", 1), ("DHL-MF", rows[1]["instances"])]
    assert rows[1]["verdict"] == "proved"


def test_tautologies_are_flagged_not_silently_certified(capsys, tmp_path):
    f = tmp_path / "taut.py"
    f.write_text(HEAD + "conjecture('taut-self', system=mlp(), conclusion='in_dot == in_dot')\n")
    code, out, _ = cli(capsys, "check", str(f), "--profile", "quick")
    assert "warning:" in out
    code, rows, _ = check_json(capsys, str(f))
    assert rows[0]["warnings"]


def test_time_limits_override_the_profile():
    from checker.cli import _parser, profile_of

    args = _parser().parse_args(["check", "X", "--profile", "quick", "--instance-seconds", "3", "--statement-seconds", "7"])
    prof = profile_of(args)
    assert (prof.instance_seconds, prof.statement_seconds) == (3.0, 7.0)
    assert prof.max_examples == profile("quick").max_examples


@pytest.mark.parametrize("body,message,line", [
    (HEAD + "conjecture('c1', system=mlp(), conclusion='in_dot == nonsense')\n", "unknown quantity 'nonsense'", 3),
    ("from checker import conjecture\nconjecture('c1', system=None, conclusion='a >= b'\n", "SyntaxError", None),
    ("x = 1\n", "defines no conjecture", None),
    ("from theorems.balance import mlp\nmlp(activations=('gelu',))\n", "unknown activation 'gelu'", 2),
    (HEAD + "conjecture('c1', system=mlp(), conclusion='in_dot == out_dot')\n\n"
     "conjecture('c1', system=mlp(), conclusion='in_dot >= out_dot')\n", "duplicate statement id 'c1' (first defined at line 3)", 5),
    (HEAD + "\nconjecture('c1', system=mlp(), conclusion='in_dot <= out_dot + 0.1')\n", "float literal 0.1", 4),
])
def test_malformed_conjecture_files_name_file_and_line_and_do_not_stop_the_rest(capsys, tmp_path, body, message, line):
    bad = tmp_path / "bad_conjectures.py"
    bad.write_text(body)
    code, rows, err = check_json(capsys, str(bad), "DHL-MF", "--jobs", "2")
    assert code == 2 and message in err and (f"bad_conjectures.py:{line}:" if line else "bad_conjectures.py") in err
    assert any(r["id"] == "DHL-MF" and r["verdict"] == "proved" for r in rows)
    assert any(r["verdict"] == "error" and message in r["message"] for r in rows)


def test_a_bad_file_beside_good_ones_on_a_pool(capsys, tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text(HEAD + "conjecture('b1', system=mlp(), conclusion='in_dot == nonsense')\n")
    code, rows, err = check_json(capsys, str(bad), f"{EXAMPLE}::gd-*", "DHL-MF", "--jobs", "2")
    assert code == 2 and "bad.py:3" in err
    assert [(r["id"], r["verdict"]) for r in rows if r["id"]] == [("gd-balance-step-bound", "certified"), ("DHL-MF", "proved")]


def _comparable(res) -> dict:
    data = res.to_json()
    for key in ("seconds", "statistics"):  # timings aside
        data.pop(key, None)
    if data.get("proof"):
        data["proof"] = {k: v for k, v in data["proof"].items() if k != "seconds"}
    return data


def test_pools_and_executors_give_the_serial_results():
    stmts = [registry.statements()[i] for i in ("DHL-MF", "DHL-K", "DHL-I1")]
    serial = runner.run(stmts, profile("quick"), 3)
    with ThreadPoolExecutor(2) as pool:
        threads = runner.run(stmts, profile("quick"), 3, executor=pool)
    procs = runner.run(stmts, profile("quick"), 3, jobs=2)  # the shards of one statement on two processes
    longest_last = runner.run(stmts, profile("quick"), 3, jobs=2, expected_seconds={"DHL-I1": 9.0, "DHL-K": 5.0})
    assert [r.verdict.value for r in serial] == ["proved", "proved", "proved"]
    assert [_comparable(r) for r in threads] == [_comparable(r) for r in serial] == [_comparable(r) for r in procs] \
        == [_comparable(r) for r in longest_last]


def test_a_worker_that_dies_is_one_error_row_and_the_pool_goes_on():
    """The dying statement's family (its file) gets a fresh process for what follows; the other
    family's statements on the other worker are untouched."""
    dying, _ = registry.select([str(Path(__file__).parent / "data" / "misbehaving_conjectures.py") + "::dying-*"])
    stmts = [registry.statements()["DHL-MF"], *dying, registry.statements()["DHL-K"]]
    with runner.FamilyPool(2) as pool:
        res = runner.run(stmts, profile("quick"), 0, executor=pool)
        again = runner.run([stmts[0], stmts[2]], profile("quick"), 0, executor=pool)  # both workers busy again
    assert [r.verdict.value for r in res] == ["proved", "error", "proved"] and "BrokenProcessPool" in res[1].message
    assert [r.verdict.value for r in again] == ["proved", "proved"]


def test_a_broken_job_is_an_error_row_and_the_others_run(monkeypatch):
    stmts = [registry.statements()[i] for i in ("DHL-MF", "DHL-K")]
    real = runner.execute

    def flaky(job):
        if job.unit.statement == "DHL-K":
            raise RuntimeError("worker lost")
        return real(job)

    monkeypatch.setattr(runner, "execute", flaky)
    res = runner.run(stmts, profile("quick"), 0)
    assert [r.verdict.value for r in res] == ["proved", "error"] and "worker lost" in res[1].message


def test_the_report_runs_on_every_core_by_default_and_check_on_one():
    from checker.cli import _cores, _parser
    assert _parser().parse_args(["report"]).jobs == _cores() and _parser().parse_args(["check", "X"]).jobs == 1
