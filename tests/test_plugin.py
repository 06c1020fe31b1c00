"""The pytest plugin: conjecture files as tests, xfail-strict expected failures, messages at the
user's line with the replay command, profile and seed options, the marker, parametrised conjectures."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import theorems.balance  # noqa: F401 - imported once here: pytester's in-process runs must not re-import numpy
from checker import api

pytest_plugins = ["pytester"]
pytestmark = pytest.mark.filterwarnings("ignore::pytest.PytestAssertRewriteWarning")
ROOT = Path(__file__).resolve().parents[1]
HEAD = "import pytest\nfrom checker import conjecture\nfrom theorems.balance import mlp\n"


@pytest.fixture(autouse=True)
def _keep_settings():
    saved = api.TEST_SETTINGS
    yield
    api.TEST_SETTINGS = saved


def test_a_refuted_conjecture_fails_at_its_own_line_with_the_replay_command(pytester):
    pytester.makepyfile(test_wrong=HEAD + "\n\nconjecture('plugin-wrong-k', system=mlp(activations=('relu2',)),\n"
                                          "           conclusion='in_dot == out_dot')\n")
    res = pytester.runpytest("-p", "checker", "--checker-seed", "3")
    res.assert_outcomes(failed=1)
    out = res.stdout.str()
    assert "test_wrong.py:6: conjecture 'plugin-wrong-k' (expected to hold): verdict refuted" in out
    assert "replay: python -m checker check" in out and "--checker-seed 3" in out and "api.py" not in out


def test_expected_failures_are_strict(pytester):
    pytester.makepyfile(test_strict=HEAD + "conjecture('plugin-holds-after-all', system=mlp(), "
                                           "conclusion='in_dot == out_dot', expect='fails')\n")
    res = pytester.runpytest("-p", "checker", "--checker-seed", "0")
    res.assert_outcomes(failed=1)
    assert "XPASS(strict)" in res.stdout.str()


def test_parametrised_conjectures_give_one_test_per_cell(pytester):
    pytester.makepyfile(test_cells=HEAD + """
@pytest.mark.parametrize("act,expect", [("relu", "holds"), ("leaky_relu", "holds"), ("tanh", "fails")])
def test_balance(act, expect):
    conjecture(f"plugin-balance-{act}", system=mlp(activations=(act,), enforce_hypotheses=False),
               conclusion="in_dot == out_dot", expect=expect)
""")
    res = pytester.runpytest("-p", "checker", "--checker-seed", "1", "-m", "checker or not checker", "-v")
    res.assert_outcomes(passed=2, xfailed=1)


def test_profile_seed_and_marker_options(pytester):
    pytester.makepyfile(test_opts=HEAD + "conjecture('plugin-opts', system=mlp(), conclusion='in_dot == out_dot')\n"
                                         "def test_plain():\n    pass\n")
    res = pytester.runpytest("-p", "checker", "--checker-profile", "quick", "-m", "checker")
    res.assert_outcomes(passed=1, deselected=1)
    assert "checker: profile quick, seed " in res.stdout.str()  # a drawn seed, printed
    res = pytester.runpytest("-p", "checker", "--checker-seed", "nine")
    assert res.ret != 0


def test_a_second_run_replays_the_stored_counterexample_first(tmp_path):
    (tmp_path / "my_conjectures.py").write_text((ROOT / "examples" / "my_conjectures.py").read_text())
    run = [sys.executable, "-m", "pytest", "my_conjectures.py", "-p", "checker", "--hypothesis-seed", "5",
           "--hypothesis-show-statistics", "-p", "no:cacheprovider", "-k", "tanh"]
    first, second = (subprocess.run(run, cwd=tmp_path, capture_output=True, text=True, timeout=300) for _ in range(2))
    assert "1 xfailed" in first.stdout and "1 xfailed" in second.stdout, first.stdout + second.stdout
    assert "checker statistics" in first.stdout and "instance mix" in first.stdout
    assert "tanh-balance: refuted" in first.stdout and "example database: 0" in first.stdout
    assert "example database: 1" in second.stdout
