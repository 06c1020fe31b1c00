"""The Python API for notebooks: check() returns result objects with per-instance records, table()
and plot(); conjectures' figures (their own, or the default margin distribution and worst instance);
the example script runs."""
from __future__ import annotations

import runpy
from pathlib import Path

import matplotlib
import pytest

import checker
from checker import registry
from checker.cli import main

matplotlib.use("Agg")
ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "my_conjectures.py"


def test_check_returns_results_with_records_a_table_and_a_plot():
    (res,) = checker.check(f"{EXAMPLE}::gd-balance-step-bound", profile="quick", seed=1)
    assert res.verdict is checker.Verdict.CERTIFIED and res.as_expected and res.id in repr(res)
    rows = res.table()
    assert len(rows) == res.instances and len(res.records) == res.instances
    assert {"outcome", "margin", "evidence", "reason", "gd_d_in_sq", "eta"} <= set(rows[0])
    assert all(r["margin"] >= 0 for r in rows if r["outcome"] == "holds")
    ax = res.plot("eta", "margin")
    assert ax.get_xlabel() == r"$\eta$" and ax.get_ylabel() == "margin" and len(ax.collections) >= 1
    with pytest.raises(KeyError, match="the columns are"):
        res.plot("eta", "no_such_column")


def test_check_of_a_bad_target_raises_with_the_cli_message():
    with pytest.raises(registry.LoadError, match="no statement matches 'NO-SUCH-\\*'"):
        checker.check("NO-SUCH-*")


def test_conjecture_figures_own_and_default(tmp_path):
    f = tmp_path / "figs.py"
    f.write_text(
        "from checker import conjecture\nfrom theorems.balance import mlp\n"
        "def mine(path):\n    open(path, 'wb').write(b'png')\n    return 'my own figure'\n"
        "conjecture('api-own-fig', system=mlp(), conclusion='in_dot == out_dot', figures=(mine,))\n"
        "conjecture('api-default-figs', system=mlp(), conclusion='in_dot == out_dot')\n")
    out = tmp_path / "reports"
    assert main(["report", "--jobs", "1", "--profile", "quick", "--out", str(out), str(f)]) == 0
    own = (out / "api-own-fig.md").read_text()
    assert "my own figure" in own and (out / "figures" / "api-own-fig-1.png").read_bytes() == b"png"
    default = (out / "api-default-figs.md").read_text()
    assert "margins of the" in default and "the quantities at the worst instance" in default
    assert (out / "figures" / "api-default-figs-2.png").stat().st_size > 1000


def test_the_api_example_script_runs(capsys, monkeypatch, tmp_path):
    monkeypatch.setattr("sys.argv", ["api_session.py", str(tmp_path / "plot.png")])
    runpy.run_path(str(ROOT / "examples" / "api_session.py"), run_name="__main__")
    out = capsys.readouterr().out
    assert "tanh-balance: refuted, replay with python -m checker check" in out
    assert (tmp_path / "plot.png").stat().st_size > 1000


def test_plots_are_labelled_by_display_names():
    import matplotlib

    matplotlib.use("Agg")
    import checker

    res = checker.check(str(ROOT / "examples" / "heavy_ball.py") + "::heavy-ball-law", profile="quick", seed=0)[0]
    ax = res.plot("kinetic", "d_cross")
    assert ax.get_xlabel() == r"$\Vert  V_{1}\Vert _F^2 - \Vert  V_{2}\Vert _F^2$"
    assert ax.get_ylabel().startswith(r"$\frac{d}{dt}(\langle W_{1}")
    assert checker.quantity("x", "a quantity", "x").latex == "x"  # checker.quantity is the documented constructor
